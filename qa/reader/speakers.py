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
from .asking import PRESIDING, ZH_QUESTIONER, asks, attach_questions
from .furniture import TELEPHONE
from .labels_en import (
    CAPS_HONORIFIC,
    CAPS_LABEL,
    CAPS_STOP,
    MAX_LABEL,
    NOT_LABELS,
    OFFICE_LABEL,
    OFFICE_NAMED,
    OFFICE_WORD,
    QA_LABEL,
    STRIP_HONORIFIC,
    TITLE_COLON,
    bare_caps_name,
    english_label,
    label_person,
    name_case,
    recurring_head,
    unbold,
)
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

STYLE_LABELS = 2  # recurring `NAME.` labels that show a document prints its speakers so (then one use is enough)
LABEL_END = re.compile(r"\s*[:：]")
FOLLOW_UP_LABELS = frozenset(("follow-up", "follow up", "followup"))
INITIALS = re.compile(r"[A-Z]{2}")  # a label of two capitals: a speaker's initials (`CC:`) or `PM:`
ASKED_LINES = 6  # lines under a label alone on its line looked at for a question mark
ANSWERED_TURNS = 3  # turns a repeated label must open to be taken for the one who answers the questions
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
    said: dict[str, set[str]] = {}  # what each label's lines say after it
    alone: Counter = Counter()  # labels alone on their line (`JOURNALIST:`), the turn's text below
    asked = False  # whether the text below such a label asks
    for i, line in enumerate(lines):
        line = unbold(line.strip()[:MAX_LABEL])
        caps = CAPS_LABEL.match(line)
        if caps and caps.group("text") is None:
            alone[caps.group("person")] += 1
            asked = asked or "?" in " ".join(lines[i + 1 : i + 1 + ASKED_LINES])
            caps = None
        if caps:
            counts[caps.group("person")] += 1
            said.setdefault(caps.group("person"), set()).add(caps.group("text"))
        recurring = None if caps else recurring_head(line)
        if recurring:
            counts[recurring[0]] += 1
            said.setdefault(recurring[0], set()).add(recurring[1])
        office = None if caps or recurring else OFFICE_LABEL.match(line) or OFFICE_NAMED.match(line)
        if office:
            counts[" ".join(office.group("person").split())] += 1
        named = caps or (TITLE_COLON.match(line) if recurring else None)
        label = named.group("person") if named else None
        colons.append(label if label and not_field(label) else None)
        stop = None if caps or recurring else CAPS_STOP.match(line)
        if stop and bare_caps_name(stop.group("person")):
            stopped[stop.group("person")] += 1
    # Labels alone on their lines are a dialogue's when one recurs beside other voices and the text under them
    # asks, or one is a title or office (`SENATOR CITIZEN:` and `CROWD:` at a rally), or two recur (closing
    # statements ask nothing); then each is a label even once. A briefing note's headings are `NOT_LABELS`.
    alone = Counter({label: n for label, n in alone.items() if not_field(label)})
    recurring_alone = [label for label, n in alone.items() if n >= LABEL_REPEATS]
    titled = any(CAPS_HONORIFIC.match(label) for label in recurring_alone)
    qa = any(QA_LABEL.match(line.strip()) for line in lines)  # `Q:` asks, a label alone answers
    voices = len(alone) + sum(n >= LABEL_REPEATS for n in counts.values()) + qa
    if (asked or titled or len(recurring_alone) >= STYLE_LABELS) and recurring_alone and voices >= STYLE_LABELS:
        counts.update(alone)
    # A line printed the same page after page with a telephone number (`Minister’s Office: 02 6277 7500`) is
    # furniture: no speaker says the same number at every turn (but `AUDIENCE: (Applause.)` may recur).
    for label in list(counts):
        texts = said.get(label, ())
        page_line = counts[label] > 1 and len(texts) == 1 and TELEPHONE.search(next(iter(texts)))
        if page_line or not not_field(label):  # `SUBJECTS:` twice is still a field
            del counts[label]
    if counts["Q"] < LABEL_REPEATS:
        counts.pop("P.M", None)  # `P.M.` answers only where `Q.` asks
    # A bare name in capitals with a stop could open a sentence (`THANK YOU.`), so such names count only in a
    # document that prints its speakers that way: two or more of them (no title, no `Q`), each opening several
    # lines. Then a reporter named once (`NICK TIMIRAOS. Nick Timiraos, the Wall Street Journal. …`) is a label.
    if sum(n >= LABEL_REPEATS for n in stopped.values()) >= STYLE_LABELS:
        counts.update({name: LABEL_REPEATS for name in stopped if name not in counts})
    counts.update({c: LABEL_REPEATS for c in _answered_questions(lines, colons) if counts[c] < LABEL_REPEATS})
    # `KERRY O'BRIEN:` once, then `O'BRIEN:` turn after turn (an interview): the full name is a label too.
    surnames = {label for label, n in counts.items() if n >= LABEL_REPEATS and " " not in label}
    counts.update({
        label: LABEL_REPEATS for label, n in list(counts.items())
        if n < LABEL_REPEATS and label.split()[-1] in surnames and bare_caps_name(label)
    })  # fmt: skip
    return counts


