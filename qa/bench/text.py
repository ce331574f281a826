"""The bench's text: real sentences (seed corpus, CMRC 2018 contexts) recombined into N passages.

The text is real but recombined: the seed corpus and the CMRC 2018 contexts are cut into sentences, and a
seeded RNG draws sentences from one source text at a time (in reading order) into passages whose lengths follow
the seed corpus's paragraphs. Passages are grouped into synthetic documents and speeches carrying the seed's
speaker headers, so every code path of the real index (context prefix, speaker names, BM25, FAISS, fusion) runs.
The inputs ship inside the package (`qa/bench/data`), so an installed `qa bench` has them too.
"""

from __future__ import annotations

import array
import hashlib
import itertools
import json
import random
import statistics
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import BenchError
from ..reader import Corpus, Document, Passage, passage_id, read_corpus

DATA = Path(__file__).resolve().parent / "data"
CHECKOUT = DATA.parents[2]  # in a source checkout the packaged data links into its corpus/ and eval/
SEED_CORPUS = DATA / "corpus"
CMRC_FILES = (DATA / "cmrc2018_dev.json", DATA / "cmrc2018_trial.json")
QUESTION_FILES = (DATA / "paraphrased.jsonl", DATA / "seed_dev.jsonl")
CMRC_QUESTIONS = CMRC_FILES[0]

PASSAGES_PER_SPEECH = 12
SPEECHES_PER_DOCUMENT = 16
LENGTH_JITTER = 0.15  # target lengths are seed paragraph lengths times 1 ± this
MIN_SENTENCE = 4
MAX_RETRIES = 50  # draws per passage before a repeated passage is accepted


@dataclass
class TextSource:
    sentences: list[str]  # grouped by source text: group g is sentences[groups[g][0]:groups[g][1]]
    groups: list[tuple[int, int]]  # a seed speech or a CMRC article each, in reading order
    lengths: list[int]  # character lengths of the seed corpus's paragraphs
    headers: list[tuple[str, str, str]]  # (role, speaker, speech title) of the seed's speeches
    questions: list[str]  # eval questions first, then CMRC dev questions
    eval_questions: int
    digest: str

    def describe(self) -> str:
        lo, mid, hi = min(self.lengths), int(statistics.median(self.lengths)), max(self.lengths)
        return (
            f"real text, recombined: {len(self.sentences):,} sentences of the seed corpus and the CMRC 2018 "
            f"contexts ({len(self.groups):,} source texts); each passage joins sentences drawn at random (seeded) "
            f"from one source text, in their order, to a length drawn from the seed's paragraphs "
            f"({lo}-{hi} characters, median {mid}, ±{LENGTH_JITTER:.0%})"
        )


def _cmrc_articles_and_questions(path: Path) -> tuple[list[list[str]], list[str]]:
    data = json.loads(Path(path).read_text(encoding="utf-8-sig"))["data"]
    articles, questions = [], []
    for article in data:
        articles.append([para["context"] for para in article["paragraphs"]])
        questions.extend(qa["question"] for para in article["paragraphs"] for qa in para["qas"])
    return articles, questions


def load_text_source(
    corpus_dir: Path = SEED_CORPUS,
    cmrc_files=CMRC_FILES,
    question_files=QUESTION_FILES,
    cmrc_questions: Path | None = CMRC_QUESTIONS,
) -> TextSource:
    from ..retrieval import sentences

    corpus = read_corpus(corpus_dir, within=CHECKOUT)
    lengths = [len(p.text) for p in corpus.passages]
    headers = list(dict.fromkeys((p.role or "", p.speaker, p.speech_title or "") for p in corpus.passages if p.speaker))
    speeches: dict[tuple[str, int], list[str]] = {}
    for p in corpus.passages:
        speeches.setdefault((p.document, p.speech), []).append(p.text)
    texts = list(speeches.values())
    questions: list[str] = []
    for path in question_files:
        for line in Path(path).read_text(encoding="utf-8-sig").splitlines():
            if line.strip():
                questions.append(json.loads(line)["q"])
    eval_questions = len(questions)
    for path in cmrc_files:
        articles, asked = _cmrc_articles_and_questions(path)
        texts.extend(articles)
        if cmrc_questions is not None and Path(path) == Path(cmrc_questions):
            questions.extend(asked)
    longest = max(lengths)
    pool: list[str] = []
    groups: list[tuple[int, int]] = []
    for paragraphs in texts:
        found = [s for t in paragraphs for s in sentences(t) if MIN_SENTENCE <= len(s) <= longest]
        found = list(dict.fromkeys(found))
        if found:
            groups.append((len(pool), len(pool) + len(found)))
            pool.extend(found)
    digest = hashlib.sha256("\x1e".join(pool).encode("utf-8")).hexdigest()
    return TextSource(pool, groups, lengths, headers, questions, eval_questions, digest)


