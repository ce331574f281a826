"""Files → documents → speeches → passages (where a passage is born).

Each step is its own module: a format reader gives text or paragraphs (formats/), metadata is gathered
(metadata), paragraphs are found (layout), lines repeated across the collection are dropped as boilerplate,
turns get their speakers (speakers), and paragraphs become passages the model can read (passages).
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..errors import CorpusError
from ..tokens import ApproxTokens
from . import boundary, discovery, english_top, limits, metadata, structure
from .formats import SUFFIXES, Extracted, UnreadableFile, reader
from .labels_zh import ZH_QA_LABEL, parse_header, zh_turn
from .layout import DEBRIS, Layout, Para, ends_sentence, language_of, paragraphs, read_layout, rejoin
from .model import Corpus, Document, Passage, Turn, conversations, numbered_through, passage_id
from .passages import drop_duplicates, windows
from .runin import split_run_in
from .speakers import english_label, label_counts, split_turns
from .speech_speaker import file_speaker
from .title_people import named_in_title

log = logging.getLogger(__name__)

MAX_TITLE_LINE = 80  # a document title or subtitle is a short line
# … an English one in title case runs longer (`Foreign Ministry Spokesperson Mao Ning's Regular Press Conference …`)
EN_MAX_TITLE_LINE = 160
SUBTITLE_MARKS = ("——", "--", "—")
BOILERPLATE_CHARS = 80  # only short lines can be boilerplate
BOILERPLATE_DOCUMENTS = 3  # documents a short line must appear in to count as boilerplate
BOILERPLATE_MAX_SHARE = 0.5  # a document never loses more than this share of its paragraphs as boilerplate
REPEATS_IN_DOCUMENT = 3  # the same short line this often in one document is a running header
MAX_REASON = 200  # characters of a library's exception message quoted in a skip warning
MIN_BUDGET = 16  # tokens a window keeps for text even when a speech's context is very long


@dataclass
class Draft:
    """One document between reading and passages: what the collection-wide boilerplate step needs."""

    name: str
    format: str
    meta: dict[str, str]
    language: str
    paras: list[Para]
    title_line: str | None = None  # a first line taken as the title still counts towards boilerplate
    notes: list[str] = field(default_factory=list)  # what the structure step found, for `qa build --explain`
    layout: Layout | None = None  # how a text file's lines became paragraphs (None: the format marks them)


def _is_label(text: str, language: str, caps: Counter | None = None, host: Turn | None = None) -> bool:
    """Does `text` open a speaker's turn (`问：`, `记者：`, a Chinese header, `Q:`, `MAYOR PARK:`, `Mr Smith:`)?
    `caps`: how often each capitalised label occurs in the document (a bare `KIM:` counts from the second);
    `host`: the document's known speaker, whose bare name (`赵立坚：`) is a label even once."""
    if language == "zh":
        labelled = zh_turn(text, host, caps) is not None
        return parse_header(text) is not None or ZH_QA_LABEL.match(text) is not None or labelled
    return english_label(text, None, caps or Counter()) is not None


def _turn_starts(body: str, language: str, host: Turn | None = None) -> Callable[[str], bool]:
    """Lines that begin a paragraph whatever the layout, so it never glues two turns into one paragraph; the
    document's `host` (`_host`) labels turns too."""
    caps = label_counts(body.splitlines(), language)
    return lambda line: _is_label(line, language, caps, host)


def _host(meta: dict[str, str], text: str, language: str) -> Turn | None:
    """The speaker a Chinese document's bare name labels belong to before its structure is read: the one its
    metadata gives, or the host the lead of a press conference names (`structure.briefing_host`)."""
    if language != "zh":
        return None
    named = (meta["speaker"], None) if meta.get("speaker") else None
    named = named or structure.briefing_host([line.strip() for line in text.splitlines() if line.strip()])
    return Turn(*named) if named else None


def _echoes(line: str, title: str) -> bool:
    """Is `line` the title again (`政府工作报告` under the file title `2024年政府工作报告`)?"""
    line, title = "".join(line.split()), "".join(title.split())
    return len(line) <= MAX_TITLE_LINE and not ends_sentence(line) and bool(line) and (line in title or title in line)


