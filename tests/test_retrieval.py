import numpy as np
import pytest

from qa.chat import compose_answer, resolve_query
from qa.engines import milvus
from qa.reader.model import Passage
from qa.retrieval import (
    Searcher,
    asking_rows,
    best_sentence,
    fuse,
    highlight_spans,
    lift_answers,
    ranked,
    rrf_fusion,
    weighted_fusion,
)
from qa.store import load_index

from .conftest import ENGINES, FakeEmbedder, build_small_index


@pytest.fixture(scope="module", params=ENGINES)
def built(request, tmp_path_factory):
    """The small corpus indexed once per engine for these read-only tests (Milvus Lite in its own data path)."""
    root = tmp_path_factory.mktemp(request.param)
    settings = build_small_index(root, FakeEmbedder(), backend=request.param, milvus_uri=str(root / "milvus.db"))
    yield settings
    if request.param == "milvus":
        milvus.disconnect(settings)


def searcher(settings, fake):
    return Searcher(load_index(settings.index_dir, settings), fake, settings)


def test_an_english_question_takes_the_english_dense_share(built, fake_registered):
    index = load_index(built.index_dir, built)
    query = "zorblat quixotry"  # English the lexicon cannot translate: asked as it is

    def ranked(**fields):
        return Searcher(index, fake_registered, built.model_copy(update=fields)).rank(query, 5)

    assert ranked(dense_weight_en=0.0, dense_weight=0.9) != ranked(dense_weight_en=0.9, dense_weight=0.9)
    assert ranked(dense_weight_en=0.2, dense_weight=0.9) == ranked(dense_weight_en=0.2, dense_weight=0.1)


def test_weighted_fusion_mixes_scaled_scores():
    dense = np.array([0.9, 0.5, 0.7])
    bm25 = np.array([0.0, 10.0, 5.0])
    fused = weighted_fusion(dense, bm25, 0.5)
    np.testing.assert_allclose(fused, [0.5, 0.5, 0.5 * 0.5 + 0.5 * 0.5])
    assert np.argmax(weighted_fusion(dense, bm25, 1.0)) == 0
    assert np.argmax(weighted_fusion(dense, bm25, 0.0)) == 1


def test_rrf_rewards_agreement():
    fused = rrf_fusion(np.array([0.9, 0.8, 0.1]), np.array([0.0, 3.0, 2.0]), k=60)
    assert np.argmax(fused) == 1  # second in dense, first in BM25
    assert fused[0] == 1 / 61  # no BM25 match adds nothing


def test_search_finds_and_attributes(built, fake_registered):
    results = searcher(built, fake_registered).search("西山县要建设几个农业产业园？", 2)
    top = results[0]
    assert top.source["speaker"] == "王芳" and top.source["role"] == "西山县委书记、县长"
    assert top.source["paragraph"] == 1 and top.source["date"] == "2021-01-05"
    assert top.rank == 1 and top.score >= results[1].score
    assert top.text[slice(*top.highlights[0])] in {"西山县", "农业", "产业园", "农业产业园"}


def test_naming_the_place_finds_a_paragraph_that_does_not(built, fake_registered):
    # Paragraph 2 of 李明's speech never says 李明; its speech context does.
    results = searcher(built, fake_registered).search("李明 湿地公园", 1)
    assert results[0].source["speaker"] == "李明" and "湿地公园" in results[0].text


def test_the_ranking_is_the_candidates_fused_and_a_named_speaker_is_marked(built, fake_registered):
    s = searcher(built, fake_registered)
    query = "王芳说西山县要建设几个农业产业园？"
    asked = s.asked(query)
    found = s.candidates(asked, s.tokens(asked))
    assert found.unit_dense is not None and found.unit_keyword is not None  # the small index has units
    speakers = {s.index.passages[row].speaker for row in found.rows[found.named]}
    assert speakers == {"王芳"}
    fused = fuse(found, built)
    best_first = [int(found.rows[i]) for i in np.argsort(-fused, kind="stable")[:5]]
    assert [row for row, _ in s.rank(query, 5)] == best_first
    unboosted = fuse(found, built.model_copy(update={"speaker_boost": 0.0}))
    np.testing.assert_allclose(fused - unboosted, built.speaker_boost * found.named)


