"""Counting tokens the way the embedding model will, so no passage is silently cut at its window.

Only the tokenizer is loaded (from the model folder's `tokenizer.json`), never the weights: a rebuild with
nothing new to embed stays fast.
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

from .textrules import HAN

log = logging.getLogger(__name__)

DEFAULT_WINDOW = 512  # tokens: BERT-family models, which is what sentence-transformers mostly ships
ROBERTA_OFFSET = 2  # RoBERTa-family position tables hold two extra slots beyond the usable length
CJK_OR_WORD = re.compile(
    f"""
      [{HAN}]                    # one token per ideograph
    | [A-Za-z0-9]+               # one per run of Latin letters and digits
    | [^\\sA-Za-z0-9{HAN}]       # one per other symbol
    """,
    re.X,
)


class ApproxTokens:
    """A tokenizer-free estimate (one token per Chinese character, word or symbol) for models without one."""

    def __init__(self, max_tokens: int = DEFAULT_WINDOW, reserved: int = 2):
        self.max_tokens = max_tokens
        self.reserved = reserved  # special tokens and prompt added to every passage

    def count(self, texts: list[str]) -> list[int]:
        return [CJK_OR_WORD.subn("", t)[1] for t in texts]


class ModelTokens(ApproxTokens):
    """The model's own fast tokenizer and window, read from its folder."""

    def __init__(self, folder: Path):
        from tokenizers import Tokenizer

        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.no_truncation()
        self.tokenizer.no_padding()
        specials = len(self.tokenizer.encode("").ids)
        prompt = _read(folder / "config_sentence_transformers.json").get("prompts", {})
        prompt_text = prompt.get("passage") or prompt.get("document") or ""
        super().__init__(window(folder), specials + (self.count([prompt_text])[0] if prompt_text else 0))

    def count(self, texts: list[str]) -> list[int]:
        if not texts:
            return []
        return [len(e.ids) for e in self.tokenizer.encode_batch(list(texts), add_special_tokens=False)]


def _read(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def window(folder: Path) -> int:
    """Longest input the model reads, in tokens, as sentence-transformers will apply it."""
    st = _read(folder / "sentence_bert_config.json").get("max_seq_length")
    if isinstance(st, int) and st > 0:
        return st
    config = _read(folder / "config.json")
    positions = config.get("max_position_embeddings")
    tokenizer_max = _read(folder / "tokenizer_config.json").get("model_max_length")
    candidates = [v for v in (tokenizer_max,) if isinstance(v, int) and 0 < v < 100_000]
    if isinstance(positions, int) and positions > 0:
        candidates.append(positions - (ROBERTA_OFFSET if "roberta" in str(config.get("model_type", "")) else 0))
    return min(candidates) if candidates else DEFAULT_WINDOW


def token_counter(location: str | None, max_tokens: int | None = None) -> ApproxTokens:
    """The counter for a model folder; an estimate (with a warning) when the folder has no fast tokenizer."""
    folder = Path(location) if location else None
    if folder is not None and (folder / "tokenizer.json").is_file():
        counter: ApproxTokens = ModelTokens(folder)
    else:
        if folder is not None:
            log.warning("no tokenizer.json in %s: passage lengths are estimated, not counted", folder)
        counter = ApproxTokens()
    if max_tokens:
        counter.max_tokens = min(counter.max_tokens, max_tokens)
    return counter