def _language(tag: str) -> str:
    """`zh-CN`, `zh-Hant`, `en-GB` → `zh`, `en`; other languages keep their tag (and read like English)."""
    return tag.lower().split("-")[0].split("_")[0] or "en"


def _boilerplate_key(text: str) -> str | None:
    return "".join(text.lower().split()) if len(text) <= BOILERPLATE_CHARS else None


def draft(name: str, extracted: Extracted, known: dict[str, str]) -> Draft:
    """Metadata (strongest first: front matter, then `known` from sidecar and catalogue, then the file's own)."""
    suffix = Path(name).suffix.lower()
    title_line = None
    if extracted.text is not None:
        front, body = metadata.front_matter(extracted.text, name)
        bold, body = metadata.bold_fields(body, name)
        meta = metadata.merge(front, known, metadata.clean(extracted.meta, name), bold)
        language = _language(meta.get("language") or language_of(body))
        starts, front = _turn_starts(body, language, _host(meta, body, language)), structure.title_block_line
        paras, layout = read_layout(body, language, suffix == ".md", starts, front)
    else:
        layout = None
        meta = metadata.merge(known, metadata.clean(extracted.meta, name))
        blocks = [b for b in extracted.blocks or [] if b.text.strip() and not DEBRIS.match(b.text.strip())]
        language = _language(meta.get("language") or language_of("\n".join(b.text for b in blocks)))
        paras = []
        host = _host(meta, "\n".join(b.text for b in blocks[: structure.FRONT_LINES]), language)
        for b in blocks:
            # Line breaks inside a block (<br>, Word's soft breaks) mean what the layout step decides they mean.
            starts = _turn_starts(b.text, language, host)
            lines = paragraphs(b.text, language, starts=starts) if "\n" in b.text.strip() else [Para(b.text.strip())]
            paras.extend(replace(p, heading=b.heading, start=b.start, end=b.end, speaker=b.speaker) for p in lines)
    paras = [replace(p, text=t) if t != p.text else p for p in paras for t in split_run_in(p.text, language)]
    if meta.get("title") and paras and _echoes(paras[0].text, meta["title"]):
        paras.pop(0)  # the title printed again as the first line (a PDF's or Word file's own title)
    headline = structure.bracket_headline(paras[0].text) if "title" not in meta and paras else None
    if headline:
        meta["title"] = headline[0]
        paras[0:1] = [replace(paras[0], text=headline[1])] if headline[1].strip() else []
    if "title" not in meta and paras:
        first = paras[0]
        # A line ending in a colon opens what follows (`同志们：`, `Friends:`): a greeting or label, not a title.
        opens = first.text.rstrip().endswith((":", "："))
        longest = EN_MAX_TITLE_LINE if language != "zh" and english_top.long_title(first.text) else MAX_TITLE_LINE
        short = first.heading or (len(first.text) <= longest and not ends_sentence(first.text) and not opens)
        if short and not _is_label(first.text, language):
            meta["title"] = title_line = paras.pop(0).text
    if "subtitle" not in meta and paras and paras[0].text.startswith(SUBTITLE_MARKS):
        meta["subtitle"] = paras.pop(0).text
    if not meta.get("date"):
        meta["date"] = metadata.date_in_line(meta.get("subtitle") or "") or metadata.date_from_name(name)
    d = Draft(name, suffix.lstrip("."), meta, language, paras, title_line, layout=layout)
    structure.infer(d)
    said = file_speaker(Path(name).stem, "\n".join(p.text for p in d.paras)) if language != "zh" else None
    if said and not meta.get("speaker") and not _labelled(d.paras, language):
        # The weakest evidence: a file named `1789-Washington.txt` whose text names no speaker and has no turns.
        meta["speaker"] = said
        d.notes.append(f"speaker {said} from the file's name")
    if layout and layout.removed.lines:
        structure.running_head_date(d, list(layout.removed.lines))
    return d


def _labelled(paras: list[Para], language: str) -> bool:
    """Does any paragraph open with a speaker's label (a transcript's turns)?"""
    counts = label_counts([p.text for p in paras], language)
    return any(english_label(p.text, None, counts) for p in paras)


