"""`qa bench` with the fake embedder and a few hundred passages: what it reports, not how fast it is."""

import contextlib
import dataclasses
import http.client
import io
import json
import socket
import subprocess
import sys
import time
import types
import typing

import numpy as np
import pytest
from click.testing import CliRunner

from qa.bench.measure import Latency, bare_encoder, compare_encoders, percentile, recall_at_k
from qa.bench.report import format_report
from qa.bench.run import (
    ENCODE_SAMPLE,
    FLAT_PARTS,
    MIN_PASSAGES,
    BenchResult,
    load_as_served,
    make_workload,
    measure_build,
    measure_recall,
    post_search,
    question_vectors,
    run_bench,
    scratch_settings,
)
from qa.bench.text import BenchError, load_text_source, make_corpus
from qa.bench.vectors import ComposedEmbedder, ProjectionEmbedder, choose_vectors
from qa.cli import cli
from qa.settings import load_settings
from qa.textrules import CLOSERS, FULL_STOPS
from qa.units import build_units

from .conftest import DIM, FAKE


@pytest.fixture(scope="module")
def source():
    return load_text_source()


@pytest.fixture
def memory_probe_in_this_process(monkeypatch):
    """`qa bench`'s memory probe (`python -m qa.bench.memory JOB`) run in this process: the job as written, the
    index loaded as served, each question searched, the JSON it prints read back; only the fresh process is
    left out (1.3 s: the interpreter, the libraries, jieba's dictionary), and its memory figures are this
    process's. test_run_bench_small_index_with_an_inverted_file runs the real process and checks its figures."""
    from qa.bench import memory

    calls = []

    def run(command, **kwargs):
        assert command[:3] == [sys.executable, "-m", memory.__name__] and kwargs == {
            "capture_output": True,
            "text": True,
        }
        calls.append(command)
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            memory.main(command[3])
        return subprocess.CompletedProcess(command, 0, out.getvalue(), "")

    monkeypatch.setattr(memory, "subprocess", types.SimpleNamespace(run=run))
    return calls


def test_text_source_is_real_text_cut_into_sentences(source):
    assert len(source.sentences) > 10_000 and len(source.groups) > 1_000
    assert all("。" not in s.rstrip(FULL_STOPS + "；;" + CLOSERS) for s in source.sentences)  # one sentence each
    assert source.groups[0][0] == 0 and source.groups[-1][1] == len(source.sentences)
    assert min(source.lengths) >= 50 and max(source.lengths) <= 500
    assert source.headers and all(speaker for _, speaker, _ in source.headers)
    assert source.eval_questions > 50 and len(source.questions) > 3_000


def test_corpus_is_seeded_distinct_and_of_seed_paragraph_lengths(source):
    a, b = make_corpus(400, source, seed=3), make_corpus(400, source, seed=3)
    texts = [p.text for p in a.corpus.passages]
    assert texts == [p.text for p in b.corpus.passages]
    assert texts != [p.text for p in make_corpus(400, source, seed=4).corpus.passages]
    assert len(set(texts)) == 400 and len({p.id for p in a.corpus.passages}) == 400
    lengths = np.array([len(t) for t in texts])
    assert 150 <= np.median(lengths) <= 300 and lengths.max() <= 2 * max(source.lengths)
    assert all(p.speaker and p.speech_title for p in a.corpus.passages)
    # Each passage is exactly its units: the speech header, then sentences of the pool in order.
    for i in (0, 199, 399):
        units = a.units[a.offsets[i] : a.offsets[i + 1]]
        assert units[0] >= len(source.sentences)
        assert "".join(source.sentences[u] for u in units[1:]) == texts[i]


def test_projection_vectors_are_deterministic_unit_and_follow_wording():
    proj = ProjectionEmbedder(32, seed=1)
    texts = ["航空港实验区坚持走枢纽加开放的路子。", "航空港实验区坚持走枢纽开放路子", "登封建设小微企业园。", "x"]
    v = proj.encode(texts)
    assert v.shape == (4, 32) and v.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, rtol=1e-5)
    np.testing.assert_array_equal(v, ProjectionEmbedder(32, seed=1).encode(texts))
    assert v[0] @ v[1] > v[0] @ v[2]
    assert not np.allclose(v, ProjectionEmbedder(32, seed=2).encode(texts))


