"""Typed dependencies the routes share: the loaded service and the settings it serves with."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request

from ..problems import LOADING
from ..service import Service
from ..settings import Settings


def loaded_service(request: Request) -> Service | None:
    """The service serving now, or None while the index loads (integrations answer that in their own error shape)."""
    return getattr(request.app.state, "service", None)


def serving_service(request: Request) -> Service:
    """The service serving now; 503 while the index loads."""
    service = loaded_service(request)
    if service is None:
        raise HTTPException(503, LOADING)
    return service


# The dependencies are async although they only read attributes: FastAPI runs a plain `def` one on a worker
# thread, a hop per request on the way to the search's own.
async def get_service(request: Request) -> Service:
    return serving_service(request)


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


ServiceDep = Annotated[Service, Depends(get_service)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
