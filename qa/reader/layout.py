"""Text → paragraphs, decided per document from evidence.

Three layouts occur, often mixed: blank lines between paragraphs; one paragraph per line (long lines ending in
sentence punctuation); hard-wrapped print lines, where a paragraph is cut at the line width or even by a blank
line. Joining is language-aware: Chinese joins directly, Latin text with a space, and a hyphen at a line end
keeps its word whole. Debris of print and scraping (page numbers, clock times, column numbers, rules,
Markdown markup) never becomes a paragraph.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Callable
from dataclasses import dataclass, replace

from ..textrules import CLOSERS, LATIN_LETTER, ends_sentence
from ..textrules import HAN_CHAR as CJK

# Lines that are never text: page numbers, clock times, column numbers, rules, bare footnote numbers.
DEBRIS = re.compile(
    r"""^(?:
        (?:page\s*)?\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?      # 12, Page 3 of 10, 3/10
      | [-–—]\s*\d{1,4}\s*[-–—]                           # - 3 -
      | 第\s*\d{1,4}\s*页(?:\s*[/，,]?\s*共\s*\d{1,4}\s*页)?   # 第3页 共10页
      | \d{1,2}[.:]\d{2}\s*(?:[ap]\.?\s?m\.?)             # 3.30 pm
      | col(?:umn|s?\.)\s*(?:no\.?)?\s*:?\s*\d{1,5}(?:\s*-\s*\d{1,5})?   # Column No : 365
      | [-*_=]{3,}                                        # Markdown rules
      | \*{0,2}\[[^\]]{1,80}\]\*{0,2}                       # [Applause.], [Mr Speaker in the Chair]
      | \#{3}                                             # the end mark of a press release
      | [*_(]{0,2}\s*(?:as\s+prepared\s+for|check\s+against)\s+delivery\s*[*_)]{0,2}   # stage notes
    )$""",
    re.I | re.X,
)
MD_HEADING = re.compile(r"^#{1,6}\s+")
MD_EMPHASIS = re.compile(r"(\*\*|__)(.+?)\1")
MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
FOOTNOTE = re.compile(r"(?<=[A-Za-z.,;:!?\"”’)])\[\d{1,3}\]")
# "performance.The", "friends,This": sentences glued by a scrape get their space back.
GLUED = re.compile(r"(?<=[a-z]{2}[.!?,;:])(?=[A-Z][a-z])|(?<=[a-z][.!?][\"”’])(?=[A-Z][a-z])")
ECHO_CHARS = 80  # only short lines (headings) are dropped when repeated back to back
LINE_MODE_SHARE = 0.6  # share of non-final lines ending a sentence that makes each line a paragraph
MIN_LINE_EVIDENCE = 3  # lines needed before deciding a document is one paragraph per line
PRINT_WIDTH = 160  # characters: lines of a hard-wrapped page are shorter than this


@dataclass(frozen=True)
class Para:
    text: str
    heading: bool = False
    start: float | None = None
    end: float | None = None
    speaker: str | None = None  # named by the format (a subtitle voice)


def language_of(text: str) -> str:
    """ "zh" when Chinese characters are at least a third as many as Latin letters, else "en"."""
    sample = text[:20000]
    return "zh" if len(CJK.findall(sample)) * 3 >= len(LATIN_LETTER.findall(sample)) else "en"


def join(left: str, right: str, language: str = "en") -> str:
    """Glue two pieces of one paragraph: directly in Chinese, with a space between Latin words."""
    if not left or not right:
        return left + right
    a, b = left[-1], right[0]
    if language == "zh":
        spaced = a.isascii() and a.isalpha() and b.isascii() and b.isalpha()  # a number cut by a line stays whole
        return f"{left} {right}" if spaced else left + right
    if a == "-" and len(left) > 1 and left[-2].isalpha() and b.islower():
        return left + right  # a word hyphenated at the line end stays whole
    if CJK.match(a) or CJK.match(b) or (not (a.isascii() and b.isascii()) and not (a.isalnum() or b.isalnum())):
        return left + right
    return f"{left} {right}"


def tidy(text: str, markdown: bool) -> str:
    if markdown:
        text = MD_LINK.sub(r"\1", MD_EMPHASIS.sub(r"\2", text))
    text = FOOTNOTE.sub("", text)
    return GLUED.sub(" ", text).strip()


def _blocks(text: str, markdown: bool) -> list[list[tuple[str, bool]]]:
    """Runs of non-blank lines as (line, is_heading); debris lines are dropped and do not split a run."""
    blocks: list[list[tuple[str, bool]]] = [[]]
    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = raw.strip().replace("\u3000", " ").strip()
        if not line:
            if blocks[-1]:
                blocks.append([])
            continue
        if DEBRIS.match(line):
            continue
        heading = bool(markdown and MD_HEADING.match(line))
        line = tidy(MD_HEADING.sub("", line) if heading else line, markdown)
        if line:
            blocks[-1].append((line, heading))
    return [b for b in blocks if b]


def one_paragraph_per_line(blocks: list[list[tuple[str, bool]]]) -> bool:
    """Evidence from lines that have a successor in their block: do they end sentences?"""
    inner = [line for block in blocks for line, heading in block[:-1] if not heading]
    if len(inner) < MIN_LINE_EVIDENCE:
        return False
    if statistics.median(len(line) for line in inner) > PRINT_WIDTH:
        return True  # no print layout wraps lines this long
    return sum(ends_sentence(line) for line in inner) >= LINE_MODE_SHARE * len(inner)


class Joiner:
    """Pieces of one paragraph glued as `join` would, in linear time (repeated `+` is quadratic on huge files)."""

    def __init__(self, language: str):
        self.language = language
        self.pieces: list[str] = []

    def add(self, piece: str) -> None:
        if self.pieces:
            end = self.pieces[-1][-2:]
            if len(join(end, piece, self.language)) > len(end) + len(piece):
                piece = " " + piece
        self.pieces.append(piece)

    @property
    def tail(self) -> str:
        """The end of the text so far, enough for `ends_sentence` and `continues`."""
        return "".join(self.pieces[-3:])[-40:]

    def text(self) -> str:
        return "".join(self.pieces)


def paragraphs(
    text: str, language: str, markdown: bool = False, starts: Callable[[str], bool] | None = None
) -> list[Para]:
    """`starts(line)` marks lines that begin a paragraph whatever the layout (a speaker's label: a short
    transcript gives too few lines to tell one-paragraph-a-line from wrapped print)."""
    blocks = _blocks(text, markdown)
    per_line = one_paragraph_per_line(blocks)
    out: list[Para] = []
    for block in blocks:
        current = Joiner(language)
        for line, heading in block:
            if heading or (
                current.pieces
                and (
                    (per_line and (ends_sentence(current.tail) or not continues(current.tail, line)))
                    or (starts is not None and starts(line))
                )
            ):
                if current.pieces:
                    out.append(Para(current.text()))
                current = Joiner(language)
            if heading:
                out.append(Para(line, heading=True))
            else:
                current.add(line)
        if current.pieces:
            out.append(Para(current.text()))
    # A heading echoed by the line after it ("## Section I" then "Section I") is said once.
    return [p for i, p in enumerate(out) if i == 0 or p.text != out[i - 1].text or not echo(p.text)]


def echo(text: str) -> bool:
    return len(text) <= ECHO_CHARS and not ends_sentence(text)


def continues(left: str, right: str) -> bool:
    """Does `right` carry on the sentence `left` stopped in the middle of (a cut by the print layout)?"""
    if ends_sentence(left):
        return False
    tail = left.rstrip().rstrip(CLOSERS)[-1:]
    if CJK.match(tail) or tail in "，、；：（《“‘" or CJK.match(right[:1]):
        return True
    return right[:1].islower() or tail in ",;-–—(" or (tail.islower() and right[:1].isdigit())


def rejoin(paras: list[Para], language: str) -> list[Para]:
    """Glue each paragraph cut mid-sentence to the one after it (Chinese: any unfinished paragraph)."""
    groups: list[tuple[Joiner, Para, Para]] = []  # (text so far, first piece, last piece)
    for para in paras:
        if groups:
            joined, first, last = groups[-1]
            cut = not last.heading and not para.heading and not ends_sentence(joined.tail)
            if cut and (language == "zh" or continues(joined.tail, para.text)):
                joined.add(para.text)
                groups[-1] = (joined, first, para)
                continue
        joined = Joiner(language)
        joined.add(para.text)
        groups.append((joined, para, para))
    return [
        replace(first, text=joined.text(), end=last.end if last.end is not None else first.end)
        for joined, first, last in groups
    ]
