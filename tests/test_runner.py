"""nestlab.runner: discovery, refusals, execution, failure isolation, index, atomic writes."""

import json
import os
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from nestlab import runner
from nestlab.record import read_results
from nestlab.runner.publication import FAULT_ENV
from nestlab.runner.site import sha256_file

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


# ----------------------------------------------------------------------------- publication

BIN = Path(sys.executable).parent / "nestlab"

def _publish_fake(out, marker, times=1, name="01_square"):
    """Publish ``times`` fake report sets (ipynb, html, results tagged ``marker-i``) into ``out``."""
    out = Path(out)
    for i in range(int(times)):
        tag = f"{marker}-{i}"
        with runner.folder_lock(out):
            st = runner.Staging.create(out, name)
        with st:
            st.file(".ipynb").write_text(json.dumps({"marker": tag}))
            st.file(".html").write_text(f"<p>{tag}</p>")
            outputs = {"notebook": f"{name}.ipynb", "html": f"{name}.html"}
            st.file(".results.json").write_text(json.dumps({
                "name": name, "status": "ok", "runtime_s": 0.1, "results": {"marker": tag},
                "outputs": outputs, "checksums": {f: sha256_file(st.path / f) for f in outputs.values()}}))
            runner.publish(out, st)


ROOT = Path(__file__).resolve().parent.parent


def _stage_and_publish(out, marker, *, kill_at=None, times=1):
    """:func:`_publish_fake` in a child process (killed with SIGKILL at ``kill_at``)."""
    env = {k: v for k, v in os.environ.items() if k != FAULT_ENV}
    if kill_at:
        env[FAULT_ENV] = kill_at
    code = f"from tests.test_runner import _publish_fake; _publish_fake({str(out)!r}, {marker!r}, {times})"
    return subprocess.Popen([sys.executable, "-c", code], env=env, cwd=ROOT)


def _marker(out, suffix, name="01_square"):
    path = out / f"{name}{suffix}"
    if not path.exists():
        return None
    text = path.read_text()
    return json.loads(text)["marker"] if suffix == ".ipynb" else text[3:-4]


def _index_status(out, name="01_square"):
    page = (out / "index.html").read_text()
    table = page[page.index("id='values'"):]  # the table of every notebook, below the cards
    row = next(r for r in table.split("<tr>") if f">{name}<" in r)
    return row.split('<td class="')[1].split('"')[0]


@pytest.mark.parametrize("point", ["staged", "tombstone", "invalidated", "moved.ipynb", "moved.html",
                                   "published"])
def test_kill_9_during_publication_never_leaves_a_mixed_report_ok(tmp_path, point):
    out = tmp_path / "r"
    out.mkdir()
    _publish_fake(out, "old")
    assert _index_status(out) == "ok"
    assert _stage_and_publish(out, "new", kill_at=point).wait(60) == -signal.SIGKILL
    (run,) = runner.load_runs(out)
    markers = {s: _marker(out, s) for s in (".ipynb", ".html")}
    if run["status"] == "ok":  # only a complete, single-generation report may say ok
        tag = run["results"]["marker"]
        assert markers == {".ipynb": tag, ".html": tag}
    else:
        assert run["status"] == "incomplete"
    if _index_status(out) == "ok":
        assert markers == {".ipynb": "old-0", ".html": "old-0"}  # the index only vouches for old files
    expected_ok = point == "staged" or point == "published"
    assert (run["status"] == "ok") == expected_ok
    # the dead run's staging folder is swept by the next run; a fresh publication is complete
    left = [p.name for p in out.iterdir() if p.name.startswith(".staging-")]
    assert len(left) == 1  # the killed child's
    with runner.folder_lock(out):
        assert runner.sweep(out) == left
    _publish_fake(out, "again")
    (run,) = runner.load_runs(out)
    assert run["status"] == "ok" and _marker(out, ".html") == "again-0" and _index_status(out) == "ok"


def test_kill_9_of_a_real_run_after_the_notebook_moved_in(tmp_path):
    """The measured failure: kill -9 right after the new .ipynb is moved in."""
    out = tmp_path / "r"
    out.mkdir()
    _publish_fake(out, "old")
    env = {**os.environ, FAULT_ENV: "moved.ipynb"}
    res = subprocess.run([str(BIN), "run", "01_square", "--notebooks", str(FIXTURES), "--out", str(out),
                          "--no-progress"], env=env, capture_output=True, text=True, timeout=300)
    assert res.returncode == -signal.SIGKILL
    assert json.loads((out / "01_square.ipynb").read_text())["cells"]  # the new, real notebook
    assert not (out / "01_square.html").exists()  # the old HTML was invalidated first
    (run,) = runner.load_runs(out)
    assert run["status"] == "incomplete"
    assert _index_status(out) == "incomplete"
    assert "incomplete" in runner.render_index(runner.load_runs(out))


