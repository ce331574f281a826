"""The reader: layouts, languages, speakers, metadata and passage windows, on small texts made here."""

import logging

import pytest

from qa.reader import CorpusError, parse_text, read_corpus
from qa.reader.formats import Extracted
from qa.reader.labels_zh import parse_header
from qa.reader.layout import Para, ends_sentence, paragraphs, rejoin
from qa.reader.pipeline import build_document, draft
from qa.tokens import ApproxTokens

from .conftest import REPO, SPEECHES, write_corpus

LINCOLN = """---
speaker: Abraham Lincoln
role: President of the United States
date: 1865-03-04
title: Second Inaugural Address
---
Fellow-Countrymen:
At this second appearing to take the oath of the Presidential office there is less occasion for an extended address than there was at the first. Then a statement somewhat in detail of a course to be pursued seemed fitting and proper.
On the occasion corresponding to this four years ago all thoughts were anxiously directed to an impending civil war. All dreaded it, all sought to avert it.
One-eighth of the whole population were colored slaves, not distributed generally over the Union, but localized in the southern part of it. These slaves constituted a peculiar and powerful interest.
With malice toward none, with charity for all, with firmness in the right as God gives us to see the right, let us strive on to finish the work we are in.
"""


@pytest.mark.parametrize(
    ("line", "role", "speaker", "title"),
    [
        (
            "航空港实验区党工委书记张俊峰: 走好“枢纽+开放”路子 更好发挥引领带动作用",
            "航空港实验区党工委书记",
            "张俊峰",
            "走好“枢纽+开放”路子 更好发挥引领带动作用",
        ),
        (
            "郑东新区党工委书记、管委会主任牛瑞华：加快推进以人才为核心集聚创新要素",
            "郑东新区党工委书记、管委会主任",
            "牛瑞华",
            "加快推进以人才为核心集聚创新要素",
        ),
        ("登封市委副书记、市长杨金军: 坚持创新驱动", "登封市委副书记、市长", "杨金军", "坚持创新驱动"),
        ("中原区委书记乔登: 围绕“创”字发力", "中原区委书记", "乔登", "围绕“创”字发力"),
        ("東湖區委書記李明：建設生態新城區", "東湖區委書記", "李明", "建設生態新城區"),
        ("西山縣委副書記、縣長王芳: 發展現代農業", "西山縣委副書記、縣長", "王芳", "發展現代農業"),
    ],
)
def test_header_names_role_speaker_and_title(line, role, speaker, title):
    header = parse_header(line)
    assert (header.role, header.speaker, header.title) == (role, speaker, title)


@pytest.mark.parametrize(
    "line",
    [
        "市委全会对过去一年的工作进行了系统总结,鼓舞人心。",
        "徐书记所作的报告和说明,总结工作实事求是、条理清晰: 衷心拥护。",
        "抓好“两个围绕”:",
        "书记: 这一行没有名字",
    ],
)
def test_body_lines_are_not_headers(line):
    assert parse_header(line) is None


def test_cut_paragraphs_are_rejoined_by_language():
    zh = rejoin([Para("坚持以招商"), Para("引资和项目建设为生命线。"), Para("下一段。")], "zh")
    assert [p.text for p in zh] == ["坚持以招商引资和项目建设为生命线。", "下一段。"]
    en = rejoin([Para("supplies of raw"), Para("materials, such as rubber."), Para("Next one.")], "en")
    assert [p.text for p in en] == ["supplies of raw materials, such as rubber.", "Next one."]
    heading = rejoin([Para("ECONOMIC OUTLOOK"), Para("Our economy grew.")], "en")
    assert len(heading) == 2, "a heading is not a sentence cut in half"
    assert ends_sentence("他说：“好。”") and not ends_sentence("打造“四个美丽”")


