"""Self-play and population play on repeated 2x2 games, LoI from checkpoints, the tournament
and the LoI-guided allocation (spec section 4; Chen et al., arXiv 2310.07218, Secs. 4-5).

Per scenario (a game at one interaction strength) the study trains, all at once in one
vectorised policy-gradient loop:

* SP: ``n_sp_seeds`` self-play runs (partner: a frozen copy of itself, refreshed each generation);
* SP_eval: one further, held-out self-play run — the fixed co-players of the evaluation;
* PP3, PP5: populations whose members each keep their own weights and, each generation, are
  paired with a frozen copy of another member drawn at random.

After training (``n_generations`` generations, checkpoints after each):

* LoI blocks as in the paper's arXiv logs: ego = SP_eval at the last four even generations,
  Bobs = the SP seeds at generations (0, 2, 4, 6, 8, 12, 16, 20, 24) (scaled to
  ``n_generations``), 6 episodes each -> ``(1, 4, n_sp_seeds, 9, 6)``;
* the tournament: final SP / PP3 / PP5 agents against SP_eval at generations (6, 12, 18, 24)
  (scaled), 20 / 10 / 10 episodes, as in the published files.

The learner is REINFORCE with an optional entropy bonus (``entropy_coef``, annealed linearly
over the generations to ``entropy_final``): the paper's PPO learners carry an entropy term, and
without one the memory-one policies here collapse onto a convention within a few generations
(see :func:`entropy_ablation`). :func:`bootstrap_correlation` gives the LoI-gain correlation a
two-stage (replicates, then scenarios) bootstrap interval.

Everything is deterministic given ``seed``. Trained checkpoints are stored with
:func:`nestlab.cache.load_or_build`.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field, replace
from typing import NamedTuple

import numpy as np
import pandas as pd

from nestlab import checks
from nestlab.influence import allocation as alloc
from nestlab.influence.games import (
    MEET_PROBS,
    N_STATES,
    STUDY_GAMES,
    GameSpec,
    make_spec,
    policy_gradient,
    rollout,
    sigmoid,
)
from nestlab.influence.loi import loi_all

__all__ = ["CACHE_VERSION", "PAPER_BOB_GENERATIONS", "PAPER_EGO_GENERATIONS",
           "PAPER_GENERATIONS", "PAPER_PARTNER_GENERATIONS", "ROLES", "CorrelationInterval", "Layout",
           "ReplicateSummary", "Study", "StudyAnalysis", "StudyConfig", "agent_layout",
           "analyse_study", "best_estimator", "bootstrap_correlation", "entropy_ablation",
           "entropy_gradient", "entropy_schedule", "evaluate_checkpoints", "policy_entropy", "run_replicates",
           "run_study", "summarise_replicates", "train_population", "trained_checkpoints"]

CACHE_NAMESPACE = "influence.population"
CACHE_VERSION = "1"
PAPER_GENERATIONS = 24
PAPER_EGO_GENERATIONS = (18, 20, 22, 24)
PAPER_BOB_GENERATIONS = (0, 2, 4, 6, 8, 12, 16, 20, 24)
PAPER_PARTNER_GENERATIONS = (6, 12, 18, 24)
ROLES = ("SP", "SP_eval", "PP3", "PP5")


@dataclass(frozen=True)
class StudyConfig:
    """Sizes of the small study (defaults: the paper's layout, CPU-sized training)."""

    games: tuple[str, ...] = STUDY_GAMES
    meet_probs: tuple[float, ...] = MEET_PROBS
    n_rounds: int = 20
    solo_fraction: float = 0.25
    n_generations: int = 24
    iters_per_generation: int = 8
    batch_episodes: int = 32
    lr: float = 0.5
    init_scale: float = 1.5
    max_logit: float = 8.0
    n_sp_seeds: int = 5
    loi_episodes: int = 6
    tournament_episodes: dict[str, int] = field(
        default_factory=lambda: {"SP": 20, "PP3": 10, "PP5": 10})
    seed: int = 0
    #: entropy bonus per visited state and round at the first generation (0: plain REINFORCE)
    entropy_coef: float = 0.0
    #: entropy bonus at the last generation (linear schedule); ``None``: constant ``entropy_coef``
    entropy_final: float | None = None

    def __post_init__(self):
        w = "StudyConfig"
        checks.choices("games", self.games, STUDY_GAMES, where=w)
        for i, p in enumerate(checks.sequence("meet_probs", self.meet_probs, min_len=1, where=w)):
            checks.real(f"meet_probs[{i}]", p, min=0.0, max=1.0, where=w)
        checks.integer("n_rounds", self.n_rounds, min=1, where=w)
        checks.real("solo_fraction", self.solo_fraction, min=0.0, where=w)
        checks.integer("n_generations", self.n_generations, min=4, where=w)
        checks.integer("iters_per_generation", self.iters_per_generation, min=1, where=w)
        checks.integer("batch_episodes", self.batch_episodes, min=1, where=w)
        checks.real("lr", self.lr, min=0.0, inclusive=(False, True), where=w)
        checks.real("init_scale", self.init_scale, min=0.0, where=w)
        checks.real("max_logit", self.max_logit, min=0.0, inclusive=(False, True), where=w)
        checks.integer("n_sp_seeds", self.n_sp_seeds, min=2, where=w)
        # the kNN estimator of analyse_study needs k + 1 = 4 episodes per Bob
        checks.integer("loi_episodes", self.loi_episodes, min=4, where=w)
        eps = checks.mapping("tournament_episodes", self.tournament_episodes,
                             keys=("SP", "PP3", "PP5"), required=("SP", "PP3", "PP5"), where=w)
        for m, n in eps.items():
            checks.integer(f"tournament_episodes[{m!r}]", n, min=1, where=w)
        checks.integer("seed", self.seed, min=0, where=w)
        checks.real("entropy_coef", self.entropy_coef, min=0.0, where=w)
        if self.entropy_final is not None:
            checks.real("entropy_final", self.entropy_final, min=0.0, where=w)

    def scenarios(self) -> list[GameSpec]:
        """Scenarios in order game-major, interaction strength minor."""
        return [make_spec(g, p, n_rounds=self.n_rounds, solo_fraction=self.solo_fraction)
                for g in self.games for p in self.meet_probs]

    def generations(self, paper_gens) -> np.ndarray:
        """The paper's 24-generation schedule scaled to ``n_generations``."""
        return np.rint(np.asarray(paper_gens) * self.n_generations / PAPER_GENERATIONS).astype(int)


class Layout(NamedTuple):
    """Flat agent table: scenario, role (index into :data:`ROLES`), member, population group."""

    scenario: np.ndarray
    role: np.ndarray
    member: np.ndarray
    group: np.ndarray

    def select(self, scenario: int, role: str) -> np.ndarray:
        return np.flatnonzero((self.scenario == scenario) & (self.role == ROLES.index(role)))


def agent_layout(config: StudyConfig) -> Layout:
    """Per scenario: SP seeds, one SP_eval, PP3 members, PP5 members."""
    sizes = {"SP": config.n_sp_seeds, "SP_eval": 1, "PP3": 3, "PP5": 5}
    scen, role, member, group = [], [], [], []
    gid = 0
    for c in range(len(config.scenarios())):
        for r in ROLES:
            for m in range(sizes[r]):
                scen.append(c)
                role.append(ROLES.index(r))
                member.append(m)
                # self-play agents form their own group; a population is one group
                group.append(gid + (m if r in ("SP", "SP_eval") else 0))
            gid += sizes[r]
    return Layout(*(np.asarray(x) for x in (scen, role, member, group)))


def _draw_partners(layout: Layout, rng: np.random.Generator) -> np.ndarray:
    """Self for SP / SP_eval; another member of the same population for PP."""
    partner = np.arange(layout.group.size)
    for g in np.unique(layout.group):
        idx = np.flatnonzero(layout.group == g)
        if idx.size > 1:
            off = rng.integers(1, idx.size, size=idx.size)
            partner[idx] = idx[(np.arange(idx.size) + off) % idx.size]
    return partner


def _scenario_arrays(config: StudyConfig, layout: Layout):
    specs = config.scenarios()
    payoff = np.stack([s.payoff for s in specs])[layout.scenario]
    meet = np.array([s.meet_prob for s in specs])[layout.scenario]
    solo = np.array([s.solo_reward for s in specs])[layout.scenario]
    return payoff, meet, solo


def train_population(config: StudyConfig, *, vectorised: bool = True, progress: bool = False,
                     agents: np.ndarray | None = None) -> np.ndarray:
    """Train every agent of the study; return checkpoints ``(n_generations + 1, n_agents, 5)``.

    Args:
        config: the study's sizes and seed.
        vectorised: one numpy pass over all agents per round (default) or a per-agent loop
            (reference for the benchmark; same random draws, same result).
        progress: tqdm bar over generations.
        agents: train only these agent indices in the per-agent loop (benchmark subsets);
            the draws are the same as for the full run.
    """
    from tqdm.auto import tqdm  # local: tqdm.auto loads the notebook widgets

    checks.instance("config", config, StudyConfig)
    checks.boolean("vectorised", vectorised)
    layout = agent_layout(config)
    if agents is not None:
        agents = checks.array("agents", agents, ndim=1, dtype="int", min=0, max=layout.group.size - 1)
    n = layout.group.size
    payoff, meet, solo = _scenario_arrays(config, layout)
    rng = np.random.default_rng(config.seed)
    theta = config.init_scale * rng.standard_normal((n, 5))
    ckpts = [theta.copy()]
    todo = np.arange(n) if agents is None else np.asarray(agents)
    shape = (n, config.batch_episodes, config.n_rounds, 3)
    coefs = entropy_schedule(config)
    for gen in tqdm(range(config.n_generations), disable=not progress, desc="generations"):
        partner = _draw_partners(layout, rng)
        frozen = theta.copy()
        for _ in range(config.iters_per_generation):
            u = rng.random(shape)
            if vectorised:
                ro = rollout(theta, frozen[partner], payoff, meet, solo, u)
                grad = policy_gradient(ro)
                if coefs[gen] > 0:
                    grad = grad + coefs[gen] * entropy_gradient(theta, ro.states)
            else:
                grad = np.zeros_like(theta)
                for a in todo:
                    s = slice(a, a + 1)
                    ro = rollout(theta[s], frozen[partner[s]], payoff[s], meet[s], solo[s], u[s])
                    grad[s] = policy_gradient(ro)
                    if coefs[gen] > 0:
                        grad[s] += coefs[gen] * entropy_gradient(theta[s], ro.states)
            theta = np.clip(theta + config.lr * grad, -config.max_logit, config.max_logit)
        ckpts.append(theta.copy())
    return np.stack(ckpts)


def entropy_schedule(config: StudyConfig) -> np.ndarray:
    """Entropy coefficient of each generation: linear from ``entropy_coef`` to ``entropy_final``."""
    checks.instance("config", config, StudyConfig)
    end = config.entropy_coef if config.entropy_final is None else config.entropy_final
    return np.linspace(config.entropy_coef, end, config.n_generations)


def entropy_gradient(theta, states) -> np.ndarray:
    """Gradient w.r.t. the logits of the summed policy entropy at the visited states, ``(*A, 5)``.

    For ``p = sigmoid(x)`` the Bernoulli entropy has ``dH/dx = -x p (1 - p)``; it is summed over
    the rounds of an episode (as the reward-to-go is) and averaged over episodes.

    Args:
        theta: logits ``(*A, 5)``.
        states: visited states ``(*A, episodes, rounds)`` (a :class:`Rollout`'s ``states``).
    """
    theta = np.asarray(theta, float)
    p = sigmoid(theta)
    dh = -theta * p * (1.0 - p)  # (*A, 5)
    visits = (np.asarray(states)[..., None] == np.arange(N_STATES)).sum(axis=-2).mean(axis=-2)
    return visits * dh


def policy_entropy(theta) -> np.ndarray:
    """Mean Bernoulli entropy (nats, max ln 2) over the 5 states of each policy, ``(*A,)``."""
    p = np.clip(sigmoid(np.asarray(theta, float)), 1e-12, 1 - 1e-12)
    return (-(p * np.log(p) + (1 - p) * np.log(1 - p))).mean(axis=-1)


def trained_checkpoints(config: StudyConfig, *, cache: bool = True, progress: bool = False):
    """Checkpoints from the cache, or trained and stored. Returns ``(checkpoints, info)``."""
    checks.instance("config", config, StudyConfig)
    checks.boolean("cache", cache)
    def build():
        import torch  # local: only a cache miss needs torch (to store the checkpoints)

        t0 = time.perf_counter()
        ck = train_population(config, progress=progress)
        return {"checkpoints": torch.from_numpy(ck)}, {"train_seconds": time.perf_counter() - t0}

    if not cache:
        tensors, info = build()
        return tensors["checkpoints"].numpy(), {**info, "cache_hit": False}
    from nestlab.cache import load_or_build  # local: the cache loads torch

    entry = load_or_build(CACHE_NAMESPACE, asdict(config), build, version=CACHE_VERSION)
    return entry.tensors["checkpoints"].double().numpy(), {**entry.info, "cache_hit": entry.hit}


def _play(theta_e, theta_b, payoff, meet, solo, n_episodes, n_rounds, rng) -> np.ndarray:
    u = rng.random(theta_e.shape[:-1] + (n_episodes, n_rounds, 3))
    return rollout(theta_e, theta_b, payoff, meet, solo, u).returns


class Study(NamedTuple):
    """Evaluation of a trained study.

    Attributes:
        config: the configuration.
        specs: the scenarios.
        blocks: ``(scenario, 1, 4, n_sp_seeds, 9, loi_episodes)`` ego returns for LoI.
        tournament: per scenario ``{"SP", "PP3", "PP5"}`` -> ``(n_agents, 4, episodes)``.
        train_seconds: training wall time (0 if loaded from the cache).
        cache_hit: whether the checkpoints came from the cache.
        final_entropy: mean policy entropy (nats, max ln 2) of the final agents, per scenario
            ``(scenario,)`` (how much exploration the learner kept).
    """

    config: StudyConfig
    specs: list[GameSpec]
    blocks: np.ndarray
    tournament: list[dict[str, np.ndarray]]
    train_seconds: float
    cache_hit: bool
    final_entropy: np.ndarray | None = None

    def samples(self, c: int) -> dict[str, np.ndarray]:
        """Tournament samples of scenario ``c`` as the paper uses them (mean over partners)."""
        return {m: v.mean(axis=1).ravel() for m, v in self.tournament[c].items()}


def evaluate_checkpoints(config: StudyConfig, checkpoints: np.ndarray) -> tuple[np.ndarray, list[dict[str, np.ndarray]]]:
    """LoI blocks and tournament returns from checkpoints (deterministic given ``config.seed``)."""
    checks.instance("config", config, StudyConfig)
    layout = agent_layout(config)
    checkpoints = checks.array("checkpoints", checkpoints,
                               shape=(config.n_generations + 1, layout.group.size, 5))
    specs = config.scenarios()
    rng = np.random.default_rng([config.seed, 1])
    ego_g = config.generations(PAPER_EGO_GENERATIONS)
    bob_g = config.generations(PAPER_BOB_GENERATIONS)
    part_g = config.generations(PAPER_PARTNER_GENERATIONS)
    final = checkpoints[-1]
    blocks, tour = [], []
    for c, spec in enumerate(specs):
        ev = layout.select(c, "SP_eval")[0]
        sp = layout.select(c, "SP")
        pay, meet, solo = spec.payoff, spec.meet_prob, spec.solo_reward
        te = checkpoints[ego_g, ev][:, None, None, :]  # (4, 1, 1, 5)
        tb = checkpoints[bob_g][:, sp].transpose(1, 0, 2)[None]  # (1, seeds, 9, 5)
        te, tb = np.broadcast_arrays(te, tb)
        blocks.append(_play(te, tb, pay, meet, solo, config.loi_episodes, spec.n_rounds, rng)[None])
        partners = checkpoints[part_g, ev]  # (4, 5)
        res = {}
        for method in ("SP", "PP3", "PP5"):
            ego = final[layout.select(c, method)][:, None, :]
            e, p = np.broadcast_arrays(ego, partners[None])
            res[method] = _play(e, p, pay, meet, solo, config.tournament_episodes[method],
                                spec.n_rounds, rng)
        tour.append(res)
    return np.stack(blocks), tour


def run_study(config: StudyConfig | None = None, *, cache: bool = True, progress: bool = False) -> Study:
    """Train (or load) and evaluate the whole study."""
    config = StudyConfig() if config is None else checks.instance("config", config, StudyConfig)
    ck, info = trained_checkpoints(config, cache=cache, progress=progress)
    blocks, tour = evaluate_checkpoints(config, ck)
    hit = bool(info.get("cache_hit", False))
    layout = agent_layout(config)
    ent = policy_entropy(ck[-1])
    per = np.array([ent[layout.scenario == c].mean() for c in range(len(config.scenarios()))])
    return Study(config, config.scenarios(), blocks, tour,
                 0.0 if hit else float(info.get("train_seconds", 0.0)), hit, per)


class StudyAnalysis(NamedTuple):
    """LoI, gains, allocations and correlations of a :class:`Study`.

    Attributes:
        loi: ``{estimator: (game, meet_prob)}`` scenario LoI.
        p_values: ``(game, meet_prob)`` permutation p-values of the plug-in LoI.
        gain: ``(game, meet_prob)`` mean PP5 minus mean SP tournament return.
        gain_rel: ``gain`` divided by the scenario's mean SP return (comparable across games).
        gain_pp3: ``(game, meet_prob)`` mean PP3 minus mean SP.
        allocations: per game ``(rule allocation, top30 Comparison, all-samples Comparison,
            rank top30, rank all)``.
        correlation: ``{estimator: (r, p)}`` of LoI vs relative gain pooled over all scenarios.
        correlation_by_game: ``{estimator: {game: (r, p)}}`` of LoI vs gain within each game.
    """

    loi: dict[str, np.ndarray]
    p_values: np.ndarray
    gain: np.ndarray
    gain_rel: np.ndarray
    gain_pp3: np.ndarray
    allocations: dict[str, tuple]
    correlation: dict[str, tuple[float, float]]
    correlation_by_game: dict[str, dict[str, tuple[float, float]]]


def analyse_study(study: Study, *, n_permutations: int = 200, k: int = 30) -> StudyAnalysis:
    """All estimators per scenario, the allocation per game under both protocols, correlations."""
    checks.instance("study", study, Study)
    checks.integer("n_permutations", n_permutations, min=1)
    checks.integer("k", k, min=1)
    cfg = study.config
    n_g, n_p = len(cfg.games), len(cfg.meet_probs)
    est = [loi_all(b, n_permutations=n_permutations, seed=cfg.seed) for b in study.blocks]
    lois = {name: np.array([e[name].value for e in est]).reshape(n_g, n_p) for name in est[0]}
    pvals = np.array([e["null_corrected"].p_value for e in est]).reshape(n_g, n_p)
    samples = [study.samples(c) for c in range(len(study.specs))]
    gain = np.array([alloc.population_gain(s) for s in samples]).reshape(n_g, n_p)
    gain3 = np.array([alloc.population_gain(s, method="PP3") for s in samples]).reshape(n_g, n_p)
    sp_mean = np.array([np.mean(s["SP"]) for s in samples]).reshape(n_g, n_p)
    gain_rel = gain / np.where(sp_mean == 0, np.nan, sp_mean)
    allocations, by_game = {}, {name: {} for name in lois}
    for i, g in enumerate(cfg.games):
        sc = samples[i * n_p:(i + 1) * n_p]
        rule = alloc.allocate_by_loi(lois["paper"][i])
        allocations[g] = (rule, alloc.compare_allocation(sc, rule, protocol="top30", k=k),
                          alloc.compare_allocation(sc, rule, protocol="all"),
                          alloc.rank_allocation(sc, rule, protocol="top30", k=k),
                          alloc.rank_allocation(sc, rule, protocol="all"))
        if n_p >= 3:
            for name in lois:
                by_game[name][g] = _safe_corr(lois[name][i], gain[i])
    corr = {name: _safe_corr(lois[name].ravel(), gain_rel.ravel()) for name in lois}
    return StudyAnalysis(lois, pvals, gain, gain_rel, gain3, allocations, corr, by_game)


def _safe_corr(x, y) -> tuple[float, float]:
    x, y = np.asarray(x, float), np.asarray(y, float)
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))) or np.ptp(x) == 0 or np.ptp(y) == 0:
        return float("nan"), float("nan")
    return alloc.loi_gain_correlation(x, y)


