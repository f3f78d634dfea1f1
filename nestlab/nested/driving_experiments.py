"""Online comparison of inference methods in Driving (spec ``nested-reasoning.md`` Sec. 2-4).

The level-2 observer predicts car 0's next action from the 72-hypothesis model of
:mod:`nestlab.nested.driving`. Methods (same test episodes, online at every step):

* ``ei``: exact inference over all 72 hypotheses;
* ``is``: importance sampling with K particles drawn from the recognition networks' proposal
  ``q_t(h) = q_goals,t(goal, cue) q_exist,t(existence cues)`` (two GRUs, KL-trained on EI's
  marginals; :func:`nestlab.nested.importance.importance_step`, ESS);
* ``topk``: the authors' variant (the K most probable hypotheses, likelihood-only weights);
* ``uniform_is``: IS with a uniform proposal (no network);
* ``nn``: the KL networks alone; ``tomnet``: the same networks trained with NLL on the true
  labels; ``uniform``: a uniform posterior.

After step ``t`` every method gives a weighted hypothesis set; its prediction of car 0's action at
step ``t + 1`` is ``sum_h w(h) pi1(a | s_{t+1}, h)`` (the model's policy; for the network-only
methods too, so they differ only in the weights). Scores per step: **next-action accuracy**
(argmax = the action taken), **signal accuracy** (``P(signal) > 1/2`` = car 0 signalled), goal
accuracy (argmax of the goal marginal = car 0's goal) and KL(EI || method) of the predictive.
Summaries, deciles, ESS and bootstrap tools are shared with Construction
(:mod:`nestlab.nested.experiments`).
"""

from __future__ import annotations

import dataclasses
import functools
import time
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from nestlab import checks
from nestlab.nested.domains.driving import N_ACTIONS, SIGNAL, Driving, DrivingConfig
from nestlab.nested.driving import (
    N_EXIST,
    N_GOALS,
    N_HYP,
    DrivingEpisode,
    DrivingModel,
    DrivingParams,
    decode,
    encode,
    inattentive,
    simulate_driving,
)
from nestlab.nested.exact import ExactInference, LikelihoodCache, Posterior
from nestlab.nested.experiments import (
    ALL_METHODS,
    AMORTIZED,
    CLIP,
    episode_seeds,
    paired_gap_se,
    summary,
)
from nestlab.nested.importance import importance_step, importance_step_unchecked
from nestlab.nested.recognition import OnlineGRU, TrainingSet, advance_pair, pad, train_recognition

__all__ = ["BUDGET", "DATA_VERSION", "NETWORKS", "DrivingSetup", "DrivingTrace", "Subspace",
           "accuracy_table", "amortized_trace", "episodes", "exact_trace", "example_traces",
           "generalisation", "headline", "k_budget", "log_proposal", "network_trace",
           "run_methods", "subspace", "time_scaling", "train_networks", "training_sets"]

#: version of the simulated training data (domain rules, drivers, features, EI targets): part of
#: every cached network's key — bump it when any of those change
DATA_VERSION = "1"
NETWORKS = ("goals", "existence", "tomnet_goals", "tomnet_existence")
#: the paper's particle budget in Driving ("about 6-9 particles against 72")
BUDGET = 9


@dataclass(frozen=True)
class DrivingSetup:
    """A Driving world and its drivers (everything that defines the generative model)."""

    config: DrivingConfig = DrivingConfig()
    params: DrivingParams = DrivingParams()

    def __post_init__(self) -> None:
        checks.instance("config", self.config, DrivingConfig, where="DrivingSetup")
        checks.instance("params", self.params, DrivingParams, where="DrivingSetup")

    @functools.cached_property
    def domain(self) -> Driving:
        return Driving(self.config)


def k_budget(ks) -> tuple[list[int], int]:
    """The particle counts of a study and the largest within the paper's budget.

    Returns:
        ``(ks, k_small)``: ``ks`` with the full space (72) added, sorted and distinct, and the
        largest of them at most :data:`BUDGET`.

    Raises:
        ValueError: a K outside 1..72, or none at most :data:`BUDGET`.
    """
    ks = [checks.integer(f"ks[{i}]", k, min=1, max=N_HYP)
          for i, k in enumerate(checks.sequence("ks", ks))]
    ks = sorted(set(ks) | {N_HYP})
    small = [k for k in ks if k <= BUDGET]
    if not small:
        raise ValueError(f"invalid ks: {ks}; valid: at least one K in 1..{BUDGET} (the paper's "
                         "particle budget)")
    return ks, max(small)


