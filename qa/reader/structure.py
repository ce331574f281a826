"""The top and the tail of one document, read from evidence in it: who gave the speech, when and at what event,
its real title; and the notes at its end that are not speech.

At the top, under the title, short lines are the title block: a byline (`国务院总理　李克强`, `李 强`, `习 近 平`), a
printed date (`（2022年10月16日）`, `——2017年3月5日在…会议上`, `3 October 1994`) whose rest is the event, a second
title line. A title that names its host (`外交部发言人华春莹主持例行记者会`) names the speech's speaker; a time
stamp glued to a title (`…记者会2020-09-03 18:58`) is split off. At the end, a licence note, `↑` footnotes and a
`References`/`Notes` part are dropped. Metadata the user gave (front matter, sidecars) always wins.
"""

from __future__ import annotations

import re
from typing import Protocol

from ..script import simplified
from ..textrules import HAN, ends_sentence, visible
from . import english_top, metadata, speech_speaker, tail
from .labels_en import PARTS
from .labels_zh import NAME_SHAPE, TURN_ROLE_WORDS, byline
from .layout import DEBRIS, Para

MAX_FRONT_LINE = 80  # characters: a title-block line is short
FRONT_LINES = 6  # title-block lines read after the title
MAX_EVENT = 60
# A time stamp a web page glued to its title: `2020-09-03 18:58`, `2020年09月03日 18:58`, `2020/9/3`.
GLUED_STAMP = re.compile(
    r"""(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?   # the date
        (?:\s*\d{1,2}:\d{2}(?::\d{2})?)?                                          # and a clock time
        \s*$""",
    re.X,
)
# A title naming who hosts or gives the speech: `外交部发言人华春莹主持例行记者会`, `国务院总理李强答记者问`.
HOSTED = re.compile(
    f"""(?P<role>[{HAN}]{{0,12}}(?:{"|".join(TURN_ROLE_WORDS)}))   # the office, ending in a role word
        (?P<name>[{HAN}·]{{2,4}}?)                                  # the name
        (?:主持|出席|答记者问|接受|会见|在|发表)                      # what they do there""",
    re.X,
)
# A report's lead naming who hosts the press conference it records: `2020年4月15日，外交部发言人赵立坚主持例行记者会`,
# `中国外交部发言人汪文斌28日主持例行记者会`.
HOSTS_BRIEFING = re.compile(
    rf"""(?P<role>[{HAN}]{{0,12}}(?:{"|".join(TURN_ROLE_WORDS)}))   # the office, ending in a role word
        (?P<name>[{HAN}·]{{2,4}}?)                                  # the name
        (?:[\d０-９]{{1,2}}日)?                                      # the day, when the lead gave the month before
        (?:主持|举行)[{HAN}]{{0,8}}?(?:记者会|发布会|吹风会)             # hosts the (regular) press conference""",
    re.X,
)
# A news agency's dateline printed above a report (`新华社北京3月16日电`): where and when it was filed, not a title.
DATELINE = re.compile(rf"^[{HAN}]{{2,12}}?(?:[\d０-９]{{4}}年)?[\d０-９]{{1,2}}月[\d０-９]{{1,2}}日电$")
# A photo caption ends with its photographer's credit (`新华社记者 庞兴雷 摄`): a picture's, not speech.
CAPTION = re.compile(f"记者\\s*(?:[{HAN}·]{{2,4}}\\s*)+摄\\s*$")
# A title whose characters are spaced out for display: `政 府 工 作 报 告`.
SPACED_TITLE = re.compile(f"(?:[{HAN}] ){{2,}}[{HAN}]")
# The dated rest of a title line that also carries the byline: `…在第十二届全国人大第五次会议上国务院总理　李克强`.
MEETING_THEN_BYLINE = re.compile(
    r"""^(?P<dated> .+?
          (?: 会议 | 大会 | 会 ) 上   # the meeting it was given at: 会议上 (a session), 大会上 (a congress), 会上
        )
        (?P<byline> [^上]{2,24} )$   # the office and name after it""",
    re.X,
)
MAX_GLUED_TITLE = 120  # characters: a title line that carries its date, event and byline
# What a dated line says besides the date: `——2017年3月5日在第十二届全国人民代表大会第五次会议上` → the meeting.
EVENT_WORDS = re.compile(
    r"""
    ^ [\s，,、—–-]*           # the dash or comma between the date and the event
    (?: 在 | 于 )?            # "at" (either word)
    (?P<event> .+?)           # the event
    (?: 上的 (?: 报告 | 讲话 | 发言 )   # "'s report / speech / address at"
      | 上                    # "at"
      | 的讲话 | 讲话          # "speech"
    )?
    [\s）)]* $               # a closing bracket
    """,
    re.X,
)
# A news post's headline in lenticular brackets before its first sentence (a Weibo or WeChat post):
# `【国常会：部署推动经济持续回升】3月5日，国务院总理…` → the title, then the text.
BRACKET_HEADLINE = re.compile(
    r"""^\s*【(?P<title> [^【】\n]{4,60} )】   # the headline
        \s*(?P<rest> .*)$                 # the post itself""",
    re.X | re.S,
)
# An English byline standing where a title would: a copy's first line `President: John F. Kennedy`.
EN_BYLINE = re.compile(
    rf"""^(?P<role>(?:Vice\s+|Prime\s+)?(?:{PARTS["ROLES"]}))  # the office: President, Prime Minister, Senator
        \s*:\s*                                              # a colon
        (?P<name>[A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*){{1,5}})$  # a full name of two to six words""",
    re.X,
)
EVENT_EDGES = " \u3000（）()—–-,，、"  # brackets, dashes and commas around a dated line's event
DATE_LINE_EXTRA = 30  # characters besides the date a dated line may carry (its event)
SUBTITLE_MARKS = ("——", "—", "--")


