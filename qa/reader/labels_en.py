"""English speaker labels as transcripts print them (`MR. SMITH: text`, `The Minister for Finance (Mr Lawrence
Wong)`, `JOURNALIST:` alone on its line, `Q.`), and how a label reads as a person and an office. `speakers` decides
which lines of a document are labels, from how often each recurs.
"""

from __future__ import annotations

import re
from collections import Counter

from ..textrules import ends_sentence
from .asking import QUESTIONER
from .labels_zh import LABEL_REPEATS
from .model import Turn

# Capitalised words no name holds: `THANK YOU.`, `GOD BLESS AMERICA.`, `PART ONE.`, `UNITED STATES.` open lines.
NOT_NAME_WORDS = frozenset((
    "THE", "OF", "AND", "FOR", "TO", "IN", "ON", "AT", "BY", "A", "AN", "I", "WE", "YOU", "IT", "IS",
    "THANK", "THANKS", "GOD", "BLESS", "PART", "CHAPTER", "SECTION", "ARTICLE", "ONE", "TWO", "THREE",
    "UNITED", "STATES", "AMERICA", "NATIONS",
    "ADDRESS", "REMARKS", "SPEECH", "STATEMENT", "WELCOME", "MESSAGE", "OPENING", "CLOSING", "KEYNOTE", "VOTE",
    "SESSION", "PANEL", "ITEM", "AGENDA", "WORKSHOP", "PLENARY", "BREAK",
))  # fmt: skip

