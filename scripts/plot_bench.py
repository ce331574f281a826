"""Plot `qa bench --json` results: query latency against corpus size.

Usage: .venv/bin/python scripts/plot_bench.py bench-1k.json bench-10k.json ... [-o docs/latency.png]
Each file holds one `qa bench --json` object (or several, one a line). Needs matplotlib:
.venv/bin/pip install -e '.[bench]'
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

SERIES = [  # key, label, style
    ("http_p95_ms", "search over HTTP, p95", {"color": "tab:purple", "linestyle": ":", "marker": "v"}),
    ("search_p95_ms", "search in-process (hybrid), p95", {"color": "tab:red", "linestyle": "--", "marker": "^"}),
    ("search_p50_ms", "search in-process (hybrid), p50", {"color": "tab:red", "marker": "o"}),
    ("encode_p50_ms", "query encoding alone, p50", {"color": "tab:blue", "marker": "s"}),
    ("dense_exact_p50_ms", "dense part: exact flat, p50", {"color": "tab:gray", "linestyle": "--", "marker": "x"}),
    ("dense_p50_ms", "dense part: index in use, p50", {"color": "tab:green", "marker": "D"}),
]


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
        points = [(r["passages"], r[key]) for r in results if r.get(key) is not None]
        if points:
            ax.plot(*zip(*points, strict=True), label=label, **style)
    threshold = results[-1].get("ann_threshold")
    if threshold and sizes[0] < threshold < sizes[-1]:
        ax.axvline(threshold, color="black", linewidth=0.8, alpha=0.5)
        ax.annotate(f"exact | HNSW ({threshold:,})", (threshold, 0.98), xycoords=("data", "axes fraction"),
                    ha="center", va="top", fontsize=8, backgroundcolor="white")  # fmt: skip
    for r in results:
        if r.get("vectors") != "model":
            ax.annotate(r["vectors"], (r["passages"], r["search_p50_ms"]), textcoords="offset points",
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
