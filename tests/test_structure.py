"""Document structure from evidence (issue 16): furniture, wrapped paragraphs, sections, title blocks, turns,
and `qa build --explain`; one minimal example per rule."""

import textwrap

from click.testing import CliRunner

from qa.cli import cli
from qa.reader import parse_text, read_corpus
from qa.reader.explain import explain
from qa.reader.furniture import furniture_keys, is_furniture
from qa.reader.labels_en import english_label
from qa.reader.labels_zh import byline
from qa.reader.layout import paragraphs, read_layout
from qa.reader.sections import heading_level
from qa.reader.structure import dated_line, event_of

from .conftest import FAKE


def wrap(text: str, width: int = 60) -> list[str]:
    return textwrap.wrap(text, width)


# --- page furniture -----------------------------------------------------------------------------------------


def test_a_meeting_line_on_every_page_is_removed_and_the_cut_sentence_rejoined():
    page = ["General Assembly 14th meeting", "Forty-ninth session 3 October 1994"]
    body = wrap("We believe that what we can and must do, " * 12 + "is to act together.")
    lines = page + body[:14] + ["94-86474"] + page + body[14:]
    (para,) = paragraphs("\n".join(lines), "en")
    assert "General Assembly" not in para.text and "94-86474" not in para.text
    assert para.text == " ".join(body)


def test_a_repeated_sentence_or_label_is_not_furniture():
    lines = ["Thank you.", *["x" * 50] * 12, "Thank you.", "记者：请问", *["y"] * 12, "记者：请问"]
    keys = furniture_keys(lines)
    assert not is_furniture("Thank you.", keys) and not is_furniture("记者：请问", keys)


def test_a_un_job_number_and_document_symbol_are_furniture_even_once():
    assert is_furniture("09-52425", set()) and is_furniture("A/64/PV.4", set())
    assert not is_furniture("We met in 2009.", set())
    # A record's running head alternates the symbol and the meeting's date from page to page.
    assert is_furniture("A/70/PV.22 01/10/2015", set()) and is_furniture("01/10/2015 A/70/PV.22", set())
    assert not is_furniture("On 01/10/2015 we met.", set())


def test_invisible_characters_are_removed_on_reading():
    paras, layout = read_layout("\u200b\n政\u200b府工作报告\ufeff很好。\n", "zh")
    assert [p.text for p in paras] == ["政府工作报告很好。"] and layout.removed.invisible == 3


def test_an_invisible_title_is_never_a_title():
    doc = parse_text("report.txt", "\u200b\n\n我们的工作取得了新的进展，全年经济增长百分之六。\n")
    assert doc.title == "report" and doc.passages[0].text.startswith("我们的工作")


# --- paragraphs of hard-wrapped text without blank lines -----------------------------------------------------


PARAGRAPH_ONE = [  # wrapped at 60: its last line ends a sentence with room for the next word
    "The first paragraph speaks of peace and of the work that the",
    "Organization does every day in every part of the world, and",
    "it ends here.",
]
PARAGRAPH_TWO = [
    "The second paragraph speaks of development and of the poorest",
    "countries in the world, which need our help more than ever.",
]


def test_hard_wrapped_text_without_blank_lines_reads_as_its_paragraphs():
    paras, layout = read_layout("\n".join(PARAGRAPH_ONE + PARAGRAPH_TWO), "en")
    assert [p.text for p in paras] == [" ".join(PARAGRAPH_ONE), " ".join(PARAGRAPH_TWO)]
    assert layout.mode == "hard-wrapped" and layout.width == 61 and layout.breaks["short line"] == 1


def test_an_indented_line_after_a_sentence_starts_a_paragraph():
    full_stop = "countries in the world, which need our help more than ever."  # too full for the next word
    lines = ["  " + PARAGRAPH_ONE[0], PARAGRAPH_ONE[1], full_stop, "  " + PARAGRAPH_TWO[0], PARAGRAPH_TWO[1]]
    paras, layout = read_layout("\n".join(lines), "en")
    assert len(paras) == 2 and layout.breaks["indent"] == 1


