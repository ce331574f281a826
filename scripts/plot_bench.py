"""Plot `qa bench --json` results: query latency (and recall@10) against collection size, one line per engine.

Usage: .venv/bin/python scripts/plot_bench.py docs/results/bench-*.json [-o docs/latency.png] [--model NAME]

Each file holds one `qa bench --json` object (or several, one a line); older flat results are read too (FLAT).
Only results of one model are drawn (--model; default multilingual-e5-small); the others are listed as skipped.
Per engine, the line joins the exact (flat) results and the approximate-index results (FAISS IVF, Milvus HNSW)
of the engine's most-measured index settings (ties: the newest); results with other settings (an older HNSW
FAISS index, a larger efSearch, another QA_ANN_THRESHOLD) are drawn apart as labelled markers.
Two results of the same engine, settings and size: the newer file wins (the commit time of its last change;
an uncommitted file is newest; of one file's lines, the last), and the one dropped is printed. So a new
`docs/results/bench-1m-*.json` replaces the older 1M point of the same settings when the plot is re-made.
Needs matplotlib: .venv/bin/pip install -e '.[bench]'
"""

from __future__ import annotations

import argparse
import json
import subprocess
import time
from collections import Counter, defaultdict
from pathlib import Path

DEFAULT_MODEL = "multilingual-e5-small"
ENGINES = {  # backend: label, colour
    "faiss": ("FAISS", "tab:blue"),
    "milvus": ("Milvus Lite", "tab:orange"),
}
# Results written before `qa bench` returned a typed result were flat: the same figures under these keys.
FLAT = {
    "http.p95_ms": "http_p95_ms",
    "search.p95_ms": "search_p95_ms",
    "search.p50_ms": "search_p50_ms",
    "encode.p50_ms": "encode_p50_ms",
    "dense.exact_latency.p50_ms": "dense_exact_p50_ms",
    "dense.latency.p50_ms": "dense_p50_ms",
    "dense.ann_threshold": "ann_threshold",
    "dense.kind": "dense_index",
    "dense.recall_at_10": "recall@10",
    "dense.hnsw_m": "hnsw_m",
    "dense.hnsw_ef_construction": "hnsw_ef_construction",
    "dense.hnsw_ef_search": "hnsw_ef_search",
}
KINDS = {"flat": "exact", "ivf": "IVF", "hnsw": "HNSW"}
VARIANT_MARKERS = ["s", "D", "P", "X", "v", "p"]
VARIANT_SPREAD = 1.3  # x factor between markers of different settings at one size (log axis)
RECALL_BAR = 0.98  # docs/BENCHMARKS.md, "The bar"


def value(result: dict, key: str):
    """The figure at a dotted key of a result, or at its flat name in an older result; None if absent."""
    if key in FLAT and FLAT[key] in result:
        return result[FLAT[key]]
    for part in key.split("."):
        if not isinstance(result, dict) or part not in result:
            return None
        result = result[part]
    return result


def index_params(result: dict) -> tuple:
    """The dense index a result searched: ("flat",), ("ivf", probes) or ("hnsw", M, efConstruction, efSearch).

    IVF's list count is left out: by default it grows with the collection (about 4·sqrt(passages))."""
    kind = value(result, "dense.kind") or "flat"
    if kind == "hnsw":
        return kind, *(value(result, f"dense.hnsw_{p}") for p in ("m", "ef_construction", "ef_search"))
    if kind == "ivf":
        return kind, value(result, "dense.ivf_probes")
    return (kind,)


def settings(result: dict) -> tuple:
    """The index settings a result was measured with: (QA_ANN_THRESHOLD, index_params)."""
    return value(result, "dense.ann_threshold"), index_params(result)


def describe(params: tuple) -> str:
    if params[0] == "hnsw":
        return f"HNSW M {params[1]}, efConstruction {params[2]}, efSearch {params[3]}"
    if params[0] == "ivf":
        return f"IVF, {params[1]} lists probed"
    return KINDS.get(params[0], params[0])


def changed_at(path: Path) -> float:
    """When a result file last changed: its last commit's time; an uncommitted or changed file counts as now."""
    try:
        dirty = subprocess.run(["git", "status", "--porcelain", "--", str(path)], capture_output=True, text=True)
        if dirty.returncode == 0 and not dirty.stdout.strip():
            log = subprocess.run(["git", "log", "-1", "--format=%ct", "--", str(path)], capture_output=True, text=True)
            if log.stdout.strip():
                return float(log.stdout.strip())
    except OSError:
        pass
    return time.time()


