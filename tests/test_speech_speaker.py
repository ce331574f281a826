"""Who gave a speech when no label says so: the one person its title names (`Remarks by President Barack Obama …`,
`President Kennedy's Inaugural Address`, `Barack Obama: Inaugural Address`), a name printed above its title
(`GEORGE W. BUSH` / `Inaugural Address`), or the surname its file is named by (`1789-Washington.txt`)."""

from __future__ import annotations

import pytest

from qa.reader import parse_text
from qa.reader.speech_speaker import file_speaker, title_speaker

BODY = "\n\nWe observe today not a victory of party but a celebration of freedom.\n\nLet the word go forth.\n"


def speakers(doc) -> set:
    return {(p.speaker, p.role) for p in doc.passages}


@pytest.mark.parametrize(
    ("title", "who"),
    [
        ("Remarks by President Barack Obama on the Economy", ("Barack Obama", "President")),
        ("Remarks by First Lady Michelle Obama at a Rally", ("Michelle Obama", "First Lady")),
        ("President George Washington's First Inaugural Address (April 30, 1789)", ("George Washington", "President")),
        ("President Kennedy's Inaugural Address, January 20, 1961", ("Kennedy", "President")),
        ("Abraham Lincoln's Second Inaugural Address", ("Abraham Lincoln", None)),
        ("Barack Obama: Inaugural Address", ("Barack Obama", None)),
        ("Barack Obama — Inaugural Address", ("Barack Obama", None)),
    ],
)
def test_a_title_naming_one_person_gives_the_whole_speech_its_speaker(title, who):
    doc = parse_text("speech.txt", title + BODY)
    assert speakers(doc) == {who}


@pytest.mark.parametrize(
    "title",
    [
        "The President's Address to the Nation",  # an office, no name
        "Inaugural Address: Barack Obama",  # what was given before the colon
        "United States: Statement on Trade",  # a country
        "European Union — Statement at the General Debate",  # a body
        "Remarks by President Obama and Prime Minister Cameron",  # two people: labels decide
        "Press Briefing by Press Secretary Jay Carney",  # a briefing's labels say who speaks
        "Remarks by the President on the Economy",  # no name
        "America's Promise: An Address",  # one word is no name
        "Healthcare Reform",
    ],
)
def test_titles_naming_no_one_speaker_give_none(title):
    assert title_speaker(title, "") is None


def test_a_labelled_briefing_keeps_its_labels():
    text = "Press Briefing by Press Secretary Jay Carney\n\nMR. CARNEY: Good afternoon.\n\nQ: Thanks, Jay.\n"
    doc = parse_text("briefing.txt", text)
    assert speakers(doc) == {("Jay Carney", "Press Secretary"), ("Questioner", None)}


def test_a_name_above_the_title_is_the_speaker_and_the_line_under_it_the_title():
    text = "GEORGE W. BUSH\nInaugural Address\nJanuary 20, 2001\nThank you, all. Chief Justice Rehnquist, President "
    text += "Carter, President Bush, President Clinton, distinguished guests, and my fellow citizens.\n"
    doc = parse_text("bush.txt", text)
    assert (doc.title, doc.date, speakers(doc)) == ("Inaugural Address", "2001-01-20", {("George W. Bush", None)})
    assert doc.passages[0].place is None  # `Inaugural Address` above the day is no room


def test_a_line_above_a_title_that_names_no_speech_is_still_the_title():
    doc = parse_text("budget.txt", "FISCAL POLICY\nThe Year Ahead\n\nWe will balance the budget this year.\n")
    assert doc.title == "FISCAL POLICY" and speakers(doc) == {(None, None)}


@pytest.mark.parametrize(
    ("stem", "who"),
    [
        ("1789-Washington", "Washington"),
        ("1837-VanBuren", "Van Buren"),
        ("1901-McKinley", "McKinley"),
        ("Obama_2009", "Obama"),
        ("2009-01-20-Obama", "Obama"),
        ("1790-george-washington", None),  # lower case: a name cannot be told from words
        ("2019-Budget", None),
        ("2020-Inaugural", None),
        ("1933-Roosevelt-Fireside", None),
        ("2021-09-15-lin", None),
        ("2018-SOTU", None),  # letters, not a name
        ("1963-Berlin", None),  # a place the speech names
        ("2019-Christmas", None),  # an occasion it names
        ("USA_75_2020", None),
        ("wh-0040", None),
        ("2015", None),
    ],
)
def test_a_file_named_by_year_and_surname_names_the_speaker(stem, who):
    text = "Ich bin ein Berliner: all free men are citizens of Berlin, and this Christmas we remember them."
    assert file_speaker(stem, text) == who


