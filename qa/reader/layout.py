"""Text → paragraphs, decided per document from evidence.

Three layouts occur, often mixed: blank lines between paragraphs; one paragraph per line (long lines ending in
sentence punctuation); hard-wrapped print lines, where a paragraph is cut at the line width or even by a blank
line. Joining is language-aware: Chinese joins directly, Latin text with a space, and a hyphen at a line end
keeps its word whole. Debris of print and scraping (page numbers, clock times, column numbers, rules,
Markdown markup) never becomes a paragraph.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

SENTENCE_END = "。！？!?…."
CLOSERS = "”’」』）)]》\"'*"
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
LATIN = re.compile(r"[A-Za-z]")
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


@dataclass(frozen=True)
class Para:
    text: str
    heading: bool = False
    start: float | None = None
    end: float | None = None


def language_of(text: str) -> str:
    """ "zh" when Chinese characters are at least a third as many as Latin letters, else "en"."""
    sample = text[:20000]
    return "zh" if len(CJK.findall(sample)) * 3 >= len(LATIN.findall(sample)) else "en"


def ends_sentence(text: str) -> bool:
    return text.rstrip().rstrip(CLOSERS)[-1:] in SENTENCE_END


def join(left: str, right: str, language: str = "en") -> str:
    """Glue two pieces of one paragraph: directly in Chinese, with a space between Latin words."""
    if not left or not right:
        return left + right
    a, b = left[-1], right[0]
    if language == "zh":
        spaced = a.isascii() and a.isalnum() and b.isascii() and b.isalnum()
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
    return sum(ends_sentence(line) for line in inner) >= LINE_MODE_SHARE * len(inner)


def paragraphs(text: str, language: str, markdown: bool = False) -> list[Para]:
    blocks = _blocks(text, markdown)
    per_line = one_paragraph_per_line(blocks)
    out: list[Para] = []
    for block in blocks:
        current = ""
        for line, heading in block:
            if heading:
                if current:
                    out.append(Para(current))
                out.append(Para(line, heading=True))
                current = ""
            elif per_line and current and (ends_sentence(current) or not continues(current, line)):
                out.append(Para(current))
                current = line
            else:
                current = join(current, line, language) if current else line
        if current:
            out.append(Para(current))
    # A heading echoed by the line after it ("## Section I" then "Section I") is said once.
    return [p for i, p in enumerate(out) if i == 0 or p.text != out[i - 1].text or len(p.text) > ECHO_CHARS]


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
    out: list[Para] = []
    for para in paras:
        last = out[-1] if out else None
        cut = last and not last.heading and not para.heading and not ends_sentence(last.text)
        if cut and (language == "zh" or continues(last.text, para.text)):
            out[-1] = replace(last, text=join(last.text, para.text, language), end=para.end if para.end else last.end)
            continue
        out.append(para)
    return out
