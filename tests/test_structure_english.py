"""English transcripts as public copies print them: a byline as the first line, labels ending in a full stop, a bare
`Q`, bolded labels, `THE PRESIDENT` resolved to the person the byline names; wrapped prose never read as headings."""

from __future__ import annotations

import itertools
import re
from collections import Counter

import pytest

from qa.reader import parse_text
from qa.reader.explain import explain
from qa.reader.furniture import is_furniture
from qa.reader.labels_en import english_label
from qa.reader.model import passage_id
from qa.reader.pipeline import read_corpus
from qa.reader.sections import UNNUMBERED, heading_level
from qa.reader.speakers import label_counts
from qa.reader.title_people import named_in_title

from .conftest import REPO

PRESS = """President: Lyndon B. Johnson

THE PRESIDENT. This past week we made progress on several fronts.

Q. Mr. President, what about Panama?

THE PRESIDENT. We are talking with Panama without preconditions.

Q. Will you meet their president?

THE PRESIDENT. Not this month.
"""


def test_a_first_line_byline_is_the_speaker_not_the_title():
    doc = parse_text("1964-02-01-press-conference.txt", PRESS)
    assert doc.title == "1964-02-01-press-conference"
    assert {p.speaker for p in doc.passages} == {"Lyndon B. Johnson", "Questioner"}
    assert doc.passages[0].role == "President"


def test_full_stop_labels_and_q_start_turns_and_the_answer_keeps_its_question():
    doc = parse_text("press.txt", PRESS)
    got = [(p.speaker, p.text.split()[0]) for p in doc.passages]
    assert got == [
        ("Lyndon B. Johnson", "This"),
        ("Questioner", "Mr."),
        ("Lyndon B. Johnson", "We"),
        ("Questioner", "Will"),
        ("Lyndon B. Johnson", "Not"),
    ]
    assert doc.passages[2].question == "Mr. President, what about Panama?"


def test_the_president_is_someone_else_when_the_byline_person_has_a_label_of_their_own():
    debate = (
        "President: Jimmy Carter\n\nMR. CARTER. Jobs come first.\n\nTHE PRESIDENT. I disagree with Mr. Carter.\n\n"
        "MR. CARTER. Jobs still come first.\n\nTHE PRESIDENT. Taxes come first.\n"
    )
    speakers = [p.speaker for p in parse_text("d.txt", debate).passages]
    assert speakers == ["Jimmy Carter", "The President", "Jimmy Carter", "The President"]


def test_a_label_with_the_byline_surname_is_the_byline_person():
    debate = "President: John F. Kennedy\n\nSENATOR KENNEDY: Mr. Smith, Mr. Nixon.\n\nMR. NIXON: Thank you.\n"
    speakers = [p.speaker for p in parse_text("d.txt", debate + "\nMr. NIXON: Again.\n").passages]
    assert speakers == ["John F. Kennedy", "Mr. Nixon", "Mr. Nixon"]  # `Mr. NIXON` printed in capitals, same man


def test_bare_q_with_spaces_and_bolded_labels():
    press = "THE PRESIDENT: Go ahead.\n\nQ    Thank you, sir. Why?\n\nTHE PRESIDENT: Because.\n\nQ Why not?\n"
    assert [p.speaker for p in parse_text("p.txt", press).passages][1::2] == ["Questioner", "Questioner"]
    debate = "**LEHRER:** Good evening.\n\n**BUSH:** Thank you.\n\n**LEHRER:** Governor?\n\n**BUSH:** Yes.\n"
    assert [p.speaker for p in parse_text("d.txt", debate).passages] == ["Lehrer", "Bush", "Lehrer", "Bush"]


def test_a_full_stop_label_counts_only_once_the_document_repeats_it():
    lines = ["Mr. Perot. I think.", "Governor Clinton. I agree.", "Mr. Perot. Good.", "OK. Fine.", "OK. Fine again."]
    counts = label_counts(lines, "en")
    assert counts["Mr. Perot"] == 2 and "OK" not in counts  # capitals need a title or office: `OK.` is no label
    assert english_label("Mr. Perot. I think.", None, counts)[0].speaker == "Mr. Perot"
    assert english_label("Governor Clinton. I agree.", None, counts) is None


def test_a_title_case_name_label_by_recurrence():
    text = "Debate\n\nWallace: Good evening.\n\nBiden: Thank you.\n\nWallace: First question.\n\nBiden: Yes.\n"
    assert [p.speaker for p in parse_text("d.txt", text).passages] == ["Wallace", "Biden", "Wallace", "Biden"]
    assert english_label("Wallace: Good evening.", None, Counter({"Wallace": 1})) is None


def test_a_recurring_full_name_label_may_carry_a_middle_initial_or_a_second_capital():
    # As a debate transcript prints them: without these the candidates' turns stayed inside the moderator's.
    names = ["Kristen Welker", "Donald J Trump", "Joe R. Biden", "John McCain", "Beto O'Rourke"]
    turns = [f"{name}: Turn {i} of {name}, and a short answer." for i in range(2) for name in names]
    doc = parse_text("2020-10-22-debate.txt", "\n\n".join(turns) + "\n")
    assert [p.speaker for p in doc.passages] == names * 2
    assert all(p.text.startswith("Turn") and p.section is None for p in doc.passages)


def test_a_short_line_of_wrapped_prose_is_not_a_heading():
    assert heading_level("Furthermore, as members of the Non-Aligned", "en") == UNNUMBERED
    assert heading_level("Furthermore, as members of the Non-Aligned", "en", wrapped=True) is None
    assert heading_level("This Organization’s Charter commits each of us", "en", wrapped=True) is None
    assert heading_level("Economic Development And Peace", "en", wrapped=True) == UNNUMBERED


def test_a_sentence_case_heading_printed_at_the_end_of_the_paragraph_above_is_a_section():
    # The shape of a scraped Speech from the Throne: one line break before each heading, a blank line after.
    text = (
        "It will do so in the following ways.\nGrowth for the middle class\n\n"
        "First and foremost, the Government will deliver a tax cut for the middle class.\n\n"
        "This is the fair thing to do.\nOpen and transparent government\n\n"
        "Second, the Government will undertake consultations on electoral reform.\n\n"
        "We thank you all.\nThank you very much\n"
    )
    doc = parse_text("2015-12-04-throne.txt", text)
    sections = [(p.section, p.text.split()[0]) for p in doc.passages]
    assert sections == [
        (None, "It"),
        ("Growth for the middle class", "First"),
        ("Growth for the middle class", "This"),
        ("Open and transparent government", "Second,"),
        ("Open and transparent government", "We"),
    ]
    # The last line, with no paragraph under it, stays speech; so does a short line inside a paragraph.
    assert doc.passages[-1].text.endswith("We thank you all. Thank you very much")
    assert (
        parse_text("a.txt", "We met.\nMany of the members\nstayed on.\n\nThen we left.\n").passages[0].section is None
    )


