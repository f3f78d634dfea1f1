"""EI vs amortized IS in both nested domains: wall time per online step, its growth with the
hypothesis count, and where a step's time goes.

* **Construction** — exact inference over all 2 x |G| level-2 hypotheses (social goal, Bob's cue;
  one exact level-1 belief simulated per cue) and importance sampling (K level-2 particles,
  ceil(K/2) level-1 particles per particle's cue) on the same simulated episodes, for 5..10 blocks
  (|G| = 10..45). IS is timed with a fixed K and with K = 20 % of the level-2 space.
* **Driving** — exact inference over the 72 hypotheses (car 0's goal x goal cue x existence cues)
  and IS with K particles, for 3 and 4 cars; and both on nested sub-spaces of the 72 (3, 9, 24, 72
  hypotheses, uniform-proposal IS with K fixed) to show how each grows with the space.
* **Profile** — for each domain and method, where a step's time goes: each part's entry functions
  are wrapped in exclusive timers (time in a nested part counts once, for that part), the rest of
  the measured step is "rest" (weights, likelihood caches, glue); the timers add about a
  microsecond per call.

Recognition networks have random weights here (a forward pass costs the same whatever the
weights, but a random proposal draws more new particles that must be caught up over the past
steps, so IS timings are pessimistic). Everything runs in one process, in turn, on the same
episodes; on a shared machine compare ratios, not absolute times.

The profile tables give, per part, ms per step for EI and IS, each part's share of its method's
step and IS / EI per part; the CPU-time table gives each method's least CPU time per step over
``--repeats`` runs (less sensitive than wall time to other processes on a shared machine).

Measured 3 Dec 2026 (``--blocks 6 10 --episodes 3``, 2-core machine shared with other jobs):

* before the overhead cuts of issue 14 item 5 (load 1.05, the quietest moment of the day):
  Construction IS at 20 % 0.60x EI per step at 6 blocks (EI 0.56, IS 0.93 ms) and 0.63x at 10;
  profile at 6 blocks: EI 0.45 ms, IS 0.95 ms, of which the step tables both methods fill
  (successor states, Alice's level-0 row, Bob's cost table) 0.28 ms in EI and 0.39 ms in IS, and
  IS's own features 0.04, GRU cells 0.07, Gumbel draws 0.13 ms. Driving IS (K = 9) 0.53x.
* after (one-argsort Gumbel draws, both GRU cells in one pass, tabulated features, no per-step
  argument checks in Driving, fewer np.unique; every trace bitwise unchanged): base and new code
  interleaved in one process, least of 15 runs per episode, at load 18-20 — IS per step
  new / base 0.88 at 6 blocks, 0.98 at 10, 0.75 in Driving (K = 9); EI unchanged (the same code);
  EI / IS at 6 blocks 0.46 -> 0.49 (loaded: absolute ms 2-3x the quiet ones). IS stays slower than
  EI per step in Construction: the shared step tables are a floor for both methods and EI's own
  work beyond them is only ~0.15 ms at 6 blocks (vectorised enumeration over 30 hypotheses is a
  few array operations), less than IS's two GRU cells, features and draws alone. Under that load
  the wall-time tables of a single run move by 2x from run to run: compare ratios of one run, or
  the CPU table.

Usage::

    python -m benchmarks.nested_bench [--blocks 5 6 8 10] [--episodes 4] [--k 6] [--driving-k 9]
"""

from __future__ import annotations

import argparse
import functools
import importlib
import math
import os
import platform
import time
from collections.abc import Callable

import numpy as np
import pandas as pd
import torch

import nestlab.checks
from nestlab.nested import driving_experiments as dx
from nestlab.nested import experiments as ex
from nestlab.nested.domains.construction import ConstructionConfig
from nestlab.nested.domains.driving import DrivingConfig
from nestlab.nested.planners import AgentParams
from nestlab.nested.recognition import OnlineGRU, RecognitionNet

