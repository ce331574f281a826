"""`qa bench`: build an index of N passages of real text in a temporary folder and measure it.

The text is real but recombined: the seed corpus and the CMRC 2018 contexts are cut into sentences, and a
seeded RNG draws sentences from one source text at a time (in reading order) into passages whose lengths follow
the seed corpus's paragraphs. Passages are grouped into synthetic documents and speeches carrying the seed's
speaker headers, so every code path of the real index (context prefix, speaker names, BM25, FAISS, fusion) runs.

Passage vectors: the model's up to `MODEL_VECTOR_LIMIT` passages. Past it (the model would need hours) they are
*composed*: every distinct sentence is encoded once by the model and a passage's vector is the length-weighted
mean of its sentences' vectors, so the index holds vectors of the model's own geometry and recall@10 is measured
with the model's query vectors. `projection` (seeded Gaussian projection of character bigrams, no model at all)
is there for pure index cost; its near-isotropic vectors are a much harder case for HNSW than any model's.
Queries always go through the real model.
"""

from __future__ import annotations

import array
import contextlib
import gc
import hashlib
import http.client
import itertools
import json
import logging
import os
import random
import resource
import socket
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .corpus import Corpus, Document, Passage, passage_id, read_corpus
from .embedding import Embedder, SentenceTransformerEmbedder
from .settings import Settings

REPO = Path(__file__).resolve().parent.parent
SEED_CORPUS = REPO / "corpus"
CMRC_FILES = (
    REPO / "eval/benchmarks/cmrc2018/cmrc2018_dev.json",
    REPO / "eval/benchmarks/cmrc2018/cmrc2018_trial.json",
)
QUESTION_FILES = (REPO / "eval/paraphrased.jsonl", REPO / "eval/seed_dev.jsonl")
CMRC_QUESTIONS = CMRC_FILES[0]

MIN_PASSAGES, MAX_PASSAGES = 100, 5_000_000
MODEL_VECTOR_LIMIT = 20_000  # `auto` embeds up to this many passages with the model, projects past it
VECTOR_CHOICES = ("auto", "model", "composed", "projection")
DEFAULT_QUERIES = 200
WARMUP = 10  # queries run on every path before timing
ENCODE_SAMPLE = 128  # passages encoded side by side by plain sentence-transformers and by our embedder
ENCODE_ROUNDS = 5  # alternating rounds; medians of each side's rate and of the per-round ratio are reported
RECALL_K = 10
TIE_TOLERANCE = 1e-5  # a returned passage scoring within this of the exact 10th best counts as found
PASSAGES_PER_SPEECH = 12
SPEECHES_PER_DOCUMENT = 16
LENGTH_JITTER = 0.15  # target lengths are seed paragraph lengths times 1 ± this
MIN_SENTENCE = 4
MAX_RETRIES = 50  # draws per passage before a repeated passage is accepted
PROJECTION_BUCKETS = 1 << 16
PROJECTION_CHUNK = 4096
COMPOSE_CHUNK = 65_536
BAR = {"recall@10": 0.98, "search_p95_over_encode_p50": 3.0, "build_vs_plain": 2.0}


class BenchError(ValueError):
    """A bad bench parameter; the message says what is allowed."""


# ---------------------------------------------------------------------------------------------------- text


@dataclass
class TextSource:
    sentences: list[str]  # grouped by source text: group g is sentences[groups[g][0]:groups[g][1]]
    groups: list[tuple[int, int]]  # a seed speech or a CMRC article each, in reading order
    lengths: list[int]  # character lengths of the seed corpus's paragraphs
    headers: list[tuple[str, str, str]]  # (role, speaker, speech title) of the seed's speeches
    questions: list[str]  # eval questions first, then CMRC dev questions
    eval_questions: int
    digest: str

    def describe(self) -> str:
        lo, mid, hi = min(self.lengths), int(statistics.median(self.lengths)), max(self.lengths)
        return (
            f"real text, recombined: {len(self.sentences):,} sentences of the seed corpus and the CMRC 2018 "
            f"contexts ({len(self.groups):,} source texts); each passage joins sentences drawn at random (seeded) "
            f"from one source text, in their order, to a length drawn from the seed's paragraphs "
            f"({lo}-{hi} characters, median {mid}, ±{LENGTH_JITTER:.0%})"
        )


