"""The serving state: one loaded index + model, swapped for a newer published index without a pause."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .chat import compose_answer, resolve_query
from .crosslingual import is_english
from .embedding import Embedder
from .errors import IndexProblem
from .facets import EVERYTHING, Scope, served_search, wide_settings
from .retrieval import Result, Searcher
from .settings import Settings
from .store import current_version, load_index

log = logging.getLogger("qa.service")


# Threads of the BLAS and OpenMP pools a search uses besides the model's (numpy's and FAISS's): a question's share
# of them is small (a dot product over ~1,600 sentence vectors, one query's FAISS search), and their workers,
# spinning after each call, took the cores from the model's: a question's encoding inside a search took 40 ms at
# the median against 14.6 ms alone, 18 ms with these at one thread (sotu, 2 cores).
HELPER_THREADS = 1
# A turn of a conversation (a press conference, a debate, a hearing) read in context shorter than this many
# passages comes with the turns around it up to about this many: an answer is read with its question, an
# interjection with what it answered.
CONTEXT_PASSAGES = 9


def one_thread_beside_the_model() -> None:
    """Every BLAS and OpenMP pool loaded so far on `HELPER_THREADS`; torch's own count is set again on the model's
    thread for each question (qa/embedding.py)."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=HELPER_THREADS)


def in_context(index, row: int) -> list[int]:
    """The rows of passage `row`'s speech; in a conversation, while they are fewer than `CONTEXT_PASSAGES`, with
    the whole turns just before and after it, one each side in turn (a document's passages are consecutive rows,
    in order)."""
    passages, rows = index.passages, index.speech_rows
    document = passages[row].document
    held = rows[(document, passages[row].speech)]
    first, last = held[0], held[-1]
    while document in index.conversations and last - first + 1 < CONTEXT_PASSAGES:
        grew = False
        for neighbour in (first - 1, last + 1):
            if 0 <= neighbour < len(passages) and passages[neighbour].document == document:
                speech = rows[(document, passages[neighbour].speech)]
                first, last = min(first, speech[0]), max(last, speech[-1])
                grew = True
        if not grew:
            break
    return list(range(first, last + 1))


@dataclass(frozen=True)
class Loaded:
    """Everything a request reads, replaced as a whole so a request never sees half of two indexes."""

    searcher: Searcher
    wide: Searcher  # the same index, ranking more candidates for filtered or grouped searches
    names: list[str]
    version: str  # the build's folder, or its Milvus collection

    @property
    def label(self) -> str:
        return Path(self.version).name


class Service:
    def __init__(self, settings: Settings, embedder: Embedder | Callable[[], Embedder], many_questions: bool = True):
        """`embedder` may be a factory: the model then loads only after the index has passed its checks.
        `many_questions`: the embedder is readied for a server's stream of them (false for `qa ask`'s one)."""
        self.settings = settings
        self.embedder = embedder
        self.many_questions = many_questions
        self._swap = threading.Lock()
        self._refused: tuple[str | None, str] | None = None  # the last refusal: logged once, not retried
        self._examples: dict[tuple[str, str], tuple[str, list[str]]] = {}
        self.loaded = self._load()

    def _load(self) -> Loaded:
        index = load_index(self.settings.index_dir, self.settings)
        if not isinstance(self.embedder, Embedder):
            self.embedder = self.embedder()
        if self.many_questions:
            self.embedder.expect_many_questions()
        one_thread_beside_the_model()
        searcher = Searcher(index, self.embedder, self.settings)
        searcher.search("预热")  # jieba's dictionary and the model's first pass load now, not on a request
        wide = Searcher(index, self.embedder, wide_settings(self.settings))
        return Loaded(searcher, wide, searcher.names, index.version)

    @property
    def index(self):
        return self.loaded.searcher.index

    def reload_if_changed(self) -> bool:
        """Load the newly published index if `current` (or the Milvus alias) moved; keep serving the old one if
        it fails."""
        with self._swap:
            try:
                version = current_version(self.settings)
            except IndexProblem as exc:
                self._refuse(None, f"index unusable, keeping {self.loaded.label}: {exc}")
                return False
            if version == self.loaded.version or (self._refused and version == self._refused[0]):
                return False  # a published build never changes: a refused one stays refused until the next build
            try:
                fresh = self._load()
            except Exception as exc:  # whatever is wrong with the new index, the old one keeps serving
                name = Path(version).name
                self._refuse(version, f"refusing new index {name}, keeping {self.loaded.label}: {exc}")
                return False
            self.loaded = fresh  # requests already running finish on the old one
            log.info("serving new index %s (%d passages)", fresh.label, len(fresh.searcher.index.passages))
            return True

    def _refuse(self, folder: str | None, message: str) -> None:
        """Log why the published index is not served, once per problem rather than on every check."""
        if self._refused != (folder, message):
            self._refused = (folder, message)
            log.error("%s", message)

    def search(
        self, query: str, top_k: int, speaker: str | None = None, document: str | None = None, scope=EVERYTHING
    ) -> list[Result]:
        """The best passages; `scope` may keep only a date range, or the best one of each speaker."""
        return self._search(self.loaded, query, top_k, speaker, document, scope)

    def _search(self, loaded: Loaded, query, top_k, speaker, document, scope: Scope) -> list[Result]:
        narrowing = {"speaker": speaker, "document": document, "scope": scope, "year_boost": self.settings.year_boost}
        return served_search(loaded.searcher, loaded.wide, query, top_k, **narrowing)

    def chat(
        self, messages: list[dict], top_k: int, speaker: str | None = None, scope=EVERYTHING
    ) -> tuple[str, str, list[Result]]:
        loaded = self.loaded
        query = resolve_query(messages, loaded.names)
        results = self._search(loaded, query, top_k, speaker, None, scope) if query else []
        return query, compose_answer(results, "en" if is_english(query) else "zh"), results

    def passage(self, passage_id: str) -> tuple[Result, list] | None:
        index = self.index
        row = index.by_id.get(passage_id)
        if row is None:
            return None
        p = index.passages[row]
        result = Result(p.id, 1, 1.0, p.text, p.source(), [], p.text)
        return result, [index.passages[i] for i in in_context(index, row)]

    def examples(self, language: str) -> tuple[str, list[str]]:
        """Example questions of the served index, computed once per index and language."""
        loaded = self.loaded
        key = (loaded.version, language)
        if key not in self._examples:
            from .examples import examples

            self._examples = {k: v for k, v in self._examples.items() if k[0] == loaded.version}
            self._examples[key] = examples(loaded.searcher.index, language)
        return self._examples[key]

    def speakers(self) -> tuple[list[dict], list[dict]]:
        """One entry per (speaker, document) in first-seen order, its passages summed: a transcript gives a speaker
        one speech per turn, and a mayor with five turns in one hearing is still one entry. Role and speech title:
        the first of their turns that has one."""
        index = self.index
        merged: dict[tuple[str, str], dict] = {}
        for rows in index.speech_rows.values():
            p = index.passages[rows[0]]
            if not p.speaker:
                continue
            entry = merged.setdefault(
                (p.speaker, p.document),
                {"speaker": p.speaker, "role": None, "speech_title": None, "document": p.document, "passages": 0},
            )
            entry["passages"] += len(rows)
            entry["role"] = entry["role"] or p.role
            entry["speech_title"] = entry["speech_title"] or p.speech_title
        people = list(merged.values())
        documents = [
            {"document": d["file"], "title": d["title"], "date": d["date"]} for d in index.manifest.get("documents", [])
        ]
        return people, documents
