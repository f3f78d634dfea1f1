"""The notebook-13 study helpers (nestlab.actors.realdata): tables, gates and claims."""

import numpy as np
import pandas as pd
import pytest

from nestlab.actors import batch as AB
from nestlab.actors import plots as AP
from nestlab.actors import realdata as RS


def _table(pooled_mean, lo=0.9, hi=1.1):
    return pd.DataFrame({"separate_mean": 1.0, "separate_lo": lo, "separate_hi": hi,
                         "pooled_mean": pooled_mean, "pooled_lo": 0.95, "pooled_hi": 1.05,
                         "population": 1.0, "shrinkage": 0.5, "truth": np.nan,
                         "separate_converged": True},
                        index=pd.Index(["a", "b"], name="subject"))


def _study(name, *, converged, share):
    numbers = {"converged": converged, "separate_converged": {"a": True, "b": False},
               "separate_attempts": {"a": 2, "b": 3},
               "mu0.share_inside_separate90": share, "n_subjects": 2,
               "convergence": {"converged": converged, "max_rhat": 1.0, "min_ess_bulk": 900.0,
                               "min_ess_tail": 800.0, "divergences": 0 if converged else 3}}
    return RS.HierarchicalStudy(name, "m", {}, None, {"mu0": _table([1.0, 1.2])}, numbers)


def test_hierarchical_claims_use_converged_fits_only():
    rows = RS.hierarchical_claims({"sj": _study("sj", converged=True, share=1.0),
                                   "qs": _study("qs", converged=False, share=1.0)})
    sj, qs = rows
    assert sj["nestlab"] == 1.0 and sj["verdict"] == "held"
    assert "separate fits not converged (left out): b" in sj["note"]
    assert qs["nestlab"] is None and qs["verdict"] == "not held"
    assert "did NOT converge" in qs["note"]
    part = RS.hierarchical_claims({"sj": _study("sj", converged=True, share=0.85)})[0]
    assert part["verdict"] == "partly"


def test_hierarchical_tables_and_summary():
    studies = {"sj": _study("sj", converged=True, share=1.0),
               "qs": _study("qs", converged=False, share=0.5)}
    summary = RS.hierarchical_summary(studies)
    assert summary["converged"] == {"sj": True, "qs": False}
    assert summary["qs"]["convergence"]["divergences"] == 3
    table = RS.hierarchical_convergence_table(studies)
    assert list(table["converged"]) == [True, False]
    assert table.loc[("sj", "hierarchical"), "separate fits converged"] == "1 of 2"
    assert table.loc[("sj", "hierarchical"), "separate fits refitted"] == 2
    frame = RS.shrinkage_frame(studies)
    assert frame.index.names == ["study", "parameter", "subject"] and len(frame) == 4
    assert RS.shrinkage_frame({}).empty and AP.plot_shrinkage_panels({}) is None
    axes = AP.plot_shrinkage_panels(studies)
    assert axes.shape == (1, 2)
    assert axes[0, 1].get_title().endswith("NOT CONVERGED")


def test_sj_data_table_per_subject_and_condition():
    rows = []
    for subj in (1, 2):
        for cond, delta in (("original", 0.0), ("metamer", 0.15)):
            s = np.array([0.6, 0.8, 1.0, 1.2])
            rows += [{"subject": subj, "condition": cond, "s": x, "r": 0.9 * x, "delta": delta}
                     for x in s]
    table = RS.sj_data_table(pd.DataFrame(rows))
    assert table[("trials", "original")].tolist() == [4, 4]
    np.testing.assert_allclose(table[("slope", "metamer")], 1.0)
    assert RS.data_slope_means(table) == pytest.approx({"original": 1.0, "metamer": 1.0})


def test_hierarchical_studies_can_be_switched_off():
    data = RS.RealData(pd.DataFrame(), pd.DataFrame(), pd.DataFrame(), [], [], None, None, 1)
    assert RS.hierarchical_studies(data, enabled=False) == {}
    with pytest.raises(TypeError, match="data"):
        RS.hierarchical_studies({}, enabled=False)


def test_load_refuses_an_unknown_subject(shared_data):
    with pytest.raises(ValueError, match="sj_subjects"):
        RS.load(sj_subjects=[99])
    data = RS.load(sj_subjects=[1, 5], qs_n_subjects=3)
    assert data.sj_subjects == [1, 5] and len(data.qs_subjects) == 3
    assert data.sj_n == 200 and "fitting subjects [1, 5]" in RS.describe(data)


@pytest.mark.parametrize("bad", [0.0, 1.0, 1.5])
def test_metamer_studies_refuse_a_ridge_target_accept_outside_0_1(shared_data, bad):
    data = RS.load(sj_subjects=[1], n_per_condition=20)
    with pytest.raises(ValueError, match="ridge_target_accept"):  # before any fit compiles
        RS.metamer_studies(data.sj_trials, data.sj_sessions, [1], n_per_condition=20,
                           ridge_target_accept=bad)


# ------------------------------------------------------------------ per-subject studies' claims