def read_results(paths: list[Path], model: str) -> list[dict]:
    """The results of `model` in the files, one per (engine, index settings, size): the newest file's (of one
    file's lines, the last)."""
    chosen: dict[tuple, tuple[float, int, dict]] = {}
    skipped: Counter = Counter()
    for order, path in enumerate(paths):
        text = Path(path).read_text(encoding="utf-8").strip()
        rows = [json.loads(line) for line in text.splitlines() if line.strip()] if "\n" in text else [json.loads(text)]
        when = changed_at(Path(path))
        for line, row in enumerate(rows, 1):
            source = f"{Path(path).name} line {line}" if len(rows) > 1 else Path(path).name
            row = {**row, "file": Path(path).name, "source": source, "changed": when}
            if row.get("model") != model:
                skipped[f"{source} ({row.get('model')})"] += 1
                continue
            key = (row.get("backend", "faiss"), settings(row), row["passages"])
            if key in chosen:
                old = chosen[key][2]["source"]
                if (when, order) < chosen[key][:2]:
                    print(f"{key[2]:,} passages, {key[0]}: {source} is older than {old}; not drawn")
                    continue
                print(f"{key[2]:,} passages, {key[0]}: {source} replaces {old}")
            chosen[key] = (when, order, row)
    for name in sorted(skipped):
        print(f"skipped (another model): {name}")
    if not chosen:
        raise SystemExit(f"no results of {model} to plot")
    return [chosen[k][2] for k in sorted(chosen, key=lambda k: (k[0], k[2], str(k[1])))]


def split_engine(results: list[dict]) -> tuple[tuple, list[tuple[tuple, list[dict]]]]:
    """An engine's main settings and its results grouped by settings, main first.

    Main: the most common QA_ANN_THRESHOLD, and the approximate index measured at the most sizes (ties: the one
    in the newest file). The main line joins the exact results at that threshold and that index's results."""
    threshold = Counter(value(r, "dense.ann_threshold") for r in results).most_common(1)[0][0]
    sizes: dict[tuple, set] = defaultdict(set)
    newest: dict[tuple, float] = defaultdict(float)
    for r in results:
        params = index_params(r)
        if params[0] != "flat":
            sizes[params].add(r["passages"])
            newest[params] = max(newest[params], r["changed"])
    best = max(sizes, key=lambda p: (len(sizes[p]), newest[p])) if sizes else None
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for r in results:
        t, params = settings(r)
        groups[(threshold, best) if t == threshold and params in (("flat",), best) else (t, params)].append(r)
    main = (threshold, best)
    order = [main, *sorted((k for k in groups if k != main), key=str)]
    return main, [(k, sorted(groups[k], key=lambda r: r["passages"])) for k in order if k in groups]


def settings_label(these: tuple, main: tuple) -> str:
    """How `these` settings differ from `main`, e.g. 'efSearch 2048', 'HNSW M 64, …' or 'QA_ANN_THRESHOLD 1,000'."""
    (t, p), (mt, mp) = these, main
    differ = [f"QA_ANN_THRESHOLD {t:,}"] if t != mt else []
    if p[0] == "hnsw" and mp and mp[0] == "hnsw":
        names = ("M", "efConstruction", "efSearch")
        differ += [f"{n} {v}" for n, v, w in zip(names, p[1:], mp[1:], strict=True) if v != w]
    elif p[0] != "flat" and p != mp:
        differ.append(describe(p))
    return ", ".join(differ)


