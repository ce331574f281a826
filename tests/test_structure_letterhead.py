"""Transcripts as Westminster governments issue them (Australia's ministers, in the shapes ParlInfo and PM
Transcripts keep): a letterhead naming the minister (`THE HON … MP`), labels alone on their line (`JOURNALIST:`
then the question below it), `NAME, OFFICE:` labels given in full once and by surname after, offices in letters
(`PM:`, `P.M.`), and the office's name or a contact line printed atop every page. The texts are invented; the shapes
are the archive's."""

from __future__ import annotations

import pytest

from qa.reader import parse_text, read_corpus
from qa.reader.english_top import host_in_title, letterhead
from qa.reader.passages import _hard_split
from qa.reader.speech_speaker import title_speaker


def credits(text: str, name: str = "t.txt") -> list[tuple[str | None, str | None]]:
    """Each passage's (speaker, role), in order."""
    return [(p.speaker, p.role) for p in parse_text(name, text).passages]


def voices(text: str) -> list[str | None]:
    """Who speaks, in order, a turn printed as several passages counted once."""
    got = [p.speaker for p in parse_text("t.txt", text).passages]
    return [s for i, s in enumerate(got) if i == 0 or s != got[i - 1]]


DOORSTOP = """PRIME MINISTER

12 March 2009

TRANSCRIPT OF THE PRIME MINISTER  THE HON JANE CITIZEN MP  DOORSTOP INTERVIEW  PARLIAMENT HOUSE, CANBERRA

JOURNALIST:

Prime Minister, will the dam go ahead this year?

PRIME MINISTER:

It will. The water authority has finished its study and the funding is in the budget.

JOURNALIST:

And the cost?

PRIME MINISTER:

About four hundred million dollars over five years, shared with the states.

PRIME MINISTER

JOURNALIST:

Will you meet the farmers first?

PRIME MINISTER:

Yes, on Friday in Dubbo.
"""


@pytest.fixture
def doorstop(tmp_path):
    (tmp_path / "2009-03-12-doorstop.txt").write_text(DOORSTOP, encoding="utf-8")
    return read_corpus(tmp_path).documents[0]


def test_labels_alone_on_their_line_open_turns_and_are_not_page_furniture(doorstop):
    got = [(p.speaker, p.text.split()[0]) for p in doorstop.passages if p.speech]
    assert got == [
        ("Journalist", "Prime"),
        ("Jane Citizen", "It"),
        ("Journalist", "And"),
        ("Jane Citizen", "About"),
        ("Journalist", "Will"),
        ("Jane Citizen", "Yes,"),
    ]
    assert doorstop.passages[-1].question == "Will you meet the farmers first?"


def test_the_letterhead_names_the_minister_and_is_no_passage_nor_heading(doorstop):
    answers = [p for p in doorstop.passages if p.speaker == "Jane Citizen"]
    assert {p.role for p in answers} == {"Prime Minister"}
    assert not any("THE HON" in p.text for p in doorstop.passages)
    assert {p.section for p in doorstop.passages} == {None}  # `PRIME MINISTER` atop a page is no heading


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (["TRANSCRIPT OF THE PRIME MINISTER THE HON JOHN CITIZEN MP PRESS CONFERENCE, CANBERRA"],
         ("John Citizen", "Prime Minister", 0)),
        (["THE HON. MARY CITIZEN MP  MINISTER FOR HEALTH", "TRANSCRIPT"], ("Mary Citizen", "Minister for Health", 0)),
        (["PRIME MINISTER", "TRANSCRIPT OF THE PRIME MINISTER", "THE HON JOHN CITIZEN MP", "DOORSTOP"],
         ("John Citizen", "Prime Minister", 2)),
        (["LEADER OF THE OPPOSITION  THE HON. PAT CITIZEN MHR  DOORSTOP INTERVIEW"],
         ("Pat Citizen", "Leader of the Opposition", 0)),
        (["ATTORNEY-GENERAL THE HON. DARYL CITIZEN AM QC MP"], ("Daryl Citizen", "Attorney-General", 0)),
        (["MINISTER FOR FOREIGN AFFAIRS  HON ALEXANDER MR CITIZEN, MP"],
         ("Alexander Citizen", "Minister for Foreign Affairs", 0)),
        (["THE HON JOHN CITIZEN MP", "DOORSTOP WITH THE PREMIER"], ("John Citizen", None, 0)),  # no office below
        (["THE HON JOHN CITIZEN MP  PRIME MINISTER", "SENATOR THE HON PENNY CITIZEN  MINISTER FOR TRADE"], None),
        (["The Hon. Jane Citizen MP, Minister for Health", "Distinguished guests"], None),  # an acknowledgement
        # two ministers at one press conference: the labels say who speaks
        (["THE HON ANN CITIZEN MP  TREASURER  THE HON BOB CITIZEN MP  MINISTER FOR FINANCE"], None),
        # a sentence that thanks a minister is no letterhead
        (["I thank the Hon John Citizen MP for his work."], None),
    ],
)  # fmt: skip
def test_letterhead(lines, expected):
    assert letterhead(lines) == expected


