"""The top of an English document as public copies print it, read from its lines: a byline `Name, Office` under
the title, the day at the end of a title, a place line, the host a briefing's lead names, and the fields a
government page prints above the speech (GOV.UK's `From:`, `Published …`, `Delivered on: …`). Pure functions
over text: `structure` decides what the document keeps of what they find.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..textrules import ends_sentence
from . import metadata
from .labels_en import OFFICE_WORD as OFFICE
from .labels_en import PARTS, name_case, office_case

# An English byline under the title: `Ned Price, Department Spokesperson`, `Antony J. Blinken, Secretary of State`.
FRONT_BYLINE = re.compile(
    rf"""^(?P<name>{PARTS["TITLE_WORD"]}(?:\s+[A-Z]\.)?(?:\s+{PARTS["TITLE_WORD"]}){{1,3}})  # two to four name words
        ,\s+(?P<role>[A-Z][^,:]*\b(?:{PARTS["ROLES"]})\b[^,:]*)$                      # a comma, an office""",
    re.X,
)
POSSESSIVE_WORD = re.compile(r"\w['’]s\b")
# … or the office first: `Senator Elizabeth Warren`, `Prime Minister Keir Starmer`.
OFFICE_BYLINE = re.compile(
    rf"""^(?P<role>(?:[A-Z][\w'’-]*\s+){{0,3}}?(?:{PARTS["ROLES"]}))           # the office, ending in a role word
        \s+(?P<name>{PARTS["TITLE_WORD"]}(?:\s+[A-Z]\.)?(?:\s+{PARTS["TITLE_WORD"]}){{1,2}})$  # the full name""",
    re.X,
)
# Where, printed as a city and its state's abbreviation under a title: `Washington, D.C.`, `Albany, NY`. A city
# and a state spelt out (`Atlanta, Georgia`) is told from a heading (`Health, Education`) or a greeting (`Hello,
# Cleveland.`) only by the day printed under it (`room_above_day`).
CITY = r"[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*){0,2}"  # one to three capitalised words: `New York`, `Issy-les-Moulineaux`
PLACE_LINE = re.compile(
    rf"""^{CITY}
        ,\s+(?:(?:[A-Z]\.){{2,3}}   # a comma, the state's dotted letters: D.C., N.Y.
              |[A-Z]{{2}})$         # … or its postal code: NY""",
    re.X,
)
# … or a venue, by the word that ends its name or the way a trip is printed: `James S. Brady Press Briefing Room`,
# `The East Room`, `Rose Garden`, `Aboard Air Force One`, `En Route Austin, Texas`.
VENUE_LINE = re.compile(
    r"""^(?: (?:Aboard|En\s+Route|Onboard)\s+[A-Z].*                         # on the way
         | Via\s+(?:Conference\s+Call|Teleconference|Telephone|Video\s*Conference)    # a call, not a room
         | (?:(?:[A-Z][\w.'’-]*|of|for|the|and)\s+){0,8}                     # a room or a building:
           (?:Room|Hall|Center|Centre|Ballroom|Garden|Lawn|Auditorium|Chamber|Theater|Theatre|Palace|Rotunda)
         )$""",
    re.X,
)
# The town and country under a venue: `Issy-les-Moulineaux, France`, `Camp David, Maryland`.
TOWN_LINE = re.compile(rf"^{CITY},\s+[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*)?$")
MAX_PLACE_LINE = 40  # characters
MAX_VENUE_LINE = 80
# No place: a person (`Senator Elizabeth Warren`) or a greeting (`Mr. President, Excellencies`, `Hi, Everybody.`).
# Whom a speech greets: `Excellencies, Distinguished Delegates`, `Ladies and Gentlemen`, `Hi, Everybody.`
GREETED = r"Excellenc\w*|Distinguished|Delegates|Ladies|Gentlemen|Colleagues|Friends|Guests|Everybody|Everyone"
NOT_PLACE = re.compile(
    rf"""\b(?:{PARTS["HONORIFIC"]}|{PARTS["ROLES"]}      # an honorific or an office
        |{GREETED}                                      # whom it greets
        |Hello|Hi|Good\s+(?:Morning|Afternoon|Evening))\b  # a greeting""",
    re.X | re.I,
)
# A day printed at the end of a title: `Department Press Briefing – March 1, 2023`, `…: 5 July 2024`, `…, 5/19/2014`.
TITLE_END_DATE = re.compile(
    r"""(?:\s[-–—]\s|[,:]\s|\s)                        # a dash, a comma or a colon before it (a space: 2-16-09)
        \(?                                               # perhaps in brackets: `… Address (April 30, 1789)`
        (?: (?P<day> [A-Z][a-z]{2,8}\.?\s+\d{1,2},\s+\d{4}   # March 1, 2023
                   | \d{1,2}\s+[A-Z][a-z]{2,8}\s+\d{4})      # 1 March 2023
          | (?P<m>\d{1,2})(?P<sep>[/-])(?P<d>\d{1,2})(?P=sep)(?P<y>\d{4}|\d{2})  # 6/6/2016, 12/11/14, 3-31-09:
        )\)?$                                 # month first, as American titles print it (the White House's)""",
    re.X,
)
CENTURY_PIVOT = 50  # a two-digit year below this is 20xx, else 19xx
# Who issues a text, printed above its title: `The White House`, `Office of the Spokesperson`, `Permanent Mission of
# Ireland to the United Nations`, `Ministry of Foreign Affairs`.
WHITE_HOUSE = re.compile(r"the\s+white\s+house", re.I)
WORD = re.compile(r"\w+")
MIN_TITLE_WORDS = 3  # words a line must have to be taken for the title printed again (`THE PRESIDENT` is a label)
ISSUER = re.compile(
    r"^(?:The\s+White\s+House|Briefing\s+Room|.*\b(?:Office|Mission|Department|Ministry|Embassy|Secretariat))\b", re.I
)
SPEECH_TITLE = re.compile(
    r"""^(?:Press\s+(?:Conference|Briefing|Gaggle)|Remarks|Statement|Address|Speech|Briefing|Interview
        |Readout|Transcript)\s+(?:by|of|with|on|at|from)\s""",
    re.X,
)
# A title naming whose press conference it records: `Foreign Ministry Spokesperson Mao Ning's Regular Press
# Conference on March 1, 2024`.
HOST_TITLE = re.compile(
    rf"""^(?P<role>(?:(?:{PARTS["OFFICE_NOUNS"]})\s+){{0,3}}(?:{PARTS["ROLES"]}))                       # the office
        \s+(?P<name>{PARTS["TITLE_WORD"]}(?:\s+{PARTS["TITLE_WORD"]}){{1,2}})['’]s\s          # the name's
        (?:[A-Z][a-z]+\s+)*(?:Press\s+Conference|Briefing|Remarks|Press\s+Briefing)\b   # press conference""",
    re.X,
)
# … or who gave it, the office first: `Press conference given by the Prime Minister, Mr. Harold Holt at London Airport`.
OFFICE_HOSTED = re.compile(
    rf"""\b(?i:press\s+conference|news\s+conference|briefing)\s+(?i:given\s+|held\s+)?(?i:by\s+the)\s+  # whose
        (?P<role>(?:[A-Z][a-z]+\s+){{0,3}}(?:{PARTS["ROLES"]})(?:\s+(?:of|for)(?:\s+[A-Z][a-z]+){{1,3}})?)  # office
        ,\s+(?:(?:{PARTS["HONORIFIC"]}|Senator)\s+)?(?P<name>{PARTS["TITLE_WORD"]}(?:\s+[A-Z]\.)?(?:\s+{PARTS["TITLE_WORD"]}){{1,2}}?)
        (?=\s+(?:at|in|on)\b|[,.;:]|\s*$)                                           # the name, then where""",
    re.X,
)
# Words before a title's `press conference given by …` saying it answers that press conference, not records it.
REPLYING = re.compile(
    r"\b(?:response|responding|reply|replies|rebuttal|answer\w*|comment\w*|following|after|on|about|to)\b", re.I
)
REMEMBERS = re.compile(r"\b(?:anniversary|commemorat\w*|remembr\w*|remember\w*|memorial|centenary|centennial)\b", re.I)
# A lead naming who gives the briefing: `…today's noon briefing by Stéphane Dujarric, Spokesman for the SG.`
HOSTED = re.compile(
    r"""\b(?:briefing|press\s+conference|remarks|statement)\s+by\s+      # what is given, and by whom:
        (?P<name>[A-Z][\w'’-]+(?:\s+[A-Z]\.)?(?:\s+[A-Z][\w'’-]+){1,3})  # a name of two to four words
        ,\s+(?P<role>[A-Z][\w-]*(?:\s+[\w-]+){0,6}?)                      # a comma, an office
        (?:[.,;]|$)""",
    re.X,
)
OFFICE_THEN_NAME = re.compile(rf"\b(?:{PARTS['ROLES']})\s+[A-Z][\w'’-]+$")  # `Ranking Member McHenry`
# The fields a government page prints under its title (GOV.UK: `From: …`, `Published 5 July 2024`, `Delivered on:
# 5 July 2024 (Transcript of the speech, exactly as it was delivered)`, `Location: …`).
PAGE_FIELD = re.compile(
    r"""^(?: (?P<key>From|Location) \s*:\s+                                 # `From:` (who), `Location:` (where)
           | (?P<dated>Delivered\s+on|Published|(?:Last\s+)?Updated) \s*:?\s+   # or when, a day following
         )(?P<value>.+)$""",
    re.X | re.I,
)
DATED_FIELDS = ("delivered on", "published", "updated", "last updated")  # the first found dates the speech
# The minister a page is `From`: `The Rt Hon Sir Keir Starmer KCB KC MP` → Keir Starmer.
RT_HON = re.compile(
    r"""\bThe\s+Rt\.?\s+Hon\.?\s+(?:(?:Sir|Dame|Lord|Lady|Baroness|Baron|Dr)\s+)?  # the style and a title
        (?P<name>[A-Z][a-z][\w'’-]*(?:\s+[A-Z][a-z][\w'’-]*){1,3})                # the name, title-case words
        (?:\s+[A-Z]{2,4})*\b                                                    # letters after it: KCB KC MP""",
    re.X,
)
ACKNOWLEDGED = re.compile(r"^(?:Acknowledg\w*|We\s+acknowledge|I\s+acknowledge)\b", re.I)
COLUMN_END = re.compile(r"\s*$|\s{2}")  # what follows a name that ends its line or its column
CUT_OFFICE = re.compile(r"(?:\b(?i:and|for|of|the|in)|:)\s*$")
LETTERHEAD_TITLES = frozenset(("MR", "MRS", "MS", "DR"))  # a template slips one in: `HON ALEXANDER MR DOWNER`
OF_THE_OFFICE = re.compile(r"\b(?i:of\s+the)\s+(?P<office>[A-Z][\w ]+)$")  # `TRANSCRIPT OF THE PRIME MINISTER`
MAX_SUMMARY = 400  # characters: the one-sentence summary a page prints above its fields
# A minister in a Westminster letterhead: `TRANSCRIPT OF THE PRIME MINISTER THE HON JOHN HOWARD MP  DOORSTOP
# INTERVIEW`, `LEADER OF THE OPPOSITION  THE HON. TONY ABBOTT MHR`, `THE HON. MALCOLM TURNBULL MP  PRIME MINISTER` (a
# PDF's columns keep two spaces apart).
HON_MP = re.compile(
    r"""(?:(?:\b(?i:of\s+the)\s+|^|(?<=\s\s))(?P<before>[A-Z][\w -]+?)\s+)?  # what is printed before it: the office
        \b(?i:the\s+)?(?i:hon)\.?\s+(?P<name>[A-Z][\w'’-]+(?:\s[A-Z][\w'’-]+){1,3}?)  # the minister, `the Hon`
        (?:\s+(?:AM|AO|AC|QC|KC|SC))*,?\s+(?:MP|MHR|M\.P\.)\b                        # and letters: `AM QC MP`
        (?:\ {1,4}(?P<after>[A-Z][\w]*(?:\ [A-Z\w][\w]*){0,6})(?=\s{2}|\s*$))?  # the office after it, one column""",
    re.X,
)
# Anyone a letterhead styles the Hon, a member or not (`SENATOR THE HON PENNY WONG  MINISTER FOR FOREIGN AFFAIRS`).
HON_ANY = re.compile(
    r"""\b(?i:hon)\.?\s+(?P<name>[A-Z][\w'’-]+(?:\s[A-Z][\w'’-]+){1,3}?)
        (?=\s+(?:AM|AO|AC|QC|KC|SC|MP|MHR|M\.P\.)\b|\s{2}|,|\s*$)  # the name ends at letters, a column, a comma""",
    re.X,
)
# What a letterhead's office starts with: `PRIME MINISTER`, `LEADER OF THE OPPOSITION`, `SHADOW MINISTER FOR …`.
OFFICE_START = re.compile(
    rf"""^(?:(?:Shadow|Assistant|Deputy|Acting|Parliamentary|Federal|Prime|Special|Vice|Chief|Foreign|Junior)\s+)*
        (?:{PARTS["ROLES"]}|Attorney-General)\b""",
    re.X,
)


