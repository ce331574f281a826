"""Is the server ready, and what does it serve."""

from __future__ import annotations

from fastapi import APIRouter

from .. import schemas
from ..problems import PROBLEM, RATE_LIMITED
from .deps import ServiceDep

router = APIRouter(prefix="/api", tags=["health"], responses=RATE_LIMITED)


@router.get("/health", response_model=schemas.Health, responses={503: PROBLEM})
def health(service: ServiceDep) -> schemas.Health:
    """200 once the index and model are loaded."""
    manifest = service.index.manifest
    return schemas.Health(
        status="ok",
        model=manifest["model"],
        passages=len(service.index.passages),
        built_at=manifest["built_at"],
        backend=service.index.backend,
    )
