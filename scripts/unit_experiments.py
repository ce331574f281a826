"""Match small, return whole: which unit, mix and fusion rank best? (issue 17, items 1 and 3)

    nice .venv/bin/python scripts/unit_experiments.py --indexes /tmp/g17-idx [--cache /tmp/qa-units] [--misses]

Each question set is asked of an index built from its corpus (`qa build --corpus DIR --index INDEXES/<name>`, names
in CORPORA). The build's own sentence units (qa/units.py) are used as they are; the other unit kinds the grid tries
(sentence windows, sentences embedded without their speech context, sentences embedded as questions are:
`qsent` with the context line, `qbare` without) are embedded here once and cached under
--cache, keyed by model and text. Every signal is computed for every passage once per question; a variant then
picks its candidates (top `depth` by dense ∪ top `depth` by BM25, as the engines do), mixes, fuses, and adds the
speaker and year boosts as `qa eval` does.

A Chinese question over English speeches is read here as BM25 reads it (the question and its English gloss), by
the model too, and gets the ordinary dense share: `qa` has since let the model read the question alone and lean
on it (`QA_DENSE_WEIGHT_TRANSLATED`), so the zh→en rows (sg_budget_zh, fireside_zh) are below `qa eval`'s.

Questions alternate between a tuning half (even lines) and a held-out half (odd lines): the variant is chosen on
the tuning halves of all sets together (mean of hit@1 + MRR), and the held-out and full-set figures are reported.
--misses prints, for the shipped settings, every question of sotu_en and sg_budget_en not at rank 1 with what each
signal says of the gold passage and the winner.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import itertools
import json
import sys
from pathlib import Path

import numpy as np

from qa.crosslingual import is_english
from qa.dates import years_named
from qa.engines.base import Query
from qa.evaluation import read_jsonl
from qa.keywords import BM25
from qa.retrieval import Searcher, mentions, rrf_fusion, weighted_fusion
from qa.script import simplified
from qa.settings import load_settings
from qa.store import load_index
from qa.units import shared_weight, unit_spans

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
]
TOP = 10
DEPTH = 100  # today's candidates: the only depth a separate English dense share is tried at
DIAGNOSED = ("sotu_en", "sg_budget_en")


def cached_encode(texts: list[str], encode, cache: Path, model: str) -> np.ndarray:
    key = hashlib.sha256("\x1e".join([model, *texts]).encode()).hexdigest()[:24]
    path = cache / f"{key}.npy"
    if path.exists():
        return np.load(path)
    vectors = np.asarray(encode(texts), dtype=np.float32)
    cache.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return vectors


def windows(spans: list[tuple[int, int]], size: int) -> list[tuple[int, int]]:
    """Runs of `size` consecutive units (overlapping), or the whole passage's units when it has fewer."""
    if len(spans) <= size:
        return [(spans[0][0], spans[-1][1])]
    return [(spans[i][0], spans[i + size - 1][1]) for i in range(len(spans) - size + 1)]


class UnitSet:
    """One kind of unit over a corpus: owner passage per unit, vectors, the tokens each holds, a BM25 of them."""

    def __init__(self, owner, vectors, texts, tokens, k1, b):
        self.owner = np.asarray(owner)
        self.lowered = [t.lower() for t in texts]
        self.vectors = np.asarray(vectors, dtype=np.float32)
        self.tokens = tokens
        self.bm25 = BM25.build(iter(tokens), k1, b)


