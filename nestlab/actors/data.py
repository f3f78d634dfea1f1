"""Real behavioural data for the Bayesian actors (spec Sec. 5.6): loaders and frame helpers.

Two data sets live outside the project under :func:`nestlab.paths.data_dir` (each folder has a
README on source, licence and columns; the project never copies them):

* ``sohn-jazayeri-2021/`` — Sohn & Jazayeri (2021, PNAS), Ready-Set-Go interval reproduction
  under a prior–cost *metamer* manipulation: an ``original`` condition (prior around 0.75 s,
  quadratic cost) and a ``metamer`` condition (prior shifted to ~1.1 s, cost shifted by
  ``deltaT`` = 0.15 or 0.2 s: responses ``deltaT`` shorter than the interval are rewarded);
* ``qu-shi-2026/`` — Qu & Shi (2026), duration reproduction at two sensory-noise levels
  (motion coherence 0.3 vs 0.7), two experiments of 22 subjects.

Loaders read only the derived CSVs (never the .mat / pickles), validate columns, dtypes and
values (a malformed file raises ``ValueError`` naming the file, the problem and the valid
values) and return tidy frames with one row per trial and columns ``subject``, ``condition``,
``s`` (stimulus, seconds) and ``r`` (response, seconds) plus data-set specific columns.

The helpers after the loaders select, subsample and summarise such frames (and the fits'
predictive central tendency). The fits and studies run on these data live elsewhere:
:mod:`nestlab.actors.batch` (many data sets in one compiled NUTS program, the convergence gate)
and :mod:`nestlab.actors.realdata` (notebook 13's studies and claims).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from nestlab import checks

__all__ = ["QS_COHERENCES", "QS_CONDITIONS", "QS_DURATIONS", "QS_FILES", "QS_FOLDER",
           "SJ_CONDITIONS", "SJ_FOLDER", "SJ_SESSIONS", "SJ_TRIALS", "StimulusPrior",
           "central_tendency", "check_frame", "load_qu_shi", "load_sohn_jazayeri",
           "load_sohn_jazayeri_sessions", "log_slope", "measurement_noise", "predictive_slope",
           "select", "stimulus_prior", "subjects", "subsample", "to_arrays"]

SJ_FOLDER = "sohn-jazayeri-2021"
SJ_TRIALS = "rsg_trials.csv"
SJ_SESSIONS = "rsg_sessions.csv"
#: the two conditions of Sohn & Jazayeri, in condition-index order
SJ_CONDITIONS = ("original", "metamer")

QS_FOLDER = "qu-shi-2026"
QS_FILES = {1: "exp1_ramped_coherence.csv", 2: "exp2_constant_coherence.csv"}
QS_DURATIONS = (0.8, 1.0, 1.2, 1.4, 1.6)
QS_COHERENCES = (0.3, 0.7)
#: Qu & Shi conditions in condition-index order: low coherence (noisier) first
QS_CONDITIONS = ("low", "high")


# ----------------------------------------------------------------------------- reading


def _resolve(path: str | Path | None, folder: str, filename: str) -> Path:
    """``path`` may be the CSV itself or its folder; ``None`` -> ``data_dir(folder)``."""
    if path is None:
        from nestlab.paths import data_dir

        return data_dir(folder) / filename
    p = checks.path("path", path, must_exist=False)
    return p / filename if p.is_dir() else p


#: largest magnitude an integer column may hold (exact in float64, no int64 overflow)
_MAX_INT = 2 ** 53


def _scan(path: Path, required: Sequence[str]) -> list[str]:
    """The header of a CSV after checking it is UTF-8 text with one field per column per row.

    pandas alone reports encoding and field-count errors without the file name, reads a file
    whose every row has one extra field with the first column as an index, and renames a
    duplicated column (``x`` -> ``x.1``); this pass refuses all three, naming file and line.
    """
    import csv

    try:
        with path.open(encoding="utf-8", newline="") as fh:
            text = fh.read()
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path.name}: not UTF-8 text (byte {exc.start}: {exc.reason}); valid "
                         "files: UTF-8 comma-separated text with a header row") from None
    if "\x00" in text:
        raise ValueError(f"{path.name}: holds NUL bytes (a binary file?); valid files: UTF-8 "
                         "comma-separated text with a header row")
    try:
        rows = list(csv.reader(text.splitlines()))
    except csv.Error as exc:
        raise ValueError(f"{path.name}: not a readable CSV file ({exc})") from None
    lines = [(i + 1, row) for i, row in enumerate(rows) if row]
    if not lines:
        raise ValueError(f"{path.name}: the file is empty; valid files: a header row and at "
                         "least one row of trials")
    header = [h.strip() for h in lines[0][1]]
    dup = sorted({h for h in header if header.count(h) > 1})
    if dup:
        raise ValueError(f"{path.name}: duplicated column(s) {dup} in the header (line "
                         f"{lines[0][0]}); valid: each column named once")
    checks.members("header", header, required, what="column", where=path.name)
    for line, row in lines[1:]:
        if len(row) != len(header):
            raise ValueError(f"{path.name}: line {line} has {len(row)} fields, the header "
                             f"{len(header)}; valid: one field per column on every row")
    if len(lines) < 2:
        raise ValueError(f"{path.name}: no rows of trials under the header; valid files: a "
                         "header row and at least one row of trials")
    return header


def _line(df: pd.DataFrame, bad: np.ndarray) -> str:
    """``line L`` (1-based, header = line 1) of the first flagged row, for a message."""
    i = int(np.flatnonzero(bad)[0])
    return f"line {int(df.index[i]) + 2}"


def _read(path: Path, columns: Mapping[str, str], *, dtype: Mapping[str, Any] | None = None
          ) -> pd.DataFrame:
    """Read a CSV and check that every required column exists with the right kind.

    ``columns`` maps name -> ``"number"``, ``"integer"``, ``"bool"`` or ``"text"``. Every
    refusal is a ``ValueError`` that names the file, the column and the first bad line.
    """
    if not path.is_file():
        what = "not found" if not path.exists() else "is not a file"
        raise FileNotFoundError(f"data file {str(path)!r} {what}")
    _scan(path, list(columns))
    import warnings

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # a ParserWarning means lost data: refuse the file
            df = pd.read_csv(path, dtype=dict(dtype or {}), index_col=False, encoding="utf-8")
    except (ValueError, pd.errors.ParserError, pd.errors.EmptyDataError, OverflowError,
            Warning) as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ValueError(f"{path.name}: not a readable CSV file ({reason})") from None
    df.columns = [str(c).strip() for c in df.columns]
    for c, kind in columns.items():
        col = df[c]
        if kind == "text":
            bad = col.isna().to_numpy()
            if bad.any():
                raise ValueError(f"{path.name}: column {c!r} has an empty cell at "
                                 f"{_line(df, bad)}; valid values: text")
            continue
        if kind == "bool":
            low = col.astype(str).str.strip().str.lower()
            bad = (~low.isin(["true", "false"]) | col.isna()).to_numpy()
            if bad.any():
                got = sorted({str(v) for v in col[bad]})[:5]
                raise ValueError(f"{path.name}: column {c!r} must be True/False, got values "
                                 f"{got} (first at {_line(df, bad)})")
            continue
        if not pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col):
            num = pd.to_numeric(col, errors="coerce")
            bad = (num.isna() & col.notna()).to_numpy()
            where = f" (first at {_line(df, bad)}: {col[bad].iloc[0]!r})" if bad.any() else ""
            raise ValueError(f"{path.name}: column {c!r} must be numeric, got dtype "
                             f"{col.dtype}{where}")
        if kind == "integer":
            x = col.to_numpy(float)
            bad = ~(np.isfinite(x) & (np.abs(x) <= _MAX_INT))
            bad[~bad] = x[~bad] % 1 != 0
            _refuse_rows(df, c, x, bad, path, "be whole numbers of magnitude <= 2**53")
    return df


def _require(ok: Any, path: Path, problem: str) -> None:
    ok = np.asarray(ok, dtype=bool)
    if not bool(np.all(ok)):
        first = int(np.flatnonzero(~ok.ravel())[0]) if ok.ndim else 0
        where = f" (first at line {first + 2})" if ok.ndim else ""
        raise ValueError(f"{path.name}: {problem}{where}")


def _refuse_rows(df: pd.DataFrame, col: str, x: np.ndarray, bad: np.ndarray, path: Path,
                 requirement: str) -> None:
    """Refuse a column with flagged rows: how many, and the first one's line and value."""
    if bad.any():
        raise ValueError(f"{path.name}: column {col!r} must {requirement}; {int(bad.sum())} "
                         f"row(s) are not, first at {_line(df, bad)}: {float(x[bad][0])!r}")


