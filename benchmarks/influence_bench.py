"""Benchmarks of nestlab.influence, each against a baseline timed in the same run.

* the paper's LoI estimator over all 32 published scenario files: nestlab's vectorised plug-in vs a
  literal per-row ``np.histogram`` loop (the way the estimator is usually written);
* the permutation null of one scenario: vectorised vs a loop over permutations;
* the policy-gradient trainer: one numpy pass over all agents vs a per-agent loop (same draws, same
  result), on a short run of the full agent set;
* wall time of the whole re-analysis and of one replicate of the training study (no cache), with
  and without the entropy bonus, and of the LoI-gain bootstrap interval (16 replicates x 16 scenarios).

Run: ``python -m benchmarks.influence_bench [--quick]``. Timings on a shared machine are noisy.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace

import numpy as np
from scipy.special import rel_entr


def _timeit(fn, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def _literal_plugin(blocks: np.ndarray) -> float:
    """Baseline: the estimator written with a Python loop over blocks and rows."""
    flat = blocks.reshape(-1, *blocks.shape[-2:])
    vals = []
    for b in flat:
        pooled, _ = np.histogram(b.ravel(), bins=50, range=(0, 100))
        p = pooled / pooled.sum()
        kls = []
        for row in b:
            h, _ = np.histogram(row, bins=50, range=(0, 100))
            kls.append(np.sum(rel_entr(h / h.sum(), p)))
        vals.append(np.mean(kls))
    return float(np.mean(vals))


def _loop_null(blocks: np.ndarray, n_perm: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    flat = blocks.reshape(-1, *blocks.shape[-2:])
    out = np.empty(n_perm)
    for i in range(n_perm):
        shuffled = np.stack([rng.permutation(b.ravel()).reshape(b.shape) for b in flat])
        out[i] = _literal_plugin(shuffled)
    return out


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes")
    args = parser.parse_args(argv)

    from nestlab.influence import reanalysis as ra
    from nestlab.influence.data import GAMES, MAPS, load_loi_log
    from nestlab.influence.loi import loi, permutation_null
    from nestlab.influence.population import (
        StudyConfig,
        bootstrap_correlation,
        evaluate_checkpoints,
        train_population,
    )

    rows = []
    logs = [load_loi_log(g, m, version=v).ego_blocks() for v in ("arxiv", "rlc") for g in GAMES for m in MAPS]
    assert all(abs(loi(b).value - _literal_plugin(b)) < 1e-12 for b in logs)
    t_nl = _timeit(lambda: [loi(b).value for b in logs])
    t_base = _timeit(lambda: [_literal_plugin(b) for b in logs])
    rows.append(("paper LoI, 32 published scenarios", t_nl, "per-row np.histogram loop", t_base))

    n_perm = 50 if args.quick else 200
    b0 = logs[0]
    t_nl = _timeit(lambda: permutation_null(b0, n_permutations=n_perm), repeat=2)
    t_base = _timeit(lambda: _loop_null(b0, n_perm), repeat=1)
    rows.append((f"permutation null, 1 scenario, {n_perm} perms", t_nl, "loop over permutations", t_base))

    cfg = StudyConfig(n_generations=4, iters_per_generation=1)
    a = train_population(cfg)
    b = train_population(cfg, vectorised=False)
    assert np.allclose(a, b, rtol=0, atol=1e-12), "vectorised and per-agent training differ"
    t_nl = _timeit(lambda: train_population(cfg), repeat=2)
    t_base = _timeit(lambda: train_population(cfg, vectorised=False), repeat=1)
    n_agents = a.shape[1]
    rows.append((f"PG trainer, {n_agents} agents, {cfg.n_generations * cfg.iters_per_generation} steps", t_nl,
                 "per-agent loop", t_base))

    t0 = time.perf_counter()
    samples = ra.all_samples()
    arxiv = ra.loi_table()
    ra.loi_table(version="rlc")
    ra.allocation_study(arxiv.as_dict(), samples, overrides=ra.PAPER_ALLOCATION_OVERRIDES)
    t_reanalysis = time.perf_counter() - t0

    full = StudyConfig()
    if args.quick:
        full = replace(full, n_generations=8, iters_per_generation=4)
    t0 = time.perf_counter()
    ck = train_population(full)
    t_train = time.perf_counter() - t0
    t0 = time.perf_counter()
    evaluate_checkpoints(full, ck)
    t_eval = time.perf_counter() - t0
    ent = replace(full, entropy_coef=0.3, entropy_final=0.03)
    t0 = time.perf_counter()
    train_population(ent)
    t_train_ent = time.perf_counter() - t0
    rng = np.random.default_rng(0)
    x = rng.random((16, 16))
    t_boot = _timeit(lambda: bootstrap_correlation(x, x + rng.normal(size=x.shape), n_boot=2000), repeat=2)

    print("\nnestlab.influence benchmarks (wall seconds, best of repeats; shared machine, noisy)\n")
    print(f"{'task':45s} {'nestlab':>9s}  {'baseline':28s} {'baseline s':>10s} {'speed-up':>9s}")
    for name, tn, base, tb in rows:
        print(f"{name:45s} {tn:9.4f}  {base:28s} {tb:10.4f} {tb / tn:8.1f}x")
    print(f"\nwhole re-analysis (LoI arXiv + RLC, allocation study, ranks): {t_reanalysis:.2f} s")
    print(f"one study replicate ({len(full.scenarios())} scenarios, {n_agents} agents, "
          f"{full.n_generations} generations x {full.iters_per_generation} steps): "
          f"train {t_train:.1f} s ({t_train_ent:.1f} s with the entropy bonus), evaluate {t_eval:.2f} s")
    print(f"LoI-gain bootstrap interval, 16 x 16, 2000 draws: {t_boot:.3f} s")
    steps = full.n_generations * full.iters_per_generation
    per_step_loop = rows[2][3] / (cfg.n_generations * cfg.iters_per_generation)
    print(f"per-agent loop extrapolated to that replicate: {per_step_loop * steps:.0f} s")


if __name__ == "__main__":
    main()