def test_the_file_name_is_the_weakest_evidence():
    assert speakers(parse_text("1961-Kennedy.txt", BODY.strip())) == {("Kennedy", None)}
    front = "---\nspeaker: John F. Kennedy\n---\n" + BODY.strip()
    assert speakers(parse_text("1961-Kennedy.txt", front)) == {("John F. Kennedy", None)}
    titled = "Remarks by Senator Robert Kennedy" + BODY
    assert speakers(parse_text("1961-Kennedy.txt", titled)) == {("Robert Kennedy", "Senator")}


ZH_BODY = "\n\n同志们，朋友们：\n\n今天，在中华民族历史上，是一个十分重要的日子。\n"


@pytest.mark.parametrize(
    ("title", "who"),
    [
        ("习近平在庆祝中国共产党成立100周年大会上的讲话", ("习近平", None)),
        ("李强总理在2024年夏季达沃斯论坛开幕式上的致辞", ("李强", "总理")),
        ("国务院总理李强在2024年夏季达沃斯论坛开幕式上的致辞", ("李强", "国务院总理")),
        ("习近平同志在全国科技大会上的重要讲话", ("习近平", None)),
        ("王毅在慕尼黑安全会议上的主旨演讲（全文）", ("王毅", None)),
        ("习近平在中国共产党第二十次全国代表大会上的报告", ("习近平", None)),
    ],
)
def test_a_chinese_title_saying_who_spoke_where_gives_the_speaker(title, who):
    assert speakers(parse_text("讲话.txt", title + ZH_BODY)) == {who}


@pytest.mark.parametrize(
    "title",
    [
        "在庆祝中国共产党成立100周年大会上的讲话",  # no one named
        "中国在联合国大会一般性辩论上的发言",  # a country
        "中方在安理会上的发言",
        "美国代表团在会议上的发言",  # a delegation
        "外交部发言人在记者会上的讲话",  # an office
        "各位代表在会上的发言",  # everyone
        "政府工作报告",
    ],
)
def test_chinese_titles_naming_no_person_give_none(title):
    assert title_speaker(title, "", "zh") is None


def test_a_byline_under_a_chinese_title_is_better_evidence():
    text = "习近平在全国科技大会上的讲话\n\n国务院总理　李克强\n\n同志们：今天我们召开大会。\n"
    assert speakers(parse_text("讲话.txt", text)) == {("李克强", "国务院总理")}


SPEECH = "\n\nWe observe today not a victory of party but a celebration of freedom.\n\nLet the word go forth.\n"


@pytest.mark.parametrize(
    ("top", "who"),
    [
        ("Inaugural Address of John F. Kennedy", ("John F. Kennedy", None)),  # the Avalon Project's titles
        ("The Inaugural Address of President John F. Kennedy", ("John F. Kennedy", "President")),
        ("Inaugural Address\nJohn F. Kennedy\nFriday, January 20, 1961", ("John F. Kennedy", None)),
        ("Inaugural Address\n\nJohn F. Kennedy\n\nJanuary 20, 1961", ("John F. Kennedy", None)),
        ("JOHN F. KENNEDY\n\nINAUGURAL ADDRESS\n\nJANUARY 20, 1961", ("John F. Kennedy", None)),
        ("Budget Speech\nTharman Shanmugaratnam\n22 February 2013", ("Tharman Shanmugaratnam", None)),
    ],
)
def test_a_name_under_a_speech_title_or_after_its_of_is_the_speaker_not_the_place(top, who):
    doc = parse_text("speech.txt", top + SPEECH)
    assert speakers(doc) == {who} and doc.passages[0].place is None


@pytest.mark.parametrize(
    ("top", "place"),
    [
        ("Remarks by the President\nCamp David\nMarch 3, 2010", "Camp David"),
        ("Remarks by the President\nLas Vegas\nMarch 3, 2010", "Las Vegas"),
        ("Remarks by the President\nRose Garden\nMarch 3, 2010", "Rose Garden"),
        ("Address to the Nation\nOval Office\nMarch 3, 2010", "Oval Office"),
        ("Keynote Address\nSilicon Valley\nMarch 3, 2010", "Silicon Valley"),
    ],
)
def test_a_place_under_a_speech_title_stays_the_place(top, place):
    doc = parse_text("speech.txt", top + SPEECH)
    assert speakers(doc) == {(None, None)} and doc.passages[0].place == place


