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
from typing import TYPE_CHECKING

import numpy as np

from ..embedding import Embedder
from ..reader import Corpus
from ..settings import Settings
from .measure import (
    Encoding,
    Latency,
    Machine,
    bare_encoder,
    compare_encoders,
    encode_rate,
    folder_bytes,
    load_average,
    measure_dense,
    peak_rss_mb,
    timed_ms,
)
from .memory import ServeMemory, serving_memory
from .text import BenchError, Synthetic, TextSource, load_text_source, make_corpus, pick_questions
from .vectors import ComposedEmbedder, ProjectionEmbedder, TimedEmbedder, choose_vectors

if TYPE_CHECKING:
    from ..service import Service

MIN_PASSAGES, MAX_PASSAGES = 100, 5_000_000
DEFAULT_QUERIES = 200
WARMUP = 10  # queries run on every path before timing
ENCODE_SAMPLE = 128  # passages encoded side by side by plain sentence-transformers and by our embedder


@dataclass
class BuildFigures:
    """What the project's own build of the bench corpus took."""

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
    units: int | None  # sentence units built (None: built without units, `--no-units`)
    units_mb: float | None  # their three files on disk
    unit_embed_seconds: float | None  # what our encoder would take to embed them, at its rate on sample units


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
class Queries:
    """Per-query latencies over the same questions, on three paths."""

    encode: Latency  # bare query encoding by the model
    search: Latency  # hybrid search in-process
    http: Latency  # POST /api/search over HTTP


@dataclass
class Setup:
    """What the bench was asked to measure, with which model and engine."""

    passages: int
    seed: int
    model: str
    precision: str | None
    batch_size: int
    top_k: int
    backend: str
    units: bool  # passages cut into sentence units (the product's default) or matched whole


@dataclass
class Texts:
    """What was indexed and asked, as the result reports it."""

    vectors: str  # model, composed or projection
    vectors_note: str
    text_source: str
    generate_seconds: float
    passage_chars_mean: float
    queries: int


@dataclass
class Workload:
    """What is indexed and asked: recombined passages, questions, and where the passage vectors come from."""

    texts: Texts
    synthetic: Synthetic
    questions: list[str]
    stand_in: Embedder | None  # makes the passage vectors when they are not the model's

    @property
    def corpus(self) -> Corpus:
        return self.synthetic.corpus

    def release(self) -> None:
        """Drop the passages and their vectors' source once built: only what was built gets measured."""
        self.synthetic = self.stand_in = None


@dataclass
class Serving:
    """The bench index loaded as `qa serve` loads it, and how long that took."""

    service: Service
    seconds: float


# The parts of a result whose fields stand at the top level of its JSON, as in every stored result and plot.
FLAT_PARTS = ("setup", "texts", "latency")


@dataclass
class BenchResult:
    """One run: each phase's own figures, as that phase returned them."""

    setup: Setup
    texts: Texts
    machine: Machine
    encoding: Encoding
    build: BuildFigures
    load_seconds: float
    dense: Dense
    latency: Queries
    peak_rss_mb: float
    serve_memory: ServeMemory | None  # a fresh process serving the index

    @property
    def search_p95_over_encode_p50(self) -> float | None:
        search, encode = self.latency.search, self.latency.encode
        return round(search.p95_ms / encode.p50_ms, 2) if encode.p50_ms else None

    def to_dict(self) -> dict:
        data = asdict(self)
        for part in FLAT_PARTS:
            data.update(data.pop(part))
        return {**data, "search_p95_over_encode_p50": self.search_p95_over_encode_p50}


