"""Does dropping a question's frame ("which president said", "哪位…谈到") from its BM25 terms help? (issue 17, item 2)

    nice .venv/bin/python scripts/question_frames.py VARIANT SET.jsonl --index DIR

VARIANT is one of FRAMES (or several, comma-separated). The frame words are added to the stop words for this
process only, so the index (built with the stop words as they are) is unchanged and only the question's terms
lose them; the set is then asked as `qa eval` asks it, and its metrics are printed as JSON (--save as qa eval).
Measured on every set: no hit@1 moved (docs/BENCHMARKS.md), so no frame list ships.

VARIANT `dense` instead leaves BM25 alone and has the model read an English who-spoke question without its frame
("Which early president argued that being ready to fight …" → "being ready to fight …"). Measured: sotu_en
hit@1 0.591 → 0.636 but hit@5 0.864 → 0.841, sotu_famous_en hit@1 1.0 → 0.95, seven other English sets unchanged
(the verbs below were written while looking at sotu_en's questions); not shipped.
"""

from __future__ import annotations

import dataclasses
import re
import sys

import qa.keywords as keywords
import qa.retrieval as retrieval

SAYING = """say said says tell told tells argue argued argues declare declared declares describe described describes
    announce announced propose proposed mention mentioned speak spoke talk talked ask asked call called warn
    warned claim claimed according characterize characterized respond responded"""
FRAMES = {
    "none": "",
    "verbs": SAYING,
    "roles": "president presidents congress speech address message minister",
    "zh": "哪位 总统 讲话 演讲 谈到 谈及 指出 称 提及 介绍 说明 发言 回答 记者",
}


# A verb of saying (and its "that") right after the frame ASKS_WHO_SPOKE matches.
SAID = re.compile(
    r"""^ \s* (?: said | argued | declared | told \s+ congress | announced | called \s+ for | compared | proposed
               | opened \s+ his \s+ address \s+ with | warned | described | claimed | insisted | urged | asked
               | called ) \s+ (?: that \s+ )?""",
    re.X | re.I,
)


def frame_left_to_bm25() -> None:
    """The model reads an English "Which/What … president …" question from after its verb of saying."""
    asked = retrieval.Searcher.asked

    def without_frame(self, query):
        out = asked(self, query)
        m = keywords.ASKS_WHO_SPOKE.match(out.text)
        if m and retrieval.is_english(out.text) and m.group(0).lower().startswith(("which", "what")):
            return dataclasses.replace(out, text=SAID.sub("", out.text[m.end() :]))
        return out

    retrieval.Searcher.asked = without_frame


def main() -> int:
    if sys.argv[1:2] == ["dense"]:
        frame_left_to_bm25()
        sys.argv[1] = "none"
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