def drop_boilerplate(drafts: list[Draft]) -> None:
    """Short lines found in many documents (or many times in one) are page furniture, not speech."""
    spread: Counter = Counter()
    for d in drafts:
        lines = [p.text for p in d.paras] + ([d.title_line] if d.title_line else [])
        spread.update({k for text in lines if (k := _boilerplate_key(text))})
    for d in drafts:
        repeats = Counter(k for p in d.paras if (k := _boilerplate_key(p.text)))
        # A label alone on its line (`JOURNALIST:`) repeats as a running header does: the document's count of
        # each label tells them apart.
        caps = label_counts([p.text for p in d.paras], d.language)

        def furniture(p: Para, d=d, repeats=repeats, caps=caps) -> bool:
            key = _boilerplate_key(p.text)
            alone = p.text.endswith(":") and _is_label(p.text, d.language, caps)
            if key is None or alone or _is_label(p.text, d.language):
                return False
            if repeats[key] >= REPEATS_IN_DOCUMENT:
                return True
            # A heading printed once in each of many speeches (`Conclusion`) is where they are, not a page's
            # running header, which repeats within a document too.
            return spread[key] >= BOILERPLATE_DOCUMENTS and not (p.heading and repeats[key] == 1)

        kept = [p for p in d.paras if not furniture(p)]
        # Copies of one document share every line: that is duplication, not page furniture.
        if len(kept) >= (1 - BOILERPLATE_MAX_SHARE) * len(d.paras):
            d.paras = kept


def shown_role(turn: Turn) -> str | None:
    """The role as a passage shows it: none when the speaker is named by it (`The President of the Republic`,
    `Mr Speaker`, `发言人`), which a citation would otherwise print twice."""
    role = turn.role
    return None if role and role.casefold() in turn.speaker.casefold() else role


def build_document(d: Draft, counter: ApproxTokens, target: int = 0) -> Document:
    meta = d.meta
    title = meta.get("title") or Path(d.name).stem
    default = Turn(meta["speaker"], meta.get("role")) if meta.get("speaker") else None
    sections = split_turns(d.paras, d.language, default, named_in_title(meta.get("title"), d.language))
    for s in sections:
        s.paras = rejoin(s.paras, d.language)
    # A speech printed twice (a scrape's glued copy, then the real paragraphs) keeps only the real ones.
    kept = {id(p) for p in drop_duplicates([p for s in sections for p in s.paras], d.language)}
    dated = next((s.turn.date for s in sections if s.turn and s.turn.date), None)
    date = meta.get("date") or dated
    doc = Document(file=d.name, format=d.format, title=title, subtitle=meta.get("subtitle"), date=date)
    for number, section in enumerate(sections):
        paras = [p for p in section.paras if id(p) in kept]
        turn = section.turn
        who = {"speaker": turn.speaker, "role": shown_role(turn), "speech_title": turn.title} if turn else {}
        where = {k: meta.get(k) for k in ("event", "place", "url")}
        # What every passage of this turn shares; its context (who, which speech) costs tokens of each window.
        shared = Passage(
            "",
            "",
            d.name,
            title,
            number,
            0,
            subtitle=doc.subtitle,
            date=(turn and turn.date) or doc.date,
            language=d.language,
            question=section.question,
            **who,
            **where,
        )
        context_tokens = counter.count([shared.context])[0] + 1
        budget = max(counter.max_tokens - counter.reserved - context_tokens, MIN_BUDGET)
        for w in windows(paras, d.language, budget, counter.count, target):
            doc.passages.append(
                replace(
                    shared,
                    id=passage_id(d.name, number, w.paragraph, w.part),
                    text=w.text,
                    paragraph=w.paragraph,
                    last_paragraph=w.last_paragraph,
                    part=w.part,
                    start=w.start,
                    end=w.end,
                    section=w.section,
                    heading=w.above,
                )
            )
    if doc.file in conversations(doc.passages):
        doc.passages = numbered_through(doc.passages)
    return doc


def parse_text(
    name: str, text: str, meta: dict | None = None, counter: ApproxTokens | None = None, target: int = 0
) -> Document:
    """One text document on its own (no collection-wide boilerplate step): for tests and tools."""
    d = draft(name, Extracted(text=text), metadata.clean(meta or {}, name))
    return build_document(d, counter or ApproxTokens(), target)