class Document(Protocol):
    """What the structure step reads and sets on a document being read (the pipeline's draft)."""

    name: str
    meta: dict[str, str]
    language: str
    paras: list[Para]
    title_line: str | None  # the first line, when it was taken as the title
    notes: list[str]


def infer(d: Document) -> None:
    """Title, speaker, role, date and event from the document's own lines; its tail notes dropped. `d.notes`
    says what was found, for `qa build --explain`."""
    _captions(d)
    _title(d)
    _page_fields(d)
    _front(d)
    if d.language != "zh" and d.meta.get("title"):  # a day printed under the title is the better evidence
        _set_date(d, english_top.title_day(d.meta["title"]), "the end of the title")
    _subtitle_event(d)
    said = speech_speaker.title_speaker(d.meta.get("title"), _text(d), d.language)
    if said:
        _set_speaker(d, said.speaker, said.role, "the title")
    _briefing_host(d)
    _tail(d)


def _text(d: Document, skip: int = 0) -> str:
    """The document's text after its first `skip` lines: what it says besides a line being judged."""
    return "\n".join(p.text for p in d.paras[skip:])


def _briefing_host(d: Document) -> None:
    """A press conference's host named in the lead above its first turn (the event line, a report's opening
    sentence) is the speaker of what its answers say, as a title naming them is."""
    if d.meta.get("speaker"):
        return
    if d.language != "zh":
        host = english_top.host_in_title(d.meta.get("title") or "")
        host = host or english_top.host_in_lead([p.text for p in d.paras[:FRONT_LINES]])
        head = None if host else english_top.letterhead([p.text for p in d.paras[:FRONT_LINES]], d.title_line)
        if head and head[2] >= 0 and (d.paras[head[2]].text.isupper() or len(d.paras[head[2]].text) <= MAX_FRONT_LINE):
            d.notes.append(f"letterhead {d.paras.pop(head[2]).text!r} dropped")
        if host or head:
            _set_speaker(d, *(host or head[:2]), "the lead" if host else "the letterhead")
        return
    host = briefing_host([d.meta.get("event") or "", d.meta.get("subtitle") or "", *(p.text for p in d.paras)])
    if host:
        _set_speaker(d, *host, "the lead")


