"""Work reports as news sites publish them: a dateline above the title, the title line carrying its date, meeting and
byline, photo captions between paragraphs, and code points written out as `<U+00A0>`."""

from __future__ import annotations

from qa.reader import parse_text
from qa.reader.furniture import Removed, clean_line

REPORT = """新华社北京3月16日电
政府工作报告——2017年3月5日在第十二届全国人民代表大会第五次会议上国务院总理　李克强

3月5日，第十二届全国人民代表大会第五次会议开幕。国务院总理李克强作政府工作报告。新华社记者 庞兴雷 摄

各位代表：
现在，我代表国务院，向大会报告政府工作，请予审议。

一、2016年工作回顾
过去一年，我国发展面临国内外诸多矛盾叠加的严峻挑战。
"""


def test_a_dateline_is_not_the_title_and_a_glued_title_line_gives_date_event_and_byline():
    doc = parse_text("2017.txt", REPORT)
    assert doc.title == "政府工作报告" and doc.date == "2017-03-05"
    first = doc.passages[0]
    assert (first.speaker, first.role, first.event) == ("李克强", "国务院总理", "第十二届全国人民代表大会第五次会议")


def test_a_photo_caption_is_not_speech_nor_the_title():
    doc = parse_text("2015.txt", "3月5日，大会开幕。新华社记者 庞兴雷 摄\n\n" + REPORT)
    assert doc.title == "政府工作报告"
    assert not any("摄" in p.text for p in doc.passages)


def test_a_dated_line_under_the_title_ending_in_the_byline():
    text = "政府工作报告\n——2015年3月5日在第十二届全国人民代表大会第三次会议上国务院总理<U+00A0>李克强\n各位代表：\n我们完成了任务。\n"
    first = parse_text("2015.txt", text).passages[0]
    assert (first.speaker, first.role, first.date) == ("李克强", "国务院总理", "2015-03-05")


def test_a_spaced_out_title_is_read_as_one_word():
    assert parse_text("r.txt", "政 府 工 作 报 告\n\n我们完成了全年目标任务。\n").title == "政府工作报告"


def test_code_points_written_out_are_read_as_characters():
    removed = Removed()
    assert clean_line("<U+00A0><U+00A0>各位代表：<U+200D>", removed) == "各位代表："
    assert removed.escaped == 3
    assert clean_line("<U+D800>x") == "x"  # half a surrogate pair is no character