def post_search(conn: http.client.HTTPConnection, query: str, top_k: int) -> None:
    body = json.dumps({"query": query, "top_k": top_k}, ensure_ascii=False).encode("utf-8")
    try:
        conn.request("POST", "/api/search", body=body, headers={"content-type": "application/json"})
        response = conn.getresponse()
        payload = response.read()
    except (OSError, http.client.HTTPException) as exc:
        # One line, not a traceback; and never a silent exit: click takes a broken pipe for its own stdout's.
        raise BenchError(f"POST /api/search to the bench's server failed: {type(exc).__name__}: {exc}") from None
    if response.status != 200:
        raise BenchError(f"POST /api/search answered {response.status}: {payload[:200]!r}")


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
            f"{model} run on each passage; a sentence unit likewise from the sentences it spans and its speech "
            f"header; every query is encoded by {model}"
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
    `qa serve` does, and measure it: each phase below returns what it measured."""
    from ..engines import engine_for

    if not MIN_PASSAGES <= passages <= MAX_PASSAGES:
        raise BenchError(f"passages must be between {MIN_PASSAGES:,} and {MAX_PASSAGES:,}")
    if queries < 1:
        raise BenchError("queries must be at least 1")
    say = say or (lambda msg: print(msg, file=sys.stderr))
    machine = Machine.now()
    work = make_workload(passages, settings, embedder, vectors, queries, seed, source, say)
    sample = [p.indexed_text for p in work.corpus.passages[:ENCODE_SAMPLE]]
    say(f"encoding {len(sample)} passages with plain sentence-transformers and with ours …")
    encoding = compare_encoders(embedder, sample, settings.batch_size)
    if settings.units:
        encoding.ours_units_per_s = encode_rate(embedder, sample_units(work.corpus.passages), settings.batch_size)

    with tempfile.TemporaryDirectory(prefix="qa-bench-") as tmp:
        bench_settings = scratch_settings(settings, Path(tmp), seed)
        build = measure_build(work, embedder, encoding, bench_settings, say, quiet)
        work.release()  # the loaded copy is what gets measured
        gc.collect()
        loaded = load_as_served(bench_settings, embedder, say)
        query_vectors = question_vectors(work, embedder, settings.batch_size, seed)
        dense = measure_recall(loaded, bench_settings, query_vectors, work.texts.vectors, say)
        timed = measure_queries(loaded, work.questions, embedder, settings.top_k, quiet)
        load_seconds = loaded.seconds
        del loaded
        engine_for(bench_settings).close()  # Milvus Lite: before its temporary folder goes
        say("measuring the memory of a fresh process serving the index …")
        serve_memory = serving_memory(bench_settings, work.questions, query_vectors)
    machine.load_at_end = load_average()
    setup = Setup(
        passages,
        seed,
        settings.model,
        embedder.precision,
        settings.batch_size,
        settings.top_k,
        settings.backend,
        settings.units,
    )
    return BenchResult(
        setup, work.texts, machine, encoding, build, load_seconds, dense, timed, peak_rss_mb(), serve_memory
    )


def sample_units(passages: list, count: int = ENCODE_SAMPLE) -> list[str]:
    """The first `count` sentence units of the passages, as the build embeds them."""
    from ..units import unit_spans, unit_text

    out: list[str] = []
    for p in passages:
        out.extend(unit_text(p, span) for span in unit_spans(p.text, p.language))
        if len(out) >= count:
            break
    return out[:count]


def make_workload(
    passages: int,
    settings: Settings,
    embedder: Embedder,
    vectors: str,
    queries: int,
    seed: int,
    source: TextSource | None,
    say: Callable[[str], None],
) -> Workload:
    kind = choose_vectors(vectors, passages)
    say("reading the text source …")
    source = source or load_text_source()
    start = time.perf_counter()
    synthetic = make_corpus(passages, source, seed)
    questions = pick_questions(source, queries, seed)
    generate_seconds = round(time.perf_counter() - start, 2)
    stand_in: Embedder | None = None
    if kind == "projection":
        stand_in = ProjectionEmbedder(embedder.dimension, seed)
    elif kind == "composed":
        stand_in = ComposedEmbedder(embedder, source, synthetic)
    texts = Texts(
        vectors=kind,
        vectors_note=vectors_note(kind, settings.model, stand_in),
        text_source=source.describe(),
        generate_seconds=generate_seconds,
        passage_chars_mean=round(sum(len(p.text) for p in synthetic.corpus.passages) / passages, 1),
        queries=len(questions),
    )
    return Workload(texts, synthetic, questions, stand_in)


def scratch_settings(settings: Settings, tmp: Path, seed: int) -> Settings:
    """The settings of a throwaway build in `tmp` that never touches what is served."""
    from ..engines.milvus import is_server

    # Measure search, not the limiter. Units follow the settings (QA_UNITS, `--no-units`) as in `qa build`.
    overrides = {"index_dir": tmp / "index", "corpus_dir": tmp / "corpus", "rate_limit": 0.0}
    if is_server(settings.milvus_uri):
        overrides["milvus_collection"] = f"bench_{seed}"  # a server: never replace the served alias
    else:
        overrides["milvus_uri"] = str(tmp / "milvus.db")  # Milvus Lite: a throwaway local collection
    return settings.model_copy(update=overrides)


def measure_build(
    work: Workload,
    embedder: Embedder,
    encoding: Encoding,
    settings: Settings,
    say: Callable[[str], None],
    quiet: bool,
) -> BuildFigures:
    """The project's own build and publish of the workload into `settings.index_dir`."""
    from ..store import build_index, build_lock, publish
    from ..units import UNIT_FILES

    passages = len(work.corpus.passages)
    root = settings.index_dir
    timed = TimedEmbedder(work.stand_in or embedder)
    steps = passages + (len(np.unique(work.synthetic.units)) if work.texts.vectors == "composed" else 0)
    say(f"building {passages:,} passages ({work.texts.vectors} vectors) …")
    gc.collect()
    start = time.perf_counter()
    with build_lock(root):
        label = {"model": "embedding", "composed": "embedding sentences, composing"}.get(
            work.texts.vectors, "projecting"
        )
        with _bar(steps, label, "text", quiet) as bar:
            build, _ = build_index(work.corpus, timed, settings, progress=bar.update)
        built = time.perf_counter()
        folder = publish(build, root)
    finished = time.perf_counter()
    units = build.units.size if build.units is not None else None
    del build
    # What our encoder would take for the units: with stand-in vectors their composing is no measure of it.
    unit_seconds = units / encoding.ours_units_per_s if units and encoding.ours_units_per_s else None
    # What a build with model vectors takes: the measured indexing time plus our encoder's measured rates.
    if work.stand_in:
        embedding = passages / encoding.ours_passages_per_s + (unit_seconds or 0.0)
        model_build = passages / (finished - start - timed.seconds + embedding)
    else:
        model_build = passages / (finished - start)
    unit_bytes = sum((folder / name).stat().st_size for name in UNIT_FILES) if units is not None else None
    plain = encoding.plain_passages_per_s
    return BuildFigures(
        seconds=round(finished - start, 2),
        passages_per_s=round(passages / (finished - start), 2),
        embed_seconds=round(timed.seconds, 2),
        index_seconds=round(built - start - timed.seconds, 2),
        write_seconds=round(finished - built, 2),
        index_mb=round(folder_bytes(folder) / 1e6, 1),
        index_files_mb={f.name: round(f.stat().st_size / 1e6, 1) for f in sorted(folder.iterdir()) if f.is_file()},
        peak_rss_mb=peak_rss_mb(),
        vs_plain=round(model_build / plain, 2) if plain else None,
        vs_plain_estimated=work.stand_in is not None,
        composed_from_sentences=work.stand_in.encoded_units if work.texts.vectors == "composed" else None,
        units=units,
        units_mb=round(unit_bytes / 1e6, 1) if unit_bytes is not None else None,
        unit_embed_seconds=round(unit_seconds, 1) if unit_seconds is not None else None,
    )


