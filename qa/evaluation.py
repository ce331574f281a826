"""Measuring retrieval: hit@k and MRR@10 on question files (our jsonl, or SQuAD-style CMRC 2018)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from .errors import EvalFileError
from .reader import Corpus, Document, Passage, passage_id

KS = (1, 3, 5, 10)
MRR_AT = 10
MAX_HIT_CHARS = 3000  # a passage longer than this is too long to count as pointing at the answer
LANGS = ("zh", "en", "zh→en", "en→zh")


@dataclass(frozen=True)
class Question:
    q: str
    is_hit: Callable[[Passage], bool]
    lang: str | None = None  # question language → text language: zh, en, zh→en, en→zh
    speaker: str | None = None  # who said the answer, when the file says


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
            golds = tuple(squash(g) for g in gold if isinstance(g, str) and squash(g))
            lang, speaker, document = row.get("lang"), row.get("speaker"), row.get("document")
            if (
                not golds
                or lang not in (None, *LANGS)
                or not all(isinstance(v, str | None) for v in (speaker, document))
            ):
                raise ValueError
        except (ValueError, KeyError, TypeError, AttributeError):
            raise EvalFileError(
                f'{path}:{number}: expected {{"q": "question", "gold": ["substring", ...]}} with optional '
                f'"lang" ({", ".join(LANGS)}), "speaker" and "document"'
            ) from None
        questions.append(Question(q, _gold_hit(golds, document), lang, speaker))
    if not questions:
        raise EvalFileError(f"{path} has no questions")
    return questions


def _gold_hit(golds: tuple[str, ...], document: str | None) -> Callable[[Passage], bool]:
    def is_hit(p: Passage) -> bool:
        if len(p.text) > MAX_HIT_CHARS or (document and Path(p.document).name != Path(document).name):
            return False
        text = squash(p.text)
        return any(g in text for g in golds)

    return is_hit


def read_cmrc(path: Path) -> tuple[Corpus, list[Question]]:
    """Every context of a SQuAD-style file becomes a passage; a hit is the question's own context."""
    try:
        raw = Path(path).read_bytes()
        data = json.loads(raw.decode("utf-8-sig"))["data"]
        documents, questions = [], []
        for article in data:
            title = article.get("title") or article.get("id") or "article"
            doc = Document(file=Path(path).name, format="json", title=title, subtitle=None, date=None)
            for para in article["paragraphs"]:
                pid = passage_id(str(para.get("id", "")), len(documents), len(doc.passages))
                number = len(doc.passages) + 1
                doc.passages.append(
                    Passage(id=pid, text=para["context"], document=doc.file, title=title, speech=0, paragraph=number)
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
    """hit@k for k in KS and MRR@10 of `search` (which returns passages best first), overall and per language
    direction when questions say theirs; `speaker_ok` is the share of hits whose passage names the right speaker;
    `ranks` is each question with the rank of its first hit (None: not in the top 10), for `lost_rank`."""
    groups: dict[str, list[tuple[int | None, bool | None]]] = {}
    ranks: list[list] = []
    for q in questions:
        ranked = search(q.q)[: max(KS)]
        first = next((i for i, p in enumerate(ranked, start=1) if q.is_hit(p)), None)
        right = None if first is None or q.speaker is None else ranked[first - 1].speaker == q.speaker
        for group in ("all", q.lang) if q.lang else ("all",):
            groups.setdefault(group, []).append((first, right))
        ranks.append([q.q, first])
        if progress:
            progress(1)
    metrics = _metrics(groups.pop("all"))
    if groups:
        metrics["by_lang"] = {lang: _metrics(groups[lang]) for lang in LANGS if lang in groups}
    metrics["ranks"] = ranks
    return metrics


def _place(rank: int | None) -> int:
    return rank if rank is not None else max(KS) + 1


@dataclass(frozen=True)
class RankChange:
    q: str
    before: int | None  # None: not in the top 10
    after: int | None

    @property
    def lost(self) -> bool:
        return _place(self.after) > _place(self.before)


def read_run(path: Path) -> dict[str, int | None]:
    """The ranks of a run saved by `qa eval --save` (or printed by `--json`), by question."""
    try:
        ranks = json.loads(Path(path).read_text(encoding="utf-8"))["ranks"]
        return {str(q): (int(r) if r is not None else None) for q, r in ranks}
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
        raise EvalFileError(f"{path} is not a run saved by `qa eval --save` ({type(exc).__name__}: {exc})") from None


def rank_changes(before: dict[str, int | None], metrics: dict) -> list[RankChange]:
    """Questions asked in both runs whose first hit moved, biggest loss first and biggest gain last."""
    changes = [RankChange(q, before[q], now) for q, now in metrics["ranks"] if q in before and now != before[q]]
    return sorted(changes, key=lambda c: _place(c.before) - _place(c.after))


def _metrics(rows: list[tuple[int | None, bool | None]]) -> dict:
    n = len(rows)
    out: dict = {f"hit@{k}": round(sum(1 for f, _ in rows if f and f <= k) / n, 4) for k in KS}
    out[f"mrr@{MRR_AT}"] = round(sum(1.0 / f for f, _ in rows if f and f <= MRR_AT) / n, 4)
    checked = [r for _, r in rows if r is not None]
    if checked:
        out["speaker_ok"] = round(sum(checked) / len(checked), 4)
    out["questions"] = n
    return out
