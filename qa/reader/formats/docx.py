"""Word .docx: paragraphs and table rows in document order, headings from the Title/Heading styles.

Only the core title (and language, when set) is passed on as a hint. The author is the person who typed the file
(a clerk, a press officer, "python-docx"), not the speaker; the created date is often a template's (python-docx's
own template says 2013-12-23), not the speech's — so neither is passed on.
"""

from __future__ import annotations

import io
import zipfile

from .. import limits
from . import Block, Extracted, UnreadableFile

# Encrypted .docx and legacy .doc both live in an OLE compound file; the stream names tell them apart.
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ENCRYPTED_STREAM = "EncryptionInfo".encode("utf-16-le")
WORD97_STREAM = "WordDocument".encode("utf-16-le")
HEADING_STYLES = ("Heading", "Title", "Subtitle")
CELL_SEPARATOR = " | "  # a table row is one block, as the HTML reader renders rows


def read(raw: bytes, name: str) -> Extracted:
    document = _open(raw)
    blocks = []
    for item in document.iter_inner_content():
        if hasattr(item, "rows"):
            blocks += [Block(text) for row in item.rows if (text := _row_text(row))]
        elif text := _clean(item.text):
            style = item.style.name if item.style is not None else ""
            blocks.append(Block(text, heading=style.startswith(HEADING_STYLES)))
    if not blocks:
        raise UnreadableFile("no text in the document")
    core = document.core_properties
    meta = {key: value.strip() for key, value in (("title", core.title), ("language", core.language)) if value}
    return Extracted(blocks=blocks, meta={key: value for key, value in meta.items() if value})


def _open(raw: bytes):
    import docx  # imported here: a corpus without .docx files never loads python-docx

    if raw.startswith(OLE_MAGIC):
        if ENCRYPTED_STREAM in raw:
            raise UnreadableFile("password-protected (encrypted Word file)")
        if WORD97_STREAM in raw:
            raise UnreadableFile("legacy Word 97-2003 .doc, not .docx (save it as .docx)")
        raise UnreadableFile("an OLE compound file, not a .docx")
    _check_inflated_size(raw)
    try:
        return docx.Document(io.BytesIO(raw))
    except zipfile.BadZipFile as exc:
        raise UnreadableFile("corrupt .docx (not a zip archive)") from exc
    except KeyError as exc:
        part = str(exc).split("'")[1] if str(exc).count("'") >= 2 else "a part"
        raise UnreadableFile(f"corrupt .docx (missing {part})") from exc
    except Exception as exc:  # python-docx surfaces XML and package errors of many types for a damaged file
        raise UnreadableFile(f"corrupt .docx ({type(exc).__name__})") from exc


def _check_inflated_size(raw: bytes) -> None:
    """Refuses a zip whose parts inflate past the file limit, before any is inflated. A member's declared size
    bounds what `zipfile` will inflate from it (more fails its CRC check), so a lying header cannot get past."""
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            inflated = sum(member.file_size for member in archive.infolist())
    except zipfile.BadZipFile as exc:
        raise UnreadableFile("corrupt .docx (not a zip archive)") from exc
    if inflated > limits.max_bytes():
        raise UnreadableFile(limits.over_limit(inflated, "inflates to"))


def _row_text(row) -> str:
    cells, seen = [], []
    for cell in row.cells:
        if any(cell._tc is other for other in seen):  # a merged cell is reported once per grid column it spans
            continue
        seen.append(cell._tc)
        cells.append(_clean(cell.text).replace("\n", " "))
    return CELL_SEPARATOR.join(filter(None, cells))


def _clean(text: str) -> str:
    """Soft line breaks stay as newlines; the layout step decides whether they end paragraphs."""
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line)
