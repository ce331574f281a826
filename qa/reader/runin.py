"""Turns run into one paragraph: a web page or a pasted transcript that prints a whole briefing as one block
(`MS. PSAKI: Good afternoon. … Q: Thanks, Jen. … MS. PSAKI: Sure. …`) is cut before each label, so the speakers
step finds the turns as it finds them at the start of lines. Only labels the paragraph proves by recurrence count:
a capitalised name after a full stop and before a colon is once in a while just a sentence (`NOTE: …`)."""

from __future__ import annotations

import itertools
import re
from collections import Counter

from ..textrules import CLOSERS, SENTENCE_END

# A speaker's label in the middle of a paragraph: after a sentence's end, before a colon and a space.
RUN_IN_LABEL = re.compile(
    rf"""(?<=[{re.escape(SENTENCE_END)}]) [{re.escape(CLOSERS)}]* \s+   # the sentence before ends
    (?P<label>
        (?:MR|MRS|MS|DR)\.\s+[A-Z][A-Z'’-]+      # MS. PSAKI, MR. KIRBY
      | [QA]                                     # a question and its answer
      | (?:THE\s+)?[A-Z][A-Z'’-]+(?:\s+[A-Z][A-Z'’-]+){{0,2}}   # THE PRESIDENT, SECRETARY BLINKEN, KIRBY
    )
    \s*:\s""",
    re.X,
)
MIN_RUN_IN = 2  # a label opens a turn inside the paragraph this many times before the paragraph is cut at it
MIN_LETTERS = 2  # a one-letter capital other than Q and A (`B:` inside a list) is no speaker


def split_run_in(text: str, language: str) -> list[str]:
    """The paragraph cut before each label it repeats (at least `MIN_RUN_IN` times); as it is otherwise."""
    if language == "zh":
        return [text]
    found = list(RUN_IN_LABEL.finditer(text))
    counts = Counter(" ".join(m.group("label").split()) for m in found)
    proven = {label for label, n in counts.items() if n >= MIN_RUN_IN and (label in "QA" or len(label) >= MIN_LETTERS)}
    cuts = [m.start("label") for m in found if " ".join(m.group("label").split()) in proven]
    if not cuts:
        return [text]
    bounds = [0, *cuts, len(text)]
    parts = (text[a:b].strip() for a, b in itertools.pairwise(bounds))
    return [part for part in parts if part]
