"""Checking a generated answer sentence by sentence against the passages it cites: what is not backed is dropped,
with the reason, never silently lost.

A sentence is supported when it cites passages that were given and those passages hold at least
`threshold` of its content words (the index's own tokenizer, so jieba with the corpus's words for Chinese, stems
for English) and every number it states. The threshold was measured on labelled sentences over the seed corpus
(scripts/support_threshold.py; README, "Generated answers").
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from .script import simplified
from .textrules import CLOSERS, FULL_STOPS

SENTENCE_END = re.compile(
    rf"""
      [{FULL_STOPS}]+ [{re.escape(CLOSERS)}]*   # a full stop, ! or ? (either width), with what closes after it
    | \. (?=\s|\[|【|$)   # an English full stop before a space, a citation or the end (so never a decimal point)
    | \n+                         # a line break: list items and paragraphs end there
    """,
    re.X,
)
CITATION = re.compile(
    r"""
    [\[【] \s*                                # [ or 【
    ( \d{1,3} (?: \s* [,，、;；] \s* \d{1,3} )* )  # one number or several: [1], [1, 2], [1、3]
    \s* [\]】]                                # ] or 】
    """,
    re.X,
)
LEADING_CITATIONS = re.compile(
    r"""
    ^ \s* (?: [\[【] [\d\s,，、;；]+ [\]】] \s* )+   # markers a sentence starts with: they belong to the one before
    """,
    re.X,
)
NUMBER = re.compile(
    r"""
    \d+ (?: [.,]\d+ )* %?   # 2021, 3.5, 1,000, 20%
    """,
    re.X,
)
WORDLESS = re.compile(r"^[\W_]*$")  # a piece with no letters, digits or characters: punctuation left over
PASSAGE_CACHE = 4096  # passages whose words are kept between answers
CLASS_TOKEN = "#"  # the tokenizer's class tokens (#届) stand for counted things, not words: not checked


@dataclass(frozen=True)
class Claim:
    """One sentence of the model's reply: as written (with its markers), and the passage numbers it cites."""

    text: str
    cites: tuple[int, ...]

    @property
    def bare(self) -> str:
        return CITATION.sub("", self.text).strip()


DropKind = Literal["uncited", "unknown_passage", "number", "unsupported"]


@dataclass(frozen=True)
class Dropped:
    sentence: str
    reason: str
    kind: DropKind


@dataclass
class Checked:
    kept: list[Claim] = field(default_factory=list)
    dropped: list[Dropped] = field(default_factory=list)

    @property
    def cited(self) -> list[int]:
        """Passage numbers the kept sentences cite, in first-cited order."""
        seen: dict[int, None] = {}
        for claim in self.kept:
            seen.update(dict.fromkeys(claim.cites))
        return list(seen)


def claims(reply: str) -> list[Claim]:
    """The reply cut into sentences; citation markers written after a sentence's full stop stay with it."""
    pieces, start = [], 0
    for m in SENTENCE_END.finditer(reply):
        pieces.append(reply[start : m.end()])
        start = m.end()
    pieces.append(reply[start:])
    merged: list[str] = []
    for piece in pieces:
        lead = LEADING_CITATIONS.match(piece)
        if lead and merged:
            merged[-1] = merged[-1].rstrip() + lead.group().strip()
            piece = piece[lead.end() :]
        if piece.strip():
            merged.append(piece)
    out = []
    for text in (p.strip() for p in merged):
        numbers = (int(n) for m in CITATION.finditer(text) for n in re.split(r"[^\d]+", m.group(1)) if n)
        claim = Claim(text, tuple(dict.fromkeys(numbers)))
        if WORDLESS.match(claim.bare):
            continue
        out.append(claim)
    return out


def coverage(words: set[str], passage_text: str, passage_tokens: set[str]) -> float:
    """Share of a sentence's content words found in the passage (as a token, or inside its text: jieba may cut
    the same words differently in a shorter context). 1.0 for a sentence with nothing to check."""
    if not words:
        return 1.0
    text = passage_text.lower()
    return sum(1 for w in words if w in passage_tokens or w in text) / len(words)


def content_words(text: str, split: Callable[[str], list[str]]) -> set[str]:
    return {w for w in split(text) if not w.startswith(CLASS_TOKEN)}


@functools.lru_cache(maxsize=PASSAGE_CACHE)
def passage_words(text: str, split: Callable[[str], list[str]]) -> frozenset[str]:
    """A passage's content words, kept: the same passages answer many questions, and cutting one costs ms."""
    return frozenset(content_words(text, split))


def check(
    reply: str,
    passages: list[str],
    split: Callable[[str], list[str]],
    threshold: float,
    prepare: Callable[[str], str] = simplified,
) -> Checked:
    """Each sentence of `reply` kept or dropped against `passages` (numbered from 1 as the model saw them).

    `split` is the index's tokenizer; `prepare` turns a sentence into the text the passages are searched with
    (simplified characters; for an English sentence over Chinese speeches, the corpus's Chinese words for it).
    """
    result = Checked()
    plain = [simplified(p) for p in passages]

    def words_of(n: int) -> frozenset[str]:
        return passage_words(plain[n - 1], split)

    for claim in claims(reply):
        problem = _problem(claim, plain, words_of, split, threshold, prepare)
        if problem:
            result.dropped.append(Dropped(claim.text, *problem))
        else:
            result.kept.append(claim)
    return result


def _problem(
    claim: Claim, passages: list[str], words_of, split, threshold: float, prepare
) -> tuple[str, DropKind] | None:
    """Why the claim is dropped, or None when its cited passages back it."""
    if not claim.cites:
        return "cites no passage", "uncited"
    missing = [n for n in claim.cites if not 1 <= n <= len(passages)]
    if missing:
        return f"cites [{missing[0]}], which was not one of the {len(passages)} passages given", "unknown_passage"
    cited = "\n".join(passages[n - 1] for n in claim.cites)
    markers = "".join(f"[{n}]" for n in claim.cites)
    bare = claim.bare
    for number in NUMBER.findall(bare):
        if number not in cited:
            return f"states {number}, which {markers} does not", "number"
    share = coverage(content_words(prepare(bare), split), cited, set().union(*(words_of(n) for n in claim.cites)))
    if share < threshold:
        return (
            f"not supported by {markers}: {share:.0%} of its content words are there (needs {threshold:.0%})",
            "unsupported",
        )
    return None
