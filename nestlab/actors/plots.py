"""Figures of the Bayesian-actor notebooks (one style: :func:`nestlab.plots.figure`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from nestlab import checks
from nestlab.actors.costs import COSTS, check_cost_params, cost_value, get_cost
from nestlab.actors.models import ActorParams, optimal_action
from nestlab.plots import PALETTE, ensure_ax, ensure_axes, figure

__all__ = ["DEFAULT_COST_PARAMS", "cost_table", "default_cost_params", "plot_actions",
           "plot_central_tendency", "plot_confusion", "plot_costs", "plot_designs",
           "plot_metamer_fits", "plot_network_vs_reference", "plot_noise_fits",
           "plot_predicted_curve", "plot_ranks", "plot_recovery", "plot_shrinkage",
           "plot_shrinkage_panels", "plot_training_curves"]

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


# ----------------------------------------------------------------------------- study figures
# (the studies of recovery.py, compare.py and realdata.py compute; these draw what they return)

#: the free parameters of the recovery study, one panel each
_RECOVERY_PARAMS = ("mu0", "sigma0", "sigma_r")


def plot_recovery(recs: Mapping[str, Any], *, axes: Any = None) -> Any:
    """Posterior mean against truth per parameter, one marker per study (every data set).

    Args:
        recs: ``{label: Recovery}`` of :func:`nestlab.actors.recovery.recovery_study`.
        axes: three matplotlib Axes (default: a new row through :func:`nestlab.plots.figure`).

    Returns:
        the array of three axes drawn on.
    """
    checks.mapping("recs", recs)
    axes = np.ravel(ensure_axes(axes, 1, 3, width=12, height=3.4))
    for ax, k in zip(axes, _RECOVERY_PARAMS, strict=True):
        for i, (label, r) in enumerate(recs.items()):
            ax.plot(r.truth[k], r.posterior_mean[k], "o" if i == 0 else "x", ms=3, label=label)
        r0 = next(iter(recs.values()))
        lim = [float(np.min(r0.truth[k])), float(np.max(r0.truth[k]))]
        ax.plot(lim, lim, "k:", lw=0.8)
        ax.set_xlabel(f"true {k}")
        ax.set_ylabel("posterior mean")
        ax.legend(fontsize=7)
    return axes


def plot_ranks(rec: Any, *, label: str = "closed form", axes: Any = None) -> Any:
    """SBC rank ECDF differences of each parameter (converged data sets only).

    Args:
        rec: a :class:`~nestlab.actors.recovery.Recovery`.
        label: the study's name, for the titles.
        axes: three matplotlib Axes (default: a new row through :func:`nestlab.plots.figure`).

    Returns:
        the axes drawn on, or ``None`` (with a printed note) when no data set passed the gate.
    """
    from nestlab import diagnostics as D
    from nestlab.actors.recovery import Recovery

    checks.instance("rec", rec, Recovery)
    n_ok = int(len(rec.ranks["mu0"]))
    if not n_ok:
        print("No data set passed the convergence gate: no SBC ranks to show.")
        return None
    axes = np.ravel(ensure_axes(axes, 1, 3, width=12, height=3.4))
    for ax, k in zip(axes, _RECOVERY_PARAMS, strict=True):
        D.plot_ecdf_ranks(rec.ranks[k], n_draws=rec.n_draws, ax=ax)
        ax.set_title(f"SBC rank ECDF difference: {k} ({label}, {n_ok} data sets)", fontsize=8)
    return axes


def plot_confusion(cm: Any, *, ax=None, title: str | None = None):
    """Heat map of a :func:`nestlab.actors.compare.confusion_matrix` (row-normalised colours,
    counts written in)."""
    import pandas as pd

    checks.instance("cm", cm, pd.DataFrame)
    if cm.size == 0:
        raise ValueError("invalid cm: an empty matrix; valid: the frame of confusion_matrix()")
    ax = ensure_ax(ax, width=6.5, height=5.0)
    frac = cm.div(cm.sum(axis=1).replace(0, 1), axis=0).to_numpy(dtype=float)
    im = ax.imshow(frac, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(cm.shape[1]), [str(c) for c in cm.columns], rotation=45, ha="right",
                  fontsize=8)
    ax.set_yticks(range(cm.shape[0]), [str(c) for c in cm.index], fontsize=8)
    for i in range(cm.shape[0]):
        for j in range(cm.shape[1]):
            ax.text(j, i, str(int(cm.iloc[i, j])), ha="center", va="center", fontsize=8,
                    color="white" if frac[i, j] > 0.6 else "black")
    ax.set_xlabel("PSIS-LOO winner")
    ax.set_ylabel("true family")
    ax.grid(False)
    if title:
        ax.set_title(title, fontsize=9)
    ax.figure.colorbar(im, ax=ax, fraction=0.046, label="fraction of data sets")
    return ax


def plot_designs(designs: Any, *, axes: Any = None) -> Any:
    """The confusion matrix of each design of a
    :func:`nestlab.actors.compare.design_comparison` side by side; returns the axes."""
    from nestlab.actors.compare import DesignComparison, confusion_matrix

    checks.instance("designs", designs, DesignComparison)
    axes = np.ravel(ensure_axes(axes, 1, len(designs.studies), width=12, height=4.4))
    for ax, (name, st) in zip(axes, designs.studies.items(), strict=True):
        plot_confusion(confusion_matrix(st), ax=ax, title=name.replace("_", " "))
    return axes


def _gate_title(ax: Any, text: str, ok: bool) -> None:
    """A panel's title, red with " - NOT CONVERGED" when its fit missed the gate."""
    ax.set_title(text + ("" if ok else " - NOT CONVERGED"), fontsize=9,
                 color="black" if ok else "#bb2222")


