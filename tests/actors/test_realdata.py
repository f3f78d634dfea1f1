"""The notebook-13 study helpers (nestlab.actors.realdata): tables, gates and claims."""

import numpy as np
import pandas as pd
import pytest

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
