import numpy as np

from qa import units as units_module
from qa.reader import read_corpus
from qa.units import UNIT_FILES, Units, build_units, load_units, save_units, shared_weight, unit_spans, unit_text

from .conftest import DIM, write_corpus


def texts(text, language):
    return [text[s:e] for s, e in unit_spans(text, language)]


def test_units_are_sentences_with_short_ones_joined_to_the_next_and_never_cross_a_paragraph():
    text = "Thank you. We will build a wall of peace, and it shall stand for ever. Yes.\nNext paragraph is here now."
    assert texts(text, "en") == [
        "Thank you. We will build a wall of peace, and it shall stand for ever. Yes.",
        "Next paragraph is here now.",
    ]
    zh = "我们要建设十个湿地公园，让市民亲近自然。谢谢大家。今年还要新建三个农业产业园区。"
    assert texts(zh, "zh") == ["我们要建设十个湿地公园，让市民亲近自然。", "谢谢大家。今年还要新建三个农业产业园区。"]


def test_spans_point_into_the_passage_text_and_cover_text_without_a_sentence_end():
    text = "  A line with no full stop at all, as transcripts often have"
    assert texts(text, "en") == ["A line with no full stop at all, as transcripts often have"]
    assert unit_spans("", "en") == [(0, 0)]


def test_best_unit_per_passage_is_its_highest_scoring_unit():
    vectors = np.eye(4, dtype=np.float32)[[0, 1, 2, 3, 1]]  # passage 0: units 0-1, passage 1: 2, passage 2: 3-4
    units = Units(np.array([0, 2, 3, 5]), np.zeros((5, 2), np.int32), vectors)
    query = np.array([0.1, 0.9, 0.5, 0.0], np.float32)
    best, unit = units.best(np.array([2, 0]), query)
    np.testing.assert_allclose(best, [0.9, 0.9])
    assert unit.tolist() == [4, 1]
    best, unit = units.best(np.array([1]), query)
    assert unit.tolist() == [2] and np.isclose(best[0], 0.5)


def test_a_passage_keyword_score_is_the_most_of_the_question_one_of_its_units_holds():
    text = "湿地公园很多。农业产业园也多。湿地公园和农业产业园都在东湖。"
    spans = np.array([(0, 7), (7, 15), (15, 31)], np.int32)
    units = Units(np.array([0, 2, 3]), spans, np.zeros((3, 2), np.float32))  # passage 0: units 0-1, passage 1: 2
    weights = {"湿地公园": 2.0, "农业": 1.0, "东湖": 0.5}
    held = units.keyword(np.array([1, 0]), lambda row: text, weights)
    np.testing.assert_allclose(held, [3.5, 2.0])  # passage 0's units hold 湿地公园 and 农业 apart, never together
    assert units.keyword(np.array([0]), lambda row: text, {}).tolist() == [0.0]
    assert units.keyword(np.array([0]), lambda row: text, {"": 1.0}).tolist() == [0.0]  # no empty term holds


def test_keyword_counts_a_term_inside_another_and_none_outside_every_unit():
    first, second = "we build the state. ", "a statement of"
    text = first + second + " trailing words outside"
    end = len(first) + len(second)
    spans = np.array([(0, len(first) - 1), (len(first), end), (0, 5)], np.int32)
    units = Units(np.array([0, 2, 3]), spans, np.zeros((3, 2), np.float32))
    weights = {"state": 1.0, "statement": 2.0, "trailing": 4.0, "we": 0.25}
    held = units.keyword(np.array([0, 1]), lambda row: text if row == 0 else "we st", weights)
    # "state" also lies inside "statement" (substrings, as Chinese words are matched); "trailing" is past the last
    # unit of passage 0; passage 1's one unit holds "we" only, although its text runs on into the next.
    np.testing.assert_allclose(held, [3.0, 0.25])


def test_a_passage_without_units_scores_none_and_names_no_unit():
    units = Units(np.array([0, 1, 1, 2]), np.array([(0, 4), (0, 4)], np.int32), np.eye(2, dtype=np.float32))
    best, unit = units.best(np.array([1, 2, 0]), np.array([0.25, 0.5], np.float32))
    assert unit.tolist() == [-1, 1, 0] and best[0] == -np.inf and best[1:].tolist() == [0.5, 0.25]
    assert units.keyword(np.array([1, 0]), lambda row: "word", {"word": 1.0}).tolist() == [0.0, 1.0]
    assert units.keyword(np.array([1]), lambda row: "word", {"word": 1.0}).tolist() == [0.0]


def test_shared_weight_adds_the_weights_of_the_terms_found():
    assert shared_weight("we fund the future energy fund", {"fund": 1.5, "energi": 2.0, "futur": 0.5}) == 2.0


def test_unit_vectors_fill_a_float16_file_a_chunk_at_a_time_and_are_moved_into_the_build(
    tmp_path, fake_registered, monkeypatch
):
    passages = read_corpus(write_corpus(tmp_path / "corpus")).passages
    monkeypatch.setattr(units_module, "UNIT_CHUNK", 2)
    calls: list[list[str]] = []

    def encode(texts):
        calls.append(texts)
        return fake_registered.encode(texts)

    (tmp_path / "scratch").mkdir()
    into = tmp_path / "scratch" / UNIT_FILES[2]
    units = build_units(passages, lambda i: None, encode, DIM, into)
    expected = [unit_text(p, span) for p in passages for span in unit_spans(p.text, p.language)]
    assert isinstance(units.vectors, np.memmap) and units.vectors.dtype == np.float16 and into.exists()
    assert [t for call in calls for t in call] == expected and len(calls) > 1  # in order, in several calls
    longest = int(np.diff(units.starts).max())
    assert max(len(call) for call in calls) <= 2 + longest - 1  # a call stops at the chunk, passages whole
    wanted = fake_registered.encode(expected).astype(np.float16)
    np.testing.assert_array_equal(units.vectors, wanted)

    folder = tmp_path / "build"
    folder.mkdir()
    assert save_units(units, folder) == list(UNIT_FILES)
    assert not into.exists()  # moved, not copied
    loaded = load_units(folder)
    assert loaded.fits(len(passages)) and loaded.vectors.dtype == np.float16
    np.testing.assert_array_equal(loaded.vectors, wanted)
    np.testing.assert_array_equal(units.vectors, wanted)  # the build's map still reads the moved file

    calls.clear()
    reused = build_units(
        passages, lambda i: loaded.vectors[loaded.starts[i] : loaded.starts[i + 1]] if i else None, encode, DIM
    )
    assert [t for call in calls for t in call] == expected[: loaded.starts[1]]  # only passage 0 is embedded again
    np.testing.assert_array_equal(reused.vectors, wanted)
    (tmp_path / "memory").mkdir()
    save_units(reused, tmp_path / "memory")  # in memory (no file named): written, same figures
    np.testing.assert_array_equal(load_units(tmp_path / "memory").vectors, wanted)
    resident = load_units(folder, resident_bytes=wanted.size * 4)  # a server's: read into memory as float32
    assert resident.vectors.dtype == np.float32 and not isinstance(resident.vectors, np.memmap)
    np.testing.assert_array_equal(resident.vectors, wanted.astype(np.float32))
    assert isinstance(load_units(folder, resident_bytes=wanted.size * 4 - 1).vectors, np.memmap)
