"""The library API: upload (admin token), list, delete, jobs; the corpus is never left half changed."""

from __future__ import annotations

import io
import time

import pytest
from fastapi.testclient import TestClient

from qa.api import create_app

from .conftest import build_small_index, clean_settings

TOKEN = "s3cret-token"
AUTH = {"authorization": f"Bearer {TOKEN}"}
JOB_DEADLINE = 60.0  # seconds: generous, a busy machine must not fail this
JOB_POLL = 0.01  # seconds between looks at a job's state (a build of the small corpus takes ~0.05 s)
SPEECH = [
    ("title", "Harbour Renewal"),
    ("p", "Good morning. The harbour renewal programme will build three new ferry terminals by next spring."),
    ("p", "We will also plant a mangrove belt along the eastern seawall to protect homes from storm surges."),
]


def make_docx(title: str, items: list[tuple[str, str]]) -> bytes:
    """A Word file of (kind, text) items, kind "title", "heading" or "p"."""
    import docx

    document = docx.Document()
    document.core_properties.title = title
    for kind, text in items:
        if kind == "p":
            document.add_paragraph(text)
        else:
            document.add_heading(text, level=0 if kind == "title" else 1)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def library(tmp_path, fake_registered):
    settings = build_small_index(tmp_path, fake_registered, admin_token=TOKEN, reload_interval=60.0)
    with TestClient(create_app(settings, embedder=fake_registered)) as client:
        yield client, settings


@pytest.fixture(scope="module")
def unchanging_library(tmp_path_factory):
    """A writable library shared by tests that must leave it as it was."""
    from .conftest import FakeEmbedder

    embedder = FakeEmbedder()
    settings = build_small_index(tmp_path_factory.mktemp("unchanging"), embedder, admin_token=TOKEN)
    with TestClient(create_app(settings, embedder=embedder)) as client:
        yield client, settings


def corpus_files(settings) -> list[str]:
    return sorted(str(p.relative_to(settings.corpus_dir)) for p in settings.corpus_dir.rglob("*"))


def finished(client, job: str) -> dict:
    deadline = time.monotonic() + JOB_DEADLINE
    while True:
        status = client.get(f"/api/jobs/{job}").json()
        if status["state"] in ("done", "failed") or time.monotonic() > deadline:
            return status
        time.sleep(JOB_POLL)


def upload(client, name: str, raw: bytes, headers=AUTH, **meta):
    return client.post("/api/documents", files=[("file", (name, raw))], data=meta, headers=headers)


def test_docx_upload_is_indexed_listed_found_with_its_speaker_then_deleted(library):
    client, settings = library
    before = {d["document"] for d in client.get("/api/documents").json()["documents"]}
    meta = {"speaker": "Maria Santos", "role": "Mayor", "date": "2023-04-18", "title": "Harbour Renewal Plan"}
    r = upload(client, "harbour.docx", make_docx("Harbour", SPEECH), **meta)
    assert r.status_code == 202, r.text
    assert r.json()["documents"] == ["harbour.docx"]
    status = finished(client, r.json()["job"])
    assert status["state"] == "done" and status["progress"] == 1.0, status
    assert 'qa_job_duration_seconds_count{kind="upload",state="done"}' in client.get("/metrics").text

    listed = {d["document"]: d for d in client.get("/api/documents").json()["documents"]}
    assert set(listed) == before | {"harbour.docx"}
    entry = listed["harbour.docx"]
    assert entry["speakers"] == ["Maria Santos"] and entry["date"] == "2023-04-18"
    assert entry["title"] == "Harbour Renewal Plan" and entry["format"] == "docx"
    assert entry["passages"] >= 1 and entry["bytes"] > 0 and entry["added_at"]

    hits = client.post("/api/search", json={"query": "mangrove belt seawall storm surges"}).json()["results"]
    assert hits[0]["source"]["speaker"] == "Maria Santos" and hits[0]["source"]["document"] == "harbour.docx"

    r = client.delete("/api/documents/harbour.docx", headers=AUTH)
    assert r.status_code == 202
    assert finished(client, r.json()["job"])["state"] == "done"
    assert "harbour.docx" not in {d["document"] for d in client.get("/api/documents").json()["documents"]}
    hits = client.post("/api/search", json={"query": "mangrove belt seawall storm surges"}).json()["results"]
    assert all(h["source"]["document"] != "harbour.docx" for h in hits)
    assert not [f for f in corpus_files(settings) if "harbour" in f or f.startswith(".")]