class Prepared:
    """One corpus: passages, their vectors, each unit kind, and the searcher's query handling."""

    def __init__(self, root: Path, settings, embedder, cache: Path, kinds: list[str]):
        self.index = load_index(root, settings, verify=False)
        self.searcher = Searcher(self.index, embedder, settings)
        self.embedder, self.cache, self.settings = embedder, cache, settings
        passages = self.index.passages
        self.vectors = np.asarray(self.index.engine.index.stored, dtype=np.float32)
        self.dates = np.array([(p.date or "")[:4] for p in passages], dtype=object)
        tok = self.index.tokenizer
        self.units: dict[str, UnitSet] = {}
        for kind in kinds:
            owner, texts, embedded = [], [], []
            bare = kind in ("noctx", "qbare")  # embedded without the context line
            for row, p in enumerate(passages):
                spans = unit_spans(p.text, p.language)
                if kind.startswith("win"):
                    spans = windows(spans, int(kind[3:]))
                for s, e in spans:
                    owner.append(row)
                    texts.append(simplified(p.text[s:e]))
                    embedded.append(texts[-1] if bare else simplified(f"{p.context}\n{p.text[s:e]}"))
            if kind == "sent":
                vectors = np.asarray(self.index.units.vectors, dtype=np.float32)  # the build's own
                assert len(vectors) == len(texts), "the index was built with other units: rebuild it"
            else:
                # qsent / qbare: the unit read as a question is (e5's "query: " prompt, which its authors advise
                # for symmetric tasks such as paraphrase), with or without the context line.
                as_query = kind in ("qsent", "qbare")
                encode = functools.partial(
                    embedder.encode_queries if as_query else embedder.encode, batch_size=settings.batch_size
                )
                model = f"{settings.model} query" if as_query else settings.model
                vectors = cached_encode(embedded, encode, cache, model)
            tokens = [tok.split(t) for t in texts]
            self.units[kind] = UnitSet(owner, vectors, texts, tokens, settings.bm25_k1, settings.bm25_b)
        counts = {k: len(u.owner) for k, u in self.units.items()}
        print(f"{root.name}: {len(passages)} passages, units {counts}", file=sys.stderr)

    def signals(self, question: str) -> dict[str, np.ndarray]:
        """Per-passage scores of one question: own dense, per unit kind best-unit dense / proxy / BM25, boosts."""
        s = self.searcher
        query = s.prepare(question)
        tokens = self.index.tokenizer.split(query, query=True)
        vector = cached_encode([query], lambda t: self.embedder.encode_queries(t), self.cache / "q", "q")[0]
        columns, counts = self.index.terms.query(tokens)
        n = len(self.vectors)
        named = {sp for name in mentions(query, s.names) for sp in s._speakers_of[name]}
        boost = self.settings.speaker_boost * np.isin(s._speaker_column, list(named)) if named else np.zeros(n)
        years = years_named(query)
        if years:
            boost = boost + self.settings.year_boost * np.isin(self.dates, list(years))
        out = {"own": self.vectors @ vector, "boost": boost, "english": is_english(query)}
        out["kw"] = self.index.engine.keyword_scores(Query(vector, columns, counts))
        weight = self.index.terms.max_weight
        asked = {t: weight(t) for t in set(tokens)}
        for kind, u in self.units.items():
            scores = u.vectors @ vector
            best = np.full(n, -1.0, dtype=np.float32)
            np.maximum.at(best, u.owner, scores)
            out[f"{kind}:dense"] = best
            proxy = np.asarray([shared_weight(low, asked) for low in u.lowered], dtype=np.float32)
            best_proxy = np.zeros(n, dtype=np.float32)
            np.maximum.at(best_proxy, u.owner, proxy)
            out[f"{kind}:proxy"] = best_proxy
            bm = np.asarray(u.bm25.scores(tokens), dtype=np.float32)
            best_bm = np.zeros(n, dtype=np.float32)
            np.maximum.at(best_bm, u.owner, bm)
            out[f"{kind}:bm25"] = best_bm
        return out


def scaled(x: np.ndarray) -> np.ndarray:
    return x / x.max() if x.size and x.max() > 0 else x


