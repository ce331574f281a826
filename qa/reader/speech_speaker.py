"""Who gave a speech when no label says so: the one person its title names (`Remarks by President Barack Obama on the
Economy`, `President Kennedy's Inaugural Address`, `Barack Obama: Inaugural Address`, `习近平在…大会上的讲话`), a name
printed just above or below its title (`GEORGE W. BUSH` / `Inaugural Address`), or, weakest, the surname its file is
named by (`1789-Washington.txt`).

A name must show it is one: an office or a style before it (`President`, `H.E. Mr.`), an office after a comma, an
initial, or, for two bare words, that the speech never says them itself. Speakers seldom say their own name, while
the topic, place or occasion a title or file is named for is said (`Hong Kong's Policy Address`, `1963-Berlin.txt`).
"""

from __future__ import annotations

import re

from ..textrules import ends_sentence
from .labels_en import NOT_NAME_WORDS, PARTS, name_case
from .labels_zh import speech_by_title
from .model import Turn

# What a title calls a text one person gave, and what it calls one that labels divide among several.
ONE_VOICE = re.compile(
    r"""\b(?:Remarks|Address|Speech|Statement|Message|Lecture|Oration|Sermon|Homily|Eulogy|Keynote|Testimony
        |Inaugural|Broadcast)\b""",
    re.X | re.I,
)
MANY_VOICES = re.compile(
    r"""\b(?:Briefing|Press\s+Conference|News\s+Conference|Gaggle|Interview|Debate|Exchange|Discussion|Roundtable
        |Panel|Town\s+Hall|Q\s*&\s*A|Hearing|Podcast|Meeting|Call)\b""",
    re.X | re.I,
)
# A transcript of many voices named after the person: `Remarks by President Biden in Press Gaggle` (not `…at the
# General Debate`, `…at the Munich Security Conference`: where the one speech was given).
MANY_AFTER = re.compile(
    r"\b(?:Press\s+(?:Conference|Gaggle|Briefing)|News\s+Conference|Gaggle|Interview|Exchange|Q\s*&\s*A|Town\s+Hall)\b",
    re.I,
)
NAME_WORD = r"(?:Ma?c|O['’])?[A-ZÀ-Þ][a-zß-ÿ'’-]+"  # `Obama`, `McCain`, `O'Rourke`, `António`
PARTICLE = r"(?:von|van|der|den|de|da|del|di|du|bin|binti|al|el|la|le)"  # `von der Leyen`, `de Gaulle`
STYLE = (
    r"(?:H\.\s?E\.|His\s+Excellency|Her\s+Excellency|His\s+Holiness|His\s+Majesty|Her\s+Majesty"
    r"|[Tt]he\s+(?:Rt\.?\s+)?Hon\.?)"  # Westminster's `the Hon`, `The Rt Hon`
)
# Offices that stand before a name and are part of how the person is called: `Pope Francis`, `Queen Elizabeth II`.
CALLED = r"(?:Pope|Queen|King|Prince|Princess|Cardinal|Archbishop|Bishop|Sheikh|Emperor|Empress)"
OFFICE_WORDS = rf"(?:{PARTS['ROLES']}|{PARTS['OFFICE_NOUNS']}|First|Second|Lady|Gentleman|of|for|the|and)"
# Where what a title says of a person begins after the name: a word in lower case, a preposition, a gerund
# (`…Biden Before Air Force One Departure`, `…Trump Welcoming Prime Minister Netanyahu`), a bracket, a dash.
AFTER_NAME = r"""(?:[a-z(|–—:]|\d|(?:On|At|In|To|For|Before|After|Upon|During|Aboard|En|With|From|Via|Ahead|Following
    |Regarding|As)\b|[A-Z][a-z]+ing\s)"""  # a gerund has an object: `Xi Jinping` ends in a name
