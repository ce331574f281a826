"""The API's routes, one router per concern; `ROUTERS` is what `create_app` includes."""

from . import corpus, health, library, search

ROUTERS = (search.router, corpus.router, library.router, health.router)
