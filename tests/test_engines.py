"""Both engines behind one contract: the same ranking, rebuilds, hot swap and health, on FAISS and Milvus Lite.

Every Milvus test has its own data path (Milvus Lite allows one opener per path); the http:// path, which a
Milvus server uses, runs against `milvus-lite server` started here on a free port.
"""

from __future__ import annotations

import logging
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import numpy as np
import pytest
from fastapi.testclient import TestClient

from qa.api import create_app
from qa.bench.server import serving
from qa.engines import milvus
from qa.reader import read_corpus
from qa.retrieval import Searcher
from qa.service import Service
from qa.store import IndexProblem, build_lock, is_up_to_date, load_index, timed_build

from .conftest import ENGINES, FAKE, SPEECHES, clean_settings, write_corpus
from .support.traffic import Traffic, add_paragraph, seconds_until_served

BACKENDS = ["faiss", "milvus"]
QUERIES = ["西山县 农业产业园", "东湖区建设什么？", "湿地公园", "李书记说了什么", "乡村振兴", "没有的词"]


def engine_settings(root, backend: str, **fields):
    fields = {
        "corpus_dir": root / "corpus",
        "index_dir": root / "index",
        "milvus_uri": str(root / "milvus.db"),
    } | fields
    return clean_settings(model=FAKE, backend=backend, **fields)


def build(settings, embedder):
    with build_lock(settings.index_dir):
        return timed_build(read_corpus(settings.corpus_dir), embedder, settings, settings.index_dir)


@pytest.fixture
def close_milvus():
    """Closes each Milvus Lite path a test opened, so its lock and server thread go with the test."""
    opened = []
    yield opened.append
    for settings in opened:
        milvus.disconnect(settings)


@pytest.fixture(params=ENGINES)
def backend_index(request, tmp_path, fake_registered, close_milvus):
    """The small corpus built for one engine; returns its settings."""
    write_corpus(tmp_path / "corpus")
    settings = engine_settings(tmp_path, request.param)
    close_milvus(settings)
    build(settings, fake_registered)
    return settings


def ranked(settings, embedder, **filters):
    searcher = Searcher(load_index(settings.index_dir, settings), embedder, settings)
    return {q: [(r.id, round(r.score, 5), r.best_sentence) for r in searcher.search(q, 4, **filters)] for q in QUERIES}


@pytest.mark.integration  # a Milvus Lite build: seconds
def test_both_engines_rank_the_same(tmp_path, fake_registered, close_milvus):
    """Same build, same scores: fusion reads exact dense and BM25 scores from either engine."""
    write_corpus(tmp_path / "corpus")
    out = {}
    for backend in BACKENDS:
        settings = engine_settings(tmp_path, backend, index_dir=tmp_path / backend)
        close_milvus(settings)
        build(settings, fake_registered)
        out[backend] = [
            ranked(settings, fake_registered),
            ranked(settings, fake_registered, speaker="王芳"),
            ranked(settings, fake_registered, speaker="李明", document="city-2021-01-05-speeches.txt"),
            ranked(settings, fake_registered, speaker='no "such" \\ one'),
        ]
    assert out["faiss"] == out["milvus"]
    unfiltered, wang, li, nobody = out["milvus"]
    assert unfiltered["西山县 农业产业园"][0][0] and all(not v for v in nobody.values())
    assert all(r[0] for rows in wang.values() for r in rows) and li["湿地公园"]


def test_health_and_search_say_the_backend(backend_index, fake_registered):
    with TestClient(create_app(backend_index, embedder=fake_registered)) as client:
        health = client.get("/api/health").json()
        assert health["backend"] == backend_index.backend and health["passages"] == 4
        top = client.post("/api/search", json={"query": "西山县 农业产业园", "top_k": 2}).json()["results"][0]
        assert top["source"]["speaker"] == "王芳"
        assert client.get(f"/api/passages/{top['id']}").status_code == 200
        assert {s["speaker"] for s in client.get("/api/speakers").json()["speakers"]} == {"李明", "王芳"}
        only = client.post("/api/search", json={"query": "建设 公园", "top_k": 5, "speaker": "李明"}).json()["results"]
        assert only and {r["source"]["speaker"] for r in only} == {"李明"}
        chat = client.post("/api/chat", json={"messages": [{"role": "user", "content": "西山县建设什么？"}]}).json()
        assert "王芳" in chat["answer"] and chat["passages"]


@pytest.mark.integration  # three Milvus Lite builds: ~5 s
def test_milvus_rebuild_reuses_switches_and_forgets(tmp_path, fake_registered, close_milvus):
    write_corpus(tmp_path / "corpus")
    settings = engine_settings(tmp_path, "milvus")
    close_milvus(settings)
    build(settings, fake_registered)
    first = milvus.current_collection(settings)
    corpus = read_corpus(settings.corpus_dir)
    assert is_up_to_date(settings.index_dir, corpus.fingerprint, settings)  # unchanged corpus: same collection

    without_wang = SPEECHES[: SPEECHES.index("西山县委书记")]
    write_corpus(settings.corpus_dir, without_wang + "\n东湖区还将建设五个口袋公园。\n")
    fake_registered.calls = 0
    stats = build(settings, fake_registered)
    assert (stats.embedded, fake_registered.calls) == (1, 1)  # the embedding cache serves Milvus builds too
    second = milvus.current_collection(settings)
    assert second != first
    index = load_index(settings.index_dir, settings)
    assert {p.speaker for p in index.passages} == {None, "李明"}  # the removed speech is gone from the served index
    results = Searcher(index, fake_registered, settings).search("西山县 农业产业园", 5)
    assert all(r.source["speaker"] != "王芳" for r in results)

    build(settings.model_copy(update={"bm25_b": 0.6}), fake_registered)
    names = set(milvus.connect(settings).list_collections())
    third = milvus.current_collection(settings)
    assert {second, third} <= names and first not in names  # the replaced one stays, older ones go
    assert first + milvus.META_SUFFIX not in names


