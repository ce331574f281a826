"""How are the dense and keyword scores best put on one scale before fusion? (issue 17, item 1)

    nice .venv/bin/python scripts/fusion_scaling.py --indexes DIR [--sets sotu_en sg_budget_en ...] [--priors]

Each set is asked of DIR/<corpus> (built by `scripts/eval_all.sh DIR`). A question's candidates and their signals
(passage dense, best unit dense, passage BM25, best unit's keyword weight, speaker and year boosts) are taken once
from the retriever as `qa` computes them, so the "today" row is `qa eval`'s ranking (questions that name a year
excepted: `qa eval` ranks those from a wider pool). Each variant then mixes, scales and fuses them again.

Scalings of the dense score over a question's candidates: `minmax` (today), `median` (the median candidate at 0,
the best at 1), `z` (standard scores / 3); of the keyword score: `max` (today: divided by the largest), `minmax`,
`z`. The dense share is the one a variant names for every question `qa` gives the English share, the question's
own otherwise. Questions alternate between a tuning half (even lines) and a held-out half (odd lines); the score
is the mean over sets of hit@1 + MRR@10.

`--priors` keeps today's fusion and adds what a passage's speech or neighbours say of it (`with_prior`): does a
speech that answers in several passages, or the passage next to a good one, tell the answer better?

`--shapes` keeps today's mix and bends it (`shaped`): a bonus for the passage holding the best-matching unit of all
(or b / (k + its rank by unit dense)), the scaled dense or keyword score raised to a power, or the passage and unit
dense scores each min-maxed before they are mixed.
"""

from __future__ import annotations

import argparse
import itertools
from pathlib import Path

import numpy as np

from qa.crosslingual import is_english
from qa.dates import years_named
from qa.embedding import load_embedder
from qa.evaluation import read_jsonl
from qa.retrieval import Searcher, minmax, to_unit_max
from qa.settings import load_settings
from qa.store import load_index

ROOT = Path(__file__).resolve().parent.parent
SETS = {
    "sotu_en": "sotu",
    "sotu_famous_en": "sotu",
    "sg_budget_en": "sg",
    "fireside_en": "fireside",
    "press_en": "press-en",
    "seed_en": "seed",
    "ungdc_en": "ungdc",
    "un_debate_en": "un-debate",
    "sg_budget_zh": "sg",
    "fireside_zh": "fireside",
    "ungdc_zh": "ungdc",
}


def median_scaled(x: np.ndarray) -> np.ndarray:
    span = float(x.max() - np.median(x))
    return (x - np.median(x)) / span if span > 0 else np.ones_like(x)


def z_scaled(x: np.ndarray) -> np.ndarray:
    return (x - x.mean()) / (3 * x.std()) if x.std() > 0 else np.zeros_like(x)


DENSE = {"minmax": minmax, "median": median_scaled, "z": z_scaled}
KEYWORD = {"max": to_unit_max, "minmax": minmax, "z": z_scaled}


def signals(searcher: Searcher, settings, question) -> dict:
    """One question's candidates with every signal `qa.retrieval.fuse` mixes, and which hold the answer."""
    asked = searcher.asked(question.q)
    found = searcher.candidates(asked, searcher.tokens(asked))
    passages = [searcher.index.passages[r] for r in found.rows]
    years = years_named(question.q)  # qa.facets lifts these after fusion, as here
    english = is_english(asked.text) and asked.dense_share is None
    return {
        "dense": found.dense,
        "unit": found.unit_dense,
        "bm25": found.keyword,
        "held": found.unit_keyword,
        "boost": settings.speaker_boost * found.named
        + settings.year_boost * np.array([(p.date or "")[:4] in years for p in passages]),
        "share": found.dense_share,
        "english": english,
        "gold": np.array([question.is_hit(p) for p in passages]),
        "rows": found.rows,
        "document": np.array([p.document for p in passages], dtype=object),
    }


def fused_as(sig: dict, v: dict) -> np.ndarray:
    """The candidates' scores under variant `v` (today's, as `qa.retrieval.fuse` mixes them, for `today`)."""
    dense = (1 - v["unit_weight"]) * sig["dense"] + v["unit_weight"] * sig["unit"]
    m = v["unit_keyword"]
    keyword = (1 - m) * to_unit_max(sig["bm25"]) + m * to_unit_max(sig["held"])
    share = v["share"] if sig["english"] else sig["share"]
    return share * DENSE[v["dense"]](dense) + (1 - share) * KEYWORD[v["keyword"]](keyword) + sig["boost"]


def with_prior(sig: dict, fused: np.ndarray, kind: str, weight: float, depth: int) -> np.ndarray:
    """`fused` plus `weight` × what the passage's neighbours say of it: `speech` the mean fused score of its
    speech's best `depth` candidates, `share` its speech's share of the first `depth`, `neighbour` the better
    fused score of the passages just before and after it (when they are candidates)."""
    docs = sig["document"]
    if kind == "speech":
        prior = np.zeros_like(fused)
        for doc in set(docs):
            mine = docs == doc
            prior[mine] = np.sort(fused[mine])[::-1][:depth].mean()
    elif kind == "share":
        first = list(docs[np.argsort(-fused, kind="stable")[:depth]])
        prior = np.array([first.count(doc) / depth for doc in docs])
    else:
        at = {int(row): i for i, row in enumerate(sig["rows"])}
        near = [[at[r] for r in (int(row) - 1, int(row) + 1) if r in at] for row in sig["rows"]]
        prior = np.array([max((fused[j] for j in js if docs[j] == docs[i]), default=0.0) for i, js in enumerate(near)])
    return fused + weight * prior


def _ranks(x: np.ndarray) -> np.ndarray:
    r = np.empty(len(x))
    r[np.argsort(-x, kind="stable")] = np.arange(1, len(x) + 1)
    return r