PERSON = re.compile(
    rf"""^(?P<style>(?:{STYLE}\s+)?(?:{PARTS["HONORIFIC"]}\s+)?)
        (?P<role>(?:{OFFICE_WORDS}\s+)*?(?:{PARTS["ROLES"]}|Lady|{CALLED})\s+)?  # the office: Vice President
        (?P<name>(?:{PARTICLE}\s+)*{NAME_WORD}(?:\s+(?:[A-Z]\.|{PARTICLE}|{NAME_WORD}|[IVX]{{2,4}}\b)){{0,4}}?)
        (?P<suffix>,?\s+Jr\.?)?                                                 # Martin Luther King Jr.
        (?:\s+(?:MP|M\.P\.)\b)?                                                 # a member's letters: John Howard MP
        (?:,\s+(?P<office>[A-Z][^,()|]*?))?                                     # , Prime Minister of India
        (?:\s+(?P<after>{AFTER_NAME}.*))?$""",
    re.X,
)
MAX_NAME_WORDS = 3  # `Yoon Suk Yeol`, `Lee Hsien Loong`
SPEECH_BY = re.compile(
    r"""\b(?:Remarks|Address|Speech|Statement|Message|Lecture|Oration|Sermon|Homily|Eulogy|Keynote|Testimony
        |Broadcast)(?:\s+As\s+Prepared\s+for\s+Delivery)?\s+(?:by|of|from)\s+(?P<phrase>[A-Z].*)$""",
    re.X | re.I,
)
# A title a site prints before the speech's own: `Full Text: Xi Jinping's Speech…`.
PUBLISHED = re.compile(r"^(?:Full\s+(?:Text|Transcript)|Transcript|Text|Video|Read|Watch|Live)\s*:\s+", re.I)
POSSESSIVE = re.compile(r"^(?P<phrase>[^'’:]+?)['’]s\s+(?P<rest>.+)$")  # `President Kennedy's Inaugural Address`
OPENS_WITH = re.compile(r"^(?P<phrase>[^:—–]+?)\s*(?::|\s[—–-])\s+(?P<rest>.+)$")  # `Barack Obama: …`, `… — …`
ENDS_WITH = re.compile(r"^(?P<rest>.+?)\s[—–-]\s+(?P<phrase>[^:—–-]+)$")  # `Gettysburg Address - Abraham Lincoln`
# Words of a place's, a body's or a page's name, which no person's holds.
NOT_A_NAME = re.compile(
    r"""\b(?:Republic|Kingdom|Union|Islands?|Federation|Emirates|Council|Commission|Committee|Party|Group|Assembly
        |Organi[sz]ation|Bank|Fund|Agency|Office|Mission|Ministry|Embassy|Delegation|Nations?|States|International
        |University|College|Institute|Foundation|Museum|Library|Archive|Centre|Center|Room|Garden|Hall|House|Press
        |Media|Rhetoric|Speeches|Transcript|Text|Delivery|Embargoed|Check|Sabha|Parliament|Congress|Senate|See
        |Day|Year|Month|Week|Policy|Change|Saint|Valley|City|Harbou?r|Kong|Capitol|Zealand|Africa|Arabia|Europe|Asia)\b""",
    re.X | re.I,
)
MAX_TITLE_BELOW = 120  # characters: the title printed by a speaker's name is one short line


def title_speaker(title: str | None, text: str, language: str = "en") -> Turn | None:
    """The one person a title says gave the speech; none for a title naming several, a briefing's, an interview's
    or a debate's (labels say who speaks there), or a name the speech itself says (a topic, a place)."""
    if not title:
        return None
    if language == "zh":
        return speech_by_title(title)
    title = PUBLISHED.sub("", title)
    by = SPEECH_BY.search(title)
    if by:
        kind = title[: by.start("phrase")]
        return None if MANY_VOICES.search(kind) else person(by["phrase"], text, many_after=True)
    for form in (POSSESSIVE, OPENS_WITH, ENDS_WITH):
        m = form.match(title)
        if m and ONE_VOICE.search(m["rest"]) and not MANY_VOICES.search(m["rest"]):
            return person(m["phrase"], text)
    return None


