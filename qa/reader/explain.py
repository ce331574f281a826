"""`qa build --explain FILE`: how one document was read, and why, as text a user can check against the file.

It runs the reader's own steps on the one file (nothing is indexed) and reports what each decided: the layout
and its evidence, the page furniture and invisible characters removed, the title block (title, speaker, date,
event), the turns (label → speaker, role, count), the sections and the passages they hold.
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

from ..tokens import ApproxTokens
from . import boundary, limits, metadata
from .formats import SUFFIXES, reader
from .model import Document, Turn
from .pipeline import Draft, build_document, draft
from .speakers import split_turns
from .title_people import named_in_title

SHOWN_FURNITURE = 8  # distinct furniture lines listed
SHOWN_TURNS = 20


class ExplainError(Exception):
    """The file cannot be explained (missing, not a format the reader knows, unreadable)."""


def explain(
    path: Path,
    corpus_dir: Path | None = None,
    counter: ApproxTokens | None = None,
    max_file_bytes: int | None = None,
) -> str:
    """The report for one file; `corpus_dir` (when the file is in it) supplies `metadata.csv` and the file's name
    as the corpus knows it. `max_file_bytes` is the build's size limit (default QA_MAX_FILE_MB's)."""
    with limits.applied(max_file_bytes or limits.max_bytes()):
        return _explain(Path(path), corpus_dir, counter)


def _explain(path: Path, corpus_dir: Path | None, counter: ApproxTokens | None) -> str:
    if not path.is_file():
        raise ExplainError(f"{path} is not a file")
    if path.suffix.lower() not in SUFFIXES:
        raise ExplainError(f"{path.name}: {path.suffix or 'no suffix'} is not a format the reader knows")
    name = _name_in(path, corpus_dir)
    # The same boundary and limits as a build: a file the build would refuse is not read here either.
    inside = _inside(path, corpus_dir)
    root = Path(corpus_dir) if inside else path.parent
    try:
        data = boundary.read_inside(path, root, limits.max_bytes())
        # Only a file of the corpus has a row in its metadata.csv: another file of the same name is not that one.
        catalogued = _catalogue(corpus_dir).get(name, {}) if inside else {}
        known = metadata.merge(metadata.sidecar(path, root), catalogued)
        extracted = reader(path.suffix)(data, name)
    except boundary.TooLarge as exc:
        raise ExplainError(f"{name}: {limits.over_limit(exc.size)}") from None
    except Exception as exc:  # the reader's own message is what the user needs
        raise ExplainError(f"{name}: cannot be read ({exc})") from exc
    d = draft(name, extracted, known)
    lines = [f"{name} ({d.format}, language {d.language})"]
    if (layout := d.layout) is not None:
        lines.append(f"layout: {layout.mode} ({layout.reason})")
        if layout.breaks:
            lines.append("  paragraph ends inside blocks: " + _counts(layout.breaks))
        removed = layout.removed
        if removed.lines:
            total = sum(removed.lines.values())
            lines.append(f"furniture removed: {total} lines")
            lines += [f"  {n} × {key!r}" for key, n in removed.lines.most_common(SHOWN_FURNITURE)]
        if removed.debris:
            lines.append(f"page numbers, rules and other debris lines removed: {removed.debris}")
        if removed.invisible:
            lines.append(f"invisible characters removed: {removed.invisible}")
        if removed.escaped:
            lines.append(f"code points written out as <U+XXXX> read as characters: {removed.escaped}")
    else:
        lines.append(f"layout: paragraphs as the {d.format} file marks them ({len(extracted.blocks or [])} blocks)")
    lines += _front(d)
    lines += _turns(d)
    lines += _sections(build_document(d, counter or ApproxTokens()))
    return "\n".join(lines)


def _inside(path: Path, corpus_dir: Path | None) -> bool:
    return corpus_dir is not None and boundary.is_within(os.path.realpath(path), corpus_dir)


def _name_in(path: Path, corpus_dir: Path | None) -> str:
    if corpus_dir is not None:
        try:
            return str(path.resolve().relative_to(Path(corpus_dir).resolve()))
        except ValueError:
            pass
    return path.name


def _catalogue(corpus_dir: Path | None) -> dict:
    return metadata.catalogue(Path(corpus_dir)) if corpus_dir is not None and Path(corpus_dir).is_dir() else {}


def _counts(counter: Counter) -> str:
    return ", ".join(f"{n} {kind}" for kind, n in counter.most_common())


def _front(d: Draft) -> list[str]:
    meta = d.meta
    out = [f"title: {meta.get('title') or '(none: the file name stands in)'}"]
    out += [f"{key}: {meta[key]}" for key in ("subtitle", "speaker", "role", "date", "event", "place") if meta.get(key)]
    out += [f"  found: {note}" for note in d.notes]
    return out


def _turns(d: Draft) -> list[str]:
    default = Turn(d.meta["speaker"], d.meta.get("role")) if d.meta.get("speaker") else None
    sections = split_turns(d.paras, d.language, default, named_in_title(d.meta.get("title"), d.language))
    turns = Counter(_turn_key(s.label, s.turn) for s in sections if s.paras)
    if len(turns) <= 1 and not any(s.label for s in sections):
        speaker = sections[0].turn.speaker if sections and sections[0].turn else "nobody named"
        return [f"turns: none; the whole text is {speaker}'s"]
    out = [f"turns: {sum(turns.values())} in {len(turns)} kinds (label → speaker, role: count)"]
    for (label, speaker, role), n in turns.most_common(SHOWN_TURNS):
        out.append(f"  {label} → {speaker or '-'}, {role or '-'}: {n}")
    asked = sum(1 for s in sections if s.question)
    if asked:
        out.append(f"  {asked} answers carry their question as search context")
    return out


def _turn_key(label: str | None, turn: Turn | None) -> tuple[str, str | None, str | None]:
    if turn is None:
        return (label or "(before any turn)", None, None)
    return (label or turn.speaker, turn.speaker, turn.role)


def _sections(doc: Document) -> list[str]:
    counts = Counter(p.section for p in doc.passages)
    out = [f"passages: {len(doc.passages)}"]
    named = [(section, n) for section, n in counts.items() if section]
    if named:
        out.append(f"sections: {len(named)} (passages under each)")
        out += [f"  {section}: {n}" for section, n in named]
    return out
