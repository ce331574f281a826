"""`qa bench`'s report: the result as text for a reader, or as JSON for files and plots."""

from __future__ import annotations

import json

from .measure import Latency
from .run import BenchResult


def to_json(r: BenchResult) -> str:
    return json.dumps(r.to_dict(), ensure_ascii=False)


def _row(label: str, latency: Latency, p99: bool = True) -> str:
    cells = [latency.p50_ms, latency.p95_ms] + ([latency.p99_ms] if p99 else [])
    return f"  {label:<34}" + "".join(f"{c:9.2f}" for c in cells)


def format_report(r: BenchResult) -> str:
    m, b, d, e = r.machine, r.build, r.dense, r.encoding
    setup, texts, latency = r.setup, r.texts, r.latency
    if d.kind == "hnsw":
        dense = (
            f"hnsw (M {d.hnsw_m}, efConstruction {d.hnsw_ef_construction}, efSearch {d.hnsw_ef_search}; "
            f"exact below {d.ann_threshold:,} passages)"
        )
    elif d.kind == "ivf":
        dense = f"ivf ({d.ivf_lists:,} lists, {d.ivf_probes} probed; exact below {d.ann_threshold:,} passages)"
    else:
        dense = f"flat, exact (approximate from {d.ann_threshold:,} passages)"
    if e.plain_passages_per_s:
        est = ", estimated from the measured rates" if b.vs_plain_estimated else ""
        encode = (
            f"plain SentenceTransformer.encode {e.plain_passages_per_s:.1f} passages/s, ours ({setup.precision}, batch "
            f"{setup.batch_size}) {e.ours_passages_per_s:.1f} passages/s = {e.speedup:.2f}x on the "
            f"same {e.sample} passages\n             a build with model vectors runs at "
            f"{b.vs_plain:.2f}x plain encode{est}"
        )
    else:
        encode = f"ours {e.ours_passages_per_s:.1f} passages/s (no sentence-transformers model to compare)"
    if b.units is None:
        units = "none (passages matched whole)"
    else:
        est = f"; our encoder would embed them in {b.unit_embed_seconds:,.0f} s" if b.unit_embed_seconds else ""
        units = f"{b.units:,} sentence units, {b.units_mb:,.1f} MB on disk{est}"
    ratio = r.search_p95_over_encode_p50
    engine = "FAISS" if setup.backend == "faiss" else "Milvus"
    lines = [
        f"qa bench: {setup.passages:,} passages, {texts.text_source}; backend {setup.backend}",
        f"vectors  : {texts.vectors_note}",
        f"machine  : {m.cpu}, {m.cores} cores, {m.ram_gb} GB RAM, load {m.load_at_start} at start, "
        f"{m.load_at_end} at end",
        f"build    : {b.seconds:.1f} s = {b.passages_per_s:,.1f} passages/s (encoding {b.embed_seconds:.1f} s, "
        f"tokenizing + BM25 {b.index_seconds:.1f} s, {engine} index + writing {b.write_seconds:.1f} s); "
        f"{b.index_mb:,.1f} MB on disk; load {r.load_seconds:.1f} s",
        f"units    : {units}",
        f"dense    : {dense}",
        f"encoding : {encode}",
        f"latency  : {texts.queries} queries, top {setup.top_k}; ms (percentiles: numpy linear)  p50      p95      p99",
        _row(f"query encoding alone ({setup.model})", latency.encode, p99=False),
        _row("search in-process (hybrid)", latency.search),
        _row("search over HTTP", latency.http),
        f"  dense part only: {d.kind} {d.latency.p50_ms:.2f} ms p50, exact flat {d.exact_latency.p50_ms:.2f} ms p50 "
        f"(top {d.candidates}); search p95 / encode p50 = {ratio}",
        f"recall@10: {d.recall_at_10:.4f} of the {d.kind} index against exact search "
        f"({texts.queries} questions, {d.recall_query_vectors} vectors)",
        f"memory   : peak RSS {r.peak_rss_mb:,.0f} MB (after the build {b.peak_rss_mb:,.0f} MB)",
    ]
    if s := r.serve_memory:
        lines.append(
            f"serving  : a fresh process with the index loaded, after the questions: RSS {s.rss_mb:,.0f} MB = "
            f"private {s.private_mb:,.0f} MB ({s.private_before_load_mb:,.0f} MB before loading) + memory-mapped "
            f"{s.mapped_mb:,.0f} MB (file pages, shared by processes serving one build); peak {s.peak_rss_mb:,.0f} MB"
        )
    return "\n".join(lines)
