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

import numpy as np

from nestlab import checks
from nestlab.nested.domains.base import HypothesisModel
from nestlab.nested.exact import LikelihoodCache, Posterior, ess, normalise_log

SCHEMES = ("is", "topk")

__all__ = ["SCHEMES", "gumbel_top_k", "gumbel_top_k_rows", "importance_step"]


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
    log_q = _check_log_q(log_q, 1)
    n = log_q.shape[0]
    _check_k(k, n)
    checks.instance("rng", rng, np.random.Generator)
    log_q = log_q - np.logaddexp.reduce(log_q)
    keys = log_q + rng.gumbel(size=n)
    if k == n:
        return np.argsort(-keys), np.zeros(n)
    order = np.argpartition(-keys, k)
    idx, kappa = order[:k], keys[order[k]]
    idx = idx[np.argsort(-keys[idx])]
    with np.errstate(over="ignore"):  # exp -> inf means inclusion probability 1 (log_incl 0)
        log_incl = np.log(-np.expm1(-np.exp(log_q[idx] - kappa)))
    return idx, log_incl


def gumbel_top_k_rows(log_q: np.ndarray, k: int,
                      rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """:func:`gumbel_top_k` for every row of ``log_q`` (r, n) at once: ``(idx, log_incl)``, (r, k)."""
    log_q = _check_log_q(log_q, 2)
    r, n = log_q.shape
    _check_k(k, n)
    checks.instance("rng", rng, np.random.Generator)
    log_q = log_q - np.logaddexp.reduce(log_q, axis=1, keepdims=True)
    keys = log_q + rng.gumbel(size=(r, n))
    rows = np.arange(r)[:, None]
    if k == n:
        return np.argsort(-keys, axis=1), np.zeros((r, n))
    top = np.argpartition(-keys, k, axis=1)
    idx, kappa = top[:, :k], keys[rows, top[:, k:k + 1]]
    idx = np.take_along_axis(idx, np.argsort(-keys[rows, idx], axis=1), axis=1)
    with np.errstate(over="ignore"):  # as in gumbel_top_k
        log_incl = np.log(-np.expm1(-np.exp(log_q[rows, idx] - kappa)))
    return idx, log_incl


def importance_step(model: HypothesisModel, cache: LikelihoodCache, log_prior: np.ndarray,
                    log_q: np.ndarray, t: int, *, k: int, rng: np.random.Generator,
                    scheme: str = "is") -> Posterior:
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

    Raises:
        ValueError, TypeError: unknown ``scheme``, ``k`` outside ``1..n_hyp``, ``t`` outside the
            episode, ``log_prior`` / ``log_q`` not ``(n_hyp,)`` log-probabilities.
    """
    checks.choice("scheme", scheme, SCHEMES)
    n_hyp = model.n_hyp
    log_prior = checks.array("log_prior", log_prior, shape=(n_hyp,), finite=False, max=np.inf,
                             inclusive=(True, False))
    log_q = _check_log_q(log_q, 1)
    if log_q.shape != (n_hyp,):
        raise ValueError(f"invalid log_q: shape {log_q.shape}; valid shape: ({n_hyp},) (n_hyp)")
    _check_k(k, n_hyp)
    checks.integer("t", t, min=0, max=model.n_steps - 1)
    if scheme == "is":
        idx, log_incl = gumbel_top_k(log_q, k, rng)
    else:  # "topk"
        idx = np.argsort(-log_q, kind="stable")[:k]
        log_incl = np.zeros(k)
    logw = log_prior[idx] + cache.loglik(model, idx, t + 1) - log_incl
    w = normalise_log(logw)
    return Posterior(idx, w, ess(w))
