"""Bad inputs to nestlab.actors and nestlab.diagnostics are refused up front (issue 10).

Each case asserts the exception type and that the message names the bad argument (the
``nestlab.checks`` dialect: argument, value, what is allowed). Nothing here samples or trains:
every refusal must come before any MCMC or training starts. A property-based layer
(hypothesis) feeds random and mutated CSV files to the loaders and random arrays to the
PSIS-LOO estimator: any input returns valid data or raises ``ValueError``/``TypeError`` that
names the file / argument.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nestlab import diagnostics as D
from nestlab.actors import compare as C
from nestlab.actors import data as RD
from nestlab.actors import experiments as E
from nestlab.actors import recovery as RC
from nestlab.actors.costs import (
    check_cost_params,
    cost_value,
    expected_cost_mc,
    expected_cost_quadrature,
    get_cost,
)
from nestlab.actors.inference import check_data, fit
from nestlab.actors.models import (
    ActorParams,
    optimal_action,
    response_law,
    sample_measurements,
    simulate,
)
from nestlab.actors.policy import TrainConfig, check_config, make_box, validation_set

S = np.linspace(0.2, 4.0, 20)
R = S * 0.9
P = ActorParams(0.2, 0.2, 1.5, 0.1)


def _idata():
    rng = np.random.default_rng(0)
    mu = rng.normal(1.0, 0.1, (2, 50))
    ll = rng.normal(-1.0, 0.1, (2, 50, 10))
    return D.to_inference_data(posterior={"mu0": np.exp(mu), "sigma0": np.exp(mu / 4)},
                               log_likelihood={"r": ll}, prior={"mu0": np.exp(mu[:1])})


IDATA = _idata()

# (id, call, exception type, text the message must contain: the argument's name)
CASES = [
    # --- fit: every setting checked before any compilation or sampling
    ("fit-target_accept-1.5", lambda: fit(S, R, cost="quadratic", target_accept=1.5), ValueError,
     "target_accept"),
    ("fit-target_accept-0", lambda: fit(S, R, cost="quadratic", target_accept=0.0), ValueError,
     "target_accept"),
    ("fit-target_accept-nan", lambda: fit(S, R, cost="quadratic", target_accept=math.nan),
     ValueError, "target_accept"),
    ("fit-target_accept-str", lambda: fit(S, R, cost="quadratic", target_accept="0.8"),
     TypeError, "target_accept"),
    ("fit-n_nodes-0", lambda: fit(S, R, cost="quadratic", n_nodes=0), ValueError, "n_nodes"),
    ("fit-n_nodes-float", lambda: fit(S, R, cost="quadratic", n_nodes=8.0), TypeError, "n_nodes"),
    ("fit-prior_draws-0", lambda: fit(S, R, cost="quadratic", prior_draws=0), ValueError,
     "prior_draws"),
    ("fit-seed-negative", lambda: fit(S, R, cost="quadratic", seed=-1), ValueError, "seed"),
    ("fit-seed-str", lambda: fit(S, R, cost="quadratic", seed="3"), TypeError, "seed"),
    ("fit-seed-huge", lambda: fit(S, R, cost="quadratic", seed=2**40), ValueError, "seed"),
    ("fit-chains-0", lambda: fit(S, R, cost="quadratic", chains=0), ValueError, "chains"),
    ("fit-chains-float", lambda: fit(S, R, cost="quadratic", chains=2.0), TypeError, "chains"),
    ("fit-warmup-bool", lambda: fit(S, R, cost="quadratic", warmup=True), TypeError, "warmup"),
    ("fit-draws-negative", lambda: fit(S, R, cost="quadratic", draws=-5), ValueError, "draws"),
    ("fit-cost-unknown", lambda: fit(S, R, cost="bogus"), ValueError, "cost"),
    ("fit-cost-int", lambda: fit(S, R, cost=3), TypeError, "cost"),
    ("fit-likelihood", lambda: fit(S, R, cost="quadratic", likelihood="exact"), ValueError,
     "likelihood"),
    ("fit-policy", lambda: fit(S, R, cost="quadratic", policy="lookup"), ValueError, "policy"),
    ("fit-progress_bar", lambda: fit(S, R, cost="quadratic", progress_bar="yes"), TypeError,
     "progress_bar"),
    ("fit-keep_latent", lambda: fit(S, R, cost="quadratic", keep_latent=1), TypeError,
     "keep_latent"),
    ("fit-stimuli-nan", lambda: fit(np.r_[S[:-1], np.nan], R, cost="quadratic"), ValueError,
     "stimuli"),
    ("fit-stimuli-2d", lambda: fit(S.reshape(4, 5), R.reshape(4, 5), cost="quadratic"),
     ValueError, "stimuli"),
    ("fit-stimuli-str", lambda: fit("abc", R, cost="quadratic"), TypeError, "stimuli"),
    ("fit-responses-zero", lambda: fit(S, np.zeros_like(S), cost="quadratic"), ValueError,
     "responses"),
    ("fit-responses-length", lambda: fit(S, R[:-1], cost="quadratic"), ValueError, "responses"),
    ("fit-conditions-gap", lambda: fit(S, R, cost="quadratic", conditions=np.repeat([0, 2], 10)),
     ValueError, "conditions"),
    ("fit-conditions-negative", lambda: fit(S, R, cost="quadratic",
                                            conditions=np.repeat([-1, 0], 10)),
     ValueError, "conditions"),
    ("fit-conditions-length", lambda: fit(S, R, cost="quadratic", conditions=[0, 1]),
     ValueError, "conditions"),
    ("fit-fixed-unknown", lambda: fit(S, R, cost="quadratic", fixed={"beta": 0.9}), ValueError,
     "fixed"),
    ("fit-fixed-box", lambda: fit(S, R, cost="quadratic", fixed={"sigma": 2.0}), ValueError,
     "fixed['sigma']"),
    ("fit-fixed-type", lambda: fit(S, R, cost="quadratic", fixed=[("sigma", 0.2)]), TypeError,
     "fixed"),
    ("fit-per_condition-unknown", lambda: fit(S, R, cost="quadratic", per_condition=["tau"]),
     ValueError, "per_condition"),
    ("fit-per_condition-repeat", lambda: fit(S, R, cost="quadratic",
                                             per_condition=["sigma", "sigma"]),
     ValueError, "per_condition"),
    ("fit-network-type", lambda: fit(S, R, cost="linex", policy="network", network="net"),
     TypeError, "network"),
    ("check_data-conditions-float", lambda: check_data(S, R, np.full(20, 0.5)), TypeError,
     "conditions"),
    # --- costs and the numerical solver
    ("optimal_action-mc-n_samples-0", lambda: optimal_action("linex", 1.0, P, {"c": 0.5},
                                                             method="mc", n_samples=0),
     ValueError, "n_samples"),
    ("optimal_action-seed", lambda: optimal_action("linex", 1.0, P, {"c": 0.5}, method="mc",
                                                   seed=-2), ValueError, "seed"),
    ("optimal_action-method", lambda: optimal_action("quadratic", 1.0, P, method="exact"),
     ValueError, "method"),
    ("optimal_action-analytic-no-closed-form", lambda: optimal_action("linex", 1.0, P,
                                                                      {"c": 0.5},
                                                                      method="analytic"),
     ValueError, "method"),
    ("optimal_action-m-inf", lambda: optimal_action("quadratic", np.inf, P), ValueError, "m"),
    ("optimal_action-m-negative", lambda: optimal_action("quadratic", [1.0, -1.0], P),
     ValueError, "m"),
    ("optimal_action-params-tuple", lambda: optimal_action("quadratic", 1.0, (0.2, 0.2, 1, 0.1)),
     TypeError, "params"),
    ("optimal_action-params-nan", lambda: optimal_action("quadratic", 1.0,
                                                         ActorParams(0.2, math.nan, 1, 0.1)),
     ValueError, "params.sigma0"),
    ("optimal_action-cost_params-type", lambda: optimal_action("quadratic_effort", 1.0, P,
                                                               [0.9]),
     TypeError, "cost_params"),
    ("optimal_action-cost_params-box", lambda: optimal_action("quadratic_effort", 1.0, P,
                                                              {"beta": 1.5}),
     ValueError, "cost_params['beta']"),
    ("optimal_action-cost_params-missing", lambda: optimal_action("linex", 1.0, P, {}),
     ValueError, "cost_params"),
    ("get_cost-unknown", lambda: get_cost("quadratik"), ValueError, "cost"),
    ("get_cost-none", lambda: get_cost(None), TypeError, "cost"),
    ("check_cost_params-str-value", lambda: check_cost_params("linex", {"c": "big"}), TypeError,
     "cost_params['c']"),
    ("cost_value-r-str", lambda: cost_value("quadratic", "r", 1.0), TypeError, "r"),
    ("cost_value-params-nan", lambda: cost_value("linex", 1.0, 1.0, {"c": math.nan}),
     ValueError, "cost_params['c']"),
    ("expected_cost_mc-n_samples", lambda: expected_cost_mc("linex", 0.0, 0.0, 0.1, 0.1,
                                                            {"c": 0.5}, n_samples=0),
     ValueError, "n_samples"),
    ("expected_cost_mc-sd_post", lambda: expected_cost_mc("linex", 0.0, 0.0, -0.1, 0.1,
                                                          {"c": 0.5}),
     ValueError, "sd_post"),
    ("expected_cost_quadrature-n_t", lambda: expected_cost_quadrature("linex", 0.0, 0.0, 0.1, 0.1,
                                                                      {"c": 0.5}, n_t=0),
     ValueError, "n_t"),
    ("expected_cost_quadrature-width", lambda: expected_cost_quadrature(
        "linex", 0.0, 0.0, 0.1, 0.1, {"c": 0.5}, width=math.inf), ValueError, "width"),
    ("expected_cost_quadrature-broadcast", lambda: expected_cost_quadrature(
        "quadratic", np.zeros(3), np.zeros(2), 0.1, 0.1), ValueError, "log_a"),
    # --- the actor
    ("simulate-stimuli-negative", lambda: simulate(-S, P), ValueError, "stimuli"),
    ("simulate-params-type", lambda: simulate(S, {"sigma": 0.2}), TypeError, "params"),
    ("simulate-seed-float", lambda: simulate(S, P, seed=1.5), TypeError, "seed"),
    ("simulate-conditions-range", lambda: simulate(S, ActorParams([0.1, 0.2], 0.2, 1.5, 0.1),
                                                   conditions=np.full(20, 2)),
     ValueError, "conditions"),
    ("simulate-conditions-missing", lambda: simulate(S, ActorParams([0.1, 0.2], 0.2, 1.5, 0.1)),
     ValueError, "conditions"),
    ("simulate-policy-not-callable", lambda: simulate(S, P, policy=3), TypeError, "policy"),
    ("simulate-sigma0-vector", lambda: simulate(S, ActorParams(0.2, [0.2, 0.3], 1.5, 0.1)),
     ValueError, "params.sigma0"),
    ("ActorParams-validate-zero", lambda: ActorParams(0.2, 0.2, 0.0, 0.1).validate(), ValueError,
     "params.mu0"),
    ("ActorParams-validate-str", lambda: ActorParams("a", 0.2, 1.0, 0.1).validate(), TypeError,
     "params.sigma"),
    ("response_law-beta", lambda: response_law(S, P, beta=0.0), ValueError, "beta"),
    ("sample_measurements-rng", lambda: sample_measurements(S, 0.2, rng=0), TypeError, "rng"),
    ("sample_measurements-sigma-shape", lambda: sample_measurements(
        S, [0.1, 0.2], rng=np.random.default_rng(0)), ValueError, "sigma"),
    # --- policy network configuration
    ("check_config-n_steps", lambda: check_config(TrainConfig(n_steps=0)), ValueError,
     "config.n_steps"),
    ("check_config-lr", lambda: check_config(TrainConfig(lr=math.nan)), ValueError, "config.lr"),
    ("check_config-hidden", lambda: check_config(TrainConfig(hidden=(16, 0))), ValueError,
     "config.hidden[1]"),
    ("check_config-head", lambda: check_config(TrainConfig(head="huge")), ValueError,
     "config.head"),
    ("check_config-type", lambda: check_config({"n_steps": 3}), TypeError, "config"),
    ("make_box-pair", lambda: make_box("quadratic", {"sigma": (0.1,)}), ValueError,
     "box['sigma']"),
    ("validation_set-n", lambda: validation_set("quadratic", box=make_box("quadratic"), n=0),
     ValueError, "n"),
    # --- studies (refused before any sampling)
    ("recovery-n_datasets", lambda: RC.recovery_study(0), ValueError, "n_datasets"),
    ("recovery-rank_thin", lambda: RC.recovery_study(2, draws=10, rank_thin=0), ValueError,
     "rank_thin"),
    ("recovery-truth_box", lambda: RC.simulate_datasets(2, truth_box={"mu0": (3.0, 2.0)}),
     ValueError, "truth_box['mu0']"),
    ("design_conditions-n", lambda: C.design_conditions(n_per_condition=0), ValueError,
     "n_per_condition"),
    ("design_conditions-levels", lambda: C.design_conditions(sigma_levels=(0.1, -0.2)),
     ValueError, "sigma_levels[1]"),
    ("design_conditions-design", lambda: C.design_conditions("three_noise"), ValueError,
     "design"),
    ("simulate_design-range", lambda: C.simulate_design("quadratic", s_low=3.0, s_high=1.0),
     ValueError, "s_high"),
    ("simulate_study-n_datasets", lambda: C.simulate_study(["quadratic"], 0), ValueError,
     "n_datasets"),
    ("check_families-repeat", lambda: C.check_families(["quadratic", "quadratic"]), ValueError,
     "families"),
    ("check_families-unknown", lambda: C.check_families(["quadratic", "cubic"]), ValueError,
     "families[1]"),
    ("draw_truths-rng", lambda: C.draw_truths("quadratic", 3, rng=3), TypeError, "rng"),
    ("fit_batch-responses-shape", lambda: C.fit_batch("quadratic", np.ones((2, 4)),
                                                      np.ones((2, 3)), conditions=np.zeros(4),
                                                      sigmas=[0.2]),
     ValueError, "responses"),
    ("fit_batch-conditions-range", lambda: C.fit_batch("quadratic", np.ones((2, 4)),
                                                       np.ones((2, 4)), conditions=[0, 1, 0, 1],
                                                       sigmas=[0.2]),
     ValueError, "conditions"),
    ("comparison_study-candidates", lambda: C.comparison_study(candidates=["quadratic"]),
     ValueError, "candidates"),
    ("reference_data-n_trials", lambda: E.reference_data(n_trials=0), ValueError, "n_trials"),
    ("identifiability_study-cost_param", lambda: E.identifiability_study(cost_param="alpha"),
     ValueError, "cost_param"),
    # --- data helpers
    ("load_qu_shi-experiment", lambda: RD.load_qu_shi(3), ValueError, "experiment"),
    ("load_qu_shi-drop_outliers", lambda: RD.load_qu_shi(1, "x.csv", drop_outliers="no"),
     TypeError, "drop_outliers"),
    ("load_sohn_jazayeri-path-type", lambda: RD.load_sohn_jazayeri(3), TypeError, "path"),
    ("select-frame-type", lambda: RD.select([1, 2], subject=1), TypeError, "frame"),
    ("subsample-n", lambda: RD.subsample(pd.DataFrame({"condition": ["a"]}), 0), ValueError, "n"),
    ("subsample-by", lambda: RD.subsample(pd.DataFrame({"condition": ["a"]}), 3, by="cond"),
     ValueError, "by"),
    ("to_arrays-columns", lambda: RD.to_arrays(pd.DataFrame({"s": [1.0]})), ValueError, "frame"),
    ("log_slope-one-stimulus", lambda: RD.log_slope([1.0, 1.0], [1.0, 2.0]), ValueError,
     "stimuli"),
    ("stimulus_prior-zero", lambda: RD.stimulus_prior([0.0, 1.0]), ValueError, "stimuli"),
    ("measurement_noise-subject", lambda: RD.measurement_noise(
        pd.DataFrame({"subject": [1], "session": [1], "wm_1": [0.1]}), "1"), TypeError,
     "subject"),
    ("central_tendency-idata", lambda: RD.central_tendency(IDATA), ValueError, "idata"),
    # --- diagnostics
    ("convergence-idata-type", lambda: D.convergence({"mu0": [1, 2]}), TypeError, "idata"),
    ("convergence-rhat_max", lambda: D.convergence(IDATA, rhat_max=0.5), ValueError, "rhat_max"),
    ("convergence-var_names", lambda: D.convergence(IDATA, var_names=["tau"]), ValueError,
     "var_names"),
    ("posterior_summary-hdi_prob", lambda: D.posterior_summary(IDATA, hdi_prob=1.0), ValueError,
     "hdi_prob"),
    ("interval_covers-truth-key", lambda: D.interval_covers(IDATA, {"tau": 1.0}), ValueError,
     "truth"),
    ("interval_covers-prob", lambda: D.interval_covers(IDATA, {"mu0": 1.0}, prob=-0.1),
     ValueError, "prob"),
    ("correlation-log", lambda: D.correlation(IDATA, log="yes"), TypeError, "log"),
    ("identifiability-ridge", lambda: D.identifiability(IDATA, ridge_threshold=2.0), ValueError,
     "ridge_threshold"),
    ("pair_correlation-b", lambda: D.pair_correlation(IDATA, "mu0", "beta"), ValueError, "b"),
    ("ess_per_second-seconds", lambda: D.ess_per_second(IDATA, 0.0), ValueError, "seconds"),
    ("loo-data-1d", lambda: D.loo(np.zeros(5)), ValueError, "data"),
    ("loo-data-one-draw", lambda: D.loo(np.zeros((1, 1, 5))), ValueError, "data"),
    ("loo-reff", lambda: D.loo(np.zeros((2, 10, 5)), reff=0.0), ValueError, "reff"),
    ("loo-var_name", lambda: D.loo(IDATA, var_name="y"), ValueError, "var_name"),
    ("loo-no-group", lambda: D.loo(D.to_inference_data(posterior={"a": np.zeros((1, 5))})),
     ValueError, "data"),
    ("compare-method", lambda: D.loo_compare({"a": IDATA, "b": IDATA}, method="aic"), ValueError,
     "method"),
    ("compare-one", lambda: D.loo_compare({"a": IDATA}), ValueError, "fits"),
    ("compare-type", lambda: D.loo_compare([IDATA, IDATA]), TypeError, "fits"),
    ("to_inference_data-posterior-1d", lambda: D.to_inference_data(posterior={"a": np.zeros(5)}),
     ValueError, "posterior['a']"),
    ("plot_ecdf_ranks-n_draws", lambda: D.plot_ecdf_ranks(np.arange(5), n_draws=0), ValueError,
     "n_draws"),
    ("plot_loo_compare-frame", lambda: D.plot_loo_compare(pd.DataFrame({"rank": [0]})), ValueError,
     "frame"),
]


def test_at_least_fifty_distinct_cases():
    ids = [c[0] for c in CASES]
    assert len(ids) == len(set(ids)) and len(ids) >= 50


@pytest.mark.parametrize("call,exc,name", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_is_refused_naming_the_argument(call, exc, name):
    with pytest.raises(exc) as info:
        call()
    assert type(info.value) is exc
    assert name in str(info.value), str(info.value)


# ------------------------------------------------------------------ CSV loaders: named refusals

QS_HEADER = "subID,trial_num,curDur,rpr,curCoherence,is_outlier"
QS_ROWS = ["001234,30,0.8,0.95,0.3,False", "001234,31,1.6,1.50,0.7,False",
           "012345,30,1.0,1.10,0.3,True"]
SJ_HEADER = "subject,session,trial,ts_ms,tp_ms,deltaT_ms,condition,reward"
SJ_ROWS = ["1,1,1,800.0,780.0,0,original,99.0", "1,2,1,1100.0,950.0,150,metamer,98.0"]

FILE_CASES = {
    "empty": b"",
    "header-only": (QS_HEADER + "\n").encode(),
    "binary": bytes(range(256)) * 4,
    "utf16": (QS_HEADER + "\n" + "\n".join(QS_ROWS) + "\n").encode("utf-16"),
    "extra-fields": (QS_HEADER + "\n" + "\n".join(r + ",9" for r in QS_ROWS) + "\n").encode(),
    "short-row": (QS_HEADER + "\n" + QS_ROWS[0] + "\n001234,31,1.6\n").encode(),
    "missing-bool": (QS_HEADER + "\n" + QS_ROWS[0][:-5] + "\n" + QS_ROWS[1] + "\n").encode(),
    "duplicated-column": (QS_HEADER + ",rpr\n" + "\n".join(r + ",1.0" for r in QS_ROWS)
                          + "\n").encode(),
    "huge-trial": (QS_HEADER + "\n001234,1e30,0.8,0.95,0.3,False\n").encode(),
    "inf-response": (QS_HEADER + "\n001234,30,0.8,inf,0.3,False\n").encode(),
    "missing-subject": (QS_HEADER + "\n,30,0.8,0.9,0.3,False\n").encode(),
}


@pytest.mark.parametrize("content", FILE_CASES.values(), ids=FILE_CASES.keys())
def test_malformed_qu_shi_file_is_refused_naming_the_file(tmp_path, content):
    p = tmp_path / "exp1_ramped_coherence.csv"
    p.write_bytes(content)
    with pytest.raises(ValueError, match=re.escape(p.name)):
        RD.load_qu_shi(1, p)


def test_row_and_column_are_named(tmp_path):
    p = tmp_path / "exp1_ramped_coherence.csv"
    p.write_text(QS_HEADER + "\n" + QS_ROWS[0] + "\n001234,31,1.6,-1.0,0.7,False\n")
    with pytest.raises(ValueError, match=r"exp1_ramped_coherence.csv: column 'rpr' .* line 3"):
        RD.load_qu_shi(1, p)


def test_huge_subject_number_is_refused_not_overflowed(tmp_path):
    p = tmp_path / "rsg_trials.csv"
    p.write_text(SJ_HEADER + "\n" + SJ_ROWS[0].replace("1,1,1,", "1e30,1,1,", 1) + "\n")
    with pytest.raises(ValueError, match=r"rsg_trials.csv: column 'subject'"):
        RD.load_sohn_jazayeri(p)


CELLS = st.one_of(st.sampled_from(["", "nan", "inf", "-1", "0", "1e30", "True", "x", "0.8",
                                   "1.0", "0.3", "0.7", "\"", "1,2", "False", "001234", "1.6",
                                   "original", "metamer", "150"]),
                  st.text(max_size=6))


def _mutated(rows: list[str], header: str, data: st.DataObject) -> str:
    lines = [header] + list(rows)
    for _ in range(data.draw(st.integers(0, 3), label="n_mutations")):
        i = data.draw(st.integers(0, len(lines) - 1))
        cells = lines[i].split(",")
        kind = data.draw(st.sampled_from(["replace", "drop", "add", "swap-line"]))
        if kind == "replace":
            cells[data.draw(st.integers(0, len(cells) - 1))] = data.draw(CELLS)
        elif kind == "drop" and len(cells) > 1:
            cells.pop(data.draw(st.integers(0, len(cells) - 1)))
        elif kind == "add":
            cells.append(data.draw(CELLS))
        else:
            lines.pop(i) if len(lines) > 1 else None
            continue
        lines[i] = ",".join(cells)
    return "\n".join(lines) + data.draw(st.sampled_from(["\n", "", "\n\n"]))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_qu_shi_loader_on_mutated_files(tmp_path, data):
    text = _mutated(QS_ROWS, QS_HEADER, data)
    p = tmp_path / "exp1_ramped_coherence.csv"
    p.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        df = RD.load_qu_shi(1, p, drop_outliers=False)
    except (ValueError, TypeError) as exc:
        assert p.name in str(exc)
        return
    assert len(df) >= 1
    assert np.all(np.isfinite(df["s"])) and np.all(df["s"] > 0)
    assert np.all(np.isfinite(df["r"])) and np.all(df["r"] > 0)
    assert set(df["condition"]) <= {"low", "high"}
    assert df["trial"].dtype.kind == "i" and df["outlier"].dtype == bool


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_sohn_jazayeri_loader_on_mutated_files(tmp_path, data):
    text = _mutated(SJ_ROWS, SJ_HEADER, data)
    p = tmp_path / "rsg_trials.csv"
    p.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        df = RD.load_sohn_jazayeri(p)
    except (ValueError, TypeError) as exc:
        assert p.name in str(exc)
        return
    assert len(df) >= 1
    assert np.all(df["subject"] >= 1)
    for c in ("s", "r"):
        assert np.all(np.isfinite(df[c])) and np.all(df[c] > 0)
    assert np.all(np.isfinite(df["delta"])) and np.all(np.isfinite(df["reward"]))
    assert set(df["condition"]) <= {"original", "metamer"}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(content=st.binary(max_size=200))
def test_loaders_on_random_bytes(tmp_path, content):
    p = tmp_path / "rsg_trials.csv"
    p.write_bytes(content)
    with pytest.raises((ValueError, TypeError)) as info:
        RD.load_sohn_jazayeri(p)
    assert p.name in str(info.value)


# ------------------------------------------------------------------ diagnostics estimators

FLOATS = st.floats(allow_nan=True, allow_infinity=True, width=64)


@settings(max_examples=40, deadline=None)
@given(shape=st.tuples(st.integers(1, 2), st.integers(1, 30), st.integers(1, 6)),
       fill=st.one_of(st.just(None), FLOATS), scale=st.floats(0, 1e3), seed=st.integers(0, 9))
def test_loo_returns_finite_results_or_refuses_naming_data(shape, fill, scale, seed):
    ll = np.random.default_rng(seed).normal(-1.0, 1.0, shape) * scale
    if fill is not None:
        ll.flat[0] = fill
    try:
        res = D.loo(ll)
    except (ValueError, TypeError) as exc:
        assert "data" in str(exc), str(exc)
        return
    assert math.isfinite(res.elpd) and math.isfinite(res.p_loo)
    assert res.elpd_pointwise.shape == (shape[2],) and res.n_obs == shape[2]


@settings(max_examples=25, deadline=None)
@given(prob=FLOATS, hdi=FLOATS)
def test_interval_estimators_on_any_probability(prob, hdi):
    try:
        cov = D.interval_covers(IDATA, {"mu0": 2.7}, prob=prob)
    except ValueError as exc:
        assert "prob" in str(exc)
    else:
        assert 0 < prob < 1 and set(cov) == {"mu0"}
    try:
        summ = D.posterior_summary(IDATA, hdi_prob=hdi)
    except ValueError as exc:
        assert "hdi_prob" in str(exc)
    else:
        assert 0 < hdi < 1 and np.all(np.isfinite(summ.to_numpy(float)))


def test_a_numeric_condition_column_is_refused_with_the_file_and_values(tmp_path):
    """Found by hypothesis: every condition a number made the column float and the check
    crashed converting 'original' to float; now it names the file, column and valid values."""
    p = tmp_path / "rsg_trials.csv"
    p.write_text(SJ_HEADER + "\n" + "\n".join(r.replace("original", "0.8").replace("metamer", "0.8")
                                              for r in SJ_ROWS) + "\n")
    with pytest.raises(ValueError, match=r"rsg_trials.csv: column 'condition' has unknown "
                                         r"value\(s\) \['0.8'\].*valid values: \['original'"):
        RD.load_sohn_jazayeri(p)
