"""The HTTP API and the chat page: `create_app(settings)`; the lifespan loads the index and model once."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import socket
import time
import uuid
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

from . import __version__, schemas
from .embedding import Embedder
from .integrations import chat_api, dify, mcp, metrics, openai_api
from .proxy import ForwardedClient
from .ratelimit import RateLimit
from .service import Service
from .settings import TOP_K_MAX, TOP_K_MIN, Settings

# Inside the package, so an installed wheel serves the page (in the repo, qa/web links to the top-level web/).
WEB_DIR = (Path(__file__).parent / "web").resolve()
MAX_BODY = 1_000_000  # bytes
# An over-limit body up to this size is read and dropped before the 413 goes out: a server that answers and
# closes while the client is still sending makes the client see a connection reset instead of the answer.
DRAIN_LIMIT = 16 * MAX_BODY
SECURITY_HEADERS = {
    "content-security-policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
    ),
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
}
DOCS_PATHS = ("/docs", "/redoc", "/docs/oauth2-redirect")
access_log = logging.getLogger("qa.access")
log = logging.getLogger("qa.api")


def listening_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to (host, port) for uvicorn to serve on; port 0 picks a free one.

    Binding before serving leaves no gap in which another process could take the port. The protocol is named
    (IPPROTO_TCP) because asyncio sets TCP_NODELAY only on sockets that say so: without it every response waits
    ~40 ms for Nagle's algorithm and delayed ACKs.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


def get_service(request: Request) -> Service:
    service = getattr(request.app.state, "service", None)
    if service is None:
        raise HTTPException(503, "the index is still loading")
    return service


ServiceDep = Annotated[Service, Depends(get_service)]
PROBLEM = {"model": schemas.Problem}
# What a request body can get wrong: not UTF-8 (400), too big (413), not sent as application/json (415), not what
# the schema asks for (422).
BODY_PROBLEMS = {400: PROBLEM, 413: PROBLEM, 415: PROBLEM, 422: PROBLEM}
router = APIRouter(prefix="/api", responses={429: {**PROBLEM, "description": "Over QA_RATE_LIMIT; see Retry-After"}})


def hit(result) -> schemas.Hit:
    return schemas.Hit.model_validate(result.to_dict())


@router.post("/search", response_model=schemas.SearchResponse, responses=BODY_PROBLEMS)
def search(body: schemas.SearchRequest, service: ServiceDep) -> schemas.SearchResponse:
    """Passages that best answer the query, best first, each with who said it and where."""
    start = time.perf_counter()
    results = service.search(body.query, body.top_k or service.settings.top_k, body.speaker, body.document)
    took = (time.perf_counter() - start) * 1000
    return schemas.SearchResponse(query=body.query, took_ms=round(took, 2), results=[hit(r) for r in results])


@router.get("/search", response_model=schemas.SearchResponse, responses={422: {"model": schemas.Problem}})
def search_get(
    service: ServiceDep,
    q: Annotated[str, Query(min_length=1, max_length=schemas.MAX_QUERY_CHARS, examples=["巩义要建成什么基地？"])],
    top_k: Annotated[int | None, Query(ge=TOP_K_MIN, le=TOP_K_MAX, description=schemas.TOP_K_DOC)] = None,
    speaker: Annotated[str | None, Query(max_length=schemas.MAX_NAME)] = None,
    document: Annotated[str | None, Query(max_length=schemas.MAX_DOCUMENT)] = None,
) -> schemas.SearchResponse:
    """The same search as POST, for links and quick checks: `/api/search?q=…`."""
    try:
        body = schemas.SearchRequest(query=q, top_k=top_k, speaker=speaker, document=document)
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
    passage_id: Annotated[str, PathParam(max_length=64, examples=["3f2a9c0d1b7e4a55"])], service: ServiceDep
) -> schemas.PassageContext:
    """One passage with its whole speech, for reading it in context."""
    found = service.passage(passage_id)
    if found is None:
        raise HTTPException(404, f"no passage with id {passage_id!r}")
    result, speech = found
    return schemas.PassageContext(
        passage=hit(result),
        speech=[schemas.SpeechParagraph(id=p.id, paragraph=p.paragraph, text=p.text) for p in speech],
    )


@router.get("/speakers", response_model=schemas.SpeakersResponse)
def speakers(service: ServiceDep) -> schemas.SpeakersResponse:
    """Every speaker and document in the index, for filters."""
    people, documents = service.speakers()
    return schemas.SpeakersResponse(speakers=people, documents=documents)


@router.get("/health", response_model=schemas.Health, responses={503: {"model": schemas.Problem}})
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


def readable_errors(exc) -> str:
    errors = exc.errors() if hasattr(exc, "errors") else []
    parts = []
    for err in errors:
        loc = [str(x) for x in err.get("loc", ())]
        if loc and loc[0] in ("body", "query", "path"):
            loc = loc[1:]
        msg = err.get("msg", "invalid").removeprefix("Value error, ")
        if err.get("type") == "json_invalid":
            # FastAPI puts the character position where a field name would be: say it in words.
            reason = (err.get("ctx") or {}).get("error")
            where = f"at character {loc[0]}" if loc and loc[0].isdigit() else ""
            detail = ", ".join(x for x in (where, reason and str(reason)) if x)
            parts.append(
                f"the request body is not valid JSON ({detail})" if detail else "the request body is not valid JSON"
            )
            continue
        if err.get("type") == "model_attributes_type" and not loc:
            msg = "the request body must be a JSON object"
        elif err.get("type") == "missing" and err.get("loc") == ("body",):
            msg = "the request body is missing: send a JSON object"
        parts.append(f"{'.'.join(loc)}: {msg}" if loc else msg)
    return "; ".join(parts) or "invalid request"


def not_json_body(request: Request, exc: RequestValidationError) -> str | None:
    """The 415 message when the body was left unparsed because it was not sent as JSON, else None.

    FastAPI reads a body as JSON only when the Content-Type says so; `curl -d '{"query": …}'` sends
    application/x-www-form-urlencoded. It is not read as JSON anyway: a cross-site form may send that type
    without a CORS preflight.
    """
    if any(e.get("type") == "model_attributes_type" and isinstance(e.get("input"), bytes) for e in exc.errors()):
        got = request.headers.get("content-type")
        return (
            "the request body must be sent with Content-Type: application/json "
            f"({f'got {got}' if got else 'none given'}; with curl: -H 'Content-Type: application/json')"
        )
    return None


class BodyLimit:
    """Refuse request bodies over MAX_BODY bytes, declared or streamed, before the app reads them.

    A client that sent `Expect: 100-continue` has not sent the body yet: it gets the 413 at once (the server
    never says "continue"). Any other client is sending it: up to DRAIN_LIMIT bytes are read and dropped first,
    so that it hears the 413 rather than a reset; past that the connection closes after the 413.
    """

    def __init__(self, app, limit: int = MAX_BODY, drain_limit: int = DRAIN_LIMIT):
        self.app = app
        self.limit = limit
        self.drain_limit = drain_limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = dict(scope["headers"])
        declared = headers.get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            if headers.get(b"expect", b"").lower() != b"100-continue":
                await drain(receive, self.drain_limit)
            return await too_large(send)
        seen = 0

        async def limited_receive():
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:
                if message.get("more_body"):
                    await drain(receive, self.drain_limit - seen)
                raise BodyTooLarge(413, f"request body over {MAX_BODY} bytes")
            return message

        try:
            await self.app(scope, limited_receive, send)
        except BodyTooLarge:
            await too_large(send)


class BodyTooLarge(HTTPException):
    """An HTTPException, so that FastAPI, reading a streamed body, answers 413 rather than a generic 400."""


async def drain(receive, limit: int) -> None:
    """Read and drop the rest of the request body, at most `limit` bytes."""
    read = 0
    while read <= limit:
        message = await receive()
        read += len(message.get("body", b""))
        if message["type"] != "http.request" or not message.get("more_body"):
            return


async def too_large(send):
    body = json.dumps({"detail": f"request body over {MAX_BODY} bytes"}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def create_app(settings: Settings, embedder: Embedder | None = None, service: Service | None = None) -> FastAPI:
    """The app; the index and model load in the lifespan unless a loaded `service` is handed in.

    A test may pass its own embedder; `qa serve` passes the service it loaded to report errors first.
    """

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        def load():
            if service is not None:
                return service
            from .embedding import load_embedder

            model = embedder or load_embedder(settings.model, settings.allow_download, settings.precision)
            return Service(settings, model)

        app.state.service = await run_in_threadpool(load)
        watcher = asyncio.create_task(watch_index(app.state.service, settings.reload_interval))
        try:
            yield
        finally:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher

    app = FastAPI(
        title="Speech QA",
        version=__version__,
        summary="Ask questions of speeches; get the passages that answer them, with who said them.",
        lifespan=lifespan,
    )
    app.include_router(router)
    app.include_router(chat_api.router)
    app.include_router(dify.router)
    app.include_router(openai_api.router)
    app.include_router(mcp.http_router(settings, lambda: getattr(app.state, "service", None)))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError):
        media = not_json_body(request, exc)
        if media:
            return JSONResponse({"detail": media}, status_code=415)
        return JSONResponse({"detail": readable_errors(exc)}, status_code=422)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return JSONResponse({"detail": "internal error; the server log has the details"}, status_code=500)

    # Inside the logging middleware below, so a 429 or 413 is logged and carries the security headers.
    app.add_middleware(RateLimit, rate=settings.rate_limit, burst=settings.rate_burst)
    origins = [o.strip() for o in settings.cors_origins.split(",") if o.strip()]
    if origins:
        app.add_middleware(
            CORSMiddleware, allow_origins=origins, allow_methods=["GET", "POST"], allow_headers=["content-type"]
        )
    app.add_middleware(BodyLimit)

    @app.middleware("http")
    async def headers_and_log(request: Request, call_next):
        start = time.perf_counter()
        request_id = request.headers.get("x-request-id", "")[:64] or uuid.uuid4().hex[:16]
        try:
            response = await call_next(request)
        except Exception as exc:  # answered here, so a 500 too gets the headers and its log line
            response = await unexpected(request, exc)
        for key, value in SECURITY_HEADERS.items():
            # FastAPI's /docs page loads Swagger UI with inline script; it is the one page exempt from the CSP.
            if not (key == "content-security-policy" and request.url.path in DOCS_PATHS):
                response.headers.setdefault(key, value)
        response.headers["x-request-id"] = request_id
        access_log.info(
            json.dumps(
                {
                    "method": request.method,
                    "path": request.url.path,
                    "status": response.status_code,
                    "client": request.client.host if request.client else None,
                    "ms": round((time.perf_counter() - start) * 1000, 2),
                    "request_id": request_id,
                }
            )
        )
        return response

    app.add_middleware(metrics.Metrics)
    # Outermost: the rate limit and the access log both see the client behind a trusted proxy.
    app.add_middleware(ForwardedClient, trusted=settings.trusted_proxies)
    app.mount("/", StaticFiles(directory=WEB_DIR, html=True), name="web")
    return app


async def watch_index(service: Service, interval: float):
    """Poll for a newly published index; loading runs in a thread so requests keep flowing."""
    while True:
        await asyncio.sleep(interval)
        try:
            await run_in_threadpool(service.reload_if_changed)
        except Exception:
            log.exception("index reload failed; still serving the previous index")