# --- sections ------------------------------------------------------------------------------------------------


def test_numbered_headings_and_their_levels():
    assert heading_level("一、2016年工作回顾", "zh") == 1
    assert heading_level("（三）着力保障和改善民生", "zh") == 2
    assert heading_level("第二部分", "zh") == 0
    assert heading_level("I. Peace and security", "en") == 3
    assert heading_level("Economic Development", "en") is not None
    assert heading_level("一、我们做了很多工作。其次，我们还做了更多工作。最后还有。", "zh") is None
    assert heading_level("各位代表：", "zh") is None and heading_level("We act now.", "en") is None


def test_headings_become_the_section_of_the_passages_under_them():
    text = (
        "一、2016年工作回顾\n过去一年，全市经济平稳增长，就业形势总体稳定，居民收入持续增加。\n"
        "二、2017年主要任务\n（一）扩大有效投资\n全年安排重点项目三百个，完成投资一千五百亿元以上。\n"
    )
    doc = parse_text("r.txt", "政府工作报告\n" + text)
    assert [(p.section, p.text[:4]) for p in doc.passages] == [
        ("一、2016年工作回顾", "过去一年"),
        ("二、2017年主要任务 / （一）扩大有效投资", "全年安排"),
    ]
    assert "（一）扩大有效投资" in doc.passages[1].indexed_text  # the heading is searchable with the passage under it
    assert doc.passages[1].source()["section"] == "二、2017年主要任务 / （一）扩大有效投资"


def test_a_references_part_at_the_end_is_not_speech():
    paras = [f"Paragraph {n} says something about peace and the world today." for n in range(4)]
    doc = parse_text("s.txt", "\n\n".join(["Speech", *paras, "References", "Smith, J. (1990). A book."]))
    assert all("Smith" not in p.text for p in doc.passages) and len(doc.passages) == 4


# --- title block: bylines, dates, events, titles --------------------------------------------------------------


def test_bylines_with_spaced_names():
    assert byline("国务院总理 李克强") == ("李克强", "国务院总理")
    assert byline("国务院总理 李 强") == ("李强", "国务院总理")
    assert byline("习 近 平") == ("习近平", None)
    assert byline("各位代表") is None and byline("今天天气 很好") is None


def test_dated_lines_and_their_events():
    assert dated_line("（2022年10月16日）") == ("2022-10-16", None)
    assert dated_line("——2017年3月5日在第十二届全国人民代表大会第五次会议上") == (
        "2017-03-05",
        "第十二届全国人民代表大会第五次会议",
    )
    assert dated_line("3 October 1994") == ("1994-10-03", None)
    assert dated_line("October 3, 1994") == ("1994-10-03", None)
    # A weekday beside the date is part of it (a Hansard sitting's `THURSDAY, 11 MARCH 2021`), not its event.
    assert dated_line("THURSDAY, 11 MARCH 2021") == ("2021-03-11", None)
    assert dated_line("2023年4月18日 星期二") == ("2023-04-18", None)
    assert dated_line("Thursday, 11 March 2021, Committee of Supply") == ("2021-03-11", "Committee of Supply")
    assert event_of("——在中国共产党第二十次全国代表大会上的报告") == "中国共产党第二十次全国代表大会"


def test_a_report_title_block_gives_speaker_date_and_event():
    text = "政府工作报告\n——2017年3月5日在第十二届全国人民代表大会第五次会议上\n国务院总理　李 强\n各位代表：\n现在，我代表国务院，向大会报告政府工作，请予审议。\n"
    doc = parse_text("2017年政府工作报告.txt", text)
    (first, *_) = doc.passages
    assert (doc.title, doc.date, first.speaker, first.role) == ("政府工作报告", "2017-03-05", "李强", "国务院总理")
    assert first.event == "第十二届全国人民代表大会第五次会议" and "李 强" not in first.text


