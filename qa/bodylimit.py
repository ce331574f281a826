"""Request bodies over a size limit get 413 before the app reads them, as pure ASGI middleware.

The limit is the same for every path except those given their own (uploads may be larger than a question).
A client that sent `Expect: 100-continue` has not sent the body yet: it gets the 413 at once (the server never
says "continue"). Any other client is sending it: up to `drain_limit` bytes are read and dropped first, so that
it hears the 413 rather than a connection reset; past that the connection closes after the 413.
"""

from __future__ import annotations

import json

from fastapi import HTTPException

from .problems import body_too_large

MAX_BODY = 1_000_000  # bytes: a question, a chat history
# An over-limit body up to this size is read and dropped before the 413 goes out: a server that answers and
# closes while the client is still sending makes the client see a connection reset instead of the answer.
DRAIN_LIMIT = 16 * MAX_BODY


class BodyTooLarge(HTTPException):
    """An HTTPException, so that FastAPI, reading a streamed body, answers 413 rather than a generic 400."""


class BodyLimit:
    def __init__(
        self,
        app,
        limit: int = MAX_BODY,
        drain_limit: int = DRAIN_LIMIT,
        paths: dict[str, int] | None = None,
    ):
        self.app = app
        self.limit = limit
        self.drain_limit = drain_limit
        self.paths = paths or {}

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit = self.paths.get(scope["path"], self.limit)
        headers = dict(scope["headers"])
        declared = headers.get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            if headers.get(b"expect", b"").lower() != b"100-continue":
                await drain(receive, self.drain_limit)
            return await too_large(send, limit)
        seen = 0

        async def limited_receive():
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > limit:
                if message.get("more_body"):
                    await drain(receive, self.drain_limit - seen)
                raise BodyTooLarge(413, body_too_large(limit))
            return message

        try:
            await self.app(scope, limited_receive, send)
        except BodyTooLarge:
            await too_large(send, limit)


async def drain(receive, limit: int) -> None:
    """Read and drop the rest of the request body, at most `limit` bytes."""
    read = 0
    while read <= limit:
        message = await receive()
        read += len(message.get("body", b""))
        if message["type"] != "http.request" or not message.get("more_body"):
            return


async def too_large(send, limit: int):
    body = json.dumps({"detail": body_too_large(limit)}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": body})
