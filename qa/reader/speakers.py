"""Who is speaking: a document's paragraphs split into turns, each with its speaker and role.

Chinese reports open each speech with a header `ROLE+NAME: SPEECH TITLE` (simplified or traditional).
English transcripts mark turns Hansard-style (`The Minister for Finance (Mr Lawrence Wong)` on its own line,
then `: text`; `Dr Goh Keng Swee (Minister for Finance)`), court/press style (`MR. SMITH: text`) or as
`Q:` / `A:` lines. Paragraphs before the first turn belong to the document's own speaker, if its metadata names
one.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from dataclasses import dataclass, field, replace

from ..script import simplified
from ..textrules import ends_sentence
from .asking import PRESIDING, QUESTIONER, ZH_QUESTIONER, asks, attach_questions
from .labels_zh import (
    DATE_NOTE,
    LABEL_REPEATS,
    MAX_TITLE_LINE,
    NAME_SHAPE,
    ZH_LABEL_PREFIX,
    ZH_QA_LABEL,
    ZH_TURN_LABEL,
    label_who,
    note_date,
    parse_byline,
    parse_header,
    role_end,
    zh_turn,
)
from .layout import Para
from .model import Turn

# Capitalised words no name holds: `THANK YOU.`, `GOD BLESS AMERICA.`, `PART ONE.`, `UNITED STATES.` open lines.
NOT_NAME_WORDS = frozenset((
    "THE", "OF", "AND", "FOR", "TO", "IN", "ON", "AT", "BY", "A", "AN", "I", "WE", "YOU", "IT", "IS",
    "THANK", "THANKS", "GOD", "BLESS", "PART", "CHAPTER", "SECTION", "ARTICLE", "ONE", "TWO", "THREE",
    "UNITED", "STATES", "AMERICA", "NATIONS",
))  # fmt: skip
STYLE_LABELS = 2  # recurring `NAME.` labels that show a document prints its speakers so (then one use is enough)
LABEL_END = re.compile(r"\s*[:：]")

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
# Words an office's name is made of besides its role word (`Foreign Ministry Spokesperson`, `Secretary of Homeland
# Security`): never the first word of a person's name.
PARTS["OFFICE_NOUNS"] = (
    "Foreign|Ministry|Deputy|Vice|Prime|Chief|Press|White|House|State|Department|Senior|Principal|National"
    "|Security|Defense|Defence|Federal|Reserve|Government|Official|Assistant|Executive|General|Treasury|Labor"
    "|Labour|Energy|Education|Commerce|Agriculture|Transportation|Interior|Justice|Health|Services|Affairs"
)
PARTS["PERSON"] = f"{PARTS['HONORIFIC']}\\s+{PARTS['NAME']}"
# A title-case word of a name, a second capital kept (`McCain`, `DeSantis`, `O'Rourke`).
PARTS["TITLE_WORD"] = r"[A-Z][a-z'’-]+(?:[A-Z][a-z'’-]+)?"
# An office: capitalised words ending in (or holding) a role word: `The Minister for Finance`.
PARTS["ROLE"] = r"(?:The\s+)?[A-Z][^():\n]{1,160}?\b(?:@ROLES)\b[^():\n]{0,120}?"
# A title before a bracketed name: `MODERATOR`, `The Prime Minister`, `Senator` (one to five words).
PARTS["TITLE"] = r"(?:The\s+)?[A-Z][A-Za-z.'’-]*(?:\s+[A-Za-z][A-Za-z.'’-]*){0,4}"


def parts_pattern(template: str, flags: int = 0) -> re.Pattern:
    for _ in range(2):  # parts may name other parts
        for key, value in PARTS.items():
            template = template.replace(f"@{key}", value)
    return re.compile(template, re.X | flags)


LABELS = (
    # `The Minister for Finance (Mr Lawrence Wong)`, then `: text` here or on the next line (Hansard)
    parts_pattern(r"^(?P<role>@ROLE) \s*\((?P<person>@PERSON)\) \s*(?::\s*(?P<text>.*))?$", re.S),
    # `Dr Goh Keng Swee (Minister for Finance)`, `Mr L M GREEN (FD)` (a party), colon optional as above
    parts_pattern(r"^(?P<person>@PERSON) \s*\((?P<role>[^()\n]{2,160})\) \s*(?::\s*(?P<text>.*))?$", re.S),
    # `MODERATOR (Chris Wallace): text`, `The Prime Minister (Boris Johnson): text`: a bare name, colon required
    parts_pattern(r"^(?P<role>@TITLE) \s*\((?P<person>@NAME)\) \s*:\s*(?P<text>.*)$", re.S),
    # `Mr Smith: text`, `The Speaker: text`
    parts_pattern(r"^(?P<person>@PERSON|The\s+(?:@ROLES)) \s*:\s*(?P<text>.*)$", re.S),
    # `The MINISTER OF EDUCATION: text`, `The SPEAKER: text` (South Africa's Hansard): an office in capitals
    parts_pattern(r"^(?P<person>The(?:\s+[A-Z][A-Z'’-]+){1,8}) \s*:\s*(?P<text>.*)$", re.S),
    # `Deputy Mayor Ana Ruiz: text`: a role word, then the name
    parts_pattern(r"^(?P<role>(?:Deputy\s+|Vice\s+)?(?:@ROLES)) \s+(?P<person>@NAME) \s*:\s*(?P<text>.*)$", re.S),
    # `Mr Lawrence Wong` alone on its line: the turn's text follows
    parts_pattern(r"^(?P<person>@PERSON)(?P<text>)$"),
)
# `MAYOR PARK: text`: a capitalised label (a bare one counts once the document repeats it)
# `SMITH: text`, `MR. McGEE: text`: up to four capitals-only words (a Scottish `Mc`/`Mac` prefix keeps its case).
CAPS_LABEL = re.compile(r"^(?P<person>(?:[A-Z][A-Z.'’-]*\s+){0,3}(?:Ma?c)?[A-Z][A-Z.'’-]+)\s*:\s+(?P<text>\S.*)$", re.S)
CAPS_HONORIFIC = parts_pattern(r"^(?:MR|MRS|MS|MISS|DR|PROF|THE|" + PARTS["ROLES"].upper() + r")\b\.?")
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
    parts_pattern(
        r"^(?P<person>(?:@HONORIFIC|(?:The\s+)?(?:@ROLES))\s+[A-Z][\w'’-]+|The\s+(?:@ROLES)) \.\s+(?P<text>\S.*)$", re.S
    ),
    # `Q    Thank you, Mr. President.`, `Q    — do you believe …` (taking up an interrupted question): a bare Q,
    # spaces, then the question
    re.compile(r"^(?P<person>Q)\s+(?P<text>[A-Z(\"“—–…].*)$", re.S),
    # `Wallace: text`, `Donald J Trump: text`, `John McCain: text`: one to three title-case words and a colon
    parts_pattern(
        r"""^(?P<person>
            @TITLE_WORD               # Wallace, McCain, O'Rourke
            (?:\s+[A-Z]\.?)?          # a middle initial, with or without its stop: J, R.
            (?:\s+@TITLE_WORD){0,2}   # up to two more words of the name
        )\s*:\s+(?P<text>\S.*)$""",
        re.S,
    ),
)
CAPS_STOP, TITLE_COLON = RECURRING_LABELS[0], RECURRING_LABELS[-1]
# Words that open a line with a colon and are no speaker: `Note:`, `Source:`, `Photo:`.
NOT_LABELS = frozenset(("note", "notes", "source", "sources", "photo", "update", "correction", "editor's note"))
FOLLOW_UP_LABELS = frozenset(("follow-up", "follow up", "followup"))
ANSWERED_TURNS = 3  # turns a repeated label must open to be taken for the one who answers the questions
# `**LEHRER:** text` (a transcript bolded in plain text): the label without its asterisks.
BOLD_LABEL = re.compile(r"^\*\*(?P<label>[^*\n]{1,60}?)(?::\*\*|\*\*\s*:)\s*(?P<text>.*)$", re.S)
# A Scottish prefix before a name in capitals: printed in its case (`McCLELLAN`, `MacDONALD`), or a Mc that no
# English word but a name begins with (`MCKEE`, `MCCAIN`).
ROMAN = re.compile(r"[IVX]{2,4}")  # a regnal number: `II`, `XVI`
MC = re.compile(r"^(Ma?c|MC)([A-Z][A-Z'’-]+)$")
VOWEL = re.compile(r"[AEIOUY]")
MIN_CAPITALISED = 3  # letters: a capitals-only word this long in a label is a name (`SMITH`), shorter ones stay (`II`)
STRIP_HONORIFIC = parts_pattern(r"^@HONORIFIC\s+")
MAX_LABEL = 200  # characters: a longer line is a sentence, not a speaker label
# Hansard after a break: the chair's short turn ends and the member who had the floor goes on, unannounced.
RESUMED = re.compile(r"^(?:\[[^\]]*in the Chair\]\s*)?(?:Sitting|House|Meeting) resumed\b", re.I)


@dataclass
class Section:
    turn: Turn | None
    paras: list[Para] = field(default_factory=list)
    label: str | None = None  # the label that opened the turn, as printed (`总台央视记者`)
    question: str | None = None  # the question this turn answers (the asking turn before it)


def label_counts(lines: list[str], language: str) -> Counter:
    """How many lines each turn label opens in one document: the evidence that a bare `KIM:` or `华春莹：` is a
    speaker's label and not a word that happens to be followed by a colon."""
    if language == "zh":
        heads = (simplified(line.strip()[:ZH_LABEL_PREFIX]) for line in lines)
        labels = [who for head in heads if (m := ZH_TURN_LABEL.match(head)) and (who := label_who(m))]
        # A name introduced with its office (`国家发展改革委主任郑栅洁：`) has proved itself a speaker's: its bare
        # `郑栅洁：` later is a label even once.
        named = (who[cut:] for who in labels if (cut := role_end(who)) > 0)
        return Counter(labels) + Counter(name for name in named if NAME_SHAPE.fullmatch(name))
    counts: Counter = Counter()
    stopped: Counter = Counter()  # labels in capitals with a full stop, `CHAIR POWELL.`, `MICHELLE SMITH.`
    colons: list[str | None] = []  # each line's label before a colon (`Mao Ning:`, `CCTV:`), if it opens with one
    for line in lines:
        line = _unbold(line.strip()[:MAX_LABEL])
        caps = CAPS_LABEL.match(line)
        if caps:
            counts[caps.group("person")] += 1
        recurring = None if caps else _recurring_head(line)
        if recurring:
            counts[recurring[0]] += 1
        named = caps or (TITLE_COLON.match(line) if recurring else None)
        label = named.group("person") if named else None
        colons.append(label if label and label.replace("’", "'").casefold() not in NOT_LABELS else None)
        stop = None if caps or recurring else CAPS_STOP.match(line)
        if stop and _bare_caps_name(stop.group("person")):
            stopped[stop.group("person")] += 1
    # A bare name in capitals with a stop could open a sentence (`THANK YOU.`), so such names count only in a
    # document that prints its speakers that way: two or more of them (no title, no `Q`), each opening several
    # lines. Then a reporter named once (`NICK TIMIRAOS. Nick Timiraos, the Wall Street Journal. …`) is a label.
    if sum(n >= LABEL_REPEATS for n in stopped.values()) >= STYLE_LABELS:
        counts.update({name: LABEL_REPEATS for name in stopped if name not in counts})
    counts.update({c: LABEL_REPEATS for c in _answered_questions(lines, colons) if counts[c] < LABEL_REPEATS})
    return counts


