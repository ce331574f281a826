"""Character and sentence rules every part of the tool shares: which characters are Chinese, which marks end a
sentence, which characters are invisible, and the one sentence splitter.

Reader, retrieval, tokens and keywords import these; none defines its own copy, so a range fixed here is fixed
everywhere.
"""

from __future__ import annotations

import re

# Han ideographs: Extension A, the Unified block, Compatibility Ideographs, and Extensions B and later.
HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003ffff"
HAN_CHAR = re.compile(f"[{HAN}]")
# Text written without spaces between words: ideographs plus CJK radicals, CJK punctuation, kana and full-width
# forms. Hangul is left out: Korean puts spaces between words.
WIDE = f"\u2e80-\u2fdf\u3000-\u30ff{HAN}\uff00-\uffef"
WIDE_CHAR = re.compile(f"[{WIDE}]")
LATIN_LETTER = re.compile(r"[A-Za-z]")

# Marks that end a sentence, and what may close after them (quotes, brackets, Markdown emphasis). FULL_STOPS never
# stand inside a sentence; a "." or "…" may (3.5, U.S., a trailing-off), so each splitter decides about those.
FULL_STOPS = "。！？!?"
SENTENCE_END = FULL_STOPS + "…."
CLOSERS = "”’」』）)]》】\"'*"
ENDS_SENTENCE = re.compile(f"[{re.escape(SENTENCE_END)}][{re.escape(CLOSERS)}]*$")

# Zero-width spaces and joiners, word joiner, byte-order mark, soft hyphen, direction marks: scraped text carries
# them inside words, where they split a word for search and show as nothing.
INVISIBLE = "\u00ad\u200b\u200c\u200d\u200e\u200f\u2060\ufeff"
INVISIBLE_CHAR = re.compile(f"[{INVISIBLE}]")
_DROP_INVISIBLE = dict.fromkeys(map(ord, INVISIBLE))

# Chinese sentences end at full stops, exclamation and question marks and semicolons (either width), with any
# closing quotes or brackets after them.
ZH_STOPS = FULL_STOPS + "；;"
ZH_SENTENCE = re.compile(
    rf"""
    [^{ZH_STOPS}]+                  # the sentence's words
    (?: [{ZH_STOPS}]+ [{re.escape(CLOSERS)}]*   # its stops, and the quotes or brackets they close
      | $                           # or the end of a text that stops without one
    )
    """,
    re.X,
)
# Latin sentence ends: a stop before a space and a capital, digit or opening quote.
EN_BREAK = re.compile(r"(?<=[.!?])[\"”’')\]]*\s+(?=[\"“‘'(\[]?[A-Z0-9])")
# Words whose stop is not a sentence end (Mr. Smith, U.S. Army).
ABBREVIATIONS = frozenset((
    "mr", "mrs", "ms", "dr", "prof", "st", "jr", "sr", "no", "nos", "vol", "art", "sec", "fig", "gen", "col", "lt",
    "sgt", "capt", "rev", "hon", "mt", "ft", "u.s", "u.k", "e.g", "i.e", "etc", "vs",
))  # fmt: skip


def is_chinese_char(ch: str) -> bool:
    return HAN_CHAR.match(ch) is not None


def ends_sentence(text: str) -> bool:
    return text.rstrip().rstrip(CLOSERS)[-1:] in SENTENCE_END


QUESTION_MARKS = "?？"


def ends_question(text: str) -> bool:
    return text.rstrip().rstrip(CLOSERS)[-1:] in QUESTION_MARKS


def visible(text: str) -> str:
    """The text without invisible characters."""
    return text.translate(_DROP_INVISIBLE)


def sentences(text: str, language: str = "zh") -> list[str]:
    """The text cut into sentences: Chinese at its stops (any text read as Chinese), other languages at a stop
    followed by a capital, except after a known abbreviation or a single initial."""
    if language == "zh":
        return [s for s in (m.strip() for m in ZH_SENTENCE.findall(text)) if s]
    out, begin = [], 0
    for m in EN_BREAK.finditer(text):
        word = text[begin : m.start()].rsplit(None, 1)[-1].rstrip(".!?\"”’')]").lower()
        if word in ABBREVIATIONS or (len(word) == 1 and word.isalpha()):
            continue
        out.append(text[begin : m.start()].strip() + text[m.start() : m.end()].strip())
        begin = m.end()
    out.append(text[begin:].strip())
    return [s for s in out if s]
