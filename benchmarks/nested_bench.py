"""EI vs amortized IS: wall time per online inference step, and its growth with |G|.

Runs exact inference (all 2 x |G| level-2 hypotheses (social goal, Bob's cue), one exact
level-1 belief simulated per cue) and importance sampling (K level-2 particles, ceil(K/2)
level-1 particles per particle's cue, recognition networks
with random weights: a forward pass costs the same, but random proposals draw more new particles
to catch up, so IS timings here are pessimistic) on the same simulated
Construction episodes, in the same process, for 5..10 blocks (|G| = 10..45), and prints a ratio
table. IS is timed twice: with a fixed K and with K = 20 % of the level-2 space.

Usage::

    python -m benchmarks.nested_bench [--blocks 5 6 7 8 9 10] [--episodes 4] [--k 6]
"""

from __future__ import annotations

import argparse
import math
import os
import platform

import pandas as pd
import torch

from nestlab.nested.experiments import time_scaling


def main(argv: list[str] | None = None) -> pd.DataFrame:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--blocks", type=int, nargs="+", default=[5, 6, 7, 8, 9, 10])
    ap.add_argument("--episodes", type=int, default=4)
    ap.add_argument("--k", type=int, default=6, help="fixed number of level-2 particles")
    ap.add_argument("--fraction", type=float, default=0.2, help="K as a share of the space")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    fixed = time_scaling(args.blocks, k=args.k, n_episodes=args.episodes, seed=args.seed)
    rows = []
    for nb in args.blocks:
        f = fixed[fixed.n_blocks == nb].set_index("method")
        n_hyp = int(f.n_hyp.iloc[0])
        k_frac = max(1, math.floor(args.fraction * n_hyp))
        frac = time_scaling([nb], k=k_frac, n_episodes=args.episodes, seed=args.seed)
        frac = frac[frac.method == "is"].iloc[0]
        ei, is_k = f.loc["ei"], f.loc["is"]
        rows.append({
            "blocks": nb, "|G|": int(f.n_goals.iloc[0]), "hypotheses": n_hyp,
            "EI ms/step": ei.ms_per_step,
            f"IS(K={args.k}) ms/step": is_k.ms_per_step,
            f"EI/IS(K={args.k})": ei.ms_per_step / is_k.ms_per_step,
            "K at 20%": k_frac, "IS(20%) ms/step": frac.ms_per_step,
            "EI/IS(20%)": ei.ms_per_step / frac.ms_per_step,
            "EI terms/step": ei.evals_per_step, "IS(20%) terms/step": frac.evals_per_step,
            "terms EI/IS(20%)": ei.evals_per_step / frac.evals_per_step,
        })
    table = pd.DataFrame(rows)
    print(f"nestlab.nested benchmark — {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} CPUs visible, torch threads 1, {args.episodes} episodes per size")
    print("EI: exact enumeration of 2|G| hypotheses; IS: amortized importance sampling "
          "(ratio > 1 means IS is faster per step)")
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(table.round(3).to_string(index=False))
    first, last = table.iloc[0], table.iloc[-1]
    print(f"growth {int(first['|G|'])} -> {int(last['|G|'])} goals: EI x"
          f"{last['EI ms/step'] / first['EI ms/step']:.2f}, IS(K={args.k}) x"
          f"{last[f'IS(K={args.k}) ms/step'] / first[f'IS(K={args.k}) ms/step']:.2f}")
    return table


if __name__ == "__main__":
    main()