JOINT = """---
title: "Transcript of joint press conference: Sydney: 22 May 2014: hospital funding"
---

THE HON ANN WONG MP  DEPUTY LEADER OF THE OPPOSITION  THE HON BOB SMITH MP  SHADOW TREASURER

Office: 02 6277 7500 or 0400 000 000

ANN WONG, DEPUTY LEADER OF THE OPPOSITION: Thank you for coming to the hospital today.

BOB SMITH, SHADOW TREASURER: Thanks, Ann. The budget cuts its funding by a third.

Office: 02 6277 7500 or 0400 000 000

JOURNALIST: Ms Wong, will you restore the funding?

WONG: We will restore every dollar of it.

JOURNALIST: Mr Smith, how will you pay for it?

MR SMITH: By reversing the tax cut for the largest firms.

Office: 02 6277 7500 or 0400 000 000

JOURNALIST: And the schools?

WONG: The schools too.
"""


def test_a_name_and_office_label_then_the_surname_alone_is_one_person():
    doc = parse_text("joint.txt", JOINT)
    got = [(p.speaker, p.role) for p in doc.passages if p.speech]
    wong, smith = ("Ann Wong", "Deputy Leader of the Opposition"), ("Bob Smith", "Shadow Treasurer")
    journalist = ("Journalist", None)
    assert got == [wong, smith, journalist, wong, journalist, smith, journalist, wong]
    # two people of one surname: a label giving it alone names neither
    doc = parse_text("joint.txt", JOINT.replace("ANN WONG,", "ANN SMITH,").replace("WONG:", "SMITH:"))
    assert {p.speaker for p in doc.passages if p.text.startswith(("We will", "By reversing"))} == {"Smith", "Mr Smith"}


def test_a_contact_line_printed_on_every_page_is_no_speaker_and_no_passage():
    doc = parse_text("joint.txt", JOINT)
    assert "Office" not in {p.speaker for p in doc.passages}
    assert not any("6277" in p.text for p in doc.passages)


OLD_PRESS = """---
title: "London: Press conference given by the Prime Minister, Mr. John Citizen at London Airport"
---

J. R. CITIZEN: Well, because I think it is in the interests of both countries.

Q. Would you be happy to have British troops in Australian bases?

P.M. We discussed this some time ago and the basis then was clear.

Q. Do you think a visit to the Far East would help?

P.M. Well I would like to see many leaders go there and see it for themselves.

Q. Will you see the Prime Minister of Britain again?

P.M. Tomorrow morning, and again on Friday.
"""


def test_an_office_in_letters_is_the_host_the_title_names_even_beside_a_scanned_label():
    doc = parse_text("1967-press.txt", OLD_PRESS)
    answers = [p for p in doc.passages if p.text.startswith(("We discussed", "Well I would", "Tomorrow"))]
    assert [(p.speaker, p.role) for p in answers] == [("John Citizen", "Prime Minister")] * 3
    assert not any("P.M." in p.text for p in doc.passages)  # no answer glued into the question before it
    gillard = parse_text("pm.txt", "PM: Good afternoon.\n\nJOURNALIST: A question?\n\nPM: An answer.\n")
    assert gillard.passages[0].speaker == "Prime Minister"


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("London: Press conference given by the Prime Minister, Mr. John Citizen at London Airport",
         ("John Citizen", "Prime Minister")),
        ("Briefing by the Secretary of State, Antony J. Blinken", ("Antony J. Blinken", "Secretary of State")),
        ("Press conference given by the prime minister, mr. john citizen", None),
    ],
)  # fmt: skip
def test_host_in_title_office_first(title, expected):
    assert host_in_title(title) == expected


@pytest.mark.parametrize(
    ("title", "speaker"),
    [
        ("Speech by the Hon John Citizen MP at the unveiling of the monument", "John Citizen"),
        ("Remarks by the Hon. Mary Citizen MP", "Mary Citizen"),
        ("Address by The Rt Hon Mary Citizen MP", "Mary Citizen"),
    ],
)
def test_the_hon_and_mp_around_a_name_in_a_title(title, speaker):
    assert title_speaker(title, "The monument stands.").speaker == speaker


