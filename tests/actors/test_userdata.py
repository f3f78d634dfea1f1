"""Reading a researcher's trials CSV: refusals name file, line and column; the demo CSV."""

from __future__ import annotations

import numpy as np
import pytest

from nestlab.actors import userdata as u

COLS = {"stimulus_col": "ts", "response_col": "tp", "subject_col": "subject",
        "condition_col": "noise"}


def _csv(tmp_path, text, name="t.csv"):
    p = tmp_path / name
    p.write_text(text)
    return p


GOOD = "subject,noise,ts,tp\na,0.1,1.0,1.1\na,0.2,0.8,0.9\nb,0.1,1.2,1.0\nb,0.2,0.9,1.0\n"


def test_reads_good_file_and_maps_conditions(tmp_path):
    f = u.read_trials(_csv(tmp_path, GOOD), **COLS)
    assert list(f.columns) == ["subject", "condition", "condition_label", "s", "r"]
    assert f["condition"].tolist() == [0, 1, 0, 1]
    assert f.attrs["conditions"] == ("0.1", "0.2")
    np.testing.assert_allclose(f["s"], [1.0, 0.8, 1.2, 0.9])


def test_optional_columns(tmp_path):
    f = u.read_trials(_csv(tmp_path, GOOD), stimulus_col="ts", response_col="tp")
    assert set(f["subject"]) == {"all"} and set(f["condition"]) == {0}


@pytest.mark.parametrize("text, bits", [
    ("", ["t.csv", "empty"]),
    ("subject,noise,ts,tp\n", ["no trials"]),
    ("subject,noise,ts\na,0.1,1.0\n", ["missing column", "'tp'"]),
    ("subject,noise,ts,tp\na,0.1,1.0,1.1\na,0.1,abc,1.0\n", ["line 3", "'ts'", "not a number"]),
    ("subject,noise,ts,tp\na,0.1,1.0,1.1\na,0.1,1.0,\n", ["line 3", "'tp'", "NaN"]),
    ("subject,noise,ts,tp\na,0.1,1.0,1.1\na,0.1,1.0,nan\n", ["line 3", "'tp'", "NaN"]),
    ("subject,noise,ts,tp\na,0.1,-1.0,1.1\na,0.1,1.0,1\n", ["line 2", "'ts'", "not positive"]),
    ("subject,noise,ts,tp\na,0.1,1.0,0\na,0.1,1.0,1\n", ["line 2", "'tp'", "not positive"]),
    ("subject,noise,ts,tp\na,0.1,1.0,inf\na,0.1,1.0,1\n", ["line 2", "'tp'", "not finite"]),
    ("subject,noise,ts,tp\na,0.1,1.0,1.1\n", ["subject 'a'", "1 trial", "at least 2"]),
    ("subject,noise,ts,tp\na,0.1,1.0,1.1\n,0.1,1.0,1.1\n", ["line 3", "'subject'", "empty"]),
])
def test_refusals_name_file_line_column(tmp_path, text, bits):
    p = _csv(tmp_path, text)
    with pytest.raises(ValueError) as e:
        u.read_trials(p, **COLS)
    msg = str(e.value)
    assert str(p) in msg
    for b in bits:
        assert b in msg, (b, msg)


def test_missing_file_and_bad_args(tmp_path):
    with pytest.raises(FileNotFoundError, match="data_path"):
        u.read_trials(tmp_path / "nope.csv", **COLS)
    p = _csv(tmp_path, GOOD)
    with pytest.raises(ValueError, match="stimulus_col"):
        u.read_trials(p, stimulus_col="", response_col="tp")


def test_demo_csv_round_trip_and_seeded(tmp_path):
    t = u.write_demo_csv(tmp_path / "a.csv", seed=3, n_per_condition=10)
    f = u.read_trials(t["path"], **t["columns"])
    assert f.groupby(["subject", "condition"]).size().tolist() == [10] * 6
    assert f.attrs["conditions"] == tuple(str(x) for x in u.DEMO_SIGMAS)
    t2 = u.write_demo_csv(tmp_path / "b.csv", seed=3, n_per_condition=10)
    assert (tmp_path / "a.csv").read_text() == (tmp_path / "b.csv").read_text()
    # the noisier condition shows more central tendency (flatter log-log slope)
    for _, g in f.groupby("subject"):
        slopes = [np.polyfit(np.log(c["s"]), np.log(c["r"]), 1)[0]
                  for _, c in g.groupby("condition")]
        assert slopes[1] < slopes[0] + 0.1
    assert t2["subjects"] == u.DEMO_SUBJECTS