def test_a_statement_of_a_country_or_two_people_names_no_speaker():
    assert title_speaker("Statement of Saudi Arabia at the General Debate", "") is None
    assert title_speaker("Remarks of President Obama and Prime Minister Cameron", "") is None


ONE = "\n\nThank you all very much. It is an honour to be here today.\n\nWe go on together.\n"
QA = "\n\nTHE PRESIDENT: Good morning, everybody.\n\nQ: Mr. President, what about the strike?\n\nTHE PRESIDENT: We will see.\n"


@pytest.mark.parametrize(
    ("top", "who"),
    [  # what the title says after the name is no part of it
        ("Remarks by President Biden on the American Rescue Plan", {("Biden", "President")}),
        ("Remarks by President Biden Celebrating Black History Month", {("Biden", "President")}),
        ("Remarks by President Trump Welcoming Prime Minister Netanyahu", {("Trump", "President")}),
        ("Statement by Prime Minister Justin Trudeau on Canada Day", {("Justin Trudeau", "Prime Minister")}),
        (
            "Remarks by President Biden Before Air Force One Departure" + QA,
            {("Biden", "President"), ("Questioner", None)},
        ),
        # a name, then its office after a comma; a style before it
        (
            "Statement by H.E. Mr. Dmytro Kuleba, Minister for Foreign Affairs of Ukraine",
            {("Dmytro Kuleba", "Minister")},
        ),
        (
            "Statement by H.E. Mr. Narendra Modi, Prime Minister of India at the General Debate",
            {("Narendra Modi", "Prime Minister")},
        ),
        (
            "Address by Mr. Yoon Suk Yeol, President of the Republic of Korea",
            {("Yoon Suk Yeol", "President")},
        ),
        ("Message by His Holiness Pope Francis for the World Day of Peace", {("Pope Francis", None)}),
        ("Speech by President von der Leyen at the European Parliament Plenary", {("von der Leyen", "President")}),
        ("Joseph R. Biden Jr.: Inaugural Address", {("Joseph R. Biden Jr.", None)}),
        ("Full Text: Xi Jinping's Speech at the Opening Ceremony", {("Xi Jinping", None)}),
        ("Prime Minister Lee Hsien Loong's National Day Rally 2019 Speech", {("Lee Hsien Loong", "Prime Minister")}),
        ("President Kennedy's Inaugural Address", {("Kennedy", "President")}),  # a title, not a byline
        ("QUEEN ELIZABETH II\n\nChristmas Message 1957", {("Queen Elizabeth II", None)}),
        ("BRIEFING ROOM\n\nRemarks by President Biden on the Economy", {("Biden", "President")}),
    ],
)
def test_a_title_names_its_speaker_as_printed(top, who):
    assert speakers(parse_text("s.txt", top + (ONE if "THE PRESIDENT" not in top else ""))) == who


@pytest.mark.parametrize(
    ("top", "body"),
    [  # a country, a body, a topic, an occasion, a page's furniture: no one's name
        ("Statement by South Africa at the Security Council", ONE),
        ("Statement by Sri Lanka at the Human Rights Council", "\n\nSri Lanka stands with its neighbours.\n"),
        ("Statement by Costa Rica and Mexico", ONE),
        ("Oral Statement by Amnesty International", ONE),
        ("Hong Kong's Policy Address 2023", "\n\nHong Kong will build more homes.\n"),
        ("New Year's Message 2024", "\n\nThis New Year we look ahead.\n"),
        ("Saint Patrick's Day Remarks", ONE),
        ("Black History Month: Remarks", ONE),
        ("EMBARGOED UNTIL DELIVERY\n\nSpeech by the Governor", ONE),
        ("ROSE GARDEN\n\nRemarks on the Supreme Court Nomination", ONE),
    ],
)
def test_what_is_no_persons_name_gives_no_speaker(top, body):
    assert speakers(parse_text("s.txt", top + body)) == {(None, None)}


def test_a_file_name_gives_no_speaker_to_a_labelled_transcript_or_a_place_the_speech_names():
    debate = "Good evening. This is the first debate.\n\nKENNEDY: Thank you.\n\nNIXON: Thank you.\n\nKENNEDY: Again.\n\nNIXON: Again.\n"
    assert {p.speaker for p in parse_text("1960-Kennedy.txt", debate).passages} == {None, "Kennedy", "Nixon"}
    berlin = "Two thousand years ago the proudest boast was civis Romanus sum. Today it is Berlin."
    assert speakers(parse_text("1963-Berlin.txt", berlin)) == {(None, None)}