def test_composed_vectors_mix_sentence_vectors(source, fake_registered):
    synthetic = make_corpus(150, source, seed=0)
    texts = [p.indexed_text for p in synthetic.corpus.passages]
    composed = ComposedEmbedder(fake_registered, source, synthetic)
    v = composed.encode(texts)
    assert v.shape == (150, DIM) and composed.encoded_units > 0
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, rtol=1e-5)
    with pytest.raises(ValueError):
        composed.encode(texts[:10])


def test_composed_unit_vectors_mix_the_sentences_they_span_and_their_header(source, fake_registered):
    synthetic = make_corpus(150, source, seed=0)
    passages = synthetic.corpus.passages
    composed = ComposedEmbedder(fake_registered, source, synthetic)
    composed.encode([p.indexed_text for p in passages])
    units = build_units(passages, lambda i: None, lambda texts: composed.encode(texts), DIM)  # several calls
    table = composed.table
    for i in (0, 77, 149):  # by hand: each unit is its header plus the characters it holds of each sentence
        ids = synthetic.units[synthetic.offsets[i] : synthetic.offsets[i + 1]]
        ends = np.cumsum([len(source.sentences[j]) for j in ids[1:]])
        for u in range(units.starts[i], units.starts[i + 1]):
            s, e = units.span(u)
            want = len(composed.units[ids[0]]) * table[ids[0]]
            for j, end in zip(ids[1:], ends, strict=True):
                want += max(0, min(e, end) - max(s, end - len(source.sentences[j]))) * table[j]
            np.testing.assert_allclose(units.vectors[u], want / np.linalg.norm(want), atol=2e-3)  # float16
    with pytest.raises(ValueError, match="units"):
        composed.encode(["东湖区\n不是生成的句子。"])  # past the last passage: no units left to ask for


def test_recall_counts_ties_with_the_kth_best():
    exact_kth = np.array([0.5, 0.5])
    found = np.array([[0.9, 0.5, 0.1], [0.4, 0.3, 0.2]])
    assert recall_at_k(found, exact_kth, 3) == pytest.approx(2 / 6)


def test_choose_vectors():
    assert choose_vectors("auto", 1_000) == "model" and choose_vectors("auto", 100_000) == "composed"
    assert choose_vectors("projection", 1_000) == "projection"
    with pytest.raises(ValueError):
        choose_vectors("random", 1_000)


def quiet_say(message: str) -> None:
    pass


def test_composed_vectors_are_built_into_an_inverted_file_and_searched_with_model_vectors(
    tmp_path, source, fake_registered
):
    """The composed workload through the bench's own phases: build, load, recall (the whole run: below)."""
    settings = scratch_settings(load_settings(model=FAKE, ann_threshold=100), tmp_path, seed=0)
    work = make_workload(MIN_PASSAGES, settings, fake_registered, "composed", 10, 0, source, quiet_say)
    assert work.texts.vectors == "composed" and "composed" in work.texts.vectors_note and work.texts.queries == 10
    sample = [p.indexed_text for p in work.corpus.passages[:ENCODE_SAMPLE]]
    encoding = compare_encoders(fake_registered, sample, settings.batch_size)
    build = measure_build(work, fake_registered, encoding, settings, quiet_say, quiet=True)
    assert build.composed_from_sentences > 0 and build.vs_plain is None and build.vs_plain_estimated
    assert build.units >= MIN_PASSAGES and 0 < build.units_mb < build.index_mb  # units on, as `qa build` has them
    assert build.index_mb > 0 and build.passages_per_s > 0
    loaded = load_as_served(settings, fake_registered, quiet_say)
    vectors = question_vectors(work, fake_registered, settings.batch_size, seed=0)
    d = measure_recall(loaded, settings, vectors, work.texts.vectors, quiet_say)
    assert d.kind == "ivf" and d.ivf_lists == MIN_PASSAGES // 39 and d.recall_query_vectors == "model"
    assert 0.0 <= d.recall_at_10 <= 1.0


