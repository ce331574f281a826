"""Library changes, one at a time in a background thread: apply the change, rebuild the index, serve it.

The server answers from the index it has until the new one is published and loaded (the swap `Service`
does for any new build); a job whose build fails undoes its change, so the corpus and the served index are
as they were before it. Job ids are random; the last `KEPT_JOBS` jobs can be asked about.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from .library import Change
from .settings import Settings

log = logging.getLogger("qa.jobs")

KEPT_JOBS = 200
READ_SHARE = 0.2  # of a job's progress: reading the corpus; the rest is embedding and publishing
PUBLISHED = 0.98  # progress once the index is written, before the server has loaded it


@dataclass
class Job:
    id: str
    kind: str  # "upload" or "delete"
    change: Change
    state: str = "queued"  # queued | running | done | failed
    progress: float = 0.0
    message: str = "waiting for the jobs before it"
    documents: list[str] = field(default_factory=list)
    seconds: float | None = None  # how long it ran, once it has finished (for /metrics)

    @property
    def finished(self) -> bool:
        return self.state in ("done", "failed")

    def view(self) -> dict:
        return {"job": self.id, "state": self.state, "progress": round(self.progress, 3), "message": self.message}


class NoPassages(Exception):
    """An uploaded file the reader took but found no speech in; the message is the reader's skip line."""


class IndexNotServed(Exception):
    """The build was published but the server would not load it."""


def new_job_id() -> str:
    return uuid.uuid4().hex[:16]


class JobQueue:
    """`rebuild(progress, added)` builds and publishes the index from the corpus as it is, and serves it; it
    fails if a document in `added` gives no passage."""

    def __init__(self, settings: Settings, rebuild: Callable[[Callable[[float, str], None], list[str]], str]):
        self.settings = settings
        self.rebuild = rebuild
        self.jobs: OrderedDict[str, Job] = OrderedDict()
        self._queue: queue.Queue[Job | None] = queue.Queue()
        self._lock = threading.Lock()
        self._worker: threading.Thread | None = None

    def reserved(self) -> set[str]:
        """Names uploads not yet finished will take (queued, or running and perhaps not yet renamed in)."""
        with self._lock:
            return {final.name for job in self.jobs.values() if not job.finished for _, final in job.change.moves}

    def submit(self, job_id: str, kind: str, change: Change) -> Job:
        job = Job(job_id, kind, change, documents=change.documents)
        with self._lock:
            self.jobs[job.id] = job
            # The oldest finished jobs are forgotten; one still queued or running can always be asked about.
            finished = [old for old, kept in self.jobs.items() if kept.finished]
            for old in finished[: max(len(self.jobs) - KEPT_JOBS, 0)]:
                del self.jobs[old]
            if self._worker is None:
                self._worker = threading.Thread(target=self._run_all, name="qa-library-jobs", daemon=True)
                self._worker.start()
        self._queue.put(job)
        return job

    def get(self, job_id: str) -> Job | None:
        return self.jobs.get(job_id)

    def stop(self) -> None:
        """Finish the running job; queued ones are dropped with what they staged."""
        with self._lock:
            worker, self._worker = self._worker, None
        if worker is None:
            return
        while True:
            try:
                job = self._queue.get_nowait()
            except queue.Empty:
                break
            if job is not None:
                job.change.discard()
                job.state, job.message = "failed", "the server stopped before this job ran"
        self._queue.put(None)
        worker.join()

    def _run_all(self) -> None:
        while (job := self._queue.get()) is not None:
            self._run(job)

    def _run(self, job: Job) -> None:
        job.state, job.message = "running", "updating the corpus"
        start = time.monotonic()

        def progress(share: float, message: str) -> None:
            job.progress, job.message = max(job.progress, min(share, 1.0)), message

        try:
            job.change.apply()
        except OSError as exc:
            job.change.discard()
            job.seconds = time.monotonic() - start
            job.state, job.message = "failed", f"the corpus could not be changed: {exc}"
            return
        try:
            summary = self.rebuild(progress, job.documents if job.kind == "upload" else [])
        except Exception as exc:  # whatever failed, the corpus goes back and the served index stays
            job.change.undo()
            log.warning("library job %s failed; corpus restored: %s", job.id, exc)
            job.seconds = time.monotonic() - start
            job.state, job.message = "failed", f"rebuild failed, nothing changed: {exc}"
            return
        job.change.finish()
        job.seconds = time.monotonic() - start
        job.state, job.progress, job.message = "done", 1.0, summary


def rebuild_and_serve(service, progress: Callable[[float, str], None], added: list[str]) -> str:
    """Build the index from the corpus as it is now (unchanged paragraphs keep their embeddings), publish it and
    have `service` serve it; returns a one-line summary. Raises whatever stopped it, and `NoPassages` before
    publishing if a document in `added` gives no passage (the reader skipped it)."""
    from .reader import read_speeches
    from .store import build_lock, current_version, timed_build

    settings = service.settings
    with build_lock(settings.index_dir):

        def read(done: int, total: int) -> None:
            progress(READ_SHARE * done / max(total, 1), f"reading {done}/{total} files")

        corpus = read_speeches(settings, read)
        read_files = {d.file for d in corpus.documents}
        for name in added:
            if name not in read_files:
                why = next((line for line in corpus.skipped if line.startswith(f"{name}: ")), f"{name}: no passages")
                raise NoPassages(why)
        total, seen = max(len(corpus.passages), 1), 0

        def embedded(count: int) -> None:
            nonlocal seen
            seen += count
            progress(READ_SHARE + (PUBLISHED - READ_SHARE) * seen / total, f"indexing {seen}/{total} passages")

        stats = timed_build(corpus, service.embedder, settings, settings.index_dir, embedded)
    progress(PUBLISHED, "loading the new index")
    service.reload_if_changed()
    # The watcher may have loaded it first; either way the job is done only if the server now serves it.
    if service.loaded.version != current_version(settings):
        raise IndexNotServed("the server refused the new index (its log says why) and still serves the previous one")
    return (
        f"{stats.documents} documents, {stats.passages} passages "
        f"({stats.embedded} indexed now, {stats.reused} unchanged) in {stats.seconds:.1f} s"
    )