# A statement's cover, line by line (`Statement by` / `H.E. Mr. Micheál Martin T.D.` / `Tánaiste and Minister for
# Foreign Affairs` / `General Debate of the 78th Session of the United Nations General Assembly`).
OPENER = re.compile(r"^(?:Statement|Remarks|Address|Speech|Intervention)\s+(?:by|of)(?:\s+(?P<rest>.+))?$")
DIGNITARY = re.compile(
    r"""^(?P<style>H\.\s?E\.|His\s+Excellency|Her\s+Excellency|Excellency)?\s*       # the style, if printed
        (?:(?:Mr|Mrs|Ms|Dr|Prof|Sheikh|Sir|Dame)\.?\s+)?                          # an honorific
        (?P<name>[A-Z][\w'’-]+(?:\s+(?:[A-Z][\w'’-]+|[A-Z]\.|de|da|van|von|bin|al|el|del)){1,5}?)  # the name
        (?:,?\s+(?:[A-Z]\.){1,3}|,?\s+[A-Z]{2,4})*$                                 # letters after it: T.D., MP""",
    re.X,
)
EVENT_LINE = re.compile(
    r"""^[A-Z][^.!?:]*\b(?:General\s+Debate|Session|Summit|Conference|Assembly|Council|Forum|Dialogue)\b[^.!?:]*$"""
)
SMALL_WORD = 3  # letters: `of`, `the`, `and` stay small in a title
MIN_EVENT_WORDS = 3
OCCASION = re.compile(
    r"\b(?:Day|Week|Night|Eve|Remarks|Speech|Address|Statement|Release|Session|Opening|Keynote|Briefing)\b"
)
ELIDED = re.compile(r"^[dl]['’]")  # `d'Ivoire`, `l'Union`: the particle stays small
ASKS = re.compile(r"^(?:Why|How|What|When|Where|Who|Is|Are|Do|Does|Can|Will|Should|Must)\b")
# A long first line that greets is no title: `Mr. President…, Excellencies, Distinguished Delegates`.
GREETING_COMMAS = 2  # a greeting lists whom it greets
GREETING = re.compile(rf"\b(?:{GREETED})\b")
SHORT_TOWN = re.compile(rf"^{CITY}$")  # the town a dated line prints: `New York`


