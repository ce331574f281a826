"""Who is speaking: a document's paragraphs split into turns, each with its speaker and role.

Chinese reports open each speech with a header `ROLE+NAME: SPEECH TITLE` (simplified or traditional).
English transcripts mark turns Hansard-style (`The Minister for Finance (Mr Lawrence Wong)` on its own line,
then `: text`; `Dr Goh Keng Swee (Minister for Finance)`), court/press style (`MR. SMITH: text`) or as
`Q:` / `A:` lines. Paragraphs before the first turn belong to the document's own speaker, if its metadata names
one.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field, replace

from ..script import simplified
from ..textrules import HAN, SENTENCE_END, ends_sentence, is_chinese_char
from .asking import PRESIDING, QUESTIONER, ZH_QUESTIONER, asks, attach_questions
from .layout import Para
from .metadata import normalise_date

# Job titles that end the role part of a Chinese header; the speaker's name follows the last one.
ROLE_WORDS = (
    "副书记", "书记", "主任", "市长", "区长", "县长", "镇长", "乡长", "省长", "州长", "主席", "局长", "厅长",
    "部长", "院长", "校长", "秘书长", "代表", "委员", "董事长", "总经理", "经理", "负责人", "总理", "大使",
)  # fmt: skip
MAX_HEADER_PREFIX = 40  # characters before the colon in a header line
MAX_NAME = 4  # Chinese personal names are two to four characters
MAX_TITLE_LINE = 80
BYLINE = re.compile(f"[{HAN}、·]+\\s?[{HAN}·]{{2,4}}")
# The date Chinese speeches print under their header, glued to it or on its own line.
DATE_NOTE = re.compile(r"\s*[（(]\s*(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日\s*[)）]\s*$")
# Dialogue labels of press conferences and interviews: a role word (or 记者/主持人/发言人), an optional name, a colon.
TURN_ROLE_WORDS = (*ROLE_WORDS, "记者", "主持人", "发言人")
FOLLOW_UPS = ("追问", "补问", "再问")  # `记者追问：` is the same reporter asking again, not a person named 追问
# `有记者提问：`, `新华社记者问：`: a report's words for "a reporter asked", not a person named 提问.
ASKED = re.compile(
    r"""^有?              # "there was" (有记者提问: a reporter asked)
        (?P<who>.*记者)    # the reporter, with their outlet when named
        (?:提问|问)$       # asked""",
    re.X,
)
LABEL_REPEATS = 2  # a bare name is a turn label once it opens this many lines of the document
# Capitalised words no name holds: `THANK YOU.`, `GOD BLESS AMERICA.`, `PART ONE.`, `UNITED STATES.` open lines.
NOT_NAME_WORDS = frozenset((
    "THE", "OF", "AND", "FOR", "TO", "IN", "ON", "AT", "BY", "A", "AN", "I", "WE", "YOU", "IT", "IS",
    "THANK", "THANKS", "GOD", "BLESS", "PART", "CHAPTER", "SECTION", "ARTICLE", "ONE", "TWO", "THREE",
    "UNITED", "STATES", "AMERICA", "NATIONS",
))  # fmt: skip
STYLE_LABELS = 2  # recurring `NAME.` labels that show a document prints its speakers so (then one use is enough)
ZH_LABEL_CHARS = 16  # characters of a Chinese turn label before its colon
# What `label_counts` reads of a line: the longest label, its colon and the first character of its text.
ZH_LABEL_PREFIX = ZH_LABEL_CHARS + 2
ZH_TURN_LABEL = re.compile(
    f"""^(?P<who>[{HAN}A-Za-z0-9·]{{1,{ZH_LABEL_CHARS}}})  # Chinese, Latin letters or digits: 总台CGTN记者, 华春莹
    \\s*[:：]\\s*(?=\\S)                       # a colon, and the turn's text on the same line""",
    re.X,
)
NAME_SHAPE = re.compile(
    f"""
      [{HAN}]{{2,{MAX_NAME}}}          # a Chinese name: 华春莹
    | [{HAN}]{{1,4}} · [{HAN}]{{1,8}}  # a transcribed name with its middle dot: 阿卜杜·热合曼
    """,
    re.X,
)
SALUTATIONS = ("各位", "尊敬", "亲爱", "同志", "女士", "先生", "朋友")  # `各位代表：` greets, it does not speak
LABEL_END = re.compile(r"\s*[:：]")
HEADER_RE = re.compile(f"^(?P<who>[^:：。！？\\n]{{2,{MAX_HEADER_PREFIX}}})\\s*[:：]\\s*(?P<title>.+)$")