class ReplicateSummary(NamedTuple):
    """Several independent studies (seeds) of the same configuration.

    Attributes:
        seeds: the study seeds.
        loi: ``{estimator: (game, meet_prob)}`` LoI averaged over replicates.
        gain: ``(game, meet_prob)`` PP5 - SP gain averaged over replicates.
        gain_rel: the same relative to the SP mean.
        correlation: ``{estimator: (r, p)}`` of the averaged LoI vs the averaged relative gain,
            pooled over all scenarios.
        correlation_by_game: ``{estimator: {game: (r, p)}}`` averaged LoI vs averaged gain.
        replicate_r: ``{estimator: [pooled r per replicate]}``.
        allocation_gain: ``{protocol: (replicate, game)}`` gain of the LoI-guided allocation.
        allocation_p: ``{protocol: (replicate, game)}`` its ANOVA p-value.
        rank: ``{protocol: (replicate, game)}`` its rank among the budget-equal allocations.
        analyses: the per-replicate :class:`StudyAnalysis`.
    """

    seeds: list[int]
    loi: dict[str, np.ndarray]
    gain: np.ndarray
    gain_rel: np.ndarray
    correlation: dict[str, tuple[float, float]]
    correlation_by_game: dict[str, dict[str, tuple[float, float]]]
    replicate_r: dict[str, list[float]]
    allocation_gain: dict[str, np.ndarray]
    allocation_p: dict[str, np.ndarray]
    rank: dict[str, np.ndarray]
    analyses: list[StudyAnalysis]