def test_a_dated_line_and_name_byline_under_a_two_line_title():
    text = "高举旗帜\n为建设现代化而团结奋斗\n——在第十二次代表大会上的报告\n（2022年10月16日）\n周 明 山\n同志们：\n现在，我代表委员会向大会作报告。\n"
    doc = parse_text("r.txt", text)
    assert (doc.date, doc.passages[0].speaker, doc.passages[0].event) == ("2022-10-16", "周明山", "第十二次代表大会")
    assert doc.title.startswith("高举旗帜")


def test_a_time_stamp_glued_to_a_title_is_split_off():
    text = "外交部发言人汪文斌主持例行记者会2020-09-03 18:58\n汪文斌：今天没有消息。\n记者：请问？\n汪文斌：没有。\n"
    doc = parse_text("p.txt", text)
    assert (doc.title, doc.date) == ("外交部发言人汪文斌主持例行记者会", "2020-09-03")


def test_licence_footer_and_arrow_footnotes_are_not_passages():
    text = (
        "工作报告\n市长 王 辉\n我们完成了全年目标任务，经济运行稳中向好。\n"
        "本作品是中华人民共和国地方国家机关的官方文件，属于公有领域。\n↑ 规模以上工业企业的口径。\n"
    )
    doc = parse_text("r.txt", text)
    assert [p.text for p in doc.passages] == ["我们完成了全年目标任务，经济运行稳中向好。"]


# --- turns ------------------------------------------------------------------------------------------------------

PRESS = """2021年3月22日外交部发言人华春莹主持例行记者会
华春莹：今天我先发布一条消息。
总台央视记者：请问中方对此有何评论？
华春莹：中方的立场是一贯的、明确的。
NHK记者：日方表示关切，中方如何回应？
华春莹：我们敦促日方停止干涉中国内政。
记者追问：中方是否会采取措施？
发言人：中方将采取必要措施。
"""


def test_press_conference_turns_by_recurrence_and_title():
    doc = parse_text("press.txt", PRESS)
    got = [(p.speaker, p.role) for p in doc.passages]
    assert got == [
        ("华春莹", "外交部发言人"),
        ("总台央视记者", None),
        ("华春莹", "外交部发言人"),
        ("NHK记者", None),
        ("华春莹", "外交部发言人"),
        ("NHK记者", None),  # 记者追问: the same reporter again, never a speaker named 追问
        ("华春莹", "外交部发言人"),  # 发言人: the spokesperson the title names
    ]
    assert doc.date == "2021-03-22"


def test_an_answer_keeps_its_question_as_search_context():
    answer = parse_text("press.txt", PRESS).passages[2]
    assert answer.question == "请问中方对此有何评论？" and "请问中方对此有何评论" in answer.indexed_text
    assert "请问" not in answer.text


def test_the_host_a_press_conferences_lead_names_answers_under_their_bare_name_said_once():
    """A report of a briefing names its host in the lead, not the title: the host is the document's speaker, so
    `赵立坚：`, said once, opens their answer (which keeps the reporter's question), and `有记者提问：` is a reporter."""
    weibo = (
        "【中方准备多出资补缺？外交部回应】2020年4月15日，外交部发言人赵立坚主持例行记者会，以下为部分实录。\n"
        "路透社记者：中方是否准备提供更多资金？\n"
        "  赵立坚：中方一贯支持世卫组织发挥领导作用。\n"
    )
    doc = parse_text("2020-04-15-weibo.txt", weibo)
    got = [(p.speaker, p.role, p.text[:6]) for p in doc.passages]
    assert got[1:] == [("路透社记者", None, "中方是否准备"), ("赵立坚", "外交部发言人", "中方一贯支持")]
    assert doc.passages[2].question == "中方是否准备提供更多资金？"
    report = (
        "中方：日方应认真对待正当诉求\n\n中新网北京11月28日电 中国外交部发言人汪文斌28日主持例行记者会。\n"
        "　　有记者提问：发言人对此有何评论？\n　　汪文斌：日方应当认真对待。\n"
    )
    doc = parse_text("2023-11-28.txt", report)
    assert [(p.speaker, p.text[:4]) for p in doc.passages][1:] == [("记者", "发言人对"), ("汪文斌", "日方应当")]
    # 问/答 under a dated line that names the host: 答 is the host, not a person named 答.
    dated = "中方驳斥美方要求\n\n2014年12月25日外交部发言人华春莹主持例行记者会\n\n问：中方对此有何回应？\n\n答：中国是法治国家。\n"
    doc = parse_text("2014-12-25.txt", dated)
    assert [(p.speaker, p.role) for p in doc.passages] == [("提问者", None), ("华春莹", "外交部发言人")]