def test_a_title_case_line_that_ends_the_speech_is_kept_as_its_last_words():
    doc = parse_text("a.txt", "We met today and talked for long.\n\nWe thank you all.\nThank You\n")
    assert doc.passages[-1].text.endswith("We thank you all. Thank You")


def test_a_bolded_speaker_label_at_the_top_is_not_taken_for_a_metadata_field():
    text = (
        "**Date:** 1988-09-25\n\n**LEHRER:** Good evening.\n**BUSH:** Thank you.\n**LEHRER:** Next.\n**BUSH:** Yes.\n"
    )
    doc = parse_text("d.txt", text)
    assert doc.date == "1988-09-25"
    assert [p.text for p in doc.passages] == ["Good evening.", "Thank you.", "Next.", "Yes."]


def test_a_running_head_that_prints_the_day_dates_the_record():
    page = ["General Assembly 14th meeting", "Forty-ninth session 3 October 1994"]
    body = [f"Line {n} of the statement goes on and on here," for n in range(40)] + ["and it ends."]
    text = "\n".join(page + body[:20] + page + body[20:] + page)
    assert parse_text("ZAF_49_1994.txt", text).date == "1994-10-03"


def test_a_un_job_number_with_its_page_number_is_furniture_even_once():
    assert is_furniture("09-52604 40", set()) and is_furniture("41 09-52604", set())
    assert is_furniture("42/55 15-29658", set()) and is_furniture("15-29658 43/55", set())  # page of pages
    assert not is_furniture("In 2009 we had 40 members.", set())


def test_a_job_number_printed_once_is_removed_even_when_nothing_recurs():
    text = "We must resolve\n09-52604 40\nremaining historical conflicts.\n"
    (para,) = parse_text("AFG_64_2009.txt", "Statement\n\n" + text).passages
    assert para.text == "We must resolve remaining historical conflicts."
    text = "terrorism cannot be linked\n\n15-29658 43/55\n\nA/70/PV.22 01/10/2015\n\nto any religion.\n"
    (para,) = parse_text("IND_70_2015.txt", "Statement\n\n" + text).passages
    assert para.text == "terrorism cannot be linked to any religion."


def test_in_print_that_indents_its_paragraphs_a_short_line_before_an_unindented_one_is_no_heading():
    body = ["The General", "Assembly has been and must continue to be the great", "forum for general debate."]
    more = [" I wish to discuss three issues which I think are", "crucial for the world today and tomorrow."] * 3
    doc = parse_text("BRA_64_2009.txt", "\n".join(body + more))
    assert doc.title == "BRA_64_2009" and doc.passages[0].text.startswith("The General Assembly has been")


def test_a_scrapes_field_block_goes_whole_when_it_holds_a_known_key():
    text = "# Budget\n\n**Date:** 1964-11-02\n**Speakers:** Dr Goh (Minister for Finance);\n\nMr Speaker, Sir, I beg to move.\n"
    doc = parse_text("b.md", text)
    assert doc.date == "1964-11-02" and [p.text for p in doc.passages] == ["Mr Speaker, Sir, I beg to move."]


def test_a_capitals_label_with_a_mc_prefix_is_a_turn():
    text = (
        "President: John F. Kennedy\n\n"
        "MR. McGEE: Senator Kennedy, would you care to comment?\n\n"
        "MR. NIXON: I disagree completely with Senator Kennedy on this point.\n\n"
        "MR. McGEE: Thank you. The next question goes to the Senator.\n"
    )
    doc = parse_text("debate.txt", text)
    assert [(p.speaker, p.text.split()[0]) for p in doc.passages][:2] == [("Mr. McGee", "Senator"), ("Mr. Nixon", "I")]


def test_a_speaker_whose_turns_are_mostly_questions_asks_and_a_rhetorical_question_does_not():
    """No role says who asks in a hearing or a debate's panel: a speaker most of whose turns end in a question
    does, and their questions become the context of the replies; a candidate's one rhetorical question does not."""
    hearing = (
        "Hearing on the harbour\n\nMAYOR SANTOS: The terminals open in May. Who could object to that?\n\n"
        "COUNCILLOR OKAFOR: Who pays for the night ferries?\n\nMAYOR SANTOS: The Seawall Fund pays for them.\n\n"
        "COUNCILLOR OKAFOR: And the fares for students?\n\nMAYOR SANTOS: Students ride free.\n\n"
        "COUNCILLOR OKAFOR: Thank you.\n"
    )
    doc = parse_text("council-hearing.txt", hearing)
    got = [(p.speaker, p.question) for p in doc.passages]
    assert got == [
        ("Mayor Santos", None),
        ("Councillor Okafor", None),  # the mayor asks once in three turns: a rhetorical question
        ("Mayor Santos", "Who pays for the night ferries?"),
        ("Councillor Okafor", None),
        ("Mayor Santos", "And the fares for students?"),
        ("Councillor Okafor", None),
    ]


def test_an_office_in_capitals_after_the_and_a_party_after_a_name_are_labels():
    """South Africa's Hansard: `The PRESIDENT OF THE REPUBLIC:` is a turn of its own, not more of the member
    before; a party in brackets is the member's, however short (`(FD)`), and keeps its capitals."""
    hansard = (
        "Parliamentary debates\n\nThe SPEAKER: Hon members, order.\n\n"
        "Mr B H HOLOMISA: Madam Speaker, I ask the President about the poem.\n\n"
        "The PRESIDENT OF THE REPUBLIC: Madam Speaker, the poem speaks of a child shot at Nyanga.\n\n"
        "Mr L M GREEN (FD): Madam Speaker, we note the names with concern.\n\n"
        "Mev D VAN DER WALT (DA): Madam Speaker, the names hurt.\n\n"
        "The MINISTER IN THE PRESIDENCY: Madam Speaker, we will consult.\n"
    )
    got = [(p.speaker, p.role, p.text.split()[2]) for p in parse_text("2008-02-14-hansard.txt", hansard).passages]
    assert got == [
        ("The Speaker", None, "order."),
        ("B H Holomisa", None, "I"),
        ("The President of the Republic", None, "the"),
        ("L M Green", "FD", "we"),
        ("D Van Der Walt", "DA", "the"),
        ("The Minister in the Presidency", None, "we"),
    ]


def test_an_interrupted_question_taken_up_after_a_dash_is_the_reporters_and_a_label_line_is_no_heading():
    """A White House transcript: `Q    — do you believe …` goes on with the reporter's question after the official
    cut in, and the official's `On the —` is what they said, not a section heading."""
    briefing = (
        "Press Briefing\n\nMR. KIRBY:  We are watching the barrier closely.\n\n"
        "Q    But do — but do the floating barriers —\n\nMR. KIRBY:  On the —\n\n"
        "Q    — do you believe that it hurts U.S. foreign policy?\n\nMR. KIRBY:  We have made our concerns known.\n"
    )
    doc = parse_text("2023-07-26-briefing.txt", briefing)
    got = [(p.speaker, p.text[:6], p.section) for p in doc.passages]
    assert got == [
        ("Mr. Kirby", "We are", None),
        ("Questioner", "But do", None),
        ("Mr. Kirby", "On the", None),
        ("Questioner", "— do y", None),
        ("Mr. Kirby", "We hav", None),
    ]


