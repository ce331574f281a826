"""The listening socket `qa serve` and the test/benchmark server hand to uvicorn."""

from __future__ import annotations

import socket


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
