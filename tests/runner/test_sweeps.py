"""nestlab.runner.sweeps: the SPEC grammar, validation, sweep.csv/html, resume, Dask (issue 16)."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from nestlab import cli, runner
from nestlab.runner import sweeps

SCALE = Path(__file__).resolve().parent.parent / "fixtures" / "notebooks" / "scale"
SPECS = runner.discover(SCALE)["01_line"].specs


@pytest.mark.parametrize(("text", "values", "shown"), [
    ("0:4", (0, 1, 2, 3), "0..3"),
    ("0:10:5", (0, 5), "0..5 step 5"),
    ("3", (3,), "3"),
    ("1,2, 7", (1, 2, 7), "1,2,7"),
    ("010,11", (10, 11), "010,11"),
])
def test_int_specs(text, values, shown):
    assert sweeps.parse_spec("seed", text, SPECS["seed"]) == (values, shown)


def test_float_and_text_specs():
    assert sweeps.parse_spec("scale", "0.5,1", SPECS["scale"])[0] == (0.5, 1.0)
    assert sweeps.parse_spec("scale", "1:3", SPECS["scale"])[0] == (1.0, 2.0)
    # a str parameter takes '1:3' as text, not as a range
    assert sweeps.parse_spec("kill_marker", "1:3", SPECS["kill_marker"])[0] == ("1:3",)


@pytest.mark.parametrize(("text", "match"), [
    ("5:5", "empty range '5:5'"),
    ("5:2", "empty range"),
    ("0:10:0", "step 0"),
    ("0:10:-1", "step -1"),
    ("1,,2", "an empty element"),
    ("1,2,1", "given twice"),
    ("-1:3", "valid range"),          # seed is int 0..100000
    ("0:200000", "at most 10000 runs"),
    ("0x10", "not a decimal integer"),
])
def test_bad_specs_refused(text, match):
    with pytest.raises(runner.UsageError, match=match):
        sweeps.parse_spec("seed", text, SPECS["seed"])


def test_plan_is_the_product_grid_and_validated_up_front():
    plan = sweeps.plan_sweep("01_line", [("seed", "0:3"), ("scale", "0.5,1")], notebooks=SCALE)
    assert plan.summary() == "6 runs: seed=0..2 × scale=0.5,1"
    assert [r.values for r in plan.runs][:2] == [{"seed": 0, "scale": 0.5}, {"seed": 0, "scale": 1.0}]
    assert len({r.key for r in plan.runs}) == 6
    again = sweeps.plan_sweep("01_line", [("seed", "0:3"), ("scale", "0.5,1")], notebooks=SCALE)
    assert again.sweep_id == plan.sweep_id and [r.key for r in again.runs] == [r.key for r in plan.runs]
    assert sweeps.plan_sweep("01_line", [("seed", "0:3")], notebooks=SCALE).summary() == \
        "3 runs: seed=0..2"


def test_the_same_refusals_as_run():
    with pytest.raises(runner.UsageError, match="unknown parameter 'nope'.*valid parameters: seed=0"):
        sweeps.plan_sweep("01_line", [("nope", "0:3")], notebooks=SCALE)
    with pytest.raises(runner.UsageError, match="unknown notebook"):
        sweeps.plan_sweep("99_none", [("seed", "0:3")], notebooks=SCALE)
    with pytest.raises(runner.UsageError, match="more than once"):
        sweeps.plan_sweep("01_line", [("seed", "0:3"), ("seed", "4")], notebooks=SCALE)
    with pytest.raises(runner.UsageError, match="scale"):
        sweeps.plan_sweep("01_line", [("scale", "0.5,200")], notebooks=SCALE)


def test_cli_refuses_an_empty_range_before_any_kernel(tmp_path, capsys):
    rc = cli.main(["sweep", "01_line", "-p", "seed", "3:3", "--notebooks", str(SCALE),
                   "--out", str(tmp_path / "r")])
    assert rc == 2
    assert "empty range '3:3' for seed" in capsys.readouterr().err
    assert not (tmp_path / "r").exists()


def test_run_keys_follow_the_notebook_content(tmp_path):
    shutil.copy(SCALE / "01_line.ipynb", tmp_path / "01_line.ipynb")
    before = sweeps.plan_sweep("01_line", [("seed", "0:2")], notebooks=tmp_path)
    with open(tmp_path / "01_line.ipynb", "a") as fh:
        fh.write("\n")
    after = sweeps.plan_sweep("01_line", [("seed", "0:2")], notebooks=tmp_path)
    assert before.sweep_id == after.sweep_id
    assert not {r.key for r in before.runs} & {r.key for r in after.runs}


def _fake_rows(plan, y):
    return [{"run": r.key, **r.values, "status": "ok", "runtime_s": 1.0, "error": "", "_link": None,
             "_results": {"y": y(r.values)}} for r in plan.runs]


def test_sweep_page_draws_the_right_plot_per_grid():
    seeds = sweeps.plan_sweep("01_line", [("seed", "0:8")], notebooks=SCALE)
    page = sweeps.render_sweep_html(seeds, _fake_rows(seeds, lambda v: v["seed"] * 1.5))
    assert "alt='histogram of y over 8 runs (seed=0..7)'" in page
    assert "<td>8</td><td>5.25</td>" in page  # n and mean
    line = sweeps.plan_sweep("01_line", [("seed", "0:3"), ("scale", "0.5,1,2")], notebooks=SCALE)
    page = sweeps.render_sweep_html(line, _fake_rows(line, lambda v: v["scale"]))
    assert "band of ± one standard deviation along scale (0.5,1,2)" in page
    grid = sweeps.plan_sweep("01_line", [("fail_at", "5,6"), ("scale", "0.5,1")], notebooks=SCALE)
    rows = _fake_rows(grid, lambda v: v["scale"])
    rows[0].update(status="failed", error="ValueError: boom (cell In [3])", _results={})
    page = sweeps.render_sweep_html(grid, rows)
    assert "heatmap of the mean of y over fail_at" in page and "data:image/png;base64," in page
    assert "ValueError: boom (cell In [3])" in page and "3 ok</b>, 1 failed" in page


@pytest.mark.notebooks
def test_six_run_sweep_on_a_local_cluster_then_resume(tmp_path, capsys):
    args = ["sweep", "01_line", "-p", "seed", "0:6", "-p", "fail_at", "4", "--notebooks",
            str(SCALE), "--out", str(tmp_path), "--scheduler", "local", "--jobs", "2"]
    assert cli.main(args) == 1  # seed 4 fails on purpose
    err = capsys.readouterr().err
    assert "6 runs: seed=0..5 × fail_at=4" in err and "LocalCluster of 2 worker processes" in err
    (sweep_dir,) = (tmp_path / "sweeps" / "01_line").iterdir()
    with open(sweep_dir / "sweep.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 6
    assert [r["seed"] for r in rows] == [str(i) for i in range(6)]
    assert [r["status"] for r in rows] == ["ok"] * 4 + ["failed", "ok"]
    assert rows[3]["stats.seed_sq"] == "9" and "deliberate failure at seed 4" in rows[4]["error"]
    page = (sweep_dir / "sweep.html").read_text()
    assert "histogram of y over 5 runs" in page and "deliberate failure at seed 4" in page
    assert f"sweeps/01_line/{sweep_dir.name}/sweep.html" in (tmp_path / "index.html").read_text()
    assert not list(sweep_dir.glob("runs/*/*.html"))  # HTML only with --html
    # resume: the five ok runs are skipped, the failed one runs again
    result = sweeps.run_sweep("01_line", [("seed", "0:6"), ("fail_at", "4")], notebooks=SCALE,
                              out_dir=tmp_path, progress=False)
    assert result.skipped == 5 and [r.parameters["seed"] for r in result.executed] == [4]
    assert len(result.rows) == 6 and len(result.failed) == 1


@pytest.mark.notebooks
def test_a_killed_dask_worker_is_survived(tmp_path):
    """The first run kills its Dask worker (SIGKILL); Dask runs it again, the other completes."""
    marker = tmp_path / "killed-once"
    out = tmp_path / "r"
    result = sweeps.run_sweep("01_line", [("seed", "1,2"), ("kill_marker", str(marker))],
                              notebooks=SCALE, out_dir=out, jobs=2, scheduler="local",
                              progress=False)
    assert marker.exists()
    assert [r["status"] for r in result.rows] == ["ok", "ok"]
    assert not list(out.glob("sweeps/*/*/runs/*/.staging-*"))
