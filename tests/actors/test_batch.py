"""Batched fits of many data sets and the convergence gate (nestlab.actors.batch)."""

import numpy as np
import pytest

from nestlab.actors import batch as AB


def _ds(n=6, known=None, cond=None):
    s = np.linspace(0.6, 1.4, n)
    return AB.Dataset(s, 0.9 * s, np.zeros(n, np.int32) if cond is None else cond,
                      {"sigma": np.full(n, 0.1)} if known is None else known)


@pytest.mark.parametrize("kwargs, match", [
    ({"datasets": []}, r"datasets"),
    ({"datasets": [("s", "r")]}, r"datasets\[0\]"),
    ({"free": ("mu0", "kappa")}, r"unknown free\[1\] 'kappa'"),
    ({"free": ("mu0", "mu0", "sigma0", "sigma_r", "delta")}, r"a name repeats"),
    ({"datasets": [_ds(known={})]}, r"datasets\[0\].known: missing key\(s\) \['sigma'\]"),
    ({"datasets": [_ds(known={"sigma": np.full(6, 0.9)})]}, r"known\['sigma'\]"),
    ({"datasets": [_ds(known={"sigma": np.full(5, 0.1)})]}, r"known\['sigma'\]"),
    ({"datasets": [_ds(), _ds(cond=np.array([0, 1, 0, 1, 0, 1], np.int32))]},
     r"datasets\[1\]: 2 conditions, datasets\[0\] has 1"),
    ({"chains": 0}, r"chains"),
    ({"target_accept": 1.0}, r"target_accept"),
    ({"reparam": "ridge"}, r"invalid reparam 'ridge' for cost 'offset_quadratic'"),
    ({"reparam": "rotate"}, r"unknown reparam 'rotate'"),
    ({"retries": -1}, r"retries"),
    ({"retries": 9}, r"retries"),
])
def test_fit_datasets_refuses_bad_input_before_compiling(kwargs, match):
    args = {"datasets": [_ds()], "cost": "offset_quadratic",
            "free": ("mu0", "sigma0", "sigma_r", "delta")} | kwargs
    with pytest.raises((ValueError, TypeError), match=match):
        AB.fit_datasets(**args)


@pytest.mark.slow
def test_ridge_coordinates_give_the_same_posterior():
    """Two noise levels, quadratic_effort: reparam="ridge" and "none" sample one posterior.

    Simulated from the closed-form response law (spec Sec. 2); the posterior means of every
    parameter agree within a few Monte-Carlo standard errors, and the ridge fit has no
    divergences.
    """
    from nestlab import diagnostics as D
    from nestlab.actors.models import ActorParams, response_law

    rng = np.random.default_rng(4)
    s = np.tile(np.array([0.8, 1.0, 1.2, 1.4, 1.6]), 24)
    cond = np.repeat(np.array([0, 1], np.int32), 60)
    r = np.empty_like(s)
    for k, sig in enumerate((0.25, 0.1)):
        mean, sd = response_law(s[cond == k], ActorParams(sig, 0.2, 1.3, 0.1), beta=0.85)
        r[cond == k] = np.exp(mean + sd * rng.standard_normal(mean.shape))
    ds = [AB.Dataset(s, r, cond, {})]
    kw = dict(cost="quadratic_effort", free=("sigma", "sigma0", "mu0", "sigma_r", "beta"),
              chains=4, warmup=800, draws=1500, n_nodes=12, target_accept=0.95)
    (plain,), (ridge,) = (AB.fit_datasets(ds, reparam=rp, **kw) for rp in ("none", "ridge"))
    assert ridge.posterior.attrs["reparam"] == "ridge"
    assert int(np.asarray(ridge.sample_stats["diverging"]).sum()) == 0
    a, b = D.posterior_summary(plain), D.posterior_summary(ridge)
    assert list(a.index) == list(b.index)
    # Monte-Carlo error of ~1000 effective draws: a few % of an sd (measured: means within
    # 0.05 sd, 5 % / 95 % quantiles within 0.06 sd; mu0's sd itself differs, 0.19 vs 0.15,
    # because it hangs on a few draws of its long right tail, so quantiles are compared)
    for name in a.index:
        sd = a.loc[name, "sd"]
        for col in ("mean", "q0.05", "q0.95"):
            assert abs(a.loc[name, col] - b.loc[name, col]) < 0.25 * sd, (name, col)


