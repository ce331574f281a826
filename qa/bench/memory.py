"""Memory a server needs for an index: a fresh process loads it as `qa serve` does, answers the bench's
questions, and reports its resident memory split into private pages and file-backed (memory-mapped) pages.

`qa bench` runs it as `python -m qa.bench.memory JOB.json` once the index is built, so the build's own
memory is not counted. No model is loaded: the child replays the query vectors the bench encoded.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..embedding import Embedder
from ..settings import Settings
from .text import BenchError

STATUS_FIELDS = {"VmRSS": "rss", "RssAnon": "private", "RssFile": "mapped", "VmHWM": "peak"}


@dataclass(frozen=True)
class ServeMemory:
    rss_mb: float  # resident after loading and answering the questions
    private_mb: float  # of which this process's own pages
    mapped_mb: float  # of which file pages (the memory-mapped index), shared by processes serving one build
    peak_rss_mb: float
    private_before_load_mb: float  # interpreter and libraries alone


def memory_mb() -> dict[str, float]:
    """This process's resident memory by kind (Linux /proc), in MB."""
    out = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in STATUS_FIELDS:
            out[STATUS_FIELDS[key]] = round(int(value.split()[0]) / 1024, 1)  # kB
    return out


class Replay(Embedder):
    """Hands out the bench's query vectors in turn instead of running a model."""

    name = "replay"

    def __init__(self, vectors: np.ndarray):
        self.vectors = vectors
        self.dimension = vectors.shape[1]
        self.turn = 0

    def encode_query(self, text: str) -> np.ndarray:
        vector = self.vectors[self.turn % len(self.vectors)]
        self.turn += 1
        return vector


def serving_memory(settings: Settings, questions: list[str], vectors: np.ndarray) -> ServeMemory | None:
    """Measured in a child process; None for Milvus Lite, whose data file one process at a time may open."""
    if settings.backend != "faiss":
        return None
    with tempfile.TemporaryDirectory(prefix="qa-bench-memory-") as tmp:
        np.save(Path(tmp) / "vectors.npy", vectors)
        job = Path(tmp) / "job.json"
        job.write_text(
            json.dumps({"settings": settings.model_dump(mode="json"), "questions": questions}), encoding="utf-8"
        )
        done = subprocess.run([sys.executable, "-m", __name__, str(job)], capture_output=True, text=True)
    if done.returncode != 0:
        raise BenchError(f"measuring a server's memory failed: {done.stderr.strip().splitlines()[-1:]}")
    return ServeMemory(**json.loads(done.stdout.strip().splitlines()[-1]))


def main(job_path: str) -> None:
    from ..retrieval import Searcher
    from ..store import load_index

    job = json.loads(Path(job_path).read_text(encoding="utf-8"))
    settings = Settings(**job["settings"])
    vectors = np.load(Path(job_path).with_name("vectors.npy"))
    before = memory_mb()
    searcher = Searcher(load_index(settings.index_dir, settings), Replay(vectors), settings)
    for question in job["questions"]:
        searcher.search(question, settings.top_k)
    after = memory_mb()
    print(
        json.dumps(
            {
                "rss_mb": after["rss"],
                "private_mb": after["private"],
                "mapped_mb": after["mapped"],
                "peak_rss_mb": after["peak"],
                "private_before_load_mb": before["private"],
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1])