def _cmrc_articles_and_questions(path: Path) -> tuple[list[list[str]], list[str]]:
    data = json.loads(Path(path).read_text(encoding="utf-8-sig"))["data"]
    articles, questions = [], []
    for article in data:
        articles.append([para["context"] for para in article["paragraphs"]])
        questions.extend(qa["question"] for para in article["paragraphs"] for qa in para["qas"])
    return articles, questions


def load_text_source(
    corpus_dir: Path = SEED_CORPUS,
    cmrc_files=CMRC_FILES,
    question_files=QUESTION_FILES,
    cmrc_questions: Path | None = CMRC_QUESTIONS,
) -> TextSource:
    from .retrieval import sentences

    corpus = read_corpus(corpus_dir)
    lengths = [len(p.text) for p in corpus.passages]
    headers = list(dict.fromkeys((p.role or "", p.speaker, p.speech_title or "") for p in corpus.passages if p.speaker))
    speeches: dict[tuple[str, int], list[str]] = {}
    for p in corpus.passages:
        speeches.setdefault((p.document, p.speech), []).append(p.text)
    texts = list(speeches.values())
    questions: list[str] = []
    for path in question_files:
        for line in Path(path).read_text(encoding="utf-8-sig").splitlines():
            if line.strip():
                questions.append(json.loads(line)["q"])
    eval_questions = len(questions)
    for path in cmrc_files:
        articles, asked = _cmrc_articles_and_questions(path)
        texts.extend(articles)
        if cmrc_questions is not None and Path(path) == Path(cmrc_questions):
            questions.extend(asked)
    longest = max(lengths)
    pool: list[str] = []
    groups: list[tuple[int, int]] = []
    for paragraphs in texts:
        found = [s for t in paragraphs for s in sentences(t) if MIN_SENTENCE <= len(s) <= longest]
        found = list(dict.fromkeys(found))
        if found:
            groups.append((len(pool), len(pool) + len(found)))
            pool.extend(found)
    digest = hashlib.sha256("\x1e".join(pool).encode("utf-8")).hexdigest()
    return TextSource(pool, groups, lengths, headers, questions, eval_questions, digest)


@dataclass
class Synthetic:
    """The generated corpus, and for each passage the text units it is made of (for composed vectors):
    passage i is units[offsets[i]:offsets[i + 1]], its speech header (a unit id past the sentences) first."""

    corpus: Corpus
    units: np.ndarray
    offsets: np.ndarray


