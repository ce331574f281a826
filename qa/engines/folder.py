"""The build folder every engine shares: its file names, its manifest and the checks of what it holds.

Layout of the index folder:
    current -> builds/<stamp>     symlink, swapped atomically by each publish (`qa.store`)
    builds/<stamp>/               manifest.json, passages.jsonl, words.txt, crosslingual.json, embeddings.npy,
                                  unit_starts.npy, unit_spans.npy, unit_vectors.npy (float16; `qa.units`),
                                  and the engine's own files (FAISS: its index and BM25 matrix; Milvus: none)
    .lock                         held by a running build
"""

from __future__ import annotations

import json
from pathlib import Path

from ..checksum import file_sha256
from ..errors import IndexProblem
from ..keywords import Tokenizer
from ..reader import Passage
from ..settings import Settings

# 4: the BM25 matrix as memory-mapped .npy files; past QA_ANN_THRESHOLD an inverted file of float16 codes;
#    embeddings.npy served (it scores candidates). An older format is rebuilt, not read.
FORMAT_VERSION = 4
CURRENT = "current"
BUILDS = "builds"
MANIFEST = "manifest.json"
PASSAGES = "passages.jsonl"
WORDS = "words.txt"
LEXICON = "crosslingual.json"
EMBEDDINGS = "embeddings.npy"
LOCK = ".lock"
TMP_PREFIX = ".tmp-"
UNIQUE_FIELDS = frozenset({"id", "text"})  # a passage's own strings, never shared with another


def current_folder(root: Path) -> Path:
    link = Path(root) / CURRENT
    if not link.exists():
        raise IndexProblem(f"no index in {root}: run `qa build` first")
    return link.resolve()


def read_manifest(folder: Path) -> dict:
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise IndexProblem(f"index manifest in {folder} is unreadable ({exc}): run `qa build`") from None
    check_format(manifest, folder)
    return manifest


def check_format(manifest, where) -> None:
    if not isinstance(manifest, dict) or manifest.get("format_version") != FORMAT_VERSION:
        found = manifest.get("format_version") if isinstance(manifest, dict) else None
        raise IndexProblem(
            f"index in {where} has format {found}, this qa reads format {FORMAT_VERSION}: run `qa build`"
        )


def check_model(manifest: dict, settings: Settings, where) -> None:
    if manifest.get("model") != settings.model:
        raise IndexProblem(
            f"index in {where} was built with model {manifest.get('model')!r} but the model setting is "
            f"{settings.model!r}: run `qa build` (or set QA_MODEL={manifest.get('model')})"
        )


def check_backend(manifest: dict, backend: str, where) -> None:
    built = manifest.get("backend")
    if built != backend:
        raise IndexProblem(
            f"index in {where} was built for backend {built!r} but QA_BACKEND is {backend!r}: "
            f"run `qa build` (or set QA_BACKEND={built})"
        )


def file_record(path: Path) -> dict:
    """How the manifest records a file a server reads; `check_files` compares against it."""
    return {"bytes": path.stat().st_size, "sha256": file_sha256(path)}


def check_files(folder: Path, files: dict, verify: bool) -> None:
    """Every recorded file is there at its size, and with `verify` has its checksum."""
    for name, meta in files.items():
        path = folder / name
        if not path.is_file() or path.stat().st_size != meta["bytes"]:
            raise IndexProblem(f"index file {name} is missing or truncated: run `qa build`")
        if verify and file_sha256(path) != meta["sha256"]:
            raise IndexProblem(f"index file {name} is corrupt (checksum mismatch): run `qa build`")


def read_passages(folder: Path) -> tuple[list[Passage], list[str]]:
    """The build's passages and their embedding keys; strings every passage of a speech repeats (document,
    title, speaker, …) are kept once, which at a million passages is most of a server's private memory after
    the text itself."""
    passages, keys, seen = [], [], {}
    with (folder / PASSAGES).open(encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            keys.append(row.pop("embed_key"))
            for name, value in row.items():
                if isinstance(value, str) and name not in UNIQUE_FIELDS:
                    row[name] = seen.setdefault(value, value)
            passages.append(Passage(**row))
    return passages, keys


def read_vocabularies(folder: Path) -> tuple[Tokenizer, dict[str, list[str]]]:
    """The build's tokenizer words and cross-lingual lexicon."""
    words = (folder / WORDS).read_text(encoding="utf-8")
    lexicon = json.loads((folder / LEXICON).read_text(encoding="utf-8"))
    return Tokenizer(words.split("\n") if words else []), lexicon
