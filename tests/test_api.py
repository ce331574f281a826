import pytest
from fastapi.testclient import TestClient

from qa.api import create_app
from qa.engines import milvus
from qa.reader import read_corpus
from qa.store import build_lock, timed_build

from .conftest import ENGINES, FAKE, build_small_index, clean_settings, write_corpus


@pytest.fixture(scope="module", params=ENGINES)
def client(request, shared_index, tmp_path_factory):
    """The API over the small corpus on each engine: FAISS from the shared index, Milvus Lite in its own path."""
    settings, embedder = shared_index
    if request.param == "milvus":
        root = tmp_path_factory.mktemp("api-milvus")
        settings = build_small_index(root, embedder, backend="milvus", milvus_uri=str(root / "milvus.db"))
    with TestClient(create_app(settings, embedder=embedder)) as c:
        yield c
    if request.param == "milvus":
        milvus.disconnect(settings)


def app_with(shared_index, **fields):
    """The app over the shared index with other settings."""
    settings, embedder = shared_index
    return create_app(settings.model_copy(update=fields), embedder=embedder)


def no_server_error(response):
    assert response.status_code < 500, response.text
    return response


def test_search_post_and_get(client):
    r = client.post("/api/search", json={"query": "西山县 农业产业园", "top_k": 2})
    assert r.status_code == 200
    body = r.json()
    assert body["query"] == "西山县 农业产业园" and body["took_ms"] >= 0 and len(body["results"]) == 2
    top = body["results"][0]
    assert set(top) == {"id", "rank", "score", "text", "source", "highlights", "best_sentence"}
    assert top["source"]["speaker"] == "王芳" and top["source"]["paragraph"] == 1
    assert set(top["source"]) == {
        *("document", "title", "date", "speaker", "role", "speech_title", "section", "paragraph"),
        *("last_paragraph", "part", "event", "place", "url", "start", "end", "language"),
    }
    assert top["source"]["start"] is None and top["source"]["url"] is None  # a plain text file has no timing or URL
    assert client.get("/api/search", params={"q": "西山县 农业产业园", "top_k": 2}).json()["results"] == body["results"]


def test_search_filters(client):
    r = client.post("/api/search", json={"query": "建设", "top_k": 10, "speaker": "李明"})
    assert {x["source"]["speaker"] for x in r.json()["results"]} == {"李明"}


def test_chat_answers_and_follows_up(client):
    first = {"role": "user", "content": "东湖区要建设多少个湿地公园？"}
    r = client.post("/api/chat", json={"messages": [first]})
    assert r.status_code == 200
    body = r.json()
    assert "李明" in body["answer"] and body["passages"][0]["source"]["speaker"] == "李明"
    follow = [first, {"role": "assistant", "content": body["answer"]}, {"role": "user", "content": "那西山县呢？"}]
    body = client.post("/api/chat", json={"messages": follow}).json()
    assert body["query"].startswith("西山县") and body["passages"][0]["source"]["speaker"] == "王芳"


def test_passage_context_speakers_health(client):
    hit = client.post("/api/search", json={"query": "湿地公园"}).json()["results"][0]
    ctx = client.get(f"/api/passages/{hit['id']}").json()
    assert ctx["passage"]["id"] == hit["id"]
    assert [p["paragraph"] for p in ctx["speech"]] == [1, 2]
    people = client.get("/api/speakers").json()
    assert [s["speaker"] for s in people["speakers"]] == ["李明", "王芳"]
    assert people["documents"][0]["date"] == "2021-01-05"
    health = client.get("/api/health").json()
    assert health["status"] == "ok" and health["passages"] == 4 and health["model"] == "fake-embedder"


@pytest.mark.parametrize(
    ("kwargs", "status", "message"),
    [
        ({"content": b"{not json", "headers": {"content-type": "application/json"}}, 422, "not valid JSON"),
        ({"json": ["query"]}, 422, "JSON object"),
        ({"json": {"query": 5}}, 422, "query"),
        ({"json": {}}, 422, "query"),
        ({"json": {"query": ""}}, 422, "query"),
        ({"json": {"query": "   \n\t"}}, 422, "empty"),
        ({"json": {"query": "长" * 1001}}, 422, "1000"),
        ({"json": {"query": "x", "top_k": 0}}, 422, "top_k"),
        ({"json": {"query": "x", "top_k": 51}}, 422, "top_k"),
        ({"json": {"query": "x", "top_k": "many"}}, 422, "top_k"),
        ({"json": {"query": "x", "extra": 1}}, 422, "extra"),
        (
            {"content": b'{"query": "' + b"a" * 1_100_000 + b'"}', "headers": {"content-type": "application/json"}},
            413,
            "bytes",
        ),
    ],
)
def test_bad_search_requests_get_readable_4xx(client, kwargs, status, message):
    r = no_server_error(client.post("/api/search", **kwargs))
    assert r.status_code == status
    assert message in r.json()["detail"]


