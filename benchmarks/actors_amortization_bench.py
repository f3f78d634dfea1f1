"""Amortized vs non-amortized inverse inference: the network against a solver inside NUTS.

The seed's computational claim (Straub et al. 2025, arXiv 2409.03710; spec Sec. 6, "Amortized
vs non-amortized"): the policy network replaces an inner numerical optimisation of the optimal
action a* inside inference. This benchmark samples the same posterior (the model of ``fit``:
``nestlab.actors.likelihood.make_model``, marginal likelihood with 24 Gauss–Hermite nodes,
sigma fixed) with the same NUTS (numpyro's, through ``nestlab.actors.sampler.batched_nuts``,
chains vmapped), same data, seed, warm-up and draws, with a* from, in one run:

* ``network``: the amortized policy network (``fit(policy="network")``, cached weights);
* ``solver/exact``: a* solved numerically inside every log-density evaluation
  (``fit(policy="solver")``, :mod:`nestlab.actors.solver`: Newton on the first-order condition,
  whose expectation is exact in normal CDFs for this cost, implicit differentiation). The cost
  is homogeneous, so the solve runs once per distinct (sd_post, sigma_r, alpha), i.e. once per
  log-density evaluation;
* ``solver/quadrature``: the same, with the expectation by rotated Gauss–Hermite x
  Gauss–Legendre quadrature (the generic numerical solver, ``--quad-nodes`` nodes), once per
  evaluation (homogeneity used);
* ``solver/quadrature/element`` (unless ``--no-per-element``): the generic solver at every
  (trial, marginal-likelihood node), as an inner optimiser that cannot use homogeneity (a
  non-homogeneous cost) must — the baseline the seed's claim is about.

Cost family: ``asymmetric_quadratic`` (no closed form for a*; linex is the other candidate, but
its expected cost under log-normal noise is formally infinite, see nestlab.actors.policy).

Printed per fit: compilation and sampling seconds (timed apart: the program is lowered and
compiled, then run), minimum bulk / tail ESS over the parameters, ESS/s with and without the
compilation, the convergence gate (r-hat <= 1.01, bulk and tail ESS >= 400, no divergences), and
the milliseconds per log-density value-and-gradient evaluation (jitted, timed alone). Then the ratios network / solver, and the agreement of the posteriors
(``nestlab.actors.experiments.posterior_agreement``: means within Monte-Carlo error, ``z``;
mean difference in posterior sds; ratio of posterior sds). Accuracy of the two policies at the
truth is printed too (network and solver vs nestlab's numpy reference solver).

Timings include JAX compilation and come from a shared 2-core machine: the core count and load
average are printed at the start and at the end; read the ratios as indicative.

Measured once (default sizes, 2 shared cores, load average 2.3-4.0 from other jobs): all four
fits pass the gate; min bulk ESS/s network 53.8 (104 sampling only), solver/exact 42.4 (155),
solver/quadrature 6.75 (9.1), solver/quadrature/element 0.625 (0.647): ratios 1.3x, 8.0x and
86x with compilation (0.67x, 11x, 161x sampling only); posterior means within 0.07 posterior
sds, sds within 3%. Indicative only: the last fit ran 21 min under the heaviest load.

Run: ``python -m benchmarks.actors_amortization_bench [--quick] [--trials 60 --chains 4
--warmup 500 --draws 500]``; the per-element fit dominates the run time.
"""

from __future__ import annotations

import argparse
import os
import time

COST = "asymmetric_quadratic"
N_NODES = 24  # Gauss-Hermite nodes of the marginal likelihood (fit's default)
TRUTH = {"sigma": 0.2, "sigma0": 0.15, "mu0": 1.5, "sigma_r": 0.1, "alpha": 0.7}


def _machine() -> str:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return f"{cores} usable CPU core(s) (os.cpu_count()={os.cpu_count()}), load average {load}"