def test_the_host_an_html_pages_lead_names_labels_a_turn_in_a_later_block(tmp_path):
    page = (
        "<html><body><article><h1>外交部回应</h1><p>2020年4月15日，外交部发言人赵立坚主持例行记者会，以下为部分实录。</p>"
        "<p>路透社记者：中方是否准备提供更多资金？<br>赵立坚：中方一贯支持世卫组织发挥领导作用，并将继续提供力所能及的支持。</p>"
        "</article></body></html>"
    )
    (tmp_path / "2020-04-15.html").write_text(page, encoding="utf-8")
    doc = read_corpus(tmp_path).documents[0]
    assert [(p.speaker, p.text[:4]) for p in doc.passages][-2:] == [("路透社记者", "中方是否"), ("赵立坚", "中方一贯")]


def test_a_web_pages_time_stamp_on_its_own_line_under_the_title_dates_it_and_is_no_passage():
    text = "外交部发言人毛宁主持例行记者会\n\n2023-06-21 19:42\n\n应外交部长邀请，斯里兰卡外长将访问中国。\n"
    doc = parse_text("press.txt", text)
    assert doc.date == "2023-06-21" and doc.passages[0].text.startswith("应外交部长邀请")


def test_a_bare_name_said_once_is_not_a_label():
    doc = parse_text("a.txt", "讲话\n张三：这是一句话。\n我们继续工作，把各项任务落到实处。\n")
    assert {p.speaker for p in doc.passages} == {None}


def test_english_debate_labels():
    def who(line):
        turn, _ = english_label(line, None, __import__("collections").Counter())
        return turn.speaker, turn.role

    assert who("MODERATOR (Chris Wallace): Good evening.") == ("Chris Wallace", "Moderator")
    assert who("The Prime Minister (Boris Johnson): We will.") == ("Boris Johnson", "Prime Minister")
    doc = parse_text(
        "d.txt", "Debate\n\nTRUMP: We will win.\n\nBIDEN: No, we will.\n\nTRUMP: Wrong.\n\nBIDEN: Right.\n"
    )
    assert [p.speaker for p in doc.passages] == ["Trump", "Biden", "Trump", "Biden"]


# --- qa build --explain -------------------------------------------------------------------------------------------


def test_explain_reports_layout_furniture_title_block_turns_and_sections(tmp_path):
    (tmp_path / "press.txt").write_text(PRESS, encoding="utf-8")
    report = explain(tmp_path / "press.txt", tmp_path)
    assert "layout: one paragraph per line" in report
    assert "speaker: 华春莹" in report and "date: 2021-03-22" in report
    assert "记者追问 → NHK记者" in report and "华春莹 → 华春莹, 外交部发言人: 3" in report