def title_cased(line: str) -> bool:
    """Is every word longer than three letters capitalised, as in a title (`Foreign Ministry Spokesperson Mao Ning's
    Regular Press Conference on March 1, 2024`), not a sentence (`My fellow Americans, tonight I want…`)?"""
    words = (ELIDED.sub("", w) for w in re.findall(r"[^\W\d_][\w'’-]*", line))
    long = [w for w in words if len(w) > SMALL_WORD]
    return bool(long) and all(w[0].isupper() for w in long)


def long_title(line: str) -> bool:
    """May this first line of more than the usual title length still be the title: in title case, greeting no
    one (`Mr. President…, Excellencies, Distinguished Delegates` opens the speech)?"""
    return title_cased(line) and not (GREETING.search(line) and line.count(",") >= GREETING_COMMAS)


def cover_line(line: str, after: str | None, before_day: bool = False) -> tuple[str, str] | None:
    """What a statement's cover line gives, as (field, value): `opener` (`Statement by`, its speaker to follow),
    `speaker`, `role` (the office printed right `after` the speaker), `event` (after one of those, or right
    `before_day`, so that a heading under the title stays a heading); None for any other line."""
    opener = OPENER.match(line)
    if opener and not opener.group("rest"):
        return "opener", ""
    rest = opener.group("rest") if opener else line
    who = DIGNITARY.match(rest) if len(rest) <= MAX_VENUE_LINE else None
    if who and (who.group("style") or opener or after == "opener") and not OFFICE.search(who.group("name")):
        return "speaker", who.group("name")
    if after == "speaker" and _office_line(line):
        return "role", line
    if (after in ("opener", "speaker", "role") or before_day) and _event_name(line):
        return "event", line
    return None


