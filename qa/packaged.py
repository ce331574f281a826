"""Data that ships inside installed distributions (model weights, dictionaries), found without importing them."""

from __future__ import annotations

import importlib.metadata
from pathlib import Path


class MissingData(Exception):
    """The distribution is not installed, or lacks the file; the message says how to install it."""


def packaged_file(distribution: str, relative: str) -> Path | None:
    """`relative` inside the installed `distribution`; None when the distribution is not installed.

    The path may not exist: callers say what that means for them.
    """
    try:
        return Path(importlib.metadata.distribution(distribution).locate_file(relative))
    except importlib.metadata.PackageNotFoundError:
        return None


def require_packaged(what: str, distribution: str, relative: str, install: str, marker: str = "") -> Path:
    """`relative` inside `distribution`, which must hold it (and `marker` inside it, for a folder)."""
    path = packaged_file(distribution, relative)
    if path is None:
        raise MissingData(f"{what} ships in the '{distribution}' package, which is not installed: {install}")
    if not (path / marker if marker else path).is_file():
        raise MissingData(f"'{distribution}' is installed but has no {relative} at {path}")
    return path