def test_qa_build_explain_prints_the_report_and_builds_nothing(tmp_path):
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "r.txt").write_text("工作报告\n一、回顾\n我们完成了全年目标任务，经济运行稳中向好。\n", encoding="utf-8")
    args = ["build", "--corpus", corpus, "--index", tmp_path / "idx", "--explain", corpus / "r.txt"]
    result = CliRunner().invoke(cli, [str(a) for a in args], env={"QA_MODEL": FAKE})
    assert result.exit_code == 0, result.output
    assert "sections: 1" in result.output and "一、回顾: 1" in result.output
    assert not (tmp_path / "idx").exists()
    missing = CliRunner().invoke(cli, ["build", "--explain", str(tmp_path / "none.txt")], env={"QA_MODEL": FAKE})
    assert missing.exit_code == 1 and "is not a file" in missing.output and "Traceback" not in missing.output


def test_qa_build_explain_refuses_a_file_over_qa_max_file_mb(tmp_path):
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "big.txt").write_text("讲话\n" + "我们完成了全年目标任务。\n" * 20_000, encoding="utf-8")  # ~0.4 MB
    args = ["build", "--corpus", str(corpus), "--explain", str(corpus / "big.txt")]
    result = CliRunner().invoke(cli, args, env={"QA_MODEL": FAKE, "QA_MAX_FILE_MB": "0.1"})
    assert result.exit_code == 1, result.output
    assert "over the limit of 0.1 MB (QA_MAX_FILE_MB)" in result.output and "Traceback" not in result.output


def test_explain_uses_metadata_csv_only_for_a_file_of_the_corpus(tmp_path):
    corpus, elsewhere = tmp_path / "c", tmp_path / "elsewhere"
    corpus.mkdir()
    elsewhere.mkdir()
    (corpus / "metadata.csv").write_text("file,title\nr.txt,目录里的标题\n", encoding="utf-8")
    for folder in (corpus, elsewhere):
        (folder / "r.txt").write_text("我们完成了全年目标任务，经济运行稳中向好。\n", encoding="utf-8")
    assert "title: 目录里的标题" in explain(corpus / "r.txt", corpus)
    assert "目录里的标题" not in explain(elsewhere / "r.txt", corpus)


def test_a_collection_reads_its_notes_file_as_no_speech(tmp_path):
    (tmp_path / "a.txt").write_text("讲话\n我们完成了全年目标任务，经济运行稳中向好。\n", encoding="utf-8")
    (tmp_path / "LICENSE").write_text("CC0 1.0\n", encoding="utf-8")
    assert {d.file for d in read_corpus(tmp_path).documents} == {"a.txt"}


def test_a_heading_is_indexed_with_the_passage_it_was_printed_above_only():
    text = "Speech\n\nEstate Duty\n\nWe will remove estate duty from our tax regime.\n\nThe change applies to deaths from today.\n"
    first, second = parse_text("s.txt", text).passages
    assert first.section == second.section == "Estate Duty"
    assert "Estate Duty" in first.indexed_text and "Estate Duty" not in second.indexed_text


def test_a_hansard_label_alone_on_its_line_page_after_page_is_not_furniture():
    turn = ["**Mr Speaker**", "", ": Order. The Clerk will read the Notice of Motion.", ""]
    minister = ["**Mr Lawrence Wong**", "", ": I move that Parliament approves the financial policy.", ""]
    filler = [f"Paragraph {n} of the speech says something about the budget and growth." for n in range(12)]
    text = "\n".join(turn + minister + filler + turn + minister)
    speakers = [p.speaker for p in parse_text("b.md", "# Budget\n\n" + text).passages]
    assert speakers.count("Mr Speaker") == 2


def test_a_numbered_heading_ends_a_group_of_short_paragraphs_an_unnumbered_one_does_not():
    zh = (
        "报告\n一、回顾\n我们完成了全年目标任务，经济运行稳中向好。\n二、任务\n今年要继续扩大有效投资，推动产业升级。\n"
    )
    assert [p.section for p in parse_text("r.txt", zh, target=200).passages] == ["一、回顾", "二、任务"]
    en = (
        "Speech\n\nEstate Duty\n\nWe will remove estate duty from our tax regime with effect from today.\n\n"
        "Road Tax\n\nRoad tax on cars and motorcycles will rise by ten per cent next year.\n"
    )
    (grouped,) = parse_text("s.txt", en, target=200).passages
    assert grouped.section == "Estate Duty" and "Road Tax" in grouped.indexed_text