def test_one_paragraph_per_line_with_front_matter():
    doc = parse_text("1865-lincoln.txt", LINCOLN)
    assert (doc.title, doc.date) == ("Second Inaugural Address", "1865-03-04")
    assert len(doc.passages) == 4
    first = doc.passages[0]
    assert first.text.startswith("Fellow-Countrymen: At this second appearing"), "the salutation joins what follows"
    assert all(p.speaker == "Abraham Lincoln" and p.role == "President of the United States" for p in doc.passages)
    assert doc.passages[-1].text.startswith("With malice toward none")


def test_latin_joining_keeps_words_and_sentences_apart():
    text = "My friends,This is a day of national consecration.Address.[1]Delivered in\nperson at the Capi-\ntol to the whole nation.\n"
    (p,) = paragraphs(text, "en")
    assert (
        p.text
        == "My friends, This is a day of national consecration. Address. Delivered in person at the Capi-tol to the whole nation."
    )


def test_print_debris_and_boilerplate_are_not_passages(tmp_path):
    folder = tmp_path / "c"
    folder.mkdir()
    for year in (2001, 2002, 2003):
        body = (
            f"Budget Statement {year}\n\nThe first page of the document.\n\n3.30 pm\n\nColumn No : {year - 1600}\n\n12\n\n"
            f"In {year} the economy grew strongly and revenue rose, so we will invest more in schools this year.\n\n"
            f"- 2 -\n\nThe first page of the document.\n\nWe will also raise the pension by {year - 1990} dollars a month.\n"
        )
        (folder / f"{year}.txt").write_text(body, encoding="utf-8")
    corpus = read_corpus(folder)
    texts = [p.text for p in corpus.passages]
    assert len(texts) == 6
    for debris in ("first page", "3.30 pm", "Column No", "- 2 -"):
        assert not any(debris in t for t in texts), debris
    assert {d.title for d in corpus.documents} == {
        "Budget Statement 2001",
        "Budget Statement 2002",
        "Budget Statement 2003",
    }


def test_a_heading_printed_once_in_each_speech_is_kept_where_a_running_header_is_dropped(tmp_path):
    folder = tmp_path / "c"
    folder.mkdir()
    for year in (2010, 2013, 2015):
        page = "Speech from the Throne | Page\n\n"
        body = (
            f"{page}We will balance the budget by {year + 5}.\n\n{page}Conclusion\n\n"
            f"{page}May Divine Providence guide you in {year}.\n"
        )
        (folder / f"{year}.txt").write_text(body, encoding="utf-8")
    passages = read_corpus(folder).passages
    assert [p.section for p in passages] == [None, "Conclusion"] * 3
    assert not any("Page" in p.text or "Page" in (p.section or "") for p in passages)


HANSARD = """# Budget Speech

**Date:** 2024-02-16

---

**Mr Speaker**

: Order. The Clerk will now proceed to read the Notice of Motion.

**The Deputy Prime Minister and Minister for Finance (Mr Lawrence Wong)**

: Mr Speaker, Sir, I beg to move that Parliament approves the financial policy of the Government.

The past year has not been easy. The international environment was troubled and the global economy was subdued.

Mr Speaker:Order. I propose to take the break now and will take the Chair again at 4.55 pm.

**[Mr Speaker in the Chair]**

Sitting resumed at 4.55 pm

We will strengthen our social safety nets and help every household with the cost of living.

Dr Goh Keng Swee (Minister for Finance)

The Estimates before the House may be of some interest to honourable Members today.
"""


def test_hansard_turns_have_speakers_and_roles():
    doc = parse_text("2024.md", HANSARD)
    assert doc.date == "2024-02-16" and doc.title == "Budget Speech"
    got = [(p.speaker, p.role, p.text[:24]) for p in doc.passages]
    assert got == [
        ("Mr Speaker", None, "Order. The Clerk will no"),
        ("Lawrence Wong", "Deputy Prime Minister and Minister for Finance", "Mr Speaker, Sir, I beg t"),
        ("Lawrence Wong", "Deputy Prime Minister and Minister for Finance", "The past year has not be"),
        ("Mr Speaker", None, "Order. I propose to take"),
        ("Lawrence Wong", "Deputy Prime Minister and Minister for Finance", "We will strengthen our s"),
        ("Goh Keng Swee", "Minister for Finance", "The Estimates before the"),
    ]


