"""Data that ships inside installed distributions (model weights, dictionaries), found without importing them."""

from __future__ import annotations

import importlib.metadata
from pathlib import Path


def packaged_file(distribution: str, relative: str) -> Path | None:
    """`relative` inside the installed `distribution`; None when the distribution is not installed.

    The path may not exist: callers say what that means for them.
    """
    try:
        return Path(importlib.metadata.distribution(distribution).locate_file(relative))
    except importlib.metadata.PackageNotFoundError:
        return None