#: profile parts: label -> (module or class, attribute) entry points; each call's time counts
#: exclusively (time in a nested entry point counts for that one), so the parts add up
CONSTRUCTION_PARTS = {
    "successor states + distance tables": [("nestlab.nested.episodes", "successors")],
    "level-0 likelihood rows (Alice)": [("nestlab.nested.episodes:StepCache", "_fill_alice")],
    "Bob's cost tables (help, hinder)": [("nestlab.nested.episodes:StepCache", "_fill_bob")],
    "level-1 beliefs (per cue)": [("nestlab.nested.episodes:ExactBeliefs", "all_beliefs"),
                                  ("nestlab.nested.episodes:ImportanceBeliefs", "_draw")],
    "level-1 policy (Bob, per belief)": [("nestlab.nested.episodes:StepCache", "bob_logpolicy")],
    "level-2 likelihoods (memo fill)": [("nestlab.nested.episodes:Level2Model", "_fill")],
    "likelihood caches (catch-up)": [("nestlab.nested.exact:LikelihoodCache", "loglik")],
    "features": [("nestlab.nested.domains.construction:Construction", "features")],
    "recognition networks": [("nestlab.nested.recognition:OnlineGRU", "advance"),
                             ("nestlab.nested.recognition:OnlineGRU", "step"),
                             ("nestlab.nested.experiments", "advance_pair")],
    "particle draws (Gumbel)": [("nestlab.nested.importance", "_gumbel_top_k"),
                                ("nestlab.nested.importance", "gumbel_top_k_rows_unchecked"),
                                ("nestlab.nested.importance", "_paired_top_k")],
}
DRIVING_PARTS = {
    "perception (who sees whom)": [("nestlab.nested.driving", "update_knowledge")],
    "level-0 policies (other cars)": [("nestlab.nested.driving", "level0_logpolicy")],
    "car 0's look-ahead (3 goals)": [("nestlab.nested.driving", "level1_rollouts")],
    "level-1 policy rows (per hypothesis)": [("nestlab.nested.driving", "level1_logpolicy")],
    "features": [("nestlab.nested.domains.driving:Driving", "features")],
    "recognition networks": [("nestlab.nested.recognition:OnlineGRU", "step"),
                             ("nestlab.nested.recognition:OnlineGRU", "advance"),
                             ("nestlab.nested.driving_experiments", "advance_pair")],
    "particle draws (Gumbel)": [("nestlab.nested.importance", "gumbel_top_k"),
                                ("nestlab.nested.importance", "_gumbel_top_k")],
}
CHECKS = "argument checks (nestlab.checks)"
#: another process's slice of a shared CPU counts in wall time, not in this process's CPU time
CLOCKS = {"wall": time.perf_counter, "cpu": time.process_time}


def random_net(n_features: int, n_out: int, hidden: int, seed: int) -> OnlineGRU:
    torch.manual_seed(seed)
    return OnlineGRU(RecognitionNet(n_features, n_out, hidden=hidden).state_dict())


def driving_nets(setup: dx.DrivingSetup, hidden: int = 64, seed: int = 0) -> dict[str, OnlineGRU]:
    nf = setup.domain.n_features
    return {"goals": random_net(nf, 9, hidden, seed), "existence": random_net(nf, 8, hidden, seed + 1)}


def _target(spec: str):
    mod, _, cls = spec.partition(":")
    obj = importlib.import_module(mod)
    return getattr(obj, cls) if cls else obj


