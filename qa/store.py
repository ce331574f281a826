"""The index on disk (where a passage is stored): build, publish atomically, load and verify.

Layout of the index folder:
    current -> builds/<stamp>     symlink, swapped atomically by each publish
    builds/<stamp>/               manifest.json, passages.jsonl, words.txt, dense.faiss, bm25.npz, ...
    .lock                         held by a running build
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
from .reader import Corpus, Passage
from .crosslingual import build_lexicon
from .dense import DenseIndex
from .embedding import Embedder
from .keywords import BM25, Tokenizer, learn_words, speaker_names
from .script import simplified
from .settings import Settings

log = logging.getLogger(__name__)

FORMAT_VERSION = 2  # 2: passages carry part, event, place, url, language, start, end
CURRENT = "current"
BUILDS = "builds"
MANIFEST = "manifest.json"
PASSAGES = "passages.jsonl"
WORDS = "words.txt"
LEXICON = "crosslingual.json"
LOCK = ".lock"
TMP_PREFIX = ".tmp-"


class IndexProblem(Exception):
    """The index is missing, stale, corrupt or from another model; the message says to run `qa build`."""


class BuildLocked(Exception):
    """Another build holds the index folder."""


def embed_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


@dataclass
class Index:
    manifest: dict
    passages: list[Passage]
    keys: list[str]
    dense: DenseIndex
    bm25: BM25
    tokenizer: Tokenizer
    lexicon: dict[str, list[str]] = field(default_factory=dict)
    folder: Path | None = None
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
    for dist in ("faiss-cpu", "sentence-transformers", "torch", "jieba", "numpy", "scipy"):
        with contextlib.suppress(md.PackageNotFoundError):
            out[dist] = md.version(dist)
    return out


def build_index(
    corpus: Corpus,
    embedder: Embedder | Callable[[], Embedder],
    settings: Settings,
    previous: Index | None = None,
    progress: Callable[[int], None] | None = None,
) -> tuple[Index, int]:
    """Everything an index holds, in memory; returns it and how many embeddings came from `previous`.

    `embedder` may be a factory: the model then loads only if some paragraph is new.
    """
    passages = corpus.passages
    # Embedded and keyword-indexed in simplified characters, so traditional and simplified text meet.
    texts = [simplified(p.indexed_text) for p in passages]
    keys = [embed_key(t) for t in texts]
    cached: dict[str, int] = {}
    if previous is not None and previous.model == settings.model:
        cached = {k: i for i, k in enumerate(previous.keys)}
    todo = [i for i, k in enumerate(keys) if k not in cached]
    if todo or previous is None:
        embedder = embedder() if not isinstance(embedder, Embedder) else embedder
        dimension, location = embedder.dimension, embedder.location or settings.model
        precision = embedder.precision
    else:
        dimension, location = previous.dense.dimension, previous.manifest.get("model_location", settings.model)
        precision = previous.manifest.get("precision")
    vectors = np.zeros((len(passages), dimension), dtype=np.float32)
    hits = [(i, cached[k]) for i, k in enumerate(keys) if k in cached]
    if hits and previous.dense.dimension == dimension:
        vectors[[i for i, _ in hits]] = previous.dense.vectors([j for _, j in hits])
        if progress:
            progress(len(hits))
    else:
        todo, hits = list(range(len(passages))), []
    reused = len(hits)
    if todo:
        vectors[todo] = embedder.encode([texts[i] for i in todo], settings.batch_size, progress)

    words = learn_words(passages)
    tokenizer = Tokenizer(words)
    bm25 = BM25.build((tokenizer.tokens(t) for t in texts), settings.bm25_k1, settings.bm25_b)
    dense = DenseIndex.build(vectors, settings.ann_threshold, settings.hnsw_m, settings.hnsw_ef_search)
    manifest = {
        "format_version": FORMAT_VERSION,
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
        "dense_index": dense.kind,
        "bm25": {"k1": settings.bm25_k1, "b": settings.bm25_b},
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "versions": _versions(),
    }
    lexicon = build_lexicon(set(bm25.vocab), sorted(speaker_names(passages)))
    return Index(manifest, passages, keys, dense, bm25, tokenizer, lexicon), reused


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _write_folder(index: Index, folder: Path) -> None:
    folder.mkdir(parents=True)
    with (folder / PASSAGES).open("w", encoding="utf-8") as fh:
        for p, key in zip(index.passages, index.keys, strict=True):
            fh.write(json.dumps({**p.to_dict(), "embed_key": key}, ensure_ascii=False) + "\n")
    (folder / WORDS).write_text("\n".join(index.tokenizer.words), encoding="utf-8")
    (folder / LEXICON).write_text(json.dumps(index.lexicon, ensure_ascii=False), encoding="utf-8")
    files = [PASSAGES, WORDS, LEXICON, *index.dense.save(folder), *index.bm25.save(folder)]
    manifest = dict(index.manifest)
    manifest["files"] = {
        name: {"bytes": (folder / name).stat().st_size, "sha256": _sha256(folder / name)} for name in files
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    for name in [*files, MANIFEST]:
        with (folder / name).open("rb") as fh:
            os.fsync(fh.fileno())
    index.manifest = manifest


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


def publish(index: Index, root: Path) -> Path:
    """Write the index beside the current one, then point `current` at it in one atomic rename.

    A build killed at any moment leaves `current` pointing at the previous, complete build.
    Call with `build_lock(root)` held.
    """
    builds = root / BUILDS
    builds.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    tmp = builds / f"{TMP_PREFIX}{stamp}"
    _write_folder(index, tmp)
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
    index.folder = final
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
    """Load and check the published index; any problem is one IndexProblem naming the fix."""
    folder = current_folder(root)
    manifest = read_manifest(folder)
    if manifest.get("model") != settings.model:
        raise IndexProblem(
            f"index in {root} was built with model {manifest.get('model')!r} but the model setting is "
            f"{settings.model!r}: run `qa build` (or set QA_MODEL={manifest.get('model')})"
        )
    try:
        files = manifest["files"]
        for name, meta in files.items():
            path = folder / name
            if not path.is_file() or path.stat().st_size != meta["bytes"]:
                raise IndexProblem(f"index file {name} is missing or truncated: run `qa build`")
            if verify and _sha256(path) != meta["sha256"]:
                raise IndexProblem(f"index file {name} is corrupt (checksum mismatch): run `qa build`")
        passages, keys = [], []
        with (folder / PASSAGES).open(encoding="utf-8") as fh:
            for line in fh:
                row = json.loads(line)
                keys.append(row.pop("embed_key"))
                passages.append(Passage(**row))
        words_text = (folder / WORDS).read_text(encoding="utf-8")
        tokenizer = Tokenizer(words_text.split("\n") if words_text else [])
        lexicon = json.loads((folder / LEXICON).read_text(encoding="utf-8"))
        dense = DenseIndex.load(folder, settings.hnsw_ef_search)
        bm25 = BM25.load(folder)
    except IndexProblem:
        raise
    except Exception as exc:
        raise IndexProblem(f"index in {folder} is unreadable ({type(exc).__name__}: {exc}): run `qa build`") from None
    if not (dense.size == bm25.size == len(passages) == manifest["counts"]["passages"]):
        raise IndexProblem(f"index parts in {folder} disagree on the number of passages: run `qa build`")
    return Index(manifest, passages, keys, dense, bm25, tokenizer, lexicon, folder)


def try_load_previous(root: Path, settings: Settings) -> Index | None:
    """The published index if it is usable as an embedding cache, else None."""
    try:
        return load_index(root, settings, verify=False)
    except IndexProblem:
        return None


def is_up_to_date(root: Path, corpus_fingerprint: str, settings: Settings) -> bool:
    try:
        manifest = read_manifest(current_folder(root))
    except IndexProblem:
        return False
    return (
        manifest.get("corpus_fingerprint") == corpus_fingerprint
        and manifest.get("model") == settings.model
        and manifest.get("bm25") == {"k1": settings.bm25_k1, "b": settings.bm25_b}
    )


def timed_build(corpus, embedder, settings, root, progress=None) -> BuildStats:
    """Build with the embedding cache of the published index and publish; the caller holds the lock."""
    start = time.perf_counter()
    previous = try_load_previous(root, settings)
    index, reused = build_index(corpus, embedder, settings, previous, progress)
    publish(index, root)
    return BuildStats(
        documents=len(corpus.documents),
        speeches=index.manifest["counts"]["speeches"],
        passages=len(index.passages),
        embedded=len(index.passages) - reused,
        reused=reused,
        seconds=time.perf_counter() - start,
        skipped=corpus.skipped,
    )
