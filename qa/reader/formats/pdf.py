"""PDF: the text layer via pypdf, without running headers, footers and page numbers; pages joined by one newline
so that a paragraph cut by a page break can be rejoined by the layout step.

pypdf's plain mode never writes blank lines; its layout mode writes one where a line of space was left (an empty
paragraph between paragraphs, a common way speeches are typed) and keeps first-line indents, both paragraph
evidence. Layout mode also sets two columns side by side on one line, so a page that looks like columns is read
again in plain mode, which follows the columns. Layout mode also pads Chinese text with spaces where it guessed
at a gap (`发展 思想`); a space between two Chinese characters is dropped unless plain mode has it too (`市长 赵立新`).

A page ends a paragraph when its last line ends a sentence; otherwise the paragraph runs on to the next page.
Fonts often map glyphs back to look-alike compatibility characters (Kangxi radicals for ideographs, `ﬁ` ligatures),
which are mapped to the ordinary characters. The PDF's creation date is when the file was made, not the speech
date, so it is not reported.
"""

from __future__ import annotations

import io
import logging
import re
import unicodedata

from ...textrules import CLOSERS, ENDS_SENTENCE, WIDE
from ...textrules import SENTENCE_END as SENTENCE_MARKS
from .. import limits
from . import Extracted, UnreadableFile

# pypdf logs every repaired xref; the caller prints one line per unreadable file instead.
logging.getLogger("pypdf").setLevel(logging.ERROR)

EDGE_LINES = 3  # how many lines at the top and at the bottom of a page may be a header or footer
MIN_PAGES_FOR_MAJORITY = 3  # from 3 pages, a line on half of them is running; on 2 pages it must be on both
COLUMN_GAP = re.compile(r"\S {8,}\S")  # a wide gap inside a line: layout mode put two columns side by side
COLUMN_SHARE = 1 / 3
INDENT_CHARS = 2
PAGE_NUMBER = re.compile(
    r"(?:page\s*)?[-–—(]?\s*\d+\s*[-–—)]?(?:\s*(?:of|/)\s*\d+)?|第\s*\d+\s*页(?:\s*[,，/]?\s*共\s*\d+\s*页)?",
    re.IGNORECASE,
)
DIGITS = re.compile(r"\d+")
REASON_CHARS = 120
JUNK_TITLE = re.compile(r"^(?:Microsoft Word - |untitled)|\.(?:docx?|pdf|rtf)$", re.IGNORECASE)

# Chinese written without spaces: the shared WIDE characters, and punctuation that is Chinese only next to a wide
# character ("narrow": quotes, dashes, ellipsis, middle dot).
NARROW = "\u00b7\u2014\u2018\u2019\u201c\u201d\u2026\u2e3a"
CJK_SPACE = re.compile(f"(?<=[{WIDE}]) +(?=[{WIDE}{NARROW}])|(?<=[{WIDE}{NARROW}]) +(?=[{WIDE}])")
SHORT_LINE = 0.8  # a paragraph's last line stops short of the right margin
PARAGRAPH_END = re.compile(f"[{re.escape(SENTENCE_MARKS)}:：][{re.escape(CLOSERS)}]*$")
SPACED_PAIR = re.compile(f"(?=([{WIDE}{NARROW}] [{WIDE}{NARROW}]))")  # overlapping "长 赵" in plain text