# ------------------------------------------------------------------ notebook 15's study functions


def _idata(post, prior=None, ll=None, cost="quadratic_effort", diverging=None):
    """InferenceData from plain draws, shaped as inference.fit returns them."""
    from nestlab import diagnostics as D

    groups = {}
    if prior is not None:
        groups["prior"] = {k: v[None] for k, v in prior.items()}
    if ll is not None:
        groups["log_likelihood"] = {"r": ll}
        groups["observed_data"] = {"r": np.ones(ll.shape[-1])}
    if diverging is not None:
        groups["sample_stats"] = {"diverging": diverging}
    return D.to_inference_data(posterior=post, attrs={"cost": cost, "likelihood": "marginal"},
                               **groups)


def _ridge_pair(rng, corr, sd_post, n=(4, 500)):
    """log mu0 and log beta draws with a given correlation and posterior sd (log scale)."""
    z1, z2 = rng.standard_normal(n), rng.standard_normal(n)
    a = sd_post * z1
    b = sd_post * (corr * z1 + np.sqrt(1 - corr ** 2) * z2)
    return np.exp(np.log(1.5) + a), np.exp(np.log(0.8) + b)


def test_identifiability_table_verdicts():
    rng = np.random.default_rng(0)
    prior = {"mu0": np.exp(rng.normal(0, 1.0, 2000)), "beta": np.exp(rng.normal(0, 1.0, 2000))}
    mu_t, be_t = _ridge_pair(rng, -0.5, 0.1)  # contracted, weakly correlated: told apart
    mu_r, be_r = _ridge_pair(rng, -0.99, 0.9)  # a ridge: neither contracts much
    sig2 = np.full((4, 500, 2), 0.1)
    fits = {"a": _idata({"mu0": mu_t, "beta": be_t, "sigma": sig2}, prior),
            "b": _idata({"mu0": mu_r, "beta": be_r, "sigma": sig2}, prior)}
    pooled = {"a": _idata({"mu0": mu_r, "beta": be_r, "sigma": sig2[..., 0]}, prior),
              "b": _idata({"mu0": mu_r, "beta": be_r, "sigma": sig2[..., 0]}, prior)}
    tab = u.identifiability_table(fits, pooled=pooled)
    assert tab.loc["a", "verdict"] == "told apart" and tab.loc["b", "verdict"] == "ridge"
    assert tab.loc["a", "second_noise_level"] == "helps"
    assert tab.loc["b", "second_noise_level"] == "adds little"
    assert tab.loc["a", "corr_mu0_beta"] == pytest.approx(-0.5, abs=0.05)
    assert tab.loc["a", "contraction_beta"] > 0.9 > tab.loc["b", "contraction_beta"]
    # one condition only: a ridge means a second noise level would help
    one = {"b": _idata({"mu0": mu_r, "beta": be_r, "sigma": sig2[..., 0]}, prior),
           "a": _idata({"mu0": mu_t, "beta": be_t, "sigma": sig2[..., 0]}, prior)}
    tab1 = u.identifiability_table(one)
    assert tab1.loc["b", "second_noise_level"] == "would help"
    assert tab1.loc["a", "second_noise_level"] == "not needed"
    with pytest.raises(ValueError, match="no cost parameter"):
        u.identifiability_table({"a": _idata({"mu0": mu_t, "sigma": sig2}, prior,
                                             cost="quadratic")})


def test_loo_table_sums_subjects_and_ranks():
    rng = np.random.default_rng(1)
    good = rng.normal(-1.0, 0.05, (2, 300, 30))
    fits = {"quadratic": {s: _idata({"mu0": np.ones((2, 300))}, ll=good + 0.0, cost="quadratic")
                          for s in "ab"},
            "absolute": {s: _idata({"mu0": np.ones((2, 300))}, ll=good - 0.5, cost="absolute")
                         for s in "ab"}}
    tab = u.loo_table(fits)
    assert list(tab.index) == ["quadratic", "absolute"]
    assert tab.loc["absolute", "elpd_diff"] == pytest.approx(0.5 * 60, rel=0.05)
    by = u.loo_by_subject(fits)
    assert by["winner"].tolist() == ["quadratic", "quadratic"]


