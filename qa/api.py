"""The HTTP API and the chat page: `create_app(settings)`; the lifespan loads the index and model once.

Routes live in `qa.routes` (one router per concern), the failure wording in `qa.problems`, each ASGI layer in
its own module; `layers` below is the whole middleware stack, outermost first.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from pathlib import Path

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware

from . import __version__, problems
from .accesslog import HeadersAndLog
from .admingate import AdminGate
from .bodylimit import BodyLimit
from .embedding import Embedder
from .integrations import chat_api, dify, mcp, metrics, openai_api
from .jobs import JobQueue, rebuild_and_serve
from .proxy import ForwardedClient
from .ratelimit import RateLimit
from .reader.limits import MB
from .routes import ROUTERS
from .routes.library import WRITE_PATH
from .service import Service
from .settings import Settings

# Inside the package, so an installed wheel serves the page (in the repo, qa/web links to the top-level web/).
WEB_DIR = (Path(__file__).parent / "web").resolve()
log = logging.getLogger("qa.api")
CORS_METHODS = ["GET", "POST", "DELETE"]
CORS_HEADERS = ["content-type", "authorization"]
MULTIPART_SLACK = 64 << 10  # part headers and form fields around the files of an upload


def layers(settings: Settings) -> list[Middleware]:
    """The ASGI layers around the routes, outermost first."""
    origins = [o.strip() for o in settings.cors_origins.split(",") if o.strip()]
    cors = CORSMiddleware, {"allow_origins": origins, "allow_methods": CORS_METHODS, "allow_headers": CORS_HEADERS}
    return [
        # The rate limit and the access log both see the client behind a trusted proxy.
        Middleware(ForwardedClient, trusted=settings.trusted_proxies),
        Middleware(metrics.Metrics),  # inside ForwardedClient, which copies the scope the route is written into
        # Outside the limits, so a 413 or a 429 is logged and carries the security headers.
        Middleware(HeadersAndLog),
        Middleware(metrics.Scrape),  # before the rate limit: a scraper polls on its own schedule
        # Before the admin gate, so guessing the admin token is rate limited like any other request.
        Middleware(RateLimit, rate=settings.rate_limit, burst=settings.rate_burst),
        # Before the body limit and the routes: a write without the admin token is answered unread.
        Middleware(AdminGate, admin_token=settings.admin_token),
        Middleware(BodyLimit, paths={WRITE_PATH: int(settings.upload_max_mb * MB) + MULTIPART_SLACK}),
        *([Middleware(cors[0], **cors[1])] if origins else []),
    ]


def create_app(settings: Settings, embedder: Embedder | None = None, service: Service | None = None) -> FastAPI:
    """The app; the index and model load in the lifespan unless a loaded `service` is handed in.

    A test may pass its own embedder; `qa serve` passes the service it loaded to report errors first.
    """

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.service = await run_in_threadpool(load_service, settings, embedder, service)
        watcher = asyncio.create_task(watch_index(app.state.service, settings.reload_interval))
        try:
            yield
        finally:
            app.state.jobs.stop()
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher

    # FastAPI's /docs and /redoc load Swagger UI and ReDoc from a CDN; this serves the package's own copies.
    app = FastAPIOffline(
        title="Speech QA",
        version=__version__,
        summary="Ask questions of speeches; get the passages that answer them, with who said them.",
        lifespan=lifespan,
        middleware=layers(settings),
    )
    app.state.settings = settings
    app.state.jobs = JobQueue(settings, lambda *job: rebuild_and_serve(app.state.service, *job))
    problems.install(app)
    for router in ROUTERS:
        app.include_router(router)
    app.include_router(chat_api.router)
    app.include_router(dify.router)
    app.include_router(openai_api.router)
    app.include_router(mcp.http_router(settings, lambda: getattr(app.state, "service", None)))
    # Routers and sub-apps go above this line: the page is mounted at "/" and answers every other path.
    app.mount("/", StaticFiles(directory=WEB_DIR, html=True), name="web")
    return app


def load_service(settings: Settings, embedder: Embedder | None, service: Service | None) -> Service:
    if service is not None:
        return service
    from .embedding import embedder_for

    return Service(settings, embedder or embedder_for(settings))


async def watch_index(service: Service, interval: float):
    """Poll for a newly published index; loading runs in a thread so requests keep flowing."""
    while True:
        await asyncio.sleep(interval)
        try:
            await run_in_threadpool(service.reload_if_changed)
        except Exception:
            log.exception("index reload failed; still serving the previous index")
