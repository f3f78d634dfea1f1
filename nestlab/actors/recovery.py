"""Parameter recovery and calibration over many simulated data sets, compiled once (spec 5.3, 6).

A recovery study that called :func:`nestlab.actors.inference.fit` per data set would pay the
NUTS compilation every time. Here numpyro's functional NUTS (``numpyro.infer.hmc.hmc`` with a
potential from ``initialize_model(..., dynamic_args=True)``) is a pure JAX function of the data,
``jax.vmap``-ed over data sets of equal shape and compiled once.

Design (spec 5.3): truths ``sigma, sigma0, sigma_r ~ U(0.1, 0.25)``, ``mu0 ~ U(2, 5)``; stimuli
``s ~ U(0.1, 5)``; ``sigma`` is known (fixed at its true value, passed as data); marginal
likelihood; one chain per data set. Reports the mean squared error of posterior means, the
coverage of central 50% / 90% intervals, and simulation-based-calibration ranks, and whether each
data set's chain passed the convergence gate (split r-hat, bulk/tail ESS, divergences).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any, NamedTuple

import numpy as np

from nestlab import checks
from nestlab.actors.models import ActorParams, simulate

FREE = ("sigma0", "mu0", "sigma_r")
DEFAULT_TRUTH_BOX = {"sigma": (0.1, 0.25), "sigma0": (0.1, 0.25), "sigma_r": (0.1, 0.25),
                     "mu0": (2.0, 5.0)}


class Recovery(NamedTuple):
    """Result of :func:`recovery_study` (arrays have one row per data set)."""

    truth: dict[str, np.ndarray]
    posterior_mean: dict[str, np.ndarray]
    ranks: dict[str, np.ndarray]
    coverage50: dict[str, float]
    coverage90: dict[str, float]
    mse: dict[str, float]
    n_draws: int
    seconds: float
    seconds_per_dataset: float
    #: per data set: the one chain passes the gate (split r-hat <= 1.01, bulk and tail ESS
    #: >= 400, no divergences; :func:`nestlab.diagnostics.convergence`)
    converged: np.ndarray | None = None


def simulate_datasets(n_datasets: int, *, n_trials: int = 60, seed: int = 0,
                      truth_box: Mapping[str, tuple[float, float]] | None = None
                      ) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """Truths, stimuli (n_datasets, n_trials) and quadratic-cost responses."""
    n_datasets = checks.integer("n_datasets", n_datasets, min=1)
    n_trials = checks.integer("n_trials", n_trials, min=1)
    seed = checks.integer("seed", seed, min=0)
    box = dict(DEFAULT_TRUTH_BOX)
    for k, v in checks.mapping("truth_box", {} if truth_box is None else truth_box,
                               keys=DEFAULT_TRUTH_BOX).items():
        lo, hi = checks.sequence(f"truth_box[{k!r}]", v, min_len=2, max_len=2)
        lo = checks.real(f"truth_box[{k!r}][0]", lo, min=0, inclusive=(False, True))
        box[k] = (lo, checks.real(f"truth_box[{k!r}][1]", hi, min=lo))
    rng = np.random.default_rng(seed)
    truth = {k: rng.uniform(*box[k], n_datasets) for k in ("sigma", "sigma0", "mu0", "sigma_r")}
    S = rng.uniform(0.1, 5.0, (n_datasets, n_trials))
    R = np.stack([simulate(S[i], ActorParams(*(truth[k][i] for k in ("sigma", "sigma0", "mu0",
                                                                       "sigma_r"))),
                           seed=seed * 100_003 + i)["responses"] for i in range(n_datasets)])
    return truth, S, R


def recovery_study(n_datasets: int = 100, *, policy: str = "analytic", network: Any = None,
                   n_trials: int = 60, warmup: int = 500, draws: int = 1000, seed: int = 0,
                   n_nodes: int = 24, rank_thin: int = 10,
                   truth_box: Mapping[str, tuple[float, float]] | None = None,
                   only_converged: bool = True) -> Recovery:
    """Fit ``n_datasets`` simulated quadratic-cost data sets with one compiled, vmapped NUTS.

    Args:
        n_datasets: number of simulated data sets.
        policy: ``"analytic"`` or ``"network"`` (then ``network`` is a Policy or JaxPolicy).
        n_trials, warmup, draws: per data set (one chain each).
        seed: seeds truths, data and the samplers.
        n_nodes: Gauss–Hermite nodes of the marginal likelihood.
        rank_thin: thinning of the draws for SBC ranks (reduces autocorrelation).
        truth_box: ranges of the uniform truths (default: spec 5.3).
        only_converged: compute MSE, coverage and ranks over the data sets whose chain passed
            the gate only (default); ``False`` uses every data set (for smoke-sized runs whose
            short chains cannot reach ESS 400).

    Returns:
        :class:`Recovery` (``converged``: the gate per data set; with ``only_converged`` MSE,
        coverage and SBC ranks are over the converged data sets only, NaN if none converged;
        ``posterior_mean`` and ``truth`` keep every data set).
    """
    import jax
    import jax.numpy as jnp

    from nestlab.actors.costs import get_cost
    from nestlab.actors.likelihood import FitSpec, make_model, resolve_policy, start_values
    from nestlab.actors.sampler import batched_nuts

    n_datasets = checks.integer("n_datasets", n_datasets, min=1)
    n_trials = checks.integer("n_trials", n_trials, min=1)
    warmup = checks.integer("warmup", warmup, min=1)
    draws = checks.integer("draws", draws, min=1)
    seed = checks.integer("seed", seed, min=0)
    n_nodes = checks.integer("n_nodes", n_nodes, min=2, max=200)
    rank_thin = checks.integer("rank_thin", rank_thin, min=1, max=draws)
    only_converged = checks.boolean("only_converged", only_converged)
    cost = get_cost("quadratic")
    net, box = resolve_policy(policy, cost, network)
    spec = FitSpec(cost, policy, "marginal", FREE, {}, 1, box, n_nodes)
    model = make_model(spec, net)

    truth, S, R = simulate_datasets(n_datasets, n_trials=n_trials, seed=seed, truth_box=truth_box)
    S32, R32 = jnp.asarray(S, jnp.float32), jnp.asarray(R, jnp.float32)
    # the known perceptual noise of each data set is data: every data set shares one program
    known = {"sigma": jnp.asarray(np.repeat(truth["sigma"][:, None], n_trials, 1), jnp.float32)}
    cond = jnp.zeros((n_datasets, n_trials), jnp.int32)
    run = batched_nuts(model, (S32[0], cond[0], R32[0], {"sigma": known["sigma"][0]}),
                       warmup=warmup, draws=draws,
                       init=lambda s, c, r, kn: start_values(spec, r))
    keys = jax.random.split(jax.random.PRNGKey(seed + 1), n_datasets)
    t0 = time.perf_counter()
    post, div = jax.block_until_ready(run(keys, S32, cond, R32, known))
    secs = time.perf_counter() - t0
    post = {k: np.asarray(post[k], dtype=float) for k in FREE}
    converged = _gates(post, np.asarray(div))
    pm = {k: post[k].mean(axis=1) for k in FREE}
    cov50, cov90, ranks, mse = {}, {}, {}, {}
    # the numbers of a data set whose chain missed the gate are not used
    ok = converged if only_converged else np.ones_like(converged)
    for k in FREE:
        q = np.quantile(post[k][ok], [0.05, 0.25, 0.75, 0.95], axis=1)
        tk = truth[k][ok]
        cov50[k] = float(np.mean((q[1] <= tk) & (tk <= q[2]))) if ok.any() else float("nan")
        cov90[k] = float(np.mean((q[0] <= tk) & (tk <= q[3]))) if ok.any() else float("nan")
        ranks[k] = (post[k][ok][:, ::rank_thin] < tk[:, None]).sum(axis=1)
        mse[k] = float(np.mean((pm[k][ok] - tk) ** 2)) if ok.any() else float("nan")
    n_rank = post[FREE[0]][:, ::rank_thin].shape[1]
    return Recovery(truth, pm, ranks, cov50, cov90, mse, n_rank, secs, secs / n_datasets,
                    converged)


def _gates(post: Mapping[str, np.ndarray], diverging: np.ndarray) -> np.ndarray:
    """The convergence gate of each data set's one chain (``post[k]``: (data sets, draws))."""
    import logging

    from nestlab import diagnostics as D

    # one chain: ArviZ logs a shape warning per data set (r-hat needs 2 chains; the gate then
    # checks bulk/tail ESS and divergences), which would fill a notebook's output
    previous = logging.root.manager.disable  # ArviZ's logger is not registered by name
    logging.disable(logging.WARNING)
    out = []
    try:
        for i in range(diverging.shape[0]):
            idata = D.to_inference_data(posterior={k: v[i][None] for k, v in post.items()},
                                        sample_stats={"diverging": diverging[i][None]})
            out.append(D.convergence(idata).ok)
    finally:
        logging.disable(previous)
    return np.asarray(out, dtype=bool)
