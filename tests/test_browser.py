"""The chat page in Debian chromium, against the real app, bundled model and corpus."""

from __future__ import annotations

import json
import re
import shutil
import threading

import pytest

from qa.bench.llm import INVENTED, StandIn, first_sentence_reply, standin_app
from qa.bench.server import serving

from .conftest import REPO

OUT = REPO / "test-output"
CHROMIUM = shutil.which("chromium")
# Headless and quiet: no network of its own, nothing that phones home or updates itself.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 30_000
JOB_TIMEOUT_MS = 180_000  # a rebuild with the real model on a busy machine

pytestmark = pytest.mark.browser


TOKEN = "browser-admin-token"
ENGLISH = """---
title: Harbour Renewal Plan
speaker: Maria Santos
role: Mayor
date: 2023-04-18
---

The Harbour Renewal Programme will build three ferry terminals this year, paid for by the Green Seawall Fund.

Next year the Harbour Renewal Programme reaches the eastern districts, and the Green Seawall Fund doubles.
"""

HEARING = """Council hearing on the harbour ferries

MAYOR SANTOS: The ferry terminals open in May, and the first boats run from the eastern pier.

COUNCILLOR OKAFOR: Who pays for the night ferries after the first year?

MAYOR SANTOS: The Green Seawall Fund pays for the night ferries until 2027.

COUNCILLOR OKAFOR: And the fares for students?

MAYOR SANTOS: Students ride free on every ferry.
"""


def build(corpus_dir, index_dir, embedder, **fields):
    """The settings of `corpus_dir` indexed with the real model (`embedder`)."""
    from qa.reader import read_corpus
    from qa.settings import load_settings
    from qa.store import build_lock, timed_build

    settings = load_settings(corpus_dir=corpus_dir, index_dir=index_dir, **fields)
    with build_lock(settings.index_dir):
        timed_build(read_corpus(settings.corpus_dir), embedder, settings, settings.index_dir)
    return settings


@pytest.fixture(scope="module")
def standin():
    """The stand-in OpenAI-compatible model (qa/bench/llm.py) and its URL; tests script its reply."""
    model = StandIn(reply=first_sentence_reply)
    with serving(standin_app(model), timeout=20) as url:
        yield model, url


@pytest.fixture(scope="module")
def servers(request, tmp_path_factory, standin):
    """URLs of the seed corpus served writable (a copy, with QA_ADMIN_TOKEN), read-only, and read-only answering
    with the stand-in model (QA_LLM_BASE_URL), and of an English corpus."""
    if CHROMIUM is None:
        pytest.skip("Debian chromium is not installed (apt-get install -y chromium); Playwright never downloads one")
    from qa.api import create_app

    root = tmp_path_factory.mktemp("served")
    shutil.copytree(REPO / "corpus", root / "corpus")
    embedder = request.getfixturevalue("real_embedder")  # after the skip: no model load without a browser
    settings = build(root / "corpus", root / "index", embedder, admin_token=TOKEN, reload_interval=0.2)
    (root / "english").mkdir()
    (root / "english" / "harbour.md").write_text(ENGLISH, encoding="utf-8")
    (root / "english" / "harbour-2025.md").write_text(ENGLISH.replace("Next year", "In 2025"), encoding="utf-8")
    english = build(root / "english", root / "english-index", embedder)
    (root / "hearing").mkdir()
    (root / "hearing" / "council-2024-03-01-hearing.txt").write_text(HEARING, encoding="utf-8")
    hearing = build(root / "hearing", root / "hearing-index", embedder)
    read_only = settings.model_copy(update={"admin_token": ""})
    generating = read_only.model_copy(update={"llm_base_url": f"{standin[1]}/v1", "llm_model": "standin"})
    with (
        serving(create_app(settings, embedder=embedder)) as writable_url,
        serving(create_app(read_only, embedder=embedder)) as read_only_url,
        serving(create_app(generating, embedder=embedder)) as generated_url,
        serving(create_app(english, embedder=embedder)) as english_url,
        serving(create_app(hearing, embedder=embedder)) as hearing_url,
    ):
        yield {
            "writable": writable_url,
            "read-only": read_only_url,
            "generated": generated_url,
            "english": english_url,
            "hearing": hearing_url,
        }


