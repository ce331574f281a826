"""The integrations over the small corpus: Dify's /retrieval, OpenAI's /v1 (with the `openai` package as client),
generated answers checked against a stand-in model speaking the real protocol, the page's stream, /metrics, and the
MCP tools through the SDK's own client."""

from __future__ import annotations

import asyncio
import json
import socket

import openai
import pytest
from fastapi.testclient import TestClient
from mcp import Client

from qa.api import create_app
from qa.bench.llm import StandIn, standin_app
from qa.bench.server import serving
from qa.integrations.dify import Condition, holds
from qa.integrations.mcp import mcp_server
from qa.service import Service

KEY = "test-key"
QUESTION = "东湖区要建设多少个湿地公园？"
SUPPORTED = "东湖区将建设十个湿地公园[1]。"
UNSUPPORTED = "东湖区还将新建三座国际机场[1]。"
AUTH = {"Authorization": f"Bearer {KEY}"}


def app_with(shared_index, **fields):
    settings, embedder = shared_index
    return create_app(settings.model_copy(update=fields), embedder=embedder)


@pytest.fixture(scope="module")
def client(shared_index):
    with TestClient(app_with(shared_index, api_keys=f"other,{KEY}")) as c:
        yield c


def retrieval(query="湿地公园", top_k=3, threshold=0.0, **extra):
    return {
        "knowledge_id": "index",
        "query": query,
        "retrieval_setting": {"top_k": top_k, "score_threshold": threshold},
    } | extra


def test_dify_retrieval_returns_the_record_with_speaker_metadata(client):
    r = client.post("/retrieval", json=retrieval(), headers=AUTH)
    assert r.status_code == 200
    records = r.json()["records"]
    top = records[0]
    assert "十个湿地公园" in top["content"] and top["title"] == "建设生态新城区"
    assert top["metadata"]["speaker"] == "李明" and top["metadata"]["role"] == "东湖区委书记"
    assert top["metadata"]["date"] == "2021-01-05" and top["metadata"]["paragraph"] == 2
    assert all(0.0 <= x["score"] <= 1.0 for x in records)
    assert [x["score"] for x in records] == sorted((x["score"] for x in records), reverse=True)


def test_dify_honours_top_k_threshold_and_speaker_condition(client):
    assert len(client.post("/retrieval", json=retrieval(top_k=1), headers=AUTH).json()["records"]) == 1
    every = client.post("/retrieval", json=retrieval(top_k=4), headers=AUTH).json()["records"]
    cut = (every[0]["score"] + every[1]["score"]) / 2
    above = client.post("/retrieval", json=retrieval(top_k=4, threshold=cut), headers=AUTH).json()["records"]
    assert len(every) > 1 and above == [r for r in every if r["score"] >= cut] and len(above) < len(every)
    condition = {"conditions": [{"name": "speaker", "comparison_operator": "is", "value": "王芳"}]}
    only = client.post("/retrieval", json=retrieval(metadata_condition=condition), headers=AUTH).json()["records"]
    assert only and {r["metadata"]["speaker"] for r in only} == {"王芳"}
    either = {
        "logical_operator": "or",
        "conditions": [
            {"name": "speaker", "comparison_operator": "is", "value": "王芳"},
            {"name": "paragraph", "comparison_operator": ">", "value": 1},
        ],
    }
    found = client.post("/retrieval", json=retrieval(top_k=5, metadata_condition=either), headers=AUTH).json()[
        "records"
    ]
    assert {(r["metadata"]["speaker"], r["metadata"]["paragraph"]) for r in found} == {("王芳", 1), ("李明", 2)}


def dated(op: str, value: str) -> dict:
    return {"conditions": [{"name": "date", "comparison_operator": op, "value": value}]}


@pytest.mark.parametrize(
    ("headers", "body", "status", "code"),
    [
        ({}, retrieval(), 403, 1001),
        ({"Authorization": KEY}, retrieval(), 403, 1001),
        ({"Authorization": "Bearer wrong"}, retrieval(), 403, 1002),
        (AUTH, {"query": "x"}, 400, 4001),
        (AUTH, retrieval(top_k=0), 400, 4001),
        (AUTH, retrieval() | {"knowledge_id": "other"}, 404, 2001),
        (AUTH, retrieval(metadata_condition=dated("before", "99999999999999999999")), 400, 4001),
        (AUTH, retrieval(metadata_condition=dated("after", "last spring")), 400, 4001),
    ],
)
def test_dify_refuses_with_error_code(client, headers, body, status, code):
    r = client.post("/retrieval", json=body, headers=headers)
    assert r.status_code == status and r.json()["error_code"] == code and r.json()["error_msg"]


