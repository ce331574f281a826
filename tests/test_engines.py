"""Both engines behind one contract: the same ranking, rebuilds, hot swap and health, on FAISS and Milvus Lite.

Every Milvus test has its own data path (Milvus Lite allows one opener per path); the http:// path, which a
Milvus server uses, runs against `milvus-lite server` started here on a free port.
"""

from __future__ import annotations

import importlib.util
import inspect
import json
import logging
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import numpy as np
import pytest
from fastapi.testclient import TestClient

from qa import errors, store
from qa.api import create_app
from qa.bench.server import serving
from qa.engines import base, engine_for, milvus
from qa.reader import read_corpus
from qa.retrieval import Searcher
from qa.service import Service
from qa.store import IndexProblem, build_lock, is_up_to_date, load_index, timed_build

from .conftest import ENGINES, FAKE, REPO, SPEECHES, clean_settings, write_corpus
from .support.traffic import RELOAD_INTERVAL, STEADY, SWAP_DEADLINE, Traffic, add_paragraph, seconds_until_served, tls

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
def test_both_engines_rank_the_same(tmp_path, fake_registered, close_milvus, monkeypatch):
    """Same build, same scores: fusion reads exact dense and BM25 scores from either engine."""
    write_corpus(tmp_path / "corpus")
    monkeypatch.setattr(milvus, "META_PAGE", 2)  # the build's parts are read over several pages, as a large one's are
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
    # The embedding cache serves Milvus builds too: the new paragraph and its one unit are embedded, nothing else.
    assert (stats.embedded, fake_registered.calls) == (1, 2)
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
    assert first + milvus.META_SUFFIX not in names and first + milvus.UNITS_SUFFIX not in names