@pytest.fixture(scope="module")
def server(servers):
    return servers["read-only"]


@pytest.fixture(scope="module")
def browser(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def open_page(browser, servers):
    """Open the chat page at a viewport size and locale on one of the servers; fail on any script error or CSP
    violation it logs."""
    contexts, problems = [], []

    def open_(width=1280, height=900, locale="zh-CN", on="read-only"):
        context = browser.new_context(viewport={"width": width, "height": height}, locale=locale)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
        page.on("console", lambda msg: console_error(msg, problems))
        page.goto(servers[on])
        return page

    yield open_
    for context in contexts:
        context.close()
    assert not problems, problems


def console_error(msg, problems: list[str]):
    # Chromium logs every failed request as an error; the page reports those itself, on purpose.
    if msg.type == "error" and not msg.text.startswith("Failed to load resource"):
        problems.append(f"console: {msg.text}")


def ask(page, question: str):
    """Ask and wait for the reply (or error) that follows; return the last reply."""
    before = page.locator(".answer, .error").count()
    page.fill("#question", question)
    page.press("#question", "Enter")
    page.locator(".answer, .error").nth(before).wait_for()
    assert page.locator(".error").count() == 0, page.locator(".error").all_inner_texts()
    return page.locator(".reply").last


SSE = "text/event-stream"


def sse(name: str, data: dict) -> str:
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def headers(reply) -> list[str]:
    return reply.locator(".card-header").all_inner_texts()


def test_chat_context_follow_up_and_escaping(open_page):
    from playwright.sync_api import expect

    page = open_page()
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    # Built by the server from the seed corpus, in Chinese: its places and topics, nothing fixed in the page.
    expect(page.locator(".examples button").first).to_be_visible()
    assert any("在讲话中提出了什么？" in q for q in page.locator(".examples button").all_inner_texts())

    reply = ask(page, "巩义要建成全省什么基地？")
    expect(reply.locator(".answer")).to_contain_text("袁聚平")
    # No model configured: the quoted answer, as before streaming, with nothing of a generated one.
    expect(reply).to_have_attribute("data-mode", "quoted")
    expect(reply.locator(".mode")).to_have_text("摘自讲话原文")
    expect(reply.locator(".fallback, .cite, .card-number, details.dropped")).to_have_count(0)
    assert any("袁聚平" in h for h in headers(reply))
    assert reply.locator(".card mark").count() > 0
    expect(page.locator("#empty")).to_be_hidden()
    OUT.mkdir(exist_ok=True)
    page.screenshot(path=OUT / "chat.png", full_page=True)

    card = reply.locator(".card").first
    card_text = card.locator(".card-text").inner_text()
    card.focus()
    page.keyboard.press("Enter")
    context = page.locator("#context")
    expect(context).to_be_visible()
    expect(context.locator(".current")).to_have_count(1)
    expect(context.locator(".current")).to_be_in_viewport()
    expect(context.locator(".current")).to_contain_text(card_text)
    assert context.locator(".paragraph").count() >= 2  # the whole speech, not just the passage
    context.locator(".close").click()
    expect(context).to_be_hidden()

    card.click()
    expect(context.locator(".current")).to_have_count(1)
    page.keyboard.press("Escape")
    expect(context).to_be_hidden()

    with page.expect_request("**/api/chat/stream") as request:
        reply = ask(page, "那登封呢？")
    sent = request.value.post_data_json["messages"]
    assert [m["role"] for m in sent] == ["user", "assistant", "user"]
    assert sent[0]["content"] == "巩义要建成全省什么基地？"
    assert sent[1]["content"] == page.locator(".answer").first.inner_text()
    # The follow-up names 登封, so its speaker comes first.
    expect(reply.locator(".answer")).to_contain_text("杨金军")
    assert "杨金军" in headers(reply)[0], headers(reply)
    assert page.locator(".answer").count() == 2

    attack = "<img src=x onerror=window.__xss=1>"
    ask(page, attack)
    expect(page.locator(".bubble.user").last).to_have_text(attack)
    assert page.locator("#messages img").count() == 0
    assert page.evaluate("typeof window.__xss") == "undefined"


def test_speaker_filter(open_page):
    from playwright.sync_api import expect

    page = open_page()
    expect(page.locator("#speaker option")).not_to_have_count(1)
    page.select_option("#speaker", "牛瑞华")
    found = headers(ask(page, "人才"))
    assert found
    assert all("牛瑞华" in h for h in found), found


def test_waiting_state_and_errors(open_page):
    from playwright.sync_api import expect

    page = open_page()
    held = []
    page.route("**/api/chat/stream", lambda route: held.append(route))
    page.fill("#question", "航空港实验区坚持走什么路子？")
    page.click("#send")
    expect(page.locator("#loading")).to_be_visible()
    expect(page.locator("#send")).to_be_disabled()
    held[0].fulfill(status=503, json={"detail": "the index is still loading"})
    # The Chinese page says what the refusal means in Chinese, and keeps the server's own words after it.
    expect(page.locator(".error")).to_contain_text("索引正在加载，请稍后再试（the index is still loading）（HTTP 503）")
    expect(page.locator("#loading")).to_be_hidden()
    expect(page.locator("#send")).to_be_enabled()

    page.unroute("**/api/chat/stream")
    page.route("**/api/chat/stream", lambda route: route.abort())
    page.fill("#question", "巩义要建成全省什么基地？")
    page.press("#question", "Enter")
    expect(page.locator(".error")).to_have_count(2)
    expect(page.locator(".error").last).to_contain_text("无法连接服务器")


def test_an_answer_in_a_hearing_is_read_with_the_question_it_answers(open_page):
    from playwright.sync_api import expect

    page = open_page(locale="en-GB", on="hearing")
    reply = ask(page, "Who pays for the night ferries?")
    card = reply.locator(".card").first
    expect(card.locator(".card-header")).to_contain_text("Mayor Santos")
    expect(card.locator(".card-text")).to_contain_text("Green Seawall Fund pays for the night ferries")
    card.click()
    context = page.locator("#context")
    expect(context.locator(".current")).to_contain_text("Green Seawall Fund pays for the night ferries")
    # The whole hearing is shorter than a context's reach: every turn, each under its speaker's name.
    expect(context.locator(".turn-speaker")).to_have_text(["Mayor Santos", "Councillor Okafor"] * 2 + ["Mayor Santos"])
    question = context.locator(".paragraph").nth(1)
    expect(question).to_contain_text("Who pays for the night ferries after the first year?")
    page.screenshot(path=OUT / "hearing-context.png")


def test_english_browser_gets_the_english_page_and_a_switch(open_page):
    from playwright.sync_api import expect

    page = open_page(locale="en-US")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#question")).to_have_attribute("placeholder", "Type a question and press Enter")
    expect(page.locator("#send")).to_have_text("Send")
    expect(page.locator("#show-library")).to_have_text("Library")
    page.select_option("#lang", "zh")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.locator("#question")).to_have_attribute("placeholder", "输入问题，按回车发送")
    page.select_option("#lang", "en")
    expect(page.locator("html")).to_have_attribute("lang", "en")