def test_press_and_interview_turns():
    text = (
        "---\nspeaker: Jane Doe\n---\n"
        "MR. SMITH: Good morning. Thank you all for coming to this briefing on the harbour project today.\n\n"
        "Q: When will the new harbour bridge open to traffic, and what will it cost the city?\n\n"
        "A: We expect it to open next spring, and the cost stays within the budget approved last year.\n"
    )
    doc = parse_text("briefing.txt", text)
    assert [p.speaker for p in doc.passages] == ["Mr. Smith", "Questioner", "Jane Doe"]
    assert doc.passages[2].text.startswith("We expect it to open")


def test_chinese_interview_turns():
    text = (
        "---\nspeaker: 王芳\nrole: 西山县委书记\n---\n"
        "问：西山县明年在农业方面有什么打算？请具体谈一谈。\n\n"
        "答：我们将建设三个现代农业产业园，带动农民增收致富。\n\n"
        "問：鄉村振興怎麼推進？\n"
    )
    doc = parse_text("interview.txt", text)
    assert [(p.speaker, p.role, p.text[:6]) for p in doc.passages] == [
        ("提问者", None, "西山县明年在"),
        ("王芳", "西山县委书记", "我们将建设三"),
        ("提问者", None, "鄉村振興怎麼"),
    ]


def test_long_paragraphs_are_split_at_sentences_with_overlap():
    sentence = "The council will build {n} new homes near the river and the old railway yard this year."
    text = "\n\n".join([" ".join(sentence.format(n=i) for i in range(40)), "A short closing paragraph that fits well."])
    doc = parse_text("long.txt", "Plan\n\n" + text, counter=ApproxTokens(max_tokens=120))
    parts = [p for p in doc.passages if p.paragraph == 1]
    assert len(parts) > 3 and [p.part for p in parts] == list(range(1, len(parts) + 1))
    counter = ApproxTokens()
    for p in parts:
        assert counter.count([p.text])[0] <= 120
        assert p.text.endswith("this year."), "parts end at sentence boundaries"
    assert parts[1].text.startswith(parts[0].text.rsplit(". ", 1)[-1][:30]), "each part repeats the last sentence"
    assert doc.passages[-1].part is None and doc.passages[-1].paragraph == 2
    assert len({p.id for p in doc.passages}) == len(doc.passages)


def test_a_speech_printed_twice_is_kept_once():
    para = "Growth was strong. Unemployment fell. Wages rose. Exports grew. Prices were stable."
    glued = para.replace(". ", ".")
    doc = parse_text(
        "2008.md", f"Speech\n\n{glued} Revenue rose too.\n\n{para}\n\nRevenue rose too, so we will save more.\n"
    )
    assert [p.text for p in doc.passages] == [para, "Revenue rose too, so we will save more."]


def test_document_structure_and_attribution():
    doc = parse_text("city-2021-01-05-speeches.txt", SPEECHES)
    assert doc.title == "为某市发展贡献力量"
    assert doc.subtitle.startswith("——")
    assert doc.date == "2021-01-05"
    lead, *speech = doc.passages
    assert lead.speaker is None and lead.speech == 0
    assert [(p.speaker, p.role, p.paragraph) for p in speech] == [
        ("李明", "东湖区委书记", 1),
        ("李明", "东湖区委书记", 2),
        ("王芳", "西山县委书记、县长", 1),
    ]
    assert speech[1].text == "下一步,东湖区将坚持以生态优先为导向,打造“湖城共生”示范区,建设十个湿地公园。"
    assert speech[2].speech_title == "发展现代农业 促进乡村振兴"
    assert all(not parse_header(p.text) for p in doc.passages), "a header is metadata, never a passage"
    assert len({p.id for p in doc.passages}) == len(doc.passages)


