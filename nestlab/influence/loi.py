"""Level of Influence (LoI): estimators of I(R; Bob) from blocks of evaluation returns.

Chen et al. (arXiv 2310.07218, Sec. 3, Eq. 1) define the Level of Influence of a scenario as
the mutual information between the ego agent's episode return R and the identity j of the
co-player ("Bob") it was paired with, Bobs drawn uniformly from N checkpoints::

    LoI = I(R; Bob) = sum_j p(j) KL( p(R | j) || p(R) ),   p(R) = sum_j p(j) p(R | j).

The data layout is a *block*: an array ``(n_bobs, n_episodes)`` of ego returns (one row per
Bob). A scenario is a stack of blocks ``(..., n_bobs, n_episodes)``; its LoI is the mean of
the block estimates (the paper averages over ego checkpoints x Bob seeds).

Estimators (``loi(..., estimator=...)``):

* ``"paper"`` — the authors' histogram plug-in, reproduced exactly: 50 equal bins on
  [0, 100], numpy-histogram semantics (values outside the range are *dropped*; this module
  counts them), row histograms normalised by their own counts, pooled histogram of all
  values of the block, block LoI = mean over rows of ``sum(rel_entr(row, pooled))`` (nats).
* ``"miller_madow"`` — the plug-in plus the Miller–Madow first-order bias correction of the
  two entropies in I = H(R) - H(R | Bob): ``+(m - 1) / (2 n)`` per entropy (m occupied bins).
* ``"null_corrected"`` — plug-in minus the mean of its permutation null (Bob labels shuffled
  within each block), with a one-sided permutation p-value for the scenario mean.
* ``"knn"`` — the k-nearest-neighbour estimator for a continuous variable and a discrete
  label (Ross 2014, "Mutual information between discrete and continuous data sets", the
  KSG construction restricted to one label): ``psi(N) + psi(k) - <psi(N_j)> - <psi(m_i)>``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy.special import digamma, rel_entr

from nestlab import checks

ESTIMATORS = ("paper", "miller_madow", "null_corrected", "knn")
PAPER_BINS = 50
PAPER_RANGE = (0.0, 100.0)

__all__ = ["ESTIMATORS", "PAPER_BINS", "PAPER_RANGE", "LoIEstimate", "bin_index", "knn_loi", "loi",
           "loi_all", "permutation_null", "plugin_loi", "validate_blocks"]

_AXES = "(..., n_bobs, n_episodes): last axis episodes, axis -2 the Bob (co-player), leading axes blocks"


class LoIEstimate(NamedTuple):
    """Result of :func:`loi`.

    Attributes:
        value: scenario LoI (mean over blocks), nats.
        per_block: LoI of every block, shape ``returns.shape[:-2]`` (``()`` for one block).
        estimator: the estimator's name.
        n_dropped: returns outside the histogram range (dropped by the plug-in; 0 for kNN).
        n_values: all returns seen.
        null_mean: mean of the permutation null of the scenario LoI (``null_corrected`` only).
        p_value: one-sided permutation p-value, ``(1 + #{null >= observed}) / (1 + P)``.
    """

    value: float
    per_block: np.ndarray
    estimator: str
    n_dropped: int
    n_values: int
    null_mean: float | None = None
    p_value: float | None = None


def validate_blocks(returns, *, min_bobs: int = 2, min_episodes: int = 1) -> np.ndarray:
    """Check and convert a ``(..., n_bobs, n_episodes)`` array of ego returns.

    Raises:
        TypeError: not an array of numbers (strings, objects, booleans).
        ValueError: naming the expected axes, if the array has fewer than two axes, too few Bobs
            or episodes, an empty stack of blocks (a leading axis of length 0), or NaN/inf values.
    """
    arr = checks.array("returns", returns, dtype="float", finite=False, min_size=0)
    if arr.ndim < 2:
        raise ValueError(f"invalid returns: shape {arr.shape}; valid shape: {_AXES}")
    n_bobs, n_eps = arr.shape[-2:]
    if n_bobs < min_bobs:
        raise ValueError(f"invalid returns: shape {arr.shape} has n_bobs (axis -2) = {n_bobs}; "
                         f"valid: n_bobs >= {min_bobs}, shape {_AXES}")
    if n_eps < min_episodes:
        raise ValueError(f"invalid returns: shape {arr.shape} has n_episodes (axis -1) = {n_eps}; "
                         f"valid: n_episodes >= {min_episodes}, shape {_AXES}")
    if arr.size == 0:
        raise ValueError(f"invalid returns: shape {arr.shape} is an empty stack of blocks (a leading "
                         "axis has length 0); valid: at least one (n_bobs, n_episodes) block")
    return checks.array("returns", arr)  # NaN / inf, with the first offending index


def bin_index(values, *, bins: int = PAPER_BINS, value_range=PAPER_RANGE) -> np.ndarray:
    """Bin of each value with :func:`numpy.histogram`'s rules for equal bins, -1 if dropped.

    Values on the right edge go into the last bin; values outside ``[lo, hi]`` are dropped
    (index -1), exactly as ``np.histogram(x, bins=bins, range=value_range)`` counts them.
    ``+-inf`` lie outside every range (dropped); NaN is refused.

    Raises:
        TypeError, ValueError: ``bins`` not an integer >= 1, ``value_range`` not two finite
            numbers with ``hi > lo``, ``values`` not numbers or NaN.
    """
    bins, (lo, hi) = _check_histogram(bins, value_range)
    x = checks.array("values", values, finite=False, min_size=0)
    edges = np.linspace(lo, hi, bins + 1)
    keep = (x >= lo) & (x <= hi)
    xs = np.where(keep, x, lo)
    idx = ((xs - lo) / (hi - lo) * bins).astype(np.intp)
    idx[idx == bins] -= 1
    idx[xs < edges[idx]] -= 1
    idx[(xs >= edges[idx + 1]) & (idx != bins - 1)] += 1
    return np.where(keep, idx, -1)


def _check_histogram(bins, value_range) -> tuple[int, tuple[float, float]]:
    bins = checks.integer("bins", bins, min=1)
    rng = checks.sequence("value_range", value_range, min_len=2, max_len=2)
    lo = checks.real("value_range[0]", rng[0])
    hi = checks.real("value_range[1]", rng[1])
    if not hi > lo or not np.isfinite(hi - lo):
        raise ValueError(f"invalid value_range {tuple(value_range)!r}; valid: (lo, hi) with "
                         "lo < hi, both finite")
    return bins, (lo, hi)


def _refuse_empty_rows(counts: np.ndarray, value_range, what: str = "") -> None:
    """The plug-in is undefined for a Bob with no return inside the histogram range."""
    empty = counts.sum(axis=-1) == 0
    if np.any(empty):
        first = tuple(int(i) for i in np.argwhere(empty)[0])
        raise ValueError(
            f"invalid returns: {int(empty.sum())} of {empty.size} Bob rows{what} have no return "
            f"inside value_range {tuple(value_range)!r} (first at index {first}), so the plug-in "
            "LoI is undefined; valid: every Bob row keeps at least one return in range (widen "
            "value_range, or use estimator='knn')")


def _row_counts(idx: np.ndarray, bins: int) -> np.ndarray:
    """Histogram counts per row: ``idx`` (..., n_bobs, n_eps) -> (..., n_bobs, bins)."""
    onehot = idx[..., None] == np.arange(bins)
    return onehot.sum(axis=-2).astype(float)


def _plugin_from_counts(counts: np.ndarray) -> np.ndarray:
    """Paper plug-in from row counts (..., n_bobs, bins): mean_j sum rel_entr(q_j, p)."""
    pooled = counts.sum(axis=-2)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = pooled / pooled.sum(axis=-1, keepdims=True)
        q = counts / counts.sum(axis=-1, keepdims=True)
        kl = rel_entr(q, p[..., None, :]).sum(axis=-1)
    return kl.mean(axis=-1)


def _miller_madow_term(counts: np.ndarray) -> np.ndarray:
    """Miller–Madow correction of I = H(R) - mean_j H(R|j): (m-1)/2n pooled minus rows."""
    pooled = counts.sum(axis=-2)
    n_all = pooled.sum(axis=-1)
    m_all = (pooled > 0).sum(axis=-1)
    n_row = counts.sum(axis=-1)
    m_row = (counts > 0).sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        h_all = (m_all - 1) / (2.0 * n_all)
        h_rows = ((m_row - 1) / (2.0 * n_row)).mean(axis=-1)
    return h_all - h_rows


def plugin_loi(returns, *, bins: int = PAPER_BINS, value_range=PAPER_RANGE,
               miller_madow: bool = False) -> tuple[np.ndarray, int]:
    """Per-block histogram plug-in LoI (the paper's estimator, Sec. 3) and the dropped count.

    Args:
        returns: ``(..., n_bobs, n_episodes)`` ego returns.
        bins, value_range: histogram bins (paper: 50 on [0, 100]).
        miller_madow: add the Miller–Madow entropy-bias correction.

    Returns:
        ``(per_block, n_dropped)``.

    Raises:
        ValueError: bad ``returns`` (see :func:`validate_blocks`), bad histogram, or a Bob row
            with no return inside ``value_range`` (the paper's code gives NaN there).
    """
    arr = validate_blocks(returns)
    checks.boolean("miller_madow", miller_madow)
    idx = bin_index(arr, bins=bins, value_range=value_range)
    counts = _row_counts(idx, bins)
    _refuse_empty_rows(counts, value_range)
    out = _plugin_from_counts(counts)
    if miller_madow:
        out = out + _miller_madow_term(counts)
    return out, int((idx < 0).sum())


def permutation_null(returns, *, n_permutations: int = 200, seed: int = 0,
                     bins: int = PAPER_BINS, value_range=PAPER_RANGE) -> np.ndarray:
    """Plug-in LoI under H0 (return independent of Bob): labels shuffled within each block.

    Returns:
        ``(n_permutations, *blocks)`` plug-in LoI of the permuted blocks.

    Raises:
        ValueError: bad arguments, or so few returns inside ``value_range`` that a permutation
            leaves a Bob row with none (the null would be undefined).
    """
    arr = validate_blocks(returns)
    n_permutations = checks.integer("n_permutations", n_permutations, min=1)
    seed = checks.integer("seed", seed, min=0)
    _check_histogram(bins, value_range)
    n_bobs, n_eps = arr.shape[-2:]
    flat = arr.reshape(arr.shape[:-2] + (n_bobs * n_eps,))
    idx = bin_index(flat, bins=bins, value_range=value_range)
    rng = np.random.default_rng(seed)
    keys = rng.random((n_permutations,) + flat.shape)
    perm = np.argsort(keys, axis=-1)
    shuffled = np.take_along_axis(np.broadcast_to(idx, perm.shape), perm, axis=-1)
    counts = _row_counts(shuffled.reshape(perm.shape[:-1] + (n_bobs, n_eps)), bins)
    _refuse_empty_rows(counts, value_range, " of the permuted blocks")
    return _plugin_from_counts(counts)


def knn_loi(returns, *, k: int = 3, jitter: float = 1e-9, seed: int = 0) -> np.ndarray:
    """Per-block kNN mutual information between a continuous return and the Bob label.

    Ross (2014) / Kraskov et al. (2004): for each return x_i with label j, d_i is the distance to
    its k-th nearest neighbour among the returns of the same Bob, m_i the number of returns of
    the whole block strictly closer than d_i (itself included); then
    ``I = psi(N) + psi(k) - mean_i psi(N_j(i)) - mean_i psi(m_i)``. Ties (discrete returns) are
    broken by a seeded jitter of relative size ``jitter``. Not clipped at zero, so that block
    averages stay unbiased.

    Raises:
        ValueError: bad ``returns``; ``k`` not >= 1 or not below the episodes per Bob; ``jitter``
            not > 0 (without it tied returns give an infinite estimate); bad ``seed``.
    """
    k = checks.integer("k", k, min=1)
    jitter = checks.real("jitter", jitter, min=0, inclusive=(False, True))
    seed = checks.integer("seed", seed, min=0)
    arr = validate_blocks(returns)
    if arr.shape[-1] < k + 1:
        raise ValueError(f"invalid k {k}: returns have n_episodes (axis -1) = {arr.shape[-1]}; "
                         f"valid range: integer 1 <= k <= n_episodes - 1 = {arr.shape[-1] - 1}")
    n_bobs, n_eps = arr.shape[-2:]
    scale = max(1.0, float(np.abs(arr).mean())) if arr.size else 1.0
    rng = np.random.default_rng(seed)
    x = arr + jitter * scale * rng.standard_normal(arr.shape)
    flat = x.reshape(x.shape[:-2] + (n_bobs * n_eps,))
    label = np.repeat(np.arange(n_bobs), n_eps)
    dist = np.abs(flat[..., :, None] - flat[..., None, :])
    same = (label[:, None] == label[None, :]) & ~np.eye(label.size, dtype=bool)
    d_same = np.where(same, dist, np.inf)
    radius = np.partition(d_same, k - 1, axis=-1)[..., k - 1]
    m = (dist < radius[..., None]).sum(axis=-1)
    n = label.size
    out = digamma(n) + digamma(k) - digamma(n_eps) - digamma(m).mean(axis=-1)
    if not np.all(np.isfinite(out)):  # ties the jitter could not break (returns near overflow)
        raise ValueError(f"invalid returns: the kNN estimate is not finite (returns of magnitude "
                         f"up to {float(np.abs(arr).max()):g} leave ties or overflow distances); "
                         f"valid: returns of moderate magnitude, or a larger jitter than {jitter:g}")
    return out


def loi(returns, *, estimator: str = "paper", bins: int = PAPER_BINS, value_range=PAPER_RANGE,
        k: int = 3, n_permutations: int = 200, seed: int = 0) -> LoIEstimate:
    """Level of Influence of one block ``(n_bobs, n_episodes)`` or a scenario ``(..., n_bobs, n_episodes)``.

    Args:
        returns: ego returns; last axis episodes, axis -2 the Bob index, leading axes blocks
            (e.g. ego checkpoint x Bob seed). Scenario LoI = mean over blocks (paper, Sec. 4).
        estimator: ``"paper"`` | ``"miller_madow"`` | ``"null_corrected"`` | ``"knn"``.
        bins, value_range: histogram of the plug-in estimators (paper: 50 bins on [0, 100]).
        k: neighbours of the kNN estimator.
        n_permutations, seed: permutation null (``null_corrected``); seed also jitters kNN ties.

    Returns:
        :class:`LoIEstimate`.

    Raises:
        ValueError: unknown estimator (lists the valid ones), badly shaped or empty returns,
            NaN/inf returns, a Bob row with no return inside ``value_range`` (plug-in estimators:
            the paper's code gives NaN), out-of-range options.
        TypeError: an argument of the wrong type.
    """
    estimator = checks.choice("estimator", estimator, ESTIMATORS)
    _check_histogram(bins, value_range)
    checks.integer("k", k, min=1)
    checks.integer("n_permutations", n_permutations, min=1)
    checks.integer("seed", seed, min=0)
    arr = validate_blocks(returns)
    n_values = int(arr.size)
    if estimator == "knn":
        per = knn_loi(arr, k=k, seed=seed)
        return LoIEstimate(float(np.mean(per)), per, estimator, 0, n_values)
    per, dropped = plugin_loi(arr, bins=bins, value_range=value_range,
                              miller_madow=estimator == "miller_madow")
    if estimator != "null_corrected":
        return LoIEstimate(float(np.mean(per)), per, estimator, dropped, n_values)
    null = permutation_null(arr, n_permutations=n_permutations, seed=seed, bins=bins,
                            value_range=value_range)
    obs = float(np.mean(per))
    null_scn = null.reshape(n_permutations, -1).mean(axis=-1)
    null_block_mean = null.mean(axis=0)
    p = (1.0 + float(np.sum(null_scn >= obs))) / (1.0 + n_permutations)
    return LoIEstimate(obs - float(null_scn.mean()), per - null_block_mean, estimator, dropped,
                       n_values, float(null_scn.mean()), p)


def loi_all(returns, *, k: int = 3, n_permutations: int = 200, seed: int = 0) -> dict[str, LoIEstimate]:
    """All four estimators of one scenario, keyed by name (same seed for each)."""
    return {name: loi(returns, estimator=name, k=k, n_permutations=n_permutations, seed=seed)
            for name in ESTIMATORS}
