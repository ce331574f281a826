"""Paragraphs → passages the model can read whole.

A paragraph longer than the model's window (counted with the model's own tokenizer) is split at sentence
boundaries into parts that fit, each keeping its paragraph number, a part number and the previous part's last
sentence as overlap. Fragments too small to stand alone (a salutation, a section heading) join the paragraph
after them. A paragraph whose sentences mostly appear elsewhere in the same document (a scrape that printed the
speech twice) is dropped. Consecutive short paragraphs of one turn may share a passage up to a target size.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from ..textrules import sentences
from .layout import Para
from .sections import SEPARATOR, assign_sections, numbered

PARAGRAPH_BREAK = "\n"  # between paragraphs grouped into one passage
NOT_WORD = re.compile(r"[\W_]+")
MIN_TOKENS = 8  # a paragraph shorter than this (a salutation, a heading) joins the next one
OVERLAP_TOKENS = 64  # the previous part's last sentence is repeated when it is at most this long
DUPLICATE_SHARE = 0.8  # share of a paragraph's sentences found elsewhere that makes it a duplicate
MIN_DUPLICATE_SENTENCES = 3


@dataclass(frozen=True)
class Window:
    text: str
    paragraph: int
    part: int | None
    start: float | None
    end: float | None
    last_paragraph: int | None = None  # set when short paragraphs were grouped into one passage
    tokens: int = 0
    section: str | None = None  # the heading path above it
    above: str | None = None  # the heading printed right above its paragraph (first part only)


def _key(sentence: str) -> str:
    return NOT_WORD.sub("", sentence.lower())


def drop_duplicates(paras: list[Para], language: str) -> list[Para]:
    """Longest first, a paragraph goes when most of its sentences are also in the paragraphs that remain."""
    keys = [[_key(s) for s in sentences(p.text, language)] for p in paras]
    counts: dict[str, int] = {}
    for ks in keys:
        for k in set(ks):
            counts[k] = counts.get(k, 0) + 1
    dropped = set()
    for i in sorted(range(len(paras)), key=lambda i: -len(paras[i].text)):
        ks = set(keys[i])
        if len(ks) < MIN_DUPLICATE_SENTENCES:
            continue
        if sum(counts[k] > 1 for k in ks) >= DUPLICATE_SHARE * len(ks):
            dropped.add(i)
            for k in ks:
                counts[k] -= 1
    return [p for i, p in enumerate(paras) if i not in dropped]


def merge_fragments(paras: list[Para], tokens: list[int], language: str) -> list[tuple[Para, int]]:
    """Headings and tiny lines join the next paragraph (the last one joins the previous); with token counts."""
    out: list[tuple[Para, int]] = []
    pending: tuple[Para, int] | None = None
    for para, n in zip(paras, tokens, strict=True):
        if pending:
            head, m = pending
            text, start = _glue(head.text, para.text, language), head.start or para.start
            para, n = replace(para, text=text, start=start, above=head.above or para.above), n + m
            pending = None
        if para.heading or n < MIN_TOKENS:
            pending = (para, n)
        else:
            out.append((para, n))
    if pending and not pending[0].heading:
        if out:
            last, n = out[-1]
            out[-1] = (
                replace(last, text=_glue(last.text, pending[0].text, language), end=pending[0].end),
                n + pending[1],
            )
        else:
            out.append(pending)
    return out


def _glue(left: str, right: str, language: str) -> str:
    return left + right if language == "zh" else f"{left} {right}"


def _hard_split(sentence: str, budget: int, count: Callable[[list[str]], list[int]], language: str) -> list[str]:
    """A single sentence over the budget: cut at clause marks, then at words or runs of characters."""
    pieces = re.split(r"(?<=[，,；;：:])", sentence) if language == "zh" else re.split(r"(?<=[,;:])\s+", sentence)
    pieces = [p for p in pieces if p]  # a mark at the very end leaves an empty piece, which cuts nothing
    if len(pieces) == 1:
        # No clause marks: Chinese in runs of `budget` characters (about a token each), Latin text by words.
        pieces = (
            [sentence[i : i + budget] for i in range(0, len(sentence), budget)]
            if language == "zh"
            else sentence.split()
        )
    sizes = count(pieces)
    out: list[str] = []
    current: list[str] = []
    used = 0
    for piece, size in zip(pieces, sizes, strict=True):
        if current and used + size > budget:
            out.append(_glue_all(current, language))
            current, used = [], 0
        current.append(piece)
        used += size
    if current:
        out.append(_glue_all(current, language))
    # A run of rare characters can still be over (several tokens each): halve it until it fits.
    fitted: list[str] = []
    for part, size in zip(out, count(out), strict=True):
        fitted.extend([part] if size <= budget or len(part) < 2 else _hard_split(part, budget // 2 or 1, count, "zh"))
    return fitted


def _glue_all(pieces: list[str], language: str) -> str:
    return "".join(pieces) if language == "zh" else " ".join(pieces)


def windows(
    paras: list[Para], language: str, budget: int, count: Callable[[list[str]], list[int]], target: int = 0
) -> list[Window]:
    """Passages of at most `budget` tokens; consecutive short paragraphs are grouped up to `target` tokens (0: one
    paragraph a passage). Paragraph numbers are 1-based within the turn. Headings are not passages: they become
    the `section` of the passages under them."""
    paras = assign_sections(paras, language)
    if not paras:
        return []
    out: list[Window] = []
    # Token counts of glued fragments are summed, not recounted: close enough, as fragments are a few tokens.
    for number, (para, n) in enumerate(merge_fragments(paras, count([p.text for p in paras]), language), start=1):
        if n <= budget:
            where = {"section": para.section, "above": para.above}
            out.append(Window(para.text, number, None, para.start, para.end, tokens=n, **where))
            continue
        sents = sentences(para.text, language)
        sizes = count(sents)
        units: list[tuple[str, int]] = []
        for s, size in zip(sents, sizes, strict=True):
            if size > budget:
                parts = _hard_split(s, budget, count, language)
                units.extend(zip(parts, count(parts), strict=True))
            else:
                units.append((s, size))
        parts: list[list[tuple[str, int]]] = [[]]
        used = 0
        for unit in units:
            if parts[-1] and used + unit[1] > budget:
                last = parts[-1][-1]
                overlap = [last] if last[1] <= OVERLAP_TOKENS and last[1] + unit[1] <= budget else []
                parts.append(overlap)
                used = sum(u[1] for u in overlap)
            parts[-1].append(unit)
            used += unit[1]
        for k, part in enumerate(parts, start=1):
            text = _glue_all([s for s, _ in part], language)
            tokens = sum(n for _, n in part)
            above = para.above if k == 1 else None
            where = {"section": para.section, "above": above}
            out.append(Window(text, number, k, para.start, para.end, tokens=tokens, **where))
    return group(out, min(target, budget)) if target else out


def group(windows: list[Window], target: int) -> list[Window]:
    """Consecutive whole paragraphs share a passage while together they stay within `target` tokens: a short
    paragraph often answers a question only with the one before it ("Second, ...")."""
    out: list[Window] = []
    for w in windows:
        last = out[-1] if out else None
        # A numbered heading (the document's outline) ends a group; an unnumbered one (a topic label in running
        # text) does not, as before sections existed: the passage keeps the first one's section and indexes both.
        whole = last and last.part is None and w.part is None and not (w.above and numbered(w.above))
        if whole and last.tokens + w.tokens <= target:
            out[-1] = replace(
                last,
                text=f"{last.text}{PARAGRAPH_BREAK}{w.text}",
                end=w.end if w.end is not None else last.end,
                last_paragraph=w.paragraph,
                tokens=last.tokens + w.tokens + 1,
                above=SEPARATOR.join(filter(None, (last.above, w.above))) or None,
            )
        else:
            out.append(w)
    return out
