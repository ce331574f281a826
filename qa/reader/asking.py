"""Which turns ask (a reporter, an interviewer, `Q:` / `问：`, a councillor in a hearing) and the question each answer
carries: the asking turn before it, indexed with the answer (so a question matching the asker's words lends its
score to the reply) but never shown as the answer's text."""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable
from typing import Protocol

from ..textrules import ends_question, sentences

QUESTIONER = "Questioner"  # the speaker of a bare `Q.` / `Q:`
ZH_QUESTIONER = "提问者"  # … and of `问：`
REPORTER = "记者"
ASKING_ROLES = frozenset({"reporter", "questioner", "interviewer", "moderator", "host", "journalist"})
QUESTION_CHARS = 160  # of a question kept as its answer's context
# Who chairs a sitting: their "Handouts?" or "The Question is, …?" puts a motion, it does not ask the next speaker.
PRESIDING = frozenset({"Speaker", "Deputy Speaker", "Chairman", "Chair", "President"})
CLOSING_SENTENCES = 2  # a turn asks if one of its last sentences is a question (then `Thank you.`)


class Speaking(Protocol):
    """What asking needs of a turn (`speakers.Turn`)."""

    speaker: str
    role: str | None


class Turnlike(Protocol):
    """What asking needs of a section (`speakers.Section`): its turn, its paragraphs, the question it answers."""

    turn: Speaking | None
    paras: list
    question: str | None


def askers(sections: list[Turnlike], language: str) -> Callable[[Speaking | None], bool]:
    """Which turns ask: those its speaker's role or label says ask (`asks`), and every turn of a speaker at least
    half of whose turns close on a question (a councillor in a hearing, a panelist in a debate, a reporter named by
    their outlet, whose first question may be worded as a statement: "I wonder how you reconcile that."). A
    speaker who asks now and then (a candidate's rhetorical question) does not, nor does the chair of a sitting
    (`PRESIDING`). A turn closes on a question when one of its last `CLOSING_SENTENCES` ends in a question mark: a
    reporter's `… is that appropriate? Thank you.`"""
    turns: Counter = Counter()
    questions: Counter = Counter()
    for s in sections:
        if s.turn and s.paras and not presides(s.turn):
            turns[s.turn.speaker] += 1
            closing = sentences(s.paras[-1].text, language)[-CLOSING_SENTENCES:]
            questions[s.turn.speaker] += any(map(ends_question, closing))
    asking = {who for who, n in turns.items() if 2 * questions[who] >= n}
    return lambda turn: asks(turn) or (turn is not None and turn.speaker in asking)


def presides(turn: Speaking) -> bool:
    """`Mr Speaker`, `The Chairman`, or a turn whose role is a presiding office."""
    return turn.role in PRESIDING or turn.speaker.split()[-1] in PRESIDING


def asks(turn: Speaking | None) -> bool:
    """Is this turn a question (a reporter's, the interviewer's, `问：`/`Q:`)?"""
    if turn is None:
        return False
    who = f"{turn.role or ''}{turn.speaker}"
    return REPORTER in who or turn.speaker in (QUESTIONER, ZH_QUESTIONER) or (turn.role or "").lower() in ASKING_ROLES


def attach_questions(sections: list[Turnlike], language: str) -> None:
    """Give each answering turn the question of the asking turn just before it (its first `QUESTION_CHARS`)."""
    glue = "" if language == "zh" else " "
    is_asking = askers(sections, language)
    for before, after in itertools.pairwise(sections):
        if is_asking(before.turn) and not is_asking(after.turn) and before.paras:
            after.question = glue.join(p.text for p in before.paras)[:QUESTION_CHARS]
