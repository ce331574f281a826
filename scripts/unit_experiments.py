"""Match small, return whole: does scoring a passage by its best sentence unit rank better? (issue 17, item 1)

    nice .venv/bin/python scripts/unit_experiments.py --indexes /tmp/qa-eval [--cache /tmp/qa-units]

Each question set is asked of an index built from its corpus (`qa build --corpus DIR --index INDEXES/<name>`, names
in CORPORA). Every passage is cut into sentence units (short sentences joined to the next), each embedded with the
passage's speech context in front as passages are; unit vectors are cached under --cache, keyed by model and text.
Variants score a passage's dense similarity as its own vector (today), its best unit, the larger of the two, or a
mix; BM25 as the passage's, its best unit's, or a mix. Questions alternate between a tuning half (even lines) and a
held-out half (odd lines): the variant is chosen on the tuning halves only, and the held-out figures are reported.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import sys
from pathlib import Path

import numpy as np

from qa.evaluation import read_jsonl
from qa.keywords import BM25
from qa.reader.passages import sentences
from qa.retrieval import Searcher, mentions, weighted_fusion
from qa.settings import load_settings
from qa.store import load_index

ROOT = Path(__file__).resolve().parent.parent
CORPORA = {"sotu": "eval/corpora/sotu", "sg": "eval/corpora/sg-budget-speeches", "fireside": "eval/corpora/fireside"}
CORPORA["seed"] = "corpus"
SETS = [
    ("sotu_en", "sotu"),
    ("sotu_famous_en", "sotu"),
    ("sg_budget_en", "sg"),
    ("sg_budget_zh", "sg"),
    ("fireside_en", "fireside"),
    ("fireside_zh", "fireside"),
    ("seed_dev", "seed"),
    ("paraphrased", "seed"),
    ("seed_en", "seed"),
]
MIN_UNIT_CHARS = {"en": 40, "zh": 12}  # a shorter sentence ("Thank you.") joins the next one
TOP = 10
CANDIDATES = 100
# Words of how questions are asked rather than what about (stems, as the tokenizer gives them): item 2 measures
# whether leaving them out of BM25 helps; the tokenizer's stop words already drop what/who/did/说/哪位.
QUESTION_WORDS = frozenset(
    [
        "say",
        "said",
        "tell",
        "told",
        "talk",
        "mention",
        "describ",
        "explain",
        "accord",
        "argu",
        "want",
        "think",
        "speech",
        "address",
        "presid",
        "ask",
        "call",
        "claim",
        "promis",
        "announc",
        "warn",
        "提到",
        "谈到",
        "讲到",
        "表示",
        "指出",
        "认为",
        "总统",
        "部长",
        "讲话",
        "演讲",
        "谈话",
        "提出",
    ]
)


def units_of(text: str, language: str) -> list[str]:
    out: list[str] = []
    short = MIN_UNIT_CHARS["zh" if language == "zh" else "en"]
    for paragraph in text.split("\n"):
        pending = ""
        for s in sentences(paragraph, language):
            pending = f"{pending} {s}".strip() if language != "zh" else pending + s
            if len(pending) >= short:
                out.append(pending)
                pending = ""
        if pending:
            if out:
                out[-1] = f"{out[-1]} {pending}" if language != "zh" else out[-1] + pending
            else:
                out.append(pending)
    return out or [text]


def cached_encode(texts: list[str], encode, cache: Path, model: str) -> np.ndarray:
    key = hashlib.sha256("\x1e".join([model, *texts]).encode()).hexdigest()[:24]
    path = cache / f"{key}.npy"
    if path.exists():
        return np.load(path)
    vectors = encode(texts)
    cache.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return vectors


class Prepared:
    """One corpus: passages, their vectors, their units' vectors and BM25, and the searcher's query handling."""

    def __init__(self, root: Path, settings, embedder, cache: Path):
        self.index = load_index(root, settings, verify=False)
        self.searcher = Searcher(self.index, embedder, settings)
        self.embedder = embedder
        self.cache = cache
        passages = self.index.passages
        self.vectors = np.asarray(self.index.engine.index.stored, dtype=np.float32)
        unit_texts, owner, bare = [], [], []
        for row, p in enumerate(passages):
            for u in units_of(p.text, p.language or "zh"):
                unit_texts.append(f"{p.context}\n{u}")
                bare.append(u)
                owner.append(row)
        self.owner = np.asarray(owner)
        self.unit_vectors = cached_encode(
            unit_texts, lambda t: embedder.encode(t, settings.batch_size), cache, settings.model
        )
        tok = self.index.tokenizer
        self.unit_bm25 = BM25.build((tok.split(self._plain(t)) for t in unit_texts), settings.bm25_k1, settings.bm25_b)
        print(f"{root.name}: {len(passages)} passages, {len(unit_texts)} units", file=sys.stderr)

    @staticmethod
    def _plain(text: str) -> str:
        from qa.script import simplified

        return simplified(text)

    def signals(self, question: str) -> dict[str, np.ndarray]:
        """Per-passage scores of one question: own/unit dense, passage/unit BM25, speaker boost mask."""
        s = self.searcher
        query = s.prepare(question)
        tokens = self.index.tokenizer.split(query, query=True)
        vector = cached_encode([query], lambda t: self.embedder.encode_queries(t), self.cache / "q", "q")[0]
        own = self.vectors @ vector
        unit_scores = self.unit_vectors @ vector
        best = np.full(len(own), -1.0, dtype=np.float32)
        np.maximum.at(best, self.owner, unit_scores)
        from qa.engines.base import Query

        named = {sp for name in mentions(query, s.names) for sp in s._speakers_of[name]}
        boost = np.isin(s._speaker_column, list(named)).astype(np.float32) if named else np.zeros(len(own))
        out = {"own": own, "unit": best, "boost": boost}
        for suffix, kept in (("", tokens), ("_q", [t for t in tokens if t not in QUESTION_WORDS])):
            columns, counts = self.index.terms.query(kept)
            out["kw" + suffix] = self.index.engine.keyword_scores(Query(vector, columns, counts))
            unit_kw = np.asarray(self.unit_bm25.scores(kept), dtype=np.float32)
            best_kw = np.zeros(len(own), dtype=np.float32)
            np.maximum.at(best_kw, self.owner, unit_kw)
            out["unit_kw" + suffix] = best_kw
        return out


def rank(sig: dict, dense_mix: float, kw_mix: float, dense_weight: float, qstop: bool, boost: float) -> np.ndarray:
    """Rows best first. dense_mix: share of the passage's own vector (1 = today; -1 = max(own, unit)); qstop:
    BM25 without QUESTION_WORDS."""
    q = "_q" if qstop else ""
    if dense_mix < 0:
        dense = np.maximum(sig["own"], sig["unit"])
    else:
        dense = dense_mix * sig["own"] + (1 - dense_mix) * sig["unit"]
    kw_scale = lambda x: x / x.max() if x.max() > 0 else x  # noqa: E731
    keyword = kw_mix * kw_scale(sig["kw" + q]) + (1 - kw_mix) * kw_scale(sig["unit_kw" + q])
    top_dense = np.argsort(-dense, kind="stable")[:CANDIDATES]
    top_kw = np.argsort(-keyword, kind="stable")[:CANDIDATES]
    cand = np.union1d(top_dense, top_kw[keyword[top_kw] > 0])
    fused = weighted_fusion(dense[cand], keyword[cand], dense_weight) + boost * sig["boost"][cand]
    return cand[np.argsort(-fused, kind="stable")[:TOP]]


def metrics(firsts: list[int | None]) -> dict:
    n = len(firsts)
    return {
        "hit@1": sum(1 for f in firsts if f == 1) / n,
        "hit@5": sum(1 for f in firsts if f and f <= 5) / n,
        "mrr": sum(1 / f for f in firsts if f) / n,
        "n": n,
    }


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--indexes", type=Path, required=True, help="folder holding one index per corpus name")
    ap.add_argument("--cache", type=Path, default=Path("/tmp/qa-units"))
    ap.add_argument("--sets", nargs="*", default=[name for name, _ in SETS])
    ap.add_argument("--out", type=Path, help="write every variant's per-set figures as JSON")
    args = ap.parse_args()
    from qa.embedding import load_embedder

    settings = load_settings()
    embedder = load_embedder(settings.model, False, settings.precision)
    prepared: dict[str, Prepared] = {}
    grid = list(
        itertools.product(
            (1.0, -1.0, 0.0, 0.3, 0.5, 0.7),  # dense: own, max(own, unit), unit, mixes
            (1.0, 0.0, 0.5),  # keyword: passage, best unit, mix
            (0.4, 0.5, 0.6),  # dense weight in fusion
            (False, True),  # question words left out of BM25
        )
    )
    results: dict[str, dict[str, dict]] = {}
    for name, corpus in SETS:
        if name not in args.sets:
            continue
        if corpus not in prepared:
            prepared[corpus] = Prepared(args.indexes / corpus, settings, embedder, args.cache)
        p = prepared[corpus]
        questions = read_jsonl(ROOT / "eval" / f"{name}.jsonl")
        sigs = [p.signals(q.q) for q in questions]
        for variant in grid:
            firsts = []
            for q, sig in zip(questions, sigs, strict=True):
                rows = rank(sig, *variant, settings.speaker_boost)
                firsts.append(next((i for i, r in enumerate(rows, 1) if q.is_hit(p.index.passages[r])), None))
            key = "dense={} kw={} w={} qstop={}".format(*variant)
            results.setdefault(key, {})[name] = {
                "tune": metrics(firsts[0::2]),
                "held": metrics(firsts[1::2]),
                "all": metrics(firsts),
            }
    if args.out:
        args.out.write_text(json.dumps(results, indent=1))
    baseline = "dense=1.0 kw=1.0 w=0.4 qstop=False"

    def tune_score(key: str) -> float:
        return float(np.mean([r["tune"]["mrr"] + r["tune"]["hit@1"] for r in results[key].values()]))

    ordered = sorted(results, key=tune_score, reverse=True)
    print("best on the tuning halves (mean of hit@1 + MRR over sets):")
    for key in ordered[:8]:
        print(f"  {key:28s} {tune_score(key):.4f}")
    for key in (baseline, ordered[0]):
        print(f"\n{key} ({'today' if key == baseline else 'chosen on tuning halves'}): held-out half / all")
        for name, r in results[key].items():
            h, a = r["held"], r["all"]
            print(
                f"  {name:15s} held n={h['n']:3d} hit@1 {h['hit@1']:.3f} hit@5 {h['hit@5']:.3f} MRR {h['mrr']:.3f}"
                f" | all hit@1 {a['hit@1']:.3f} hit@5 {a['hit@5']:.3f} MRR {a['mrr']:.3f}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
