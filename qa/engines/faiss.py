"""The embedded engine: FAISS inner product over unit vectors (exact while cheap, HNSW past a threshold) and
BM25 as an in-memory sparse matrix, both in the index folder of the build."""

from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np

from ..keywords import BM25
from .base import Candidates, Engine, Filter, Query

FILE = "dense.faiss"


class DenseIndex:
    def __init__(self, index: faiss.Index, ef_search: int):
        self.index = index
        if isinstance(index, faiss.IndexHNSWFlat):
            index.hnsw.efSearch = ef_search

    @classmethod
    def build(cls, vectors: np.ndarray, ann_threshold: int, hnsw_m: int, ef_search: int) -> DenseIndex:
        dim = vectors.shape[1]
        if len(vectors) >= ann_threshold:
            index = faiss.IndexHNSWFlat(dim, hnsw_m, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = max(2 * hnsw_m, 80)
        else:
            index = faiss.IndexFlatIP(dim)
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
        return cls(index, ef_search)

    @property
    def kind(self) -> str:
        return "hnsw" if isinstance(self.index, faiss.IndexHNSWFlat) else "flat"

    @property
    def ef_construction(self) -> int | None:
        return int(self.index.hnsw.efConstruction) if self.kind == "hnsw" else None

    @property
    def size(self) -> int:
        return self.index.ntotal

    @property
    def dimension(self) -> int:
        return self.index.d

    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None):
        """Top-k (ids, scores) for one query vector; `allowed` restricts the search to those ids."""
        k = min(k, self.size)
        if k <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        params = None
        if allowed is not None:
            selector = faiss.IDSelectorBatch(np.ascontiguousarray(allowed, dtype=np.int64))
            if self.kind == "hnsw":
                params = faiss.SearchParametersHNSW(sel=selector, efSearch=self.index.hnsw.efSearch)
            else:
                params = faiss.SearchParameters(sel=selector)
        scores, ids = self.index.search(query.reshape(1, -1).astype(np.float32), k, params=params)
        keep = ids[0] >= 0
        return ids[0][keep], scores[0][keep]

    def vectors(self, ids) -> np.ndarray:
        ids = np.asarray(ids, dtype=np.int64)
        if ids.size == 0:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return self.index.reconstruct_batch(ids)

    def save(self, folder: Path) -> list[str]:
        faiss.write_index(self.index, str(folder / FILE))
        return [FILE]

    @classmethod
    def load(cls, folder: Path, ef_search: int) -> DenseIndex:
        return cls(faiss.read_index(str(folder / FILE)), ef_search)


class FaissEngine(Engine):
    """FAISS for the dense side, our BM25 matrix for the keyword side; filters are row masks."""

    backend = "faiss"

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

    def save(self, folder: Path) -> list[str]:
        return [*self.index.save(folder), *self.bm25.save(folder)]

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