def make_corpus(n: int, source: TextSource, seed: int = 0) -> Synthetic:
    """N passages of recombined sentences, grouped into documents of speeches with seed headers.

    A passage draws sentences at random from one source text (a seed speech or a CMRC article; larger ones
    more often) and keeps them in reading order, as a paragraph keeps to one topic; if the text runs out before
    the target length, the next one continues it. Passages repeat only when `MAX_RETRIES` draws could not avoid it.
    """
    rng = random.Random(seed)
    pool, lengths, headers = source.sentences, source.lengths, source.headers or [("", "", "")]
    groups = source.groups
    cumulative = list(itertools.accumulate(stop - start for start, stop in groups))
    seen: set[str] = set()
    documents: list[Document] = []
    doc: Document | None = None
    units = array.array("i")
    offsets = array.array("q", [0])
    speech = paragraph = choice = 0
    per_doc = PASSAGES_PER_SPEECH * SPEECHES_PER_DOCUMENT
    for i in range(n):
        if i % per_doc == 0:
            number = i // per_doc
            doc = Document(file=f"bench-{number:06d}.txt", title=f"基准文档{number + 1}", subtitle=None, date=None)
            documents.append(doc)
            speech = 0
        if i % PASSAGES_PER_SPEECH == 0:
            speech += 1
            paragraph = 0
            choice = rng.randrange(len(headers))
        paragraph += 1
        for _ in range(MAX_RETRIES):
            target = rng.choice(lengths) * (1 + rng.uniform(-LENGTH_JITTER, LENGTH_JITTER))
            g = rng.choices(range(len(groups)), cum_weights=cumulative)[0]
            parts, size = [], 0
            for _pass in range(len(groups)):
                if size >= target:
                    break
                order = list(range(*groups[g]))
                rng.shuffle(order)
                taken = []
                for j in order:
                    if size >= target:
                        break
                    if size and size + len(pool[j]) > target * (1 + LENGTH_JITTER):
                        continue  # would overshoot: a shorter sentence of the text may fit
                    taken.append(j)
                    size += len(pool[j])
                parts.extend(sorted(taken))
                g = (g + 1) % len(groups)
            text = "".join(pool[j] for j in parts)
            if text not in seen:
                break
        seen.add(text)
        units.append(len(pool) + choice)
        units.extend(parts)
        offsets.append(len(units))
        role, speaker, title = headers[choice]
        doc.passages.append(
            Passage(
                id=passage_id(doc.file, speech, paragraph),
                text=text,
                document=doc.file,
                title=doc.title,
                subtitle=None,
                date=None,
                speaker=speaker or None,
                role=role or None,
                speech_title=title or None,
                speech=speech,
                paragraph=paragraph,
            )
        )
    fingerprint = hashlib.sha256(f"qa-bench\x1f{n}\x1f{seed}\x1f{source.digest}".encode()).hexdigest()
    corpus = Corpus(documents=documents, skipped=[], fingerprint=fingerprint)
    return Synthetic(corpus, np.frombuffer(units, dtype=np.int32), np.frombuffer(offsets, dtype=np.int64))


def pick_questions(source: TextSource, count: int, seed: int = 0) -> list[str]:
    """The eval questions (readers' phrasing, some English), then CMRC dev questions drawn with the seed."""
    head = source.questions[: source.eval_questions]
    tail = source.questions[source.eval_questions :]
    random.Random(seed).shuffle(tail)
    picked = (head + tail)[:count]
    if not picked:
        raise BenchError("no questions to ask")
    return picked


# ---------------------------------------------------------------------------------------------------- vectors


class ProjectionEmbedder(Embedder):
    """Deterministic stand-in vectors: character bigrams (and characters) hashed into buckets, times a seeded
    Gaussian matrix, normalised. Texts that share wording get similar vectors; no model runs."""

    name = "projection"

    def __init__(self, dimension: int, seed: int = 0, buckets: int = PROJECTION_BUCKETS):
        if buckets & (buckets - 1):
            raise BenchError("projection buckets must be a power of two")
        self.dimension = dimension
        self.buckets = buckets
        self.bits = buckets.bit_length() - 1
        self.seed = seed
        self.location = f"projection: character bigrams -> {buckets} buckets -> {dimension} dimensions, seed {seed}"
        self.matrix = np.random.default_rng(seed).standard_normal((buckets, dimension), dtype=np.float32)

    def _hash(self, keys: np.ndarray) -> np.ndarray:
        mixed = keys * np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing; uint64 arrays wrap silently
        return (mixed >> np.uint64(64 - self.bits)).astype(np.int64)

    def _chunk(self, texts: list[str]) -> np.ndarray:
        from scipy import sparse

        joined = "\x00".join(t.replace("\x00", " ") for t in texts)
        codes = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
        row = np.cumsum(codes == 0)
        chars = codes != 0
        pair = chars[:-1] & chars[1:]
        keys = np.concatenate(
            [(codes[:-1][pair] << np.uint64(21)) | codes[1:][pair], codes[chars] | np.uint64(1 << 63)]
        )
        rows = np.concatenate([row[:-1][pair], row[chars]])
        counts = sparse.csr_matrix(
            (np.ones(len(keys), dtype=np.float32), (rows, self._hash(keys))), shape=(len(texts), self.buckets)
        )
        out = np.asarray(counts @ self.matrix, dtype=np.float32)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        np.divide(out, norms, out=out, where=norms > 0)
        return out

    def encode(self, texts, batch_size=32, progress=None):
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for start in range(0, len(texts), PROJECTION_CHUNK):
            chunk = texts[start : start + PROJECTION_CHUNK]
            out[start : start + len(chunk)] = self._chunk(chunk)
            if progress:
                progress(len(chunk))
        return out