def read_corpus(
    folder: Path,
    counter: ApproxTokens | None = None,
    target: int = 0,
    progress: Callable[[int, int], None] | None = None,
    max_file_bytes: int | None = None,
    within: Path | None = None,
) -> Corpus:
    """Every readable file under `folder` as attributed passages of at most the counter's window; short paragraphs
    grouped up to `target` tokens (0: one paragraph a passage). `progress(done, total)` follows the files; a file
    over `max_file_bytes` (on disk or decompressed; default QA_MAX_FILE_MB's) is skipped. A file costs at most
    itself: whatever goes wrong in one is one named skip or warning, and the rest of the corpus builds. Only
    files whose real path is inside `within` (default: `folder` itself) are read."""
    folder = Path(folder)
    if not folder.is_dir():
        raise CorpusError(f"corpus folder {folder} does not exist")
    counter = counter or ApproxTokens()
    with limits.applied(max_file_bytes or limits.max_bytes()):
        found = discovery.discover(folder, Path(within or folder))
        for line in found.skipped:
            log.warning("skipping %s", line)
        catalogue = metadata.catalogue(folder, found.root)
        drafts, skipped = [], list(found.skipped)
        digests = list(found.metadata_digests())
        for done, (name, path) in enumerate(found.documents, start=1):
            why, detail, data = _read_one(name, path, found.root, catalogue, drafts)
            digests.append((name, hashlib.sha256(data).hexdigest() if data is not None else why))
            if why:
                log.warning("skipping %s: %s", name, detail or why)
                skipped.append(f"{name}: {why}")
            if progress:
                progress(done, len(found.documents))
    drop_boilerplate(drafts)
    documents = []
    for d in drafts:
        try:
            doc = build_document(d, counter, target)
        except Exception as exc:  # one document's surprise (a reader's odd text) must not cost the others
            log.warning("skipping %s: cutting it into passages failed (%s)", d.name, type(exc).__name__)
            skipped.append(f"{d.name}: cutting into passages failed ({type(exc).__name__})")
            continue
        if doc.passages:
            documents.append(doc)
        else:
            log.warning("skipping %s: no paragraphs", d.name)
            skipped.append(f"{d.name}: no paragraphs")
    if not documents:
        raise CorpusError(f"no readable documents ({', '.join(SUFFIXES)}) in {folder}")
    fingerprint = _fingerprint(digests, [p for d in documents for p in d.passages])
    return Corpus(documents=documents, skipped=skipped, fingerprint=fingerprint, notes=found.notes)


def _read_one(name: str, path: Path, root: Path, catalogue: dict, drafts: list[Draft]) -> tuple[str, str, bytes | None]:
    """Reads one file into `drafts`; returns why it was skipped ("" when it was not), a longer account for the
    log when there is one, and the bytes read."""
    data = None
    try:
        data = boundary.read_inside(path, root, limits.max_bytes())
        if not data.strip():
            return "an empty file", "", data
        extracted = reader(path.suffix)(data, name)
        known = metadata.merge(metadata.sidecar(path, root), catalogue.get(name, {}))
        drafts.append(draft(name, extracted, known))
    except boundary.TooLarge as exc:
        return limits.over_limit(exc.size), "", data
    except UnreadableFile as exc:
        return str(exc), "", data
    except OSError as exc:
        return exc.strerror or str(exc), "", data
    except Exception as exc:  # a format library's own bug must not cost the user the rest of the corpus
        log.debug("the %s reader failed on %s", path.suffix, name, exc_info=True)
        kind = type(exc).__name__
        return f"reader failed ({kind})", f"the {path.suffix} reader failed ({kind}: {str(exc)[:MAX_REASON]})", data
    return "", "", data


def _fingerprint(digests: list[tuple[str, str]], passages: list[Passage]) -> str:
    """Hash of every corpus file's path and bytes (and metadata files) and of the passages read from them: changes
    when the corpus does, and when the same files read differently (a new reader, another passage length), so an
    index built by an older reader is never taken for up to date."""
    digest = hashlib.sha256()
    for name, content in sorted(digests):
        digest.update(name.encode("utf-8", "backslashreplace"))
        digest.update(content.encode())
    for p in passages:
        read = json.dumps([p.id, p.indexed_text, p.source()], ensure_ascii=False, sort_keys=True)
        digest.update(read.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()