def test_ids_are_stable_across_reads():
    first = [p.id for p in parse_text("a.txt", SPEECHES).passages]
    assert first == [p.id for p in parse_text("a.txt", SPEECHES).passages]


def test_metadata_sources_in_order_of_strength(tmp_path, caplog):
    folder = tmp_path / "c"
    write_corpus(folder, "---\ndate: 2020-03-01\ntitle: 标题\n---\n" + SPEECHES, "a.md")
    write_corpus(folder, SPEECHES, "b.txt")
    write_corpus(folder, SPEECHES, "c.txt")
    (folder / "b.meta.json").write_text('{"date": "2019-09", "event": "全会"}', encoding="utf-8")
    (folder / "metadata.csv").write_text(
        "file,date,place,url,speaker\na.md,1999-01-01,郑州,https://example.org/a,\nb.txt,1999,北京,,\nc.txt,2019-02-30,,,\n",
        encoding="utf-8",
    )
    with caplog.at_level(logging.WARNING):
        docs = {d.file: d for d in read_corpus(folder).documents}
    a, b, c = docs["a.md"].passages[0], docs["b.txt"].passages[0], docs["c.txt"].passages[0]
    assert (a.date, a.title, a.place, a.url) == ("2020-03-01", "标题", "郑州", "https://example.org/a")
    assert (b.date, b.event, b.place) == ("2019-09", "全会", "北京")
    assert c.date is None and "2019-02-30" in caplog.text, "an impossible date is dropped with a warning"


def test_traditional_text_reads_like_simplified(tmp_path):
    import opencc

    traditional = opencc.OpenCC("s2tw").convert(SPEECHES)
    folder = tmp_path / "c"
    (folder).mkdir()
    (folder / "big5.txt").write_bytes(traditional.encode("big5"))
    (doc,) = read_corpus(folder).documents
    assert [p.speaker for p in doc.passages if p.speaker][:1] == ["李明"]
    assert any("東湖區將堅持以生態優先為導向" in p.text for p in doc.passages), "original characters are kept"