def test_milvus_without_a_build_says_run_qa_build(tmp_path, close_milvus):
    settings = engine_settings(tmp_path, "milvus")
    close_milvus(settings)
    with pytest.raises(IndexProblem, match="qa build"):
        load_index(settings.index_dir, settings)


def test_milvus_local_path_must_be_a_db_file(tmp_path):
    settings = engine_settings(tmp_path, "milvus", milvus_uri=str(tmp_path / "folder"))
    with pytest.raises(milvus.MilvusProblem, match=r"\.db"):
        milvus.uri_of(settings)


def test_filter_values_are_quoted():
    assert milvus.expression(None) == ""
    assert milvus.quoted('a"b\\c') == '"a\\"b\\\\c"'


@pytest.mark.parametrize("backend", ["faiss", pytest.param("milvus", marks=pytest.mark.integration)])
def test_new_index_is_served_without_failing_a_request(backend, tmp_path, fake_registered, close_milvus, caplog):
    """A build for either engine, under traffic, is served within 5 s and fails no request."""
    write_corpus(tmp_path / "corpus")
    settings = engine_settings(tmp_path, backend, reload_interval=0.2)
    close_milvus(settings)
    build(settings, fake_registered)
    caplog.set_level(logging.INFO, logger="qa.service")
    with serving(create_app(settings, embedder=fake_registered), timeout=20) as url, Traffic(url) as traffic:
        time.sleep(0.3)
        add_paragraph(settings, "甲乙丙")
        build(settings, fake_registered)
        assert seconds_until_served(url, "甲乙丙") < 5.0
        assert httpx.get(f"{url}/api/health").json() | {"built_at": None} == {
            "status": "ok",
            "model": FAKE,
            "passages": 5,
            "built_at": None,
            "backend": backend,
        }
        time.sleep(0.3)
    assert traffic.failures == [] and traffic.count > 10
    assert sum("serving new index" in r.getMessage() for r in caplog.records) == 1


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def milvus_server(tmp_path):
    """`milvus-lite server` on a free localhost port: the gRPC API a Milvus cluster serves."""
    milvus_lite = shutil.which("milvus-lite", path=str(Path(sys.executable).parent))
    port = free_port()
    proc = subprocess.Popen(
        [milvus_lite, "server", "--data-dir", str(tmp_path / "server"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                break
        if proc.poll() is not None:
            pytest.fail(f"milvus-lite server exited: {proc.stderr.read().decode()[-500:]}")
        time.sleep(0.1)
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(timeout=10)


@pytest.mark.integration  # a server process and two builds: ~4 s
def test_http_path_two_services_see_one_rebuild(tmp_path, milvus_server, fake_registered, close_milvus):
    """Over http:// as with a Milvus server: two serving processes' worth of state, one build seen by both."""
    write_corpus(tmp_path / "corpus")
    settings = engine_settings(tmp_path, "milvus", milvus_uri=milvus_server)
    close_milvus(settings)
    build(settings, fake_registered)
    services = [Service(settings, fake_registered) for _ in range(2)]
    assert all(s.index.backend == "milvus" and len(s.index.passages) == 4 for s in services)
    add_paragraph(settings, "甲乙丙")
    build(settings, fake_registered)
    for s in services:
        assert s.reload_if_changed() and len(s.index.passages) == 5
        assert "甲乙丙" in s.search("甲乙丙示范园", 1)[0].text
    other = np.asarray([r.score for r in services[0].search("西山县 农业产业园", 3)])
    assert np.allclose(other, [r.score for r in services[1].search("西山县 农业产业园", 3)])


@pytest.mark.integration  # two Milvus Lite builds
def test_failed_milvus_build_leaves_the_served_collection_whole(tmp_path, fake_registered, close_milvus, monkeypatch):
    """A build that dies while writing (here: Milvus stops accepting rows) never moves the alias; the next
    build drops what it left."""
    write_corpus(tmp_path / "corpus")
    settings = engine_settings(tmp_path, "milvus")
    close_milvus(settings)
    build(settings, fake_registered)
    served = milvus.current_collection(settings)
    client = milvus.connect(settings)

    def lost(*args, **kwargs):
        raise ConnectionError("Milvus went away")

    monkeypatch.setattr(client, "insert", lost)
    add_paragraph(settings, "甲乙丙")
    with pytest.raises(IndexProblem, match=r"Milvus went away.*unchanged.*qa build"):
        build(settings, fake_registered)
    monkeypatch.undo()
    assert milvus.current_collection(settings) == served
    assert len(load_index(settings.index_dir, settings).passages) == 4
    assert len(client.list_collections()) == 3  # served + its meta + the half-written one
    build(settings, fake_registered)
    assert len(load_index(settings.index_dir, settings).passages) == 5
    assert len(client.list_collections()) == 4  # the new and the replaced one, each with its meta