def test_a_clause_mark_at_the_end_of_an_over_long_run_still_splits():
    def count(pieces):
        return [2 * len(p) for p in pieces]  # every character two tokens: a run of rare characters

    assert "".join(_hard_split("ab,", 1, count, "zh")) == "ab,"  # had recursed until Python stopped it


SCANNED = """Leader of the Opposition

2 December 1991 REF: TRANSCR\\0317\\BQ

SUBJECTS: Balance of payments, jobs.

PM: Ladies and gentlemen, the figures out today are the worst in a decade.

REF: TRANSCR\\0317\\BQ 2.

JOURNALIST: What would you do about them?

PM: Cut the deficit and free up the labour market.

REF: TRANSCR\\0317\\BQ 3.

SUBJECTS: none further.

JOURNALIST: When?

PM: In the first budget.
"""


def test_a_page_reference_and_a_subjects_field_are_no_speakers():
    doc = parse_text("1991-transcript.txt", SCANNED)
    assert {p.speaker for p in doc.passages} <= {None, "Prime Minister", "Journalist"}
    assert [p.speaker for p in doc.passages if p.text.startswith(("Ladies", "Cut", "In the"))] == ["Prime Minister"] * 3


FIELDS = """Inquiries: (02) 6277 7500 1

DATE: 13 November 2006

TOPICS: Indonesia; the security treaty.

JOHN CITIZEN MP, MINISTER FOR FOREIGN AFFAIRS: I am heading to Lombok to sign the treaty today.

ANN OTHER MP: And I am going with him.

JOURNALIST: Will it cover Papua?

CITIZEN: It respects the territorial integrity of both countries.

Inquiries: (02) 6277 7500 2

JOURNALIST: When does it take effect?

CITIZEN: Once both parliaments ratify it.
"""


def test_a_pages_fields_are_no_speakers_and_a_members_letters_are_no_part_of_the_name():
    doc = parse_text("doorstop.txt", FIELDS)
    assert {p.speaker for p in doc.passages} == {None, "John Citizen", "Ann Other", "Journalist"}
    assert [p.speaker for p in doc.passages if p.text.startswith(("I am", "It respects", "Once"))] == [
        "John Citizen"
    ] * 3


# From an adversarial review: what the rules above must leave alone.
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a label whose every line says the same words is still a label, unless they hold a telephone number
        ("Mr FISHER: I move the bill.\n\nHONOURABLE MEMBERS: Hear, hear!\n\nMr FISHER: It waters the valley.\n\n"
         "HONOURABLE MEMBERS: Hear, hear!\n\nMs BASS: At what cost?\n",
         ["Mr Fisher", "Honourable Members", "Mr Fisher", "Honourable Members", "Ms Bass"]),
        # the same turn printed twice with a small number is speech, not page furniture
        ("CHAIR: We move to the vote.\n\nQuestion 1: That the report be adopted.\n\nMR SMITH: No quorum.\n\n"
         "CHAIR: We put it again.\n\nQuestion 1: That the report be adopted.\n",
         ["Chair", "Mr Smith", "Chair"]),
        # `Mrs. Kennedy` is not the Robert Kennedy an earlier label named, nor `JOURNALIST` the female one
        ("ROBERT KENNEDY: We are glad to be here.\n\nMRS. KENNEDY: Thank you for the flowers.\n\n"
         "ROBERT KENNEDY: We will be in Dallas by noon.\n\nMRS. KENNEDY: And then home.\n",
         ["Robert Kennedy", "Mrs. Kennedy", "Robert Kennedy", "Mrs. Kennedy"]),
        ("JOURNALIST: Is it going ahead?\n\nPRIME MINISTER: It is.\n\nFEMALE JOURNALIST: When?\n\n"
         "PRIME MINISTER: In June.\n\nJOURNALIST: And the cost?\n\nPRIME MINISTER: Modest.\n",
         ["Journalist", "Prime Minister", "Female Journalist", "Prime Minister", "Journalist", "Prime Minister"]),
        # headings alone on their line that end in a colon and ask nothing are no speakers
        ("ISSUE:\n\nThe dam's funding lapses in June.\n\nBACKGROUND:\n\nThe dam was approved in 2007.\n\nISSUE:\n\n"
         "The farmers want a weir.\n\nBACKGROUND:\n\nA weir was studied in 2008.\n", [None]),
        ("The budget came down today.\n\nKEY POINTS:\n\nTaxes fall.\n\nThe second part covers the states.\n\n"
         "KEY POINTS:\n\nGrants rise.\n", [None]),
        # `P.M.` is the Prime Minister only where `Q.` asks; `PM:` once is no label
        ("A.M. Registration in the foyer.\n\nP.M. Workshops in the east wing.\n\nA.M. Keynote address.\n\n"
         "P.M. Closing remarks.\n", [None]),
        ("PM: Dam approved\n\nMARK COLVIN: The Government has approved the dam.\n\nREPORTER: The farmers are pleased."
         "\n\nMARK COLVIN: And the greens?\n\nREPORTER: They are not.\n",
         ["Mark Colvin", "Reporter", "Mark Colvin", "Reporter"]),  # the programme's line is the title
    ],
)  # fmt: skip
def test_what_the_rules_leave_alone(text, expected):
    assert voices(text) == expected


