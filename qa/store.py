"""The index on disk (where a passage is stored): build, publish atomically, load and verify.

Layout of the index folder:
    current -> builds/<stamp>     symlink, swapped atomically by each publish
    builds/<stamp>/               manifest.json, passages.jsonl, words.txt, embeddings.npy, and the engine's files
                                  (FAISS: dense.faiss, bm25_data.npy, bm25_indices.npy, bm25_indptr.npy,
                                  bm25_shape.json, bm25_vocab.txt; Milvus: none, it holds a collection)
    .lock                         held by a running build

The embedding cache (embeddings.npy, rows keyed by `embed_key` in passages.jsonl) belongs to no engine: a build
for either engine reuses the unchanged paragraphs' vectors of the previous build, whichever engine that was.
Where a passage is searched is the engine's business (`qa.engines`); this module builds, publishes and loads.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from . import __version__
from .crosslingual import build_lexicon
from .embedding import Embedder
from .engines import FAISS, MILVUS
from .engines.base import Engine, Terms
from .engines.faiss import DenseIndex, FaissEngine
from .keywords import BM25, Tokenizer, learn_words, speaker_names
from .reader import Corpus, Passage
from .script import simplified
from .settings import Settings

log = logging.getLogger(__name__)

# 2: passages carry part, event, place, url, language, start, end; 3: embeddings.npy, backend;
# 4: the BM25 matrix as memory-mapped .npy files (bm25_data/indices/indptr.npy, bm25_shape.json), not bm25.npz;
#    past QA_ANN_THRESHOLD an inverted file of float16 codes, not HNSW; embeddings.npy served (scores candidates)
FORMAT_VERSION = 4
CURRENT = "current"
BUILDS = "builds"
MANIFEST = "manifest.json"
PASSAGES = "passages.jsonl"
WORDS = "words.txt"
LEXICON = "crosslingual.json"
EMBEDDINGS = "embeddings.npy"
LEGACY_FORMAT = 2  # its embedding cache is read from dense.faiss
CACHE_FORMATS = (3, FORMAT_VERSION)  # formats whose embeddings.npy a build reuses, so upgrading embeds nothing
LOCK = ".lock"
UNIQUE_FIELDS = frozenset({"id", "text"})  # a passage's own strings, never shared with another
TMP_PREFIX = ".tmp-"


class IndexProblem(Exception):
    """The index is missing, stale, corrupt or from another model; the message says to run `qa build`."""


class BuildLocked(Exception):
    """Another build holds the index folder."""


def embed_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


@dataclass
class Build:
    """What a build computed, in memory, before an engine stores it."""

    settings: Settings
    manifest: dict
    passages: list[Passage]
    keys: list[str]
    vectors: np.ndarray  # float32 unit vectors, one row per passage
    bm25: BM25
    tokenizer: Tokenizer
    lexicon: dict[str, list[str]]


@dataclass
class Index:
    """A published build as a serving process reads it: passages and vocabularies in memory, search in `engine`."""

    manifest: dict
    passages: list[Passage]
    engine: Engine
    terms: Terms
    tokenizer: Tokenizer
    lexicon: dict[str, list[str]] = field(default_factory=dict)
    folder: Path | None = None
    version: str = ""  # what changes when a new build is published: the folder, or the Milvus collection
    by_id: dict[str, int] = field(init=False, repr=False)
    speech_rows: dict[tuple[str, int], list[int]] = field(init=False, repr=False)  # (document, speech) -> rows

    def __post_init__(self):
        self.by_id = {p.id: i for i, p in enumerate(self.passages)}
        self.speech_rows = {}
        for i, p in enumerate(self.passages):
            self.speech_rows.setdefault((p.document, p.speech), []).append(i)

    @property
    def model(self) -> str:
        return self.manifest["model"]

    @property
    def backend(self) -> str:
        return self.engine.backend


@dataclass
class Cache:
    """The previous build's embeddings, by key: what a new build need not compute again."""

    manifest: dict
    keys: list[str]
    vectors: np.ndarray  # memory-mapped

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


