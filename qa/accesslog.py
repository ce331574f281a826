"""Security headers, a request id and one JSON access line for every response, as pure ASGI middleware.

An exception the app did not answer is answered here (500, `problems.INTERNAL_ERROR`), so that it too gets
the headers and its log line.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid

from .problems import internal_error

SECURITY_HEADERS = {
    "content-security-policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
    ),
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
}
# FastAPI's /docs page starts Swagger UI with an inline script; it is the one page exempt from the CSP.
DOCS_PATHS = ("/docs", "/redoc", "/docs/oauth2-redirect")
MAX_REQUEST_ID = 64
VISIBLE_ASCII = re.compile(rb"[\x21-\x7e]+")  # what a request id may be: no spaces, controls or other bytes
access_log = logging.getLogger("qa.access")


class HeadersAndLog:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        start = time.perf_counter()
        given = dict(scope["headers"]).get(b"x-request-id", b"")[:MAX_REQUEST_ID]
        # Kept only as visible ASCII, so the id echoed back and logged is the very bytes the client sent.
        request_id = given.decode("ascii") if VISIBLE_ASCII.fullmatch(given) else uuid.uuid4().hex[:16]
        added = [(k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]
        if scope["path"] in DOCS_PATHS:
            added = [(k, v) for k, v in added if k != b"content-security-policy"]
        status = 500
        started = False

        async def send_with_headers(message):
            nonlocal status, started
            if message["type"] == "http.response.start":
                started, status = True, message["status"]
                present = {k.lower() for k, _ in message.get("headers", [])}
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"x-request-id"]
                headers += [(k, v) for k, v in added if k not in present]
                message = {**message, "headers": [*headers, (b"x-request-id", request_id.encode())]}
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:
            if started:
                raise
            await internal_error(scope["method"], scope["path"])(scope, receive, send_with_headers)
        finally:
            client = scope.get("client")
            line = {
                "method": scope["method"],
                "path": scope["path"],
                "status": status,
                "client": client[0] if client else None,
                "ms": round((time.perf_counter() - start) * 1000, 2),
                "request_id": request_id,
            }
            access_log.info(json.dumps(line))