def test_a_title_answering_someone_elses_press_conference_names_no_host():
    title = "Doorstop: response to the press conference given by the Prime Minister, Mr. John Citizen"
    assert host_in_title(title) is None


INTERVIEW = """KERRY O'BRIEN: Prime Minister, thanks for joining us.

JOHN CITIZEN: Good evening, Kerry.

O'BRIEN: Will you call an early election?

CITIZEN: No, the election will be held when it is due.

O'BRIEN: Even if the polls turn?

CITIZEN: Even then.
"""


def test_an_interview_names_each_in_full_once_then_by_surname():
    got = [p.speaker for p in parse_text("interview.txt", INTERVIEW).passages]
    assert got == ["Kerry O'Brien", "John Citizen"] * 3
    # a title before the surname needs an office given with the full name: Mrs. Kennedy is someone else
    text = INTERVIEW.replace("\nCITIZEN:", "\nMRS. CITIZEN:")
    assert [p.speaker for p in parse_text("interview.txt", text).passages][3] == "Mrs. Citizen"


def test_a_hearing_label_alone_with_its_full_stop(tmp_path):
    html = "<html><body><p>Mr. RUDMAN.</p><p>By the time these hearings are concluded, the people will know.</p>"
    html += "<p>We will examine the role of the President.</p></body></html>"
    (tmp_path / "opening.html").write_text(html, encoding="utf-8")
    (doc,) = read_corpus(tmp_path).documents
    assert {p.speaker for p in doc.passages} == {"Mr. Rudman"}


# From a second adversarial review.
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # closing statements, labels alone, nobody asks: two voices each recurring are a dialogue
        ("ALBANESE:\n\nThank you. This election is about the cost of living.\n\nDUTTON:\n\nThank you. Prices are up."
         "\n\nALBANESE:\n\nWe will build more homes.\n\nDUTTON:\n\nWe will bring energy prices down.\n",
         ["Albanese", "Dutton", "Albanese", "Dutton"]),
        # a briefing note's headings stay headings even when one heads a question
        ("ISSUE:\n\nShould the council fund the bridge?\n\nBACKGROUND:\n\nThe bridge closed in March.\n\n"
         "ISSUE:\n\nWhat fee should apply?\n\nBACKGROUND:\n\nOthers charge two dollars.\n", [None]),
        # a surname used before anyone of that name is given in full is someone else
        ("ABBOTT: Thank you all for coming.\n\nABBOTT: I thank my family.\n\nMARGIE ABBOTT: Tony has given everything."
         "\n\nABBOTT: Thank you, Margie.\n", ["Abbott", "Margie Abbott", "Abbott"]),
        # an office with a colon once is a list's line or a sentence, not a label
        ("The new ministry was sworn in today.\n\nThe Minister for Finance: Katy Citizen.\n\n"
         "The Minister for Health: Mark Citizen.\n\nThe ministry meets on Monday.\n", [None]),
        # … but twice, counting the line that named the person, it is the person
        ("The Secretary of State for Health (Jeremy Citizen): We will publish the figures.\n\n"
         "Jane Smith (Bath) (LD): When?\n\nThe Secretary of State for Health: In June.\n",
         ["Jeremy Citizen", "Jane Smith", "Jeremy Citizen"]),
        # a programme's line is no member of parliament
        ("CHAIR: Welcome. The programme is:\n\nSession One (Main Hall) (10:00): Housing supply.\n\n"
         "Session Two (Room B) (11:30): Transport.\n\nCHAIR: Over to our first speaker.\n", ["Chair"]),
        # a UN record's language note
        ("The President: I give the floor to the representative of the Russian Federation.\n\n"
         "Mr. Nebenzia (Russian Federation) (spoke in Russian): We cannot support the draft.\n\n"
         "The President (spoke in French): I thank the representative.\n",
         ["The President", "Mr. Nebenzia", "The President"]),
        ("Mr. John Smith Esq.: I appear for the applicant.\n\nTHE CHAIRMAN: Thank you.\n\n"
         "Mr. John Smith Esq.: Our case is short.\n", ["John Smith Esq.", "The Chairman", "John Smith Esq."]),
    ],
)  # fmt: skip
def test_what_the_rules_leave_alone_too(text, expected):
    assert voices(text) == expected