# Parts of the English label patterns below, filled in where `@NAME` stands (so repeat counts stay as written).
PARTS = {
    "HONORIFIC": r"(?:Mr|Mrs|Ms|Miss|Mdm|Madam|Mev|Mnr|Dr|Prof|Professor|Sir|Dame|Rev|Hon|Dato'?|Datuk|Tan\ Sri)\.?",
    "NAME": r"[A-Z][\w'’.-]*(?:\s+(?:[A-Z][\w'’.-]*|bin|binte|de|van|von|la|al))*",
    "ROLES": (
        r"Minister|President|Speaker|Chairman|Chairwoman|Chair|Mayor|Governor|Secretary|Senator|Premier|Chancellor"
        r"|Member|Leader|Clerk|Commissioner|Councillor|Councilor|Representative|Treasurer|Deputy|Ambassador|Judge"
        r"|Moderator|Spokesperson|Spokesman|Spokeswoman|Host|Interviewer"
    ),
}
PARTS["PERSON"] = f"{PARTS['HONORIFIC']}\\s+{PARTS['NAME']}"
# A title-case word of a name, a second capital kept (`McCain`, `DeSantis`, `O'Rourke`).
PARTS["TITLE_WORD"] = r"[A-Z][a-z'’-]+(?:[A-Z][a-z'’-]+)?"
# An office: capitalised words ending in (or holding) a role word: `The Minister for Finance`.
PARTS["ROLE"] = r"(?:The\s+)?[A-Z][^():\n]{1,160}?\b(?:@ROLES)\b[^():\n]{0,120}?"
# A title before a bracketed name: `MODERATOR`, `The Prime Minister`, `Senator` (one to five words).
PARTS["TITLE"] = r"(?:The\s+)?[A-Z][A-Za-z.'’-]*(?:\s+[A-Za-z][A-Za-z.'’-]*){0,4}"


def _pattern(template: str, flags: int = 0) -> re.Pattern:
    for _ in range(2):  # parts may name other parts
        for key, value in PARTS.items():
            template = template.replace(f"@{key}", value)
    return re.compile(template, re.X | flags)