def run_replicates(config: StudyConfig, seeds, *, cache: bool = True, progress: bool = False) -> list[Study]:
    """One :func:`run_study` per seed (``config`` with its ``seed`` replaced)."""
    checks.instance("config", config, StudyConfig)
    for i, s in enumerate(checks.sequence("seeds", seeds, min_len=1)):
        checks.integer(f"seeds[{i}]", s, min=0)
    return [run_study(replace(config, seed=int(s)), cache=cache, progress=progress) for s in seeds]


def summarise_replicates(studies: list[Study], *, n_permutations: int = 200, k: int = 30) -> ReplicateSummary:
    """Average LoI and gains over replicates; correlations and allocation results per replicate."""
    for i, s in enumerate(checks.sequence("studies", studies, min_len=1)):
        checks.instance(f"studies[{i}]", s, Study)
    analyses = [analyse_study(s, n_permutations=n_permutations, k=k) for s in studies]
    names = list(analyses[0].loi)
    lois = {n: np.mean([a.loi[n] for a in analyses], axis=0) for n in names}
    gain = np.mean([a.gain for a in analyses], axis=0)
    gain_rel = np.mean([a.gain_rel for a in analyses], axis=0)
    corr = {n: _safe_corr(lois[n].ravel(), gain_rel.ravel()) for n in names}
    games = studies[0].config.games
    by_game = {n: {g: _safe_corr(lois[n][i], gain[i]) for i, g in enumerate(games)}
               if gain.shape[1] >= 3 else {} for n in names}
    rep_r = {n: [a.correlation[n][0] for a in analyses] for n in names}
    pick = {"top30": (1, 3), "all": (2, 4)}
    a_gain = {p: np.array([[a.allocations[g][i].gain for g in games] for a in analyses]) for p, (i, _) in pick.items()}
    a_p = {p: np.array([[a.allocations[g][i].p_value for g in games] for a in analyses]) for p, (i, _) in pick.items()}
    rank = {p: np.array([[a.allocations[g][j].rank for g in games] for a in analyses]) for p, (_, j) in pick.items()}
    return ReplicateSummary([s.config.seed for s in studies], lois, gain, gain_rel, corr, by_game, rep_r,
                            a_gain, a_p, rank, analyses)