def header_text(header: tuple[str, str, str]) -> str:
    role, speaker, title = header
    return f"{role}{speaker}：{title}" if speaker else ""


class ComposedEmbedder(Embedder):
    """Passage vectors in the model's own space without running the model on every passage: each distinct
    sentence and speech header the passages use is encoded once by the model, and a passage's vector is the
    length-weighted sum of its units' vectors, normalised. Only for the passages of one `Synthetic`, in order."""

    name = "composed"

    def __init__(self, inner: Embedder, source: TextSource, synthetic: Synthetic):
        self.inner = inner
        self.dimension = inner.dimension
        self.precision = getattr(inner, "precision", None)
        self.units = source.sentences + [header_text(h) for h in source.headers]
        self.synthetic = synthetic
        self.location = (
            f"composed: length-weighted mean of {inner.name} vectors of each passage's sentences and speech header"
        )
        self.encoded_units = 0

    def encode(self, texts, batch_size=32, progress=None):
        from scipy import sparse

        units, offsets = self.synthetic.units, self.synthetic.offsets
        n = len(offsets) - 1
        passages = self.synthetic.corpus.passages
        if len(texts) != n or any(not texts[i].endswith(passages[i].text) for i in (0, n // 2, n - 1)):
            raise BenchError("composed vectors exist only for the generated passages, all of them, in order")
        used = np.unique(units)
        vectors = np.zeros((len(self.units), self.dimension), dtype=np.float32)
        vectors[used] = self.inner.encode([self.units[u] for u in used], batch_size)
        self.encoded_units = len(used)
        weights = np.asarray([len(t) for t in self.units], dtype=np.float32)
        out = np.empty((n, self.dimension), dtype=np.float32)
        for start in range(0, n, COMPOSE_CHUNK):
            stop = min(n, start + COMPOSE_CHUNK)
            cols = units[offsets[start] : offsets[stop]]
            rows = np.repeat(np.arange(stop - start), np.diff(offsets[start : stop + 1]))
            mix = sparse.csr_matrix((weights[cols], (rows, cols)), shape=(stop - start, len(self.units)))
            block = np.asarray(mix @ vectors, dtype=np.float32)
            norms = np.linalg.norm(block, axis=1, keepdims=True)
            np.divide(block, norms, out=block, where=norms > 0)
            out[start:stop] = block
            if progress:
                progress(stop - start)
        return out


class TimedEmbedder(Embedder):
    """Wraps an embedder and adds up the seconds spent encoding (the rest of a build is indexing)."""

    def __init__(self, inner: Embedder):
        self.inner = inner
        self.name = inner.name
        self.dimension = inner.dimension
        self.location = getattr(inner, "location", inner.name)
        self.precision = getattr(inner, "precision", None)
        self.seconds = 0.0

    def encode(self, texts, batch_size=32, progress=None):
        start = time.perf_counter()
        try:
            return self.inner.encode(texts, batch_size, progress)
        finally:
            self.seconds += time.perf_counter() - start


# ---------------------------------------------------------------------------------------------------- measuring


def percentiles(ms: list[float]) -> dict[str, float]:
    a = np.asarray(ms, dtype=np.float64)
    return {f"p{p}": round(float(np.percentile(a, p)), 2) for p in (50, 95, 99)}


def peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)  # KB on Linux


def machine() -> dict:
    info = {"cpu": "unknown", "cores": os.cpu_count(), "ram_gb": None}
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text(errors="replace").splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                info["ram_gb"] = round(int(line.split()[1]) / 1024**2, 1)
    with contextlib.suppress(OSError):
        info["load_at_start"] = round(os.getloadavg()[0], 2)
    return info


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in Path(folder).rglob("*") if p.is_file())


