"""The shared character and sentence rules (qa/textrules.py)."""

from qa.textrules import HAN_CHAR, WIDE_CHAR, ends_sentence, is_chinese_char, sentences, visible


def test_han_covers_extension_a_compatibility_and_extension_b():
    assert all(is_chinese_char(ch) for ch in "中㐀龥鿕豈𠀀")
    assert not HAN_CHAR.search("abc，。")
    assert WIDE_CHAR.match("，") and not WIDE_CHAR.match(",")


def test_sentence_ends_allow_closing_quotes():
    assert ends_sentence("他说：“好。”") and ends_sentence("Done.)") and not ends_sentence("and then,")


def test_invisible_characters_are_removed():
    assert visible("政\u200b府\ufeff工\u2060作\u200d报告") == "政府工作报告"


def test_one_splitter_for_chinese_and_english():
    assert sentences("一是稳增长；二是保就业。三呢？", "zh") == ["一是稳增长；", "二是保就业。", "三呢？"]
    assert sentences("Mr. Smith came. J. Doe left. Then U.S. troops arrived.", "en") == [
        "Mr. Smith came.",
        "J. Doe left.",
        "Then U.S. troops arrived.",
    ]