def test_writes_need_the_token_and_the_setting(library, shared_index):
    client, settings = library
    raw = make_docx("Harbour", SPEECH)
    for headers in ({}, {"authorization": "Bearer wrong"}, {"authorization": TOKEN}):
        r = upload(client, "harbour.docx", raw, headers=headers)
        assert r.status_code == 401 and "admin token" in r.json()["detail"], r.text
    assert client.delete("/api/documents/city-2021-01-05-speeches.txt").status_code == 401
    # Refused before the body is read: a declared gigabyte gets the 401, not the body limit's 413.
    huge = {"content-length": str(1 << 30), "content-type": "multipart/form-data; boundary=x"}
    assert client.post("/api/documents", content=b"--x--", headers=huge).status_code == 401
    read_only, embedder = shared_index
    with TestClient(create_app(read_only, embedder=embedder)) as other:
        r = upload(other, "harbour.docx", raw)
        assert r.status_code == 403 and r.json()["detail"] == "uploads are off: set QA_ADMIN_TOKEN"
        assert other.get("/api/documents").json()["writable"] is False
    assert client.get("/api/documents").json()["writable"] is True
    assert corpus_files(settings) == ["city-2021-01-05-speeches.txt"]


@pytest.mark.parametrize(
    ("name", "raw", "status", "said"),
    [
        ("broken.docx", b"PK\x03\x04 not really a zip", 422, "broken.docx: cannot be read"),
        ("empty.txt", b"   \n\n", 422, "has no text"),
        ("numbers.txt", b"1\n\n2\n\n3\n", 422, "no paragraph of speech"),
        ("tool.exe", b"MZ\x90\x00", 415, "not a speech file"),
        ("README.md", b"# notes", 415, "named like a collection note"),
        ("notes.txt", b"A speech about ferries.", 415, "rename it"),
    ],
)
def test_a_file_the_server_cannot_read_is_refused_and_nothing_changes(unchanging_library, name, raw, status, said):
    client, settings = unchanging_library
    before_files, before_docs = corpus_files(settings), client.get("/api/documents").json()
    r = upload(client, name, raw, title="x")
    assert r.status_code == status and said in r.json()["detail"], r.text
    assert corpus_files(settings) == before_files
    assert client.get("/api/documents").json() == before_docs


def test_path_parts_in_a_name_write_nothing_outside_the_corpus(library, tmp_path):
    client, settings = library
    outside = sorted(p.name for p in tmp_path.iterdir())
    r = upload(client, "../../escape.txt", b"A speech about ferries and harbours.")
    assert r.status_code == 202 and r.json()["documents"] == ["escape.txt"]
    assert finished(client, r.json()["job"])["state"] == "done"
    assert sorted(p.name for p in tmp_path.iterdir()) == outside
    assert (settings.corpus_dir / "escape.txt").is_file()
    r = upload(client, "..\\escape.txt", b"Another speech about ferries.")
    assert r.json()["documents"] == ["escape-2.txt"]  # a clash gets a suffix, never overwrites
    finished(client, r.json()["job"])
    assert client.delete("/api/documents/..%2Findex%2Fcurrent", headers=AUTH).status_code == 404