def test_examples_of_an_english_corpus_are_english(open_page):
    from playwright.sync_api import expect

    for locale in ("en-US", "zh-CN"):  # an English corpus offers English questions even to a Chinese page
        page = open_page(locale=locale, on="english")
        expect(page.locator(".examples button").first).to_be_visible()
        questions = page.locator(".examples button").all_inner_texts()
        assert "What did Maria Santos say?" in questions, questions
        assert not any(re.search(r"[\u4e00-\u9fff]", q) for q in questions), questions


def test_by_speaker_answer_in_both_languages(open_page):
    from playwright.sync_api import expect

    for locale, label in (("zh-CN", "按发言人"), ("en-US", "By speaker")):
        page = open_page(locale=locale)
        expect(page.locator(".toggle")).to_contain_text(label)
        page.check("#by-speaker")
        with page.expect_request("**/api/chat/stream") as request:
            reply = ask(page, "各区县在科技创新方面有什么举措？")
        assert request.value.post_data_json["group_by"] == "speaker"
        speakers = [h.split(" · ")[0] for h in headers(reply)]
        assert len(speakers) == len(set(speakers)) >= 8, speakers
        OUT.mkdir(exist_ok=True)
        page.screenshot(path=OUT / f"by-speaker-{locale[:2]}.png", full_page=True)


