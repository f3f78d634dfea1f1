"""Loaders of the real data sets (spec Sec. 5.6): real files (skipped if absent) and malformed ones."""

import numpy as np
import pandas as pd
import pytest

from nestlab.actors import data as RD

SJ_HEADER = "subject,session,trial,ts_ms,tp_ms,deltaT_ms,condition,reward\n"
SJ_ROWS = ["1,1,1,800.0,780.0,0,original,99.0", "1,2,1,1100.0,950.0,150,metamer,98.0",
           "2,1,1,700.0,720.0,0,original,97.0", "2,2,2,1200.0,990.0,200,metamer,96.0"]
QS_HEADER = "subID,trial_num,curDur,rpr,curCoherence,is_outlier\n"
QS_ROWS = ["001234,30,0.8,0.95,0.3,False", "001234,31,1.6,1.50,0.7,False",
           "001234,32,1.2,0.01,0.7,True", "012345,30,1.0,1.10,0.3,False"]


def _write(tmp_path, name, header, rows):
    p = tmp_path / name
    p.write_text(header + "\n".join(rows) + "\n")
    return p


# ------------------------------------------------------------------ small synthetic files


def test_sohn_jazayeri_loader_converts_to_seconds(tmp_path):
    p = _write(tmp_path, "rsg_trials.csv", SJ_HEADER, SJ_ROWS)
    df = RD.load_sohn_jazayeri(p)
    assert list(df.columns) == ["subject", "session", "trial", "condition", "s", "r", "delta",
                                "reward"]
    np.testing.assert_allclose(df["s"], [0.8, 1.1, 0.7, 1.2])
    np.testing.assert_allclose(df["r"], [0.78, 0.95, 0.72, 0.99])
    np.testing.assert_allclose(df["delta"], [0, 0.15, 0, 0.2])
    assert RD.load_sohn_jazayeri(tmp_path).equals(df)  # the folder works as well


@pytest.mark.parametrize("rows,header,match", [
    (SJ_ROWS, SJ_HEADER.replace(",tp_ms", ""), r"rsg_trials.csv: invalid header: missing column\(s\) \['tp_ms'\]"),
    ([SJ_ROWS[0].replace("780.0", "-5.0")] + SJ_ROWS[1:], SJ_HEADER,
     "rsg_trials.csv: column 'tp_ms' must be finite and positive"),
    ([SJ_ROWS[0].replace("800.0", "0.0")] + SJ_ROWS[1:], SJ_HEADER, "'ts_ms' must be finite"),
    ([SJ_ROWS[0].replace("original", "shifted")] + SJ_ROWS[1:], SJ_HEADER,
     r"unknown value\(s\) \['shifted'\] \(first at line 2\); valid values: \['original', 'metamer'\]"),
    ([SJ_ROWS[1].replace(",150,", ",0,")] + SJ_ROWS[2:], SJ_HEADER, "must be 0 exactly"),
    ([SJ_ROWS[0].replace("800.0", "abc")] + SJ_ROWS[1:], SJ_HEADER, "'ts_ms' must be numeric"),
    (SJ_ROWS[:2] + [SJ_ROWS[2].replace("2,1,1,", "2,1.5,1,")] + SJ_ROWS[3:], SJ_HEADER,
     r"column 'session' must be whole numbers of magnitude <= 2\*\*53; 1 row\(s\) are not, "
     r"first at line 4: 1\.5"),
])
def test_sohn_jazayeri_loader_refuses_malformed_files(tmp_path, rows, header, match):
    p = _write(tmp_path, "rsg_trials.csv", header, rows)
    with pytest.raises(ValueError, match=match):
        RD.load_sohn_jazayeri(p)


def test_missing_file_is_a_clear_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError, match="rsg_trials.csv"):
        RD.load_sohn_jazayeri(tmp_path)


def test_qu_shi_loader_keeps_codes_and_drops_outliers(tmp_path):
    p = _write(tmp_path, "exp1_ramped_coherence.csv", QS_HEADER, QS_ROWS)
    df = RD.load_qu_shi(1, tmp_path)
    assert df["subject"].tolist() == ["001234", "001234", "012345"]  # leading zeros kept
    assert df["condition"].tolist() == ["low", "high", "low"]
    assert len(RD.load_qu_shi(1, p, drop_outliers=False)) == 4
    s, r, c = RD.to_arrays(df)
    np.testing.assert_allclose(s, [0.8, 1.6, 1.0])
    assert c.tolist() == [0, 1, 0] and c.dtype == np.int32


