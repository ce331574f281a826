"""One small module per file format; each turns a file's bytes into text or paragraphs plus its own metadata.

The contract every format keeps: `read(raw: bytes, name: str) -> Extracted`, raising `UnreadableFile` with a
short reason (no text layer, password, corrupt archive) when the file cannot give text. What a format knows
is passed on, nothing more: paragraphs it marks (`blocks`), or plain text whose paragraphs the layout step
must find (`text`), and metadata the file carries about itself (`meta`, weak hints only).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field


class UnreadableFile(Exception):
    """This file gives no text; the message says why in a few words (the caller names the file)."""


@dataclass
class Block:
    """A paragraph as the format marks it."""

    text: str
    heading: bool = False
    start: float | None = None  # seconds from the start of timed media (subtitles)
    end: float | None = None
    speaker: str | None = None  # who the format says is speaking (a subtitle voice), for the speaker step


@dataclass
class Extracted:
    text: str | None = None  # plain text: the layout step finds its paragraphs
    blocks: list[Block] | None = None  # paragraphs the format already knows
    meta: dict[str, str] = field(default_factory=dict)  # the file's own metadata: title, date, url, language


Reader = Callable[[bytes, str], Extracted]


# File suffix → (module in this package, function). Modules load on first use: a corpus of .txt files never
# imports the PDF or HTML libraries.
FORMATS = {
    ".txt": ("text", "read"),
    ".md": ("text", "read"),
    ".html": ("html", "read"),
    ".htm": ("html", "read"),
    ".docx": ("docx", "read"),
    ".pdf": ("pdf", "read"),
    ".srt": ("subtitles", "read_srt"),
    ".vtt": ("subtitles", "read_vtt"),
}
SUFFIXES = tuple(FORMATS)


def reader(suffix: str) -> Reader:
    module, function = FORMATS[suffix.lower()]
    return getattr(importlib.import_module(f"{__name__}.{module}"), function)
