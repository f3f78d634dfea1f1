"""nestlab.runner: discovery, refusals, execution, failure isolation, index, atomic writes."""

import json
import os
from pathlib import Path

import pytest

from nestlab import runner

FIXTURES = Path(__file__).parent / "fixtures" / "notebooks"


def test_discover_reads_parameters_and_title():
    cat = runner.discover(FIXTURES)
    assert list(cat) == ["01_square", "02_broken", "03_declared"]
    assert cat["01_square"].parameters == {"n": 3, "scale": 0.5, "label": "demo", "flag": True,
                                           "items": [1, 2]}
    assert cat["01_square"].title == "Fixture: square a number"


@pytest.mark.parametrize("src", ["x = compute()", "import os", "a, b = 1, 2", "x = [y]"])
def test_parse_parameters_refuses_non_literals(src):
    with pytest.raises(ValueError):
        runner.parse_parameters(src)


def test_parse_parameters_accepts_comments_and_annotations():
    assert runner.parse_parameters("# c\nx: int = 3  # size\ny = 'a'\n") == {"x": 3, "y": "a"}


def test_unknown_notebook_lists_valid_choices():
    with pytest.raises(runner.UsageError) as err:
        runner.plan_runs(["nope"], notebooks=FIXTURES)
    assert "'nope'" in str(err.value) and "01_square, 02_broken, 03_declared" in str(err.value)


def test_unknown_parameter_lists_valid_parameters():
    with pytest.raises(runner.UsageError) as err:
        runner.plan_runs(["01_square"], overrides=[("m", "1")], notebooks=FIXTURES)
    msg = str(err.value)
    assert "'m'" in msg and "n=3" in msg and "scale=0.5" in msg


@pytest.mark.parametrize("key,value", [("n", "abc"), ("n", "1.5"), ("flag", "3"), ("items", "7"),
                                       ("scale", "x")])
def test_wrong_type_is_refused(key, value):
    with pytest.raises(runner.UsageError, match=f"invalid( type for)? {key}\\b.*{value}"):
        runner.plan_runs(["01_square"], overrides=[(key, value)], notebooks=FIXTURES)


def test_values_are_coerced_from_strings():
    (plan,) = runner.plan_runs(["01_square"], overrides=[("n", "4"), ("scale", "2"), ("flag", "false"),
                                                         ("label", "7"), ("items", "[3, 4]")],
                               notebooks=FIXTURES)
    assert plan.parameters == {"n": 4, "scale": 2.0, "flag": False, "label": "7", "items": [3, 4]}
    assert isinstance(plan.parameters["scale"], float)


def test_profiles_apply_and_unknown_profile_refused():
    (plan,) = runner.plan_runs(["01_square"], profile="smoke", notebooks=FIXTURES)
    assert plan.parameters == {"n": 2}
    with pytest.raises(runner.UsageError, match="valid profiles: smoke"):
        runner.plan_runs(["01_square"], profile="fast", notebooks=FIXTURES)


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    out = tmp_path_factory.mktemp("reports")
    runs = runner.run_notebooks(["02_broken", "01_square"], profile="smoke", out_dir=out,
                                notebooks=FIXTURES, progress=False)
    return out, runs


def test_failure_is_isolated_and_reported(two_runs):
    out, (broken, ok) = two_runs
    assert broken.status == "failed" and ok.status == "ok"
    assert broken.error["ename"] == "ValueError"
    assert "deliberate failure" in broken.error["evalue"]
    assert "raise ValueError" in broken.error["cell_source"]
    assert broken.error["cell"] == 3
    assert broken.results == {"before_failure": 1}  # what ran before the failure is kept
    assert ok.results == {"square": 4, "scaled": 1.0, "label": "demo", "flag": True, "total": 3}


def test_outputs_written(two_runs):
    out, _ = two_runs
    for name in ("01_square", "02_broken"):
        for suffix in (".ipynb", ".html", ".results.json"):
            assert (out / f"{name}{suffix}").is_file()
    data = json.loads((out / "01_square.results.json").read_text())
    assert data["status"] == "ok" and data["parameters"]["n"] == 2 and data["profile"] == "smoke"
    assert data["runtime_s"] > 0 and data["versions"]["torch"] and data["versions"]["cpu_count"]
    hidden = [p.name for p in out.iterdir() if p.name.startswith(".")]
    assert hidden == [".nestlab.lock"]  # no temp files or staging folders left


def test_html_is_self_contained(two_runs):
    out, _ = two_runs
    page = (out / "01_square.html").read_text()
    assert "square = 4" in page
    assert "require.min.js" not in page
    assert "<link rel=\"stylesheet\" href=\"http" not in page


def test_index_lists_each_notebook(two_runs):
    out, _ = two_runs
    page = (out / "index.html").read_text()
    assert '<a href="01_square.html">01_square</a>' in page
    assert '<td class="ok">ok</td>' in page and '<td class="failed">failed</td>' in page
    assert "deliberate failure" in page and "in cell In [3]" in page
    assert "<dt>square</dt><dd>4</dd>" in page
    assert "1 of 2 notebooks ok" in page


def test_index_survives_unreadable_results(tmp_path):
    (tmp_path / "x.results.json").write_text("{not json")
    runner.write_index(tmp_path)
    assert "unreadable" in (tmp_path / "index.html").read_text()


def test_atomic_write_keeps_old_file_on_failure(tmp_path, monkeypatch):
    target = tmp_path / "f.txt"
    runner.atomic_write_text(target, "old")

    def boom(*a, **k):
        raise OSError("crash during rename")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        runner.atomic_write_text(target, "new")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["f.txt"]


def test_headline_flattens_dicts_and_skips_lists():
    rows = runner.headline({"a": 1.23456, "b": [1, 2], "c": {"x": {"y": 2}, "z": "s"}}, limit=3)
    assert rows == [("a", "1.235"), ("c.x.y", "2"), ("c.z", "s")]
