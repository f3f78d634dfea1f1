"""Cost-family comparison with PSIS-LOO (nestlab.actors.compare, spec Sec. 5.5)."""

import arviz as az
import numpy as np
import pytest

from nestlab import diagnostics as D
from nestlab.actors import COSTS, ActorParams, simulate
from nestlab.actors import compare as C


def test_bad_family_names_are_refused_with_the_valid_list():
    with pytest.raises(ValueError, match=r"unknown families\[1\] 'quadratik'; valid choices") as err:
        C.check_families(["quadratic", "quadratik"])
    for name in COSTS:
        assert name in str(err.value)
    with pytest.raises(ValueError, match="empty"):
        C.check_families([])
    with pytest.raises(ValueError, match="a family repeats"):
        C.check_families(["linex", "linex"])
    with pytest.raises(ValueError, match="valid choices"):
        C.comparison_study(["quadratic"], candidates=["quadratic", "nope"])
    with pytest.raises(ValueError, match=r"invalid candidates \[.quadratic.\]: need at least two families"):
        C.comparison_study(["quadratic"], candidates=["quadratic"])
    with pytest.raises(ValueError, match="two_noise"):
        C.design_conditions("three_noise")


def test_designs_and_truths():
    sig, cond = C.design_conditions("two_noise", n_per_condition=5)
    np.testing.assert_allclose(sig, [0.1, 0.2])
    assert cond.tolist() == [0] * 5 + [1] * 5
    sig1, cond1 = C.design_conditions("one_noise", n_per_condition=5, single_sigma=0.15)
    assert sig1.tolist() == [0.15] and cond1.tolist() == [0] * 10  # same number of trials
    tr = C.draw_truths("linex", 500, rng=np.random.default_rng(0))
    lo, hi = COSTS["linex"].priors["c"].box
    assert tr["c"].min() >= lo and tr["c"].max() <= hi
    assert 0.3 < np.median(tr["c"]) < 0.8  # prior median 0.5
    assert tr["mu0"].min() >= 1.0 and tr["mu0"].max() <= 3.0
    tb = C.draw_truths("quadratic_effort", 50, rng=np.random.default_rng(0),
                       truth_box={"beta": (0.5, 0.6)})
    assert tb["beta"].max() <= 0.6
    with pytest.raises(ValueError, match=r"invalid cost_params\['beta'\] 0.2; valid range"):
        C.draw_truths("quadratic_effort", 5, rng=np.random.default_rng(0),
                      truth_box={"beta": (0.2, 0.6)})


def test_simulated_study_is_seeded_and_labelled():
    a = C.simulate_study(["quadratic", "absolute"], 2, n_per_condition=10, seed=3)
    b = C.simulate_study(["quadratic", "absolute"], 2, n_per_condition=10, seed=3)
    assert a.family.tolist() == ["quadratic", "quadratic", "absolute", "absolute"]
    assert a.stimuli.shape == a.responses.shape == (4, 20)
    np.testing.assert_array_equal(a.responses, b.responses)
    assert np.all(a.responses > 0)
    # the two families' actions differ exactly as their closed forms say:
    # absolute exp(mu - sr^2) over quadratic exp(mu + sd^2/2 - 1.5 sr^2) = exp((sr^2 - sd^2)/2)
    t = a.truth[2]
    p = ActorParams(list(a.sigmas), t["sigma0"], t["mu0"], t["sigma_r"])
    q = simulate(a.stimuli[2], p, conditions=a.conditions, cost="quadratic", seed=0)["actions"]
    ab = simulate(a.stimuli[2], p, conditions=a.conditions, cost="absolute", seed=0)["actions"]
    sig = a.sigmas[a.conditions]
    sd2 = sig ** 2 * t["sigma0"] ** 2 / (sig ** 2 + t["sigma0"] ** 2)
    np.testing.assert_allclose(ab / q, np.exp((t["sigma_r"] ** 2 - sd2) / 2), rtol=1e-10)


@pytest.fixture(scope="module")
def effort_study():
    """Data from quadratic + effort with a strong effort term (beta ~ 0.5), both designs.

    Each study carries a worked data set as two extra rows (chains); both designs then have the
    same shape, so the second study reuses the first one's compiled programs.
    """
    kw = dict(candidates=["quadratic", "quadratic_effort"], n_datasets=2, n_per_condition=45,
              truth_box={"beta": (0.5, 0.55)}, warmup=200, draws=300, seed=11, progress=False,
              chains=2)
    out = {}
    for design in ("two_noise", "one_noise"):
        worked = C.simulate_design("quadratic_effort", cost_params={"beta": 0.5}, design=design,
                                   seed=4)
        out[design] = C.comparison_study(["quadratic_effort"], design=design, worked=worked, **kw)
    return out