def not_field(label: str) -> bool:
    """Is a label no page field nor heading (`SUBJECTS`, `Note`, `BACKGROUND`)?"""
    return label.replace("’", "'").casefold() not in NOT_LABELS


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


def voice_turn(voice: str) -> Turn:
    """A speaker the format names (`<v Mayor Ana Ruiz>`): read like a label, so the role is split off."""
    found = english_label(f"{voice}: -", None, Counter()) or zh_turn(f"{voice}：-", None)
    return found[0] if found else Turn(voice)


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
    if default.role and turn.speaker.casefold() == default.role.casefold() and surname not in labelled:
        return default  # `PRIME MINISTER:` under the letterhead of the Hon John Howard MP, Prime Minister
    if " " not in default.speaker:  # a surname alone says too little to claim a label by name
        return turn
    words = turn.speaker.split()
    if turn.role in (None, turn.speaker) and OFFICE_WORD.fullmatch(turn.speaker) and default.role:
        # `Spokesman:` in the noon briefing the lead says Stéphane Dujarric, Spokesman for the Secretary-General, gives
        return default if default.role.lower().startswith(turn.speaker.lower()) else turn
    return default if len(words) <= 2 and words[-1] == surname else turn


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


@dataclass
class FullNames:
    """Who a label giving only a surname or an office is, from the labels before it: `PLIBERSEK:` or `MR. SMITH:`
    after `TANYA PLIBERSEK, DEPUTY OPPOSITION LEADER:` or `HOWARD K. SMITH, MODERATOR:`, `O'BRIEN:` after `KERRY
    O'BRIEN:`, `The Prime Minister:` after `The Prime Minister (Boris Johnson):`. Decided at a label's first use:
    a surname used before anyone of that name was given in full (`ABBOTT:` before `MARGIE ABBOTT:`) is someone
    else; a title before the surname needs the full name's office too (`ROBERT KENNEDY:` is no evidence that `MRS.
    KENNEDY:` is him); and the byline's person is `resolve`'s to judge."""

    default: Turn | None
    people: list[Turn] = field(default_factory=list)
    decided: dict[str, Turn | None] = field(default_factory=dict)

    def of(self, turn: Turn) -> Turn:
        office = turn.speaker.startswith("The ") and turn.role
        bare = STRIP_HONORIFIC.sub("", turn.speaker)
        full = " " in bare and not office and not OFFICE_WORD.search(turn.speaker)
        if (full or (turn.role and not office)) and turn not in self.people:
            self.people.append(turn)  # `Ms Citizen` with an office, `KERRY O'BRIEN` without
        if full or (" " in bare and not office):
            return turn
        key = turn.speaker.casefold()
        if key not in self.decided:
            if office:
                same = [p for p in self.people if (p.role or "").casefold() == turn.role.casefold()]
                same = [p for p in same if p != self.default]
            else:
                titled = bare != turn.speaker
                same = [p for p in self.people if p.speaker.split()[-1].casefold() == bare.casefold()]
                same = [p for p in same if (p.role or not titled) and bare.casefold() not in VOICES]
            self.decided[key] = same[0] if len(same) == 1 else None
        return self.decided[key] or turn


# Who a label may name by a word a person's name ends in (`FEMALE JOURNALIST:` is no evidence about `JOURNALIST:`).
VOICES = frozenset((
    "journalist", "reporter", "questioner", "audience", "crowd", "voice", "operator", "caller", "participant",
    "speaker", "member", "members", "interpreter", "moderator", "host", "answer",
))  # fmt: skip


def labelled_surnames(counts: Counter) -> set[str]:
    """The last word of every label the document uses, as a name is printed (`MR. CARTER` → `Carter`); a label
    seen once without a title (`T. R. HOLT:`, a scan's `MR. HOLT:`) has not shown itself to be one."""
    used = (label for label, n in counts.items() if n > 1 or CAPS_HONORIFIC.match(label))
    return {label_person(name_case(label))[0].split()[-1] for label in used}


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
    names = FullNames(default)
    # A heading that says a label (`PRIME MINISTER` atop a page of `PRIME MINISTER:` turns) is letterhead.
    said = {label.casefold() for label, n in caps_seen.items() if n >= LABEL_REPEATS} if language != "zh" else ()
    # Speakers labelled by their initials (`PM:` Peter Mares beside `CC:`): `PM` is then no Prime Minister.
    initials = sum(n >= LABEL_REPEATS and INITIALS.fullmatch(label) is not None for label, n in caps_seen.items())
    for para in paras:
        text = para.text
        if para.heading and text.casefold() in said:
            continue
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
                if initials >= STYLE_LABELS and _label_of(unbold(text), rest) == "PM":
                    turn = Turn("PM")
                turn = _keep_office(by_surname(resolve(turn, default, labelled), named), roles)
                turn = names.of(turn)
                if turn.speaker.casefold() in FOLLOW_UP_LABELS and len(sections) > 1:
                    turn = _asked_last(sections) or turn
                current = sections[-1]
                if not (current.turn == turn and not current.paras):
                    sections.append(Section(turn, label=_label_of(unbold(text), rest)))
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