@pytest.mark.parametrize(
    "body",
    [
        {"messages": []},
        {"messages": [{"role": "system", "content": "hi"}]},
        {"messages": [{"role": "user", "content": "  "}]},
        {"messages": [{"role": "user", "content": "问题"}, {"role": "assistant", "content": "答"}]},
        {"messages": "问题"},
        {"messages": [{"role": "user", "content": "长" * 1001}]},
    ],
)
def test_bad_chat_requests(client, body):
    r = no_server_error(client.post("/api/chat", json=body))
    assert r.status_code == 422 and r.json()["detail"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/passages/0000000000000000",
        "/api/passages/..%2F..%2Fpyproject.toml",
        "/../pyproject.toml",
        "/%2e%2e/pyproject.toml",
        "/..%2fqa/api.py",
        "/api/nothing",
    ],
)
def test_unknown_ids_and_path_tricks_are_404(client, path):
    r = no_server_error(client.get(path))
    assert r.status_code == 404
    assert "[tool.ruff]" not in r.text and "create_app" not in r.text


def test_bad_get_search(client):
    assert no_server_error(client.get("/api/search")).status_code == 422
    assert "empty" in client.get("/api/search", params={"q": "  "}).json()["detail"]


def test_page_is_served_with_security_headers(client):
    r = client.get("/")
    assert r.status_code == 200 and "text/html" in r.headers["content-type"]
    assert "script-src 'self'" in r.headers["content-security-policy"]
    assert r.headers["x-content-type-options"] == "nosniff" and r.headers["referrer-policy"] == "no-referrer"
    assert "access-control-allow-origin" not in r.headers
    assert client.get("/docs").status_code == 200


def test_cors_opens_only_to_configured_origins(shared_index):
    with TestClient(app_with(shared_index, cors_origins="https://news.example")) as c:
        ok = c.get("/api/health", headers={"origin": "https://news.example"})
        assert ok.headers["access-control-allow-origin"] == "https://news.example"
        other = c.get("/api/health", headers={"origin": "https://elsewhere.example"})
        assert "access-control-allow-origin" not in other.headers


def test_top_k_defaults_to_the_qa_top_k_setting(shared_index):
    with TestClient(app_with(shared_index, top_k=2)) as c:
        assert len(c.post("/api/search", json={"query": "建设"}).json()["results"]) == 2
        assert len(c.get("/api/search", params={"q": "建设"}).json()["results"]) == 2
        assert (
            len(c.post("/api/chat", json={"messages": [{"role": "user", "content": "建设"}]}).json()["passages"]) == 2
        )
        assert len(c.post("/api/search", json={"query": "建设", "top_k": 3}).json()["results"]) == 3


def test_limits_in_the_schema_are_the_settings_limits(client):
    from qa.settings import MAX_QUERY_CHARS, TOP_K_MAX, TOP_K_MIN

    schema = client.get("/openapi.json").json()["components"]["schemas"]
    query, top_k = schema["SearchRequest"]["properties"]["query"], schema["SearchRequest"]["properties"]["top_k"]
    assert query["maxLength"] == MAX_QUERY_CHARS
    assert (top_k["anyOf"][0]["minimum"], top_k["anyOf"][0]["maximum"]) == (TOP_K_MIN, TOP_K_MAX)
    assert "QA_TOP_K" in top_k["description"]
    assert set(schema["Source"]["properties"]) >= {"event", "place", "url", "start", "end", "part"}
    assert "Passage" not in schema and "Hit" in schema  # one meaning per name: the reader's Passage is another thing


HEARING = """Council hearing on the library

MAYOR SMITH: The library will open on Sundays from next month.

COUNCILLOR JONES: Who pays for the extra staff at the library?

MAYOR SMITH: The city budget covers the staff.

COUNCILLOR JONES: And the heating in winter?

MAYOR SMITH: The heating is already in the budget.
"""


def test_speakers_one_entry_per_speaker_and_document(tmp_path, fake_registered):
    """A transcript gives each turn its own speech; /api/speakers still lists a speaker once per document."""
    corpus = write_corpus(tmp_path / "corpus", HEARING, "council-2024-03-01-hearing.txt")
    settings = clean_settings(corpus_dir=corpus, index_dir=tmp_path / "index", model=FAKE)
    with build_lock(settings.index_dir):
        timed_build(read_corpus(settings.corpus_dir), fake_registered, settings, settings.index_dir)
    with TestClient(create_app(settings, embedder=fake_registered)) as c:
        people = c.get("/api/speakers").json()["speakers"]
    document = "council-2024-03-01-hearing.txt"
    assert [(p["speaker"], p["document"], p["passages"]) for p in people] == [
        ("Mayor Smith", document, 3),
        ("Councillor Jones", document, 2),
    ]