def load_as_served(settings: Settings, embedder: Embedder, say: Callable[[str], None]) -> Serving:
    from ..service import Service

    say("loading the index as `qa serve` does …")
    start = time.perf_counter()
    service = Service(settings, embedder)
    return Serving(service, round(time.perf_counter() - start, 2))


def question_vectors(work: Workload, embedder: Embedder, batch_size: int, seed: int) -> np.ndarray:
    """The questions as the passages' vectors see them: projected like them, or the model's."""
    encoder = ProjectionEmbedder(embedder.dimension, seed) if work.texts.vectors == "projection" else embedder
    return np.ascontiguousarray(encoder.encode_queries(work.questions, batch_size))


def measure_recall(
    loaded: Serving, settings: Settings, query_vectors: np.ndarray, kind: str, say: Callable[[str], None]
) -> Dense:
    """recall@10 and latency of the engine's dense index against exact search over the built vectors."""
    from ..store import EMBEDDINGS, current_folder

    index = loaded.service.index
    engine, section = index.engine, index.manifest["engine"]
    hnsw, ivf = engine.kind == "hnsw", engine.kind == "ivf"
    say(f"recall@10 of the {engine.backend} {engine.kind} index against exact search …")
    built_vectors = np.load(current_folder(settings.index_dir) / EMBEDDINGS, mmap_mode="r")
    recall, dense_ms, exact_ms = measure_dense(engine, built_vectors, query_vectors, settings.candidates)
    return Dense(
        kind=engine.kind,
        ann_threshold=settings.ann_threshold,
        ivf_lists=section.get("ivf_lists"),
        ivf_probes=settings.ivf_probes if ivf else None,
        hnsw_m=settings.hnsw_m if hnsw else None,
        hnsw_ef_construction=section.get("hnsw_ef_construction"),
        hnsw_ef_search=settings.hnsw_ef_search if hnsw else None,
        candidates=settings.candidates,
        recall_at_10=recall,
        recall_query_vectors="projection" if kind == "projection" else "model",
        latency=dense_ms,
        exact_latency=exact_ms,
    )


