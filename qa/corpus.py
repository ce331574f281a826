"""Reading the corpus: files → documents → speeches → passages (where a passage is born).

A document is a news article or transcript: a title, an optional subtitle and lead, then speeches. Each
speech opens with a header line `ROLE+NAME: SPEECH TITLE`. Print layouts cut paragraphs mid-sentence
with a blank line; such pieces are rejoined so that no passage starts or ends mid-sentence.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

SUFFIXES = (".txt", ".md")
ENCODINGS = ("utf-8-sig", "gb18030")
# A paragraph is complete when it ends with one of these (closing quotes/brackets may follow).
SENTENCE_END = "。！？!?…."
CLOSERS = "”’」』）)]》\"'"
# Job titles that end the role part of a header; the speaker's name follows the last one.
ROLE_WORDS = (
    "副书记",
    "书记",
    "主任",
    "市长",
    "区长",
    "县长",
    "镇长",
    "乡长",
    "省长",
    "州长",
    "主席",
    "局长",
    "厅长",
    "部长",
    "院长",
    "校长",
    "秘书长",
    "代表",
    "委员",
    "董事长",
    "总经理",
    "经理",
    "负责人",
)
MAX_HEADER_PREFIX = 40  # characters before the colon in a header line
MAX_NAME = 4  # Chinese personal names are two to four characters
MAX_TITLE_LINE = 80  # a document title or subtitle is a short line
HEADER_RE = re.compile(rf"^(?P<who>[^:：。！？\n]{{2,{MAX_HEADER_PREFIX}}})\s*[:：]\s*(?P<title>.+)$")
DATE_RE = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")
FRONT_MATTER_RE = re.compile(r"^---\s*\n(.*?)\n---\s*\n", re.S)


class CorpusError(Exception):
    """The corpus cannot be read at all (missing folder, nothing in it)."""


@dataclass(frozen=True)
class Passage:
    id: str
    text: str  # original characters, for display
    document: str  # file name inside the corpus folder
    title: str  # document title
    subtitle: str | None
    date: str | None
    speaker: str | None
    role: str | None
    speech_title: str | None
    speech: int  # 0 for the document's lead, then 1.. for each speech
    paragraph: int  # 1-based within its speech (or lead)

    @property
    def context(self) -> str:
        """Who said it and in which speech: indexed with the text so questions naming them find it."""
        if self.speaker:
            return f"{self.role or ''}{self.speaker}：{self.speech_title or ''}"
        return " ".join(filter(None, (self.title, self.subtitle)))

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
            "paragraph": self.paragraph,
        }

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Document:
    file: str
    title: str
    subtitle: str | None
    date: str | None
    passages: list[Passage] = field(default_factory=list)

    @property
    def speeches(self) -> int:
        return len({p.speech for p in self.passages if p.speaker})


@dataclass(frozen=True)
class Header:
    role: str
    speaker: str
    title: str


def parse_header(line: str) -> Header | None:
    """`航空港实验区党工委书记张俊峰: 走好…` → role, speaker, title; None if the line is not a header."""
    line = line.strip()
    if len(line) > MAX_HEADER_PREFIX + MAX_TITLE_LINE or line[-1:] in SENTENCE_END:
        return None
    m = HEADER_RE.match(line)
    if not m:
        return None
    who, title = m.group("who").strip(), m.group("title").strip()
    cut = -1
    for word in ROLE_WORDS:
        i = who.rfind(word)
        if i >= 0:
            cut = max(cut, i + len(word))
    if cut <= 0:
        return None
    name = who[cut:].strip()
    if not (2 <= len(name) <= MAX_NAME) or not all("\u4e00" <= ch <= "\u9fff" or ch == "·" for ch in name):
        return None
    return Header(role=who[:cut].strip(), speaker=name, title=title)


def is_complete(paragraph: str) -> bool:
    return paragraph.rstrip().rstrip(CLOSERS)[-1:] in SENTENCE_END


def _latin_cut(left_end: str, right: str) -> bool:
    # Latin words cut by a line break need their space back; Chinese text joins directly.
    return left_end.isascii() and left_end.isalnum() and right[:1].isascii() and right[:1].isalnum()


def join_pieces(left: str, right: str) -> str:
    return f"{left} {right}" if _latin_cut(left[-1:], right) else left + right


class _Joined:
    """Pieces glued as by join_pieces, in linear time (a huge file would make repeated `+` quadratic).

    Keeps what `is_complete` of the whole needs: the last character before trailing closers, and the last
    character before trailing whitespace and then closers.
    """

    def __init__(self, first: str):
        self.pieces: list[str] = []
        self.last = self.core_end = self.end = ""
        self.add(first)

    def add(self, piece: str) -> None:
        if self.pieces and _latin_cut(self.last, piece):
            piece = " " + piece
        self.pieces.append(piece)
        self.last = piece[-1:] or self.last
        spaced = piece.rstrip()
        if spaced:
            self.end = spaced.rstrip(CLOSERS)[-1:] or self.core_end
        self.core_end = piece.rstrip(CLOSERS)[-1:] or self.core_end

    @property
    def complete(self) -> bool:
        return self.end in SENTENCE_END

    def text(self) -> str:
        return "".join(self.pieces)


def split_paragraphs(text: str) -> list[str]:
    paragraphs = []
    for block in re.split(r"\n\s*\n", text):
        lines = [ln.strip() for ln in block.splitlines() if ln.strip()]
        if not lines:
            continue
        merged = _Joined(lines[0])
        for ln in lines[1:]:
            merged.add(ln)
        paragraphs.append(merged.text())
    return paragraphs


def rejoin(paragraphs: list[str]) -> list[str]:
    """Glue each paragraph that stops mid-sentence to the one after it."""
    out: list[_Joined] = []
    for para in paragraphs:
        if out and not out[-1].complete:
            out[-1].add(para)
        else:
            out.append(_Joined(para))
    return [j.text() for j in out]


def decode(raw: bytes) -> str | None:
    if b"\x00" in raw:
        return None
    for enc in ENCODINGS:
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    return None


def read_front_matter(text: str) -> tuple[dict, str]:
    m = FRONT_MATTER_RE.match(text)
    if not m:
        return {}, text
    meta = {}
    for line in m.group(1).splitlines():
        key, sep, value = line.partition(":")
        if sep:
            meta[key.strip().lower()] = value.strip().strip("'\"")
    return meta, text[m.end() :]


def read_sidecar(path: Path) -> dict:
    """`name.meta.json` beside `name.txt` carries what the text itself does not say (date, source)."""
    side = path.with_name(path.stem + ".meta.json")
    if not side.is_file():
        return {}
    try:
        data = json.loads(side.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        log.warning("skipping unreadable metadata file %s: %s", side.name, exc)
        return {}
    if not isinstance(data, dict):
        log.warning("skipping metadata file %s: not a JSON object", side.name)
        return {}
    # Titles and dates are text; a number or a list there would break the index and the API's answers.
    ignored = sorted(str(k) for k, v in data.items() if not isinstance(v, str))
    if ignored:
        log.warning("ignoring %s in %s: not text", ", ".join(ignored), side.name)
    return {k: v for k, v in data.items() if isinstance(v, str)}


def passage_id(document: str, speech: int, paragraph: int) -> str:
    return hashlib.sha1(f"{document}\x1f{speech}\x1f{paragraph}".encode()).hexdigest()[:16]


def parse_document(name: str, text: str, meta: dict | None = None) -> Document:
    """Split one document's text into attributed passages."""
    meta = dict(meta or {})
    front, text = read_front_matter(text.replace("\r\n", "\n").replace("\r", "\n"))
    meta.update(front)
    paragraphs = [p.lstrip("#").strip() for p in split_paragraphs(text)]
    paragraphs = [p for p in paragraphs if p]

    title = meta.get("title")
    subtitle = meta.get("subtitle")
    first = paragraphs[0] if paragraphs else ""
    if not title and first and len(first) <= MAX_TITLE_LINE and not is_complete(first) and not parse_header(first):
        title = paragraphs.pop(0)
    if not subtitle and paragraphs and paragraphs[0].startswith(("——", "--", "—")):
        subtitle = paragraphs.pop(0)
    title = title or Path(name).stem
    date = meta.get("date")
    if not date:
        m = DATE_RE.search(name)
        date = "-".join(m.groups()) if m else None

    doc = Document(file=name, title=title, subtitle=subtitle, date=str(date) if date else None)
    # Group into sections: the lead (speech 0) and one per header; rejoin inside each section only,
    # so a cut paragraph never swallows the next speaker's header.
    sections: list[tuple[Header | None, list[str]]] = [(None, [])]
    for para in paragraphs:
        header = parse_header(para)
        if header:
            sections.append((header, []))
        else:
            sections[-1][1].append(para)
    for number, (header, body) in enumerate(sections):
        for i, para in enumerate(rejoin(body), start=1):
            doc.passages.append(
                Passage(
                    id=passage_id(name, number, i),
                    text=para,
                    document=name,
                    title=doc.title,
                    subtitle=doc.subtitle,
                    date=doc.date,
                    speaker=header.speaker if header else None,
                    role=header.role if header else None,
                    speech_title=header.title if header else None,
                    speech=number,
                    paragraph=i,
                )
            )
    return doc


