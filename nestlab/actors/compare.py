"""Cost-family comparison with PSIS-LOO (spec Sec. 5.5).

The paper's later version claims that the cost family itself can be inferred from behaviour but
gives no method. nestlab's method: fit every candidate family to the same trials, estimate each
fit's expected log pointwise predictive density by Pareto-smoothed importance-sampling
leave-one-out cross-validation (PSIS-LOO, ``az.loo``) and rank the families with ``az.compare``
(ELPD differences, their standard errors ``dse``, stacking weights).

PSIS-LOO needs one log-likelihood value **per observation** (trial) and per draw. :func:`fit`'s
default ``likelihood="marginal"`` provides exactly that — ``log p(r_i | s_i, theta)`` with the
measurement integrated out by Gauss–Hermite quadrature. Under ``likelihood="latent"`` the stored
value is ``log p(r_i | s_i, m_i, theta)``, conditional on a per-trial latent that is itself fitted
to that trial, so leaving trial ``i`` out would also have to remove ``m_i``: those fits are refused
here (:func:`check_loo_ready`).

Functions:

* :func:`fit_families` / :func:`compare_families` — one data set, every candidate, full
  :func:`nestlab.actors.inference.fit` posteriors (closed-form policy where one exists, the
  cached network otherwise);
* :func:`simulate_study` / :func:`fit_batch` / :func:`comparison_study` — how often the true family
  wins on simulated data: one NUTS program per *candidate* family, compiled once and run over all
  simulated data sets (``lax.map``-ed or ``jax.vmap``-ed, as :mod:`nestlab.actors.recovery` does);
* :func:`batch_convergence` — each study fit's gate (r_hat <= 1.01, bulk and tail ESS >= 400, no
  divergence; ``chains`` chains per data set); :func:`accuracy` — how often the true family wins
  over the data sets whose candidate fits all passed, with a Wilson interval
  (:func:`wilson_interval`); :func:`style_gates` — unconverged rows in red;
* :func:`confusion_matrix`, :func:`win_rates` — summaries of a study.

Sampling cost (one (data set, chain) row, the marginal likelihood's 90 trials x 8 nodes): a
log-density gradient takes 0.012 ms with a closed form, 0.07 ms with a network for a homogeneous
cost (the MLP runs once per parameter value) and 0.30 ms for absolute + effort, linex and the
inverted Gaussian (the MLP runs at every trial and node) — measured vmapped over 16 rows, one
core of the shared machine.

Design (spec 5.4): the default is the two-noise-level design (``sigma`` in {0.1, 0.2}, known,
45 trials each), because with one noise level every family whose optimal action is a power law in
``m`` (quadratic, quadratic_effort, absolute, asymmetric_quadratic) predicts the same law of
``log r | s`` up to an intercept that the prior median ``mu0`` absorbs.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from nestlab import checks
from nestlab.actors.batch import BATCH_MODES, gate_arrays, run_batch
from nestlab.actors.costs import COSTS, check_cost_params, get_cost, has_closed_form
from nestlab.actors.likelihood import (
    POLICIES,
    REPARAMS,
    RIDGE_PARAMS,
    FitSpec,
    check_reparam,
    check_sampler,
    distinct_choices,
    resolve_policy,
)
from nestlab.actors.models import ActorParams, check_stimulus_range

__all__ = ["DEFAULT_TRUTH_BOX", "DESIGNS", "Accuracy", "BatchFit",
           "ComparisonStudy", "DesignComparison", "StudyData", "WorkedExample", "accuracy",
           "batch_convergence", "batch_to_inference_data", "check_families", "check_loo_ready",
           "check_truth_box", "claim_comparison", "compare_families",
           "comparison_study", "confusion_matrix", "dataset_explorer", "design_comparison",
           "design_conditions", "draw_truths", "fit_batch", "fit_convergence", "fit_families",
           "gate_record", "gate_summary", "restrict", "simulate_design", "simulate_study",
           "study_policy", "style_gates", "wilson_interval", "win_rates",
           "worked_example"]

DESIGNS = ("two_noise", "one_noise")

#: ranges of the uniform truths of the actor's parameters in the simulation study
DEFAULT_TRUTH_BOX: dict[str, tuple[float, float]] = {
    "sigma0": (0.1, 0.25), "sigma_r": (0.1, 0.2), "mu0": (1.0, 3.0)}


def check_families(families: Sequence[str]) -> tuple[str, ...]:
    """Validate a list of cost-family names (non-empty, known, no duplicates).

    Raises:
        ValueError: naming the bad entry and listing the valid families.
    """
    return _families("families", families)


def _families(name: str, families: Any) -> tuple[str, ...]:
    return distinct_choices(name, families, COSTS, what="family")


def check_loo_ready(idata: Any) -> None:
    """Refuse fits whose stored log-likelihood is not a per-trial marginal (see module doc).

    Raises:
        ValueError: no ``log_likelihood`` group, not one value per observed trial, or a fit
            made with ``likelihood="latent"``.
    """
    from nestlab.diagnostics import require_groups

    require_groups(idata, "posterior", "observed_data")
    if not hasattr(idata, "log_likelihood") or "r" not in idata.log_likelihood:
        raise ValueError("invalid idata: the fit has no log_likelihood['r'] group; PSIS-LOO "
                         "needs it")
    ll = idata.log_likelihood["r"]
    n_obs = int(np.asarray(idata.observed_data["r"].values).size)
    if ll.ndim != 3 or ll.shape[2] != n_obs:
        raise ValueError(f"log_likelihood['r'] must have one value per trial (chain, draw, "
                         f"{n_obs}); got shape {tuple(ll.shape)}")
    if idata.posterior.attrs.get("likelihood", "marginal") == "latent":
        raise ValueError("a fit with likelihood='latent' stores log p(r_i | m_i, theta) conditional "
                         "on the per-trial latent m_i; refit with likelihood='marginal' for PSIS-LOO")


# ------------------------------------------------------------------ one data set, full fits


def _policy_for(cost: str, networks: Mapping[str, Any] | None, config: Any, n_threads: int,
                progress: bool) -> tuple[str, Any]:
    if has_closed_form(cost):
        return "analytic", None
    if networks is not None and cost in networks:
        return "network", networks[cost]
    from nestlab.actors.experiments import train_policies

    return "network", train_policies([cost], config=config, progress=progress,
                                     n_threads=n_threads)[cost]


def fit_families(stimuli: Any, responses: Any, *, families: Sequence[str] = tuple(COSTS),
                 conditions: Any = None, fixed: Mapping[str, Any] | None = None,
                 networks: Mapping[str, Any] | None = None, config: Any = None,
                 chains: int = 4, warmup: int = 1000, draws: int = 1000, seed: int = 0,
                 n_nodes: int = 8, n_threads: int = 1, progress: bool = True
                 ) -> dict[str, Any]:
    """Fit every candidate family to one data set (spec Sec. 5.5).

    Closed-form families use ``policy="analytic"``; the others use the amortized network,
    taken from ``networks`` or loaded (trained on a cache miss) with
    :func:`nestlab.actors.experiments.train_policies` — the path of notebooks 10–12.

    Args:
        stimuli, responses: the trials.
        families: candidate cost families.
        conditions, fixed: as in :func:`nestlab.actors.inference.fit` (e.g. the two-noise design
            with ``fixed={"sigma": [0.1, 0.2]}``).
        networks: ``{family: Policy or JaxPolicy}`` for families without a closed form.
        config: :class:`~nestlab.actors.policy.TrainConfig` for networks that must be loaded.
        chains, warmup, draws, seed, n_nodes: sampler settings, the same for every family.
        n_threads: torch threads should a network need training.
        progress: progress bar over the families.

    Returns:
        ``{family: InferenceData}`` (marginal likelihood: per-trial log-likelihoods).

    Note:
        :func:`fit` and :func:`comparison_study`'s batched program share one model
        (:mod:`nestlab.actors.likelihood`): a log-normal cost prior (linex, inverted_gaussian)
        is sampled on the log scale in both.
    """
    from tqdm.auto import tqdm

    from nestlab.actors.inference import fit

    fams = check_families(families)
    check_sampler(chains=chains, warmup=warmup, draws=draws, seed=seed, n_nodes=n_nodes)
    checks.integer("n_threads", n_threads, min=1)
    checks.boolean("progress", progress)
    if networks is not None:
        checks.mapping("networks", networks, keys=COSTS)
    out = {}
    for cost in tqdm(fams, desc="fit families", disable=not progress):
        policy, net = _policy_for(cost, networks, config, n_threads, progress)
        out[cost] = fit(stimuli, responses, cost=cost, policy=policy, network=net,
                        conditions=conditions, fixed=fixed, chains=chains, warmup=warmup,
                        draws=draws, seed=seed, n_nodes=n_nodes, likelihood="marginal")
    return out


def compare_families(fits: Mapping[str, Any]) -> pd.DataFrame:
    """Rank fitted families by PSIS-LOO (``az.compare``; see :func:`nestlab.diagnostics.compare`).

    Raises:
        ValueError: fewer than two fits, or a fit whose log-likelihood is not per-trial marginal.
    """
    from nestlab import diagnostics as D

    checks.mapping("fits", fits)
    for idata in fits.values():
        check_loo_ready(idata)
    return D.loo_compare(fits)


# ------------------------------------------------------------------ simulation study


def design_conditions(design: str = "two_noise", *, n_per_condition: int = 45,
                      sigma_levels: Sequence[float] = (0.1, 0.2), single_sigma: float = 0.2
                      ) -> tuple[np.ndarray, np.ndarray]:
    """Per-condition perceptual noise and each trial's condition label for a design.

    ``"two_noise"``: ``sigma_levels`` with ``n_per_condition`` trials each (spec 5.4);
    ``"one_noise"``: ``single_sigma`` for the same total number of trials.

    Returns:
        ``(sigmas, conditions)``.
    """
    checks.choice("design", design, DESIGNS)
    n_per_condition = checks.integer("n_per_condition", n_per_condition, min=1)
    levels = [checks.real(f"sigma_levels[{i}]", v, min=0, inclusive=(False, True))
              for i, v in enumerate(checks.sequence("sigma_levels", sigma_levels, min_len=1))]
    single_sigma = checks.real("single_sigma", single_sigma, min=0, inclusive=(False, True))
    if design == "one_noise":
        return (np.array([single_sigma], dtype=float),
                np.zeros(n_per_condition * len(levels), dtype=np.int32))
    return np.array(levels), np.repeat(np.arange(len(levels)), n_per_condition).astype(np.int32)


def _checked_design(design: Any, n_per_condition: Any, sigma_levels: Any, single_sigma: Any,
                    s_low: Any, s_high: Any, seed: Any
                    ) -> tuple[np.ndarray, np.ndarray, float, float, int]:
    """``(sigmas, conditions, s_low, s_high, seed)`` of a simulated design, every one checked."""
    s_low, s_high = check_stimulus_range(s_low, s_high)
    seed = checks.integer("seed", seed, min=0)
    sigmas, cond = design_conditions(design, n_per_condition=n_per_condition,
                                     sigma_levels=sigma_levels, single_sigma=single_sigma)
    return sigmas, cond, s_low, s_high, seed


def simulate_design(family: str, *, cost_params: Mapping[str, float] | None = None,
                    mu0: float = 1.5, sigma0: float = 0.2, sigma_r: float = 0.15,
                    design: str = "two_noise", n_per_condition: int = 45,
                    sigma_levels: Sequence[float] = (0.1, 0.2), single_sigma: float = 0.2,
                    s_low: float = 0.1, s_high: float = 5.0, seed: int = 0
                    ) -> dict[str, Any]:
    """One simulated data set for a design (default: spec 5.4's two-noise truth).

    Returns:
        :func:`~nestlab.actors.models.simulate`'s dict plus ``sigmas`` (known noise per
        condition) and ``fixed`` (``{"sigma": ...}`` for :func:`fit_families`).
    """
    from nestlab.actors.models import simulate

    fam = _families("family", [family])[0]
    sigmas, cond, s_low, s_high, seed = _checked_design(
        design, n_per_condition, sigma_levels, single_sigma, s_low, s_high, seed)
    s = np.random.default_rng(seed).uniform(s_low, s_high, cond.size)
    two = sigmas.size > 1
    sim = simulate(s, ActorParams(list(sigmas) if two else float(sigmas[0]), sigma0, mu0,
                                  sigma_r), cost=fam, cost_params=cost_params,
                   conditions=cond if two else None, seed=seed + 1)
    sim["sigmas"] = sigmas
    sim["fixed"] = {"sigma": [float(v) for v in sigmas] if two else float(sigmas[0])}
    if not two:
        sim["conditions"] = None
    return sim


def draw_truths(family: str, n: int, *, rng: np.random.Generator,
                truth_box: Mapping[str, tuple[float, float]] | None = None
                ) -> dict[str, np.ndarray]:
    """``n`` true parameter sets: the actor's uniform in ``truth_box``; the cost's from its prior.

    Cost parameters follow the family's prior (uniform, or log-normal truncated to its box)
    unless ``truth_box`` gives a uniform range for them.
    """
    from scipy import stats

    fam = COSTS[_families("family", [family])[0]]
    n = checks.integer("n", n, min=1)
    checks.instance("rng", rng, np.random.Generator)
    box = dict(DEFAULT_TRUTH_BOX) | check_truth_box(truth_box, ("sigma0", "mu0", "sigma_r")
                                               + fam.params)
    out = {k: rng.uniform(*box[k], n) for k in ("sigma0", "mu0", "sigma_r")}
    for k in fam.params:
        pr = fam.priors[k]
        if k in box:
            lo, hi = box[k]
            check_cost_params(family, {k: lo})
            check_cost_params(family, {k: hi})
            out[k] = rng.uniform(lo, hi, n)
        elif pr.kind == "uniform":
            out[k] = rng.uniform(max(pr.a, pr.box[0]), min(pr.b, pr.box[1]), n)
        else:
            lo, hi = (math.log(v) for v in pr.box)
            out[k] = np.exp(stats.truncnorm.rvs((lo - pr.a) / pr.b, (hi - pr.a) / pr.b, loc=pr.a,
                                                scale=pr.b, size=n, random_state=rng))
    return out


def check_truth_box(truth_box: Any, names: Sequence[str]) -> dict[str, tuple[float, float]]:
    """``truth_box`` checked: known names, each a ``(low, high)`` pair of positive numbers."""
    out = {}
    for k, v in checks.mapping("truth_box", {} if truth_box is None else truth_box,
                               keys=names).items():
        lo, hi = checks.sequence(f"truth_box[{k!r}]", v, min_len=2, max_len=2)
        lo = checks.real(f"truth_box[{k!r}][0]", lo, min=0, inclusive=(False, True))
        hi = checks.real(f"truth_box[{k!r}][1]", hi, min=lo)
        out[k] = (lo, hi)
    return out


class StudyData(NamedTuple):
    """Simulated data sets of a comparison study (one row per data set)."""

    family: np.ndarray  # (n,) true family of each data set
    truth: list[dict[str, float]]  # true parameters of each data set
    stimuli: np.ndarray  # (n, n_trials)
    responses: np.ndarray  # (n, n_trials)
    conditions: np.ndarray  # (n_trials,) shared design
    sigmas: np.ndarray  # (n_conditions,) known perceptual noise per condition
    design: str


def simulate_study(families: Sequence[str], n_datasets: int, *, design: str = "two_noise",
                   n_per_condition: int = 45, sigma_levels: Sequence[float] = (0.1, 0.2),
                   single_sigma: float = 0.2, s_low: float = 0.1, s_high: float = 5.0,
                   truth_box: Mapping[str, tuple[float, float]] | None = None,
                   seed: int = 0) -> StudyData:
    """Simulate ``n_datasets`` data sets from every family (exact optimal actions).

    Responses come from :func:`nestlab.actors.models.simulate` with the closed form or the
    numerical solver — never from a network — so network error cannot favour its own family.
    """
    from nestlab.actors.models import simulate

    fams = check_families(families)
    n_datasets = checks.integer("n_datasets", n_datasets, min=1)
    sigmas, cond, s_low, s_high, seed = _checked_design(
        design, n_per_condition, sigma_levels, single_sigma, s_low, s_high, seed)
    rng = np.random.default_rng(seed)
    labels, truths, S, R = [], [], [], []
    for f in fams:
        tr = draw_truths(f, n_datasets, rng=rng, truth_box=truth_box)
        for i in range(n_datasets):
            t = {k: float(v[i]) for k, v in tr.items()}
            s = rng.uniform(s_low, s_high, cond.size)
            sig = list(sigmas) if sigmas.size > 1 else float(sigmas[0])
            sim = simulate(s, ActorParams(sig, t["sigma0"], t["mu0"], t["sigma_r"]), cost=f,
                           cost_params={k: t[k] for k in COSTS[f].params},
                           conditions=cond if sigmas.size > 1 else None,
                           seed=int(rng.integers(2**31)))
            labels.append(f)
            truths.append(t)
            S.append(s)
            R.append(sim["responses"])
    return StudyData(np.array(labels), truths, np.stack(S), np.stack(R), cond, sigmas, design)


class BatchFit(NamedTuple):
    """One candidate family fitted to every data set by :func:`fit_batch` (``chains`` each)."""

    cost: str
    policy: str  # "analytic", "network" or "solver"
    samples: dict[str, np.ndarray]  # (n_datasets, chains, draws)
    log_likelihood: np.ndarray | None  # (n_datasets, chains, draws, n_trials), float32
    divergences: np.ndarray  # (n_datasets,) divergent transitions after warm-up, all chains
    diverging: np.ndarray  # (n_datasets, chains, draws) per-draw flags
    predictive: np.ndarray | None  # (n_datasets, chains, draws, n_trials) posterior predictive
    compile_seconds: float
    run_seconds: float
    #: (n_datasets,) runs each data set took (``retries`` of :func:`fit_batch`; 1: the first)
    attempts: np.ndarray | None = None
    #: coordinates NUTS sampled ``mu0`` and the cost parameter in (``reparam`` of :func:`fit_batch`)
    reparam: str = "none"

    def select(self, rows: Any) -> BatchFit:
        """The same fit restricted to some data sets (an index array or slice)."""
        def sub(a):
            return None if a is None else a[rows]

        return self._replace(samples={k: v[rows] for k, v in self.samples.items()},
                             log_likelihood=sub(self.log_likelihood),
                             divergences=self.divergences[rows], diverging=self.diverging[rows],
                             predictive=sub(self.predictive), attempts=sub(self.attempts))


def study_policy(cost: str, policy: str | None = None) -> str:
    """The policy a study fits ``cost`` with: ``"analytic"`` where a closed form exists, else
    ``policy`` (default ``"network"``; ``"solver"``: the numerical optimum inside the model)."""
    fam = _families("cost", [cost])[0]
    if has_closed_form(fam):
        return "analytic"
    return "network" if policy is None else checks.choice("policy", policy, ("network", "solver"))


def fit_batch(cost: str, stimuli: np.ndarray, responses: np.ndarray, *, conditions: np.ndarray,
              sigmas: np.ndarray, network: Any = None, policy: str | None = None,
              chains: int = 4, warmup: int = 400, draws: int = 300, seed: int = 0,
              n_nodes: int = 8, target_accept: float = 0.85, dense_mass: bool = True,
              max_tree_depth: int = 8, init_jitter: float = 0.3, ll_batch: int = 50,
              extras: bool = True, retries: int = 0, reparam: str = "none",
              batch: str = "map") -> BatchFit:
    """Fit family ``cost`` to many data sets at once, ``chains`` chains each, compiled once.

    numpyro's functional NUTS (:func:`nestlab.actors.sampler.batched_nuts`) on the model of
    :mod:`nestlab.actors.likelihood`, mapped over (data set, chain) rows (``batch``). The
    perceptual noise is known (one ``sigma`` per condition, spec 5.4); ``sigma0``, ``mu0``,
    ``sigma_r`` and the cost parameters are free, with :func:`fit`'s priors; the likelihood is
    the marginal one (Gauss–Hermite over ``log m``), so the returned pointwise log-likelihoods
    are valid for PSIS-LOO.

    Convergence (see :func:`batch_convergence`): a **dense** mass matrix (the prior–cost ridge
    is a strong linear correlation in the unconstrained coordinates) and chains started at
    dispersed points around a data-informed start (``init_jitter``: the spread, on the log
    scale of each parameter, clipped inside its prior's support), so r_hat compares chains
    that began apart.

    Args:
        cost: candidate family.
        stimuli, responses: ``(n_datasets, n_trials)``.
        conditions: ``(n_trials,)`` condition label of each trial (shared by all data sets).
        sigmas: ``(n_conditions,)`` known perceptual noise per condition, or
            ``(n_datasets, n_conditions)``: one known noise per data set and condition (the
            recovery study's, :mod:`nestlab.actors.recovery`); it is data, so either way all
            data sets share one program.
        network: Policy/JaxPolicy for families without a closed form (``policy="network"``),
            or :class:`~nestlab.actors.solver.SolverOptions` (``policy="solver"``).
        policy: ``None`` (default: :func:`study_policy`, the closed form where one exists, else
            the network), or explicitly ``"analytic"``, ``"network"`` (also for a closed-form
            family, e.g. to compare its network with its closed form) or ``"solver"``.
        chains: independent chains per data set.
        warmup, draws: NUTS iterations per chain.
        seed: PRNG seed.
        n_nodes: Gauss–Hermite nodes.
        target_accept: NUTS target acceptance probability.
        dense_mass: adapt a dense mass matrix (else diagonal).
        max_tree_depth: NUTS tree depth limit (the vmapped loop runs as long as the deepest row).
        init_jitter: spread of the chains' starting points (0: all start at the same point).
        ll_batch: draws per block when evaluating the pointwise log-likelihood (memory).
        extras: compute the pointwise log-likelihood and posterior predictive (PSIS-LOO, PPC)
            in the same program; ``False`` samples only (``log_likelihood`` and ``predictive``
            are then ``None``).
        retries: run a data set whose chains miss the gate again, up to this many times, with
            chains twice as long each time, thinned back to ``draws`` (see
            :func:`nestlab.actors.batch.run_batch`; ``attempts`` records the runs per data set).
        reparam: ``"none"`` (default) or ``"ridge"``: sample ``mu0`` and ``beta`` in the ridge
            coordinates of :func:`nestlab.actors.likelihood.ridge_transform` (same prior; the
            slope of each data set's ridge comes from its own stimuli and responses). For a
            family with ``beta`` only (quadratic or absolute + effort): with one noise level
            its ``log beta + w0 log mu0`` is identified and the rest is a ridge that a dense
            mass matrix whitens only where it is straight.
        batch: ``"map"`` (default: each device runs its rows one after the other) or
            ``"vmap"`` (in lockstep); see :func:`nestlab.actors.batch.run_batch`.

    The rows are split evenly over JAX's CPU host devices (``jax.shard_map`` of the batched program;
    :func:`nestlab.actors.configure` asks for 4), so both cores of the machine work; compiled
    programs go to the persistent cache of :func:`nestlab.actors.batch.use_compile_cache`; the
    driver is :func:`nestlab.actors.batch.run_batch`, shared with notebook 13's subject fits.

    Returns:
        :class:`BatchFit`; ``compile_seconds`` (XLA compilation) and ``run_seconds`` apart.
    """
    import jax  # local: JAX starts only when a study compiles

    cost = _families("cost", [cost])[0]
    chains, warmup, draws, seed, n_nodes, target_accept = check_sampler(
        chains=chains, warmup=warmup, draws=draws, seed=seed, n_nodes=n_nodes,
        target_accept=target_accept)
    ll_batch = checks.integer("ll_batch", ll_batch, min=1)
    max_tree_depth = checks.integer("max_tree_depth", max_tree_depth, min=1)
    dense_mass = checks.boolean("dense_mass", dense_mass)
    extras = checks.boolean("extras", extras)
    batch = checks.choice("batch", batch, BATCH_MODES)
    init_jitter = checks.real("init_jitter", init_jitter, min=0, max=2)
    S = checks.array("stimuli", stimuli, ndim=2, min=0, inclusive=(False, True))
    R = checks.array("responses", responses, shape=S.shape, min=0, inclusive=(False, True))
    sig = checks.array("sigmas", sigmas, min=0, inclusive=(False, True))
    if sig.ndim not in (1, 2) or (sig.ndim == 2 and sig.shape[0] != S.shape[0]):
        raise ValueError(f"invalid sigmas: shape {sig.shape}; valid: (n_conditions,) or "
                         f"(n_datasets={S.shape[0]}, n_conditions)")
    cond = checks.array("conditions", conditions, dtype="int", shape=(S.shape[1],), min=0,
                        max=sig.shape[-1] - 1).astype(np.int32)
    fam = get_cost(cost)
    pol = study_policy(cost) if policy is None else checks.choice("policy", policy, POLICIES)
    if pol == "analytic" and not has_closed_form(fam.name):
        pol = study_policy(cost)  # no closed form: the network (a study's default)
    net, box = resolve_policy(pol, fam, network if pol != "analytic" else None)
    free = ("sigma0", "mu0", "sigma_r") + fam.params
    spec = check_reparam(reparam, FitSpec(fam, pol, "marginal", free, {}, 1, dict(box), n_nodes))
    n, T = S.shape
    rows = n * chains
    # every data set repeated once per chain: row = dataset * chains + chain
    S = np.repeat(S.astype(np.float32), chains, axis=0)
    R = np.repeat(R.astype(np.float32), chains, axis=0)
    # the known perceptual noise of each trial is data, so designs of equal size share a program
    G = (sig.astype(np.float32)[..., cond] if sig.ndim == 1 else
         np.repeat(sig.astype(np.float32)[:, cond], chains, axis=0))
    G = np.broadcast_to(G, S.shape).astype(np.float32)
    keys = jax.random.split(jax.random.PRNGKey(seed + 1), rows)
    # predictive noise and starting-point offsets drawn in numpy (XLA compiles threefry slowly)
    rng = np.random.default_rng([seed, 7])
    noise = rng.standard_normal((rows, draws, 2, T)).astype(np.float32)
    u = (init_jitter * rng.standard_normal((rows, len(free)))).astype(np.float32)
    conds = np.broadcast_to(cond, S.shape).astype(np.int32)
    run = run_batch(spec, net, keys, S, conds, R, {"sigma": G}, noise, u, warmup=warmup,
                    draws=draws, target_accept=target_accept, dense_mass=dense_mass,
                    max_tree_depth=max_tree_depth, ll_batch=ll_batch, extras=extras,
                    chains=chains, retries=retries, batch=batch)

    def per_set(a, dtype=float):
        if a is None:
            return None
        a = np.asarray(a, dtype=dtype)
        return a.reshape((n, chains) + a.shape[1:])

    div = per_set(run.diverging, bool)
    return BatchFit(cost, pol, {k: per_set(run.theta[k]) for k in free},
                    per_set(run.log_likelihood, np.float32), div.sum(axis=(1, 2)), div,
                    per_set(run.predictive, np.float32), run.compile_seconds, run.run_seconds,
                    run.attempts, reparam)


def batch_convergence(bf: BatchFit, *, rhat_max: float | None = None,
                      ess_min: float | None = None) -> pd.DataFrame:
    """The convergence gate of every data set of a :func:`fit_batch` (ArviZ's diagnostics).

    Per data set, over its free parameters: the largest rank-normalised split r_hat, the
    smallest bulk and tail ESS (``az.rhat`` / ``az.ess``, the estimators of
    :func:`nestlab.diagnostics.convergence`, not rounded), the divergent transitions, and
    ``converged``: r_hat <= ``rhat_max`` (1.01), both ESS >= ``ess_min`` (400), no divergence.
    """
    checks.instance("bf", bf, BatchFit)
    return gate_arrays(bf.samples, bf.divergences, rhat_max=rhat_max, ess_min=ess_min)


def fit_convergence(fits: Mapping[str, Any], *, rhat_max: float | None = None,
                    ess_min: float | None = None) -> pd.DataFrame:
    """:func:`batch_convergence`'s gate for InferenceData fits, one row per fit (``{name: idata}``).

    Like :func:`nestlab.diagnostics.convergence`, r_hat and ESS meet the thresholds unrounded.
    """
    from nestlab.diagnostics import require_groups

    checks.mapping("fits", fits)
    rows = []
    for name, idata in fits.items():
        require_groups(idata, "posterior", name=f"fits[{name!r}]")
        post = idata.posterior
        samples = {k: np.asarray(post[k].values, dtype=float)[None] for k in post.data_vars
                   if post[k].ndim == 2}
        div = (np.asarray(idata.sample_stats["diverging"].values).sum()
               if hasattr(idata, "sample_stats") and "diverging" in idata.sample_stats else 0)
        rows.append(gate_arrays(samples, np.array([div]), rhat_max=rhat_max,
                                ess_min=ess_min).iloc[0]
                    .rename(name))
    out = pd.DataFrame(rows)
    out["converged"] = out["converged"].astype(bool)
    out["divergences"] = out["divergences"].astype(int)
    return out


class ComparisonStudy(NamedTuple):
    """Result of :func:`comparison_study`."""

    data: StudyData
    table: pd.DataFrame  # one row per (data set, candidate): the az.compare frame, tidy
    winners: np.ndarray  # (n,) top-ranked candidate per data set
    fits: dict[str, BatchFit]
    seconds: pd.DataFrame  # per candidate: policy, compile, run, per data set
    loo_seconds: float
    worked_fits: dict[str, Any]  # {candidate: InferenceData} of the optional worked data set
    gates: pd.DataFrame  # (data set, candidate) rows of batch_convergence
    converged: np.ndarray  # (n,) every candidate's fit of the data set passed its gate


def batch_to_inference_data(bf: BatchFit, dataset: int, *, stimuli: Any, responses: Any,
                            conditions: Any, sigmas: Any) -> Any:
    """InferenceData of one data set of a :func:`fit_batch` (its ``chains`` chains).

    Groups: posterior, sample_stats (``diverging``), log_likelihood (per trial),
    posterior_predictive, observed_data, constant_data — what
    :func:`nestlab.diagnostics.convergence`, :func:`~nestlab.diagnostics.loo` and
    :func:`~nestlab.diagnostics.plot_ppc_vs_stimulus` need.
    """
    from nestlab import diagnostics as D

    i = checks.integer("dataset", dataset, min=0, max=len(bf.divergences) - 1)
    return D.to_inference_data(
        posterior={k: v[i] for k, v in bf.samples.items()},
        sample_stats={"diverging": bf.diverging[i]},
        log_likelihood={"r": bf.log_likelihood[i].astype(float)},
        posterior_predictive={"r": bf.predictive[i].astype(float)},
        observed_data={"r": np.asarray(responses, dtype=float)},
        constant_data={"s": np.asarray(stimuli, dtype=float),
                       "condition": np.asarray(conditions)},
        dims={"r": ["trial"]},
        attrs={"cost": bf.cost, "likelihood": "marginal", "chains": bf.diverging.shape[1],
               "policy": bf.policy, "sigmas": [float(v) for v in np.atleast_1d(sigmas)],
               "sampler": "vmapped functional NUTS, dense mass "
                          "(nestlab.actors.compare.fit_batch)"})


def _study_table(data: StudyData, fits: Mapping[str, BatchFit], progress: bool) -> pd.DataFrame:
    from tqdm.auto import tqdm

    from nestlab import diagnostics as D

    frames = []
    for i in tqdm(range(len(data.family)), desc="PSIS-LOO + compare", disable=not progress):
        loos = {c: D.loo(bf.log_likelihood[i].astype(float)) for c, bf in fits.items()}
        df = D.loo_compare(loos)
        df.insert(0, "candidate", df.index)
        df.insert(0, "true_family", data.family[i])
        df.insert(0, "dataset", i)
        df["divergences"] = [int(fits[c].divergences[i]) for c in df["candidate"]]
        frames.append(df.reset_index(drop=True))
    return pd.concat(frames, ignore_index=True)


def _gates(fits: Mapping[str, BatchFit]) -> pd.DataFrame:
    frames = []
    for c, bf in fits.items():
        g = batch_convergence(bf).reset_index()
        g.insert(1, "candidate", c)
        g["attempts"] = 1 if bf.attempts is None else bf.attempts
        frames.append(g)
    return pd.concat(frames, ignore_index=True)


def _attach_gates(table: pd.DataFrame, gates: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    g = gates.set_index(["dataset", "candidate"])["converged"]
    table = table.copy()
    table["converged"] = [bool(g.loc[(d, c)]) for d, c in zip(table["dataset"],
                                                              table["candidate"], strict=True)]
    per_set = table.groupby("dataset", sort=True)["converged"].all().to_numpy()
    return table, per_set


def comparison_study(families: Sequence[str] = tuple(COSTS), *, n_datasets: int = 3,
                     candidates: Sequence[str] | None = None, design: str = "two_noise",
                     n_per_condition: int = 45, sigma_levels: Sequence[float] = (0.1, 0.2),
                     single_sigma: float = 0.2,
                     truth_box: Mapping[str, tuple[float, float]] | None = None,
                     networks: Mapping[str, Any] | None = None, config: Any = None,
                     policy: str | None = None, chains: int = 4, warmup: int = 400,
                     draws: int = 300, seed: int = 0, n_nodes: int = 8,
                     target_accept: float = 0.95, dense_mass: bool = True,
                     max_tree_depth: int = 8,
                     n_threads: int = 1, progress: bool = True,
                     worked: Mapping[str, Any] | None = None,
                     worked_candidates: Sequence[str] | None = None,
                     retries: int = 0, reparam: str = "none") -> ComparisonStudy:
    """How often does PSIS-LOO pick the true cost family? (spec Sec. 5.5)

    Simulates ``n_datasets`` data sets from every family in ``families``
    (:func:`simulate_study`), fits every family in ``candidates`` (default: the same list) to
    every data set with ``chains`` chains in one compiled, vmapped NUTS program per candidate
    (:func:`fit_batch`), checks each fit's convergence gate (:func:`batch_convergence`), then
    ranks the candidates on each data set with ``az.compare``.

    ``worked`` (a dict with ``stimuli`` and ``responses`` on the same design, e.g. from
    :func:`simulate_design`) is fitted in the same compiled programs as one more data set, so a
    worked example costs no extra compilation; its fits come back as InferenceData in
    ``worked_fits`` (for :func:`compare_families` and
    :func:`nestlab.diagnostics.convergence`); its gates are not part of ``gates``.
    ``worked_candidates`` adds families fitted to the worked data set only (programs of their
    own, one data set): the worked example can rank more families than the study affords.

    Args:
        policy: for families without a closed form, ``"network"`` (default; ``networks`` or the
            cached ones) or ``"solver"`` (the numerical optimum inside the model).
        chains, warmup, draws, n_nodes, dense_mass, max_tree_depth: as in :func:`fit_batch`.
        target_accept: NUTS target acceptance probability (default 0.95, not
            :func:`fit_batch`'s 0.85: a misspecified effort family's ``beta`` piles up at a
            bound of its prior, where the logit coordinate's tail needs the smaller step. On
            notebook 14's worked data set (absolute + effort, beta = 0.6) the quadratic +
            effort fit at 4 x (500 + 1000) had r-hat 1.017, bulk / tail ESS 280 / 88 at 0.85
            and 1.003, 740 / 953 at 0.95 (same seed, no divergences); the absolute + effort
            fit had one divergence at 0.85.
        retries: refit a data set whose chains miss the gate, up to this many times, with
            chains twice as long each time (:func:`fit_batch`); ``seconds`` counts the data
            sets refitted per candidate (``refitted``, as :func:`gate_summary`).
        reparam: ``"none"`` (default) or ``"ridge"``: the candidates with a ridge partner of
            ``mu0`` (``beta``: quadratic and absolute + effort) are sampled in ridge
            coordinates (:func:`fit_batch`), the others as usual; ``seconds`` says which.

    Returns:
        :class:`ComparisonStudy`; see :func:`confusion_matrix`, :func:`win_rates` and
        :func:`accuracy`.
    """
    from tqdm.auto import tqdm

    fams = check_families(families)
    cands = _families("candidates", candidates if candidates is not None else fams)
    if len(cands) < 2:
        raise ValueError(f"invalid candidates {list(cands)}: need at least two families to "
                         "compare")
    check_sampler(chains=chains, warmup=warmup, draws=draws, seed=seed, n_nodes=n_nodes,
                  target_accept=target_accept)
    checks.integer("n_threads", n_threads, min=1)
    checks.integer("max_tree_depth", max_tree_depth, min=1)
    checks.boolean("progress", progress)
    retries = checks.integer("retries", retries, min=0, max=8)
    reparam = checks.choice("reparam", reparam, REPARAMS)
    data = simulate_study(fams, n_datasets, design=design, n_per_condition=n_per_condition,
                          sigma_levels=sigma_levels, single_sigma=single_sigma,
                          truth_box=truth_box, seed=seed)
    n = len(data.family)
    S, R = data.stimuli, data.responses
    if worked is not None:
        checks.mapping("worked", worked, required=("stimuli", "responses"))
        ws = checks.array("worked['stimuli']", worked["stimuli"], shape=(S.shape[1],), min=0,
                          inclusive=(False, True))
        wr = checks.array("worked['responses']", worked["responses"], shape=(S.shape[1],),
                          min=0, inclusive=(False, True))
        S = np.concatenate([S, ws[None]])
        R = np.concatenate([R, wr[None]])
    extra: tuple[str, ...] = ()
    if worked_candidates is not None:
        if worked is None:
            raise ValueError("invalid worked_candidates: given without a worked data set; "
                             "valid: pass worked= too, or leave worked_candidates=None")
        extra = tuple(c for c in _families("worked_candidates", worked_candidates)
                      if c not in cands)
    fits, rows, worked_fits = {}, {}, {}
    todo = [(c, True) for c in cands] + [(c, False) for c in extra]
    for j, (c, in_study) in enumerate(tqdm(todo, desc="fit candidates (vmapped NUTS)",
                                           disable=not progress)):
        pol = study_policy(c, policy)
        net = _policy_for(c, networks, config, n_threads, progress)[1] if pol == "network" \
            else None
        Sj, Rj = (S, R) if in_study else (S[n:], R[n:])
        ridge = reparam == "ridge" and any(p in RIDGE_PARAMS for p in get_cost(c).params)
        bf = fit_batch(c, Sj, Rj, conditions=data.conditions, sigmas=data.sigmas, network=net,
                       policy=pol, chains=chains, warmup=warmup, draws=draws,
                       seed=seed + 1000 * (j + 1), n_nodes=n_nodes, dense_mass=dense_mass,
                       max_tree_depth=max_tree_depth, target_accept=target_accept,
                       retries=retries, reparam="ridge" if ridge else "none")
        if worked is not None:
            worked_fits[c] = batch_to_inference_data(
                bf, len(Sj) - 1, stimuli=ws, responses=wr, conditions=data.conditions,
                sigmas=data.sigmas)
        rows[c] = {"policy": pol, "in_study": in_study, "data_sets": len(Sj),
                   "compile_seconds": bf.compile_seconds, "run_seconds": bf.run_seconds,
                   "run_seconds_per_dataset": bf.run_seconds / len(Sj),
                   "refitted": int((bf.attempts > 1).sum()), "reparam": bf.reparam}
        if in_study:
            fits[c] = bf.select(slice(0, n)) if worked is not None else bf
    t0 = time.perf_counter()
    table = _study_table(data, fits, progress)
    gates = _gates(fits)
    table, conv = _attach_gates(table, gates)
    loo_secs = time.perf_counter() - t0
    winners = table[table["rank"] == 0].sort_values("dataset")["candidate"].to_numpy()
    return ComparisonStudy(data, table, winners, fits, pd.DataFrame(rows).T, loo_secs,
                           worked_fits, gates, conv)


def restrict(study: ComparisonStudy, candidates: Sequence[str], *,
             families: Sequence[str] | None = None) -> ComparisonStudy:
    """The same study re-ranked among a subset of candidates (and of true families).

    No refitting: each data set's PSIS-LOO results are compared again with ``az.compare`` over
    ``candidates`` only; the gates are the kept fits'.
    """
    checks.instance("study", study, ComparisonStudy)
    cands = tuple(checks.choices("candidates", candidates, list(study.fits)))
    if len(set(cands)) < 2:
        raise ValueError(f"invalid candidates {list(cands)}: need at least two distinct of the "
                         f"study's {list(study.fits)}")
    fams = check_families(families) if families is not None else tuple(dict.fromkeys(
        study.data.family))
    keep = np.flatnonzero(np.isin(study.data.family, fams))
    d = study.data
    data = StudyData(d.family[keep], [d.truth[i] for i in keep], d.stimuli[keep],
                     d.responses[keep], d.conditions, d.sigmas, d.design)
    fits = {c: study.fits[c].select(keep) for c in cands}
    table = _study_table(data, fits, False)
    gates = _gates(fits)
    table, conv = _attach_gates(table, gates)
    winners = table[table["rank"] == 0].sort_values("dataset")["candidate"].to_numpy()
    return ComparisonStudy(data, table, winners, fits, study.seconds.loc[list(cands)],
                           study.loo_seconds, {c: study.worked_fits[c] for c in cands
                                               if c in study.worked_fits}, gates, conv)


def wilson_interval(k: int, n: int, *, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a binomial proportion ``k / n`` at confidence ``level``.

    Raises:
        ValueError: ``n`` < 1, ``k`` outside ``0..n`` or ``level`` outside (0, 1).
    """
    from scipy import stats

    n = checks.integer("n", n, min=1)
    k = checks.integer("k", k, min=0, max=n)
    level = checks.real("level", level, min=0, max=1, inclusive=(False, False))
    z = float(stats.norm.ppf(0.5 + level / 2))
    p = k / n
    den = 1 + z ** 2 / n
    mid = (p + z ** 2 / (2 * n)) / den
    half = z * math.sqrt(p * (1 - p) / n + z ** 2 / (4 * n ** 2)) / den
    return max(0.0, mid - half), min(1.0, mid + half)


class Accuracy(NamedTuple):
    """How often the true family won, over the data sets whose fits all converged."""

    k: int  # data sets the true family won (converged ones)
    n: int  # converged data sets
    n_total: int  # all data sets
    n_excluded: int  # data sets with at least one unconverged candidate fit
    accuracy: float  # k / n (NaN when n = 0)
    low: float  # Wilson interval (NaN when n = 0)
    high: float
    level: float
    chance: float  # 1 / number of candidates


def accuracy(study: ComparisonStudy, *, level: float = 0.95) -> Accuracy:
    """Accuracy of the PSIS-LOO winner with its Wilson interval, unconverged data sets excluded.

    A data set counts only if every candidate's fit of it passed the gate (r_hat <= 1.01, bulk
    and tail ESS >= 400, no divergence): a ranking that involves an unconverged fit is not used.
    """
    checks.instance("study", study, ComparisonStudy)
    ok = np.asarray(study.converged, dtype=bool)
    won = np.asarray(study.winners == study.data.family)
    n, k = int(ok.sum()), int((won & ok).sum())
    lo, hi = wilson_interval(k, n, level=level) if n else (math.nan, math.nan)
    return Accuracy(k, n, int(ok.size), int(ok.size - n), k / n if n else math.nan, lo, hi,
                    float(level), 1 / len(study.fits))


def style_gates(frame: pd.DataFrame, *, column: str = "converged"):
    """A pandas Styler showing the rows whose ``column`` is False in red (unconverged fits)."""
    checks.instance("frame", frame, pd.DataFrame)
    if column not in frame.columns:
        raise ValueError(f"unknown column {column!r}; valid choices: "
                         + ", ".join(map(str, frame.columns)))

    def red(row):
        bad = not bool(row[column])
        return ["background-color: #f8d7da; color: #842029" if bad else ""] * len(row)

    return frame.style.apply(red, axis=1).format(precision=3)


def confusion_matrix(study: ComparisonStudy, *, normalize: bool = False) -> pd.DataFrame:
    """Counts (or row fractions) of true family (rows) x PSIS-LOO winner (columns)."""
    checks.instance("study", study, ComparisonStudy)
    normalize = checks.boolean("normalize", normalize)
    true = pd.Categorical(study.data.family, categories=list(dict.fromkeys(study.data.family)))
    cands = list(study.fits)
    win = pd.Categorical(study.winners, categories=cands)
    cm = pd.crosstab(pd.Series(true, name="true family"), pd.Series(win, name="LOO winner"),
                     dropna=False)
    if normalize:
        cm = cm.div(cm.sum(axis=1), axis=0)
    return cm


def win_rates(study: ComparisonStudy) -> pd.DataFrame:
    """Per true family: fraction of data sets it wins, and the true family's ELPD gap.

    ``elpd_diff_true`` is the true family's ELPD below the winner (0 when it wins) and
    ``gap_in_dse`` that difference in units of its standard error (``dse``); ``margin_in_dse``
    is, when the true family wins, its lead over the runner-up in units of that dse.
    """
    checks.instance("study", study, ComparisonStudy)
    t = study.table
    rows = []
    for i in sorted(t["dataset"].unique()):
        d = t[t["dataset"] == i].set_index("candidate")
        fam = d["true_family"].iloc[0]
        if fam not in d.index:
            continue
        true_row = d.loc[fam]
        won = int(true_row["rank"]) == 0
        ru = d[d["rank"] == 1].iloc[0] if won and (d["rank"] == 1).any() else None
        rows.append({"dataset": i, "true_family": fam, "true_wins": won,
                     "elpd_diff_true": float(true_row["elpd_diff"]),
                     "gap_in_dse": (float(true_row["elpd_diff"] / true_row["dse"])
                                    if true_row["dse"] > 0 else 0.0),
                     "margin_in_dse": (float(ru["elpd_diff"] / ru["dse"])
                                       if ru is not None and ru["dse"] > 0 else float("nan")),
                     "true_weight": float(true_row["weight"])})
    per = pd.DataFrame(rows)
    return per.groupby("true_family", sort=False).agg(
        n=("true_wins", "size"), win_rate=("true_wins", "mean"),
        mean_elpd_diff=("elpd_diff_true", "mean"), mean_gap_in_dse=("gap_in_dse", "mean"),
        median_margin_in_dse=("margin_in_dse", "median"), mean_weight=("true_weight", "mean"))


# ------------------------------------------------------------------ notebook 14's summaries


class WorkedExample(NamedTuple):
    """The worked data set of a :func:`comparison_study`, ranked among ``families``."""

    fits: dict[str, Any]  # {family: InferenceData}
    gates: pd.DataFrame  # fit_convergence of the fits
    table: pd.DataFrame  # compare_families, with a ``converged`` column
    converged: dict[str, bool]
    ok: bool  # every fit passed its gate
    true_family: str
    winner: str
    runner_up: str
    margin_in_dse: float  # the runner-up's ELPD gap in units of its dse


def worked_example(study: ComparisonStudy, families: Sequence[str], true_family: str
                   ) -> WorkedExample:
    """Gates and PSIS-LOO ranking of the worked data set's fits by ``families``."""
    checks.instance("study", study, ComparisonStudy)
    fams = tuple(checks.choices("families", families, list(study.worked_fits)))
    true_family = checks.choice("true_family", true_family, fams)
    fits = {f: study.worked_fits[f] for f in fams}
    gates = fit_convergence(fits)
    table = compare_families(fits)
    table["converged"] = [bool(gates.loc[f, "converged"]) for f in table.index]
    runner_up = str(table.index[1])
    margin = float(table.loc[runner_up, "elpd_diff"] / table.loc[runner_up, "dse"])
    conv = {f: bool(v) for f, v in gates["converged"].items()}
    return WorkedExample(fits, gates, table, conv, all(conv.values()), true_family,
                         str(table.index[0]), runner_up, margin)


def gate_summary(study: ComparisonStudy) -> pd.DataFrame:
    """Per candidate of a study: fits, whether all converged, the worst r-hat / ESS, how many
    fits had divergences and how many were refitted with longer chains (``retries``)."""
    checks.instance("study", study, ComparisonStudy)
    g = study.gates
    out = g.groupby("candidate", sort=False).agg(
        fits=("dataset", "size"), n_converged=("converged", "sum"),
        worst_rhat=("max_rhat", "max"), worst_bulk_ess=("min_ess_bulk", "min"),
        worst_tail_ess=("min_ess_tail", "min"),
        with_divergences=("divergences", lambda v: int((v > 0).sum())),
        refitted=("attempts", lambda v: int((v > 1).sum())))
    out["converged"] = out["n_converged"] == out["fits"]
    return out


def gate_record(study: ComparisonStudy) -> dict[str, list[bool]]:
    """``{candidate: [gate of data set 0, 1, ...]}`` of a study (for ``nestlab.record``)."""
    checks.instance("study", study, ComparisonStudy)
    g = study.gates
    return {c: [bool(v) for v in g[g["candidate"] == c].sort_values("dataset")["converged"]]
            for c in study.fits}


class DesignComparison(NamedTuple):
    """:func:`design_comparison`: the same families under two designs."""

    studies: dict[str, ComparisonStudy]  # "two_noise", "one_noise"
    accuracy: dict[str, Accuracy]
    runner_up_gap: dict[str, float]  # mean ELPD gap of the runner-up, converged data sets
    converged: dict[str, dict[str, list[bool]]]  # gate_record per design
    table: pd.DataFrame


def design_comparison(study: ComparisonStudy, families: Sequence[str], *, n_datasets: int,
                      seed: int = 0, one_noise_reparam: str = "none",
                      **kw: Any) -> DesignComparison:
    """Two noise levels vs one for ``families`` (spec 5.4), same gates and exclusion.

    Two noise levels: ``study``'s data sets of these families re-ranked among them
    (:func:`restrict`, no refit) when they are all study families, else a new study; one noise
    level: a new :func:`comparison_study` of ``n_datasets`` per family (seed ``seed + 1``).
    ``kw`` goes to :func:`comparison_study` (sampler and design settings);
    ``one_noise_reparam`` is the one-noise study's ``reparam`` (``"ridge"``: its effort
    families are sampled in ridge coordinates, the geometry that design has and the two-noise
    design removes).
    """
    checks.instance("study", study, ComparisonStudy)
    one_noise_reparam = checks.choice("one_noise_reparam", one_noise_reparam, REPARAMS)
    fams = check_families(families)
    if set(fams) <= set(study.fits) and set(fams) <= set(study.data.family):
        two = restrict(study, fams, families=fams)
    else:
        two = comparison_study(fams, n_datasets=n_datasets, seed=seed + 1, **kw)
    studies = {"two_noise": two, "one_noise": comparison_study(
        fams, n_datasets=n_datasets, design="one_noise", seed=seed + 1,
        **{**kw, "reparam": one_noise_reparam})}
    acc = {k: accuracy(st) for k, st in studies.items()}
    gap = {}
    for k, st in studies.items():
        t = st.table
        ok_rows = np.repeat(st.converged, len(st.fits))
        gap[k] = float(t[(t["rank"] == 1).to_numpy() & ok_rows]["elpd_diff"].mean())
    table = pd.DataFrame({k: {"true family wins": f"{a.k} of {a.n}", "accuracy": a.accuracy,
                              "wilson 95% low": a.low, "wilson 95% high": a.high,
                              "excluded (not converged)": a.n_excluded,
                              "runner-up ELPD gap": gap[k]} for k, a in acc.items()}).T
    return DesignComparison(studies, acc, gap, {k: gate_record(st) for k, st in studies.items()},
                            table)


def dataset_explorer(study: ComparisonStudy):
    """``show(dataset)``: one study data set's PSIS-LOO ranking, truth and gates (for
    :func:`nestlab.plots.interactive`)."""
    from nestlab import diagnostics as D
    from nestlab.plots import figure

    checks.instance("study", study, ComparisonStudy)

    def show(dataset: int = 0):
        d = study.table[study.table["dataset"] == dataset].set_index("candidate")
        _, ax = figure(width=7, height=3.4)
        D.plot_loo_compare(d[["rank", "elpd", "se", "p_loo", "elpd_diff", "dse", "weight",
                              "warning"]], ax=ax)
        truth = {k: round(v, 3) for k, v in study.data.truth[dataset].items()}
        ok = bool(study.converged[dataset])
        ax.set_title(f"data set {dataset}: true family {study.data.family[dataset]}, truth "
                     f"{truth}" + ("" if ok else " — NOT CONVERGED"), fontsize=8,
                     color="black" if ok else "red")
        print(d[["rank", "elpd_diff", "dse", "weight", "max_k", "divergences",
                 "converged"]].round(2))

    return show


def claim_comparison(study: ComparisonStudy, worked: WorkedExample, designs: DesignComparison,
                     *, cost_params: Mapping[str, float] | None = None) -> None:
    """Notebook 14's three claims, from converged fits only (verdicts from the numbers).

    The study claim holds when the accuracy's 95 % Wilson interval lies above 80 %, partly when
    above chance; the worked example when the true family wins by at least 2 dse (judged only
    if every worked fit converged); the design claim when two noise levels beat one with
    non-overlapping intervals.
    """
    import nestlab

    acc = accuracy(study)
    nestlab.claim(
        "the cost family can be inferred from behaviour (simulated actors, two noise levels)",
        paper="claimed; no method, no numbers",
        nestlab=None if acc.n == 0 else f"{acc.accuracy:.0%} [{acc.low:.0%}, {acc.high:.0%}] of "
                                        f"{acc.n}",
        verdict=nestlab.judge(None if acc.n == 0 else acc.low, at_least=0.8,
                              partly_at_least=acc.chance),
        note=f"PSIS-LOO winner = true family among {len(study.fits)} candidates "
             f"({', '.join(study.fits)}), chance {acc.chance:.0%}; 95% Wilson interval; "
             f"{acc.n_excluded} of {acc.n_total} data sets excluded (a fit not converged)")
    w = worked
    beta = dict(cost_params or {}).get("beta")
    nestlab.claim(
        "a cost that changes the policy's shape is recognised (worked example)",
        paper="claimed; no numbers", nestlab=round(w.margin_in_dse, 2) if w.ok else None,
        verdict=(nestlab.judge_all([w.winner == w.true_family, w.margin_in_dse >= 2]) if w.ok
                 else nestlab.judge(None, at_least=2)),
        note=(f"{w.true_family} (β = {beta}) against {len(w.fits) - 1} other families: winner "
              f"{w.winner}, lead over {w.runner_up} in dse" if w.ok else
              f"not judged: {int((~w.gates['converged']).sum())} of {len(w.gates)} worked fits "
              "not converged"))
    a2, a1 = designs.accuracy["two_noise"], designs.accuracy["one_noise"]
    both = a1.n > 0 and a2.n > 0
    fams = ", ".join(designs.studies["one_noise"].fits)
    nestlab.claim(
        "two noise levels separate costs that one level cannot (spec 5.4)",
        paper="prior and cost trade off with one noise level",
        nestlab=f"{a2.accuracy:.0%} vs {a1.accuracy:.0%}" if both else None,
        verdict=(nestlab.judge_all([a2.accuracy > a1.accuracy, a2.low > a1.high]) if both
                 else nestlab.judge(None, at_least=1)),
        note=f"{fams}: {a2.n_total} (two) and {a1.n_total} (one level) data sets; two-noise 95% "
             f"interval [{a2.low:.0%}, {a2.high:.0%}], one-noise [{a1.low:.0%}, {a1.high:.0%}]; "
             f"{a2.n_excluded} + {a1.n_excluded} data sets excluded (not converged)")

