"""Library writes without the admin token are answered before their body is read, as pure ASGI middleware.

FastAPI reads (and spools) a multipart body before it runs a route's dependencies, so without this layer an
upload of QA_UPLOAD_MAX_MB from anyone would be received in full only to get its 401.
"""

from __future__ import annotations

import json

from .auth import admin_refusal
from .routes.library import WRITE_METHODS, WRITE_PATH


class AdminGate:
    def __init__(self, app, admin_token: str):
        self.app = app
        self.admin_token = admin_token

    async def __call__(self, scope, receive, send):
        path = scope.get("path", "")
        writes = path == WRITE_PATH or path.startswith(f"{WRITE_PATH}/")
        if scope["type"] != "http" or scope["method"] not in WRITE_METHODS or not writes:
            return await self.app(scope, receive, send)
        header = dict(scope["headers"]).get(b"authorization")
        authorization = None if header is None else header.decode("latin-1")
        refused = admin_refusal(authorization, self.admin_token)
        if refused is None:
            return await self.app(scope, receive, send)
        body = json.dumps({"detail": refused.detail}).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        headers += [(k.encode(), v.encode()) for k, v in (refused.headers or {}).items()]
        # The body is never read: the server closes the connection after answering.
        await send({"type": "http.response.start", "status": refused.status_code, "headers": headers})
        await send({"type": "http.response.body", "body": body})