def test_convergence_table_gates_fits_and_shows_stored_records():
    from nestlab.diagnostics import to_inference_data

    rng = np.random.default_rng(0)
    good = to_inference_data(posterior={"mu0": rng.normal(1, 0.1, (4, 1000))},
                             sample_stats={"diverging": np.zeros((4, 1000), bool)})
    stuck = to_inference_data(posterior={"mu0": np.repeat(rng.normal(1, 0.1, (4, 1)), 1000, axis=1)
                                         + rng.normal(0, 1e-3, (4, 1000))},
                              sample_stats={"diverging": np.zeros((4, 1000), bool)})
    record = {"converged": False, "max_rhat": 1.2, "min_ess_bulk": 10.0, "min_ess_tail": 9.0,
              "divergences": 3, "problems": ["r_hat 1.2 > 1.01", "3 divergent"]}
    table = AB.convergence_table({"good": good, "stuck": stuck, "stored": record})
    assert list(table.columns) == list(AB.GATE_COLUMNS) and table.index.name == "fit"
    assert table["converged"].tolist() == [True, False, False]
    assert table.loc["stored", "problems"] == "r_hat 1.2 > 1.01; 3 divergent"
    assert table.loc["stuck", "max_rhat"] > 1.01  # chains stuck apart: computed, not stored
    css = AB.style_convergence(table).to_html().split("</style>")[0]
    assert sum(f"row{i}_col" in css for i in range(3)) == 2  # two red rows
    with pytest.raises(ValueError, match=r"fits\['bad'\]: missing key\(s\)"):
        AB.convergence_table({"bad": {"converged": True}})