def person(phrase: str, text: str, many_after: bool = False) -> Turn | None:
    """The one person `phrase` names (`President Barack Obama on the Economy`, `H.E. Mr. Dmytro Kuleba, Minister for
    Foreign Affairs of Ukraine`), with evidence that it is a person's name."""
    m = PERSON.match(phrase.strip())
    if not m or (many_after and MANY_AFTER.search(m["after"] or "")):
        return None
    name, role = m["name"], (m["role"] or "").strip() or None
    words = [w for w in name.split() if not re.fullmatch(PARTICLE, w)]
    if len(words) > MAX_NAME_WORDS or " and " in f" {m['after'] or ''} "[:6] or not _named(name):
        return None
    if role and re.fullmatch(CALLED, role):
        name, role = f"{role} {name}", None  # `Pope Francis`
    name += " Jr." if m["suffix"] else ""
    shown = bool(m["style"] or role or re.search(r"\s[A-Z]\.\s", name))
    office = m["office"] if m["office"] and re.search(rf"\b(?:{PARTS['ROLES']})", m["office"]) else None
    if not (shown or office) and (len(words) < 2 or said(name, text)):
        return None
    return Turn(name, role or office)


def _named(name: str) -> bool:
    """Not an office (`The President`), a place, a body or a page (`United States`, `Briefing Room`)?"""
    words = {w.upper() for w in name.split()}
    return not (words & NOT_NAME_WORDS or NOT_A_NAME.search(name) or ONE_VOICE.search(name))


def said(name: str, text: str) -> bool:
    """Does the text say `name` as words of its own (`in Berlin`), not as someone's surname (`Laura Bush`, `Mrs.
    Bush`, `President Johnson`)?"""
    for m in re.finditer(rf"\b{re.escape(name)}\b", text, re.I):
        before = text[: m.start()].split()
        word = before[-1] if before else ""
        titled = re.fullmatch(PARTS["HONORIFIC"], word) or (
            word[:1].isupper() and not word.endswith((",", ";", ":", "."))
        )
        if not titled:
            return True
    return False


def name_by_title(line: str, title: str, text: str) -> str | None:
    """`GEORGE W. BUSH` printed above `Inaugural Address`, or `John F. Kennedy` under it: the speaker's name, when the
    title names a speech and no one."""
    short = len(title) <= MAX_TITLE_BELOW and not ends_sentence(title) and ":" not in title
    if not short or not ONE_VOICE.search(title) or MANY_VOICES.search(title) or SPEECH_BY.search(title):
        return None
    line = line.strip()
    found = person(name_case(line) if line.isupper() else line, text)
    return found.speaker if found and not found.role else None


# A file named for the year and who spoke, as collections of speeches are often published: `1789-Washington.txt`,
# `1837-VanBuren.txt`, `2009-Obama.txt`, `Obama_2009.txt`.
FILE_SPEAKER = re.compile(
    r"""^(?: \d{4}(?:[-_.]\d{2}){0,2}[-_\s]+(?P<after>[A-Z][A-Za-z'’]+)  # year first
           | (?P<before>[A-Z][A-Za-z'’]+)[-_\s]+\d{4}(?:[-_.]\d{2}){0,2}   # or last
         )$""",
    re.X,
)
CAMEL = re.compile(r"(?<=[a-z])(?<!\bMc)(?<!\bMac)(?=[A-Z][a-z])")  # `VanBuren` → `Van Buren`, not `McKinley`
# What a file's name says besides who spoke: `2019-Budget`, `2020-Report`, `1933-Fireside`.
FILE_WORDS = re.compile(
    r"""\b(?:Budget|Report|Transcript|Minutes|Hansard|Session|Notes|Draft|Final|Part|Chapter|Volume|Annual|Review
        |Fireside|Chat|Sotu|Speech|Speeches|Text|Copy|English|Chinese|Covid|Brexit|January|February|March|April|May
        |June|July|August|September|October|November|December)\b""",
    re.X,
)
FILE_NAME_WORD = re.compile(r"(?:Ma?c|O['’])?[A-Z][a-z'’]{2,}")  # not letters (`SOTU`) nor `Mr`, `No`


def file_speaker(stem: str, text: str) -> str | None:
    """Who spoke, as a file's name gives them beside the year (`1789-Washington` → Washington): one surname the
    speech never says itself (`1963-Berlin`, `2023-Ireland`, `2019-Christmas` name a place or an occasion)."""
    m = FILE_SPEAKER.match(stem)
    if not m:
        return None
    words = CAMEL.split(m["after"] or m["before"])
    name = " ".join(words)
    if not all(FILE_NAME_WORD.fullmatch(w) for w in words) or FILE_WORDS.search(name) or MANY_VOICES.search(name):
        return None
    return name if _named(name) and not said(name, text) else None