def test_date_filter(open_page):
    from playwright.sync_api import expect

    page = open_page()
    expect(page.locator("#dates")).to_be_visible()  # the seed speeches are dated 2021-01-05
    page.fill("#date-from", "2022-01-01")
    reply = ask(page, "巩义要建成全省什么基地？")
    expect(reply.locator(".card")).to_have_count(0)
    page.fill("#date-from", "2021-01-01")
    page.fill("#date-to", "2021-01-31")
    with page.expect_request("**/api/chat/stream") as request:
        reply = ask(page, "巩义要建成全省什么基地？")
    assert request.value.post_data_json["date_from"] == "2021-01-01"
    assert any("袁聚平" in h for h in headers(reply))


def test_read_only_server_shows_the_library_without_write_controls(open_page):
    from playwright.sync_api import expect

    page = open_page(locale="en-US")
    page.click("#show-library")
    expect(page.locator(".document").first).to_be_visible()
    expect(page.locator("#read-only")).to_be_visible()
    expect(page.locator("#upload")).to_be_hidden()
    expect(page.locator("#token")).to_be_hidden()
    expect(page.locator(".document button")).to_have_count(0)
    expect(page.locator("#question")).to_be_hidden()


def test_upload_from_the_page_is_listed_answered_with_its_speaker_and_deleted(open_page):
    from playwright.sync_api import expect

    speech = (
        "The Riverside Orchard Scheme plants four thousand pear trees along the canal banks this autumn. "
        "Volunteers from every ward will tend the orchards, and the fruit goes to school kitchens."
    )
    for locale, upload_label in (("en-US", "Upload"), ("zh-CN", "上传")):
        page = open_page(locale=locale, on="writable")
        page.click("#show-library")
        expect(page.locator("#upload-button")).to_have_text(upload_label)
        expect(page.locator("#token")).to_have_attribute("type", "password")
        OUT.mkdir(exist_ok=True)
        page.screenshot(path=OUT / f"library-{locale[:2]}.png", full_page=True)
    page = open_page(locale="en-US", on="writable")
    page.click("#show-library")
    page.fill("#token", TOKEN)
    page.set_input_files("#files", {"name": "orchard.txt", "mimeType": "text/plain", "buffer": speech.encode()})
    page.fill("#upload input[name=speaker]", "Ana Ruiz")
    page.fill("#upload input[name=title]", "Riverside Orchards")
    page.fill("#upload input[name=date]", "2024-03-02")
    page.click("#upload-button")
    expect(page.locator("#job")).to_have_attribute("data-state", "done", timeout=JOB_TIMEOUT_MS)
    item = page.locator(".document", has_text="Riverside Orchards")
    expect(item).to_contain_text("Ana Ruiz")
    expect(item).to_contain_text("2024-03-02")
    page.screenshot(path=OUT / "library-uploaded.png", full_page=True)
    # The token was typed once: a reload of the tab keeps it.
    page.reload()
    page.click("#show-library")
    expect(page.locator("#token")).to_have_value(TOKEN)

    page.click("#show-chat")
    reply = ask(page, "Who tends the pear orchards along the canal?")
    assert "Ana Ruiz" in headers(reply)[0], headers(reply)

    page.click("#show-library")
    page.locator(".document", has_text="Riverside Orchards").locator("button").click()
    expect(page.locator("#confirm")).to_be_visible()
    expect(page.locator("#confirm-text")).to_contain_text("Riverside Orchards")
    page.click("#confirm-yes")
    expect(page.locator("#job")).to_have_attribute("data-state", "done", timeout=JOB_TIMEOUT_MS)
    expect(page.locator(".document", has_text="Riverside Orchards")).to_have_count(0)
    page.click("#show-chat")
    reply = ask(page, "Who tends the pear orchards along the canal?")
    assert all("Ana Ruiz" not in h for h in headers(reply))


