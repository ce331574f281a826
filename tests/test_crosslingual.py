import dataclasses
from collections import Counter

import pytest

from qa.crosslingual import build_lexicon, chinese_names, is_english, translate, translate_chinese
from qa.keywords import stem
from qa.reader import read_corpus
from qa.retrieval import Asked, Searcher
from qa.store import build_lock, load_index, timed_build
from qa.textrules import is_chinese_char

from .conftest import FAKE, FakeEmbedder, clean_settings, write_corpus


def test_lexicon_maps_english_and_pinyin_to_corpus_words():
    lexicon = build_lexicon({"生态", "物流", "巩义", "一带一路", "环境"}, ["巩义市", "张俊峰"])
    assert "生态" in lexicon["ecology"]
    assert "物流" in lexicon["logistics"]
    assert "巩义" in lexicon["gongyi"] and "巩义市" in lexicon["gongyishi"]
    assert lexicon["zhangjunfeng"] == ["张俊峰"]
    assert "一带一路" in lexicon["belt and road initiative"]
    assert not any("发展" in terms for terms in lexicon.values()), "only the corpus's own words"


def test_translate_prefers_phrases_and_skips_function_words():
    lexicon = {"ecology": ["生态"], "belt and road": ["一带一路"], "road": ["道路"], "gongyi": ["巩义"]}
    assert translate("What does Gongyi say about ecology?", lexicon) == "巩义 生态"
    assert translate("the Belt and Road", lexicon) == "一带一路"
    assert translate("nothing known here", lexicon) == "nothing known here"


def test_names_written_in_two_words_find_their_speaker():
    lexicon = {"niu": ["牛"], "niuruihua": ["牛瑞华"], "zhengdong": ["郑东"]}
    assert translate("How did Niu Ruihua of Zhengdong sum up the year?", lexicon) == "牛瑞华 郑东"


def test_language_detection():
    assert is_english("How will Erqi District improve?")
    assert not is_english("二七区如何改善生态？")
    assert not is_english("二七区的GDP是多少")


def test_chinese_headwords_map_to_the_corpus_english_words():
    vocabulary = {"roosevelt", "bank", "open", "door", "wong", "flat", "hdb", "public"}
    lexicon = build_lexicon(vocabulary, ["Franklin D. Roosevelt", "Roosevelt"], english=True)
    assert "Roosevelt" in lexicon["罗斯福"], "a name keeps its capital, to name the speaker"
    assert lexicon["银行"] == ["bank"]
    assert {"HDB", "flats"} <= set(lexicon["组屋"]), "inflected glosses are matched through the stemmer"
    assert "王菲" not in lexicon, "Faye Wong is no speaker Wong: a name is the corpus's whole or not at all"
    english = [t for key, terms in lexicon.items() if is_chinese_char(key[0]) for t in terms]
    assert english and {stem(t.lower()) for t in english} <= vocabulary, "only the corpus's own words"


def test_the_english_keys_stay_as_they_were():
    vocabulary = {"生态", "物流", "巩义", "economi", "bank", "cos", "word"}
    chinese_only = build_lexicon(vocabulary, ["巩义市"])
    both = build_lexicon(vocabulary, ["巩义市"], english=True)
    assert {k: v for k, v in both.items() if not is_chinese_char(k[0])} == chinese_only
    assert not any(is_chinese_char(k[0]) for k in chinese_only), "a Chinese corpus gets no Chinese keys"


def test_translate_chinese_gives_the_english_words_of_known_words():
    lexicon = {"罗斯福": ["Roosevelt"], "银行": ["bank"], "开门": ["open", "door"], "bank": ["银行"]}
    assert translate_chinese(["罗斯福", "银行", "什么", "开门", "bank"], lexicon) == "Roosevelt bank open door"
    assert translate_chinese(["什么", "时候"], lexicon) == ""


