"""Budgeted co-player diversity guided by LoI (Chen et al., arXiv 2310.07218, Sec. 5).

Per game there are a few scenarios; each is trained with self-play (SP, 1 population unit),
population play with 3 members (PP3, 3 units) or with 5 (PP5, 5 units). The budget equals
PP3 everywhere (the uniform baseline). The paper's rule: with mean mu and population sd s of
the scenarios' LoI, SP if LoI < mu - s, PP5 if LoI > mu + s, else PP3; then make #SP = #PP5
(more SP than PP5: the arg-max LoI scenario becomes PP5; more PP5 than SP: the arg-min
becomes SP; repeated on the remaining scenarios if one step does not balance, see
:func:`allocate_by_loi`).

Comparison protocols (ego returns against held-out partners, per scenario normalised by the
scenario's mean SP return, pooled over scenarios, one-way ANOVA allocation vs uniform):

* ``"top30"`` — as published: the ``k = 30`` highest returns of each method per scenario.
  This favours methods with more samples (SP has 100, PP5 50, PP3 30 in the published logs).
* ``"all"`` — every sample.

The gain is the difference of the pooled normalised means (a fraction of the SP mean; the
paper prints it as a percentage).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import NamedTuple

import numpy as np
from scipy.stats import f_oneway, pearsonr

from nestlab import checks

METHODS = ("SP", "PP3", "PP5")
UNITS = {"SP": 1, "PP3": 3, "PP5": 5}
PROTOCOLS = ("top30", "all")

__all__ = ["METHODS", "PROTOCOLS", "UNITS", "Comparison", "RankResult", "allocate_by_loi", "budget",
           "compare_allocation", "enumerate_allocations", "loi_gain_correlation", "population_gain",
           "rank_allocation"]


class Comparison(NamedTuple):
    """Allocation vs baseline under one protocol.

    Attributes:
        gain: pooled normalised mean of the allocation minus that of the baseline.
        p_value, f_stat: one-way ANOVA of the two pooled samples.
        mean_allocation, mean_baseline: pooled normalised means.
        n_allocation, n_baseline: pooled sample sizes.
    """

    gain: float
    p_value: float
    f_stat: float
    mean_allocation: float
    mean_baseline: float
    n_allocation: int
    n_baseline: int


def _check_methods(allocation: Sequence[str], name: str = "allocation") -> list[str]:
    return checks.choices(name, allocation, METHODS)


def _check_samples(samples, name: str = "samples") -> list[Mapping[str, np.ndarray]]:
    """Per scenario a mapping SP/PP3/PP5 -> 1-d finite returns."""
    out = checks.sequence(name, samples, min_len=1)
    for i, scen in enumerate(out):
        _check_scenario(scen, f"{name}[{i}]")
    return out


def _check_scenario(scen, name: str) -> dict[str, np.ndarray]:
    scen = checks.mapping(name, scen, required=METHODS)
    for m in METHODS:
        checks.array(f"{name}[{m!r}]", scen[m], ndim=1)
    return scen


def budget(allocation: Sequence[str]) -> int:
    """Population units of an allocation (SP 1, PP3 3, PP5 5)."""
    _check_methods(allocation)
    return int(sum(UNITS[m] for m in allocation))


def allocate_by_loi(loi_values) -> tuple[str, ...]:
    """The paper's mean ± sd rule with the #SP = #PP5 budget fix (Sec. 5).

    Args:
        loi_values: LoI of each scenario of one game (at least two).

    Returns:
        One method name per scenario.

    Raises:
        ValueError: not a 1-d array of at least two finite LoI values.
    """
    x = checks.array("loi_values", loi_values, ndim=1, min_size=2)
    mu, s = x.mean(), x.std()
    methods = ["SP" if v < mu - s else "PP5" if v > mu + s else "PP3" for v in x]
    # Budget fix. The paper changes one scenario (arg-max -> PP5 or arg-min -> SP), which
    # balances every case that occurs with four scenarios. In general we repeat the step on
    # the scenarios not already at the target, moving each one level (SP -> PP3 -> PP5 or
    # back), until #SP = #PP5; with an imbalance of one and no scenario at the target yet,
    # this is exactly the paper's step.
    while methods.count("SP") > methods.count("PP5"):
        cand = [i for i, m in enumerate(methods) if m != "PP5"]
        i = max(cand, key=lambda j: (x[j], -j))
        methods[i] = "PP5" if methods[i] == "PP3" else "PP3"
    while methods.count("PP5") > methods.count("SP"):
        cand = [i for i, m in enumerate(methods) if m != "SP"]
        i = min(cand, key=lambda j: (x[j], j))
        methods[i] = "SP" if methods[i] == "PP3" else "PP3"
    return tuple(methods)


def enumerate_allocations(n_scenarios: int, *, total: int | None = None) -> list[tuple[str, ...]]:
    """Every assignment of SP / PP3 / PP5 to ``n_scenarios`` scenarios with ``total`` units
    (default ``3 * n_scenarios``, the uniform PP3 budget), in lexicographic order.

    For four scenarios there are 19: uniform PP3, 12 with one SP and one PP5, 6 with two of each.
    """
    n_scenarios = checks.integer("n_scenarios", n_scenarios, min=1, max=12)
    total = 3 * n_scenarios if total is None else checks.integer(
        "total", total, min=n_scenarios, max=5 * n_scenarios)
    return [a for a in itertools.product(METHODS, repeat=n_scenarios) if budget(a) == total]


def _pooled(samples: Sequence[Mapping[str, np.ndarray]], allocation: Sequence[str], *,
            protocol: str, k: int, reference: str) -> np.ndarray:
    out = []
    for scen, method in zip(samples, allocation, strict=True):
        ref = float(np.mean(scen[reference]))
        x = np.asarray(scen[method], dtype=float)
        if protocol == "top30":
            x = np.sort(x)[::-1][:k]
        out.append(x / ref)
    return np.concatenate(out)


def compare_allocation(samples: Sequence[Mapping[str, np.ndarray]], allocation: Sequence[str], *,
            baseline: Sequence[str] | None = None, protocol: str = "top30", k: int = 30,
            reference: str = "SP") -> Comparison:
    """Compare an allocation with a baseline (default uniform PP3) under ``protocol``.

    Args:
        samples: per scenario, a mapping method -> 1-d ego returns against held-out partners.
        allocation: one method per scenario.
        baseline: the other allocation (default PP3 everywhere).
        protocol: ``"top30"`` (the ``k`` highest per scenario, as published) or ``"all"``.
        k: samples kept per scenario and method by ``"top30"``.
        reference: method whose scenario mean normalises the returns (SP, as published).

    Raises:
        ValueError: unknown protocol/method/reference, mismatching lengths, ``k < 1``, samples
            that are empty, not 1-d, not finite, or whose reference mean is 0 (no normalisation).
        TypeError: arguments of the wrong type.
    """
    checks.choice("protocol", protocol, PROTOCOLS)
    _check_methods(allocation)
    baseline = tuple(_check_methods(baseline, "baseline")) if baseline is not None \
        else ("PP3",) * len(allocation)
    k = checks.integer("k", k, min=1)
    checks.choice("reference", reference, METHODS)
    samples = _check_samples(samples)
    zero = [i for i, s in enumerate(samples) if float(np.mean(s[reference])) == 0.0]
    if zero:
        raise ValueError(f"invalid samples: the mean {reference} return of scenario(s) {zero} is 0, "
                         f"so returns cannot be normalised by it; valid: a non-zero {reference} "
                         "mean in every scenario (reference)")
    if not (len(samples) == len(allocation) == len(baseline)):
        raise ValueError(f"invalid allocation: {len(samples)} scenarios in samples, {len(allocation)} in "
                         f"allocation, {len(baseline)} in baseline; valid: one method per scenario")
    a = _pooled(samples, allocation, protocol=protocol, k=k, reference=reference)
    b = _pooled(samples, baseline, protocol=protocol, k=k, reference=reference)
    if tuple(allocation) == baseline:
        f, p = 0.0, 1.0
    else:
        f, p = f_oneway(a, b)
    return Comparison(float(a.mean() - b.mean()), float(p), float(f), float(a.mean()),
                      float(b.mean()), int(a.size), int(b.size))


class RankResult(NamedTuple):
    """Rank of one allocation among candidates (1 = largest gain).

    Attributes:
        rank: position of ``allocation`` by gain over the baseline, ties sharing the best rank.
        n_candidates: number of budget-equal candidates.
        gains: gain of every candidate, in candidate order.
        candidates: the candidate allocations.
    """

    rank: int
    n_candidates: int
    gains: np.ndarray
    candidates: list[tuple[str, ...]]


def rank_allocation(samples: Sequence[Mapping[str, np.ndarray]], allocation: Sequence[str], *,
                    protocol: str = "top30", k: int = 30,
                    candidates: Sequence[Sequence[str]] | None = None) -> RankResult:
    """Rank ``allocation`` among all budget-equal allocations by its gain over uniform PP3."""
    checks.choice("protocol", protocol, PROTOCOLS)
    checks.integer("k", k, min=1)
    samples = _check_samples(samples)
    _check_methods(allocation)
    if candidates is not None:
        cands = [tuple(_check_methods(c, f"candidates[{i}]"))
                 for i, c in enumerate(checks.sequence("candidates", candidates, min_len=1))]
    else:
        cands = enumerate_allocations(len(samples), total=budget(allocation))
    if tuple(allocation) not in cands:
        raise ValueError(f"invalid allocation {tuple(allocation)}: not among the "
                         f"{len(cands)} candidates; valid: one of the candidates")
    gains = np.array([compare_allocation(samples, c, protocol=protocol, k=k).gain for c in cands])
    own = gains[cands.index(tuple(allocation))]
    return RankResult(int(np.sum(gains > own + 1e-12)) + 1, len(cands), gains, cands)


def population_gain(samples: Mapping[str, np.ndarray], *, method: str = "PP5",
                    reference: str = "SP") -> float:
    """Mean return of ``method`` minus that of ``reference`` in one scenario (the paper's
    LoI-gain figure uses (PP5 - SP) / 2; the factor does not change a correlation)."""
    checks.choice("method", method, METHODS)
    checks.choice("reference", reference, METHODS)
    samples = checks.mapping("samples", samples, required=(method, reference))
    for m in (method, reference):
        checks.array(f"samples[{m!r}]", samples[m], ndim=1)
    return float(np.mean(samples[method]) - np.mean(samples[reference]))


def loi_gain_correlation(loi_values, gains) -> tuple[float, float]:
    """Pearson correlation (r, two-sided p) between scenario LoI and population-play gain.

    Raises:
        ValueError: not two finite 1-d arrays of equal length >= 3, or a constant one (r undefined).
    """
    x = checks.array("loi_values", loi_values, ndim=1, min_size=3)
    y = checks.array("gains", gains, ndim=1, min_size=3)
    if x.shape != y.shape:
        raise ValueError(f"invalid gains: shape {y.shape}; valid shape: {x.shape} (one per loi_values)")
    for name, v in (("loi_values", x), ("gains", y)):
        if np.ptp(v) == 0:
            raise ValueError(f"invalid {name}: all {v.size} values equal {v[0]:g}, so the "
                             "correlation is undefined; valid: values that vary")
    res = pearsonr(x, y)
    return float(res.statistic), float(res.pvalue)