def test_a_label_with_the_surname_of_someone_the_title_names_is_that_person_with_their_office():
    briefing = (
        "---\ntitle: Press Briefing by Press Secretary Jen Psaki and National Security Advisor Jake Sullivan, "
        "March 22, 2022\n---\n\nMS. PSAKI: Good afternoon.\n\nQ    Will the President travel?\n\n"
        "MR. SULLIVAN: He leaves on Wednesday.\n\nQ    And the summit?\n\nMR. SMITH: A question from the back.\n"
    )
    got = [(p.speaker, p.role) for p in parse_text("2022-03-22-briefing.md", briefing).passages]
    assert got == [
        ("Jen Psaki", "Press Secretary"),
        ("Questioner", None),
        ("Jake Sullivan", "National Security Advisor"),
        ("Questioner", None),
        ("Mr. Smith", None),  # named by no title: as printed
    ]
    # An office and a surname name someone called Harris, not a person called President Harris.
    pair = named_in_title("Remarks by President Biden and Vice President Harris")
    assert [(t.speaker, t.role) for t in pair] == [("Biden", "President"), ("Harris", "Vice President")]


def test_a_conversations_paragraphs_are_counted_through_the_document_and_a_speechs_within_it():
    hearing = (
        "Hearing\n\nMAYOR SMITH: The library opens on Sundays from next month, as the council agreed in March.\n\n"
        "The city budget pays for the extra staff and for the heating in the reading rooms.\n\n"
        "COUNCILLOR JONES: Who pays for the books?\n\nMAYOR SMITH: The library's own fund pays for the books.\n"
    )
    doc = parse_text("hearing.txt", hearing)
    assert [(p.speech, p.paragraph) for p in doc.passages] == [(1, 1), (1, 2), (2, 3), (3, 4)]
    # ids are those of the turn's own numbering, so a rebuild reuses what it embedded before
    assert doc.passages[2].id == passage_id("hearing.txt", 2, 1)
    speeches = "Two speeches\n\nMAYOR SMITH: The library opens on Sundays.\n\nCOUNCILLOR JONES: The books come first.\n"
    assert [p.paragraph for p in parse_text("two.txt", speeches).passages] == [1, 1]  # nobody speaks twice


FED = """Transcript of Chair Powell’s Press Conference
December 18, 2024

CHAIR POWELL. Good afternoon. Today the Committee lowered the policy rate by a quarter point.

MICHELLE SMITH. Thank you. Howard.

HOWARD SCHNEIDER. Howard Schneider with Reuters. Why did the risk weighting jump to the upside? Thank you.

CHAIR POWELL. Our forecast for inflation this year is five-tenths higher than in September.

MICHELLE SMITH. Nick.

NICK TIMIRAOS. Nick Timiraos, the Wall Street Journal. Would a pause in January be appropriate?

CHAIR POWELL. We are not on any preset course.

NICK TIMIRAOS. If I could follow up, is the last cut for some time?

CHAIR POWELL. That is not any decision we have made.

MICHELLE SMITH. Thank you. Edward.

EDWARD LAWRENCE. Thank you, Chair Powell. Will tariffs change the outlook?

CHAIR POWELL. It is very premature to draw any conclusion on tariffs.
"""


def test_names_in_capitals_with_a_stop_are_labels_once_the_document_prints_its_speakers_so():
    """The Fed's transcripts print every speaker as `NAME.`: once two bare names recur so (the press officer, a
    reporter with a follow-up), a reporter named once is a turn of their own, not more of the chair's answer."""
    doc = parse_text("FOMCpresconf20241218.txt", FED)
    got = [(p.speaker, p.text.split(".")[0]) for p in doc.passages]
    assert got == [
        ("Chair Powell", "Good afternoon"),
        ("Michelle Smith", "Thank you"),
        ("Howard Schneider", "Howard Schneider with Reuters"),
        ("Chair Powell", "Our forecast for inflation this year is five-tenths higher than in September"),
        ("Michelle Smith", "Nick"),
        ("Nick Timiraos", "Nick Timiraos, the Wall Street Journal"),
        ("Chair Powell", "We are not on any preset course"),
        ("Nick Timiraos", "If I could follow up, is the last cut for some time?"),
        ("Chair Powell", "That is not any decision we have made"),
        ("Michelle Smith", "Thank you"),
        ("Edward Lawrence", "Thank you, Chair Powell"),
        ("Chair Powell", "It is very premature to draw any conclusion on tariffs"),
    ]
    # Each reporter's turn closes on a question (one of its last sentences: `… upside? Thank you.`).
    answers = [p.question for p in doc.passages if p.speaker == "Chair Powell"][1:]
    assert [q.split(".")[0] for q in answers] == [
        "Howard Schneider with Reuters",
        "Nick Timiraos, the Wall Street Journal",
        "If I could follow up, is the last cut for some time?",
        "Thank you, Chair Powell",
    ]


def test_one_name_in_capitals_with_a_stop_is_no_label_without_a_second_one():
    """`THANK YOU.` twice in a rally's transcript is not a speaker: one recurring capitals phrase proves nothing."""
    rally = (
        "Remarks at a rally\n\nTHANK YOU. Thank you all for coming tonight.\n\n"
        "We will build the bridge. THANK YOU.\n\nTHANK YOU. It is great to be back in Ohio.\n"
    )
    doc = parse_text("rally.txt", rally)
    assert {p.speaker for p in doc.passages} == {None}
    assert doc.passages[0].text.startswith("THANK YOU.")