@pytest.mark.parametrize("row,match", [
    ("001234,33,0.9,1.0,0.3,False", r"'curDur' has unknown value\(s\) \['0.9'\] \(first at line [0-9]+\); valid values: "
                                    r"\[0.8, 1.0, 1.2, 1.4, 1.6\]"),
    ("001234,33,0.8,1.0,0.5,False", r"'curCoherence' has unknown value.*\[0.3, 0.7\]"),
    ("001234,33,0.8,0.0,0.3,False", "'rpr' must be finite and positive"),
    ("001234,33,0.8,1.0,0.3,maybe", "'is_outlier' must be True/False"),
])
def test_qu_shi_loader_refuses_malformed_files(tmp_path, row, match):
    _write(tmp_path, "exp2_constant_coherence.csv", QS_HEADER, QS_ROWS + [row])
    with pytest.raises(ValueError, match="exp2_constant_coherence.csv: column " + match):
        RD.load_qu_shi(2, tmp_path)


def test_qu_shi_unknown_experiment():
    with pytest.raises(ValueError, match=r"unknown experiment 3; valid choices: 1, 2"):
        RD.load_qu_shi(3, "/nonexistent")


def test_select_subsample_and_arrays(tmp_path):
    df = RD.load_sohn_jazayeri(_write(tmp_path, "rsg_trials.csv", SJ_HEADER, SJ_ROWS))
    one = RD.select(df, subject=2)
    assert one["subject"].tolist() == [2, 2]
    assert RD.select(df, condition="metamer")["delta"].gt(0).all()
    with pytest.raises(ValueError, match=r"unknown subject 7; valid choices: 1, 2"):
        RD.select(df, subject=7)
    with pytest.raises(ValueError, match=r"unknown condition\[0\] 'baseline'; valid choices: metamer, original"):
        RD.select(df, condition="baseline")
    s, r, c = RD.to_arrays(df)
    assert c.tolist() == [0, 1, 0, 1]  # original first
    _, _, c2 = RD.to_arrays(df, condition_order=["metamer", "original"])
    assert c2.tolist() == [1, 0, 1, 0]
    with pytest.raises(ValueError, match="must list each condition present exactly once"):
        RD.to_arrays(RD.select(df, condition="original"), condition_order=SJ_CONDS)
    with pytest.raises(ValueError, match="no trials"):
        RD.to_arrays(df.iloc[:0])
    big = pd.concat([df] * 10, ignore_index=True)
    sub = RD.subsample(big, 3, seed=1)
    assert sub.groupby("condition").size().tolist() == [3, 3]
    assert sub.equals(RD.subsample(big, 3, seed=1))  # seeded


SJ_CONDS = ["original", "metamer"]


def test_stimulus_prior_and_slope():
    rng = np.random.default_rng(0)
    s = np.exp(np.log(0.75) + 0.2 * rng.standard_normal(20000))
    sp = RD.stimulus_prior(s)
    assert sp.mu0 == pytest.approx(0.75, rel=0.01) and sp.sigma0 == pytest.approx(0.2, rel=0.02)
    r = 0.9 * s ** 0.6 * np.exp(0.05 * rng.standard_normal(s.size))
    assert RD.log_slope(s, r) == pytest.approx(0.6, abs=0.01)


# ------------------------------------------------------------------ the real files


def test_real_sohn_jazayeri_matches_its_readme(shared_data):
    df = RD.load_sohn_jazayeri(shared_data / RD.SJ_FOLDER)
    assert len(df) == 38134 and df["subject"].nunique() == 11
    n = df.groupby("condition").size()
    assert n["original"] == 22770 and n["metamer"] == 15364
    assert df.groupby("condition")["s"].mean()["original"] == pytest.approx(0.7547, abs=1e-3)
    assert set(np.round(df.loc[df.condition == "metamer", "delta"], 3)) == {0.15, 0.2}
    assert df["s"].between(0.3, 1.8).all()  # seconds, inside the actors' stimulus box
    sessions = RD.load_sohn_jazayeri_sessions(shared_data / RD.SJ_FOLDER)
    assert 0.03 < RD.measurement_noise(sessions, 1) < 0.3
    with pytest.raises(ValueError, match=r"unknown subject 99 \(no session 1\); valid choices"):
        RD.measurement_noise(sessions, 99)


def test_real_qu_shi_matches_its_readme(shared_data):
    for exp, n_rows, n_out in ((1, 5280, 603), (2, 5104, 445)):
        full = RD.load_qu_shi(exp, shared_data / RD.QS_FOLDER, drop_outliers=False)
        assert len(full) == n_rows and int(full["outlier"].sum()) == n_out
        assert full["subject"].nunique() == 22 and full["subject"].str.len().eq(6).all()
    df = RD.load_qu_shi(1, shared_data / RD.QS_FOLDER)
    mean_r = df.groupby(["s", "coherence"])["r"].mean()
    assert mean_r[(0.8, 0.3)] == pytest.approx(0.961, abs=2e-3)  # README sanity table
    assert mean_r[(1.6, 0.7)] == pytest.approx(1.565, abs=2e-3)


def test_default_path_is_the_shared_data_folder(shared_data, monkeypatch):
    monkeypatch.setenv("NESTLAB_DATA", str(shared_data))
    assert len(RD.load_qu_shi(2)) == 5104 - 445
