"""Shared fixtures: a tiny deterministic fake embedder and small corpora built on it."""

from __future__ import annotations

import functools
import gc
import hashlib
import os
from pathlib import Path

import numpy as np
import pytest

from qa import embedding
from qa.reader import read_corpus
from qa.settings import Settings, load_settings
from qa.store import build_lock, timed_build

REPO = Path(__file__).resolve().parent.parent
FAKE = "fake-embedder"
# Tests that run on each engine: Milvus Lite costs seconds a build, so its half belongs to the full suite only.
ENGINES = ["faiss", pytest.param("milvus", marks=pytest.mark.integration)]
DIM = 64
CORPUS_FILE = "city-2021-01-05-speeches.txt"  # write_corpus's file: the one tests add paragraphs to
QA_PREFIX = Settings.model_config["env_prefix"]


def drop_qa_variables(mp: pytest.MonkeyPatch) -> None:
    """Unset every QA_* variable through `mp` (restored after): tests start from the defaults, whatever the shell set."""
    for key in [k for k in os.environ if k.startswith(QA_PREFIX)]:
        mp.delenv(key)


@functools.cache  # the suite encodes the same few thousand bigrams again and again
def bigram_bucket(bigram: str) -> int:
    return int.from_bytes(hashlib.md5(bigram.encode()).digest()[:4], "little") % DIM


class FakeEmbedder(embedding.Embedder):
    """Character bigrams hashed into 64 buckets: similar wording gives similar vectors, with no model."""

    name = FAKE
    dimension = DIM

    def __init__(self):
        self.calls = 0

    def encode(self, texts, batch_size=32, progress=None):
        self.calls += len(texts)
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        for i, text in enumerate(texts):
            out[i] = np.bincount([bigram_bucket(text[j : j + 2]) for j in range(max(len(text) - 1, 1))], minlength=DIM)
            norm = np.linalg.norm(out[i])
            out[i] = out[i] / norm if norm else out[i]
        if progress:
            progress(len(texts))
        return out


def pytest_collection_finish(session):
    """What collection imported lives to the end of the run: frozen, it is left out of every later full garbage
    collection, which then scans only what the tests make (measured: gen-2 collections took 6.9 s of a run)."""
    gc.collect()
    gc.freeze()


@pytest.fixture(autouse=True)
def one_openmp_thread(request, monkeypatch):
    """The fast tier's indexes hold a few thousand vectors at most: handing them to OpenMP threads costs more than
    the work (measured on a busy machine: training an inverted file on 100 vectors, 0.3 s with 2 threads, 0.05 ms
    with one). Child processes (the CLI, the bench's memory probe) read the variable. The slow tier keeps every
    thread: the real model and its indexes are large enough to use them."""
    if request.node.get_closest_marker("integration"):
        yield
        return
    import faiss

    threads = faiss.omp_get_max_threads()
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    faiss.omp_set_num_threads(1)
    yield
    faiss.omp_set_num_threads(threads)


@pytest.fixture(autouse=True, scope="session")
def no_flush_to_disk():
    """`os.fsync`, and its twin for a memory-mapped file `np.memmap.flush` (msync), are no-ops here: they guard a
    build against power loss, which no test can observe, and the suite calls them ~1,400 and ~180 times
    (measured: 5.4 s and 1.0 s of a run on this machine's disk); the code around each call runs. The pages
    written are in the page cache either way, which is what every later read of the file sees."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(os, "fsync", lambda fd: None)
        mp.setattr(np.memmap, "flush", lambda self: None)
        yield


@pytest.fixture(autouse=True)
def fake_registered(monkeypatch):
    shared = FakeEmbedder()
    monkeypatch.setitem(embedding.REGISTRY, FAKE, lambda: shared)
    drop_qa_variables(monkeypatch)
    return shared


SPEECHES = """为某市发展贡献力量

——各区负责同志发言

1月5日下午,市委全会分组讨论,各区主要负责同志踊跃发言。

东湖区委书记李明: 建设生态新城区

过去一年,东湖区生态环境明显改善,湖泊治理取得成效。

下一步,东湖区将坚持以

生态优先为导向,打造“湖城共生”示范区,建设十个湿地公园。

西山县委书记、县长王芳：发展现代农业 促进乡村振兴

西山县将发展现代农业,建设三个农业产业园,推动乡村振兴。
"""


def write_corpus(folder: Path, text: str = SPEECHES, name: str = CORPUS_FILE) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    return folder


def clean_settings(**fields):
    """Settings from defaults and `fields` only, whatever QA_* variables the environment holds."""
    with pytest.MonkeyPatch.context() as mp:
        drop_qa_variables(mp)
        return load_settings(**fields)


def build_small_index(root: Path, embedder, **fields):
    """The small corpus under `root`, indexed with `embedder`; returns its settings (with `fields` on top)."""
    settings = clean_settings(corpus_dir=write_corpus(root / "corpus"), index_dir=root / "index", model=FAKE, **fields)
    with build_lock(settings.index_dir):
        timed_build(read_corpus(settings.corpus_dir), embedder, settings, settings.index_dir)
    return settings


@pytest.fixture(scope="session")
def shared_index(tmp_path_factory):
    """(settings, embedder) of the small corpus indexed once per run, for tests that only read it."""
    embedder = FakeEmbedder()
    return build_small_index(tmp_path_factory.mktemp("shared"), embedder), embedder


@pytest.fixture(scope="session")
def real_embedder():
    """The bundled model with the default settings, as a user gets it: loaded once a run, each list of texts
    encoded once (tests/support/real_model.py). Integration tests only."""
    from .support.real_model import RememberingEmbedder

    settings = clean_settings()
    return RememberingEmbedder(settings.model, settings.allow_download, settings.precision)


@pytest.fixture
def shared_built(shared_index):
    """The settings of `shared_index`, for tests that only read the built index (`built` builds one a test)."""
    return shared_index[0]


@pytest.fixture
def settings(tmp_path):
    corpus = write_corpus(tmp_path / "corpus")
    return load_settings(corpus_dir=corpus, index_dir=tmp_path / "index", model=FAKE)


@pytest.fixture
def built(settings, fake_registered):
    """The small corpus indexed with the fake embedder; returns the settings."""
    with build_lock(settings.index_dir):
        timed_build(read_corpus(settings.corpus_dir), fake_registered, settings, settings.index_dir)
    return settings
