"""Chinese speaker labels, one home for their shapes: a speech's header `ROLE+NAME: SPEECH TITLE`, a byline
`市长 赵立新`, and the dialogue labels of press conferences and interviews (`记者：`, `华春莹：`, `问：`).
`speakers` decides which of them open turns in a document.
"""

from __future__ import annotations

import re
from collections import Counter

from ..script import simplified
from ..textrules import HAN, SENTENCE_END, is_chinese_char
from .metadata import normalise_date
from .model import Turn

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
ZH_LABEL_CHARS = 16  # characters of a Chinese turn label before its colon
# What `label_counts` reads of a line: the longest label, its colon and the first character of its text.
ZH_LABEL_PREFIX = 2 * ZH_LABEL_CHARS + 3
ZH_TURN_LABEL = re.compile(
    f"""^(?P<who>(?:[{HAN}A-Za-z0-9·]{{1,{ZH_LABEL_CHARS}}}、)?  # a first office and its 、: 新闻局副局长、
        [{HAN}A-Za-z0-9·]{{1,{ZH_LABEL_CHARS}}})             # Chinese, Latin letters or digits: 总台CGTN记者, 华春莹
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
GREETED = ("先生", "女士", "们")  # … and so does `主席先生：`, `同志们：`
HEADER_RE = re.compile(f"^(?P<who>[^:：。！？\\n]{{2,{MAX_HEADER_PREFIX}}})\\s*[:：]\\s*(?P<title>.+)$")
# Chinese interviews and press conferences: 问：… / 答：… (traditional 問 too); 答 is the document's speaker.
ZH_QA_LABEL = re.compile(r"^(?P<person>问|問|答)\s*[:：]\s*(?P<text>\S.*)$", re.S)


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
    if not m or not label_who(m):
        return None
    who, rest = m.group("who"), text[m.end() :].strip()
    follow = next((f for f in FOLLOW_UPS if who.endswith(f) and len(who) > len(f)), None)
    if follow:
        return asking or Turn(who.removesuffix(follow)), rest
    if asked := ASKED.match(who):
        return Turn(asked.group("who")), rest
    if default and who == default.speaker:
        return default, rest
    cut = role_end(who)
    if cut <= 0:
        recurring = known is not None and known[who] >= LABEL_REPEATS
        return (Turn(who), rest) if recurring and NAME_SHAPE.fullmatch(who) else None
    name, role = who[cut:], who[:cut]
    if name and len(name) <= MAX_NAME and NAME_SHAPE.fullmatch(name):
        return (default if default and name == default.speaker else Turn(name, role)), rest
    if default and role in f"{default.role or ''}{default.speaker}":
        return default, rest
    return Turn(who), rest


def label_who(m: re.Match) -> str | None:
    """Who a `ZH_TURN_LABEL` match names, or None for a greeting (`各位代表：`, `主席先生、各位同事：`) or a phrase
    listed with 、 (`关于代表建议、委员提案：`): two offices are listed only when the first ends in a role word."""
    who = m.group("who")
    parts = who.split("、")
    if any(part.startswith(SALUTATIONS) or part.endswith(GREETED) for part in parts):
        return None
    if len(parts) > 1 and not parts[0].endswith(TURN_ROLE_WORDS):
        return None
    return who


def role_end(who: str) -> int:
    """Where the office ends in a Chinese label (`国家发展改革委主任郑栅洁` → before 郑栅洁); -1 when it names none."""
    return max((who.rfind(w) + len(w) for w in TURN_ROLE_WORDS if w in who), default=-1)


MAX_BYLINE = 80  # characters: a byline is a short line of the title block


def byline(text: str) -> tuple[str, str | None] | None:
    """`国务院总理　李克强`, `国务院总理　李 强`, `习 近 平` alone on a line → (name, role)."""
    tokens = text.split()
    if not tokens or len(text) > MAX_BYLINE:
        return None
    singles = next((k for k in range(len(tokens), 0, -1) if all(len(t) == 1 for t in tokens[-k:])), 0)
    if singles >= 2:  # a short name printed with spaces between its characters
        name, role = "".join(tokens[-singles:]), " ".join(tokens[:-singles]) or None
    elif len(tokens) == 2:
        role, name = tokens
    else:
        turn = parse_byline(text)
        return (turn.speaker, turn.role or None) if turn and turn.role else None
    if not NAME_SHAPE.fullmatch(name) or (role is not None and not any(w in simplified(role) for w in TURN_ROLE_WORDS)):
        return None
    return name, role


# A title saying who gave the speech where: `习近平在庆祝中国共产党成立100周年大会上的讲话`, `李强总理在2024年夏季达沃斯
# 论坛开幕式上的致辞`, `国务院总理李强在…上的致辞`.
SPEECH_BY_TITLE = re.compile(
    rf"""^(?P<who>[{HAN}·]{{2,16}}?)(?:同志)?  # who, perhaps with their office: 习近平, 李强总理, 国务院总理李强
        (?:在|于).*?                          # where: 在…大会上, 在…开幕式上
        的(?:重要|主旨|书面)?(?:讲话|致辞|演讲|发言|讲演|贺词|报告)  # what was given: a speech, an address, a report
        (?:[（(]全文[）)])?$                   # perhaps `（全文）`""",
    re.X,
)
# Who is a country, a side, a body or everyone, not a person: 中国, 中方, 美国代表团, 国务院, 各位(代表).
NOT_PERSON = re.compile(
    rf"^[{HAN}]?[国方]$|代表团|政府|委员会|国务院|人民|大会|会议|部$|委$|院$|党$|^(?:各位|大家|我们|全体|与会|有关)"
)


def speech_by_title(title: str) -> Turn | None:
    """The person a Chinese title says gave the speech, with their office (`李强总理` → 李强, 总理)."""
    m = SPEECH_BY_TITLE.match(simplified(title.strip()))
    if not m:
        return None
    who = m.group("who")
    end = role_end(who)
    if end == len(who):  # the office after the name: 李强总理
        start = max(who.rfind(w) for w in TURN_ROLE_WORDS if who.endswith(w))
        name, role = who[:start], who[start:]
    else:  # the office first (国务院总理李强), or none (习近平)
        name, role = who[max(end, 0) :], who[:end] if end > 0 else None
    if (
        not (2 <= len(name) <= MAX_NAME)
        or not NAME_SHAPE.fullmatch(name)
        or NOT_PERSON.search(who if not role else name)
    ):
        return None
    return Turn(name, role)