def test_fit_batch_shapes_and_recovery(effort_study):
    st = effort_study["two_noise"]
    bf = st.fits["quadratic_effort"]
    assert bf.log_likelihood.shape == (2, 2, 300, 90)  # (data set, chain, draw, trial); worked split off
    assert bf.predictive.shape == (2, 2, 300, 90) and np.all(bf.predictive > 0)
    assert bf.diverging.shape == (2, 2, 300) and bf.policy == "analytic"
    assert set(bf.samples) == {"sigma0", "mu0", "sigma_r", "beta"}
    assert np.all(np.isfinite(bf.log_likelihood))
    assert bf.compile_seconds > 0 and bf.run_seconds > 0
    # same shapes and settings: the one-noise study ran the two-noise study's programs
    assert effort_study["one_noise"].fits["quadratic_effort"].compile_seconds < 0.1 * bf.compile_seconds
    assert set(st.seconds.index) == {"quadratic", "quadratic_effort"}
    # chains start apart (init_jitter) but agree on the posterior
    b = bf.samples["beta"]
    assert b.shape == (2, 2, 300)
    assert np.all(np.abs(b[:, 0].mean(axis=1) - b[:, 1].mean(axis=1)) < 0.1)
    for i in range(2):  # beta and mu0 recovered under the two-noise design
        assert abs(bf.samples["beta"][i].mean() - st.data.truth[i]["beta"]) < 0.15
        assert abs(np.log(bf.samples["mu0"][i].mean() / st.data.truth[i]["mu0"])) < 0.5


def test_true_family_wins_where_the_design_separates_it(effort_study):
    """Two noise levels: quadratic (beta = 1) cannot mimic beta ~ 0.5; one level: it can."""
    gaps = {}
    for design, st in effort_study.items():
        t = st.table
        assert len(t) == 4 and set(t["rank"]) == {0, 1}
        gaps[design] = []
        for i in range(2):
            df = t[t["dataset"] == i].set_index("candidate")
            if design == "two_noise":
                assert df.index[0] == "quadratic_effort"
                assert df.loc["quadratic", "elpd_diff"] > 2 * df.loc["quadratic", "dse"]
                assert df.loc["quadratic_effort", "weight"] > 0.9
            gaps[design].append(float(df.loc["quadratic_effort", "elpd"]
                                      - df.loc["quadratic", "elpd"]))
    # one noise level: the intercept shift of beta is absorbed by mu0 (notebook 12's ridge)
    assert max(abs(g) for g in gaps["one_noise"]) < 3.0
    assert min(gaps["two_noise"]) > 5 * max(abs(g) for g in gaps["one_noise"])
    st = effort_study["two_noise"]
    assert list(st.winners) == ["quadratic_effort"] * 2
    cm = C.confusion_matrix(st)
    assert cm.loc["quadratic_effort", "quadratic_effort"] == 2 and cm.to_numpy().sum() == 2
    rates = C.win_rates(st)
    assert rates.loc["quadratic_effort", "win_rate"] == 1.0
    assert rates.loc["quadratic_effort", "median_margin_in_dse"] > 2


def test_worked_fits_and_restrict(effort_study):
    st = effort_study["two_noise"]
    w = st.worked_fits["quadratic_effort"]
    assert w.posterior.sizes["chain"] == 2 and w.log_likelihood["r"].shape == (2, 300, 90)
    assert "r" in w.posterior_predictive
    df = C.compare_families(st.worked_fits)
    assert df.index[0] == "quadratic_effort"
    assert abs(float(w.posterior["beta"].mean()) - 0.5) < 0.15
    sub = C.restrict(st, ["quadratic", "quadratic_effort"], families=["quadratic_effort"])
    assert list(sub.winners) == list(st.winners)
    with pytest.raises(ValueError, match="at least two"):
        C.restrict(st, ["quadratic"])
    with pytest.raises(ValueError, match=r"unknown candidates\[1\] 'linex'; valid choices"):
        C.restrict(st, ["quadratic", "linex"])


