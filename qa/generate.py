"""Generated answers, checked: the top passages go numbered to the user's own OpenAI-compatible model, and only
the sentences its cited passages support are kept (qa/support.py). Whenever the model cannot give a usable
answer (unreachable, slow, empty, nothing supported) the quoted answer is given instead, saying why.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from .crosslingual import is_english
from .facets import EVERYTHING, Scope
from .support import Checked, Dropped, check

if TYPE_CHECKING:
    from .retrieval import Result
    from .service import Service
    from .settings import Settings

log = logging.getLogger("qa.generate")

NO_KEY = "not-needed"  # the openai client insists on a key; local servers (Ollama, llama.cpp) ignore it
TEMPERATURE = 0.1  # low: the model is to restate passages, not to be inventive
MAX_ANSWER_TOKENS = 800
INSTRUCTIONS = {
    "zh": (
        "你是讲话资料问答助手。只能根据下面编号的段落回答问题，不要使用段落以外的知识。"
        "每一句话后面都要用方括号标注它依据的段落编号，例如“……[1]。”或“……[1][3]。”。"
        "段落中没有答案时，直接说“段落中没有找到答案”。用中文回答，简洁，不超过五句话。"
    ),
    "en": (
        "You answer questions about speeches. Answer only from the numbered passages below, never from other "
        "knowledge. After every sentence cite the passage(s) it comes from in square brackets, e.g. "
        '"... [1]." or "... [1][3]." If the passages do not hold the answer, say so. Answer in English, briefly, '
        "in at most five sentences."
    ),
}
QUESTION = {"zh": "问题：{question}", "en": "Question: {question}"}


class ModelUnavailable(Exception):
    """The model gave no usable answer. The message is the fixed reason a client is told (timeout, unreachable,
    an HTTP error, an unreadable or empty reply); `detail` names the server and what it said, for the log only:
    QA_LLM_BASE_URL may hold credentials, and an upstream error may say anything."""

    def __init__(self, reason: str, detail: str):
        super().__init__(reason)
        self.detail = detail


def passage_block(number: int, result: Result) -> str:
    """A passage as the model sees it (and as its sentences are checked): number, who, where, when, text."""
    s = result.source
    who = "，".join(x for x in (s.get("speaker"), s.get("role")) if x)
    title = s.get("speech_title") or s.get("title") or ""
    where = "，".join(x for x in (who, f"《{title}》" if title else "", s.get("date") or "") if x)
    return f"[{number}] {where}，第{s['paragraph']}段：\n{result.text}"


def build_messages(question: str, results: list[Result], language: str) -> list[dict]:
    passages = "\n\n".join(passage_block(i, r) for i, r in enumerate(results, start=1))
    return [
        {"role": "system", "content": f"{INSTRUCTIONS[language]}\n\n{passages}"},
        {"role": "user", "content": QUESTION[language].format(question=question)},
    ]


@functools.lru_cache(maxsize=4)
def _client(base_url: str, api_key: str, timeout: float):
    """One client (and its connection pool) per configured server; retries off: a slow model is quoted instead."""
    import openai

    return openai.OpenAI(base_url=base_url, api_key=api_key or NO_KEY, timeout=timeout, max_retries=0)


def ask_model(settings: Settings, messages: list[dict], on_text: Callable[[str], None] | None = None) -> str:
    """The model's reply, streamed to `on_text` as it comes when given; ModelUnavailable when there is none."""
    import openai

    client = _client(settings.llm_base_url, settings.llm_api_key, settings.llm_timeout)
    where = f"the model {settings.llm_model} at {settings.llm_base_url}"
    deadline = time.monotonic() + settings.llm_timeout
    request = {"model": settings.llm_model, "messages": messages}
    request |= {"temperature": TEMPERATURE, "max_tokens": MAX_ANSWER_TOKENS}
    try:
        if on_text is None:
            reply = client.chat.completions.create(**request)
            text = (reply.choices[0].message.content or "") if reply.choices else ""
        else:
            parts = []
            with client.chat.completions.create(**request, stream=True) as stream:
                for chunk in stream:
                    if time.monotonic() > deadline:
                        reason = f"the model did not finish within {settings.llm_timeout:g} s"
                        raise ModelUnavailable(reason, f"{where}: {reason}")
                    delta = chunk.choices[0].delta.content if chunk.choices else None
                    if delta:
                        parts.append(delta)
                        on_text(delta)
            text = "".join(parts)
    except openai.APITimeoutError:
        reason = f"the model did not answer within {settings.llm_timeout:g} s"
        raise ModelUnavailable(reason, f"{where}: {reason}") from None
    except openai.APIConnectionError as exc:
        detail = f"could not reach {where}: {exc.__cause__ or exc}"
        raise ModelUnavailable("could not reach the model", detail) from None
    except openai.APIStatusError as exc:
        reason = f"the model answered HTTP {exc.status_code}"
        raise ModelUnavailable(reason, f"{where} answered HTTP {exc.status_code}: {exc.message}") from None
    except openai.OpenAIError as exc:  # a reply the client cannot read is as good as none
        detail = f"{where} gave an unreadable reply: {exc}"
        raise ModelUnavailable("the model gave an unreadable reply", detail) from None
    if not text.strip():
        raise ModelUnavailable("the model returned no text", f"{where} returned no text")
    return text


