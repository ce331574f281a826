"""Keyword side of the index: jieba tokens that know the corpus's proper nouns, and a sparse BM25 matrix.

Scoring a query is a sum of a few matrix columns (one per query term), so no Python runs per document.
"""

from __future__ import annotations

import json
import logging
import re
from array import array
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import numpy as np
from scipy import sparse

from .script import simplified
from .textrules import HAN

log = logging.getLogger(__name__)

# Words a question carries that say nothing about which passage answers it.
STOPWORDS = frozenset(
    """
    的 了 是 在 和 与 及 等 也 都 就 还 又 并 而 或 把 被 对 从 将 要 会 能 可
    可以 应 该 这 那 这个 那个 这些 那些 什么 什么样 怎么 怎么样 怎样 如何 哪 哪些 哪个
    哪里 哪儿 哪几 几 几个 多少 多 为什么 为何 是否 吗 呢 吧 啊 么 这次 本次 此次 谁
    其 之 以 于 为 中 上 下 有 没有 说 讲 提到 提出 认为 表示 方面 问题 一下 请问 请
    我 我们 你 你们 他 她 它 他们 the a an of to in on for and or
    is are was were be by with what which who whom how
    why when where does do did about from that this
    these those it its as at i me my he him his she her they them their our us you your been being has have had
    will would shall should can could may might must not no nor but if then than so such very too also just
    into onto over under again further once here there all any both each few more most other some own same
    only up down out off above below between through during before after while because until against whose
    """.split()  # noqa: SIM905 - a word list reads better as text
)
# 几届, 第几次, 几个: the text answers with a number, so these words never match it. Instead a counted
# thing becomes a class token on both sides: 十一届 and 第几届 both yield "#届".
QUESTION_NUMBER = re.compile(f"^第?几[{HAN}]?$")
CLASSIFIERS = "届次个项大座条家年月"
COUNTED = re.compile(rf"(?:[0-9]+|[一二三四五六七八九十百千万两]+)([{CLASSIFIERS}])")
ASKED_COUNT = re.compile(rf"(?:第?几|多少)([{CLASSIFIERS}])")
TOKEN_OK = re.compile(f"[0-9A-Za-z{HAN}]")
QUOTED = re.compile(r"[“\"「『]([^”\"」』]{2,12})[”\"」』]")
# The place a role leads: 巩义市委书记 → 巩义市, 航空港实验区党工委书记 → 航空港实验区.
PLACE = re.compile(
    r"""
    ^(?P<place> .{1,8}? [市县区镇])   # the city, county, district or town
    (?: 党工委                        # its Party working committee (a development zone's)
      | 委                            # its Party committee
      | 管委会                        # its administrative committee
      | 人民政府 | 政府 )             # its government
    """,
    re.X,
)
# A question that asks who spoke ("Which president said Washington must …", "谁说过…") names no speaker: a name in
# it is what was spoken about, and lifting that person's speeches buries the answer. An auxiliary after the
# asking words ("Which ally did Roosevelt credit …") asks for something else, and the name is the speaker.
SPEAKER_ROLES = r"""(?: president | prime \s+ minister | minister | leader | speaker | senator | governor | mayor
    | secretary | delegate | delegation | official | spokes(?:man|woman|person) | politician | chairman
    | country | nation | government ) s?"""
SAYING = r"""(?: said | says | say | told | tells | argued | argues | declared | declares | called | calls | warned
    | proposed | announced | promised | spoke | described | claimed | insisted | urged | asked | compared | admitted
    | proclaimed | stated | vowed | pledged | stressed | noted )"""
