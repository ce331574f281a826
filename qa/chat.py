"""Chat on top of retrieval: read a follow-up in the light of earlier turns, answer by quoting, never inventing."""

from __future__ import annotations

import re

from .retrieval import mentions

MAX_QUOTE = {"zh": 100, "en": 240}  # characters: a longer best sentence is quoted as its best clauses
CLAUSE = re.compile(r"[^,，;；]+[,，;；]?")
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


def quote(result, language: str = "zh") -> str:
    """The best sentence, or for a long one the run of clauses around the one with most query words."""
    sentence = result.best_sentence
    limit = MAX_QUOTE[language]
    if len(sentence) <= limit:
        return sentence
    offset = max(result.text.find(sentence), 0)
    marked = {i - offset for start, end in result.highlights for i in range(start, end)}
    clauses, pos = [], 0
    for m in CLAUSE.finditer(sentence):
        clauses.append((pos, m.group()))
        pos += len(m.group())
    best = max(
        range(len(clauses)), key=lambda i: sum(1 for j in range(len(clauses[i][1])) if clauses[i][0] + j in marked)
    )
    lo = hi = best
    length = len(clauses[best][1])
    while True:
        grown = False
        for side in (hi + 1, lo - 1):
            if 0 <= side < len(clauses) and length + len(clauses[side][1]) <= limit:
                length += len(clauses[side][1])
                lo, hi = min(lo, side), max(hi, side)
                grown = True
        if not grown:
            break
    text = "".join(c for _, c in clauses[lo : hi + 1]).rstrip(",，;；")
    return ("…" if lo > 0 else "") + text + ("…" if hi < len(clauses) - 1 else "")


def attribution(source: dict, language: str = "zh") -> str:
    if language == "en":
        if source.get("speaker"):
            who = ", ".join(filter(None, (source["speaker"], source.get("role"))))
            return f"{who}, in “{source.get('speech_title') or source.get('title') or ''}”"
        return f"According to “{source.get('title') or ''}”"
    if source.get("speaker"):
        return f"{source.get('role') or ''}{source['speaker']}在《{source.get('speech_title') or ''}》中说"
    return f"据《{source.get('title') or ''}》"


NOT_FOUND = {"zh": "没有找到能回答这个问题的段落。", "en": "No passage found that answers this question."}


def compose_answer(results, language: str = "zh") -> str:
    """Quote the best sentence of the best passage (and of the runner-up when another speaker says it), in the
    question's language ("zh" or "en"); the quotes stay in the speech's own words."""
    if not results:
        return NOT_FOUND[language]
    first = results[0]
    second = results[1] if len(results) > 1 else None
    also = (
        second and second.score >= SECOND_OPINION * first.score and second.source["speaker"] != first.source["speaker"]
    )
    if language == "en":
        parts = [f"{attribution(first.source, 'en')}: “{quote(first, 'en')}” (paragraph {first.source['paragraph']})"]
        if also:
            parts.append(f"Also, {attribution(second.source, 'en')}: “{quote(second, 'en')}”")
        return "\n".join(parts)
    parts = [f"{attribution(first.source)}：“{quote(first)}”（第{first.source['paragraph']}段）"]
    if also:
        parts.append(f"另外，{attribution(second.source)}：“{quote(second)}”")
    return "\n".join(parts)
