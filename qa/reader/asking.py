"""Which turns ask (a reporter, an interviewer, `Q:` / `问：`, a councillor in a hearing) and the question each answer
carries: the asking turn before it, indexed with the answer (so a question matching the asker's words lends its
score to the reply) but never shown as the answer's text."""

from __future__ import annotations

import itertools
import re
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
# Who chairs a parliament's sitting in the askers' count: a hearing's Chairman does ask.
SITTING_CHAIRS = frozenset({"Speaker", "Deputy Speaker"})
MANY_VOICES = 4  # speakers: a press conference's reporters, not a two-person interview
# A courtesy after a question, within a turn's last sentences.
COURTESY = re.compile(r"^(?:thank\s+you|thanks|谢谢)\W*(?:\w+\W*){0,3}$", re.I)
CLOSING_SENTENCES = 2  # a turn asks if one of its last sentences is a question (then `Thank you.`)


class Speaking(Protocol):
    """What asking needs of a turn (`model.Turn`)."""

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
    speaker who asks now and then (a candidate's rhetorical question) does not, nor does a parliament's Speaker
    (`SITTING_CHAIRS`); half is enough only among `MANY_VOICES`. A turn closes on a question as
    `closes_on_question` says: a reporter's `… is that appropriate? Thank you.`"""
    turns: Counter = Counter()
    questions: Counter = Counter()
    for s in sections:
        if s.turn and s.paras and not presides(s.turn):
            turns[s.turn.speaker] += 1
            questions[s.turn.speaker] += closes_on_question(s.paras[-1].text, language)
    # Half is enough only among many voices (a press conference); in a dialogue both sides ask now and then.
    half = len(turns) >= MANY_VOICES
    asking = {who for who, n in turns.items() if 2 * questions[who] > n or (half and 2 * questions[who] == n)}
    return lambda turn: asks(turn) or (turn is not None and turn.speaker in asking)


def closes_on_question(text: str, language: str) -> bool:
    """The last sentence ends in a question mark, or the one before it does and a courtesy follows (`Thank you.`)."""
    closing = sentences(text, language)[-CLOSING_SENTENCES:]
    if len(closing) > 1 and not COURTESY.match(closing[-1]):
        closing = closing[-1:]
    return any(map(ends_question, closing))


def presides(turn: Speaking) -> bool:
    """`Mr Speaker`, or a turn whose role is the Speaker's: a parliament's chair puts motions, never questions."""
    words = turn.speaker.split()
    return turn.role in SITTING_CHAIRS or (bool(words) and words[-1] in SITTING_CHAIRS)


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