SAYING_ZH = "(?: 说 | 讲 | 提出 | 表示 | 指出 | 认为 | 呼吁 | 宣布 | 强调 | 谈到 | 承诺 | 警告 | 批评 | 主张 )"
AUXILIARY = r"(?: did | does | do | will | would | was | were | is | are | has | have | had | should | can | could )\b"
ASKS_WHO_SPOKE = re.compile(
    rf"""
    ^ \s* (?:
        who \s+ (?: {SAYING} ) \b                                   # Who said …, not Who did Lincoln blame …
      | (?: which | what ) \s+ (?: [a-z-]+ \s+ ){{0,2}}? {SPEAKER_ROLES} \s+ (?! {AUXILIARY} )
                                                                   # Which (early) president argued …
      | (?: 哪一?位 | 哪个国家 | 哪国 | 谁 ) [^，,。？?]{{0,8}}? {SAYING_ZH}   # 哪位总统说过…, 谁提出…
    )
    """,
    re.X | re.I,
)
ENGLISH_WORD = re.compile(r"[a-z]{3,}")  # shorter words and codes (gst, 5g) are kept as they are
# What jieba keeps as one word (its own default pattern, with the whole ideograph range rather than its U+9FA5 end).
JIEBA_WORD = re.compile(f"[{HAN}a-zA-Z0-9+#&._%\\-]+")
ADDRESS_TITLES = ("书记", "市长", "区长", "县长", "主任", "主席", "局长", "部长")
WORD_FREQ = 50_000  # high enough that jieba keeps a learned word (a speaker's name) whole
NAME_SUFFIXES = frozenset({"Jr", "Sr", "II", "III", "IV"})
MIN_SURNAME = 2  # letters: "Li", "Ng" alone match too much of an English question
# The BM25 matrix on disk: its CSC arrays one .npy file each (memory-mapped on load), its shape, its terms.
MATRIX_FILES = {"data": "bm25_data.npy", "indices": "bm25_indices.npy", "indptr": "bm25_indptr.npy"}
SHAPE_FILE = "bm25_shape.json"
VOCAB_FILE = "bm25_vocab.txt"


def place_led(role: str | None) -> str | None:
    """The place a role (or the first of its offices) leads, as the role spells it: 巩义市委书记、市长 → 巩义市."""
    m = PLACE.match(role or "")
    return m.group("place") if m else None


def place_names(role: str | None) -> set[str]:
    """Places a role leads, as readers name them: 巩义市委书记、市长 → {巩义市, 巩义}."""
    names = set()
    for part in re.split(r"[、,，]", simplified(role or "")):
        place = place_led(part)
        if place:
            names.add(place)
            # Readers say 巩义 for 巩义市 and 金水 for 金水区, but not 郑东新 for 郑东新区.
            if len(place) == 3 or not place.endswith("区"):
                names.add(place[:-1])
    return {n for n in names if len(n) >= 2}


def title_names(speaker: str, role: str | None) -> set[str]:
    """How people address a speaker: surname + title (张书记, 袁市长, 牛主任)."""
    return {speaker[0] + title for title in ADDRESS_TITLES if title in (role or "")}


def surname(speaker: str) -> set[str]:
    """How English questions name a person: by surname (Lincoln for Abraham Lincoln, Wong for Lawrence Wong)."""
    words = [w for w in speaker.replace(",", " ").split() if w.rstrip(".") not in NAME_SUFFIXES]
    if len(words) < 2 or not all(w[:1].isupper() and w.isascii() for w in words):
        return set()
    return {words[-1]} if len(words[-1]) > MIN_SURNAME else set()


def speaker_names(passages) -> dict[str, set[str]]:
    """Every name a question may use for a speaker (person, title, or the place they lead) → speakers."""
    out: dict[str, set[str]] = {}
    for p in passages:
        if p.speaker:
            for name in {p.speaker} | place_names(p.role) | title_names(p.speaker, p.role) | surname(p.speaker):
                out.setdefault(name, set()).add(p.speaker)
    return out


def asks_who_spoke(question: str) -> bool:
    """Whether the question asks which speaker said something (so names in it are not its speaker)."""
    return ASKS_WHO_SPOKE.match(question) is not None


