"""Importance sampling with recognition-network proposals (Jha et al. 2024, Sec. 4.3, Eq. 4).

At step t draw K distinct hypotheses from the proposal ``q_t`` and weight each by
``p(h) p(history_{<=t} | h) / pi(h)``, normalise, and report ESS = ``1 / sum(w^2)``.

Sampling without replacement (so K may reach the whole space): Gumbel-top-k draws K distinct
hypotheses by successive sampling from ``q``; each is weighted with the *priority-sampling*
inclusion term ``pi(h) = 1 - exp(-q(h) / tau)``, ``tau = exp(kappa)``, where ``kappa`` is the
(K+1)-th largest perturbed key (Duffield et al. 2007; Kool, van Hoof & Welling 2019, the
"unordered set estimator" threshold). ``p(h)/pi(h)`` gives unbiased sums; self-normalised they
form the posterior estimate. With K equal to the whole space ``kappa = -inf``, ``pi(h) = 1`` and
the estimate is exactly the EI posterior.

Variants: ``"is"`` (the above), ``"topk"`` (the authors' code: take the K most probable
hypotheses under ``q`` and re-weight by prior x likelihood alone, no 1/q correction: truncated
enumeration) and uniform-proposal IS (``"is"`` with a uniform ``log_q``).
"""

from __future__ import annotations

import math

import numpy as np

from nestlab import checks
from nestlab.nested.domains.base import HypothesisModel
from nestlab.nested.exact import LikelihoodCache, Posterior, normalise_log

SCHEMES = ("is", "topk")
#: level-2 proposal structures of ``"is"``: ``"joint"`` draws K hypotheses from ``q`` over the
#: whole space; ``"paired"`` draws cues from ``q``'s cue marginal and carries each with both
#: social goals (:func:`paired_top_k`)
PROPOSALS = ("joint", "paired")

__all__ = ["PROPOSALS", "SCHEMES", "gumbel_top_k", "gumbel_top_k_rows",
           "gumbel_top_k_rows_unchecked", "importance_step", "importance_step_unchecked",
           "paired_top_k"]


def _check_log_q(log_q, ndim: int) -> np.ndarray:
    log_q = checks.array("log_q", log_q, ndim=ndim, finite=False, max=np.inf,
                         inclusive=(True, False))
    dead = np.all(log_q == -np.inf, axis=-1)
    if np.any(dead):
        raise ValueError(f"invalid log_q: {int(np.sum(dead))} proposal(s) have every entry -inf; "
                         "valid: log-probabilities with at least one finite entry per proposal")
    return log_q


def _check_k(k, n: int) -> int:
    return checks.integer("k", k, min=1, max=n)


def _check_draw(log_q, k, rng, ndim: int, *, even: bool = False) -> np.ndarray:
    """The checked ``log_q`` of a draw of ``k`` per proposal with ``rng`` (``even``: of even
    length, the ``2 n`` hypotheses ``sigma * n + c`` of :func:`paired_top_k`)."""
    log_q = _check_log_q(log_q, ndim)
    if even and log_q.shape[-1] % 2:
        raise ValueError(f"invalid log_q: length {log_q.shape[-1]}; valid: an even length 2 n "
                         "(hypotheses sigma * n + c for two social goals)")
    _check_k(k, log_q.shape[-1])
    checks.instance("rng", rng, np.random.Generator)
    return log_q


#: ``exp(log_q - kappa)`` is clipped here before ``-expm1(-exp(.))``: above it the inclusion term
#: is exactly 1 in floating point (``expm1(-exp(700)) == -1.0``), as it is for the overflow to
#: ``inf`` it replaces — the same numbers, without an ``np.errstate`` context on every draw
_EXP_CLIP = 700.0
#: above this largest log-probability the normalisation ``log_q - (max + log sum exp)`` can
#: overflow (one ulp of the largest double is about 2e292): the only case that needs an
#: ``np.errstate`` context
_HUGE = 1e291


def _log_inclusion(d: np.ndarray) -> np.ndarray:
    """``log(1 - exp(-exp(d)))`` for ``d = log_q - kappa`` (``d`` is overwritten)."""
    np.minimum(d, _EXP_CLIP, out=d)
    np.exp(d, out=d)
    np.negative(d, out=d)
    np.expm1(d, out=d)
    np.negative(d, out=d)
    return np.log(d, out=d)


