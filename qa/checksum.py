"""The one way a file's checksum is computed (index files on load, the converted model's provenance)."""

from __future__ import annotations

import hashlib
from pathlib import Path

READ_CHUNK = 1 << 20  # bytes read at a time: a checksum of a gigabyte file never holds it in memory


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for chunk in iter(lambda: fh.read(READ_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()