def measure_queries(loaded: Serving, questions: list[str], embedder: Embedder, top_k: int, quiet: bool) -> Queries:
    """Each question encoded bare, searched in-process and asked over HTTP, after a warm-up on every path."""
    from ..api import create_app
    from .server import serving

    service = loaded.service
    searcher = service.loaded.searcher
    encode = bare_encoder(embedder)
    encode_ms, search_ms, http_ms = [], [], []
    access_log = logging.getLogger("qa.access")
    access_level = access_log.level
    access_log.setLevel(logging.WARNING)  # one line per request would bury the progress on stderr
    with serving(create_app(service.settings, service=service), settings=service.settings) as url:
        conn = http.client.HTTPConnection(url.removeprefix("http://"), timeout=60)
        try:
            # One path after the other, not question by question: a search leaves BLAS threads spinning for a
            # while, and a bare encode straight after one ran up to 3x slower, flattering every ratio to it.
            paths = (
                (encode_ms, encode),
                (search_ms, lambda q: searcher.search(q, top_k)),
                (http_ms, lambda q: post_search(conn, q, top_k)),
            )
            with _bar(len(questions) * len(paths), "asking", "query", quiet) as bar:
                for times, ask in paths:
                    # Each path is warmed just before it is timed, HTTP on a new connection: the server closes
                    # one idle past `keep_alive_timeout` (5 s), less than the other paths take at 1,000,000
                    # passages (the request after them met a closed socket).
                    conn.close()
                    for q in questions[:WARMUP]:
                        ask(q)
                    for q in questions:
                        times.append(timed_ms(lambda q=q, ask=ask: ask(q)))
                        bar.update(1)
        finally:
            conn.close()
            access_log.setLevel(access_level)
    return Queries(Latency.of(encode_ms), Latency.of(search_ms), Latency.of(http_ms))
