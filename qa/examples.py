"""Example questions for the chat page's empty state, built from what the served index holds.

Speakers (by place when the role names one), speech titles and the topics many speeches share, phrased in
the page's language when the corpus has speeches in it, else in the corpus's own language.
"""

from __future__ import annotations

import re
from collections import Counter

from .keywords import place_led
from .textrules import HAN

MAX_EXAMPLES = 4
SAMPLED_PASSAGES = 3000  # topics are counted over at most this many passages, spread over the index
MIN_TOPIC_SPEECHES = 2  # a topic is something at least two speeches talk about
MIN_ZH_TOPIC = 4  # characters: 科技创新, 乡村振兴; shorter words are mostly verbs (发展, 推进)
MAX_TITLE = 40  # characters of a title quoted in a question
EN_PHRASE = re.compile(
    r"""
    (?<![.!?]\s)(?<!^)                        # not the first word of a sentence
    \b (?: [A-Z][a-z]+ \s ){1,3} [A-Z][a-z]+ \b  # two to four capitalised words: Central Provident Fund
    """,
    re.X | re.M,
)
# A capitalised word that opens a phrase without naming anything: "That Parliament", "Mr Speaker".
EN_OPENERS = frozenset(
    [
        "The",
        "That",
        "This",
        "These",
        "Those",
        "In",
        "On",
        "At",
        "To",
        "Of",
        "For",
        "And",
        "But",
        "Or",
        "As",
        "If",
        "So",
        "It",
        "Its",
        "Our",
        "We",
        "Mr",
        "Mrs",
        "Ms",
        "Madam",
        "Sir",
        "Let",
    ]
)
CJK_WORD = re.compile(f"^[{HAN}]+$")  # a topic is Chinese words only
TEMPLATES = {
    "zh": {
        "topic": "关于“{}”，讲话中是怎么说的？",
        "speaker": "{}在讲话中提出了什么？",
        "title": "《{}》讲了什么？",
    },
    "en": {
        "topic": "What was said about {}?",
        "speaker": "What did {} say?",
        "title": "What is “{}” about?",
    },
}


def examples(index, language: str) -> tuple[str, list[str]]:
    """(language of the questions, up to MAX_EXAMPLES questions)."""
    passages = index.passages
    languages = Counter((p.language or "zh") if (p.language or "zh") in TEMPLATES else "en" for p in passages)
    if language not in languages:
        language = languages.most_common(1)[0][0] if languages else language
    if language not in TEMPLATES:
        language = "en"
    mine = [p for p in passages if ((p.language or "zh") == "zh") == (language == "zh")]
    templates = TEMPLATES[language]
    names = {p.speaker for p in mine if p.speaker}
    out = [templates["topic"].format(t) for t in topics(index, mine, language, names)[:2]]
    out += [templates["speaker"].format(who) for who in speakers(mine, language)]
    out += [templates["title"].format(title[:MAX_TITLE]) for title in titles(mine)]
    return language, list(dict.fromkeys(out))[:MAX_EXAMPLES]


def spread(items: list, count: int) -> list:
    """`count` items spread over the list, so that examples cover different speeches."""
    if len(items) <= count:
        return items
    return [items[int((i + 0.5) * len(items) / count)] for i in range(count)]


def speakers(passages, language: str) -> list[str]:
    seen: dict[str, str] = {}
    for p in passages:
        if p.speaker and p.speaker not in seen:
            seen[p.speaker] = (place_led(p.role) if language == "zh" else None) or p.speaker
    return spread(list(dict.fromkeys(seen.values())), 1 if len(seen) < MAX_EXAMPLES else 2)


def titles(passages) -> list[str]:
    found = list(dict.fromkeys(p.speech_title or p.title for p in passages))
    return spread(found, 1)


def topics(index, passages, language: str, names: set[str]) -> list[str]:
    """Words (Chinese) or capitalised phrases (English) found in the most speeches, most first."""
    sample = spread(passages, SAMPLED_PASSAGES)
    speeches: dict[str, set] = {}
    for p in sample:
        if language == "zh":
            words = (w for w in index.tokenizer.cut(p.text) if len(w) >= MIN_ZH_TOPIC and CJK_WORD.match(w))
        else:
            words = (m.group() for m in EN_PHRASE.finditer(p.text) if m.group().split()[0] not in EN_OPENERS)
        for word in words:
            speeches.setdefault(word, set()).add((p.document, p.speech))
    ranked = sorted(speeches, key=lambda w: (-len(speeches[w]), w))
    return [w for w in ranked if len(speeches[w]) >= MIN_TOPIC_SPEECHES and not any(n in w for n in names)]
