"""The vmapped NUTS driver and its split over CPU host devices (nestlab.actors.sampler)."""

import numpy as np
import pytest


def test_over_devices_splits_rows_and_matches_jit():
    import jax
    import jax.numpy as jnp
    from jax.sharding import PartitionSpec as P

    from nestlab.actors.sampler import over_devices

    def fn(x, w):
        return jnp.sin(x) * w.sum()

    x = jnp.arange(12.0).reshape(4, 3)
    w = jnp.ones(5)
    prog, n_dev = over_devices(fn, 4, in_specs=(P("rows"), P()))
    assert n_dev == np.gcd(4, jax.local_device_count())
    np.testing.assert_allclose(prog(x, w), fn(x, w), rtol=1e-6)
    odd, n_odd = over_devices(lambda a: a * 2, 3)
    assert n_odd == np.gcd(3, jax.local_device_count())
    np.testing.assert_allclose(odd(jnp.ones(3)), 2.0)
    with pytest.raises(ValueError, match="invalid n_rows 0"):
        over_devices(fn, 0)


def test_batched_nuts_samples_a_normal():
    import jax
    import jax.numpy as jnp
    import numpyro
    import numpyro.distributions as dist

    from nestlab.actors.sampler import batched_nuts

    def model(mu):
        numpyro.sample("x", dist.Normal(mu, 1.0))

    run = batched_nuts(model, (jnp.zeros(()),), warmup=200, draws=400)
    mus = jnp.array([0.0, 3.0])
    out, div = run(jax.random.split(jax.random.PRNGKey(0), 2), mus)
    x = np.asarray(out["x"])
    assert x.shape == (2, 400) and div.shape == (2, 400)
    np.testing.assert_allclose(x.mean(axis=1), [0.0, 3.0], atol=0.3)
    np.testing.assert_allclose(x.std(axis=1), 1.0, atol=0.25)


def test_draws_carry_the_models_deterministic_sites():
    """A log-scale prior's parameter (``c = exp(log_c)``) is a deterministic site: the draws
    must hold it (inference.fit failed with KeyError 'c' for linex before postprocess replayed
    the model)."""
    import jax
    import jax.numpy as jnp
    import numpyro
    import numpyro.distributions as dist

    from nestlab.actors.sampler import batched_nuts

    def model(y):
        log_c = numpyro.sample("log_c", dist.Normal(0.0, 1.0))
        numpyro.deterministic("c", jnp.exp(log_c))
        numpyro.factor("y", -0.5 * jnp.sum((y - log_c) ** 2))

    y = jnp.array([0.1, -0.2, 0.3])
    prog = batched_nuts(model, (y,), warmup=20, draws=10)
    out = prog(jax.random.split(jax.random.PRNGKey(0), 1), y[None])
    samples = out[0] if isinstance(out, tuple) else out
    np.testing.assert_allclose(np.asarray(samples["c"]), np.exp(np.asarray(samples["log_c"])),
                               rtol=1e-6)