def profile_parts(run: Callable[[], list], parts: dict[str, list[tuple[str, str]]]) -> dict:
    """Run ``run`` (returning traces with ``.seconds``) with every entry point of ``parts`` (and
    every public function of :mod:`nestlab.checks`) wrapped in an exclusive timer; ms per step in
    each part, the rest of the measured step time as "rest". Entry points the code does not have
    (an older version) are skipped, so the same benchmark profiles before and after a change."""
    acc: dict[str, float] = dict.fromkeys([*parts, CHECKS], 0.0)
    stack: list[list[float]] = []

    def timed(label, fn):
        @functools.wraps(fn)
        def wrapper(*a, **kw):
            stack.append([time.perf_counter(), 0.0])
            try:
                return fn(*a, **kw)
            finally:
                start, inner = stack.pop()
                elapsed = time.perf_counter() - start
                acc[label] += elapsed - inner
                if stack:
                    stack[-1][1] += elapsed
        return wrapper

    patches = [(_target(spec), attr, label) for label, entries in parts.items()
               for spec, attr in entries if hasattr(_target(spec), attr)]
    patches += [(nestlab.checks, name, CHECKS) for name in nestlab.checks.__all__]
    saved = [(obj, attr, obj.__dict__[attr] if isinstance(obj, type) else getattr(obj, attr))
             for obj, attr, _ in patches]
    try:
        for (obj, attr, label), (_, _, orig) in zip(patches, saved, strict=True):
            setattr(obj, attr, timed(label, orig))
        traces = run()
    finally:
        for obj, attr, orig in saved:
            setattr(obj, attr, orig)
    steps = sum(len(t.seconds) for t in traces)
    total = 1e3 * sum(float(np.sum(t.seconds)) for t in traces) / steps
    out = {label: 1e3 * v / steps for label, v in acc.items()}
    out["rest (weights, glue)"] = max(0.0, total - sum(out.values()))
    out["total per step"] = total
    return out


def with_ratio(table: pd.DataFrame) -> pd.DataFrame:
    """A profile table (parts x [EI, ours]) with the share of each part and ours / EI per part."""
    ei, ours = table.columns[0], table.columns[1]
    out = table.copy()
    total = table.loc["total per step"]
    out[f"{ei} %"] = 100 * table[ei] / total[ei]
    out[f"{ours} %"] = 100 * table[ours] / total[ours]
    with np.errstate(divide="ignore", invalid="ignore"):
        out[f"{ours} / {ei}"] = np.where(table[ei] > 0, table[ours] / table[ei], np.nan)
    return out


def construction_table(args) -> pd.DataFrame:
    fixed = ex.time_scaling(args.blocks, k=args.k, n_episodes=args.episodes, seed=args.seed)
    rows = []
    for nb in args.blocks:
        f = fixed[fixed.n_blocks == nb].set_index("method")
        n_hyp = int(f.n_hyp.iloc[0])
        k_frac = max(1, math.floor(args.fraction * n_hyp))
        frac = ex.time_scaling([nb], k=k_frac, n_episodes=args.episodes, seed=args.seed)
        frac = frac[frac.method == "is"].iloc[0]
        ei, is_k = f.loc["ei"], f.loc["is"]
        rows.append({
            "blocks": nb, "|G|": int(f.n_goals.iloc[0]), "hypotheses": n_hyp,
            "EI ms/step": ei.ms_per_step, f"IS(K={args.k}) ms/step": is_k.ms_per_step,
            f"EI/IS(K={args.k})": ei.ms_per_step / is_k.ms_per_step,
            "K at 20%": k_frac, "IS(20%) ms/step": frac.ms_per_step,
            "EI/IS(20%)": ei.ms_per_step / frac.ms_per_step,
            "EI terms/step": ei.evals_per_step, "IS(20%) terms/step": frac.evals_per_step,
            "terms EI/IS(20%)": ei.evals_per_step / frac.evals_per_step,
        })
    return pd.DataFrame(rows)


def construction_case(args, n_blocks: int):
    """``(setup, domain, net1, net2, episodes, k)`` of a Construction benchmark with ``n_blocks``:
    untrained recognition networks (the timing does not depend on their weights) and IS's K at
    ``--fraction`` of the ``2 |G|`` hypotheses."""
    setup = ex.Setup(ConstructionConfig(n_blocks=n_blocks), AgentParams())
    dom = setup.domain
    ng = len(dom.goals)
    net1 = random_net(dom.n_features, ng, 64, args.seed)
    net2 = random_net(dom.n_features, 2 * ng, 64, args.seed + 1)
    eps = ex.episodes(setup, args.episodes, seed=args.seed, test=True)
    return setup, dom, net1, net2, eps, max(1, math.floor(args.fraction * 2 * ng))


