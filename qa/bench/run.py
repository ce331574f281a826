"""`qa bench`: build an index of N passages of real text in a temporary folder and measure it.

Queries always go through the real model; passage vectors are the model's, composed or projected (see
`vectors`). The result is one `BenchResult`; what counts as good enough is said in docs/BENCHMARKS.md and the
tests, not here.
"""

from __future__ import annotations

import gc
import http.client
import json
import logging
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from ..embedding import Embedder
from ..settings import Settings
from .measure import (
    Encoding,
    Latency,
    Machine,
    bare_encoder,
    compare_encoders,
    folder_bytes,
    load_average,
    measure_dense,
    peak_rss_mb,
)
from .memory import ServeMemory, serving_memory
from .text import BenchError, TextSource, load_text_source, make_corpus, pick_questions
from .vectors import ComposedEmbedder, ProjectionEmbedder, TimedEmbedder, choose_vectors

MIN_PASSAGES, MAX_PASSAGES = 100, 5_000_000
DEFAULT_QUERIES = 200
WARMUP = 10  # queries run on every path before timing
ENCODE_SAMPLE = 128  # passages encoded side by side by plain sentence-transformers and by our embedder


@dataclass
class Build:
    seconds: float
    passages_per_s: float
    embed_seconds: float
    index_seconds: float  # tokenizing + BM25
    write_seconds: float  # the engine's index (FAISS file, or Milvus collection) and the build folder
    index_mb: float
    index_files_mb: dict[str, float]
    peak_rss_mb: float
    vs_plain: float | None  # build rate with model vectors over plain sentence-transformers encoding
    vs_plain_estimated: bool  # from the measured rates, when the passage vectors were not the model's
    composed_from_sentences: int | None


@dataclass
class Dense:
    kind: str  # flat, ivf (FAISS) or hnsw (Milvus)
    ann_threshold: int
    ivf_lists: int | None
    ivf_probes: int | None
    hnsw_m: int | None
    hnsw_ef_construction: int | None
    hnsw_ef_search: int | None
    candidates: int
    recall_at_10: float  # of the index in use against exact search
    recall_query_vectors: str  # model or projection
    latency: Latency  # the index in use, at the candidate depth
    exact_latency: Latency  # exact flat search, the same depth


@dataclass
class BenchResult:
    passages: int
    seed: int
    model: str
    precision: str | None
    batch_size: int
    vectors: str
    vectors_note: str
    text_source: str
    generate_seconds: float
    passage_chars_mean: float
    machine: Machine
    encoding: Encoding
    build: Build
    load_seconds: float
    dense: Dense
    queries: int
    top_k: int
    encode: Latency  # bare query encoding by the model
    search: Latency  # hybrid search in-process
    http: Latency  # POST /api/search over HTTP
    peak_rss_mb: float
    backend: str = "faiss"  # results written before Milvus existed were all FAISS
    serve_memory: ServeMemory | None = None  # a fresh process serving the index (FAISS only)

    @property
    def search_p95_over_encode_p50(self) -> float | None:
        return round(self.search.p95_ms / self.encode.p50_ms, 2) if self.encode.p50_ms else None

    def to_dict(self) -> dict:
        return {**asdict(self), "search_p95_over_encode_p50": self.search_p95_over_encode_p50}


def post_search(conn: http.client.HTTPConnection, query: str, top_k: int) -> None:
    body = json.dumps({"query": query, "top_k": top_k}, ensure_ascii=False).encode("utf-8")
    conn.request("POST", "/api/search", body=body, headers={"content-type": "application/json"})
    response = conn.getresponse()
    payload = response.read()
    if response.status != 200:
        raise RuntimeError(f"POST /api/search answered {response.status}: {payload[:200]!r}")


def _bar(total: int, desc: str, unit: str, quiet: bool):
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit=unit, file=sys.stderr, dynamic_ncols=True, leave=False, disable=quiet)


def vectors_note(kind: str, model: str, stand_in: Embedder | None) -> str:
    if kind == "projection":
        return (
            f"passage vectors are a seeded projection of their character bigrams, not {model}'s "
            f"({stand_in.location}); every query is still encoded by {model}; recall@10 uses projection "
            "vectors of the questions"
        )
    if kind == "composed":
        return (
            f"passage vectors composed from {model}'s vectors of their sentences (each distinct sentence "
            f"encoded once by the model; a passage is the length-weighted mean of its sentences, normalised), not "
            f"{model} run on each passage; every query is encoded by {model}"
        )
    return f"passage and query vectors both from {model}"


