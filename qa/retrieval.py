"""Retrieval (where a passage is ranked): dense and BM25 candidates, fused, with highlights and best sentence."""

from __future__ import annotations

import functools
import re
import string
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .crosslingual import chinese_names, is_english, translate, translate_chinese
from .embedding import Embedder
from .engines.base import Filter, Query
from .keywords import ENGLISH_WORD, asks_who_spoke, speaker_names, stem
from .script import simplified
from .settings import Settings
from .store import Index
from .textrules import is_chinese_char, sentences
from .units import shared_weight

LATIN_WORD = re.compile(r"[A-Za-z]+")
LATIN_LETTERS = frozenset(string.ascii_letters)
BIGRAM_WEIGHT = 0.1  # a shared character pair counts for a little when no whole word is shared
LOWERED_CACHE = 4096  # passages whose matchable lower-cased text is kept: a few questions' candidates
ANSWER_LEAD = 1e-6  # an answer lifted by its question ranks just above it, and no further


@dataclass(frozen=True)
class Result:
    id: str
    rank: int
    score: float
    text: str
    source: dict
    highlights: list[tuple[int, int]]
    best_sentence: str

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "rank": self.rank,
            "score": round(self.score, 6),
            "text": self.text,
            "source": self.source,
            "highlights": [list(span) for span in self.highlights],
            "best_sentence": self.best_sentence,
        }


@dataclass(frozen=True)
class Asked:
    """A question as searched: `text` is what the model encodes and speakers' names are looked for in,
    `keywords` what BM25 is asked with (the same, but for a Chinese question over English speeches, which the
    model reads as asked while BM25 also gets its English words), `dense_share` its share in weighted fusion
    (None: by the language of `text`)."""

    text: str
    keywords: str
    dense_share: float | None = None
    terms: list[str] | None = None  # BM25's tokens of `keywords`, when making the question already made them


@dataclass(frozen=True)
class Candidates:
    """A question's candidate passages and each signal of theirs that `fuse` mixes (where a passage is scored)."""

    rows: np.ndarray  # passage rows
    dense: np.ndarray  # the question's cosine with each passage's vector
    keyword: np.ndarray  # each passage's BM25
    unit: np.ndarray  # each passage's best unit (-1 without units)
    unit_dense: np.ndarray | None  # that unit's cosine with the question (None without units)
    unit_keyword: np.ndarray | None  # the most of the question one unit holds (None without units or its share)
    dense_share: float  # the dense score's share in weighted fusion
    named: np.ndarray  # spoken by a speaker the question names (and does not ask about)


def fuse(found: Candidates, s: Settings) -> np.ndarray:
    """One score a candidate: dense and keyword signals fused, plus the named speaker's boost."""
    dense, keyword = found.dense, found.keyword
    if found.unit_dense is not None:
        # A line the passage average no longer shows (a famous sentence in a long passage) still counts.
        dense = (1 - s.unit_weight) * dense + s.unit_weight * found.unit_dense
    if found.unit_keyword is not None:
        # Likewise the question's words all in one line, rather than spread over a long passage.
        m = s.unit_keyword_weight
        keyword = (1 - m) * to_unit_max(keyword) + m * to_unit_max(found.unit_keyword)
    if s.fusion == "rrf":
        fused = rrf_fusion(dense, keyword, s.rrf_k)
    else:
        fused = weighted_fusion(dense, keyword, found.dense_share)
    # The question names a place or person: prefer what that speaker said.
    return fused + s.speaker_boost * found.named


def minmax(x: np.ndarray) -> np.ndarray:
    span = float(x.max() - x.min()) if x.size else 0.0
    return (x - x.min()) / span if span > 0 else np.ones_like(x)


def to_unit_max(x: np.ndarray) -> np.ndarray:
    """Non-negative scores divided by their largest (all zeros stay zeros)."""
    return x / x.max() if x.size and x.max() > 0 else np.zeros_like(x)


def weighted_fusion(dense: np.ndarray, bm25: np.ndarray, dense_weight: float) -> np.ndarray:
    """Both scores scaled to [0, 1] over the candidates, then mixed linearly."""
    return dense_weight * minmax(dense) + (1 - dense_weight) * to_unit_max(bm25)


def rrf_fusion(dense: np.ndarray, bm25: np.ndarray, k: int) -> np.ndarray:
    """Reciprocal-rank fusion: each list adds 1 / (k + rank)."""

    def ranks(x):
        r = np.empty(len(x), dtype=np.float64)
        r[np.argsort(-x, kind="stable")] = np.arange(1, len(x) + 1)
        return r

    return 1.0 / (k + ranks(dense)) + np.where(bm25 > 0, 1.0 / (k + ranks(bm25)), 0.0)


