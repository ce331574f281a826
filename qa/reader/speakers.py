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
from .layout import Para
from .metadata import normalise_date

# Job titles that end the role part of a Chinese header; the speaker's name follows the last one.
ROLE_WORDS = (
    "副书记", "书记", "主任", "市长", "区长", "县长", "镇长", "乡长", "省长", "州长", "主席", "局长", "厅长",
    "部长", "院长", "校长", "秘书长", "代表", "委员", "董事长", "总经理", "经理", "负责人",
)  # fmt: skip
MAX_HEADER_PREFIX = 40  # characters before the colon in a header line
MAX_NAME = 4  # Chinese personal names are two to four characters
MAX_TITLE_LINE = 80
BYLINE = re.compile(f"[{HAN}、·]+\\s?[{HAN}·]{{2,4}}")
# The date Chinese speeches print under their header, glued to it or on its own line.
DATE_NOTE = re.compile(r"\s*[（(]\s*(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日\s*[)）]\s*$")
# Dialogue labels of press conferences and interviews: a role word (or 记者/主持人/发言人), an optional name, a colon.
TURN_ROLE_WORDS = (*ROLE_WORDS, "记者", "主持人", "发言人")
ZH_TURN_LABEL = re.compile(f"^(?P<who>[{HAN}·]{{1,16}})\\s*[:：]\\s*(?=\\S)")
SALUTATIONS = ("各位", "尊敬", "亲爱", "同志", "女士", "先生", "朋友")  # `各位代表：` greets, it does not speak
HEADER_RE = re.compile(rf"^(?P<who>[^:：。！？\n]{{2,{MAX_HEADER_PREFIX}}})\s*[:：]\s*(?P<title>.+)$")

HONORIFIC = r"(?:Mr|Mrs|Ms|Miss|Mdm|Madam|Dr|Prof|Professor|Sir|Dame|Rev|Hon|Dato'?|Datuk|Tan Sri)\.?"
NAME = r"[A-Z][\w'’.-]*(?:\s+(?:[A-Z][\w'’.-]*|bin|binte|de|van|von|la|al))*"
ENGLISH_ROLES = (
    r"Minister|President|Speaker|Chairman|Chairwoman|Chair|Mayor|Governor|Secretary|Senator|Premier|Chancellor"
    r"|Member|Leader|Clerk|Commissioner|Councillor|Councilor|Representative|Treasurer|Deputy|Ambassador|Judge"
)
PERSON = rf"{HONORIFIC}\s+{NAME}"
ROLE = rf"(?:The\s+)?[A-Z][^():\n]{{1,160}}?\b(?:{ENGLISH_ROLES})\b[^():\n]{{0,120}}?"
LABELS = (
    re.compile(rf"^(?P<role>{ROLE})\s*\((?P<person>{PERSON})\)\s*(?::\s*(?P<text>.*))?$", re.S),
    re.compile(rf"^(?P<person>{PERSON})\s*\((?P<role>[^()\n]{{3,160}})\)\s*(?::\s*(?P<text>.*))?$", re.S),
    re.compile(rf"^(?P<person>{PERSON}|The\s+(?:{ENGLISH_ROLES}))\s*:\s*(?P<text>.*)$", re.S),
    re.compile(rf"^(?P<role>(?:Deputy\s+|Vice\s+)?(?:{ENGLISH_ROLES}))\s+(?P<person>{NAME})\s*:\s*(?P<text>.*)$", re.S),
    re.compile(rf"^(?P<person>{PERSON})(?P<text>)$"),  # a name alone on its line, the turn's text follows
)
CAPS_LABEL = re.compile(r"^(?P<person>(?:[A-Z][A-Z.'’-]*\s+){0,3}[A-Z][A-Z.'’-]+)\s*:\s+(?P<text>\S.*)$", re.S)
CAPS_HONORIFIC = re.compile(rf"^(?:MR|MRS|MS|MISS|DR|PROF|THE|{ENGLISH_ROLES.upper()})\b\.?")
QA_LABEL = re.compile(r"^(?P<person>[QA])\s*[:：]\s*(?P<text>\S.*)$", re.S)
STRIP_HONORIFIC = re.compile(rf"^{HONORIFIC}\s+")
MAX_LABEL = 200  # characters: a longer line is a sentence, not a speaker label
QUESTIONER = "Questioner"
# Chinese interviews and press conferences: 问：… / 答：… (traditional 問 too); 答 is the document's speaker.
ZH_QA_LABEL = re.compile(r"^(?P<person>问|問|答)\s*[:：]\s*(?P<text>\S.*)$", re.S)
ZH_QUESTIONER = "提问者"
PRESIDING = frozenset({"Speaker", "Deputy Speaker", "Chairman", "Chair", "President"})
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