def test_a_reporter_half_of_whose_turns_ask_asks_and_the_chair_of_a_sitting_does_not():
    """A reporter's first question may be worded as a statement ("I wonder how you reconcile that."): half of their
    turns closing on a question is enough. The Speaker who puts "May handouts be distributed?" to the House asks
    nobody the next turn answers."""
    fed = (
        "Transcript of Chair Powell’s Press Conference\n\nCHAIR POWELL. Good afternoon.\n\n"
        "MICHELLE SMITH. Don.\n\nDON LEE. I wonder how you reconcile the claims with the jobs report.\n\n"
        "CHAIR POWELL. The labor market has been recovering.\n\n"
        "DON LEE. Is it the Fed’s aim to get back to 3.5 percent?\n\nCHAIR POWELL. Yes, absolutely.\n\n"
        "MICHELLE SMITH. Greg.\n\nGREG ROBB. Why did two members dissent?\n\nCHAIR POWELL. Ask them.\n"
    )
    doc = parse_text("FOMCpresconf20200916.txt", fed)
    answers = [(p.text, p.question) for p in doc.passages if p.speaker == "Chair Powell"]
    assert answers == [
        ("Good afternoon.", None),
        ("The labor market has been recovering.", "I wonder how you reconcile the claims with the jobs report."),
        ("Yes, absolutely.", "Is it the Fed’s aim to get back to 3.5 percent?"),
        ("Ask them.", "Why did two members dissent?"),
    ]
    hansard = (
        "Budget statement\n\nMr Speaker: Order. Shall the handouts be distributed?\n\n"
        "The Minister for Finance (Mr Lawrence Wong): Mr Speaker, Sir, I beg to move.\n\n"
        'Mr Speaker: The Question is, "That Parliament approves the financial policy."\n\n'
        "The Minister for Finance (Mr Lawrence Wong): Sir, I move.\n"
    )
    doc = parse_text("2024.md", hansard)
    assert [p.question for p in doc.passages if p.speaker == "Lawrence Wong"] == [None, None]


def test_the_feds_real_transcripts_credit_each_reporter_and_give_the_chair_their_questions():
    """`eval/corpora/press-fed`: four real FOMC press conferences as their PDFs print them. No label is left inside
    a passage (before, every reporter's turn was more of the Chair's answer), the reporters are speakers of their
    own, and nearly every answer carries the question it answers."""
    corpus = read_corpus(REPO / "eval" / "corpora" / "press-fed")
    passages = [p for d in corpus.documents for p in d.passages]
    assert not [p.text[:80] for p in passages if re.search(r"\b[A-Z]{3,}(?:\s[A-Z]{2,})+\.\s", p.text)]
    speakers = Counter(p.speaker for p in passages)
    assert {"Chair Powell", "Michelle Smith"} <= set(speakers) and len(speakers) >= 25, speakers
    answers = [
        b
        for d in corpus.documents
        for a, b in itertools.pairwise(d.passages)
        if b.speaker == "Chair Powell" and a.speaker not in ("Chair Powell", "Michelle Smith") and a.speech != b.speech
    ]
    assert len(answers) >= 100 and sum(bool(b.question) for b in answers) >= 0.9 * len(answers)


def test_capitals_openers_a_titled_label_and_dialogue_questions_stay_as_they_were():
    """What the `NAME.` and asking rules must not do (found in review): two recurring capitals phrases that are no
    names, or `THE PRESIDENT.` with `Q.`, prove no label style; in a two-person dialogue the one who asks is the one
    whose every turn asks; an answer that asks itself a question is still an answer; a hearing's Chairman asks."""
    rally = (
        "Remarks\n\nTHANK YOU. Thank you.\n\nGOD BLESS AMERICA. We love you.\n\nTHANK YOU. It is great.\n\n"
        "GOD BLESS AMERICA. Goodnight.\n\nUNITED STATES. It is the greatest country.\n"
    )
    assert {p.speaker for p in parse_text("rally.txt", rally).passages} == {None}
    briefing = (
        "President: Lyndon B. Johnson\n\nTHE PRESIDENT. Good morning.\n\nQ. Mr. President, Panama?\n\n"
        "THE PRESIDENT. We are talking.\n\nPART TWO. Questions on foreign policy follow.\n\nQ. And Cyprus?\n"
    )
    got = [p.speaker for p in parse_text("press.txt", briefing).passages]
    assert "Part Two" not in got
    dialogue = (
        "Interview\n\nSMITH: Welcome. What brings you here?\n\nJONES: The book. Have you read it?\n\n"
        "SMITH: I have. Did you enjoy writing it?\n\nJONES: Very much.\n"
    )
    jones = [p.question for p in parse_text("talk.txt", dialogue).passages if p.speaker == "Jones"]
    assert jones == ["Welcome. What brings you here?", "I have. Did you enjoy writing it?"]
    host = (
        "Interview\n\nHost: What is the plan?\n\nMr. Lee: Why does it matter? Because jobs matter.\n\n"
        "Host: And taxes?\n\nMr. Lee: Will we cut them? We will see.\n"
    )
    lee = [p.question for p in parse_text("host.txt", host).passages if p.speaker == "Mr. Lee"]
    assert lee == ["What is the plan?", "And taxes?"]
    hearing = "Hearing\n\nThe Chairman: Mr. Lee, is the dam safe?\n\nMr. Lee: It is safe.\n"
    assert [p.question for p in parse_text("hearing.txt", hearing).passages if p.speaker == "Mr. Lee"] == [
        "Mr. Lee, is the dam safe?"
    ]


STATE_BRIEFING = """Department Press Briefing – March 1, 2023

Ned Price, Department Spokesperson

Washington, D.C.

2:12 p.m. EST

MR PRICE: Good afternoon, everyone. The Secretary arrives in New Delhi today.

QUESTION: Will the Secretary meet Foreign Minister Lavrov in New Delhi?

MR PRICE: We have no plans for a meeting.

QUESTION: Thank you.

(The briefing was concluded at 3:05 p.m.)
"""

WHITE_HOUSE_BRIEFING = """Press Briefing by Press Secretary Karine Jean-Pierre

James S. Brady Press Briefing Room

May 2, 2023

2:47 P.M. EDT

MS. JEAN-PIERRE:  Good afternoon, everybody.  I have a couple things at the top.

Q    On the debt limit, is the President willing to negotiate on spending?

MS. JEAN-PIERRE:  The debt limit is not negotiable.

Q    And if the Speaker won't bring a clean bill to the floor?

MS. JEAN-PIERRE:  It is their constitutional duty.

3:30 P.M. EDT
"""


def test_a_state_department_briefing_gets_its_day_byline_place_and_questioner_and_loses_its_clock_lines():
    doc = parse_text("briefing.txt", STATE_BRIEFING)
    assert {p.date for p in doc.passages} == {"2023-03-01"}  # from the end of the title
    assert {p.place for p in doc.passages} == {"Washington, D.C."}
    answers = [p for p in doc.passages if p.speaker == "Ned Price"]
    assert [p.role for p in answers] == ["Department Spokesperson"] * 2  # `MR PRICE` is the byline's Ned Price
    assert answers[-1].question == "Will the Secretary meet Foreign Minister Lavrov in New Delhi?"
    assert {p.speaker for p in doc.passages} == {"Ned Price", "Questioner"}
    assert not any("concluded" in p.text or "p.m." in p.text or p.section for p in doc.passages)


def test_a_white_house_briefing_is_dated_by_the_day_under_the_room_it_was_given_in():
    doc = parse_text("briefing.txt", WHITE_HOUSE_BRIEFING)
    assert {(p.date, p.place) for p in doc.passages} == {("2023-05-02", "James S. Brady Press Briefing Room")}
    assert not any(p.section or "EDT" in p.text for p in doc.passages)
    assert [p.speaker for p in doc.passages] == ["Karine Jean-Pierre", "Questioner"] * 2 + ["Karine Jean-Pierre"]


