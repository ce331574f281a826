"""What the index holds: speakers and documents, for filters and the library."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from .. import schemas
from ..problems import PROBLEM, RATE_LIMITED
from .deps import ServiceDep

router = APIRouter(prefix="/api", tags=["corpus"], responses=RATE_LIMITED)


@router.get("/speakers", response_model=schemas.SpeakersResponse)
def speakers(service: ServiceDep) -> schemas.SpeakersResponse:
    """Every speaker and document in the index, for filters."""
    people, documents = service.speakers()
    return schemas.SpeakersResponse(speakers=people, documents=documents)


@router.get("/examples", response_model=schemas.ExamplesResponse, responses={422: PROBLEM})
def examples(
    service: ServiceDep, lang: Annotated[Literal["zh", "en"], Query(description="The page's language")] = "zh"
) -> schemas.ExamplesResponse:
    """Example questions built from the served speeches: their speakers, titles and shared topics."""
    language, questions = service.examples(lang)
    return schemas.ExamplesResponse(language=language, examples=questions)