def test_full_fits_compare_and_latent_refusal():
    rng = np.random.default_rng(2)
    s = rng.uniform(0.1, 5.0, 60)
    cond = np.repeat([0, 1], 30)
    sim = simulate(s, ActorParams([0.1, 0.2], 0.2, 1.5, 0.15), cost="quadratic_effort",
                   cost_params={"beta": 0.5}, conditions=cond, seed=3)
    fits = C.fit_families(s, sim["responses"], families=["quadratic", "quadratic_effort"],
                          conditions=cond, fixed={"sigma": [0.1, 0.2]}, chains=2, warmup=200,
                          draws=200, progress=False)
    df = C.compare_families(fits)
    assert df.index[0] == "quadratic_effort" and list(df["rank"]) == [0, 1]
    assert set(df.columns) >= {"elpd", "se", "elpd_diff", "dse", "weight", "warning"}
    assert fits["quadratic"].log_likelihood["r"].shape == (2, 200, 60)
    # a latent-likelihood fit is refused (its log-likelihood is conditional on m_i)
    lat = D.to_inference_data(posterior={"mu0": np.ones((1, 5))},
                              log_likelihood={"r": np.zeros((1, 5, 60))},
                              observed_data={"r": sim["responses"]},
                              attrs={"likelihood": "latent"})
    with pytest.raises(ValueError, match="latent"):
        C.check_loo_ready(lat)
    short = D.to_inference_data(posterior={"mu0": np.ones((1, 5))},
                                log_likelihood={"r": np.zeros((1, 5))},
                                observed_data={"r": sim["responses"]})
    with pytest.raises(ValueError, match="one value per trial"):
        C.check_loo_ready(short)


def test_gates_accuracy_and_exclusion(effort_study):
    st = effort_study["two_noise"]
    g = st.gates
    assert len(g) == 4 and set(g["candidate"]) == {"quadratic", "quadratic_effort"}
    assert set(g.columns) >= {"dataset", "max_rhat", "min_ess_bulk", "min_ess_tail", "divergences",
                              "converged"}
    # the gate is the one of nestlab.diagnostics.convergence on the same draws
    for c, bf in st.fits.items():
        for i in range(2):
            idata = C.batch_to_inference_data(bf, i, stimuli=st.data.stimuli[i],
                                              responses=st.data.responses[i],
                                              conditions=st.data.conditions, sigmas=st.data.sigmas)
            ref = D.convergence(idata)  # az.summary: r_hat to 2 decimals, ESS to integers
            row = g[(g["candidate"] == c) & (g["dataset"] == i)].iloc[0]
            rhat = max(float(v) for v in az.rhat(idata.posterior).data_vars.values())
            np.testing.assert_allclose(row["max_rhat"], rhat, rtol=1e-9)
            np.testing.assert_allclose(row["max_rhat"], ref.max_rhat, atol=0.005)
            np.testing.assert_allclose(row["min_ess_tail"], ref.min_ess_tail, atol=0.5)
            np.testing.assert_allclose(row["min_ess_bulk"], ref.min_ess_bulk, atol=0.5)
            one = C.fit_convergence({"x": idata}).loc["x"]
            assert one["converged"] == row["converged"]
            np.testing.assert_allclose(one["max_rhat"], row["max_rhat"], rtol=1e-9)
    assert st.converged.tolist() == [bool(g[g["dataset"] == i]["converged"].all())
                                     for i in range(2)]
    assert st.table["converged"].dtype == bool
    acc = C.accuracy(st)
    assert acc.n_total == 2 and acc.n + acc.n_excluded == 2 and acc.chance == 0.5
    # a data set with an unconverged candidate fit is excluded from the accuracy
    forced = st._replace(converged=np.array([True, False]))
    a1 = C.accuracy(forced)
    assert (a1.n, a1.n_excluded, a1.k) == (1, 1, 1) and a1.accuracy == 1.0
    none = C.accuracy(st._replace(converged=np.array([False, False])))
    assert none.n == 0 and np.isnan(none.accuracy) and np.isnan(none.low)
    # a strict gate fails every fit
    strict = C.batch_convergence(st.fits["quadratic"], ess_min=1e9)
    assert not strict["converged"].any()
    html = C.style_gates(strict).to_html()
    css = html.split("</style>")[0]
    assert "#f8d7da" in css and all(f"row{i}_col0" in css for i in range(len(strict)))  # red rows
    ok = C.style_gates(strict.assign(converged=True)).to_html()
    assert "#f8d7da" not in ok
    with pytest.raises(ValueError, match="unknown column 'ok'"):
        C.style_gates(strict, column="ok")


