"""Online comparison of inference methods on simulated Construction episodes (spec Sec. 3-4).

Methods (same test episodes, online at every step):

* ``ei``: exact inference over all 2 x |G| level-2 hypotheses ``(sigma, cue)``, Bob's belief
  simulated for every cue by exact level-1 inference over all |G| goals (|G| x |G| terms a step);
* ``is``: importance sampling with K level-2 particles drawn from the level-2 recognition
  network — by default *paired by cue* (ceil(K/2) cues from the network's cue marginal, each under
  both social goals; :func:`~nestlab.nested.importance.paired_top_k`), ``proposal="joint"`` for
  K draws over the whole space — Bob's belief simulated for each particle's cue by level-1 IS with
  ``k1 = ceil(K |G| / n_hyp2)`` particles from the level-1 network tilted by the cue's prior (same
  fraction of each level's space). Measured at 10 blocks (4000 training episodes, 200 test
  episodes, K = 18 of 90): EI 77.5 %, paired 76.6 %, joint 70.5 %;
* ``topk``: the authors' variant (top-K of each network, likelihood-only re-weighting);
* ``uniform_is``: IS with uniform proposals at both levels (no network);
* ``nn``: the KL-trained level-2 network alone; ``tomnet``: the NLL-trained network alone;
* ``uniform``: 50/50.

Accuracy: the argmax of the posterior over Bob's social goal equals the truth (ties count 1/2).
KL(EI || method) is computed on that social-goal marginal (probabilities clipped at 1e-6).
"""

from __future__ import annotations

import functools
import math
import time
from dataclasses import asdict, dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd
import torch
from scipy.stats import spearmanr
from tqdm.auto import tqdm

from nestlab import checks
from nestlab.nested import importance
from nestlab.nested.domains.construction import (
    MAX_BLOCKS,
    MIN_BLOCKS,
    Construction,
    ConstructionConfig,
)
from nestlab.nested.episodes import (
    Episode,
    ExactBeliefs,
    ImportanceBeliefs,
    Level1Model,
    Level2Model,
    StepCache,
    simulate_episode,
)
from nestlab.nested.exact import ExactInference, LikelihoodCache
from nestlab.nested.planners import AgentParams
from nestlab.nested.recognition import (
    OnlineGRU,
    RecognitionNet,
    TrainingSet,
    advance_pair,
    level1_outputs,
    level2_inputs,
    pad,
    train_recognition,
)

__all__ = ["ALL_METHODS", "AMORTIZED", "CLIP", "DATA_VERSION", "TEST_OFFSET", "Setup", "Trace",
           "accuracy", "amortized_trace", "by_decile", "episode_seeds", "episodes",
           "ess_uncertainty", "exact_trace", "example_traces", "headline", "k_grid", "kl_social",
           "level1_particles", "network_table", "network_trace", "paired_gap_se", "run_methods",
           "social_marginal", "summary", "time_scaling", "train_networks", "training_set",
           "training_sets"]

AMORTIZED = ("is", "topk", "uniform_is")
ALL_METHODS = ("ei", "is", "topk", "uniform_is", "nn", "tomnet", "uniform")
CLIP = 1e-6
#: version of the simulated training data (domain rules, agents, features, EI targets); part of
#: every cached network's key — bump it when any of those change so stale networks are retrained
DATA_VERSION = "3"


@dataclass(frozen=True)
class Setup:
    """A Construction world and its agents (everything that defines the generative model)."""

    config: ConstructionConfig
    params: AgentParams

    def __post_init__(self) -> None:
        checks.instance("config", self.config, ConstructionConfig, where="Setup")
        checks.instance("params", self.params, AgentParams, where="Setup")

    @functools.cached_property
    def domain(self) -> Construction:
        return Construction(self.config)


TEST_OFFSET = 1_000_000


def episodes(setup: Setup, n: int, *, seed: int, test: bool = False,
             progress: bool = False) -> list[Episode]:
    """``n`` simulated episodes; training and test seeds never overlap."""
    checks.instance("setup", setup, Setup)
    dom = setup.domain
    return [simulate_episode(dom, s, params=setup.params)
            for s in episode_seeds(n, seed=seed, test=test, progress=progress)]


