"""A researcher's own trials as a CSV (issue 15 item 3), and a built-in demo CSV.

:func:`read_trials` reads a CSV with one row per trial, validates it and returns the tidy frame
the actors use everywhere else (columns ``subject``, ``condition``, ``s``, ``r``; conditions as
integers ``0..K-1`` in order of first appearance, the labels kept in ``frame.attrs``). A malformed
file is refused with a ``ValueError`` naming the file, the (1-based, header = line 1) line and the
column. :func:`write_demo_csv` writes a small CSV from a KNOWN simulated actor (three subjects, two
noise conditions) and returns the truth, so a notebook can run out of the box and be checked.

The rest is the study of notebook ``15_actor_your_data``: :func:`load_data` (a CSV or the demo),
:func:`fit_subjects` (every family, every subject), :func:`fit_gates` (the gates, shown with
:func:`nestlab.actors.batch.style_convergence`), :func:`loo_table` / :func:`loo_by_subject`
(PSIS-LOO over families), :func:`identifiability_table` (prior vs cost per subject),
:func:`recovery_table` (against the demo truth) and :func:`save_fits` (``.nc`` next to the
report).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from nestlab import checks
from nestlab.actors.batch import convergence_table
from nestlab.actors.hierarchical import (
    TARGET_ACCEPT,
    fit_hierarchical,
    hierarchical_var_names,
    subject_posterior,
)
from nestlab.actors.models import ActorParams, simulate

__all__ = ["CONTRACTION_MIN", "DEMO_COLUMNS", "DEMO_SIGMAS", "DEMO_SUBJECTS", "HELP_GAIN",
           "OUT_ENV_VAR", "file_names", "RIDGE_CORR", "STEM", "IdentifiabilityStudy", "YourData",
           "claim_demo", "demo_recovery", "fit_gates", "fit_population", "fit_subjects",
           "identifiability_study", "identifiability_table", "load_data",
           "loo_by_subject", "loo_table", "output_dir", "parameterised_family", "read_trials",
           "recovery_table", "save_fits", "subject_arrays", "truth_values", "write_demo_csv"]

#: the demo actor's truth, per subject (prior median, prior width, motor noise) and per condition
DEMO_SIGMAS = (0.08, 0.2)
DEMO_SUBJECTS = {
    "s1": {"mu0": 0.9, "sigma0": 0.15, "sigma_r": 0.05},
    "s2": {"mu0": 1.0, "sigma0": 0.2, "sigma_r": 0.06},
    "s3": {"mu0": 1.1, "sigma0": 0.25, "sigma_r": 0.05},
}
DEMO_COLUMNS = ("subject", "noise", "ts", "tp")


def _refuse(path: Path, problem: str, line: int | None = None, column: str | None = None) -> None:
    where = f"{path}" + (f", line {line}" if line is not None else "") + (
        f", column {column!r}" if column is not None else "")
    raise ValueError(f"{where}: {problem}")


def read_trials(path: Any, *, stimulus_col: str, response_col: str, subject_col: str = "",
                condition_col: str = "", min_trials: int = 2) -> pd.DataFrame:
    """Read and validate a trials CSV.

    Args:
        path: the CSV file.
        stimulus_col, response_col: columns holding the stimulus and the response (positive,
            finite numbers, e.g. seconds).
        subject_col: column naming the subject; ``""`` means one subject (``"all"``).
        condition_col: column naming the condition (e.g. a noise level); ``""`` means one.
        min_trials: fewest trials a subject may have (default 2: one trial cannot be fitted).

    Returns:
        frame with ``subject`` (str), ``condition`` (int), ``condition_label`` (str), ``s``, ``r``;
        ``frame.attrs["conditions"]`` lists the labels in index order.

    Raises:
        ValueError: naming file, line and column, for a missing file or column, an empty file,
            a non-numeric / NaN / infinite / non-positive value, or too few trials.
    """
    p = checks.path("data_path", path, must_exist=True)
    for name, col in (("stimulus_col", stimulus_col), ("response_col", response_col)):
        checks.instance(name, col, str)
        if not col:
            raise ValueError(f"invalid {name} ''; valid values: a column name of {p}")
    checks.instance("subject_col", subject_col, str)
    checks.instance("condition_col", condition_col, str)
    min_trials = checks.integer("min_trials", min_trials, min=1)
    try:
        df = pd.read_csv(p, dtype=str, keep_default_na=False, skipinitialspace=True)
    except pd.errors.EmptyDataError:
        _refuse(p, "the file is empty (no header, no trials)")
    except pd.errors.ParserError as exc:
        _refuse(p, f"not a readable CSV ({exc})")
    wanted = [c for c in (stimulus_col, response_col, subject_col, condition_col) if c]
    missing = [c for c in wanted if c not in df.columns]
    if missing:
        _refuse(p, f"missing column(s) {', '.join(map(repr, missing))}; "
                   f"the file has: {', '.join(map(repr, df.columns))}")
    if len(df) == 0:
        _refuse(p, "the file has a header but no trials")
    out = {}
    for role, col in (("s", stimulus_col), ("r", response_col)):
        text = df[col].str.strip()
        num = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float)
        missing = text.str.lower().isin(["", "nan", "na"]).to_numpy()
        for bad, why in ((np.isnan(num) & ~missing, "not a number"),
                         (np.isnan(num), "missing or NaN"),
                         (~np.isfinite(num), "not finite"),
                         (num <= 0, "not positive (stimuli and responses must be > 0)")):
            if bad.any():
                i = int(np.flatnonzero(bad)[0])
                _refuse(p, f"value {df[col].iloc[i]!r} is {why}"
                           f" ({int(bad.sum())} such row(s))", line=i + 2, column=col)
        out[role] = num
    for col in (subject_col, condition_col):
        if col:
            blank = (df[col].str.strip() == "").to_numpy()
            if blank.any():
                i = int(np.flatnonzero(blank)[0])
                _refuse(p, "empty label", line=i + 2, column=col)
    subj = df[subject_col].str.strip() if subject_col else pd.Series(["all"] * len(df))
    labels = (df[condition_col].str.strip() if condition_col
              else pd.Series(["all"] * len(df)))
    order = list(dict.fromkeys(labels))
    try:  # numeric labels (e.g. noise levels) sort numerically
        order = sorted(order, key=float)
    except ValueError:
        pass
    frame = pd.DataFrame({"subject": subj.to_numpy(), "condition": labels.map(
        {lab: k for k, lab in enumerate(order)}).to_numpy().astype(int),
        "condition_label": labels.to_numpy(), "s": out["s"], "r": out["r"]})
    counts = frame.groupby("subject", sort=False).size()
    few = counts[counts < min_trials]
    if len(few):
        _refuse(p, f"subject {few.index[0]!r} has {int(few.iloc[0])} trial(s); "
                   f"valid: at least {min_trials}", column=subject_col or None)
    frame.attrs["conditions"] = tuple(order)
    frame.attrs["path"] = str(p)
    return frame


def write_demo_csv(path: Any, seed: int = 0, *, n_per_condition: int = 40,
                   cost: str = "quadratic") -> dict[str, Any]:
    """Write a demo CSV from a known simulated actor; return its truth.

    Three subjects (:data:`DEMO_SUBJECTS`), two perceptual-noise conditions
    (:data:`DEMO_SIGMAS`, labelled by their value in column ``noise``), stimuli uniform on
    0.6–1.6 s, ``n_per_condition`` trials per subject and condition. Columns: ``subject``,
    ``noise``, ``ts`` (stimulus), ``tp`` (response).

    Returns:
        ``{"path", "cost", "sigmas", "subjects": {name: {mu0, sigma0, sigma_r}}, "columns"}``.
    """
    p = checks.path("path", path, must_exist=False)
    seed = checks.integer("seed", seed, min=0)
    n = checks.integer("n_per_condition", n_per_condition, min=2, max=100000)
    rng = np.random.default_rng(seed)
    rows = []
    for j, (name, t) in enumerate(DEMO_SUBJECTS.items()):
        cond = np.repeat(np.arange(len(DEMO_SIGMAS)), n)
        s = rng.uniform(0.6, 1.6, size=cond.size)
        sim = simulate(s, ActorParams(sigma=np.asarray(DEMO_SIGMAS), **t), cost=cost,
                       conditions=cond, seed=seed * 1000 + j)
        rows.append(pd.DataFrame({"subject": name,
                                  "noise": np.asarray(DEMO_SIGMAS)[sim["conditions"]],
                                  "ts": np.round(sim["stimuli"], 4),
                                  "tp": np.round(sim["responses"], 4)}))
    p.parent.mkdir(parents=True, exist_ok=True)
    pd.concat(rows, ignore_index=True).to_csv(p, index=False)
    return {"path": str(p), "cost": cost, "sigmas": DEMO_SIGMAS,
            "subjects": {k: dict(v) for k, v in DEMO_SUBJECTS.items()},
            "columns": {"stimulus_col": "ts", "response_col": "tp", "subject_col": "subject",
                        "condition_col": "noise"}}


# ------------------------------------------------------------------ the study of notebook 15

#: identifiability verdict thresholds: a parameter is *pinned down* when its prior-to-posterior
#: contraction (1 - Var_post / Var_prior of its log) reaches CONTRACTION_MIN; prior and cost
#: form a *ridge* when |corr(log mu0, log cost parameter)| reaches RIDGE_CORR (notebook 12:
#: -0.99 with one noise level, where the cost parameter's posterior is its prior)
CONTRACTION_MIN = 0.5
RIDGE_CORR = 0.9
#: a second noise level *helps* when it raises the cost parameter's contraction by this much
HELP_GAIN = 0.1
#: file names written next to the report
STEM = "15_actor_your_data"
OUT_ENV_VAR = "NESTLAB_OUT_DIR"


def output_dir(folder: Any = "") -> Path:
    """Where notebook 15 writes its demo CSV and InferenceData files (created).

    ``folder`` if given; else ``$NESTLAB_OUT_DIR`` (the report folder, where the runner sets
    it); else ``reports/`` of the project (``nestlab run``'s default ``--out``).
    """
    import os

    from nestlab.paths import project_root

    checks.instance("folder", folder, (str, Path))
    p = Path(folder) if str(folder) else Path(os.environ.get(OUT_ENV_VAR) or
                                              project_root() / "reports")
    p.mkdir(parents=True, exist_ok=True)
    return p


class YourData(NamedTuple):
    """The trials of notebook 15 and, for the built-in demo, the truth they were drawn from."""

    trials: pd.DataFrame
    path: str  # the user's file as given; for the demo, the CSV's file name beside the report
    truth: dict[str, Any] | None  # write_demo_csv's return value (None for a user's file)
    columns: dict[str, str]
    truth_values: dict[str, dict[str, Any]] | None  # truth_values(truth, conditions) or None

    def parameter_truth(self, name: str) -> dict[str, float] | None:
        """``{subject: true value of name}`` for the demo (``None`` for a user's file)."""
        if self.truth_values is None:
            return None
        return {s: t[name] for s, t in self.truth_values.items() if name in t}


def load_data(data_path: Any = "", *, stimulus_col: str = "ts", response_col: str = "tp",
              subject_col: str = "subject", condition_col: str = "noise", folder: Any = "",
              seed: int = 0) -> YourData:
    """A researcher's CSV through :func:`read_trials`, or (``data_path=""``) the built-in demo.

    The demo CSV (:func:`write_demo_csv`, three subjects, two noise levels, seeded) is written
    to :func:`output_dir` first and then read exactly like a user's file.
    """
    checks.instance("data_path", data_path, (str, Path))
    truth = None
    if not str(data_path):
        truth = write_demo_csv(output_dir(folder) / f"{STEM}.demo.csv", seed=seed)
        data_path = truth["path"]
    cols = {"stimulus_col": stimulus_col, "response_col": response_col,
            "subject_col": subject_col, "condition_col": condition_col}
    frame = read_trials(data_path, **cols)
    values = None if truth is None else truth_values(truth, frame.attrs["conditions"])
    # the demo CSV is written beside the report (into the runner's staging folder first, which is
    # gone once the run ends), so its file name is what a results file can point to
    shown = str(data_path) if truth is None else Path(truth["path"]).name
    return YourData(frame, shown, truth, cols, values)


def subject_arrays(trials: pd.DataFrame, subject: str
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """``(s, r, conditions)`` of one subject; conditions ``None`` when it has only one."""
    checks.frame("trials", trials, ("subject", "condition", "s", "r"))
    sub = trials[trials["subject"].astype(str) == str(subject)]
    if sub.empty:
        raise ValueError(f"unknown subject {subject!r}; valid choices: "
                         + ", ".join(map(str, pd.unique(trials["subject"]))))
    cond = sub["condition"].to_numpy()
    if len(np.unique(trials["condition"])) <= 1:
        return sub["s"].to_numpy(), sub["r"].to_numpy(), None
    return sub["s"].to_numpy(), sub["r"].to_numpy(), cond


def fit_subjects(trials: pd.DataFrame, *, costs: Any, chains: int = 4, warmup: int = 1000,
                 draws: int = 1000, seed: int = 0, n_nodes: int = 8, target_accept: float = 0.98,
                 pool_conditions: bool = False) -> dict[str, dict[str, Any]]:
    """Every cost family fitted to every subject separately (:func:`nestlab.actors.inference.fit`).

    Each condition has its own perceptual noise ``sigma`` (free), everything else is shared
    across a subject's conditions; closed-form families use ``policy="analytic"``, the others
    the cached amortized network (:func:`nestlab.actors.policy.load_policy`, trained on a cache
    miss). ``target_accept`` defaults to 0.98: at 0.85 (``fit``'s default) the demo's
    quadratic_effort fit of subject s3 (whose beta sits against its bound 1) diverged 52 times
    in 4 x (500 + 1000), at 0.95 once in 4 x (1000 + 1000). ``pool_conditions=True`` ignores the conditions (one ``sigma``): the
    design without its second noise level, for :func:`identifiability_table`. Every condition
    label must occur for every subject (else a ``ValueError`` names it).

    Returns:
        ``{cost: {subject: InferenceData}}``.
    """
    from nestlab.actors.compare import check_families
    from nestlab.actors.costs import has_closed_form
    from nestlab.actors.inference import fit

    fams = check_families(costs)
    pool_conditions = checks.boolean("pool_conditions", pool_conditions)
    n_cond = len(np.unique(trials["condition"]))
    arrays = {}
    for subj in pd.unique(trials["subject"]):
        s, r, cond = subject_arrays(trials, subj)
        if cond is not None and len(np.unique(cond)) != n_cond:
            raise ValueError(f"invalid trials: subject {subj!r} has {len(np.unique(cond))} of the "
                             f"{n_cond} conditions; valid: every subject in every condition")
        arrays[str(subj)] = (s, r, None if pool_conditions else cond)
    out: dict[str, dict[str, Any]] = {}
    for c in fams:
        if has_closed_form(c):
            policy, net = "analytic", None
        else:
            from nestlab.actors.policy import load_policy

            policy, net = "network", load_policy(c, progress=False)
        out[c] = {subj: fit(s, r, cost=c, policy=policy, network=net, conditions=cond,
                            chains=chains, warmup=warmup, draws=draws, seed=seed,
                            n_nodes=n_nodes, target_accept=target_accept)
                  for subj, (s, r, cond) in arrays.items()}
    return out


def fit_gates(fits: Mapping[str, Mapping[str, Any]],
              hierarchical: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """The gates of every fit of notebook 15, through :func:`nestlab.actors.batch.convergence_table`.

    Args:
        fits: ``{label: {subject: InferenceData}}`` (e.g. :func:`fit_subjects`).
        hierarchical: ``{label: fit_hierarchical result}`` (fit ``"hierarchical <label>"``,
            subject ``"(all)"``, gated on :func:`~nestlab.actors.hierarchical.hierarchical_var_names`).

    Returns:
        one row per fit: ``fit``, ``subject`` and :data:`nestlab.actors.batch.GATE_COLUMNS`
        (:func:`nestlab.actors.batch.style_convergence` shows the failures in red).
    """
    every, names = {}, {}
    for label, per in checks.mapping("fits", fits).items():
        for subj, idata in checks.mapping(f"fits[{label!r}]", per).items():
            every[(str(label), str(subj))] = idata
    for label, idata in checks.mapping("hierarchical", hierarchical or {}).items():
        key = (f"hierarchical {label}", "(all)")
        every[key], names[key] = idata, hierarchical_var_names(idata)
    return convergence_table(every, names=("fit", "subject"), var_names=names).reset_index()


def loo_table(fits: Mapping[str, Mapping[str, Any]]) -> pd.DataFrame:
    """Cost families ranked by PSIS-LOO over every trial of every subject (:func:`nestlab.diagnostics.loo_compare`).

    Each trial's leave-one-out density comes from its own subject's fit, so the per-trial
    log-likelihoods of the separate fits are set side by side (same chains and draws) and
    ``az.compare`` sums them with the standard error of the paired differences.
    """
    from nestlab import diagnostics as D
    from nestlab.actors.compare import check_loo_ready

    checks.mapping("fits", fits)
    arrays = {}
    for cost, per in fits.items():
        for idata in per.values():
            check_loo_ready(idata)
        arrays[cost] = np.concatenate([np.asarray(i.log_likelihood["r"].values, float)
                                       for i in per.values()], axis=-1)
    return D.loo_compare(arrays)


def loo_by_subject(fits: Mapping[str, Mapping[str, Any]]) -> pd.DataFrame:
    """Per subject: the PSIS-LOO winner, the runner-up, their ELPD difference and its se."""
    from nestlab.actors.compare import compare_families

    checks.mapping("fits", fits)
    subjects = list(next(iter(fits.values())))
    rows = {}
    for subj in subjects:
        tab = compare_families({c: per[subj] for c, per in fits.items()})
        rows[subj] = {"winner": tab.index[0], "runner_up": tab.index[1],
                      "elpd_diff": float(tab["elpd_diff"].iloc[1]),
                      "dse": float(tab["dse"].iloc[1]),
                      "bad_pareto_k": int(tab["n_bad_k"].sum())}
    return pd.DataFrame(rows).T


def _cost_param(idata: Any, cost_param: str | None) -> str | None:
    from nestlab.actors.costs import get_cost

    params = get_cost(idata.posterior.attrs["cost"]).params
    if cost_param is None:
        return params[0] if params else None
    return checks.choice("cost_param", cost_param, params)


def identifiability_table(fits: Mapping[str, Any], *, pooled: Mapping[str, Any] | None = None,
                          cost_param: str | None = None) -> pd.DataFrame:
    """Per subject: can this subject's data tell the prior from the cost? (notebook 12's tests).

    For a family with a cost parameter ``c`` (e.g. ``beta`` of quadratic_effort): the
    posterior correlation of ``log mu0`` and ``log c``, the contraction of both, the verdict
    (``told apart`` when both contract by at least :data:`CONTRACTION_MIN` and ``|corr| <``
    :data:`RIDGE_CORR`, else ``ridge``) and whether a second noise level would help — with
    two conditions, measured against the ``pooled`` fit of the same trials with one ``sigma``
    (helps when it raises ``c``'s contraction by :data:`HELP_GAIN` or more, or turns a ridge
    into told apart); with one condition, ``would help`` exactly when there is a ridge.

    Args:
        fits: ``{subject: InferenceData}`` of one family (:func:`fit_subjects`).
        pooled: the same subjects fitted with ``pool_conditions=True``.
        cost_param: the cost parameter (default: the family's first).
    """
    from nestlab import diagnostics as D

    checks.mapping("fits", fits)
    if pooled is not None:
        checks.choices("pooled", list(pooled), list(fits))
    rows = {}
    for subj, idata in fits.items():
        cp = _cost_param(idata, cost_param)
        if cp is None:
            raise ValueError(f"invalid fits: cost {idata.posterior.attrs['cost']!r} has no cost "
                             "parameter to set against the prior; valid: a family such as "
                             "quadratic_effort")
        rep = D.identifiability(idata, var_names=["mu0", cp])
        corr = D.pair_correlation(idata, "mu0", cp)
        c_mu0, c_cp = float(rep.contraction["log mu0"]), float(rep.contraction[f"log {cp}"])
        told = c_mu0 >= CONTRACTION_MIN and c_cp >= CONTRACTION_MIN and abs(corr) < RIDGE_CORR
        n_cond = int(idata.posterior["sigma"].shape[-1]) if idata.posterior["sigma"].ndim == 3 \
            else 1
        row = {"conditions": n_cond, f"corr_mu0_{cp}": corr, "contraction_mu0": c_mu0,
               f"contraction_{cp}": c_cp, "verdict": "told apart" if told else "ridge"}
        if n_cond >= 2 and pooled is not None and subj in pooled:
            p = pooled[subj]
            pc = float(D.identifiability(p, var_names=["mu0", cp]).contraction[f"log {cp}"])
            pcorr = D.pair_correlation(p, "mu0", cp)
            p_told = pc >= CONTRACTION_MIN and abs(pcorr) < RIDGE_CORR
            helps = (c_cp - pc >= HELP_GAIN) or (told and not p_told)
            row.update({f"one_level_contraction_{cp}": pc, f"one_level_corr_mu0_{cp}": pcorr,
                        "second_noise_level": "helps" if helps else "adds little"})
        elif n_cond >= 2:
            row["second_noise_level"] = "not measured"
        else:
            row["second_noise_level"] = "would help" if not told else "not needed"
        rows[str(subj)] = row
    return pd.DataFrame(rows).T


def truth_values(truth: Mapping[str, Any], conditions: Any) -> dict[str, dict[str, Any]]:
    """``{subject: {parameter: value}}`` of the demo truth, ``sigma`` in condition-index order.

    ``conditions`` are the condition labels of :func:`read_trials` (``frame.attrs``): the demo
    labels each noise level by its value, which is checked here.
    """
    checks.mapping("truth", truth, required=("sigmas", "subjects"))
    labels = [float(v) for v in checks.sequence("conditions", conditions, min_len=1)]
    sig = sorted(float(v) for v in truth["sigmas"])
    if not np.allclose(labels, sig):
        raise ValueError(f"invalid conditions {list(conditions)}: not the demo's noise levels "
                         f"{sig}; valid: the labels read from the demo CSV")
    return {s: {**{k: float(v) for k, v in t.items()}, "sigma": labels}
            for s, t in truth["subjects"].items()}


def _interval(x: np.ndarray, prob: float) -> tuple[float, float]:
    q = (1 - prob) / 2
    lo, hi = np.quantile(x, [q, 1 - q])
    return float(lo), float(hi)


def recovery_table(fits: Mapping[str, Any], truth: Mapping[str, Mapping[str, Any]], *,
                   hierarchical: Any = None, prob: float = 0.9) -> pd.DataFrame:
    """Posterior against the truth per subject and parameter (separate and hierarchical fits).

    Args:
        fits: ``{subject: InferenceData}`` of the true family.
        truth: :func:`truth_values`.
        hierarchical: the :func:`~nestlab.actors.hierarchical.fit_hierarchical` result of the
            same family (optional).
        prob: central interval probability.

    Returns:
        one row per (subject, parameter): ``truth``, ``mean``, ``lo``, ``hi``, ``covers`` and,
        with ``hierarchical``, ``pooled_mean``, ``pooled_lo``, ``pooled_hi``, ``pooled_covers``.
    """

    checks.mapping("fits", fits)
    checks.mapping("truth", truth)
    prob = checks.real("prob", prob, min=0, max=1, inclusive=(False, False))
    rows = []
    for subj, idata in fits.items():
        t = checks.mapping(f"truth[{subj!r}]", truth[subj]) if subj in truth else None
        if t is None:
            raise ValueError(f"invalid truth: no entry for subject {subj!r}; valid: one per "
                             "fitted subject")
        for name, tv in t.items():
            if name not in idata.posterior:
                continue
            draws = np.asarray(idata.posterior[name].values, float)
            draws = draws.reshape(draws.shape[0] * draws.shape[1], -1)
            tv = np.broadcast_to(np.asarray(tv, float), (draws.shape[1],))
            for j in range(draws.shape[1]):
                lo, hi = _interval(draws[:, j], prob)
                row = {"subject": str(subj),
                       "parameter": name if draws.shape[1] == 1 else f"{name}[{j}]",
                       "truth": float(tv[j]), "mean": float(draws[:, j].mean()), "lo": lo,
                       "hi": hi, "covers": bool(lo <= tv[j] <= hi)}
                if hierarchical is not None:
                    h = subject_posterior(hierarchical, name, str(subj),
                                          condition=j if draws.shape[1] > 1 else None)
                    hlo, hhi = _interval(h, prob)
                    row.update({"pooled_mean": float(h.mean()), "pooled_lo": hlo,
                                "pooled_hi": hhi, "pooled_covers": bool(hlo <= tv[j] <= hhi)})
                rows.append(row)
    return pd.DataFrame(rows).set_index(["subject", "parameter"])


def _netcdf_ready(idata: Any) -> Any:
    """A copy whose boolean variables (``diverging``) and attributes are integers (h5netcdf
    refuses booleans)."""
    out = idata.copy()
    for g in out.groups():
        ds = out[g]
        flags = [v for v in ds.data_vars if ds[v].dtype == bool]
        if flags:
            ds = ds.assign({v: ds[v].astype("int8") for v in flags})
        ds.attrs = {k: (int(v) if isinstance(v, bool | np.bool_) else v)
                    for k, v in ds.attrs.items()}
        out[g] = ds
    top = getattr(out, "attrs", None)  # InferenceData-level attributes (arviz >= 0.18)
    if isinstance(top, dict):
        out.attrs = {k: (int(v) if isinstance(v, bool | np.bool_) else v) for k, v in top.items()}
    return out


def save_fits(fits: Mapping[str, Any], folder: Any = "") -> dict[str, str]:
    """Write each InferenceData as ``15_actor_your_data.<label>.nc`` in :func:`output_dir`.

    Returns:
        ``{label: path}``.
    """
    checks.mapping("fits", fits)
    out = output_dir(folder)
    paths = {}
    for label, idata in fits.items():
        safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in str(label))
        p = out / f"{STEM}.{safe}.nc"
        _netcdf_ready(idata).to_netcdf(str(p))
        paths[str(label)] = str(p)
    return paths


def file_names(paths: Mapping[str, Any]) -> dict[str, str]:
    """``{label: file name}`` of :func:`save_fits`' paths: what a results file records, since the
    runner writes them into a staging folder and publishes them next to the report."""
    checks.mapping("paths", paths)
    return {str(k): Path(v).name for k, v in paths.items()}


def parameterised_family(costs: Any) -> str | None:
    """The first family of ``costs`` with a cost parameter (the one set against the prior)."""
    from nestlab.actors.compare import check_families
    from nestlab.actors.costs import get_cost

    return next((c for c in check_families(costs) if get_cost(c).params), None)


class IdentifiabilityStudy(NamedTuple):
    """:func:`identifiability_study`: the verdict table and the fits it needed."""

    family: str | None  # the family whose cost parameter is set against the prior
    table: pd.DataFrame  # identifiability_table (empty without such a family)
    pooled: dict[str, Any]  # {subject: fit with the conditions pooled} (empty with one condition)


def identifiability_study(trials: pd.DataFrame, fits: Mapping[str, Mapping[str, Any]], *,
                          chains: int = 4, warmup: int = 1000, draws: int = 1000, seed: int = 0,
                          n_nodes: int = 8) -> IdentifiabilityStudy:
    """Per-subject prior-vs-cost verdicts on the first parameterised family of ``fits``.

    With several conditions the same trials are refitted with one ``sigma``
    (:func:`fit_subjects` with ``pool_conditions=True``) to measure what the second noise level
    adds; see :func:`identifiability_table`.
    """
    checks.mapping("fits", fits)
    fam = parameterised_family(list(fits))
    if fam is None:
        return IdentifiabilityStudy(None, pd.DataFrame(), {})
    pooled: dict[str, Any] = {}
    if len(np.unique(trials["condition"])) > 1:
        pooled = fit_subjects(trials, costs=[fam], chains=chains, warmup=warmup, draws=draws,
                              seed=seed, n_nodes=n_nodes, pool_conditions=True)[fam]
    return IdentifiabilityStudy(fam, identifiability_table(fits[fam], pooled=pooled or None),
                                pooled)


def fit_population(trials: pd.DataFrame, *, cost: str, enabled: bool = True, chains: int = 4,
                   warmup: int = 1000, draws: int = 1000, seed: int = 0, n_nodes: int = 8,
                   target_accept: float = TARGET_ACCEPT, dense_mass: bool = False
                   ) -> dict[str, Any]:
    """``{cost: fit_hierarchical(...)}``, or ``{}`` when disabled or with a single subject.

    The population path is :func:`~nestlab.actors.hierarchical.fit_hierarchical` itself, so
    ``target_accept`` defaults to its :data:`~nestlab.actors.hierarchical.TARGET_ACCEPT`
    (0.99), measured there on this demo: 4 x (1000 + 2000), 2 divergent transitions in 8000 at
    0.98 (also with a dense mass matrix: 4), none at 0.99 (min bulk / tail ESS 2623 / 2483).
    """
    enabled = checks.boolean("enabled", enabled)
    if not enabled or trials["subject"].nunique() < 2:
        return {}
    return {cost: fit_hierarchical(trials, cost=cost, chains=chains, warmup=warmup, draws=draws,
                                   seed=seed, n_nodes=n_nodes, target_accept=target_accept,
                                   dense_mass=dense_mass)}


def demo_recovery(data: YourData, fits: Mapping[str, Mapping[str, Any]],
                  hierarchical: Mapping[str, Any]) -> pd.DataFrame:
    """:func:`recovery_table` of the demo's true family (empty for a user's file or when the
    true family is not among the fitted ones)."""
    checks.instance("data", data, YourData)
    if data.truth is None or data.truth["cost"] not in fits:
        return pd.DataFrame()
    cost = data.truth["cost"]
    return recovery_table(fits[cost], data.truth_values, hierarchical=hierarchical.get(cost))


def claim_demo(data: YourData, *, recovery: pd.DataFrame, loo: pd.DataFrame,
               convergence: pd.DataFrame) -> dict[str, Any]:
    """The demo's claims (``nestlab.claim``), verdicts computed from the numbers; ``{}`` for a
    user's file.

    * the separate fits recover the truth: 90% intervals cover it (held at >= 80% of them,
      partly at >= 60%);
    * the hierarchical fit does too (same bounds);
    * PSIS-LOO ranks the true family first (held when first by more than 2 dse, partly when
      first by less).

    A claim resting on a fit that missed a gate is ``not held`` and its numbers are not shown.
    """
    from nestlab import claim as state
    from nestlab import judge, judge_all

    checks.instance("data", data, YourData)
    if data.truth is None:
        return {}
    cost = data.truth["cost"]
    ok = convergence.groupby("fit")["converged"].all().to_dict()
    out: dict[str, Any] = {}
    paper = "the 90% intervals cover the truth (nominal 0.9)"
    for label, col, fit_ok in (("the separate fits recover", "covers", ok.get(cost, False)),
                               ("the hierarchical fit recovers", "pooled_covers",
                                ok.get(f"hierarchical {cost}", False))):
        name = f"{label} the built-in truth ({cost})"
        if recovery.empty or col not in recovery:
            continue
        cov = float(recovery[col].mean())
        out[col] = cov
        if fit_ok:
            state(name, paper=paper, nestlab=f"{int(recovery[col].sum())}/{len(recovery)} "
                  f"intervals ({cov:.2f})", verdict=judge(cov, at_least=0.8, partly_at_least=0.6),
                  note="3 subjects x parameters (sigma per noise level, sigma0, mu0, sigma_r)")
        else:
            state(name, paper=paper, nestlab="not shown: a fit missed a convergence gate",
                  verdict="not held", note="r-hat <= 1.01, ESS >= 400, no divergences")
    if cost in loo.index and len(loo) >= 2:
        first = loo.index[0] == cost
        clear = bool(first and loo["elpd_diff"].iloc[1] > 2 * loo["dse"].iloc[1])
        all_ok = bool(all(ok.get(c, False) for c in loo.index))
        out["loo_winner"] = str(loo.index[0])
        state(f"PSIS-LOO ranks the true family ({cost}) first",
              paper=f"{cost} first", nestlab=(f"{loo.index[0]} first, runner-up "
                                               f"{loo.index[1]} at dELPD "
                                               f"{loo['elpd_diff'].iloc[1]:.1f} "
                                               f"(dse {loo['dse'].iloc[1]:.1f})")
              if all_ok else "not shown: a fit missed a convergence gate",
              verdict=judge_all([first, clear]) if all_ok else "not held",
              note="quadratic is quadratic_effort at beta = 1: close families")
    return out
