"""Date filters of a search (`date_from`/`date_to`) and the years a question names."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .reader.metadata import normalise_date

LOW_PAD, HIGH_PAD = "0000-01-01", "9999-99-99"  # a partial date as the first and last day it may mean
# A date filter as the protocols' schemas spell it (MCP's tool arguments); `DateRange.parse` is what decides.
FILTER_DATE_PATTERN = r"^\d{4}(-\d{2}(-\d{2})?)?$"
YEAR = re.compile(
    r"""
    (?<![0-9])
    (?P<year> 1[89][0-9]{2} | 20[0-9]{2} )   # 1800–2099: years a speech collection dates
    (?: 年                                   # 2019年
      | (?! [0-9月日/:-] | \.[0-9] ) )        # "in 1961": not part of a longer number, date or time
    """,
    re.X,
)


class DateProblem(ValueError):
    """A date filter that is not a date, or a range that ends before it starts."""


@dataclass(frozen=True)
class DateRange:
    """Inclusive bounds as ISO strings; a speech dated only `2019` or `2019-05` is in the range if any day of
    it is. Undated speeches are never in a range."""

    first: str = LOW_PAD
    last: str = HIGH_PAD

    @classmethod
    def parse(cls, date_from: str | None, date_to: str | None) -> DateRange | None:
        if not date_from and not date_to:
            return None
        bounds = {}
        for name, value, pad in (("date_from", date_from, LOW_PAD), ("date_to", date_to, HIGH_PAD)):
            if not value:
                continue
            date = normalise_date(value)
            if date is None:
                raise DateProblem(not_a_date(name, value))
            bounds[name] = date + pad[len(date) :]
        found = cls(bounds.get("date_from", LOW_PAD), bounds.get("date_to", HIGH_PAD))
        if found.first > found.last:
            raise DateProblem(f"date_from {date_from} is after date_to {date_to}")
        return found

    def contains(self, date: str | None) -> bool:
        if not date:
            return False
        return date + LOW_PAD[len(date) :] <= self.last and date + HIGH_PAD[len(date) :] >= self.first


def years_named(query: str) -> set[str]:
    return {m.group("year") for m in YEAR.finditer(query)}


def not_a_date(name: str, value) -> str:
    """The one wording for a date field or filter that is not a date."""
    return f"{name}: {value!r} is not a date; use YYYY, YYYY-MM or YYYY-MM-DD"
