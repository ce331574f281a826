"""Sentence units' build path alone, at any size: `python -m qa.bench.units_scale PASSAGES FOLDER`.

Cuts PASSAGES bench passages into units and writes their vectors with `qa.units.build_units` and `save_units` as
a build does, into FOLDER. The encoder is a stand-in that returns random unit vectors, so that what is measured is
the unit code (cutting, chunked writing, the move), not a model. This process's memory is sampled meanwhile;
then `Units.best` is timed over random candidates of the saved, memory-mapped file. Prints one JSON object.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np

from ..units import UNIT_FILES, build_units, load_units, save_units
from .measure import Latency
from .memory import memory_mb
from .text import load_text_source, make_corpus

DIMENSION = 384  # multilingual-e5-small's
SAMPLE_SECONDS = 0.2
CANDIDATES = 100  # the Searcher's default candidate depth
BEST_CALLS, BEST_WARMUP = 300, 50


class PeakMemory:
    """The highest private and resident memory of this process while in the `with` block, sampled."""

    def __init__(self):
        self.private = self.rss = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.is_set():
            now = memory_mb()
            self.private, self.rss = max(self.private, now["private"]), max(self.rss, now["rss"])
            self._stop.wait(SAMPLE_SECONDS)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        now = memory_mb()
        self.private, self.rss = max(self.private, now["private"]), max(self.rss, now["rss"])


def measure(passages: int, folder: Path, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)

    def stand_in(texts) -> np.ndarray:
        v = rng.standard_normal((len(texts), DIMENSION), dtype=np.float32)
        return v / np.linalg.norm(v, axis=1, keepdims=True)

    corpus = make_corpus(passages, load_text_source(), seed).corpus.passages
    passage_vectors = stand_in(corpus)  # held as a build holds them while it builds the units
    before = memory_mb()
    built = folder / "build"
    built.mkdir(parents=True)
    start = time.perf_counter()
    with PeakMemory() as peak:
        units = build_units(corpus, lambda i: None, stand_in, DIMENSION, folder / UNIT_FILES[2])
        cut = time.perf_counter()
        save_units(units, built)
        saved = time.perf_counter()
    del units, passage_vectors
    served = load_units(built)
    query = stand_in([""])[0]
    ms = []
    for _ in range(BEST_CALLS):
        rows = np.sort(rng.choice(passages, min(CANDIDATES, passages), replace=False))
        t = time.perf_counter()
        served.best(rows, query)
        ms.append((time.perf_counter() - t) * 1000)
    return {
        "passages": passages,
        "units": served.size,
        "units_per_passage": round(served.size / passages, 2),
        "unit_files_mb": {name: round((built / name).stat().st_size / 1e6, 1) for name in UNIT_FILES},
        "build_units_seconds": round(cut - start, 1),
        "save_units_seconds": round(saved - cut, 2),
        "private_mb_before": before["private"],
        "private_mb_peak": peak.private,
        "rss_mb_before": before["rss"],
        "rss_mb_peak": peak.rss,
        "best_ms": asdict(Latency.of(ms[BEST_WARMUP:], 3)),
    }


if __name__ == "__main__":
    print(json.dumps(measure(int(sys.argv[1]), Path(sys.argv[2]))))