def episode_seeds(n: int, *, seed: int, test: bool = False, progress: bool = False,
                  min_n: int = 0):
    """The seeds of ``n`` simulated episodes (both domains): ``seed * 10^7 + i``, test episodes
    offset by :data:`TEST_OFFSET`, so training and test seeds never overlap; a progress bar
    over them when ``progress``."""
    n = checks.integer("n", n, min=min_n)
    seed = checks.integer("seed", seed, min=0)
    checks.boolean("test", test)
    base = seed * 10_000_000 + (TEST_OFFSET if test else 0)
    return (base + i for i in tqdm(range(n), desc="simulate", disable=not progress, leave=False))


class Trace(NamedTuple):
    """One method's online run on one episode.

    Attributes:
        post2: (T, 2|G|) level-2 posterior over ``(sigma, cue)`` after each step.
        post1: (T, |G|) level-1 posterior over Alice's goal (from her actions, uniform prior)
            after each step.
        ess: (T,) level-2 effective sample size (NaN for non-particle methods).
        seconds: (T,) wall time of each online step.
        evaluations: (T,) likelihood terms formed in each step: level-0 likelihoods
            ``pi0(a^A_t | g)`` + (cue, goal) weights of the simulated level-1 beliefs + level-2
            (hypothesis, step) likelihoods. The middle term is what nesting multiplies.
    """

    post2: np.ndarray
    post1: np.ndarray
    ess: np.ndarray
    seconds: np.ndarray
    evaluations: np.ndarray


def exact_trace(setup: Setup, episode: Episode, *, domain: Construction | None = None) -> Trace:
    """Online EI at levels 1 and 2 (Bob's belief simulated for every cue by exact level-1 inference)."""
    dom = domain or setup.domain
    cache = StepCache(dom, episode, setup.params)
    m1 = Level1Model(dom, episode, params=setup.params, cache=cache)
    ei1 = ExactInference(m1)
    bel = ExactBeliefs(cache, setup.params.cue_accuracy)
    m2 = Level2Model(dom, episode, bel, params=setup.params, cache=cache)
    ei2 = ExactInference(m2)
    T = episode.n_steps
    out = _empty(T, m1.n_hyp)
    for t in range(T):
        e0 = _count(cache, bel, ei2.cache)
        t0 = time.perf_counter()
        p2 = ei2._step(t)
        p1 = ei1._step(t)
        out.seconds[t] = time.perf_counter() - t0
        out.evaluations[t] = _count(cache, bel, ei2.cache) - e0
        out.post2[t], out.post1[t], out.ess[t] = p2.weights, p1.weights, p2.ess
    return out


def _count(cache: StepCache, beliefs, level2: LikelihoodCache) -> int:
    return cache.evaluations + beliefs.terms + level2.evaluations


def _empty(T: int, n_goals: int) -> Trace:
    return Trace(np.zeros((T, 2 * n_goals)), np.zeros((T, n_goals)), np.full(T, np.nan),
                 np.zeros(T), np.zeros(T, dtype=int))


def k_grid(ks, *, n_hyp: int, max_fraction: float) -> tuple[list[int], int]:
    """The particle counts of a study and its headline K.

    Returns:
        ``(ks, k_target)``: ``ks`` capped at ``n_hyp``, with ``k_target`` (the largest K within
        ``max_fraction`` of the space, at least 1) and ``n_hyp`` (exact enumeration) added,
        sorted and distinct.
    """
    n_hyp = checks.integer("n_hyp", n_hyp, min=1)
    checks.real("max_fraction", max_fraction, min=0, max=1, inclusive=(False, True))
    for i, k in enumerate(checks.sequence("ks", ks)):
        checks.integer(f"ks[{i}]", k, min=1)
    k_target = max(1, math.floor(max_fraction * n_hyp))
    return sorted({min(int(k), n_hyp) for k in ks} | {k_target, n_hyp}), k_target


