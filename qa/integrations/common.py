"""What the integrations share: the loaded service, API keys, and search with filters the engines do not have."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from fastapi import Request
from pydantic import BaseModel

from ..auth import bearer_token, key_accepted
from ..engines import MILVUS
from ..retrieval import Result
from ..service import Service
from ..settings import Settings


def json_body(model: type[BaseModel]) -> dict:
    """OpenAPI `openapi_extra` documenting a JSON body a route reads itself (to answer a bad one in its own
    protocol's error form): the model's schema with its definitions written in place, as the document has no
    component for them."""
    schema = model.model_json_schema()
    definitions = schema.pop("$defs", {})

    def inline(node):
        if isinstance(node, dict):
            ref = node.get("$ref")
            if ref:
                return inline(definitions[ref.rsplit("/", 1)[-1]])
            return {k: inline(v) for k, v in node.items()}
        if isinstance(node, list):
            return [inline(v) for v in node]
        return node

    content = {"application/json": {"schema": inline(schema)}}
    return {"requestBody": {"required": True, "content": content}}


def sent_key(request: Request) -> str | None:
    """The bearer token a request sends (see `auth.bearer_token`)."""
    return bearer_token(request.headers.get("authorization"))


def key_refused(request: Request, settings: Settings) -> bool:
    """With QA_API_KEYS set, does the request lack one of them? Settled before the index has loaded."""
    return bool(settings.api_keys) and not key_accepted(sent_key(request), settings.api_keys)


def knowledge_name(settings: Settings) -> str:
    """The name a client gives for the served index: its folder's name, or its Milvus alias."""
    return settings.milvus_collection if settings.backend == MILVUS else settings.index_dir.resolve().name


def search_where(
    service: Service,
    query: str,
    top_k: int,
    keep: Callable[[Result], bool] | None = None,
    speaker: str | None = None,
    document: str | None = None,
) -> list[Result]:
    """The best `top_k` passages that pass `keep`: the engine filters by speaker and document, the rest is checked
    on its QA_CANDIDATES best candidates, so a filter matching none of those finds nothing."""
    if keep is None:
        return service.search(query, top_k, speaker, document)
    wide = service.search(query, max(service.settings.candidates, top_k), speaker, document)
    kept = [r for r in wide if keep(r)][:top_k]
    return [replace(r, rank=rank) for rank, r in enumerate(kept, start=1)]


def normalised(score: float, settings: Settings) -> float:
    """A fused score on 0..1. Weighted fusion already mixes two 0..1 scores (the dense similarity min-max scaled
    over the candidates, BM25 over its best); reciprocal-rank fusion is scaled by its best, 2 / (k + 1). The
    speaker boost can lift a passage past 1: it is capped there (the rank still orders such passages)."""
    scale = (settings.rrf_k + 1) / 2 if settings.fusion == "rrf" else 1.0
    return round(min(max(score * scale, 0.0), 1.0), 6)
