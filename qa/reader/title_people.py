"""The people an English title says a document is by, with their offices: `Press Briefing by Press Secretary Jen
Psaki and National Security Advisor Jake Sullivan, March 22, 2022`. Turn labels then name them by surname
(`MS. PSAKI`, qa/reader/speakers.py `by_surname`)."""

from __future__ import annotations

import re

from ..textrules import ends_sentence
from .labels_zh import speech_by_title
from .model import Turn
from .speakers import NOT_NAME_WORDS, name_case, parts_pattern

# `Press Briefing by Press Secretary Jen Psaki and National Security Advisor Jake Sullivan, March 22, 2022`: the
# people a title says the document is by, each an office and a name, split at commas and "and".
TITLE_BY = re.compile(r"\bby\s+(?P<people>[A-Z].*)$")
TITLE_PEOPLE_SPLIT = re.compile(r",\s*|\s+and\s+")
# What a title says after a person: `…Jack Lew Aboard AF1 en route Pittsburgh`, `…Peter Orszag to Discuss the Budget`,
# `…Ben Rhodes | Panama City, Panama`.
TITLE_AFTER_PERSON = re.compile(
    r"""\s+(?=[a-z]|(?:Aboard|Before|After|During|At|On|In|En\s+Route)\b)  # words in lower case, or where it was
      | \s*(?=\|)                                                        # a bar before the place or the site""",
    re.X,
)
TITLE_PERSON = parts_pattern(
    r"""^(?P<role>[A-Z][\w'’-]*(?:\s+(?:[A-Z][\w'’-]*|of|for|on|the|and))*?)  # the office: Press Secretary
        \s+(?P<name>@TITLE_WORD(?:\s+[A-Z]\.)?\s+@TITLE_WORD)$                # the name: Jen Psaki, Jake J. Sullivan"""
)

HONORIFIC = parts_pattern(r"@HONORIFIC")  # `Mrs.`, `Dr.`: a surname follows, not a sentence's end
OFFICE_START = parts_pattern(r"(?:@ROLES|@OFFICE_NOUNS)\s")  # a title's "name" that is the rest of an office
# A name, then after a comma the office it holds, to a bracket, a bar or the end: `…and Dan Restrepo, Special
# Assistant to the President and Senior Director for Western Hemisphere Affairs (including Spanish text)`.
NAME_THEN_OFFICE = parts_pattern(
    r"""(?P<name>@TITLE_WORD(?:\s+[A-Z]\.)?\s+@TITLE_WORD)  # the name: Dan Restrepo
        ,\s+(?P<office>[A-Z][^(),|]*?)\s*(?:[(|]|$)       # the office, all of it: "and" does not end it"""
)
OFFICE_IN = parts_pattern(r"\b(?:@ROLES|@OFFICE_NOUNS)\b")  # an office's word anywhere (not `March 22`)
BARE_NAME = parts_pattern(r"^(?P<name>@TITLE_WORD(?:\s+[A-Z]\.)?(?:\s+@TITLE_WORD){1,2})$")


def named_in_title(title: str | None, language: str = "en") -> list[Turn]:
    """The people an English title says the document is by, with their offices (none for other titles)."""
    found = TITLE_BY.search(title or "") if language != "zh" else None
    if not found:
        return []
    listed = found.group("people")
    last = NAME_THEN_OFFICE.search(listed)
    # Not `President Obama, Prime Minister Cameron` nor `…Robert Gibbs, Secretary of Energy Steven Chu`: two people.
    office = last and OFFICE_IN.search(last["office"]) and not OFFICE_START.match(last["name"])
    last = last if office and not (_title_person(last["office"]) or (None, None))[1] else None
    listed = listed[: last.start()] if last else listed
    people = [person for part in TITLE_PEOPLE_SPLIT.split(listed) if (person := _title_person(part))]
    return [Turn(name, role) for name, role in people] + ([Turn(last["name"], last["office"])] if last else [])


def _title_person(part: str) -> tuple[str, str | None] | None:
    """(name, office) of one person a title lists: `Press Secretary Jay Carney`, a full name alone (`Scott
    McClellan`) or an office and a surname (`Secretary of Homeland Security Napolitano` → Napolitano), perhaps with
    what the title says after it (`…Jack Lew Aboard AF1 en route Pittsburgh`)."""
    part = part.strip()
    cuts = [m.start() for m in TITLE_AFTER_PERSON.finditer(part)]
    for candidate in [part, *(part[:cut] for cut in reversed(cuts))]:
        if m := TITLE_PERSON.match(candidate) or BARE_NAME.match(candidate):
            role, name = m.groupdict().get("role"), m.group("name")
            if OFFICE_START.match(name):  # the office goes on: the name is its last word
                office, surname = name.rsplit(maxsplit=1)
                return surname, f"{role} {office}" if role else office
            return name, role
    return None