def _subject_panels(studies: Mapping[Any, Any], axes: Any, tables: Any, title: Any) -> Any:
    """One :func:`plot_central_tendency` panel per subject: ``tables(study)``, ``title(subject,
    study) -> (text, converged)``."""
    checks.mapping("studies", studies)
    axes = ensure_axes(axes, 1, len(studies), name="axes")
    for ax, (subj, st) in zip(np.ravel(axes), studies.items(), strict=True):
        plot_central_tendency(tables(st), ax=ax)
        _gate_title(ax, *title(subj, st))
    return axes


def plot_metamer_fits(studies: Mapping[Any, Any], *, axes: Any = None) -> Any:
    """Central tendency of each S&J subject's ``original`` and ``metamer`` fits (one panel each).

    Args:
        studies: ``{subject: MetamerStudy}`` of :func:`nestlab.actors.realdata.metamer_study`.
        axes: one matplotlib Axes per subject (default: a new row).
    """
    from nestlab.actors.data import central_tendency

    return _subject_panels(
        studies, axes,
        lambda st: {f: central_tendency(st.fits[f]) for f in ("original", "metamer")},
        lambda subj, st: (f"subject {subj} (deltaT = {st.delta_true:.2f} s)",
                          st.numbers["converged"]["original"]
                          and st.numbers["converged"]["metamer"]))


def plot_noise_fits(studies: Mapping[Any, Any], *, axes: Any = None) -> Any:
    """Central tendency of each Q&S subject's ``two_noise`` fit, per coherence (one panel each).

    Args:
        studies: ``{subject: NoiseStudy}`` of :func:`nestlab.actors.realdata.noise_study`.
        axes: one matplotlib Axes per subject (default: a new row).
    """
    from nestlab.actors.data import QS_CONDITIONS, central_tendency

    return _subject_panels(
        studies, axes,
        lambda st: {f"coherence {name}": central_tendency(st.fits["two_noise"], condition=i)
                    for i, name in enumerate(QS_CONDITIONS)},
        lambda subj, st: (f"subject {subj}", st.numbers["two_noise.converged"]))


def plot_shrinkage_panels(studies: Mapping[str, Any], *, axes: Any = None) -> Any:
    """:func:`plot_shrinkage` of every parameter of every hierarchical study.

    Args:
        studies: ``{name: HierarchicalStudy}`` of
            :func:`nestlab.actors.realdata.hierarchical_studies`.
        axes: a ``(parameters, studies)`` grid of matplotlib Axes (default: a new one).

    One column per study, one row per parameter (empty panels hidden); a study whose
    hierarchical fit missed the gate has red titles. ``None`` when there is no study.
    """
    from nestlab.actors.realdata import HierarchicalStudy

    studies = checks.mapping("studies", studies)
    if not studies:
        return None
    for key, st in studies.items():
        checks.instance(f"studies[{key!r}]", st, HierarchicalStudy)
    rows = max(len(st.tables) for st in studies.values())
    width = sum(max(4.0, 0.32 * st.numbers["n_subjects"] + 1.5) for st in studies.values())
    axes = ensure_axes(axes, rows, len(studies), name="axes", width=width, height=2.6 * rows)
    for j, st in enumerate(studies.values()):
        items = list(st.tables.items())
        for i in range(rows):
            ax = axes[i, j]
            if i >= len(items):
                ax.set_visible(False)
                continue
            label, t = items[i]
            plot_shrinkage(t, name=label, ax=ax)
            ax.tick_params(axis="x", labelsize=6, rotation=90)
            if i:
                ax.get_legend().remove()
            _gate_title(ax, f"{st.name}: {label}", st.numbers["converged"])
    return axes