def compare_encoders(embedder: Embedder, texts: list[str], batch_size: int, rounds: int = ENCODE_ROUNDS) -> dict:
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
            start = time.perf_counter()
            model.encode(texts)
            plain.append(len(texts) / (time.perf_counter() - start))
        start = time.perf_counter()
        embedder.encode(texts, batch_size)
        ours.append(len(texts) / (time.perf_counter() - start))
    del model
    gc.collect()
    plain_rate = statistics.median(plain) if plain else None
    speedup = statistics.median(o / p for o, p in zip(ours, plain, strict=True)) if plain else None
    return {
        "encode_sample": len(texts),
        "encode_rounds": rounds,
        "plain_encode_passages_per_s": round(plain_rate, 2) if plain_rate else None,
        "encode_passages_per_s": round(statistics.median(ours), 2),
        "encode_speedup": round(speedup, 2) if speedup else None,
        "encode_rounds_passages_per_s": {"plain": [round(x, 2) for x in plain], "ours": [round(x, 2) for x in ours]},
    }


def recall_at_k(found_scores: np.ndarray, exact_kth: np.ndarray, k: int) -> float:
    """Share of the exact top-k that the index returned, counting ties with the k-th best as found."""
    hits = np.minimum((found_scores >= exact_kth[:, None] - TIE_TOLERANCE).sum(axis=1), k)
    return float(hits.sum() / (k * len(exact_kth)))


def measure_dense(dense, query_vectors: np.ndarray, candidates: int) -> dict:
    """recall@10 of the dense index in use against exact inner-product search over the same vectors, and the
    single-query latency of both at the Searcher's candidate depth."""
    import faiss

    vectors = dense.all_vectors()
    exact = faiss.IndexFlatIP(vectors.shape[1])
    exact.add(vectors)
    k = min(RECALL_K, dense.size)
    exact_scores, _ = exact.search(query_vectors, k)
    found = np.full((len(query_vectors), k), -np.inf, dtype=np.float32)
    used_ms, exact_ms = [], []
    for i, q in enumerate(query_vectors):
        ids, _ = dense.search(q, k)
        found[i, : len(ids)] = vectors[ids] @ q
        start = time.perf_counter()
        dense.search(q, candidates)
        used_ms.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        exact.search(q.reshape(1, -1), min(candidates, dense.size))
        exact_ms.append((time.perf_counter() - start) * 1000)
    del exact, vectors
    return {
        "recall@10": round(recall_at_k(found, exact_scores[:, k - 1], k), 4),
        "dense_p50_ms": round(statistics.median(used_ms), 3),
        "dense_exact_p50_ms": round(statistics.median(exact_ms), 3),
    }


class Server:
    """The real app (`create_app`) served by uvicorn on a free 127.0.0.1 port in a thread."""

    def __init__(self, app):
        import uvicorn

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", access_log=False)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self):
        self.thread.start()
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError, http.client.HTTPException):
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", "/api/health")
                if conn.getresponse().status == 200:
                    conn.close()
                    return self
                conn.close()
            time.sleep(0.05)
        raise RuntimeError("the benchmark server did not start")

    def __exit__(self, *exc):
        self.server.should_exit = True
        self.thread.join(timeout=10)


def post_search(conn: http.client.HTTPConnection, query: str, top_k: int) -> None:
    body = json.dumps({"query": query, "top_k": top_k}, ensure_ascii=False).encode("utf-8")
    conn.request("POST", "/api/search", body=body, headers={"content-type": "application/json"})
    response = conn.getresponse()
    payload = response.read()
    if response.status != 200:
        raise RuntimeError(f"POST /api/search answered {response.status}: {payload[:200]!r}")


