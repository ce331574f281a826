"""What the bench, the scripts and the tests measure with: one percentile definition, one latency summary,
memory, the machine, encoder speed, recall.

Every percentile figure of this project is `percentile()`: numpy's default 'linear' method (Hyndman & Fan
type 7, the one spreadsheets call PERCENTILE.INC), so figures of `qa bench`, `scripts/bench_api.py` and
`scripts/load.py` are comparable.
"""

from __future__ import annotations

import contextlib
import gc
import os
import resource
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..embedding import Embedder, SentenceTransformerEmbedder

ENCODE_ROUNDS = 5  # alternating rounds; medians of each side's rate and of the per-round ratio are reported
RECALL_K = 10
TIE_TOLERANCE = 1e-5  # a returned passage scoring within this of the exact 10th best counts as found


def percentile(values: Iterable[float], p: float) -> float:
    """The p-th percentile (0..100), linear interpolation between closest ranks; NaN for no values."""
    a = np.asarray(list(values), dtype=np.float64)
    return float(np.percentile(a, p, method="linear")) if a.size else float("nan")


@dataclass(frozen=True)
class Latency:
    """Milliseconds of `n` timed calls."""

    n: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float

    @classmethod
    def of(cls, ms: Iterable[float], digits: int = 2) -> Latency:
        ms = list(ms)
        p50, p95, p99, top = (round(percentile(ms, p), digits) for p in (50, 95, 99, 100))
        return cls(len(ms), p50, p95, p99, top)


def timed_ms(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)  # KB on Linux


def load_average() -> float | None:
    with contextlib.suppress(OSError):
        return round(os.getloadavg()[0], 2)
    return None


@dataclass
class Machine:
    cpu: str
    cores: int | None
    ram_gb: float | None
    load_at_start: float | None
    load_at_end: float | None = None

    @classmethod
    def now(cls) -> Machine:
        cpu, ram = "unknown", None
        with contextlib.suppress(OSError):
            for line in Path("/proc/cpuinfo").read_text(errors="replace").splitlines():
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
        with contextlib.suppress(OSError, ValueError, IndexError):
            for line in Path("/proc/meminfo").read_text().splitlines():
                if line.startswith("MemTotal"):
                    ram = round(int(line.split()[1]) / 1024**2, 1)
        return cls(cpu, os.cpu_count(), ram, load_average())


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in Path(folder).rglob("*") if p.is_file())


@dataclass
class Encoding:
    """passages/s of plain sentence-transformers and of our embedder on the same sample (plain: None without a
    sentence-transformers model); `speedup` is the median of the per-round ratios."""

    sample: int
    rounds: int
    plain_passages_per_s: float | None
    ours_passages_per_s: float
    speedup: float | None
    plain_rounds: list[float]
    ours_rounds: list[float]
    ours_units_per_s: float | None = None  # sentence units (`qa.units`) a second, by our embedder; None: no units


def compare_encoders(embedder: Embedder, texts: list[str], batch_size: int, rounds: int = ENCODE_ROUNDS) -> Encoding:
    """passages/s of plain `SentenceTransformer(path).encode(texts)` (default settings) and of our embedder,
    on the same texts, in alternating rounds; medians. The speedup is the median of each round's ratio, so that
    both sides of a ratio ran under the same load of a shared machine."""
    ours: list[float] = []
    plain: list[float] = []
    model = None
    if isinstance(embedder, SentenceTransformerEmbedder):
        from sentence_transformers import SentenceTransformer

        model = SentenceTransformer(embedder.location)
        model.encode(texts[:8])
    embedder.encode(texts[:8], batch_size)
    for _ in range(rounds):
        if model is not None:
            plain.append(len(texts) / (timed_ms(lambda m=model: m.encode(texts)) / 1000))
        ours.append(len(texts) / (timed_ms(lambda: embedder.encode(texts, batch_size)) / 1000))
    del model
    gc.collect()
    return Encoding(
        sample=len(texts),
        rounds=rounds,
        plain_passages_per_s=round(percentile(plain, 50), 2) if plain else None,
        ours_passages_per_s=round(percentile(ours, 50), 2),
        speedup=round(percentile([o / p for o, p in zip(ours, plain, strict=True)], 50), 2) if plain else None,
        plain_rounds=[round(x, 2) for x in plain],
        ours_rounds=[round(x, 2) for x in ours],
    )


def encode_rate(embedder: Embedder, texts: list[str], batch_size: int, rounds: int = ENCODE_ROUNDS) -> float:
    """Texts a second our embedder encodes `texts` at, after a warm-up: the median of `rounds`."""
    embedder.encode(texts[:8], batch_size)
    rates = [len(texts) / (timed_ms(lambda: embedder.encode(texts, batch_size)) / 1000) for _ in range(rounds)]
    return round(percentile(rates, 50), 2)


def recall_at_k(found_scores: np.ndarray, exact_kth: np.ndarray, k: int) -> float:
    """Share of the exact top-k that the index returned, counting ties with the k-th best as found."""
    hits = np.minimum((found_scores >= exact_kth[:, None] - TIE_TOLERANCE).sum(axis=1), k)
    return float(hits.sum() / (k * len(exact_kth)))


def measure_dense(
    engine, vectors: np.ndarray, query_vectors: np.ndarray, candidates: int
) -> tuple[float, Latency, Latency]:
    """recall@10 of the engine's dense index against exact inner-product search over the same `vectors` (the
    build's embeddings), and the single-query latency of both at the Searcher's candidate depth."""
    import faiss

    exact = faiss.IndexFlatIP(vectors.shape[1])
    exact.add(np.ascontiguousarray(vectors, dtype=np.float32))
    k = min(RECALL_K, engine.size)
    exact_scores, _ = exact.search(query_vectors, k)
    found = np.full((len(query_vectors), k), -np.inf, dtype=np.float32)
    used_ms, exact_ms = [], []
    for i, q in enumerate(query_vectors):
        ids, _ = engine.dense(q, k)
        found[i, : len(ids)] = vectors[np.asarray(ids, dtype=np.int64)] @ q
        used_ms.append(timed_ms(lambda q=q: engine.dense(q, candidates)))
        exact_ms.append(timed_ms(lambda q=q, ex=exact: ex.search(q.reshape(1, -1), min(candidates, engine.size))))
    del exact
    recall = round(recall_at_k(found, exact_scores[:, k - 1], k), 4)
    return recall, Latency.of(used_ms, 3), Latency.of(exact_ms, 3)


def bare_encoder(embedder: Embedder) -> Callable[[str], object]:
    """`model.encode([q])` on the same model object the searcher uses (the embedder itself if it has none)."""
    model = getattr(embedder, "model", None)
    if model is not None and hasattr(model, "encode"):
        return lambda q: model.encode([q])
    return lambda q: embedder.encode([q])