def _conv(ok):
    return {"converged": ok, "max_rhat": 1.0 if ok else 1.2, "min_ess_bulk": 900.0,
            "min_ess_tail": 800.0 if ok else 50.0, "divergences": 0,
            "problems": [] if ok else ["tail ESS 50 < 400"]}


def _metamer(subj, *, ok, corr, shift, delta_mean, delta_iv):
    fits = ("original", "metamer", "joint_cost_known", "joint_prior_known")
    nums = {"delta_true": 0.15, "metamer.corr_mu0_delta": corr, "metamer.contraction_delta": 0.3,
            "prior_shift_true": 1.5, "joint_cost_known.prior_shift_mean": shift,
            "joint_cost_known.prior_shift_interval90": [shift - 0.1, shift + 0.1],
            "joint_prior_known.delta_mean": [0.0, delta_mean],
            "joint_prior_known.delta_interval90": [[-0.02, 0.02], delta_iv],
            "slope.original": [0.6, 0.62], "slope.metamer": [0.5, 0.5],
            "converged": dict.fromkeys(fits, True), "convergence": {f: _conv(True) for f in fits}}
    if not ok:
        nums["converged"]["metamer"] = False
        nums["convergence"]["metamer"] = _conv(False)
    return RS.MetamerStudy(subj, 0.15, {}, 0.1, dict.fromkeys(fits), nums)


def test_metamer_claims_judge_converged_fits_only():
    good = _metamer(1, ok=True, corr=0.95, shift=1.55, delta_mean=0.14, delta_iv=[0.1, 0.2])
    # subject 5's metamer fit failed the gate: its (contrary) correlation must not count
    bad = _metamer(5, ok=False, corr=0.1, shift=2.5, delta_mean=0.01, delta_iv=[0.0, 0.05])
    rows = {r["claim"]: r for r in RS.metamer_claims({1: good, 5: bad})}
    ridge = rows["S&J metamer: one condition cannot tell a prior shift from a cost offset"]
    assert ridge["nestlab"] == 0.95 and ridge["verdict"] == "held"
    assert "excluded (not converged: metamer): subject(s) 5" in ridge["note"]
    # the joint fits of subject 5 converged: they count, and its prior shift misses
    shift = rows["S&J: with the cost known, the prior shift is recovered"]
    assert shift["verdict"] == "partly" and "excluded" not in shift["note"]
    delta = rows["S&J: with the prior known, the cost offset deltaT is recovered"]
    assert delta["verdict"] == "partly"
    assert rows["S&J: with the prior known, no cost offset in the original condition"][
        "verdict"] == "held"
    slope = rows["S&J: a Bayesian observer reproduces the central tendency"]
    assert slope["nestlab"] == pytest.approx(0.02) and slope["verdict"] == "held"
    # nothing converged: no number, not held
    rows = {r["claim"]: r for r in RS.metamer_claims({5: bad})}
    ridge = rows["S&J metamer: one condition cannot tell a prior shift from a cost offset"]
    assert ridge["nestlab"] is None and ridge["verdict"] == "not held"


def _noise(subj, *, ok, p, corr2):
    nums = {"p_sigma_low_gt_high": p, "two_noise.corr_mu0_beta": corr2,
            "one_noise.corr_mu0_beta": -0.98, "two_noise.converged": ok,
            "one_noise.converged": True, "two_noise.convergence": _conv(ok),
            "one_noise.convergence": _conv(True)}
    return RS.NoiseStudy(subj, {"two_noise": None, "one_noise": None}, nums)


def test_noise_claims_and_the_red_convergence_table():
    studies = {"a": _noise("a", ok=True, p=0.9, corr2=-0.5), "b": _noise("b", ok=True, p=0.2,
                                                                          corr2=-0.95),
               "c": _noise("c", ok=False, p=0.0, corr2=-0.99)}
    rows = {r["claim"]: r for r in RS.noise_claims(studies)}
    noise = rows["Q&S: perceptual noise is larger at 30 % than at 70 % coherence"]
    assert noise["nestlab"] == 0.5 and noise["verdict"] == "partly"
    assert "subject(s) c" in noise["note"]
    sep = rows["Two noise levels separate the prior (mu0) from the cost (beta)"]
    assert sep["nestlab"] == pytest.approx(0.725) and sep["verdict"] == "partly"
    table = AB.convergence_table(RS.study_records(studies), names=("subject", "fit"))
    assert table.index.names == ["subject", "fit"] and "problems" in table.columns
    assert table.loc[("c", "two_noise"), "problems"] == "tail ESS 50 < 400"
    assert not table.loc[("c", "two_noise"), "converged"]
    assert int(table["converged"].sum()) == 5
    css = AB.style_convergence(table).to_html().split("</style>")[0]
    row = list(table.index).index(("c", "two_noise"))
    assert "#bb2222" in css  # one red row: each of its cells, and no other
    assert all(f"row{row}_col{j}" in css for j in range(table.shape[1]))
    assert sum(f"row{i}_col" in css for i in range(len(table))) == 1
    st = RS.style_study_table(RS.study_table(studies, keys=["two_noise.corr_mu0_beta",
                                                            "one_noise.corr_mu0_beta"]), studies)
    assert st.to_html().count("line-through") == 1  # c's two-noise number only
