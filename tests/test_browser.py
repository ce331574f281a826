"""The chat page in Debian chromium, against the real app, bundled model and corpus."""

from __future__ import annotations

import shutil

import pytest

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

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    if CHROMIUM is None:
        pytest.skip("Debian chromium is not installed (apt-get install -y chromium); Playwright never downloads one")
    from qa.api import create_app
    from qa.embedding import SentenceTransformerEmbedder
    from qa.reader import read_corpus
    from qa.settings import load_settings
    from qa.store import build_lock, timed_build

    settings = load_settings(corpus_dir=REPO / "corpus", index_dir=tmp_path_factory.mktemp("index"))
    embedder = SentenceTransformerEmbedder(settings.model, settings.allow_download)
    with build_lock(settings.index_dir):
        timed_build(read_corpus(settings.corpus_dir), embedder, settings, settings.index_dir)
    app = create_app(settings, embedder=embedder)

    with serving(app) as url:
        yield url


@pytest.fixture(scope="module")
def browser(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def open_page(browser, server):
    """Open the chat page at a viewport size; fail on any script error or CSP violation it logs."""
    contexts, problems = [], []

    def open_(width=1280, height=900):
        context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
        page.on("console", lambda msg: console_error(msg, problems))
        page.goto(server)
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


def headers(reply) -> list[str]:
    return reply.locator(".card-header").all_inner_texts()


def test_chat_context_follow_up_and_escaping(open_page):
    from playwright.sync_api import expect

    page = open_page()
    # Two fixed questions, then three about speakers once /api/speakers has answered.
    expect(page.locator(".examples button")).to_have_count(5)
    expect(page.locator(".examples button").last).to_contain_text("在讲话中提出了什么？")

    reply = ask(page, "巩义要建成全省什么基地？")
    expect(reply.locator(".answer")).to_contain_text("袁聚平")
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

    with page.expect_request("**/api/chat") as request:
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
    page.route("**/api/chat", lambda route: held.append(route))
    page.fill("#question", "航空港实验区坚持走什么路子？")
    page.click("#send")
    expect(page.locator("#loading")).to_be_visible()
    expect(page.locator("#send")).to_be_disabled()
    held[0].fulfill(status=503, json={"detail": "the index is still loading"})
    expect(page.locator(".error")).to_contain_text("the index is still loading")
    expect(page.locator("#loading")).to_be_hidden()
    expect(page.locator("#send")).to_be_enabled()

    page.unroute("**/api/chat")
    page.route("**/api/chat", lambda route: route.abort())
    page.fill("#question", "巩义要建成全省什么基地？")
    page.press("#question", "Enter")
    expect(page.locator(".error")).to_have_count(2)
    expect(page.locator(".error").last).to_contain_text("无法连接服务器")


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
    page.route("**/api/chat", lambda route: route.fulfill(json={"answer": "答", "query": "问", "passages": passages}))
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