def fused_scores(sig: dict, v: dict) -> tuple[np.ndarray, np.ndarray]:
    """Candidate rows under variant `v` and their fused score, boosts included."""
    w = v["unit_weight"]
    dense = (1 - w) * sig["own"] + w * sig[f"{v['kind']}:dense"] if w else sig["own"]
    top_dense = np.argsort(-sig["own"], kind="stable")[: v["depth"]]  # the engines fetch by the passage vector
    top_kw = np.argsort(-sig["kw"], kind="stable")[: v["depth"]]
    cand = np.union1d(top_dense, top_kw[sig["kw"][top_kw] > 0])
    m = v["kw_mix"]
    keyword = sig["kw"][cand]
    if m < 1:
        unit_kw = sig[f"{v['kind']}:{v['unit_kw']}"][cand]
        keyword = m * scaled(keyword) + (1 - m) * scaled(unit_kw)
    if v["fusion"] == "rrf":
        fused = rrf_fusion(dense[cand], keyword, 60)
        fused = fused / fused.max() if fused.max() > 0 else fused  # the boosts are sized for [0, 1] scores
    else:
        share = v["dense_weight_en"] if sig["english"] and v["dense_weight_en"] else v["dense_weight"]
        fused = weighted_fusion(dense[cand], keyword, share)
    return cand, fused + sig["boost"][cand]


def rank(sig: dict, v: dict) -> np.ndarray:
    """Rows best first under variant `v`."""
    cand, fused = fused_scores(sig, v)
    return cand[np.argsort(-fused, kind="stable")[:TOP]]


def metrics(firsts: list[int | None]) -> dict:
    n = len(firsts)
    return {
        "hit@1": sum(1 for f in firsts if f == 1) / n,
        "hit@5": sum(1 for f in firsts if f and f <= 5) / n,
        "mrr": sum(1 / f for f in firsts if f) / n,
        "n": n,
    }


def variant_key(v: dict) -> str:
    return " ".join(f"{k}={v[k]}" for k in sorted(v))


def grid(kinds: list[str]) -> list[dict]:
    out = []
    for kind, w, mix, ukw, fusion, dw, dw_en, depth in itertools.product(
        kinds,
        (0.0, 0.3, 0.5, 0.7, 0.85, 1.0),  # share of the best unit in the dense score
        (1.0, 0.7, 0.5, 0.3, 0.0),  # share of the passage's BM25 in the keyword score, the rest its best unit's
        ("proxy", "bm25"),  # the best unit's keyword score: shared query words' weights, or BM25 over units
        ("weighted", "rrf"),
        (0.4, 0.5, 0.6, 0.7, 0.8),  # dense share in weighted fusion
        (0, 0.5, 0.6, 0.7, 0.8),  # the same for English questions (0: as for any other)
        (30, 100, 300),  # candidates from each retriever
    ):
        if (mix == 1.0 and ukw == "bm25") or (fusion == "rrf" and dw != 0.4) or (w == 0 and kind != kinds[0]):
            continue  # the same ranking as a variant already in the grid
        if dw_en and (fusion == "rrf" or dw_en <= dw or depth != DEPTH or ukw == "bm25"):
            continue  # the same ranking as a variant already in the grid
        out.append(
            {
                "kind": kind,
                "unit_weight": w,
                "kw_mix": mix,
                "unit_kw": ukw,
                "fusion": fusion,
                "dense_weight": dw,
                "dense_weight_en": dw_en,
                "depth": depth,
            }
        )
    return out


def shipped_variant(settings) -> dict:
    """The variant `qa` ranks with under `settings`."""
    return {
        "kind": "sent",
        "unit_weight": settings.unit_weight,
        "kw_mix": 1 - settings.unit_keyword_weight,
        "unit_kw": "proxy",
        "fusion": settings.fusion,
        "dense_weight": settings.dense_weight,
        "dense_weight_en": settings.dense_weight_en,
        "depth": settings.candidates,
    }


def describe(p: Prepared, sig: dict, row: int, v: dict) -> str:
    passage = p.index.passages[row]
    k = v["kind"]
    return (
        f"own {sig['own'][row]:.3f} unit {sig[f'{k}:dense'][row]:.3f} kw {sig['kw'][row]:.1f}"
        f" ukw {sig[f'{k}:proxy'][row]:.1f} boost {sig['boost'][row]:.1f} len {len(passage.text)}"
        f" [{passage.document}] {passage.text[:90]!r}"
    )