def run_bench(
    passages: int,
    settings: Settings,
    embedder: Embedder,
    vectors: str = "auto",
    queries: int = DEFAULT_QUERIES,
    seed: int = 0,
    say: Callable[[str], None] | None = None,
    quiet: bool = False,
    source: TextSource | None = None,
) -> BenchResult:
    """Build an index of `passages` passages in a temporary folder with the project's own build, load it as
    `qa serve` does, and measure it."""
    from ..api import create_app
    from ..engines import engine_for
    from ..service import Service
    from ..store import EMBEDDINGS, build_index, build_lock, publish
    from .server import serving

    if not MIN_PASSAGES <= passages <= MAX_PASSAGES:
        raise BenchError(f"passages must be between {MIN_PASSAGES:,} and {MAX_PASSAGES:,}")
    if queries < 1:
        raise BenchError("queries must be at least 1")
    say = say or (lambda msg: print(msg, file=sys.stderr))
    kind = choose_vectors(vectors, passages)
    machine = Machine.now()

    say("reading the text source …")
    source = source or load_text_source()
    start = time.perf_counter()
    synthetic = make_corpus(passages, source, seed)
    corpus = synthetic.corpus
    questions = pick_questions(source, queries, seed)
    sample = [p.indexed_text for p in corpus.passages[:ENCODE_SAMPLE]]
    generate_seconds = round(time.perf_counter() - start, 2)
    passage_chars_mean = round(sum(len(p.text) for p in corpus.passages) / passages, 1)
    stand_in: Embedder | None = None
    if kind == "projection":
        stand_in = ProjectionEmbedder(embedder.dimension, seed)
    elif kind == "composed":
        stand_in = ComposedEmbedder(embedder, source, synthetic)
    note = vectors_note(kind, settings.model, stand_in)

    say(f"encoding {min(ENCODE_SAMPLE, passages)} passages with plain sentence-transformers and with ours …")
    encoding = compare_encoders(embedder, sample, settings.batch_size)

    with tempfile.TemporaryDirectory(prefix="qa-bench-") as tmp:
        # Measure search, not the limiter.
        overrides = {"index_dir": Path(tmp) / "index", "corpus_dir": Path(tmp) / "corpus", "rate_limit": 0.0}
        if not settings.milvus_uri.startswith(("http://", "https://")):
            overrides["milvus_uri"] = str(Path(tmp) / "milvus.db")  # Milvus Lite: a throwaway local collection
        else:
            overrides["milvus_collection"] = f"bench_{seed}"  # a server: never replace the served alias
        bench_settings = settings.model_copy(update=overrides)
        root = bench_settings.index_dir
        timed = TimedEmbedder(stand_in or embedder)
        steps = passages + (len(np.unique(synthetic.units)) if kind == "composed" else 0)

        say(f"building {passages:,} passages ({kind} vectors) …")
        gc.collect()
        start = time.perf_counter()
        with build_lock(root):
            label = {"model": "embedding", "composed": "embedding sentences, composing"}.get(kind, "projecting")
            with _bar(steps, label, "text", quiet) as bar:
                build_data, _ = build_index(corpus, timed, bench_settings, progress=bar.update)
            built = time.perf_counter()
            folder = publish(build_data, root)
        finished = time.perf_counter()
        engine_manifest = build_data.manifest["engine"]
        # What a build with model vectors takes: the measured indexing time plus our encoder's measured rate.
        if stand_in:
            model_build = passages / (finished - start - timed.seconds + passages / encoding.ours_passages_per_s)
        else:
            model_build = passages / (finished - start)
        plain = encoding.plain_passages_per_s
        build = Build(
            seconds=round(finished - start, 2),
            passages_per_s=round(passages / (finished - start), 2),
            embed_seconds=round(timed.seconds, 2),
            index_seconds=round(built - start - timed.seconds, 2),
            write_seconds=round(finished - built, 2),
            index_mb=round(folder_bytes(folder) / 1e6, 1),
            index_files_mb={f.name: round(f.stat().st_size / 1e6, 1) for f in sorted(folder.iterdir()) if f.is_file()},
            peak_rss_mb=peak_rss_mb(),
            vs_plain=round(model_build / plain, 2) if plain else None,
            vs_plain_estimated=stand_in is not None,
            composed_from_sentences=stand_in.encoded_units if kind == "composed" else None,
        )
        del build_data, corpus, synthetic, stand_in, timed  # the loaded copy is what gets measured
        gc.collect()

        say("loading the index as `qa serve` does …")
        start = time.perf_counter()
        service = Service(bench_settings, embedder)
        load_seconds = round(time.perf_counter() - start, 2)
        searcher = service.loaded.searcher

        engine = service.index.engine
        hnsw, ivf = engine.kind == "hnsw", engine.kind == "ivf"
        say(f"recall@10 of the {engine.backend} {engine.kind} index against exact search …")
        query_embedder = ProjectionEmbedder(embedder.dimension, seed) if kind == "projection" else embedder
        query_vectors = np.ascontiguousarray(query_embedder.encode_queries(questions, settings.batch_size))
        del query_embedder
        built_vectors = np.load(folder / EMBEDDINGS, mmap_mode="r")
        recall, dense_ms, exact_ms = measure_dense(engine, built_vectors, query_vectors, settings.candidates)
        del built_vectors, engine
        dense = Dense(
            kind=service.index.engine.kind,
            ann_threshold=bench_settings.ann_threshold,
            ivf_lists=engine_manifest.get("ivf_lists"),
            ivf_probes=bench_settings.ivf_probes if ivf else None,
            hnsw_m=bench_settings.hnsw_m if hnsw else None,
            hnsw_ef_construction=engine_manifest.get("hnsw_ef_construction"),
            hnsw_ef_search=bench_settings.hnsw_ef_search if hnsw else None,
            candidates=settings.candidates,
            recall_at_10=recall,
            recall_query_vectors="projection" if kind == "projection" else "model",
            latency=dense_ms,
            exact_latency=exact_ms,
        )

        encode = bare_encoder(embedder)
        top_k = settings.top_k
        encode_ms, search_ms, http_ms = [], [], []
        access_log = logging.getLogger("qa.access")
        access_level = access_log.level
        access_log.setLevel(logging.WARNING)  # one line per request would bury the progress on stderr
        with serving(create_app(bench_settings, service=service)) as url:
            conn = http.client.HTTPConnection(url.removeprefix("http://"), timeout=60)
            try:
                for q in questions[:WARMUP]:
                    encode(q)
                    searcher.search(q, top_k)
                    post_search(conn, q, top_k)
                with _bar(len(questions), "asking", "query", quiet) as bar:
                    for q in questions:
                        t0 = time.perf_counter()
                        encode(q)
                        t1 = time.perf_counter()
                        searcher.search(q, top_k)
                        t2 = time.perf_counter()
                        post_search(conn, q, top_k)
                        t3 = time.perf_counter()
                        encode_ms.append((t1 - t0) * 1000)
                        search_ms.append((t2 - t1) * 1000)
                        http_ms.append((t3 - t2) * 1000)
                        bar.update(1)
            finally:
                conn.close()
                access_log.setLevel(access_level)
        del service, searcher
        engine_for(bench_settings).close()  # Milvus Lite: before its temporary folder goes
        say("measuring the memory of a fresh process serving the index …")
        serve_memory = serving_memory(bench_settings, questions, query_vectors)
    machine.load_at_end = load_average()
    return BenchResult(
        passages=passages,
        seed=seed,
        model=settings.model,
        precision=embedder.precision,
        batch_size=settings.batch_size,
        vectors=kind,
        vectors_note=note,
        text_source=source.describe(),
        generate_seconds=generate_seconds,
        passage_chars_mean=passage_chars_mean,
        machine=machine,
        encoding=encoding,
        build=build,
        load_seconds=load_seconds,
        dense=dense,
        queries=len(questions),
        top_k=top_k,
        encode=Latency.of(encode_ms),
        search=Latency.of(search_ms),
        http=Latency.of(http_ms),
        peak_rss_mb=peak_rss_mb(),
        backend=bench_settings.backend,
        serve_memory=serve_memory,
    )