# The whole bench at its smallest: trains an inverted file and starts a child process to serve it (3.6 s, the
# fast tier's slowest test); the tests around it take each phase alone.
@pytest.mark.integration
def test_run_bench_small_index_with_an_inverted_file(tmp_path, source, fake_registered):
    vectors = "projection"  # the cheapest passage vectors; composed ones are built through the phases above
    settings = load_settings(model=FAKE, ann_threshold=100, index_dir=tmp_path / "unused")
    r = run_bench(
        MIN_PASSAGES,
        settings,
        fake_registered,
        vectors=vectors,
        queries=10,
        say=lambda m: None,
        quiet=True,
        source=source,
    )
    assert isinstance(r, BenchResult)
    latency = r.latency
    assert r.setup.passages == MIN_PASSAGES and r.texts.queries == 10
    assert latency.search.n == latency.http.n == latency.encode.n == 10
    assert r.texts.vectors == vectors and vectors in r.texts.vectors_note and "recombined" in r.texts.text_source
    d = r.dense
    assert d.kind == "ivf" and d.ivf_lists == MIN_PASSAGES // 39 and d.ivf_probes == settings.ivf_probes
    assert d.hnsw_m is None and d.hnsw_ef_search is None  # Milvus's parameters
    assert 0.0 <= d.recall_at_10 <= 1.0
    assert d.recall_query_vectors == "projection"
    assert r.encoding.plain_passages_per_s is None and r.build.vs_plain is None  # no sentence-transformers model
    assert r.peak_rss_mb > 0 and r.build.index_mb > 0 and r.build.passages_per_s > 0
    assert set(r.build.index_files_mb) >= {"manifest.json", "dense.faiss"}
    assert latency.search.p50_ms <= latency.search.p95_ms <= latency.search.p99_ms <= latency.search.max_ms
    assert not (tmp_path / "unused").exists()  # the bench builds in its own temporary folder
    m = r.serve_memory  # a child process loaded the index and answered the questions
    assert m.mapped_mb > 0 and m.private_mb >= m.private_before_load_mb > 0
    assert m.rss_mb <= m.peak_rss_mb and abs(m.rss_mb - m.private_mb - m.mapped_mb) < 1
    text = format_report(r)
    assert "recall@10" in text and vectors in text and "search over HTTP" in text and "memory-mapped" in text


def test_one_percentile_definition_numpy_linear():
    values = [1.0, 2.0, 3.0, 4.0, 10.0]
    assert percentile(values, 50) == 3.0
    assert percentile(values, 95) == pytest.approx(8.8)  # 4 + 0.8 * (10 - 4): linear between closest ranks
    assert np.isnan(percentile([], 50))
    assert Latency.of(values) == Latency(n=5, p50_ms=3.0, p95_ms=8.8, p99_ms=9.76, max_ms=10.0)


def test_cli_bench_json_with_flat_index(tmp_path, monkeypatch, memory_probe_in_this_process):
    monkeypatch.chdir(tmp_path)
    r = CliRunner().invoke(
        cli, ["bench", "--passages", str(MIN_PASSAGES), "--queries", "10", "--json"], env={"QA_MODEL": FAKE}
    )
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    parts = typing.get_type_hints(BenchResult)  # the flat parts' fields stand at the top, as in stored results
    flat = {f.name for part in FLAT_PARTS for f in dataclasses.fields(parts[part])}
    assert set(data) == (set(parts) - set(FLAT_PARTS)) | flat | {"search_p95_over_encode_p50"}
    assert {"passages", "model", "backend", "vectors", "queries", "encode", "search", "http"} <= set(data)
    assert data["dense"]["kind"] == "flat" and data["dense"]["recall_at_10"] == 1.0
    assert data["vectors"] == "model" and data["passages"] == MIN_PASSAGES
    assert set(data["http"]) == {"n", "p50_ms", "p95_ms", "p99_ms", "max_ms"}
    assert data["units"] is True and data["build"]["units"] >= MIN_PASSAGES and data["build"]["units_mb"] > 0
    assert data["encoding"]["ours_units_per_s"] > 0 and data["build"]["unit_embed_seconds"] is not None
    assert len(memory_probe_in_this_process) == 1 and data["serve_memory"]["mapped_mb"] > 0