GOV_UK_SPEECH = """PM statement in Downing Street: 5 July 2024

Prime Minister Keir Starmer made his first speech in Downing Street.

From: Prime Minister's Office, 10 Downing Street and The Rt Hon Sir Keir Starmer KCB KC MP

Published 6 July 2024

Delivered on: 5 July 2024 (Transcript of the speech, exactly as it was delivered)

I have just returned from Buckingham Palace, where I accepted an invitation to form the next government.

Now our country has voted decisively for change.
"""

UN_NOON_BRIEFING = """Daily Press Briefing by the Office of the Spokesperson for the Secretary-General

The following is a near-verbatim transcript of today's noon briefing by Stéphane Dujarric, Spokesman for the \
Secretary-General.

Good afternoon. The Secretary-General is in Geneva today.

Question: Thank you, Steph. Has the Secretary-General spoken to the Prime Minister this week?

Spokesman: He has not. But he has been in touch with leaders in the region.

Question: And on Sudan, are there new figures on displacement?

Spokesman: More than 10 million people are now displaced inside Sudan.
"""


def test_a_government_pages_fields_date_and_credit_its_speech_and_are_no_passages():
    doc = parse_text("pm.txt", GOV_UK_SPEECH)
    assert [p.text[:12] for p in doc.passages] == ["I have just ", "Now our coun"]
    # The day it was delivered, not the day it was published; the one minister it is from, the office the summary gives.
    assert {(p.date, p.speaker, p.role, p.section) for p in doc.passages} == {
        ("2024-07-05", "Keir Starmer", "Prime Minister", None)
    }
    assert doc.passages[0].subtitle == "Prime Minister Keir Starmer made his first speech in Downing Street."


def test_a_briefings_bare_office_label_is_the_person_the_lead_says_holds_it_and_question_is_the_questioner():
    doc = parse_text("noon.txt", UN_NOON_BRIEFING)
    turns = [(p.speaker, bool(p.question)) for p in doc.passages if p.text.startswith(("Thank", "He ", "And", "More"))]
    dujarric = "Stéphane Dujarric"
    assert turns == [("Questioner", False), (dujarric, True), ("Questioner", False), (dujarric, True)]
    assert {p.role for p in doc.passages if p.speaker == dujarric} == {"Spokesman for the Secretary-General"}


@pytest.mark.parametrize(
    "line",
    [
        "Chairwoman Waters, Ranking Member McHenry",  # a greeting: an office before the name
        "President Macron, Prime Minister Trudeau",
        "Hello, Cleveland.",
        "Hi, Everybody.",
        "Good Morning, Everyone.",
        "Distinguished Guests, Colleagues",
        "Health, Education",  # a heading
    ],
)
def test_a_greeting_or_heading_under_the_title_is_neither_byline_nor_place(line):
    doc = parse_text("s.txt", f"Testimony Before the Committee\n\n{line}\n\nThank you for inviting me today.\n")
    assert {(p.speaker, p.place) for p in doc.passages} == {(None, None)}
    assert any(line in p.text or line == p.section for p in doc.passages)


def test_a_person_above_the_day_is_no_place_and_a_day_a_title_remembers_does_not_date_the_speech():
    doc = parse_text("s.txt", "Remarks\n\nSenator Elizabeth Warren\n\nJune 3, 2021\n\nThank you all for coming.\n")
    first = doc.passages[0]
    assert (first.speaker, first.role, first.place, first.date) == ("Elizabeth Warren", "Senator", None, "2021-06-03")
    text = "Address on the 75th Anniversary of D-Day, June 6, 1944\n\nWe are gathered here on Freedom's Altar.\n"
    assert parse_text("s.txt", text).passages[0].date is None
    text = "Address on the 75th Anniversary of D-Day, June 6, 1944\n\nJune 6, 2019\n\nWe are gathered here.\n"
    assert parse_text("s.txt", text).passages[0].date == "2019-06-06"


def test_only_a_clock_time_with_a_time_zone_is_a_clock_line():
    doc = parse_text("s.txt", "Parish notices\n\nThe schedule for Sunday is:\n\n9:30 a.m. Mass\n\n11:00 a.m. EST\n")
    texts = " ".join(p.text for p in doc.passages)
    assert "9:30 a.m. Mass" in texts and "EST" not in texts


def test_a_white_house_release_loses_its_header_and_end_mark_and_a_mc_name_in_capitals_keeps_its_case():
    text = (
        "The White House\n\nFor Immediate Release\n\nOffice of the Press Secretary\n\nApril 26, 2006\n\n"
        "12:18 P.M. EDT\n\nMR. McCLELLAN: Good afternoon, everyone.\n\nQ    Scott, has the President spoken with him?\n\n"
        "MR. McCLELLAN: I'm not going to comment.\n\nQ    Will he stay on?\n\nMR. McCLELLAN: He does a great job.\n\n"
        "END 12:50 P.M. EDT\n"
    )
    doc = parse_text("briefing.txt", text)
    assert {p.date for p in doc.passages} == {"2006-04-26"}
    assert [p.speaker for p in doc.passages] == ["Mr. McClellan", "Questioner"] * 2 + ["Mr. McClellan"]
    assert doc.passages[-1].text == "He does a great job."
    assert not any("Release" in p.text or "Secretary" in p.text for p in doc.passages)


def test_a_wrapped_line_end_stays_and_a_hyphenated_mc_name_keeps_both_capitals():
    text = "Remarks\n\nWe will stay with them to the\nend\nand we will not forget them, not ever, not once.\n"
    assert parse_text("s.txt", text).passages[0].text.startswith("We will stay with them to the end and")
    debate = "MS. McCARTHY-JONES: Good evening.\n\nMR. SMITH: Thank you.\n\nMS. McCARTHY-JONES: First question.\n"
    assert parse_text("d.txt", debate).passages[0].speaker == "Ms. McCarthy-Jones"