def test_phone_width(open_page):
    from playwright.sync_api import expect

    page = open_page(360, 740)
    expect(page.locator(".examples button").first).to_be_visible()
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 361
    page.locator(".examples button").first.click()
    expect(page.locator(".card").first).to_be_visible()
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 361
    OUT.mkdir(exist_ok=True)
    page.screenshot(path=OUT / "chat-phone.png", full_page=True)
    page.locator(".card").first.click()
    expect(page.locator("#context .current")).to_be_in_viewport()
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 361
    page.keyboard.press("Escape")
    page.check("#by-speaker")
    ask(page, "科技创新")
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 361
    page.click("#show-library")
    expect(page.locator(".document").first).to_be_visible()
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 361
    page.screenshot(path=OUT / "library-phone.png", full_page=True)


def test_source_details_link_and_media_times(open_page):
    """What a reader knows of a source is shown: event, place, a safe link, the part of a split paragraph and, for
    timed media, start–end as m:ss or h:mm:ss. The answer is stubbed: the seed corpus has no such sources."""
    from playwright.sync_api import expect

    source = {
        "document": "forum.srt",
        "title": "城市发展论坛",
        "date": "2021-03-02",
        "speaker": "李明",
        "role": "市长",
        "speech_title": "开放发展",
        "paragraph": 3,
        "part": 2,
        "event": "2021城市发展论坛",
        "place": "郑州",
        "url": "https://example.org/forum?id=1",
        "start": 754.0,
        "end": 3725.5,
    }
    unsafe = {**source, "url": "javascript:alert(1)", "part": None, "start": 5.0, "end": 65.0, "event": None}
    english = {
        **source,
        "speaker": "Lawrence Wong",
        "role": "Minister for Finance",
        "speech_title": "Budget Statement",
        "last_paragraph": 5,
        "part": None,
        "start": None,
        "url": None,
        "language": "en",
    }
    passages = [
        {"id": f"p{i}", "rank": i, "score": 0.9, "text": "文本", "source": s, "highlights": [], "best_sentence": "文本"}
        for i, s in enumerate([source, unsafe, english], start=1)
    ]
    page = open_page()
    answer = {"answer": "答", "query": "问", "passages": passages}
    page.route("**/api/chat/stream", lambda route: route.fulfill(body=sse("answer", answer), content_type=SSE))
    reply = ask(page, "问")
    assert headers(reply) == [
        "李明 · 市长 · 《开放发展》 · 第3段（第2部分） · 12:34–1:02:05",
        "李明 · 市长 · 《开放发展》 · 第3段 · 0:05–1:05",
        "Lawrence Wong · Minister for Finance · “Budget Statement” · ¶ 3–5",
    ]
    expect(reply.locator(".card-source").first).to_have_text("《城市发展论坛》 · 2021-03-02 · 2021城市发展论坛 · 郑州")
    link = reply.locator("a.source-link")
    expect(link).to_have_count(1)  # the javascript: URL is shown nowhere as a link
    expect(link).to_have_attribute("href", "https://example.org/forum?id=1")
    assert "noopener" in link.get_attribute("rel").split()
    reply.locator(".card").first.click()
    expect(page.locator("#context .context-meta a.source-link")).to_have_attribute(
        "href", "https://example.org/forum?id=1"
    )
    expect(page.locator("#context .context-meta")).to_contain_text("2021城市发展论坛 · 郑州")


GENERATED_QUESTION = "巩义要建成全省什么基地？"


