import json
import mmap
import os
import re
import tracemalloc

import numpy as np
import pytest

from qa import store
from qa.engines.base import Query, Terms
from qa.keywords import BM25, MATRIX_FILES, SHAPE_FILE, VOCAB_FILE, Tokenizer, learn_words
from qa.reader import read_corpus
from qa.settings import load_settings
from qa.store import BuildLocked, IndexProblem, build_lock, current_folder, load_index, timed_build
from qa.units import UNIT_FILES

from .conftest import FAKE, REPO, SPEECHES, write_corpus


def test_tokenizer_keeps_corpus_names_whole():
    corpus_passages = read_corpus(write_corpus_tmp()).passages
    words = learn_words(corpus_passages)
    assert {"李明", "东湖区", "东湖", "西山县", "西山", "湖城共生"} <= set(words)
    tokens = Tokenizer(words).tokens("东湖区的李明说了什么？")
    assert "李明" in tokens and "东湖区" in tokens
    assert "什么" not in tokens and "的" not in tokens


def write_corpus_tmp():
    import tempfile
    from pathlib import Path

    return write_corpus(Path(tempfile.mkdtemp()) / "c")


def test_speakers_are_found_by_name_place_or_title():
    from qa.keywords import speaker_names

    names = speaker_names(read_corpus(write_corpus_tmp()).passages)
    assert names["李明"] == names["东湖区"] == names["东湖"] == names["李书记"] == {"李明"}
    assert names["王县长"] == names["西山"] == {"王芳"}


def test_counted_things_match_across_question_and_text():
    tok = Tokenizer()
    assert "#届" in tok.tokens("市委十一届十三次全会")
    assert "#届" in tok.tokens("这次全会是第几届？", query=True)


def test_english_words_are_stemmed_in_c_as_snowballs_python_stems_them():
    """PyStemmer (Snowball in C, ~20x faster) does the stemming; its stems are those of snowballstemmer's own
    Python, which indexes built before it hold."""
    import Stemmer
    from snowballstemmer.english_stemmer import EnglishStemmer

    from qa.keywords import _stemmer, stem

    assert isinstance(_stemmer(), Stemmer.Stemmer)
    words = sorted({w.lower() for w in re.findall(r"[A-Za-z]+", (REPO / "README.md").read_text(encoding="utf-8"))})
    words += [w + suffix for w in words[:300] for suffix in ("s", "ing", "ed", "'s", "ly")]
    python = EnglishStemmer()
    assert len(words) > 2_000 and [stem(w) for w in words] == [python.stemWord(w) for w in words]


def test_bm25_ranks_and_round_trips(tmp_path):
    docs = [["湿地", "公园"], ["农业", "产业园"], ["湿地", "湿地", "治理"]]
    bm = BM25.build(docs, k1=1.2, b=0.75)
    scores = bm.scores(["湿地"])
    assert scores[1] == 0 and scores[2] > scores[0] > 0
    assert bm.save(tmp_path) == [*MATRIX_FILES.values(), SHAPE_FILE, VOCAB_FILE]
    again = BM25.load(tmp_path)
    assert again.vocab == bm.vocab and again.matrix.shape == bm.matrix.shape
    for tokens in (["湿地"], ["湿地", "农业"], ["湿地", "湿地", "治理", "公园"], ["未知词"]):
        np.testing.assert_array_equal(again.scores(tokens), bm.scores(tokens))  # identical, not merely close
        assert [again.max_weight(t) for t in tokens] == [bm.max_weight(t) for t in tokens]
    assert bm.scores(["未知词"]).sum() == 0


@pytest.mark.parametrize("docs", [[], [[]], [["湿地"]]])
def test_bm25_of_no_terms_round_trips(tmp_path, docs):
    bm = BM25.build(docs, k1=1.2, b=0.75)
    bm.save(tmp_path)
    again = BM25.load(tmp_path)
    assert again.matrix.shape == bm.matrix.shape and again.vocab == bm.vocab
    np.testing.assert_array_equal(again.scores(["湿地"]), bm.scores(["湿地"]))


def memory_mapped(array) -> bool:
    """Whether the array's memory is a file mapping (np.memmap or the mmap under it), however many views deep."""
    while array is not None:
        if isinstance(array, np.memmap | mmap.mmap):
            return True
        array = getattr(array, "base", None)
    return False