def test_wilson_interval():
    lo, hi = C.wilson_interval(0, 10)
    assert lo == 0 and 0.27 < hi < 0.28  # 0.2775
    lo, hi = C.wilson_interval(5, 10)
    np.testing.assert_allclose([lo, hi], [0.2366, 0.7634], atol=1e-4)
    lo, hi = C.wilson_interval(40, 40, level=0.9)
    assert hi == 1 and 0.93 < lo < 0.94
    with pytest.raises(ValueError, match=r"invalid k 11"):
        C.wilson_interval(11, 10)
    with pytest.raises(ValueError, match=r"invalid n 0"):
        C.wilson_interval(0, 0)
    with pytest.raises(ValueError, match=r"invalid level 1"):
        C.wilson_interval(1, 2, level=1.0)


def test_study_refusals():
    with pytest.raises(ValueError, match="worked_candidates: given without a worked data set"):
        C.comparison_study(["quadratic", "absolute"], worked_candidates=["linex"], progress=False)
    with pytest.raises(ValueError, match=r"unknown policy .exact."):
        C.study_policy("linex", "exact")
    assert C.study_policy("quadratic", "solver") == "analytic"
    assert C.study_policy("absolute_effort", "solver") == "solver"
    with pytest.raises(ValueError, match=r"invalid chains 0"):
        C.fit_batch("quadratic", np.ones((1, 4)), np.ones((1, 4)), conditions=np.zeros(4, int),
                    sigmas=[0.1], chains=0)


def test_notebook_summaries(effort_study):
    """worked_example, gate_summary and gate_record: notebook 14's tables, from the study."""
    st = effort_study["two_noise"]
    w = C.worked_example(st, ["quadratic", "quadratic_effort"], "quadratic_effort")
    assert set(w.fits) == {"quadratic", "quadratic_effort"} and w.winner == "quadratic_effort"
    assert w.runner_up == "quadratic" and w.margin_in_dse > 2
    assert w.ok == all(w.converged.values()) == bool(w.gates["converged"].all())
    assert w.table["converged"].tolist() == [w.converged[f] for f in w.table.index]
    with pytest.raises(ValueError, match="unknown true_family 'absolute'"):
        C.worked_example(st, ["quadratic", "quadratic_effort"], "absolute")
    s = C.gate_summary(st)
    assert list(s.index) == ["quadratic", "quadratic_effort"] and (s["fits"] == 2).all()
    rec = C.gate_record(st)
    assert {c: sum(v) for c, v in rec.items()} == s["n_converged"].to_dict()
    assert s["converged"].tolist() == [all(v) for v in rec.values()]


def test_fit_batch_known_noise_per_data_set_and_no_extras():
    """2-d sigmas: each data set its own known noise (the recovery study); extras=False."""
    data = C.simulate_study(["quadratic"], 2, n_per_condition=20, seed=5)
    sig = np.array([[0.1, 0.2], [0.1, 0.2]])
    kw = dict(conditions=data.conditions, chains=2, warmup=100, draws=100, seed=2)
    a = C.fit_batch("quadratic", data.stimuli, data.responses, sigmas=sig, **kw)
    b = C.fit_batch("quadratic", data.stimuli, data.responses, sigmas=data.sigmas, **kw)
    # the same known noise as data: the same program, the same draws
    np.testing.assert_array_equal(a.samples["mu0"], b.samples["mu0"])
    c = C.fit_batch("quadratic", data.stimuli, data.responses, sigmas=sig, extras=False, **kw)
    assert c.log_likelihood is None and c.predictive is None
    assert c.select([1]).samples["mu0"].shape == (1, 2, 100)
    with pytest.raises(ValueError, match=r"invalid sigmas: shape \(3, 2\)"):
        C.fit_batch("quadratic", data.stimuli, data.responses, sigmas=np.ones((3, 2)), **kw)


def test_fit_batch_returns_a_log_normal_cost_parameter_on_its_own_scale():
    """linex's c is sampled as log_c: the fit returns c itself (the default notebook-14 run
    failed with KeyError 'c' when post-processing read the deterministic site)."""
    from nestlab.actors.bridge import export_policy
    from nestlab.actors.policy import TrainConfig, train_policy

    net, _ = train_policy("linex", config=TrainConfig(n_steps=5, batch=64, n_mc=8, n_val=200,
                                                             eval_every=5, hidden=(8,)),
                          progress=False)
    data = C.simulate_study(["quadratic"], 1, n_per_condition=15, seed=3)
    fit = C.fit_batch("linex", data.stimuli, data.responses, conditions=data.conditions,
                      sigmas=data.sigmas, network=export_policy(net), chains=1, warmup=15, draws=10, seed=1)
    assert "c" in fit.samples and "log_c" not in fit.samples
    c = np.asarray(fit.samples["c"])
    assert c.shape == (1, 1, 10) and np.all((c >= 0.05) & (c <= 1.5))


