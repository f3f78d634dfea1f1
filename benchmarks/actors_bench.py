"""Bayesian-actor benchmarks (spec Sec. 6), printed as ratio tables from one run.

1. Policy training time to 1% relative RMSE (quadratic cost, held-out closed form):
   nestlab's trainer (posterior-shaped head, Adam + cosine schedule, batch 512, 64 stratified
   MC draws) against a reference-style trainer in the same process (the paper's analytic-shaped
   head, RMSprop 1e-4, batch 256, 128 MC draws), which is stopped after ``--baseline-seconds``
   if it has not reached the target (the ratio is then a lower bound).
2. NUTS on the reference data set (60 trials, sigma fixed): ESS per second with the marginal
   (Gauss-Hermite) likelihood vs the latent-measurement likelihood, same data and draws.
3. Recovery study (spec 5.3): wall time of the compiled-once, vmapped study for several numbers
   of data sets, against calling ``fit`` once per data set (which compiles every time).

Run: ``python -m benchmarks.actors_bench [--quick]``. Timings include JAX compilation and are
noisy on a shared machine.
"""

from __future__ import annotations

import argparse
import time

import torch


def bench_training(*, target: float, max_steps: int, baseline_seconds: float, n_val: int) -> dict:
    from nestlab.actors.policy import TrainConfig, make_box, train_policy, validation_set

    box = make_box("quadratic")
    vset = validation_set("quadratic", box=box, n=n_val)
    rows = {}
    configs = {
        "nestlab (posterior head, Adam)": (TrainConfig(n_steps=max_steps, eval_every=50), "adam",
                                           None),
        "reference-style (analytic head, RMSprop 1e-4)": (
            TrainConfig(n_steps=10 ** 7, batch=256, n_mc=128, lr=1e-4, head="reference",
                        eval_every=500), "rmsprop", baseline_seconds),
    }
    for name, (cfg, opt, cap) in configs.items():
        _, info = train_policy("quadratic", config=cfg, progress=False, target_rmse=target,
                               validation=vset, optimizer=opt, stop_at_target=True,
                               max_seconds=cap)
        rows[name] = {"seconds_to_target": info["seconds_to_target"],
                      "train_seconds": info["train_seconds"], "steps": info["steps"],
                      "steps_per_second": info["steps_per_second"],
                      "final_rel_rmse": info["curve"][-1][2]}
    return rows


def bench_nuts(*, chains: int, warmup: int, draws: int) -> dict:
    from nestlab import diagnostics as D
    from nestlab.actors.experiments import reference_data
    from nestlab.actors.inference import fit

    data = reference_data()
    rows = {}
    for lik in ("marginal", "latent"):
        t0 = time.perf_counter()
        idata = fit(data["stimuli"], data["responses"], cost="quadratic", likelihood=lik,
                    fixed={"sigma": 0.2}, chains=chains, warmup=warmup, draws=draws, seed=0)
        total = time.perf_counter() - t0
        secs = float(idata.posterior.attrs["sampling_seconds"])
        conv = D.convergence(idata)
        rows[lik] = {"sampling_seconds": secs, "fit_seconds": total,
                     "min_ess_bulk": conv.min_ess_bulk,
                     "ess_per_second": D.ess_per_second(idata, secs),
                     "divergences": conv.n_divergent}
    return rows


def bench_recovery(*, sizes: tuple[int, ...], n_single: int, warmup: int, draws: int) -> dict:
    """Recovery study wall time: one compiled, vmapped NUTS vs a fresh ``fit`` per data set."""
    from nestlab.actors.inference import fit
    from nestlab.actors.recovery import recovery_study, simulate_datasets

    rows = {}
    for n in sizes:
        t0 = time.perf_counter()
        rec = recovery_study(n, warmup=warmup, draws=draws)
        total = time.perf_counter() - t0
        rows[f"vmapped, {n} data sets"] = {"seconds": total, "seconds_per_dataset": total / n,
                                           "coverage90_mu0": rec.coverage90["mu0"]}
    truth, S, R = simulate_datasets(n_single)
    t0 = time.perf_counter()
    for i in range(n_single):
        fit(S[i], R[i], cost="quadratic", fixed={"sigma": float(truth["sigma"][i])}, chains=1,
            warmup=warmup, draws=draws, seed=i, prior_draws=10)
    total = time.perf_counter() - t0
    rows[f"fit() per data set, {n_single} data sets"] = {"seconds": total,
                                                         "seconds_per_dataset": total / n_single}
    return rows


def _table(title: str, rows: dict, cols: list[str]) -> None:
    print(f"\n{title}")
    print(f"{'':48s}" + "".join(f"{c:>20s}" for c in cols))
    for name, r in rows.items():
        cells = []
        for c in cols:
            if c not in r:
                cells.append(f"{'-':>20}")
                continue
            v = r[c]
            cells.append(f"{'not reached' if v is None else (f'{v:.4g}' if isinstance(v, float) else v):>20}")
        print(f"{name:48s}" + "".join(cells))


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes (a smoke run)")
    ap.add_argument("--baseline-seconds", type=float, default=120.0)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    q = args.quick
    train = bench_training(target=0.01, max_steps=500 if q else 3000,
                           baseline_seconds=10.0 if q else args.baseline_seconds,
                           n_val=2000 if q else 10_000)
    _table("Policy training to 1% relative RMSE (quadratic; 2 shared CPU cores, "
           f"{args.threads} torch thread(s))", train,
           ["seconds_to_target", "steps", "steps_per_second", "final_rel_rmse"])
    a, b = train.values()
    if a["seconds_to_target"] is not None:
        if b["seconds_to_target"] is not None:
            print(f"ratio reference/nestlab time to 1%: {b['seconds_to_target'] / a['seconds_to_target']:.1f}x")
        else:
            print(f"ratio reference/nestlab time to 1%: > {b['train_seconds'] / a['seconds_to_target']:.1f}x "
                  f"(reference stopped at {b['train_seconds']:.0f} s with {b['final_rel_rmse']:.2%})")
    nuts = bench_nuts(chains=4, warmup=300 if q else 1000, draws=300 if q else 2000)
    _table("NUTS, reference data (60 trials), closed-form policy, same data and draws", nuts,
           ["sampling_seconds", "min_ess_bulk", "ess_per_second", "divergences"])
    print(f"ratio ESS/s marginal/latent: "
          f"{nuts['marginal']['ess_per_second'] / nuts['latent']['ess_per_second']:.2f}x")
    rec = bench_recovery(sizes=(10,) if q else (20, 100), n_single=2 if q else 4,
                         warmup=200 if q else 500, draws=200 if q else 1000)
    _table("Recovery study (quadratic, marginal, 1 chain per data set)", rec,
           ["seconds", "seconds_per_dataset", "coverage90_mu0"])
    vm = [r for k, r in rec.items() if k.startswith("vmapped")][-1]
    single = [r for k, r in rec.items() if k.startswith("fit()")][0]
    print(f"ratio per-data-set time fit()/vmapped: "
          f"{single['seconds_per_dataset'] / vm['seconds_per_dataset']:.1f}x")


if __name__ == "__main__":
    main()
