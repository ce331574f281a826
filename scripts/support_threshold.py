"""Measure the support check's threshold on labelled sentences over real passages.

Usage: .venv/bin/python scripts/support_threshold.py [--index index] [--sentences eval/support_sentences.jsonl]
Each line of the sentences file names a passage by a snippet of its text, a sentence a model might write about it,
and whether the passage supports it (written by hand: restatements and paraphrases; invented claims, other
speakers' claims, changed numbers). Each sentence is checked as the answer would be, citing that passage (shown as
the model sees it): prints the share of its content words found there (or that a number it states is not), then, at
every threshold from 0 to 1 in steps of 0.05, the accuracy and how many supported sentences are kept and how many
unsupported ones dropped.
No model is loaded: the check needs only the index's tokenizer.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from qa.generate import passage_block
from qa.retrieval import Result
from qa.script import simplified
from qa.settings import load_settings
from qa.store import load_index
from qa.support import check, content_words, coverage

STEP = 0.05
NUMBER_WRONG = -1.0  # dropped for a number whatever the threshold


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", default="index")
    parser.add_argument("--sentences", default="eval/support_sentences.jsonl")
    args = parser.parse_args()
    index = load_index(Path(args.index), load_settings(index_dir=Path(args.index)))
    rows = [json.loads(line) for line in Path(args.sentences).read_text(encoding="utf-8").splitlines() if line.strip()]
    scored = []
    for row in rows:
        found = [p for p in index.passages if row["passage"] in p.text]
        if len(found) != 1:
            raise SystemExit(f"{row['passage']!r} names {len(found)} passages, not one")
        p = found[0]
        block = simplified(passage_block(1, Result(p.id, 1, 1.0, p.text, p.source(), [], p.text)))
        reply = row["sentence"] + "[1]"
        numbers = check(reply, [block], index.tokenizer.split, 0.0).dropped  # at 0 only a wrong number drops it
        words = content_words(simplified(row["sentence"]), index.tokenizer.split)
        share = coverage(words, block, content_words(block, index.tokenizer.split))
        scored.append((row, NUMBER_WRONG if numbers else share, numbers[0].reason if numbers else ""))
    for row, share, reason in sorted(scored, key=lambda x: x[1]):
        label = "supported  " if row["supported"] else "unsupported"
        print(f"{label} {'number' if share == NUMBER_WRONG else f'{share:6.3f}'}  {row['sentence']}  {reason}")
    supported = sum(1 for r, _, _ in scored if r["supported"])
    print(f"\n{len(scored)} sentences: {supported} supported, {len(scored) - supported} unsupported")
    print("threshold  accuracy  supported kept  unsupported dropped")
    best = None
    for t in (x / 100 for x in range(0, 101, int(STEP * 100))):
        kept_ok = sum(1 for r, s, _ in scored if r["supported"] and s >= t)
        dropped_ok = sum(1 for r, s, _ in scored if not r["supported"] and s < t)
        accuracy = (kept_ok + dropped_ok) / len(scored)
        print(f"{t:9.2f}  {accuracy:8.3f}  {kept_ok:>8}/{supported}  {dropped_ok:>12}/{len(scored) - supported}")
        if best is None or accuracy > best[1]:
            best = (t, accuracy)
    print(f"\nbest threshold {best[0]:.2f} (accuracy {best[1]:.3f}; the lowest of equals)")


if __name__ == "__main__":
    main()