def english_marks(text: str, stems: set[str]) -> list[tuple[int, int]]:
    """[start, end) of every English word (a whole run of Latin letters) whose stem is one of `stems`. Each
    different word is stemmed once and then found where it stands, rather than every word of the text stemmed in
    turn (0.27 ms a passage of a State of the Union address)."""
    hits = [w for w in set(LATIN_WORD.findall(text)) if stem(w.lower()) in stems]
    marks = []
    for word in hits:
        start = text.find(word)
        while start >= 0:
            end = start + len(word)
            # Only a whole run: no Latin letter right before or after. A place inside another run is skipped, and
            # none can start inside this one (it would follow a letter), so the next search starts at its end.
            if (start == 0 or text[start - 1] not in LATIN_LETTERS) and text[end : end + 1] not in LATIN_LETTERS:
                marks.append((start, end))
            start = text.find(word, end)
    return marks


def highlight_spans(text: str, terms: list[str]) -> list[tuple[int, int]]:
    """[start, end) spans of query terms: Chinese words where they occur, English words whose stem is a term
    (so "going" marks "going" and "go", never "Government")."""
    lowered = text.lower()
    if len(lowered) != len(text):  # "İ" lower-cases to two characters: find terms as written, offsets kept
        lowered = text
    stems = {t for t in terms if ENGLISH_WORD.fullmatch(t)}
    marks = english_marks(text, stems) if stems else []
    for term in sorted(set(terms) - stems, key=len, reverse=True):
        if term.isascii() and term.isalpha():
            continue  # a short English word or a stem: matched as whole words above, or not at all
        if len(term) < 2 and not term.isalnum():
            continue
        if len(term) < 2 and is_chinese_char(term):
            continue  # a lone Chinese character lights up half the text
        start = lowered.find(term)
        while start >= 0:
            marks.append((start, start + len(term)))
            start = lowered.find(term, start + len(term))
    merged: list[tuple[int, int]] = []
    for s, e in sorted(marks):
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
        else:
            merged.append((s, e))
    return merged


def matchable(text: str) -> str:
    """Text in which query terms (simplified) are found; offsets must stay those of the original text."""
    plain = simplified(text)
    return plain if len(plain) == len(text) else text


@functools.lru_cache(maxsize=LOWERED_CACHE)
def lowered(text: str) -> str:
    """`matchable` text lower-cased as query terms are, offsets kept (a passage's units are spans of it);
    cached, as the same candidates come back question after question."""
    plain = matchable(text)
    low = plain.lower()
    return low if len(low) == len(plain) else plain


def best_sentence(text: str, terms: list[str], weight, query: str, language: str | None = "zh") -> str:
    """The sentence sharing the most telling query words (IDF-weighted), with character pairs as tie-break."""
    parts = sentences(text, language or "zh") or [text]
    pairs = {query[i : i + 2] for i in range(len(query) - 1)}
    weights = {t: weight(t) for t in set(terms)}

    def score(s: str) -> float:
        return shared_weight(simplified(s).lower(), weights) + BIGRAM_WEIGHT * sum(1 for p in pairs if p in s)

    return max(parts, key=score)


def mentions(text: str, names: list[str]) -> list[str]:
    """Names (longest first in `names`) that occur in text, skipping those inside a longer match."""
    found: list[str] = []
    for name in names:
        if name in text and not any(name in f for f in found):
            found.append(name)
    return found


def asking_rows(passages) -> np.ndarray:
    """Each passage's asking turn: for every passage of an answer (each carries its question, in the same
    document), the row of the passage just before the answer's first, else -1."""
    rows = np.full(len(passages), -1, dtype=np.int64)
    for row in range(1, len(passages)):
        p, before = passages[row], passages[row - 1]
        if not p.question or p.document != before.document:
            continue
        if before.question == p.question and before.speaker == p.speaker:
            rows[row] = rows[row - 1]  # the answer goes on
        elif before.speaker != p.speaker:  # an asking turn (a duplicate dropped may leave the answer's own speaker)
            rows[row] = row - 1
    return rows


