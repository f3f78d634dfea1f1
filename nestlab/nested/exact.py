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

from nestlab import checks
from nestlab.nested.domains.base import HypothesisModel

__all__ = ["ExactInference", "LikelihoodCache", "Posterior", "ess", "exact_posteriors",
           "normalise_log"]


class LikelihoodCache:
    """Per-hypothesis cumulative log-likelihood ``sum_{tau < upto[h]} loglik(tau, h)``."""

    def __init__(self, n_hyp: int) -> None:
        n_hyp = checks.integer("n_hyp", n_hyp, min=1, where="LikelihoodCache")
        self.cum = np.zeros(n_hyp)
        self.upto = np.zeros(n_hyp, dtype=int)
        self.evaluations = 0  # number of (hypothesis, step) likelihoods computed

    def loglik(self, model: HypothesisModel, idx: np.ndarray, n_steps: int) -> np.ndarray:
        """Cumulative log-likelihood of steps ``0 .. n_steps - 1`` for hypotheses ``idx``.

        Hypotheses behind (new particles) are caught up over all their missing steps at once.
        """
        idx = np.asarray(idx)
        behind = idx[self.upto[idx] < n_steps]
        if behind.size and np.all(self.upto[behind] == n_steps - 1):
            # the common online case: every particle behind misses only the newest step
            behind = np.unique(behind) if behind.size > 1 else behind
            self.cum[behind] += model.step_loglik(n_steps - 1, behind)
            self.upto[behind] = n_steps
            self.evaluations += behind.size
        elif behind.size:
            # new particles (importance sampling only): the distinct ones in increasing order,
            # as np.unique gives them, by a mask over the space (cheaper for these few)
            mask = np.zeros(self.upto.size, dtype=bool)
            mask[behind] = True
            behind = np.flatnonzero(mask)
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
    """``exp(logw - logsumexp(logw))``.

    ``-inf`` entries (impossible hypotheses) get weight 0.

    Raises:
        ValueError: empty, NaN or ``+inf`` entries, or every entry ``-inf`` (no hypothesis
            possible: the weights would be NaN).
    """
    logw = checks.array("logw", logw, finite=False, max=np.inf, inclusive=(True, False))
    m = np.max(logw)
    if m == -np.inf:
        raise ValueError(f"invalid logw: all {logw.size} log-weights are -inf (every hypothesis "
                         "has zero probability); valid: at least one finite log-weight")
    with np.errstate(over="ignore"):  # logw - m below -1.8e308 is -inf: weight 0, as it should be
        w = np.exp(logw - m)
    return w / w.sum()


def ess(weights: np.ndarray) -> float:
    """Effective sample size ``1 / sum(w^2)`` of normalised importance weights.

    Weights that do not sum to one are normalised first, i.e. this is Kish's
    ``(sum w)^2 / sum(w^2)`` — the same number for normalised weights and independent of the
    weights' scale, so raw importance weights may be passed too. The result lies in
    ``[1, len(weights)]``.

    Raises:
        ValueError: empty, not 1-d, NaN/inf or negative weights, or all weights zero. With no
            particle carrying weight the ESS is undefined (``1 / 0``); it used to come out as
            ``inf``, which reads as a perfect sample, where the truth is that none of the draws
            is supported by the target — a researcher wants to hear that, not a number.
    """
    w = checks.array("weights", weights, ndim=1, min=0.0)
    top = float(w.max())
    if not top > 0:
        raise ValueError(f"invalid weights: all {w.size} weights are 0, so the effective sample "
                         "size is undefined; valid: non-negative weights with a positive sum")
    scaled = w / top  # in [0, 1]: sums and squares cannot overflow
    if abs(float(scaled.sum()) * top - 1.0) > 1e-9:  # raw weights: normalise them
        w = scaled / scaled.sum()
    return float(1.0 / np.sum(w * w))


class ExactInference:
    """Online exact inference over every hypothesis of ``model``.

    Args:
        model: the hypothesis model (its ``step_loglik`` is called with all hypotheses).
        log_prior: (n_hyp,) log prior; uniform if ``None``.
    """

    def __init__(self, model: HypothesisModel, log_prior: np.ndarray | None = None) -> None:
        self.model = model
        n = checks.integer("model.n_hyp", model.n_hyp, min=1, where="ExactInference")
        self.log_prior = np.full(n, -np.log(n)) if log_prior is None else checks.array(
            "log_prior", log_prior, shape=(n,), finite=False, max=np.inf, inclusive=(True, False),
            where="ExactInference")
        if np.all(self.log_prior == -np.inf):
            raise ValueError("ExactInference: invalid log_prior: every entry is -inf; valid: a log "
                             "prior with at least one finite entry")
        self.cache = LikelihoodCache(n)
        self.all = np.arange(n)

    def prior(self) -> Posterior:
        w = normalise_log(self.log_prior)
        return Posterior(self.all, w, ess(w))

    def step(self, t: int) -> Posterior:
        """Posterior after observing steps ``0 .. t``."""
        t = checks.integer("t", t, min=0, max=self.model.n_steps - 1, where="ExactInference.step")
        return self._step(t)

    def _step(self, t: int) -> Posterior:
        """:meth:`step` without the argument check (online loops that validated ``t``)."""
        logw = self.log_prior + self.cache.loglik(self.model, self.all, t + 1)
        top = logw.max()
        if not np.isfinite(top):
            normalise_log(logw)  # raises the clear error
        w = np.exp(logw - top)
        w /= w.sum()
        return Posterior(self.all, w, float(1.0 / np.dot(w, w)))


def exact_posteriors(model: HypothesisModel, log_prior: np.ndarray | None = None) -> np.ndarray:
    """EI posterior after every step of the episode: (n_steps, n_hyp)."""
    ei = ExactInference(model, log_prior)
    out = np.empty((model.n_steps, model.n_hyp))
    for t in range(model.n_steps):
        out[t] = ei.step(t).weights
    return out