def test_a_failed_build_leaves_corpus_and_index_as_they_were(library, monkeypatch):
    client, settings = library
    before_files, before_docs = corpus_files(settings), client.get("/api/documents").json()

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("qa.store.timed_build", broken)
    r = upload(client, "harbour.docx", make_docx("Harbour", SPEECH), speaker="Maria Santos")
    status = finished(client, r.json()["job"])
    assert status["state"] == "failed" and "disk full" in status["message"]
    r = client.delete("/api/documents/city-2021-01-05-speeches.txt", headers=AUTH)
    assert finished(client, r.json()["job"])["state"] == "failed"
    assert corpus_files(settings) == before_files
    assert client.get("/api/documents").json() == before_docs


def test_upload_size_limit_and_bad_metadata(tmp_path, fake_registered):
    settings = build_small_index(tmp_path, fake_registered, admin_token=TOKEN, upload_max_mb=1)
    with TestClient(create_app(settings, embedder=fake_registered)) as client:
        r = upload(client, "big.txt", b"a" * (2 << 20))
        assert r.status_code == 413
        r = upload(client, "ok.txt", b"A short speech.", date="2023-02-30")
        assert r.status_code == 422 and r.json()["detail"].startswith("date:")
        assert client.get("/api/jobs/nothing").status_code == 404
        assert corpus_files(settings) == ["city-2021-01-05-speeches.txt"]


def test_group_by_speaker_and_date_filters(client_dated):
    hits = client_dated.post("/api/search", json={"query": "公园 湿地 农业", "group_by": "speaker", "top_k": 5})
    speakers = [h["source"]["speaker"] for h in hits.json()["results"]]
    assert len(speakers) == len(set(speakers)) >= 2

    def documents(**dates):
        r = client_dated.post("/api/search", json={"query": "湿地公园 农业", "top_k": 20, **dates})
        assert r.status_code == 200, r.text
        return {h["source"]["date"] for h in r.json()["results"]}

    assert documents() == {"2021-01-05", "2019-03-08"}
    assert documents(date_from="2021") == {"2021-01-05"}
    assert documents(date_to="2019-12") == {"2019-03-08"}
    assert documents(date_from="2019-03-08", date_to="2019-03-08") == {"2019-03-08"}
    assert documents(date_from="2020", date_to="2020") == set()
    r = client_dated.get("/api/search", params={"q": "湿地", "date_from": "2021", "date_to": "2019"})
    assert r.status_code == 422 and "after" in r.json()["detail"]
    r = client_dated.post("/api/chat", json={"messages": [{"role": "user", "content": "湿地"}], "date_to": "2019"})
    assert {p["source"]["date"] for p in r.json()["passages"]} == {"2019-03-08"}


@pytest.fixture
def client_dated(tmp_path, fake_registered):
    older = "东湖区委书记李明: 农业观光\n\n东湖区发展农业观光，也修缮了一个湿地公园。\n"
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "east-2019-03-08.txt").write_text(older, encoding="utf-8")
    settings = build_small_index(tmp_path, fake_registered)
    with TestClient(create_app(settings, embedder=fake_registered)) as client:
        yield client


# ---------------------------------------------------------------- the real model on the seed corpus

TEN_PAGES = 10  # headings of a long speech, each with a page of text


@pytest.fixture(scope="module")
def seed_library(tmp_path_factory, real_embedder):
    """The API over a copy of the seed corpus indexed with the real model, writable with TOKEN."""
    import shutil

    from qa.reader import read_speeches
    from qa.store import build_lock, timed_build

    from .conftest import REPO, clean_settings

    root = tmp_path_factory.mktemp("seed-library")
    shutil.copytree(REPO / "corpus", root / "corpus")
    settings = clean_settings(corpus_dir=root / "corpus", index_dir=root / "index", admin_token=TOKEN)
    with build_lock(settings.index_dir):
        timed_build(read_speeches(settings), real_embedder, settings, settings.index_dir)
    with TestClient(create_app(settings, embedder=real_embedder)) as client:
        yield client


