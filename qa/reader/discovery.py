"""Which files of a corpus folder are speeches: every file is a document, a metadata file, a note, or a named skip.

Hidden files and folders are not the user's speeches and are passed over in silence. A collection's own notes
(`README`, `LICENSE`, `SOURCE`, `NOTES`, `CHANGELOG`, ...) and whatever the corpus root's `.qaignore` matches
(gitignore syntax) are not read and are named once in the build's summary. Everything else that is not read
(a `.doc`, a broken link, a link out of the corpus, a FIFO, a folder that cannot be listed) is named with why.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..untrusted import file_name
from . import boundary, limits, metadata
from .formats import SUFFIXES

IGNORE_FILE = ".qaignore"
MAX_IGNORE_BYTES = 1 << 20  # a list of patterns; anything larger is not one
# A collection's own notes, not speeches: `README.md`, `LICENSE`, `SOURCE.md` (where the files came from), ...
NOT_SPEECHES = re.compile(
    r"""^(?:
        README | LICEN[CS]E | COPYING | NOTICE   # what the collection is and who may use it
        | CHANGELOG | SOURCES? | NOTES?          # where it came from and what changed
    )(?:[-_.].*)?$""",
    re.I | re.X,
)


@dataclass
class Found:
    root: Path  # the boundary: what every file's real path must be inside
    documents: list[tuple[str, Path]] = field(default_factory=list)  # (name shown and stored, path to read)
    metadata: list[tuple[str, Path]] = field(default_factory=list)  # sidecars and metadata.csv
    notes: list[str] = field(default_factory=list)  # not speeches, by name or by .qaignore
    skipped: list[str] = field(default_factory=list)  # "name: why"

    def metadata_digests(self) -> Iterator[tuple[str, str]]:
        """What each metadata file holds, for the corpus fingerprint (a changed sidecar changes the build)."""
        for name, path in self.metadata:
            try:
                data = boundary.read_inside(path, self.root, limits.max_bytes())
                yield name, hashlib.sha256(data).hexdigest()
            except OSError as exc:
                yield name, str(exc)


def is_document(path: Path) -> bool:
    """Files a reader knows, except hidden ones and a collection's own notes."""
    name = path.name
    return path.suffix.lower() in SUFFIXES and not name.startswith(".") and not NOT_SPEECHES.match(name)


def is_metadata(rel: str) -> bool:
    return rel.endswith(metadata.SIDECAR_SUFFIX) or rel == metadata.CATALOGUE


def discover(folder: Path, root: Path | None = None) -> Found:
    """Every entry under `folder`, sorted by path, sorted into documents, metadata, notes and named skips; files
    must resolve inside `root` (default: `folder`)."""
    found = Found(root or folder)
    ignored = _ignore_rules(folder, found)
    _walk(found.root, folder, "", ignored, found)
    return found


def _walk(root: Path, directory: Path, prefix: str, ignored, found: Found) -> None:
    try:
        with os.scandir(directory) as listing:
            entries = sorted(listing, key=lambda e: e.name)
    except OSError as exc:
        found.skipped.append(f"{file_name(prefix) or '.'}: a folder that cannot be read ({exc.strerror})")
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        rel = prefix + entry.name
        shown = file_name(rel)
        try:
            is_folder = entry.is_dir(follow_symlinks=False)
        except OSError:
            is_folder = False
        if is_folder:
            if ignored and ignored.match_file(rel + "/"):
                found.notes.append(shown + "/")
            else:
                _walk(root, Path(entry.path), rel + "/", ignored, found)
            continue
        if NOT_SPEECHES.match(entry.name) or (ignored and ignored.match_file(rel)):
            found.notes.append(shown)
            continue
        path = Path(entry.path)
        why = boundary.refusal(path, root)
        if why == boundary.FOLDER:
            why = "a link to a folder (not followed)"
        if why:
            found.skipped.append(f"{shown}: {why}")
        elif is_metadata(rel):
            found.metadata.append((shown, path))
        elif is_document(path):
            found.documents.append((shown, path))
        else:
            kind = f"{path.suffix.lower()} files are" if path.suffix else "a file without a suffix is"
            found.skipped.append(f"{shown}: {kind} not read (formats: {', '.join(s.lstrip('.') for s in SUFFIXES)})")


def _ignore_rules(folder: Path, found: Found):
    """The corpus root's `.qaignore` as gitignore rules, or None when there is none (or it cannot be used)."""
    path = folder / IGNORE_FILE
    if not os.path.lexists(path):
        return None
    import pathspec

    try:
        text = boundary.read_inside(path, found.root, MAX_IGNORE_BYTES).decode("utf-8-sig")
        return pathspec.GitIgnoreSpec.from_lines(text.splitlines())
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        found.skipped.append(f"{IGNORE_FILE}: not used ({getattr(exc, 'strerror', None) or exc})")
        return None
