#!/usr/bin/env bash
# Every question set under eval/ asked of an index of its corpus: builds (incrementally) into DIR/<corpus>, then
# `qa eval --json` into DIR/<set>.json, one summary line a set.
#   nice bash scripts/eval_all.sh /tmp/qa-eval [--cmrc]
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:?usage: scripts/eval_all.sh DIR [--cmrc]}
qa=(.venv/bin/python -m qa)
summary='import json,sys; m=json.load(open(sys.argv[2])); print(sys.argv[1], " ".join(f"{k} {m[k]:.3f}" for k in m if k.startswith(("hit","mrr","speaker"))))'
ask() { # set corpus-name corpus-folder
  [ -e "$dir/$2/current" ] || "${qa[@]}" build --corpus "$3" --index "$dir/$2" > "$dir/$2.build.log" 2>&1
  "${qa[@]}" build --corpus "$3" --index "$dir/$2" >> "$dir/$2.build.log" 2>&1
  "${qa[@]}" eval "eval/$1.jsonl" --index "$dir/$2" --json > "$dir/$1.json" 2> "$dir/$1.log"
  .venv/bin/python -c "$summary" "$1" "$dir/$1.json"
}
mkdir -p "$dir"
ask seed_dev seed corpus; ask paraphrased seed corpus; ask seed_en seed corpus
ask sotu_en sotu eval/corpora/sotu; ask sotu_famous_en sotu eval/corpora/sotu
ask sg_budget_en sg eval/corpora/sg-budget-speeches; ask sg_budget_zh sg eval/corpora/sg-budget-speeches
ask fireside_en fireside eval/corpora/fireside; ask fireside_zh fireside eval/corpora/fireside
ask press_en press-en eval/corpora/press-en; ask press_fed_en press-fed eval/corpora/press-fed
ask press_wh_en press-wh eval/corpora/press-wh
ask ungdc_en ungdc eval/corpora/ungdc; ask ungdc_zh ungdc eval/corpora/ungdc
ask reports_zh_real reports-zh-real eval/corpora/reports-zh-real
ask press_zh press-zh eval/corpora/press-zh; ask reports_zh reports-zh eval/corpora/reports-zh
ask un_debate_en un-debate eval/corpora/un-debate
if [ "${2:-}" = --cmrc ]; then
  "${qa[@]}" eval eval/benchmarks/cmrc2018/cmrc2018_dev.json --format cmrc2018 --index "$dir/cmrc" --json \
    > "$dir/cmrc.json" 2> "$dir/cmrc.log"
  .venv/bin/python -c "$summary" cmrc "$dir/cmrc.json"
fi
