"""The speech library over HTTP: what the served index holds, and files added to or taken from the corpus.

An upload is checked before anything is kept: a name the corpus can hold (no path parts, no control
characters, a suffix a reader takes; a clash gets `-2`, `-3`, …), a size under QA_UPLOAD_MAX_MB and
QA_MAX_FILE_MB, and the format reader's own check (under the same QA_MAX_FILE_MB) that the bytes give text.
Each file is then written beside its final place under a hidden name (`.upload-…`, which no reader takes) and
fsynced; the job renames it in. A deletion moves the file aside the same way. Either is undone if the rebuild
fails, so the corpus is as it was before that job.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import unicodedata
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from .dates import not_a_date
from .reader import limits
from .reader.boundary import refusal
from .reader.discovery import NOT_SPEECHES, is_document
from .reader.formats import SUFFIXES, UnreadableFile, reader
from .reader.metadata import SIDECAR_SUFFIX, normalise_date
from .reader.pipeline import build_document, draft
from .settings import Settings
from .tokens import ApproxTokens
from .untrusted import web_url

META_FIELDS = ("speaker", "role", "date", "title", "event", "place", "url")
MAX_META = 2000  # characters of one metadata field (the reader's own limit)
MAX_NAME_CHARS = 120  # a kept file name, before a clash suffix
STAGED_PREFIX = ".upload-"
SET_ASIDE_PREFIX = ".deleted-"
PENDING_SUFFIX = ".part"  # no reader takes it, so a half-written file is never read as a speech
FALLBACK_STEM = "speech"
# Control characters are gone before this is applied (safe_name drops Unicode category C).
UNSAFE = re.compile(r'[<>:"|?*\\/]')  # characters Windows or a shell cannot hold in a name
SPACES = re.compile(r"\s+")


class UploadProblem(ValueError):
    """An upload refused before anything was kept; `status` is the HTTP answer (413, 415, 422)."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def safe_name(given: str) -> str:
    """A file name the corpus can hold, from whatever a client sent: `../../etc/x.txt` → `x.txt`."""
    base = re.split(r"[\\/]", given)[-1]
    base = unicodedata.normalize("NFC", base)
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C")
    base = SPACES.sub(" ", UNSAFE.sub("_", base)).strip(" .")
    stem, suffix = os.path.splitext(base)
    stem = stem.strip(" .")[:MAX_NAME_CHARS] or FALLBACK_STEM
    return f"{stem}{suffix.lower()}"


def unclashed(name: str, taken) -> str:
    """`name`, or `stem-2.ext`, `stem-3.ext`, … : the first that `taken(candidate)` says is free."""
    stem, suffix = os.path.splitext(name)
    candidate, n = name, 1
    while taken(candidate):
        n += 1
        candidate = f"{stem}-{n}{suffix}"
    return candidate


def file_limit(settings: Settings) -> int:
    """The largest file, in bytes, an upload may hold: under both QA_UPLOAD_MAX_MB and QA_MAX_FILE_MB."""
    return int(min(settings.upload_max_mb, settings.max_file_mb) * limits.MB)


def check_readable(raw: bytes, name: str, max_file_bytes: int) -> None:
    """The format reader's own check, on the bytes, before anything is written; what a file inflates to is held
    to `max_file_bytes` as a build holds it."""
    suffix = Path(name).suffix.lower()
    if suffix in SUFFIXES and NOT_SPEECHES.match(name):
        raise UploadProblem(
            415,
            f"{name}: named like a collection note (README/LICENSE/SOURCE/NOTES/CHANGELOG), which a build skips; "
            "rename it",
        )
    if suffix not in SUFFIXES or not is_document(Path(name)):
        kinds = ", ".join(s.lstrip(".") for s in SUFFIXES)
        raise UploadProblem(415, f"{name}: not a speech file this server reads (formats: {kinds})")
    if len(raw) > max_file_bytes:
        shown, limit = limits.megabytes(len(raw)), limits.megabytes(max_file_bytes)
        raise UploadProblem(413, f"{name}: {shown}, over the largest file this server takes ({limit})")
    try:
        with limits.applied(max_file_bytes):
            extracted = reader(suffix)(raw, name)
    except UnreadableFile as exc:
        raise UploadProblem(422, f"{name}: cannot be read ({exc})") from None
    except Exception as exc:  # a format library's own failure on a broken file is still the file's problem
        raise UploadProblem(422, f"{name}: cannot be read as {suffix} ({type(exc).__name__})") from None
    text = extracted.text if extracted.text is not None else "".join(b.text for b in extracted.blocks or [])
    if not text.strip():
        raise UploadProblem(422, f"{name}: has no text")
    if not build_document(draft(name, extracted, {}), ApproxTokens()).passages:
        raise UploadProblem(422, f"{name}: no paragraph of speech in it (only page numbers or furniture)")


def sidecar_of(meta: dict[str, str | None]) -> dict[str, str] | None:
    """The metadata fields given, checked; None when none was given."""
    out = {}
    for key in META_FIELDS:
        value = (meta.get(key) or "").strip()
        if not value:
            continue
        if len(value) > MAX_META:
            raise UploadProblem(422, f"{key}: longer than {MAX_META} characters")
        if key == "date":
            value = normalise_date(value) or ""
            if not value:
                raise UploadProblem(422, not_a_date("date", meta[key]))
        if key == "url" and not web_url(value):
            raise UploadProblem(422, "url: must be an http:// or https:// address with a host")
        out[key] = value
    return out or None