LABELS = (
    # `The Minister for Finance (Mr Lawrence Wong)`, then `: text` here or on the next line (Hansard)
    _pattern(r"^(?P<role>@ROLE) \s*\((?P<person>@PERSON)\) \s*(?::\s*(?P<text>.*))?$", re.S),
    # `Dr Goh Keng Swee (Minister for Finance)`, `Mr L M GREEN (FD)` (a party), colon optional as above
    _pattern(r"^(?P<person>@PERSON) \s*\((?P<role>[^()\n]{2,160})\) \s*(?::\s*(?P<text>.*))?$", re.S),
    # `MODERATOR (Chris Wallace): text`, `The Prime Minister (Boris Johnson): text`: a bare name, colon required
    _pattern(r"^(?P<role>@TITLE) \s*\((?P<person>@NAME)\) \s*:\s*(?P<text>.*)$", re.S),
    # `Mr Smith: text`, `The Speaker: text`
    _pattern(r"^(?P<person>@PERSON|The\s+(?:@ROLES)) \s*:\s*(?P<text>.*)$", re.S),
    # `The MINISTER OF EDUCATION: text`, `The SPEAKER: text` (South Africa's Hansard): an office in capitals
    _pattern(r"^(?P<person>The(?:\s+[A-Z][A-Z'’-]+){1,8}) \s*:\s*(?P<text>.*)$", re.S),
    # `Deputy Mayor Ana Ruiz: text`: a role word, then the name
    _pattern(r"^(?P<role>(?:Deputy\s+|Vice\s+)?(?:@ROLES)) \s+(?P<person>@NAME) \s*:\s*(?P<text>.*)$", re.S),
    # `Mr Lawrence Wong` alone on its line: the turn's text follows
    _pattern(r"^(?P<person>@PERSON)(?P<text>)$"),
)
# `MAYOR PARK: text`: a capitalised label (a bare one counts once the document repeats it)
# `SMITH: text`, `MR. McGEE: text`: up to four capitals-only words (a Scottish `Mc`/`Mac` prefix keeps its case).
CAPS_LABEL = re.compile(r"^(?P<person>(?:[A-Z][A-Z.'’-]*\s+){0,3}(?:Ma?c)?[A-Z][A-Z.'’-]+)\s*:\s+(?P<text>\S.*)$", re.S)
CAPS_HONORIFIC = _pattern(r"^(?:MR|MRS|MS|MISS|DR|PROF|THE|" + PARTS["ROLES"].upper() + r")\b\.?")
QA_LABEL = re.compile(r"^(?P<person>[QA])\s*[:：]\s*(?P<text>\S.*)$", re.S)
# English labels a document proves by recurrence: each counts once it opens `LABEL_REPEATS` lines.
RECURRING_LABELS = (
    # `THE PRESIDENT. text`, `MR. CARTER. text`, `Q. text`: capitals and a full stop (never `MR.` alone)
    re.compile(
        r"""^(?P<person>(?:(?:MR|MRS|MS|DR)\.\s+)?(?!(?:MR|MRS|MS|DR)\.)[A-Z][A-Z'’-]*(?:\s+[A-Z][A-Z'’-]+){0,3})
            \.\s+(?P<text>\S.*)$""",
        re.S | re.X,
    ),
    # `Mr. Perot. text`, `President Bush. text`, `The President. text`: a title or office, a name, a full stop
    _pattern(
        r"^(?P<person>(?:@HONORIFIC|(?:The\s+)?(?:@ROLES))\s+[A-Z][\w'’-]+|The\s+(?:@ROLES)) \.\s+(?P<text>\S.*)$", re.S
    ),
    # `Q    Thank you, Mr. President.`, `Q    — do you believe …` (taking up an interrupted question): a bare Q,
    # spaces, then the question
    re.compile(r"^(?P<person>Q)\s+(?P<text>[A-Z(\"“—–…].*)$", re.S),
    # `Wallace: text`, `Donald J Trump: text`, `John McCain: text`: one to three title-case words and a colon
    _pattern(
        r"""^(?P<person>
            @TITLE_WORD               # Wallace, McCain, O'Rourke
            (?:\s+[A-Z]\.?)?          # a middle initial, with or without its stop: J, R.
            (?:\s+@TITLE_WORD){0,2}   # up to two more words of the name
        )\s*:\s+(?P<text>\S.*)$""",
        re.S,
    ),
)
CAPS_STOP = RECURRING_LABELS[0]
# `**LEHRER:** text` (a transcript bolded in plain text): the label without its asterisks.
BOLD_LABEL = re.compile(r"^\*\*(?P<label>[^*\n]{1,60}?)(?::\*\*|\*\*\s*:)\s*(?P<text>.*)$", re.S)
# A Scottish prefix before a name in capitals: printed in its case (`McCLELLAN`, `MacDONALD`), or a Mc that no
# English word but a name begins with (`MCKEE`, `MCCAIN`).
MC = re.compile(r"^(Ma?c|MC)([A-Z][A-Z'’-]+)$")
MIN_CAPITALISED = 3  # letters: a capitals-only word this long in a label is a name (`SMITH`), shorter ones stay (`II`)
STRIP_HONORIFIC = _pattern(r"^@HONORIFIC\s+")
MAX_LABEL = 200  # characters: a longer line is a sentence, not a speaker label
# Chinese interviews and press conferences: 问：… / 答：… (traditional 問 too); 答 is the document's speaker.
ZH_QA_LABEL = re.compile(r"^(?P<person>问|問|答)\s*[:：]\s*(?P<text>\S.*)$", re.S)
# Hansard after a break: the chair's short turn ends and the member who had the floor goes on, unannounced.
RESUMED = re.compile(r"^(?:\[[^\]]*in the Chair\]\s*)?(?:Sitting|House|Meeting) resumed\b", re.I)


@dataclass(frozen=True)
class Turn:
    speaker: str
    role: str | None = None
    title: str | None = None  # the speech title of a Chinese header
    date: str | None = None  # the date printed under it, `（2023年4月18日）`


@dataclass
class Section:
    turn: Turn | None
    paras: list[Para] = field(default_factory=list)
    label: str | None = None  # the label that opened the turn, as printed (`总台央视记者`)
    question: str | None = None  # the question this turn answers (the asking turn before it)