def simulate_data(n_trials: int, seed: int):
    """The reference design (spec Sec. 5) with the asymmetric cost: s ~ U(0.1, 5)."""
    import numpy as np

    from nestlab.actors import ActorParams, simulate

    rng = np.random.default_rng(seed)
    s = rng.uniform(0.1, 5.0, n_trials)
    p = ActorParams(TRUTH["sigma"], TRUTH["sigma0"], TRUTH["mu0"], TRUTH["sigma_r"])
    return simulate(s, p, cost=COST, cost_params={"alpha": TRUTH["alpha"]}, seed=seed)


def policy_accuracy(data, network, solvers: dict) -> dict:
    """Max relative error of the network and each solver vs nestlab's numpy solver at the truth."""
    import jax.numpy as jnp
    import numpy as np

    from nestlab.actors.bridge import jax_forward
    from nestlab.actors.models import ActorParams, optimal_action, posterior
    from nestlab.actors.solver import solver_action

    x, _ = np.polynomial.hermite_e.hermegauss(24)
    m = (data["stimuli"][:, None] * np.exp(TRUTH["sigma"] * x)).ravel()
    p = ActorParams(TRUTH["sigma"], TRUTH["sigma0"], TRUTH["mu0"], TRUTH["sigma_r"])
    ref = optimal_action(COST, m, p, {"alpha": TRUTH["alpha"]})
    post = posterior(m, p)
    theta = {k: jnp.full(m.shape, v, jnp.float32) for k, v in TRUTH.items()}
    net = np.asarray(jax_forward(network, jnp.asarray(m, jnp.float32), theta))
    out = {"network": float(np.max(np.abs(net / ref - 1)))}
    for name, opts in solvers.items():
        sol = np.asarray(solver_action(COST, jnp.asarray(post.mu, jnp.float32),
                                       jnp.float32(post.sd), jnp.float32(TRUTH["sigma_r"]),
                                       {"alpha": jnp.float32(TRUTH["alpha"])}, options=opts))
        out[name] = float(np.max(np.abs(sol / ref - 1)))
    out["n_points"] = int(m.size)
    return out


def build_model(data, policy: str, network):
    """The fit's numpyro model (``likelihood.make_model``) and its spec, sigma fixed."""
    from nestlab.actors.costs import get_cost
    from nestlab.actors.likelihood import (
        FitSpec,
        check_fixed,
        check_per_condition,
        make_model,
        parameter_names,
        resolve_policy,
    )

    fam = get_cost(COST)
    net, box = resolve_policy(policy, fam, network)
    pc = check_per_condition(None, fam)
    fx = check_fixed({"sigma": TRUTH["sigma"]}, fam, box, 1, pc)
    free = tuple(p for p in parameter_names(fam) if p not in fx)
    spec = FitSpec(fam, policy, "marginal", free, fx, 1, box, N_NODES, pc)
    return make_model(spec, net), spec


def _args(data):
    import jax.numpy as jnp

    return (jnp.asarray(data["stimuli"], jnp.float32),
            jnp.zeros(len(data["stimuli"]), jnp.int32),
            jnp.asarray(data["responses"], jnp.float32))


def gradient_seconds(data, policy: str, network, *, repeats: int) -> float:
    """Seconds per jitted potential-energy value-and-gradient evaluation (the NUTS inner loop)."""
    import jax
    import jax.numpy as jnp
    import numpy as np
    from numpyro.infer.util import initialize_model

    model, _ = build_model(data, policy, network)
    info = initialize_model(jax.random.PRNGKey(0), model, model_args=_args(data))
    z = info.param_info.z
    vg = jax.jit(jax.value_and_grad(info.potential_fn))
    jax.block_until_ready(vg(z))
    rng = np.random.default_rng(0)
    zs = [{k: v + 0.01 * jnp.asarray(rng.standard_normal(np.shape(v)), v.dtype)
           for k, v in z.items()} for _ in range(repeats)]
    t0 = time.perf_counter()
    for zi in zs:
        jax.block_until_ready(vg(zi))
    return (time.perf_counter() - t0) / repeats


