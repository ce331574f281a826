"""Plot `qa bench --json` results: query latency against corpus size.

Usage: .venv/bin/python scripts/plot_bench.py bench-1k.json bench-10k.json ... [-o docs/latency.png]
Each file holds one `qa bench --json` object (or several, one a line). Needs matplotlib:
.venv/bin/pip install -e '.[bench]'
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

SERIES = [  # key in BenchResult.to_dict() (dots go into nested objects), label, style
    ("http.p95_ms", "search over HTTP, p95", {"color": "tab:purple", "linestyle": ":", "marker": "v"}),
    ("search.p95_ms", "search in-process (hybrid), p95", {"color": "tab:red", "linestyle": "--", "marker": "^"}),
    ("search.p50_ms", "search in-process (hybrid), p50", {"color": "tab:red", "marker": "o"}),
    ("encode.p50_ms", "query encoding alone, p50", {"color": "tab:blue", "marker": "s"}),
    ("dense.exact_latency.p50_ms", "dense part: exact flat, p50", {"color": "tab:gray", "ls": "--", "marker": "x"}),
    ("dense.latency.p50_ms", "dense part: index in use, p50", {"color": "tab:green", "marker": "D"}),
]
# Results written before `qa bench` returned a typed result were flat: the same figures under these keys.
FLAT = {
    "http.p95_ms": "http_p95_ms",
    "search.p95_ms": "search_p95_ms",
    "search.p50_ms": "search_p50_ms",
    "encode.p50_ms": "encode_p50_ms",
    "dense.exact_latency.p50_ms": "dense_exact_p50_ms",
    "dense.latency.p50_ms": "dense_p50_ms",
    "dense.ann_threshold": "ann_threshold",
}


def value(result: dict, key: str):
    """The figure at a dotted key of a result, or at its flat name in an older result; None if absent."""
    if key in FLAT and FLAT[key] in result:
        return result[FLAT[key]]
    for part in key.split("."):
        if not isinstance(result, dict) or part not in result:
            return None
        result = result[part]
    return result


def read_results(paths: list[Path]) -> list[dict]:
    by_size: dict[int, dict] = {}
    for path in paths:
        text = Path(path).read_text(encoding="utf-8").strip()
        rows = [json.loads(line) for line in text.splitlines() if line.strip()] if "\n" in text else [json.loads(text)]
        for row in rows:
            by_size[row["passages"]] = row  # a later file wins for the same size
    if not by_size:
        raise SystemExit("no results to plot")
    return [by_size[n] for n in sorted(by_size)]


def plot(results: list[dict], out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = [r["passages"] for r in results]
    fig, ax = plt.subplots(figsize=(8, 5), dpi=120)
    for key, label, style in SERIES:
        points = [(r["passages"], value(r, key)) for r in results if value(r, key) is not None]
        if points:
            ax.plot(*zip(*points, strict=True), label=label, **style)
    threshold = value(results[-1], "dense.ann_threshold")
    if threshold and sizes[0] < threshold < sizes[-1]:
        ax.axvline(threshold, color="black", linewidth=0.8, alpha=0.5)
        ax.annotate(f"exact | HNSW ({threshold:,})", (threshold, 0.98), xycoords=("data", "axes fraction"),
                    ha="center", va="top", fontsize=8, backgroundcolor="white")  # fmt: skip
    for r in results:
        if r.get("vectors") != "model":
            ax.annotate(r["vectors"], (r["passages"], value(r, "search.p50_ms")), textcoords="offset points",
                        xytext=(0, -14), ha="center", fontsize=7, color="tab:red")  # fmt: skip
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xticks(sizes, [f"{n:,}" for n in sizes])
    ax.set_xlabel("passages in the index")
    ax.set_ylabel("milliseconds per query")
    machine = results[-1].get("machine", {})
    model = results[-1].get("model", "")
    ax.set_title(
        f"qa bench: query latency against corpus size\n{model}, {machine.get('cpu', '')}, {machine.get('cores', '?')} "
        f"cores; {results[-1].get('queries', '?')} queries each",
        fontsize=10,
    )
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out)
    print(f"wrote {out}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", nargs="+", type=Path, help="qa bench --json output files")
    parser.add_argument("-o", "--out", type=Path, default=Path("docs/latency.png"))
    args = parser.parse_args()
    plot(read_results(args.results), args.out)


if __name__ == "__main__":
    main()