def plot(results: list[dict], out: Path, model: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = sorted({r["passages"] for r in results})
    fig, (ax, rx) = plt.subplots(2, 1, figsize=(12, 7.5), dpi=120, sharex=True, gridspec_kw={"height_ratios": [3, 1.2]})
    engines = defaultdict(list)
    for r in results:
        engines[r.get("backend", "faiss")].append(r)
    variants = 0
    kinds: dict[str, list[str]] = defaultdict(list)  # the approximate index of each engine's main line
    for backend, rows in sorted(engines.items()):
        name, colour = ENGINES.get(backend, (backend, "tab:gray"))
        main, groups = split_engine(rows)
        suffix = f" (exact, then {describe(main[1])})" if main[1] else ""
        kinds[KINDS.get(main[1][0], main[1][0]) if main[1] else "exact"].append(name)

        def draw(axis, key, rows_, shift=1.0, colour=colour, **style):
            points = [(r["passages"] * shift, value(r, key)) for r in rows_ if value(r, key) is not None]
            if points:
                axis.plot(*zip(*points, strict=True), color=colour, **style)

        others = len(groups) - 1
        for i, (these, group) in enumerate(groups):
            if these == main:
                draw(ax, "search.p95_ms", group, linestyle="--", marker="^", label=f"{name}: search p95{suffix}")
                draw(ax, "search.p50_ms", group, marker="o", label=f"{name}: search p50")
                draw(ax, "encode.p50_ms", group, linestyle=":", marker=".", alpha=0.7,
                     label=f"{name} runs: query encoding alone, p50")  # fmt: skip
                draw(rx, "dense.recall_at_10", group, marker="o", label=name)
                continue
            # other settings: p50 as a hollow marker with a bar up to p95; one marker shape per setting, each
            # nudged sideways so that settings measured at the same size do not hide each other
            shift = VARIANT_SPREAD ** (i - 1 - (others - 1) / 2)
            shape = VARIANT_MARKERS[variants % len(VARIANT_MARKERS)]
            variants += 1
            text = settings_label(these, main)
            points = [(r["passages"], value(r, "search.p50_ms"), value(r, "search.p95_ms")) for r in group]
            points = [p for p in points if p[1] is not None and p[2] is not None]
            if points:
                x, p50, p95 = zip(*points, strict=True)
                x = [n * shift for n in x]
                ax.errorbar(x, p50, yerr=[[0] * len(x), [b - a for a, b in zip(p50, p95, strict=True)]],
                            fmt=shape, color=colour, fillstyle="none", markersize=8, capsize=4, elinewidth=1,
                            label=f"{name}, {text}: search p50 (marker) to p95 (bar)")  # fmt: skip
            draw(rx, "dense.recall_at_10", group, shift, marker=shape, label=f"{name}, {text}",
                 linestyle="none", fillstyle="none", markersize=8)  # fmt: skip

    threshold = Counter(value(r, "dense.ann_threshold") for r in results).most_common(1)[0][0]
    composed = [r["passages"] for r in results if r.get("vectors") == "composed"]
    model_vectors = [r["passages"] for r in results if r.get("vectors") == "model"]
    for axis in (ax, rx):
        if threshold and sizes[0] < threshold < sizes[-1]:
            axis.axvline(threshold, color="black", linewidth=0.8, alpha=0.4)
        axis.grid(True, which="both", alpha=0.3)
    if threshold and sizes[0] < threshold < sizes[-1]:
        approximate = " / ".join(f"{k} ({', '.join(names)})" for k, names in kinds.items())
        ax.annotate(f"exact ← {threshold:,} → {approximate}", (threshold, 0.99), xycoords=("data", "axes fraction"),
                    ha="center", va="top", fontsize=8)  # fmt: skip
    rx.axhline(RECALL_BAR, color="tab:red", linewidth=0.8, alpha=0.6)
    rx.annotate(f"bar {RECALL_BAR}", (sizes[0], RECALL_BAR), textcoords="offset points", xytext=(2, 3),
                fontsize=7, color="tab:red")  # fmt: skip
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xticks(sizes, [f"{n:,}" for n in sizes])
    ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    lo, hi = ax.get_ylim()
    ticks = [t for t in (1, 2, 5, 10, 15, 20, 30, 50, 70, 100, 150, 200, 300, 500, 1000, 2000) if lo <= t <= hi]
    ax.set_yticks(ticks, [str(t) for t in ticks])
    ax.yaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    ax.set_ylabel("milliseconds per query (log)")
    vectors = ""
    if composed and model_vectors and max(model_vectors) < min(composed):
        vectors = f"\npassage vectors: the model's up to {max(model_vectors):,} passages, composed from "
        vectors += f"{min(composed):,}"
    rx.set_xlabel(f"passages in the index (log){vectors}")
    rx.set_ylabel("recall@10\nvs exact search")
    lows = [value(r, "dense.recall_at_10") for r in results if value(r, "dense.recall_at_10") is not None]
    rx.set_ylim(min(min(lows) - 0.02, RECALL_BAR - 0.02), 1.005)
    machines = sorted({f"{r.get('machine', {}).get('cores', '?')} cores" for r in results})
    loads = [x for r in results for x in (value(r, "machine.load_at_start"), value(r, "machine.load_at_end")) if x]
    load = f", load average {min(loads):.1f}–{max(loads):.1f} (shared machine)" if loads else ""
    queries = sorted({str(r.get("queries", "?")) for r in results})
    ax.set_title(
        f"qa bench: hybrid search latency against collection size\nmodel {model}; "
        f"{'/'.join(queries)} queries per run; CPU, {' / '.join(machines)}{load}",
        fontsize=10,
    )
    ax.legend(fontsize=7.5, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)
    rx.legend(fontsize=7.5, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out)
    files = ", ".join(sorted(r["source"] for r in results))
    print(f"wrote {out} from {files}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", nargs="+", type=Path, help="qa bench --json output files")
    parser.add_argument("-o", "--out", type=Path, default=Path("docs/latency.png"))
    parser.add_argument("--model", default=DEFAULT_MODEL, help=f"draw this model's results only [{DEFAULT_MODEL}]")
    args = parser.parse_args()
    plot(read_results(args.results, args.model), args.out, args.model)


if __name__ == "__main__":
    main()