def run_nuts(data, policy: str, network, *, chains: int, warmup: int, draws: int, seed: int):
    """NUTS on the fit's model, chains vmapped (``sampler.batched_nuts``), compile timed apart.

    Returns ``(idata, compile seconds, sampling seconds)``.
    """
    import jax
    import jax.numpy as jnp
    import numpy as np

    from nestlab.actors.likelihood import start_values
    from nestlab.actors.sampler import batched_nuts
    from nestlab.diagnostics import to_inference_data

    model, spec = build_model(data, policy, network)
    args = _args(data)
    start = start_values(spec, args[2])
    run = batched_nuts(model, args, warmup=warmup, draws=draws, target_accept=0.85,
                       init=lambda s, c, r: start)
    keys = jax.random.split(jax.random.PRNGKey(seed), chains)
    batched = tuple(jnp.broadcast_to(a, (chains,) + a.shape) for a in args)
    t0 = time.perf_counter()
    compiled = run.lower(keys, *batched).compile()
    t1 = time.perf_counter()
    out, div = compiled(keys, *batched)
    jax.block_until_ready(out)
    t2 = time.perf_counter()
    post = {k: np.asarray(out[k]) for k in spec.free}
    idata = to_inference_data(posterior=post, sample_stats={"diverging": np.asarray(div)})
    return idata, t1 - t0, t2 - t1


def bench(args) -> dict:
    """Run every fit and measurement; returns the rows and the agreement tables."""
    from nestlab import diagnostics as D
    from nestlab.actors.bridge import export_policy
    from nestlab.actors.experiments import posterior_agreement
    from nestlab.actors.policy import load_policy
    from nestlab.actors.solver import SolverOptions

    data = simulate_data(args.trials, args.seed)
    pol = load_policy(COST, progress=False)
    print(f"network: cache hit {pol.cache_hit}, validation relative RMSE "
          f"{pol.info['validation']['relative_rmse']:.4f} (vs nestlab's numerical solver)")
    exported = export_policy(pol)
    nt, nd = args.quad_nodes
    quad = SolverOptions(expectation="quadrature", n_t=nt, n_d=nd)
    variants = {"network": ("network", exported),
                "solver/exact": ("solver", SolverOptions()),
                "solver/quadrature": ("solver", quad)}
    if args.per_element:
        variants["solver/quadrature/element"] = ("solver", quad._replace(per_element=True))
    acc = policy_accuracy(data, exported, {k: v[1] for k, v in variants.items()
                                           if k != "network"})
    print(f"max relative error of a* at the truth on the {acc.pop('n_points')} (trial, node) "
          "points, vs nestlab's numpy solver (costs.py/models.py, itself ~2e-5): "
          + ", ".join(f"{k} {v:.2e}" for k, v in acc.items()))
    rows, fits = {}, {}
    for name, (policy, net) in variants.items():
        g = gradient_seconds(data, policy, net, repeats=args.grad_repeats)
        idata, comp, samp = run_nuts(data, policy, net, chains=args.chains, warmup=args.warmup,
                                     draws=args.draws, seed=args.seed)
        conv = D.convergence(idata)
        rows[name] = {"compile_s": comp, "sample_s": samp, "wall_s": comp + samp,
                      "min_ess_bulk": conv.min_ess_bulk, "min_ess_tail": conv.min_ess_tail,
                      "ess_per_s": conv.min_ess_bulk / (comp + samp),
                      "ess_per_s_sampling": conv.min_ess_bulk / samp,
                      "grad_ms": 1e3 * g, "max_rhat": conv.max_rhat,
                      "divergent": conv.n_divergent, "converged": conv.ok}
        fits[name] = idata
        print(f"  done {name}: {comp + samp:.1f} s ({_machine()})", flush=True)
    agree = {name: posterior_agreement(fits["network"], fits[name])
             for name in fits if name != "network"}
    return {"rows": rows, "agreement": agree}