def test_filters(built, fake_registered):
    s = searcher(built, fake_registered)
    assert {r.source["speaker"] for r in s.search("建设", 10, speaker="李明")} == {"李明"}
    assert s.search("建设", 10, speaker="无此人") == []
    assert s.search("建设", 10, document="other.txt") == []
    assert len(s.search("建设", 10, document="city-2021-01-05-speeches.txt")) == 4


def test_highlights_merge_and_skip_single_characters():
    assert highlight_spans("生态优先生态", ["生态", "态优"]) == [(0, 3), (4, 6)]
    assert highlight_spans("湖城共生", ["湖"]) == []
    assert highlight_spans("Green City", ["green"]) == [(0, 5)]


def test_best_sentence_prefers_the_sentence_with_query_words():
    text = "过去一年成绩显著。下一步将建设十个湿地公园。还要继续努力！"
    assert best_sentence(text, ["湿地", "公园"], lambda t: 1.0, "湿地公园") == "下一步将建设十个湿地公园。"


def test_follow_up_takes_its_subject_from_the_earlier_turn():
    names = ["西山县", "东湖区", "西山", "东湖", "王芳", "李明"]
    first = {"role": "user", "content": "东湖区要建设多少个湿地公园？"}
    answer = {"role": "assistant", "content": "……"}
    assert (
        resolve_query([first, answer, {"role": "user", "content": "那西山呢？"}], names)
        == "西山 要建设多少个湿地公园？"
    )
    assert resolve_query([first, answer, {"role": "user", "content": "具体在哪里？"}], names).startswith("东湖区")
    standalone = "西山县将如何推动乡村振兴和现代农业发展？"
    assert resolve_query([first, answer, {"role": "user", "content": standalone}], names) == standalone


def test_answer_quotes_with_attribution(built, fake_registered):
    results = searcher(built, fake_registered).search("湿地公园", 2)
    answer = compose_answer(results)
    assert answer.startswith("东湖区委书记李明在《建设生态新城区》中说：“")
    assert results[0].best_sentence in answer
    assert compose_answer([]) == "没有找到能回答这个问题的段落。"


def test_english_questions_get_english_answers(tmp_path, fake_registered):
    from qa.reader import read_corpus
    from qa.settings import load_settings
    from qa.store import build_lock, timed_build

    from .conftest import write_corpus

    text = (
        "---\nspeaker: Lawrence Wong\nrole: Minister for Finance\ntitle: Budget Statement\n---\n"
        "We will set up a Future Energy Fund with an initial injection of five billion dollars this year.\n\n"
        "Households will receive vouchers to help with the cost of living in the coming months.\n"
    )
    settings = load_settings(corpus_dir=write_corpus(tmp_path / "c", text, "2024.txt"), index_dir=tmp_path / "i")
    # The fake embedder's vectors mean nothing: BM25 alone picks the passage, the answer's wording is tested.
    settings = settings.model_copy(update={"model": "fake-embedder", "dense_weight_en": 0.0})
    with build_lock(settings.index_dir):
        timed_build(read_corpus(settings.corpus_dir), fake_registered, settings, settings.index_dir)
    results = searcher(settings, fake_registered).search("How much goes into the Future Energy Fund?", 1)
    answer = compose_answer(results, "en")
    assert answer.startswith("Lawrence Wong, Minister for Finance, in “Budget Statement”: “We will set up a Future")
    assert answer.endswith("(paragraph 1)")
    assert compose_answer([], "en") == "No passage found that answers this question."


def test_long_sentences_are_quoted_by_their_best_clauses():
    from qa.chat import MAX_QUOTE, quote
    from qa.retrieval import Result

    sentence = "，".join(f"第{i}项工作要做好做实做细做到位" for i in range(12)) + "，重点建设湿地公园。"
    start = sentence.index("湿地公园")
    r = Result("x", 1, 1.0, sentence, {}, [(start, start + 4)], sentence)
    quoted = quote(r)
    assert "湿地公园" in quoted and quoted.startswith("…") and len(quoted) <= MAX_QUOTE["zh"] + 2
    short = Result("y", 1, 1.0, "短句。", {}, [], "短句。")
    assert quote(short) == "短句。"


