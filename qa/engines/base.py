"""The contract every engine implements (in the spirit of txtai's ann/base.py), and the data that crosses it.

An `Engine` owns its whole lifecycle: it writes a `Build` (what `qa.store` computed in memory: unit vectors and
BM25 term weights, one row per passage), publishes it, opens the published build again as an `Index`, and says
which build is published. `qa.engines.engine_for` picks one from `settings.backend`; nothing else names one.

An opened build answers through a `Search`: one question per query, which rows are candidates and what are their
dense and keyword scores. Everything that decides the final order (fusion, speaker boost, highlights, best
sentence) lives in `qa.retrieval` and is the same for every engine, so two engines given the same build rank the
same passages the same way.

Scores a `Search` returns are exact and engine-independent: the inner product of the stored vector with the
query vector, and the BM25 score computed from *our* term weights (not an engine's own analyzer, whose scores
differ in sign and scale between engines and under filters). Only which rows become candidates may depend
on the engine's index (exact, or approximate: FAISS IVF, Milvus HNSW).
"""

from __future__ import annotations

import contextlib
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

import numpy as np
from scipy import sparse

from ..keywords import BM25, Tokenizer
from ..reader import Passage
from ..reader.model import conversations
from ..settings import Settings
from ..units import Units


@dataclass(frozen=True)
class Filter:
    """Scalar conditions a candidate must meet; None means any."""

    speaker: str | None = None
    document: str | None = None

    def __bool__(self) -> bool:
        return bool(self.speaker or self.document)

    def items(self) -> list[tuple[str, str]]:
        return [(name, value) for name, value in (("speaker", self.speaker), ("document", self.document)) if value]


@dataclass(frozen=True)
class Query:
    """One question as engines see it: its unit vector and its BM25 terms (vocabulary columns and counts)."""

    vector: np.ndarray
    columns: np.ndarray  # int64 vocabulary columns of the query's known terms
    counts: np.ndarray  # float32 how often each occurs in the question


@dataclass(frozen=True)
class Candidates:
    """Rows worth fusing with both of their scores; `keyword` is 0 where no query term occurs."""

    rows: np.ndarray  # int64, ascending
    dense: np.ndarray  # float32 inner product with the query vector
    keyword: np.ndarray  # float32 BM25 score

    @classmethod
    def empty(cls) -> Candidates:
        return cls(np.zeros(0, np.int64), np.zeros(0, np.float32), np.zeros(0, np.float32))


class Terms:
    """The BM25 vocabulary a query is mapped through, with each term's largest weight in any passage.

    Engine-independent and small (one entry per distinct term), so every serving process holds it in memory
    while the per-passage weights live in the engine.
    """

    def __init__(self, vocab: dict[str, int], max_weights: np.ndarray):
        self.vocab = vocab
        self.max_weights = max_weights

    @classmethod
    def from_matrix(cls, matrix: sparse.csc_matrix, vocab: dict[str, int]) -> Terms:
        weights = matrix.max(axis=0).toarray().ravel() if matrix.shape[0] else np.zeros(matrix.shape[1])
        return cls(vocab, np.asarray(weights, dtype=np.float32))

    def query(self, tokens: list[str]) -> tuple[np.ndarray, np.ndarray]:
        counts = Counter(t for t in tokens if t in self.vocab)
        return (
            np.asarray([self.vocab[t] for t in counts], dtype=np.int64),
            np.asarray(list(counts.values()), dtype=np.float32),
        )

    def max_weight(self, term: str) -> float:
        """Largest BM25 weight of the term in any passage: a cheap proxy for how telling it is."""
        j = self.vocab.get(term)
        return 0.0 if j is None else float(self.max_weights[j])