def _print(res: dict) -> None:
    rows = res["rows"]
    cols = ["compile_s", "sample_s", "wall_s", "min_ess_bulk", "min_ess_tail", "ess_per_s",
            "ess_per_s_sampling", "grad_ms", "max_rhat", "divergent", "converged"]
    width = max(len(k) for k in rows) + 2
    print("\n" + "fit".ljust(width) + " ".join(f"{c:>18}" for c in cols))
    for name, r in rows.items():
        cells = [f"{r[c]:>18.4g}" if isinstance(r[c], float) else f"{str(r[c]):>18}"
                 for c in cols]
        print(name.ljust(width) + " ".join(cells))
    net = rows["network"]
    print("\nratios network / solver (goal >= 100x in ESS/s):")
    for name, r in rows.items():
        if name == "network":
            continue
        print(f"  vs {name}: ESS/s {net['ess_per_s'] / r['ess_per_s']:.2f}x (compilation "
              f"included), {net['ess_per_s_sampling'] / r['ess_per_s_sampling']:.2f}x "
              f"(sampling only); wall time {r['wall_s'] / net['wall_s']:.2f}x; seconds per "
              f"gradient {r['grad_ms'] / net['grad_ms']:.2f}x")
        if not (r["converged"] and net["converged"]):
            print("    (a fit missed the convergence gate: r-hat <= 1.01, bulk/tail ESS >= 400, "
                  "no divergences; its ESS/s is not a reliable figure)")
    for name, tab in res["agreement"].items():
        print(f"\nposterior agreement, a = network, b = {name}:")
        tab = tab.assign(sd_ratio=tab["sd_b"] / tab["sd_a"])
        print(tab[["mean_a", "mean_b", "sd_a", "sd_b", "z", "mean_diff_in_sd",
                   "sd_ratio"]].to_string(float_format=lambda x: f"{x:.4g}"))
        print(f"  max |z| {tab['z'].abs().max():.2f}, max |mean difference| "
              f"{tab['mean_diff_in_sd'].abs().max():.3f} posterior sds, sd ratio "
              f"{tab['sd_ratio'].min():.3f}..{tab['sd_ratio'].max():.3f}")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true",
                    help="smoke sizes: 30 trials, 2 chains, 100 + 100 draws")
    ap.add_argument("--trials", type=int, default=60, help="trials in the data set")
    ap.add_argument("--chains", type=int, default=4, help="NUTS chains")
    ap.add_argument("--warmup", type=int, default=500, help="warm-up iterations per chain")
    ap.add_argument("--draws", type=int, default=500, help="draws per chain")
    ap.add_argument("--seed", type=int, default=0, help="data and sampler seed")
    ap.add_argument("--grad-repeats", type=int, default=200,
                    help="gradient evaluations timed per policy")
    ap.add_argument("--quad-nodes", type=int, nargs=2, default=(8, 6), metavar=("NT", "ND"),
                    help="quadrature solver's Gauss-Hermite nodes in t and Gauss-Legendre "
                         "nodes per segment in d (8 6: max relative error of a* ~2e-3 on the "
                         "training box, below the network's ~4e-3 relative RMSE)")
    ap.add_argument("--no-per-element", dest="per_element", action="store_false",
                    help="skip the per-(trial, node) solver fit")
    args = ap.parse_args(argv)
    if args.quick:
        args.trials, args.chains, args.warmup, args.draws = 30, 2, 100, 100
        args.grad_repeats = 20
    from nestlab import checks

    for k in ("trials", "chains", "warmup", "draws", "grad_repeats"):
        checks.integer(k, getattr(args, k), min=1)
    for v in args.quad_nodes:
        checks.integer("quad_nodes", v, min=1, max=200)
    checks.integer("seed", args.seed, min=0)
    print(f"amortization benchmark, cost {COST}, truth {TRUTH} (sigma fixed); "
          f"{args.trials} trials, {args.chains} vmapped chains x ({args.warmup} warm-up + {args.draws} "
          f"draws), marginal likelihood (24 Gauss-Hermite nodes), seed {args.seed}")
    print(f"machine at start: {_machine()}")
    t0 = time.perf_counter()
    res = bench(args)
    _print(res)
    print(f"\ntotal {time.perf_counter() - t0:.0f} s; machine at end: {_machine()}")


if __name__ == "__main__":
    main()