def bare_encoder(embedder: Embedder) -> Callable[[str], object]:
    """`model.encode([q])` on the same model object the searcher uses (the embedder itself if it has none)."""
    model = getattr(embedder, "model", None)
    if model is not None and hasattr(model, "encode"):
        return lambda q: model.encode([q])
    return lambda q: embedder.encode([q])


# ---------------------------------------------------------------------------------------------------- the run


def choose_vectors(vectors: str, passages: int) -> str:
    if vectors not in VECTOR_CHOICES:
        raise BenchError(f"vectors must be one of {', '.join(VECTOR_CHOICES)}")
    if vectors == "auto":
        return "model" if passages <= MODEL_VECTOR_LIMIT else "composed"
    return vectors


def _bar(total: int, desc: str, unit: str, quiet: bool):
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit=unit, file=sys.stderr, dynamic_ncols=True, leave=False, disable=quiet)


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
) -> dict:
    """Build an index of `passages` passages in a temporary folder with the project's own build, load it as
    `qa serve` does, and measure it; returns one flat dict of results."""
    from .api import create_app
    from .service import Service
    from .store import build_index, build_lock, publish

    if not MIN_PASSAGES <= passages <= MAX_PASSAGES:
        raise BenchError(f"passages must be between {MIN_PASSAGES:,} and {MAX_PASSAGES:,}")
    if queries < 1:
        raise BenchError("queries must be at least 1")
    say = say or (lambda msg: print(msg, file=sys.stderr))
    kind = choose_vectors(vectors, passages)
    result: dict = {"passages": passages, "seed": seed, "machine": machine()}

    say("reading the text source …")
    source = source or load_text_source()
    start = time.perf_counter()
    synthetic = make_corpus(passages, source, seed)
    corpus = synthetic.corpus
    questions = pick_questions(source, queries, seed)
    sample = [p.indexed_text for p in corpus.passages[:ENCODE_SAMPLE]]
    result.update(
        text_source=source.describe(),
        generate_seconds=round(time.perf_counter() - start, 2),
        passage_chars_mean=round(sum(len(p.text) for p in corpus.passages) / passages, 1),
        model=settings.model,
        precision=getattr(embedder, "precision", None),
        batch_size=settings.batch_size,
        vectors=kind,
    )
    stand_in: Embedder | None = None
    if kind == "projection":
        stand_in = ProjectionEmbedder(embedder.dimension, seed)
        result["vectors_note"] = (
            f"passage vectors are a seeded projection of their character bigrams, not {settings.model}'s "
            f"({stand_in.location}); every query is still encoded by {settings.model}; recall@10 uses projection "
            "vectors of the questions"
        )
    elif kind == "composed":
        stand_in = ComposedEmbedder(embedder, source, synthetic)
        result["vectors_note"] = (
            f"passage vectors composed from {settings.model}'s vectors of their sentences (each distinct sentence "
            f"encoded once by the model; a passage is the length-weighted mean of its sentences, normalised), not "
            f"{settings.model} run on each passage; every query is encoded by {settings.model}"
        )
    else:
        result["vectors_note"] = f"passage and query vectors both from {settings.model}"

    say(f"encoding {min(ENCODE_SAMPLE, passages)} passages with plain sentence-transformers and with ours …")
    result.update(compare_encoders(embedder, sample, settings.batch_size))

    with tempfile.TemporaryDirectory(prefix="qa-bench-") as tmp:
        overrides = {"index_dir": Path(tmp) / "index", "corpus_dir": Path(tmp) / "corpus"}
        if "rate_limit" in type(settings).model_fields:
            overrides["rate_limit"] = 0.0  # measure search, not the limiter
        bench_settings = settings.model_copy(update=overrides)
        root = bench_settings.index_dir
        timed = TimedEmbedder(stand_in or embedder)
        steps = passages + (len(np.unique(synthetic.units)) if kind == "composed" else 0)

        say(f"building {passages:,} passages ({kind} vectors) …")
        gc.collect()
        start = time.perf_counter()
        with build_lock(root):
            with _bar(
                steps,
                {"model": "embedding", "composed": "embedding sentences, composing"}.get(kind, "projecting"),
                "text",
                quiet,
            ) as bar:
                index, _ = build_index(corpus, timed, bench_settings, progress=bar.update)
            built = time.perf_counter()
            folder = publish(index, root)
        finished = time.perf_counter()
        dense = index.dense
        result.update(
            dense_index=dense.kind,
            ann_threshold=bench_settings.ann_threshold,
            hnsw_m=bench_settings.hnsw_m if dense.kind == "hnsw" else None,
            hnsw_ef_construction=int(dense.index.hnsw.efConstruction) if dense.kind == "hnsw" else None,
            hnsw_ef_search=bench_settings.hnsw_ef_search if dense.kind == "hnsw" else None,
            build_seconds=round(finished - start, 2),
            build_passages_per_s=round(passages / (finished - start), 2),
            embed_seconds=round(timed.seconds, 2),
            index_seconds=round(built - start - timed.seconds, 2),
            write_seconds=round(finished - built, 2),
            index_mb=round(folder_bytes(folder) / 1e6, 1),
            build_peak_rss_mb=peak_rss_mb(),
        )
        # What a build with model vectors takes: the measured indexing time plus our encoder's measured rate.
        if stand_in:
            model_build = passages / (finished - start - timed.seconds + passages / result["encode_passages_per_s"])
        else:
            model_build = result["build_passages_per_s"]
        plain = result["plain_encode_passages_per_s"]
        result["build_vs_plain"] = round(model_build / plain, 2) if plain else None
        result["build_vs_plain_estimated"] = stand_in is not None
        if kind == "composed":
            result["composed_from_sentences"] = stand_in.encoded_units
        del index, dense, corpus, synthetic, stand_in, timed  # the loaded copy is what gets measured
        gc.collect()

        say("loading the index as `qa serve` does …")
        start = time.perf_counter()
        service = Service(bench_settings, embedder)
        result["load_seconds"] = round(time.perf_counter() - start, 2)
        searcher = service.loaded.searcher

        say(f"recall@10 of the {service.index.dense.kind} index against exact search …")
        query_embedder = ProjectionEmbedder(embedder.dimension, seed) if kind == "projection" else embedder
        query_vectors = query_embedder.encode(questions, settings.batch_size)
        result["recall_query_vectors"] = "projection" if kind == "projection" else "model"
        del query_embedder
        result.update(measure_dense(service.index.dense, np.ascontiguousarray(query_vectors), settings.candidates))
        result["candidates"] = settings.candidates

        encode = bare_encoder(embedder)
        top_k = settings.top_k
        encode_ms, search_ms, http_ms = [], [], []
        access_log = logging.getLogger("qa.access")
        access_level = access_log.level
        access_log.setLevel(logging.WARNING)  # one line per request would bury the progress on stderr
        with Server(create_app(bench_settings, service=service)) as server:
            conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
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
    enc, srch, web = percentiles(encode_ms), percentiles(search_ms), percentiles(http_ms)
    result.update(
        queries=len(questions),
        top_k=top_k,
        encode_p50_ms=enc["p50"],
        encode_p95_ms=enc["p95"],
        search_p50_ms=srch["p50"],
        search_p95_ms=srch["p95"],
        search_p99_ms=srch["p99"],
        http_p50_ms=web["p50"],
        http_p95_ms=web["p95"],
        http_p99_ms=web["p99"],
        peak_rss_mb=peak_rss_mb(),
    )
    with contextlib.suppress(OSError):
        result["machine"]["load_at_end"] = round(os.getloadavg()[0], 2)
    result["bar"] = check_bar(result)
    return result


