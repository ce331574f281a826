"""The real bundled model on the real corpus and benchmarks: retrieval quality must hold."""

import json
from pathlib import Path

import pytest

from qa.engines import milvus
from qa.evaluation import read_cmrc, read_jsonl, score
from qa.reader import read_speeches
from qa.retrieval import Searcher
from qa.settings import load_settings
from qa.store import build_lock, load_index, timed_build

from .conftest import REPO

pytestmark = pytest.mark.integration
EVAL = REPO / "eval"


@pytest.fixture(scope="module")
def embedder(real_embedder):
    return real_embedder  # the default model, as a user gets it


def speeches(folder: Path):
    """A corpus read as `qa build` reads it: the model's tokenizer, the default passage grouping."""
    return read_speeches(load_settings(corpus_dir=folder))


def build(corpus, embedder, index_dir: Path, **overrides):
    settings = load_settings(index_dir=index_dir, **overrides)
    with build_lock(index_dir):
        timed_build(corpus, embedder, settings, index_dir)
    return load_index(index_dir, settings), settings


@pytest.fixture(scope="module", params=["faiss", "milvus"])
def seed(request, embedder, tmp_path_factory):
    """The real corpus on each engine (Milvus Lite in its own data path): the same questions must score the same."""
    root = tmp_path_factory.mktemp(f"seed-{request.param}")
    engine = {"backend": request.param, "milvus_uri": str(root / "milvus.db")}
    index, settings = build(speeches(REPO / "corpus"), embedder, root / "index", **engine)
    yield index, Searcher(index, embedder, settings)
    if request.param == "milvus":
        milvus.disconnect(settings)


def metrics_for(index, searcher, questions):
    return score(questions, lambda q: [index.passages[row] for row, _ in searcher.rank(q, 10)])


def test_seed_dev_set(seed):
    m = metrics_for(*seed, read_jsonl(EVAL / "seed_dev.jsonl"))
    assert m["hit@1"] >= 0.95 and m["hit@5"] == 1.0, m


def test_paraphrased_questions(seed):
    # Questions in other words than the text, naming the district or the speaker; 8 of 60 in English.
    m = metrics_for(*seed, read_jsonl(EVAL / "paraphrased.jsonl"))
    assert m["questions"] == 60
    assert m["hit@1"] >= 0.85 and m["hit@5"] >= 0.97, m


def test_english_question_finds_chinese_passage(seed):
    _, searcher = seed
    top = searcher.search("How will Erqi District improve its ecology and environment?", 1)[0]
    assert top.source["speaker"] == "陈红民" and top.highlights


def test_attribution_of_a_known_answer(seed):
    _, searcher = seed
    top = searcher.search("航空港实验区坚持走什么路子？", 1)[0]
    assert top.source["speaker"] == "张俊峰" and top.source["role"] == "航空港实验区党工委书记"
    # The quoted line is the unit that matched (issue 17); how often that is the gold line is measured over the
    # whole development set in test_the_unit_that_matched_quotes_the_answer.
    assert top.source["date"] == "2021-01-05" and "“枢纽+开放”" in top.text and top.best_sentence in top.text


def test_cmrc_trial_hybrid_beats_both_parts(embedder, tmp_path_factory):
    corpus, questions = read_cmrc(EVAL / "benchmarks" / "cmrc2018" / "cmrc2018_trial.json")
    index, settings = build(corpus, embedder, tmp_path_factory.mktemp("cmrc"))
    results = {}
    for name, weight in (("bm25", 0.0), ("dense", 1.0), ("hybrid", settings.dense_weight)):
        s = load_settings(index_dir=settings.index_dir, dense_weight=weight)
        results[name] = metrics_for(index, Searcher(index, embedder, s), questions)
    assert results["hybrid"]["hit@1"] >= 0.975, results
    assert results["hybrid"]["hit@1"] > max(results["bm25"]["hit@1"], results["dense"]["hit@1"]), results


@pytest.fixture(scope="module")
def budget(embedder, tmp_path_factory):
    """Seven real Hansard budget statements (English), as `qa build` indexes them."""
    index, settings = build(speeches(EVAL / "corpora" / "sg-budget-speeches"), embedder, tmp_path_factory.mktemp("sg"))
    return index, Searcher(index, embedder, settings)


def test_english_questions_on_english_hansard(budget):
    m = metrics_for(*budget, read_jsonl(EVAL / "sg_budget_en.jsonl"))
    # Measured 0.733 / 0.911 (`qa eval`, README "Sentence units"); 0.622 before English questions leaned on meaning.
    assert m["hit@1"] >= 0.7 and m["hit@5"] >= 0.88 and m["speaker_ok"] >= 0.95, m


def test_chinese_questions_find_english_speeches(budget):
    m = metrics_for(*budget, read_jsonl(EVAL / "sg_budget_zh.jsonl"))
    assert m["hit@5"] >= 0.8, m  # measured 0.844


def test_english_speeches_one_paragraph_per_line(embedder, tmp_path_factory):
    """Issue 8's bar on 20 State of the Union addresses (front matter, one paragraph a line): famous lines asked
    plainly; a hit is a passage of at most 3,000 characters from the right speech holding the answer."""
    corpus = speeches(EVAL / "corpora" / "sotu")
    assert all(p.speaker and len(p.text) <= 3000 for p in corpus.passages)
    index, settings = build(corpus, embedder, tmp_path_factory.mktemp("sotu"))
    m = metrics_for(index, Searcher(index, embedder, settings), read_jsonl(EVAL / "sotu_famous_en.jsonl"))
    assert m["hit@1"] >= 0.95 and m["hit@5"] == 1.0 and m["speaker_ok"] >= 0.95, m  # measured 1.0 / 1.0


def test_the_unit_that_matched_quotes_the_answer(seed):
    """Match small, return whole (issue 17): the top passage's best sentence is the unit that matched, and for most
    development questions it holds the gold line (21 of 24 measured) or lies inside it."""
    _, searcher = seed
    quoted = 0
    for line in (EVAL / "seed_dev.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        top = searcher.search(row["q"], 1)[0]
        start = top.text.index(top.best_sentence)
        assert top.highlights and all(start <= a < b <= start + len(top.best_sentence) for a, b in top.highlights)
        sentence = "".join(top.best_sentence.split())
        quoted += any(g in sentence or sentence in g for g in ("".join(x.split()) for x in row["gold"]))
    assert quoted >= 20, quoted
