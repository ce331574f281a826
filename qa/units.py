"""Units: the sentences a passage is matched by (match small, return whole).

A passage's vector is an average over its 100–400 tokens, which a single telling line no longer dominates. Each
passage is therefore also cut into units (its sentences, a short one joined to the next), each embedded with the
passage's speech context in front as the passage is. Retrieval scores a passage by its own vector and its best
unit, returns the passage, and quotes the unit that matched as its best sentence.

On disk units are character spans of their passage's text (so a unit is never stored twice) and one row per unit
of the vector matrix, in passage order: `starts[i]:starts[i + 1]` are passage i's units.
"""

from __future__ import annotations

import itertools
import shutil
from array import array
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from ahocorasick_rs import AhoCorasick

from .script import simplified
from .textrules import sentences

# A sentence shorter than this ("Thank you.", "谢谢。") says too little to be matched alone: it joins the next.
MIN_UNIT_CHARS = {"zh": 12, "other": 40}
TEXT_BREAK = "\0"  # ends each candidate's text where they are searched as one: no query term holds it


def unit_spans(text: str, language: str | None) -> list[tuple[int, int]]:
    """[start, end) character spans of a passage's units, in order; at least one (the whole text)."""
    language = language or "zh"
    shortest = MIN_UNIT_CHARS["zh" if language == "zh" else "other"]
    spans: list[tuple[int, int]] = []
    offset = 0
    for paragraph in text.split("\n"):
        found, cursor = [], 0
        for s in sentences(paragraph, language):
            start = paragraph.find(s, cursor)
            if start < 0:  # the splitter changed the sentence: what is left of the paragraph is one unit
                break
            found.append((start, start + len(s)))
            cursor = start + len(s)
        rest = paragraph[cursor:].strip()
        if rest:
            start = paragraph.index(rest, cursor)
            found.append((start, start + len(rest)))
        merged: list[tuple[int, int]] = []
        for s, e in found:
            if merged and merged[-1][1] - merged[-1][0] < shortest:
                merged[-1] = (merged[-1][0], e)
            else:
                merged.append((s, e))
        if len(merged) > 1 and merged[-1][1] - merged[-1][0] < shortest:
            merged[-2:] = [(merged[-2][0], merged[-1][1])]
        spans.extend((offset + s, offset + e) for s, e in merged)
        offset += len(paragraph) + 1
    return spans or [(0, len(text))]


def shared_weight(lowered: str, weights: dict[str, float]) -> float:
    """How much of the question a text holds: the weights of the query terms found in it (lower-cased,
    simplified). Found as substrings, as Chinese words are, so no tokenizer runs on a text at query time."""
    return sum(w for term, w in weights.items() if term in lowered)


