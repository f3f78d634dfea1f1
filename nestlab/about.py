"""What the suite holds and what it runs on — the data behind ``00_tour``.

The catalogue reads each notebook's declared parameters through the runner
(:mod:`nestlab.runner.params`), the one place ``nestlab list`` and run validation read too.
"""

from __future__ import annotations

import json
import os
import shlex
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

from nestlab import runner

__all__ = ["FOCUS_CHOICES", "MECHANISMS", "Mechanism", "catalogue", "environment", "last_runtimes",
           "mechanisms", "rerun_command"]


class Mechanism(NamedTuple):
    """One mechanism of the suite: its sub-package, paper and notebook series."""

    key: str
    package: str
    paper: str
    arxiv: str
    series: str  # first digit of its notebooks
    summary: str


MECHANISMS: tuple[Mechanism, ...] = (
    Mechanism("actors", "nestlab.actors",
              "Straub, Niehues, Peters, Rothkopf — Inverse decision-making using neural amortized "
              "Bayesian actors (ICLR 2025)", "2409.03710", "1",
              "Bayesian actors with log-normal perception and motor noise and a family of costs; a "
              "torch network trained unsupervised to output the Bayes-optimal action, run in JAX so "
              "NUTS can infer a person's prior, noise and cost; ArviZ asks whether prior and cost "
              "can be told apart."),
    Mechanism("nested", "nestlab.nested",
              "Jha, Le, Jin, Kuo, Tenenbaum, Shu — Neural Amortized Inference for Nested "
              "Multi-agent Reasoning (AAAI 2024)", "2308.11071", "2",
              "Level-0/1/2 agents; exact enumeration of nested hypotheses against recognition-network "
              "importance sampling with an effective sample size."),
    Mechanism("recursive", "nestlab.recursive",
              "Wen, Yang, Luo, Wang — Modelling Bounded Rationality in Multi-Agent Interactions by "
              "Generalized Recursive Reasoning (IJCAI 2020)", "1901.09216", "3",
              "GR2 level-k recursive reasoning (GR2-L, GR2-M), its stability theory, the Keynes "
              "beauty contest and matrix/differential games."),
    Mechanism("influence", "nestlab.influence",
              "Chen, Tang, Tian, Li, Li, Tomizuka, Zhan — Quantifying Agent Interaction in MARL for "
              "Cost-efficient Generalization (RLC 2024)", "2310.07218", "4",
              "The Level of Influence (mutual information between return and co-player), budgeted "
              "population allocation, an exact re-analysis of the authors' logs, a small training study."),
)

FOCUS_CHOICES = ("all",) + tuple(m.key for m in MECHANISMS)


def mechanisms(focus: str = "all") -> list[Mechanism]:
    """The mechanisms to show; ``focus`` is ``"all"`` or one key (``actors``, ``nested``, ...)."""
    if focus not in FOCUS_CHOICES:
        raise ValueError(f"unknown focus {focus!r}; valid choices: {', '.join(FOCUS_CHOICES)}")
    return [m for m in MECHANISMS if focus in ("all", m.key)]


def catalogue(focus: str = "all") -> list[dict[str, Any]]:
    """One row per notebook: name, title, mechanism, parameters and their declared values.

    Each row holds ``parameters`` (name -> default), ``valid`` (name -> the declaration, e.g.
    ``"int 1..100000"``) and ``descriptions`` (name -> the text after the declaration).
    """
    series = {m.series: m.key for m in MECHANISMS}
    keep = {m.key for m in mechanisms(focus)} | ({"suite"} if focus == "all" else set())
    rows = []
    for name, info in runner.discover().items():
        mech = series.get(name[0], "suite")
        if mech in keep:
            rows.append({"notebook": name, "mechanism": mech, "title": info.title,
                         "parameters": dict(info.parameters),
                         "valid": {k: info.specs[k].text for k in info.parameters},
                         "descriptions": dict(info.descriptions)})
    return rows


def environment() -> dict[str, str]:
    """Package versions, Python, platform, core count and torch's thread count."""
    env = runner.package_versions()
    try:
        import torch

        env["torch_threads"] = str(torch.get_num_threads())
    except ImportError:  # pragma: no cover
        pass
    env["jax_platforms"] = os.environ.get("JAX_PLATFORMS", "cpu (default)")
    return env


def rerun_command(notebook: str, overrides: Mapping[str, Any] | None = None, *,
                  profile: str | None = None) -> str:
    """The shell command that re-runs ``notebook`` with ``overrides`` (validated like the CLI)."""
    pairs = list((overrides or {}).items())
    runner.plan_runs([notebook], profile=profile, overrides=pairs)  # raises on bad input
    parts = ["nestlab", "run", notebook]
    if profile:
        parts += ["--profile", profile]
    for key, value in pairs:
        parts += ["-p", key, json.dumps(value) if not isinstance(value, str) else value]
    return shlex.join(parts)


def last_runtimes(reports_dir: str | Path) -> dict[str, tuple[str, float]]:
    """``{notebook: (status, runtime_s)}`` from an earlier ``nestlab run`` (empty if none)."""
    return {r["name"]: (r.get("status", "?"), float(r.get("runtime_s") or 0.0))
            for r in runner.load_runs(reports_dir) if "name" in r}