def test_a_turn_of_a_conversation_is_read_with_the_turns_around_it(tmp_path, fake_registered, monkeypatch):
    """An answer in a hearing is shown with the question it answers, each turn naming its speaker; a speech of a
    document where nobody speaks twice is shown alone (test_passage_context_speakers_health)."""
    corpus = write_corpus(tmp_path / "corpus", HEARING, "council-2024-03-01-hearing.txt")
    settings = clean_settings(corpus_dir=corpus, index_dir=tmp_path / "index", model=FAKE)
    with build_lock(settings.index_dir):
        timed_build(read_corpus(settings.corpus_dir), fake_registered, settings, settings.index_dir)
    with TestClient(create_app(settings, embedder=fake_registered)) as c:
        answer = c.post("/api/search", json={"query": "heating already in the budget", "top_k": 1}).json()
        answer = answer["results"][0]
        assert answer["text"] == "The heating is already in the budget."
        whole = c.get(f"/api/passages/{answer['id']}").json()["speech"]
        assert [(p["speaker"], p["speech"]) for p in whole] == [
            ("Mayor Smith", 1),
            ("Councillor Jones", 2),
            ("Mayor Smith", 3),
            ("Councillor Jones", 4),
            ("Mayor Smith", 5),
        ]
        monkeypatch.setattr("qa.service.CONTEXT_PASSAGES", 3)
        near = c.get(f"/api/passages/{answer['id']}").json()["speech"]
    assert [p["text"] for p in near] == [
        "The city budget covers the staff.",
        "And the heating in winter?",
        "The heating is already in the budget.",
    ]


def test_invalid_json_says_where_in_words(client):
    r = no_server_error(
        client.post("/api/search", content=b'{"query": "library",, }', headers={"content-type": "application/json"})
    )
    assert r.status_code == 422
    detail = r.json()["detail"]
    assert detail.startswith("the request body is not valid JSON (at character 20") and not detail.startswith("20")


@pytest.mark.parametrize("content_type", ["application/x-www-form-urlencoded", "text/plain", None])
def test_json_object_sent_without_json_content_type_names_the_content_type(client, content_type):
    """`curl -d '{"query": …}'` sends a JSON object as a form: say so instead of "must be a JSON object"."""
    headers = {"content-type": content_type} if content_type else {}
    r = no_server_error(client.post("/api/search", content=b'{"query":"library"}', headers=headers))
    assert r.status_code == 415
    detail = r.json()["detail"]
    assert "Content-Type: application/json" in detail and "must be a JSON object" not in detail
    if content_type:
        assert content_type in detail


ENGLISH_SPEECH = """---
title: Harbour Renewal Plan
speaker: Maria Santos
role: Mayor
date: 2023-04-18
---

The Harbour Renewal Programme will build three ferry terminals, and the Green Seawall Fund pays for it.

Next year the Harbour Renewal Programme reaches the eastern districts; the Green Seawall Fund doubles.
"""


def test_examples_come_from_the_served_corpus_in_the_pages_language(client, tmp_path, fake_registered):
    chinese = client.get("/api/examples", params={"lang": "zh"}).json()
    assert chinese["language"] == "zh" and chinese["examples"]
    assert any("东湖区" in q or "西山县" in q for q in chinese["examples"]), chinese
    assert client.get("/api/examples", params={"lang": "fr"}).status_code == 422

    write_corpus(tmp_path / "en", ENGLISH_SPEECH, "harbour.md")
    write_corpus(tmp_path / "en", ENGLISH_SPEECH.replace("Next year", "In 2025"), "harbour-2.md")
    settings = clean_settings(corpus_dir=tmp_path / "en", index_dir=tmp_path / "index", model=FAKE)
    with build_lock(settings.index_dir):
        timed_build(read_corpus(settings.corpus_dir), fake_registered, settings, settings.index_dir)
    with TestClient(create_app(settings, embedder=fake_registered)) as english:
        for lang in ("en", "zh"):  # an English corpus has no Chinese questions to offer
            got = english.get("/api/examples", params={"lang": lang}).json()
            assert got["language"] == "en", got
            assert "What did Maria Santos say?" in got["examples"]
            assert any("Harbour Renewal Programme" in q or "Green Seawall Fund" in q for q in got["examples"]), got


def test_docs_work_offline(client):
    page = client.get("/docs")
    assert page.status_code == 200
    assert "cdn." not in page.text and "/static-offline-docs/swagger-ui-bundle.js" in page.text
    asset = client.get("/static-offline-docs/swagger-ui-bundle.js")
    assert asset.status_code == 200 and len(asset.content) > 100_000
    assert "cdn." not in client.get("/redoc").text


def test_secrets_never_show_in_the_settings_repr():
    from qa.settings import SECRETS

    given = {name: f"secret-{name}" for name in SECRETS}
    settings = clean_settings(**given)
    shown = repr(settings) + str(settings)
    assert "backend=" in shown and not [value for value in given.values() if value in shown]


def test_every_route_says_the_index_is_loading_until_it_is(shared_index):
    app = app_with(shared_index)
    with TestClient(app) as c:
        served = app.state.service
        del app.state.service  # as between the socket opening and the index loading
        for method, path, body in [
            ("POST", "/api/search", {"query": "城市"}),
            ("GET", "/api/search?q=城市", None),
            ("POST", "/api/chat", {"messages": [{"role": "user", "content": "城市"}]}),
            ("POST", "/api/chat/stream", {"messages": [{"role": "user", "content": "城市"}]}),
        ]:
            r = c.request(method, path, json=body)
            assert (r.status_code, r.json()["detail"]) == (503, "the index is still loading"), path
        app.state.service = served
        assert c.post("/api/search", json={"query": "城市"}).status_code == 200
