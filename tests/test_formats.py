"""Each format reader on fixtures generated here: the speech's text in, the page/site/subtitle debris out."""

from __future__ import annotations

import io
import zipfile

import pytest

from qa.reader.encoding import decode
from qa.reader.formats import UnreadableFile, docx, html, pdf, subtitles

from .support.formats import EN_CHROME, encrypt_pdf, make_docx, make_pdf

# --- HTML -----------------------------------------------------------------------------------------------------

EN_PARAGRAPHS = [
    "The Minister for Finance opened the budget debate on Friday with a speech on the cost of living and on the "
    "skills workers will need in the coming decade.",
    '"We must invest in our people before we invest in anything else," he told the House, adding that training '
    "grants for mid-career workers would grow.",
    "Households will receive a one-off payment to help with utility bills.",
    "Thank you.",
]
EN_PAGE = f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Minister sets out budget priorities | Daily Example News</title>
<meta property="og:title" content="Minister sets out budget priorities">
<meta property="article:published_time" content="2024-02-16T10:30:00+08:00">
<link rel="canonical" href="https://news.example.com/2024/02/budget-speech"></head>
<body>{EN_CHROME["cookie"]}{EN_CHROME["nav"]}<main><article><h1>Minister sets out budget priorities</h1>
<p>{EN_PARAGRAPHS[0]}</p><p>{EN_PARAGRAPHS[1]}</p><h2>Support for households</h2>
<p>{EN_PARAGRAPHS[2]}</p><p>{EN_PARAGRAPHS[3]}</p></article>{EN_CHROME["comments"]}</main>
{EN_CHROME["sidebar"]}{EN_CHROME["footer"]}</body></html>"""

ZH_PARAGRAPHS = [
    "同志们：",
    "今天我们召开全市经济工作会议，主要任务是总结今年经济工作，分析当前经济形势，部署明年经济工作。",
    "一是稳增长。",
    "今年以来，全市上下坚持稳中求进工作总基调，地区生产总值增长百分之五点五，城乡居民收入稳步提高。",
    "明年要着力扩大有效需求，加快建设现代化产业体系，持续优化营商环境。",
    "谢谢大家。",
]
ZH_CHROME = [
    "首页",
    "政务公开",
    "当前位置",
    "热点新闻",
    "副市长调研城市建设",
    "版权所有",
    "京ICP备12345678号",
    "分享到",
]
ZH_RELATED = "".join(f'<li><a href="/n{i}">副市长调研城市建设第{i}站：加强城市基础设施建设</a></li>' for i in range(10))
ZH_PAGE = f"""<!DOCTYPE html><html lang="zh-CN"><head><meta charset="gb2312">
<title>市长在全市经济工作会议上的讲话_新闻中心_示例网</title><meta name="publishdate" content="2023-12-20"></head><body>
<div class="top-nav"><a href="/">首页</a><a href="/news">新闻中心</a><a href="/gov">政务公开</a></div>
<div class="crumb">当前位置：首页 &gt; 新闻中心 &gt; 要闻</div>
<div class="wrap"><div class="left"><h1>市长在全市经济工作会议上的讲话</h1>
<div class="TRS_Editor">{"".join(f"<p>{p}</p>" for p in ZH_PARAGRAPHS)}</div><div class="share">分享到：微信 微博</div></div>
<div class="right"><h3>热点新闻</h3><ul>{ZH_RELATED}</ul></div></div>
<div class="footer"><p>主办：示例市人民政府办公室 版权所有 © 2019</p><p>京ICP备12345678号 联系我们 网站地图</p></div>
</body></html>"""


def test_html_english_article_without_site_chrome():
    got = html.read(EN_PAGE.encode(), "budget.html")
    texts = [b.text for b in got.blocks]
    for paragraph in EN_PARAGRAPHS:
        assert paragraph in texts  # each of the article's own paragraphs is one block, short ones included
    assert [b.text for b in got.blocks if b.heading] == [
        "Minister sets out budget priorities",
        "Support for households",
    ]
    everything = "\n".join(texts)
    for chrome in ("cookies", "World News", "Sport Section", "Related stories", "Markets rally", "Great speech",
                   "Copyright", "Privacy"):  # fmt: skip
        assert chrome not in everything
    assert got.meta == {
        "title": "Minister sets out budget priorities",
        "date": "2024-02-16",
        "url": "https://news.example.com/2024/02/budget-speech",
        "language": "en",
    }


def test_html_chinese_news_page_in_its_declared_gbk():
    got = html.read(ZH_PAGE.encode("gb18030"), "讲话.html")
    texts = [b.text for b in got.blocks]
    for paragraph in ZH_PARAGRAPHS:
        assert paragraph in texts
    everything = "\n".join(texts)
    for chrome in ZH_CHROME:
        assert chrome not in everything
    assert got.meta["title"] == "市长在全市经济工作会议上的讲话"
    assert got.meta["date"] == "2023-12-20"  # the footer's "© 2019" is not taken for a date
    assert got.meta["language"] == "zh-CN"


def test_html_line_breaks_and_bare_pages():
    page = (
        '<html><body><div id="content">各位市民朋友：<br>大家好。<br>我們將持續投入公共運輸建設。</div></body></html>'
    )
    assert html.read(page.encode(), "x.html").blocks[0].text == "各位市民朋友：\n大家好。\n我們將持續投入公共運輸建設。"
    table_page = "<html><body><table><tr><td>各位代表：</td></tr><tr><td>现在，我代表市人民政府报告工作。</td></tr></table></body></html>"
    assert [b.text for b in html.read(table_page.encode(), "x.html").blocks] == [
        "各位代表：",
        "现在，我代表市人民政府报告工作。",
    ]
    with pytest.raises(UnreadableFile, match="no article text"):
        html.read(b"<html><body><nav></nav></body></html>", "x.html")


def test_html_source_lines_wrapped_inside_chinese_words_are_no_spaces():
    """A page whose source wraps its paragraphs (`国际形` / `势`) reads as a browser shows it; English keeps its space."""
    page = (
        "<html><body><article><p>昨天王毅外长出席了2014年国际形\n势与中国外交研讨会开幕式并发表演讲，全面阐述了中国外交取得"
        "的新进展。</p><p>The minister spoke of the\nnew year at length before the assembled press.</p></article>"
        "</body></html>"
    )
    texts = [b.text for b in html.read(page.encode(), "x.html").blocks]
    assert "国际形势与" in texts[0] and "the new year" in texts[1]


def test_html_falls_back_to_the_whole_body_when_the_extractor_finds_no_article(monkeypatch):
    monkeypatch.setattr(html.trafilatura, "bare_extraction", lambda *args, **kwargs: None)
    page = "<html><body><div><p>We gather today to honour those who served.</p></div></body></html>"
    assert [b.text for b in html.read(page.encode(), "x.html").blocks] == [
        "We gather today to honour those who served."
    ]


# --- DOCX -----------------------------------------------------------------------------------------------------

DOCX_ITEMS = [
    ("title", "Budget Statement 2024"),
    ("heading", "Economic outlook"),
    ("p", "Mr Speaker, Sir, I beg to move that Parliament approves the budget."),
    ("p", ""),
    ("p", "Our economy grew by 1.1 per cent last year."),
]


def test_docx_paragraphs_headings_table_and_title_hint():
    got = docx.read(make_docx("Budget 2024", DOCX_ITEMS, table=[["GDP growth", "1.1%"]]), "speech.docx")
    assert [(b.text, b.heading) for b in got.blocks] == [
        ("Budget Statement 2024", True),
        ("Economic outlook", True),
        ("Mr Speaker, Sir, I beg to move that Parliament approves the budget.", False),
        ("Our economy grew by 1.1 per cent last year.", False),
        ("GDP growth | 1.1%", False),
    ]
    assert got.meta == {"title": "Budget 2024"}  # the author (a clerk) is not taken for the speaker


def _without(raw: bytes, part: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw)) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.namelist():
            if item != part:
                target.writestr(item, source.read(item))
    return out.getvalue()


OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"this is not a zip archive", "not a zip"),
        (_without(make_docx("t", DOCX_ITEMS), "word/document.xml"), "missing word/document.xml"),
        (OLE + "EncryptionInfo".encode("utf-16-le"), "password-protected"),
        (OLE + "WordDocument".encode("utf-16-le"), "legacy Word"),
        (make_docx("t", [("p", "  ")]), "no text"),
    ],
)
def test_docx_unreadable_says_why(raw, reason):
    with pytest.raises(UnreadableFile, match=reason):
        docx.read(raw, "speech.docx")


# --- PDF ------------------------------------------------------------------------------------------------------

PDF_PAGES = [
    ["Budget Statement 2024 - page 1", "", "Mr Speaker, Sir, I beg to move that Parliament approves", "the budget.",
     "", "This year we face a difficult", "", "- 1 -"],
    ["Budget Statement 2024 - page 2", "economy and rising costs of living, but we will", "see it through together.",
     "\tAn indented line starts a paragraph", "that runs on at the margin.", "Page 2 of 3"],
    ["Budget Statement 2024 - page 3", "Thank you.", "", "3"],
]  # fmt: skip


def test_pdf_drops_running_header_and_page_numbers_and_joins_pages():
    raw = make_pdf(PDF_PAGES, info={"Title": "Budget Statement", "CreationDate": "D:20240216103000+08'00'"})
    got = pdf.read(raw, "budget.pdf")
    assert got.text == (
        "Mr Speaker, Sir, I beg to move that Parliament approves\nthe budget.\n\n"
        "This year we face a difficult\neconomy and rising costs of living, but we will\nsee it through together.\n\n"
        "An indented line starts a paragraph\nthat runs on at the margin.\n\nThank you."
    )  # page 2 ends a sentence, so page 3 starts a paragraph; page 1 ends mid-sentence and runs on
    # /CreationDate is when the file was made (printed, converted), not when the speech was given: no date
    assert got.meta == {"title": "Budget Statement"}


def test_pdf_two_pages_header_on_both_and_chinese_page_numbers():
    pages = [
        ["市政府工作报告", "各位代表：", "现在，我代表市人民政府，向大会报告工作，请予", "第1页"],
        ["市政府工作报告", "审议。", "第2页"],
    ]
    got = pdf.read(make_pdf(pages, cjk=True, info={"Title": "Microsoft Word - report.docx"}), "报告.pdf")
    assert got.text == "各位代表：\n现在，我代表市人民政府，向大会报告工作，请予\n审议。"
    assert got.meta == {}  # a converter's file name is no title


def test_pdf_two_columns_are_read_column_by_column():
    page = [f"Left column line {i} of the speech. || Right column line {i} of the speech." for i in range(4)]
    lines = pdf.read(make_pdf([page]), "x.pdf").text.splitlines()
    assert lines == [f"Left column line {i} of the speech." for i in range(4)] + [
        f"Right column line {i} of the speech." for i in range(4)
    ]


def test_pdf_encrypted_with_the_empty_password_is_read():
    raw = encrypt_pdf(make_pdf([["Fellow citizens, thank you."]]), user_password="")
    assert pdf.read(raw, "x.pdf").text == "Fellow citizens, thank you."


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (encrypt_pdf(make_pdf([["secret"]]), user_password="s3cret"), "password-protected"),
        (make_pdf([[], []]), r"no text layer \(scanned image\?\)"),
        (b"%PDF-1.7\nthis is not really a pdf", "corrupt PDF"),
        (make_pdf([["Some text on a page."]])[:200], "corrupt PDF"),
    ],
)
def test_pdf_unreadable_says_why(raw, reason):
    with pytest.raises(UnreadableFile, match=reason):
        pdf.read(raw, "x.pdf")


# --- Subtitles ------------------------------------------------------------------------------------------------

SRT = """1
00:00:01,000 --> 00:00:03,500
<i>Good evening,</i> my fellow
citizens. Tonight I want