def _segment_max(scores: np.ndarray, first: np.ndarray, members: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per run of `scores` (run i starts at `first[i]`; a run may be empty): its largest score (-inf when empty)
    and the member where it first occurs (-1 when empty)."""
    best = np.full(len(first), -np.inf, dtype=np.float32)
    unit = np.full(len(first), -1, dtype=np.int64)
    ends = np.append(first[1:], len(scores))
    held = first < ends
    if held.any():
        best[held] = np.maximum.reduceat(scores, first[held])
        owner = np.repeat(np.arange(len(first)), ends - first)
        top = np.flatnonzero(scores >= best[owner])
        lead = np.ones(len(top), dtype=bool)
        lead[1:] = owner[top[1:]] != owner[top[:-1]]
        unit[owner[top[lead]]] = members[top[lead]]
    return best, unit


@dataclass(frozen=True)
class Units:
    """Every passage's units: `starts` (passages + 1) offsets into `spans` (units × 2) and `vectors` (units × d)."""

    starts: np.ndarray  # int64
    spans: np.ndarray  # int32 [start, end) in the passage's text
    vectors: np.ndarray  # unit vectors: float16 from a build (memory-mapped when served), float32 in tests

    @property
    def size(self) -> int:
        return len(self.spans)

    def _members(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The units of the passages `rows`, in order, where each passage's run of them starts, and its length."""
        begin = self.starts[rows]
        counts = self.starts[rows + 1] - begin
        first = np.cumsum(counts) - counts
        members = np.arange(int(counts.sum()), dtype=np.int64) + np.repeat(begin - first, counts)
        return members, first, counts

    def best(self, rows: np.ndarray, query: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For each passage row: the best unit's inner product with `query` and that unit's index (the first of
        tied units)."""
        members, first, _ = self._members(rows)
        scores = np.asarray(self.vectors[members], dtype=np.float32) @ query.astype(np.float32, copy=False)
        return _segment_max(scores, first, members)

    def keyword(self, rows: np.ndarray, lowered, weights: dict[str, float]) -> np.ndarray:
        """For each passage row: the most of the question (`shared_weight`) any one of its units holds;
        `lowered(row)` is the passage's text as terms are matched in it, offsets unchanged."""
        members, first, counts = self._members(rows)
        terms = [t for t in weights if t]  # an empty term holds nothing (and no automaton takes one)
        if not terms or not len(members):
            return np.zeros(len(rows), dtype=np.float32)
        texts = [lowered(int(row)) for row in rows]
        # The candidates' texts are searched as one, each followed by a character no term holds, in one pass that
        # finds every term's every place (Aho-Corasick, Rust's: 0.7 ms for a Chinese question's terms, glosses
        # included, over 170 English candidates' 232,000 characters, against 2.1 for pyahocorasick's and 8.5 for
        # a str.find scan a term). Each place is then put in its unit by one sorted search over the units' starts
        # in the joined text.
        lengths = np.fromiter((len(t) + len(TEXT_BREAK) for t in texts), dtype=np.int64, count=len(texts))
        offset = np.repeat(np.cumsum(lengths) - lengths, counts)  # each unit's text's start in the joined text
        unit_start, unit_end = offset + self.spans[members, 0], offset + self.spans[members, 1]
        places = AhoCorasick(terms).find_matches_as_indexes(TEXT_BREAK.join(texts), overlapping=True)
        if not places:
            return np.zeros(len(rows), dtype=np.float32)
        # Each place is (its term, its start, its end); read flat, as a list of tuples converts slowly.
        flat = np.fromiter(itertools.chain.from_iterable(places), dtype=np.int64, count=3 * len(places))
        which, at = flat[0::3], flat[1::3]
        unit = np.searchsorted(unit_start, at, side="right") - 1
        # A place outside every unit (before a passage's first, after its last) counts for none.
        inside = (unit >= 0) & (at < unit_end[np.maximum(unit, 0)])
        held = np.unique(unit[inside] * len(terms) + which[inside])  # each (unit, term) once
        term_weight = np.asarray([weights[t] for t in terms], dtype=np.float64)
        scores = np.bincount(held // len(terms), term_weight[held % len(terms)], minlength=len(members))
        best = _segment_max(scores.astype(np.float32), first, members)[0]
        return np.maximum(best, 0)  # a passage without units holds none of the question

    def fits(self, passages: int) -> bool:
        """Whether these units belong to a build of `passages` passages (no part truncated or from another)."""
        return len(self.starts) == passages + 1 and int(self.starts[-1]) == self.size == len(self.vectors)

    def span(self, unit: int) -> tuple[int, int]:
        s, e = self.spans[unit]
        return int(s), int(e)


UNIT_FILES = ("unit_starts.npy", "unit_spans.npy", "unit_vectors.npy")
# What makes a previous build's units reusable besides the passage: bump when `unit_spans` cuts differently.
UNITS_VERSION = 1
# Unit vectors are float16 from the build on: half the memory and disk of float32, and what is served and what
# Milvus stores, so a build scores its units as its server will.
UNIT_DTYPE = np.float16
# Units embedded per call: a build holds one chunk's float32 vectors and texts (~25 MB at 384 dimensions), never
# every unit's (a million passages cut into ~10 million units would be 15 GB of float32).
UNIT_CHUNK = 16_384
# Unit vectors up to this size (as float32) a server holds in memory as float32: numpy turns float16 into float32
# at about 2 ns a number, which was 1.1 of the 1.2 ms a question spent scoring its candidates' ~1,600 units. 256 MiB
# is ~175,000 units, a collection of ~28,000 passages; a larger one is scored from its float16 file.
RESIDENT_UNIT_BYTES = 256 << 20


def unit_layout(passages: list) -> tuple[np.ndarray, np.ndarray]:
    """Starts (passages + 1) and spans (units × 2) of every passage's units; typed arrays, no list of tuples."""
    starts, spans = array("q", [0]), array("i")
    for p in passages:
        own = unit_spans(p.text, p.language)
        spans.extend(itertools.chain.from_iterable(own))
        starts.append(starts[-1] + len(own))
    return np.frombuffer(starts, np.int64), np.frombuffer(spans, np.int32).reshape(-1, 2)


def unit_text(passage, span) -> str:
    """What a unit is embedded as: its passage's context line, then the unit, in simplified characters, as the
    passage itself is embedded."""
    s, e = span
    return simplified(f"{passage.context}\n{passage.text[s:e]}")


def unit_chunks(todo: list[int], starts: np.ndarray, size: int):
    """The passages of `todo` in runs holding about `size` units (a passage is never split)."""
    chunk, held = [], 0
    for i in todo:
        chunk.append(i)
        held += int(starts[i + 1] - starts[i])
        if held >= size:
            yield chunk
            chunk, held = [], 0
    if chunk:
        yield chunk


def unit_array(rows: int, dimension: int, into: Path | None) -> np.ndarray:
    """Where a build writes its unit vectors: a float16 .npy file `into` filled in place (memory-mapped, so the
    kernel writes pages out as they fill), or an array in memory when there is no file to name."""
    if into is None or rows == 0:  # an empty file cannot be memory-mapped
        return np.zeros((rows, dimension), dtype=UNIT_DTYPE)
    return np.lib.format.open_memmap(into, mode="w+", dtype=UNIT_DTYPE, shape=(rows, dimension))


def build_units(passages: list, reuse, encode, dimension: int, into: Path | None = None) -> Units:
    """Units of every passage; `reuse(i)` gives passage i's unit vectors from the previous build, or None when
    they must be computed; `encode(texts)` embeds the rest, `UNIT_CHUNK` units a call. The vectors are written
    into the file `into` (see `unit_array`), which `save_units` then moves into the build folder."""
    starts, spans = unit_layout(passages)
    vectors = unit_array(len(spans), dimension, into)
    todo: list[int] = []
    for i in range(len(passages)):
        old = reuse(i)
        if old is not None and len(old) == starts[i + 1] - starts[i]:
            vectors[starts[i] : starts[i + 1]] = old
        else:
            todo.append(i)
    for chunk in unit_chunks(todo, starts, UNIT_CHUNK):
        rows = np.concatenate([np.arange(starts[i], starts[i + 1]) for i in chunk])
        vectors[rows] = encode([unit_text(passages[i], spans[u]) for i in chunk for u in range(*starts[i : i + 2])])
    if isinstance(vectors, np.memmap):
        vectors.flush()
    return Units(starts, spans, vectors)


def save_units(units: Units, folder: Path) -> list[str]:
    """Write the units into a build folder. Vectors a build wrote into a file of their own (a writable memory
    map) are moved there, not copied: a rename within one file system, however many units there are."""
    np.save(folder / UNIT_FILES[0], units.starts)
    np.save(folder / UNIT_FILES[1], units.spans)
    target, vectors = folder / UNIT_FILES[2], units.vectors
    if isinstance(vectors, np.memmap) and vectors.mode in ("r+", "w+") and vectors.filename:
        vectors.flush()
        shutil.move(vectors.filename, target)  # the map stays valid: it holds the file, not its name
    else:  # in memory: a build too small to need a file of its own
        np.save(target, np.asarray(vectors, dtype=UNIT_DTYPE))
    return list(UNIT_FILES)


def load_units(folder: Path, resident_bytes: int = 0) -> Units:
    """A build's units, their vectors memory-mapped as stored (float16), or read into memory as float32 when that
    takes at most `resident_bytes` (a server's: see `RESIDENT_UNIT_BYTES`)."""
    starts, spans, vectors = (np.load(folder / name, mmap_mode="r") for name in UNIT_FILES)
    if vectors.size * np.dtype(np.float32).itemsize <= resident_bytes:
        vectors = np.asarray(vectors, dtype=np.float32)  # exact: every float16 is a float32
    return Units(np.asarray(starts), np.asarray(spans), vectors)
