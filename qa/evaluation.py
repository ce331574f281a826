"""Measuring retrieval: hit@k and MRR@10 on question files (our jsonl, or SQuAD-style CMRC 2018)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from .corpus import Corpus, Document, Passage, passage_id

KS = (1, 3, 5, 10)
MRR_AT = 10


class EvalFileError(ValueError):
    """The question file is not in the format asked for; the message names the line."""


@dataclass(frozen=True)
class Question:
    q: str
    is_hit: Callable[[Passage], bool]


def squash(text: str) -> str:
    return "".join(text.split())


def read_jsonl(path: Path) -> list[Question]:
    questions = []
    try:
        lines = Path(path).read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise EvalFileError(f"cannot read {path}: {exc}") from None
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            q, gold = row["q"], row["gold"]
            if not isinstance(q, str) or not q.strip() or not isinstance(gold, list) or not gold:
                raise ValueError
            golds = [squash(g) for g in gold if isinstance(g, str) and squash(g)]
            if not golds:
                raise ValueError
        except (ValueError, KeyError, TypeError):
            raise EvalFileError(f'{path}:{number}: expected {{"q": "question", "gold": ["substring", ...]}}') from None
        questions.append(Question(q, lambda p, g=tuple(golds): any(s in squash(p.text) for s in g)))
    if not questions:
        raise EvalFileError(f"{path} has no questions")
    return questions


def read_cmrc(path: Path) -> tuple[Corpus, list[Question]]:
    """Every context of a SQuAD-style file becomes a passage; a hit is the question's own context."""
    try:
        raw = Path(path).read_bytes()
        data = json.loads(raw.decode("utf-8-sig"))["data"]
        documents, questions = [], []
        for article in data:
            title = article.get("title") or article.get("id") or "article"
            doc = Document(file=Path(path).name, title=title, subtitle=None, date=None)
            for para in article["paragraphs"]:
                pid = passage_id(str(para.get("id", "")), len(documents), len(doc.passages))
                number = len(doc.passages) + 1
                doc.passages.append(
                    Passage(
                        id=pid,
                        text=para["context"],
                        document=doc.file,
                        title=title,
                        subtitle=None,
                        date=None,
                        speaker=None,
                        role=None,
                        speech_title=None,
                        speech=0,
                        paragraph=number,
                    )
                )
                for qa in para["qas"]:
                    questions.append(Question(qa["question"], lambda p, pid=pid: p.id == pid))
            documents.append(doc)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise EvalFileError(f"{path} is not a SQuAD-style JSON file ({type(exc).__name__}: {exc})") from None
    if not questions:
        raise EvalFileError(f"{path} has no questions")
    corpus = Corpus(documents=documents, skipped=[], fingerprint=hashlib.sha256(raw).hexdigest())
    return corpus, questions


def score(questions: Iterable[Question], search: Callable[[str], list[Passage]], progress=None) -> dict:
    """hit@k for k in KS and MRR@10 of `search` (which returns passages best first)."""
    hits = dict.fromkeys(KS, 0)
    rr = 0.0
    n = 0
    for q in questions:
        ranked = search(q.q)[: max(KS)]
        first = next((i for i, p in enumerate(ranked, start=1) if q.is_hit(p)), None)
        n += 1
        if first is not None:
            for k in KS:
                hits[k] += first <= k
            if first <= MRR_AT:
                rr += 1.0 / first
        if progress:
            progress(1)
    metrics = {f"hit@{k}": round(hits[k] / n, 4) for k in KS}
    metrics[f"mrr@{MRR_AT}"] = round(rr / n, 4)
    metrics["questions"] = n
    return metrics