def _positive(df: pd.DataFrame, col: str, path: Path) -> None:
    x = df[col].to_numpy(float)
    _refuse_rows(df, col, x, ~(np.isfinite(x) & (x > 0)), path,
                 "be finite and positive (an interval)")


def _finite(df: pd.DataFrame, col: str, path: Path) -> None:
    x = df[col].to_numpy(float)
    _refuse_rows(df, col, x, ~np.isfinite(x), path, "be finite")


def _in_set(df: pd.DataFrame, col: str, valid: Sequence[Any], path: Path) -> None:
    vals = df[col]
    numeric = all(isinstance(v, (int, float, np.number)) and not isinstance(v, bool)
                  for v in valid)
    if vals.dtype.kind == "f" and not numeric:  # e.g. a text column whose every value is a number
        ok = vals.astype(str).isin([str(v) for v in valid]).to_numpy()
    elif vals.dtype.kind == "f":
        ok = np.isclose(vals.to_numpy(float)[:, None], np.asarray(valid, float)[None]).any(1)
    else:
        ok = vals.isin(valid).to_numpy()
    if not ok.all():
        unknown = sorted({str(v) for v in vals[~ok]})
        raise ValueError(f"{path.name}: column {col!r} has unknown value(s) {unknown[:5]} "
                         f"(first at {_line(df, ~ok)}); valid values: {list(valid)}")