def construction_profile(args) -> pd.DataFrame:
    setup, dom, net1, net2, eps, k = construction_case(args, args.profile_blocks)
    cols = {
        "EI": lambda: [ex.exact_trace(setup, e, domain=dom) for e in eps],
        f"IS(K={k})": lambda: [ex.amortized_trace(setup, e, k=k, scheme="is", net1=net1,
                                                  net2=net2, seed=args.seed, domain=dom)
                               for e in eps],
    }
    return with_ratio(pd.DataFrame({name: profile_parts(run, CONSTRUCTION_PARTS)
                                    for name, run in cols.items()}))


def _each(trace, setup, eps, **kw) -> list:
    return [trace(setup, e, **kw) for e in eps]


def cpu_table(args) -> pd.DataFrame:
    """EI vs IS per step in this process's CPU time, the least of ``--repeats`` runs over the same
    episodes: on a shared machine the wall time of a step includes other processes' slices, the
    CPU time and its minimum over repeats much less so. Construction: IS at ``--fraction`` of the
    space for each block count; Driving (3 cars): IS with ``--driving-k`` particles."""
    rows = []

    def best(fn, *fn_args, **fn_kwargs) -> float:
        out = math.inf
        for _ in range(args.repeats):
            t0 = time.process_time()
            fn(*fn_args, **fn_kwargs)
            out = min(out, time.process_time() - t0)
        return out

    for nb in args.blocks:
        setup, dom, net1, net2, eps, k = construction_case(args, nb)
        steps = sum(e.n_steps for e in eps)
        ei = best(_each, ex.exact_trace, setup, eps, domain=dom)
        is_ = best(_each, ex.amortized_trace, setup, eps, k=k, scheme="is", net1=net1, net2=net2,
                   seed=args.seed, domain=dom)
        rows.append({"domain": f"Construction, {nb} blocks", "hypotheses": 2 * len(dom.goals), "K": k,
                     "EI cpu ms/step": 1e3 * ei / steps, "IS cpu ms/step": 1e3 * is_ / steps,
                     "EI/IS": ei / is_})
    setup = dx.DrivingSetup()
    nets = driving_nets(setup, seed=args.seed)
    eps = [e for e in dx.episodes(setup, args.episodes, seed=args.seed, test=True) if e.n_steps >= 2]
    steps = sum(e.n_steps for e in eps)
    k = args.driving_k
    ei = best(_each, dx.exact_trace, setup, eps)
    is_ = best(_each, dx.amortized_trace, setup, eps, k=k, scheme="is", nets=nets, seed=args.seed)
    rows.append({"domain": "Driving, 3 cars", "hypotheses": 72, "K": k,
                 "EI cpu ms/step": 1e3 * ei / steps, "IS cpu ms/step": 1e3 * is_ / steps,
                 "EI/IS": ei / is_})
    return pd.DataFrame(rows)


def driving_table(args) -> pd.DataFrame:
    rows = []
    for n_cars in (3, 4):
        setup = dx.DrivingSetup(DrivingConfig(n_cars=n_cars))
        nets = driving_nets(setup, seed=args.seed)
        eps = [e for e in dx.episodes(setup, args.episodes, seed=args.seed, test=True)
               if e.n_steps >= 2]
        res = {"ei": [dx.exact_trace(setup, e) for e in eps]}
        for k in sorted({1, args.driving_k, 18}):
            res[k] = [dx.amortized_trace(setup, e, k=k, scheme="is", nets=nets, seed=args.seed)
                      for e in eps]

        def per_step(trs, field):
            return float(np.concatenate([getattr(t, field) for t in trs]).mean())

        ei_ms = 1e3 * per_step(res["ei"], "seconds")
        row = {"cars": n_cars, "hypotheses": 72, "EI ms/step": ei_ms,
               "EI likelihoods/step": per_step(res["ei"], "evaluations")}
        for k in sorted(key for key in res if key != "ei"):
            ms = 1e3 * per_step(res[k], "seconds")
            row[f"IS(K={k}) ms/step"] = ms
            row[f"EI/IS(K={k})"] = ei_ms / ms
            row[f"IS(K={k}) likelihoods/step"] = per_step(res[k], "evaluations")
        rows.append(row)
    return pd.DataFrame(rows)