def briefing_host(lines: list[str]) -> tuple[str, str] | None:
    """(name, office) of the host a press conference's lead names among its first lines."""
    for text in lines[:FRONT_LINES]:
        host = HOSTS_BRIEFING.search(metadata.CHINESE_DATE.sub(" ", simplified(text)))
        if host and NAME_SHAPE.fullmatch(host.group("name")):
            return host.group("name"), host.group("role")
    return None


def _stamped(stamp: re.Match) -> str | None:
    """The date a `GLUED_STAMP` match gives."""
    return metadata.ymd(stamp.group("y"), stamp.group("m"), stamp.group("d"))


def _better_date(found: str | None, current: str | None) -> bool:
    """A printed full date improves on none, or on a year or month it agrees with."""
    return bool(found) and (not current or (len(found) > len(current) and found.startswith(current)))


def _set_date(d: Document, date: str | None, where: str) -> None:
    if _better_date(date, d.meta.get("date")):
        d.meta["date"] = date
        d.notes.append(f"date {date} from {where}")


def _set_speaker(d: Document, speaker: str, role: str | None, where: str) -> None:
    if d.meta.get("speaker"):
        return
    d.meta["speaker"] = speaker
    if role:
        d.meta["role"] = role
    d.notes.append(f"speaker {speaker}" + (f" ({role})" if role else "") + f" from {where}")


def _title(d: Document) -> None:
    _skip_dateline(d)
    title = d.meta.get("title")
    if title is None:
        return
    clean = " ".join(visible(title).split())
    if d.language == "zh":
        clean = SPACED_TITLE.sub(lambda m: m.group().replace(" ", ""), clean)
    stamp = GLUED_STAMP.search(clean)
    if stamp and stamp.start() > 0 and not clean[: stamp.start()].rstrip().endswith(("（", "(")):
        _set_date(d, _stamped(stamp), "the time stamp after the title")
        d.notes.append(f"time stamp {stamp.group().strip()!r} split off the title")
        clean = clean[: stamp.start()].strip()
    if clean != title:
        if clean:
            d.meta["title"] = clean
        else:
            del d.meta["title"]  # an invisible title: the file's name stands in
            d.notes.append("the title was invisible characters only")
    if not clean:
        return
    by = EN_BYLINE.match(clean) if d.language != "zh" and title == d.title_line else None
    by = (by.group("name"), by.group("role")) if by else None
    by = by or (english_top.front_byline(clean) if d.language != "zh" and title == d.title_line else None)
    if by:
        _set_speaker(d, *by, f"the byline {clean!r}")
        del d.meta["title"]  # no title was printed: the file's name stands in
        d.title_line = None
        return
    above = d.paras and title == d.title_line and d.language != "zh"
    name = speech_speaker.name_by_title(clean, d.paras[0].text.strip(), _text(d, 1)) if above else None
    if name:
        _set_speaker(d, name, None, f"the name {clean!r} above the title")
        d.meta["title"] = d.title_line = d.paras.pop(0).text.strip()
        return
    if d.language == "zh" and title == d.title_line:
        clean = _split_glued_block(d, clean)
        d.meta["title"] = clean
    plain = simplified(clean)
    m = metadata.CHINESE_DATE.search(plain)
    if m:
        _set_date(d, metadata.ymd(*m.groups()), "the title")
    # `2021年3月22日外交部发言人…`: the date's 日 is not part of the office
    undated = metadata.CHINESE_DATE.sub(" ", plain)
    host = HOSTED.search(undated)
    if host and NAME_SHAPE.fullmatch(host.group("name")):
        _set_speaker(d, host.group("name"), host.group("role"), "the title")