2
00:00:03,600 --> 00:00:06,000
{\\an8}to talk about our future.

3
00:00:06,100 --> 00:00:08,000
[Applause]

4
00:00:09,000 --> 00:00:11,250
♪ anthem plays ♪
We have come a long way (LAUGHTER) together...

5
00:00:11,300 --> 00:00:13,000
and we will go further (and I mean it).
"""


def test_srt_cues_become_whole_sentences_split_at_pauses():
    got = subtitles.read_srt(("\ufeff" + SRT).replace("\n", "\r\n").encode("utf-8"), "speech.srt")
    assert [(b.text, b.start, b.end) for b in got.blocks] == [
        ("Good evening, my fellow citizens. Tonight I want to talk about our future.", 1.0, 6.0),
        ("We have come a long way together... and we will go further (and I mean it).", 9.0, 13.0),
    ]


def test_srt_chinese_joins_without_spaces_and_long_talk_is_split():
    cues = "".join(
        f"{i + 1}\n00:00:{i * 2:02d},000 --> 00:00:{i * 2 + 1:02d},500\n今天我们谈经济，\n这是第{i}句话。\n\n"
        for i in range(25)
    )
    blocks = subtitles.read_srt(cues.encode("gb18030"), "zh.srt").blocks
    assert blocks[0].text.startswith("今天我们谈经济，这是第0句话。今天我们谈经济，")
    assert len(blocks) == 25 // subtitles.PARAGRAPH_CUES + 1  # no pauses: a paragraph closes after enough cues
    assert (blocks[0].start, blocks[0].end, blocks[1].start) == (0.0, 19.5, 20.0)


VTT = """WEBVTT