def cover_shaped(line: str) -> bool:
    """Could this line be a statement cover's, whatever comes before it: for the layout, which prints each on a
    line of its own (a PDF's cover has no blank lines)."""
    opener = OPENER.match(line)
    rest = opener.group("rest") if opener else None
    who = DIGNITARY.match(rest or line) if len(line) <= MAX_VENUE_LINE else None
    if opener:  # `Statement by` alone or with a name, not `Statement by the Secretary-General and his call`
        return not rest or bool(who)
    return bool(who and who.group("style")) or _event_line(line)


def _office_line(line: str) -> bool:
    """`Tánaiste and Minister for Foreign Affairs`; not `Why the President Must Act Now`."""
    return len(line) <= MAX_VENUE_LINE and bool(OFFICE.search(line)) and title_cased(line) and not ASKS.match(line)


def _event_name(line: str) -> bool:
    """`General Debate of the 78th Session of the United Nations General Assembly`, `G20 Summit`."""
    return len(line) <= MAX_VENUE_LINE and bool(EVENT_LINE.match(line)) and title_cased(line)


def _event_line(line: str) -> bool:
    """An event's name on a line of its own wherever it stands: three or more words, not ending in a small one
    (a wrapped `United Nations Security Council and` is no such line)."""
    words = line.split()
    return _event_name(line) and len(words) >= MIN_EVENT_WORDS and len(words[-1]) > SMALL_WORD


