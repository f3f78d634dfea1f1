"""The GR2 claims of notebooks 30-32 (Wen et al. 2020, Theorem 1, Sec. 5): numbers and scoreboard.

The ``*_claims`` / ``*_check`` functions return measured numbers (and the booleans a claim is
made of) and decide nothing. The ``record_*`` functions record a study's headline numbers in the
running notebook (``nestlab.record``) and the ``claim_*`` functions state its scoreboard rows
(``nestlab.claim``), every verdict computed from the numbers by ``nestlab.judge`` /
``nestlab.judge_all``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

import nestlab
from nestlab import checks
from nestlab.recursive import dynamics as dyn
from nestlab.recursive.experiments import (
    AblationStudy,
    BeautyMethods,
    DynamicsResult,
    summary_field,
    summary_table,
)
from nestlab.recursive.games import MATRIX_GAMES, matrix_game

__all__ = ["BEAUTY_RECORDS", "GAMES_RECORDS", "PROFILES", "Best", "PropositionCheck",
           "beauty_claims", "best_method", "claim_beauty", "claim_dynamics", "claim_games",
           "games_claims", "level1_theory_error", "proposition_check", "proposition_checks",
           "proposition_table", "record_ablation", "record_beauty", "record_dynamics",
           "record_games"]

#: the pure profiles of a 2x2 game, the level-0 starts of :func:`proposition_check`
PROFILES = ((0, 0), (0, 1), (1, 0), (1, 1))


def level1_theory_error(game: str, *, zeta: float = 0.1, n_check: int = 200, seed: int = 0) -> float:
    """Largest gap between level-1's numerical dF/dt and Theorem 1's closed form ``2 zeta u_r u_c F``.

    Measured at ``n_check`` uniform random points of ``[0.02, 0.98]^2`` (seeded).

    Raises:
        ValueError: an unknown game, a negative ``zeta``, ``n_check`` < 1 or a negative seed.
    """
    checks.choice("game", game, MATRIX_GAMES)
    checks.real("zeta", zeta, min=0)
    checks.integer("n_check", n_check, min=1)
    checks.integer("seed", seed, min=0)
    g = matrix_game(game)
    pts = np.random.default_rng(seed).uniform(0.02, 0.98, size=(n_check, 2))
    return float(np.max(np.abs(dyn.lyapunov_rate(g, pts, level=1, zeta=zeta)
                               - dyn.lyapunov_rate_theory(g, pts, zeta=zeta))))


class PropositionCheck(NamedTuple):
    """The Proposition of Wen et al. (pure level-k play) from each pure level-0 profile.

    ``chains[start]``: the profiles of levels 0..depth; ``first_nash[start]``: the first level that
    plays a pure Nash equilibrium (``None``: none does); ``holds[start]``: every level after that
    one plays an equilibrium too (vacuously true when none is reached).
    """

    chains: dict
    first_nash: dict
    holds: dict

    @property
    def all_hold(self) -> bool:
        """Whether the Proposition holds from every pure start."""
        return all(self.holds.values())

    @property
    def reached(self) -> int:
        """How many starts reach a pure equilibrium at some level."""
        return sum(v is not None for v in self.first_nash.values())


def proposition_check(game: str, *, depth: int = 6) -> PropositionCheck:
    """Pure level-k chains from every pure level-0 profile, and whether each keeps an equilibrium.

    Level k best-responds to level k-1 (:func:`nestlab.recursive.dynamics.pure_level_k_chain`).

    Raises:
        ValueError: an unknown game or ``depth`` < 1.
    """
    checks.choice("game", game, MATRIX_GAMES)
    checks.integer("depth", depth, min=1)
    g = matrix_game(game)
    eqs = set(g.pure_equilibria())
    chains, first, holds = {}, {}, {}
    for start in PROFILES:
        ch = dyn.pure_level_k_chain(g, depth, level0=start)
        at = next((i for i, p in enumerate(ch) if p in eqs), None)
        chains[start], first[start] = ch, at
        holds[start] = at is None or all(p in eqs for p in ch[at:])
    return PropositionCheck(chains, first, holds)


class Best(NamedTuple):
    """The best of some methods on one summary number: which method, and its value."""

    method: str | None
    value: float


def best_method(summary: Mapping[str, Mapping[str, Mapping[str, float]]], methods: Sequence[str],
                game: str, key: str, *, lowest: bool = False) -> Best:
    """The method of ``methods`` with the highest (``lowest=True``: lowest) ``summary[m][game][key]``.

    Methods absent from the summary are skipped; with none left: ``Best(None, nan)``.
    """
    vals = {m: float(summary[m][game][key]) for m in methods if m in summary and game in summary[m]}
    if not vals:
        return Best(None, float("nan"))
    pick = (min if lowest else max)(vals, key=vals.get)
    return Best(pick, vals[pick])


def games_claims(summary: Mapping[str, Mapping[str, Mapping[str, float]]], *,
                 ne_threshold: float = 0.1) -> dict[str, dict[str, Any]]:
    """The numbers of notebook 32's claims, GR2 methods against the baselines, per game present.

    Args:
        summary: :func:`nestlab.recursive.experiments.games_summary` output.
        ne_threshold: the distance to (0.5, 0.5) that counts as at the mixed equilibrium.

    Returns:
        ``{game: numbers}``, for the games in the summary:

        * ``stag_hunt``: ``gr2`` / ``baseline``: :class:`Best` success rate (both on stag);
        * ``rotational``: ``gr2`` / ``baseline``: :class:`Best` (lowest) final distance to the
          equilibrium; ``each``: every GR2 method's final distance; ``within``: which are below
          ``ne_threshold``;
        * ``max_of_two_quadratics``: ``gr2`` / ``baseline``: :class:`Best` rate of reaching
          (5, 5); ``named``: the best of the methods the paper names (GR2-L3, GR2-M*);
          ``baseline_local``: the baselines' mean rate of ending at (-5, -5).

    Raises:
        ValueError: a non-positive ``ne_threshold``; a summary with no GR2 method or no baseline.
    """
    checks.real("ne_threshold", ne_threshold, min=0, inclusive=(False, True))
    gr2 = [m for m in summary if m.startswith("GR2")]
    base = [m for m in summary if not m.startswith("GR2")]
    if not gr2 or not base:
        raise ValueError(f"invalid summary: methods {', '.join(summary) or 'none'}; valid values: "
                         "at least one GR2 method and one baseline (DDPG, MADDPG, level-0, level-1)")
    games = {g for d in summary.values() for g in d}
    out: dict[str, dict[str, Any]] = {}
    if "stag_hunt" in games:
        out["stag_hunt"] = {"gr2": best_method(summary, gr2, "stag_hunt", "success"),
                            "baseline": best_method(summary, base, "stag_hunt", "success")}
    if "rotational" in games:
        each = {m: float(summary[m]["rotational"]["final_distance"]) for m in gr2}
        out["rotational"] = {
            "gr2": best_method(summary, gr2, "rotational", "final_distance", lowest=True),
            "baseline": best_method(summary, base, "rotational", "final_distance", lowest=True),
            "each": each, "within": {m: d < ne_threshold for m, d in each.items()}}
    if "max_of_two_quadratics" in games:
        g = "max_of_two_quadratics"
        named = [m for m in gr2 if m.startswith(("GR2-L3", "GR2-M"))]
        out[g] = {"gr2": best_method(summary, gr2, g, "success"),
                  "named": best_method(summary, named, g, "success"),
                  "baseline": best_method(summary, base, g, "success"),
                  "baseline_local": float(np.mean([summary[m][g]["local"] for m in base]))}
    return out


def beauty_claims(summary: dict, *, levels: Sequence[str] = ("GR2-L1", "GR2-L2", "GR2-L3"),
                  noisy: str = "GR2-L4", lam_methods: dict | None = None,
                  threshold: float = 5.0) -> dict[str, dict[str, Any]]:
    """The numbers behind the paper's appendix claims, from measured summaries.

    Returns ``{claim: data}``; every ``data`` has ``held`` (bool, the plain test) and ``evidence``
    (text), plus the numbers a verdict is computed from:

    * ``L1-L3 converge``: ``worst`` ``{method: worst final distance over settings}``,
      ``n_converged`` / ``n_total`` (method x setting pairs below ``threshold``);
    * ``L4 noisier``: ``l4`` and ``lower`` (mean time fluctuation in the final window of L4 and of
      L1-L3), ``ratio = l4 / lower``;
    * ``square faster than abs``: ``square`` / ``abs`` mean iterations to settle within
      ``threshold`` (L1-L3; unsettled runs left out; ``inf`` if none settled), ``ratio = square / abs``;
    * ``lambda=1.5 best``: ``finals`` ``{lam: mean final distance}``, ``best`` (the lam with the
      smallest), ``margin`` (final distance of 1.5 minus the best one; 0 when 1.5 is best).
    """
    claims: dict[str, dict[str, Any]] = {}
    present = [m for m in levels if m in summary]
    if present:
        worst = {m: max(v["final_mean"] for v in summary[m].values()) for m in present}
        flags = [v["final_mean"] < threshold for m in present for v in summary[m].values()]
        claims["L1-L3 converge"] = {
            "held": all(w < threshold for w in worst.values()), "worst": worst,
            "n_converged": int(sum(flags)), "n_total": len(flags),
            "evidence": ", ".join(f"{m}: worst final distance {w:.1f}" for m, w in worst.items())}
    if noisy in summary and present:
        f4 = float(np.mean([v["fluctuation"] for v in summary[noisy].values()]))
        f13 = float(np.mean([v["fluctuation"] for m in present for v in summary[m].values()]))
        claims["L4 noisier"] = {"held": bool(f4 > f13), "l4": f4, "lower": f13,
                                "ratio": f4 / f13 if f13 > 0 else float("inf") if f4 > 0 else float("nan"),
                                "evidence": f"fluctuation L4 {f4:.2f} vs L1-L3 {f13:.2f}"}
    if present:
        settle: dict[str, list] = {"abs": [], "square": []}
        for m in present:
            for s, v in summary[m].items():
                r = s.split("/")[-1]
                t = v["settle_iters"]
                settle[r].append(t if np.isfinite(t) else np.nan)
        if settle["abs"] and settle["square"]:
            sa, sq = (float(np.nanmean(settle[k])) if np.any(np.isfinite(settle[k])) else float("inf")
                      for k in ("abs", "square"))
            claims["square faster than abs"] = {
                "held": bool(sq < sa), "square": sq, "abs": sa,
                "ratio": sq / sa if np.isfinite(sa) and sa > 0 else float("nan"),
                "evidence": f"mean iterations to settle within {threshold:g}: square {sq:.1f}, abs {sa:.1f}"}
    if lam_methods:
        finals = {lam: float(np.mean([v["final_mean"] for v in summary[m].values()]))
                  for lam, m in lam_methods.items() if m in summary}
        if finals:
            best = min(finals, key=finals.get)
            margin = finals[1.5] - finals[best] if 1.5 in finals else float("nan")
            claims["lambda=1.5 best"] = {
                "held": bool(best == 1.5), "finals": finals, "best": best, "margin": margin,
                "evidence": ", ".join(f"lambda={lam:g}: {f:.1f}" for lam, f in finals.items())}
    return claims


# ----------------------------------------------------------------------------------------------
# notebook 30: records and scoreboard
# ----------------------------------------------------------------------------------------------


def _iga_max_abs_rate(s: Mapping[str, float]) -> float:
    return max(abs(s["max_dFdt"]), abs(s["min_dFdt"]))


def record_dynamics(res: DynamicsResult, *, zeta: float = 0.1, n_check: int = 200,
                    seed: int = 0) -> dict[str, float]:
    """Record Theorem 1's numbers per game of ``res`` and return level 1's gap to the closed form.

    Records ``{game}.iga_max_abs_dFdt``, ``.iga_F_rel_change``, ``.level1_max_dFdt`` (``None``
    without level 1), ``.level1_theory_error`` (:func:`level1_theory_error`) and
    ``.final_distance`` (``{level: distance}``). ``res`` must hold level 0.

    Returns:
        ``{game: level1_theory_error}``.
    """
    checks.instance("res", res, DynamicsResult)
    theory = {g: level1_theory_error(g, zeta=zeta, n_check=n_check, seed=seed) for g in res.summary}
    for g, s in res.summary.items():
        checks.mapping(f"res.summary[{g!r}]", s, required=(0,))
        nestlab.record(f"{g}.iga_max_abs_dFdt", _iga_max_abs_rate(s[0]))
        nestlab.record(f"{g}.iga_F_rel_change", s[0]["F_rel_change"])
        nestlab.record(f"{g}.level1_max_dFdt", s[1]["max_dFdt"] if 1 in s else None)
        nestlab.record(f"{g}.level1_theory_error", theory[g])
        nestlab.record(f"{g}.final_distance", {str(k): v["final_distance"] for k, v in s.items()})
    return theory


def proposition_checks(games: Sequence[str] = ("stag_hunt", "prisoners_dilemma"), *,
                       depth: int = 6) -> dict[str, PropositionCheck]:
    """:func:`proposition_check` per game."""
    return {g: proposition_check(g, depth=depth) for g in checks.sequence("games", games, min_len=1)}


def proposition_table(props: Mapping[str, PropositionCheck]):
    """The level-k chains of :func:`proposition_checks`, one entry per game and pure start."""
    return pd.Series({f"{g} from {s}": c for g, check in checks.mapping("props", props).items()
                      for s, c in check.chains.items()})


def claim_dynamics(res: DynamicsResult, theory_error: Mapping[str, float],
                   props: Mapping[str, PropositionCheck], *, zeta: float, dt: float, n_steps: int,
                   n_check: int) -> None:
    """Notebook 30's scoreboard: IGA conserves F, level 1's closed form, levels >= 1 converge,
    the Proposition (F conserved to 1e-3 relative, the closed form to 1e-9, convergence within
    1e-2 of (0.5, 0.5) with dF/dt <= 0 at every test point)."""
    checks.instance("res", res, DynamicsResult)
    for g, s in res.summary.items():
        nestlab.claim(f"{g}: IGA conserves F and cycles", paper="dF/dt = 0: F constant",
                      nestlab=s[0]["F_rel_change"],
                      verdict=nestlab.judge(s[0]["F_rel_change"], at_most=1e-3),
                      note=f"largest relative change of F over {n_steps} RK4 steps; max |dF/dt| at "
                           f"{n_check} random points {_iga_max_abs_rate(s[0]):.1e}; distance to "
                           f"(0.5, 0.5) {s[0]['final_distance']:.2f}")
        if 1 in s:
            err = theory_error[g]
            nestlab.claim(f"{g}: level-1 dF/dt = 2ζ u_r u_c F < 0",
                          paper="ζ u_r u_c (u_c x² − u_r y²) < 0", nestlab=err,
                          verdict=nestlab.judge_all([err < 1e-9, s[1]["max_dFdt"] < 0]),
                          note=f"largest gap to the closed form at {n_check} points; max dF/dt "
                               f"{s[1]['max_dFdt']:.1e}")
        for k in [k for k in s if k > 0]:
            nestlab.claim(f"{g}: level-{k} play spirals into (0.5, 0.5)",
                          paper="converges to the mixed equilibrium", nestlab=s[k]["final_distance"],
                          verdict=nestlab.judge_all([s[k]["final_distance"] < 1e-2,
                                                     s[k]["max_dFdt"] <= 0]),
                          note=f"distance at t = {n_steps * dt:g} (ζ = {zeta:g}); max dF/dt "
                               f"{s[k]['max_dFdt']:.1e}")
    for g, check in props.items():
        nestlab.claim(f"{g}: once a level plays a pure equilibrium, every higher level does",
                      paper="Proposition",
                      nestlab=f"{sum(check.holds.values())} of {len(check.holds)} starts",
                      verdict=nestlab.judge_all(check.holds),
                      note=f"{check.reached} of {len(check.holds)} pure level-0 starts reach an "
                           "equilibrium within 6 levels")


# ----------------------------------------------------------------------------------------------
# notebook 31: records and scoreboard
# ----------------------------------------------------------------------------------------------

#: the summary numbers notebooks 31 and 32 record: ``{record name: summary key}``
BEAUTY_RECORDS = {"final_distance": "final_mean", "final_distance_std": "final_std",
                  "success_rate": "success", "settle_iters": "settle_iters",
                  "fluctuation": "fluctuation"}
GAMES_RECORDS = {"success_rate": "success", "final_distance": "final_distance"}


def _record_summary(summary: Mapping, fields: Mapping[str, str], column: str):
    for name, key in fields.items():
        nestlab.record(name, summary_field(summary, key))
    return summary_table(summary, column=column)


def record_beauty(summary: Mapping, *, methods: Sequence[str], settings: Sequence[str]):
    """Record a beauty summary's numbers per method and setting (:data:`BEAUTY_RECORDS`), the
    methods and the settings; return the summary as a tidy table."""
    table = _record_summary(summary, BEAUTY_RECORDS, "setting")
    nestlab.record("methods", list(methods))
    nestlab.record("settings", list(settings))
    return table


def record_ablation(study: AblationStudy) -> None:
    """Record the ablation's worst final distances and convergence counts per cell, its wall
    seconds and the best cells."""
    checks.instance("study", study, AblationStudy)
    conv = study.convergence
    lv = [m for m in conv.columns if str(m).startswith("GR2")]
    nestlab.record("ablation_worst_final", conv[lv].to_dict(orient="index"))
    nestlab.record("ablation_converged", {c: [int(v.n_converged), int(v.n_total)]
                                          for c, v in conv.iterrows()})
    nestlab.record("ablation_seconds", study.seconds)
    nestlab.record("best_variant", study.best_cell)
    nestlab.record("best_learner_variant", study.best_learner)


def _mean_final(summary: Mapping, method: str) -> float:
    return float(np.mean([v["final_mean"] for v in summary[method].values()]))


def claim_beauty(summary: Mapping, claims: Mapping, study: AblationStudy, variant_claims: Mapping,
                 *, methods: BeautyMethods, threshold: float, ablation_runs: int) -> None:
    """Notebook 31's scoreboard: L1-L3 converge (faithful and the best ablation reading), L4
    noisier, square faster than abs and lambda = 1.5 best (faithful and the variant), the
    baselines slower. ``claims`` / ``variant_claims``: :func:`beauty_claims` of the faithful
    and the variant runs. Records ``claims``, the best GR2 method and the baselines' distances.
    """
    checks.instance("study", study, AblationStudy)
    checks.instance("methods", methods, BeautyMethods)
    nestlab.record("claims", {k: v["held"] for k, v in claims.items()})
    base = {m: _mean_final(summary, m) for m in methods.baselines if m in summary}
    best_gr2 = min((_mean_final(summary, m), m) for m in methods.levels + list(methods.mixtures.values()))
    nestlab.record("best_gr2_method", best_gr2[1])
    nestlab.record("best_gr2_mean_final_distance", best_gr2[0])
    nestlab.record("baseline_mean_final_distance", base)
    conv, cell = study.convergence, study.best_cell
    cv, bc = claims.get("L1-L3 converge"), conv.loc[cell]
    ab = f"ablation {len(conv)} cells x {ablation_runs} runs, square reward"
    l13 = ("GR2-L1", "GR2-L2", "GR2-L3")
    if cv:
        nestlab.claim("GR2-L1..L3 converge to the equilibrium (faithful: uniform level 0)",
                      paper="L1-L3 reach 0 (p = 0.7) and 100 (p = 1.1)",
                      nestlab=f"{cv['n_converged']}/{cv['n_total']} level x setting within {threshold:g}",
                      verdict=nestlab.judge_all([w < threshold for w in cv["worst"].values()]),
                      note="worst final distance " + ", ".join(f"{m} {w:.1f}" for m, w in cv["worst"].items())
                           + f"; {ab}: faithful cell {conv.loc['faithful', 'n_converged']}/"
                             f"{conv.loc['faithful', 'n_total']}")
        nestlab.claim(f"GR2-L1..L3 converge, best ablation reading ({cell})",
                      paper="L1-L3 reach 0 (p = 0.7) and 100 (p = 1.1)",
                      nestlab=f"{bc.n_converged}/{bc.n_total} level x setting within {threshold:g}",
                      verdict=nestlab.judge_all([bool(bc[m] < threshold) for m in l13]),
                      note=f"{ab}; worst final distance " + ", ".join(f"{m} {bc[m]:.1f}" for m in l13)
                           + f"; reading: {conv.loc[cell, 'reading']}")
    if "L4 noisier" in claims:
        c = claims["L4 noisier"]
        nestlab.claim("GR2-L4 is noisier than L1-L3", paper="L4 fluctuates more", nestlab=c["ratio"],
                      verdict=nestlab.judge(c["ratio"], at_least=1.0),
                      note=f"ratio of final-window fluctuation, L4 {c['l4']:.2f} vs L1-L3 "
                           f"{c['lower']:.2f} (faithful runs)")
    for tag, cl in (("faithful", claims), (study.best_learner, variant_claims)):
        variant = "" if tag == "faithful" else f"; variant runs of the ablation ({ablation_runs} runs)"
        if "square faster than abs" in cl:
            c = cl["square faster than abs"]
            nestlab.claim(f"square reward converges faster than abs ({tag})", paper="square faster",
                          nestlab=c["ratio"], verdict=nestlab.judge(c["ratio"], at_most=1.0),
                          note=f"settle iterations square / abs, L1-L3: {c['square']:.1f} / "
                               f"{c['abs']:.1f}" + variant)
        if "lambda=1.5 best" in cl:
            c = cl["lambda=1.5 best"]
            nestlab.claim(f"GR2-M with lambda = 1.5 is the best mixture ({tag})",
                          paper="lambda = 1.5 best", nestlab=f"best lambda {c['best']:g}",
                          verdict=nestlab.judge(c["margin"], at_most=0.0, partly_at_most=2.0),
                          note="mean final distance " + ", ".join(f"lambda {k:g}: {v:.1f}"
                                                                  for k, v in c["finals"].items())
                               + "; partly = 1.5 within 2 numbers of the best" + variant)
    if base:
        nestlab.claim("baselines are slower or stuck", paper="DDPG / MADDPG slower or stuck",
                      nestlab=min(base.values()),
                      verdict=nestlab.judge_all([b > best_gr2[0] for b in base.values()]),
                      note=f"mean final distance of the best baseline; best GR2 ({best_gr2[1]}) "
                           f"{best_gr2[0]:.1f}; " + ", ".join(f"{m} {b:.1f}" for m, b in base.items()))


# ----------------------------------------------------------------------------------------------
# notebook 32: records and scoreboard
# ----------------------------------------------------------------------------------------------


def record_games(summary: Mapping, *, methods: Sequence[str], games: Sequence[str]):
    """Record a games summary's success rates and final distances (:data:`GAMES_RECORDS`), the
    local-optimum rate of the quadratics game when played, the methods and the games; return
    the summary as a tidy table."""
    table = _record_summary(summary, GAMES_RECORDS, "game")
    if "max_of_two_quadratics" in games:
        nestlab.record("local_optimum_rate", {m: d["max_of_two_quadratics"]["local"]
                                              for m, d in summary.items()})
    nestlab.record("methods", list(methods))
    nestlab.record("games", list(games))
    return table


def _claim_reaches(claim: str, *, paper: str, best: Best, baseline: Best, note: str) -> None:
    """A "GR2 reaches an outcome" row: ``best`` reaches it in at least half of its runs and more
    often than the best ``baseline`` (the rule of :func:`claim_games`); the note ends with the
    baseline's rate."""
    nestlab.claim(claim, paper=paper, nestlab=best.value,
                  verdict=nestlab.judge_all([best.value >= 0.5, best.value > baseline.value]),
                  note=f"{note}; best baseline {baseline.method} {baseline.value:.2f}")