def _captions(d: Document) -> None:
    """Photo captions are not speech, and a caption taken for the title is no title."""
    if d.language != "zh":
        return
    kept = [p for p in d.paras if not CAPTION.search(p.text)]
    if len(kept) < len(d.paras):
        d.notes.append(f"photo captions dropped: {len(d.paras) - len(kept)}")
        d.paras = kept
    title = d.meta.get("title")
    if title and title == d.title_line and CAPTION.search(title):
        d.notes.append("a photo caption is not the title")
        _title_from_next_line(d)


def _skip_dateline(d: Document) -> None:
    """A dateline taken for the title gives way to the line under it (a report's own title line)."""
    while True:
        title = d.meta.get("title")
        if d.language != "zh" or not title or title != d.title_line:
            return
        if not DATELINE.match("".join(visible(title).split())):
            return
        d.notes.append(f"the dateline {title.strip()!r} is not the title")
        _title_from_next_line(d)


def _title_from_next_line(d: Document) -> None:
    below = d.paras[0].text.strip() if d.paras else ""
    if below and len(below) <= MAX_GLUED_TITLE and not ends_sentence(below) and not d.paras[0].heading:
        d.meta["title"] = d.title_line = d.paras.pop(0).text
    else:
        del d.meta["title"]
        d.title_line = None


def _without_byline(d: Document, dated: str) -> str:
    """A dated line that ends in the byline (`…会议上国务院总理　李克强`) sets the speaker and loses it."""
    glued = MEETING_THEN_BYLINE.match(dated)
    who = byline(glued.group("byline").strip()) if glued else None
    if not who:
        return dated
    _set_speaker(d, who[0], who[1], f"the byline {glued.group('byline').strip()!r} at the end of {dated!r}")
    return glued.group("dated")


def _split_glued_block(d: Document, title: str) -> str:
    """`政府工作报告——2017年3月5日在…会议上国务院总理　李克强` → the title `政府工作报告`; the dated rest becomes the
    subtitle (date and event) and a byline at its end the speaker."""
    cut = title.find(SUBTITLE_MARKS[0], 1)
    if cut <= 0 or not metadata.printed_date(title[cut:]):
        return title
    head, rest = title[:cut].strip(), _without_byline(d, title[cut:].strip())
    if not d.meta.get("subtitle"):
        d.meta["subtitle"] = rest
    d.notes.append(f"the subtitle {rest!r} split off the title")
    return head


def running_head_date(d: Document, heads: list[str]) -> None:
    """A running head removed as furniture that prints a day (`Forty-ninth session 3 October 1994` on every page
    of a UN record) dates the document, when it agrees with what is known (a catalogue's year)."""
    for head in heads:
        found = metadata.printed_date(head)
        if found and found[1] and _better_date(found[1], d.meta.get("date")):
            _set_date(d, found[1], f"the running head {head!r}")
            return


def dated_line(text: str) -> tuple[str, str | None] | None:
    """A line that prints a date (and perhaps its event): `（2022年10月16日）`, `——2017年3月5日在…会议上`,
    `3 October 1994` → the date and the event."""
    found = metadata.printed_date(text)
    if not found:
        return None
    m, date = found
    if not date or len(text) - len(m.group()) > DATE_LINE_EXTRA + MAX_EVENT:
        return None
    return date, event_of(metadata.WEEKDAY.sub("", text[: m.start()] + text[m.end() :], count=1))


def event_of(rest: str) -> str | None:
    """`在第十二届全国人民代表大会第五次会议上` → `第十二届全国人民代表大会第五次会议`."""
    rest = rest.strip(EVENT_EDGES)
    m = EVENT_WORDS.match(rest)
    event = m.group("event").strip(" ，,") if m and rest else ""
    return event if 2 <= len(event) <= MAX_EVENT and not ends_sentence(event) else None


def bracket_headline(text: str) -> tuple[str, str] | None:
    """`【标题】正文…` → (headline, text after it)."""
    m = BRACKET_HEADLINE.match(text)
    return (m.group("title").strip(), m.group("rest")) if m else None