def town(rest: str) -> bool:
    """Is what a dated line prints beside its day a town (`New York`, before `22 September 2023`), not an occasion
    (`Budget Day`, `Opening Remarks`)?"""
    return bool(SHORT_TOWN.match(rest)) and not NOT_PLACE.search(rest) and not OCCASION.search(rest)


def issuer(line: str) -> bool:
    """Does this line name who issued the text rather than the speech?"""
    return bool(ISSUER.match(line)) and len(line) <= MAX_VENUE_LINE and not speech_title(line)


def speech_title(line: str) -> bool:
    """Does this line name what the document records (`Press Conference by the President`, `Press Briefing by Scott
    McClellan`), as an office's name printed above it (`The White House`) does not?"""
    return bool(SPEECH_TITLE.match(line)) and len(line) <= MAX_VENUE_LINE


def front_byline(line: str) -> tuple[str, str] | None:
    """`Ned Price, Department Spokesperson` or `Senator Elizabeth Warren` → (name, office); not the greeting
    `Chairwoman Waters, Ranking Member McHenry` (an office before the name, or a name after the office)."""
    if POSSESSIVE_WORD.search(line):  # `President Kennedy's Inaugural Address` is a title
        return None
    m = FRONT_BYLINE.match(line)
    if m and not OFFICE.match(m.group("name")) and not OFFICE_THEN_NAME.search(m.group("role")):
        return m.group("name"), m.group("role")
    m = OFFICE_BYLINE.match(line)
    return (m.group("name"), m.group("role")) if m and not OFFICE.search(m.group("name")) else None