def claim_games(summary: Mapping, *, ne_threshold: float = 0.1) -> None:
    """Notebook 32's scoreboard from :func:`games_claims`: a GR2 method "reaches" an outcome in
    at least half of its runs and more often than the best baseline; "converges" in the
    rotational game is a mean final distance below ``ne_threshold`` from (0.5, 0.5)."""
    gc = games_claims(summary, ne_threshold=ne_threshold)
    base = [m for m in summary if not m.startswith("GR2")]
    if "stag_hunt" in gc:
        c = gc["stag_hunt"]
        _claim_reaches("stag hunt: GR2 reaches (stag, stag), more often than the baselines",
                       paper="GR2 reaches (stag, stag); baselines often (hare, hare)",
                       best=c["gr2"], baseline=c["baseline"],
                       note=f"share of runs at (stag, stag): best GR2 {c['gr2'].method}")
    if "rotational" in gc:
        c = gc["rotational"]
        nestlab.claim("rotational: GR2 converges to the mixed equilibrium (0.5, 0.5)",
                      paper="converges (Theorem 1)", nestlab=c["gr2"].value,
                      verdict=nestlab.judge(c["gr2"].value, at_most=ne_threshold),
                      note=f"mean final distance, closest GR2 {c['gr2'].method}; closest baseline "
                           f"{c['baseline'].method} {c['baseline'].value:.3f}")
        nestlab.claim("rotational: every GR2 variant converges to (0.5, 0.5)",
                      paper="converges (Theorem 1)",
                      nestlab=f"{sum(c['within'].values())} of {len(c['within'])} within {ne_threshold:g}",
                      verdict=nestlab.judge_all(c["within"]),
                      note="mean final distance: " + ", ".join(f"{m} {d:.3f}" for m, d in c["each"].items()))
    if "max_of_two_quadratics" in gc:
        c = gc["max_of_two_quadratics"]
        _claim_reaches("max of two quadratics: GR2-L3 / GR2-M find the global optimum (5, 5)",
                       paper="GR2-L3/GR2-M find (5, 5); baselines do not",
                       best=c["named"], baseline=c["baseline"],
                       note=f"share of runs within 1 of (5, 5): best of GR2-L3/GR2-M "
                            f"{c['named'].method}; best GR2 {c['gr2'].method} {c['gr2'].value:.2f}")
        nestlab.claim("max of two quadratics: the baselines fall into the local optimum (-5, -5)",
                      paper="baselines end at (-5, -5)", nestlab=c["baseline_local"],
                      verdict=nestlab.judge(c["baseline_local"], at_least=0.5),
                      note="share of runs within 1 of (-5, -5), mean over " + ", ".join(base))