# Parts of the English label patterns below, filled in where `@NAME` stands (so repeat counts stay as written).
PARTS = {
    "HONORIFIC": (
        r"(?:Mr|Mrs|Ms|Miss|Mdm|Madam|Mev|Mnr|Dr|Prof|Professor|Sir|Dame|Rev|Hon|Dato'?|Datuk|Tan\ Sri"
        r"|Shri|SHRI|Smt|SMT|Shrimati|SHRIMATI|Kumari|KUMARI)\.?"  # India's: `SHRI RAHUL GANDHI (WAYANAD):`
    ),
    # a name may open with a particle (`de Rivière`, the UN's `Mr. de Rivière (France)`)
    "NAME": (
        r"(?:(?:de|du|da|di|del|van|von|der|le|la)\s+)?"
        r"[A-Z][\w'’.-]*(?:\s+(?:[A-Z][\w'’.-]*|bin|binte|de|van|von|la|al))*"
    ),
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
# After a member's seat: the time `(10:02)`, the party `(LD)`, the language of a UN record's `(spoke in French)`.
PARTS["SPOKE_IN"] = r"\(spoke\s+in\s+[A-Z][a-z]+\)"
PARTS["AFTER_SEAT"] = r"(?:\((?:\d{1,2}[:.]\d{2}|[A-Z][\w&/ -]{0,15})\)|@SPOKE_IN)"
# An office as Hansard names it: `Prime Minister`, `Secretary of State for Health`, `Chancellor of the Exchequer`.
PARTS["OFFICE"] = r"(?:[A-Z][a-z]+\s+){0,2}(?:@ROLES)(?:\s+(?:of|for)(?:\s+the)?(?:\s+[A-Z][\w'’-]+){1,4}){0,2}"
PARTS["PERSON"] = f"{PARTS['HONORIFIC']}\\s+{PARTS['NAME']}"
PARTS["MEMBER"] = r"(?:@PERSON|Senator\s+@NAME)"  # a member in Hansard: `Mr FISHER`, `Senator WONG`
# A title-case word of a name, a second capital kept (`McCain`, `DeSantis`, `O'Rourke`).
PARTS["TITLE_WORD"] = r"[A-Z][a-z'’-]+(?:[A-Z][a-z'’-]+)?"
# An office: capitalised words ending in (or holding) a role word: `The Minister for Finance`.
PARTS["ROLE"] = r"(?:The\s+)?[A-Z][^():\n]{1,160}?\b(?:@ROLES)\b[^():\n]{0,120}?"
# A title before a bracketed name: `MODERATOR`, `The Prime Minister`, `Senator` (one to five words).
PARTS["TITLE"] = r"(?:The\s+)?[A-Z][A-Za-z.'’-]*(?:\s+[A-Za-z][A-Za-z.'’-]*){0,4}"


def parts_pattern(template: str, flags: int = 0) -> re.Pattern:
    for _ in range(2):  # parts may name other parts
        for key in sorted(PARTS, key=len, reverse=True):  # `@ROLES` before `@ROLE`
            template = template.replace(f"@{key}", PARTS[key])
    return re.compile(template, re.X | flags)


# `Jane Smith (Bath) (LD): text`: a bare name, the seat, the party or time (the UK's Hansard), colon required
SEAT_LABEL = parts_pattern(
    r"^(?P<person>@NAME) \s*\((?P<role>[^()\n]{2,80})\) \s*@AFTER_SEAT \s*:\s*(?P<text>.*)$", re.S
)
LABELS = (
    # `The Minister for Finance (Mr Lawrence Wong)`, then `: text` here or on the next line (Hansard)
    parts_pattern(r"^(?P<role>@ROLE) \s*\((?P<person>@PERSON)\) \s*(?::\s*(?P<text>.*))?$", re.S),
    # `Dr Goh Keng Swee (Minister for Finance)`, `Mr L M GREEN (FD)` (a party), colon optional as above; then
    # perhaps the time (`Mr FISHER (Bass) (10:02):`, `Senator WONG (South Australia—Minister for Foreign Affairs)
    # (14:03):`, Australia's Hansard)
    parts_pattern(
        r"^(?P<person>@MEMBER) \s*\((?P<role>[^()\n]{2,160})\) (?:\s*@AFTER_SEAT)? \s*(?::\s*(?P<text>.*))?$", re.S
    ),
    SEAT_LABEL,
    # `MODERATOR (Chris Wallace): text`, `The Prime Minister (Boris Johnson): text`: a bare name, colon required
    parts_pattern(r"^(?P<role>@TITLE) \s*\((?P<person>@NAME)\) \s*:\s*(?P<text>.*)$", re.S),
    # `Mr Smith: text`, `The Speaker: text`, a UN record's `The President (spoke in French): text`
    parts_pattern(r"^(?P<person>@PERSON|The\s+(?:@ROLES)) \s*(?:@SPOKE_IN)? \s*:\s*(?P<text>.*)$", re.S),
    # `The MINISTER OF EDUCATION: text`, `The SPEAKER: text` (South Africa's Hansard): an office in capitals
    parts_pattern(r"^(?P<person>The(?:\s+[A-Z][A-Z'’-]+){1,8}) \s*:\s*(?P<text>.*)$", re.S),
    # `Deputy Mayor Ana Ruiz: text`: a role word, then the name
    parts_pattern(r"^(?P<role>(?:Deputy\s+|Vice\s+)?(?:@ROLES)) \s+(?P<person>@NAME) \s*:\s*(?P<text>.*)$", re.S),
    # `Mr Lawrence Wong` alone on its line: the turn's text follows
    parts_pattern(r"^(?P<person>@PERSON)(?P<text>)$"),
)
# `MAYOR PARK: text`: a capitalised label (a bare one counts once the document repeats it)
# `SMITH: text`, `MR. McGEE: text`: up to four capitals-only words (a Scottish `Mc`/`Mac` prefix keeps its case).
# `JOURNALIST:` alone on its line, the turn's text in the paragraphs after it (Australian transcripts).
CAPS_LABEL = re.compile(
    r"""^(?P<person>(?:[A-Z][A-Z.'’-]*\s+){0,3}(?:Ma?c)?[A-Z][A-Z.'’-]+)
        \s*:(?:\s+(?P<text>\S.*)|\s*)$   # the text after the colon, or nothing""",
    re.S | re.X,
)
# `TANYA PLIBERSEK, DEPUTY OPPOSITION LEADER: text`: a name in capitals, a comma, an office in capitals.
# `The Secretary of State for Health: text`: a label once the document uses it twice, counting `The Secretary of
# State for Health (Jeremy Hunt): text` (`OFFICE_NAMED`), which gives the person too.
OFFICE_LABEL = parts_pattern(r"^(?P<person>The\s+@OFFICE) \s*:\s*(?P<text>.*)$", re.S)
OFFICE_NAMED = parts_pattern(r"^(?P<person>The\s+@OFFICE) \s*\([^()\n]{2,80}\)\s*:", re.S)
CAPS_NAME_OFFICE = re.compile(
    r"""^(?P<person>(?:Ma?c)?[A-Z][A-Z.'’-]+(?:\s+(?:Ma?c)?[A-Z][A-Z.'’-]+){1,3})  # two to four words of a name
        ,\s+(?P<role>[A-Z][A-Z'’ -]{2,80}?)                               # a comma, the office
        \s*:(?:\s+(?P<text>\S.*)|\s*)$""",
    re.S | re.X,
)
CAPS_HONORIFIC = parts_pattern(r"^(?:MR|MRS|MS|MISS|DR|PROF|THE|" + PARTS["ROLES"].upper() + r")\b\.?")
QA_LABEL = re.compile(r"^(?P<person>[QA])\s*[:：](?:\s*(?P<text>\S.*)|\s*)$", re.S)  # `Q: text`, or `Q:` alone
# English labels a document proves by recurrence: each counts once it opens `LABEL_REPEATS` lines.
RECURRING_LABELS = (
    # `THE PRESIDENT. text`, `MR. CARTER. text`, `Q. text`: capitals and a full stop (never `MR.` alone); an office
    # in letters (`P.M. text`)
    re.compile(
        r"""^(?P<person>(?:(?:MR|MRS|MS|DR)\.\s+)?(?!(?:MR|MRS|MS|DR)\.)[A-Z][A-Z'’-]*(?:\s+[A-Z][A-Z'’-]+){0,3}
            |P\.M)
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
NOT_LABELS = frozenset((
    "note", "notes", "source", "sources", "photo", "update", "correction", "editor's note",
    "subject", "subjects", "topic", "topics", "ref", "inquiries", "enquiries", "media inquiries", "media contact",
    "contact", "date", "time", "venue", "location", "title", "transcript", "transcription",  # a page's fields
    "first", "second", "third", "finally",  # a speech's points
    "issue", "issues", "background", "recommendation", "recommendations", "summary", "purpose", "context",
    "discussion", "conclusion", "conclusions", "objective", "objectives", "outcome", "outcomes", "key points",
    "highlights", "overview", "introduction", "rationale", "findings", "next steps", "action", "actions",
    "decision", "comment", "comments",  # a briefing note's headings
))  # fmt: skip
# `**LEHRER:** text` (a transcript bolded in plain text): the label without its asterisks.
BOLD_LABEL = re.compile(r"^\*\*(?P<label>[^*\n]{1,60}?)(?::\*\*|\*\*\s*:)\s*(?P<text>.*)$", re.S)
# A Scottish prefix before a name in capitals: printed in its case (`McCLELLAN`, `MacDONALD`), or a Mc that no
# English word but a name begins with (`MCKEE`, `MCCAIN`).
ROMAN = re.compile(r"[IVX]{2,4}")  # a regnal number: `II`, `XVI`
MC = re.compile(r"^(Ma?c|MC)([A-Z][A-Z'’-]+)$")
VOWEL = re.compile(r"[AEIOUY]")
MIN_CAPITALISED = 3  # letters: a capitals-only word this long in a label is a name (`SMITH`), shorter ones stay (`II`)
STRIP_HONORIFIC = parts_pattern(r"^@HONORIFIC\s+")
LEADING_THE = re.compile(r"^(?:The|THE)\s+")
LABEL_STOP = re.compile(r"(?<=[A-Za-z]{3})\.$")
MEMBER_LETTERS = re.compile(r"(?:\s+(?:MP|MHR|M\.P\.|QC|KC|AM|AO))+$", re.I)  # `MICHAEL KEENAN MP:` is Michael Keenan
SHORT_OFFICES = {"PM": "Prime Minister", "P.M": "Prime Minister"}  # an office in letters (`PM:`, `P.M.`)
MAX_LABEL = 200  # characters: a longer line is a sentence, not a speaker label


def bare_caps_name(words: str) -> bool:
    """`MICHELLE SMITH`: two or more capitalised words, none a word that opens a sentence or a heading."""
    parts = words.split()
    return len(parts) > 1 and not CAPS_HONORIFIC.match(words) and not NOT_NAME_WORDS.intersection(parts)


def unbold(text: str) -> str:
    m = BOLD_LABEL.match(text)
    return f"{m.group('label')}: {m.group('text')}" if m else text


def recurring_head(text: str, proven: Counter | None = None) -> tuple[str, str] | None:
    """The label and text of a line that opens with one of `RECURRING_LABELS` (capitals only when the label names
    a title or office, is `Q`, or is a name the document has `proven` to print as labels: `OK.` opens lines too)."""
    for pattern in RECURRING_LABELS:
        m = pattern.match(text)
        if not m:
            continue
        person = m.group("person")
        named = bare_caps_name(person) and (proven or {}).get(person)
        # `P.M.` answers only where `Q.` asks (not a programme's `A.M.` / `P.M.` lines): counted, then proven.
        office = person == "P.M" and (proven is None or proven.get(person))
        if pattern is not CAPS_STOP or person == "Q" or office or CAPS_HONORIFIC.match(person) or named:
            return person, m.group("text")
    return None


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


def office_case(office: str) -> str:
    """`MINISTER IN THE PRESIDENCY` → `Minister in the Presidency`; a short name in capitals alone (a party's
    `ANC`, `FD`) stays as printed."""
    words = office.split()
    if len(words) == 1 and len(office) < MIN_CAPITALISED + 2:
        return office

    def case(w: str) -> str:
        return "-".join(part.capitalize() for part in w.split("-"))  # `ATTORNEY-GENERAL` → `Attorney-General`

    return " ".join(w.lower() if i and w.lower() in OFFICE_SMALL_WORDS else case(w) for i, w in enumerate(words))


def label_person(label: str) -> tuple[str, str | None]:
    """`Mr Lawrence Wong` → ("Lawrence Wong", None); `Mr Speaker` → ("Mr Speaker", "Speaker")."""
    if label.casefold() == "question":  # `QUESTION:` (the State Department), `Question:` (the UN) is a bare `Q:`
        return QUESTIONER, None
    if label in SHORT_OFFICES:
        return SHORT_OFFICES[label], None
    if label.startswith("The ") and label[4:].isupper():
        label = f"The {office_case(label[4:])}"
    words = label.split()
    alone = len(words) == 1
    label = " ".join(
        w.capitalize() if w.isupper() and len(w) >= MIN_CAPITALISED and _wordlike(w, alone) else w for w in words
    )
    label = MEMBER_LETTERS.sub("", label)
    bare = STRIP_HONORIFIC.sub("", label)
    if re.fullmatch(f"(?:Deputy\\s+)?(?:{PARTS['ROLES']})", bare) or label.lower().startswith("the "):
        return label, bare.removeprefix("The ").removeprefix("the ")
    return (bare if " " in bare else label), None  # "Mr. Smith" keeps its title; a surname alone says little


def english_label(text: str, default_speaker: str | None, caps_seen: Counter) -> tuple[Turn, str] | None:
    """A speaker label at the start of a paragraph → the turn and the text after the label (may be empty)."""
    text = unbold(text)
    head = text[:MAX_LABEL]
    for pattern in LABELS:
        m = pattern.match(text) if len(text) <= MAX_LABEL or ":" in head else None
        if not m or (m.group("text") is None and ends_sentence(text)):
            continue
        if pattern is SEAT_LABEL and not bare_caps_name(m.group("person").upper()):
            continue  # `Session One (Main Hall) (10:00):` is a programme's line
        # `Mr. RUDMAN.` alone on its line (a hearing's record): the full stop ends the label, not the name
        person = m.group("person") if m.group("text") else LABEL_STOP.sub("", m.group("person"))
        speaker, implied_role = label_person(person)
        role = m.groupdict().get("role")
        role = LEADING_THE.sub("", " ".join(role.split())) if role else implied_role  # `(THE MINISTER OF …)` too
        role = office_case(role) if role and role.isupper() else role
        return Turn(speaker, role), (m.group("text") or "").strip()
    m = OFFICE_LABEL.match(text)
    if m and caps_seen[m.group("person")] >= LABEL_REPEATS:
        speaker, role = label_person(" ".join(m.group("person").split()))
        return Turn(speaker, role), m.group("text").strip()
    m = CAPS_NAME_OFFICE.match(text)
    if m and OFFICE_WORD.search(office_case(m.group("role"))) and bare_caps_name(m.group("person")):
        name = name_case(MEMBER_LETTERS.sub("", m.group("person")))
        return Turn(name, office_case(m.group("role"))), (m.group("text") or "").strip()
    m = CAPS_LABEL.match(text)
    proven = m and (caps_seen[m.group("person")] > 1 or MEMBER_LETTERS.search(m.group("person")))  # `… MP:`
    # Alone on its line, a label is one exactly when `label_counts` found the document printing its turns so
    # (`KEY POINTS:`, `THE FACTS:` are headings).
    if m and m.group("text") is None:
        proven = caps_seen[m.group("person")] > 0
    if m and (proven or (m.group("text") is not None and CAPS_HONORIFIC.match(m.group("person")))):
        speaker, role = label_person(name_case(m.group("person")))
        return Turn(speaker, role), (m.group("text") or "").strip()
    m = QA_LABEL.match(text)
    if m:
        turn = Turn(QUESTIONER) if m.group("person") == "Q" else Turn(default_speaker or "Answer")
        return turn, (m.group("text") or "").strip()
    recurring = recurring_head(text, caps_seen) if len(text) > 2 else None
    if recurring and caps_seen[recurring[0]] >= LABEL_REPEATS:
        person, rest = recurring
        if person == "Q":
            return Turn(QUESTIONER), rest.strip()
        speaker, role = label_person(name_case(person))
        return Turn(speaker, role), rest.strip()
    return None


OFFICE_WORD = parts_pattern(r"\b(?:@ROLES)\b")  # an office's word: `match` at a name's start, `search` anywhere