def test_a_news_posts_bracketed_headline_is_its_title():
    text = (
        "【国务院常务会议部署推动经济持续回升向好】3月5日，国务院总理李强主持召开国务院常务会议，听取汇报。\n"
        "会议强调，要着力扩大国内需求，推动消费稳定增长。\n"
    )
    doc = parse_text("post.txt", text)
    assert doc.title == "国务院常务会议部署推动经济持续回升向好"
    assert doc.passages[0].text.startswith("3月5日，国务院总理李强") and "【" not in doc.passages[0].text
    # A bracket that opens a later paragraph is no headline.
    later = parse_text("post.txt", "会议听取了汇报，研究了下一步工作。\n【背景】今年以来，经济运行总体平稳。\n")
    assert later.title == "post" and "【背景】今年以来" in later.passages[-1].text


GXB = """国新办举行系列主题新闻发布会

2024年3月6日

国务院新闻办公室新闻局副局长、新闻发言人寿小丽：
女士们、先生们，大家上午好！今天我们邀请到国家发展改革委主任郑栅洁先生。

国家发展改革委主任郑栅洁：
谢谢主持人。各位记者朋友，大家上午好！

中央广播电视总台央视记者：
今年经济增长目标定在5%左右，请问如何实现？

郑栅洁：
谢谢你的提问。实现5%左右的增长目标，我们有基础、有条件、有信心。

寿小丽：
今天的发布会到此结束，谢谢各位。
"""


def test_a_name_introduced_with_its_office_labels_its_bare_turn_even_once_and_keeps_the_office():
    # The State Council Information Office prints a speaker's office once; `郑栅洁：` later answers the reporter.
    doc = parse_text("gxb.txt", GXB)
    turns = [(p.speaker, p.role, p.text[:4]) for p in doc.passages]
    host, office = "寿小丽", "国务院新闻办公室新闻局副局长、新闻发言人"
    assert turns == [
        (host, office, "女士们、"),
        ("郑栅洁", "国家发展改革委主任", "谢谢主持"),
        ("中央广播电视总台央视记者", None, "今年经济"),
        ("郑栅洁", "国家发展改革委主任", "谢谢你的"),
        (host, office, "今天的发"),
    ]
    assert doc.passages[3].question == "今年经济增长目标定在5%左右，请问如何实现？"


def test_a_greeting_or_a_phrase_listed_with_a_pause_mark_is_no_label():
    speech = "王毅在联合国大会一般性辩论上的讲话\n\n（2023年9月21日）\n\n主席先生、各位同事：\n很高兴来到纽约。\n\n我们主张和平。\n"
    # The title's speaker speaks throughout: the greeting opens no turn of someone else's.
    assert {p.speaker for p in parse_text("s.txt", speech).passages} == {"王毅"}
    briefing = GXB.replace("寿小丽：\n今天的", "关于代表建议、委员提案：今年将进一步提高办理质量。\n\n寿小丽：\n今天的")
    speakers = [p.speaker for p in parse_text("gxb.txt", briefing).passages]
    assert "提案" not in speakers and speakers[-2] == "郑栅洁"  # the phrase stays in the answer it is part of


def test_a_bare_name_keeps_the_office_it_was_last_printed_with():
    text = (
        "外交部发言人毛宁主持例行记者会\n\n新华社记者王伟：中方如何看待此事？\n\n毛宁：我们一贯主张对话。\n\n"
        "人民日报记者王伟：中方有何回应？\n\n毛宁：我们已经作出回应。\n\n王伟：还有补充吗？\n\n毛宁：没有了。\n"
    )
    asked = [p.role for p in parse_text("mfa.txt", text).passages if p.speaker == "王伟"]
    assert asked == ["新华社记者", "人民日报记者", "人民日报记者"]
