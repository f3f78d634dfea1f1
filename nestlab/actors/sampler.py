"""One compiled, vmapped NUTS driver for every batched study (spec Sec. 6).

numpyro's functional NUTS (``numpyro.infer.hmc.hmc`` with a potential from
``initialize_model(..., dynamic_args=True)``) is a pure JAX function of the data, so it is
``jax.vmap``-ed over many data sets (or chains) of equal shape and compiled once. The recovery
study, the cost-family comparison and the hierarchical fit all run through
:func:`batched_nuts`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from nestlab import checks

__all__ = ["EXTRA_FIELDS", "batched_nuts", "over_devices", "sample_stats"]

#: numpyro's per-draw sampler fields and their ArviZ ``sample_stats`` names
EXTRA_FIELDS = {"diverging": "diverging", "num_steps": "n_steps", "accept_prob": "acceptance_rate",
                "energy": "energy"}


def batched_nuts(model: Callable[..., Any], example_args: tuple, *, warmup: int, draws: int,
                 target_accept: float = 0.85, init: Callable[..., dict] | None = None,
                 post: Callable[..., Any] | None = None, dense_mass: bool = False,
                 max_tree_depth: int = 10, stats: bool = False, batch: str = "vmap",
                 map_batch: int = 1):
    """``run(keys, *args)``: NUTS on every row of the batched ``args``, jitted and vmapped.

    Args:
        model: a numpyro model ``model(*args)`` (data only; no keyword arguments).
        example_args: one row of ``args`` (shapes only matter: the potential is traced with
            them and re-used for every row).
        warmup, draws: iterations per row (one chain each).
        target_accept: NUTS target acceptance probability.
        init: ``init(*args) -> {site: constrained value}`` starting point (sites it leaves
            out start at one fixed prior draw).
        post: ``post(samples, *args)`` applied to the constrained draws of one row (e.g.
            pointwise log-likelihoods); its output is returned instead of the samples.
        dense_mass: adapt a dense mass matrix (for correlated posteriors).
        max_tree_depth: NUTS tree depth limit.
        stats: return the sampler statistics ``{"diverging", "num_steps", "accept_prob",
            "energy"}`` (each ``(rows, draws)``) in place of ``diverging`` alone.
        batch: how the rows are run: ``"vmap"`` (default: jitted and vmapped, all rows in
            lockstep), ``"map"`` (jitted ``lax.map``: one row after the other in one program,
            which compiles like a single row and wastes no NUTS steps on the slowest row) or
            ``"none"`` (the plain, unjitted one-row function ``run(key, *args)``, for a caller
            that puts more work into the same compiled program, as ``fit`` does).
        map_batch: with ``batch="map"``, rows run this many at a time in lockstep (vmapped
            within ``lax.map``; 1: one by one).

    Returns:
        a function ``run(keys, *args) -> (out, diverging)`` with ``out`` the
        constrained samples (``{site: (rows, draws, ...)}``) or ``post``'s output, and
        ``diverging`` ``(rows, draws)`` (or the dict of ``stats``).
    """
    import jax
    from numpyro.infer.hmc import hmc

    potential_fn, postprocess_fn = _potential(model, example_args)
    init_kernel, sample_kernel = hmc(potential_fn_gen=potential_fn, algo="NUTS")

    def one(key, *args):
        z0 = _unconstrain(model, args, {} if init is None else init(*args))
        state = init_kernel(z0, num_warmup=warmup, model_args=args, rng_key=key,
                            target_accept_prob=target_accept, dense_mass=dense_mass,
                            max_tree_depth=max_tree_depth)

        def body(st, _):
            st = sample_kernel(st, model_args=args)
            return st, (st.z, (st.diverging, st.num_steps, st.accept_prob, st.energy))

        # one scan over warm-up and draws: the NUTS kernel is traced (and compiled) once
        _, (zs, st) = jax.lax.scan(body, state, None, length=warmup + draws)
        zs = {k: v[warmup:] for k, v in zs.items()}
        st = tuple(v[warmup:] for v in st)
        samples = jax.vmap(postprocess_fn(*args))(zs)
        out = samples if post is None else post(samples, *args)
        if stats:
            return out, dict(zip(("diverging", "num_steps", "accept_prob", "energy"), st,
                                 strict=True))
        return out, st[0]

    checks.choice("batch", batch, ("vmap", "map", "none"))
    map_batch = checks.integer("map_batch", map_batch, min=1)
    if batch == "none":
        return one
    if batch == "map":
        return jax.jit(lambda keys, *args: jax.lax.map(
            lambda a: one(*a), (keys, *args), batch_size=None if map_batch == 1 else map_batch))
    return jax.jit(jax.vmap(one))


def sample_stats(extra: Any) -> dict[str, Any]:
    """ArviZ ``sample_stats`` of the :data:`EXTRA_FIELDS` of a fit, as numpy arrays.

    ``extra``: ``{numpyro field: (chain, draw) array}`` — what ``batched_nuts(stats=True)``
    returns and ``MCMC.get_extra_fields(group_by_chain=True)`` gives for
    ``extra_fields=tuple(EXTRA_FIELDS)``.
    """
    return {name: np.asarray(extra[field]) for field, name in EXTRA_FIELDS.items()}


def over_devices(fn: Callable[..., Any], n_rows: int, *, in_specs: Any = None
                 ) -> tuple[Callable[..., Any], int]:
    """``(jitted fn, devices)``: ``fn``'s rows split evenly over JAX's CPU host devices.

    ``jax.shard_map`` under ``jit`` (kept by the persistent compilation cache, unlike ``pmap``)
    over the largest number of local devices that divides ``n_rows`` (the devices come from
    :func:`nestlab.actors.configure`), so both cores of the machine work on one study; with one
    device it is ``jax.jit(fn)``. Each device compiles and runs the same per-block program.

    Args:
        fn: a function whose arguments (every leaf) have ``n_rows`` leading rows, unless
            ``in_specs`` says otherwise.
        n_rows: the number of rows.
        in_specs: shard_map's ``in_specs`` (a ``PartitionSpec`` per argument, ``PartitionSpec()``
            for an argument every device gets whole); default: every argument split by rows.
    """
    import math

    import jax

    n_rows = checks.integer("n_rows", n_rows, min=1)
    n_dev = math.gcd(n_rows, jax.local_device_count())
    if n_dev <= 1:
        return jax.jit(fn), 1
    from jax.sharding import Mesh, PartitionSpec

    mesh = Mesh(np.array(jax.local_devices()[:n_dev]), ("rows",))
    spec = PartitionSpec("rows") if in_specs is None else in_specs
    return jax.jit(jax.shard_map(fn, mesh=mesh, in_specs=spec, out_specs=PartitionSpec("rows"),
                                 check_vma=False)), n_dev


def _potential(model, example_args: tuple):
    """``(potential_fn(*args), postprocess_fn(*args))`` of ``model`` (numpyro, dynamic args).

    The sites' supports are read from an abstract trace (``jax.eval_shape``: nothing is
    executed), so building the sampler costs no eager JAX work. ``numpyro.infer.util.
    initialize_model`` instead runs the model and its gradient eagerly to find a valid start,
    compiling every operation on its own (measured: ~190 small XLA compilations, about 9 CPU
    seconds per fit program on a 60-trial model). It remains the fallback for a model whose
    supports depend on the data or on other sites.
    """
    import jax
    from numpyro import handlers
    from numpyro.distributions.transforms import biject_to
    from numpyro.infer.util import get_potential_fn, initialize_model

    supports: dict = {}
    deterministic: list = []

    def trace(*args):
        tr = handlers.trace(handlers.seed(model, 0)).get_trace(*args)
        for name, site in tr.items():
            if site["type"] == "sample" and not site.get("is_observed", False):
                supports[name] = site["fn"].support
            elif site["type"] == "deterministic":
                deterministic.append(name)
            elif site["type"] not in ("sample", "plate"):
                supports["__unsupported__"] = site["type"]
        return 0.0

    try:
        jax.eval_shape(trace, *example_args)
        static = "__unsupported__" not in supports and not any(
            isinstance(v, jax.core.Tracer) for c in supports.values()
            for v in vars(c).values())
    except Exception:  # noqa: BLE001 - any failure of the shortcut: numpyro's own path
        static = False
    if static:
        inv = {k: biject_to(c) for k, c in supports.items()}
        # deterministic sites (a log-scale prior's parameter, ridge coordinates' mu0 and beta)
        # are only in the draws if postprocess replays the model, as initialize_model does
        return get_potential_fn(model, inv, dynamic_args=True, replay_model=bool(deterministic))
    info = initialize_model(jax.random.PRNGKey(0), model, model_args=example_args,
                            dynamic_args=True)
    return info.potential_fn, info.postprocess_fn


def _unconstrain(model, args, values: dict) -> dict:
    """Constrained starting values -> unconstrained ones (each site's support bijection)."""
    import jax.numpy as jnp
    from numpyro import handlers
    from numpyro.distributions.transforms import biject_to

    tr = handlers.trace(handlers.seed(model, 0)).get_trace(*args)
    out = {}
    for name, site in tr.items():
        if site["type"] != "sample" or site.get("is_observed", False):
            continue
        v = values.get(name, site["value"])
        v = jnp.broadcast_to(jnp.asarray(v, jnp.float32), jnp.shape(site["value"]))
        out[name] = biject_to(site["fn"].support).inv(v)
    return out
