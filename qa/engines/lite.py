"""Milvus Lite on one machine: a local `*.db` path that one process at a time may open, shared by `qa serve`.

Milvus Lite 3 serves its data folder over gRPC from a thread of the process that opened it, and locks the
folder against every other process. So the process that holds it answers for it: `qa serve` records where it
listens in `<path>.serve` beside the folder (127.0.0.1 and a port of its own, the file readable by its user
only), and a `qa build`, `qa ask` or `qa eval` on the same machine that finds a live record talks to that
server instead of opening the folder. Without one they open the folder themselves, as before; a folder that
another process holds without sharing it is one line saying what to do.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

from ..errors import MilvusProblem

RECORD_SUFFIX = ".serve"
LOOPBACK = "127.0.0.1"
MAX_PORT = 65535
PROBE_SECONDS = 1.0  # a recorded port that does not accept within this is not a live host
# They log tracebacks of failures we report in one line; grpc's server (Milvus Lite's, in this process) also of
# calls Milvus Lite does not implement, which pymilvus then does without.
QUIET_LOGGERS = ("pymilvus", "milvus_lite", "grpc")

# pymilvus pings every 10 s; a Milvus Lite server (gRPC's defaults) answers pings more often than every 5 min
# between calls with GOAWAY "too_many_pings", which gRPC prints. Over loopback nothing needs keeping alive.
KEEPALIVE_MS = 5 * 60 * 1000
CLIENT_OPTIONS = {"grpc_options": {"grpc.keepalive_time_ms": KEEPALIVE_MS}}

_opened: dict[str, str] = {}  # path -> the URI of the server this process runs for it
_opened_lock = threading.Lock()


def quiet_logs() -> None:
    """pymilvus, Milvus Lite and gRPC log failures with their tracebacks; the error we raise says it in one
    line, so theirs show only with `qa -v`."""
    debugging = logging.getLogger().isEnabledFor(logging.DEBUG)
    if not debugging:
        os.environ.setdefault("GRPC_VERBOSITY", "NONE")  # gRPC's C core prints its own lines; read once, at import
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.NOTSET if debugging else logging.CRITICAL)


def record_path(path: str) -> Path:
    return Path(path + RECORD_SUFFIX)


def address(path: str) -> str:
    """The gRPC URI through which this process reaches the Milvus Lite data at `path`."""
    with _opened_lock:
        if path in _opened:
            return _opened[path]
        hosted = _live_host(path)
        if hosted:
            return hosted
        from milvus_lite.server_manager import server_manager_instance

        uri = server_manager_instance.start_and_get_uri(path)  # None when another process holds the lock
        if uri is None:
            raise MilvusProblem(
                f"Milvus Lite data {path} is open in another process that does not share it (a `qa build`, or "
                "a `qa serve` of an older qa): wait for it to end; a `qa serve` shares it with builds on this "
                "machine, or set QA_MILVUS_URI to a Milvus server (http://host:19530)"
            )
        _opened[path] = uri
        return uri


def release(path: str) -> None:
    """Close the server this process runs for `path` (if it runs one)."""
    with _opened_lock:
        if _opened.pop(path, None) is None:
            return
    from milvus_lite.server_manager import server_manager_instance

    server_manager_instance.release_server(path)


def _live_host(path: str) -> str | None:
    """The URI a live `qa serve` of this user recorded for `path`, or None (no record or a malformed one, another
    user's record, its process gone, or no answer)."""
    try:
        with record_path(path).open(encoding="utf-8") as fh:
            if os.fstat(fh.fileno()).st_uid != os.getuid():
                return None  # another user's server: not ours to talk to, nor to remove
            record = json.load(fh)
        uri, pid = str(record["uri"]), int(record["pid"])
        port = int(uri.rpartition(":")[2])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if pid == os.getpid() or not 0 < port <= MAX_PORT:
        return None
    if not _alive(pid):  # a `qa serve` killed by a signal leaves its record behind
        with contextlib.suppress(OSError):
            record_path(path).unlink()
        return None
    try:
        with socket.create_connection((LOOPBACK, port), timeout=PROBE_SECONDS):
            return uri
    except OSError:
        return None


def _alive(pid: int) -> bool:
    """Is the process that wrote our record still there? A pid now held by another user's process is not it."""
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    return True


@contextlib.contextmanager
def hosting(path: str) -> Iterator[None]:
    """While inside, this process shares the Milvus Lite data it holds at `path` with the machine's other qa
    processes; if it reaches the data through another process's server, there is nothing for it to share."""
    with _opened_lock:
        uri = _opened.get(path)
    if uri is None:
        yield
        return
    record = record_path(path)
    tmp = record.with_name(f".{record.name}.{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump({"uri": uri, "pid": os.getpid()}, fh)
    os.replace(tmp, record)
    # A server stopped by SIGTERM (uvicorn re-raises it once shut down) leaves through the `finally` below.
    on_main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _exit) if on_main else None
    try:
        yield
    finally:
        if on_main:
            signal.signal(signal.SIGTERM, previous)
        with contextlib.suppress(OSError, ValueError, KeyError):
            if json.loads(record.read_text(encoding="utf-8"))["pid"] == os.getpid():
                record.unlink()


def _exit(signum: int, frame) -> None:
    raise SystemExit(128 + signum)
