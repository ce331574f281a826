"""Page furniture by recurrence: lines a printed page repeats (running heads, meeting lines, document and job
numbers) are not speech, wherever they fall, even mid-sentence at a page turn.

The evidence is the document itself: a short line that comes back, once its digits are masked
(`General Assembly 14th meeting` on every page, `09-52425`, `A/64/PV.4`), is furniture. A sentence never
recurs word for word inside one speech, so a line that ends one, opens a turn or introduces a list is kept.
The few shapes that are furniture even when printed once (UN job numbers and document symbols) are priors.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from ..textrules import ends_sentence, visible

FURNITURE_CHARS = 100  # only short lines can be furniture
MIN_FURNITURE_CHARS = 5  # a shorter line (a word cut off by the wrap) says too little to be matched
SAME_REPEATS = 2  # the same line on two pages (a meeting's line: `General Assembly 14th meeting …`)
MASKED_REPEATS = 3  # lines equal once numbers are masked (`Page 3`, `Page 4`) need a third page
PAGE_LINES = 12  # lines: furniture comes back once a page, so repeats closer than this are not counted
DIGITS = re.compile(r"\d+")
TELEPHONE = re.compile(r"\d(?:[\s()./-]*\d){5,}")  # six digits or more as a number is printed: `(02) 6277 7500`
# Shapes that are page furniture even when printed once.
PRINTED_ONCE = re.compile(
    r"""^(?:
        \d{2}-\d{5}(?:\s*\([A-Z]\))?               # a UN job number: 09-52425, 94-86474 (E)
      | \d{1,3}\s+\d{2}-\d{5} | \d{2}-\d{5}\s+\d{1,3}  # a job number with the page number beside it: 41 09-52604
      | \d{1,3}/\d{1,3}\s+\d{2}-\d{5} | \d{2}-\d{5}\s+\d{1,3}/\d{1,3}  # or page of pages: 42/55 15-29658
      | [A-Z]{1,3}/\d{1,4}(?:/[A-Z0-9.]{1,12}){0,4}   # a UN document symbol: A/64/PV.4, S/2009/123
      | [A-Z]{1,3}/\d{1,4}(?:/[A-Z0-9.]{1,12}){0,4} \s+ \d{2}/\d{2}/\d{4}   # with the meeting's date after it
      | \d{2}/\d{2}/\d{4} \s+ [A-Z]{1,3}/\d{1,4}(?:/[A-Z0-9.]{1,12}){0,4}   # or before it: 01/10/2015 A/70/PV.22
      | \*\s*\d{5,}\s*\*                          # a bar-code number: *0952425*
    )$""",
    re.X,
)
# A code point written out as text, `<U+00A0>` (how R writes a character its locale cannot encode): the character.
ESCAPED_CODE_POINT = re.compile(r"<U\+(?P<hex>[0-9A-Fa-f]{4,6})>")
SURROGATES = (0xD800, 0xDFFF)
# A colon marks a turn label (`记者：`) or a list's lead-in, never furniture.
COLONS = ("：", ":")


@dataclass
class Removed:
    """What the furniture step took out of one document, for `qa build --explain`."""

    lines: Counter = field(default_factory=Counter)  # furniture line (as first printed) → times removed
    debris: int = 0  # page numbers, rules and the like (the layout's DEBRIS lines)
    invisible: int = 0  # invisible characters removed
    escaped: int = 0  # code points written out as `<U+00A0>`, read as the character
    first: dict[str, str] = field(default_factory=dict)  # furniture key → the line as first printed


def mask(line: str) -> str:
    """The line with its numbers masked and its spacing and case folded: `Page 3` and `Page 14` are one line."""
    return DIGITS.sub("#", fold(line))


def fold(line: str) -> str:
    return " ".join(line.split()).lower()


def _candidate(line: str, exact: bool = False) -> bool:
    """Short, no colon, and no sentence end, except in a line repeated `exact`ly with a number in it
    (`Wednesday, 23 September 2009, 3 p.m.`) or a telephone number (`Minister’s Office: 02 6277 7500`): a speech
    may say `Thank you.` or `John 3:16` twice, but the same dated line or telephone number twice is the page's."""
    numbered = exact and DIGITS.search(line) is not None
    if not MIN_FURNITURE_CHARS <= len(" ".join(line.split())) <= FURNITURE_CHARS:
        return False
    if any(c in line for c in COLONS) and not (exact and TELEPHONE.search(line)):
        return False
    return not ends_sentence(line) or numbered


def _page_counts(keys: list[str | None]) -> Counter:
    """How many pages each key is on: repeats closer than PAGE_LINES count once."""
    counts: Counter = Counter()
    last: dict[str, int] = {}
    for number, key in enumerate(keys):
        if key is not None and (key not in last or number - last[key] >= PAGE_LINES):
            counts[key] += 1
            last[key] = number
    return counts


def furniture_keys(lines: list[str], label: Callable[[str], bool] | None = None) -> set[str]:
    """Keys (`fold` or `mask` forms, prefixed) of the lines that recur page after page: page furniture. Lines
    that `label` says open a speaker's turn never count."""
    labels = {line for line in set(lines) if label is not None and _candidate(line, exact=True) and label(line)}
    same = _page_counts([fold(line) if line not in labels and _candidate(line, exact=True) else None for line in lines])
    masked = _page_counts([mask(line) if line not in labels and _candidate(line) else None for line in lines])
    return {f"={k}" for k, n in same.items() if n >= SAME_REPEATS} | {
        f"#{k}" for k, n in masked.items() if n >= MASKED_REPEATS
    }


def is_furniture(line: str, keys: set[str], removed: Removed | None = None) -> bool:
    """Is this (stripped, visible) line page furniture, given the document's recurring `keys`? Counted into
    `removed` when it is."""
    found = PRINTED_ONCE.match(line) is not None or (
        (_candidate(line, exact=True) and f"={fold(line)}" in keys) or (_candidate(line) and f"#{mask(line)}" in keys)
    )
    if found and removed is not None:
        removed.lines[removed.first.setdefault(mask(line), line)] += 1
    return found


def clean_line(raw: str, removed: Removed | None = None) -> str:
    """One line without invisible characters, full-width spaces folded, ends stripped."""
    decoded, escapes = ESCAPED_CODE_POINT.subn(lambda m: _character(m.group("hex")), raw)
    if removed is not None:
        removed.escaped += escapes
    raw = decoded
    line = visible(raw)
    if removed is not None and len(line) != len(raw):
        removed.invisible += len(raw) - len(line)
    return line.replace("\u3000", " ").strip()


def _character(hex_digits: str) -> str:
    code = int(hex_digits, 16)
    surrogate = SURROGATES[0] <= code <= SURROGATES[1]  # half of a pair: no character on its own
    return chr(code) if code <= sys.maxunicode and not surrogate else ""
