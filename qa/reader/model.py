"""What the reader produces: passages (the unit that is embedded, indexed and returned), documents, the corpus."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field, replace

# Keys a document's metadata may carry, from front matter, sidecars, metadata.csv or the file itself.
META_KEYS = ("speaker", "role", "date", "title", "subtitle", "event", "place", "url", "language")


def passage_id(document: str, speech: int, paragraph: int, part: int | None = None) -> str:
    key = f"{document}\x1f{speech}\x1f{paragraph}" + (f"\x1f{part}" if part else "")
    return hashlib.sha1(key.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Turn:
    """Who speaks a turn (and, for a Chinese speech's header, its title and the date under it)."""

    speaker: str
    role: str | None = None
    title: str | None = None  # the speech title of a Chinese header
    date: str | None = None  # the date printed under it, `（2023年4月18日）`


@dataclass(frozen=True, slots=True)  # slots: a million passages in a server without a dict each
class Passage:
    id: str
    text: str  # original characters, for display
    document: str  # file name inside the corpus folder
    title: str  # document title
    speech: int  # 0 for what precedes the first speaker turn, then 1.. for each turn
    paragraph: int  # 1-based within its speech; within its document in a conversation (`numbered_through`)
    subtitle: str | None = None
    date: str | None = None
    speaker: str | None = None
    role: str | None = None
    speech_title: str | None = None
    part: int | None = None  # 1.. when a paragraph too long for the model was split, else None
    last_paragraph: int | None = None  # the passage runs from `paragraph` to this one (short paragraphs grouped)
    event: str | None = None
    place: str | None = None
    url: str | None = None
    language: str | None = None  # "zh" or "en" (or what the metadata says)
    start: float | None = None  # seconds into timed media (subtitles)
    end: float | None = None
    section: str | None = None  # the heading path the passage sits under (`一、2016年工作回顾 / （三）…`)
    heading: str | None = None  # the heading printed right above it (only the first passage under a heading)
    question: str | None = None  # an answer's question (the turn before it), indexed with it but not shown

    @property
    def context(self) -> str:
        """Who said it, in which speech, under which heading, answering what: indexed with the text so questions
        naming them find it. A heading is indexed with the passage it was printed above, as it always was: on
        every passage of its section it would outrank the one the heading introduces."""
        if self.speaker and self.language == "zh":
            who = f"{self.role or ''}{self.speaker}：{self.speech_title or ''}"
        elif self.speaker:
            who = f"{', '.join(filter(None, (self.speaker, self.role)))}: {self.speech_title or self.title}"
        else:
            who = " ".join(filter(None, (self.title, self.subtitle)))
        return "\n".join(filter(None, (who, self.heading, self.question)))

    @property
    def indexed_text(self) -> str:
        return f"{self.context}\n{self.text}"

    def source(self) -> dict:
        return {
            "document": self.document,
            "title": self.title,
            "date": self.date,
            "speaker": self.speaker,
            "role": self.role,
            "speech_title": self.speech_title,
            "section": self.section,
            "paragraph": self.paragraph,
            "last_paragraph": self.last_paragraph,
            "part": self.part,
            "event": self.event,
            "place": self.place,
            "url": self.url,
            "start": self.start,
            "end": self.end,
            "language": self.language,
        }

    def to_dict(self) -> dict:
        return asdict(self)


def conversations(passages) -> set[str]:
    """The documents where someone speaks more than once (a press conference, a debate, a hearing): their turns
    are parts of one exchange, not speeches of their own."""
    first_of: dict[tuple[str, int], str] = {}
    for p in passages:
        first_of.setdefault((p.document, p.speech), p.speaker or "")
    seen: set[tuple[str, str]] = set()
    found: set[str] = set()
    for (document, _), who in first_of.items():
        if who and (document, who) in seen:
            found.add(document)
        seen.add((document, who))
    return found


def numbered_through(passages: list[Passage]) -> list[Passage]:
    """A conversation's passages with their paragraphs counted through the whole document, not from 1 in each
    turn: `¶ 143` finds an answer in a transcript; ids stay as they were."""
    out, offset, speech, last = [], 0, None, 0
    for p in passages:
        if p.speech != speech:
            offset, speech = offset + last, p.speech
            last = 0
        last = max(last, p.last_paragraph or p.paragraph)
        through = {"paragraph": p.paragraph + offset}
        if p.last_paragraph:
            through["last_paragraph"] = p.last_paragraph + offset
        out.append(replace(p, **through))
    return out


@dataclass
class Document:
    file: str
    format: str  # the file's suffix without the dot: txt, md, html, docx, pdf, srt, vtt
    title: str
    subtitle: str | None
    date: str | None
    passages: list[Passage] = field(default_factory=list)

    @property
    def speech_count(self) -> int:
        return len({p.speech for p in self.passages if p.speaker})


@dataclass
class Corpus:
    documents: list[Document]
    skipped: list[str]  # "file: reason"
    fingerprint: str
    notes: list[str] = field(default_factory=list)  # a collection's notes and .qaignore'd files, not read

    @property
    def passages(self) -> list[Passage]:
        return [p for d in self.documents for p in d.passages]
