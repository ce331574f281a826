"""The people an English title says a document is by, with their offices: `Press Briefing by Press Secretary Jen
Psaki and National Security Advisor Jake Sullivan, March 22, 2022`. Turn labels then name them by surname
(`MS. PSAKI`, qa/reader/speakers.py `by_surname`)."""

from __future__ import annotations

import re

from .labels_en import parts_pattern
from .model import Turn

# `Press Briefing by Press Secretary Jen Psaki and National Security Advisor Jake Sullivan, March 22, 2022`: the
# people a title says the document is by, each an office and a name, split at commas and "and".
TITLE_BY = re.compile(r"\bby\s+(?P<people>[A-Z].*)$")
TITLE_PEOPLE_SPLIT = re.compile(r",\s*|\s+and\s+")
# What a title says after a person: `…Jack Lew Aboard AF1 en route Pittsburgh`, `…Peter Orszag to Discuss the Budget`,
# `…Ben Rhodes | Panama City, Panama`.
TITLE_AFTER_PERSON = re.compile(
    r"""\s+(?=[a-z]|(?:Aboard|Before|After|During|At|On|In|En\s+Route)\b)  # words in lower case, or where it was
      | \s*(?=\|)                                                        # a bar before the place or the site""",
    re.X,
)
TITLE_PERSON = parts_pattern(
    r"""^(?P<role>[A-Z][\w'’-]*(?:\s+(?:[A-Z][\w'’-]*|of|for|on|the|and))*?)  # the office: Press Secretary
        \s+(?P<name>@TITLE_WORD(?:\s+[A-Z]\.)?\s+@TITLE_WORD)$                # the name: Jen Psaki, Jake J. Sullivan"""
)

HONORIFIC = parts_pattern(r"@HONORIFIC")  # `Mrs.`, `Dr.`: a surname follows, not a sentence's end
OFFICE_START = parts_pattern(r"(?:@ROLES|@OFFICE_NOUNS)\s")  # a title's "name" that is the rest of an office
# A name, then after a comma the office it holds, to a bracket, a bar or the end: `…and Dan Restrepo, Special
# Assistant to the President and Senior Director for Western Hemisphere Affairs (including Spanish text)`.
NAME_THEN_OFFICE = parts_pattern(
    r"""(?P<name>@TITLE_WORD(?:\s+[A-Z]\.)?\s+@TITLE_WORD)  # the name: Dan Restrepo
        ,\s+(?P<office>[A-Z][^(),|]*?)\s*(?:[(|]|$)       # the office, all of it: "and" does not end it"""
)
OFFICE_IN = parts_pattern(r"\b(?:@ROLES|@OFFICE_NOUNS)\b")  # an office's word anywhere (not `March 22`)
BARE_NAME = parts_pattern(r"^(?P<name>@TITLE_WORD(?:\s+[A-Z]\.)?(?:\s+@TITLE_WORD){1,2})$")


def named_in_title(title: str | None, language: str = "en") -> list[Turn]:
    """The people an English title says the document is by, with their offices (none for other titles)."""
    found = TITLE_BY.search(title or "") if language != "zh" else None
    if not found:
        return []
    listed = found.group("people")
    last = NAME_THEN_OFFICE.search(listed)
    # Not `President Obama, Prime Minister Cameron` nor `…Robert Gibbs, Secretary of Energy Steven Chu`: two people.
    office = last and OFFICE_IN.search(last["office"]) and not OFFICE_START.match(last["name"])
    last = last if office and not (_title_person(last["office"]) or (None, None))[1] else None
    listed = listed[: last.start()] if last else listed
    people = [person for part in TITLE_PEOPLE_SPLIT.split(listed) if (person := _title_person(part))]
    return [Turn(name, role) for name, role in people] + ([Turn(last["name"], last["office"])] if last else [])


def _title_person(part: str) -> tuple[str, str | None] | None:
    """(name, office) of one person a title lists: `Press Secretary Jay Carney`, a full name alone (`Scott
    McClellan`) or an office and a surname (`Secretary of Homeland Security Napolitano` → Napolitano), perhaps with
    what the title says after it (`…Jack Lew Aboard AF1 en route Pittsburgh`)."""
    part = part.strip()
    cuts = [m.start() for m in TITLE_AFTER_PERSON.finditer(part)]
    for candidate in [part, *(part[:cut] for cut in reversed(cuts))]:
        if m := TITLE_PERSON.match(candidate) or BARE_NAME.match(candidate):
            role, name = m.groupdict().get("role"), m.group("name")
            if OFFICE_START.match(name):  # the office goes on: the name is its last word
                office, surname = name.rsplit(maxsplit=1)
                return surname, f"{role} {office}" if role else office
            return name, role
    return None