def is_place(line: str) -> bool:
    """`Washington, D.C.` (which ends on a full stop and is still no sentence), `The East Room`."""
    venue = len(line) <= MAX_VENUE_LINE and bool(VENUE_LINE.match(line))
    place = venue or (len(line) <= MAX_PLACE_LINE and bool(PLACE_LINE.match(line)))
    return place and not NOT_PLACE.search(line)


def town_of(line: str) -> bool:
    """Is this the town and country printed under a venue (`Issy-les-Moulineaux, France`)?"""
    return len(line) <= MAX_PLACE_LINE and bool(TOWN_LINE.match(line)) and not NOT_PLACE.search(line)


def room_above_day(line: str) -> bool:
    """May this line above a printed day be where it was given (`James S. Brady Press Briefing Room`, `Atlanta,
    Georgia`)? Not a person, a greeting or a byline."""
    return (
        len(line) <= MAX_PLACE_LINE
        and not NOT_PLACE.search(line)
        and front_byline(line) is None
        and not WHITE_HOUSE.fullmatch(line)  # who issued it, printed above a release's day
        and not line.rstrip().endswith((".", "!", "?", ":"))
    )


def title_day(title: str) -> str | None:
    """The day printed at the end of a title, as YYYY-MM-DD; none for a day a speech remembers (`Address on the
    75th Anniversary of D-Day, June 6, 1944`)."""
    m = TITLE_END_DATE.search(title) if not REMEMBERS.search(title) else None
    if not m:
        return None
    if m.group("day"):
        return _day(m.group("day"))
    month, day, year = int(m.group("m")), int(m.group("d")), int(m.group("y"))
    if year < 100:
        year += 2000 if year < CENTURY_PIVOT else 1900
    if month > 12 >= day:  # 19/5/2014 can only be day first
        month, day = day, month
    return metadata.ymd(str(year), str(month), str(day))


def host_in_title(title: str) -> tuple[str, str] | None:
    """(name, office) of the host a title names as the owner of its press conference."""
    m = HOST_TITLE.match(title) or OFFICE_HOSTED.search(title)
    # Only what the title records: `London, UK: Press conference given by …`, `Extract from press conference given
    # by …`, not `Doorstop: response to the press conference given by …`.
    if m and m.re is OFFICE_HOSTED and REPLYING.search(title[: m.start()]):
        return None
    return (m.group("name"), m.group("role")) if m else None


def host_in_lead(lines: list[str]) -> tuple[str, str] | None:
    """(name, office) of who gives the briefing, as its lead names them."""
    for line in lines:
        m = HOSTED.search(line)
        if m and OFFICE.search(m.group("role")):
            return m.group("name"), m.group("role")
    return None


def letterhead(lines: list[str], title: str | None = None) -> tuple[str, str | None, int] | None:
    """(name, office, line) of the one minister a Westminster letterhead in capitals names among the first lines
    (line -1: the `title`, when the document's first line was taken for it):
    `THE HON JOHN HOWARD MP` after its office (`TRANSCRIPT OF THE PRIME MINISTER THE HON …`) or before it (`… MP
    PRIME MINISTER`). A letterhead naming two (a joint press conference) names no one speaker, and a line in mixed
    case is one only when the name ends its line or column (`The Hon Malcolm Turnbull MP   Leader of the
    Opposition`): `The Hon. Jane Citizen MP, Minister for Health` may be a speech's acknowledgement."""
    lines = [title, *lines] if title else lines
    heads = [line for line in lines if not ends_sentence(line)]
    if any(ACKNOWLEDGED.match(line) for line in heads):
        return None  # `Acknowledgements` / `The Hon Jane Citizen MP`: whom a speech greets
    if len({" ".join(m.group("name").split()).casefold() for line in heads for m in HON_ANY.finditer(line)}) != 1:
        return None
    found = [(m, i) for i, line in enumerate(lines) if not ends_sentence(line) for m in HON_MP.finditer(line)
             if line.isupper() or COLUMN_END.match(line[m.end():])]  # fmt: skip
    if not found:
        return None
    m, i = found[0]
    before = m.group("before") or ""
    if not OFFICE_START.match(before.title()):  # `TRANSCRIPT OF THE PRIME MINISTER`: the office is its end
        of_the = OF_THE_OFFICE.search(before)
        before = of_the.group("office") if of_the else None
    # The office may be a line of its own: `TRANSCRIPT OF THE PRIME MINISTER` above, `PRIME MINISTER` below.
    above = OF_THE_OFFICE.search(lines[i - 1]) if i and not before else None
    below = lines[i + 1] if i + 1 < len(lines) and len(lines[i + 1]) <= MAX_PLACE_LINE else None
    offices = (before, m.group("after"), above and above.group("office"), below)
    # An office cut at a column's end (`MINISTER FOR IMMIGRATION AND`) is no office, nor a label (`TREASURER:`).
    office = next((o for o in offices if o and OFFICE_START.match(o.title()) and not CUT_OFFICE.search(o)), None)
    name = " ".join(w for w in m.group("name").split() if w.upper() not in LETTERHEAD_TITLES)
    return name_case(name), office_case(office) if office else None, i - bool(title)