def shaped(sig: dict, v: dict, shape: tuple) -> np.ndarray:
    """Today's fusion bent by `shape`: ("top", b), ("rank", b, k), ("dense_power", p), ("keyword_power", p) or
    ("apart", unit weight)."""
    kind, *a = shape
    if kind == "top":
        return fused_as(sig, v) + a[0] * (_ranks(sig["unit"]) == 1)
    if kind == "rank":
        return fused_as(sig, v) + a[0] / (a[1] + _ranks(sig["unit"]))
    uw = a[0] if kind == "apart" else v["unit_weight"]
    dense = (
        (1 - uw) * minmax(sig["dense"]) + uw * minmax(sig["unit"])
        if kind == "apart"
        else minmax((1 - uw) * sig["dense"] + uw * sig["unit"])
    )
    m = v["unit_keyword"]
    keyword = to_unit_max((1 - m) * to_unit_max(sig["bm25"]) + m * to_unit_max(sig["held"]))
    dense = dense ** a[0] if kind == "dense_power" else dense
    keyword = keyword ** a[0] if kind == "keyword_power" else keyword
    share = v["share"] if sig["english"] else sig["share"]
    return share * dense + (1 - share) * keyword + sig["boost"]


SHAPES = [
    *[("top", b) for b in (0.02, 0.05, 0.1)],
    *[("rank", b, k) for b in (0.5, 1, 2) for k in (1, 3, 10)],
    *[("dense_power", p) for p in (1.5, 2, 3)],
    *[("keyword_power", p) for p in (0.5, 2)],
    *[("apart", uw) for uw in (0.5, 0.7, 0.85)],
]


def first_hit(sig: dict, v: dict, prior: tuple | None = None, shape: tuple | None = None) -> int | None:
    fused = shaped(sig, v, shape) if shape else fused_as(sig, v)
    if prior:
        fused = with_prior(sig, fused, *prior)
    gold = np.flatnonzero(sig["gold"][np.argsort(-fused, kind="stable")][:10])
    return int(gold[0]) + 1 if gold.size else None


def score(firsts: list[int | None]) -> float:
    return sum(f == 1 for f in firsts) / len(firsts) + sum(1 / f for f in firsts if f) / len(firsts)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--indexes", type=Path, required=True)
    ap.add_argument("--sets", nargs="*", default=list(SETS))
    ap.add_argument("--priors", action="store_true", help="today's fusion plus a speech or neighbour prior instead")
    ap.add_argument("--shapes", action="store_true", help="today's fusion bent (unit-rank bonus, powers) instead")
    args = ap.parse_args()
    settings = load_settings()
    embedder = load_embedder(settings.model, False, settings.precision)
    searchers: dict[str, Searcher] = {}
    sigs = {}
    for name in args.sets:
        corpus = SETS[name]
        if corpus not in searchers:
            index = load_index(args.indexes / corpus, settings, verify=False)
            searchers[corpus] = Searcher(index, embedder, settings)
        sigs[name] = [signals(searchers[corpus], settings, q) for q in read_jsonl(ROOT / "eval" / f"{name}.jsonl")]
    today = {
        "share": settings.dense_weight_en,
        "unit_weight": settings.unit_weight,
        "unit_keyword": settings.unit_keyword_weight,
        "dense": "minmax",
        "keyword": "max",
    }
    rows = []
    if args.shapes:
        firsts = {name: [first_hit(s, today) for s in sigs[name]] for name in sigs}
        rows.append((*halves(firsts), today, hits(firsts)))
        for shape in SHAPES:
            firsts = {name: [first_hit(s, today, shape=shape) for s in sigs[name]] for name in sigs}
            rows.append((*halves(firsts), {**today, "shape": shape}, hits(firsts)))
        report(rows, today)
        return
    if args.priors:
        firsts = {name: [first_hit(s, today) for s in sigs[name]] for name in sigs}
        rows.append((*halves(firsts), today, hits(firsts)))
        for prior in [("speech", w, d) for w in (0.05, 0.1, 0.2, 0.3) for d in (1, 3, 5)] + [
            (kind, w, d) for kind, d in (("share", 10), ("share", 20), ("neighbour", 0)) for w in (0.05, 0.1, 0.2, 0.3)
        ]:
            firsts = {name: [first_hit(s, today, prior) for s in sigs[name]] for name in sigs}
            rows.append((*halves(firsts), {**today, "prior": prior}, hits(firsts)))
        report(rows, today)
        return
    for share, uw, ukw, dense, keyword in itertools.product(
        (0.5, 0.6, 0.7, 0.8), (0.5, 0.7, 0.85, 1.0), (0.0, 0.3, 0.5), DENSE, KEYWORD
    ):
        v = {"share": share, "unit_weight": uw, "unit_keyword": ukw, "dense": dense, "keyword": keyword}
        firsts = {name: [first_hit(s, v) for s in sigs[name]] for name in sigs}
        rows.append((*halves(firsts), v, hits(firsts)))
    report(rows, today)


def halves(firsts: dict) -> tuple[float, float]:
    return np.mean([score(f[0::2]) for f in firsts.values()]), np.mean([score(f[1::2]) for f in firsts.values()])


def hits(firsts: dict) -> dict:
    return {name: round(sum(x == 1 for x in f) / len(f), 3) for name, f in firsts.items()}


def report(rows: list, today: dict) -> None:
    for tune, held, v, hit1 in [r for r in rows if r[2] == today] + sorted(rows, key=lambda r: -r[0])[:10]:
        label = "today" if v == today else "     "
        print(f"{label} tune {tune:.4f} held {held:.4f} {v}\n      hit@1 {hit1}")


if __name__ == "__main__":
    main()