def parse_header(line: str) -> Turn | None:
    """`航空港实验区党工委书记张俊峰: 走好…` → role, speaker, title; traditional role words count too."""
    line = line.strip()
    if len(line) > MAX_HEADER_PREFIX + MAX_TITLE_LINE or line[-1:] in SENTENCE_END:
        return None
    plain = simplified(line)
    m = HEADER_RE.match(plain)
    if not m:
        return None
    if len(plain) != len(line):  # conversion changed lengths: show the simplified form rather than guess
        line = plain
    who_start, who_end = m.span("who")
    who = plain[who_start:who_end].rstrip()
    cut = max((who.rfind(w) + len(w) for w in ROLE_WORDS if w in who), default=-1)
    if cut <= 0:
        return None
    name = who[cut:].strip()
    if not (2 <= len(name) <= MAX_NAME) or not all(is_chinese_char(ch) or ch == "·" for ch in name):
        return None
    original_who = line[who_start : who_start + len(who)]
    title = line[m.start("title") : m.end("title")].strip()
    dated = DATE_NOTE.search(title)
    return Turn(
        speaker=original_who[cut:].strip(),
        role=original_who[:cut].strip(),
        title=title[: dated.start()].strip() if dated else title,
        date=note_date(dated) if dated else None,
    )


def note_date(m: re.Match) -> str | None:
    return normalise_date(f"{m.group('y')}-{int(m.group('m')):02d}-{int(m.group('d')):02d}")


def parse_byline(line: str) -> Turn | None:
    """`市长 赵立新` alone on its line (a report's byline, no title after a colon) → the speaker from here on."""
    plain = simplified(line.strip())
    if len(plain) > MAX_HEADER_PREFIX or not BYLINE.fullmatch(plain):
        return None
    cut = max((plain.rfind(w) + len(w) for w in ROLE_WORDS if w in plain), default=-1)
    name = plain[cut:].strip() if cut > 0 else ""
    if not (2 <= len(name) <= MAX_NAME) or " " in name:
        return None
    original = line.strip()
    return Turn(original[len(original) - len(name) :], original[:cut].strip())


def zh_turn(
    text: str, default: Turn | None, known: Counter | None = None, asking: Turn | None = None
) -> tuple[Turn, str] | None:
    """`记者：请问…`, `市长：我们将…`, `王市长：…`, `市长王立新：…`, `NHK记者：…` at the start of a paragraph → the turn
    and its text. A bare role the document's own speaker holds (`发言人：` at 华春莹's press conference) is that
    speaker; a bare name (`华春莹：`) is a turn once `known` (label → lines it opens) shows it recurring;
    `记者追问：` is `asking` (the reporter who asked last) again."""
    m = ZH_TURN_LABEL.match(simplified(text[: MAX_HEADER_PREFIX + 2]))
    if not m or m.group("who").startswith(SALUTATIONS):
        return None
    who, rest = m.group("who"), text[m.end() :].strip()
    follow = next((f for f in FOLLOW_UPS if who.endswith(f) and len(who) > len(f)), None)
    if follow:
        return asking or Turn(who.removesuffix(follow)), rest
    if asked := ASKED.match(who):
        return Turn(asked.group("who")), rest
    if default and who == default.speaker:
        return default, rest
    cut = max((who.rfind(w) + len(w) for w in TURN_ROLE_WORDS if w in who), default=-1)
    if cut <= 0:
        recurring = known is not None and known[who] >= LABEL_REPEATS
        return (Turn(who), rest) if recurring and NAME_SHAPE.fullmatch(who) else None
    name, role = who[cut:], who[:cut]
    if name and len(name) <= MAX_NAME and NAME_SHAPE.fullmatch(name):
        return (default if default and name == default.speaker else Turn(name, role)), rest
    if default and role in f"{default.role or ''}{default.speaker}":
        return default, rest
    return Turn(who), rest