def title_block_line(line: str) -> bool:
    """Is this one of a title block's own lines: a subtitle (`——…`), a dated line, a byline?"""
    line = line.strip()
    if len(line) > MAX_FRONT_LINE or ":" in line or "：" in line:
        return False
    if line.startswith(SUBTITLE_MARKS) or dated_line(line) is not None or byline(line) is not None:
        return True
    return english_top.cover_shaped(line) or english_top.FRONT_BYLINE.match(line) is not None


def _front(d: Document) -> None:
    """The title block under the title: bylines, dated lines, a title's second line."""
    looked, placed = 0, -1  # placed: the line that gave the place
    heading = False  # a line of the page's heading came
    # What the cover line above gave (`english_top.cover_line`; the title may be one: `Statement by H.E. …`).
    titled = english_top.cover_line(d.meta.get("title") or "", None) if d.language != "zh" else None
    after = titled[0] if titled else None
    if titled and titled[0] == "speaker":
        _set_speaker(d, titled[1], None, "the title")
    while d.paras and looked < FRONT_LINES:
        text = d.paras[0].text.strip()
        stamp = GLUED_STAMP.match(text)  # a web page's time stamp on a line of its own: `2023-06-21 19:42`
        if stamp:
            _set_date(d, _stamped(stamp), f"the time stamp {text!r}")
            d.notes.append(f"time stamp {text!r} under the title dropped")
            d.paras.pop(0)
            looked += 1
            continue
        # `H.E. Mr. Micheál Martin T.D.` and `Washington, D.C.` end on a full stop and are still no sentence.
        before_day = len(d.paras) > 1 and dated_line(d.paras[1].text.strip()) is not None
        cover = english_top.cover_line(text, after, before_day) if d.language != "zh" else None
        if cover:
            _cover(d, *cover, text)
            after = cover[0]
            d.paras.pop(0)
            looked += 1
            continue
        after = None
        if d.language != "zh" and english_top.heading_line(text, d.meta.get("title"), heading):
            d.notes.append(f"{text!r} under the title is the page's heading")
            d.paras.pop(0)
            heading = True  # its next lines may be as short as `BY`; they are the title, not the block under it
            continue
        place = d.language != "zh" and english_top.is_place(text)
        if not place and (len(text) > MAX_FRONT_LINE or ends_sentence(text) or ":" in text or "：" in text):
            return  # a sentence, a greeting (`各位代表：`) or a speaker's header: the speech has begun
        looked += 1
        by = english_top.front_byline(text) if d.language != "zh" else None
        # A name under the title stands right above the day, or shows an initial: a heading (`Estate Duty`) does not.
        named = d.language != "zh" and not place and not d.meta.get("speaker") and d.meta.get("title")
        named = named and (before_day or re.search(r"\s[A-Z]\.\s", text))
        name = speech_speaker.name_by_title(text, d.meta["title"], _text(d, 1)) if named else None
        by = by or ((name, None) if name else None)
        if by:
            _set_speaker(d, *by, f"the byline {text!r}")
            d.paras.pop(0)
            continue
        text = _without_byline(d, text) if d.language == "zh" else text
        who = byline(text) if d.language == "zh" else None
        if who:
            _set_speaker(d, who[0], who[1], f"the byline {text!r}")
            d.paras.pop(0)
            continue
        dated = dated_line(text)
        if dated:
            _set_date(d, dated[0], f"the dated line {text!r}")
            if d.language != "zh" and dated[1] and english_top.town(dated[1]) and not d.meta.get("place"):
                d.meta["place"] = dated[1]  # `New York, 22 September 2023`
                d.notes.append(f"place {dated[1]!r} from the dated line")
            elif dated[1] and not d.meta.get("event") and not DEBRIS.match(dated[1]):  # `For Immediate Release`
                d.meta["event"] = dated[1]
                d.notes.append(f"event {dated[1]} from the dated line")
            if not d.meta.get("subtitle") and text.startswith(SUBTITLE_MARKS):
                d.meta["subtitle"] = text
            d.paras.pop(0)
            continue
        if text.startswith(SUBTITLE_MARKS) and not d.meta.get("subtitle"):
            d.meta["subtitle"] = text
            d.paras.pop(0)
            continue
        if place and not d.meta.get("place"):
            _set_place(d, text, "a place line")
            placed = looked
            continue
        if placed == looked - 1 and d.language != "zh" and english_top.town_of(text):
            _set_place(d, f"{d.meta['place']}, {text}", "the town under the venue")
            continue
        if d.language != "zh" and english_top.speech_title(text) and _issuer_title(d):
            d.notes.append(f"the title {d.meta['title']!r} names who issued it: {text!r} is the title")
            d.meta["title"] = d.title_line = d.paras.pop(0).text
            continue
        if (
            looked == 1
            and not heading
            and d.title_line
            and d.meta.get("title") == d.title_line
            and _title_goes_on(d.paras)
        ):
            d.meta["title"] = d.title_line = f"{d.title_line} {text}"
            d.notes.append("a second title line joined to the title")
            d.paras.pop(0)
            continue
        # Title, room, day (`James S. Brady Press Briefing Room` above `May 2, 2023`): the room is the place, and
        # the day under it still dates the speech.
        if d.language != "zh" and before_day and english_top.room_above_day(text) and not d.meta.get("place"):
            _set_place(d, text, "the line above the date")
            continue
        return