def network_table(nets: dict[str, OnlineGRU]) -> pd.DataFrame:
    """One row per trained network: cache hit, training seconds, first and last loss."""
    for name, net in checks.mapping("nets", nets).items():
        checks.instance(f"nets[{name!r}]", net, OnlineGRU)
    return pd.DataFrame({name: {"cache hit": net.info["cache_hit"],
                                "train s": round(net.info["train_seconds"], 1),
                                "first loss": round(net.info["loss_curve"][0], 3),
                                "last loss": round(net.info["loss_curve"][-1], 3)}
                         for name, net in nets.items()}).T


def level1_particles(k: int, n_goals: int) -> int:
    """Level-1 particles for K level-2 particles: the same fraction of the level-1 space."""
    n_goals = checks.integer("n_goals", n_goals, min=1)
    checks.integer("k", k, min=1, max=2 * n_goals)
    return max(1, math.ceil(k * n_goals / (2 * n_goals)))


def amortized_trace(setup: Setup, episode: Episode, *, k: int, scheme: str,
                    net1: OnlineGRU | None, net2: OnlineGRU | None, seed: int = 0,
                    k1: int | None = None, domain: Construction | None = None,
                    proposal: str = "paired") -> Trace:
    """Online amortized inference: level-1 IS (recursive) inside level-2 IS.

    Args:
        setup: world and agents.
        episode: the observed episode.
        k: level-2 particles (level 1 uses :func:`level1_particles`).
        scheme: ``"is"``, ``"topk"`` or ``"uniform_is"``.
        net1, net2: level-1 / level-2 recognition networks (ignored for ``"uniform_is"``).
        seed: seed of the particle draws.
        k1: level-1 particles per simulated belief (default :func:`level1_particles`, the same
            share of the level-1 space as ``k`` of the level-2 space; ``|G|`` makes every
            simulated belief exact, which isolates the level-2 proposal's error).
        proposal: how ``"is"`` and ``"uniform_is"`` draw level-2 particles: ``"paired"``
            (default; cues from the proposal's cue marginal, each weighed under both social goals,
            :func:`~nestlab.nested.importance.paired_top_k`) or ``"joint"`` (K hypotheses over the
            whole space, the earlier scheme). ``"topk"`` (the authors' variant) ignores it.

    All arguments are checked once here; the online loop then runs unchecked inner calls.
    """
    checks.choice("scheme", scheme, AMORTIZED)
    checks.choice("proposal", proposal, importance.PROPOSALS)
    checks.instance("setup", setup, Setup)
    dom = domain or setup.domain
    n_goals = len(dom.goals)
    checks.integer("k", k, min=1, max=2 * n_goals)
    checks.integer("seed", seed, min=0)
    k1 = level1_particles(k, n_goals) if k1 is None else checks.integer("k1", k1, min=1,
                                                                          max=n_goals)
    rng = np.random.default_rng([seed, episode.seed, k, AMORTIZED.index(scheme)])
    sub = "topk" if scheme == "topk" else "is"
    cache = StepCache(dom, episode, setup.params)
    m1 = Level1Model(dom, episode, params=setup.params, cache=cache)
    lp1, lp2 = np.full(n_goals, -np.log(n_goals)), np.full(2 * n_goals, -np.log(2 * n_goals))
    bel = ImportanceBeliefs(cache, setup.params.cue_accuracy, k=k1, rng=rng, scheme=sub)
    m2 = Level2Model(dom, episode, bel, params=setup.params, cache=cache)
    c1, c2 = LikelihoodCache(m1.n_hyp), LikelihoodCache(m2.n_hyp)
    use_net = scheme != "uniform_is"
    if use_net:
        if net1 is None or net2 is None:
            raise ValueError(f"invalid net1/net2: {type(net1).__name__}/{type(net2).__name__}; "
                             f"valid: two OnlineGRU networks (scheme {scheme!r} draws from them)")
        checks.instance("net1", net1, OnlineGRU)
        checks.instance("net2", net2, OnlineGRU)
        for name, net, n_out in (("net1", net1, n_goals), ("net2", net2, 2 * n_goals)):
            if net.n_hyp != n_out:
                raise ValueError(f"invalid {name}: {net.n_hyp} outputs; valid: {n_out} (the "
                                 f"level-{name[-1]} hypotheses of this domain)")
        if net1.n_in != dom.n_features:
            raise ValueError(f"invalid net1: {net1.n_in} inputs; valid: {dom.n_features} (the "
                             "domain's features)")
        _level2_x(net2, np.zeros(dom.n_features), np.zeros(n_goals))  # input size checked once
        net1.reset()
        net2.reset()
    paired_nets = use_net and net2.n_in == dom.n_features  # both read the step features only
    T = episode.n_steps
    out = _empty(T, n_goals)
    states, actions = episode.states, episode.actions
    for t in range(T):
        e0 = _count(cache, bel, c2)
        t0 = time.perf_counter()
        if use_net:
            x = dom.features(states[t], actions[t], states[t + 1]).astype(float)
            if paired_nets:
                lq1, lq2 = advance_pair(net1, net2, x)
            else:
                lq1 = net1.advance(x)
                lq2 = net2.advance(level2_inputs(x, lq1))
        else:
            lq1, lq2 = lp1, lp2
        p2 = importance.importance_step_unchecked(m2, c2, lp2, lq2, t, k, rng, sub, proposal)
        p1 = importance.importance_step_unchecked(m1, c1, lp1, lq1, t, k1, rng, sub, "joint")
        bel.set_proposal(t + 1, lq1)
        out.seconds[t] = time.perf_counter() - t0
        out.evaluations[t] = _count(cache, bel, c2) - e0
        out.post2[t] = p2.dense(2 * n_goals)
        out.post1[t] = p1.dense(n_goals)
        out.ess[t] = p2.ess
    return out


