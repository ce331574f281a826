"""The OpenAI chat-completions protocol, so any OpenAI client (Open WebUI, LibreChat, the `openai` package) can
talk to the bot: `GET /v1/models` and `POST /v1/chat/completions` (plain, or `stream: true` as server-sent events
ending in `data: [DONE]`). The reply is our answer (quoted, or generated and checked) with its sources listed at
the end. With QA_API_KEYS set, a caller must send one of them as its API key.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.concurrency import run_in_threadpool

from .. import __version__
from ..bodylimit import MAX_BODY
from ..crosslingual import is_english
from ..generate import Answer
from ..problems import LOADING, readable_errors
from ..routes.deps import loaded_service
from ..schemas import MAX_MESSAGES, MAX_TURN_CHARS  # an earlier turn is cut to it, not refused
from ..settings import MAX_QUERY_CHARS
from .chat_api import SSE_HEADERS, answered
from .common import json_body, key_refused

MODEL = "speeches"
CREATED = 1_767_225_600  # 2026-01-01: when this model id was first served; /v1/models must give some time
STREAM_PIECE = 40  # characters per streamed chunk of the checked answer
# Chat UIs send the whole conversation: more turns than /api/chat takes are accepted, and the last MAX_MESSAGES read.
MAX_CLIENT_MESSAGES = 10 * MAX_MESSAGES
SOURCES = {"zh": "来源：", "en": "Sources:"}
PARAGRAPH = {"zh": "第{n}段", "en": "paragraph {n}"}


class Message(BaseModel):
    model_config = ConfigDict(extra="ignore")

    role: str = Field(max_length=20)
    content: str | list[dict[str, Any]] | None = None

    def text(self) -> str:
        """The text of a plain or multi-part message (image parts carry none we can search)."""
        if isinstance(self.content, list):
            return "".join(str(p.get("text", "")) for p in self.content if p.get("type") == "text")
        return self.content or ""


class CompletionRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")  # temperature, max_tokens, ...: ours is not a sampling model

    model: str = Field(max_length=200)
    messages: list[Message] = Field(min_length=1, max_length=MAX_CLIENT_MESSAGES)
    stream: bool = False


def openai_error(status: int, message: str, kind: str, code: str | None = None, param: str | None = None):
    return JSONResponse({"error": {"message": message, "type": kind, "param": param, "code": code}}, status_code=status)


def conversation(body: CompletionRequest) -> list[dict] | str:
    """The user and assistant turns (system prompts steer nothing here), or what is wrong with them."""
    turns = [
        {"role": m.role, "content": m.text()[:MAX_TURN_CHARS]} for m in body.messages if m.role in ("user", "assistant")
    ][-MAX_MESSAGES:]
    if not turns or turns[-1]["role"] != "user" or not turns[-1]["content"].strip():
        return "the last message must be a non-empty user question"
    last = next(m for m in reversed(body.messages) if m.role == "user").text()
    if len(last) > MAX_QUERY_CHARS:
        return f"the question is longer than {MAX_QUERY_CHARS} characters"
    return turns


def source_line(number: int, source: dict, language: str) -> str:
    who = ", ".join(x for x in (source.get("speaker"), source.get("role")) if x)
    title = source.get("speech_title") or source.get("title") or ""
    parts = [who, f"“{title}”" if language == "en" else f"《{title}》", source.get("date") or ""]
    parts.append(PARAGRAPH[language].format(n=source["paragraph"]))
    return f"[{number}] " + ", ".join(p for p in parts if p)


def reply_text(answer: Answer) -> str:
    """The answer, then its sources: those cited by a generated answer, else every passage found."""
    if not answer.results:
        return answer.answer
    language = "en" if is_english(answer.query) else "zh"
    numbers = answer.cited if answer.mode == "generated" else range(1, len(answer.results) + 1)
    lines = [source_line(n, answer.results[n - 1].source, language) for n in numbers]
    return f"{answer.answer}\n\n{SOURCES[language]}\n" + "\n".join(lines)


def extension(answer: Answer) -> dict:
    """Our fields beside OpenAI's (clients ignore what they do not know): how the answer was made."""
    data = answer.to_dict()
    return {k: data[k] for k in ("mode", "citations", "dropped", "fallback", "query")}