def test_dify_is_off_without_keys(shared_index):
    with TestClient(app_with(shared_index)) as c:
        r = c.post("/retrieval", json=retrieval(), headers=AUTH)
    assert r.status_code == 403 and "QA_API_KEYS" in r.json()["error_msg"]


@pytest.mark.parametrize(
    ("name", "op", "value", "expected"),
    [
        ("speaker", "is not", "李明", False),
        ("speaker", "contains", "李", True),
        ("speaker", "in", ["王芳", "李明"], True),
        ("speaker", "not in", ["王芳"], True),
        ("date", "before", "2021-02-01", True),
        ("date", "after", "2021-02-01T00:00:00", False),
        ("date", "after", "1577836800", True),  # a Unix timestamp: 2020-01-01
        ("paragraph", "=", 2, True),
        ("paragraph", "<", "2", False),
        ("role", "empty", None, False),
        ("url", "empty", None, True),
        (["title", "speech_title"], "start with", "建设", True),
    ],
)
def test_dify_condition_operators(name, op, value, expected):
    meta = {
        "speaker": "李明",
        "role": "东湖区委书记",
        "date": "2021-01-05",
        "paragraph": 2,
        "speech_title": "建设生态新城区",
    }
    assert holds(Condition(name=name, comparison_operator=op, value=value), meta) is expected


@pytest.fixture(scope="module")
def served(shared_index):
    with serving(app_with(shared_index, api_keys=KEY), timeout=20) as url:
        yield url


def test_openai_client_gets_an_answer_plain_and_streamed(served):
    client = openai.OpenAI(base_url=f"{served}/v1", api_key=KEY, max_retries=0)
    assert [m.id for m in client.models.list()] == ["speeches"]
    messages = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": QUESTION}]
    reply = client.chat.completions.create(model="speeches", messages=messages)
    content = reply.choices[0].message.content
    assert "李明" in content and "十个湿地公园" in content and "来源：\n[1] 李明, 东湖区委书记" in content
    assert reply.choices[0].finish_reason == "stop"
    stream = client.chat.completions.create(model="speeches", messages=messages, stream=True)
    chunks = list(stream)
    assert len(chunks) > 2 and chunks[-1].choices[0].finish_reason == "stop"
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == content


def test_openai_client_errors(served):
    with pytest.raises(openai.AuthenticationError):
        openai.OpenAI(base_url=f"{served}/v1", api_key="wrong", max_retries=0).models.list()
    client = openai.OpenAI(base_url=f"{served}/v1", api_key=KEY, max_retries=0)
    with pytest.raises(openai.NotFoundError, match="speeches"):
        client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": QUESTION}])
    with pytest.raises(openai.BadRequestError, match="user question"):
        client.chat.completions.create(model="speeches", messages=[{"role": "assistant", "content": "hi"}])


@pytest.fixture(scope="module")
def model():
    """The stand-in model, served; each test scripts its reply."""
    standin = StandIn()
    with serving(standin_app(standin), timeout=20) as url:
        yield standin, f"{url}/v1"


def ask(shared_index, base_url, path="/api/chat", **fields):
    app = app_with(shared_index, llm_base_url=base_url, llm_model="standin", api_keys=KEY, **fields)
    with TestClient(app) as c:
        return c.post(path, json={"messages": [{"role": "user", "content": QUESTION}]}), c.get("/metrics").text


def test_generated_answer_keeps_the_supported_sentence_and_reports_the_other(shared_index, model):
    standin, url = model
    standin.reply, standin.delay, standin.status = SUPPORTED + UNSUPPORTED, 0.0, 200
    r, metrics = ask(shared_index, url)
    body = r.json()
    assert body["mode"] == "generated" and body["answer"] == SUPPORTED and body["fallback"] is None
    assert body["dropped"] == [{"sentence": UNSUPPORTED, "kind": "unsupported", "reason": body["dropped"][0]["reason"]}]
    assert "not supported by [1]" in body["dropped"][0]["reason"]
    assert body["citations"] == [{"marker": 1, "passage_id": body["passages"][0]["id"]}]
    prompt = standin.requests[-1]["messages"]
    assert "[1] 李明，东湖区委书记，《建设生态新城区》，2021-01-05" in prompt[0]["content"]
    assert prompt[-1]["content"].endswith(QUESTION) and standin.requests[-1]["model"] == "standin"
    assert (
        'qa_dropped_sentences_total{kind="unsupported"}' in metrics
        and 'qa_llm_calls_total{outcome="generated"}' in metrics
    )