@pytest.mark.parametrize(
    ("locale", "checking", "generated", "dropped"),
    [
        ("en-US", "not yet checked", "Written by the model", "Not supported by the passages"),
        ("zh-CN", "尚未核对", "由模型生成", "未被引文支持"),
    ],
)
def test_generated_answer_streams_then_shows_the_checked_version(
    open_page, standin, locale, checking, generated, dropped
):
    """The stand-in model writes passage [1]'s first sentence and an invented one: the page shows both as they
    come, marked unchecked, then the checked answer with the invention listed as not supported."""
    from playwright.sync_api import expect

    model, _ = standin
    model.reply, model.status, model.gate = first_sentence_reply, 200, threading.Event()
    try:
        page = open_page(locale=locale, on="generated")
        page.fill("#date-from", "2021-01-01")  # the filters still go with the question
        with page.expect_request("**/api/chat/stream") as request:
            page.fill("#question", GENERATED_QUESTION)
            page.press("#question", "Enter")
        # The model holds back its last piece until the gate opens: this is the text as it comes, unchecked.
        draft = page.locator(".reply.draft")
        expect(draft.locator(".draft-note")).to_contain_text(checking)
        expect(draft.locator(".draft-text")).to_contain_text(INVENTED[:12])
        expect(page.locator(".reply .answer")).to_have_count(0)
        model.gate.set()

        reply = page.locator(".reply").last
        expect(reply).to_have_attribute("data-mode", "generated")
        expect(page.locator(".reply.draft")).to_have_count(0)
        expect(reply.locator(".mode")).to_contain_text(generated)
        expect(reply.locator(".fallback")).to_have_count(0)
        expect(reply.locator(".answer")).not_to_contain_text(INVENTED[:12])
        assert request.value.post_data_json["date_from"] == "2021-01-01"

        box = reply.locator("details.dropped")
        expect(box.locator("summary")).to_contain_text(dropped)
        expect(box.locator(".dropped-sentence")).to_be_hidden()  # collapsed until asked for
        box.locator("summary").click()
        expect(box.locator(".dropped-sentence")).to_contain_text(INVENTED[:12])
        expect(box.locator("li")).to_have_attribute("data-kind", "unsupported")
        expect(box.locator(".dropped-reason")).to_contain_text("not supported by [1]")
        OUT.mkdir(exist_ok=True)
        page.screenshot(path=OUT / f"generated-{locale[:2]}.png", full_page=True)

        cite = reply.locator(".answer a.cite")
        expect(cite).to_have_count(1)
        expect(cite).to_have_text("[1]")
        first_card = reply.locator(".card").first
        expect(first_card.locator(".card-number")).to_have_text("[1]")
        assert cite.get_attribute("href") == "#" + first_card.get_attribute("id")
        cite.click()
        expect(first_card).to_be_focused()
        expect(first_card).to_be_in_viewport()
    finally:
        model.gate.set()
        model.gate = None


def test_unusable_model_is_quoted_saying_why(open_page, standin):
    from playwright.sync_api import expect

    model, _ = standin
    model.reply, model.status = first_sentence_reply, 500
    try:
        page = open_page(locale="en-US", on="generated")
        reply = ask(page, GENERATED_QUESTION)
        expect(reply).to_have_attribute("data-mode", "quoted")
        expect(reply.locator(".fallback")).to_contain_text("could not be used")
        expect(reply.locator(".fallback")).to_contain_text("answered HTTP 500")
        expect(reply.locator(".answer")).to_contain_text("袁聚平")
        expect(reply.locator(".cite, .card-number, details.dropped")).to_have_count(0)
    finally:
        model.status = 200


def test_stream_error_event_is_shown_and_the_draft_removed(open_page):
    from playwright.sync_api import expect

    page = open_page(locale="en-US")
    body = sse("delta", {"text": "Half a sentence"}) + sse("error", {"detail": "internal error"})
    page.route("**/api/chat/stream", lambda route: route.fulfill(body=body, content_type=SSE))
    page.fill("#question", "问")
    page.press("#question", "Enter")
    expect(page.locator(".error")).to_contain_text("internal error")
    expect(page.locator(".reply")).to_have_count(0)
    expect(page.locator("#send")).to_be_enabled()


def test_new_chat_while_the_model_writes_drops_the_unchecked_text(open_page, standin):
    from playwright.sync_api import expect

    model, _ = standin
    model.reply, model.status, model.gate = first_sentence_reply, 200, threading.Event()
    try:
        page = open_page(locale="en-US", on="generated")
        page.fill("#question", GENERATED_QUESTION)
        page.press("#question", "Enter")
        expect(page.locator(".reply.draft .draft-text")).to_contain_text(INVENTED[:12])
        page.click("#reset")
        expect(page.locator(".reply")).to_have_count(0)
        expect(page.locator("#empty")).to_be_visible()
        expect(page.locator("#send")).to_be_enabled()
        model.gate.set()
        reply = ask(page, GENERATED_QUESTION)  # the next question is answered as usual
        expect(reply).to_have_attribute("data-mode", "generated")
        expect(page.locator(".reply")).to_have_count(1)
    finally:
        model.gate.set()
        model.gate = None
