"""Runs per second of a 10-agent GR2 beauty contest: batched agents vs one agent at a time.

Three ways to train the same thing (GR2-L<k>, p = 0.7, abs reward, n = 10 players), timed in one
process:

* ``one agent alone`` — the reference cost of one learning agent (the other 9 play uniformly);
* ``per-agent``  — 10 separate single-agent learners, stepped one after another (a Python loop
  over agents, the way a naive implementation trains them);
* ``batched``    — the 10 agents stacked along one tensor axis (``GR2Learner(1, 10)``);
* ``batched xR`` — R independent runs (R x 10 agents) in one stacked learner.

Each run is ``iters x steps`` environment steps and as many gradient steps (batch 64).
Usage::

    python -m benchmarks.recursive_bench [--iters 20] [--steps 10] [--level 2] [--runs 8] [--threads 1]
"""

from __future__ import annotations

import argparse
import time

import torch

from nestlab.recursive.games import BeautyContest
from nestlab.recursive.gr2 import GR2Config, GR2Learner, split_joint
from nestlab.recursive.train import ReplayBuffer


def run_batched(n_runs: int, cfg: GR2Config, iters: int, steps: int, seed: int = 0) -> float:
    game = BeautyContest(10, 0.7, "abs")
    learner = GR2Learner(n_runs, 10, cfg, seed=seed)
    gen = torch.Generator().manual_seed(seed)
    buf = ReplayBuffer(iters * steps, n_runs, 10)
    t0 = time.perf_counter()
    for _ in range(iters * steps):
        a = learner.act(gen)
        buf.add(a, game.rewards(a) * game.default_reward_scale)
        learner.update(*buf.sample(64, gen), gen)
    return time.perf_counter() - t0


def run_per_agent(cfg: GR2Config, iters: int, steps: int, seed: int = 0,
                  n_updating: int = 10) -> float:
    """10 single-agent learners in a Python loop; only the first ``n_updating`` act and are
    trained, the rest play uniformly (``n_updating=1`` measures what one agent alone costs)."""
    game = BeautyContest(10, 0.7, "abs")
    agents = [GR2Learner(1, 10, cfg, seed=seed + j, n_agents=1) for j in range(10)]
    gen = torch.Generator().manual_seed(seed)
    buf = ReplayBuffer(iters * steps, 1, 10)
    t0 = time.perf_counter()
    for _ in range(iters * steps):
        acts = [ag.act_agents(gen)[0] for ag in agents[:n_updating]]
        rest = torch.rand(10 - n_updating, generator=gen) * 2 - 1  # non-learning players act uniformly
        a = torch.cat([torch.stack(acts), rest]).reshape(1, 10)
        buf.add(a, game.rewards(a) * game.default_reward_scale)
        joint, reward = buf.sample(64, gen)
        own, others = split_joint(joint, 10)
        r, _ = split_joint(reward, 10)
        for j, ag in enumerate(agents[:n_updating]):
            ag.update_agents(own[j:j + 1], others[j:j + 1], r[j:j + 1], gen)
    return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--iters", type=int, default=20)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--level", type=int, default=2)
    ap.add_argument("--hidden", type=int, default=16)
    ap.add_argument("--runs", type=int, default=8, help="runs stacked in the 'batched xR' row")
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    cfg = GR2Config(level=args.level, hidden=args.hidden)
    run_batched(1, cfg, 1, 2)  # warm-up
    rows = []
    t_one = run_per_agent(cfg, args.iters, args.steps, n_updating=1)
    rows.append(("one agent alone (reference)", 1, 1, t_one))
    t_agent = run_per_agent(cfg, args.iters, args.steps)
    rows.append(("per-agent (10 learners, loop)", 10, 1, t_agent))
    t_b = run_batched(1, cfg, args.iters, args.steps)
    rows.append(("batched (10 agents stacked)", 10, 1, t_b))
    t_r = run_batched(args.runs, cfg, args.iters, args.steps)
    rows.append((f"batched x{args.runs} runs", 10 * args.runs, args.runs, t_r))
    # notebook 31's ablation knob that changes the chain: level 0 = played actions
    t_v = run_batched(args.runs, GR2Config(level=args.level, hidden=args.hidden, level0="replay"),
                      args.iters, args.steps)
    rows.append((f"batched x{args.runs}, level0=replay", 10 * args.runs, args.runs, t_v))
    n_steps = args.iters * args.steps
    print(f"GR2-L{args.level}, 10-agent beauty contest, {n_steps} env+gradient steps per run, "
          f"batch 64, hidden {args.hidden}, torch threads {args.threads}")
    print(f"{'mode':34s} {'agents':>6s} {'runs':>5s} {'seconds':>8s} {'runs/s':>8s} {'vs per-agent':>12s}")
    base = 1 / t_agent
    for name, agents, runs, t in rows:
        rps = runs / t
        if agents == 1:  # the reference row trains one agent, not a whole run
            print(f"{name:34s} {agents:6d} {'-':>5s} {t:8.2f} {'-':>8s} {'-':>12s}")
            continue
        print(f"{name:34s} {agents:6d} {runs:5d} {t:8.2f} {rps:8.4f} {rps / base:11.1f}x")
    print(f"10 batched agents cost {t_b / t_one:.1f}x one agent alone; "
          f"10 looped agents cost {t_agent / t_one:.1f}x")


if __name__ == "__main__":
    main()
