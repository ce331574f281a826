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
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from ..textrules import CLOSERS, LATIN_LETTER, ends_sentence
from ..textrules import HAN_CHAR as CJK
from .furniture import FURNITURE_CHARS, Removed, clean_line, furniture_keys, is_furniture
from .sections import UNNUMBERED, heading_level, sentence_case_heading

# Lines that are never text: page numbers, clock times, column numbers, rules, bare footnote numbers.
DEBRIS = re.compile(
    r"""^(?:
        (?:page\s*)?\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?      # 12, Page 3 of 10, 3/10
      | [-–—]\s*\d{1,4}\s*[-–—]                           # - 3 -
      | 第\s*\d{1,4}\s*页(?:\s*[/，,]?\s*共\s*\d{1,4}\s*页)?   # 第3页 共10页
      | \d{1,2}[.:]\d{2}\s*(?:[ap]\.?\s?m\.?)             # 3.30 pm
        (?:\s+\(?(?:[ECMP][SD]?T|GMT|UTC|BST|CES?T)\)?)?  # 2:47 P.M. EDT, when a briefing began or ended
      | col(?:umn|s?\.)\s*(?:no\.?)?\s*:?\s*\d{1,5}(?:\s*-\s*\d{1,5})?   # Column No : 365
      | [-*_=]{3,}                                        # Markdown rules
      | \*{0,2}\[[^\]]{1,80}\]\*{0,2}                       # [Applause.], [Mr Speaker in the Chair]
      | \#{3}                                             # the end mark of a press release
      | (?-i:END)(?:\s+\d{1,2}[.:]\d{2}\s*[ap]\.?\s?m\.?(?:\s+[ECMP][SD]?T)?)?  # a transcript's END 12:50 P.M. EDT
      | (?-i:For\s+Immediate\s+Release|FOR\s+IMMEDIATE\s+RELEASE)          # a press release's header, in its case
      | (?-i:Office\s+of\s+the\s+Press\s+Secretary|OFFICE\s+OF\s+THE\s+PRESS\s+SECRETARY)
      | (?-i:Print\s+this\s+document)                                       # a web page's button
      | \*{1,2}\s*please\s+see\s+below\s+for\s+a\s+correction\b[^.]*\.?     # its note on a corrected transcript
      | [*_(]{0,2}\s*(?:as\s+prepared\s+for|check\s+against)\s+delivery\s*[*_)]{0,2}   # stage notes
      | \(\s*(?:the\s+)?(?:briefing|press\s+conference|meeting|session)\s+(?:was\s+)?  # (The briefing was
        (?:concluded|adjourned|ended)\b[^()]{0,40}\)                                 # concluded at 3:05 p.m.)
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
WRAP_PERCENTILE = 90  # the wrap width is this percentile of line lengths (a few lines overrun it)
TAB_WIDTH = 4
MAX_FRONT_LINES = 8  # the title block (title, subtitle, date, byline) is at most this many lines
INDENTED_STARTS = 3  # indented lines that show a wrapped document starts its paragraphs with an indent
BLANK_LINES, PER_LINE, WRAPPED = "blank lines", "one paragraph per line", "hard-wrapped"


@dataclass(frozen=True)
class Para:
    text: str
    heading: bool = False
    start: float | None = None
    end: float | None = None
    speaker: str | None = None  # named by the format (a subtitle voice)
    section: str | None = None  # the heading path above it (set by the sections step)
    above: str | None = None  # the heading printed right above it, if any
    spoken: bool = False  # printed after a speaker's label on its line: speech, never a heading (`MR. KIRBY: On the —`)


@dataclass(frozen=True)
class Line:
    text: str
    heading: bool  # marked by the format (Markdown `#`)
    indent: int  # leading spaces (a tab counts as TAB_WIDTH)


@dataclass
class Layout:
    """How one text was cut into paragraphs, and the evidence (shown by `qa build --explain`)."""

    mode: str = BLANK_LINES
    reason: str = ""
    width: int | None = None  # the wrap width of hard-wrapped print
    breaks: Counter = field(default_factory=Counter)  # paragraph ends found inside blocks, by kind
    removed: Removed = field(default_factory=Removed)


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


def _blocks(
    text: str, markdown: bool, removed: Removed, label: Callable[[str], bool] | None = None
) -> list[list[Line]]:
    """Runs of non-blank lines; debris and page furniture are dropped and do not split a run. A turn label
    (`label(line)`: Hansard's `Mr Speaker` alone on its line, page after page) is never furniture."""
    raw_lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    cleaned = [clean_line(raw, removed) for raw in raw_lines]
    short = [tidy(line, markdown) if len(line) <= FURNITURE_CHARS else line for line in cleaned]
    keys = furniture_keys(short, label)
    blocks: list[list[Line]] = [[]]
    for raw, line in zip(raw_lines, cleaned, strict=True):
        if not line:
            if blocks[-1]:
                blocks.append([])
            continue
        if DEBRIS.match(line):
            removed.debris += 1
            continue
        if is_furniture(tidy(line, markdown), keys, removed):  # some shapes are furniture even printed once
            continue
        heading = bool(markdown and MD_HEADING.match(line))
        line = tidy(MD_HEADING.sub("", line) if heading else line, markdown)
        if line:
            indent = _indent(raw) if raw[:1].isspace() else 0
            blocks[-1].append(Line(line, heading, indent))
    return [b for b in blocks if b]


def _indent(raw: str) -> int:
    spaced = raw.expandtabs(TAB_WIDTH)
    return len(spaced) - len(spaced.lstrip(" \u3000"))


def _inner(blocks: list[list[Line]]) -> list[str]:
    return [line.text for block in blocks for line in block[:-1] if not line.heading]


def one_paragraph_per_line(blocks: list[list[Line]]) -> bool:
    """Evidence from lines that have a successor in their block: do they end sentences?"""
    inner = _inner(blocks)
    if len(inner) < MIN_LINE_EVIDENCE:
        return False
    if statistics.median(len(line) for line in inner) > PRINT_WIDTH:
        return True  # no print layout wraps lines this long
    return sum(ends_sentence(line) for line in inner) >= LINE_MODE_SHARE * len(inner)


def decide(blocks: list[list[Line]]) -> Layout:
    """Blank lines, one paragraph a line, or hard-wrapped print (with its wrap width), from the lines."""
    inner = _inner(blocks)
    if one_paragraph_per_line(blocks):
        ended = sum(ends_sentence(line) for line in inner)
        return Layout(PER_LINE, f"{ended} of {len(inner)} lines inside blocks end a sentence")
    if len(inner) < MIN_LINE_EVIDENCE:
        return Layout(BLANK_LINES, f"{len(blocks)} blocks between blank lines, too few wrapped lines to measure")
    lengths = sorted(len(line) for line in inner)
    width = lengths[min(len(lengths) - 1, len(lengths) * WRAP_PERCENTILE // 100)]
    ended = sum(ends_sentence(line) for line in inner)
    reason = f"{len(inner)} lines inside blocks, wrapped at about {width} characters, {ended} end a sentence"
    return Layout(WRAPPED, reason, width)


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


def paragraphs(text: str, language: str, **options) -> list[Para]:
    """The paragraphs of `text`, without the account of how they were found; `options` as for `read_layout`."""
    return read_layout(text, language, **options)[0]


def read_layout(
    text: str,
    language: str,
    markdown: bool = False,
    starts: Callable[[str], bool] | None = None,
    front: Callable[[str], bool] | None = None,
) -> tuple[list[Para], Layout]:
    """The paragraphs of `text` and how they were found. `starts(line)` marks lines that begin a paragraph
    whatever the layout (a speaker's label: a short transcript gives too few lines to tell one-paragraph-a-line
    from wrapped print); `front(line)` marks lines of a title block (a subtitle, a date, a byline): among the first
    lines, each is a paragraph of its own. Inside a block of hard-wrapped
    print, a line that ends a sentence and stops where the next line's first word would still have fitted ends
    its paragraph, and an indented line after a sentence starts one; a heading standing alone is a paragraph of
    its own in every layout."""
    removed = Removed()
    blocks = _blocks(text, markdown, removed, starts)
    layout = decide(blocks)
    layout.removed = removed
    per_line = layout.mode == PER_LINE
    width = layout.width or 0
    base_indent = Counter(line.indent for block in blocks for line in block).most_common(1)[0][0] if blocks else 0
    # In print that indents its paragraphs, what follows a heading starts one: a short line followed by an
    # unindented one (`The General` / `Assembly has been …`) is where a sentence wrapped, not a heading.
    indents = width > 0 and sum(line.indent > base_indent for block in blocks for line in block) >= INDENTED_STARTS
    seen, previous_front = 0, False  # lines read, and whether the last one was a title-block line
    out: list[Para] = []
    for index, block in enumerate(blocks):
        current = Joiner(language)
        previous: str | None = None
        for number, item in enumerate(block):
            line = item.text
            after_sentence = previous is None or ends_sentence(previous)
            level = heading_level(line, language, wrapped=bool(width))
            # A heading in sentence case printed as the last line of the paragraph above it (a scrape that put one
            # line break before the heading and a blank line after): where it stands is the evidence.
            if (
                level is None
                and not width
                and previous is not None
                and after_sentence
                and number == len(block) - 1
                and index < len(blocks) - 1
                and sentence_case_heading(line, language)
            ):
                level = UNNUMBERED
            if level == UNNUMBERED and indents and number + 1 < len(block) and block[number + 1].indent <= base_indent:
                level = None
            # A numbered heading stands alone wherever it falls; an unnumbered one only after a sentence.
            heading = item.heading or (
                level is not None
                and (level < UNNUMBERED or after_sentence)
                and (not width or _room(line, "", width) or len(block) == 1)
            )
            cut = None
            seen += 1
            in_front = front is not None and seen <= MAX_FRONT_LINES and front(line)
            if current.pieces and not heading:
                if in_front or previous_front:
                    cut = "front"
                elif per_line and (ends_sentence(current.tail) or not continues(current.tail, line)):
                    cut = "line"
                elif starts is not None and starts(line):
                    cut = "label"
                elif width and after_sentence and _room(previous, line, width):
                    cut = "short line"
                elif width and after_sentence and item.indent > base_indent:
                    cut = "indent"
            if heading or cut:
                if current.pieces:
                    out.append(Para(current.text()))
                    if cut in ("short line", "indent"):
                        layout.breaks[cut] += 1
                current = Joiner(language)
            previous_front = in_front
            if heading:
                out.append(Para(line, heading=True))
                previous = None
            else:
                current.add(line)
                previous = line
        if current.pieces:
            out.append(Para(current.text()))
    # A heading echoed by the line after it ("## Section I" then "Section I") is said once.
    paras = [p for i, p in enumerate(out) if i == 0 or p.text != out[i - 1].text or not echo(p.text)]
    return paras, layout


def _room(line: str, following: str, width: int) -> bool:
    """Did `line` stop short of the wrap width with room for the first word of `following` (so the break was the
    writer's, not the printer's)?"""
    first = following.split(maxsplit=1)[0] if following.strip() else ""
    if first and CJK.match(first):
        first = first[0]  # Chinese wraps at any character
    return len(line) + 1 + len(first) <= width


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