def test_loaded_bm25_is_memory_mapped_and_searching_it_copies_nothing(tmp_path):
    """A server maps the matrix read-only (page cache, shared, not private RAM): loading must not copy it, and
    neither may scoring, max weights or Terms; as the map is read-only, none of them can write into it either."""
    rng = np.random.default_rng(0)
    docs = [[f"t{j}" for j in rng.integers(0, 400, 60)] for _ in range(3000)]
    bm = BM25.build(docs, k1=1.2, b=0.75)
    bm.save(tmp_path)
    tracemalloc.start()
    try:
        again = BM25.load(tmp_path)
        loading = tracemalloc.get_traced_memory()[1]
        m = again.matrix
        assert m.nnz > 100_000 and loading < m.data.nbytes / 4
        for part in ("data", "indices", "indptr"):
            array = getattr(m, part)
            assert memory_mapped(array) and not array.flags.writeable, part
            assert array.dtype == getattr(bm.matrix, part).dtype, part
        tracemalloc.reset_peak()
        tokens = ["t1", "t7", "t7", "t399", "未知词"]
        scores = again.scores(tokens)
        columns, counts = Terms.from_matrix(m, again.vocab).query(tokens)
        keyword = np.asarray(m[:, columns] @ counts, dtype=np.float32).ravel()  # FaissEngine.keyword_scores
        terms = Terms.from_matrix(m, again.vocab)
        weights = [again.max_weight(t) for t in tokens]
        assert tracemalloc.get_traced_memory()[1] < m.data.nbytes / 4  # a copy of the weights would be 4x this
    finally:
        tracemalloc.stop()
    np.testing.assert_array_equal(scores, bm.scores(tokens))
    np.testing.assert_array_equal(keyword, scores)
    np.testing.assert_array_equal(terms.max_weights, Terms.from_matrix(bm.matrix, bm.vocab).max_weights)
    assert weights == [bm.max_weight(t) for t in tokens] and weights[0] > 0


def test_round_trip_and_manifest(shared_built):
    index = load_index(shared_built.index_dir, shared_built)
    m = index.manifest
    assert m["model"] == FAKE and m["dimension"] == 64 and m["format_version"] == store.FORMAT_VERSION
    assert m["counts"] == {"documents": 1, "speeches": 2, "passages": 4}
    assert len(m["corpus_fingerprint"]) == 64 and m["built_at"] and m["versions"]["faiss-cpu"]
    assert index.passages[1].speaker == "李明"
    assert index.engine.size == len(index.passages) == 4 and index.backend == "faiss"
    assert not list(shared_built.index_dir.glob("**/*.pkl"))
    assert {*MATRIX_FILES.values(), SHAPE_FILE, VOCAB_FILE} <= set(m["files"]) and "bm25.npz" not in m["files"]


def test_served_index_maps_its_bm25_matrix(shared_built):
    index = load_index(shared_built.index_dir, shared_built)
    matrix = index.engine.bm25.matrix
    assert all(memory_mapped(getattr(matrix, part)) for part in ("data", "indices", "indptr"))
    columns, counts = index.terms.query(index.tokenizer.tokens("东湖区的湿地公园", query=True))
    scores = index.engine.keyword_scores(Query(np.zeros(index.engine.dimension, np.float32), columns, counts))
    assert columns.size and scores.shape == (4,) and scores.max() > 0
    assert np.array_equal(index.terms.max_weights, np.asarray(matrix.max(axis=0).toarray().ravel(), np.float32))


def test_unchanged_rebuild_reuses_every_embedding(built, fake_registered):
    corpus = read_corpus(built.corpus_dir)
    fake_registered.calls = 0
    with build_lock(built.index_dir):
        stats = timed_build(corpus, fake_registered, built, built.index_dir)
    assert (stats.reused, stats.embedded, fake_registered.calls) == (4, 0, 0)
    write_corpus(built.corpus_dir, SPEECHES + "\n东湖区还将建设五个口袋公园。\n")
    with build_lock(built.index_dir):
        stats = timed_build(read_corpus(built.corpus_dir), fake_registered, built, built.index_dir)
    assert (stats.reused, stats.embedded) == (4, 1)  # only the new paragraph is embedded


def test_failed_build_leaves_previous_index_whole(built, fake_registered, monkeypatch):
    before = current_folder(built.index_dir)

    def explode(index, folder):
        folder.mkdir(parents=True)
        (folder / "passages.jsonl").write_text("half")
        raise OSError("disk full")

    monkeypatch.setattr(store, "_write_folder", explode)
    with pytest.raises(OSError), build_lock(built.index_dir):
        timed_build(read_corpus(built.corpus_dir), fake_registered, built, built.index_dir)
    assert current_folder(built.index_dir) == before
    assert len(load_index(built.index_dir, built).passages) == 4


