"""Warm /api/search latency over HTTP against bare query encoding of the same model, in one run.

Usage: .venv/bin/python scripts/bench_api.py [--requests 200] [--index index]
Starts the app on 127.0.0.1 (a free port) with the real model and the built index, then measures
`SentenceTransformer.encode([query])` and POST /api/search sequentially on the same queries.
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import threading
import time
from pathlib import Path

import httpx
import uvicorn

from qa.api import create_app
from qa.embedding import load_embedder
from qa.settings import load_settings

QUESTIONS = Path(__file__).resolve().parent.parent / "eval" / "paraphrased.jsonl"


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def summary(ms):
    return {"p50_ms": round(statistics.median(ms), 2), "p95_ms": round(percentile(ms, 95), 2), "n": len(ms)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--index", default="index")
    args = parser.parse_args()

    settings = load_settings(index_dir=Path(args.index))
    embedder = load_embedder(settings.model)
    queries = [json.loads(line)["q"] for line in QUESTIONS.read_text(encoding="utf-8").splitlines() if line.strip()]
    queries = [q for q in queries if not q.isascii()]
    queries = (queries * (args.requests // len(queries) + 1))[: args.requests]

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(settings, embedder=embedder), port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    with httpx.Client(base_url=url, timeout=30) as client:
        while True:
            try:
                if client.get("/api/health").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        model = embedder.model
        for q in queries[:20]:  # warm both paths
            model.encode([q])
            client.post("/api/search", json={"query": q})
        encode_ms, http_ms = [], []
        for q in queries:
            t = time.perf_counter()
            model.encode([q])
            encode_ms.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            r = client.post("/api/search", json={"query": q, "top_k": 5})
            http_ms.append((time.perf_counter() - t) * 1000)
            r.raise_for_status()
    server.should_exit = True
    thread.join(timeout=10)
    enc, http = summary(encode_ms), summary(http_ms)
    print(json.dumps({"encode": enc, "http_search": http, "ratio_p50": round(http["p50_ms"] / enc["p50_ms"], 2)}))


if __name__ == "__main__":
    main()