def check_bar(r: dict) -> dict:
    ratio = r["search_p95_ms"] / r["encode_p50_ms"] if r["encode_p50_ms"] else None
    return {
        "recall@10>=0.98": r["recall@10"] >= BAR["recall@10"],
        "search_p95<=3*encode_p50": ratio is not None and ratio <= BAR["search_p95_over_encode_p50"],
        "build_vs_plain>=2": r["build_vs_plain"] is not None and r["build_vs_plain"] >= BAR["build_vs_plain"],
        "search_p95_over_encode_p50": round(ratio, 2) if ratio is not None else None,
    }


def _yes(ok: bool) -> str:
    return "yes" if ok else "NO"


def _row(label: str, r: dict, key: str, p99: bool = True) -> str:
    cells = [r[f"{key}_p50_ms"], r[f"{key}_p95_ms"]] + ([r[f"{key}_p99_ms"]] if p99 else [])
    return f"  {label:<34}" + "".join(f"{c:9.2f}" for c in cells)


def format_report(r: dict) -> str:
    m = r["machine"]
    if r["dense_index"] == "hnsw":
        dense = (
            f"hnsw (M {r['hnsw_m']}, efConstruction {r['hnsw_ef_construction']}, efSearch {r['hnsw_ef_search']}; "
            f"exact below {r['ann_threshold']:,} passages)"
        )
    else:
        dense = f"flat, exact (hnsw from {r['ann_threshold']:,} passages)"
    plain = r["plain_encode_passages_per_s"]
    if plain:
        est = ", estimated from the measured rates" if r["build_vs_plain_estimated"] else ""
        encode = (
            f"plain SentenceTransformer.encode {plain:.1f} passages/s, ours ({r['precision']}, batch "
            f"{r['batch_size']}) {r['encode_passages_per_s']:.1f} passages/s = {r['encode_speedup']:.2f}x on the "
            f"same {r['encode_sample']} passages\n             a build with model vectors runs at "
            f"{r['build_vs_plain']:.2f}x plain encode{est}"
        )
    else:
        encode = f"ours {r['encode_passages_per_s']:.1f} passages/s (no sentence-transformers model to compare)"
    bar = r["bar"]
    lines = [
        f"qa bench: {r['passages']:,} passages, {r['text_source']}",
        f"vectors  : {r['vectors_note']}",
        f"machine  : {m['cpu']}, {m['cores']} cores, {m['ram_gb']} GB RAM, load {m.get('load_at_start')} at start, "
        f"{m.get('load_at_end')} at end",
        f"build    : {r['build_seconds']:.1f} s = {r['build_passages_per_s']:,.1f} passages/s (encoding "
        f"{r['embed_seconds']:.1f} s, tokenizing + BM25 + FAISS {r['index_seconds']:.1f} s, writing "
        f"{r['write_seconds']:.1f} s); {r['index_mb']:,.1f} MB on disk; load {r['load_seconds']:.1f} s",
        f"dense    : {dense}",
        f"encoding : {encode}",
        f"latency  : {r['queries']} queries, top {r['top_k']}; ms          p50      p95      p99",
        _row(f"query encoding alone ({r['model']})", r, "encode", p99=False),
        _row("search in-process (hybrid)", r, "search"),
        _row("search over HTTP", r, "http"),
        f"  dense part only: {r['dense_index']} {r['dense_p50_ms']:.2f} ms p50, exact flat "
        f"{r['dense_exact_p50_ms']:.2f} ms p50 (top {r['candidates']})",
        f"recall@10: {r['recall@10']:.4f} of the {r['dense_index']} index against exact search "
        f"({r['queries']} questions, {r['recall_query_vectors']} vectors)",
        f"memory   : peak RSS {r['peak_rss_mb']:,.0f} MB (after the build {r['build_peak_rss_mb']:,.0f} MB)",
        f"bar      : recall@10 >= 0.98 {_yes(bar['recall@10>=0.98'])}; search p95 <= 3 x encode p50 "
        f"{_yes(bar['search_p95<=3*encode_p50'])} ({bar['search_p95_over_encode_p50']}x); build >= 2x plain "
        f"encode {_yes(bar['build_vs_plain>=2'])}",
    ]
    return "\n".join(lines)
