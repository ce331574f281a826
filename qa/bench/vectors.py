"""Passage vectors for the bench: the model's, composed from the model's vectors of sentences, or a projection.

Past `MODEL_VECTOR_LIMIT` passages the model would need hours, so passage vectors are *composed*: every distinct
sentence is encoded once by the model and a passage's vector is the length-weighted mean of its sentences'
vectors, so the index holds vectors of the model's own geometry and recall@10 is measured with the model's query
vectors. `projection` (seeded Gaussian projection of character bigrams, no model at all) is there for pure index
cost; its near-isotropic vectors are a much harder case for HNSW than any model's.
"""

from __future__ import annotations

import time

import numpy as np

from ..embedding import Embedder
from .text import BenchError, Synthetic, TextSource

MODEL_VECTOR_LIMIT = 20_000  # `auto` embeds up to this many passages with the model, composes past it
VECTOR_CHOICES = ("auto", "model", "composed", "projection")
PROJECTION_BUCKETS = 1 << 16
PROJECTION_CHUNK = 4096
COMPOSE_CHUNK = 65_536


def choose_vectors(vectors: str, passages: int) -> str:
    if vectors not in VECTOR_CHOICES:
        raise BenchError(f"vectors must be one of {', '.join(VECTOR_CHOICES)}")
    if vectors == "auto":
        return "model" if passages <= MODEL_VECTOR_LIMIT else "composed"
    return vectors


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
    """Passage and unit vectors in the model's own space without running the model on every text: each distinct
    sentence and speech header the passages use is encoded once by the model, and a passage's vector is the
    length-weighted sum of its sentences' and its header's vectors, normalised. A sentence unit (`qa.units`) is
    composed the same way from the sentences it spans (by the characters it holds of each) and its passage's
    header, as a unit is embedded with its passage's context. Only for the passages of one `Synthetic`: all of
    them in order, then their units in passage order, in as many calls as the build makes."""

    name = "composed"

    def __init__(self, inner: Embedder, source: TextSource, synthetic: Synthetic):
        self.inner = inner
        self.dimension = inner.dimension
        self.precision = inner.precision
        self.units = source.sentences + [header_text(h) for h in source.headers]
        self.lengths = np.asarray([len(t) for t in self.units], dtype=np.int64)
        self.weights = self.lengths.astype(np.float32)
        self.synthetic = synthetic
        self.location = (
            f"composed: length-weighted mean of {inner.name} vectors of each passage's sentences and speech header"
        )
        self.encoded_units = 0
        self.table: np.ndarray | None = None  # the model's vector of every sentence and header used
        self.next_passage = 0  # whose units the next call of sentence units begins with

    def _table(self, batch_size: int) -> np.ndarray:
        if self.table is None:
            used = np.unique(self.synthetic.units)
            self.table = np.zeros((len(self.units), self.dimension), dtype=np.float32)
            self.table[used] = self.inner.encode([self.units[u] for u in used], batch_size)
            self.encoded_units = len(used)
        return self.table

    def _mix(self, rows: np.ndarray, cols: np.ndarray, weights: np.ndarray, count: int, batch_size: int):
        from scipy import sparse

        mix = sparse.csr_matrix((weights, (rows, cols)), shape=(count, len(self.units)))
        block = np.asarray(mix @ self._table(batch_size), dtype=np.float32)
        norms = np.linalg.norm(block, axis=1, keepdims=True)
        np.divide(block, norms, out=block, where=norms > 0)
        return block

    def _are_passages(self, texts) -> bool:
        n, passages = len(self.synthetic.offsets) - 1, self.synthetic.corpus.passages
        return len(texts) == n and all(texts[i].endswith(passages[i].text) for i in (0, n // 2, n - 1))

    def encode(self, texts, batch_size=32, progress=None):
        if self.table is None or self._are_passages(texts):
            if not self._are_passages(texts):
                raise BenchError("composed vectors exist only for the generated passages, all of them, in order")
            return self._passages(batch_size, progress)
        return self._sentence_units(texts, batch_size, progress)

    def _passages(self, batch_size, progress):
        units, offsets = self.synthetic.units, self.synthetic.offsets
        n = len(offsets) - 1
        out = np.empty((n, self.dimension), dtype=np.float32)
        for start in range(0, n, COMPOSE_CHUNK):
            stop = min(n, start + COMPOSE_CHUNK)
            cols = units[offsets[start] : offsets[stop]]
            rows = np.repeat(np.arange(stop - start), np.diff(offsets[start : stop + 1]))
            out[start:stop] = self._mix(rows, cols, self.weights[cols], stop - start, batch_size)
            if progress:
                progress(stop - start)
        return out

    def _sentence_units(self, texts, batch_size, progress):
        """The next `len(texts)` sentence units, which must be the units of the next passages, whole."""
        from ..units import unit_spans, unit_text

        passages, units, offsets = self.synthetic.corpus.passages, self.synthetic.units, self.synthetic.offsets
        first, spans, owner = self.next_passage, [], []
        i = first
        while len(spans) < len(texts) and i < len(passages):
            own = unit_spans(passages[i].text, passages[i].language)
            spans.extend(own)
            owner.extend([i - first] * len(own))
            i += 1
        expected = (unit_text(passages[first + owner[k]], spans[k]) for k in (0, -1))
        if len(spans) != len(texts) or any(texts[k] != e for k, e in zip((0, -1), expected, strict=True)):
            raise BenchError("composed unit vectors exist only for the generated passages' units, in passage order")
        self.next_passage = i
        # Everything in one coordinate: the chunk's passages laid end to end, each exactly its sentences.
        heads = units[offsets[first:i]]
        sentences = np.concatenate([units[offsets[j] + 1 : offsets[j + 1]] for j in range(first, i)])
        sentence_end = np.cumsum(self.lengths[sentences])
        sentence_start = sentence_end - self.lengths[sentences]
        base = np.concatenate([[0], np.cumsum([len(passages[j].text) for j in range(first, i)])])
        owner = np.asarray(owner, dtype=np.int64)
        at = np.asarray(spans, dtype=np.int64).reshape(-1, 2) + base[owner][:, None]
        lo = np.searchsorted(sentence_end, at[:, 0], side="right")  # the first sentence ending inside the unit
        hi = np.searchsorted(sentence_start, at[:, 1], side="left")  # past the last one starting inside it
        count = np.maximum(hi - lo, 0)
        unit_of = np.repeat(np.arange(len(texts)), count)
        sentence = lo[unit_of] + np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
        held = np.minimum(at[unit_of, 1], sentence_end[sentence]) - np.maximum(at[unit_of, 0], sentence_start[sentence])
        rows = np.concatenate([unit_of, np.arange(len(texts))])
        cols = np.concatenate([sentences[sentence], heads[owner]])
        weights = np.concatenate([held.astype(np.float32), self.weights[heads[owner]]])
        out = self._mix(rows, cols, weights, len(texts), batch_size)
        if progress:
            progress(len(texts))
        return out


class TimedEmbedder(Embedder):
    """Wraps an embedder and adds up the seconds spent encoding (the rest of a build is indexing)."""

    def __init__(self, inner: Embedder):
        self.inner = inner
        self.name = inner.name
        self.dimension = inner.dimension
        self.location = inner.location
        self.precision = inner.precision
        self.seconds = 0.0

    def encode(self, texts, batch_size=32, progress=None):
        start = time.perf_counter()
        try:
            return self.inner.encode(texts, batch_size, progress)
        finally:
            self.seconds += time.perf_counter() - start