def episodes(setup: DrivingSetup, n: int, *, seed: int, test: bool = False,
             progress: bool = False) -> list[DrivingEpisode]:
    """``n`` simulated episodes; training and test seeds never overlap."""
    checks.instance("setup", setup, DrivingSetup)
    return [simulate_driving(setup.domain, s, params=setup.params)
            for s in episode_seeds(n, seed=seed, test=test, progress=progress, min_n=1)]


class DrivingTrace(NamedTuple):
    """One method's online run on one episode.

    Attributes:
        post: (T, 72) posterior after each step.
        pred: (T, 5) predictive of car 0's action at the next step (NaN at the last step).
        ess: (T,) effective sample size (NaN for non-particle methods).
        seconds: (T,) wall time of each online step (update + prediction).
        evaluations: (T,) (hypothesis, step) action distributions formed in the step.
        rollouts: (T,) car 0's look-aheads (one per step and goal) formed in the step.
    """

    post: np.ndarray
    pred: np.ndarray
    ess: np.ndarray
    seconds: np.ndarray
    evaluations: np.ndarray
    rollouts: np.ndarray


def _empty(T: int) -> DrivingTrace:
    return DrivingTrace(np.zeros((T, N_HYP)), np.full((T, N_ACTIONS), np.nan), np.full(T, np.nan),
                        np.zeros(T), np.zeros(T, int), np.zeros(T, int))


def _run(model: DrivingModel, T: int, step) -> DrivingTrace:
    """Drive an online method: ``step(t) -> Posterior``, then predict step ``t + 1``."""
    out = _empty(T)
    for t in range(T):
        e0, r0 = model.evaluations, model.tables.rollouts
        t0 = time.perf_counter()
        post = step(t)
        if t + 1 < T:
            out.pred[t] = model.predict(t + 1, post.idx, post.weights)
        out.seconds[t] = time.perf_counter() - t0
        out.evaluations[t] = model.evaluations - e0
        out.rollouts[t] = model.tables.rollouts - r0
        out.post[t] = post.dense(N_HYP)
        out.ess[t] = post.ess
    return out


def exact_trace(setup: DrivingSetup, episode: DrivingEpisode, *,
                params: DrivingParams | None = None) -> DrivingTrace:
    """Online EI over the 72 hypotheses (``params``: the observer's model; default the setup's)."""
    model = DrivingModel(setup.domain, episode, params=params or setup.params)
    ei = ExactInference(model, model.log_prior)
    return _run(model, episode.n_steps, ei.step)


def log_proposal(nets: dict[str, OnlineGRU], x: np.ndarray, *, prefix: str = "") -> np.ndarray:
    """``log q_t`` over the 72 hypotheses from one step of the goals and existence networks."""
    goals, exist = nets[prefix + "goals"], nets[prefix + "existence"]
    x = checks.array("x", x, shape=(goals.n_in,), where="log_proposal")
    return _log_proposal(goals, exist, x)


def _log_proposal(goals: OnlineGRU, exist: OnlineGRU, x: np.ndarray) -> np.ndarray:
    """:func:`log_proposal` without the argument check (the online loop's inner call): both GRU
    cells stepped in one pass (:func:`~nestlab.nested.recognition.advance_pair`)."""
    lg, le = advance_pair(goals, exist, x)
    return (lg[:, None] + le[None, :]).ravel()


def _reset(nets: dict[str, OnlineGRU], prefix: str = "") -> None:
    for name in ("goals", "existence"):
        nets[prefix + name].reset()


