#!/usr/bin/env bash
# scripts/bench_api.py under several GOMP_SPINCOUNT values (qa/cores.py OPENMP_SPINS), each run twice in turn:
# judge a value by the HTTP p50 and by bare encoding staying as fast, not by the ratio alone (spinning too little
# slows the encoding the ratio divides by), and by throughput under load: `GOMP_SPINCOUNT=N scripts/load.py`.
#   nice bash scripts/bench_spin.sh INDEX [SPINS...]      # e.g. /tmp/e/sotu 300000 100000 30000 10000
set -euo pipefail
cd "$(dirname "$0")/.."
index=${1:?usage: scripts/bench_spin.sh INDEX [SPINS...]}
shift
spins=("${@:-300000 100000 30000 10000}")
read -r -a spins <<< "${spins[*]}"
for run in 1 2; do
  for n in "${spins[@]}"; do
    line=$(GOMP_SPINCOUNT=$n .venv/bin/python scripts/bench_api.py --index "$index" --requests 200)
    .venv/bin/python -c 'import json,sys; m=json.loads(sys.argv[3]); e, h = m["encode"], m["http_search"]
print("run", sys.argv[1], "spins", sys.argv[2], "encode p50", e["p50_ms"], "http p50", h["p50_ms"], "p95", h["p95_ms"], "ratio", m["ratio_p50"])' "$run" "$n" "$line"
  done
done