# What a title calls a text one person gave, and what it calls one that labels divide among several.
ONE_VOICE = re.compile(
    r"\b(?:Remarks|Address|Speech|Statement|Message|Lecture|Oration|Sermon|Eulogy|Keynote|Testimony|Inaugural)\b"
)
MANY_VOICES = re.compile(
    r"\b(?:Briefing|Conference|Gaggle|Interview|Debate|Exchange|Discussion|Roundtable|Panel|Dialogue|Town\s+Hall)\b"
)
# Words of a country's or a body's name, which no person's holds.
BODY = re.compile(
    r"\b(?:Republic|Kingdom|Union|Islands?|Federation|Emirates|Council|Commission|Committee|Party|Group|Assembly"
    r"|Organi[sz]ation|Bank|Fund|Agency|Office|Mission|Ministry|Embassy|Delegation|Zealand|Africa|Europe|Asia)\b"
)
# A speech given "of" someone: `Inaugural Address of John F. Kennedy`, as the Avalon Project titles them (not a
# `Statement of Saudi Arabia`: a country's statement is no person's).
SPEECH_OF = re.compile(r"\b(?:Address|Speech|Remarks|Message|Lecture|Oration|Eulogy)\s+of\s+(?P<person>[A-Z].*)$")
# How two-word places start, which names do not: `New York`, `Las Vegas`, `Camp David`, `North Carolina`.
PLACE_START = re.compile(
    r"^(?:New|Las|Los|San|Santa|Saint|St\.?|Camp|Fort|Port|Lake|Mount|Cape|North|South|East|West)\s"
)
# … and how they end: `Silicon Valley`, `Kansas City`, `Pearl Harbor`, `Hong Kong`.
PLACE_END = re.compile(
    r"\s(?:Valley|City|Hills?|Harbou?r|Beach|Springs|Falls|Heights|Park|Island|Bay|County|Kong|Capitol|Village)$"
)
MAX_TITLE_BELOW = 120  # characters: the title printed under a speaker's name is one short line
# The person a title opens with: `President Kennedy's Inaugural Address`, `Barack Obama: Inaugural Address`,
# `Barack Obama — Inaugural Address`.
OPENS_WITH_PERSON = re.compile(
    r"""^(?P<person>[A-Z][^:'’—–]*?)
        (?: ['’]s\s+     # whose speech it is
          | \s*:\s+      # or a colon
          | \s+[—–-]\s+  # or a dash between the name and what was given
        )(?P<rest>.+)$""",
    re.X,
)


def title_speaker(title: str | None, language: str = "en") -> Turn | None:
    """The one person a title says gave the speech (`Remarks by President Barack Obama on the Economy`, `President
    George Washington's First Inaugural Address`, `Barack Obama: Inaugural Address`, `习近平在…大会上的讲话`);
    none for a title naming several, or a briefing, an interview or a debate (labels say who speaks there)."""
    if language == "zh" and title:
        return speech_by_title(title)
    if not title or MANY_VOICES.search(title) or not ONE_VOICE.search(title):
        return None
    if TITLE_BY.search(title):
        named = named_in_title(title, language)
        return named[0] if len(named) == 1 else None
    of = SPEECH_OF.search(title)
    if of and len(TITLE_PEOPLE_SPLIT.split(of["person"])) == 1:  # `…of President Obama and …` names two
        person = _title_person(of["person"])
    else:
        m = OPENS_WITH_PERSON.match(title)
        person = _title_person(m["person"]) if m and ONE_VOICE.search(m["rest"]) else None
    return Turn(*person) if person and _named(person[0]) else None


def name_under_title(line: str, title: str | None, before_day: bool) -> str | None:
    """`John F. Kennedy` printed under `Inaugural Address` (a speech's title naming no one): the speaker's name, not a
    place. Without an initial the name must stand right above the day (a heading, `Estate Duty`, does not) and not
    look like a place (`New York`, `Camp David`, `Silicon Valley`)."""
    name = name_case(line.strip()) if line.isupper() else line.strip()
    speech = title and ONE_VOICE.search(title.title() if title.isupper() else title) and not MANY_VOICES.search(title)
    if not speech or title_speaker(title) or not BARE_NAME.match(name) or not _named(name):
        return None
    initial = re.search(r"\s[A-Z]\.\s", name)
    placed = PLACE_START.match(name) or PLACE_END.search(name)
    return name if initial or (before_day and not placed) else None