def amortized_trace(setup: DrivingSetup, episode: DrivingEpisode, *, k: int, scheme: str,
                    nets: dict[str, OnlineGRU] | None, seed: int = 0,
                    params: DrivingParams | None = None) -> DrivingTrace:
    """Online amortized inference with K particles (``scheme``: is, topk, uniform_is).

    The networks read the step's features online (their cost is part of the step's time).
    """
    scheme = checks.choice("scheme", scheme, AMORTIZED, where="amortized_trace")
    k = checks.integer("k", k, min=1, max=N_HYP, where="amortized_trace")
    use_net = scheme != "uniform_is"
    if use_net:
        if not nets or any(n not in nets for n in ("goals", "existence")):
            raise ValueError(f"amortized_trace: invalid nets: keys {sorted(nets or {})}; valid: "
                             f"the 'goals' and 'existence' networks (scheme {scheme!r} draws "
                             "from them)")
        _reset(nets)
    dom = setup.domain
    params = params or setup.params
    model = DrivingModel(dom, episode, params=params)
    cache = LikelihoodCache(N_HYP)
    rng = np.random.default_rng([seed, episode.seed, k, AMORTIZED.index(scheme)])
    sub = "topk" if scheme == "topk" else "is"
    uniform = np.full(N_HYP, -np.log(N_HYP))

    log_prior = checks.array("log_prior", model.log_prior, shape=(N_HYP,), finite=False,
                             max=np.inf, inclusive=(True, False), where="amortized_trace")
    if use_net:
        goals, exist = nets["goals"], nets["existence"]
        for name in ("goals", "existence"):
            checks.instance(f"nets[{name!r}]", nets[name], OnlineGRU, where="amortized_trace")
            if nets[name].n_in != dom.n_features:
                raise ValueError(f"amortized_trace: invalid nets[{name!r}]: {nets[name].n_in} "
                                 f"inputs; valid: {dom.n_features} (the domain's features)")

    # everything is checked once above; the online steps run the unchecked inner calls
    def step(t: int) -> Posterior:
        if use_net:
            x = dom.features(episode.states[t], episode.actions[t], episode.states[t + 1],
                             half_angle=params.target_half_angle).astype(float)
            log_q = _log_proposal(goals, exist, x)
        else:
            log_q = uniform
        return importance_step_unchecked(model, cache, log_prior, log_q, t, k, rng, sub, "joint")

    return _run(model, episode.n_steps, step)


def example_traces(setup: DrivingSetup, episode: DrivingEpisode, nets: dict[str, OnlineGRU], *,
                   k: int, seed: int = 0) -> dict[str, DrivingTrace]:
    """EI's and IS's (``k`` particles, the trained ``nets``) online runs on one episode, for
    :func:`~nestlab.nested.plots.driving_explorer`: ``{"ei": DrivingTrace, "is": DrivingTrace}``."""
    return {"ei": exact_trace(setup, episode),
            "is": amortized_trace(setup, episode, k=k, scheme="is", nets=nets, seed=seed)}


def network_trace(setup: DrivingSetup, episode: DrivingEpisode, nets: dict[str, OnlineGRU], *,
                  prefix: str = "", params: DrivingParams | None = None) -> DrivingTrace:
    """The networks alone: their ``q_t`` is the posterior (``prefix="tomnet_"``: the NLL nets)."""
    dom = setup.domain
    params = params or setup.params
    model = DrivingModel(dom, episode, params=params)
    _reset(nets, prefix)
    all_h = np.arange(N_HYP)

    def step(t: int) -> Posterior:
        x = dom.features(episode.states[t], episode.actions[t], episode.states[t + 1],
                         half_angle=params.target_half_angle).astype(float)
        w = np.exp(log_proposal(nets, x, prefix=prefix))
        w /= w.sum()
        return Posterior(all_h, w, float("nan"))

    return _run(model, episode.n_steps, step)


# --------------------------------------------------------------------------- training
def training_sets(setup: DrivingSetup, eps: list[DrivingEpisode], *,
                  progress: bool = False) -> dict[str, TrainingSet]:
    """Features + EI marginals (every step) + true labels for the goals and existence networks.

    ``goals``: the (car-0 goal, goal cue) marginal, 9 classes, label ``3 goal + cue``;
    ``existence``: the existence-cue marginal, 8 classes.
    """
    feats, sg, se, lg, le = [], [], [], [], []
    for ep in tqdm(eps, desc="EI targets", disable=not progress, leave=False):
        post = exact_trace(setup, ep).post.reshape(-1, N_GOALS * N_GOALS, N_EXIST)
        feats.append(ep.features)
        sg.append(post.sum(2).astype(np.float32))
        se.append(post.sum(1).astype(np.float32))
        lg.append(int(ep.goals[0]) * N_GOALS + ep.cue)
        le.append(ep.exist)
    return {"goals": pad(feats, sg, lg), "existence": pad(feats, se, le)}