def label_counts(lines: list[str], language: str) -> Counter:
    """How many lines each turn label opens in one document: the evidence that a bare `KIM:` or `华春莹：` is a
    speaker's label and not a word that happens to be followed by a colon."""
    if language == "zh":
        heads = (simplified(line.strip()[:ZH_LABEL_PREFIX]) for line in lines)
        return Counter(m.group("who") for head in heads if (m := ZH_TURN_LABEL.match(head)))
    counts: Counter = Counter()
    stopped: Counter = Counter()  # labels in capitals with a full stop, `CHAIR POWELL.`, `MICHELLE SMITH.`
    for line in lines:
        line = _unbold(line.strip()[:MAX_LABEL])
        caps = CAPS_LABEL.match(line)
        if caps:
            counts[caps.group("person")] += 1
        recurring = None if caps else _recurring_head(line)
        if recurring:
            counts[recurring[0]] += 1
        stop = None if caps or recurring else CAPS_STOP.match(line)
        if stop and _bare_caps_name(stop.group("person")):
            stopped[stop.group("person")] += 1
    # A bare name in capitals with a stop could open a sentence (`THANK YOU.`), so such names count only in a
    # document that prints its speakers that way: two or more of them (no title, no `Q`), each opening several
    # lines. Then a reporter named once (`NICK TIMIRAOS. Nick Timiraos, the Wall Street Journal. …`) is a label.
    if sum(n >= LABEL_REPEATS for n in stopped.values()) >= STYLE_LABELS:
        counts.update({name: LABEL_REPEATS for name in stopped if name not in counts})
    return counts


def _bare_caps_name(words: str) -> bool:
    """`MICHELLE SMITH`: two or more capitalised words, none a word that opens a sentence or a heading."""
    parts = words.split()
    return len(parts) > 1 and not CAPS_HONORIFIC.match(words) and not NOT_NAME_WORDS.intersection(parts)


def _unbold(text: str) -> str:
    m = BOLD_LABEL.match(text)
    return f"{m.group('label')}: {m.group('text')}" if m else text


def _recurring_head(text: str, proven: Counter | None = None) -> tuple[str, str] | None:
    """The label and text of a line that opens with one of `RECURRING_LABELS` (capitals only when the label names
    a title or office, is `Q`, or is a name the document has `proven` to print as labels: `OK.` opens lines too)."""
    for pattern in RECURRING_LABELS:
        m = pattern.match(text)
        if not m:
            continue
        person = m.group("person")
        named = _bare_caps_name(person) and (proven or {}).get(person)
        if pattern is not CAPS_STOP or person == "Q" or CAPS_HONORIFIC.match(person) or named:
            return person, m.group("text")
    return None


def voice_turn(voice: str) -> Turn:
    """A speaker the format names (`<v Mayor Ana Ruiz>`): read like a label, so the role is split off."""
    found = english_label(f"{voice}: -", None, Counter()) or zh_turn(f"{voice}：-", None)
    return found[0] if found else Turn(voice)


# Words an office printed in capitals keeps in lower case: `The Minister of Environmental Affairs and Tourism`.
OFFICE_SMALL_WORDS = frozenset({"of", "the", "and", "for", "in", "on", "to", "at"})


def _name_case(label: str) -> str:
    """`MR. McCLELLAN` → `Mr. McClellan`, `O'ROURKE` → `O'Rourke`: a label in capitals as a name is printed."""
    words = label.split()
    return " ".join(
        m[1].capitalize() + m[2].capitalize() if (m := MC.match(w)) else w.title() if w.isupper() else w for w in words
    )


def _office_case(office: str) -> str:
    """`MINISTER IN THE PRESIDENCY` → `Minister in the Presidency`; a short name in capitals alone (a party's
    `ANC`, `FD`) stays as printed."""
    words = office.split()
    if len(words) == 1 and len(office) < MIN_CAPITALISED + 2:
        return office
    return " ".join(w.lower() if i and w.lower() in OFFICE_SMALL_WORDS else w.capitalize() for i, w in enumerate(words))


def _person(label: str) -> tuple[str, str | None]:
    """`Mr Lawrence Wong` → ("Lawrence Wong", None); `Mr Speaker` → ("Mr Speaker", "Speaker")."""
    if label.casefold() == "question":  # `QUESTION:` (the State Department), `Question:` (the UN) is a bare `Q:`
        return QUESTIONER, None
    if label.startswith("The ") and label[4:].isupper():
        label = f"The {_office_case(label[4:])}"
    label = " ".join(w.capitalize() if w.isupper() and len(w) >= MIN_CAPITALISED else w for w in label.split())
    bare = STRIP_HONORIFIC.sub("", label)
    if re.fullmatch(f"(?:Deputy\\s+)?(?:{PARTS['ROLES']})", bare) or label.lower().startswith("the "):
        return label, bare.removeprefix("The ").removeprefix("the ")
    return (bare if " " in bare else label), None  # "Mr. Smith" keeps its title; a surname alone says little