def _gumbel_top_k(log_q: np.ndarray, k: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """:func:`gumbel_top_k` without the argument checks (the online loop's inner call).

    One full ``argsort`` of the keys gives the top ``k`` in order and the threshold ``kappa``
    (the keys are continuous, so ties have probability zero and the order equals the
    partition-then-sort it replaces)."""
    n = log_q.shape[0]
    top = log_q.max()
    if top > _HUGE:  # entries near -max may fall below it: -inf, a zero probability, as they should
        with np.errstate(over="ignore"):
            log_q = log_q - (top + np.log(np.exp(log_q - top).sum()))
    else:
        log_q = log_q - (top + np.log(np.exp(log_q - top).sum()))   # normalised
    keys = log_q + rng.gumbel(size=n)
    order = np.argsort(-keys)
    if k == n:
        return order, np.zeros(n)
    idx = order[:k]
    return idx, _log_inclusion(log_q[idx] - keys[order[k]])


def gumbel_top_k(log_q: np.ndarray, k: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Draw ``k`` distinct indices from ``softmax(log_q)`` without replacement.

    Returns:
        ``(idx, log_incl)``: the indices and the log priority-sampling inclusion terms
        ``log(1 - exp(-exp(log_q - kappa)))`` (0 when ``k`` covers the space).

    Raises:
        ValueError: ``k`` outside ``1..len(log_q)``; ``log_q`` empty, NaN, ``+inf`` or all
            ``-inf``.
        TypeError: ``k`` not an integer, ``rng`` not a :class:`numpy.random.Generator`.
    """
    return _gumbel_top_k(_check_draw(log_q, k, rng, 1), k, rng)


def _paired_top_k(log_q: np.ndarray, k: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """:func:`paired_top_k` without the argument checks."""
    n = log_q.shape[0] // 2
    pair = log_q.reshape(2, n)
    log_qc = np.logaddexp(pair[0], pair[1])                      # the cue marginal (unnormalised)
    m = -(-k // 2)
    cues, log_incl_c = _gumbel_top_k(log_qc, m, rng)
    if k % 2 == 0:
        return np.concatenate([cues, cues + n]), np.concatenate([log_incl_c, log_incl_c])
    # odd K: one of the m cues, chosen uniformly, carries one social goal drawn from q(sigma | c)
    lone = int(rng.integers(m))
    c = cues[lone]
    p_help = float(np.exp(pair[0, c] - log_qc[c]))
    sigma = int(rng.random() >= p_help)
    log_cond = pair[:, cues] - log_qc[cues]                       # (2, m) log q(sigma | c)
    with np.errstate(divide="ignore"):
        log_share = np.logaddexp(np.log((m - 1) / m), log_cond - np.log(m))
    keep = np.ones(2 * m, dtype=bool)
    keep[(1 - sigma) * m + lone] = False
    idx = np.concatenate([cues, cues + n])[keep]
    log_incl = (np.concatenate([log_incl_c, log_incl_c]) + log_share.ravel())[keep]
    return idx, log_incl


def paired_top_k(log_q: np.ndarray, k: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Draw ``k`` distinct level-2 hypotheses ``sigma * n + c`` as cue *pairs* (both social goals).

    The hypotheses are indexed ``sigma * n + c`` (two social goals ``sigma``, ``n`` cues ``c``;
    ``log_q`` of length ``2 n``). ``m = ceil(k / 2)`` distinct cues are drawn from the cue
    marginal ``q(c) = q(0, c) + q(1, c)`` without replacement (:func:`gumbel_top_k`), and each cue
    is carried with both social goals; for odd ``k`` one of the ``m`` cues, chosen uniformly,
    carries only one social goal, drawn from ``q(sigma | c)``. The inclusion term of a hypothesis
    is then ``pi(c) [(m - 1) / m + q(sigma | c) / m]`` (``pi(c)`` for even ``k``) with ``pi`` the
    priority-sampling inclusion of :func:`gumbel_top_k`, so the weights stay proper and ``k = 2n``
    is exact enumeration.

    Why: the level-2 question is the social goal. Drawn jointly, a proposal that is confidently
    wrong about ``sigma`` puts every particle in one half of the space and the estimate can never
    favour the other; drawn in pairs, every simulated belief (the cost of a level-2 hypothesis)
    is weighed under both social goals, so help and hinder are compared on the same cues. The
    belief simulations per step drop from up to ``k`` cues to ``ceil(k / 2)``.

    Returns:
        ``(idx, log_incl)``, each of length ``k``.

    Raises:
        ValueError: ``log_q`` not 1-d of even length, NaN, ``+inf`` or all ``-inf``; ``k``
            outside ``1..len(log_q)``.
        TypeError: ``k`` not an integer, ``rng`` not a :class:`numpy.random.Generator`.
    """
    return _paired_top_k(_check_draw(log_q, k, rng, 1, even=True), k, rng)


def gumbel_top_k_rows(log_q: np.ndarray, k: int,
                      rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """:func:`gumbel_top_k` for every row of ``log_q`` (r, n) at once: ``(idx, log_incl)``, (r, k)."""
    return gumbel_top_k_rows_unchecked(_check_draw(log_q, k, rng, 2), k, rng)


def gumbel_top_k_rows_unchecked(log_q: np.ndarray, k: int,
                                rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """:func:`gumbel_top_k_rows` without the argument checks (one ``argsort`` per row, as in
    :func:`gumbel_top_k`)."""
    r, n = log_q.shape
    top = log_q.max(1, keepdims=True)
    if top.max() > _HUGE:  # as in gumbel_top_k
        with np.errstate(over="ignore"):
            log_q = log_q - (top + np.log(np.exp(log_q - top).sum(1, keepdims=True)))
    else:
        log_q = log_q - (top + np.log(np.exp(log_q - top).sum(1, keepdims=True)))
    keys = log_q + rng.gumbel(size=(r, n))
    order = np.argsort(-keys, axis=1)
    if k == n:
        return order, np.zeros((r, n))
    rows = np.arange(r)[:, None]
    idx = order[:, :k]
    return idx, _log_inclusion(log_q[rows, idx] - keys[rows, order[:, k:k + 1]])


def importance_step(model: HypothesisModel, cache: LikelihoodCache, log_prior: np.ndarray,
                    log_q: np.ndarray, t: int, *, k: int, rng: np.random.Generator,
                    scheme: str = "is", proposal: str = "joint") -> Posterior:
    """Weighted particle estimate of the posterior after steps ``0 .. t``.

    Args:
        model: hypothesis model (shared with exact inference).
        cache: the per-hypothesis cumulative log-likelihood cache of this run.
        log_prior: (n_hyp,) log prior.
        log_q: (n_hyp,) log proposal at step t (recognition network, or uniform).
        t: the step just observed.
        k: number of particles.
        rng: random generator.
        scheme: ``"is"`` (proper weights) or ``"topk"`` (likelihood-only re-weighting).
        proposal: how ``"is"`` draws from ``log_q``: ``"joint"`` (:func:`gumbel_top_k` over the
            whole space) or ``"paired"`` (:func:`paired_top_k`: a level-2 space ``sigma * n + c``
            drawn by cue, both social goals per cue). ``"topk"`` ignores it.

    Raises:
        ValueError, TypeError: unknown ``scheme`` or ``proposal``, ``k`` outside ``1..n_hyp``,
            ``t`` outside the episode, ``log_prior`` / ``log_q`` not ``(n_hyp,)``
            log-probabilities, ``"paired"`` with an odd ``n_hyp``.
    """
    checks.choice("scheme", scheme, SCHEMES)
    checks.choice("proposal", proposal, PROPOSALS)
    n_hyp = model.n_hyp
    log_prior = checks.array("log_prior", log_prior, shape=(n_hyp,), finite=False, max=np.inf,
                             inclusive=(True, False))
    log_q = _check_log_q(log_q, 1)
    if log_q.shape != (n_hyp,):
        raise ValueError(f"invalid log_q: shape {log_q.shape}; valid shape: ({n_hyp},) (n_hyp)")
    if proposal == "paired" and n_hyp % 2:
        raise ValueError(f"invalid proposal 'paired' for a model of {n_hyp} hypotheses; valid: "
                         "'paired' needs a level-2 space of 2 n hypotheses (sigma * n + c)")
    _check_k(k, n_hyp)
    checks.integer("t", t, min=0, max=model.n_steps - 1)
    return importance_step_unchecked(model, cache, log_prior, log_q, t, k, rng, scheme, proposal)


def importance_step_unchecked(model, cache: LikelihoodCache, log_prior: np.ndarray,
                              log_q: np.ndarray, t: int, k: int, rng: np.random.Generator,
                              scheme: str, proposal: str) -> Posterior:
    """:func:`importance_step` without the argument checks (validated once per run by callers)."""
    if scheme == "is":
        draw = _paired_top_k if proposal == "paired" else _gumbel_top_k
        idx, log_incl = draw(log_q, k, rng)
    else:  # "topk"
        idx = np.argsort(-log_q, kind="stable")[:k]
        log_incl = 0.0
    logw = log_prior[idx] + cache.loglik(model, idx, t + 1) - log_incl
    top = logw.max()
    if not math.isfinite(top):
        normalise_log(logw)  # raises the clear error (NaN or every particle impossible)
    w = np.exp(logw - top)
    w /= w.sum()
    return Posterior(idx, w, float(1.0 / np.dot(w, w)))
