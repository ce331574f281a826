"""The index on disk: build, publish atomically, load and verify, whichever engine searches it.

The build folder (`qa.engines.folder` describes its layout) holds what every engine shares: the passages, the
tokenizer's words, the lexicon and the embeddings. The embedding cache (embeddings.npy, rows keyed by
`embed_key` in passages.jsonl) belongs to no engine: a build reuses the unchanged paragraphs' vectors of the
previous build, whichever engine that was. Where a passage is searched is the engine's business: this module
asks `qa.engines.engine_for(settings)` and never names one.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from . import __version__
from .crosslingual import LEXICON_VERSION, build_lexicon
from .embedding import Embedder
from .engines import engine_for
from .engines.base import Build, Index, Written
from .engines.folder import (
    BUILDS,
    CURRENT,
    EMBEDDINGS,
    FORMAT_VERSION,
    LEXICON,
    LOCK,
    MANIFEST,
    PASSAGES,
    TMP_PREFIX,
    WORDS,
    current_folder,
    file_record,
    read_manifest,
    read_passages,
)
from .errors import BuildLocked, IndexProblem
from .keywords import BM25, Tokenizer, learn_words, speaker_names
from .reader import Corpus
from .script import simplified
from .settings import Settings
from .units import UNIT_FILES, UNITS_VERSION, Units, build_units, load_units, save_units

# Names other modules import from here.
__all__ = [
    "BUILDS",
    "CURRENT",
    "EMBEDDINGS",
    "FORMAT_VERSION",
    "MANIFEST",
    "Build",
    "BuildLocked",
    "BuildStats",
    "Index",
    "IndexProblem",
    "build_index",
    "build_lock",
    "current_folder",
    "current_version",
    "is_up_to_date",
    "load_index",
    "publish",
    "read_manifest",
    "read_passages",
    "timed_build",
]


UNITS_SCRATCH = "units-"  # after TMP_PREFIX: where a build's unit vectors are written before its folder exists
# Formats whose embeddings.npy (rows keyed by embed_key) a build reuses: 3 differs from 4 only in the BM25 files.
CACHE_FORMATS = (3, FORMAT_VERSION)


def embed_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


@dataclass
class Cache:
    """The previous build's embeddings, by key: what a new build need not compute again."""

    manifest: dict
    keys: list[str]
    vectors: np.ndarray  # memory-mapped
    units: Units | None = None  # the previous build's units, when cut by the same rules

    @property
    def dimension(self) -> int:
        return int(self.manifest["dimension"])


@dataclass
class BuildStats:
    documents: int
    speeches: int
    passages: int
    embedded: int
    reused: int
    seconds: float
    skipped: list[str]
    up_to_date: bool = False


@functools.cache  # what this process runs does not change under it; reading package metadata costs ms a build
def _installed_versions() -> dict:
    import importlib.metadata as md

    out = {"qa": __version__}
    for dist in ("faiss-cpu", "pymilvus", "milvus-lite", "sentence-transformers", "torch", "jieba", "numpy", "scipy"):
        with contextlib.suppress(md.PackageNotFoundError):
            out[dist] = md.version(dist)
    return out


def _versions() -> dict:
    return dict(_installed_versions())