class CorrelationInterval(NamedTuple):
    """Pearson r of LoI vs the relative population-play gain with a bootstrap interval.

    Attributes:
        r: the correlation of the replicate-mean LoI with the replicate-mean relative gain,
            pooled over all scenarios.
        low, high: the ``level`` percentile interval of the two-stage bootstrap.
        excludes_zero: ``low > 0`` or ``high < 0``.
        n_boot: bootstrap draws that gave a defined correlation.
        level: the interval's coverage.
    """

    r: float
    low: float
    high: float
    excludes_zero: bool
    n_boot: int
    level: float


def _corr(x: np.ndarray, y: np.ndarray) -> float:
    x, y = x - x.mean(), y - y.mean()
    d = np.sqrt((x * x).sum() * (y * y).sum())
    return float((x * y).sum() / d) if d > 0 else float("nan")


def bootstrap_correlation(loi_reps, gain_reps, *, n_boot: int = 2000, level: float = 0.95,
                          seed: int = 0) -> CorrelationInterval:
    """Correlation of replicate-mean LoI and gain with a two-stage bootstrap interval.

    Each draw resamples the replicates (seeds) with replacement, averages LoI and gain over them,
    then resamples the scenarios with replacement and takes Pearson r: the interval covers both
    the training noise (seeds) and the choice of scenarios.

    Args:
        loi_reps: ``(replicate, scenario)`` LoI.
        gain_reps: ``(replicate, scenario)`` gains (same shape).
        n_boot: bootstrap draws.
        level: coverage of the percentile interval, in (0, 1).
        seed: seed of the draws.
    """
    x = checks.array("loi_reps", loi_reps, ndim=2)
    y = checks.array("gain_reps", gain_reps, ndim=2, finite=False)
    if x.shape != y.shape:
        raise ValueError(f"invalid gain_reps: shape {y.shape}; valid shape: {x.shape} (as loi_reps)")
    if x.shape[1] < 3:
        raise ValueError(f"invalid loi_reps: {x.shape[1]} scenarios; valid: at least 3")
    checks.integer("n_boot", n_boot, min=1)
    checks.real("level", level, min=0, max=1, inclusive=(False, False))
    checks.integer("seed", seed, min=0)
    r = _corr(np.nanmean(x, 0), np.nanmean(y, 0))
    rng = np.random.default_rng(seed)
    n_rep, n_sc = x.shape
    rs = []
    for _ in range(n_boot):
        rep = rng.integers(0, n_rep, n_rep)
        sc = rng.integers(0, n_sc, n_sc)
        xm, ym = x[rep].mean(0)[sc], y[rep].mean(0)[sc]
        if np.all(np.isfinite(ym)):
            rs.append(_corr(xm, ym))
    rs = np.asarray(rs)
    rs = rs[np.isfinite(rs)]
    a = (1 - level) / 2
    lo, hi = (np.quantile(rs, [a, 1 - a]) if rs.size else (np.nan, np.nan))
    return CorrelationInterval(r, float(lo), float(hi), bool(lo > 0 or hi < 0), int(rs.size), float(level))