def test_english_highlights_are_whole_words_of_the_same_stem():
    from qa.keywords import Tokenizer

    terms = Tokenizer([]).tokens("Who is funding the Future Energy Fund?", query=True)
    text = "The Government will fund it: a Future Energy Fund, with funding that goes further."
    assert [text[a:b] for a, b in highlight_spans(text, terms)] == ["fund", "Future", "Energy", "Fund", "funding"]
    # Only whole runs of letters: not inside "refund" or "fundamentals"; a digit ends a run ("fund2").
    text = "A refund, fundamentals, fund2 and FUND."
    assert [text[a:b] for a, b in highlight_spans(text, terms)] == ["fund", "FUND"]


def test_highlights_keep_their_offsets_where_lower_casing_changes_the_length():
    text = "İzmir 的湿地公园"  # "İ".lower() is two characters
    assert [text[a:b] for a, b in highlight_spans(text, ["湿地公园"])] == ["湿地公园"]


def test_the_best_sentence_is_the_unit_that_matched_and_the_highlights_stay_inside_it(built, fake_registered):
    s = searcher(built, fake_registered)
    assert s.index.units is not None and s.index.units.fits(len(s.index.passages))
    for result in s.search("湿地公园", 3):
        start = result.text.find(result.best_sentence)
        assert start >= 0 and result.best_sentence.strip()
        end = start + len(result.best_sentence)
        assert all(start <= a and b <= end for a, b in result.highlights)
        # Found in the line alone, at the passage's offsets: where the whole passage's marks inside the line are.
        whole = [(a, b) for a, b in highlight_spans(result.text, s.tokens(s.asked("湿地公园"))) if start <= a < end]
        assert result.highlights == (whole or [(start, end)])


def test_units_move_the_dense_score_only_as_far_as_unit_weight_says(built, fake_registered):
    index = load_index(built.index_dir, built)
    query = "湿地公园"
    alone = Searcher(index, fake_registered, built.model_copy(update={"unit_weight": 0.0})).rank(query, 5)
    index.units = None  # an index from before units: matched by the passage vectors alone
    assert Searcher(index, fake_registered, built).rank(query, 5) == alone


def test_unit_keyword_weight_moves_the_keyword_score_towards_the_line_holding_the_question(built, fake_registered):
    index = load_index(built.index_dir, built)
    query = "建设 湿地公园 农业产业园"
    whole = Searcher(index, fake_registered, built.model_copy(update={"unit_keyword_weight": 0.0})).rank(query, 5)
    mixed = Searcher(index, fake_registered, built.model_copy(update={"unit_keyword_weight": 0.5})).rank(query, 5)
    assert [row for row, _ in mixed] and dict(mixed) != dict(whole)
    index.units = None  # without units there is no line to hold it: the passage's BM25 alone
    ranks = [Searcher(index, fake_registered, built.model_copy(update={"unit_keyword_weight": w})) for w in (0, 0.5)]
    assert ranks[0].rank(query, 5) == ranks[1].rank(query, 5)


PRESS = (
    "2024年3月11日外交部发言人林晓峰主持例行记者会\n\n"
    "总台央视记者：日内瓦气候变化谈判即将举行，中方对谈判有何期待？\n\n"
    "林晓峰：发达国家应切实履行每年提供一千亿美元资金的承诺。\n\n"
    "路透社记者：中方如何看待半导体出口管制？\n\n"
    "林晓峰：半导体产业链是全球化分工的产物。\n"
)