# Fonts whose glyph for 工 or 长 is shared with a radical lead text extraction to the radical's code point
# (`⼯作`, `市⻓`), and ligature glyphs to `ﬁ`. Kangxi Radicals (U+2F00–U+2FDF) and the Latin ligatures
# (U+FB00–U+FB06) all have an NFKC decomposition to the ordinary character; the CJK Radicals Supplement has
# almost none, so the radicals there that have the form of a whole character are listed by hand. NFKC is not
# applied to the whole text: it would turn Chinese full-width punctuation (，：（）) into ASCII.
RADICALS = {
    "\u2e9f": "母",  # CJK RADICAL MOTHER
    "\u2ea0": "民",  # CJK RADICAL CIVILIAN
    "\u2ec4": "西",  # CJK RADICAL WEST TWO
    "\u2ec5": "见",  # CJK RADICAL C-SIMPLIFIED SEE
    "\u2ec6": "角",  # CJK RADICAL SIMPLIFIED HORN
    "\u2ec9": "贝",  # CJK RADICAL C-SIMPLIFIED SHELL
    "\u2ecb": "车",  # CJK RADICAL C-SIMPLIFIED CART
    "\u2ed1": "長",  # CJK RADICAL LONG ONE
    "\u2ed3": "长",  # CJK RADICAL C-SIMPLIFIED LONG
    "\u2ed4": "门",  # CJK RADICAL C-SIMPLIFIED GATE
    "\u2ed8": "青",  # CJK RADICAL BLUE
    "\u2ed9": "韦",  # CJK RADICAL C-SIMPLIFIED TANNED LEATHER
    "\u2eda": "页",  # CJK RADICAL C-SIMPLIFIED LEAF
    "\u2edb": "风",  # CJK RADICAL C-SIMPLIFIED WIND
    "\u2edc": "飞",  # CJK RADICAL C-SIMPLIFIED FLY
    "\u2edd": "食",  # CJK RADICAL EAT ONE
    "\u2ee2": "马",  # CJK RADICAL C-SIMPLIFIED HORSE
    "\u2ee3": "骨",  # CJK RADICAL BONE
    "\u2ee4": "鬼",  # CJK RADICAL GHOST
    "\u2ee5": "鱼",  # CJK RADICAL C-SIMPLIFIED FISH
    "\u2ee6": "鸟",  # CJK RADICAL C-SIMPLIFIED BIRD
    "\u2ee7": "卤",  # CJK RADICAL C-SIMPLIFIED SALT
    "\u2ee8": "麦",  # CJK RADICAL SIMPLIFIED WHEAT
    "\u2ee9": "黄",  # CJK RADICAL SIMPLIFIED YELLOW
    "\u2eea": "黾",  # CJK RADICAL C-SIMPLIFIED FROG
    "\u2eec": "齐",  # CJK RADICAL C-SIMPLIFIED EVEN
    "\u2eee": "齿",  # CJK RADICAL C-SIMPLIFIED TOOTH
    "\u2ef0": "龙",  # CJK RADICAL C-SIMPLIFIED DRAGON
    "\u2ef3": "龟",  # CJK RADICAL C-SIMPLIFIED TURTLE
    "\u2e3a": "——",  # TWO-EM DASH: a font's ligature for the Chinese dash, two EM DASHes
}
LOOK_ALIKES = {
    **{chr(c): unicodedata.normalize("NFKC", chr(c)) for c in [*range(0x2F00, 0x2FD6), *range(0xFB00, 0xFB07)]},
    **RADICALS,
}


# pypdf's decompression limits (each stream, each filter) set to the file limit instead of its own 75 MB.
INFLATION_LIMITS = (
    "maximum_declared_stream_length",
    "array_based_stream_maximum_output_length",
    "jbig2_maximum_output_length",
    "lzw_maximum_output_length",
    "run_length_maximum_output_length",
    "zlib_maximum_output_length",
    "brotli_maximum_output_length",
    "image_maximum_buffer_size",
    "stream_decoding_work_maximum_length",
)


def read(raw: bytes, name: str) -> Extracted:
    from pypdf import PdfReader, apply_configuration
    from pypdf.errors import DependencyError, LimitReachedError, PyPdfError

    limit = limits.max_bytes()
    try:
        with apply_configuration(**dict.fromkeys(INFLATION_LIMITS, limit)):
            reader = PdfReader(io.BytesIO(raw))
            if reader.is_encrypted and not reader.decrypt(""):
                raise UnreadableFile("password-protected")
            pages, text_size = [], 0
            for page in reader.pages:
                pages.append(_page_lines(page))
                text_size += sum(len(line) for line in pages[-1])
                if text_size > limit:  # each stream is bounded above; so is the text of all of them together
                    raise UnreadableFile(limits.over_limit(text_size, "its text is"))
    except UnreadableFile:
        raise
    except LimitReachedError as exc:
        raise UnreadableFile(f"a stream inflates past the limit of {limits.megabytes(limit)} (QA_MAX_FILE_MB)") from exc
    except DependencyError as exc:
        raise UnreadableFile("encrypted with AES; reading it needs the 'cryptography' package") from exc
    except PyPdfError as exc:
        raise UnreadableFile(f"corrupt PDF ({str(exc)[:REASON_CHARS]})") from exc
    except Exception as exc:  # a damaged file breaks pypdf in many ways; one bad file must not stop a build
        raise UnreadableFile(f"corrupt PDF ({type(exc).__name__}: {str(exc)[:REASON_CHARS]})") from exc
    kept = [lines for lines in _drop_running_lines(pages) if lines]
    # Every page the same: each line is "running", but the document is that one page's text, not nothing.
    pages = kept or [lines for lines in pages if lines][:1]
    text = ""
    for lines in pages:
        if text:
            text += "\n" if not ENDS_SENTENCE.search(text) else "\n\n"  # only an unfinished sentence runs on
        text += "\n".join(lines)
    text = text.translate(str.maketrans(LOOK_ALIKES))
    if not text.strip():
        raise UnreadableFile("no text layer (scanned image?)")
    return Extracted(text=text, meta=_meta(reader))