@pytest.mark.parametrize(
    "title",
    [
        "Speech and press conference given by the Prime Minister, Mr. Harold Citizen at Canberra",
        "Transcript of the press conference given by the Prime Minister, Mr. Harold Citizen",
        "Extract from press conference given by the Prime Minister, Mr. Harold Citizen",
    ],
)
def test_a_title_recording_a_press_conference_names_its_host(title):
    assert host_in_title(title) == ("Harold Citizen", "Prime Minister")


def test_an_acknowledgement_list_is_no_letterhead():
    lines = ["Acknowledgements", "The Hon Jane Citizen MP", "Minister for Health", "Distinguished guests"]
    assert letterhead(lines) is None


@pytest.mark.parametrize(
    ("text", "part", "expected"),
    [
        # Australia's Hansard: the seat, then the time; a senator's seat and office
        ("Mr FISHER (Bass) (10:02): I rise to speak on the bill.\n\nMr CITIZEN (Casey) (10:15): I too rise.\n"
         "\nSenator WONG (South Australia—Minister for Foreign Affairs) (14:03): I thank the senator.\n",
         slice(None),
         [("Mr Fisher", "Bass"), ("Mr Citizen", "Casey"),
          ("Senator Wong", "South Australia—Minister for Foreign Affairs")]),
        # the UK's: the seat, then the party; `The Prime Minister:` is whom the first label named
        ("The Prime Minister (Boris Citizen): This morning I had meetings.\n\n"
         "Jane Citizen (Bath) (LD): Will the Prime Minister meet the farmers?\n\n"
         "The Prime Minister: I will meet them next week.\n",
         slice(None),
         [("Boris Citizen", "Prime Minister"), ("Jane Citizen", "Bath"), ("Boris Citizen", "Prime Minister")]),
        # a UN record: each representative with their country, in any language
        ("The President (spoke in French): I give the floor to the representative of France.\n\n"
         "Mr. de Rivière (France) (spoke in French): France will vote in favour.\n\n"
         "Ms. Thomas-Greenfield (United States of America): The United States welcomes this resolution.\n\n"
         "Mr. Zhang Jun (China) (spoke in Chinese): China supports the draft.\n",
         slice(None),
         [("The President", None), ("de Rivière", "France"),
          ("Ms. Thomas-Greenfield", "United States of America"), ("Zhang Jun", "China")]),
        # India's Lok Sabha: the member, then the seat or office
        ("HON. SPEAKER: Now, the Minister of Home Affairs.\n\n"
         "SHRI AMIT SHAH (THE MINISTER OF HOME AFFAIRS): Sir, I beg to move that the Bill be taken up.\n\n"
         "SHRI RAHUL GANDHI (WAYANAD): Sir, this Bill is against the Constitution.\n\n"
         "HON. SPEAKER: Please take your seat.\n",
         slice(1, 3),
         [("Amit Shah", "Minister of Home Affairs"), ("Rahul Gandhi", "Wayanad")]),
    ],
)  # fmt: skip
def test_parliaments_and_un_records(text, part, expected):
    assert credits(text)[part] == expected


def test_an_office_in_capitals_in_brackets_reads_as_an_office():
    text = "The DEPUTY SPEAKER (Mr Zimmerman): Order.\n\nMr FISHER (Bass) (10:02): I rise.\n"
    assert parse_text("au.txt", text).passages[0].role == "Deputy Speaker"


def test_pm_is_someones_initials_where_speakers_are_labelled_so():
    text = "PM: Chris, welcome.\n\nCC: Thanks, Peter.\n\nPM: Is it working?\n\nCC: It is.\n"
    assert {p.speaker for p in parse_text("interview.txt", text).passages} == {"PM", "CC"}
    assert (
        parse_text("presser.txt", "PM: Good afternoon.\n\nJOURNALIST: A question?\n\nPM: An answer.\n")
        .passages[0]
        .speaker
        == "Prime Minister"
    )
