"""The LoI-guided allocation rule, budget-equal allocations and the comparison protocols."""

import numpy as np
import pytest

from nestlab.influence import allocation as al


def test_rule_basic_and_budget():
    a = al.allocate_by_loi([1.29, 1.36, 1.44, 1.23])  # Chicken, arXiv
    assert a == ("PP3", "PP3", "PP5", "SP")
    assert al.budget(a) == 12


def test_equal_loi_gives_uniform():
    assert al.allocate_by_loi([1.0, 1.0, 1.0, 1.0]) == ("PP3",) * 4


def test_more_sp_than_pp5_promotes_argmax():
    # 1.0 is below mu - s; nothing above mu + s -> argmax (first of the ties) becomes PP5
    assert al.allocate_by_loi([1.0, 2.0, 2.0, 2.0]) == ("SP", "PP5", "PP3", "PP3")


def test_more_pp5_than_sp_demotes_argmin():
    assert al.allocate_by_loi([1.0, 1.0, 1.0, 2.0]) == ("SP", "PP3", "PP3", "PP5")
    # near-tie at the bottom: the rule picks the strict minimum
    assert al.allocate_by_loi([1.1165, 1.0706, 0.9752, 0.9762]) == ("PP5", "PP3", "SP", "PP3")


def test_rule_keeps_budget_on_random_inputs():
    rng = np.random.default_rng(0)
    for n in (2, 3, 4, 6):
        for _ in range(200):
            a = al.allocate_by_loi(rng.normal(size=n))
            assert a.count("SP") == a.count("PP5")
            assert al.budget(a) == 3 * n


def test_rule_rejects_bad_input():
    with pytest.raises(ValueError, match="loi_values"):
        al.allocate_by_loi([1.0])
    with pytest.raises(ValueError, match="loi_values"):
        al.allocate_by_loi([1.0, np.nan, 2.0])


def test_enumeration_counts():
    allocs = al.enumerate_allocations(4)
    assert len(allocs) == 19
    assert len(set(allocs)) == 19
    assert all(al.budget(a) == 12 for a in allocs)
    assert sum(1 for a in allocs if a.count("SP") == 1) == 12
    assert al.enumerate_allocations(2) == [("SP", "PP5"), ("PP3", "PP3"), ("PP5", "SP")]


def _samples(rng, shift_pp5=0.0):
    return [{"SP": rng.normal(10, 1, 100), "PP3": rng.normal(10.5, 1, 30),
             "PP5": rng.normal(11 + shift_pp5, 1, 50)} for _ in range(4)]


def test_compare_uniform_against_itself_is_null():
    s = _samples(np.random.default_rng(1))
    c = al.compare_allocation(s, ("PP3",) * 4, protocol="all")
    assert c.gain == 0 and c.p_value == 1.0 and c.n_allocation == 120


def test_top30_protocol_favours_more_samples():
    rng = np.random.default_rng(2)
    # every method has the same distribution: top-30 of 100 SP samples beats all 30 PP3 samples
    s = [{m: rng.normal(10, 1, n) for m, n in (("SP", 100), ("PP3", 30), ("PP5", 50))} for _ in range(4)]
    top = al.compare_allocation(s, ("SP", "PP3", "PP3", "PP5"), protocol="top30")
    allc = al.compare_allocation(s, ("SP", "PP3", "PP3", "PP5"), protocol="all")
    assert top.gain > 0.02 and top.n_allocation == 120
    assert abs(allc.gain) < top.gain and allc.n_allocation == 100 + 30 + 30 + 50


def test_rank_allocation_finds_the_best():
    s = _samples(np.random.default_rng(3), shift_pp5=5.0)
    best = ("PP5", "PP5", "SP", "SP")
    r = al.rank_allocation(s, best, protocol="all")
    assert r.n_candidates == 19
    assert r.rank == int(np.sum(r.gains > r.gains[r.candidates.index(best)])) + 1
    worst = r.candidates[int(np.argmin(r.gains))]
    assert al.rank_allocation(s, worst, protocol="all").rank == 19 - int(np.sum(r.gains == r.gains.min())) + 1


def test_compare_rejects_bad_names_and_lengths():
    s = _samples(np.random.default_rng(4))
    with pytest.raises(ValueError, match=r"unknown allocation\[0\] 'PP4'"):
        al.compare_allocation(s, ("PP4", "PP3", "PP3", "PP3"))
    with pytest.raises(ValueError, match="protocol"):
        al.compare_allocation(s, ("PP3",) * 4, protocol="top10")
    with pytest.raises(ValueError, match="one method per scenario"):
        al.compare_allocation(s, ("PP3",) * 3)


def test_correlation():
    r, p = al.loi_gain_correlation([1.0, 2.0, 3.0, 4.0], [2.0, 4.1, 5.9, 8.0])
    assert r > 0.99 and p < 0.01
    with pytest.raises(ValueError):
        al.loi_gain_correlation([1.0, 2.0], [1.0, 2.0])


def _paper_single_step(x):
    x = np.asarray(x, float)
    mu, s = x.mean(), x.std()
    m = ["SP" if v < mu - s else "PP5" if v > mu + s else "PP3" for v in x]
    if m.count("SP") > m.count("PP5"):
        m[int(np.argmax(x))] = "PP5"
    elif m.count("PP5") > m.count("SP"):
        m[int(np.argmin(x))] = "SP"
    return tuple(m)


def test_rule_equals_paper_single_step_for_four_scenarios():
    rng = np.random.default_rng(1)
    for _ in range(2000):
        x = rng.normal(size=4)
        assert al.allocate_by_loi(x) == _paper_single_step(x)