def test_the_white_houses_real_briefing_pages_credit_the_press_secretary_the_title_names_on_the_day_it_prints():
    """`eval/corpora/press-wh`: five real whitehouse.gov pages. `MR. CARNEY:` is the Jay Carney the title names,
    with his office; the day is the title's, month first; the room is the place; answers carry their questions."""
    corpus = read_corpus(REPO / "eval" / "corpora" / "press-wh")
    docs = {d.file: d for d in corpus.documents}
    expected = {
        "wh-0040.html": ("Josh Earnest", "2016-06-06"),
        "wh-0480.html": ("Jay Carney", "2014-05-19"),
        "wh-1240.html": ("Robert Gibbs", "2010-12-09"),
        "wh-1320.html": ("Robert Gibbs", "2010-07-07"),
    }
    for file, (secretary, day) in expected.items():
        d = docs[file]
        assert d.date == day, file
        assert {p.speaker for p in d.passages if p.speaker} == {secretary, "Questioner"}, file
        assert {p.role for p in d.passages if p.speaker == secretary} == {"Press Secretary"}, file
        answers = [b for a, b in itertools.pairwise(d.passages) if a.speaker == "Questioner" and b.speaker == secretary]
        assert len(answers) >= 50 and sum(bool(b.question) for b in answers) >= 0.9 * len(answers), file
    assert docs["wh-0040.html"].passages[0].place == "James S. Brady Press Briefing Room"
    passages = [p for d in corpus.documents for p in d.passages]
    assert not [p.text[:60] for p in passages if re.search(r"\b(?:MR|MS)\. [A-Z]{3,}:|[AP]\.M\. E[SD]T", p.text)]


MFA_EN = """Foreign Ministry Spokesperson Mao Ning's Regular Press Conference on March 1, 2024

CCTV: What is your expectation for China's diplomacy this year?

Mao Ning: China will continue to pursue an independent foreign policy of peace.

Reuters: The US announced new export controls on chips yesterday. How does China respond?

Mao Ning: We firmly oppose the abuse of export control measures.

Follow-up: Will China retaliate?

Mao Ning: I have answered that question.

Global Times: What is your comment on the report about Ren'ai Jiao?

Mao Ning: China will continue to handle the situation in accordance with the law.
"""


def test_the_foreign_ministrys_english_transcript_credits_each_outlet_and_the_spokesperson_its_title_names():
    doc = parse_text("mfa.txt", MFA_EN)
    assert {p.date for p in doc.passages} == {"2024-03-01"}  # the title's day, after "on"
    turns = [(p.speaker, p.role) for p in doc.passages]
    mao = ("Mao Ning", "Foreign Ministry Spokesperson")
    # Each outlet is a label though it asks once: the spokesperson answers every one of them.
    assert turns == [("CCTV", None), mao, ("Reuters", None), mao, ("Reuters", None), mao, ("Global Times", None), mao]
    assert [p.question for p in doc.passages if p.speaker == "Mao Ning"][2] == "Will China retaliate?"


def test_a_note_is_no_label_even_where_one_speaker_answers_every_other_label():
    text = "Remarks\n\nJohn Smith: I rise today.\n\nNote: this is not a label.\n\nJohn Smith: I continue.\n\nJohn Smith: I end.\n"
    doc = parse_text("r.txt", text)
    assert {p.speaker for p in doc.passages} == {"John Smith"} and "Note: this is not a label." in doc.passages[0].text


UN_COVER = """Permanent Mission of Ireland to the United Nations

Statement by

H.E. Mr. Micheál Martin T.D.

Tánaiste and Minister for Foreign Affairs

General Debate of the 78th Session of the United Nations General Assembly

New York, 22 September 2023

Check against delivery

Mr. President,

I congratulate you on your election and assure you of Ireland's full support.
"""


def test_a_statements_cover_gives_speaker_office_event_place_and_day_and_is_no_passage(tmp_path):
    doc = parse_text("irl.txt", UN_COVER)
    first = doc.passages[0]
    assert (first.speaker, first.role, first.date, first.place) == (
        "Micheál Martin",
        "Tánaiste and Minister for Foreign Affairs",
        "2023-09-22",
        "New York",
    )
    assert first.event == "General Debate of the 78th Session of the United Nations General Assembly"
    assert first.text.startswith("Mr. President,") and not any(p.section for p in doc.passages)
    (tmp_path / "irl.txt").write_text(UN_COVER, encoding="utf-8")
    report = explain(tmp_path / "irl.txt", tmp_path)
    assert "place: New York" in report and "found: place 'New York' from the dated line" in report
    one_line = UN_COVER.replace("Statement by\n\nH.E.", "Statement by H.E.")
    assert parse_text("irl.txt", one_line).passages[0].speaker == "Micheál Martin"


def test_a_colon_word_used_once_is_a_label_only_when_it_asks_and_a_repeated_label_answers():
    budget = (
        "Budget Statement\n\nMinister Jane Smith: I rise to present the budget.\n\nHealth: We will invest more.\n\n"
        "Madam Speaker: Order.\n\nMinister Jane Smith: Education comes next.\n\nMonday: The President will travel.\n\n"
        "Madam Speaker: Order.\n\nMinister Jane Smith: I commend the budget.\n"
    )
    speakers = {p.speaker for p in parse_text("b.txt", budget).passages}
    assert "Health" not in speakers and "Monday" not in speakers
    # A question in two paragraphs, and a follow-up straight after it, are still the outlet's.
    two = MFA_EN.replace(
        "Global Times: What is your comment", "Global Times: A report came out.\n\nWhat is your comment"
    )
    two = two.replace(
        "Mao Ning: China will continue to handle",
        "Follow-up: And the Philippines?\n\nMao Ning: China will continue to handle",
    )
    turns = [p.speaker for p in parse_text("mfa.txt", two).passages]
    assert turns[-3:] == ["Global Times", "Global Times", "Mao Ning"], turns


def test_long_first_lines_are_titles_only_in_title_case_and_a_headline_names_no_host():
    speech = (
        "My fellow Americans, tonight I want to speak to you about the choice before our nation and the road ahead\n\n"
    )
    doc = parse_text("s.txt", speech + "We will meet it together.\n")
    assert doc.passages[0].text.startswith("My fellow Americans")
    headline = "Republicans Slam President Joe Biden's Press Conference\n\nThe reaction was swift.\n"
    assert parse_text("h.txt", headline).passages[0].speaker is None


def test_ranks_in_capitals_are_words_and_only_a_lone_label_without_vowels_is_an_outlet():
    text = "LT. GEN. JOHN SMITH: We hold the line.\n\nQ: Sir?\n\nLT. GEN. JOHN SMITH: We do.\n"
    assert parse_text("t.txt", text).passages[0].speaker == "Lt. Gen. John Smith"


@pytest.mark.parametrize(
    "text, kept",
    [
        (  # a wrapped line naming a council is no cover line: the paragraph stays whole
            "Speech on Security\n\nThank you, Mr. President. I would like to thank the members of the\n"
            "United Nations Security Council and\nthe Secretary-General for their leadership in these times.\n",
            "members of the United Nations Security Council and the Secretary-General",
        ),
        (
            "Remarks\n\nI am proud to stand here with my partner in this work,\nSenator Elizabeth Warren\n"
            "who has fought for working families for a very long time in the Senate.\n",
            "in this work, Senator Elizabeth Warren who has fought",
        ),
    ],
)
def test_cover_shaped_lines_inside_a_wrapped_paragraph_stay_in_it(text, kept):
    doc = parse_text("s.txt", text)
    assert kept in doc.passages[0].text and {(p.speaker, p.event) for p in doc.passages} == {(None, None)}