def build_index(
    corpus: Corpus,
    embedder: Embedder | Callable[[], Embedder],
    settings: Settings,
    previous: Cache | None = None,
    progress: Callable[[int], None] | None = None,
) -> tuple[Build, int]:
    """Everything a build holds, in memory; returns it and how many embeddings came from `previous`.

    `embedder` may be a factory: the model then loads only if some paragraph is new.
    """
    passages = corpus.passages
    # Embedded and keyword-indexed in simplified characters, so traditional and simplified text meet.
    texts = [simplified(p.indexed_text) for p in passages]
    keys = [embed_key(t) for t in texts]
    cached: dict[str, int] = {}
    if previous is not None and previous.manifest.get("model") == settings.model:
        cached = {k: i for i, k in enumerate(previous.keys)}
    todo = [i for i, k in enumerate(keys) if k not in cached]
    if todo or previous is None:
        embedder = embedder() if not isinstance(embedder, Embedder) else embedder
        dimension, location = embedder.dimension, embedder.location or settings.model
        precision = embedder.precision
    else:
        dimension, location = previous.dimension, previous.manifest.get("model_location", settings.model)
        precision = previous.manifest.get("precision")
    vectors = np.zeros((len(passages), dimension), dtype=np.float32)
    hits = [(i, cached[k]) for i, k in enumerate(keys) if k in cached]
    if hits and previous.dimension == dimension:
        vectors[[i for i, _ in hits]] = previous.vectors[[j for _, j in hits]]
        if progress:
            progress(len(hits))
    else:
        todo, hits = list(range(len(passages))), []
    reused = len(hits)
    if todo:
        vectors[todo] = embedder.encode([texts[i] for i in todo], settings.batch_size, progress)
    units = _build_units(passages, keys, cached, previous, embedder, settings, dimension) if settings.units else None

    words = learn_words(passages)
    tokenizer = Tokenizer(words)
    bm25 = BM25.build((tokenizer.split(t) for t in texts), settings.bm25_k1, settings.bm25_b)
    manifest = {
        "format_version": FORMAT_VERSION,
        "backend": settings.backend,
        "model": settings.model,
        "model_location": location,
        "precision": precision,
        "dimension": dimension,
        "counts": {
            "documents": len(corpus.documents),
            "speeches": sum(d.speech_count for d in corpus.documents),
            "passages": len(passages),
        },
        "documents": [
            {"file": d.file, "format": d.format, "title": d.title, "subtitle": d.subtitle, "date": d.date}
            for d in corpus.documents
        ],
        "corpus_fingerprint": corpus.fingerprint,
        "bm25": {"k1": settings.bm25_k1, "b": settings.bm25_b},
        "units": {"version": UNITS_VERSION, "count": units.size} if units is not None else None,
        "lexicon": {"version": LEXICON_VERSION},
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "versions": _versions(),
    }
    english = any(p.language == "en" for p in passages)
    lexicon = build_lexicon(set(bm25.vocab), sorted(speaker_names(passages)), english)
    return Build(settings, manifest, passages, keys, vectors, bm25, tokenizer, lexicon, units), reused


def _build_units(passages, keys, cached, previous, embedder, settings, dimension) -> Units:
    """The passages' units; an unchanged passage (same key) takes its units' vectors from the previous build.

    Their vectors fill a file in a scratch folder beside the builds (`publish` moves it into the new build
    folder and removes what is left), so a build holds no more than one chunk of them in memory.
    """
    old = previous.units if previous is not None and previous.dimension == dimension else None

    def reuse(i: int):
        j = cached.get(keys[i]) if old is not None else None
        return None if j is None else old.vectors[old.starts[j] : old.starts[j + 1]]

    def encode(texts: list[str]) -> np.ndarray:
        model = embedder() if not isinstance(embedder, Embedder) else embedder
        return model.encode(texts, settings.batch_size)

    builds = settings.index_dir / BUILDS
    builds.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f"{TMP_PREFIX}{UNITS_SCRATCH}", dir=builds))
    try:
        return build_units(passages, reuse, encode, dimension, scratch / UNIT_FILES[2])
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise


def _write_folder(build: Build, folder: Path) -> Written:
    """The build's shared files and the engine's part, with a manifest that records and checksums them."""
    folder.mkdir(parents=True)
    with (folder / PASSAGES).open("w", encoding="utf-8") as fh:
        for p, key in zip(build.passages, build.keys, strict=True):
            fh.write(json.dumps({**p.to_dict(), "embed_key": key}, ensure_ascii=False) + "\n")
    (folder / WORDS).write_text("\n".join(build.tokenizer.words), encoding="utf-8")
    (folder / LEXICON).write_text(json.dumps(build.lexicon, ensure_ascii=False), encoding="utf-8")
    np.save(folder / EMBEDDINGS, build.vectors)
    cached = [EMBEDDINGS]
    if build.units is not None:
        cached += save_units(build.units, folder)
    written = engine_for(build.settings).write(build, folder)
    files = list(dict.fromkeys([PASSAGES, WORDS, LEXICON, *written.files]))
    # Files a server reads are verified on load; as a cache for the next build the embeddings are checked by size.
    manifest = {
        **build.manifest,
        "engine": written.section,
        "files": {name: file_record(folder / name) for name in files},
        "cache": {name: {"bytes": (folder / name).stat().st_size} for name in cached},
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    for name in dict.fromkeys([*files, *cached, MANIFEST]):
        with (folder / name).open("rb") as fh:
            os.fsync(fh.fileno())
    build.manifest = manifest
    return written


@contextlib.contextmanager
def build_lock(root: Path):
    root.mkdir(parents=True, exist_ok=True)
    with (root / LOCK).open("a+") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BuildLocked(f"another qa build is running on {root}; wait for it to finish") from None
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def publish(build: Build, root: Path) -> Path:
    """Write the build beside the current one, let the engine publish its part, then point `current` at the
    folder in one atomic rename.

    A build killed at any moment leaves `current` pointing at the previous, complete build (with Milvus, the
    alias is switched in one call once the new collection is complete, before the folder is published).
    Call with `build_lock(root)` held.
    """
    builds = root / BUILDS
    builds.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    tmp = builds / f"{TMP_PREFIX}{stamp}"
    written = _write_folder(build, tmp)
    engine_for(build.settings).publish(written)
    final = builds / stamp
    tmp.rename(final)
    previous = Path(os.readlink(root / CURRENT)).name if (root / CURRENT).is_symlink() else None
    link_tmp = root / f"{TMP_PREFIX}{CURRENT}"
    with contextlib.suppress(FileNotFoundError):
        link_tmp.unlink()
    link_tmp.symlink_to(Path(BUILDS) / stamp)
    os.replace(link_tmp, root / CURRENT)
    dir_fd = os.open(root, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
    _clean(builds, keep={stamp, previous})
    return final


def _clean(builds: Path, keep: set) -> None:
    """Remove every build but the new one and the one it replaced, which a server may still be reading.

    Safe because the caller holds the build lock: anything else here is a leftover of a killed build.
    """
    for path in builds.iterdir():
        if path.name not in keep:
            shutil.rmtree(path, ignore_errors=True)


def load_index(root: Path, settings: Settings, verify: bool = True) -> Index:
    """Load and check the published index; any problem is one IndexProblem naming the fix.

    With Milvus the index is read from the collection behind the alias (any machine can serve it), not `root`.
    """
    return engine_for(settings).open(root, verify)


def current_version(settings: Settings) -> str:
    """What names the published index: its folder, or with Milvus the collection behind the alias."""
    return engine_for(settings).version(settings.index_dir)


def load_cache(root: Path, settings: Settings) -> Cache | None:
    """The published build's embeddings if usable as a cache (same model, a format that wrote the same
    embeddings.npy, whole file), else None."""
    try:
        folder = current_folder(root)
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        if manifest.get("model") != settings.model or manifest.get("format_version") not in CACHE_FORMATS:
            return None
        keys = [json.loads(line)["embed_key"] for line in (folder / PASSAGES).open(encoding="utf-8")]
        path = folder / EMBEDDINGS
        if path.stat().st_size != manifest["cache"][EMBEDDINGS]["bytes"]:
            return None
        vectors = np.load(path, mmap_mode="r", allow_pickle=False)
        if vectors.shape != (len(keys), manifest["dimension"]):
            return None
        return Cache(manifest, keys, vectors, _cached_units(folder, manifest, len(keys)))
    except (IndexProblem, OSError, ValueError, KeyError, TypeError):
        return None


def _cached_units(folder: Path, manifest: dict, passages: int) -> Units | None:
    """The build's units if cut by today's rules and whole on disk, else None (they are computed again)."""
    if (manifest.get("units") or {}).get("version") != UNITS_VERSION:
        return None
    try:
        if any((folder / n).stat().st_size != manifest["cache"][n]["bytes"] for n in UNIT_FILES):
            return None
        units = load_units(folder)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return units if units.fits(passages) else None


def is_up_to_date(root: Path, corpus_fingerprint: str, settings: Settings) -> bool:
    try:
        manifest = read_manifest(current_folder(root))
    except IndexProblem:
        return False
    same = (
        manifest.get("corpus_fingerprint") == corpus_fingerprint
        and manifest.get("model") == settings.model
        and manifest.get("bm25") == {"k1": settings.bm25_k1, "b": settings.bm25_b}
        and manifest.get("backend") == settings.backend
        # An index from before units gains them; one built without them loses them when they are turned on.
        and (manifest.get("units") or {}).get("version") == (UNITS_VERSION if settings.units else None)
        and (manifest.get("lexicon") or {}).get("version") == LEXICON_VERSION
    )
    # With Milvus the collection this folder recorded must still be the one served (another machine may build).
    return same and engine_for(settings).is_current(manifest)


def timed_build(corpus, embedder, settings, root, progress=None) -> BuildStats:
    """Build with the embedding cache of the published index and publish; the caller holds the lock."""
    start = time.perf_counter()
    engine_for(settings).ready()
    previous = load_cache(root, settings)
    build, reused = build_index(corpus, embedder, settings, previous, progress)
    del previous  # the memory map of the replaced build's embeddings
    build.manifest["build_seconds"] = round(time.perf_counter() - start, 3)  # for /metrics of the servers
    publish(build, root)
    return BuildStats(
        documents=len(corpus.documents),
        speeches=build.manifest["counts"]["speeches"],
        passages=len(build.passages),
        embedded=len(build.passages) - reused,
        reused=reused,
        seconds=time.perf_counter() - start,
        skipped=corpus.skipped,
    )