def test_fit_gates_flag_failures():
    from nestlab.actors.batch import GATE_COLUMNS, style_convergence

    rng = np.random.default_rng(2)
    ok = _idata({"mu0": rng.normal(1, 0.1, (4, 1000))}, diverging=np.zeros((4, 1000), bool))
    div = np.zeros((4, 1000), bool)
    div[0, 3] = True
    bad = _idata({"mu0": rng.normal(1, 0.1, (4, 1000))}, diverging=div)
    tab = u.fit_gates({"quadratic": {"a": ok, "b": bad}})
    assert list(tab.columns) == ["fit", "subject", *GATE_COLUMNS]
    assert tab["subject"].tolist() == ["a", "b"] and tab["converged"].tolist() == [True, False]
    assert "1 divergent" in tab.loc[1, "problems"]
    html = style_convergence(tab).to_html()
    assert "#bb2222" in html


def test_truth_values_and_recovery_table(tmp_path):
    t = u.write_demo_csv(tmp_path / "d.csv", n_per_condition=5)
    f = u.read_trials(t["path"], **t["columns"])
    tv = u.truth_values(t, f.attrs["conditions"])
    assert tv["s2"]["mu0"] == 1.0 and tv["s1"]["sigma"] == list(u.DEMO_SIGMAS)
    with pytest.raises(ValueError, match="noise levels"):
        u.truth_values(t, ["0.1", "0.3"])
    rng = np.random.default_rng(3)
    post = {"mu0": rng.normal(1.0, 0.02, (2, 400)), "sigma": np.stack(
        [rng.normal(0.08, 0.01, (2, 400)), rng.normal(0.5, 0.01, (2, 400))], axis=-1)}
    rec = u.recovery_table({"s2": _idata(post, cost="quadratic")}, tv)
    assert rec.loc[("s2", "mu0"), "covers"]
    assert rec.loc[("s2", "sigma[0]"), "covers"] and not rec.loc[("s2", "sigma[1]"), "covers"]
    assert rec.loc[("s2", "sigma[1]"), "truth"] == 0.2


def test_output_dir_load_data_and_save_fits(tmp_path, monkeypatch):
    import arviz as az

    monkeypatch.setenv(u.OUT_ENV_VAR, str(tmp_path / "out"))
    assert u.output_dir() == tmp_path / "out" and (tmp_path / "out").is_dir()
    assert u.output_dir(tmp_path / "x") == tmp_path / "x"
    data = u.load_data()  # the demo, written to $NESTLAB_OUT_DIR and read back
    # the demo's path is the file name beside the report (the staging folder does not last)
    written = tmp_path / "out" / data.path
    assert data.truth is not None and data.path == f"{u.STEM}.demo.csv" and written.is_file()
    assert data.truth["path"] == str(written)
    assert len(data.trials) == 240 and data.parameter_truth("mu0") == {"s1": 0.9, "s2": 1.0,
                                                                       "s3": 1.1}
    own = u.load_data(str(written))
    assert own.truth is None and own.path == str(written) and own.parameter_truth("mu0") is None
    with pytest.raises(ValueError, match="missing column"):
        u.load_data(str(written), stimulus_col="t_s")
    idata = _idata({"mu0": np.ones((2, 5))}, diverging=np.zeros((2, 5), bool))
    idata.posterior.attrs["program_cached"] = True  # fit() sets boolean attributes
    idata.attrs = {"flag": True}
    paths = u.save_fits({"quadratic.s/1": idata})
    back = az.from_netcdf(paths["quadratic.s/1"])
    assert paths["quadratic.s/1"].endswith("15_actor_your_data.quadratic.s_1.nc")
    assert u.file_names(paths) == {"quadratic.s/1": "15_actor_your_data.quadratic.s_1.nc"}
    assert back.sample_stats["diverging"].values.sum() == 0


def test_parameterised_family():
    assert u.parameterised_family(["quadratic", "quadratic_effort", "linex"]) == "quadratic_effort"
    assert u.parameterised_family(["quadratic", "absolute"]) is None
    with pytest.raises(ValueError, match="costs|families"):
        u.parameterised_family(["nope"])
