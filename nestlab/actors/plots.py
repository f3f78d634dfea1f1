"""Figures of the Bayesian-actor notebooks (one style: :func:`nestlab.plots.figure`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from nestlab import checks
from nestlab.actors.costs import COSTS, check_cost_params, cost_value, get_cost
from nestlab.actors.models import ActorParams, optimal_action
from nestlab.plots import PALETTE, figure

DEFAULT_COST_PARAMS = {"beta": 0.8, "alpha": 0.7, "c": 0.5, "gamma": 1.0}


def default_cost_params(cost: str, **overrides: float) -> dict[str, float]:
    """Representative parameter values of a family (for plots).

    ``overrides`` for parameters of other families are ignored (notebook 10 passes every
    family's slider); those of this family are checked against its valid range.
    """
    fam = get_cost(cost)
    return check_cost_params(fam.name, {k: overrides.get(k, DEFAULT_COST_PARAMS[k])
                                        for k in fam.params})


def cost_table():
    """The registry as a table: formula, parameters, closed form?"""
    import pandas as pd

    return pd.DataFrame([{"cost": k, "formula": f.formula, "parameters": ", ".join(f.params) or "-",
                          "closed form": f.closed_form is not None,
                          "homogeneous": f.homogeneous} for k, f in COSTS.items()]).set_index("cost")


def plot_costs(costs: Sequence[str] | None = None, *, s: float = 2.0, ax=None):
    """Each cost as a function of the response ``r`` for a fixed stimulus ``s``."""
    costs = list(COSTS) if costs is None else checks.choices("costs", costs, COSTS)
    s = checks.real("s", s, min=0, inclusive=(False, True))
    if ax is None:
        _, ax = figure(width=6.5, height=4)
    r = np.linspace(0.05, 2 * s, 400)
    for i, c in enumerate(costs):
        y = cost_value(c, r, np.full_like(r, s), default_cost_params(c))
        ax.plot(r, y / y.max(), color=PALETTE[i % len(PALETTE)], label=c)
    ax.axvline(s, color="k", lw=0.8, ls=":")
    ax.set_xlabel(f"response r (stimulus s = {s})")
    ax.set_ylabel("cost (scaled to max 1)")
    ax.legend(fontsize=8)
    return ax


def plot_actions(cost: str, settings: Mapping[str, ActorParams], *, cost_params=None,
                 policy: Any = None, m: np.ndarray | None = None, ax=None):
    """Optimal action against measurement for several actors: reference (line), network (dashes)."""
    get_cost(cost)
    for label, p in checks.mapping("settings", settings).items():
        checks.instance(f"settings[{label!r}]", p, ActorParams).validate()
    if policy is not None and not callable(policy):
        raise TypeError(f"invalid type for policy: {type(policy).__name__}; valid types: None "
                        "or a callable policy(m, params, cost_params)")
    m = np.geomspace(0.1, 7, 60) if m is None else checks.array("m", m, ndim=1, min=0,
                                                                 inclusive=(False, True))
    if ax is None:
        _, ax = figure()
    cp = default_cost_params(cost) if cost_params is None else cost_params
    for i, (label, p) in enumerate(settings.items()):
        col = PALETTE[i % len(PALETTE)]
        ax.plot(m, optimal_action(cost, m, p, cp), color=col, label=label)
        if policy is not None:
            ax.plot(m, policy(m, p, cp), "--", color="k", lw=1)
    ax.plot(m, m, ":", color="grey", lw=0.8, label="a = m")
    ax.set_xlabel("measurement m")
    ax.set_ylabel("optimal action a*")
    ax.set_title(cost + (" (dashed: network)" if policy is not None else ""), fontsize=9)
    ax.legend(fontsize=7)
    return ax


def plot_training_curves(policies: Mapping[str, Any], *, target: float = 0.01, ax=None):
    """Relative RMSE on held-out draws against training seconds, one line per family."""
    checks.mapping("policies", policies)
    target = checks.real("target", target, min=0, inclusive=(False, True))
    if ax is None:
        _, ax = figure(width=6.5, height=4)
    for i, (cost, pol) in enumerate(policies.items()):
        curve = np.asarray(pol.info["curve"], dtype=float)
        if curve.size:
            ax.plot(curve[:, 1], curve[:, 2], "-o", ms=2, color=PALETTE[i % len(PALETTE)],
                    label=cost)
    ax.axhline(target, color="k", ls=":", lw=0.8, label=f"{target:.0%}")
    ax.set_yscale("log")
    ax.set_xlabel("training seconds")
    ax.set_ylabel("relative RMSE (held-out)")
    ax.legend(fontsize=7)
    return ax


def plot_network_vs_reference(policy: Any, *, n: int = 2000, seed: int = 1, ax=None):
    """Scatter of network action against the reference (closed form or numerical solver)."""
    from nestlab.actors.policy import Policy, theta_names, validation_set

    checks.instance("policy", policy, Policy)
    vset = validation_set(policy.cost, box=policy.box, n=n, seed=seed)
    theta = {k: vset[k] for k in theta_names(policy.cost)}
    p = ActorParams(*(theta[k] for k in ("sigma", "sigma0", "mu0", "sigma_r")))
    cp = {k: theta[k] for k in get_cost(policy.cost).params}
    a_net = policy(vset["m"], p, cp)
    if ax is None:
        _, ax = figure()
    ax.loglog(vset["a_star"], a_net, ".", ms=2, alpha=0.5)
    lims = [vset["a_star"].min(), vset["a_star"].max()]
    ax.plot(lims, lims, "k:", lw=0.8)
    ax.set_xlabel("reference a*")
    ax.set_ylabel("network a")
    ax.set_title(policy.cost, fontsize=9)
    return ax


def plot_predicted_curve(stimuli, responses, *, cost: str, params: ActorParams, cost_params=None,
                         ax=None):
    """Data (s, r) with the median response curve of an actor with the given parameters."""
    from nestlab.actors.models import posterior

    stimuli = checks.array("stimuli", stimuli, ndim=1, min=0, inclusive=(False, True))
    responses = checks.array("responses", responses, shape=stimuli.shape)
    checks.instance("params", params, ActorParams)
    if ax is None:
        _, ax = figure()
    s = np.geomspace(stimuli.min(), stimuli.max(), 80)
    a = optimal_action(cost, s, params, cost_params)  # action at the noiseless measurement
    ax.plot(stimuli, responses, "o", ms=3, color="k", label="data")
    ax.plot(s, a, color=PALETTE[1], label="a*(m = s)")
    post = posterior(s, params)
    ax.plot(s, np.exp(post.mu), ":", color=PALETTE[0], label="posterior median")
    ax.plot(s, s, "--", color="grey", lw=0.8, label="r = s")
    ax.set_xlabel("stimulus s")
    ax.set_ylabel("response r")
    ax.legend(fontsize=8)
    return ax


def plot_central_tendency(tables: Mapping[str, Any], *, ax=None, identity: bool = True):
    """Central tendency on real data: mean response per stimulus bin, data against the model.

    Args:
        tables: ``{label: frame}`` with columns ``s``, ``data``, ``predictive``, ``lo``, ``hi``
            (from :func:`nestlab.actors.data.central_tendency`); data as dots, the posterior
            predictive mean as a line with its interval as a band.
        identity: draw the line ``r = s`` (no central tendency).
    """
    for label, t in checks.mapping("tables", tables).items():
        missing = [c for c in ("s", "data", "predictive", "lo", "hi") if c not in t]
        if missing:
            raise ValueError(f"invalid tables[{label!r}]: missing column(s) {missing}; valid: "
                             "frames from nestlab.actors.data.central_tendency")
    identity = checks.boolean("identity", identity)
    if ax is None:
        _, ax = figure()
    lo_s, hi_s = np.inf, -np.inf
    for i, (label, t) in enumerate(tables.items()):
        col = PALETTE[i % len(PALETTE)]
        ax.fill_between(t["s"], t["lo"], t["hi"], color=col, alpha=0.25, lw=0)
        ax.plot(t["s"], t["predictive"], "-", color=col, label=f"{label}: model")
        ax.plot(t["s"], t["data"], "o", ms=4, color=col, mec="k", mew=0.5,
                label=f"{label}: data")
        lo_s, hi_s = min(lo_s, float(np.min(t["s"]))), max(hi_s, float(np.max(t["s"])))
    if identity and np.isfinite(lo_s):
        ax.plot([lo_s, hi_s], [lo_s, hi_s], "--", color="grey", lw=0.8, label="r = s")
    ax.set_xlabel("stimulus s (seconds)")
    ax.set_ylabel("mean response r (seconds)")
    ax.legend(fontsize=7)
    return ax


#: columns of :func:`nestlab.actors.hierarchical.shrinkage_table` that :func:`plot_shrinkage` draws
_SHRINKAGE_COLUMNS = ("separate_mean", "separate_lo", "separate_hi", "pooled_mean", "pooled_lo",
                      "pooled_hi", "population", "truth")


def plot_shrinkage(table: Any, *, name: str = "", ax=None):
    """Per-subject estimate (separate fit) against the hierarchical one, with intervals.

    Args:
        table: :func:`nestlab.actors.hierarchical.shrinkage_table` (one row per subject).
        name: the parameter's name for the axis label.

    Each subject shows its separate-fit mean and interval (left) and the partially pooled one
    (right); the dashed line is the population median's posterior mean, crosses the truth
    where the table has one (simulated data).
    """
    checks.frame("table", table, _SHRINKAGE_COLUMNS)
    checks.instance("name", name, str)
    if ax is None:
        _, ax = figure(width=max(4.0, 0.7 * len(table) + 2.0))
    x = np.arange(len(table))
    for off, col, what, label in ((-0.12, PALETTE[0], "separate", "per subject"),
                                  (0.12, PALETTE[1], "pooled", "hierarchical")):
        m = table[f"{what}_mean"].to_numpy(float)
        err = np.abs(np.vstack([m - table[f"{what}_lo"].to_numpy(float),
                                table[f"{what}_hi"].to_numpy(float) - m]))
        ax.errorbar(x + off, m, yerr=err, fmt="o", ms=4, color=col, capsize=2, label=label)
    ax.axhline(float(table["population"].iloc[0]), color="grey", ls="--", lw=0.8,
               label="population median")
    truth = table["truth"].to_numpy(float)
    if np.isfinite(truth).any():
        ax.plot(x, truth, "x", color="k", ms=6, label="truth")
    ax.set_xticks(x, [str(v) for v in table.index])
    ax.set_xlabel("subject")
    ax.set_ylabel(f"{name} (mean, interval)" if name else "estimate (mean, interval)")
    ax.legend(fontsize=7)
    return ax
