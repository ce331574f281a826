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

from .script import simplified
from .textrules import sentences

# A sentence shorter than this ("Thank you.", "谢谢。") says too little to be matched alone: it joins the next.
MIN_UNIT_CHARS = {"zh": 12, "other": 40}
OFFSET_SPAN = 1 << 32  # more characters than any passage has: (candidate, offset) pairs sort as one integer


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


@dataclass(frozen=True)
class Units:
    """Every passage's units: `starts` (passages + 1) offsets into `spans` (units × 2) and `vectors` (units × d)."""

    starts: np.ndarray  # int64
    spans: np.ndarray  # int32 [start, end) in the passage's text
    vectors: np.ndarray  # unit vectors: float16 from a build (memory-mapped when served), float32 in tests

    @property
    def size(self) -> int:
        return len(self.spans)

    def best(self, rows: np.ndarray, query: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For each passage row: the best unit's inner product with `query` and that unit's index."""
        begin, end = self.starts[rows], self.starts[rows + 1]
        members = np.concatenate([np.arange(b, e) for b, e in zip(begin, end, strict=True)] or [np.zeros(0, int)])
        owner = np.repeat(np.arange(len(rows)), end - begin)
        scores = np.asarray(self.vectors[members] @ query, dtype=np.float32)
        best = np.full(len(rows), -np.inf, dtype=np.float32)
        np.maximum.at(best, owner, scores)
        unit = np.full(len(rows), -1, dtype=np.int64)
        winners = np.flatnonzero(scores >= best[owner])[::-1]  # reversed: the first of tied units is kept
        unit[owner[winners]] = members[winners]
        return best, unit

    def keyword(self, rows: np.ndarray, lowered, weights: dict[str, float]) -> np.ndarray:
        """For each passage row: the most of the question (`shared_weight`) any one of its units holds;
        `lowered(row)` is the passage's text as terms are matched in it, offsets unchanged."""
        out = np.zeros(len(rows), dtype=np.float32)
        if not weights or not len(rows):
            return out
        begin, end = self.starts[rows], self.starts[rows + 1]
        members = np.concatenate([np.arange(b, e) for b, e in zip(begin, end, strict=True)])
        owner = np.repeat(np.arange(len(rows)), end - begin)
        # Where each term occurs, found with str.find (no Python loop over units), is then placed in its unit by
        # one sorted search over (candidate, unit start) keys: units are in text order within a passage.
        keys = owner * OFFSET_SPAN + self.spans[members, 0]
        terms = list(weights)
        found_at, found_term, found_in = [], [], []
        for i, row in enumerate(rows):
            text = lowered(int(row))
            for j, term in enumerate(terms):
                at = text.find(term)
                while at >= 0:
                    found_at.append(at)
                    found_in.append(i)
                    found_term.append(j)
                    at = text.find(term, at + len(term))
        if not found_at:
            return out
        at, candidate = np.asarray(found_at, dtype=np.int64), np.asarray(found_in, dtype=np.int64)
        unit = np.searchsorted(keys, candidate * OFFSET_SPAN + at, side="right") - 1
        # An occurrence outside every unit of its passage (before the first, after the last) counts for none.
        inside = (unit >= 0) & (owner[unit] == candidate) & (at < self.spans[members[unit], 1])
        held = np.zeros((len(members), len(terms)), dtype=bool)
        held[unit[inside], np.asarray(found_term)[inside]] = True
        scores = held @ np.asarray([weights[t] for t in terms], dtype=np.float32)
        np.maximum.at(out, owner, scores)
        return out

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


def load_units(folder: Path) -> Units:
    starts, spans, vectors = (np.load(folder / name, mmap_mode="r") for name in UNIT_FILES)
    return Units(np.asarray(starts), np.asarray(spans), vectors)
