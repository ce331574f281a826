"""How much one file may cost: its size on disk and what it inflates to (`QA_MAX_FILE_MB`).

The limit is set once per build (`applied`) and read by the formats that decompress (a .docx is a zip, a PDF
holds compressed streams), so a 3 MB file that inflates to 3 GB is refused before it is inflated.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar

MB = 1 << 20
_MAX_BYTES: ContextVar[int] = ContextVar("max_file_bytes", default=0)  # 0: not set, QA_MAX_FILE_MB's default


def max_bytes() -> int:
    """The largest size, in bytes, a file may have on disk or once decompressed while this build reads."""
    if limit := _MAX_BYTES.get():
        return limit
    from ..settings import DEFAULT_MAX_FILE_MB  # here: reading a file never needs pydantic loaded otherwise

    return int(DEFAULT_MAX_FILE_MB * MB)


@contextlib.contextmanager
def applied(limit: int) -> Iterator[None]:
    token = _MAX_BYTES.set(limit)
    try:
        yield
    finally:
        _MAX_BYTES.reset(token)


def megabytes(size: int) -> str:
    return f"{size / MB:,.1f} MB"


def over_limit(size: int, what: str = "is") -> str:
    """The skip reason: `inflates to 3,072.0 MB, over the limit of 50.0 MB (QA_MAX_FILE_MB)`."""
    shown, limit = megabytes(size), megabytes(max_bytes())
    if shown == limit:  # just over: the rounded figures would read as equal
        shown, limit = f"{size:,} bytes", f"{max_bytes():,} bytes"
    return f"{what} {shown}, over the limit of {limit} (QA_MAX_FILE_MB)"