def load_sohn_jazayeri(path: str | Path | None = None) -> pd.DataFrame:
    """Sohn & Jazayeri (2021) Ready-Set-Go trials from ``rsg_trials.csv`` (one row per trial).

    Args:
        path: the CSV or its folder (default ``data_dir("sohn-jazayeri-2021")``).

    Returns:
        columns ``subject`` (int), ``session``, ``trial``, ``condition`` (``original`` /
        ``metamer``), ``s`` (sample interval ts, s), ``r`` (produced interval tp, s), ``delta``
        (the cost offset deltaT, s; 0 in the original condition) and ``reward``.

    Raises:
        FileNotFoundError: the folder or file is absent.
        ValueError: missing column, wrong dtype, non-positive interval, unknown condition, or
            a cost offset inconsistent with its condition.
    """
    p = _resolve(path, SJ_FOLDER, SJ_TRIALS)
    df = _read(p, {"subject": "integer", "session": "integer", "trial": "integer",
                   "ts_ms": "number", "tp_ms": "number", "deltaT_ms": "number",
                   "condition": "text", "reward": "number"})
    _positive(df, "ts_ms", p)
    _positive(df, "tp_ms", p)
    _finite(df, "reward", p)
    _in_set(df, "condition", SJ_CONDITIONS, p)
    _require(df["subject"] >= 1, p, "column 'subject' must be >= 1")
    dt = df["deltaT_ms"].to_numpy(float)
    orig = (df["condition"] == "original").to_numpy()
    _require(np.isfinite(dt) & (dt >= 0), p, "column 'deltaT_ms' must be finite and >= 0")
    _require((dt == 0) == orig, p, "column 'deltaT_ms' must be 0 exactly in the 'original' "
                                   "condition (valid: original -> 0, metamer -> > 0)")
    return pd.DataFrame({
        "subject": df["subject"].astype(int), "session": df["session"].astype(int),
        "trial": df["trial"].astype(int), "condition": df["condition"].astype(str),
        "s": df["ts_ms"].to_numpy(float) / 1000, "r": df["tp_ms"].to_numpy(float) / 1000,
        "delta": dt / 1000, "reward": df["reward"].to_numpy(float)})


