"""Chat on top of retrieval: read a follow-up in the light of earlier turns, answer by quoting, never inventing."""

from __future__ import annotations

import re

from .retrieval import mentions

SECOND_OPINION = 0.9  # quote the runner-up too when it scores this close to the best
FOLLOW_UP_MAX = 12  # characters: a turn this short leans on the one before it
FOLLOW_UP_START = ("那", "那么", "还有", "另外", "再", "and ", "what about", "how about")
FILLER = re.compile(r"^(那么|那|还有|另外|再问|再)|(呢|吗|啊|呀)?[？?。！!\s]*$", re.I)


def is_follow_up(text: str) -> bool:
    t = text.strip().lower()
    return len(t) <= FOLLOW_UP_MAX or t.startswith(FOLLOW_UP_START) or t.rstrip("？?。 ").endswith("呢")


def resolve_query(messages: list[dict], names: list[str]) -> str:
    """The question to search for: the last user turn, completed from the previous one when it is a follow-up."""
    users = [m["content"].strip() for m in messages if m["role"] == "user" and m["content"].strip()]
    if not users:
        return ""
    last = users[-1]
    if len(users) == 1 or not is_follow_up(last):
        return last
    previous = users[-2]
    new = mentions(last, names)
    if new:
        # 巩义要建成什么基地？ + 那登封呢？ → 登封 要建成什么基地？
        for old in mentions(previous, names):
            previous = previous.replace(old, "")
        core = FILLER.sub("", last).strip() or " ".join(new)
        return f"{core} {previous}".strip()
    return f"{previous} {last}"


def attribution(source: dict) -> str:
    if source.get("speaker"):
        return f"{source.get('role') or ''}{source['speaker']}在《{source.get('speech_title') or ''}》中说"
    return f"据《{source.get('title') or ''}》"


def compose_answer(results) -> str:
    """Quote the best sentence of the best passage (and of the runner-up when another speaker says it)."""
    if not results:
        return "没有找到能回答这个问题的段落。"
    first = results[0]
    parts = [f"{attribution(first.source)}：“{first.best_sentence}”（第{first.source['paragraph']}段）"]
    second = results[1] if len(results) > 1 else None
    if second and second.score >= SECOND_OPINION * first.score and second.source["speaker"] != first.source["speaker"]:
        parts.append(f"另外，{attribution(second.source)}：“{second.best_sentence}”")
    return "\n".join(parts)