def driving_profile(args) -> pd.DataFrame:
    setup = dx.DrivingSetup()
    nets = driving_nets(setup, seed=args.seed)
    eps = [e for e in dx.episodes(setup, args.episodes, seed=args.seed, test=True) if e.n_steps >= 2]
    k = args.driving_k
    cols = {
        "EI": lambda: [dx.exact_trace(setup, e) for e in eps],
        f"IS(K={k})": lambda: [dx.amortized_trace(setup, e, k=k, scheme="is", nets=nets,
                                                  seed=args.seed) for e in eps],
    }
    return with_ratio(pd.DataFrame({name: profile_parts(run, DRIVING_PARTS)
                                    for name, run in cols.items()}))


def main(argv: list[str] | None = None) -> dict[str, pd.DataFrame]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--blocks", type=int, nargs="+", default=[5, 6, 8, 10])
    ap.add_argument("--episodes", type=int, default=4)
    ap.add_argument("--k", type=int, default=6, help="fixed number of level-2 particles (Construction)")
    ap.add_argument("--fraction", type=float, default=0.2, help="K as a share of the space (Construction)")
    ap.add_argument("--driving-k", type=int, default=9, help="particles of the Driving IS runs")
    ap.add_argument("--profile-blocks", type=int, default=6, help="block count of the Construction profile")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--repeats", type=int, default=5,
                    help="runs per method of the CPU-time table (its minimum is reported)")
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    print(f"nestlab.nested benchmark — {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} CPUs visible, torch threads 1, {args.episodes} episodes per size")
    print("ratios EI/IS > 1 mean IS is faster per step; networks have random weights (IS pessimistic)")
    out = {}
    with pd.option_context("display.width", 220, "display.max_columns", 30):
        out["construction"] = t = construction_table(args)
        print("\n== Construction: EI (all 2|G| hypotheses) vs IS, by block count")
        print(t.round(3).to_string(index=False))
        first, last = t.iloc[0], t.iloc[-1]
        print(f"growth {int(first['|G|'])} -> {int(last['|G|'])} goals "
              f"({int(first['hypotheses'])} -> {int(last['hypotheses'])} hypotheses): EI x"
              f"{last['EI ms/step'] / first['EI ms/step']:.2f}, IS(K={args.k}) x"
              f"{last[f'IS(K={args.k}) ms/step'] / first[f'IS(K={args.k}) ms/step']:.2f}")

        out["driving"] = t = driving_table(args)
        print("\n== Driving: EI (72 hypotheses) vs IS with K particles, 3 and 4 cars")
        print(t.round(3).to_string(index=False))

        setup = dx.DrivingSetup()
        out["driving_scaling"] = t = dx.time_scaling(setup, k=args.driving_k,
                                                     n_episodes=args.episodes, seed=args.seed)
        print(f"\n== Driving: growth with the enumerated space (sub-spaces of the 72; IS uniform, "
              f"K = min({args.driving_k}, space))")
        print(t.round(3).to_string(index=False))
        ei, is_ = t[t.method == "ei"], t[t.method == "is"]
        print(f"growth {int(ei.n_hyp.iloc[0])} -> {int(ei.n_hyp.iloc[-1])} hypotheses: EI x"
              f"{ei.ms_per_step.iloc[-1] / ei.ms_per_step.iloc[0]:.2f} "
              f"(likelihoods x{ei.evals_per_step.iloc[-1] / ei.evals_per_step.iloc[0]:.1f}), IS x"
              f"{is_.ms_per_step.iloc[-1] / is_.ms_per_step.iloc[0]:.2f}")

        out["cpu"] = t = cpu_table(args)
        print(f"\n== EI vs IS per step in CPU time (least of {args.repeats} runs; traces include "
              "their set-up)")
        print(t.round(3).to_string(index=False))

        out["construction_profile"] = t = construction_profile(args)
        print(f"\n== Where a Construction step's time goes ({args.profile_blocks} blocks; "
              "ms per step, exclusive; share of the step; IS / EI per part)")
        print(t.round(3).to_string())
        out["driving_profile"] = t = driving_profile(args)
        print("\n== Where a Driving step's time goes (3 cars; ms per step, exclusive; share of the "
              "step; IS / EI per part)")
        print(t.round(3).to_string())
    return out


if __name__ == "__main__":
    main()