@pytest.mark.integration
def test_seed_by_speaker_gives_many_speakers_for_a_comparative_question(seed_library):
    for query in ("科技创新", "各区县在科技创新方面有什么举措？"):
        r = seed_library.post("/api/search", json={"query": query, "group_by": "speaker", "top_k": 10})
        speakers = [h["source"]["speaker"] for h in r.json()["results"]]
        print(query, len(set(speakers)), "distinct speakers:", speakers)
        assert len(speakers) == len(set(speakers)) >= 8, speakers


@pytest.mark.integration
def test_seed_date_filters_include_and_exclude(seed_library):
    def speakers(**dates):
        body = {"query": "巩义要建成全省什么基地？", "top_k": 3, **dates}
        return [h["source"]["speaker"] for h in seed_library.post("/api/search", json=body).json()["results"]]

    assert speakers(date_from="2021-01-05", date_to="2021-01-05")[0] == "袁聚平"
    assert speakers(date_from="2021-01", date_to="2021")[0] == "袁聚平"
    assert speakers(date_from="2021-01-06") == [] and speakers(date_to="2020-12-31") == []


@pytest.mark.integration
def test_docx_uploaded_through_the_api_is_found_with_its_speaker_then_gone(seed_library):
    pages = [("title", "Harbour Renewal")]
    for page in range(1, TEN_PAGES + 1):
        pages += [("heading", f"Part {page}"), ("p", f"In district {page}, " + SPEECH[1][1]), ("p", SPEECH[2][1])]
    meta = {"speaker": "Maria Santos", "role": "Mayor", "date": "2023-04-18", "title": "Harbour Renewal Plan"}
    r = upload(seed_library, "harbour.docx", make_docx("Harbour", pages), **meta)
    assert finished(seed_library, r.json()["job"])["state"] == "done"
    question = {"query": "Where will the mangrove belt be planted to protect homes?", "top_k": 3}
    hits = seed_library.post("/api/search", json=question).json()["results"]
    assert hits[0]["source"]["speaker"] == "Maria Santos" and hits[0]["source"]["date"] == "2023-04-18"
    listed = {d["document"]: d for d in seed_library.get("/api/documents").json()["documents"]}
    assert listed["harbour.docx"]["title"] == "Harbour Renewal Plan"
    r = seed_library.delete("/api/documents/harbour.docx", headers=AUTH)
    assert finished(seed_library, r.json()["job"])["state"] == "done"
    hits = seed_library.post("/api/search", json=question).json()["results"]
    assert all(h["source"]["document"] != "harbour.docx" for h in hits)


def test_a_year_in_the_question_prefers_that_years_speeches(client_dated):
    def first_date(query: str) -> str:
        return client_dated.post("/api/search", json={"query": query}).json()["results"][0]["source"]["date"]

    assert first_date("十个湿地公园") == "2021-01-05"
    assert first_date("2019年的十个湿地公园") == "2019-03-08"  # preferred, not filtered: the other year still answers
    results = client_dated.post("/api/search", json={"query": "2019年的十个湿地公园", "top_k": 10}).json()["results"]
    assert "2021-01-05" in {r["source"]["date"] for r in results}


def test_an_upload_the_build_keeps_no_passage_of_fails_its_job_and_is_not_kept(library, monkeypatch):
    client, settings = library
    before_files, before_docs = corpus_files(settings), client.get("/api/documents").json()
    # Past the upload's own check (here switched off), the build is the backstop: no passage, no publish.
    monkeypatch.setattr("qa.library.check_readable", lambda raw, name, limit: None)
    r = upload(client, "furniture.md", b"1\n\n2\n\n3\n")
    assert r.status_code == 202, r.text
    status = finished(client, r.json()["job"])
    assert status["state"] == "failed" and "furniture.md: no paragraphs" in status["message"], status
    assert corpus_files(settings) == before_files
    assert client.get("/api/documents").json() == before_docs


def test_admin_token_guesses_are_rate_limited(tmp_path, fake_registered):
    settings = build_small_index(tmp_path, fake_registered, admin_token=TOKEN, rate_limit=0.001, rate_burst=2)
    with TestClient(create_app(settings, embedder=fake_registered)) as client:
        wrong = {"authorization": "Bearer guess"}
        statuses = [client.delete(f"/api/documents/x{i}.txt", headers=wrong).status_code for i in range(3)]
    assert statuses == [401, 401, 429]