def check_imports():
    spec = importlib.util.spec_from_file_location("check_imports", REPO / "scripts" / "check_imports.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_no_import_cycle_and_the_store_names_no_engine():
    assert check_imports().problems() == []


def test_the_import_check_sees_a_lazy_cycle_and_the_store_naming_an_engine(tmp_path):
    (tmp_path / "qa" / "engines").mkdir(parents=True)
    (tmp_path / "qa" / "__init__.py").write_text("")
    (tmp_path / "qa" / "engines" / "__init__.py").write_text("")
    (tmp_path / "qa" / "store.py").write_text("def load():\n    from .engines import milvus\n")
    (tmp_path / "qa" / "engines" / "milvus.py").write_text("from ..store import load\n")
    found = check_imports().problems(tmp_path)
    assert found[0] == "import cycle: qa.engines.milvus -> qa.store -> qa.engines.milvus"
    assert "qa.store imports engine modules: qa.engines.milvus" in found[1]


@pytest.mark.parametrize("backend", BACKENDS)
def test_one_factory_picks_an_engine_that_fulfils_the_whole_contract(backend, tmp_path):
    engine = engine_for(engine_settings(tmp_path, backend))
    assert isinstance(engine, base.Engine) and engine.backend == backend
    lifecycle = {"write", "publish", "open", "version", "is_current", "close", "hosted"}
    assert lifecycle <= {name for name, _ in inspect.getmembers(type(engine), callable)}
    assert not inspect.isabstract(type(engine))


def test_errors_live_in_one_module_and_keep_their_old_names():
    from qa import embedding, evaluation, reader, settings
    from qa.bench import text

    assert store.IndexProblem is errors.IndexProblem and store.BuildLocked is errors.BuildLocked
    assert milvus.MilvusProblem is errors.MilvusProblem and issubclass(errors.MilvusProblem, errors.IndexProblem)
    assert settings.SettingsError is errors.SettingsError and reader.CorpusError is errors.CorpusError
    assert embedding.EmbeddingError is errors.EmbeddingError and evaluation.EvalFileError is errors.EvalFileError
    assert text.BenchError is errors.BenchError
    raised_for_users = [c for c in vars(errors).values() if isinstance(c, type) and issubclass(c, Exception)]
    assert all(issubclass(c, errors.QAError) for c in raised_for_users)


def test_faiss_refuses_a_folder_built_for_another_engine(built):
    folder = store.current_folder(built.index_dir)
    manifest = store.read_manifest(folder)
    (folder / store.MANIFEST).write_text(json.dumps({**manifest, "backend": "milvus"}), encoding="utf-8")
    with pytest.raises(errors.IndexProblem, match=r"built for backend 'milvus'.*QA_BACKEND=milvus"):
        store.load_index(built.index_dir, built)


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
    settings = engine_settings(tmp_path, backend, reload_interval=RELOAD_INTERVAL)
    close_milvus(settings)
    build(settings, fake_registered)
    caplog.set_level(logging.INFO, logger="qa.service")
    with serving(create_app(settings, embedder=fake_registered), timeout=20) as url, Traffic(url) as traffic:
        time.sleep(STEADY)
        add_paragraph(settings, "甲乙丙")
        build(settings, fake_registered)
        assert seconds_until_served(url, "甲乙丙") < SWAP_DEADLINE
        assert httpx.get(f"{url}/api/health", verify=tls()).json() | {"built_at": None} == {
            "status": "ok",
            "model": FAKE,
            "passages": 5,
            "built_at": None,
            "backend": backend,
        }
        time.sleep(STEADY)
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
    assert len(client.list_collections()) == 4  # served + its meta and units + the half-written one
    build(settings, fake_registered)
    assert len(load_index(settings.index_dir, settings).passages) == 5
    assert len(client.list_collections()) == 6  # the new and the replaced one, each with its meta and units


def test_a_milvus_lite_file_held_elsewhere_is_one_line_without_tracebacks(tmp_path, caplog):
    """Another process's lock on the data (here: this one's, on another descriptor) is a one-line problem, and
    pymilvus/Milvus Lite/gRPC log none of their tracebacks."""
    import fcntl

    from qa.engines import lite

    settings = engine_settings(tmp_path, "milvus")
    (tmp_path / "milvus.db").mkdir()
    with (tmp_path / "milvus.db" / "LOCK").open("a") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        with pytest.raises(errors.MilvusProblem, match=r"open in another process.*qa serve.*QA_MILVUS_URI") as got:
            milvus.connect(settings)
    assert "\n" not in str(got.value)
    assert not [r for r in caplog.records if r.name.split(".")[0] in lite.QUIET_LOGGERS]


def test_a_record_of_a_gone_server_is_ignored_and_removed(tmp_path):
    from qa.engines import lite

    path = str(tmp_path / "milvus.db")
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    lite.record_path(path).write_text(json.dumps({"uri": "http://127.0.0.1:9", "pid": int(gone.stdout)}))
    assert lite._live_host(path) is None and not lite.record_path(path).exists()
    with socket.socket() as closed:  # a live process, but nothing listens on the recorded port
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    lite.record_path(path).write_text(json.dumps({"uri": f"http://127.0.0.1:{port}", "pid": os.getppid()}))
    assert lite._live_host(path) is None


LITE_SWAP_DEADLINE = 3 * SWAP_DEADLINE  # s: the build reaches Milvus Lite through a second process's server
# `qa serve` with the fake embedder, in its own process: it holds the Milvus Lite file.
SERVE = """
from qa import embedding
from tests.conftest import FakeEmbedder
embedding.REGISTRY["fake-embedder"] = FakeEmbedder
from qa.cli import main
main()
"""


@pytest.mark.integration  # a second process serving Milvus Lite: seconds
def test_a_build_beside_qa_serve_reaches_its_milvus_lite_file_and_is_served(tmp_path, fake_registered, close_milvus):
    """The file lock lets one process open the data; `qa serve` shares it, so a build on the same machine goes
    through the server and the new collection is served with no failed request."""
    from qa.engines import lite

    write_corpus(tmp_path / "corpus")
    settings = engine_settings(tmp_path, "milvus")
    close_milvus(settings)
    build(settings, fake_registered)
    milvus.disconnect(settings)  # the server process opens it now
    env = {k: v for k, v in os.environ.items() if not k.startswith("QA_")} | {
        "QA_MODEL": FAKE,
        "QA_BACKEND": "milvus",
        "QA_MILVUS_URI": settings.milvus_uri,
        "QA_INDEX_DIR": str(settings.index_dir),
        "QA_PASSAGE_TOKENS": "0",
    }
    server = subprocess.Popen(
        [sys.executable, "-c", SERVE, "serve", "--port", "0"], cwd=REPO, env=env, stderr=subprocess.PIPE, text=True
    )
    try:
        lines = []
        while not (lines and lines[-1].startswith("serving")) and (line := server.stderr.readline()):
            lines.append(line)
        assert lines and lines[-1].startswith("serving"), "".join(lines)
        url = lines[-1].split(" on ")[-1].strip()
        threading.Thread(target=server.stderr.read, daemon=True).start()  # its access log must not fill the pipe
        deadline = time.monotonic() + 30
        while not lite.record_path(lite_path := milvus.uri_of(settings)).exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        with Traffic(url) as traffic:
            add_paragraph(settings, "甲乙丙")
            build(settings, fake_registered)  # through the server: opening the file here would fail on its lock
            assert milvus.connect(settings) is not None and lite_path not in lite._opened
            assert seconds_until_served(url, "甲乙丙", limit=LITE_SWAP_DEADLINE) < LITE_SWAP_DEADLINE
        assert traffic.failures == [] and traffic.count > 0
        server.terminate()
        server.wait(timeout=30)
        assert not lite.record_path(lite_path).exists()  # a stopped server takes its record with it
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()


@pytest.mark.parametrize("uri", ["http://127.0.0.1:notaport", "http://127.0.0.1:99999", "no port at all"])
def test_a_malformed_record_is_ignored(tmp_path, uri):
    from qa.engines import lite

    path = str(tmp_path / "milvus.db")
    lite.record_path(path).write_text(json.dumps({"uri": uri, "pid": os.getppid()}))
    assert lite._live_host(path) is None


def test_another_users_record_is_neither_used_nor_removed(tmp_path, monkeypatch):
    from qa.engines import lite

    path = str(tmp_path / "milvus.db")
    with socket.socket() as listening:  # a live server on the recorded port: only the owner is wrong
        listening.bind(("127.0.0.1", 0))
        listening.listen()
        uri = f"http://127.0.0.1:{listening.getsockname()[1]}"
        lite.record_path(path).write_text(json.dumps({"uri": uri, "pid": os.getppid()}))
        assert lite._live_host(path) == uri
        monkeypatch.setattr(lite.os, "getuid", lambda: os.stat(path + lite.RECORD_SUFFIX).st_uid + 1)
        assert lite._live_host(path) is None and lite.record_path(path).exists()
