"""Who, when, where: metadata from (strongest first) front matter, a `NAME.meta.json` sidecar, the corpus's
`metadata.csv`, the file's own metadata (HTML <title>, PDF info, ...) and `**Key:** value` lines in the text.

Values are checked here once: a date becomes `YYYY`, `YYYY-MM` or `YYYY-MM-DD`; anything unusable is dropped
with one warning naming the file, so a typo in one sidecar never stops a build.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import json
import logging
import re
from pathlib import Path

from .model import META_KEYS

log = logging.getLogger(__name__)

SIDECAR_SUFFIX = ".meta.json"
CATALOGUE = "metadata.csv"
FRONT_MATTER = re.compile(r"\A\ufeff?---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)
# `**Date:** 1985-03-08` lines that Markdown scrapes put at the top of a document.
BOLD_FIELD = re.compile(r"^\*\*(?P<key>[A-Za-z ]{2,20}):\*\*\s*(?P<value>.*)$")
BOLD_LINES = 12  # only the top of a document carries such fields
BOLD_KEYS = {"date": "date", "title": "title", "event": "event", "place": "place", "location": "place"}
DATE_FORMS = (
    (re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})"), 3),
    (re.compile(r"^(\d{4})[/.](\d{1,2})[/.](\d{1,2})$"), 3),
    (re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$"), 3),
    (re.compile(r"^(\d{4})-(\d{1,2})$"), 2),
    (re.compile(r"^(\d{4})年(\d{1,2})月$"), 2),
    (re.compile(r"^(\d{4})$"), 1),
)
FILE_DATE = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")
CHINESE_DATE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
FILE_YEAR = re.compile(r"^(1[6-9]\d\d|20\d\d)(?!\d)")
MAX_VALUE = 2000  # characters; a longer "title" is a paragraph pasted into the wrong field


def normalise_date(value) -> str | None:
    """`YYYY`, `YYYY-MM` or `YYYY-MM-DD` (a real calendar date), or None."""
    if isinstance(value, dt.datetime | dt.date):
        return value.strftime("%Y-%m-%d")
    text = str(value).strip()
    for pattern, parts in DATE_FORMS:
        m = pattern.match(text)
        if not m:
            continue
        numbers = [int(g) for g in m.groups()]
        try:
            dt.date(numbers[0], *(numbers[1:] + [1] * (3 - parts)))
        except ValueError:
            return None
        return "-".join([f"{numbers[0]:04d}", *(f"{n:02d}" for n in numbers[1:])])
    return None


def clean(meta: dict, origin: str) -> dict[str, str]:
    """Known keys with usable text values; the rest is dropped with one warning naming `origin`."""
    out, dropped = {}, []
    for key, value in meta.items():
        key = str(key).strip().lower()
        if key not in META_KEYS:
            continue
        if key == "date":
            date = normalise_date(value) if value is not None else None
            if date:
                out[key] = date
            elif value not in (None, ""):
                dropped.append(f"date {value!r} (use YYYY, YYYY-MM or YYYY-MM-DD)")
            continue
        if isinstance(value, bool | dict | list) or value is None:
            if value is not None:
                dropped.append(f"{key} (not text)")
            continue
        text = " ".join(str(value).split())
        if text and len(text) <= MAX_VALUE:
            out[key] = text
    if dropped:
        log.warning("ignoring in %s: %s", origin, "; ".join(dropped))
    return out


@functools.cache
def _yaml_loader():
    """YAML's safe loader without its timestamp type: `date: 2023-02-30` stays text, so `clean` drops that one
    value with a warning instead of YAML raising on the impossible date and the whole file being lost."""
    import yaml

    class TextDates(yaml.SafeLoader):
        pass

    TextDates.yaml_implicit_resolvers = {
        first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    return TextDates


def front_matter(text: str, origin: str) -> tuple[dict[str, str], str]:
    """YAML between `---` lines at the very top; returns it and the text after it."""
    m = FRONT_MATTER.match(text)
    if not m:
        return {}, text
    import yaml

    try:
        data = yaml.load(m.group(1), Loader=_yaml_loader())
    except yaml.YAMLError as exc:
        log.warning("ignoring front matter of %s: not YAML (%s)", origin, str(exc).splitlines()[0])
        return {}, text[m.end() :]
    if not isinstance(data, dict):
        return {}, text  # a leading `---` rule, not front matter
    return clean(data, f"front matter of {origin}"), text[m.end() :]


def bold_fields(text: str, origin: str) -> tuple[dict[str, str], str]:
    """`**Date:** …` lines among the first lines of a Markdown scrape (weakest source), and the text without them."""
    found, lines = {}, text.split("\n")
    head = [i for i, line in enumerate(lines[:BOLD_LINES]) if BOLD_FIELD.match(line.strip())]
    for i in head:
        m = BOLD_FIELD.match(lines[i].strip())
        key = m.group("key").strip().lower()
        if key in BOLD_KEYS:
            found[BOLD_KEYS[key]] = m.group("value").strip()
    if not head:
        return {}, text
    return clean(found, origin), "\n".join(line for i, line in enumerate(lines) if i not in set(head))


def sidecar(path: Path) -> dict[str, str]:
    """`speech.meta.json` or `speech.docx.meta.json` beside `speech.docx`."""
    side = next(
        (
            p
            for p in (path.with_name(path.name + SIDECAR_SUFFIX), path.with_name(path.stem + SIDECAR_SUFFIX))
            if p.is_file()
        ),
        None,
    )
    if side is None:
        return {}
    try:
        data = json.loads(side.read_text(encoding="utf-8-sig"))
    except (OSError, ValueError) as exc:
        log.warning("ignoring unreadable metadata file %s: %s", side.name, exc)
        return {}
    if not isinstance(data, dict):
        log.warning("ignoring metadata file %s: not a JSON object", side.name)
        return {}
    return clean(data, side.name)


def catalogue(folder: Path) -> dict[str, dict[str, str]]:
    """`metadata.csv` at the corpus root: a `file` column (path inside the corpus) and any metadata keys."""
    path = folder / CATALOGUE
    if not path.is_file():
        return {}
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.DictReader(fh))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        log.warning("ignoring %s: %s", CATALOGUE, exc)
        return {}
    if rows and "file" not in rows[0]:
        log.warning("ignoring %s: it needs a 'file' column naming each document", CATALOGUE)
        return {}
    out = {}
    for number, row in enumerate(rows, start=2):
        name = (row.pop("file", "") or "").strip()
        if name:
            out[name] = clean({k: v for k, v in row.items() if k and v}, f"{CATALOGUE} line {number}")
    return out


def date_in_line(line: str) -> str | None:
    """A full Chinese date in a subtitle line: `——2024年1月15日在…会议上` → 2024-01-15."""
    m = CHINESE_DATE.search(line)
    return normalise_date(f"{m.group(1)}-{int(m.group(2)):02d}-{int(m.group(3)):02d}") if m else None


def date_from_name(name: str) -> str | None:
    stem = Path(name).name
    m = FILE_DATE.search(stem)
    if m:
        return normalise_date("-".join(m.groups()))
    m = FILE_YEAR.match(stem)
    return m.group(1) if m else None


def merge(*sources: dict[str, str]) -> dict[str, str]:
    """First source that has a key wins (callers pass the strongest first)."""
    out: dict[str, str] = {}
    for source in sources:
        for key, value in source.items():
            out.setdefault(key, value)
    return out
