"""A researcher's own trials as a CSV (issue 15 item 3), and a built-in demo CSV.

:func:`read_trials` reads a CSV with one row per trial, validates it and returns the tidy frame
the actors use everywhere else (columns ``subject``, ``condition``, ``s``, ``r``; conditions as
integers ``0..K-1`` in order of first appearance, the labels kept in ``frame.attrs``). A malformed
file is refused with a ``ValueError`` naming the file, the (1-based, header = line 1) line and the
column. :func:`write_demo_csv` writes a small CSV from a KNOWN simulated actor (three subjects, two
noise conditions) and returns the truth, so a notebook can run out of the box and be checked.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from nestlab import checks
from nestlab.actors.models import ActorParams, simulate

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
