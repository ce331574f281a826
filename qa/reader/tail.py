"""The notes a copy adds at its end, which are not speech: a licence note (`本作品…属于公有领域`, `Creative
Commons`), `↑` footnotes, a `References`/`Notes`/`注释` part in the second half of the document.
"""

from __future__ import annotations

import re
from dataclasses import replace

from ..textrules import sentences
from .layout import Para
from .sections import drop_tail_notes

# The notes a copy adds at its end: a licence, a source, footnotes.
LICENCE = re.compile(
    r"""(?:公有领域|public\s+domain|知识共享|creative\s+commons|CC[\s-]BY|版权所有|all\s+rights\s+reserved
        |本作品(?:是|来自|采用|在))""",
    re.I | re.X,
)
FOOTNOTE_MARK = "↑"
TAIL_SHARE = 0.5  # licence notes are looked for in this last share of the paragraphs only


def without_notes(paras: list[Para], language: str) -> tuple[list[Para], list[str]]:
    """The paragraphs without the notes at their end, and what was dropped (for `qa build --explain`)."""
    said = []
    footnotes = [p for p in paras if p.text.lstrip().startswith(FOOTNOTE_MARK)]
    if footnotes:
        paras = [p for p in paras if not p.text.lstrip().startswith(FOOTNOTE_MARK)]
        said.append(f"footnotes (↑) dropped: {len(footnotes)}")
    tail_from = int(len(paras) * (1 - TAIL_SHARE))
    kept, cut = [], 0
    for i, para in enumerate(paras):
        text = _without_licence(para.text, language) if i >= tail_from else para.text
        cut += text != para.text
        if text:
            kept.append(replace(para, text=text) if text != para.text else para)
    if cut:
        paras = kept
        said.append(f"licence notes dropped: {cut}")
    paras, dropped = drop_tail_notes(paras)
    if dropped:
        said.append(f"a notes part dropped: {dropped} paragraphs")
    return paras, said


def _without_licence(text: str, language: str) -> str:
    """The paragraph up to the sentence where a licence note begins (all of it when it begins there)."""
    m = LICENCE.search(text)
    if not m:
        return text
    kept = ""
    for sentence in sentences(text, language):
        start = text.find(sentence, len(kept))
        if start + len(sentence) > m.start():
            break
        kept = text[: start + len(sentence)]
    return kept.strip()