def _day(value: str) -> str | None:
    found = metadata.printed_date(value)
    return found[1] if found else None


@dataclass
class PageFields:
    """What a page's fields say, and which of the lines read they were (`drop`, the summary among them)."""

    drop: set[int] = field(default_factory=set)
    date: str | None = None
    speaker: str | None = None
    role: str | None = None
    place: str | None = None
    summary: str | None = None


def page_fields(lines: list[str]) -> PageFields | None:
    """The fields among a document's first lines (under its title), or None when they are not a page's: a `From:`
    or a dated field proves the block (`Location: Ward 3` alone might be a form the speech quotes). The day it was
    delivered (else published) dates it, the one minister it is from speaks it; the one line above them is the
    page's summary, which may give that minister's office."""
    found = {
        i: m
        for i, line in enumerate(lines)
        if (m := PAGE_FIELD.match(line.strip())) and (m.group("key") or _day(m.group("value")))
    }
    days = {m.group("dated").lower(): _day(m.group("value")) for m in found.values() if m.group("dated")}
    if not days and not any((m.group("key") or "").lower() == "from" for m in found.values()):
        return None
    out = PageFields(drop=set(found), date=next((days[k] for k in DATED_FIELDS if k in days), None))
    for m in found.values():
        key = (m.group("key") or "").lower()
        people = {p.group("name") for p in RT_HON.finditer(m.group("value"))} if key == "from" else set()
        if len(people) == 1:
            out.speaker = people.pop()
        if key == "location":
            out.place = m.group("value").strip()
    if min(found) == 1 and len(lines[0]) <= MAX_SUMMARY:
        out.summary = lines[0].strip()
        out.drop.add(0)
        if out.speaker:  # `Prime Minister Keir Starmer made his first speech …`
            office = re.search(
                rf"\b((?:[A-Z][\w-]*\s+){{0,3}}?(?:{PARTS['ROLES']}))\s+{re.escape(out.speaker)}", out.summary
            )
            out.role = office.group(1).removeprefix("The ") if office else None
    return out


def heading_line(line: str, title: str | None, going_on: bool) -> bool:
    """Is this line under the title the page's heading: who issued it (`THE WHITE HOUSE`) or the title printed again
    in its own case (whitehouse.gov, 2009: `PRESS BRIEFING`, `BY`, …; `going_on` once one came)? Not a label, a
    sentence or a place the title names (`Rose Garden` under "Remarks … in the Rose Garden")."""
    if WHITE_HOUSE.fullmatch(line):
        return True
    words = set(WORD.findall(line.casefold()))
    shaped = (going_on and line.isupper()) or (len(words) >= MIN_TITLE_WORDS and not ends_sentence(line))
    if not words or not shaped or ":" in line or line == title or is_place(line):
        return False
    return words <= set(WORD.findall((title or "").casefold()))
