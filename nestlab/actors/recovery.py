"""Parameter recovery and calibration over many simulated data sets, compiled once (spec 5.3, 6).

A recovery study that called :func:`nestlab.actors.inference.fit` per data set would pay the
NUTS compilation every time. Here numpyro's functional NUTS (``numpyro.infer.hmc.hmc`` with a
potential from ``initialize_model(..., dynamic_args=True)``) is a pure JAX function of the data,
``jax.vmap``-ed over data sets of equal shape and compiled once.

Design (spec 5.3): truths ``sigma, sigma0, sigma_r ~ U(0.1, 0.25)``, ``mu0 ~ U(2, 5)``; stimuli
``s ~ U(0.1, 5)``; ``sigma`` is known (fixed at its true value, passed as data); marginal
likelihood; ``chains`` chains per data set (default 4, so that r-hat compares chains started
apart). Reports the mean squared error of posterior means, the coverage of central 50% / 90%
intervals, and simulation-based-calibration ranks, and whether each data set's fit passed the
convergence gate (r-hat <= 1.01, bulk/tail ESS >= 400, no divergences).

The sampler is :func:`nestlab.actors.compare.fit_batch` — the one compiled, vmapped NUTS
program of every batched study — with the data sets' known noise passed as data.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any, NamedTuple

import numpy as np

from nestlab import checks
from nestlab.actors.models import ActorParams, simulate

__all__ = ["DEFAULT_TRUTH_BOX", "FREE", "Recovery", "recovery_study", "recovery_table",
           "simulate_datasets"]

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
    #: per data set: its chains pass the gate (r-hat <= 1.01, bulk and tail ESS >= 400, no
    #: divergences; :func:`nestlab.actors.compare.batch_convergence`)
    converged: np.ndarray | None = None
    #: the gate frame of :func:`nestlab.actors.compare.batch_convergence` (one row per data set)
    gates: Any = None
    chains: int = 1
    compile_seconds: float = 0.0
    #: CPU seconds of the whole study (every thread of the process)
    cpu_seconds: float = 0.0
    #: per data set: the runs its fit took (``retries``; 1: the first run passed or none allowed)
    attempts: np.ndarray | None = None


def simulate_datasets(n_datasets: int, *, n_trials: int = 60, seed: int = 0,
                      truth_box: Mapping[str, tuple[float, float]] | None = None
                      ) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """Truths, stimuli (n_datasets, n_trials) and quadratic-cost responses."""
    # local, as recovery_study's: compare brings pandas, which ``import recovery`` does without
    from nestlab.actors.compare import check_truth_box

    n_datasets = checks.integer("n_datasets", n_datasets, min=1)
    n_trials = checks.integer("n_trials", n_trials, min=1)
    seed = checks.integer("seed", seed, min=0)
    box = dict(DEFAULT_TRUTH_BOX) | check_truth_box(truth_box, tuple(DEFAULT_TRUTH_BOX))
    rng = np.random.default_rng(seed)
    truth = {k: rng.uniform(*box[k], n_datasets) for k in ("sigma", "sigma0", "mu0", "sigma_r")}
    S = rng.uniform(0.1, 5.0, (n_datasets, n_trials))
    R = np.stack([simulate(S[i], ActorParams(*(truth[k][i] for k in ("sigma", "sigma0", "mu0",
                                                                       "sigma_r"))),
                           seed=seed * 100_003 + i)["responses"] for i in range(n_datasets)])
    return truth, S, R


def recovery_study(n_datasets: int = 100, *, policy: str = "analytic", network: Any = None,
                   n_trials: int = 60, chains: int = 4, warmup: int = 500, draws: int = 500,
                   seed: int = 0, n_nodes: int = 24, rank_thin: int = 10,
                   truth_box: Mapping[str, tuple[float, float]] | None = None,
                   only_converged: bool = True, dense_mass: bool = False,
                   target_accept: float = 0.85, init_jitter: float = 0.3,
                   retries: int = 0, batch: str = "map") -> Recovery:
    """Fit ``n_datasets`` simulated quadratic-cost data sets with one compiled, vmapped NUTS.

    Args:
        n_datasets: number of simulated data sets.
        policy: ``"analytic"`` or ``"network"`` (then ``network`` is a Policy or JaxPolicy).
        n_trials: trials per data set.
        chains: chains per data set, started apart (``init_jitter``); with one chain the gate
            cannot check r-hat.
        warmup, draws: per chain.
        seed: seeds truths, data and the samplers.
        n_nodes: Gauss–Hermite nodes of the marginal likelihood.
        rank_thin: thinning of the pooled draws for SBC ranks (reduces autocorrelation).
        truth_box: ranges of the uniform truths (default: spec 5.3).
        only_converged: compute MSE, coverage and ranks over the data sets whose fit passed
            the gate only (default); ``False`` uses every data set (for smoke-sized runs whose
            short chains cannot reach ESS 400).
        dense_mass, target_accept, init_jitter: as in :func:`nestlab.actors.compare.fit_batch`.
        retries: refit a data set whose chains miss the gate, up to this many times, with
            chains twice as long each time, thinned back to ``draws``
            (:func:`~nestlab.actors.compare.fit_batch`; ``attempts`` records the runs).
        batch: ``"map"`` (default) or ``"vmap"``: how each device runs its rows
            (:func:`nestlab.actors.batch.run_batch`).

    Returns:
        :class:`Recovery` (``converged``: the gate per data set; with ``only_converged`` MSE,
        coverage and SBC ranks are over the converged data sets only, NaN if none converged;
        ``posterior_mean`` and ``truth`` keep every data set; ``seconds`` is the study's wall
        time, compilation included, ``seconds_per_dataset`` the sampling alone per data set).
    """
    from nestlab.actors.compare import batch_convergence, fit_batch

    n_datasets = checks.integer("n_datasets", n_datasets, min=1)
    n_trials = checks.integer("n_trials", n_trials, min=1)
    chains = checks.integer("chains", chains, min=1, max=64)
    warmup = checks.integer("warmup", warmup, min=1)
    draws = checks.integer("draws", draws, min=1)
    seed = checks.integer("seed", seed, min=0)
    n_nodes = checks.integer("n_nodes", n_nodes, min=2, max=200)
    rank_thin = checks.integer("rank_thin", rank_thin, min=1, max=chains * draws)
    only_converged = checks.boolean("only_converged", only_converged)
    checks.choice("policy", policy, ("analytic", "network"))
    retries = checks.integer("retries", retries, min=0, max=8)

    t0, c0 = time.perf_counter(), time.process_time()
    truth, S, R = simulate_datasets(n_datasets, n_trials=n_trials, seed=seed, truth_box=truth_box)
    # the known perceptual noise of each data set is data: every data set shares one program
    bf = fit_batch("quadratic", S, R, conditions=np.zeros(n_trials, np.int32),
                   sigmas=truth["sigma"][:, None], network=network, policy=policy,
                   chains=chains, warmup=warmup, draws=draws, seed=seed, n_nodes=n_nodes,
                   target_accept=target_accept, dense_mass=dense_mass, max_tree_depth=10,
                   init_jitter=init_jitter, extras=False, retries=retries, batch=batch)
    gates = batch_convergence(bf)
    converged = gates["converged"].to_numpy(dtype=bool)
    # (data set, chain, draw) -> (data set, pooled draws)
    post = {k: bf.samples[k].reshape(n_datasets, chains * draws) for k in FREE}
    pm = {k: post[k].mean(axis=1) for k in FREE}
    cov50, cov90, ranks, mse = {}, {}, {}, {}
    # the numbers of a data set whose fit missed the gate are not used
    ok = converged if only_converged else np.ones_like(converged)
    for k in FREE:
        q = np.quantile(post[k][ok], [0.05, 0.25, 0.75, 0.95], axis=1)
        tk = truth[k][ok]
        cov50[k] = float(np.mean((q[1] <= tk) & (tk <= q[2]))) if ok.any() else float("nan")
        cov90[k] = float(np.mean((q[0] <= tk) & (tk <= q[3]))) if ok.any() else float("nan")
        ranks[k] = (post[k][ok][:, ::rank_thin] < tk[:, None]).sum(axis=1)
        mse[k] = float(np.mean((pm[k][ok] - tk) ** 2)) if ok.any() else float("nan")
    n_rank = post[FREE[0]][:, ::rank_thin].shape[1]
    secs, cpu = time.perf_counter() - t0, time.process_time() - c0
    return Recovery(truth, pm, ranks, cov50, cov90, mse, n_rank, secs,
                    bf.run_seconds / n_datasets, converged, gates, chains, bf.compile_seconds,
                    cpu, bf.attempts)


def recovery_table(recs: Mapping[str, Recovery]) -> Any:
    """One column block per study (``{label: Recovery}``): MSE, coverage, the gate's counts.

    MSE and coverage are over the converged data sets (see :func:`recovery_study`).
    """
    import pandas as pd

    checks.mapping("recs", recs)
    blocks = {}
    for label, r in recs.items():
        checks.instance(f"recs[{label!r}]", r, Recovery)
        blocks[label] = pd.DataFrame({
            "MSE of posterior mean": r.mse, "coverage 50%": r.coverage50,
            "coverage 90%": r.coverage90,
            "converged data sets": f"{int(r.converged.sum())} of {r.converged.size}",
            "refitted (longer chains)": (0 if r.attempts is None
                                         else int((r.attempts > 1).sum()))})
    return pd.concat(blocks, axis=1)
