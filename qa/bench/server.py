"""Serve an app in a thread on a free port: the one helper tests, scripts and `qa bench` measure through."""

from __future__ import annotations

import contextlib
import http.client
import threading
import time
from collections.abc import Iterator


def wait_healthy(host: str, port: int, timeout: float, alive=lambda: True) -> None:
    """Return once GET /api/health answers 200; raise RuntimeError after `timeout` s or when `alive()` is False."""
    deadline = time.monotonic() + timeout
    while True:
        with contextlib.suppress(OSError, http.client.HTTPException):
            conn = http.client.HTTPConnection(host, port, timeout=5)
            try:
                conn.request("GET", "/api/health")
                if conn.getresponse().status == 200:
                    return
            finally:
                conn.close()
        if not alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the app on {host}:{port} did not become healthy")
        time.sleep(0.05)


@contextlib.contextmanager
def serving(app, timeout: float = 120.0, settings=None) -> Iterator[str]:
    """The app served by uvicorn on 127.0.0.1 in a daemon thread; yields its base URL once it is healthy. With
    `settings`, served as `qa serve` serves it (its protocol and timeouts: what a latency figure should include)."""
    import uvicorn

    from ..serving import listening_socket, server_config

    sock = listening_socket("127.0.0.1", 0)
    port = sock.getsockname()[1]
    quiet = {"log_config": None, "access_log": False}
    if settings is None:
        config = uvicorn.Config(app, log_level="warning", proxy_headers=False, **quiet)
    else:
        config = server_config(app, settings, **quiet)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        wait_healthy("127.0.0.1", port, timeout, thread.is_alive)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