def test_concurrent_publications_stay_consistent(tmp_path):
    out = tmp_path / "r"
    out.mkdir()
    procs = [_stage_and_publish(out, f"w{i}", times=5) for i in range(3)]
    assert [p.wait(120) for p in procs] == [0, 0, 0]
    (run,) = runner.load_runs(out)
    tag = run["results"]["marker"]
    assert run["status"] == "ok" and tag.endswith("-4")
    assert _marker(out, ".ipynb") == _marker(out, ".html") == tag
    assert sorted(p.name for p in out.iterdir()) == [".nestlab.lock", "01_square.html", "01_square.ipynb",
                                                       "01_square.results.json", "index.html"]
    assert (out / "index.html").read_text().endswith("</html>\n") and _index_status(out) == "ok"


def test_concurrent_runs_into_one_folder(tmp_path):
    out = tmp_path / "r"
    cmds = [[str(BIN), "run", "01_square", "-p", "n", str(n), "--notebooks", str(FIXTURES), "--out",
             str(out), "--no-progress"] for n in (5, 7)]
    procs = [subprocess.Popen(c, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
             for c in cmds]
    errs = [p.communicate(timeout=300)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], errs
    (run,) = runner.load_runs(out)
    assert run["status"] == "ok" and run["results"]["square"] in (25, 49)
    square = run["results"]["square"]
    assert f"square = {square}" in (out / "01_square.html").read_text()  # html from the same run
    assert read_results(out / "01_square.ipynb")["square"] == square
    assert not [p for p in out.iterdir() if p.name.startswith(".staging-")]


def test_sweep_removes_stale_temp_files_only(tmp_path):
    keep = [".gitignore", ".nestlab.lock", "README.md", "01_square.html"]
    stale = [".01_square.abc123.ipynb", ".index.html.xyz.tmp", ".01_square.results.json.q.tmp"]
    for name in keep + stale:
        (tmp_path / name).write_text("x")
    dead = tmp_path / ".staging-01_square-dead"
    dead.mkdir()
    (dead / ".lock").write_text("")
    with runner.folder_lock(tmp_path):
        live = runner.Staging.create(tmp_path, "02_broken")
        try:
            removed = runner.sweep(tmp_path)
        finally:
            live.close()
    assert sorted(removed) == sorted([*stale, dead.name])
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(keep)


def test_run_sweeps_stale_files_at_start(tmp_path):
    (tmp_path / ".01_square.zzz.ipynb").write_text("stale")
    (tmp_path / ".staging-01_square-old").mkdir()
    runner.run_notebooks(["02_broken"], out_dir=tmp_path, notebooks=FIXTURES, progress=False)
    assert not (tmp_path / ".01_square.zzz.ipynb").exists()
    assert not (tmp_path / ".staging-01_square-old").exists()


def test_published_files_have_a_normal_mode(two_runs):
    out, _ = two_runs
    mode = runner.file_mode()
    for name in ("01_square.ipynb", "01_square.html", "01_square.results.json", "index.html"):
        assert stat.S_IMODE((out / name).stat().st_mode) == mode, name


def test_file_mode_follows_the_umask(tmp_path):
    old = os.umask(0o027)
    try:
        assert runner.file_mode() == 0o640
        runner.atomic_write_text(tmp_path / "x.txt", "x")
        assert stat.S_IMODE((tmp_path / "x.txt").stat().st_mode) == 0o640
    finally:
        os.umask(old)
    assert runner.file_mode() == 0o666 & ~old


def test_failed_kernel_start_leaves_no_stale_reports(tmp_path, monkeypatch):
    """A notebook that cannot even start replaces its old reports by a failed results file."""
    (plan,) = runner.plan_runs(["01_square"], notebooks=FIXTURES)
    (tmp_path / "01_square.html").write_text("old")
    with runner.folder_lock(tmp_path):
        st = runner.Staging.create(tmp_path, "01_square")
    with st:
        run = runner.execute(plan, st.path, progress=False, kernel_name="no-such-kernel")
        runner.publish(tmp_path, st)
    assert run.status == "failed"
    html = tmp_path / "01_square.html"
    assert not html.exists() or html.read_text() != "old"  # the old HTML never outlives the run
    (loaded,) = runner.load_runs(tmp_path)
    assert loaded["status"] == "failed" and "no-such-kernel" in loaded["error"]["evalue"]


def test_files_a_notebook_writes_beside_its_report_are_published_with_it(tmp_path):
    """``$NESTLAB_OUT_DIR`` is the staging folder; ``NAME.*`` files written there are published
    with the reports and replace the old run's (a stale ``NAME.old.nc`` does not survive)."""
    import nbformat

    nbdir = tmp_path / "nbs"
    nbdir.mkdir()
    nb = nbformat.read(str(FIXTURES / "01_square.ipynb"), as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(
        "import os, pathlib\n"
        "pathlib.Path(os.environ['NESTLAB_OUT_DIR'], '01_square.fit.nc').write_text('posterior')"))
    nbformat.write(nb, str(nbdir / "01_square.ipynb"))
    out = tmp_path / "out"
    out.mkdir()
    (out / "01_square.old.nc").write_text("stale")
    (run,) = runner.run_notebooks(["01_square"], notebooks=nbdir, out_dir=out, progress=False)
    assert run.status == "ok", run.error
    assert (out / "01_square.fit.nc").read_text() == "posterior"
    assert not (out / "01_square.old.nc").exists()
    assert not list(out.glob(".staging-*"))
