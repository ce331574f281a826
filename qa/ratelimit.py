"""Optional per-client rate limit: a token bucket per client address, as pure ASGI middleware.

Each address may send `burst` requests at once and `rate` a second after that; over it the answer is
429 with `Retry-After` (whole seconds) and `{"detail": ...}`. A rate of 0 turns the limit off.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable

MAX_CLIENTS = 10_000  # buckets kept; past this, full (idle) buckets are forgotten


class TokenBuckets:
    """Buckets by key; `take(key)` is 0.0 when a request may pass, else the seconds until it could."""

    def __init__(self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic):
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be > 0 and burst >= 1")
        self.rate = rate
        self.burst = float(burst)
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, last refill time)

    def take(self, key: str) -> float:
        now = self.clock()
        tokens, last = self._buckets.get(key, (self.burst, now))
        tokens = min(self.burst, tokens + (now - last) * self.rate)
        if tokens >= 1.0:
            self._buckets[key] = (tokens - 1.0, now)
            wait = 0.0
        else:
            self._buckets[key] = (tokens, now)
            wait = (1.0 - tokens) / self.rate
        if len(self._buckets) > MAX_CLIENTS:
            self._forget_idle(now)
        return wait

    def _forget_idle(self, now: float) -> None:
        full = [k for k, (t, last) in self._buckets.items() if t + (now - last) * self.rate >= self.burst]
        for key in full:
            del self._buckets[key]
        if len(self._buckets) > MAX_CLIENTS:  # every client is busy: drop the oldest rather than grow
            for key in sorted(self._buckets, key=lambda k: self._buckets[k][1])[: len(self._buckets) - MAX_CLIENTS]:
                del self._buckets[key]


class RateLimit:
    """ASGI middleware: HTTP requests over the client's budget get 429 without reaching the app."""

    def __init__(self, app, rate: float = 0.0, burst: int = 20):
        self.app = app
        self.buckets = TokenBuckets(rate, burst) if rate > 0 else None

    async def __call__(self, scope, receive, send):
        if self.buckets is None or scope["type"] != "http":
            return await self.app(scope, receive, send)
        client = scope.get("client")
        wait = self.buckets.take(client[0] if client else "")
        if wait <= 0:
            return await self.app(scope, receive, send)
        retry = max(1, math.ceil(wait))
        body = json.dumps({"detail": f"too many requests; retry in {retry} s"}).encode()
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"retry-after", str(retry).encode()),
        ]
        await send({"type": "http.response.start", "status": 429, "headers": headers})
        await send({"type": "http.response.body", "body": body})
