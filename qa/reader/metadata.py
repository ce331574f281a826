"""Who, when, where: metadata from (strongest first) front matter, a `NAME.meta.json` sidecar, the corpus's
`metadata.csv`, the file's own metadata (HTML <title>, PDF info, ...) and `**Key:** value` lines in the text.

Values are checked here once: a date becomes `YYYY`, `YYYY-MM` or `YYYY-MM-DD`; anything unusable is dropped
with one warning naming the file, so a typo in one sidecar never stops a build.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import json
import logging
import os
import re
from pathlib import Path

from ..untrusted import web_url
from . import boundary, limits
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
# Dates printed in a line of text (a subtitle, a title block): `2017年3月5日`, `3 October 1994`, `October 3, 1994`.
CHINESE_DATE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
ENGLISH_DATE = re.compile(
    r"""(?:(?P<d1>\d{1,2})\s+(?P<m1>[A-Za-z]{3,9})\.?,?\s+(?P<y1>\d{4})          # 3 October 1994
        |(?P<m2>[A-Za-z]{3,9})\.?\s+(?P<d2>\d{1,2}),?\s+(?P<y2>\d{4}))        # October 3, 1994""",
    re.X,
)
MONTH_NAMES = "january february march april may june july august september october november december"
MONTHS = {name: number for number, name in enumerate(MONTH_NAMES.split(), start=1)}
# A weekday printed beside a date (`Thursday, 11 March 2021`, `2023年4月18日 星期二`): part of the date, no event.
WEEKDAY = re.compile(
    r"""\b(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day\b   # an English weekday
        | (?:星期|礼拜)[一二三四五六日天]                # a Chinese one
    """,
    re.X | re.I,
)
FILE_YEAR = re.compile(r"^(1[6-9]\d\d|20\d\d)(?!\d)")
MAX_VALUE = 2000  # characters; a longer "title" is a paragraph pasted into the wrong field
EXCERPT = 40  # characters of a bad value quoted in its warning
MAX_METADATA_BYTES = 1 << 20  # a sidecar holds a few fields; a larger one is not a sidecar
MAX_JSON_DEPTH = 20  # a sidecar is one flat object; deep nesting is an attack on the parser's recursion
# A catalogue cell may hold a long title or a summary; Python's csv default (128 KiB) would cost the whole file.
CATALOGUE_FIELD_CHARS = 1 << 20
# What opens and closes a JSON container, outside its strings (which are removed first).
JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
JSON_NESTING = re.compile(r"[\[\]{}]")


def excerpt(value) -> str:
    """A bad value as its warning quotes it: at most `EXCERPT` characters, so a huge value costs one short line."""
    text = str(value) if isinstance(value, str | int | float) else type(value).__name__
    return repr(text if len(text) <= EXCERPT else text[:EXCERPT] + "…")


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
        if isinstance(value, bool | dict | list | tuple | set) or value is None:
            if value is not None:
                dropped.append(f"{key} (not text)")
            continue
        if key == "date":
            date = normalise_date(value)
            if date:
                out[key] = date
            elif value != "":
                dropped.append(f"date {excerpt(value)} (use YYYY, YYYY-MM or YYYY-MM-DD)")
            continue
        text = " ".join(str(value).split())
        if len(text) > MAX_VALUE:
            dropped.append(f"{key} (longer than {MAX_VALUE:,} characters)")
        elif key == "url" and text and not web_url(text):
            dropped.append(f"url {excerpt(text)} (only http:// and https:// addresses are kept)")
        elif text:
            out[key] = text
    if dropped:
        log.warning("ignoring in %s: %s", origin, "; ".join(dropped))
    return out