def lift_answers(cand: np.ndarray, fused: np.ndarray, asking: np.ndarray) -> np.ndarray:
    """A question turn that matches lends its score to every passage of its answer among the candidates, which
    then rank just above it: whoever asks what was said about X wants the reply (which carries the question as
    context), not the reporter's question, which the asker's own wording matches best. The lifted passages tie;
    `ranked` orders them by their own scores."""
    at = {int(row): i for i, row in enumerate(cand)}
    lifted = fused.copy()
    for j in np.flatnonzero(asking >= 0):
        i = at.get(int(asking[j]))
        if i is not None and fused[j] <= fused[i]:
            lifted[j] = fused[i] + ANSWER_LEAD
    return lifted


def ranked(scores: np.ndarray, own: np.ndarray, top_k: int) -> np.ndarray:
    """Positions of the best `top_k` scores, ties broken by `own` (a passage's score before any lift)."""
    return np.lexsort((-own, -scores))[:top_k]


def _key(text: str) -> str:
    """How filters compare names: simplified characters, case and spaces ignored."""
    return "".join(simplified(text).casefold().split())


class Searcher:
    def __init__(self, index: Index, embedder: Embedder, settings: Settings):
        if index.engine.dimension != embedder.dimension:
            raise ValueError("index and model disagree on the vector dimension")
        self.index = index
        self.embedder = embedder
        self.settings = settings
        self._speaker_column = np.array([p.speaker or "" for p in index.passages], dtype=object)
        self._speakers_of = speaker_names(index.passages)
        self._asking = asking_rows(index.passages)
        self.languages = {p.language or "zh" for p in index.passages}
        if "en" in self.languages:
            # A Chinese question names an English speaker in Chinese (罗斯福): the lexicon knows the name.
            for chinese, name in chinese_names(index.lexicon, self._speakers_of).items():
                self._speakers_of.setdefault(chinese, set()).update(self._speakers_of[name])
        self.names = sorted(self._speakers_of, key=len, reverse=True)

    def prepare(self, query: str) -> str:
        """The text actually searched by keywords: in simplified characters; an English question over Chinese
        speeches gets the corpus's Chinese words for it (instead of itself when every speech is Chinese), a
        Chinese question over English speeches the corpus's English words for it (after itself)."""
        return self.asked(query).keywords

    def asked(self, query: str) -> Asked:
        """How a question is searched (see `Asked`)."""
        query = simplified(query)
        if not self.index.lexicon:
            return Asked(query, query)
        if not is_english(query):
            if "en" not in self.languages:
                return Asked(query, query)
            own = self.index.tokenizer.split(query, query=True)
            english = translate_chinese(own, self.index.lexicon)
            if not english:
                return Asked(query, query)
            # The model reads the question as asked: the gloss words are for BM25 and for naming speakers. Over
            # Chinese speeches too, BM25 of the question's own words keeps its usual share.
            share = self.settings.dense_weight_translated if self.languages == {"en"} else None
            # jieba segments each run of Chinese on its own, so the question's tokens and the gloss words' are
            # the tokens of the two joined (the same multiset on 192 questions): the question is not cut again.
            terms = own + self.index.tokenizer.split(english, query=True)
            return Asked(query, f"{query} {english}", share, terms)
        if "zh" not in self.languages:
            return Asked(query, query)
        chinese = translate(query, self.index.lexicon)
        if self.languages == {"zh"} or chinese == query:
            return Asked(chinese, chinese)
        return Asked(f"{query} {chinese}", f"{query} {chinese}")

    def rank(self, query: str, top_k: int, speaker=None, document=None) -> list[tuple[int, float]]:
        """(row, fused score) of the best passages, best first."""
        asked = self.asked(query)
        return self._rank(asked, self.tokens(asked), top_k, speaker, document)[0]

    def tokens(self, asked: Asked) -> list[str]:
        """BM25's tokens of the question."""
        return asked.terms if asked.terms is not None else self.index.tokenizer.split(asked.keywords, query=True)

    def resolve_speaker(self, name: str | None) -> str | None:
        """The speaker a filter means, as the index spells it: `陈志明` finds `陳志明`, `市长陈志明` and `mayor
        smith` the role with the name, `Smith` the one speaker so named; otherwise the filter as given."""
        if not name:
            return name
        wanted = _key(name)
        exact = self._speaker_keys.get(wanted, set())
        if len(exact) == 1:
            return next(iter(exact))
        partial = {sp for key, names in self._speaker_keys.items() if wanted in key for sp in names}
        return partial.pop() if len(partial) == 1 else name

    @functools.cached_property
    def documents(self) -> set[str]:
        return {p.document for p in self.index.passages}

    @functools.cached_property
    def speakers(self) -> set[str]:
        return {p.speaker for p in self.index.passages if p.speaker}

    @functools.cached_property
    def _speaker_keys(self) -> dict[str, set[str]]:
        """Each way a filter may name a speaker (name, role + name), as `_key`s, to the names it means."""
        keys: dict[str, set[str]] = {}
        for speaker, role in {(p.speaker, p.role) for p in self.index.passages if p.speaker}:
            for form in (speaker, f"{role or ''}{speaker}"):
                keys.setdefault(_key(form), set()).add(speaker)
        return keys

    def resolve_document(self, name: str | None) -> str | None:
        """`speech` or `speech.txt` for `sub/speech.txt`, when one document is so named."""
        if not name:
            return name
        files = self.documents
        if name in files:
            return name
        wanted = _key(name)
        found = {f for f in files if wanted in (_key(f), _key(Path(f).name), _key(Path(f).stem))}
        return found.pop() if len(found) == 1 else name

    def candidates(self, asked: Asked, tokens: list[str], speaker=None, document=None) -> Candidates:
        """The passages both retrievers hand over for `asked` (BM25 by `tokens`), with every signal `fuse` mixes."""
        s = self.settings
        speaker, document = self.resolve_speaker(speaker), self.resolve_document(document)
        columns, counts = self.index.terms.query(tokens)
        vector = self.embedder.encode_query(asked.text)
        found = self.index.engine.candidates(Query(vector, columns, counts), s.candidates, Filter(speaker, document))
        rows = found.rows
        unit, unit_dense, unit_keyword = np.full(rows.size, -1, dtype=np.int64), None, None
        units = self.index.units
        if units is not None and rows.size:
            unit_dense, unit = units.best(rows, vector)
            if s.unit_keyword_weight:
                weights = {t: self.index.terms.max_weight(t) for t in set(tokens)}
                unit_keyword = units.keyword(rows, lambda row: lowered(self.index.passages[row].text), weights)
        share = asked.dense_share
        if share is None:
            # English BM25 (stemmed, over long passages) rewards the topic words every passage of a speech
            # repeats; the question's meaning tells the passage better, so an English question leans on it more.
            share = s.dense_weight_en if is_english(asked.text) else s.dense_weight
        named = np.zeros(rows.size, dtype=bool)
        if s.speaker_boost and not asks_who_spoke(asked.text):
            speakers = {sp for name in mentions(asked.text, self.names) for sp in self._speakers_of[name]}
            if speakers:
                named = np.isin(self._speaker_column[rows], list(speakers))
        return Candidates(rows, found.dense, found.keyword, unit, unit_dense, unit_keyword, share, named)

    def _rank(self, asked: Asked, tokens: list[str], top_k: int, speaker, document) -> tuple[list, dict[int, int]]:
        """(row, fused score) of the best passages, best first, and the unit that matched in each (with units)."""
        found = self.candidates(asked, tokens, speaker, document)
        if found.rows.size == 0:
            return [], {}
        cand, own = found.rows, fuse(found, self.settings)
        asking = self._asking[cand]
        fused = lift_answers(cand, own, asking) if (asking >= 0).any() else own
        order = ranked(fused, own, top_k)
        return [(int(cand[i]), float(fused[i])) for i in order], {int(cand[i]): int(found.unit[i]) for i in order}

    def search(self, query: str, top_k: int | None = None, speaker=None, document=None, keep=None) -> list[Result]:
        """`keep(ranked)`, if given, picks from the ranked (row, score) pairs before results are made of them."""
        top_k = top_k or self.settings.top_k
        asked = self.asked(query)
        query = asked.keywords
        terms = self.tokens(asked)
        ranked, unit_of = self._rank(asked, terms, top_k, speaker, document)
        if keep is not None:
            ranked = keep(ranked)
        results = []
        for rank, (row, score) in enumerate(ranked, start=1):
            p = self.index.passages[row]
            unit = unit_of.get(row, -1)
            if unit >= 0:
                # The unit that matched is the line shown: its query words (looked for in it alone, a tenth of the
                # passage), or the whole line when it shares none.
                start, end = self.index.units.span(unit)
                sentence = p.text[start:end]
                own = highlight_spans(matchable(p.text)[start:end], terms)
                marks = [(start + a, start + b) for a, b in own] or [(start, end)]
            else:
                marks = highlight_spans(matchable(p.text), terms)
                sentence = best_sentence(p.text, terms, self.index.terms.max_weight, query, p.language)
            results.append(Result(p.id, rank, score, p.text, p.source(), marks, sentence))
        return results
