"""PDF text clean-up: look-alike characters, spaces layout mode puts inside Chinese, page breaks, no file dates."""

from __future__ import annotations

from qa.reader.formats import pdf

from .support.formats import make_pdf


def test_pdf_radicals_and_ligatures_become_ordinary_characters_but_punctuation_stays_full_width():
    # A font sharing the glyph of 工 with the Kangxi radical ⼯ (U+2F2F) and of 长 with the CJK radical ⻓ (U+2ED3)
    # makes the text layer say so; NFKC on the whole text would also turn ，：（） into ASCII.
    pages = [
        [
            "市⻓ 赵⽴新",
            "⼈⺠⽣活（⼀）：⻅⻔⻢⻋⻛⻜⻝⻥⻩⻚，⼯作。",
            "Fourth, wildﬁre: seasonal ﬁreﬁghters, an oﬀice.",
        ]
    ]
    assert pdf.read(make_pdf(pages, cjk=True), "x.pdf").text == (
        "市长 赵立新\n人民生活（一）：见门马车风飞食鱼黄页，工作。\nFourth, wildfire: seasonal firefighters, an office."
    )


def test_pdf_look_alike_table_maps_only_to_ideographs_of_the_same_name():
    import unicodedata

    for radical, ideograph in pdf.RADICALS.items():
        assert unicodedata.name(radical).startswith(("CJK RADICAL", "TWO-EM DASH"))
        assert all(unicodedata.name(c).startswith(("CJK UNIFIED IDEOGRAPH", "EM DASH")) for c in ideograph)
    assert pdf.LOOK_ALIKES["\u2f2f"] == "工" and pdf.LOOK_ALIKES["\ufb03"] == "ffi"
    assert "，" not in pdf.LOOK_ALIKES and "（" not in pdf.LOOK_ALIKES


def test_pdf_gap_layout_mode_opens_inside_a_chinese_line_is_closed_a_real_space_is_kept():
    # "||" sets the rest of the row far to the right: layout mode writes the gap as spaces, as it does when it
    # misjudges the width of Chinese glyphs (`发展 思想，持 续改善`). "市长 赵立新" has a real space (plain mode has it).
    pages = [["市长 赵立新", "我们要坚持以人民为中心的发展||思想，持续改善民生。", "各位代表：", "请予审议。"]]
    assert pdf.read(make_pdf(pages, cjk=True), "x.pdf").text.splitlines()[:2] == [
        "市长 赵立新",
        "我们要坚持以人民为中心的发展思想，持续改善民生。",
    ]


def test_pdf_spaces_between_latin_words_are_kept():
    pages = [["We will build||two plants.", "Thank you all.", "Good night.", "God bless."]]
    assert pdf.read(make_pdf(pages), "x.pdf").text.splitlines()[0] == "We will build two plants."


def test_unpad_drops_only_spaces_between_chinese_characters():
    assert pdf._unpad("发展 思想，持 续改善 民 生 “好” 。", set()) == "发展思想，持续改善民生“好”。"
    assert pdf._unpad("他说： “好”", set()) == "他说：“好”"
    assert pdf._unpad("市长 赵立新", {"长 赵"}) == "市长 赵立新"
    assert pdf._unpad("“hello” “world” and 2024 年 GDP 增长", set()) == "“hello” “world” and 2024 年 GDP 增长"
    assert pdf._unpad("안녕 하세요", set()) == "안녕 하세요"  # Korean spaces words


def test_pdf_page_that_ends_a_sentence_ends_the_paragraph():
    pages = [
        ["各位代表：", "过去一年，我们完成了", "全年目标。"],
        ["今年将新建中小学三十所，新增学位", "四万个。"],
        ["全面推行课后延时服务。"],
    ]
    assert pdf.read(make_pdf(pages, cjk=True), "x.pdf").text == (
        "各位代表：\n过去一年，我们完成了\n全年目标。\n\n今年将新建中小学三十所，新增学位\n四万个。\n\n全面推行课后延时服务。"
    )


def test_pdf_page_that_ends_mid_sentence_runs_on():
    pages = [["This year we face a difficult"], ["economy, but we will see it through.”"], ["Thank you."]]
    assert pdf.read(make_pdf(pages, cjk=True), "x.pdf").text == (
        "This year we face a difficult\neconomy, but we will see it through.”\n\nThank you."
    )


def test_pdf_file_dates_are_not_the_speech_date():
    info = {
        "Title": "Government Work Report 2024",
        "CreationDate": "D:20261127153253+00'00'",
        "ModDate": "D:20261127153253",
    }
    got = pdf.read(make_pdf([["各位代表："]], cjk=True, info=info), "gzbg.pdf")
    assert got.meta == {"title": "Government Work Report 2024"}


def test_pdf_centred_lines_and_one_line_indented_paragraphs_are_separate():
    # As Chrome prints a Chinese report: centred title, date line and speaker, then every paragraph indented two
    # characters (continuation lines at the margin), some of them a single line.
    pages = [
        [
            "政府工作报告",
            "||——2024年1月15日在会议上",  # "||" sets it far right, "\t" a little further
            "||\t市长 赵立新",
            "\t各位代表：",
            "\t现在，我代表市人民政府，向大会报告工作，请予审议。",
            "\t过去一年，全市地区生产总值增长百分之六点二，城镇新增就业十二万人，空气",
            "质量优良天数达到二百九十天。",
        ]
    ]
    assert pdf.read(make_pdf(pages, cjk=True), "x.pdf").text.split("\n\n") == [
        "政府工作报告",
        "——2024年1月15日在会议上",
        "市长 赵立新",
        "各位代表：",
        "现在，我代表市人民政府，向大会报告工作，请予审议。",
        "过去一年，全市地区生产总值增长百分之六点二，城镇新增就业十二万人，空气\n质量优良天数达到二百九十天。",
    ]
