"""Asking: search, chat, and one passage in its speech."""

from __future__ import annotations

import time
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query
from fastapi import Path as PathParam

from .. import schemas
from ..integrations import chat_api
from ..problems import BODY_PROBLEMS, PROBLEM, RATE_LIMITED, not_found, readable_errors
from ..settings import TOP_K_MAX, TOP_K_MIN
from .deps import ServiceDep

router = APIRouter(prefix="/api", tags=["search"], responses=RATE_LIMITED)


def hit(result) -> schemas.Hit:
    return schemas.Hit.model_validate(result.to_dict())


@router.post("/search", response_model=schemas.SearchResponse, responses=BODY_PROBLEMS)
def search(body: schemas.SearchRequest, service: ServiceDep) -> schemas.SearchResponse:
    """Passages that best answer the query, best first, each with who said it and where."""
    start = time.perf_counter()
    top_k = body.top_k or service.settings.top_k
    results = service.search(body.query, top_k, body.speaker, body.document, body.scope())
    took = (time.perf_counter() - start) * 1000
    return schemas.SearchResponse(query=body.query, took_ms=round(took, 2), results=[hit(r) for r in results])


@router.get("/search", response_model=schemas.SearchResponse, responses={422: PROBLEM})
def search_get(
    service: ServiceDep,
    q: Annotated[str, Query(min_length=1, max_length=schemas.MAX_QUERY_CHARS, examples=["巩义要建成什么基地？"])],
    top_k: Annotated[int | None, Query(ge=TOP_K_MIN, le=TOP_K_MAX, description=schemas.TOP_K_DOC)] = None,
    speaker: Annotated[str | None, Query(max_length=schemas.MAX_NAME)] = None,
    document: Annotated[str | None, Query(max_length=schemas.MAX_DOCUMENT)] = None,
    date_from: Annotated[str | None, Query(max_length=schemas.MAX_DATE, description=schemas.DATE_DOC)] = None,
    date_to: Annotated[str | None, Query(max_length=schemas.MAX_DATE, description=schemas.DATE_DOC)] = None,
    group_by: Annotated[Literal["speaker"] | None, Query(description=schemas.GROUP_DOC)] = None,
) -> schemas.SearchResponse:
    """The same search as POST, for links and quick checks: `/api/search?q=…`."""
    fields = {"date_from": date_from, "date_to": date_to, "group_by": group_by}
    try:
        body = schemas.SearchRequest(query=q, top_k=top_k, speaker=speaker, document=document, **fields)
    except ValueError as exc:
        raise HTTPException(422, readable_errors(exc)) from None
    return search(body, service)


@router.post("/chat", response_model=schemas.ChatResponse, responses=BODY_PROBLEMS)
def chat(body: schemas.ChatRequest, service: ServiceDep) -> schemas.ChatResponse:
    """The answer (quoted sentences with who said them, or generated and checked when QA_LLM_BASE_URL is set) and
    the passages it comes from."""
    return chat_api.chat_response(service, body)


@router.get("/passages/{passage_id}", response_model=schemas.PassageContext, responses={404: PROBLEM, 422: PROBLEM})
def passage(
    passage_id: Annotated[str, PathParam(max_length=schemas.MAX_ID, examples=["3f2a9c0d1b7e4a55"])], service: ServiceDep
) -> schemas.PassageContext:
    """One passage with its whole speech, for reading it in context."""
    found = service.passage(passage_id)
    if found is None:
        raise HTTPException(404, not_found("passage", passage_id))
    result, speech = found
    return schemas.PassageContext(
        passage=hit(result),
        speech=[schemas.SpeechParagraph.of(p) for p in speech],
    )