def load_sohn_jazayeri_sessions(path: str | Path | None = None) -> pd.DataFrame:
    """The per-session table ``rsg_sessions.csv`` (authors' fitted observer parameters).

    Returns:
        columns ``subject``, ``session``, ``n_trials``, ``wm_1`` (measurement Weber fraction
        of the first part of the session), ``wp_1`` (production Weber fraction), ``offset_1``
        (ms) and the ``_2`` columns where present.

    Raises:
        ValueError: missing column or a negative Weber fraction.
    """
    p = _resolve(path, SJ_FOLDER, SJ_SESSIONS)
    df = _read(p, {"subject": "integer", "session": "integer", "n_trials": "integer",
                   "wm_1": "number", "wp_1": "number"})
    for c in ("wm_1", "wp_1"):
        x = df.loc[df["n_trials"] > 0, c].to_numpy(float)
        _require(np.isfinite(x) & (x > 0), p, f"column {c!r} (a Weber fraction) must be "
                                              "positive in every non-empty session")
    return df


def measurement_noise(sessions: pd.DataFrame, subject: int) -> float:
    """The authors' fitted measurement Weber fraction ``wm`` of a subject's first session.

    Under scalar (Weber) noise the sd of ``log m`` is about ``wm``, so it fixes the actor's
    ``sigma`` (the paper fixes sigma because sigma and sigma_r trade off, spec Sec. 2).
    """
    check_frame(sessions, ["subject", "session", "wm_1"], name="sessions")
    subject = checks.integer("subject", subject)
    row = sessions[(sessions["subject"] == subject) & (sessions["session"] == 1)]
    if row.empty:
        valid = sorted(sessions["subject"].unique().tolist())
        raise ValueError(f"unknown subject {subject!r} (no session 1); valid choices: "
                         + ", ".join(map(str, valid)))
    return float(row["wm_1"].iloc[0])


def load_qu_shi(experiment: int = 1, path: str | Path | None = None, *,
                drop_outliers: bool = True) -> pd.DataFrame:
    """Qu & Shi (2026) duration-reproduction trials of one experiment.

    Args:
        experiment: 1 (ramped coherence) or 2 (constant coherence).
        path: the CSV or its folder (default ``data_dir("qu-shi-2026")``).
        drop_outliers: drop the authors' IQR-flagged outlier trials (``is_outlier``).

    Returns:
        columns ``subject`` (6-digit code, str), ``experiment``, ``trial``, ``condition``
        (``low`` for coherence 0.3, ``high`` for 0.7), ``coherence``, ``s`` (duration, s),
        ``r`` (reproduction, s) and ``outlier``.

    Raises:
        ValueError: unknown experiment, missing column, wrong dtype, non-positive duration or
            reproduction, a duration or coherence outside the design.
    """
    experiment = checks.integer("experiment", experiment)
    checks.choice("experiment", experiment, QS_FILES)
    drop_outliers = checks.boolean("drop_outliers", drop_outliers)
    p = _resolve(path, QS_FOLDER, QS_FILES[experiment])
    df = _read(p, {"subID": "text", "trial_num": "integer", "curDur": "number", "rpr": "number",
                   "curCoherence": "number", "is_outlier": "bool"}, dtype={"subID": str})
    _positive(df, "curDur", p)
    _positive(df, "rpr", p)
    _in_set(df, "curDur", QS_DURATIONS, p)
    _in_set(df, "curCoherence", QS_COHERENCES, p)
    out = df["is_outlier"].astype(str).str.lower().eq("true").to_numpy()
    coh = df["curCoherence"].to_numpy(float)
    frame = pd.DataFrame({
        "subject": df["subID"].astype(str), "experiment": experiment,
        "trial": df["trial_num"].astype(int),
        "condition": np.where(np.isclose(coh, QS_COHERENCES[0]), QS_CONDITIONS[0],
                              QS_CONDITIONS[1]),
        "coherence": coh, "s": df["curDur"].to_numpy(float), "r": df["rpr"].to_numpy(float),
        "outlier": out})
    if drop_outliers:
        frame = frame[~frame["outlier"]].reset_index(drop=True)
    return frame