def write_synced(path: Path, data: bytes) -> None:
    with path.open("xb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def sync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@dataclass
class Change:
    """Files one job adds to or removes from the corpus, as (hidden staged path, final path) pairs."""

    corpus: Path
    moves: list[tuple[Path, Path]] = field(default_factory=list)  # staged → final, applied by the job
    removals: list[tuple[Path, Path]] = field(default_factory=list)  # final → set aside
    documents: list[str] = field(default_factory=list)

    def apply(self) -> None:
        done: list[tuple[Path, Path]] = []
        try:
            for staged, final in self.moves:
                try:  # a link fails if the name is taken: no window between checking and renaming
                    os.link(staged, final)
                except FileExistsError:
                    raise FileExistsError(f"{final.name} appeared in the corpus meanwhile") from None
                except OSError:  # a filesystem without hard links: check, then rename
                    if final.exists():
                        raise FileExistsError(f"{final.name} appeared in the corpus meanwhile") from None
                    os.replace(staged, final)
                else:
                    staged.unlink()
                done.append((final, staged))
            for final, aside in self.removals:
                os.replace(final, aside)
                done.append((aside, final))
        except OSError:
            for now, before in reversed(done):
                os.replace(now, before)
            raise
        sync_folder(self.corpus)

    def undo(self) -> None:
        """After a failed build: the corpus as before the job (staged files are dropped, removed ones return)."""
        for staged, final in self.moves:
            for path in (final, staged):
                path.unlink(missing_ok=True)
        for final, aside in self.removals:
            if aside.exists():
                os.replace(aside, final)
        sync_folder(self.corpus)

    def finish(self) -> None:
        for _, aside in self.removals:
            aside.unlink(missing_ok=True)

    def discard(self) -> None:
        """A job that never ran (the server stopped): drop what it staged."""
        for staged, _ in self.moves:
            staged.unlink(missing_ok=True)


def pending_name(job: str) -> str:
    return f"{STAGED_PREFIX}{job}-{uuid.uuid4().hex[:8]}{PENDING_SUFFIX}"


def stage_upload(
    corpus: Path,
    files: list[tuple[str, bytes]],
    meta: dict[str, str | None],
    job: str,
    reserved: set[str],
    max_file_bytes: int,
) -> Change:
    """Check every file, then write each (and its sidecar) under a hidden name; nothing is kept if one fails.

    `reserved`: names promised to queued jobs, which count as taken; `max_file_bytes`: see `file_limit`.
    """
    sidecar = sidecar_of(meta)
    change = Change(corpus)
    names: list[str] = []
    for given, raw in files:
        name = safe_name(given)
        check_readable(raw, name, max_file_bytes)
        taken = set(names) | reserved
        name = unclashed(name, lambda c, taken=taken: c in taken or (corpus / c).exists() or _sidecar_taken(corpus, c))
        names.append(name)
    try:
        for (_, raw), name in zip(files, names, strict=True):
            staged = corpus / pending_name(job)
            write_synced(staged, raw)
            change.moves.append((staged, corpus / name))
            if sidecar:
                side = corpus / pending_name(job)
                write_synced(side, json.dumps(sidecar, ensure_ascii=False, indent=2).encode())
                change.moves.append((side, corpus / f"{name}{SIDECAR_SUFFIX}"))
    except OSError:
        change.discard()
        raise
    change.documents = names
    return change


def _sidecar_taken(corpus: Path, name: str) -> bool:
    return (corpus / f"{name}{SIDECAR_SUFFIX}").exists() or (corpus / f"{Path(name).stem}{SIDECAR_SUFFIX}").exists()


def stage_removal(corpus: Path, document: str, job: str) -> Change:
    """Set aside a document of the corpus and its sidecar (the job does it); LookupError if there is none."""
    path = corpus / document
    if Path(document).is_absolute() or ".." in Path(document).parts or refusal(path, corpus) or not is_document(path):
        raise LookupError(document)
    change = Change(corpus, documents=[document])
    for final in (path, path.with_name(path.name + SIDECAR_SUFFIX)):
        if final.is_file():
            change.removals.append((final, corpus / f"{SET_ASIDE_PREFIX}{job}-{uuid.uuid4().hex[:8]}{PENDING_SUFFIX}"))
    return change


def listing(index, corpus: Path) -> list[dict]:
    """The served index's documents with speakers, passages, size and when the file was added."""
    per_document: dict[str, dict] = {}
    for p in index.passages:
        entry = per_document.setdefault(p.document, {"speakers": {}, "passages": 0})
        entry["passages"] += 1
        if p.speaker:
            entry["speakers"][p.speaker] = None
    out = []
    for d in index.manifest.get("documents", []):
        entry = per_document.get(d["file"], {"speakers": {}, "passages": 0})
        path = corpus / d["file"]
        size, added = None, None  # the server may read an index of a corpus on another machine
        # A link out of the corpus is not followed: its size and time would tell a client about a file elsewhere.
        if refusal(path, corpus) is None:
            with contextlib.suppress(OSError):
                stat = path.stat()
                size, added = stat.st_size, datetime.fromtimestamp(stat.st_mtime, UTC).isoformat(timespec="seconds")
        out.append(
            {
                "document": d["file"],
                "title": d["title"],
                "speakers": list(entry["speakers"]),
                "date": d.get("date"),
                "format": d.get("format"),
                "passages": entry["passages"],
                "bytes": size,
                "added_at": added,
            }
        )
    return out
