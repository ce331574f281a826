"""Issue 16's bar on the development collections, with the bundled model: press conferences, government work
reports and UN General Debate statements are found, credited to the right speaker, dated, and free of furniture.
Three are written fixtures (`press-zh`, `reports-zh`, `un-debate`); five are real public text (`press-en`: Miller
Center press conferences and debates; `press-fed`: Federal Reserve press conferences, laid out as their PDFs print;
`press-wh`: White House briefings as whitehouse.gov's HTML served them;
`reports-zh-real`: State Council work reports as a news scrape saved them; `ungdc`: UN General Debate Corpus
statements with their page furniture), all but `press-fed` byte for byte."""

import re
from pathlib import Path

import pytest

from qa.evaluation import read_jsonl, score
from qa.reader import read_speeches
from qa.retrieval import Searcher
from qa.settings import load_settings
from qa.store import build_lock, load_index, timed_build
from qa.textrules import INVISIBLE_CHAR

from .conftest import REPO

pytestmark = pytest.mark.integration
EVAL = REPO / "eval"
COLLECTIONS = {
    "press-zh": "press_zh.jsonl",
    "reports-zh": "reports_zh.jsonl",
    "un-debate": "un_debate_en.jsonl",
    "press-en": "press_en.jsonl",
    "press-fed": "press_fed_en.jsonl",
    "press-wh": "press_wh_en.jsonl",
    "reports-zh-real": "reports_zh_real.jsonl",
    "ungdc": "ungdc_en.jsonl",
}
REPORTS = ("reports-zh", "reports-zh-real")
# hit@5 each collection must reach: 0.9, but the Fed's questions are paraphrased further from the Chair's words
# (0.769 measured on 2026-12-03; README, "Measured quality").
HIT5_FLOOR = {"press-fed": 0.7}
# Of the UNGDC texts only Mandela's prints its day (in the running head `Forty-ninth session 3 October 1994`); the
# others give the session's year (metadata.csv). The White House page of Obama's Paris press conference prints no
# day at all. Every other document prints or names its day.
UNDATED = re.compile(r"^(?!ZAF)[A-Z]{3}_\d{2}_\d{4}\.txt$|^wh-0160\.html$")
NOTES = ("LICENSE", "SOURCE.md", "metadata.csv")
TOP_K = 10
# Furniture and notes that must never be in a returned passage.
FURNITURE = re.compile(
    r"""General\ Assembly\ \d+th\ meeting | \b\d{2}-\d{5}\b | A/\d+/PV\.\d+ | plenary\ meeting   # UN record furniture
      | Sixty-fourth\ session | Forty-ninth\ session\ \d                                       # UN running heads
      | 本作品 | 公有领域 | ↑                                                                     # licence note, footnotes
      | <U\+[0-9A-Fa-f]{4,6}> | 记者\s*\S{2,4}\s*摄 | 新华社北京\S*日电                        # scrape debris
      | Page\ \d+\ of\ \d+ | Press\ Conference\ FINAL                                      # the Fed's PDF foot, head
      | ^President:                                                                         # a byline as text""",
    re.X,
)


@pytest.fixture(scope="module")
def embedder(real_embedder):
    return real_embedder


@pytest.fixture(scope="module", params=sorted(COLLECTIONS))
def collection(request, embedder, tmp_path_factory):
    folder = EVAL / "corpora" / request.param
    index_dir = tmp_path_factory.mktemp(request.param) / "index"
    settings = load_settings(corpus_dir=folder, index_dir=index_dir)
    corpus = read_speeches(settings)
    with build_lock(index_dir):
        timed_build(corpus, embedder, settings, index_dir)
    index = load_index(index_dir, settings)
    return request.param, corpus, index, Searcher(index, embedder, settings)


def test_found_and_credited_to_the_right_speaker(collection):
    name, _, index, searcher = collection
    questions = read_jsonl(EVAL / COLLECTIONS[name])
    m = score(questions, lambda q: [index.passages[row] for row, _ in searcher.rank(q, TOP_K)])
    assert m["hit@5"] >= HIT5_FLOOR.get(name, 0.9) and m["speaker_ok"] >= 0.95, (name, m)


def test_no_furniture_invisible_character_or_notes_in_any_returned_passage(collection):
    name, corpus, index, searcher = collection
    for q in read_jsonl(EVAL / COLLECTIONS[name]):
        for row, _ in searcher.rank(q.q, TOP_K):
            p = index.passages[row]
            assert not FURNITURE.search(p.text) and not INVISIBLE_CHAR.search(p.text + p.title), p.text
            assert Path(p.document).name not in NOTES
    assert all(d.file.endswith((".txt", ".html")) for d in corpus.documents)


def test_every_document_is_dated_in_full_and_every_passage_has_a_speaker(collection):
    _, corpus, _, _ = collection
    for d in corpus.documents:
        day = r"(?:\d{4})?" if UNDATED.search(d.file) else r"\d{4}-\d{2}-\d{2}"
        assert re.fullmatch(day, d.date or ""), (d.file, d.date)
        assert all(p.speaker for p in d.passages), d.file


def test_reports_have_their_sections_and_events(collection):
    name, corpus, _, _ = collection
    if name not in REPORTS:
        pytest.skip("only the reports have numbered sections")
    for d in corpus.documents:
        assert all(p.event for p in d.passages), d.file
        assert sum(1 for p in d.passages if p.section and p.section.startswith(("一、", "二、"))) >= 2, d.file


def test_real_transcripts_credit_the_person_the_byline_names(collection):
    name, corpus, _, _ = collection
    if name != "press-en":
        pytest.skip("only the press conferences name the President in a byline")
    speakers = {d.file: {p.speaker for p in d.passages} for d in corpus.documents}
    assert speakers["1964-02-01-press-conference.txt"] == {"Lyndon B. Johnson", "Questioner"}
    assert "The President" not in speakers["2009-01-12-final-press-conference.txt"]
    # Carter has his own label in the 1976 debate, so THE PRESIDENT there is someone else (Ford).
    assert {"Jimmy Carter", "The President"} <= speakers["1976-09-23-debate-president-gerald-ford-domestic-issues.txt"]
    assert all(not d.title.startswith("President:") for d in corpus.documents)
