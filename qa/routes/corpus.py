"""What the index holds: speakers and documents, for filters and the library."""

from __future__ import annotations

from fastapi import APIRouter

from .. import schemas
from ..problems import RATE_LIMITED
from .deps import ServiceDep

router = APIRouter(prefix="/api", tags=["corpus"], responses=RATE_LIMITED)


@router.get("/speakers", response_model=schemas.SpeakersResponse)
def speakers(service: ServiceDep) -> schemas.SpeakersResponse:
    """Every speaker and document in the index, for filters."""
    people, documents = service.speakers()
    return schemas.SpeakersResponse(speakers=people, documents=documents)