def english_label(text: str, default_speaker: str | None, caps_seen: Counter) -> tuple[Turn, str] | None:
    """A speaker label at the start of a paragraph → the turn and the text after the label (may be empty)."""
    text = _unbold(text)
    head = text[:MAX_LABEL]
    for pattern in LABELS:
        m = pattern.match(text) if len(text) <= MAX_LABEL or ":" in head else None
        if not m or (m.group("text") is None and ends_sentence(text)):
            continue
        speaker, implied_role = _person(m.group("person"))
        role = m.groupdict().get("role")
        role = " ".join(role.split()).removeprefix("The ") if role else implied_role
        role = _office_case(role) if role and role.isupper() else role
        return Turn(speaker, role), (m.group("text") or "").strip()
    m = CAPS_LABEL.match(text)
    if m and (CAPS_HONORIFIC.match(m.group("person")) or caps_seen[m.group("person")] > 1):
        speaker, role = _person(_name_case(m.group("person")))
        return Turn(speaker, role), m.group("text").strip()
    m = QA_LABEL.match(text)
    if m:
        turn = Turn(QUESTIONER) if m.group("person") == "Q" else Turn(default_speaker or "Answer")
        return turn, m.group("text").strip()
    recurring = _recurring_head(text, caps_seen) if len(text) > 2 else None
    if recurring and caps_seen[recurring[0]] >= LABEL_REPEATS:
        person, rest = recurring
        if person == "Q":
            return Turn(QUESTIONER), rest.strip()
        speaker, role = _person(_name_case(person))
        return Turn(speaker, role), rest.strip()
    return None


def _label_of(text: str, rest: str) -> str:
    """The label as printed: what comes before the turn's text, without its colon or full stop."""
    head = text[: len(text) - len(rest)] if rest and text.endswith(rest) else LABEL_END.split(text, maxsplit=1)[0]
    return head.strip().rstrip(":：.").strip()


def resolve(turn: Turn, default: Turn | None, labelled: set[str]) -> Turn:
    """The document's own speaker behind a label: `THE PRESIDENT` when the byline names a president (unless that
    person also has a label of their own: then the president is someone else), `MR. KENNEDY` or `Senator Kennedy`
    when the byline is John F. Kennedy."""
    if default is None or " " not in default.speaker:
        return turn
    surname = default.speaker.split()[-1]
    office = turn.speaker.lower().startswith("the ") and turn.role and default.role
    if office and turn.role.lower() in default.role.lower() and surname not in labelled:
        return default
    words = turn.speaker.split()
    if turn.role in (None, turn.speaker) and OFFICE_WORD.fullmatch(turn.speaker) and default.role:
        # `Spokesman:` in the noon briefing the lead says Stéphane Dujarric, Spokesman for the Secretary-General, gives
        return default if default.role.lower().startswith(turn.speaker.lower()) else turn
    return default if len(words) <= 2 and words[-1] == surname else turn


# `Press Briefing by Press Secretary Jen Psaki and National Security Advisor Jake Sullivan, March 22, 2022`: the
# people a title says the document is by, each an office and a name, split at commas and "and".
TITLE_BY = re.compile(r"\bby\s+(?P<people>[A-Z].*)$")
TITLE_PEOPLE_SPLIT = re.compile(r",\s*|\s+and\s+")
TITLE_PERSON = _pattern(
    r"""^(?P<role>[A-Z][\w'’-]*(?:\s+(?:[A-Z][\w'’-]*|of|for|on|the|and))*?)  # the office: Press Secretary
        \s+(?P<name>@TITLE_WORD(?:\s+[A-Z]\.)?\s+@TITLE_WORD)$                # the name: Jen Psaki, Jake J. Sullivan"""
)

OFFICE_WORD = _pattern(r"(?:@ROLES)\b")