def _answered_questions(lines: list[str], colons: list[str | None]) -> set[str]:
    """Labels before a colon used once that are still labels: their turn asks (it holds a question mark) and a
    label the document repeats answers it (the Foreign Ministry's `Mao Ning:` after `CCTV:`, `Reuters:`,
    `Follow-up:`). `Monday: The President will travel…` or `Health: We will invest…` ask nothing."""
    seen = Counter(c for c in colons if c)
    found: set[str] = set()
    opened = [i for i, c in enumerate(colons) if c]
    answered_later = False  # whether a label opening ANSWERED_TURNS turns opens one after this turn
    # From the last turn back, so that whether an answer follows is known in one pass. It need not follow at once:
    # a follow-up (`Follow-up: And the Philippines?`) may come before it.
    for i, j in reversed(list(itertools.pairwise([*opened, len(lines)]))):
        label = colons[i]
        if seen[label] < LABEL_REPEATS and answered_later and "?" in " ".join(lines[i:j]):
            found.add(label)
        answered_later = answered_later or seen[label] >= ANSWERED_TURNS
    return found


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


def _wordlike(word: str, alone: bool) -> bool:
    """A word in capitals to print as a name is printed: not an outlet's letters standing `alone` as the label
    (`CCTV:`, `NHK:`: no vowel); `MR.`, `LT.`, `SGT.` in a longer label are words."""
    return not alone or bool(VOWEL.search(word)) or word.endswith(".")


