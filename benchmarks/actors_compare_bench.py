"""Cost-family comparison benchmark (spec Sec. 5.5 / 6), printed as a ratio table from one run.

The comparison study fits every candidate family to every simulated data set. Baseline: call
``fit`` once per (data set, family) — one chain, the same warm-up and draws, the same
8-node marginal likelihood — which compiles a NUTS program every time. nestlab:
:func:`nestlab.actors.compare.fit_batch`, one program per family compiled once and ``vmap``-ed
over the data sets. Both then get PSIS-LOO from the same per-trial log-likelihoods.

A second table (``--gates`` alone) counts the data sets whose 4-chain fit passes the
convergence gate with notebook 14's sampler (dense mass matrix, chains started apart) against
the previous one (diagonal mass, one starting point), same data and iterations.

Measured once, ``--quick --gates`` only (4 chains x (100 + 150), 2 data sets, load average ~11
on the shared 2-core machine): no fit passes the gate at these sizes with either sampler (tail
ESS 120-320), dense mass 1.6-2x the sampling seconds per data set (0.87 vs 0.44 s quadratic);
the default sizes were not benchmarked here — notebook 14's default run gives 118 of 128 fits
converged at 4 x (500 + 1000) with the dense sampler.

Run: ``python -m benchmarks.actors_compare_bench [--quick] [--gates]``. Closed-form families only by
default (networks: ``--families``); timings include compilation and are noisy on a shared machine.
"""

from __future__ import annotations

import argparse
import time


def bench(*, families: list[str], n_datasets: int, warmup: int, draws: int) -> dict:
    from nestlab.actors import compare as C
    from nestlab.actors.batch import clear_program_cache
    from nestlab.actors.inference import fit

    data = C.simulate_study(families, n_datasets, seed=0)
    fixed = {"sigma": [float(v) for v in data.sigmas]}
    rows = {}
    for fam in families:
        t0 = time.perf_counter()
        for i in range(len(data.family)):
            fit(data.stimuli[i], data.responses[i], cost=fam, conditions=data.conditions,
                fixed=fixed, chains=1, warmup=warmup, draws=draws, n_nodes=8, seed=i,
                prior_draws=10, policy="analytic" if C.has_closed_form(fam) else "network")
        per_fit = time.perf_counter() - t0
        # a compile of this process (the persistent XLA cache, if set, may still serve it)
        clear_program_cache()
        t0 = time.perf_counter()
        bf = C.fit_batch(fam, data.stimuli, data.responses, conditions=data.conditions,
                         sigmas=data.sigmas, chains=1, dense_mass=False, init_jitter=0.0,
                         warmup=warmup, draws=draws)
        batched = time.perf_counter() - t0
        rows[fam] = {"n_fits": len(data.family), "fit_per_dataset_s": per_fit,
                     "vmapped_s": batched, "vmapped_compile_s": bf.compile_seconds,
                     "speed-up": per_fit / batched}
    return rows


def bench_gates(*, families: list[str], n_datasets: int, chains: int, warmup: int,
                draws: int) -> dict:
    """Convergence gate per data set: notebook 14's sampler (dense mass, dispersed starts) vs the
    previous one (diagonal mass, every chain from the same point), same data, chains, draws.

    Timings are sampling only (the persistent XLA cache may hold the programs) plus compile.
    """
    from nestlab.actors import compare as C

    data = C.simulate_study(families, n_datasets, seed=0)
    rows = {}
    for fam in families:
        for name, kw in (("dense+jitter", dict(dense_mass=True, init_jitter=0.3)),
                         ("diag, one start", dict(dense_mass=False, init_jitter=0.0))):
            bf = C.fit_batch(fam, data.stimuli, data.responses, conditions=data.conditions,
                             sigmas=data.sigmas, chains=chains, warmup=warmup, draws=draws, **kw)
            g = C.batch_convergence(bf)
            rows[f"{fam} / {name}"] = {
                "data_sets": len(g), "converged": int(g["converged"].sum()),
                "median_tail_ess": float(g["min_ess_tail"].median()),
                "worst_rhat": float(g["max_rhat"].max()),
                "run_s_per_dataset": bf.run_seconds / len(g), "compile_s": bf.compile_seconds}
    return rows


def _table(title: str, rows: dict, cols: list[str]) -> None:
    print(f"\n{title}")
    print(f"{'':<22}" + "".join(f"{c:>20}" for c in cols))
    for name, r in rows.items():
        cells = [f"{r[c]:>20.2f}" if isinstance(r[c], float) else f"{r[c]!s:>20}" for c in cols]
        print(f"{name:<22}" + "".join(cells))


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes (a smoke run)")
    ap.add_argument("--families", nargs="+", default=["quadratic", "quadratic_effort"])
    ap.add_argument("--n-datasets", type=int, default=5, help="data sets per true family")
    ap.add_argument("--gates", action="store_true",
                    help="only the convergence comparison (notebook 14's sampler vs diagonal)")
    args = ap.parse_args(argv)
    n, warmup, draws = (1, 100, 100) if args.quick else (args.n_datasets, 200, 300)
    if not args.gates:
        rows = bench(families=args.families, n_datasets=n, warmup=warmup, draws=draws)
        _table(f"fit every data set ({len(args.families)} families x {n} data sets each, 1 chain, "
               f"{warmup}+{draws} iterations): per-data-set fit vs compiled-once vmap", rows,
               ["n_fits", "fit_per_dataset_s", "vmapped_s", "vmapped_compile_s", "speed-up"])
    gw, gd = (100, 150) if args.quick else (500, 1000)
    rows = bench_gates(families=args.families, n_datasets=n, chains=4, warmup=gw, draws=gd)
    _table(f"convergence gate (r-hat <= 1.01, bulk/tail ESS >= 400, no divergence), 4 chains x "
           f"({gw}+{gd}), {len(args.families)} true families x {n} data sets fitted by each", rows,
           ["data_sets", "converged", "median_tail_ess", "worst_rhat", "run_s_per_dataset",
            "compile_s"])


if __name__ == "__main__":
    main()