NOTE speakers are marked with voice tags

00:00:01.000 --> 00:00:02.500 align:start
<v Mayor Lee>Good evening, <b>everyone</b>.</v>

00:00:05.000 --> 00:00:06.250
<v Mayor Lee>Let us begin.</v>

00:00:06.300 --> 00:00:08.000
<v.loud Reporter>Will taxes &amp; fees rise?</v>

00:00:08.500 --> 00:00:09.000
<v Mayor Lee>No.</v>

00:00:09.100 --> 00:00:10.000
<v Mayor Lee>They will not.</v>
"""


def test_vtt_voices_become_turns_named_once():
    got = subtitles.read_vtt(VTT.encode("utf-16"), "press.vtt")
    assert [(b.text, b.start, b.end, b.speaker) for b in got.blocks] == [
        ("Good evening, everyone.", 1.0, 2.5, "Mayor Lee"),
        ("Let us begin.", 5.0, 6.25, "Mayor Lee"),  # same voice after a pause: a new paragraph, not a new turn
        ("Will taxes & fees rise?", 6.3, 8.0, "Reporter"),
        ("No. They will not.", 8.5, 10.0, "Mayor Lee"),
    ]


# YouTube writes a line holding one space where a cue has no earlier line ("·" below, so editors keep it).
ROLLING_VTT = """WEBVTT
Kind: captions
Language: en

