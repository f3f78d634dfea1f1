"""Exact inference (EI) by enumeration, online, with a cumulative log-likelihood cache.

Posterior over a finite hypothesis space after step t (Jha et al. 2024, Eq. 2-3):
``p(h | history_{<=t}) ∝ p(h) * prod_{tau <= t} p(obs_tau | h, history_{<tau})``.
:class:`LikelihoodCache` keeps, per hypothesis, the cumulative log-likelihood and the number of
steps it covers, so an online step costs only the new step's likelihood (for every hypothesis
here; importance sampling asks only for its particles and catches new ones up lazily).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from nestlab.nested.domains.base import HypothesisModel


class LikelihoodCache:
    """Per-hypothesis cumulative log-likelihood ``sum_{tau < upto[h]} loglik(tau, h)``."""

    def __init__(self, n_hyp: int) -> None:
        self.cum = np.zeros(n_hyp)
        self.upto = np.zeros(n_hyp, dtype=int)
        self.evaluations = 0  # number of (hypothesis, step) likelihoods computed

    def loglik(self, model: HypothesisModel, idx: np.ndarray, n_steps: int) -> np.ndarray:
        """Cumulative log-likelihood of steps ``0 .. n_steps - 1`` for hypotheses ``idx``.

        Hypotheses behind (new particles) are caught up over all their missing steps at once.
        """
        idx = np.asarray(idx)
        behind = np.unique(idx[self.upto[idx] < n_steps])
        if behind.size:
            # every missing (hypothesis, step) pair in one vectorised call
            counts = n_steps - self.upto[behind]
            hyp = np.repeat(behind, counts)
            start = np.repeat(self.upto[behind] - np.cumsum(counts) + counts, counts)
            steps = np.arange(hyp.size) + start
            np.add.at(self.cum, hyp, model.step_loglik(steps, hyp))
            self.upto[behind] = n_steps
            self.evaluations += hyp.size
        return self.cum[idx]


class Posterior(NamedTuple):
    """A (possibly sparse) weighted hypothesis set.

    Attributes:
        idx: hypothesis indices.
        weights: normalised weights (sum to one).
        ess: effective sample size ``1 / sum w^2``.
    """

    idx: np.ndarray
    weights: np.ndarray
    ess: float

    def dense(self, n_hyp: int) -> np.ndarray:
        """The posterior as a length-``n_hyp`` probability vector."""
        p = np.zeros(n_hyp)
        np.add.at(p, self.idx, self.weights)
        return p


def normalise_log(logw: np.ndarray) -> np.ndarray:
    """``exp(logw - logsumexp(logw))``."""
    m = np.max(logw)
    w = np.exp(logw - m)
    return w / w.sum()


def ess(weights: np.ndarray) -> float:
    """Effective sample size ``1 / sum(w^2)`` of normalised weights."""
    w = np.asarray(weights, dtype=float)
    return float(1.0 / np.sum(w * w))


class ExactInference:
    """Online exact inference over every hypothesis of ``model``.

    Args:
        model: the hypothesis model (its ``step_loglik`` is called with all hypotheses).
        log_prior: (n_hyp,) log prior; uniform if ``None``.
    """

    def __init__(self, model: HypothesisModel, log_prior: np.ndarray | None = None) -> None:
        self.model = model
        n = model.n_hyp
        self.log_prior = np.full(n, -np.log(n)) if log_prior is None else np.asarray(log_prior)
        if self.log_prior.shape != (n,):
            raise ValueError(f"log_prior must have shape ({n},), got {self.log_prior.shape}")
        self.cache = LikelihoodCache(n)
        self.all = np.arange(n)

    def prior(self) -> Posterior:
        w = normalise_log(self.log_prior)
        return Posterior(self.all, w, ess(w))

    def step(self, t: int) -> Posterior:
        """Posterior after observing steps ``0 .. t``."""
        ll = self.cache.loglik(self.model, self.all, t + 1)
        w = normalise_log(self.log_prior + ll)
        return Posterior(self.all, w, ess(w))


def exact_posteriors(model: HypothesisModel, log_prior: np.ndarray | None = None) -> np.ndarray:
    """EI posterior after every step of the episode: (n_steps, n_hyp)."""
    ei = ExactInference(model, log_prior)
    out = np.empty((model.n_steps, model.n_hyp))
    for t in range(model.n_steps):
        out[t] = ei.step(t).weights
    return out