def learn_words(passages) -> list[str]:
    """Proper nouns of the corpus that jieba must not cut: speakers, places, quoted slogans."""
    words: set[str] = set(speaker_names(passages))
    for p in passages:
        for text in (p.text, p.speech_title or ""):
            words.update(m.group(1).strip() for m in QUOTED.finditer(text))
    # jieba only keeps words made of letters, digits and + # & . % - together; others could never match.
    return sorted(w for w in words if w and len(w) <= 12 and JIEBA_WORD.fullmatch(w))


_BASE_DICTIONARY = None


def _fresh_jieba():
    """A jieba tokenizer with its own copy of the base dictionary, read from disk once per process."""
    global _BASE_DICTIONARY
    import jieba

    jieba.setLogLevel(60)
    if _BASE_DICTIONARY is None:
        base = jieba.Tokenizer()
        base.initialize()
        _BASE_DICTIONARY = (base.FREQ, base.total)
    tok = jieba.Tokenizer()
    tok.FREQ, tok.total = dict(_BASE_DICTIONARY[0]), _BASE_DICTIONARY[1]
    tok.initialized = True
    return tok


class Tokenizer:
    """jieba search-mode tokens with the corpus's own words; loaded lazily (jieba's dictionary is large)."""

    def __init__(self, words: list[str] = ()):
        self.words = list(words)
        self._jieba = None

    def _tokenizer(self):
        if self._jieba is None:
            tok = _fresh_jieba()
            for w in self.words:
                tok.add_word(w, WORD_FREQ)
            self._jieba = tok
        return self._jieba

    def tokens(self, text: str, query: bool = False) -> list[str]:
        """Chinese in simplified characters, English words stemmed: the same word matches in any form."""
        return self.split(simplified(text), query)

    def cut(self, text: str) -> list[str]:
        """jieba's plain (not search-mode) words of text, the corpus's own words included."""
        return self._tokenizer().lcut(text)

    def split(self, text: str, query: bool = False) -> list[str]:
        """`tokens` of text already in simplified characters (a build converts each passage once)."""
        counted = ASKED_COUNT if query else COUNTED
        out = [f"#{m.group(1)}" for m in counted.finditer(text)]
        for tok in self._tokenizer().lcut_for_search(text):
            tok = tok.strip().lower()
            if tok and tok not in STOPWORDS and TOKEN_OK.search(tok) and not QUESTION_NUMBER.match(tok):
                out.append(bm25_term(tok))
        return out


def bm25_term(word: str) -> str:
    """A word as BM25 keeps it: lower-cased, and stemmed when an English word of three letters or more."""
    word = word.lower()
    return stem(word) if ENGLISH_WORD.fullmatch(word) else word


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """English Snowball stem (economic, economies → econom); cached, as a corpus repeats its words."""
    return _stemmer().stemWord(word)


@lru_cache(maxsize=1)
def _stemmer():
    import snowballstemmer

    return snowballstemmer.stemmer("english")