def train_networks(setup: DrivingSetup, *, n_train: int, hidden: int = 64, epochs: int = 30,
                   seed: int = 0, cache: bool = True,
                   progress: bool = False) -> dict[str, OnlineGRU]:
    """Train (or load from the cache) the goals and existence networks (KL on EI marginals) and
    their ToMnet-style twins (NLL on the true labels); ``cache=False`` retrains them.

    Returns:
        ``{"goals", "existence", "tomnet_goals", "tomnet_existence"}`` as :class:`OnlineGRU`
        steppers, each with ``.info`` (training curve, seconds, cache hit).
    """
    n_train = checks.integer("n_train", n_train, min=1, where="train_networks")
    memo: dict[str, TrainingSet] = {}

    def data(name: str):
        def build() -> TrainingSet:
            if not memo:
                memo.update(training_sets(setup, episodes(setup, n_train, seed=seed,
                                                          progress=progress), progress=progress))
            return memo[name]
        return build

    base = {"config": dataclasses.asdict(setup.config), "params": dataclasses.asdict(setup.params),
            "n_train": n_train, "data_seed": seed, "data_version": DATA_VERSION}
    train = dict(hidden=hidden, epochs=epochs, seed=seed, cache=cache, progress=progress)
    nets = {}
    for name in NETWORKS:
        target = name.removeprefix("tomnet_")
        entry = train_recognition(data(target), dict(base, target=target),
                                   loss="nll" if name.startswith("tomnet") else "kl",
                                   namespace=f"nested.driving.{name}", **train)
        nets[name] = OnlineGRU.from_entry(entry)
    return nets


# --------------------------------------------------------------------------- evaluation
def _scores(tr: DrivingTrace, ei: DrivingTrace, ep: DrivingEpisode) -> dict[str, np.ndarray]:
    T = ep.n_steps
    nxt = ep.actions[1:, 0]
    pred = tr.pred[: T - 1]
    top = pred.max(1, keepdims=True)
    ties = np.isclose(pred, top, rtol=0, atol=1e-12)
    acc = ties[np.arange(T - 1), nxt] / ties.sum(1)
    sig = ((pred[:, SIGNAL] > 0.5) == (nxt == SIGNAL)).astype(float)
    goal = tr.post[: T - 1].reshape(T - 1, N_GOALS, -1).sum(2)
    gtop = np.isclose(goal, goal.max(1, keepdims=True), rtol=0, atol=1e-12)
    gacc = gtop[:, ep.goals[0]] / gtop.sum(1)
    a = np.clip(ei.pred[: T - 1], CLIP, 1.0)
    b = np.clip(pred, CLIP, 1.0)
    a, b = a / a.sum(1, keepdims=True), b / b.sum(1, keepdims=True)
    kl = (a * (np.log(a) - np.log(b))).sum(1)
    return {"acc": acc, "signal_acc": sig, "goal_acc": gacc, "kl": kl,
            "p_true": pred[np.arange(T - 1), nxt]}