class Search(ABC):
    """Candidate generation over one opened build; read-only and safe to share between threads."""

    backend: ClassVar[str]  # "faiss" or "milvus": what /api/health and `qa bench` report

    @property
    @abstractmethod
    def size(self) -> int:
        """Passages (rows) in the build."""

    @property
    @abstractmethod
    def dimension(self) -> int:
        """Length of the stored vectors."""

    @property
    @abstractmethod
    def kind(self) -> str:
        """The dense index in use: "flat" (exact), "ivf" (FAISS) or "hnsw" (Milvus)."""

    @abstractmethod
    def dense(self, vector: np.ndarray, k: int, where: Filter | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Top-k (rows, inner products) by the dense index alone."""

    @abstractmethod
    def candidates(self, query: Query, k: int, where: Filter | None = None) -> Candidates:
        """The union of the top-k dense rows and the top-k keyword rows under `where`, each with both scores."""


@dataclass
class Build:
    """What a build computed, in memory, before an engine writes it."""

    settings: Settings
    manifest: dict
    passages: list[Passage]
    keys: list[str]
    vectors: np.ndarray  # float32 unit vectors, one row per passage
    bm25: BM25
    tokenizer: Tokenizer
    lexicon: dict[str, list[str]]
    units: Units | None = None  # the passages' sentences, each with its vector


@dataclass(frozen=True)
class Written:
    """What `Engine.write` stored: the manifest's "engine" section and the build-folder files a server reads."""

    section: dict
    files: list[str]


@dataclass
class Index:
    """A published build as a serving process reads it: passages and vocabularies in memory, search in `engine`."""

    manifest: dict
    passages: list[Passage]
    engine: Search
    terms: Terms
    tokenizer: Tokenizer
    lexicon: dict[str, list[str]] = field(default_factory=dict)
    folder: Path | None = None
    version: str = ""  # what changes when a new build is published: the folder, or the Milvus collection
    units: Units | None = None  # None: an index whose engine keeps no units; passages are matched whole
    by_id: dict[str, int] = field(init=False, repr=False)
    speech_rows: dict[tuple[str, int], list[int]] = field(init=False, repr=False)  # (document, speech) -> rows
    conversations: set[str] = field(init=False, repr=False)  # documents where someone speaks more than once

    def __post_init__(self):
        self.by_id = {p.id: i for i, p in enumerate(self.passages)}
        self.speech_rows = {}
        for i, p in enumerate(self.passages):
            self.speech_rows.setdefault((p.document, p.speech), []).append(i)
        self.conversations = conversations(self.passages)

    @property
    def model(self) -> str:
        return self.manifest["model"]

    @property
    def backend(self) -> str:
        return self.engine.backend


class Engine(ABC):
    """One engine's whole lifecycle for one `Settings`: write a build, publish it, open it, check it.

    `qa.store` calls, for a build: `ready` before any work, `write` (the build folder is complete but not yet
    published), `publish`, then swaps the folder in; for serving: `open` and, to notice a new build, `version`.
    Every failure is one `IndexProblem` naming the fix.
    """

    backend: ClassVar[str]

    def __init__(self, settings: Settings):
        self.settings = settings

    @abstractmethod
    def ready(self) -> None:
        """Raise the `IndexProblem` a write would, before a build spends minutes embedding: the engine is
        reachable and can take a build."""

    @abstractmethod
    def write(self, build: Build, folder: Path) -> Written:
        """Store the build's search data, in `folder` (the unpublished build folder) or in the engine."""

    @abstractmethod
    def publish(self, written: Written) -> None:
        """Make the written build the one `open` finds next; called after `folder` is complete, just before it
        is swapped in. A failure leaves the served build as it was."""

    @abstractmethod
    def open(self, root: Path, verify: bool = True) -> Index:
        """The published build, checked (counts, checksums when `verify`, model) and ready to search."""

    @abstractmethod
    def version(self, root: Path) -> str:
        """What names the published build (it changes with each publish); cheap, polled by servers."""

    @abstractmethod
    def is_current(self, manifest: dict) -> bool:
        """Whether the build a published folder's manifest records is still the one `open` serves."""

    @abstractmethod
    def close(self) -> None:
        """Let go of what this process opened for these settings (an opened `Index` may stop working)."""

    @contextlib.contextmanager
    def hosted(self) -> Iterator[None]:
        """While inside, other processes on this machine reach what this process holds open (a server wraps
        its lifetime in it); for most engines there is nothing to share."""
        yield


def union_scores(
    rows: np.ndarray, vectors: np.ndarray, weights: sparse.csr_matrix, query: Query
) -> tuple[np.ndarray, np.ndarray]:
    """Exact dense and BM25 scores of `rows` from their stored vectors and term weights (one per row)."""
    dense = np.asarray(vectors @ query.vector, dtype=np.float32).reshape(len(rows))
    if query.columns.size == 0 or weights.shape[0] == 0:
        return dense, np.zeros(len(rows), dtype=np.float32)
    keyword = np.asarray(weights[:, query.columns] @ query.counts, dtype=np.float32).ravel()
    return dense, keyword
