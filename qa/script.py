"""Chinese script: traditional and simplified text must find each other.

Matching (keywords, embeddings, speaker headers) runs on simplified characters via OpenCC; what is shown
always keeps the original characters.
"""

from __future__ import annotations

from functools import lru_cache

from .textrules import HAN_CHAR


@lru_cache(maxsize=1)
def _converter():
    import opencc

    return opencc.OpenCC("t2s")


def simplified(text: str) -> str:
    """The text in simplified characters (unchanged when it has no Chinese)."""
    return _converter().convert(text) if HAN_CHAR.search(text) else text