def name_case(label: str) -> str:
    """`MR. McCLELLAN` → `Mr. McClellan`, `O'ROURKE` → `O'Rourke`: a label in capitals as a name is printed."""

    def case(w: str) -> str:
        if m := MC.match(w):
            return m[1].capitalize() + m[2].title()
        if ROMAN.fullmatch(w):  # `ELIZABETH II`
            return w
        return w.title() if w.isupper() and _wordlike(w, len(words) == 1) else w

    words = label.split()
    return " ".join(case(w) for w in words)


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
    words = label.split()
    alone = len(words) == 1
    label = " ".join(
        w.capitalize() if w.isupper() and len(w) >= MIN_CAPITALISED and _wordlike(w, alone) else w for w in words
    )
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
        speaker, role = _person(name_case(m.group("person")))
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
        speaker, role = _person(name_case(person))
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
    if default is None:
        return turn
    surname = default.speaker.split()[-1]
    office = turn.speaker.lower().startswith("the ") and turn.role and default.role
    if office and turn.role.lower() in default.role.lower() and surname not in labelled:
        return default  # `THE PRESIDENT` under "Remarks by President Biden …" too
    if " " not in default.speaker:  # a surname alone says too little to claim a label by name
        return turn
    words = turn.speaker.split()
    if turn.role in (None, turn.speaker) and OFFICE_WORD.fullmatch(turn.speaker) and default.role:
        # `Spokesman:` in the noon briefing the lead says Stéphane Dujarric, Spokesman for the Secretary-General, gives
        return default if default.role.lower().startswith(turn.speaker.lower()) else turn
    return default if len(words) <= 2 and words[-1] == surname else turn