def example_traces(setup: Setup, episode: Episode, nets: dict[str, OnlineGRU], *, k: int,
                   seed: int = 0) -> dict[str, Trace]:
    """EI's and IS's (``k`` particles, the trained ``nets``) online runs on one episode, for
    :func:`~nestlab.nested.plots.episode_explorer`: ``{"ei": Trace, "is": Trace}``."""
    checks.mapping("nets", nets, required=("level1", "level2"))
    return {"ei": exact_trace(setup, episode),
            "is": amortized_trace(setup, episode, k=k, scheme="is", net1=nets["level1"],
                                  net2=nets["level2"], seed=seed)}


def _level2_x(net2: OnlineGRU, x: np.ndarray, log_q1: np.ndarray | None) -> np.ndarray:
    """``net2``'s input: the features, plus the level-1 network's output if ``net2`` reads it."""
    if net2.n_in == x.size:
        return x
    if log_q1 is not None and net2.n_in == x.size + log_q1.size:
        return level2_inputs(x, log_q1)
    raise ValueError(f"invalid net2: {net2.n_in} inputs; valid: {x.size} (the features)"
                     + ("" if log_q1 is None else f" or {x.size + log_q1.size} (the features and "
                        "the level-1 output)") + " (a network conditioned on level 1 needs net1)")


def network_trace(net: OnlineGRU, episode: Episode, n_goals: int, domain: Construction, *,
                  net1: OnlineGRU | None = None) -> Trace:
    """A level-2 recognition network alone (its ``q_t`` is the answer).

    ``net1`` feeds the level-1 network's output to a network conditioned on it.
    ``post1`` holds the network's marginal over Bob's cue (it has no level-1 posterior).
    """
    net.reset()
    if net1 is not None:
        net1.reset()
    T = episode.n_steps
    out = _empty(T, n_goals)
    for t in range(T):
        t0 = time.perf_counter()
        x = domain.features(episode.states[t], tuple(episode.actions[t]),
                            episode.states[t + 1]).astype(float)
        lq1 = net1.step(x) if net1 is not None else None
        q = np.exp(net.step(_level2_x(net, x, lq1)))
        out.seconds[t] = time.perf_counter() - t0
        out.post2[t] = q
        out.post1[t] = q.reshape(2, -1).sum(0)
    return out


