"""A served index under load while its corpus changes: what the hot-swap tests of every engine share."""

from __future__ import annotations

import functools
import ssl
import threading
import time

import httpx

from ..conftest import CORPUS_FILE

SWAP_DEADLINE = 5.0  # s: a rebuilt index is served this soon (the service checks every RELOAD_INTERVAL)
RELOAD_INTERVAL = 0.05  # s: the served app's checks for a new index in these tests (QA_RELOAD_INTERVAL)
STEADY = 0.1  # s of traffic before a swap and after it: requests are in flight on both sides of the swap
CLIENT_TIMEOUT = 10.0  # s: a request blocked by a swap fails on this, and is counted a failure
POLL = 0.02  # s between a test's checks for the new index
JOIN_TIMEOUT = 15.0  # s


@functools.cache
def tls() -> ssl.SSLContext:
    """httpx's default TLS context, made once a run: httpx makes one for each new client (~45 ms, reading the CA
    bundle), though these clients speak plain HTTP to 127.0.0.1."""
    return httpx.create_ssl_context()


def add_paragraph(settings, marker: str) -> None:
    """Change the corpus: one more paragraph in 王芳's speech, carrying a unique word."""
    path = settings.corpus_dir / CORPUS_FILE
    path.write_text(path.read_text(encoding="utf-8") + f"\n西山县还将建设{marker}示范园。\n", encoding="utf-8")


class Traffic:
    """Clients asking search and chat questions without pause; every failure is kept."""

    def __init__(self, url: str, clients: int = 3):
        self.url = url
        self.stop = threading.Event()
        self.failures: list[str] = []
        self.count = 0
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self.run, args=(i,), daemon=True) for i in range(clients)]

    def run(self, i: int):
        with httpx.Client(base_url=self.url, timeout=CLIENT_TIMEOUT, verify=tls()) as client:
            n = 0
            while not self.stop.is_set():
                n += 1
                try:
                    if (i + n) % 2:
                        r = client.post("/api/search", json={"query": "西山县 建设 示范园", "top_k": 3})
                    else:
                        r = client.post(
                            "/api/chat", json={"messages": [{"role": "user", "content": "东湖区建设什么？"}]}
                        )
                    ok = r.status_code == 200 and (r.json().get("results") or r.json().get("passages"))
                    problem = None if ok else f"{r.status_code} {r.text[:200]}"
                except Exception as exc:
                    problem = f"{type(exc).__name__}: {exc}"
                with self.lock:
                    self.count += 1
                    if problem:
                        self.failures.append(problem)

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for t in self.threads:
            t.join(timeout=JOIN_TIMEOUT)


def seconds_until_served(url: str, marker: str, limit: float = SWAP_DEADLINE) -> float:
    """Seconds until a search finds `marker`'s new paragraph, polled; infinity if not within `limit` (+1 s)."""
    start = time.monotonic()
    with httpx.Client(base_url=url, timeout=CLIENT_TIMEOUT, verify=tls()) as client:
        while time.monotonic() - start < limit + 1:
            r = client.post("/api/search", json={"query": f"{marker}示范园", "top_k": 1})
            if r.status_code == 200 and marker in r.json()["results"][0]["text"]:
                return time.monotonic() - start
            time.sleep(POLL)
    return float("inf")
