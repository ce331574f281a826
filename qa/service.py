"""The serving state: one loaded index + model, swapped for a newer published index without a pause."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from .chat import compose_answer, resolve_query
from .embedding import Embedder
from .retrieval import Result, Searcher
from .settings import Settings
from .store import IndexProblem, current_folder, load_index

log = logging.getLogger("qa.service")


@dataclass(frozen=True)
class Loaded:
    """Everything a request reads, replaced as a whole so a request never sees half of two indexes."""

    searcher: Searcher
    names: list[str]
    folder: Path


class Service:
    def __init__(self, settings: Settings, embedder: Embedder):
        self.settings = settings
        self.embedder = embedder
        self._swap = threading.Lock()
        self.loaded = self._load()

    def _load(self) -> Loaded:
        index = load_index(self.settings.index_dir, self.settings)
        searcher = Searcher(index, self.embedder, self.settings)
        searcher.search("预热")  # jieba's dictionary and the model's first pass load now, not on a request
        return Loaded(searcher, searcher.names, index.folder)

    @property
    def index(self):
        return self.loaded.searcher.index

    def reload_if_changed(self) -> bool:
        """Load the newly published index if `current` moved; keep serving the old one if it fails."""
        with self._swap:
            try:
                folder = current_folder(self.settings.index_dir)
            except IndexProblem as exc:
                log.error("index folder unusable, keeping %s: %s", self.loaded.folder.name, exc)
                return False
            if folder == self.loaded.folder:
                return False
            try:
                fresh = self._load()
            except IndexProblem as exc:
                log.error("refusing new index %s, keeping %s: %s", folder.name, self.loaded.folder.name, exc)
                return False
            self.loaded = fresh
            log.info("serving new index %s (%d passages)", fresh.folder.name, len(fresh.searcher.index.passages))
            return True

    def search(self, query: str, top_k: int, speaker: str | None = None, document: str | None = None) -> list[Result]:
        return self.loaded.searcher.search(query, top_k, speaker, document)

    def chat(self, messages: list[dict], top_k: int, speaker: str | None = None) -> tuple[str, str, list[Result]]:
        loaded = self.loaded
        query = resolve_query(messages, loaded.names)
        results = loaded.searcher.search(query, top_k, speaker) if query else []
        return query, compose_answer(results), results

    def passage(self, passage_id: str) -> tuple[Result, list] | None:
        index = self.index
        row = index.by_id.get(passage_id)
        if row is None:
            return None
        p = index.passages[row]
        speech = [q for q in index.passages if q.document == p.document and q.speech == p.speech]
        result = Result(p.id, 1, 1.0, p.text, p.source(), [], p.text)
        return result, speech

    def speakers(self) -> tuple[list[dict], list[dict]]:
        index = self.index
        seen: dict[tuple, dict] = {}
        for p in index.passages:
            if not p.speaker:
                continue
            key = (p.document, p.speech)
            if key not in seen:
                seen[key] = {
                    "speaker": p.speaker,
                    "role": p.role,
                    "speech_title": p.speech_title,
                    "document": p.document,
                    "passages": 0,
                }
            seen[key]["passages"] += 1
        documents = [
            {"document": d["file"], "title": d["title"], "date": d["date"]} for d in index.manifest.get("documents", [])
        ]
        return list(seen.values()), documents