# ----------------------------------------------------------------------------- helpers


def check_frame(frame: Any, columns: Sequence[str], *, name: str = "frame") -> pd.DataFrame:
    """``frame`` if it is a DataFrame holding ``columns`` (else ``TypeError``/``ValueError``)."""
    return checks.frame(name, frame, columns)


def subjects(frame: pd.DataFrame) -> list:
    """The subjects of a frame, in sorted order."""
    check_frame(frame, ["subject"])
    return sorted(frame["subject"].unique().tolist())


def select(frame: pd.DataFrame, *, subject: Any = None,
           condition: str | Sequence[str] | None = None) -> pd.DataFrame:
    """Rows of one subject and/or condition(s).

    Raises:
        ValueError: a subject or condition that is not in the frame (naming the valid ones).
    """
    check_frame(frame, ["subject", "condition"])
    out = frame
    if subject is not None:
        checks.choice("subject", subject, subjects(frame))
        out = out[out["subject"] == subject]
    if condition is not None:
        conds = [condition] if isinstance(condition, str) else condition
        checks.choices("condition", conds, sorted(frame["condition"].unique()))
        out = out[out["condition"].isin(list(conds))]
    return out.reset_index(drop=True)


def subsample(frame: pd.DataFrame, n: int | None, *, by: str = "condition",
              seed: int = 0) -> pd.DataFrame:
    """At most ``n`` trials per group of ``by`` (random, seeded), in their original order."""
    checks.instance("frame", frame, pd.DataFrame)
    checks.choice("by", by, list(map(str, frame.columns)))
    seed = checks.integer("seed", seed, min=0)
    if n is None:
        return frame.reset_index(drop=True)
    n = checks.integer("n", n, min=1)
    rng = np.random.default_rng(seed)
    keep = []
    for _, idx in frame.groupby(by, sort=True).indices.items():
        keep.append(idx if idx.size <= n else np.sort(rng.choice(idx, n, replace=False)))
    return frame.iloc[np.sort(np.concatenate(keep))].reset_index(drop=True)