@dataclass
class Answer:
    """What /api/chat, the page's stream and /v1 answer with."""

    query: str
    answer: str
    results: list[Result]
    mode: Literal["generated", "quoted"] = "quoted"
    cited: list[int] = field(default_factory=list)  # passage numbers (1-based into `results`) the answer cites
    dropped: list[Dropped] = field(default_factory=list)
    fallback: str | None = None  # why the answer is quoted although a model is configured
    model_seconds: float = 0.0

    def citations(self) -> list[dict]:
        return [{"marker": n, "passage_id": self.results[n - 1].id} for n in self.cited]

    def to_dict(self) -> dict:
        return {
            "answer": self.answer,
            "query": self.query,
            "passages": [r.to_dict() for r in self.results],
            "mode": self.mode,
            "citations": self.citations(),
            "dropped": [{"sentence": d.sentence, "reason": d.reason, "kind": d.kind} for d in self.dropped],
            "fallback": self.fallback,
        }


def join_sentences(checked: Checked, language: str) -> str:
    return ("" if language == "zh" else " ").join(c.text for c in checked.kept)


def answer_chat(
    service: Service,
    messages: list[dict],
    top_k: int,
    speaker: str | None = None,
    scope: Scope = EVERYTHING,
    on_text: Callable[[str], None] | None = None,
) -> Answer:
    """The quoted answer, or, with QA_LLM_BASE_URL set, the model's answer keeping only supported sentences."""
    settings = service.settings
    query, quoted, results = service.chat(messages, top_k, speaker, scope)
    answer = Answer(query, quoted, results)
    if not settings.llm_base_url or not results:
        return answer
    language = "en" if is_english(query) else "zh"
    start = time.perf_counter()
    try:
        reply = ask_model(settings, build_messages(query, results, language), on_text)
    except ModelUnavailable as exc:
        log.warning("answering by quoting: %s", exc.detail)
        answer.fallback = str(exc)
        return answer
    finally:
        answer.model_seconds = time.perf_counter() - start
    searcher = service.loaded.searcher
    blocks = [passage_block(i, r) for i, r in enumerate(results, start=1)]
    checked = check(reply, blocks, searcher.index.tokenizer.split, settings.support_threshold, searcher.prepare)
    answer.dropped = checked.dropped
    if not checked.kept:
        answer.fallback = f"none of the model's {len(checked.dropped)} sentences is supported by the passages it cites"
        return answer
    answer.mode, answer.answer, answer.cited = "generated", join_sentences(checked, language), checked.cited
    return answer