OFFICE_WORD = parts_pattern(r"\b(?:@ROLES)\b")  # an office's word: `match` at a name's start, `search` anywhere


def by_surname(turn: Turn, named: list[Turn]) -> Turn:
    """`MS. PSAKI` is the Jen Psaki the title names (with her office), when no one else it names shares it."""
    words = turn.speaker.split()
    if len(words) > 2:
        return turn
    same = [t for t in named if t.speaker.split()[-1].lower() == words[-1].lower()]
    if len(same) != 1:
        return turn
    if " " in same[0].speaker:
        return same[0]
    # A title that gives only a surname lends its office to a label that says it (`SECRETARY NAPOLITANO`), not to
    # anyone of that name (`MRS. BUSH` under "Remarks by President Bush").
    says_office = len(words) == 2 and words[0].casefold() in (same[0].role or "").casefold().split()
    return replace(turn, role=turn.role or same[0].role) if says_office else turn


def labelled_surnames(counts: Counter) -> set[str]:
    """The last word of every label the document uses, as a name is printed (`MR. CARTER` → `Carter`)."""
    return {_person(name_case(label))[0].split()[-1] for label in counts}


def _asked_last(sections: list[Section]) -> Turn | None:
    """Who `Follow-up:` is: the last turn when it asked (its last paragraph a question), else the one before the
    answer just given."""
    last = sections[-1]
    if last.turn and last.paras and last.paras[-1].text.rstrip().endswith("?"):
        return last.turn
    return sections[-2].turn if len(sections) > 2 else None


def _keep_office(turn: Turn, roles: dict[str, str], latest: bool = False) -> Turn:
    """A speaker named again without their office (`郑栅洁：` after `国家发展改革委主任郑栅洁：`) keeps it: the first
    printed, or the `latest` (two reporters named 王伟 ask in turn)."""
    if turn.role:
        if latest or turn.speaker not in roles:
            roles[turn.speaker] = turn.role
        return turn
    return replace(turn, role=roles.get(turn.speaker))


def split_turns(paras: list[Para], language: str, default: Turn | None, named: list[Turn] = ()) -> list[Section]:
    """Sections in order: what comes before the first turn (speaker `default`), then one per turn; a label with
    the surname of someone the title names (`named`, qa/reader/title_people.py) is that person."""
    sections = [Section(default)]
    caps_seen = label_counts([p.text for p in paras], language)
    labelled = labelled_surnames(caps_seen) if language != "zh" else set()
    asking: Turn | None = None  # the last reporter who asked, for `记者追问：`
    roles: dict[str, str] = {}
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
                turn = _keep_office(turn, roles, latest=True)
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
                turn = _keep_office(by_surname(resolve(turn, default, labelled), named), roles)
                if turn.speaker.casefold() in FOLLOW_UP_LABELS and len(sections) > 1:
                    turn = _asked_last(sections) or turn
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