def name_above_title(line: str, below: str) -> str | None:
    """`GEORGE W. BUSH` printed above `Inaugural Address`: the speaker's name over the speech's title → `George W.
    Bush`; none when the line under it names no speech."""
    short = len(below) <= MAX_TITLE_BELOW and not ends_sentence(below) and ":" not in below
    below = below.title() if below.isupper() else below  # `INAUGURAL ADDRESS`
    if not short or not ONE_VOICE.search(below) or MANY_VOICES.search(below):
        return None
    name = name_case(line.strip()) if line.isupper() else line.strip()
    return name if BARE_NAME.match(name) and _named(name) else None


def _named(name: str) -> bool:
    """Is this a person's name: not an office (`The President`), a country or a body (`United States`, `European
    Union`) nor what was given (`Inaugural Address`)?"""
    words = {w.upper() for w in name.split()}
    return not (words & NOT_NAME_WORDS or OFFICE_IN.search(name) or ONE_VOICE.search(name) or BODY.search(name))


# A file named for the year and who spoke, as collections of speeches are often published: `1789-Washington.txt`,
# `1837-VanBuren.txt`, `2009-Obama.txt`, `Obama_2009.txt`.
FILE_SPEAKER = re.compile(
    r"""^(?: \d{4}(?:[-_.]\d{2}){0,2}[-_\s]+(?P<after>[A-Z][A-Za-z'’]+(?:[-_\s]+[A-Z][A-Za-z'’]+){0,2})  # year first
           | (?P<before>[A-Z][A-Za-z'’]+(?:[-_\s]+[A-Z][A-Za-z'’]+){0,2})[-_\s]+\d{4}(?:[-_.]\d{2}){0,2}   # or last
         )$""",
    re.X,
)
CAMEL = re.compile(r"(?<=[a-z])(?<!\bMc)(?<!\bMac)(?=[A-Z][a-z])")  # `VanBuren` → `Van Buren`, not `McKinley`
# What a file's name says besides who spoke: `2019-Budget`, `2020-Report`, `1933-Fireside`.
FILE_WORDS = re.compile(
    r"""\b(?:Budget|Report|Transcript|Minutes|Hansard|Session|Notes|Draft|Final|Part|Chapter|Volume|Annual|Policy
        |Review|Fireside|Chat|Union|Sotu|Speeches|Text|Copy|English|Chinese|January|February|March|April|May|June
        |July|August|September|October|November|December)\b""",
    re.X,
)
# A word of a surname in a file's name: `Washington`, `McKinley`, `MacArthur`, `O'Brien`; not letters (`SOTU`, `NDR`)
# nor a short word (`Mr`, `No`).
FILE_NAME_WORD = re.compile(r"(?:Ma?c|O['’])?[A-Z][a-z'’]{2,}")


def file_speaker(stem: str, text: str) -> str | None:
    """Who spoke, as a file's name gives them beside the year (`1789-Washington` → Washington), for a speech that
    names its speaker nowhere else. Not a word the speech itself says: speakers seldom say their own name, while a
    place or a topic a file is named for is said (`1963-Berlin`, `2023-Ireland`, `2019-Christmas`)."""
    m = FILE_SPEAKER.match(stem)
    if not m:
        return None
    words = [w for part in re.split(r"[-_\s]+", m["after"] or m["before"]) for w in CAMEL.split(part)]
    name = " ".join(words)
    if not all(FILE_NAME_WORD.fullmatch(w) for w in words) or FILE_WORDS.search(name) or MANY_VOICES.search(name):
        return None
    return name if _named(name) and not _said(name, text) else None


def _said(name: str, text: str) -> bool:
    """Does the text say `name` as a word of its own (`in Berlin`), not as someone's surname (`Laura Bush`,
    `Mrs. Bush`, `President Johnson`)?"""
    for m in re.finditer(rf"\b{re.escape(name)}\b", text):
        before = text[: m.start()].split()
        word = before[-1] if before else ""
        titled = HONORIFIC.fullmatch(word) or (word[:1].isupper() and not word.endswith((",", ";", ":", ".")))
        if not titled:
            return True
    return False
