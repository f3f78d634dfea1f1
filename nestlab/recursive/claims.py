"""The numbers behind the GR2 claims of notebooks 30 and 32 (Wen et al. 2020, Theorem 1, Sec. 5).

Each function returns measured numbers (and the booleans a claim is made of); the notebooks turn
them into scoreboard rows with ``nestlab.claim`` and verdicts from ``nestlab.judge`` /
``nestlab.judge_all``. Nothing here decides a verdict or knows the paper's wording.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np

from nestlab import checks
from nestlab.recursive import dynamics as dyn
from nestlab.recursive.games import MATRIX_GAMES, matrix_game

__all__ = ["Best", "PropositionCheck", "best_method", "games_claims", "level1_theory_error",
           "proposition_check"]

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