def test_publish_keeps_two_builds(built, fake_registered):
    for _ in range(3):
        with build_lock(built.index_dir):
            timed_build(read_corpus(built.corpus_dir), fake_registered, built, built.index_dir)
    assert len(list((built.index_dir / "builds").iterdir())) == 2


def test_second_build_is_refused_while_one_runs(built):
    with build_lock(built.index_dir), pytest.raises(BuildLocked, match="another qa build"), build_lock(built.index_dir):
        pass


def test_no_index_yet(tmp_path):
    with pytest.raises(IndexProblem, match="qa build"):
        load_index(tmp_path / "none", load_settings(model=FAKE))


def test_other_model_or_format_says_rebuild(built):
    with pytest.raises(IndexProblem, match=r"built with model 'fake-embedder'.*qa build"):
        load_index(built.index_dir, load_settings(model="m3e-small"))
    manifest_path = current_folder(built.index_dir) / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["format_version"] = 999
    manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(IndexProblem, match=r"format 999.*qa build"):
        load_index(built.index_dir, built)


@pytest.mark.parametrize(
    "name", ["passages.jsonl", "dense.faiss", *MATRIX_FILES.values(), SHAPE_FILE, VOCAB_FILE, "words.txt"]
)
def test_truncated_or_corrupt_files_are_named(built, name):
    path = current_folder(built.index_dir) / name
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(IndexProblem, match=rf"{name}.*qa build"):
        load_index(built.index_dir, built)
    path.write_bytes(bytes(len(data)))  # same size, wrong bytes
    with pytest.raises(IndexProblem, match=rf"{name} is corrupt"):
        load_index(built.index_dir, built)


def test_killed_build_leftovers_are_cleaned(built, fake_registered):
    leftover = built.index_dir / "builds" / ".tmp-20000101T000000000000Z"
    leftover.mkdir()
    with build_lock(built.index_dir):
        timed_build(read_corpus(built.corpus_dir), fake_registered, built, built.index_dir)
    assert not leftover.exists()
    assert os.path.islink(built.index_dir / "current")


def test_finished_but_unpublished_build_does_not_evict_the_served_one(built, fake_registered):
    served = current_folder(built.index_dir)
    orphan = built.index_dir / "builds" / "29991231T000000000000Z"  # newer name than any real build
    orphan.mkdir()
    with build_lock(built.index_dir):
        timed_build(read_corpus(built.corpus_dir), fake_registered, built, built.index_dir)
    assert served.exists() and not orphan.exists()


def test_loaded_passages_share_the_strings_a_document_repeats(tmp_path, fake_registered):
    settings = load_settings(model=FAKE, corpus_dir=write_corpus(tmp_path / "corpus"), index_dir=tmp_path / "index")
    with build_lock(settings.index_dir):
        timed_build(read_corpus(settings.corpus_dir), fake_registered, settings, settings.index_dir)
    passages, _ = store.read_passages(current_folder(settings.index_dir))
    same_document = [p for p in passages if p.document == passages[-1].document]
    assert len(same_document) >= 2
    first, second = same_document[:2]
    assert first.document is second.document and first.title is second.title
    assert first.text is not second.text
    assert not hasattr(first, "__dict__")  # slots: no dict a passage


def test_a_build_publishes_its_unit_vectors_and_leaves_no_scratch_file(built, fake_registered):
    folder = current_folder(built.index_dir)
    manifest = json.loads((folder / "manifest.json").read_text())
    assert set(UNIT_FILES) <= set(manifest["files"]) and set(UNIT_FILES) <= set(manifest["cache"])
    assert manifest["units"]["count"] == len(np.load(folder / UNIT_FILES[1])) >= manifest["counts"]["passages"]
    assert np.load(folder / UNIT_FILES[2], mmap_mode="r").dtype == np.float16
    assert not [p for p in (built.index_dir / "builds").iterdir() if p.name.startswith(".tmp-")]


def test_a_build_failing_while_embedding_units_removes_its_scratch_file(built, fake_registered, monkeypatch):
    def explode(passages, reuse, encode, dimension, into):
        np.save(into, np.zeros((3, dimension), np.float16))
        raise OSError("disk full")

    monkeypatch.setattr(store, "build_units", explode)
    with pytest.raises(OSError, match="disk full"), build_lock(built.index_dir):
        timed_build(read_corpus(built.corpus_dir), fake_registered, built, built.index_dir)
    assert [p.name for p in (built.index_dir / "builds").iterdir()] == [current_folder(built.index_dir).name]
