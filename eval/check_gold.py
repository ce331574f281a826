"""Check a question file's gold strings against the corpus it is about (standard library only).

    python3 eval/check_gold.py                      # every question set below
    python3 eval/check_gold.py FILE CORPUS [--lines]

Each gold string must occur, with all whitespace removed from both, in the file named by `document` and in no
other file of the corpus folder (README and licence files included), inside one paragraph of it (blank-line
paragraphs, or one paragraph per line with --lines). `speaker` must occur in that file (or be its speaker in the
corpus's `metadata.csv`). Golds found in more than
one paragraph of their document are listed (not an error). Exit status 1 on any error.
"""

import argparse
import csv
import json
import re
import sys
from collections import Counter
from pathlib import Path

EVAL = Path(__file__).resolve().parent
# Each corpus with its question sets; a corpus of one paragraph a line is checked line by line (--lines).
BLANK_LINE_PARAGRAPHS = {
    "corpora/sg-budget-speeches": ("sg_budget_en", "sg_budget_zh"),
    "../corpus": ("seed_en",),
    "corpora/press-en": ("press_en",),
    "corpora/press-fed": ("press_fed_en",),
    "corpora/press-wh": ("press_wh_en",),
    "corpora/ungdc": ("ungdc_en", "ungdc_zh"),
    "corpora/reports-zh-real": ("reports_zh_real",),
}
LINE_PARAGRAPHS = {
    "corpora/sotu": ("sotu_en",),
    "corpora/fireside": ("fireside_en", "fireside_zh"),
    "corpora/press-zh": ("press_zh",),
    "corpora/reports-zh": ("reports_zh",),
}
SETS = [
    (f"{name}.jsonl", corpus, lines)
    for table, lines in ((BLANK_LINE_PARAGRAPHS, False), (LINE_PARAGRAPHS, True))
    for corpus, names in table.items()
    for name in names
]
HAN = re.compile(r"[\u4e00-\u9fff]")


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def read(path: Path) -> str:
    """UTF-8, or GB18030 (how Chinese pages are often saved), as the reader decodes them."""
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("gb18030")


def check(qfile: Path, corpus: Path, lines: bool) -> int:
    texts = {p.name: read(p) for p in sorted(corpus.iterdir()) if p.is_file()}
    flat = {name: squash(t) for name, t in texts.items()}
    paras = {
        name: [squash(p) for p in (t.split("\n") if lines else re.split(r"\n\s*\n", t)) if p.strip()]
        for name, t in texts.items()
    }
    catalogue = corpus / "metadata.csv"  # a speaker the text never names (a UN statement) is named here
    named = {}
    if catalogue.is_file():
        with catalogue.open(encoding="utf-8", newline="") as f:
            named = {row["file"]: row.get("speaker") or "" for row in csv.DictReader(f)}
    errors, langs, docs, repeated = 0, Counter(), Counter(), []
    for n, raw in enumerate(qfile.read_text(encoding="utf-8").splitlines(), 1):
        q = json.loads(raw)
        langs[q["lang"]] += 1
        doc = q.get("document")
        docs[doc] += 1
        problems = []
        if not q.get("gold"):
            problems.append("no gold")
        if doc not in flat:
            problems.append(f"document {doc!r} not in {corpus}")
        elif q.get("speaker") and squash(q["speaker"]) not in flat[doc] and q["speaker"] != named.get(doc):
            problems.append(f"speaker {q['speaker']!r} not in {doc}")
        for gold in q.get("gold", []):
            g = squash(gold)
            found = [name for name, t in flat.items() if g in t]
            if found != [doc]:
                problems.append(f"gold {gold!r} found in {found}")
                continue
            held = sum(g in p for p in paras[doc])
            if held == 0:
                problems.append(f"gold {gold!r} spans paragraphs")
            elif held > 1:
                repeated.append(f"  line {n}: {gold!r} in {held} paragraphs")
            size = len(g) if HAN.search(gold) else len(gold.split())
            if not (5 <= size <= 22 if HAN.search(gold) else 4 <= size <= 16):
                print(f"  note line {n}: gold {gold!r} is {size} {'characters' if HAN.search(gold) else 'words'}")
        for p in problems:
            print(f"  ERROR line {n}: {p}")
        errors += len(problems)
    print(f"{qfile.name}: {sum(langs.values())} questions {dict(langs)}; {len(docs)} documents; {errors} errors")
    if repeated:
        print("\n".join(repeated))
    return errors


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("file", nargs="?", type=Path, help="a question set (JSONL); every set below when left out")
    parser.add_argument("corpus", nargs="?", type=Path, help="the corpus folder the set is about")
    parser.add_argument("--lines", action="store_true", help="one paragraph per line (else blank-line paragraphs)")
    args = parser.parse_args(argv)
    if args.file is None:
        return 1 if sum(check(EVAL / f, EVAL / c, lines) for f, c, lines in SETS) else 0
    if args.corpus is None:
        parser.error("give the corpus folder after the question file")
    for path, kind in ((args.file, "question file"), (args.corpus, "corpus folder")):
        if not (path.is_file() if kind == "question file" else path.is_dir()):
            parser.error(f"no {kind} at {path}")
    return 1 if check(args.file, args.corpus, args.lines) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