@functools.cache
def _yaml_loader():
    """YAML's safe loader without its timestamp and number types: `date: 2023-02-30` stays text, so `clean` drops
    that one value with a warning instead of YAML raising on the impossible date and the whole file being lost."""
    import yaml

    class TextDates(yaml.SafeLoader):
        def compose_node(self, parent, index):
            # An alias is a pointer: nine levels of nine make a 622-byte "billion laughs" that expands to
            # gigabytes once anything walks it. Front matter is a few plain fields; it has no use for them.
            if self.check_event(yaml.AliasEvent):
                raise yaml.composer.ComposerError(
                    None, None, "YAML aliases (*name) are not allowed in front matter", self.peek_event().start_mark
                )
            return super().compose_node(parent, index)

    # Numbers stay text too: `date: 2021` is read as written, and a 5,000-digit "number" is not converted.
    as_text = {"tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float"}
    TextDates.yaml_implicit_resolvers = {
        first: [(tag, rx) for tag, rx in resolvers if tag not in as_text]
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
    except (yaml.YAMLError, ValueError, RecursionError) as exc:  # ValueError: a 5,000-digit number; deep nesting
        problem = getattr(exc, "problem", None) or (str(exc).splitlines() or [type(exc).__name__])[0]
        log.warning("ignoring front matter of %s: not usable YAML (%s)", origin, problem[:MAX_VALUE])
        return {}, text[m.end() :]
    if not isinstance(data, dict):
        return {}, text  # a leading `---` rule, not front matter
    return clean(data, f"front matter of {origin}"), text[m.end() :]


def bold_fields(text: str, origin: str) -> tuple[dict[str, str], str]:
    """`**Date:** …` lines among the first lines of a Markdown scrape (weakest source), and the text without them."""
    found, lines = {}, text.split("\n")
    # A run of such lines is the scrape's field block when it holds a key it knows (`**Date:**`, then
    # `**Speakers:** …`); a run without one is speakers' turns (`**LEHRER:** Good evening.`), not fields.
    keys = {
        i: m.group("key").strip().lower()
        for i, line in enumerate(lines[:BOLD_LINES])
        if (m := BOLD_FIELD.match(line.strip()))
    }
    head: list[int] = []
    run: list[int] = []
    for i in [*sorted(keys), None]:  # None closes the last run
        if run and (i is None or i != run[-1] + 1):
            head += run if any(keys[j] in BOLD_KEYS for j in run) else []
            run = []
        if i is not None:
            run.append(i)
    for i in head:
        if keys[i] in BOLD_KEYS:
            found[BOLD_KEYS[keys[i]]] = BOLD_FIELD.match(lines[i].strip()).group("value").strip()
    if not head:
        return {}, text
    return clean(found, origin), "\n".join(line for i, line in enumerate(lines) if i not in set(head))


def sidecar(path: Path, root: Path) -> dict[str, str]:
    """`speech.meta.json` or `speech.docx.meta.json` beside `speech.docx`, if it is a file inside `root`."""
    side = next(
        (
            p
            for p in (path.with_name(path.name + SIDECAR_SUFFIX), path.with_name(path.stem + SIDECAR_SUFFIX))
            if os.path.lexists(p)
        ),
        None,
    )
    if side is None:
        return {}
    try:
        text = boundary.read_inside(side, root, MAX_METADATA_BYTES).decode("utf-8-sig")
        if json_depth(text) > MAX_JSON_DEPTH:
            raise ValueError(f"nested deeper than {MAX_JSON_DEPTH} levels")
        data = json.loads(text)
    except boundary.TooLarge:
        log.warning("ignoring metadata file %s: larger than %s", side.name, limits.megabytes(MAX_METADATA_BYTES))
        return {}
    except (OSError, ValueError) as exc:
        log.warning("ignoring unreadable metadata file %s: %s", side.name, str(exc)[:MAX_VALUE])
        return {}
    if not isinstance(data, dict):
        log.warning("ignoring metadata file %s: not a JSON object", side.name)
        return {}
    return clean(data, side.name)


def json_depth(text: str) -> int:
    """How deeply JSON text nests its arrays and objects (in one linear pass, before any parser recurses)."""
    depth = deepest = 0
    for mark in JSON_NESTING.findall(JSON_STRING.sub("", text)):
        depth += 1 if mark in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


def catalogue(folder: Path, root: Path | None = None) -> dict[str, dict[str, str]]:
    """`metadata.csv` at the corpus root: a `file` column (path inside the corpus) and any metadata keys.
    A row that cannot be read costs that row (named by its line), never the rest of the catalogue."""
    path = folder / CATALOGUE
    if not os.path.lexists(path):
        return {}
    try:
        text = boundary.read_inside(path, root or folder, limits.max_bytes()).decode("utf-8-sig")
    except boundary.TooLarge as exc:
        log.warning("ignoring %s: %s", CATALOGUE, limits.over_limit(exc.size))
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        log.warning("ignoring %s: %s", CATALOGUE, getattr(exc, "strerror", None) or exc)
        return {}
    previous_limit = csv.field_size_limit(CATALOGUE_FIELD_CHARS)
    try:
        return _catalogue_rows(csv.reader(io.StringIO(text, newline="")))
    finally:
        csv.field_size_limit(previous_limit)


def _catalogue_rows(rows) -> dict[str, dict[str, str]]:
    try:
        header = [h.strip().lower() for h in next(rows)]
    except (StopIteration, csv.Error):
        header = []
    if "file" not in header:
        log.warning("ignoring %s: it needs a 'file' column naming each document", CATALOGUE)
        return {}
    out: dict[str, dict[str, str]] = {}
    line = rows.line_num + 1
    while True:
        try:
            row = next(rows)
        except StopIteration:
            return out
        except csv.Error as exc:
            log.warning("ignoring %s line %d: %s", CATALOGUE, line, exc)
            line = rows.line_num + 1
            continue
        extra = len(row) - len(header)
        if extra > 0 and any(v.strip() for v in row[len(header) :]):
            # The usual cause is a title with a comma left unquoted: the row is still used, so say what it lost.
            log.warning(
                "%s line %d: %d values for %d columns (a value holding a comma needs double quotes); last %d ignored",
                CATALOGUE,
                line,
                len(row),
                len(header),
                extra,
            )
        fields = dict(zip(header, row, strict=False))
        name = (fields.pop("file", "") or "").strip()
        if name:
            out[name] = clean({k: v for k, v in fields.items() if k and v}, f"{CATALOGUE} line {line}")
        line = rows.line_num + 1


def ymd(year: str, month: str, day: str) -> str | None:
    """`2017`, `3`, `5` → `2017-03-05`; None when that day is not in the calendar."""
    return normalise_date(f"{year}-{int(month):02d}-{int(day):02d}")


def date_in_line(line: str) -> str | None:
    """A full Chinese date in a subtitle line: `——2024年1月15日在…会议上` → 2024-01-15."""
    m = CHINESE_DATE.search(line)
    return ymd(*m.groups()) if m else None


def printed_date(text: str) -> tuple[re.Match, str | None] | None:
    """The first date printed in `text`, Chinese before English, and what it means (None: not a calendar day,
    such as `31 February 2020`); None when it prints none."""
    m = CHINESE_DATE.search(text)
    if m:
        return m, ymd(*m.groups())
    m = ENGLISH_DATE.search(text)
    if not m:
        return None
    day, month, year = (m.group("d1"), m.group("m1"), m.group("y1")) if m.group("d1") else m.group("d2", "m2", "y2")
    number = MONTHS.get(month.lower()) or next((n for k, n in MONTHS.items() if k.startswith(month.lower())), 0)
    try:
        return m, dt.date(int(year), number, int(day)).isoformat() if number else None
    except ValueError:
        return m, None


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