def zh_turn(text: str, default: Turn | None) -> tuple[Turn, str] | None:
    """`记者：请问…`, `市长：我们将…`, `王市长：…`, `市长王立新：…` at the start of a paragraph → the turn and its text.
    A bare role the document's own speaker holds (`市长：` in 刘市长's press conference) is that speaker."""
    m = ZH_TURN_LABEL.match(simplified(text[: MAX_HEADER_PREFIX + 2]))
    if not m or m.group("who").startswith(SALUTATIONS):
        return None
    who = m.group("who")
    cut = max((who.rfind(w) + len(w) for w in TURN_ROLE_WORDS if w in who), default=-1)
    if cut <= 0:
        return None
    rest = text[m.end() :].strip()
    name, role = who[cut:], who[:cut]
    if name and len(name) <= MAX_NAME:
        return Turn(name, role), rest
    if default and role in f"{default.role or ''}{default.speaker}":
        return default, rest
    return Turn(who), rest


def voice_turn(voice: str) -> Turn:
    """A speaker the format names (`<v Mayor Ana Ruiz>`): read like a label, so the role is split off."""
    found = english_label(f"{voice}: -", None, Counter()) or zh_turn(f"{voice}：-", None)
    return found[0] if found else Turn(voice)


def _person(label: str) -> tuple[str, str | None]:
    """`Mr Lawrence Wong` → ("Lawrence Wong", None); `Mr Speaker` → ("Mr Speaker", "Speaker")."""
    label = " ".join(label.split())
    bare = STRIP_HONORIFIC.sub("", label)
    if re.fullmatch(rf"(?:Deputy\s+)?(?:{ENGLISH_ROLES})", bare) or label.lower().startswith("the "):
        return label, bare.removeprefix("The ").removeprefix("the ")
    return (bare if " " in bare else label), None  # "Mr. Smith" keeps its title; a surname alone says little


def english_label(text: str, default_speaker: str | None, caps_seen: Counter) -> tuple[Turn, str] | None:
    """A speaker label at the start of a paragraph → the turn and the text after the label (may be empty)."""
    head = text[:MAX_LABEL]
    for pattern in LABELS:
        m = pattern.match(text) if len(text) <= MAX_LABEL or ":" in head else None
        if not m or (m.group("text") is None and ends_sentence(text)):
            continue
        speaker, implied_role = _person(m.group("person"))
        role = m.groupdict().get("role")
        role = " ".join(role.split()).removeprefix("The ") if role else implied_role
        return Turn(speaker, role), (m.group("text") or "").strip()
    m = CAPS_LABEL.match(text)
    if m and (CAPS_HONORIFIC.match(m.group("person")) or caps_seen[m.group("person")] > 1):
        speaker, role = _person(m.group("person").title())
        return Turn(speaker, role), m.group("text").strip()
    m = QA_LABEL.match(text)
    if m:
        turn = Turn(QUESTIONER) if m.group("person") == "Q" else Turn(default_speaker or "Answer")
        return turn, m.group("text").strip()
    return None


def _caps_labels(paras: list[Para]) -> Counter:
    return Counter(m.group("person") for p in paras if (m := CAPS_LABEL.match(p.text)))


def split_turns(paras: list[Para], language: str, default: Turn | None) -> list[Section]:
    """Sections in order: what comes before the first turn (speaker `default`), then one per turn."""
    sections = [Section(default)]
    caps_seen = _caps_labels(paras) if language != "zh" else Counter()
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
                sections.append(Section(turn, [replace(para, text=qa.group("text").strip())]))
                continue
            spoken = zh_turn(text, default)
            if spoken:
                turn, rest = spoken
                sections.append(Section(turn, [replace(para, text=rest)]))
                continue
        else:
            found = english_label(text, default.speaker if default else None, caps_seen)
            if found:
                turn, rest = found
                if turn.role:
                    roles.setdefault(turn.speaker, turn.role)
                else:
                    turn = replace(turn, role=roles.get(turn.speaker))
                current = sections[-1]
                if not (current.turn == turn and not current.paras):
                    sections.append(Section(turn))
                if rest:
                    sections[-1].paras.append(replace(para, text=rest))
                else:
                    label_only = True
                continue
        if text:
            sections[-1].paras.append(para)
    # A label immediately repeated by the next turn (Hansard prints both) leaves an empty section behind.
    return [s for i, s in enumerate(sections) if s.paras or i == 0]
