"""Sections: headings are where a passage sits (`source.section`), not passages of their own.

A heading is a numbered line (`一、2016年工作回顾`, `（三）…`, `第二部分`, `I. Peace and security`) or a short
title-case line standing alone between paragraphs. Numbering gives the level, so a sub-heading keeps the heading
above it: `一、2016年工作回顾 / （三）着力保障和改善民生`.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Protocol, TypeVar

from ..textrules import HAN, ends_sentence

ZH_NUMERAL = "一二三四五六七八九十百零〇"
# Numbered headings, one alternative per level (outermost first).
NUMBERED = (
    re.compile(rf"^第[{ZH_NUMERAL}\d]{{1,4}}(?:部分|章|节|篇)"),  # 第二部分 / 第三章: a part or chapter
    re.compile(rf"^[{ZH_NUMERAL}]{{1,3}}、"),  # 一、 : a Chinese top-level heading
    re.compile(rf"^[（(][{ZH_NUMERAL}]{{1,3}}[)）]"),  # （三） : a Chinese sub-heading
    re.compile(r"^(?:[IVXLC]{1,6})\.\s+[A-Z]"),  # I. Peace : a Roman-numbered English heading
    re.compile(r"^(?:Part|Chapter|Section)\s+(?:[IVXLC]{1,6}|\d{1,3}|[A-Z][a-z]+)\b"),  # Part Two
)
UNNUMBERED = len(NUMBERED)  # the level of a heading without a number (a short title-case line)
MAX_ZH_HEADING = 40  # characters: a longer numbered line is a paragraph that begins with its number
MAX_EN_HEADING = 90
MAX_TITLE_CASE_WORDS = 8  # an unnumbered English heading is a short line
TITLE_CASE_SHARE = 0.6  # share of its longer words that are capitalised
# Inside hard-wrapped print a short line is often just where the page wrapped prose (`Furthermore, as members of
# the Non-Aligned`), so a heading there must capitalise every longer word and hold no comma.
WRAPPED_TITLE_CASE_SHARE = 1.0
MIN_TITLE_WORD = 4  # letters: shorter words (of, and, the) may stay lower case in a heading
WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
SEPARATOR = " / "
CLAUSE_ENDS = ("：", ":", "，", ",", "；", ";")  # a line ending so runs on: never a heading
# A heading that names no section of the speech: what follows it is notes, not speech.
TAIL_HEADINGS = re.compile(
    r"""
    ^(?: references | notes | footnotes | sources | bibliography   # English headings of a copy's apparatus
       | 参考文献 | 参考资料                                         # references (Chinese)
       | 注释 | 脚注                                                 # notes, footnotes (Chinese)
    )$
    """,
    re.I | re.X,
)
ZH_TEXT = re.compile(f"[{HAN}]")


class Paragraph(Protocol):
    """What sections need of a paragraph (the layout's `Para`): its text, whether the format marked it as a
    heading or it follows a speaker's label (then it never is one), and a `section` and `above` to set."""

    text: str
    heading: bool
    spoken: bool
    section: str | None
    above: str | None


P = TypeVar("P", bound=Paragraph)


def heading_level(line: str, language: str, wrapped: bool = False) -> int | None:
    """The level (0 outermost) of a heading line, or None when the line is not a heading. `wrapped`: the line
    comes from hard-wrapped print, where an unnumbered heading needs stronger evidence."""
    line = line.strip()
    if not line or line.endswith(CLAUSE_ENDS):
        return None
    longest = MAX_ZH_HEADING if language == "zh" or ZH_TEXT.search(line) else MAX_EN_HEADING
    if len(line) > longest:
        return None
    for level, pattern in enumerate(NUMBERED):
        if pattern.match(line):
            # A numbered line that runs on into sentences (`一、我们……。其次……`) is a paragraph.
            return level if line.count("。") <= 1 and line.count(". ") <= 1 else None
    if language != "zh" and _title_case(line, WRAPPED_TITLE_CASE_SHARE if wrapped else TITLE_CASE_SHARE):
        return None if wrapped and "," in line else UNNUMBERED
    return None


def sentence_case_heading(line: str, language: str) -> bool:
    """`Growth for the middle class`: a short capitalised line that ends no sentence and no clause. Alone this is
    weak evidence (`Thank you`); the layout asks for it only where print put a heading, at the end of the
    paragraph above it with a paragraph below."""
    line = line.strip()
    if language == "zh" or ZH_TEXT.search(line) or line.endswith(CLAUSE_ENDS):
        return False
    return bool(WORD.match(line)) and line[0].isupper() and _short_title(line)


def numbered(headings: str) -> bool:
    """Does this heading (or any of a `SEPARATOR`-joined run) carry a number (`一、`, `（三）`, `I.`)?"""
    return any(pattern.match(h) for h in headings.split(SEPARATOR) for pattern in NUMBERED)


def _title_case(line: str, share: float = TITLE_CASE_SHARE) -> bool:
    """`Economic Development And Peace`: a short line whose longer words are capitalised and that ends no
    sentence."""
    words = WORD.findall(line)
    if not words or not _short_title(line) or not line[0].isupper():
        return False
    long_words = [w for w in words if len(w) >= MIN_TITLE_WORD] or words
    return sum(w[0].isupper() for w in long_words) >= share * len(long_words)


def _short_title(line: str) -> bool:
    return len(line.split()) <= MAX_TITLE_CASE_WORDS and not ends_sentence(line)


def assign_sections(paras: list[P], language: str) -> list[P]:
    """The paragraphs without their headings, each carrying the heading path above it as `section`; the first
    one under a heading also carries that heading as `above` (indexed with it, where it was printed). A document
    of headings only keeps them as text."""
    path: list[tuple[int, str]] = []
    out: list[P] = []
    fresh: list[str] = []  # headings since the last paragraph
    for para in paras:
        level = heading_level(para.text, language) if len(para.text) <= MAX_EN_HEADING else None
        if para.heading and level is None:
            level = UNNUMBERED  # a heading the format marked (Markdown `##`, an HTML <h2>)
        if para.spoken:
            level = None  # what a speaker said after their label, however short
        if level is not None:
            path = [(lv, text) for lv, text in path if lv < level] + [(level, para.text)]
            fresh.append(para.text)
            continue
        section = SEPARATOR.join(t for _, t in path) or None
        above = SEPARATOR.join(fresh) or None
        fresh = []
        unchanged = section == para.section and above == para.above and not para.heading
        out.append(para if unchanged else replace(para, section=section, above=above, heading=False))
    if not out:
        return paras
    # Headings with no paragraph under them (a closing `Thank You`) are the end of the speech, not sections.
    tail = paras[len(paras) - len(fresh) :] if fresh else []
    return out + [replace(p, heading=False, section=out[-1].section) for p in tail]


def drop_tail_notes(paras: list[P]) -> tuple[list[P], int]:
    """A `References`/`Notes`/`注释` heading in the second half and everything after it are not speech."""
    for i, para in enumerate(paras):
        if i and i >= len(paras) // 2 and TAIL_HEADINGS.match(para.text.strip().rstrip(":：")):
            return paras[:i], len(paras) - i
    return paras, 0
