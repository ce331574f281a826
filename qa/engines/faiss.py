"""The embedded engine: FAISS inner product over unit vectors (exact while cheap, an inverted file of float16
vectors past a threshold) to find candidates, the build's float32 vectors to score them, and BM25 as a sparse
matrix; all in the build folder, memory-mapped. Publishing is the folder swap itself."""

from __future__ import annotations

import math
from pathlib import Path

import faiss
import numpy as np

from ..errors import IndexProblem
from ..keywords import BM25
from ..units import RESIDENT_UNIT_BYTES, UNIT_FILES, load_units
from . import FAISS
from .base import Build, Candidates, Engine, Filter, Index, Query, Search, Terms, Written
from .folder import (
    EMBEDDINGS,
    check_backend,
    check_files,
    check_model,
    current_folder,
    read_manifest,
    read_passages,
    read_vocabularies,
)

FILE = "dense.faiss"
# FAISS warns when k-means has fewer than 39 training points per centroid; 64 keeps training at a million
# passages under two minutes on two cores with recall@10 ≥ 0.99 (docs/BENCHMARKS.md).
MIN_POINTS_PER_LIST = 39
TRAIN_POINTS_PER_LIST = 64
TRAIN_SEED = 0


def auto_lists(n: int) -> int:
    """Inverted lists for n vectors: the power of two nearest 4·√n (FAISS's guideline is 4–16·√n; the low end
    keeps the lists long enough that a fixed number of probes covers a similar share at every size)."""
    return 1 << max(0, round(math.log2(4 * math.sqrt(max(n, 1)))))


