"""How `qa build` and `qa ask` print: the corpus and model summary, and each hit with who said it and where."""

from __future__ import annotations

import sys

import click

from ..untrusted import printable


def describe_corpus(corpus) -> str:
    """`58 documents: 50 txt, 8 pdf; 1,734 passages; median 412 chars (p90 900, max 2,100); 0 skipped`."""
    import statistics
    from collections import Counter

    formats = Counter(d.format for d in corpus.documents)
    lengths = sorted(len(p.text) for p in corpus.passages)
    p90 = lengths[min(len(lengths) - 1, int(0.9 * len(lengths)))]
    split = sum(1 for p in corpus.passages if p.part)
    return (
        f"{len(corpus.documents):,} documents: {', '.join(f'{n:,} {f}' for f, n in formats.most_common())}; "
        f"{len(lengths):,} passages ({split:,} parts of long paragraphs); median {statistics.median(lengths):,.0f} "
        f"chars (p90 {p90:,}, max {lengths[-1]:,}); {len(corpus.skipped)} skipped"
    )


NOTES_LISTED = 12  # names of notes listed in the build summary


def describe_notes(notes: list[str]) -> str:
    """`not indexed (notes and .qaignore): README.md, SOURCE.md, drafts/`."""
    more = f", … ({len(notes)} in all)" if len(notes) > NOTES_LISTED else ""
    return f"not indexed (notes and .qaignore): {', '.join(printable(n) for n in notes[:NOTES_LISTED])}{more}"


def describe_model(name: str) -> str:
    from ..embedding import MODELS

    known = MODELS.get(name)
    if not known:
        return f"model {name}"
    return f"model {name}: {known['dimension']} dimensions, licence {known['licence']}"


FILTER_HINTS = 12  # names listed when a --speaker/--document filter matches none


def format_result(r) -> str:
    """A hit as two lines of who/where and its text, labelled in the speech's language (the chat page's labels)."""
    src = {k: printable(v) if isinstance(v, str) else v for k, v in r.source.items()}
    chinese = (src.get("language") or "zh") == "zh"
    span = str(src["paragraph"])
    if src.get("last_paragraph") and src["last_paragraph"] != src["paragraph"]:
        span += f"–{src['last_paragraph']}"
    if chinese:
        who = f"{src['role'] or ''}{src['speaker']}" if src["speaker"] else "（导语）"
        where = f"《{src['speech_title'] or src['title']}》"
        at = f"第{span}段"
    else:
        who = ", ".join(filter(None, (src["speaker"], src["role"]))) or "(no speaker)"
        where = f"“{src['speech_title'] or src['title']}”"
        at = f"¶ {span}"
    if src.get("start") is not None:
        at += f" · {clock(src['start'])}–{clock(src['end'] if src.get('end') is not None else src['start'])}"
    pieces, done = [], 0
    for start, end in r.highlights if sys.stdout.isatty() else []:
        marked = click.style(printable(r.text[start:end], newlines=True), bold=True, fg="yellow")
        pieces += [printable(r.text[done:start], newlines=True), marked]
        done = end
    text = "".join(pieces) + printable(r.text[done:], newlines=True)
    date = f"{src['date']}, " if src["date"] else ""
    return f"{r.rank}. [{r.score:.3f}] {who} · {where} · {at}\n   {src['title']} ({date}{src['document']})\n   {text}\n"


def unmatched_filters(searcher, speaker: str | None, document: str | None):
    """For each filter that names nobody in the index, what it could have named."""
    for given, resolved, known, option in (
        (speaker, searcher.resolve_speaker(speaker), searcher.speakers, "speaker"),
        (document, searcher.resolve_document(document), searcher.documents, "document"),
    ):
        if given and resolved not in known:
            names = sorted(known)
            more = f", … ({len(names)} in all)" if len(names) > FILTER_HINTS else ""
            listed = ", ".join(printable(n) for n in names[:FILTER_HINTS]) + more
            yield f"\n--{option} {given!r} names no {option} in this index; known: {listed}"


def clock(seconds: float) -> str:
    """`75.0` → `1:15`, `3725.0` → `1:02:05`."""
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
