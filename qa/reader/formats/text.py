"""Plain text and Markdown: decoded; the layout step finds the paragraphs."""

from __future__ import annotations

from ..encoding import decode
from . import Extracted


def read(raw: bytes, name: str) -> Extracted:
    return Extracted(text=decode(raw))
