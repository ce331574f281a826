"""Warm /api/search latency over HTTP against bare query encoding of the same model, in one run.

Usage: .venv/bin/python scripts/bench_api.py [--requests 200] [--index index]
Serves the app as `qa serve` does (its protocol and timeouts) in a thread on 127.0.0.1 (a free port) with the real
model and the built index, then measures `SentenceTransformer.encode([query])` on all the queries (on the model's
thread), then the server's own `encode_query` (for the breakdown), then POST /api/search on the same queries.
Percentiles are `qa.bench.measure.percentile` (numpy linear), as in `qa bench` and scripts/load.py.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import time
from pathlib import Path

import httpx

from qa.api import create_app
from qa.bench.measure import Latency, timed_ms
from qa.bench.server import serving
from qa.bench.text import QUESTION_FILES
from qa.cores import spin_briefly
from qa.embedding import embedder_for
from qa.settings import load_settings

SETTLE_S = 2  # seconds for the warm-up's threads to go idle before encoding is timed


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--index", default="index")
    args = parser.parse_args()

    spin_briefly()  # as `qa serve` does, before torch loads (GOMP_SPINCOUNT set by hand wins: scripts/bench_spin.sh)
    settings = load_settings(index_dir=Path(args.index))
    embedder = embedder_for(settings)
    lines = QUESTION_FILES[0].read_text(encoding="utf-8").splitlines()
    queries = [q for q in (json.loads(line)["q"] for line in lines if line.strip()) if not q.isascii()]
    queries = (queries * (args.requests // len(queries) + 1))[: args.requests]

    model = embedder.model
    app = create_app(settings, embedder=embedder)
    with serving(app, settings=settings) as url, httpx.Client(base_url=url, timeout=30) as client:
        # Bare encoding runs on the model's own thread, as the server's questions do: on another thread it would
        # pay for two OpenMP teams on the cores (qa/embedding.py), and measure that rather than the model.
        def bare(q):
            return embedder.on_model_thread(model.encode, [q])

        for q in queries[:20]:  # warm both paths
            bare(q)
            client.post("/api/search", json={"query": q})
        # One phase after the other, not interleaved: a search leaves the server's BLAS threads spinning for a
        # while, and an encode straight after one ran up to 3× slower (p50 43 against 13 ms), flattering the ratio.
        time.sleep(SETTLE_S)
        encode_ms = [timed_ms(lambda q=q: bare(q)) for q in queries]
        # The server's own way (qa.embedding: one question straight through the model, on the free cores), for
        # the breakdown: the rest of a search's time is retrieval and HTTP.
        own_ms = [timed_ms(lambda q=q: embedder.encode_query(q)) for q in queries]
        http_ms = [
            timed_ms(lambda q=q: client.post("/api/search", json={"query": q}).raise_for_status()) for q in queries
        ]
    enc, own, http = Latency.of(encode_ms), Latency.of(own_ms), Latency.of(http_ms)
    summary = {
        "encode": dataclasses.asdict(enc),
        "encode_query": dataclasses.asdict(own),
        "http_search": dataclasses.asdict(http),
    }
    print(json.dumps({**summary, "ratio_p50": round(http.p50_ms / enc.p50_ms, 2)}))


if __name__ == "__main__":
    main()
