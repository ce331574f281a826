"""Two other ways to score a passage by meaning: its two best units, or a query moved towards its first passages.

    nice .venv/bin/python scripts/dense_variants.py --indexes /tmp/final [--cache /tmp/qa-units]

Each question of unit_experiments.py's SETS is ranked as `qa` ranks it today (its shipped variant, over the same
indexes), then with one change to the dense signals:
- top2_A: a passage's best-unit score is (1 - A) × its best unit + A × its second best (a passage holding two
  lines on the question over one holding one);
- prf_B_K: pseudo-relevance feedback, the query vector plus B × the mean of the K passages its own vector ranks
  first, normalised, scores passages and units again;
- qpass_A: the question also embedded as a passage is (e5's `passage: ` prompt, so that it lies where a sentence
  worded like it lies), (1 - A) × the question vector + A × that one, normalised, scores passages and units again.
Reported as unit_experiments.py reports: the mean of hit@1 + MRR over the sets' tuning (even) and held-out (odd)
halves, and each set's hit@1 / MRR. Measured: none adds (README, "Also measured, left off").
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from unit_experiments import ROOT, SETS, Prepared, cached_encode, metrics, rank, shipped_variant

from qa.evaluation import read_jsonl
from qa.settings import load_settings

VARIANTS = {
    "today": {},
    **{f"top2_{a}": {"second": a} for a in (0.2, 0.35, 0.5)},
    **{f"prf_{b}_{k}": {"feedback": b, "depth": k} for b in (0.3, 0.6, 1.0) for k in (1, 3, 5)},
    **{f"qpass_{a}": {"as_passage": a} for a in (0.2, 0.35, 0.5)},
}


def best_two(scores: np.ndarray, owner: np.ndarray, passages: int) -> tuple[np.ndarray, np.ndarray]:
    """Each passage's best and second-best unit score (the best again for a passage of one unit)."""
    order = np.lexsort((-scores, owner))
    o, s = owner[order], scores[order]
    first = np.flatnonzero(np.r_[True, o[1:] != o[:-1]])
    best = np.full(passages, -1.0, np.float32)
    best[o[first]] = s[first]
    second = best.copy()
    nxt = first + 1
    nxt = nxt[nxt < len(o)]
    same = o[nxt] == o[nxt - 1]
    second[o[nxt[same]]] = s[nxt[same]]
    return best, second


def varied(sig: dict, p: Prepared, vector: np.ndarray, v: dict, as_passage: np.ndarray) -> dict:
    units = p.units["sent"]
    n = len(p.vectors)
    out = dict(sig)
    if "second" in v:
        best, second = best_two(units.vectors @ vector, units.owner, n)
        out["sent:dense"] = (1 - v["second"]) * best + v["second"] * second
    if "feedback" in v or "as_passage" in v:
        if "feedback" in v:
            top = np.argsort(-sig["own"])[: v["depth"]]
            moved = vector + v["feedback"] * p.vectors[top].mean(axis=0)
        else:
            moved = (1 - v["as_passage"]) * vector + v["as_passage"] * as_passage
        moved /= np.linalg.norm(moved)
        out["own"] = p.vectors @ moved
        best = np.full(n, -1.0, np.float32)
        np.maximum.at(best, units.owner, units.vectors @ moved)
        out["sent:dense"] = best
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--indexes", type=Path, required=True, help="folder holding one index per corpus name")
    ap.add_argument("--cache", type=Path, default=Path("/tmp/qa-units"))
    args = ap.parse_args()
    from qa.embedding import load_embedder

    settings = load_settings()
    embedder = load_embedder(settings.model, False, settings.precision)
    shipped = shipped_variant(settings)
    firsts: dict[str, dict[str, list]] = {}
    prepared: dict[str, Prepared] = {}
    for name, corpus in SETS:
        if corpus not in prepared:
            prepared[corpus] = Prepared(args.indexes / corpus, settings, embedder, args.cache, ["sent"])
        p = prepared[corpus]
        for q in read_jsonl(ROOT / "eval" / f"{name}.jsonl"):
            sig = p.signals(q.q)
            hits = np.array([q.is_hit(x) for x in p.index.passages])
            asked = p.searcher.prepare(q.q)
            vector = cached_encode([asked], embedder.encode_queries, args.cache / "q", "q")[0]
            as_passage = cached_encode([asked], embedder.encode, args.cache / "qp", "qp")[0]
            for label, v in VARIANTS.items():
                rows = rank(varied(sig, p, vector, v, as_passage), shipped)
                first = next((i for i, r in enumerate(rows, 1) if hits[r]), None)
                firsts.setdefault(label, {}).setdefault(name, []).append(first)
    print("variant        tuning / held-out halves (mean hit@1 + MRR) | per set hit@1 / MRR")
    for label, sets in firsts.items():
        halves = [np.mean([metrics(f[h::2])["hit@1"] + metrics(f[h::2])["mrr"] for f in sets.values()]) for h in (0, 1)]
        per_set = " ".join(f"{n} {metrics(f)['hit@1']:.3f}/{metrics(f)['mrr']:.3f}" for n, f in sets.items())
        print(f"{label:14s} {halves[0]:.4f} / {halves[1]:.4f} | {per_set}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