def run_methods(setup: DrivingSetup, test_eps: list[DrivingEpisode], nets: dict[str, OnlineGRU],
             *, ks: list[int], seed: int = 0, methods: tuple[str, ...] = ALL_METHODS,
             params: DrivingParams | None = None, progress: bool = False) -> pd.DataFrame:
    """Run every method online on every test episode; one row per (method, K, episode, step).

    Steps are those with a next action to predict (``t < T - 1``). Columns: method, k, frac,
    episode, t, T, decile, acc (next action), signal_acc, goal_acc, kl, p_true (predictive
    probability of the action taken), ess, seconds, evaluations, rollouts. ``params``: the
    observer's model of the drivers (default the setup's).
    """
    methods = tuple(checks.choices("methods", methods, ALL_METHODS, where="run_methods"))
    ks = [checks.integer(f"ks[{i}]", k, min=1, max=N_HYP, where="run_methods")
          for i, k in enumerate(ks)]
    rows: list[pd.DataFrame] = []
    for ep in tqdm(test_eps, desc="evaluate", disable=not progress, leave=False):
        if ep.n_steps < 2:
            continue
        ei = exact_trace(setup, ep, params=params)
        runs: list[tuple[str, int, DrivingTrace]] = []
        if "ei" in methods:
            runs.append(("ei", N_HYP, ei))
        for scheme in AMORTIZED:
            if scheme in methods:
                for k in ks:
                    runs.append((scheme, k, amortized_trace(setup, ep, k=k, scheme=scheme,
                                                            nets=nets, seed=seed, params=params)))
        if "nn" in methods:
            runs.append(("nn", 0, network_trace(setup, ep, nets, params=params)))
        if "tomnet" in methods:
            runs.append(("tomnet", 0, network_trace(setup, ep, nets, prefix="tomnet_",
                                                    params=params)))
        if "uniform" in methods:
            runs.append(("uniform", 0, _uniform_trace(setup, ep, params)))
        T = ep.n_steps
        t = np.arange(T - 1)
        for name, k, tr in runs:
            rows.append(pd.DataFrame({
                "method": name, "k": k, "frac": k / N_HYP, "episode": ep.seed, "t": t, "T": T,
                "decile": np.minimum(9, (10 * t) // (T - 1)), **_scores(tr, ei, ep),
                "ess": tr.ess[: T - 1], "seconds": tr.seconds[: T - 1],
                "evaluations": tr.evaluations[: T - 1], "rollouts": tr.rollouts[: T - 1]}))
    return pd.concat(rows, ignore_index=True)


def _uniform_trace(setup, ep, params) -> DrivingTrace:
    model = DrivingModel(setup.domain, ep, params=params or setup.params)
    all_h = np.arange(N_HYP)
    w = np.full(N_HYP, 1.0 / N_HYP)
    return _run(model, ep.n_steps, lambda t: Posterior(all_h, w, float(N_HYP)))


def accuracy_table(df: pd.DataFrame) -> pd.DataFrame:
    """:func:`~nestlab.nested.experiments.summary` plus signal and goal accuracy and rollouts."""
    s = summary(df)
    extra = df.groupby(["method", "k"], sort=False).agg(
        signal_acc=("signal_acc", "mean"), goal_acc=("goal_acc", "mean"),
        rollouts_per_step=("rollouts", "mean")).reset_index()
    return s.merge(extra, on=["method", "k"])


def headline(df: pd.DataFrame, *, tolerance_pp: float = 2.0) -> dict:
    """The smallest K at which IS is within ``tolerance_pp`` points of EI's next-action accuracy,
    and the per-step speed-up of IS at that K (wall time, same run).

    ``min_k_within_2pp`` is ``None`` when no K qualifies (then the other IS numbers refer to the
    largest K run).
    """
    s = accuracy_table(df)
    ei = s[s.method == "ei"].iloc[0]
    is_ = s[s.method == "is"].sort_values("k")
    if is_.empty:
        raise ValueError("headline: invalid df: no 'is' rows; valid: the output of run_methods() "
                         "with 'is' among its methods")
    ok = is_[100 * (ei.acc - is_.acc) <= tolerance_pp + 1e-9]
    best = ok.iloc[0] if len(ok) else is_.iloc[-1]
    k = int(best.k)
    return {"min_k_within_2pp": k if len(ok) else None, "is_k": k,
            "ei_accuracy": float(ei.acc), "is_accuracy": float(best.acc),
            "accuracy_gap_pp": float(100 * (ei.acc - best.acc)),
            "accuracy_gap_se_pp": 100 * paired_gap_se(df, ("ei", int(ei.k)), ("is", k)),
            "ei_signal_accuracy": float(ei.signal_acc), "is_signal_accuracy": float(best.signal_acc),
            "speedup_per_step": float(ei.ms_per_step / best.ms_per_step),
            "evaluation_ratio": float(ei.evals_per_step / best.evals_per_step),
            "rollout_ratio": float(ei.rollouts_per_step / best.rollouts_per_step),
            "ei_ms_per_step": float(ei.ms_per_step), "is_ms_per_step": float(best.ms_per_step)}


def generalisation(setup: DrivingSetup, nets: dict[str, OnlineGRU], *, n_test: int, k: int,
                   seed: int = 0, progress: bool = False) -> pd.DataFrame:
    """Networks trained on ``setup`` tested on (a) 4 cars and (b) an inattentive car 0.

    The observer's model is the true one in each test (4 cars; the inattentive driver), so EI
    stays exact; what is tested is whether the networks' proposals still carry IS.

    Returns:
        One row per (test, method): n_steps, acc, signal_acc, goal_acc, ms_per_step.
    """
    k = checks.integer("k", k, min=1, max=N_HYP, where="generalisation")
    tests = {"4 cars": DrivingSetup(dataclasses.replace(setup.config, n_cars=4), setup.params),
             "inattentive": DrivingSetup(setup.config, inattentive(setup.params))}
    rows = []
    for name, s in tests.items():
        eps = episodes(s, n_test, seed=seed, test=True, progress=progress)
        df = run_methods(s, eps, nets, ks=[k], seed=seed, methods=("ei", "is", "uniform_is", "nn",
                                                                   "tomnet"), progress=progress)
        t = accuracy_table(df)
        for _, r in t.iterrows():
            rows.append({"test": name, "method": r.method, "k": int(r.k), "steps": int(r.steps),
                         "acc": r.acc, "signal_acc": r.signal_acc, "goal_acc": r.goal_acc,
                         "ms_per_step": r.ms_per_step})
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- timing
class Subspace:
    """The hypothesis model restricted to ``keep`` (the other hypotheses fixed out): a space of
    any size for timing how enumeration grows with the hypothesis count."""

    def __init__(self, model: DrivingModel, keep: np.ndarray) -> None:
        self.model, self.keep = model, np.asarray(keep)
        self.n_hyp, self.n_steps = self.keep.size, model.n_steps
        self.tables, self.log_prior = model.tables, model.log_prior[self.keep]

    @property
    def evaluations(self) -> int:
        return self.model.evaluations

    def step_loglik(self, t, idx):
        return self.model.step_loglik(t, self.keep[np.asarray(idx)])

    def predict(self, t, idx, weights):
        return self.model.predict(t, self.keep[np.asarray(idx)], weights)


def subspace(label: int, size: int) -> np.ndarray:
    """Nested sub-spaces around the true hypothesis: 3 (goal), 9 (x cue), 24 (goal x existence),
    72 (all)."""
    g, c, e = (int(v) for v in decode(label))
    G, C, E = np.arange(N_GOALS), np.arange(N_GOALS), np.arange(N_EXIST)
    grids = {3: (G, [c], [e]), 9: (G, C, [e]), 24: (G, [c], E), 72: (G, C, E)}
    if size not in grids:
        raise ValueError(f"unknown size {size!r}; valid choices: {', '.join(map(str, grids))}")
    a, b, d = np.meshgrid(*grids[size], indexing="ij")
    return np.sort(encode(a.ravel(), b.ravel(), d.ravel()))


def time_scaling(setup: DrivingSetup, *, sizes=(3, 9, 24, 72), k: int = 6, n_episodes: int = 3,
                 seed: int = 0) -> pd.DataFrame:
    """Wall time per online step of EI and of uniform-proposal IS (``min(k, size)`` particles)
    as the enumerated hypothesis space grows (sub-spaces of the 72, :func:`subspace`).

    Returns:
        One row per (size, method): n_hyp, k, ms_per_step, evals_per_step, rollouts_per_step.
    """
    eps = [e for e in episodes(setup, n_episodes, seed=seed, test=True) if e.n_steps >= 2]
    rows = []
    for size in sizes:
        for method in ("ei", "is"):
            sec, ev, ro = [], [], []
            for ep in eps:
                model = DrivingModel(setup.domain, ep, params=setup.params)
                sub = Subspace(model, subspace(ep.label, size))
                if method == "ei":
                    ei = ExactInference(sub, sub.log_prior)
                    step = ei.step
                else:
                    cache = LikelihoodCache(size)
                    rng = np.random.default_rng([seed, ep.seed, size])
                    lq = np.full(size, -np.log(size))
                    kk = min(k, size)

                    def step(t, cache=cache, rng=rng, lq=lq, kk=kk, sub=sub):
                        return importance_step(sub, cache, sub.log_prior, lq, t, k=kk, rng=rng)
                tr = _run(sub, ep.n_steps, step)
                sec.append(tr.seconds)
                ev.append(tr.evaluations)
                ro.append(tr.rollouts)
            rows.append({"n_hyp": size, "method": method, "k": size if method == "ei" else min(k, size),
                         "ms_per_step": 1e3 * np.concatenate(sec).mean(),
                         "evals_per_step": np.concatenate(ev).mean(),
                         "rollouts_per_step": np.concatenate(ro).mean()})
    return pd.DataFrame(rows)

