"""The FAISS dense index: exact below the threshold, an inverted file above it, filters that never lose rows."""

from __future__ import annotations

import numpy as np
import pytest

from qa.engines.faiss import DenseIndex, auto_lists


def unit_vectors(n: int, dim: int = 16, seed: int = 0) -> np.ndarray:
    v = np.random.default_rng(seed).standard_normal((n, dim)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def exact_top(vectors, query, k, rows=None):
    rows = np.arange(len(vectors)) if rows is None else np.asarray(rows)
    scores = vectors[rows] @ query
    return rows[np.argsort(-scores, kind="stable")[:k]]


def test_auto_lists_follow_four_root_n_as_powers_of_two():
    assert [auto_lists(n) for n in (1, 50_000, 100_000, 1_000_000)] == [4, 1024, 1024, 4096]


def test_exact_below_threshold_inverted_file_above():
    v = unit_vectors(2_000)
    assert DenseIndex.build(v, 2_001, 0, 8).kind == "flat"
    ivf = DenseIndex.build(v, 2_000, 0, 8)
    # Lists are capped so k-means keeps enough points per list at small sizes.
    assert ivf.kind == "ivf" and ivf.lists == 2_000 // 39 and ivf.index.nprobe == 8


def test_probing_every_list_is_exact_search():
    v, queries = unit_vectors(3_000), unit_vectors(20, seed=1)
    ivf = DenseIndex.build(v, 1, 32, 32)
    for q in queries:
        ids, scores = ivf.search(q, 10)
        assert list(ids) == list(exact_top(v, q, 10))
        assert np.allclose(scores, v[ids] @ q, atol=1e-3)  # float16 codes


def test_few_probes_still_find_a_stored_vector():
    v = unit_vectors(3_000)
    ivf = DenseIndex.build(v, 1, 64, 4)
    hits = sum(ivf.search(v[i], 1)[0][0] == i for i in range(0, 3_000, 30))
    assert hits == 100  # a vector always lies in its own list, which the first probe visits


@pytest.mark.parametrize("allowed_rows", [7, 2_500])  # fewer rows than one probe reads, and more
def test_filtered_search_returns_only_allowed_rows_and_the_best_of_them(allowed_rows):
    v, queries = unit_vectors(3_000), unit_vectors(10, seed=2)
    ivf = DenseIndex.build(v, 1, 64, 64)  # every list probed: the filtered answer must be exact
    allowed = np.sort(np.random.default_rng(3).choice(3_000, allowed_rows, replace=False))
    for q in queries:
        ids, scores = ivf.search(q, 5, allowed)
        assert set(ids) <= set(allowed) and len(ids) == 5
        assert list(ids) == list(exact_top(v, q, 5, allowed))
        assert np.all(np.diff(scores) <= 0)


def test_a_small_filter_is_scored_exactly_even_when_its_rows_sit_in_unprobed_lists():
    v = unit_vectors(3_000)
    ivf = DenseIndex.build(v, 1, 64, 1)
    q = v[0]
    far = np.argsort(v @ q)[:5]  # the five rows least like the query: not in the one probed list
    ids, _ = ivf.search(q, 3, far)
    assert list(ids) == list(exact_top(v, q, 3, far))


def test_saved_index_loads_with_its_kind_and_probes_and_scores_with_the_stored_vectors(tmp_path):
    v = unit_vectors(2_000)
    DenseIndex.build(v, 1, 16, 4).save(tmp_path)
    loaded = DenseIndex.load(tmp_path, 9, v)
    assert loaded.kind == "ivf" and loaded.lists == 16 and loaded.index.nprobe == 9
    # The inverted file holds float16 codes; candidates are scored with the float32 vectors themselves.
    assert np.array_equal(loaded.vectors([5, 1_999, 0]), v[[5, 1_999, 0]])
    ids, approximate = loaded.search(v[5], 3)
    exact = v[ids] @ v[5]
    assert not np.array_equal(approximate, exact) and np.allclose(approximate, exact, atol=1e-3)
