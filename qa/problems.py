"""Every message the API answers a failed request with, and the handlers that turn errors into them.

One `{"detail": "..."}` sentence a user can act on; never a traceback or a server path.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from . import schemas

log = logging.getLogger("qa.api")

INTERNAL_ERROR = "internal error; the server log has the details"
LOADING = "the index is still loading"
UPLOADS_OFF = "uploads are off: set QA_ADMIN_TOKEN"
BAD_TOKEN = "this needs the admin token: send Authorization: Bearer <QA_ADMIN_TOKEN>"
BAD_KEY = "this needs one of QA_API_KEYS: send Authorization: Bearer <key>"

# OpenAPI descriptions of the failures a route can answer with.
PROBLEM = {"model": schemas.Problem}
# What a request body can get wrong: not UTF-8 (400), too big (413), not sent as application/json (415), not what
# the schema asks for (422).
BODY_PROBLEMS = {400: PROBLEM, 413: PROBLEM, 415: PROBLEM, 422: PROBLEM}
RATE_LIMITED = {429: {**PROBLEM, "description": "Over QA_RATE_LIMIT; see Retry-After"}}
ADMIN_PROBLEMS = {401: PROBLEM, 403: {**PROBLEM, "description": UPLOADS_OFF}}


def body_too_large(limit: int) -> str:
    return f"request body over {limit} bytes"


def not_found(kind: str, name: str) -> str:
    """`no passage '3f2a…'`, `no document 'x.txt' in the corpus`, `no job '…'`."""
    where = " in the corpus" if kind == "document" else ""
    return f"no {kind} {name!r}{where}"


def readable_errors(exc) -> str:
    """A validation error as `field: what is wrong` parts, in words."""
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


def internal_error(method: str, path: str) -> JSONResponse:
    """The 500 answer; the details go to the log only."""
    log.exception("unhandled error on %s %s", method, path)
    return JSONResponse({"detail": INTERNAL_ERROR}, status_code=500)


async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    media = not_json_body(request, exc)
    if media:
        return JSONResponse({"detail": media}, status_code=415)
    return JSONResponse({"detail": readable_errors(exc)}, status_code=422)


async def unexpected(request: Request, exc: Exception) -> JSONResponse:
    return internal_error(request.method, request.url.path)


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(Exception, unexpected)