def to_arrays(frame: pd.DataFrame, *, condition_order: Sequence[str] | None = None
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(stimuli, responses, conditions)`` as :func:`nestlab.actors.inference.fit` takes them.

    Args:
        frame: a tidy frame from one of the loaders.
        condition_order: condition names in index order (default: those present, in the data
            set's canonical order ``original, metamer`` / ``low, high``, else sorted). Each
            name must be present, so the labels are ``0..k-1`` without gaps.

    Raises:
        ValueError: an empty frame, or a condition in the frame missing from the order (or a
            name in the order absent from the frame).
    """
    check_frame(frame, ["s", "r", "condition"])
    if len(frame) == 0:
        raise ValueError("invalid frame: it has no trials (check subject/condition selection); "
                         "valid: at least one trial")
    present = list(frame["condition"].unique())
    if condition_order is None:
        canon = [c for c in SJ_CONDITIONS + QS_CONDITIONS if c in present]
        condition_order = canon + sorted(c for c in present if c not in canon)
    order = checks.sequence("condition_order", condition_order, min_len=1)
    if set(order) != set(present) or len(set(order)) != len(order):
        raise ValueError(f"invalid condition_order {order}: it must list each condition present "
                         f"exactly once; valid: an order of {sorted(present)}")
    idx = {c: i for i, c in enumerate(order)}
    cond = frame["condition"].map(idx).to_numpy(np.int32)
    return frame["s"].to_numpy(float), frame["r"].to_numpy(float), cond


class StimulusPrior(NamedTuple):
    """Log-normal summary of an experimental stimulus distribution."""

    mu0: float  # geometric mean (median of the fitted log-normal)
    sigma0: float  # sd of log s


def stimulus_prior(stimuli: Any) -> StimulusPrior:
    """The log-normal that matches the stimuli's log-moments (the prior an ideal learner holds)."""
    ls = np.log(checks.array("stimuli", stimuli, min=0, inclusive=(False, True)))
    return StimulusPrior(float(np.exp(ls.mean())), float(ls.std()))


def log_slope(stimuli: Any, responses: Any) -> float:
    """Least-squares slope of ``log r`` on ``log s`` (1: no central tendency)."""
    s = checks.array("stimuli", stimuli, ndim=1, min=0, inclusive=(False, True), min_size=2)
    r = checks.array("responses", responses, ndim=1, min=0, inclusive=(False, True),
                     shape=(s.size,))
    if np.ptp(s) == 0:
        raise ValueError(f"invalid stimuli: all {s.size} equal ({s[0]:g}); valid: at least two "
                         "distinct stimuli (a slope needs them)")
    x, y = np.log(s), np.log(r)
    return float(np.polyfit(x, y, 1)[0])


def _observed_and_predictive(idata: Any,
                             condition: int | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Stimuli, responses and posterior-predictive responses (draws, trials) of one condition."""
    from nestlab.diagnostics import require_groups

    require_groups(idata, "constant_data", "observed_data", "posterior_predictive")
    if condition is not None:
        labels = np.unique(np.asarray(idata.constant_data["condition"].values)).tolist()
        checks.choice("condition", checks.integer("condition", condition), labels)
    s = np.asarray(idata.constant_data["s"].values, float)
    r = np.asarray(idata.observed_data["r"].values, float)
    pp = np.asarray(idata.posterior_predictive["r"].values, float)
    pp = pp.reshape(-1, pp.shape[-1])
    if condition is not None:
        keep = np.asarray(idata.constant_data["condition"].values) == condition
        s, r, pp = s[keep], r[keep], pp[:, keep]
    return s, r, pp


def central_tendency(idata: Any, *, n_bins: int = 6, condition: int | None = None,
                     prob: float = 0.9) -> pd.DataFrame:
    """Mean response per stimulus bin: data against the posterior predictive.

    Bins are stimulus quantiles (or the distinct stimuli when there are at most ``n_bins``).

    Returns:
        one row per bin: ``s`` (mean stimulus), ``n``, ``data`` (mean r), ``predictive`` (mean
        of the predictive bin means) and its central ``prob`` interval ``lo``/``hi``.
    """
    s, r, pp = _observed_and_predictive(idata, condition)
    uniq = np.unique(s)
    if uniq.size <= n_bins:
        bins = np.searchsorted(uniq, s)
    else:
        edges = np.quantile(s, np.linspace(0, 1, n_bins + 1))
        bins = np.clip(np.searchsorted(edges, s, side="right") - 1, 0, n_bins - 1)
    rows = []
    q = (1 - prob) / 2
    for b in np.unique(bins):
        k = bins == b
        means = pp[:, k].mean(axis=1)
        rows.append({"s": s[k].mean(), "n": int(k.sum()), "data": r[k].mean(),
                     "predictive": means.mean(), "lo": np.quantile(means, q),
                     "hi": np.quantile(means, 1 - q)})
    return pd.DataFrame(rows)


def predictive_slope(idata: Any, *, condition: int | None = None) -> tuple[float, float]:
    """Slope of log r on log s: observed, and the mean over posterior-predictive data sets."""
    s, r, pp = _observed_and_predictive(idata, condition)
    x = np.log(s) - np.log(s).mean()
    slopes = (np.log(pp) - np.log(pp).mean(axis=1, keepdims=True)) @ x / (x @ x)
    return log_slope(s, r), float(slopes.mean())