def test_cli_bench_no_units_builds_passages_matched_whole(tmp_path, monkeypatch, memory_probe_in_this_process):
    monkeypatch.chdir(tmp_path)
    args = ["bench", "--passages", str(MIN_PASSAGES), "--queries", "3", "--no-units", "--json"]
    r = CliRunner().invoke(cli, args, env={"QA_MODEL": FAKE})
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["units"] is False and data["build"]["units"] is None and data["build"]["units_mb"] is None
    assert data["encoding"]["ours_units_per_s"] is None
    assert not any(name.startswith("unit_") for name in data["build"]["index_files_mb"])
    assert len(memory_probe_in_this_process) == 1 and data["serve_memory"] is not None


def test_http_is_timed_on_a_connection_the_server_has_not_closed(tmp_path, monkeypatch, memory_probe_in_this_process):
    """At 1,000,000 passages the encode and in-process paths took longer than the server keeps an idle connection
    (5 s), and the first timed request met a closed socket: the bench exited 1 without a word. Here the encodes
    are slowed past a 0.05 s keep-alive."""
    from qa.bench import run

    def slow(embedder):
        encode = bare_encoder(embedder)
        return lambda q: (time.sleep(0.02), encode(q))

    monkeypatch.setattr(run, "bare_encoder", slow)
    monkeypatch.chdir(tmp_path)
    args = ["bench", "--passages", str(MIN_PASSAGES), "--queries", "10", "--no-units", "--json"]
    r = CliRunner().invoke(cli, args, env={"QA_MODEL": FAKE, "QA_KEEP_ALIVE_TIMEOUT": "0.05"})
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["http"]["n"] == 10


def test_a_failed_request_to_the_bench_server_is_one_line():
    with socket.socket() as sock:  # a port that was free a moment ago: nothing listens there
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(BenchError, match=r"POST /api/search to the bench's server failed: ConnectionRefusedError"):
        post_search(http.client.HTTPConnection("127.0.0.1", port, timeout=5), "question", 5)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--passages", "50"], "--passages must be between 100 and 5,000,000"),
        (["--passages", "6000000"], "--passages must be between 100 and 5,000,000"),
        (["--passages", "many"], "--passages must be a whole number"),
        (["--queries", "0"], "--queries must be between 1 and 100,000"),
    ],
)
def test_cli_bench_bad_values_are_one_line(args, message):
    r = CliRunner().invoke(cli, ["bench", *args], env={"QA_MODEL": FAKE})
    lines = r.stderr.strip().splitlines()
    assert r.exit_code == 1 and len(lines) == 1
    assert lines[0].startswith("Error: ") and message in lines[0]


@pytest.mark.parametrize("uri", ["http://milvus:19530", "https://milvus", "tcp://milvus:19530", "grpc://milvus:19530"])
def test_a_bench_against_a_milvus_server_writes_its_own_alias_there(tmp_path, uri):
    """The one rule of what names a server (qa.engines.milvus.is_server): the bench never replaces the served
    alias, and never swaps a server for a local file."""
    settings = load_settings(model=FAKE, backend="milvus", milvus_uri=uri)
    scratch = scratch_settings(settings, tmp_path, seed=7)
    assert scratch.milvus_uri == uri and scratch.milvus_collection == "bench_7"
    assert scratch.index_dir == tmp_path / "index" and scratch.rate_limit == 0.0


def test_a_bench_with_milvus_lite_writes_a_throwaway_file(tmp_path):
    scratch = scratch_settings(load_settings(model=FAKE, backend="milvus"), tmp_path, seed=0)
    assert scratch.milvus_uri == str(tmp_path / "milvus.db") and scratch.milvus_collection == "speeches"


def test_the_unit_path_alone_is_measured_into_a_folder_and_moved_into_its_build(tmp_path):
    from qa.bench.units_scale import measure

    r = measure(MIN_PASSAGES, tmp_path)
    assert r["units"] >= MIN_PASSAGES and r["units_per_passage"] == round(r["units"] / MIN_PASSAGES, 2)
    assert abs(r["unit_files_mb"]["unit_vectors.npy"] - r["units"] * 384 * 2 / 1e6) < 0.1  # float16, 384-d
    assert not (tmp_path / "unit_vectors.npy").exists()  # moved into the build, not copied
    assert r["private_mb_peak"] >= r["private_mb_before"] > 0 and r["rss_mb_peak"] >= r["rss_mb_before"]
    assert r["best_ms"]["n"] == 250
