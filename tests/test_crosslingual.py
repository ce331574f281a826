from qa.crosslingual import build_lexicon, is_english, translate


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