def test_gate_arrays_gates_each_data_set_and_each_condition():
    """iid draws pass; a chain shifted in one condition of one data set fails that set only."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((3, 4, 1000, 2))  # (data sets, chains, draws, conditions)
    b = rng.standard_normal((3, 4, 1000))
    a[1, 0, :, 1] += 3.0
    g = AB.gate_arrays({"sigma": a, "mu0": b}, np.array([0, 0, 2]))
    assert g["converged"].tolist() == [True, False, False]
    assert g.loc[1, "max_rhat"] > 1.1 and g.loc[0, "max_rhat"] < 1.01
    assert g.loc[2, "divergences"] == 2
    with pytest.raises(ValueError, match=r"samples\['mu0'\]: shape \(3, 4\)"):
        AB.gate_arrays({"mu0": b[..., 0]}, np.zeros(3))
    with pytest.raises(ValueError, match="samples: empty"):
        AB.gate_arrays({}, np.zeros(3))


def test_retries_refit_exactly_the_failing_data_sets_with_longer_chains():
    """run_batch's retries: a data set that passed its gate keeps its draws bit for bit, each one
    that failed is run again (2x chains, thinned back), and every array keeps its shape."""
    from nestlab.actors import compare as C

    data = C.simulate_study(["quadratic"], 6, n_per_condition=30, seed=11)
    kw = dict(conditions=data.conditions, sigmas=data.sigmas, chains=4, warmup=150, draws=260,
              seed=3, n_nodes=8)
    first = C.fit_batch("quadratic", data.stimuli, data.responses, **kw)
    again = C.fit_batch("quadratic", data.stimuli, data.responses, retries=1, **kw)
    failed = ~C.batch_convergence(first)["converged"].to_numpy()
    assert failed.any() and not failed.all()  # these seeds give both kinds (2 of 6 fail)
    assert first.attempts.tolist() == [1] * 6
    assert (again.attempts == np.where(failed, 2, 1)).all()
    for k, v in first.samples.items():
        assert again.samples[k].shape == v.shape
        np.testing.assert_array_equal(again.samples[k][~failed], v[~failed])
        assert not np.array_equal(again.samples[k][failed], v[failed])
    assert again.log_likelihood.shape == first.log_likelihood.shape
    assert again.predictive.shape == first.predictive.shape
    assert again.diverging.shape == first.diverging.shape
    assert again.select([0]).attempts.shape == (1,)
    # the refitted data sets gain ESS (twice the chain, thinned back to the same draws)
    gain = C.batch_convergence(again)["min_ess_bulk"].to_numpy()[failed]
    assert (gain > C.batch_convergence(first)["min_ess_bulk"].to_numpy()[failed]).all()


def test_fit_datasets_records_the_runs_each_subject_took():
    """fit_datasets passes retries to the driver: chains too short for the gate are refitted
    (2 runs each here, since 2 x 40 draws cannot reach ESS 400) and attrs record it."""
    sets = [_ds(12), _ds(12)]
    kw = dict(cost="quadratic", free=("mu0", "sigma0", "sigma_r"), chains=2, warmup=30,
              draws=40, n_nodes=6, prior_draws=10)
    once = AB.fit_datasets(sets, **kw)
    twice = AB.fit_datasets(sets, retries=1, **kw)
    assert [f.posterior.attrs["attempts"] for f in once] == [1, 1]
    assert [f.posterior.attrs["attempts"] for f in twice] == [2, 2]
    assert twice[0].posterior["mu0"].shape == once[0].posterior["mu0"].shape == (2, 40)
    assert twice[0].log_likelihood["r"].shape == once[0].log_likelihood["r"].shape


def test_length_groups_pad_within_the_ratio():
    lengths = [700, 1565, 1000, 572, 1100, 1565]
    assert AB.length_groups(lengths, 1.0) == [(700, [0]), (1565, [1, 5]), (1000, [2]),
                                              (572, [3]), (1100, [4])]
    # greedy from the longest: >= 1565 / 1.5 = 1043 joins it; then 1000 takes 700 (>= 667)
    assert AB.length_groups(lengths, 1.5) == [(1000, [0, 2]), (1565, [1, 4, 5]), (572, [3])]
    assert AB.length_groups(lengths, 3.0) == [(1565, [0, 1, 2, 3, 4, 5])]
    with pytest.raises(ValueError, match=r"invalid pad_ratio 0.5"):
        AB.length_groups(lengths, 0.5)
    with pytest.raises(ValueError, match=r"pad_ratio"):
        AB.fit_datasets([_ds()], cost="quadratic", free=("mu0", "sigma0", "sigma_r"),
                        pad_ratio=0.9)


def test_unequal_lengths_share_one_padded_program():
    """Two subjects of 14 and 10 trials: padded to one program (pad_ratio 2) they get the
    posterior they get in programs of their own (pad_ratio 1), and their own trial counts."""
    rng = np.random.default_rng(0)
    sets = []
    for n in (14, 10):
        s = rng.uniform(0.6, 1.6, n)
        sets.append(AB.Dataset(s, s * rng.lognormal(-0.1, 0.15, n), np.zeros(n, np.int32),
                               {"sigma": np.full(n, 0.1)}))
    kw = dict(cost="quadratic", free=("mu0", "sigma0", "sigma_r"), chains=2, warmup=300,
              draws=1500, n_nodes=8, prior_draws=10)
    own = AB.fit_datasets(sets, pad_ratio=1.0, **kw)
    shared = AB.fit_datasets(sets, pad_ratio=2.0, **kw)
    assert [f.posterior.attrs["batch_trials"] for f in own] == [14, 10]
    assert [f.posterior.attrs["batch_trials"] for f in shared] == [14, 14]
    assert [f.posterior.attrs["batch_size"] for f in shared] == [2, 2]
    for a, b, ds in zip(own, shared, sets, strict=True):
        assert b.log_likelihood["r"].shape[-1] == ds.s.size
        assert b.posterior_predictive["r"].shape[-1] == ds.s.size
        for k in ("mu0", "sigma_r"):
            x, y = a.posterior[k].values.ravel(), b.posterior[k].values.ravel()
            # 3000 draws each: Monte-Carlo error of a mean a few % of an sd
            assert abs(x.mean() - y.mean()) < 0.2 * x.std(), k
            assert abs(np.log(y.std() / x.std())) < 0.2, k
    # the shorter subject's fit is not the longer one's: padding did not leak data

