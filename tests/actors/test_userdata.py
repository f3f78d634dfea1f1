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