def _issuer_title(d: Document) -> bool:
    """Is the title the first line of the text, and the name of whoever issued it (`The White House`), not of the
    speech (`Press Briefing by …`)?"""
    title = d.meta.get("title")
    return bool(title) and title == d.title_line and english_top.issuer(title)


def _cover(d: Document, field: str, value: str, line: str) -> None:
    """A statement's cover line (`english_top.cover_line`): its speaker, the office under the name, its event."""
    if field == "speaker":
        _set_speaker(d, value, None, f"the cover line {line!r}")
    elif field in ("role", "event") and not d.meta.get(field):
        d.meta[field] = value
        d.notes.append(f"{field} {value!r} from the cover")


def _set_place(d: Document, line: str, where: str) -> None:
    d.meta["place"] = line
    d.notes.append(f"place {line!r} from {where}")
    d.paras.pop(0)


def _page_fields(d: Document) -> None:
    """A government page's fields under its title (and the summary above them) are no speech."""
    fields = english_top.page_fields([p.text for p in d.paras[:FRONT_LINES]]) if d.language != "zh" else None
    if fields is None:
        return
    _set_date(d, fields.date, "the page's fields")
    if fields.speaker:
        _set_speaker(d, fields.speaker, fields.role, "the page's 'From' field")
    if fields.place and not d.meta.get("place"):
        d.meta["place"] = fields.place
    if fields.summary and not d.meta.get("subtitle"):
        d.meta["subtitle"] = fields.summary
    d.notes.append(f"{len(fields.drop)} page field lines under the title dropped")
    d.paras = [p for i, p in enumerate(d.paras) if i not in fields.drop]


def _title_goes_on(paras: list[Para]) -> bool:
    """A short line right under the title is the title's second line when a subtitle, date or byline follows."""
    if len(paras) < 2 or paras[0].heading:
        return False
    nxt = paras[1].text.strip()
    return title_block_line(nxt)


def _subtitle_event(d: Document) -> None:
    subtitle = d.meta.get("subtitle")
    if not subtitle:
        return
    if d.language == "zh":
        subtitle = d.meta["subtitle"] = _without_byline(d, subtitle)
    dated = dated_line(subtitle)
    if dated:
        _set_date(d, dated[0], "the subtitle")
    event = dated[1] if dated else event_of(subtitle)
    if event and not d.meta.get("event"):
        d.meta["event"] = event
        d.notes.append(f"event {event} from the subtitle")


def _tail(d: Document) -> None:
    d.paras, notes = tail.without_notes(d.paras, d.language)
    d.notes.extend(notes)
