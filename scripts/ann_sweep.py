"""Recall@10 and latency of FAISS dense indexes on the bench's passage vectors, without building a whole index.

How the IVF default (QA_IVF_LISTS 0 → about 4·√n lists, QA_IVF_PROBES 128, float16 codes) was chosen: the bench's
passages (`qa.bench.text`, seeded) get composed multilingual-e5-small vectors (`qa.bench.vectors`), the bench's
200 questions are encoded by the model, and each FAISS index_factory string is built and searched at several
probe counts. Recall counts ties with the exact 10th best as found, as `qa bench` does; latency is one query
at a time on one thread, top 100 (the searcher's candidate depth).

  nice .venv/bin/python scripts/ann_sweep.py --passages 1000000 IVF4096,Flat IVF4096,SQfp16 IVF4096,SQ8
  nice .venv/bin/python scripts/ann_sweep.py --passages 100000 IVF512,Flat IVF1024,Flat --probes 32 64 128

Vectors are cached in --cache (default /tmp/qa-ann-sweep) by passage count, so further sweeps skip the model.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import faiss
import numpy as np

from qa.bench.measure import RECALL_K, Latency, recall_at_k, timed_ms
from qa.bench.text import load_text_source, make_corpus, pick_questions
from qa.bench.vectors import ComposedEmbedder
from qa.embedding import load_embedder
from qa.engines.faiss import TRAIN_POINTS_PER_LIST, TRAIN_SEED

CANDIDATES = 100


def vectors(passages: int, questions: int, cache: Path) -> tuple[np.ndarray, np.ndarray]:
    cache.mkdir(parents=True, exist_ok=True)
    passage_file, query_file = cache / f"passages-{passages}.npy", cache / f"questions-{questions}.npy"
    if not (passage_file.exists() and query_file.exists()):
        embedder = load_embedder("multilingual-e5-small")
        source = load_text_source()
        synthetic = make_corpus(passages, source, 0)
        composed = ComposedEmbedder(embedder, source, synthetic)
        np.save(passage_file, composed.encode([p.indexed_text for p in synthetic.corpus.passages]))
        np.save(query_file, embedder.encode_queries(pick_questions(source, questions, 0)))
    return np.load(passage_file), np.load(query_file)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("factories", nargs="+", help="FAISS index_factory strings, e.g. IVF4096,SQfp16")
    parser.add_argument("--passages", type=int, default=100_000)
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--probes", type=int, nargs="+", default=[16, 32, 64, 128, 256])
    parser.add_argument("--cache", type=Path, default=Path("/tmp/qa-ann-sweep"))
    args = parser.parse_args()
    if args.passages < 1 or args.questions < 1 or min(args.probes) < 1:
        parser.error("--passages, --questions and --probes must be positive")

    data, queries = vectors(args.passages, args.questions, args.cache)
    exact = faiss.IndexFlatIP(data.shape[1])
    exact.add(data)
    kth = exact.search(queries, RECALL_K)[0][:, RECALL_K - 1]
    del exact
    for factory in args.factories:
        try:
            index = faiss.index_factory(data.shape[1], factory, faiss.METRIC_INNER_PRODUCT)
        except RuntimeError:
            parser.error(f"FAISS does not know the index {factory!r} (e.g. IVF4096,SQfp16)")
        start = time.perf_counter()
        if not index.is_trained:
            lists = faiss.extract_index_ivf(index).nlist
            rows = np.random.default_rng(TRAIN_SEED).choice(
                len(data), min(len(data), lists * TRAIN_POINTS_PER_LIST), replace=False
            )
            index.train(data[np.sort(rows)])
        trained = time.perf_counter()
        index.add(data)
        print(f"{factory}: train {trained - start:.0f} s, add {time.perf_counter() - trained:.0f} s", flush=True)
        for probes in args.probes if isinstance(index, faiss.IndexIVF) else [None]:
            if probes:
                index.nprobe = probes
            ids = index.search(queries, RECALL_K)[1]
            found = np.where(ids >= 0, np.einsum("qkd,qd->qk", data[np.maximum(ids, 0)], queries), -np.inf)
            threads = faiss.omp_get_max_threads()
            faiss.omp_set_num_threads(1)
            latency = Latency.of([timed_ms(lambda q=q, i=index: i.search(q[None], CANDIDATES)) for q in queries], 2)
            faiss.omp_set_num_threads(threads)
            print(
                f"  probes {probes}: recall@{RECALL_K} {recall_at_k(found, kth, RECALL_K):.4f}, "
                f"top {CANDIDATES} p50 {latency.p50_ms:.2f} ms p95 {latency.p95_ms:.2f} ms",
                flush=True,
            )


if __name__ == "__main__":
    main()
