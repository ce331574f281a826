"""`qa serve`'s connection timeouts: a connection that never completes a request is closed."""

from __future__ import annotations

import asyncio
import socket
import threading

import pytest

from qa.serving import listening_socket, server_config
from qa.settings import load_settings

DEADLINE = 0.1  # seconds: tiny for the test; the default is QA_REQUEST_TIMEOUT's
WAIT = 10.0  # seconds the test waits for the server to act, far past the deadline


async def hello(scope, receive, send):
    if scope["type"] != "http":
        return
    while (await receive()).get("more_body"):
        pass
    if scope["path"] == "/slow":
        await asyncio.sleep(3 * DEADLINE)  # the deadline is for receiving the request, not for answering it
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]})
    await send({"type": "http.response.body", "body": b"ok"})


@pytest.fixture(scope="module")  # each test opens its own connections: one server serves them all
def server():
    settings = load_settings(request_timeout=DEADLINE, keep_alive_timeout=DEADLINE)
    import uvicorn

    sock = listening_socket("127.0.0.1", 0)
    srv = uvicorn.Server(server_config(hello, settings))
    thread = threading.Thread(target=lambda: asyncio.run(srv.serve(sockets=[sock])), daemon=True)
    thread.start()
    while not srv.started:
        threading.Event().wait(0.01)
    yield sock.getsockname()[1]
    srv.should_exit = True
    thread.join(WAIT)


def closed_by_server(conn: socket.socket) -> bool:
    conn.settimeout(WAIT)
    try:
        while conn.recv(1024):
            pass
    except TimeoutError:
        return False
    except ConnectionResetError:
        return True
    return True


@pytest.mark.parametrize(
    "sent", [b"", b"GET / HTTP/1.1\r\nHost: x\r\n", b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 9\r\n\r\nab"]
)
def test_a_connection_that_never_completes_a_request_is_closed(server, sent):
    with socket.create_connection(("127.0.0.1", server)) as conn:
        conn.sendall(sent)
        assert closed_by_server(conn)


def test_a_whole_request_is_answered_and_the_idle_connection_then_closed(server):
    with socket.create_connection(("127.0.0.1", server)) as conn:
        conn.sendall(b"GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
        conn.settimeout(WAIT)
        assert conn.recv(1024).startswith(b"HTTP/1.1 200")
        assert closed_by_server(conn)


def test_a_body_that_keeps_arriving_has_its_deadline_pushed_back(server, monkeypatch):
    from qa.serving import DeadlineH11Protocol

    piece, pieces = 1000, 8
    monkeypatch.setattr(DeadlineH11Protocol, "min_body_rate", piece)  # each piece buys a second
    with socket.create_connection(("127.0.0.1", server)) as conn:
        conn.sendall(f"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: {piece * pieces}\r\n\r\n".encode())
        for _ in range(pieces):  # the whole body takes twice the deadline
            threading.Event().wait(DEADLINE / 4)
            conn.sendall(b"a" * piece)
        conn.settimeout(WAIT)
        assert conn.recv(1024).startswith(b"HTTP/1.1 200")
