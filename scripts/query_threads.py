"""How many torch threads should a question be encoded on? p50/p90 of `encode_query` at each setting, in one run.

Usage: .venv/bin/python scripts/query_threads.py [--busy] [--rounds 3]
The questions are `qa bench`'s Chinese ones (as in scripts/bench_api.py). Each round encodes every question at
QA_QUERY_THREADS 1, the machine's cores, and 0 (the default: the cores no other program is running on, chosen per
question), one setting after the other. --busy runs a busy loop in another process meanwhile, standing in for
other work on the machine. Prints one JSON line: per setting the latencies and, for 0, how often each count was
chosen.
"""

from __future__ import annotations

import argparse
import collections
import dataclasses
import json
import multiprocessing
import os

from qa import embedding
from qa.bench.measure import Latency, timed_ms
from qa.bench.text import QUESTION_FILES
from qa.settings import DEFAULT_MODEL

WARM = 10  # questions encoded first, not timed


def spin() -> None:
    while True:
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--busy", action="store_true", help="a busy loop on another core meanwhile")
    parser.add_argument("--rounds", type=int, default=3, help="times every question is encoded at each setting")
    args = parser.parse_args()
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")

    lines = QUESTION_FILES[0].read_text(encoding="utf-8").splitlines()
    questions = [q for q in (json.loads(line)["q"] for line in lines if line.strip()) if not q.isascii()]
    embedder = embedding.load_embedder(DEFAULT_MODEL)
    cores = embedder.build_threads
    for q in questions[:WARM]:
        embedder.encode_query(q)
    chosen: collections.Counter[int] = collections.Counter()
    choose = embedder.free_cores.free

    def counted() -> int:
        picked = choose()
        chosen[picked] += 1
        return picked

    embedder.free_cores.free = counted
    busy = multiprocessing.Process(target=spin, daemon=True) if args.busy else None
    if busy:
        busy.start()
    timings: dict[int, list[float]] = {1: [], cores: [], 0: []}
    try:
        for _ in range(args.rounds):
            for setting, ms in timings.items():
                embedder.query_threads = setting
                ms.extend(timed_ms(lambda q=q: embedder.encode_query(q)) for q in questions)
    finally:
        if busy:
            busy.terminate()
    out = {f"threads={k}": dataclasses.asdict(Latency.of(v)) for k, v in timings.items()}
    out["threads=0 chose"] = dict(sorted(chosen.items()))
    out["busy"], out["load"] = args.busy, os.getloadavg()[0]
    print(json.dumps(out))


if __name__ == "__main__":
    main()