def test_an_upload_is_held_to_qa_max_file_mb_on_disk_and_inflated(tmp_path):
    from qa import library

    settings = clean_settings(upload_max_mb=50, max_file_mb=0.05)
    limit = library.file_limit(settings)
    assert limit == int(0.05 * (1 << 20))
    with pytest.raises(library.UploadProblem) as raised:
        library.check_readable(b"a speech. " * (limit // 10 + 1), "big.txt", limit)
    assert raised.value.status == 413 and "big.txt" in str(raised.value)
    # Small on disk, over the limit once unzipped: refused as a build would refuse it, not at the default limit.
    bomb = make_docx("Harbour", [("p", "ferries " * (limit // 8 + 1))])
    assert len(bomb) < limit
    with pytest.raises(library.UploadProblem) as raised:
        library.check_readable(bomb, "harbour.docx", limit)
    assert raised.value.status == 422 and "QA_MAX_FILE_MB" in str(raised.value)


def test_the_listing_does_not_follow_a_link_out_of_the_corpus(tmp_path):
    from types import SimpleNamespace

    from qa import library

    corpus, secret = tmp_path / "corpus", tmp_path / "secret.txt"
    corpus.mkdir()
    secret.write_text("x" * 1234)
    (corpus / "linked.txt").symlink_to(secret)
    (corpus / "own.txt").write_text("abc")
    manifest = {"documents": [{"file": "linked.txt", "title": "L"}, {"file": "own.txt", "title": "O"}]}
    listed = library.listing(SimpleNamespace(passages=[], manifest=manifest), corpus)
    assert [(d["document"], d["bytes"]) for d in listed] == [("linked.txt", None), ("own.txt", 3)]


def test_a_job_whose_index_the_server_refuses_is_failed(tmp_path, fake_registered, monkeypatch):
    from qa.jobs import IndexNotServed, rebuild_and_serve
    from qa.service import Service

    settings = build_small_index(tmp_path, fake_registered)
    service = Service(settings, fake_registered)
    (settings.corpus_dir / "more.txt").write_text("A new speech about the harbour and its ferries.\n")
    monkeypatch.setattr(service, "reload_if_changed", lambda: False)  # as when the new index fails to load
    with pytest.raises(IndexNotServed):
        rebuild_and_serve(service, lambda share, message: None, ["more.txt"])


def test_unfinished_jobs_are_never_forgotten_and_their_names_stay_reserved(tmp_path, monkeypatch):
    import threading

    from qa import jobs, library

    monkeypatch.setattr(jobs, "KEPT_JOBS", 2)
    gate = threading.Event()
    queue = jobs.JobQueue(clean_settings(), lambda progress, added: gate.wait(JOB_DEADLINE) and "built")
    staged = tmp_path / ".upload-x.part"
    staged.write_bytes(b"a speech")
    ids = [jobs.new_job_id() for _ in range(4)]
    queue.submit(ids[0], "upload", library.Change(tmp_path, moves=[(staged, tmp_path / "a.txt")]))
    for job in ids[1:]:
        queue.submit(job, "delete", library.Change(tmp_path))
    try:
        deadline = time.monotonic() + JOB_DEADLINE
        while queue.get(ids[0]).state == "queued" and time.monotonic() < deadline:
            time.sleep(JOB_POLL)
        assert all(queue.get(job) is not None for job in ids)  # over KEPT_JOBS, but none has finished
        assert "a.txt" in queue.reserved()
    finally:
        gate.set()
        queue.stop()
    assert queue.get(ids[0]).state == "done" and (tmp_path / "a.txt").read_bytes() == b"a speech"
    queue.submit(jobs.new_job_id(), "delete", library.Change(tmp_path))
    queue.stop()
    assert len(queue.jobs) == 2 and queue.reserved() == set()
