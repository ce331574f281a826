"""Search with a date range, a year the question names, and one hit per speaker, on top of any `Searcher`.

The retriever ranks as always, with a wider pool of candidates; this module then keeps the passages whose
speech date falls in the range, lifts those of a year the question names (a soft preference, like the
speaker boost), and with `by_speaker` keeps the best passage of each speaker, best first.
"""

from __future__ import annotations

from dataclasses import dataclass

from .dates import DateRange, years_named
from .retrieval import Result, Searcher

# Candidates each retriever hands to fusion when results are filtered or grouped afterwards: a narrow date
# range or a comparison of many speakers needs more than the best hundred passages to choose from.
WIDE_CANDIDATES = 1000
ALL_FUSED = 2 * WIDE_CANDIDATES  # dense and keyword candidates together, before filtering


@dataclass(frozen=True)
class Scope:
    """What a search keeps of the ranking: speeches in `dates`, and with `by_speaker` one passage a speaker."""

    dates: DateRange | None = None
    by_speaker: bool = False


EVERYTHING = Scope()


def needs_facets(query: str, scope: Scope) -> bool:
    return bool(scope.dates or scope.by_speaker or years_named(query))


def faceted_search(
    searcher: Searcher,
    query: str,
    top_k: int,
    speaker: str | None = None,
    document: str | None = None,
    scope: Scope = EVERYTHING,
    year_boost: float = 0.0,
) -> list[Result]:
    """`searcher` should rank `WIDE_CANDIDATES` (see `wide_settings`); results are ranked 1.. after filtering."""
    dates, by_speaker = scope.dates, scope.by_speaker
    passages = searcher.index.passages
    years = years_named(query) if year_boost else set()
    named = bool(searcher.speakers)

    def keep(ranked: list[tuple[int, float]]) -> list[tuple[int, float]]:
        if dates:
            ranked = [(row, score) for row, score in ranked if dates.contains(passages[row].date)]
        if years:
            lifted = [(row, score + year_boost * ((passages[row].date or "")[:4] in years)) for row, score in ranked]
            ranked = sorted(lifted, key=lambda pair: -pair[1])
        if by_speaker:
            best: dict[str, tuple[int, float]] = {}
            for row, score in ranked:
                p = passages[row]
                # An introduction is nobody's view; only in a corpus that names no speaker does each
                # document stand for one voice.
                if p.speaker or not named:
                    best.setdefault(p.speaker or f"\0{p.document}", (row, score))
            ranked = list(best.values())
        return ranked[:top_k]

    return searcher.search(query, ALL_FUSED, speaker, document, keep=keep)


def served_search(searcher: Searcher, wide: Searcher, query: str, top_k: int, **narrowing) -> list[Result]:
    """What a search serves: `searcher`'s ranking, or `wide`'s through `faceted_search` (whose speaker, document,
    scope and year_boost `narrowing` holds) when the question names a year or the scope keeps a part. `qa eval`
    asks through here too, so it scores what users get."""
    if not needs_facets(query, narrowing.get("scope", EVERYTHING)):
        return searcher.search(query, top_k, narrowing.get("speaker"), narrowing.get("document"))
    return faceted_search(wide, query, top_k, **narrowing)


def wide_settings(settings):
    return settings.model_copy(update={"candidates": max(settings.candidates, WIDE_CANDIDATES)})