def test_a_heading_under_the_title_is_no_event_and_a_days_neighbour_is_a_place_only_on_a_cover():
    doc = parse_text("s.txt", "Remarks\n\nSecurity Council Reform\n\nWe meet today to discuss reform of the Council.\n")
    assert (doc.passages[0].section, doc.passages[0].event) == ("Security Council Reform", None)
    doc = parse_text("s.txt", "Remarks\n\nBudget Day, 22 September 2023\n\nWe meet today.\n")
    assert (doc.passages[0].place, doc.passages[0].event) == (None, "Budget Day")
    cover = UN_COVER.replace(
        "Permanent Mission of Ireland to the United Nations\n\nStatement by\n\nH.E.", "Statement by H.E."
    )
    first = parse_text("irl.txt", cover).passages[0]  # the title is the cover's first line
    assert (first.speaker, first.role, first.place) == (
        "Micheál Martin",
        "Tánaiste and Minister for Foreign Affairs",
        "New York",
    )
    greeting = "Mr. President of the General Assembly, Mr. Secretary-General, Excellencies, Distinguished Delegates"
    assert parse_text("s.txt", f"{greeting}\n\nWe meet today.\n").passages[0].text.startswith("Mr. President")


def test_a_cover_reads_short_events_and_elided_offices_and_a_town_beside_the_day_needs_no_cover():
    g20 = "Statement by\n\nH.E. Mr. John Smith\n\nG20 Summit\n\nNew Delhi, 9 September 2023\n\nMr. President,\n\nWe meet.\n"
    first = parse_text("s.txt", g20).passages[0]
    assert (first.event, first.place, first.date) == ("G20 Summit", "New Delhi", "2023-09-09")
    civ = UN_COVER.replace(
        "H.E. Mr. Micheál Martin T.D.\n\nTánaiste and Minister for Foreign Affairs",
        "H.E. Mr. Alassane Ouattara\n\nPresident of the Republic of Côte d'Ivoire",
    )
    assert parse_text("s.txt", civ).passages[0].role == "President of the Republic of Côte d'Ivoire"
    assert (
        parse_text("s.txt", "Prime Minister's Speech\n\nLondon, 5 July 2024\n\nGood afternoon.\n").passages[0].place
        == "London"
    )
    long = (
        "Friends of the Earth Annual Conference Keynote Address by the Chair of the Board on Climate Action and Justice"
    )
    assert parse_text("s.txt", f"{long}\n\nWe meet today.\n").title == long
    wrapped = "Speech\n\nWe welcome the recent\nStatement by the Secretary-General and his call\nfor a ceasefire, which we support.\n"
    assert parse_text("s.txt", wrapped).passages[0].text.startswith("We welcome the recent Statement by")


def test_a_title_naming_who_issued_it_gives_way_to_the_line_naming_the_briefing_and_its_bare_name_labels():
    text = (
        "The White House\n\nApril 26, 2006\n\nPress Briefing by Scott McClellan\n\nJames S. Brady Briefing Room\n\n"
        "MR. McCLELLAN: Good afternoon.\n\nQ    Scott, any comment?\n\nMR. McCLELLAN: None.\n\nQ    Why?\n\n"
        "MR. McCLELLAN: It is under review.\n"
    )
    doc = parse_text("b.txt", text)
    assert doc.title == "Press Briefing by Scott McClellan" and doc.date == "2006-04-26"
    assert {p.speaker for p in doc.passages} == {"Scott McClellan", "Questioner"}
    assert {p.place for p in doc.passages} == {"James S. Brady Briefing Room"}
    # A title that already names the speech keeps it.
    kept = parse_text("b.txt", text.replace("The White House", "Remarks by the Press Secretary"))
    assert kept.title == "Remarks by the Press Secretary"
    assert parse_text("b.txt", text.replace("The White House", "Healthcare Reform")).title == "Healthcare Reform"


def test_a_title_names_people_before_what_it_says_of_them():
    title = (
        "Press Gaggle by Press Secretary Jay Carney and Treasury Secretary Jack Lew Aboard AF1 en route Pittsburgh, PA"
    )
    assert [(t.speaker, t.role) for t in named_in_title(title)] == [
        ("Jay Carney", "Press Secretary"),
        ("Jack Lew", "Treasury Secretary"),
    ]
    orszag = named_in_title("Briefing by OMB Director Peter Orszag to Discuss FY2010 Budget Appendix")
    assert [(t.speaker, t.role) for t in orszag] == [("Peter Orszag", "OMB Director")]
    assert [t.role for t in named_in_title("Remarks by Secretary of State Antony Blinken")] == ["Secretary of State"]


def test_an_html_title_ending_in_its_day_month_first_dates_the_page_as_the_title_prints_it(tmp_path):
    # The HTML date search read `8/4/2011` in the title day first and two digits of its year: 2020-04-08.
    page = (
        '<html><head><meta charset="utf-8"><title>Press Briefing by Press Secretary Jay Carney, 8/4/2011</title>'
        "</head><body><h1>Press Briefing by Press Secretary Jay Carney, 8/4/2011</h1>"
        "<p>MR. CARNEY: Good afternoon. The President signed the bill into law this morning, and he will speak"
        " about the economy and jobs later today in the Rose Garden.</p>"
        "<p>Q Thanks, Jay. Does the President expect Congress to act on the payroll tax cut before the recess?</p>"
        "<p>MR. CARNEY: He does. He has said so many times, and he will keep saying so until it is done.</p>"
        "</body></html>"
    )
    (tmp_path / "wh.html").write_text(page, encoding="utf-8")
    passages = read_corpus(tmp_path).passages
    assert passages and {p.date for p in passages} == {"2011-08-04"}


def test_a_title_names_a_person_before_the_bar_that_gives_its_place():
    title = (
        "Press Briefing by Press Secretary Josh Earnest and Deputy National Security Advisor for Strategic"
        " Communications Ben Rhodes | Panama City, Panama"
    )
    assert [(t.speaker, t.role) for t in named_in_title(title)] == [
        ("Josh Earnest", "Press Secretary"),
        ("Ben Rhodes", "Deputy National Security Advisor for Strategic Communications"),
    ]


