"""Dense side of the index: FAISS inner product over unit vectors, exact while cheap, HNSW past a threshold."""

from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np

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

    def all_vectors(self) -> np.ndarray:
        return self.index.reconstruct_n(0, self.size) if self.size else np.zeros((0, self.dimension), np.float32)

    def save(self, folder: Path) -> list[str]:
        faiss.write_index(self.index, str(folder / FILE))
        return [FILE]

    @classmethod
    def load(cls, folder: Path, ef_search: int) -> DenseIndex:
        return cls(faiss.read_index(str(folder / FILE)), ef_search)