class DenseIndex:
    """A FAISS index finds the candidates; `stored`, the build's float32 vectors (row i = passage i), scores
    them exactly, so an inverted file can hold float16 codes (half the bytes, the same recall at a million)."""

    def __init__(self, index: faiss.Index, probes: int, stored: np.ndarray | None):
        self.index = index
        self.stored = stored
        if isinstance(index, faiss.IndexIVF):
            index.nprobe = probes

    @classmethod
    def build(cls, vectors: np.ndarray, ann_threshold: int, lists: int, probes: int) -> DenseIndex:
        """Exact search below `ann_threshold` vectors, else an inverted file of `lists` lists (0: auto)."""
        n, dim = vectors.shape
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if n >= ann_threshold:
            lists = min(lists or auto_lists(n), max(1, n // MIN_POINTS_PER_LIST))
            index = faiss.index_factory(dim, f"IVF{lists},SQfp16", faiss.METRIC_INNER_PRODUCT)
            sample = min(n, lists * TRAIN_POINTS_PER_LIST)
            rows = np.sort(np.random.default_rng(TRAIN_SEED).choice(n, sample, replace=False))
            index.train(vectors[rows])
        else:
            index = faiss.IndexFlatIP(dim)
        index.add(vectors)
        return cls(index, probes, vectors)

    @property
    def kind(self) -> str:
        return "ivf" if isinstance(self.index, faiss.IndexIVF) else "flat"

    @property
    def lists(self) -> int | None:
        return int(self.index.nlist) if self.kind == "ivf" else None

    @property
    def size(self) -> int:
        return self.index.ntotal

    @property
    def dimension(self) -> int:
        return self.index.d

    @property
    def probed_rows(self) -> int:
        """Rows an inverted-file search reads on average: scanning that many exactly costs about the same."""
        return self.size * min(self.index.nprobe, self.index.nlist) // self.index.nlist

    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None):
        """Top-k (ids, scores) for one query vector; `allowed` restricts the search to those ids."""
        k = min(k, self.size if allowed is None else allowed.size)
        if k <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        query = query.reshape(1, -1).astype(np.float32)
        params = None
        if allowed is not None:
            if self.kind == "ivf" and allowed.size <= self.probed_rows:
                # A few rows (one speaker, one speech) may sit in lists the probes miss: score them all.
                return _top(np.asarray(allowed, dtype=np.int64), self.vectors(allowed) @ query[0], k)
            selector = faiss.IDSelectorBatch(np.ascontiguousarray(allowed, dtype=np.int64))
            if self.kind == "ivf":
                params = faiss.SearchParametersIVF(sel=selector, nprobe=self.index.nprobe)
            else:
                params = faiss.SearchParameters(sel=selector)
        scores, ids = self.index.search(query, k, params=params)
        keep = ids[0] >= 0
        return ids[0][keep], scores[0][keep]

    def vectors(self, ids) -> np.ndarray:
        return np.asarray(self.stored[np.asarray(ids, dtype=np.int64)], dtype=np.float32)

    def save(self, folder: Path) -> list[str]:
        faiss.write_index(self.index, str(folder / FILE))
        return [FILE]

    @classmethod
    def load(cls, folder: Path, probes: int, stored: np.ndarray) -> DenseIndex:
        # Memory-mapped: the vectors live in the page cache, shared by every server process on the machine; a
        # build folder is never modified once published, so the mapping cannot change under a reader.
        return cls(faiss.read_index(str(folder / FILE), faiss.IO_FLAG_MMAP), probes, stored)


class FaissEngine(Engine):
    backend = FAISS

    def ready(self) -> None:
        """The index folder is checked by the build lock, which creates it."""

    def write(self, build: Build, folder: Path) -> Written:
        s = self.settings
        dense = DenseIndex.build(build.vectors, s.ann_threshold, s.ivf_lists, s.ivf_probes)
        # The embeddings are served too: the search scores its candidates with them.
        files = [EMBEDDINGS, *dense.save(folder), *build.bm25.save(folder)]
        if build.units is not None:
            files += UNIT_FILES  # written by the store (they are the next build's cache too); served from here
        return Written({"dense_index": dense.kind, "ivf_lists": dense.lists}, files)

    def publish(self, written: Written) -> None:
        """Nothing beyond the folder swap: the folder holds everything this engine serves."""

    def open(self, root: Path, verify: bool = True) -> Index:
        folder = current_folder(root)
        manifest = read_manifest(folder)
        check_model(manifest, self.settings, root)
        check_backend(manifest, self.backend, root)
        try:
            check_files(folder, manifest["files"], verify)
            passages, _ = read_passages(folder)
            tokenizer, lexicon = read_vocabularies(folder)
            stored = np.load(folder / EMBEDDINGS, mmap_mode="r", allow_pickle=False)
            dense = DenseIndex.load(folder, self.settings.ivf_probes, stored)
            bm25 = BM25.load(folder)
            units = load_units(folder, RESIDENT_UNIT_BYTES) if manifest.get("units") else None
        except IndexProblem:
            raise
        except Exception as exc:
            raise IndexProblem(
                f"index in {folder} is unreadable ({type(exc).__name__}: {exc}): run `qa build`"
            ) from None
        if not (dense.size == len(dense.stored) == bm25.size == len(passages) == manifest["counts"]["passages"]) or (
            units is not None and not units.fits(len(passages))
        ):
            raise IndexProblem(f"index parts in {folder} disagree on the number of passages: run `qa build`")
        search = FaissSearch(dense, bm25, [p.speaker for p in passages], [p.document for p in passages])
        terms = Terms.from_matrix(bm25.matrix, bm25.vocab)
        return Index(manifest, passages, search, terms, tokenizer, lexicon, folder, str(folder), units)

    def version(self, root: Path) -> str:
        return str(current_folder(root))

    def is_current(self, manifest: dict) -> bool:
        return True  # the folder is the build

    def close(self) -> None:
        """Nothing is held: an opened index's files are memory-mapped and go with it."""


class FaissSearch(Search):
    """FAISS for the dense side, our BM25 matrix for the keyword side; filters are row masks."""

    backend = FaissEngine.backend

    def __init__(self, dense: DenseIndex, bm25: BM25, speakers: list[str | None], documents: list[str]):
        self.index = dense
        self.bm25 = bm25
        self._columns = {
            "speaker": np.array([s or "" for s in speakers], dtype=object),
            "document": np.array(documents, dtype=object),
        }

    # What the contract reports is the dense index's.
    size = property(lambda self: self.index.size)
    dimension = property(lambda self: self.index.dimension)
    kind = property(lambda self: self.index.kind)

    def allowed(self, where: Filter | None) -> np.ndarray | None:
        """Rows that meet `where`, or None when it lets every row through."""
        mask = None
        for name, value in where.items() if where else ():
            m = self._columns[name] == value
            mask = m if mask is None else mask & m
        return None if mask is None else np.flatnonzero(mask)

    def dense(self, vector, k, where=None):
        allowed = self.allowed(where)
        if allowed is not None and allowed.size == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        return self.index.search(vector, k, allowed)

    def candidates(self, query: Query, k: int, where: Filter | None = None) -> Candidates:
        allowed = self.allowed(where)
        if allowed is not None and allowed.size == 0:
            return Candidates.empty()
        dense_ids, _ = self.index.search(query.vector, k, allowed)
        bm = self.keyword_scores(query)
        if allowed is not None:
            keep = np.zeros(bm.shape, dtype=bool)
            keep[allowed] = True
            bm = np.where(keep, bm, 0.0)
        n = min(k, int(np.count_nonzero(bm)))
        bm_ids = np.argpartition(-bm, n - 1)[:n] if n else np.zeros(0, dtype=np.int64)
        rows = np.union1d(dense_ids, bm_ids).astype(np.int64)
        if rows.size == 0:
            return Candidates.empty()
        dense = np.asarray(self.index.vectors(rows) @ query.vector, dtype=np.float32)
        return Candidates(rows, dense, np.asarray(bm[rows], dtype=np.float32))

    def keyword_scores(self, query: Query) -> np.ndarray:
        """BM25 of every row: a sum of the query terms' columns, so no Python runs per passage."""
        if query.columns.size == 0:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self.bm25.matrix[:, query.columns] @ query.counts, dtype=np.float32).ravel()


def _top(rows: np.ndarray, scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    best = np.argpartition(-scores, k - 1)[:k] if k < len(rows) else np.arange(len(rows))
    best = best[np.argsort(-scores[best], kind="stable")]
    return rows[best], scores[best].astype(np.float32)