def test_a_title_giving_an_office_and_a_surname_lends_the_office_to_that_label():
    # whitehouse.gov, 8/13/2010: the title named "Security Napolitano", Secretary of Homeland, and no office for Gibbs.
    title = "Press Briefing by Press Secretary Gibbs and Secretary of Homeland Security Napolitano, 8/13/2010"
    assert [(t.speaker, t.role) for t in named_in_title(title)] == [
        ("Gibbs", "Press Secretary"),
        ("Napolitano", "Secretary of Homeland Security"),
    ]
    briefing = (
        f"{title}\n\nMR. GIBBS:  Good afternoon. We are joined today by Secretary Napolitano, who will talk about"
        " the bill the President signed this morning.\n\nSECRETARY NAPOLITANO:  Thank you. The legislation adds"
        " permanent resources along the Southwest border.\n\nQ    Madam Secretary, how many agents will it pay"
        " for?\n\nSECRETARY NAPOLITANO:  About a thousand new Border Patrol agents over the next year.\n\n"
        "Q    And when do they start?\n\nSECRETARY NAPOLITANO:  The first of them this autumn.\n"
    )
    got = {(p.speaker, p.role) for p in parse_text("2010-08-13-briefing.txt", briefing).passages}
    assert got == {
        ("Mr. Gibbs", None),  # the label does not say the office: it may be anyone called Gibbs
        ("Secretary Napolitano", "Secretary of Homeland Security"),
        ("Questioner", None),
    }
    # Nor is the first lady the president of the title.
    reading = (
        "Remarks by President Bush at a Reading Event\n\nMRS. BUSH:  Thank you all for coming to the library this"
        " morning, and thank you to the teachers.\n\nTHE PRESIDENT:  Laura is right about the teachers.\n\n"
        "MRS. BUSH:  And now the children will read.\n"
    )
    assert ("Mrs. Bush", None) in {(p.speaker, p.role) for p in parse_text("reading.txt", reading).passages}


def test_a_release_header_and_the_title_printed_again_in_capitals_are_the_pages_heading():
    # whitehouse.gov, 2009: the issuer, the release line with its day, then the title again, line by line in
    # capitals, then the room. They had been the place (THE WHITE HOUSE), the event (For Immediate Release) and
    # passages of their own.
    title = "Briefing by Press Secretary Robert Gibbs and Dan Restrepo, Special Assistant to the President"
    lines = [
        title,
        "THE WHITE HOUSE",
        "Office of the Press Secretary",
        "For Immediate Release                              April 13, 2009",
        "PRESS BRIEFING",
        "BY",
        "PRESS SECRETARY ROBERT GIBBS",
        "AND",
        "DAN RESTREPO, SPECIAL ASSISTANT TO THE PRESIDENT",
        "James S. Brady Press Briefing Room",
        "3:32 P.M. EDT",
        "MR. GIBBS:  Good afternoon. The President returns from the summit tonight, and Dan is here to walk you"
        " through what he will say there.",
        "Q    Will the President meet Chavez?",
        "MR. RESTREPO:  There is no meeting on the schedule, but the President will greet every leader.",
        "Q    And Cuba?",
        "MR. RESTREPO:  The measures announced today speak for themselves.",
    ]
    passages = parse_text("wh.txt", "\n\n".join(lines)).passages
    assert {(p.date, p.place, p.event) for p in passages} == {
        ("2009-04-13", "James S. Brady Press Briefing Room", None)
    }
    assert all(p.speaker for p in passages)  # no passage is the heading
    assert passages[0].text.startswith("Good afternoon")


def test_a_call_is_where_a_background_briefing_was_given():
    briefing = (
        "Background Briefing by Senior Administration Official on the Visit of Prime Minister Noda\n\n"
        "Via Conference Call\n\n4:05 P.M. EDT\n\nMS. BRADSHER:  Hi, good afternoon, and thank you for joining us."
        " This call will be on background.\n\nSENIOR ADMINISTRATION OFFICIAL:  Thank you. The Prime Minister"
        " arrives on Sunday.\n\nMS. BRADSHER:  We have time for questions.\n\nSENIOR ADMINISTRATION OFFICIAL:"
        "  Then I will stop there.\n"
    )
    passages = parse_text("noda.txt", briefing).passages
    assert {p.place for p in passages} == {"Via Conference Call"}
    assert [p.speaker for p in passages] == ["Ms. Bradsher", "Senior Administration Official"] * 2


def test_a_title_giving_a_name_then_its_office_after_a_comma_names_that_person_with_all_of_it():
    # whitehouse.gov, 4/13/2009: the office was lost, and "Special Assistant" read as a person's name.
    title = (
        "Briefing by Press Secretary Robert Gibbs and Dan Restrepo, Special Assistant to the President and Senior"
        " Director for Western Hemisphere Affairs (including Spanish text)"
    )
    assert [(t.speaker, t.role) for t in named_in_title(title)] == [
        ("Robert Gibbs", "Press Secretary"),
        ("Dan Restrepo", "Special Assistant to the President and Senior Director for Western Hemisphere Affairs"),
    ]
    # A day after the comma is no office.
    dated = named_in_title("Press Briefing by Press Secretary Jen Psaki, March 22, 2022")
    assert [(t.speaker, t.role) for t in dated] == [("Jen Psaki", "Press Secretary")]
    # Nor is a second person: `President Obama, Prime Minister Cameron`, `…Gibbs, Secretary of Energy Steven Chu`.
    pair = named_in_title("Remarks by President Obama, Prime Minister Cameron")
    assert [(t.speaker, t.role) for t in pair] == [("Obama", "President"), ("Cameron", "Prime Minister")]
    chu = named_in_title("Press Briefing by Press Secretary Robert Gibbs, Secretary of Energy Steven Chu")
    assert [(t.speaker, t.role) for t in chu] == [
        ("Robert Gibbs", "Press Secretary"),
        ("Steven Chu", "Secretary of Energy"),
    ]


def test_the_heading_rule_leaves_a_label_a_greeting_a_named_venue_and_a_trips_line_alone():
    def read(title, *lines):
        return parse_text("wh.txt", "\n\n".join([title, "THE WHITE HOUSE", "Office of the Press Secretary", *lines]))

    said = [
        "THE PRESIDENT:  Thank you! Thank you so much, everybody, for all the work you did this year.",
        "THE PRESIDENT:  Now, go home and get some sleep.",
    ]
    staff = read(
        "Remarks by the President at a Thank You Event for Campaign Staff", "THE PRESIDENT:  Thank you!", *said
    )
    assert [p.speaker for p in staff.passages] == ["The President"] * 3
    garden = read("Remarks by the President in the Rose Garden", "Rose Garden", "11:02 A.M. EDT", *said)
    assert {p.place for p in garden.passages} == {"Rose Garden"}
    gaggle = read(
        "Press Gaggle by Press Secretary Robert Gibbs",
        "(Aboard Air Force One)",
        "For Immediate Release                              April 5, 2009",
        "PRESS GAGGLE BY PRESS SECRETARY ROBERT GIBBS",
        "Aboard Air Force One",
        "MR. GIBBS:  Good morning. The President will call the Prime Minister when we land.",
        "Q    Is that call about the missile launch?",
        "MR. GIBBS:  It is.",
    )
    assert gaggle.title == "Press Gaggle by Press Secretary Robert Gibbs"
    assert {(p.speaker, p.role, p.date) for p in gaggle.passages if p.speaker != "Questioner"} == {
        ("Robert Gibbs", "Press Secretary", "2009-04-05")
    }