@dataclass
class Corpus:
    documents: list[Document]
    skipped: list[str]
    fingerprint: str

    @property
    def passages(self) -> list[Passage]:
        return [p for d in self.documents for p in d.passages]


def corpus_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES)


def fingerprint_files(folder: Path) -> str:
    """Hash of every corpus file's path and bytes (and sidecars): changes when the corpus does."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        if path.suffix.lower() in SUFFIXES or path.name.endswith(".meta.json"):
            digest.update(str(path.relative_to(folder)).encode())
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def read_corpus(folder: Path) -> Corpus:
    folder = Path(folder)
    if not folder.is_dir():
        raise CorpusError(f"corpus folder {folder} does not exist")
    documents, skipped = [], []
    for path in corpus_files(folder):
        name = str(path.relative_to(folder))
        try:
            text = decode(path.read_bytes())
        except OSError as exc:
            text = None
            log.warning("skipping %s: %s", name, exc)
        if text is None:
            log.warning("skipping %s: not UTF-8 or GB18030 text", name)
            skipped.append(name)
            continue
        doc = parse_document(name, text, read_sidecar(path))
        if doc.passages:
            documents.append(doc)
        else:
            log.warning("skipping %s: no paragraphs", name)
            skipped.append(name)
    if not documents:
        raise CorpusError(f"no readable .txt or .md documents in {folder}")
    return Corpus(documents=documents, skipped=skipped, fingerprint=fingerprint_files(folder))
