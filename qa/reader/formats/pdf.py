"""PDF: the text layer via pypdf, without running headers, footers and page numbers; pages joined by one newline
so that a paragraph cut by a page break can be rejoined by the layout step.

pypdf's plain mode never writes blank lines; its layout mode writes one where a line of space was left (an empty
paragraph between paragraphs, a common way speeches are typed) and keeps first-line indents, both paragraph
evidence. Layout mode also sets two columns side by side on one line, so a page that looks like columns is read
again in plain mode, which follows the columns.
"""

from __future__ import annotations

import io
import logging
import re

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


def read(raw: bytes, name: str) -> Extracted:
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, PyPdfError

    try:
        reader = PdfReader(io.BytesIO(raw))
        if reader.is_encrypted and not reader.decrypt(""):
            raise UnreadableFile("password-protected")
        pages = [_page_lines(page) for page in reader.pages]
    except UnreadableFile:
        raise
    except DependencyError as exc:
        raise UnreadableFile("encrypted with AES; reading it needs the 'cryptography' package") from exc
    except PyPdfError as exc:
        raise UnreadableFile(f"corrupt PDF ({str(exc)[:REASON_CHARS]})") from exc
    except Exception as exc:  # a damaged file breaks pypdf in many ways; one bad file must not stop a build
        raise UnreadableFile(f"corrupt PDF ({type(exc).__name__}: {str(exc)[:REASON_CHARS]})") from exc
    pages = _drop_running_lines(pages)
    text = "\n".join("\n".join(lines) for lines in pages if lines)
    if not text.strip():
        raise UnreadableFile("no text layer (scanned image?)")
    return Extracted(text=text, meta=_meta(reader))


def _page_lines(page) -> list[str]:
    try:
        lines = page.extract_text(extraction_mode="layout").splitlines()
    except Exception:  # layout mode is the younger code path in pypdf; plain mode still reads what it cannot
        lines = []
    filled = [line for line in lines if line.strip()]
    if not filled or sum(bool(COLUMN_GAP.search(line.strip())) for line in filled) > COLUMN_SHARE * len(filled):
        return _trim([" ".join(line.split()) for line in page.extract_text().splitlines()])
    margin = min(_indent(line) for line in filled)
    out: list[str] = []
    after_margin_line = False
    for line in lines:
        text = " ".join(line.split())
        indented = _indent(line) >= margin + INDENT_CHARS
        if text and indented and after_margin_line:
            out.append("")  # an indented line after one at the margin starts a paragraph
        if text or (out and out[-1]):  # layout mode writes one blank line per line of space; one says enough
            out.append(text)
        after_margin_line = bool(text) and not indented
    return _trim(out)


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
    meta = {}
    try:
        info = reader.metadata
        title = (info.title or "").strip() if info else ""
        created = info.creation_date if info else None
    except Exception:  # a malformed /Info dictionary or date string costs the hints, not the text
        return meta
    if title and not JUNK_TITLE.search(title):
        meta["title"] = title
    if created:
        meta["date"] = created.date().isoformat()
    return meta