def test_encodings_and_unreadable_files(tmp_path, caplog):
    folder = tmp_path / "c"
    folder.mkdir()
    (folder / "bom.txt").write_bytes(b"\xef\xbb\xbf" + SPEECHES.encode("utf-8"))
    (folder / "gbk.txt").write_bytes(SPEECHES.encode("gb18030"))
    (folder / "utf16.txt").write_bytes(SPEECHES.encode("utf-16"))
    (folder / "binary.txt").write_bytes(b"\x00\x01\x02PNG")
    (folder / "README.md").write_text("# About this folder\n\nNotes, not a speech.\n", encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        corpus = read_corpus(folder)
    assert sorted(d.file for d in corpus.documents) == ["bom.txt", "gbk.txt", "utf16.txt"]
    assert corpus.skipped == ["binary.txt: binary, not text"]
    assert "binary.txt" in caplog.text
    texts = {d.file: d.passages[1].text for d in corpus.documents}
    assert texts["bom.txt"] == texts["gbk.txt"] == texts["utf16.txt"]


def test_missing_or_empty_corpus_is_a_clear_error(tmp_path):
    with pytest.raises(CorpusError, match="does not exist"):
        read_corpus(tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(CorpusError, match="no readable"):
        read_corpus(tmp_path / "empty")


def test_fingerprint_follows_content_and_metadata(tmp_path):
    folder = write_corpus(tmp_path / "c")
    before = read_corpus(folder).fingerprint
    assert read_corpus(folder).fingerprint == before
    (folder / "metadata.csv").write_text("file,place\nspeeches.txt,郑州\n", encoding="utf-8")
    after_csv = read_corpus(folder).fingerprint
    assert after_csv != before
    write_corpus(folder, SPEECHES + "\n补充一段。\n")
    assert read_corpus(folder).fingerprint != after_csv


def test_seed_corpus_structure():
    corpus = read_corpus(REPO / "corpus")
    (doc,) = corpus.documents
    assert doc.date == "2021-01-05"
    assert doc.speech_count == 15 and len(doc.passages) == 28
    speakers = {p.speaker for p in doc.passages if p.speaker}
    assert {"张俊峰", "牛瑞华", "袁聚平", "杨金军", "宋洁"} <= speakers
    for p in doc.passages:
        assert ends_sentence(p.text), f"passage ends mid-sentence: …{p.text[-12:]}"
        assert not parse_header(p.text)
    joined = [p for p in doc.passages if "坚持以招商引资和项目建设为生命线" in p.text]
    assert len(joined) == 1 and joined[0].speaker == "张俊峰"
    assert any("加快小微企业园建设" in p.text for p in doc.passages)


def test_bad_metadata_is_one_warning_and_loses_nothing(tmp_path, caplog):
    folder = tmp_path / "c"
    write_corpus(folder, "---\nspeaker: [unclosed\n---\n" + SPEECHES, "a.txt")
    write_corpus(folder, SPEECHES, "b.txt")
    (folder / "b.meta.json").write_text("[1, 2]", encoding="utf-8")
    (folder / "metadata.csv").write_text("name,date\nb.txt,2020\n", encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        corpus = read_corpus(folder)
    assert sorted(d.file for d in corpus.documents) == ["a.txt", "b.txt"]
    assert all(len(d.passages) == 4 for d in corpus.documents)
    for what in ("front matter of a.txt", "b.meta.json: not a JSON object", "metadata.csv: it needs a 'file' column"):
        assert what in caplog.text, what


def test_a_catalogue_row_with_more_values_than_columns_is_named_and_still_used(tmp_path, caplog):
    folder = tmp_path / "c"
    write_corpus(folder, SPEECHES, "a.txt")
    write_corpus(folder, SPEECHES, "b.txt")
    rows = 'file,speaker,title\na.txt,Ann Lee,Budget (2nd session, 41st Parliament)\nb.txt,Bo Chen,"Budget, 2014"\n'
    (folder / "metadata.csv").write_text(rows, encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        corpus = read_corpus(folder)
    speakers = {d.file: d.passages[0].speaker for d in corpus.documents}
    assert speakers == {"a.txt": "Ann Lee", "b.txt": "Bo Chen"} and all(len(d.passages) == 4 for d in corpus.documents)
    assert "metadata.csv line 2: 4 values for 3 columns" in caplog.text and "line 3" not in caplog.text


def test_a_reader_bug_skips_one_file_not_the_corpus(tmp_path, monkeypatch, caplog):
    from qa.reader.formats import html

    def broken(raw, name):
        raise TypeError("unexpected structure")

    monkeypatch.setattr(html, "read", broken)
    folder = write_corpus(tmp_path / "c")
    (folder / "page.html").write_text("<html><body><p>text</p></body></html>", encoding="utf-8")
    seen = []
    with caplog.at_level(logging.WARNING):
        corpus = read_corpus(folder, progress=lambda done, total: seen.append((done, total)))
    assert [d.file for d in corpus.documents] == ["city-2021-01-05-speeches.txt"]
    assert corpus.skipped == ["page.html: reader failed (TypeError)"] and "unexpected structure" in caplog.text
    assert seen == [(1, 2), (2, 2)]


def test_an_impossible_front_matter_date_loses_only_the_date(tmp_path, caplog):
    (tmp_path / "trees.txt").write_text(
        "---\nspeaker: Anna Berg\ndate: 2023-02-30\n---\nWe will plant ten thousand street trees.\n", encoding="utf-8"
    )
    with caplog.at_level(logging.WARNING):
        corpus = read_corpus(tmp_path)
    (passage,) = corpus.passages
    assert not corpus.skipped and passage.speaker == "Anna Berg" and passage.date is None
    assert "2023-02-30" in caplog.text and "trees.txt" in caplog.text


def test_a_sidecar_may_carry_the_full_file_name(tmp_path):
    (tmp_path / "remarks.md").write_text("We open the harbour bridge today.\n", encoding="utf-8")
    (tmp_path / "remarks.md.meta.json").write_text('{"speaker": "Governor Lee", "date": "2024-08-31"}', "utf-8")
    (passage,) = read_corpus(tmp_path).passages
    assert (passage.speaker, passage.date) == ("Governor Lee", "2024-08-31")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "---\nspeaker: 刘市长\n---\n问：今年的老旧小区改造计划是什么？\n答：今年我们计划改造老旧小区二百个。\n",
            [("提问者", "今年的老旧小区改造计划是什么？"), ("刘市长", "今年我们计划改造老旧小区二百个。")],
        ),
        (
            "Press briefing notes\n\nCOUNCILLOR KIM: The recycling program will expand by March.\n"
            "MAYOR PARK: And we will pilot food waste collection.\n",
            [("Councillor Kim", "The recycling program will expand by March."),
             ("Mayor Park", "And we will pilot food waste collection.")],
        ),
        (
            "记者：停车难问题怎么解决\n市长王立新：我们将新建公共停车位一万五千个。\n",
            [("记者", "停车难问题怎么解决"), ("王立新", "我们将新建公共停车位一万五千个。")],
        ),
    ],
)  # fmt: skip
def test_a_short_transcript_keeps_each_turn_apart(tmp_path, text, expected):
    """Two turn lines are too few to tell one-paragraph-a-line from wrapped print: the labels decide."""
    (tmp_path / "briefing.txt").write_text(text, encoding="utf-8")
    assert [(p.speaker, p.text) for p in read_corpus(tmp_path).passages] == expected


def test_chinese_press_conference_labels_and_the_documents_own_speaker():
    doc = parse_text(
        "答记者问.txt",
        "---\nspeaker: 刘建华\nrole: 市长\n---\n各位代表：现在我通报三件事。\n\n记者：请问停车难怎么解决？\n\n市长：我们将新建停车位。\n",
    )
    got = [(p.speaker, p.text) for p in doc.passages]
    # A greeting is not a turn; a bare role the document's speaker holds is that speaker.
    assert got == [
        ("刘建华", "各位代表：现在我通报三件事。"),
        ("记者", "请问停车难怎么解决？"),
        ("刘建华", "我们将新建停车位。"),
    ]


def test_an_english_role_and_name_label_is_a_turn():
    doc = parse_text("hall.txt", "Deputy Mayor Karen Liu: We will open two libraries.\n\nThank you all.\n")
    assert {(p.speaker, p.role) for p in doc.passages} == {("Karen Liu", "Deputy Mayor")}


def test_subtitle_cues_that_open_with_a_label_start_a_turn(tmp_path):
    srt = (
        "1\n00:00:00,500 --> 00:00:03,000\n记者：请问市长，\n\n2\n00:00:03,000 --> 00:00:06,000\n改造计划是什么？\n\n"
        "3\n00:00:07,000 --> 00:00:10,000\n市长：今年改造二百个小区。\n"
    )
    (tmp_path / "答记者问.srt").write_text(srt, encoding="utf-8")
    got = [(p.speaker, p.text, p.start) for p in read_corpus(tmp_path).passages]
    assert got == [("记者", "请问市长，改造计划是什么？", 0.5), ("市长", "今年改造二百个小区。", 7.0)]


def test_subtitle_voices_name_the_speaker_and_role(tmp_path):
    vtt = "WEBVTT\n\n00:00:01.000 --> 00:00:03.000\n<v Mayor Ana Ruiz>Good evening, everyone.</v>\n\n"
    vtt += "00:00:04.000 --> 00:00:06.000\n<v Tom Baker>What about the bus stop?</v>\n"
    (tmp_path / "hall.vtt").write_text(vtt, encoding="utf-8")
    got = [(p.speaker, p.role, p.text) for p in read_corpus(tmp_path).passages]
    assert got == [("Ana Ruiz", "Mayor", "Good evening, everyone."), ("Tom Baker", None, "What about the bus stop?")]


def test_files_no_reader_takes_are_named_with_the_reason(tmp_path, caplog):
    (tmp_path / "speech.txt").write_text("We will build a new library.\n", encoding="utf-8")
    (tmp_path / "old.doc").write_bytes(b"\xd0\xcf\x11\xe0")
    (tmp_path / "speech.meta.json").write_text('{"speaker": "Ann"}', encoding="utf-8")
    (tmp_path / ".hidden.rtf").write_text("x", encoding="utf-8")
    (tmp_path / "gone.txt").symlink_to(tmp_path / "missing.txt")
    with caplog.at_level(logging.WARNING):
        corpus = read_corpus(tmp_path)
    assert [s.split(":")[0] for s in corpus.skipped] == ["gone.txt", "old.doc"]
    assert "broken link" in corpus.skipped[0] and ".doc files are not read" in corpus.skipped[1]
    assert "skipping old.doc" in caplog.text and len(corpus.passages) == 1


def test_the_date_under_a_chinese_header_dates_the_speech_not_its_title():
    doc = parse_text(
        "讲话.txt", "市长 王建国：在全市优化营商环境工作会议上的讲话\n（2023年4月18日）\n\n同志们：今天我们开会。\n"
    )
    (p,) = doc.passages
    assert (p.speaker, p.speech_title, p.date, doc.date) == (
        "王建国",
        "在全市优化营商环境工作会议上的讲话",
        "2023-04-18",
        "2023-04-18",
    )
    apart = parse_text("讲话.txt", "市长 王建国：在全市会议上的讲话\n\n（2023年4月18日）\n\n同志们：今天我们开会。\n")
    assert [(p.date, p.text) for p in apart.passages] == [("2023-04-18", "同志们：今天我们开会。")]


def test_a_greeting_is_not_the_title(tmp_path):
    doc = parse_text("市长 讲话 2023-05-20.txt", "同志们：\n今天我们召开全市大会。\n")
    assert doc.title == "市长 讲话 2023-05-20" and doc.passages[0].text.startswith("同志们：")


def test_a_report_byline_title_echo_and_subtitle_date():
    """A government work report as a PDF gives it: the file's title, the title printed again, a `——date at
    meeting` subtitle, then the speaker's role and name alone on a line."""
    text = "政府工作报告\n\n——2024年1月15日在市第十五届人民代表大会第四次会议上\n\n市长 赵立新\n\n各位代表：现在我向大会报告工作。\n"
    doc = build_document(
        draft("report.pdf", Extracted(text=text, meta={"title": "2024年政府工作报告"}), {}), ApproxTokens()
    )
    (p,) = doc.passages
    assert (doc.title, doc.subtitle, doc.date) == (
        "2024年政府工作报告",
        "——2024年1月15日在市第十五届人民代表大会第四次会议上",
        "2024-01-15",
    )
    assert (p.speaker, p.role, p.text) == ("赵立新", "市长", "各位代表：现在我向大会报告工作。")


def test_press_release_stage_notes_and_end_marks_are_not_text(tmp_path):
    page = (
        "<html><body><article><h1>Remarks by the Mayor</h1><p><em>As prepared for delivery</em></p>"
        "<p>Good morning, everyone. Today we open forty new homes for working families in Riverside.</p>"
        "<p>Thank you, and let's get to work.</p><p>###</p></article></body></html>"
    )
    (tmp_path / "remarks.html").write_text(page, encoding="utf-8")
    (tmp_path / "statement.md").write_text(
        "*Check against delivery*\n\nWe will plant trees on every street.\n\n###\n", "utf-8"
    )
    text = " ".join(p.text for p in read_corpus(tmp_path).passages)
    assert "delivery" not in text.lower() and "###" not in text
    assert "Good morning, everyone." in text and "We will plant trees on every street." in text