def named_in_title(title: str | None) -> list[Turn]:
    """The people an English title says the document is by, with their offices (none for other titles)."""
    found = TITLE_BY.search(title or "")
    if not found:
        return []
    people = (TITLE_PERSON.match(part.strip()) for part in TITLE_PEOPLE_SPLIT.split(found.group("people")))
    # `Vice President Harris` names an office and a surname, not a person called President Harris.
    return [Turn(m.group("name"), m.group("role")) for m in people if m and not OFFICE_WORD.match(m.group("name"))]


def by_surname(turn: Turn, named: list[Turn]) -> Turn:
    """`MS. PSAKI` is the Jen Psaki the title names (with her office), when no one else it names shares it."""
    words = turn.speaker.split()
    if len(words) > 2:
        return turn
    same = [t for t in named if t.speaker.split()[-1].lower() == words[-1].lower()]
    return same[0] if len(same) == 1 else turn


def labelled_surnames(counts: Counter) -> set[str]:
    """The last word of every label the document uses, as a name is printed (`MR. CARTER` → `Carter`)."""
    return {_person(_name_case(label))[0].split()[-1] for label in counts}


def split_turns(paras: list[Para], language: str, default: Turn | None, title: str | None = None) -> list[Section]:
    """Sections in order: what comes before the first turn (speaker `default`), then one per turn; a label with
    the surname of someone the `title` names is that person."""
    named = named_in_title(title) if language != "zh" else []
    sections = [Section(default)]
    caps_seen = label_counts([p.text for p in paras], language)
    labelled = labelled_surnames(caps_seen) if language != "zh" else set()
    asking: Turn | None = None  # the last reporter who asked, for `记者追问：`
    roles: dict[str, str] = {}  # a member named again without their office keeps it
    label_only = False
    for para in paras:
        text = para.text
        if language != "zh" and RESUMED.match(text):
            members = [s.turn for s in sections if s.turn and s.turn.role not in PRESIDING]
            if members and sections[-1].turn != members[-1]:
                sections.append(Section(members[-1]))
            continue
        if para.speaker:
            turn = voice_turn(para.speaker)
            if sections[-1].turn != turn:
                sections.append(Section(turn))
            sections[-1].paras.append(para)
            continue
        if label_only and text.startswith((":", "：")):
            text = text[1:].strip()  # Hansard puts the turn's text after the label as ": text"
            para = replace(para, text=text)
        label_only = False
        if language == "zh":
            header = parse_header(text) if not para.heading or len(text) < MAX_TITLE_LINE else None
            header = header or parse_byline(text)
            if header:
                sections.append(Section(header))
                continue
            dated = DATE_NOTE.fullmatch(text)
            current = sections[-1]
            if dated and current.turn and current.turn.title and not current.paras and not current.turn.date:
                current.turn = replace(current.turn, date=note_date(dated))
                continue
            qa = ZH_QA_LABEL.match(text)
            if qa:
                asked = qa.group("person") in "问問"
                turn = Turn(ZH_QUESTIONER) if asked else (default or Turn(qa.group("person")))
                sections.append(Section(turn, [replace(para, text=qa.group("text").strip(), spoken=True)]))
                continue
            spoken = zh_turn(text, default, caps_seen, asking)
            if spoken:
                turn, rest = spoken
                asking = turn if asks(turn) else asking
                label = (
                    text[: len(text) - len(text.lstrip()) + text.lstrip().find(rest)].rstrip(" :：") if rest else text
                )
                sections.append(Section(turn, [replace(para, text=rest, spoken=True)], label=label))
                continue
        else:
            found = english_label(text, default.speaker if default else None, caps_seen)
            if found:
                turn, rest = found
                turn = by_surname(resolve(turn, default, labelled), named)
                if turn.role:
                    roles.setdefault(turn.speaker, turn.role)
                else:
                    turn = replace(turn, role=roles.get(turn.speaker))
                current = sections[-1]
                if not (current.turn == turn and not current.paras):
                    sections.append(Section(turn, label=_label_of(_unbold(text), rest)))
                if rest:
                    sections[-1].paras.append(replace(para, text=rest, spoken=True))
                else:
                    label_only = True
                continue
        if text:
            sections[-1].paras.append(para)
    # A label immediately repeated by the next turn (Hansard prints both) leaves an empty section behind.
    kept = [s for i, s in enumerate(sections) if s.paras or i == 0]
    attach_questions(kept, language)
    return kept