def misses(p: Prepared, name: str, questions, sigs, v: dict) -> None:
    print(f"\n== {name}: not at rank 1 under {variant_key(v)}")
    for i, (q, sig) in enumerate(zip(questions, sigs, strict=True)):
        rows = rank(sig, v)
        first = next((j for j, r in enumerate(rows, 1) if q.is_hit(p.index.passages[r])), None)
        if first == 1:
            continue
        gold = [r for r in range(len(p.index.passages)) if q.is_hit(p.index.passages[r])]
        k = v["kind"]
        ranks = {
            s: int(np.sum(sig[s] > max(sig[s][g] for g in gold))) + 1 for s in ("own", f"{k}:dense", "kw", f"{k}:proxy")
        }
        print(f"#{i} rank {first} | signal ranks of gold {ranks} | {q.q}")
        print(f"   gold  {describe(p, sig, gold[0], v)}" if gold else "   gold  (no passage holds it)")
        print(f"   top   {describe(p, sig, int(rows[0]), v)}")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--indexes", type=Path, required=True, help="folder holding one index per corpus name")
    ap.add_argument("--cache", type=Path, default=Path("/tmp/qa-units"))
    ap.add_argument("--sets", nargs="*", default=[name for name, _ in SETS])
    ap.add_argument("--kinds", nargs="*", default=["sent", "win2", "noctx"])
    ap.add_argument("--misses", action="store_true", help="diagnose DIAGNOSED under the shipped settings")
    ap.add_argument("--out", type=Path, help="write every variant's per-set figures as JSON")
    args = ap.parse_args()
    from qa.embedding import load_embedder

    settings = load_settings()
    embedder = load_embedder(settings.model, False, settings.precision)
    shipped = shipped_variant(settings)
    variants = grid(args.kinds)
    prepared: dict[str, Prepared] = {}
    results: dict[str, dict[str, dict]] = {}
    for name, corpus in SETS:
        if name not in args.sets:
            continue
        if corpus not in prepared:
            prepared[corpus] = Prepared(args.indexes / corpus, settings, embedder, args.cache, args.kinds)
        p = prepared[corpus]
        questions = read_jsonl(ROOT / "eval" / f"{name}.jsonl")
        sigs = [p.signals(q.q) for q in questions]
        hits = [np.array([q.is_hit(x) for x in p.index.passages]) for q in questions]
        for v in variants:
            firsts = []
            for h, sig in zip(hits, sigs, strict=True):
                rows = rank(sig, v)
                firsts.append(next((i for i, r in enumerate(rows, 1) if h[r]), None))
            results.setdefault(variant_key(v), {})[name] = {
                "tune": metrics(firsts[0::2]),
                "held": metrics(firsts[1::2]),
                "all": metrics(firsts),
            }
        if args.misses and name in DIAGNOSED:
            misses(p, name, questions, sigs, shipped)
    if args.out:
        args.out.write_text(json.dumps(results, indent=1))

    def score(key: str, half: str) -> float:
        return float(np.mean([r[half]["mrr"] + r[half]["hit@1"] for r in results[key].values()]))

    ordered = sorted(results, key=lambda k: score(k, "tune"), reverse=True)
    print("best on the tuning halves (mean of hit@1 + MRR over sets): tune / held")
    for key in ordered[:15]:
        print(f"  {key}  {score(key, 'tune'):.4f} / {score(key, 'held'):.4f}")
    for key, label in ((variant_key(shipped), "today"), (ordered[0], "chosen on tuning halves")):
        print(f"\n{key} ({label}): tune {score(key, 'tune'):.4f} held {score(key, 'held'):.4f}")
        for name, r in results[key].items():
            h, a = r["held"], r["all"]
            print(
                f"  {name:15s} held n={h['n']:3d} hit@1 {h['hit@1']:.3f} hit@5 {h['hit@5']:.3f} MRR {h['mrr']:.3f}"
                f" | all hit@1 {a['hit@1']:.3f} hit@5 {a['hit@5']:.3f} MRR {a['mrr']:.3f}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
