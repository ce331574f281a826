"""The API's routes, one router per concern; `ROUTERS` is what `create_app` includes."""

from . import corpus, health, search

ROUTERS = (search.router, corpus.router, health.router)