@dataclass
class Synthetic:
    """The generated corpus, and for each passage the text units it is made of (for composed vectors):
    passage i is units[offsets[i]:offsets[i + 1]], its speech header (a unit id past the sentences) first."""

    corpus: Corpus
    units: np.ndarray
    offsets: np.ndarray


def make_corpus(n: int, source: TextSource, seed: int = 0) -> Synthetic:
    """N passages of recombined sentences, grouped into documents of speeches with seed headers.

    A passage draws sentences at random from one source text (a seed speech or a CMRC article; larger ones
    more often) and keeps them in reading order, as a paragraph keeps to one topic; if the text runs out before
    the target length, the next one continues it. Passages repeat only when `MAX_RETRIES` draws could not avoid it.
    """
    rng = random.Random(seed)
    pool, lengths, headers = source.sentences, source.lengths, source.headers or [("", "", "")]
    groups = source.groups
    cumulative = list(itertools.accumulate(stop - start for start, stop in groups))
    seen: set[str] = set()
    documents: list[Document] = []
    doc: Document | None = None
    units = array.array("i")
    offsets = array.array("q", [0])
    speech = paragraph = choice = 0
    per_doc = PASSAGES_PER_SPEECH * SPEECHES_PER_DOCUMENT
    for i in range(n):
        if i % per_doc == 0:
            number = i // per_doc
            doc = Document(
                file=f"bench-{number:06d}.txt", format="txt", title=f"基准文档{number + 1}", subtitle=None, date=None
            )
            documents.append(doc)
            speech = 0
        if i % PASSAGES_PER_SPEECH == 0:
            speech += 1
            paragraph = 0
            choice = rng.randrange(len(headers))
        paragraph += 1
        for _ in range(MAX_RETRIES):
            target = rng.choice(lengths) * (1 + rng.uniform(-LENGTH_JITTER, LENGTH_JITTER))
            g = rng.choices(range(len(groups)), cum_weights=cumulative)[0]
            parts, size = [], 0
            for _pass in range(len(groups)):
                if size >= target:
                    break
                order = list(range(*groups[g]))
                rng.shuffle(order)
                taken = []
                for j in order:
                    if size >= target:
                        break
                    if size and size + len(pool[j]) > target * (1 + LENGTH_JITTER):
                        continue  # would overshoot: a shorter sentence of the text may fit
                    taken.append(j)
                    size += len(pool[j])
                parts.extend(sorted(taken))
                g = (g + 1) % len(groups)
            text = "".join(pool[j] for j in parts)
            if text not in seen:
                break
        seen.add(text)
        units.append(len(pool) + choice)
        units.extend(parts)
        offsets.append(len(units))
        role, speaker, title = headers[choice]
        doc.passages.append(
            Passage(
                id=passage_id(doc.file, speech, paragraph),
                text=text,
                document=doc.file,
                title=doc.title,
                speaker=speaker or None,
                role=role or None,
                speech_title=title or None,
                speech=speech,
                paragraph=paragraph,
                language="zh",
            )
        )
    fingerprint = hashlib.sha256(f"qa-bench\x1f{n}\x1f{seed}\x1f{source.digest}".encode()).hexdigest()
    corpus = Corpus(documents=documents, skipped=[], fingerprint=fingerprint)
    return Synthetic(corpus, np.frombuffer(units, dtype=np.int32), np.frombuffer(offsets, dtype=np.int64))


def pick_questions(source: TextSource, count: int, seed: int = 0) -> list[str]:
    """The eval questions (readers' phrasing, some English), then CMRC dev questions drawn with the seed."""
    head = source.questions[: source.eval_questions]
    tail = source.questions[source.eval_questions :]
    random.Random(seed).shuffle(tail)
    picked = (head + tail)[:count]
    if not picked:
        raise BenchError("no questions to ask")
    return picked
