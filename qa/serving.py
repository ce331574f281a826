"""How `qa serve` runs uvicorn: on a socket bound before the index loads, closing idle and slow connections so
that a few sockets cannot hold the server.

uvicorn closes a keep-alive connection that stays idle after a response (`timeout_keep_alive`), but a connection
that never sends a request, or sends its head or body a byte at a time, is kept open forever. `request_timeout`
gives every request a deadline from the moment its connection opens (or its previous response went out) to the
moment it has been received whole; a connection that misses it is closed. Body bytes as they arrive push the
deadline back by the time they would take at `MIN_BODY_RATE`, so a large upload over a slow link is received
while it keeps that pace on average, and a body sent a byte at a time still meets the deadline. Once a request
is in, the deadline is off: how long the answer takes is the app's business.
"""

from __future__ import annotations

import asyncio
import socket

from uvicorn.protocols.http.h11_impl import H11Protocol

from .settings import DEFAULT_REQUEST_TIMEOUT, MIN_BODY_RATE, Settings


class DeadlineH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with a deadline for receiving each whole request (`request_timeout` seconds,
    extended by body bytes received at `min_body_rate`)."""

    request_timeout: float = DEFAULT_REQUEST_TIMEOUT
    min_body_rate: float = MIN_BODY_RATE

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        self._deadline: asyncio.TimerHandle | None = None
        self._expires_at = 0.0
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        if self._deadline is not None and self._head_received():
            self._expires_at += len(data) / self.min_body_rate  # checked when the timer fires, not re-armed here
        super().data_received(data)
        self._disarm_when_received()

    def on_response_complete(self) -> None:
        self._arm()  # before uvicorn reads a pipelined request, which may already be whole
        super().on_response_complete()
        if self.transport.is_closing():
            self._disarm()
        else:
            self._disarm_when_received()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._disarm()
        self._waiting_after = self.cycle  # the request the deadline is for is the next cycle after this one
        self._expires_at = self.loop.time() + self.request_timeout
        self._deadline = self.loop.call_at(self._expires_at, self._expire)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _head_received(self) -> bool:
        return self.cycle is not None and self.cycle is not self._waiting_after

    def _disarm_when_received(self) -> None:
        received = self._head_received() and not self.cycle.more_body
        if self._deadline is not None and received:
            self._disarm()

    def _expire(self) -> None:
        if self.loop.time() < self._expires_at:  # body bytes came in meanwhile: their time is still due
            self._deadline = self.loop.call_at(self._expires_at, self._expire)
            return
        self._deadline = None
        if not self.transport.is_closing():
            self.transport.close()


def server_config(app, settings: Settings, **extra):
    """uvicorn's config for `qa serve`: quiet, our own proxy handling, and the two connection timeouts; `extra`
    goes to uvicorn as well."""
    import uvicorn

    protocol = type("ServeProtocol", (DeadlineH11Protocol,), {"request_timeout": settings.request_timeout})
    # X-Forwarded-For is read by the app itself, and only from QA_TRUSTED_PROXIES; uvicorn's own reading is off.
    return uvicorn.Config(
        app,
        log_level="warning",
        proxy_headers=False,
        http=protocol,
        timeout_keep_alive=settings.keep_alive_timeout,
        **extra,
    )


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