def test_dataset_explorer_draws_one_data_sets_ranking(effort_study, capsys):
    import matplotlib.pyplot as plt

    show = C.dataset_explorer(effort_study["two_noise"])
    show(1)
    ax = plt.gcf().axes[0]
    assert ax.get_title().startswith("data set 1: true family quadratic_effort")
    assert len(ax.get_yticklabels()) == 2  # the two candidates, ranked
    assert "elpd_diff" in capsys.readouterr().out
    plt.close("all")


def test_ridge_coordinates_in_a_study_sample_the_same_posterior(effort_study):
    """reparam="ridge": the one-noise study's effort family is sampled in ridge coordinates,
    the quadratic family (no ridge partner) as before; same data, same posterior."""
    kw = dict(candidates=["quadratic", "quadratic_effort"], n_datasets=2, n_per_condition=45,
              truth_box={"beta": (0.5, 0.55)}, warmup=200, draws=300, seed=11, progress=False,
              chains=2)
    worked = C.simulate_design("quadratic_effort", cost_params={"beta": 0.5}, design="one_noise",
                               seed=4)
    ridge = C.comparison_study(["quadratic_effort"], design="one_noise", worked=worked,
                               reparam="ridge", **kw)
    plain = effort_study["one_noise"]
    np.testing.assert_array_equal(ridge.data.responses, plain.data.responses)
    assert ridge.seconds["reparam"].to_dict() == {"quadratic": "none", "quadratic_effort": "ridge"}
    assert ridge.fits["quadratic_effort"].reparam == "ridge"
    assert plain.fits["quadratic_effort"].reparam == "none"
    # the quadratic family's fits are not touched: the same program, the same draws
    np.testing.assert_array_equal(ridge.fits["quadratic"].samples["mu0"],
                                  plain.fits["quadratic"].samples["mu0"])
    a, b = plain.fits["quadratic_effort"].samples, ridge.fits["quadratic_effort"].samples
    for k in ("beta", "mu0", "sigma0", "sigma_r"):
        x, y = a[k].reshape(2, -1), b[k].reshape(2, -1)
        sd = x.std(axis=1)
        assert np.all(np.abs(x.mean(axis=1) - y.mean(axis=1)) < 0.5 * sd), k
    with pytest.raises(ValueError, match=r"unknown one_noise_reparam 'rotate'"):
        C.design_comparison(plain, ["quadratic", "quadratic_effort"], n_datasets=1,
                            one_noise_reparam="rotate")


def test_fit_batch_reparam_refusals():
    S, R = np.ones((1, 4)), np.ones((1, 4))
    kw = dict(conditions=np.zeros(4, int), sigmas=[0.1], chains=1, warmup=5, draws=5)
    with pytest.raises(ValueError, match=r"invalid reparam 'ridge' for cost 'quadratic'"):
        C.fit_batch("quadratic", S, R, reparam="ridge", **kw)
    with pytest.raises(ValueError, match=r"unknown reparam 'rotate'"):
        C.fit_batch("quadratic_effort", S, R, reparam="rotate", **kw)
    with pytest.raises(ValueError, match=r"unknown reparam 'rotate'"):
        C.comparison_study(["quadratic", "absolute"], reparam="rotate", progress=False)


def test_fit_batch_rows_mapped_or_in_lockstep_sample_one_posterior():
    """batch="map" (default: each device runs its rows one by one) and "vmap" (lockstep)
    run the same chains; only float rounding of the batched arithmetic differs."""
    data = C.simulate_study(["quadratic"], 2, n_per_condition=20, seed=5)
    kw = dict(conditions=data.conditions, sigmas=data.sigmas, chains=2, warmup=300, draws=1000,
              seed=2, extras=False)
    a = C.fit_batch("quadratic", data.stimuli, data.responses, **kw)
    b = C.fit_batch("quadratic", data.stimuli, data.responses, batch="vmap", **kw)
    for k in ("mu0", "sigma0", "sigma_r"):
        x, y = a.samples[k].reshape(2, -1), b.samples[k].reshape(2, -1)
        assert np.all(np.abs(x.mean(axis=1) - y.mean(axis=1)) < 0.2 * x.std(axis=1)), k
    with pytest.raises(ValueError, match=r"unknown batch 'pmap'"):
        C.fit_batch("quadratic", data.stimuli, data.responses, batch="pmap", **kw)