@pytest.mark.parametrize(
    ("reply", "delay", "status", "timeout", "why"),
    [
        (SUPPORTED, 0.0, 500, 5.0, "answered HTTP 500"),
        (SUPPORTED, 1.0, 200, 0.2, "did not answer within 0.2 s"),
        ("   ", 0.0, 200, 5.0, "returned no text"),
        ("东湖区将建设十个湿地公园。", 0.0, 200, 5.0, "none of the model's 1 sentences"),
    ],
)
def test_quoted_instead_saying_why(shared_index, model, reply, delay, status, timeout, why):
    standin, url = model
    standin.reply, standin.delay, standin.status = reply, delay, status
    body = ask(shared_index, url, llm_timeout=timeout)[0].json()
    assert body["mode"] == "quoted" and why in body["fallback"] and "李明" in body["answer"]
    # Where the model is and what it said stay in the server log.
    assert url not in body["fallback"] and "stand-in failure" not in body["fallback"]


def test_unreachable_model_is_quoted_instead(shared_index):
    with socket.socket() as sock:  # a port that was free a moment ago: nothing listens there
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    body = ask(shared_index, f"http://someone:pa55word@127.0.0.1:{port}/v1")[0].json()
    assert body["mode"] == "quoted" and body["fallback"] == "could not reach the model"  # no address, no password


def test_page_stream_sends_text_as_it_comes_then_the_checked_answer(shared_index, model):
    standin, url = model
    standin.reply, standin.delay, standin.status = SUPPORTED + UNSUPPORTED, 0.0, 200
    r, _ = ask(shared_index, url, "/api/chat/stream")
    assert r.headers["content-type"].startswith("text/event-stream")
    events = [block.split("\n", 1) for block in r.text.strip().split("\n\n")]
    names = [e[0].removeprefix("event: ") for e in events]
    data = [json.loads(e[1].removeprefix("data: ")) for e in events]
    assert names[-1] == "answer" and set(names[:-1]) == {"delta"} and len(names) > 2
    assert "".join(d["text"] for d in data[:-1]) == SUPPORTED + UNSUPPORTED
    assert data[-1]["answer"] == SUPPORTED and data[-1]["dropped"][0]["sentence"] == UNSUPPORTED


def test_v1_answers_generated_with_cited_sources(shared_index, model):
    standin, url = model
    standin.reply, standin.delay, standin.status = SUPPORTED + UNSUPPORTED, 0.0, 200
    app = app_with(shared_index, llm_base_url=url, llm_model="standin")
    with TestClient(app) as c:
        body = c.post(
            "/v1/chat/completions", json={"model": "speeches", "messages": [{"role": "user", "content": QUESTION}]}
        ).json()
    content = body["choices"][0]["message"]["content"]
    assert content.startswith(SUPPORTED + "\n\n来源：\n[1] 李明") and "[2]" not in content
    assert body["qa"]["mode"] == "generated" and body["qa"]["dropped"][0]["kind"] == "unsupported"


def test_metrics_count_requests_by_route_and_status(client):
    def count(text, line):
        found = [x for x in text.splitlines() if x.startswith(line)]
        return float(found[0].rsplit(" ", 1)[1]) if found else 0.0

    line = 'qa_http_requests_total{method="POST",route="/retrieval",status="403"}'
    before = count(client.get("/metrics").text, line)
    client.post("/retrieval", json=retrieval())
    client.post("/retrieval", json=retrieval())
    r = client.get("/metrics")
    assert r.headers["x-content-type-options"] == "nosniff" and r.headers["x-request-id"]  # logged as any request
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    assert count(r.text, line) == before + 2
    assert 'qa_http_request_duration_seconds_bucket{le="0.005",route="/retrieval"}' in r.text
    assert count(r.text, "qa_index_passages") == 4 and count(r.text, "qa_index_age_seconds") >= 0
    assert count(r.text, "qa_index_build_seconds") > 0
    missing = 'qa_http_requests_total{method="GET",route="unmatched",status="404"}'  # never a label per path
    before = count(client.get("/metrics").text, missing)
    client.get("/no/such/page/here")
    assert count(client.get("/metrics").text, missing) == before + 1