def _page_lines(page) -> list[str]:
    try:
        lines = page.extract_text(extraction_mode="layout").splitlines()
    except Exception:  # layout mode is the younger code path in pypdf; plain mode still reads what it cannot
        lines = []
    filled = [line for line in lines if line.strip()]
    plain = [" ".join(line.split()) for line in page.extract_text().splitlines()]
    if not filled or sum(bool(COLUMN_GAP.search(line.strip())) for line in filled) > COLUMN_SHARE * len(filled):
        return _trim(plain)
    spaced = {pair for line in plain for pair in SPACED_PAIR.findall(line)}
    margin = min(_indent(line) for line in filled)
    width = max(len(line.rstrip()) for line in filled)
    out: list[str] = []
    after_margin_line = False
    previous = ""  # the previous line as laid out, "" after a blank line
    for line in lines:
        text = _unpad(" ".join(line.split()), spaced)
        indented = _indent(line) >= margin + INDENT_CHARS
        if text and indented and (after_margin_line or _ends_indented_paragraph(previous, line, margin, width)):
            out.append("")  # an indented line after one at the margin (or ending one) starts a paragraph
        if text or (out and out[-1]):  # layout mode writes one blank line per line of space; one says enough
            out.append(text)
        after_margin_line = bool(text) and not indented
        previous = line if text else ""
    return _trim(out)


def _ends_indented_paragraph(previous: str, line: str, margin: int, width: int) -> bool:
    """An indented line after another indented one: a centred line (title, speaker) or a one-line paragraph."""
    if not previous or _indent(previous) < margin + INDENT_CHARS:
        return False
    if abs(_indent(previous) - _indent(line)) >= INDENT_CHARS:
        return True
    return len(previous.rstrip()) < SHORT_LINE * width and bool(PARAGRAPH_END.search(previous.rstrip()))


def _unpad(text: str, spaced: set[str]) -> str:
    """Drops the spaces layout mode put between Chinese characters, keeping one that plain mode also has there."""
    return CJK_SPACE.sub(lambda m: " " if f"{text[m.start() - 1]} {text[m.end()]}" in spaced else "", text)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _trim(lines: list[str]) -> list[str]:
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    return lines


def _drop_running_lines(pages: list[list[str]]) -> list[list[str]]:
    """A line repeated (digits aside) at the top or bottom of most pages is a running header or footer."""
    if len(pages) >= MIN_PAGES_FOR_MAJORITY:
        needed = (len(pages) + 1) // 2
    else:
        needed = len(pages) if len(pages) == 2 else len(pages) + 1
    counts: dict[str, int] = {}
    for lines in pages:
        filled = [line for line in lines if line]
        for key in {_key(line) for line in filled[:EDGE_LINES] + filled[-EDGE_LINES:]}:
            counts[key] = counts.get(key, 0) + 1
    running = {key for key, count in counts.items() if count >= needed}

    def edge(line: str) -> bool:
        return _key(line) in running or bool(PAGE_NUMBER.fullmatch(line))

    cleaned = []
    for lines in pages:
        for _ in range(EDGE_LINES):
            if lines and edge(lines[0]):
                lines = _trim(lines[1:])
            if lines and edge(lines[-1]):
                lines = _trim(lines[:-1])
        cleaned.append(lines)
    return cleaned


def _key(line: str) -> str:
    return DIGITS.sub("#", " ".join(line.lower().split()))


def _meta(reader) -> dict[str, str]:
    """The title only: /CreationDate and /ModDate say when the file was made (printed, converted), not the speech."""
    meta = {}
    try:
        info = reader.metadata
        title = (info.title or "").strip() if info else ""
    except Exception:  # a malformed /Info dictionary or date string costs the hints, not the text
        return meta
    if title and not JUNK_TITLE.search(title):
        meta["title"] = title
    return meta
