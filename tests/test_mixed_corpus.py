"""One speech each as an HTML news page, DOCX, PDF, SRT and Big5 text: every one is read, attributed and found."""

from __future__ import annotations

import pytest

from qa.reader import read_corpus
from qa.retrieval import Searcher
from qa.settings import load_settings
from qa.store import build_lock, load_index, timed_build

from .support.formats import EN_CHROME, make_docx, make_pdf

HTML = f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Mayor opens harbour | City News</title>
<meta property="article:published_time" content="2023-05-02T09:00:00Z"></head><body>{EN_CHROME["nav"]}<main><article>
<h1>Mayor opens harbour</h1><p>The mayor spoke at the quay on Tuesday morning before a crowd of dock workers.</p>
<p>"The new harbour will bring ferries back to the old town and two thousand jobs to the waterfront," she said.</p>
</article></main>{EN_CHROME["sidebar"]}{EN_CHROME["footer"]}</body></html>"""
DOCX_ITEMS = [
    ("title", "Address on public libraries"),
    ("p", "Libraries are where our children first meet the wider world, and we will keep every branch open."),
    ("p", "From September all branch libraries will open on Sundays, with late hours on Thursdays."),
]
PDF_PAGES = [
    [
        "COUNTY COUNCIL MINUTES",
        "The council will plant ten thousand trees along the river",
        "to cool the streets in",
        "1",
    ],
    ["COUNTY COUNCIL MINUTES", "summer and to hold back floods in the wet season.", "2"],
    ["COUNTY COUNCIL MINUTES", "The budget for road repairs doubles next year.", "3"],
]
SRT = """1
00:12:30,000 --> 00:12:33,500
Our rail line will reach the airport

2
00:12:33,600 --> 00:12:36,000
by the end of twenty twenty-six.

3
00:12:40,000 --> 00:12:43,000
[Applause]

4
00:12:44,000 --> 00:12:47,000
Tickets will cost the same as a bus fare.
"""
BIG5 = "東湖區委書記李明：建設生態新城區\n\n東湖區將堅持以生態優先為導向，打造湖城共生示範區，建設十個濕地公園。\n"
CATALOGUE = """file,speaker,role,date
harbour.html,Jane Smith,Mayor,
libraries.docx,Tom Brown,Councillor for Culture,2024-03-01
trees.pdf,Ann Lee,County Chair,2022
rail.srt,Raj Patel,Transport Secretary,2021-11-09
"""
# question, document, speaker, words the passage must hold
QUESTIONS = [
    ("How many jobs will the new harbour bring?", "harbour.html", "Jane Smith", "two thousand jobs"),
    ("When will libraries open on Sundays?", "libraries.docx", "Tom Brown", "open on Sundays"),
    ("How many trees will the council plant along the river?", "trees.pdf", "Ann Lee", "streets in summer"),
    ("When will the rail line reach the airport?", "rail.srt", "Raj Patel", "reach the airport by the end"),
    ("东湖区要建设多少个湿地公园？", "dongfeng-big5.txt", "李明", "建設十個濕地公園"),
]
DEBRIS = ("World News", "Related stories", "Copyright", "COUNTY COUNCIL MINUTES", "Applause", "Home")


@pytest.fixture
def mixed(tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "harbour.html").write_text(HTML, encoding="utf-8")
    (folder / "libraries.docx").write_bytes(make_docx("Address on public libraries", DOCX_ITEMS))
    (folder / "trees.pdf").write_bytes(make_pdf(PDF_PAGES))
    (folder / "rail.srt").write_text(SRT, encoding="utf-8")
    (folder / "dongfeng-big5.txt").write_bytes(BIG5.encode("big5"))
    (folder / "metadata.csv").write_text(CATALOGUE, encoding="utf-8")
    return folder


def test_every_format_is_read_and_attributed(mixed):
    corpus = read_corpus(mixed)
    assert sorted(d.format for d in corpus.documents) == ["docx", "html", "pdf", "srt", "txt"] and not corpus.skipped
    for question, document, speaker, words in QUESTIONS:
        holding = [p for p in corpus.passages if words in " ".join(p.text.split())]
        assert len(holding) == 1, (question, [p.text for p in corpus.passages if p.document == document])
        assert (holding[0].document, holding[0].speaker) == (document, speaker)
    for p in corpus.passages:
        assert not any(d in p.text for d in DEBRIS), p.text
    rail = [p for p in corpus.passages if p.document == "rail.srt"]
    assert (rail[0].start, rail[0].end) == (750.0, 756.0)
    assert {d.file: d.date for d in corpus.documents}["harbour.html"] == "2023-05-02"


def _ask_all(folder, index_dir, model, embedder):
    settings = load_settings(corpus_dir=folder, index_dir=index_dir, model=model)
    with build_lock(index_dir):
        timed_build(read_corpus(folder), embedder, settings, index_dir)
    searcher = Searcher(load_index(index_dir, settings), embedder, settings)
    return {q: searcher.search(q, 3) for q, *_ in QUESTIONS}


def test_each_question_finds_its_speech_with_the_fake_embedder(mixed, tmp_path, fake_registered):
    answers = _ask_all(mixed, tmp_path / "index", "fake-embedder", fake_registered)
    for question, document, speaker, _ in QUESTIONS:
        top = answers[question][0]
        assert (top.source["document"], top.source["speaker"]) == (document, speaker), question


@pytest.mark.integration
def test_each_question_finds_its_speech_with_the_bundled_model(mixed, tmp_path, real_embedder):
    answers = _ask_all(mixed, tmp_path / "index", real_embedder.name, real_embedder)
    for question, document, speaker, words in QUESTIONS:
        top = answers[question][0]
        assert (top.source["document"], top.source["speaker"]) == (document, speaker), question
        assert words in " ".join(top.text.split())
    (rail,) = [r for r in answers["When will the rail line reach the airport?"][:1]]
    assert (rail.source["start"], rail.source["end"]) == (750.0, 756.0)