class BM25:
    """Okapi BM25 as a (documents × terms) CSC matrix of precomputed term weights."""

    def __init__(self, matrix: sparse.csc_matrix, vocab: dict[str, int]):
        self.matrix = matrix
        self.vocab = vocab

    @classmethod
    def build(cls, docs: Iterable[list[str]], k1: float, b: float) -> BM25:
        """`docs` is consumed one at a time, so a million documents never hold all their tokens at once."""
        vocab: dict[str, int] = {}
        # Typed arrays: a Python list of ints costs ~9x the memory, which at 1M passages is gigabytes.
        rows, cols, tfs, lengths = array("q"), array("q"), array("f"), array("f")
        for i, tokens in enumerate(docs):
            lengths.append(len(tokens))
            for term, tf in Counter(tokens).items():
                rows.append(i)
                cols.append(vocab.setdefault(term, len(vocab)))
                tfs.append(tf)
        n = len(lengths)
        tf = np.frombuffer(tfs, dtype=np.float32)
        rows_a, cols_a = np.frombuffer(rows, dtype=np.int64), np.frombuffer(cols, dtype=np.int64)
        lengths_a = np.frombuffer(lengths, dtype=np.float32)
        df = np.bincount(cols_a, minlength=len(vocab)).astype(np.float32)
        idf = np.log1p((n - df + 0.5) / (df + 0.5))
        avg = float(lengths_a.mean()) if n and lengths_a.mean() > 0 else 1.0
        norm = k1 * (1 - b + b * lengths_a[rows_a] / avg)
        weights = idf[cols_a] * tf * (k1 + 1) / (tf + norm)
        matrix = sparse.csc_matrix((weights, (rows_a, cols_a)), shape=(n, max(len(vocab), 1)), dtype=np.float32)
        return cls(matrix, vocab)

    @property
    def size(self) -> int:
        return self.matrix.shape[0]

    def max_weight(self, term: str) -> float:
        """Largest BM25 weight of the term in any document (not its IDF): a cheap proxy for how telling it is."""
        j = self.vocab.get(term)
        if j is None:
            return 0.0
        col = self.matrix.data[self.matrix.indptr[j] : self.matrix.indptr[j + 1]]
        return float(col.max()) if col.size else 0.0

    def scores(self, tokens: list[str]) -> np.ndarray:
        counts = Counter(t for t in tokens if t in self.vocab)
        if not counts:
            return np.zeros(self.size, dtype=np.float32)
        cols = [self.vocab[t] for t in counts]
        weights = np.asarray(list(counts.values()), dtype=np.float32)
        return np.asarray(self.matrix[:, cols] @ weights, dtype=np.float32).ravel()

    def save(self, folder: Path) -> list[str]:
        """One .npy file per CSC array, so `load` can memory-map them; returns the file names written."""
        m = self.matrix
        # Indices as scipy keeps them on load (int32 while they fit), so loading never converts (copies) them.
        index = np.int32 if max(m.nnz, *m.shape) <= np.iinfo(np.int32).max else np.int64
        arrays = {
            MATRIX_FILES["data"]: m.data.astype(np.float32, copy=False),
            MATRIX_FILES["indices"]: m.indices.astype(index, copy=False),
            MATRIX_FILES["indptr"]: m.indptr.astype(index, copy=False),
        }
        for name, array_ in arrays.items():
            np.save(folder / name, array_, allow_pickle=False)
        (folder / SHAPE_FILE).write_text(json.dumps({"shape": [int(d) for d in m.shape]}), encoding="utf-8")
        terms = sorted(self.vocab, key=self.vocab.get)
        (folder / VOCAB_FILE).write_text("\n".join(terms), encoding="utf-8")
        return [*arrays, SHAPE_FILE, VOCAB_FILE]

    @classmethod
    def load(cls, folder: Path) -> BM25:
        """The matrix memory-mapped read-only: its pages are the OS's file cache, shared by every process that
        serves the build, not a private copy; nothing at query time writes into them."""
        data, indices, indptr = (
            np.load(folder / MATRIX_FILES[part], mmap_mode="r", allow_pickle=False)
            for part in ("data", "indices", "indptr")
        )
        shape = tuple(json.loads((folder / SHAPE_FILE).read_text(encoding="utf-8"))["shape"])
        matrix = sparse.csc_matrix((data, indices, indptr), shape=shape, copy=False)
        if data.size and not (np.may_share_memory(matrix.data, data) and np.may_share_memory(matrix.indices, indices)):
            log.warning("scipy copied the bm25 matrix into memory (dtypes %s, %s)", data.dtype, indices.dtype)
        text = (folder / VOCAB_FILE).read_text(encoding="utf-8")
        terms = text.split("\n") if text else []
        if len(terms) != matrix.shape[1] and not (not terms and matrix.shape[1] == 1):
            raise ValueError("bm25 vocabulary does not match its matrix")
        return cls(matrix, {t: i for i, t in enumerate(terms)})