def test_mcp_tools_through_the_sdk_client(shared_index, tmp_path):
    settings, embedder = shared_index
    service = Service(settings, embedder)

    async def session():
        async with Client(mcp_server(lambda: service)) as c:
            tools = {t.name: t for t in (await c.list_tools()).tools}
            found = await c.call_tool("search_speeches", {"query": QUESTION, "top_k": 2})
            by_speaker = await c.call_tool("search_speeches", {"query": "建设", "speaker": "王芳"})
            dated = await c.call_tool("search_speeches", {"query": "建设", "date_to": "2020"})
            passage = await c.call_tool("get_passage", {"id": found.structured_content["passages"][0]["id"]})
            missing = await c.call_tool("get_passage", {"id": "nope"})
            people = await c.call_tool("list_speakers", {})
            return tools, found, by_speaker, dated, passage, missing, people

    tools, found, by_speaker, dated, passage, missing, people = asyncio.run(session())
    assert set(tools) == {"search_speeches", "get_passage", "list_speakers"}
    assert "荥阳要发扬什么精神" in tools["search_speeches"].description
    assert set(tools["search_speeches"].input_schema["properties"]) == {
        "query",
        "top_k",
        "speaker",
        "document",
        "date_from",
        "date_to",
    }
    top = found.structured_content["passages"][0]
    assert top["source"]["speaker"] == "李明" and "十个湿地公园" in top["text"]
    assert "李明" in found.content[0].text and "十个湿地公园" in found.content[0].text
    assert {p["source"]["speaker"] for p in by_speaker.structured_content["passages"]} == {"王芳"}
    assert dated.structured_content["passages"] == []
    assert [p["paragraph"] for p in passage.structured_content["speech"]] == [1, 2]
    assert missing.is_error and "nope" in missing.content[0].text
    assert [s["speaker"] for s in people.structured_content["speakers"]] == ["李明", "王芳"]


@pytest.mark.parametrize(
    ("date", "op", "value", "expected"),
    [
        ("2019", "before", "2019-06-01", True),  # some day of 2019 is before June
        ("2019", "after", "2019-06-01", True),
        ("2019-05", "before", "2019-05-01", False),
        ("2019-05", "after", "2019", False),  # "after 2019" is after the whole year
        ("2019-05", "before", "2020", True),
        ("2020-01-01", "after", "2019", True),
    ],
)
def test_dify_date_conditions_match_speeches_dated_by_year_or_month(date, op, value, expected):
    assert holds(Condition(name="date", comparison_operator=op, value=value), {"date": date}) is expected


def test_a_bad_key_is_refused_while_the_index_is_still_loading(shared_index):
    app = app_with(shared_index, api_keys=KEY)  # not started: no service loaded yet
    with TestClient(app) as c:
        del app.state.service
        assert c.get("/v1/models").status_code == 401
        assert (
            c.post("/retrieval", json=retrieval(), headers={"Authorization": "Bearer wrong"}).json()["error_code"]
            == 1002
        )
        assert c.get("/v1/models", headers=AUTH).status_code == 200
        # Each integration says "loading" in its own client's error shape, so that client shows it as an error.
        loading = c.post("/retrieval", json=retrieval(), headers=AUTH)
        assert loading.status_code == 503 and loading.json()["error_code"] == 5003
        completion = {"model": "speeches", "messages": [{"role": "user", "content": "城市"}]}
        loading = c.post("/v1/chat/completions", json=completion, headers=AUTH)
        assert loading.status_code == 503 and loading.json()["error"]["code"] == "index_loading"


@pytest.mark.parametrize(
    ("header", "token"),
    [(None, None), ("Bearer k", "k"), ("bearer  k ", "k"), ("k", ""), ("Basic k", ""), ("Bearer ", "")],
)
def test_one_bearer_rule(header, token):
    from qa import auth

    assert auth.bearer_token(header) == token
    assert auth.key_accepted(token, "a, k") is (token == "k")
    assert (auth.admin_refusal(header, "k") is None) is (token == "k")


def test_mcp_over_http_needs_a_key_once_keys_are_set(shared_index):
    hello = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
    accept = {"accept": "application/json, text/event-stream", "host": "127.0.0.1:8000"}
    with TestClient(app_with(shared_index, api_keys=KEY)) as c:
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": KEY}):
            r = c.post("/mcp", json=hello, headers=accept | headers)
            assert r.status_code == 401 and "QA_API_KEYS" in r.json()["detail"], r.text
        assert c.post("/mcp", json=hello, headers=accept | AUTH).status_code == 200
    with TestClient(app_with(shared_index)) as c:
        assert c.post("/mcp", json=hello, headers=accept).status_code == 200