def social_marginal(post2: np.ndarray) -> np.ndarray:
    """(T, 2|G|) joint posteriors -> (T, 2) posterior over help/hinder."""
    post2 = checks.array("post2", post2, ndim=2, min_size=0)
    if post2.shape[1] % 2:
        raise ValueError(f"invalid post2: shape {post2.shape}; valid shape: (T, 2 |G|) "
                         "(help and hinder halves)")
    return post2.reshape(post2.shape[0], 2, -1).sum(-1)


def accuracy(p_social: np.ndarray, truth: int) -> np.ndarray:
    """Per-step accuracy of the argmax (ties count 1/2)."""
    p_social = checks.array("p_social", p_social, shape=(None, 2), min_size=0)
    truth = checks.integer("truth", truth, min=0, max=1)  # 0 help, 1 hinder
    diff = p_social[:, truth] - p_social[:, 1 - truth]
    return np.where(np.abs(diff) < 1e-12, 0.5, (diff > 0).astype(float))


def kl_social(p_ei: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Per-step KL(EI || method) on the social-goal marginal."""
    p_ei = checks.array("p_ei", p_ei, ndim=2, min=0, min_size=0)
    p = checks.array("p", p, shape=p_ei.shape, min=0, min_size=0)
    a, b = np.clip(p_ei, CLIP, 1.0), np.clip(p, CLIP, 1.0)
    a, b = a / a.sum(1, keepdims=True), b / b.sum(1, keepdims=True)
    return (a * (np.log(a) - np.log(b))).sum(1)


# --------------------------------------------------------------------------- training data
def training_sets(setup: Setup, eps: list[Episode], *,
                  progress: bool = False) -> dict[int, TrainingSet]:
    """Features + EI soft targets (every step) + true labels for the level-1 and level-2 networks.

    One online EI run per episode gives both levels' targets.
    """
    feats, soft1, soft2, lab1, lab2 = [], [], [], [], []
    dom = setup.domain
    for ep in tqdm(eps, desc="EI targets", disable=not progress, leave=False):
        tr = exact_trace(setup, ep, domain=dom)
        feats.append(ep.features)
        soft1.append(tr.post1.astype(np.float32))
        soft2.append(tr.post2.astype(np.float32))
        lab1.append(ep.goal)
        lab2.append(ep.label)
    return {1: pad(feats, soft1, lab1), 2: pad(feats, soft2, lab2)}


def training_set(setup: Setup, eps: list[Episode], *, level: int,
                 progress: bool = False) -> TrainingSet:
    """The training set of one level (see :func:`training_sets`)."""
    checks.choice("level", level, (1, 2))
    return training_sets(setup, eps, progress=progress)[level]


def train_networks(setup: Setup, *, n_train: int, hidden: int = 64, epochs: int = 40,
                   seed: int = 0, condition_on_level1: bool = False, cache: bool = True,
                   progress: bool = False) -> dict[str, OnlineGRU]:
    """Train (or load from the cache) the level-1 and level-2 KL networks and the ToMnet baseline.

    Args:
        condition_on_level1: the level-2 networks (KL and ToMnet alike) read the trained level-1
            network's posterior over Alice's goal next to the step features
            (:func:`~nestlab.nested.recognition.level2_inputs`): hierarchical amortization, the
            higher level built on the lower level's amortized inference. Default ``False``
            (features only): measured at 10 blocks (4000 training episodes, 200 test episodes),
            conditioning raised the network-alone accuracy from 61.6 % to 63.2 % but left IS at
            20 % of the space no better (71.2 % against 72.1 %).
        cache: ``False`` retrains every network and overwrites its cached entry.

    Returns:
        ``{"level1": ..., "level2": ..., "tomnet": ...}`` as :class:`OnlineGRU` steppers; each
        also has ``.info`` (training curve, seconds, cache hit).
    """
    checks.instance("setup", setup, Setup)
    checks.integer("n_train", n_train, min=1)
    checks.integer("hidden", hidden, min=1)
    checks.integer("epochs", epochs, min=1)
    checks.integer("seed", seed, min=0)
    checks.boolean("condition_on_level1", condition_on_level1)
    memo: dict[int, TrainingSet] = {}

    def simulated(level: int) -> TrainingSet:
        if not memo:
            eps = episodes(setup, n_train, seed=seed, progress=progress)
            memo.update(training_sets(setup, eps, progress=progress))
        return memo[level]

    # the world's and the agents' fields side by side (the key of every cached network so far)
    base = dict(asdict(setup.config), **asdict(setup.params), n_train=n_train, data_seed=seed,
                data_version=DATA_VERSION)
    train = dict(hidden=hidden, epochs=epochs, seed=seed, cache=cache, progress=progress)
    entries = {"level1": train_recognition(lambda: simulated(1), dict(base, level=1), loss="kl",
                                            namespace="nested.construction.level1", **train)}
    level1 = entries["level1"]

    def level2_data() -> TrainingSet:
        d = simulated(2)
        if not condition_on_level1:
            return d
        x = level2_inputs(d.x, level1_outputs(level1.tensors, d.x)).astype(np.float32)
        return d._replace(x=x * d.mask[..., None])

    key2 = dict(base, level=2, inputs="features+level1" if condition_on_level1 else "features",
                level1_key=level1.key if condition_on_level1 else None)
    for name, loss in (("level2", "kl"), ("tomnet", "nll")):
        entries[name] = train_recognition(level2_data, key2, loss=loss,
                                           namespace=f"nested.construction.{name}", **train)
    return {name: OnlineGRU.from_entry(entry) for name, entry in entries.items()}


# --------------------------------------------------------------------------- evaluation
def run_methods(setup: Setup, test_eps: list[Episode], nets: dict[str, OnlineGRU], *,
             ks: list[int], seed: int = 0, methods: tuple[str, ...] = ALL_METHODS,
             proposal: str = "paired", progress: bool = False) -> pd.DataFrame:
    """Run every method online on every test episode; one row per (method, K, episode, step).

    ``proposal`` is the level-2 draw of ``"is"`` and ``"uniform_is"`` (see
    :func:`amortized_trace`).

    Columns: method, k, frac (share of the level-2 space evaluated), episode, t, T, decile,
    acc, kl, p_true (posterior of the true social goal), ess, seconds, evaluations.
    """
    checks.choices("methods", methods, ALL_METHODS)
    n_hyp2 = 2 * len(setup.domain.goals)
    for i, k in enumerate(checks.sequence("ks", ks)):
        checks.integer(f"ks[{i}]", k, min=1, max=n_hyp2)
    checks.integer("seed", seed, min=0)
    needs = {"is", "topk"} & set(methods)
    if needs and not {"level1", "level2"} <= set(checks.mapping("nets", nets)):
        raise ValueError(f"invalid nets: keys {sorted(nets)}; valid: 'level1' and 'level2' "
                         f"networks are needed for methods {sorted(needs)}")
    dom = setup.domain
    n_goals = len(dom.goals)
    n2 = 2 * n_goals
    rows: list[pd.DataFrame] = []
    for ep in tqdm(test_eps, desc="evaluate", disable=not progress, leave=False):
        ei = exact_trace(setup, ep, domain=dom)
        p_ei = social_marginal(ei.post2)
        runs: list[tuple[str, int, Trace]] = []
        if "ei" in methods:
            runs.append(("ei", n2, ei))
        for scheme in AMORTIZED:
            if scheme in methods:
                for k in ks:
                    runs.append((scheme, k, amortized_trace(
                        setup, ep, k=k, scheme=scheme, net1=nets.get("level1"),
                        net2=nets.get("level2"), seed=seed, domain=dom, proposal=proposal)))
        if "nn" in methods:
            runs.append(("nn", 0, network_trace(nets["level2"], ep, n_goals, dom,
                                                net1=nets.get("level1"))))
        if "tomnet" in methods:
            runs.append(("tomnet", 0, network_trace(nets["tomnet"], ep, n_goals, dom,
                                                    net1=nets.get("level1"))))
        if "uniform" in methods:
            u = _empty(ep.n_steps, n_goals)
            u.post2[:] = 1.0 / n2
            runs.append(("uniform", 0, u))
        T = ep.n_steps
        t = np.arange(T)
        for name, k, tr in runs:
            ps = social_marginal(tr.post2)
            rows.append(pd.DataFrame({
                "method": name, "k": k, "frac": k / n2, "episode": ep.seed, "t": t, "T": T,
                "decile": np.minimum(9, (10 * t) // T), "acc": accuracy(ps, ep.social),
                "kl": kl_social(p_ei, ps), "p_true": ps[:, ep.social], "ess": tr.ess,
                "seconds": tr.seconds, "evaluations": tr.evaluations}))
    return pd.concat(rows, ignore_index=True)


def summary(df: pd.DataFrame) -> pd.DataFrame:
    """Mean accuracy, KL, ESS, time per step and evaluations per step by (method, K)."""
    g = df.groupby(["method", "k"], sort=False)
    out = g.agg(frac=("frac", "first"), acc=("acc", "mean"), kl=("kl", "mean"),
                ess=("ess", "mean"), ms_per_step=("seconds", "mean"),
                evals_per_step=("evaluations", "mean"), steps=("acc", "size"))
    out["ms_per_step"] *= 1e3
    return out.reset_index()


def paired_gap_se(df: pd.DataFrame, a: tuple[str, int], b: tuple[str, int], *,
                  n_boot: int = 2000, seed: int = 0) -> float:
    """Bootstrap (over episodes) standard error of accuracy(a) - accuracy(b) on the same steps.

    Steps of one episode are correlated, so episodes are the resampling unit.
    """
    def per_episode(m):
        d = df[(df.method == m[0]) & (df.k == m[1])]
        return d.groupby("episode").acc.agg(["sum", "size"])

    pa, pb = per_episode(a), per_episode(b)
    diff = (pa["sum"] - pb["sum"]).to_numpy()
    steps = pa["size"].to_numpy()
    rng = np.random.default_rng(seed)
    pick = rng.integers(len(diff), size=(n_boot, len(diff)))
    boot = diff[pick].sum(1) / steps[pick].sum(1)
    return float(boot.std(ddof=1))


def headline(df: pd.DataFrame, *, max_frac: float = 0.2) -> dict:
    """EI accuracy, IS accuracy at the largest K <= ``max_frac`` of the space, gap and speed-up.

    The gap comes with its bootstrap standard error over episodes (``accuracy_gap_se_pp``).
    """
    checks.real("max_frac", max_frac, min=0, max=1, inclusive=(False, True))
    s = summary(df)
    if not (s.method == "ei").any():
        raise ValueError("invalid df: no 'ei' rows; valid: the output of run_methods() with "
                         "'ei' among its methods")
    ei = s[s.method == "ei"].iloc[0]
    cand = s[(s.method == "is") & (s.frac <= max_frac + 1e-9)]
    if cand.empty:
        raise ValueError(f"invalid df: no IS run with at most max_frac={max_frac:.0%} of the "
                         "space; valid: the output of run_methods() with a K that small")
    best = cand.sort_values("k").iloc[-1]
    gap_se = paired_gap_se(df, ("ei", int(ei.k)), ("is", int(best.k)))
    return {"accuracy_gap_se_pp": 100 * gap_se, "ei_accuracy": float(ei.acc), "is_accuracy": float(best.acc), "is_k": int(best.k),
            "is_fraction": float(best.frac),
            "accuracy_gap_pp": float(100 * (ei.acc - best.acc)),
            "speedup_per_step": float(ei.ms_per_step / best.ms_per_step),
            "evaluation_ratio": float(ei.evals_per_step / best.evals_per_step),
            "ei_ms_per_step": float(ei.ms_per_step), "is_ms_per_step": float(best.ms_per_step)}


def by_decile(df: pd.DataFrame, *, k: int) -> pd.DataFrame:
    """Accuracy per episode decile for EI, IS / top-K / uniform IS at ``k``, and the networks."""
    keep = (df.method.isin(["ei", "nn", "tomnet", "uniform"])
            | (df.method.isin(AMORTIZED) & (df.k == k)))
    out = df[keep].groupby(["method", "decile"], sort=False).acc.mean().unstack("decile")
    return out.sort_index(axis=1)


def ess_uncertainty(df: pd.DataFrame, *, k: int, method: str = "is", bins: int = 4) -> dict:
    """ESS as an uncertainty signal at ``k`` particles: error rate by ESS bin and rank correlation.

    Returns:
        ``{"table": DataFrame(ess_bin, ess, error, kl, steps), "spearman": rho}`` where ``rho`` is
        the Spearman correlation between ESS and the error (1 - accuracy) over steps.
    """
    checks.choice("method", method, AMORTIZED)
    checks.integer("bins", bins, min=1)
    d = df[(df.method == method) & (df.k == k)].copy()
    if len(d) < bins:
        raise ValueError(f"invalid k {k!r}: {len(d)} rows of method {method!r} at that k, fewer "
                         f"than bins={bins}; valid: a k that run_methods() ran (ks), and bins <= "
                         "the number of steps")
    d["error"] = 1.0 - d.acc
    d["ess_bin"] = pd.qcut(d.ess.rank(method="first"), bins, labels=False)
    table = d.groupby("ess_bin").agg(ess=("ess", "mean"), error=("error", "mean"),
                                     p_true=("p_true", "mean"), steps=("ess", "size"))
    rho = spearmanr(d.ess, d.error).statistic if d.error.nunique() > 1 else float("nan")
    return {"table": table.reset_index(), "spearman": float(rho)}


def time_scaling(blocks: list[int], *, k: int, n_episodes: int = 3, width: int = 8,
                 height: int = 8, max_steps: int = 20, params: AgentParams | None = None,
                 hidden: int = 64, seed: int = 0, progress: bool = False) -> pd.DataFrame:
    """Wall time per online step of EI and IS (K fixed) as the block count grows.

    IS uses recognition networks with *random* weights here (training one per block count would
    cost minutes): a forward pass costs the same whatever the weights, but a random proposal draws
    more new particles per step, each caught up over the past steps, so this is a pessimistic
    timing for IS (trained networks need fewer catch-ups).

    Returns:
        One row per (n_blocks, method): n_goals, n_hyp, ms_per_step, evals_per_step.
    """
    params = AgentParams() if params is None else checks.instance("params", params, AgentParams)
    for i, nb in enumerate(checks.sequence("blocks", blocks, min_len=1)):
        checks.integer(f"blocks[{i}]", nb, min=MIN_BLOCKS, max=MAX_BLOCKS)
    checks.integer("k", k, min=1)
    checks.integer("n_episodes", n_episodes, min=1)
    checks.integer("hidden", hidden, min=1)
    checks.integer("seed", seed, min=0)
    rows = []
    for nb in tqdm(blocks, desc="blocks", disable=not progress, leave=False):
        setup = Setup(ConstructionConfig(width=width, height=height, n_blocks=nb,
                                         max_steps=max_steps), params)
        dom = setup.domain
        ng = len(dom.goals)
        torch.manual_seed(seed)
        net1 = OnlineGRU(RecognitionNet(dom.n_features, ng, hidden=hidden).state_dict())
        net2 = OnlineGRU(RecognitionNet(dom.n_features, 2 * ng, hidden=hidden).state_dict())
        eps = episodes(setup, n_episodes, seed=seed, test=True)
        res: dict[str, list[Trace]] = {"ei": [], "is": []}
        for ep in eps:
            res["ei"].append(exact_trace(setup, ep, domain=dom))
            res["is"].append(amortized_trace(setup, ep, k=min(k, 2 * ng), scheme="is",
                                             net1=net1, net2=net2, seed=seed, domain=dom))
        for name, trs in res.items():
            sec = np.concatenate([t.seconds for t in trs])
            ev = np.concatenate([t.evaluations for t in trs])
            rows.append({"n_blocks": nb, "n_goals": ng, "n_hyp": 2 * ng, "method": name,
                         "k": 2 * ng if name == "ei" else min(k, 2 * ng),
                         "ms_per_step": 1e3 * sec.mean(), "evals_per_step": ev.mean()})
    return pd.DataFrame(rows)