def chunk(completion_id: str, delta: dict, finish: Literal["stop"] | None = None, extra: dict | None = None) -> str:
    data = {
        "id": completion_id,
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": MODEL,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    if extra:
        data["qa"] = extra
    return f"data: {json.dumps(data, ensure_ascii=False)}\n\n"


def pieces(text: str) -> list[str]:
    return [text[i : i + STREAM_PIECE] for i in range(0, len(text), STREAM_PIECE)] or [""]


class OpenAIErrorBody(BaseModel):
    message: str
    type: str
    param: str | None
    code: str | None


class OpenAIError(BaseModel):
    error: OpenAIErrorBody


class ModelCard(BaseModel):
    id: str
    object: Literal["model"]
    created: int
    owned_by: str


class ModelList(BaseModel):
    object: Literal["list"]
    data: list[ModelCard]


class ReplyMessage(BaseModel):
    role: Literal["assistant"]
    content: str


class Choice(BaseModel):
    index: int
    message: ReplyMessage
    finish_reason: Literal["stop"]


class Completion(BaseModel):
    id: str
    object: Literal["chat.completion"]
    created: int
    model: str
    choices: list[Choice]
    qa: dict[str, Any] = Field(description="How the answer was made: mode, citations, dropped, fallback, query")


UNAUTHORIZED = {401: {"model": OpenAIError, "description": "QA_API_KEYS is set and no key of it was sent"}}
COMPLETION_RESPONSES = {
    200: {"content": {"text/event-stream": {}}, "description": "JSON, or with `stream: true` chunks ending in [DONE]"},
    400: {"model": OpenAIError, "description": "A body that is not a chat-completions request"},
    **UNAUTHORIZED,
    404: {"model": OpenAIError, "description": "A model other than `speeches`"},
    413: {"description": f"Body over {MAX_BODY:,} bytes"},
    503: {"description": LOADING},
}

router = APIRouter(prefix="/v1", tags=["openai"])


def refused(request: Request) -> JSONResponse | None:
    if key_refused(request, request.app.state.settings):
        return openai_error(401, "send one of QA_API_KEYS as the API key", "invalid_request_error", "invalid_api_key")
    return None


@router.get("/models", response_model=ModelList, responses={**UNAUTHORIZED, 503: COMPLETION_RESPONSES[503]})
def models(request: Request):
    """The one model: `speeches`."""
    if problem := refused(request):
        return problem
    return {
        "object": "list",
        "data": [{"id": MODEL, "object": "model", "created": CREATED, "owned_by": f"qa-speeches {__version__}"}],
    }


@router.post(
    "/chat/completions",
    response_model=Completion,
    responses=COMPLETION_RESPONSES,
    openapi_extra=json_body(CompletionRequest),
)
async def chat_completions(request: Request):
    """An OpenAI chat completion whose content is our answer and its sources; `stream: true` sends it as chunks
    once it is checked (a generated sentence is never shown before it has passed)."""
    if problem := refused(request):
        return problem
    service = loaded_service(request)
    if service is None:  # in OpenAI's error shape, not FastAPI's {"detail"}
        return openai_error(503, LOADING, "server_error", "index_loading")
    try:
        body = await run_in_threadpool(CompletionRequest.model_validate_json, await request.body())
    except ValidationError as exc:  # not JSON, or not a chat-completions request
        return openai_error(400, readable_errors(exc), "invalid_request_error")
    if body.model != MODEL:
        return openai_error(
            404,
            f"model {body.model!r} does not exist; use {MODEL!r}",
            "invalid_request_error",
            "model_not_found",
            "model",
        )
    turns = conversation(body)
    if isinstance(turns, str):
        return openai_error(400, turns, "invalid_request_error", param="messages")
    answer = await run_in_threadpool(answered, service, turns, None, None)
    content, completion_id = reply_text(answer), f"chatcmpl-{uuid.uuid4().hex}"
    if not body.stream:
        return {
            "id": completion_id,
            "object": "chat.completion",
            "created": int(time.time()),
            "model": MODEL,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
            "qa": extension(answer),
        }

    def events():
        yield chunk(completion_id, {"role": "assistant", "content": ""})
        for piece in pieces(content):
            yield chunk(completion_id, {"content": piece})
        yield chunk(completion_id, {}, "stop", extension(answer))
        yield "data: [DONE]\n\n"

    return StreamingResponse(events(), media_type="text/event-stream", headers=SSE_HEADERS)
