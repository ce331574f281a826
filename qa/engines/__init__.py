"""Search engines behind one contract (`base.Engine`): embedded FAISS (default) and Milvus.

`engine_for` is the one place that maps `settings.backend` to an engine; each engine module is imported only
when asked for (Milvus's brings pymilvus).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..settings import Settings
    from .base import Engine

FAISS = "faiss"
MILVUS = "milvus"


def engine_for(settings: Settings) -> Engine:
    """The engine `settings.backend` names, for these settings."""
    if settings.backend == MILVUS:
        from .milvus import MilvusEngine

        return MilvusEngine(settings)
    if settings.backend == FAISS:
        from .faiss import FaissEngine

        return FaissEngine(settings)
    raise ValueError(f"no engine {settings.backend!r}")  # Settings admits only the names above
