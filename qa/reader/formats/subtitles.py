"""Subtitles (.srt, .vtt): cues merged into whole sentences and paragraphs, each paragraph timed by its cues.

A paragraph ends only where a cue ends a sentence, and then only after a pause or once it has grown long enough;
a new voice (`<v Name>`) always starts one and names its speaker, and so does a cue that opens with a label
(`记者：`, `Mayor:`), which the speaker step then reads.
Captions without punctuation (automatic ones) have no sentence ends, so there every cue end may close one.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from ...textrules import CLOSERS, FULL_STOPS
from ...textrules import WIDE_CHAR as CJK
from ..encoding import decode
from . import Block, Extracted, UnreadableFile

PAUSE_SECONDS = 2.0  # silence after a sentence that starts a new paragraph
PARAGRAPH_CHARS = 600  # a paragraph this long ends at its next sentence end
PARAGRAPH_CUES = 10
HARD_MAX_CHARS = 1500  # past this a paragraph ends at any cue: some captions never end a sentence
PUNCTUATED_SHARE = 0.1  # below this share of cues ending a sentence, the captions are taken as unpunctuated
REASON_CHARS = 120  # parser messages quote the whole unparsed rest of the file

VOICE = re.compile(r"<v(?:\.[\w.-]+)*\s+([^>]+)>")
LABELLED = re.compile(r"^[^\s:：]{1,16}(?:\s[^\s:：]{1,16}){0,3}\s*[:：]\s*\S")  # `记者：…`, `Mayor Lee: …`
TAG = re.compile(r"<[^>]*>|\{\\[^}]*\}")  # HTML-like tags, VTT timestamps, ASS overrides such as {\an8}
SOUND = re.compile(
    r"\[[^\]]*\]|♪[^♪]*(?:♪|$)|[♪♫]+"  # [Applause], sung lyrics between notes
    r"|\((?:(?-i:[A-Z][A-Z ]*[A-Z])|applause|laughter|music|cheering)\)|（(?:掌声|笑声|音乐|欢呼)）",
    re.IGNORECASE,
)
# A trailing "..." means the sentence goes on in the next cue, by subtitle convention.
SENTENCE_END = re.compile(
    rf"""
    (?: (?<!\.) \.        # one full stop; "..." (two stops or more) does not end the sentence
      | [{FULL_STOPS}]    # a full stop, ! or ? of either width
    ) [{re.escape(CLOSERS)}]* $
    """,
    re.X,
)


@dataclass
class Cue:
    start: float
    end: float
    text: str
    voice: str | None = None


def read_srt(raw: bytes, name: str) -> Extracted:
    import srt

    text = _newlines(decode(raw))
    try:
        cues = [Cue(c.start.total_seconds(), c.end.total_seconds(), c.content) for c in srt.parse(text)]
    except srt.SRTParseError as exc:
        raise UnreadableFile(f"malformed SRT: {str(exc)[:REASON_CHARS]}") from exc
    return _extracted(cues)


def read_vtt(raw: bytes, name: str) -> Extracted:
    import webvtt
    from webvtt.errors import MalformedFileError

    try:
        captions = webvtt.from_string(_newlines(decode(raw))).captions
    except MalformedFileError as exc:
        raise UnreadableFile(f"malformed WebVTT: {str(exc)[:REASON_CHARS]}") from exc
    # The library's own seconds are whole numbers; the timestamps keep the milliseconds.
    cues = [
        Cue(c.start_time.in_milliseconds() / 1000, c.end_time.in_milliseconds() / 1000, c.raw_text) for c in captions
    ]
    return _extracted(cues)


def _newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _extracted(cues: list[Cue]) -> Extracted:
    blocks = _paragraphs(_clean(cues))
    if not blocks:
        raise UnreadableFile("no spoken text in the subtitles")
    return Extracted(blocks=blocks)


def _clean(cues: list[Cue]) -> list[Cue]:
    """Markup and sound cues out, and the line a rolling caption repeats from the cue before."""
    out, previous, voice = [], [], None
    for cue in cues:
        if found := VOICE.search(cue.text):
            voice = found.group(1).strip()  # a cue without a voice tag goes on in the last voice heard
        lines = [" ".join(SOUND.sub(" ", html.unescape(TAG.sub("", line))).split()) for line in cue.text.splitlines()]
        lines = [line for line in lines if line]
        # Rolling captions scroll: a cue's first line repeats the last line of the cue before. Only that position
        # counts, so a speaker who says the same words twice keeps both.
        fresh = lines[1:] if lines and previous and lines[0] == previous[-1] else lines
        previous = lines or previous
        if text := _join(fresh):
            out.append(Cue(cue.start, cue.end, text, voice))
    return out


def _paragraphs(cues: list[Cue]) -> list[Block]:
    if not cues:
        return []
    punctuated = sum(bool(SENTENCE_END.search(c.text)) for c in cues) >= PUNCTUATED_SHARE * len(cues)
    groups: list[list[Cue]] = [[]]
    for cue, following in zip(cues, [*cues[1:], None], strict=True):
        group = groups[-1]
        if group and (cue.voice != group[-1].voice or LABELLED.match(cue.text)):
            groups.append(group := [])
        group.append(cue)
        if following is None:
            break
        size = sum(len(c.text) for c in group)
        sentence_end = SENTENCE_END.search(cue.text) or not punctuated
        long_enough = size >= PARAGRAPH_CHARS or len(group) >= PARAGRAPH_CUES
        paused = following.start - cue.end >= PAUSE_SECONDS
        if (sentence_end and (paused or long_enough)) or size >= HARD_MAX_CHARS:
            groups.append([])
    return [
        Block(_join(c.text for c in group), start=group[0].start, end=group[-1].end, speaker=group[0].voice)
        for group in filter(None, groups)
    ]


def _join(pieces) -> str:
    """Chinese runs on with no space; everything else is joined with one."""
    text = ""
    for piece in pieces:
        glue = "" if not text or (CJK.match(text[-1]) and CJK.match(piece[0])) else " "
        text += glue + piece
    return text