def test_chinese_names_are_those_of_speakers():
    lexicon = {"罗斯福": ["Roosevelt", "Theodore"], "银行": ["bank"], "roosevelt": ["罗斯福"]}
    assert chinese_names(lexicon, ["Roosevelt", "Franklin D. Roosevelt", "bank"]) == {"罗斯福": "Roosevelt"}


CHATS = {
    "roosevelt.txt": "---\nspeaker: Franklin D. Roosevelt\ndate: 1933-03-12\n---\n"
    "The banks will open again on Monday morning in the twelve reserve cities.\n\n"
    "We shall plant a belt of trees across the plains to hold the soil.\n",
    "lincoln.txt": "---\nspeaker: Abraham Lincoln\ndate: 1863-11-19\n---\n"
    "The union of these states is older than the constitution.\n\n"
    "The river rose over its banks and the farms were lost to the flood.\n",
}
BANKS_QUESTION = "罗斯福说银行什么时候重新开门？"


@pytest.fixture(scope="module")
def english_index(tmp_path_factory):
    """Two English speakers' speeches indexed once with the fake embedder (FAISS)."""
    root = tmp_path_factory.mktemp("english")
    for name, text in CHATS.items():
        write_corpus(root / "corpus", text, name)
    embedder = FakeEmbedder()
    settings = clean_settings(corpus_dir=root / "corpus", index_dir=root / "index", model=FAKE)
    with build_lock(settings.index_dir):
        timed_build(read_corpus(settings.corpus_dir), embedder, settings, settings.index_dir)
    return load_index(settings.index_dir, settings), embedder, settings


def test_a_chinese_question_is_searched_with_the_corpus_english_words(english_index):
    index, embedder, settings = english_index
    searcher = Searcher(index, embedder, settings)
    asked = searcher.asked(BANKS_QUESTION)
    assert asked.text == BANKS_QUESTION, "the model reads the question as asked"
    assert {"Roosevelt", "bank", "open"} <= set(asked.keywords.split()) and asked.keywords.startswith(BANKS_QUESTION)
    assert asked.dense_share == settings.dense_weight_translated
    # The question is cut once: its tokens and its gloss words' are those of the keywords cut whole.
    assert Counter(asked.terms) == Counter(index.tokenizer.split(asked.keywords, query=True))
    searcher.languages = {"zh", "en"}  # with Chinese speeches too, BM25 of the question's own words counts
    assert searcher.asked(BANKS_QUESTION).dense_share is None
    # The fake model cannot read Chinese: with the dense share at 0 the English words alone find the passage.
    by_words = Searcher(index, embedder, settings.model_copy(update={"dense_weight_translated": 0.0}))
    top = by_words.search(BANKS_QUESTION, 1)[0]
    assert top.source["speaker"] == "Franklin D. Roosevelt" and "banks will open" in top.text
    assert "banks" in [top.text[a:b] for a, b in top.highlights], "its English words are what lights up"


def test_a_chinese_name_boosts_its_english_speaker(english_index):
    index, embedder, settings = english_index
    searcher = Searcher(index, embedder, settings.model_copy(update={"dense_weight_translated": 0.0}))
    assert searcher._speakers_of["罗斯福"] == {"Franklin D. Roosevelt"}
    assert searcher._speakers_of["林肯"] == {"Abraham Lincoln"}
    # Both speakers speak of banks: the name the question gives in Chinese decides.
    assert searcher.search("林肯讲到的银行", 1)[0].source["speaker"] == "Abraham Lincoln"
    assert searcher.search("罗斯福讲到的银行", 1)[0].source["speaker"] == "Franklin D. Roosevelt"


def test_an_index_built_before_the_chinese_keys_searches_as_before(english_index):
    index, embedder, settings = english_index
    old = dataclasses.replace(index, lexicon={k: v for k, v in index.lexicon.items() if not is_chinese_char(k[0])})
    searcher = Searcher(old, embedder, settings)
    assert searcher.asked(BANKS_QUESTION) == Asked(BANKS_QUESTION, BANKS_QUESTION, None)
    assert "罗斯福" not in searcher.names