def _versions() -> dict:
    import importlib.metadata as md

    out = {"qa": __version__}
    for dist in ("faiss-cpu", "pymilvus", "milvus-lite", "sentence-transformers", "torch", "jieba", "numpy", "scipy"):
        with contextlib.suppress(md.PackageNotFoundError):
            out[dist] = md.version(dist)
    return out


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
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "versions": _versions(),
    }
    lexicon = build_lexicon(set(bm25.vocab), sorted(speaker_names(passages)))
    return Build(settings, manifest, passages, keys, vectors, bm25, tokenizer, lexicon), reused


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _write_folder(build: Build, folder: Path) -> None:
    """The build's files; for FAISS also its search files, for Milvus the collection it was written to."""
    folder.mkdir(parents=True)
    with (folder / PASSAGES).open("w", encoding="utf-8") as fh:
        for p, key in zip(build.passages, build.keys, strict=True):
            fh.write(json.dumps({**p.to_dict(), "embed_key": key}, ensure_ascii=False) + "\n")
    (folder / WORDS).write_text("\n".join(build.tokenizer.words), encoding="utf-8")
    (folder / LEXICON).write_text(json.dumps(build.lexicon, ensure_ascii=False), encoding="utf-8")
    np.save(folder / EMBEDDINGS, build.vectors)
    manifest = dict(build.manifest)
    if build.settings.backend == MILVUS:
        from .engines import milvus

        manifest["engine"] = milvus.write(build)
        files = [PASSAGES, WORDS, LEXICON]
    else:
        s = build.settings
        dense = DenseIndex.build(build.vectors, s.ann_threshold, s.ivf_lists, s.ivf_probes)
        manifest["engine"] = {"dense_index": dense.kind, "ivf_lists": dense.lists}
        # The embeddings are served too: the engine scores its candidates with them.
        files = [PASSAGES, WORDS, LEXICON, EMBEDDINGS, *FaissEngine(dense, build.bm25, [], []).save(folder)]
    # Files a server reads are verified on load; as a cache for the next build the embeddings are checked by size.
    manifest["files"] = {
        name: {"bytes": (folder / name).stat().st_size, "sha256": _sha256(folder / name)} for name in files
    }
    manifest["cache"] = {EMBEDDINGS: {"bytes": (folder / EMBEDDINGS).stat().st_size}}
    (folder / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    for name in dict.fromkeys([*files, EMBEDDINGS, MANIFEST]):
        with (folder / name).open("rb") as fh:
            os.fsync(fh.fileno())
    build.manifest = manifest


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
    """Write the build beside the current one, then point `current` at it in one atomic rename.

    A build killed at any moment leaves `current` pointing at the previous, complete build (with Milvus, the
    alias is switched in one call once the new collection is complete, before the folder is published).
    Call with `build_lock(root)` held.
    """
    builds = root / BUILDS
    builds.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    tmp = builds / f"{TMP_PREFIX}{stamp}"
    _write_folder(build, tmp)
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
    if not isinstance(manifest, dict) or manifest.get("format_version") != FORMAT_VERSION:
        found = manifest.get("format_version") if isinstance(manifest, dict) else None
        raise IndexProblem(
            f"index in {folder} has format {found}, this qa reads format {FORMAT_VERSION}: run `qa build`"
        )
    return manifest


def load_index(root: Path, settings: Settings, verify: bool = True) -> Index:
    """Load and check the published index; any problem is one IndexProblem naming the fix.

    With Milvus the index is read from the collection behind the alias (any machine can serve it), not `root`.
    """
    if settings.backend == MILVUS:
        from .engines import milvus

        return milvus.load(settings)
    folder = current_folder(root)
    manifest = read_manifest(folder)
    check_model(manifest, settings, root)
    if manifest.get("backend") != FAISS:
        raise IndexProblem(
            f"index in {root} was built for backend {manifest.get('backend')!r} but QA_BACKEND is {FAISS!r}: "
            f"run `qa build` (or set QA_BACKEND={manifest.get('backend')})"
        )
    try:
        files = manifest["files"]
        for name, meta in files.items():
            path = folder / name
            if not path.is_file() or path.stat().st_size != meta["bytes"]:
                raise IndexProblem(f"index file {name} is missing or truncated: run `qa build`")
            if verify and _sha256(path) != meta["sha256"]:
                raise IndexProblem(f"index file {name} is corrupt (checksum mismatch): run `qa build`")
        passages, _ = read_passages(folder)
        words_text = (folder / WORDS).read_text(encoding="utf-8")
        tokenizer = Tokenizer(words_text.split("\n") if words_text else [])
        lexicon = json.loads((folder / LEXICON).read_text(encoding="utf-8"))
        dense = DenseIndex.load(folder, settings.ivf_probes, np.load(folder / EMBEDDINGS, mmap_mode="r"))
        bm25 = BM25.load(folder)
    except IndexProblem:
        raise
    except Exception as exc:
        raise IndexProblem(f"index in {folder} is unreadable ({type(exc).__name__}: {exc}): run `qa build`") from None
    if not (dense.size == len(dense.stored) == bm25.size == len(passages) == manifest["counts"]["passages"]):
        raise IndexProblem(f"index parts in {folder} disagree on the number of passages: run `qa build`")
    engine = FaissEngine(dense, bm25, [p.speaker for p in passages], [p.document for p in passages])
    terms = Terms.from_matrix(bm25.matrix, bm25.vocab)
    return Index(manifest, passages, engine, terms, tokenizer, lexicon, folder, str(folder))


def check_model(manifest: dict, settings: Settings, where) -> None:
    if manifest.get("model") != settings.model:
        raise IndexProblem(
            f"index in {where} was built with model {manifest.get('model')!r} but the model setting is "
            f"{settings.model!r}: run `qa build` (or set QA_MODEL={manifest.get('model')})"
        )


def read_passages(folder: Path) -> tuple[list[Passage], list[str]]:
    """The build's passages; strings every passage of a speech repeats (document, title, speaker, …) are kept
    once, which at a million passages is most of a server's private memory after the text itself."""
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


def current_version(settings: Settings) -> str:
    """What names the published index: its folder, or with Milvus the collection behind the alias."""
    if settings.backend == MILVUS:
        from .engines import milvus

        return milvus.current_collection(settings)
    return str(current_folder(settings.index_dir))


def load_cache(root: Path, settings: Settings) -> Cache | None:
    """The published build's embeddings if usable as a cache (same model, whole file), else None."""
    try:
        folder = current_folder(root)
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        if manifest.get("model") != settings.model:
            return None
        keys = [json.loads(line)["embed_key"] for line in (folder / PASSAGES).open(encoding="utf-8")]
        if manifest.get("format_version") == LEGACY_FORMAT:
            # Format 2 kept the vectors only inside dense.faiss: read them once, so upgrading embeds nothing.
            vectors = DenseIndex.load(folder, settings.ivf_probes, None).index.reconstruct_n(0, len(keys))
        elif manifest.get("format_version") in CACHE_FORMATS:
            # Format 3 wrote the same embeddings.npy (rows keyed by embed_key), whatever else format 4 changed.
            path = folder / EMBEDDINGS
            if path.stat().st_size != manifest["cache"][EMBEDDINGS]["bytes"]:
                return None
            vectors = np.load(path, mmap_mode="r")
        else:
            return None
        if vectors.shape != (len(keys), manifest["dimension"]):
            return None
        return Cache(manifest, keys, vectors)
    except (IndexProblem, OSError, ValueError, KeyError, TypeError, RuntimeError):
        return None


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
    )
    if same and settings.backend == MILVUS:
        from .engines import milvus

        # The collection this folder recorded must still be the one served (another machine may have built).
        return milvus.is_current(settings, manifest.get("engine") or {})
    return same


def timed_build(corpus, embedder, settings, root, progress=None) -> BuildStats:
    """Build with the embedding cache of the published index and publish; the caller holds the lock."""
    start = time.perf_counter()
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
