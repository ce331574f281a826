"""Does dropping a question's frame ("which president said", "哪位…谈到") from its BM25 terms help? (issue 17, item 2)

    nice .venv/bin/python scripts/question_frames.py VARIANT SET.jsonl --index DIR

VARIANT is one of FRAMES (or several, comma-separated). The frame words are added to the stop words for this
process only, so the index (built with the stop words as they are) is unchanged and only the question's terms
lose them; the set is then asked as `qa eval` asks it, and its metrics are printed as JSON (--save as qa eval).
Measured on every set: no hit@1 moved (docs/BENCHMARKS.md), so no frame list ships.
"""

from __future__ import annotations

import sys

import qa.keywords as keywords

SAYING = """say said says tell told tells argue argued argues declare declared declares describe described describes
    announce announced propose proposed mention mentioned speak spoke talk talked ask asked call called warn
    warned claim claimed according characterize characterized respond responded"""
FRAMES = {
    "none": "",
    "verbs": SAYING,
    "roles": "president presidents congress speech address message minister",
    "zh": "哪位 总统 讲话 演讲 谈到 谈及 指出 称 提及 介绍 说明 发言 回答 记者",
}


def main() -> int:
    if len(sys.argv) < 3 or any(v not in FRAMES for v in sys.argv[1].split(",")):
        print(f"usage: question_frames.py {{{','.join(FRAMES)}}}[,…] SET.jsonl [qa eval options]", file=sys.stderr)
        return 2
    words = {w for v in sys.argv[1].split(",") for w in FRAMES[v].split()}
    keywords.STOPWORDS = keywords.STOPWORDS | words  # read at call time by Tokenizer.split
    from qa.cli import main as qa_main

    sys.argv = ["qa", "eval", *sys.argv[2:], "--json"]
    return qa_main()


if __name__ == "__main__":
    sys.exit(main())