def test_a_matching_question_lifts_every_passage_of_its_answer_in_their_own_order():
    asked = "Did the new framework make you wait?"
    turn = dict(document="fed.txt", title="Press Conference", speech=1, paragraph=1)
    passages = [
        Passage(id="q", text=asked, speaker="Michael McKee", **turn),
        Passage(id="a1", text="No. Nothing in the framework made us wait.", speaker="Chair", question=asked, **turn),
        Passage(id="a2", text="What we said in the framework was…", speaker="Chair", question=asked, part=2, **turn),
        Passage(id="r", text="Next question, please.", speaker="Michelle Smith", **turn),
    ]
    asking = asking_rows(passages)
    assert asking.tolist() == [-1, 0, 0, -1]
    own = np.array([0.8, 0.5, 0.7, 0.75])
    # Both parts of the answer rank just above the question that matched, the better-matching part first.
    assert ranked(lift_answers(np.arange(4), own, asking), own, 4).tolist() == [2, 1, 0, 3]
    # A reporter's repeated question dropped as a duplicate leaves the spokesperson's own passage before the
    # answer: it asks nothing and lifts nothing.
    again = [passages[1], Passage(id="a3", text="Again, nothing to add.", speaker="Chair", question="Again?", **turn)]
    assert asking_rows(again).tolist() == [-1, -1]
    # A part that matches better than the question keeps its own score; only the other is lifted, below it.
    own = np.array([0.6, 0.9, 0.5, 0.55])
    assert ranked(lift_answers(np.arange(4), own, asking), own, 4).tolist() == [1, 2, 0, 3]


def test_a_matching_question_turn_puts_its_answer_first(tmp_path, fake_registered):
    from qa.reader import read_corpus
    from qa.settings import load_settings
    from qa.store import build_lock, timed_build

    from .conftest import write_corpus

    settings = load_settings(corpus_dir=write_corpus(tmp_path / "c", PRESS, "press.txt"), index_dir=tmp_path / "i")
    settings = settings.model_copy(update={"model": "fake-embedder"})
    with build_lock(settings.index_dir):
        timed_build(read_corpus(settings.corpus_dir), fake_registered, settings, settings.index_dir)
    found = searcher(settings, fake_registered).search("中方对日内瓦气候变化谈判有何期待", 2)
    # The reporter's question is worded most like the asker's; the spokesperson's reply comes first, then it.
    assert [r.source["speaker"] for r in found] == ["林晓峰", "总台央视记者"]
    assert "一千亿美元" in found[0].text and found[0].score > found[1].score


@pytest.mark.parametrize(
    ("question", "asks"),
    [
        ("Which president said Washington had to quit relief?", True),
        ("Which early president argued that being ready to fight keeps the peace?", True),
        ("Who said the era of big government is over?", True),
        ("哪位总统说过要向贫困宣战？", True),
        ("Which ally did Roosevelt credit with the most enemy losses?", False),
        ("Who did FDR say still had to be knocked out?", False),
        ("Who sat on the chiefs of staff that Roosevelt named?", False),
        ("What did Washington say about the militia?", False),
        ("谁负责巩义的物流园区？", False),
    ],
)
def test_a_question_asking_who_spoke_is_told_from_one_naming_its_speaker(question, asks):
    from qa.keywords import asks_who_spoke

    assert asks_who_spoke(question) is asks


def test_a_name_inside_a_question_asking_who_spoke_lifts_nobody(tmp_path, fake_registered):
    from qa.reader import read_corpus
    from qa.settings import load_settings
    from qa.store import build_lock, timed_build

    from .conftest import write_corpus

    corpus = write_corpus(
        tmp_path / "c",
        "---\nspeaker: George Washington\n---\nThe business of the militia must be well armed, and no relief is due.\n",
        "1790.txt",
    )
    write_corpus(
        corpus,
        "---\nspeaker: Franklin Roosevelt\n---\nThe Federal Government must and shall quit this business of relief.\n",
        "1935.txt",
    )
    settings = load_settings(corpus_dir=corpus, index_dir=tmp_path / "i")
    settings = settings.model_copy(update={"model": "fake-embedder", "dense_weight_en": 0.0})
    with build_lock(settings.index_dir):
        timed_build(read_corpus(settings.corpus_dir), fake_registered, settings, settings.index_dir)
    s = searcher(settings, fake_registered)
    # "Washington" is the federal government here, not the speaker: BM25 alone ranks, no boost for his speech.
    found = s.search("Which president said Washington must quit the business of relief?", 2)
    assert [r.source["speaker"] for r in found] == ["Franklin Roosevelt", "George Washington"]
    assert found[0].score == pytest.approx(1.0)
    # Naming him as the one who spoke still lifts his speech.
    found = s.search("What did Washington say about relief?", 2)
    assert found[0].source["speaker"] == "George Washington"