def replicate_correlations(analyses: list[StudyAnalysis], *, n_boot: int = 2000, level: float = 0.95,
                           seed: int = 0) -> dict[str, CorrelationInterval]:
    """:func:`bootstrap_correlation` of every estimator's LoI vs the relative PP5 - SP gain."""
    for i, a in enumerate(checks.sequence("analyses", analyses, min_len=1)):
        checks.instance(f"analyses[{i}]", a, StudyAnalysis)
    gain = np.array([a.gain_rel.ravel() for a in analyses])
    return {n: bootstrap_correlation(np.array([a.loi[n].ravel() for a in analyses]), gain,
                                     n_boot=n_boot, level=level, seed=seed)
            for n in analyses[0].loi}


def best_estimator(intervals: dict[str, CorrelationInterval]) -> str:
    """The estimator whose LoI predicts the gain best: the largest positive r (ties: first)."""
    intervals = checks.mapping("intervals", intervals)
    finite = {k: v.r for k, v in intervals.items() if np.isfinite(v.r)}
    if not finite:
        raise ValueError("invalid intervals: no estimator has a finite r; valid: at least one")
    return max(finite, key=finite.get)


def entropy_ablation(configs: dict[str, StudyConfig], seeds, *, n_permutations: int = 200,
                     n_boot: int = 2000, cache: bool = True, progress: bool = False):
    """The same study under several learner settings (e.g. entropy bonus off / on), same seeds.

    Args:
        configs: ``{label: StudyConfig}``; only the learner should differ between them.
        seeds: study seeds (shared by every setting).

    Returns:
        ``(table, runs)``: a tidy DataFrame with one row per setting x estimator (``r``, ``low``,
        ``high``, ``excludes_zero``, the allocation's mean rank under both protocols, the final
        policy entropy, the mean |relative gain|, training seconds) and
        ``{label: (studies, ReplicateSummary, {estimator: CorrelationInterval})}``.
    """
    configs = checks.mapping("configs", configs)
    if not configs:
        raise ValueError("invalid configs: empty; valid: at least one {label: StudyConfig}")
    for k, c in configs.items():
        checks.instance(f"configs[{k!r}]", c, StudyConfig)
    rows, runs = [], {}
    for label, cfg in configs.items():
        t0 = time.perf_counter()
        studies = run_replicates(cfg, seeds, cache=cache, progress=progress)
        summ = summarise_replicates(studies, n_permutations=n_permutations)
        ci = replicate_correlations(summ.analyses, n_boot=n_boot, seed=cfg.seed)
        secs = time.perf_counter() - t0
        runs[label] = (studies, summ, ci)
        ent = float(np.mean([s.final_entropy for s in studies]))
        for name, c in ci.items():
            rows.append({"setting": label, "estimator": name, "r": c.r, "low": c.low, "high": c.high,
                         "excludes_zero": c.excludes_zero,
                         "mean rank top30": float(summ.rank["top30"].mean()),
                         "mean rank all": float(summ.rank["all"].mean()),
                         "final policy entropy": ent,
                         "mean |relative gain|": float(np.mean(np.abs(summ.gain_rel))),
                         "seconds": secs})
    return pd.DataFrame(rows), runs