00:00:00.000 --> 00:00:02.000 align:start position:0%
·
good<00:00:00.400><c> evening</c><00:00:00.800><c> my</c>

00:00:02.000 --> 00:00:02.010 align:start position:0%
good evening my
·

00:00:02.010 --> 00:00:04.000 align:start position:0%
good evening my
fellow<00:00:02.500><c> citizens</c>

00:00:07.000 --> 00:00:09.000 align:start position:0%
fellow citizens
tonight we talk about jobs
"""


def test_vtt_rolling_captions_without_punctuation():
    got = subtitles.read_vtt(ROLLING_VTT.replace("·", " ").encode(), "auto.vtt")
    assert [(b.text, b.start, b.end) for b in got.blocks] == [
        ("good evening my fellow citizens", 0.0, 4.0),
        ("tonight we talk about jobs", 7.0, 9.0),
    ]


@pytest.mark.parametrize(
    ("reader", "raw", "reason"),
    [
        (subtitles.read_srt, b"hello there\nthis has no cues", "malformed SRT"),
        (subtitles.read_vtt, b"hello there", "malformed WebVTT"),
        (subtitles.read_vtt, b"WEBVTT\n\n", "no spoken text"),
        (subtitles.read_srt, b"1\n00:00:01,000 --> 00:00:02,000\n[Music]\n", "no spoken text"),
    ],
)
def test_subtitles_unreadable_says_why(reader, raw, reason):
    with pytest.raises(UnreadableFile, match=reason):
        reader(raw, "x")


# --- Encodings ------------------------------------------------------------------------------------------------

TRADITIONAL = "市長：各位市民朋友，大家好。今年是本市推動城市轉型的關鍵一年，我們將持續投入公共運輸與社會住宅建設。書記：謝謝市長。"
SIMPLIFIED = "市长：各位市民朋友，大家好。今年是本市推动城市转型的关键一年，我们将持续投入公共交通与保障性住房建设。书记：谢谢市长。"


@pytest.mark.parametrize(
    ("text", "encoding"),
    [(TRADITIONAL, "big5"), (SIMPLIFIED, "gb18030"), (SIMPLIFIED, "utf-16"), (TRADITIONAL, "utf-8-sig")],
)
def test_decode_detects_chinese_encodings(text, encoding):
    assert decode(text.encode(encoding)) == text
