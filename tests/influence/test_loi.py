"""Estimator properties of nestlab.influence.loi (Chen et al., Sec. 3)."""

import numpy as np
import pytest
from scipy.special import digamma, rel_entr

from nestlab.influence.loi import ESTIMATORS, bin_index, knn_loi, loi, loi_all, permutation_null


def _reference_plugin(block):
    """The estimator written out literally with np.histogram, as described in the spec."""
    pooled, _ = np.histogram(block.ravel(), bins=50, range=(0, 100))
    p = pooled / pooled.sum()
    kls = []
    for row in block:
        h, _ = np.histogram(row, bins=50, range=(0, 100))
        kls.append(np.sum(rel_entr(h / h.sum(), p)))
    return np.mean(kls)


def test_bin_index_matches_numpy_histogram_including_edges():
    rng = np.random.default_rng(3)
    x = np.concatenate([rng.uniform(-5, 105, 20000), np.linspace(0, 100, 5001),
                        [0.0, 100.0, np.nextafter(100, 200), np.nextafter(0, -1), 2.0, 98.0]])
    idx = bin_index(x)
    counts = np.bincount(idx[idx >= 0], minlength=50)
    ref, _ = np.histogram(x, bins=50, range=(0, 100))
    np.testing.assert_array_equal(counts, ref)
    assert (idx < 0).sum() == x.size - ref.sum()


def test_paper_estimator_equals_literal_reference_per_block():
    rng = np.random.default_rng(4)
    blocks = rng.normal(50, 30, size=(7, 9, 6))  # some values fall outside [0, 100]
    est = loi(blocks)
    ref = np.array([_reference_plugin(b) for b in blocks])
    np.testing.assert_allclose(est.per_block, ref, rtol=0, atol=1e-12)
    assert est.n_dropped == int(((blocks < 0) | (blocks > 100)).sum()) > 0
    assert est.n_values == blocks.size
    assert est.value == pytest.approx(ref.mean(), abs=1e-12)


def test_disjoint_rows_give_ln9_with_plugin():
    block = np.repeat(np.arange(9)[:, None] * 10.0 + 5.0, 6, axis=1)
    block = block + np.linspace(0, 1, 6)[None, :]  # same bin within a row, rows in different bins
    assert loi(block).value == pytest.approx(np.log(9), abs=1e-12)


def test_identical_rows_give_zero_plugin():
    row = np.array([10.0, 20.0, 33.0, 47.0, 51.0, 90.0])
    block = np.tile(row, (9, 1))
    assert loi(block).value == pytest.approx(0.0, abs=1e-12)


@pytest.fixture(scope="module")
def independent_blocks():
    """Returns that do not depend on the Bob: rows drawn from one distribution."""
    return np.random.default_rng(5).normal(50, 8, size=(300, 9, 6))


def test_plugin_is_biased_when_returns_do_not_depend_on_bob(independent_blocks):
    assert loi(independent_blocks).value > 0.7


def test_null_corrected_is_zero_without_influence(independent_blocks):
    est = loi(independent_blocks, estimator="null_corrected", n_permutations=100, seed=1)
    assert abs(est.value) < 0.01
    assert est.null_mean > 0.7
    assert 0.05 < est.p_value <= 1.0


def test_knn_is_zero_without_influence(independent_blocks):
    assert abs(loi(independent_blocks, estimator="knn").value) < 0.05


def test_miller_madow_reduces_bias_and_is_zero_when_well_sampled(independent_blocks):
    plug = loi(independent_blocks).value
    mm = loi(independent_blocks, estimator="miller_madow").value
    assert 0 < mm < plug
    # enough samples per occupied bin: the first-order correction is accurate
    rng = np.random.default_rng(6)
    discrete = rng.choice([11.0, 51.0, 91.0], size=(200, 9, 200))
    assert abs(loi(discrete, estimator="miller_madow").value) < 0.003
    assert loi(discrete).value > loi(discrete, estimator="miller_madow").value


def test_bias_corrected_estimators_detect_real_influence():
    rng = np.random.default_rng(7)
    means = np.linspace(20, 80, 9)[:, None]
    blocks = rng.normal(means, 4.0, size=(20, 9, 6))
    assert loi(blocks, estimator="null_corrected", n_permutations=50).p_value < 0.05
    assert loi(blocks, estimator="null_corrected", n_permutations=50).value > 0.3
    assert loi(blocks, estimator="knn").value > 1.0


def test_knn_disjoint_rows_value():
    block = np.arange(9)[:, None] * 100.0 + np.linspace(0, 5, 6)[None, :]
    expected = digamma(54) - digamma(6)  # psi(N) + psi(k) - psi(N_j) - psi(k)
    assert knn_loi(block, k=3) == pytest.approx(expected, abs=1e-9)


def test_permutation_null_is_seeded_and_shaped():
    blocks = np.random.default_rng(8).uniform(0, 100, size=(2, 3, 9, 6))
    a = permutation_null(blocks, n_permutations=11, seed=2)
    b = permutation_null(blocks, n_permutations=11, seed=2)
    c = permutation_null(blocks, n_permutations=11, seed=3)
    assert a.shape == (11, 2, 3)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_loi_all_returns_every_estimator():
    blocks = np.random.default_rng(9).uniform(0, 100, size=(3, 9, 6))
    out = loi_all(blocks, n_permutations=20)
    assert set(out) == set(ESTIMATORS)
    assert out["null_corrected"].p_value is not None


@pytest.mark.parametrize("bad, match", [
    (np.zeros(6), "n_bobs, n_episodes"),
    (np.zeros((1, 6)), "n_bobs"),
    (np.zeros((9, 0)), "n_episodes"),
    (np.full((9, 6), np.nan), "not finite"),
])
def test_shape_validation_names_axes(bad, match):
    with pytest.raises(ValueError, match=match):
        loi(bad)


def test_unknown_estimator_lists_choices():
    with pytest.raises(ValueError, match="miller_madow"):
        loi(np.zeros((9, 6)), estimator="plugin")


def test_knn_needs_more_episodes_than_k():
    with pytest.raises(ValueError, match="n_episodes"):
        loi(np.zeros((9, 3)), estimator="knn", k=3)
