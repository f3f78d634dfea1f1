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

from nestlab.nested.domains.base import HypothesisModel
from nestlab.nested.exact import LikelihoodCache, Posterior, ess, normalise_log

SCHEMES = ("is", "topk")


def gumbel_top_k(log_q: np.ndarray, k: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Draw ``k`` distinct indices from ``softmax(log_q)`` without replacement.

    Returns:
        ``(idx, log_incl)``: the indices and the log priority-sampling inclusion terms
        ``log(1 - exp(-exp(log_q - kappa)))`` (0 when ``k`` covers the space).
    """
    n = log_q.shape[0]
    if not 1 <= k <= n:
        raise ValueError(f"number of particles k={k} must be in 1..{n}")
    log_q = log_q - np.logaddexp.reduce(log_q)
    keys = log_q + rng.gumbel(size=n)
    if k == n:
        return np.argsort(-keys), np.zeros(n)
    order = np.argpartition(-keys, k)
    idx, kappa = order[:k], keys[order[k]]
    idx = idx[np.argsort(-keys[idx])]
    log_incl = np.log(-np.expm1(-np.exp(log_q[idx] - kappa)))
    return idx, log_incl


def gumbel_top_k_rows(log_q: np.ndarray, k: int,
                      rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """:func:`gumbel_top_k` for every row of ``log_q`` (r, n) at once: ``(idx, log_incl)``, (r, k)."""
    r, n = log_q.shape
    if not 1 <= k <= n:
        raise ValueError(f"number of particles k={k} must be in 1..{n}")
    log_q = log_q - np.logaddexp.reduce(log_q, axis=1, keepdims=True)
    keys = log_q + rng.gumbel(size=(r, n))
    rows = np.arange(r)[:, None]
    if k == n:
        return np.argsort(-keys, axis=1), np.zeros((r, n))
    top = np.argpartition(-keys, k, axis=1)
    idx, kappa = top[:, :k], keys[rows, top[:, k:k + 1]]
    idx = np.take_along_axis(idx, np.argsort(-keys[rows, idx], axis=1), axis=1)
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
    """
    if scheme == "is":
        idx, log_incl = gumbel_top_k(log_q, k, rng)
    elif scheme == "topk":
        n = log_q.shape[0]
        if not 1 <= k <= n:
            raise ValueError(f"number of particles k={k} must be in 1..{n}")
        idx = np.argsort(-log_q, kind="stable")[:k]
        log_incl = np.zeros(k)
    else:
        raise ValueError(f"unknown scheme {scheme!r}; valid: {SCHEMES}")
    logw = log_prior[idx] + cache.loglik(model, idx, t + 1) - log_incl
    w = normalise_log(logw)
    return Posterior(idx, w, ess(w))
