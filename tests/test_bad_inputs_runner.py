"""Bad inputs to the runner and the CLI: each is refused with its type/exit status and a message
that names the bad argument and its value (and what is valid) — never a traceback, never a kernel.

The notebooks are the fast fixtures under ``tests/fixtures/notebooks``; ``03_declared`` has one
parameter of every kind the declaration grammar knows.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nestlab import cli, runner

FIXTURES = Path(__file__).parent / "fixtures" / "notebooks"


def _plan(overrides, name="03_declared", **kwargs):
    return runner.plan_runs([name], overrides=overrides, notebooks=kwargs.pop("notebooks", FIXTURES),
                            **kwargs)


# ----------------------------------------------------------------------------- -p text values

# (parameter, text, words the message must hold besides the parameter's name)
TEXT_CASES = [
    ("n", "-5", ["-5", "1 <= n <= 100"]),
    ("n", "0", ["n 0", "1 <= n <= 100"]),
    ("n", "101", ["101", "1 <= n <= 100"]),
    ("n", "1000000000000", ["1000000000000", "n <= 100"]),
    ("n", "1:30", ["'1:30'", "not a decimal integer", "int 1..100"]),
    ("n", "0x10", ["'0x10'", "not a decimal integer"]),
    ("n", "1e3", ["'1e3'", "not a decimal integer"]),
    ("n", "1.0", ["'1.0'", "not a decimal integer"]),
    ("n", "abc", ["'abc'", "int 1..100"]),
    ("n", "", ["''", "not a decimal integer"]),
    ("n", "1_000", ["'1_000'", "not a decimal integer"]),
    ("n", "true", ["'true'", "not a decimal integer"]),
    ("n", "[3]", ["'[3]'", "not a decimal integer"]),
    ("seed", "-1", ["seed -1", "0 <= seed <= 4294967295"]),
    ("seed", "4294967296", ["4294967296", "seed <= 4294967295"]),
    ("rate", "0", ["rate 0", "0 < rate <= 1"]),
    ("rate", "1.5", ["1.5", "0 < rate <= 1"]),
    ("rate", "nan", ["rate nan", "finite number"]),
    ("rate", ".nan", ["rate nan", "finite number"]),
    ("rate", "inf", ["rate inf", "finite number"]),
    ("rate", "-.inf", ["rate -inf", "finite number"]),
    ("rate", "1,5", ["'1,5'", "not a decimal number", "float (0, 1]"]),
    ("rate", "0x1p-2", ["'0x1p-2'", "not a decimal number"]),
    ("rate", "half", ["'half'", "not a decimal number"]),
    ("mu0", "0", ["mu0 0", "> 0"]),
    ("mu0", "-2.5", ["mu0 -2.5", "> 0"]),
    ("mu0", "1e400", ["mu0 inf", "finite number > 0"]),
    ("bias", "11", ["bias 11", "-10 <= bias <= 10"]),
    ("bias", "inf", ["bias inf", "finite number"]),
    ("wide", "-1", ["wide -1", ">= 0"]),
    ("wide", "nan", ["wide nan", ">= 0"]),
    ("flag", "yes", ["'yes'", "not true or false"]),
    ("flag", "1", ["'1'", "not true or false"]),
    ("flag", "on", ["'on'", "not true or false"]),
    ("flag", "", ["''", "not true or false"]),
    ("method", "GR2-L0", ["'GR2-L0'", "matching GR2-L[1-9]"]),
    ("method", "DDPG", ["'DDPG'", "matching GR2-L[1-9]"]),
    ("cost", "bogus", ["unknown cost 'bogus'", "valid choices: quadratic, linex, absolute"]),
    ("cost", "Quadratic", ["'Quadratic'", "valid choices: quadratic, linex, absolute"]),
    ("cost", "", ["unknown cost ''", "valid choices"]),
    ("experiment", "3", ["unknown experiment 3", "valid choices: 1, 2"]),
    ("experiment", "one", ["'one'", "not a decimal integer", "one of 1, 2"]),
    ("experiment", "1.0", ["'1.0'", "not a decimal integer"]),
    ("costs", "[bogus]", ["unknown costs[0] 'bogus'", "valid choices: quadratic, linex, absolute"]),
    ("costs", "[quadratic, bogus]", ["costs[1] 'bogus'", "valid choices"]),
    ("costs", "[]", ["invalid costs []", "0 elements", "valid length: 1..3"]),
    ("costs", "[quadratic, quadratic]", ["'quadratic' appears twice", "distinct"]),
    ("costs", "[quadratic, linex, absolute, linex]", ["4 elements", "valid length: 1..3"]),
    ("costs", "quadratic", ["'quadratic'", "not a flow sequence like [a, b]"]),
    ("costs", "[quadratic", ["'[quadratic'", "not a flow sequence"]),
    ("costs", "[[quadratic]]", ["costs[0]", "list", "valid types"]),
    ("costs", "{a: b}", ["'{a: b}'", "not a flow sequence"]),
    ("levels", "[10]", ["levels[0] 10", "0 <= levels[0] <= 9"]),
    ("levels", "[1, -1]", ["levels[1] -1", "0 <= levels[1] <= 9"]),
    ("levels", "[1.5]", ["levels[0] '1.5'", "not a decimal integer"]),
    ("levels", "[0x1]", ["levels[0] '0x1'", "not a decimal integer"]),
    ("levels", "[007, 1:30]", ["levels[1] '1:30'", "not a decimal integer"]),
    ("weights", "[]", ["invalid weights []", "0 elements"]),
    ("weights", "[nan]", ["weights[0] nan", "finite number"]),
    ("weights", "[0.5, 2]", ["weights[1] 2", "0 <= weights[1] <= 1"]),
    ("weights", "[0.5, .inf]", ["weights[1] inf", "finite number"]),
    ("cost_params", "{gamma: 0.5}", ["unknown key of cost_params 'gamma'", "valid choices: beta, alpha"]),
    ("cost_params", "{beta: 0}", ["cost_params['beta'] 0", "0 < cost_params['beta'] <= 1"]),
    ("cost_params", "{beta: 2}", ["cost_params['beta'] 2", "<= 1"]),
    ("cost_params", "{beta: nan}", ["cost_params['beta'] nan", "finite number"]),
    ("cost_params", "[0.5]", ["'[0.5]'", "not a flow mapping like {key: value}"]),
    ("cost_params", "{beta: [1]}", ["cost_params['beta']", "list", "valid types: float"]),
    ("limit", "0", ["limit 0", "1 <= limit <= 10"]),
    ("limit", "nan", ["limit 'nan'", "not a decimal integer"]),
]


@pytest.mark.parametrize("key,text,words", TEXT_CASES, ids=[f"{k}={t!r}" for k, t, _ in TEXT_CASES])
def test_bad_text_value_is_refused(key, text, words):
    with pytest.raises(runner.UsageError) as err:
        _plan([(key, text)])
    msg = str(err.value)
    assert "notebook '03_declared' (-p)" in msg
    assert key in msg
    for word in words:
        assert word in msg, (word, msg)


# (parameter, Python value, exception type, words)
PY_CASES = [
    ("n", True, TypeError, ["invalid type for n: bool (True)", "valid types: int"]),
    ("n", 3.0, TypeError, ["invalid type for n: float (3.0)"]),
    ("n", None, TypeError, ["invalid type for n: NoneType (None)"]),
    ("n", [3], TypeError, ["invalid type for n: list ([3])"]),
    ("rate", True, TypeError, ["invalid type for rate: bool (True)"]),
    ("rate", float("nan"), ValueError, ["invalid rate nan"]),
    ("flag", 1, TypeError, ["invalid type for flag: int (1)", "valid types: bool"]),
    ("label", 7, TypeError, ["invalid type for label: int (7)", "valid types: str"]),
    ("cost", None, TypeError, ["invalid type for cost: NoneType (None)"]),
    ("cost", 3, TypeError, ["invalid type for cost: int (3)", "quadratic, linex, absolute"]),
    ("experiment", True, TypeError, ["invalid type for experiment: bool (True)"]),
    ("costs", ("quadratic", 3), TypeError, ["invalid type for costs[1]: int (3)"]),
    ("costs", ["bogus"], ValueError, ["unknown costs[0] 'bogus'"]),
    ("levels", (1, True), TypeError, ["invalid type for levels[1]: bool (True)"]),
    ("cost_params", {"beta": "x"}, ValueError, ["cost_params['beta'] 'x'", "not a decimal number"]),
    ("cost_params", {3: 0.5}, TypeError, ["key of cost_params", "int (3)"]),
    ("cost_params", 0.5, TypeError, ["invalid type for cost_params: float (0.5)", "dict"]),
]


@pytest.mark.parametrize("key,value,exc,words", PY_CASES, ids=[f"{k}={v!r}" for k, v, _, _ in PY_CASES])
def test_bad_python_value_is_refused(key, value, exc, words):
    with pytest.raises(runner.UsageError) as err:
        _plan({key: value})
    assert isinstance(err.value, exc)
    for word in words:
        assert word in str(err.value), (word, str(err.value))


def test_good_values_parse_by_the_declared_type():
    """The counterpart of the refusals: what a user types is read as they mean it."""
    (plan,) = _plan([("n", "010"), ("seed", "007"), ("rate", "1e-1"), ("mu0", "1e3"),
                     ("bias", "nan"), ("wide", "inf"), ("flag", "False"), ("label", "0x10"),
                     ("method", "GR2-L3"), ("experiment", "2"), ("costs", '["linex", absolute]'),
                     ("levels", "[007, 9]"), ("weights", "[0, 1]"), ("cost_params", "{alpha: 1}"),
                     ("limit", "none")])
    p = plan.parameters
    assert (p["n"], p["seed"], p["rate"], p["mu0"]) == (10, 7, 0.1, 1000.0)
    assert p["bias"] != p["bias"] and p["wide"] == float("inf")  # declared allow nan / allow inf
    assert (p["flag"], p["label"], p["method"], p["experiment"]) == (False, "0x10", "GR2-L3", 2)
    assert (p["costs"], p["levels"], p["weights"]) == (["linex", "absolute"], [7, 9], [0.0, 1.0])
    assert p["cost_params"] == {"alpha": 1.0} and p["limit"] is None
    assert isinstance(p["mu0"], float) and isinstance(p["weights"][0], float)


# ----------------------------------------------------------------------------- names, keys, profiles


def _folder_with_profile(tmp_path, text, name="custom"):
    folder = tmp_path / "nbs"
    shutil.copytree(FIXTURES, folder)
    (folder / "profiles" / f"{name}.yaml").write_bytes(text if isinstance(text, bytes) else text.encode())
    return folder


REQUEST_CASES = [
    ("unknown notebook", dict(names=["nope"]), ["unknown notebook 'nope'", "valid notebooks: 01_square"]),
    ("two unknown notebooks", dict(names=["a", "b"]), ["unknown notebooks 'a', 'b'"]),
    ("empty notebook name", dict(names=[""]), ["unknown notebook ''"]),
    ("non-text notebook name", dict(names=[3]), ["invalid notebook name 3", "valid notebooks"]),
    ("notebook path", dict(names=["notebooks/03_declared.ipynb"]),
     ["unknown notebook 'notebooks/03_declared'"]),
    ("unknown parameter", dict(names=["03_declared"], overrides=[("nn", "1")]),
     ["unknown parameter 'nn'", "valid parameters: n=3"]),
    ("two unknown parameters", dict(names=["03_declared"], overrides=[("x", "1"), ("y", "2")]),
     ["unknown parameters 'x', 'y'"]),
    ("parameter of another notebook", dict(names=["01_square", "02_broken"], overrides=[("n", "2")]),
     ["unknown parameter 'n'", "'02_broken'", "fail=True"]),
    ("repeated -p", dict(names=["03_declared"], overrides=[("n", "1"), ("n", "2")]),
     ["given more than once", "n: '1', '2'"]),
    ("malformed pair", dict(names=["03_declared"], overrides=[("n",)]),
     ["invalid override ('n',)", "(KEY, VALUE) pairs"]),
    ("unknown profile", dict(names=["03_declared"], profile="fast"),
     ["unknown profile 'fast'", "valid profiles: smoke"]),
    ("profile path", dict(names=["03_declared"], profile="../smoke"), ["unknown profile '../smoke'"]),
    ("non-text profile", dict(names=["03_declared"], profile=3), ["unknown profile 3"]),
    ("missing notebooks folder", dict(names=["03_declared"], notebooks="/no/such/folder"),
     ["invalid notebooks folder '/no/such/folder'", "not a folder"]),
]


@pytest.mark.parametrize("case,kwargs,words", REQUEST_CASES, ids=[c for c, _, _ in REQUEST_CASES])
def test_bad_request_is_refused(case, kwargs, words):
    kwargs.setdefault("notebooks", FIXTURES)
    with pytest.raises(runner.UsageError) as err:
        runner.plan_runs(kwargs.pop("names"), **kwargs)
    for word in words:
        assert word in str(err.value), (word, str(err.value))


def test_empty_notebooks_folder_is_refused(tmp_path):
    with pytest.raises(runner.UsageError, match=f"no notebooks found in {tmp_path}"):
        runner.plan_runs(notebooks=tmp_path)


PROFILE_CASES = [
    ("hex value", "03_declared: {n: 0x10}\n", ["(profile 'custom')", "invalid n '0x10'"]),
    ("sexagesimal", "03_declared: {n: 1:30}\n", ["invalid n '1:30'"]),
    ("out of range", "03_declared: {n: 1000}\n", ["invalid n 1000", "1 <= n <= 100"]),
    ("bad list element", "03_declared: {costs: [quadratic, bogus]}\n", ["unknown costs[1] 'bogus'"]),
    ("nan", "03_declared: {rate: .nan}\n", ["invalid rate nan"]),
    ("yes for a bool", "03_declared: {flag: yes}\n", ["invalid flag 'yes'", "not true or false"]),
    ("unknown parameter", "03_declared: {nope: 1}\n", ["unknown parameter 'nope'", "profile 'custom'"]),
    ("syntax error", "03_declared: {n: [1\n", ["profile 'custom'", "unreadable"]),
    ("a list", "- 03_declared\n", ["profile 'custom'", "must map notebook names", "list"]),
    ("entry not a mapping", "03_declared: 5\n", ["entry '03_declared'", "'5'"]),
    ("binary file", b"\xff\xfe\x00bad", ["profile 'custom'", "unreadable"]),
]


@pytest.mark.parametrize("case,text,words", PROFILE_CASES, ids=[c for c, _, _ in PROFILE_CASES])
def test_bad_profile_is_refused(tmp_path, case, text, words):
    folder = _folder_with_profile(tmp_path, text)
    with pytest.raises(runner.UsageError) as err:
        runner.plan_runs(["03_declared"], profile="custom", notebooks=folder)
    for word in words:
        assert word in str(err.value), (word, str(err.value))


def test_profile_values_parse_like_command_line_values():
    (plan,) = runner.plan_runs(["03_declared"], profile="smoke", notebooks=FIXTURES)
    assert plan.parameters == {"n": 10, "costs": ["linex", "absolute"], "rate": 0.1}  # 010 is 10


# ----------------------------------------------------------------------------- declarations

DECLARATION_CASES = [
    "int 1..", "int 5..1", "int one..two", "float (1, 0)", "float (1, 1)", "float 0..1",
    "one of:", "one of: a, a", "one of: a,, b", "list[3..1] of int 0..1", "list of", "str matching (",
    "dict of float [0, 1] -> int 0..1", "int 1..3 allow nan", "bool allow inf", "integer 1..3",
]


@pytest.mark.parametrize("text", DECLARATION_CASES)
def test_bad_declaration_is_a_declaration_error(text):
    with pytest.raises(runner.DeclarationError) as err:
        runner.parse_declaration(text)
    assert repr(" ".join(text.split())).strip("'") in str(err.value) or text in str(err.value)


def test_bad_declaration_in_a_cell_names_the_parameter():
    with pytest.raises(runner.DeclarationError, match="parameter n: declaration 'int 5..1'"):
        runner.parse_parameters_cell("n = 3  # int 5..1; size\n")


def test_undeclared_comment_is_a_description():
    (p,) = runner.parse_parameters_cell("n = 3  # number of things\n")
    assert not p.spec.declared and p.description == "number of things"


# ----------------------------------------------------------------------------- out, timeout


def test_out_is_a_file(tmp_path):
    target = tmp_path / "f.txt"
    target.write_text("x")
    with pytest.raises(runner.UsageError, match=f"invalid out_dir '{target}': it is a file"):
        runner.run_notebooks(["01_square"], out_dir=target, notebooks=FIXTURES, progress=False)
    assert target.read_text() == "x"


def test_out_under_a_file(tmp_path):
    (tmp_path / "f").write_text("x")
    with pytest.raises(runner.UsageError, match=r"invalid out_dir '.*f/sub/r'.*f' is a file"):
        runner.run_notebooks(["01_square"], out_dir=tmp_path / "f" / "sub" / "r", notebooks=FIXTURES,
                             progress=False)


@pytest.mark.parametrize("value,words", [("", ["invalid out_dir ''", "empty path"]),
                                         ("   ", ["empty path"]),
                                         (3, ["invalid type for out_dir: int (3)"]),
                                         ("a\0b", ["NUL"])])
def test_out_not_a_path(value, words):
    with pytest.raises(runner.UsageError) as err:
        runner.check_out_dir(value)
    for word in words:
        assert word in str(err.value)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes through a read-only mode")
def test_out_unwritable_folder(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        with pytest.raises(runner.UsageError, match="not writable"):
            runner.check_out_dir(ro)
        with pytest.raises(runner.UsageError, match="cannot create it"):
            runner.check_out_dir(ro / "sub")
    finally:
        ro.chmod(0o700)


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux /proc")
def test_out_where_nothing_can_be_written():
    """A place no user (root included) can create a folder in: the probe write catches it."""
    with pytest.raises(runner.UsageError, match="invalid out_dir '/proc/nestlab-reports'"):
        runner.check_out_dir("/proc/nestlab-reports", create=True)


@pytest.mark.parametrize("timeout,words", [(0, ["invalid timeout 0", ">= 1"]),
                                           (-5, ["invalid timeout -5"]),
                                           (1.5, ["invalid type for timeout: float (1.5)"]),
                                           ("30", ["invalid type for timeout: str ('30')"]),
                                           (True, ["invalid type for timeout: bool (True)"])])
def test_bad_timeout_is_refused_before_any_kernel(tmp_path, timeout, words):
    with pytest.raises(runner.UsageError) as err:
        runner.run_notebooks(["01_square"], out_dir=tmp_path / "r", notebooks=FIXTURES,
                             progress=False, timeout=timeout)
    for word in words:
        assert word in str(err.value)
    assert not (tmp_path / "r").exists()


def test_write_index_of_a_missing_folder(tmp_path):
    with pytest.raises(runner.UsageError, match=f"invalid out_dir '{tmp_path / 'none'}': no such folder"):
        runner.write_index(tmp_path / "none")


# ----------------------------------------------------------------------------- the command line

CLI_CASES = [
    (["run", "03_declared", "-p", "n", "0x10"], ["invalid n '0x10'", "int 1..100"]),
    (["run", "03_declared", "-p", "costs", "[bogus]"], ["unknown costs[0] 'bogus'"]),
    (["run", "03_declared", "-p", "rate", ".nan"], ["invalid rate nan"]),
    (["run", "03_declared", "-p", "n", "1", "-p", "n", "2"], ["given more than once"]),
    (["run", "nope"], ["unknown notebook 'nope'"]),
    (["run", "03_declared", "--profile", "nope"], ["unknown profile 'nope'"]),
    (["list", "--profile", "nope"], ["unknown profile 'nope'"]),
]


@pytest.mark.parametrize("argv,words", CLI_CASES, ids=[" ".join(a) for a, _ in CLI_CASES])
def test_cli_refusal_exits_2(tmp_path, capsys, argv, words):
    out = tmp_path / "r"
    extra = ["--notebooks", str(FIXTURES)] + (["--out", str(out)] if argv[0] == "run" else [])
    assert cli.main([*argv, *extra]) == 2
    err = capsys.readouterr().err
    assert err.startswith("nestlab: error: ")
    for word in words:
        assert word in err, (word, err)
    assert not out.exists()  # refused before anything was written


@pytest.mark.parametrize("value", ["0", "-3", "abc", "1.5", ""])
def test_cli_bad_timeout_exits_2(capsys, value):
    with pytest.raises(SystemExit) as exc:
        cli.main(["run", "01_square", "--timeout", value, "--notebooks", str(FIXTURES)])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert f"invalid timeout {value!r}" in err and "integer >= 1" in err


def test_cli_out_is_a_file(tmp_path, capsys):
    target = tmp_path / "f"
    target.write_text("x")
    assert cli.main(["run", "01_square", "--out", str(target), "--notebooks", str(FIXTURES)]) == 2
    assert f"invalid --out '{target}': it is a file" in capsys.readouterr().err


def test_cli_index_of_a_missing_folder(tmp_path, capsys):
    assert cli.main(["index", "--out", str(tmp_path / "none")]) == 2
    assert f"invalid --out '{tmp_path / 'none'}': no such folder" in capsys.readouterr().err


def test_cli_missing_parameter_value_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["run", "01_square", "-p", "n"])
    assert exc.value.code == 2
    assert "-p/--parameter: expected 2 arguments" in capsys.readouterr().err


def test_cli_missing_notebooks_folder(capsys):
    assert cli.main(["run", "01_square", "--notebooks", "/no/such/dir"]) == 2
    assert "invalid notebooks folder '/no/such/dir'" in capsys.readouterr().err


# ----------------------------------------------------------------------------- malformed results


RESULTS_CASES = [
    ("empty list", "[]", "a JSON list, not an object"),
    ("string", '"ok"', "a JSON str, not an object"),
    ("null", "null", "a JSON NoneType, not an object"),
    ("truncated", '{"name": "09_x", "status": ', "JSONDecodeError"),
    ("binary", b"\x89PNG\r\n\x1a\n\x00\x00", "UnicodeDecodeError"),
    ("utf-16", '{"name": "09_x"}'.encode("utf-16"), "UnicodeDecodeError"),
    ("missing name", '{"status": "ok", "runtime_s": 1}', "missing field 'name'"),
    ("missing status", '{"name": "09_x", "runtime_s": 1}', "missing field 'status'"),
    ("missing runtime", '{"name": "09_x", "status": "ok"}', "missing field 'runtime_s'"),
    ("runtime text", '{"name": "09_x", "status": "ok", "runtime_s": "fast"}',
     "field 'runtime_s' is str"),
    ("runtime bool", '{"name": "09_x", "status": "ok", "runtime_s": true}', "field 'runtime_s' is bool"),
    ("status number", '{"name": "09_x", "status": 3, "runtime_s": 1}', "field 'status' is int"),
    ("status unknown", '{"name": "09_x", "status": "great", "runtime_s": 1}', "field 'status' is 'great'"),
    ("results list", '{"name": "09_x", "status": "ok", "runtime_s": 1, "results": [1]}',
     "field 'results' is list"),
    ("error text", '{"name": "09_x", "status": "failed", "runtime_s": 1, "error": "boom"}',
     "field 'error' is str"),
    ("outputs path", '{"name": "09_x", "status": "ok", "runtime_s": 1, "outputs": {"html": "../x.html"}}',
     "outputs['html'] is '../x.html'"),
    ("outputs number", '{"name": "09_x", "status": "ok", "runtime_s": 1, "outputs": {"html": 5}}',
     "outputs['html'] is 5"),
    ("name mismatch", '{"name": "10_other", "status": "ok", "runtime_s": 1}', "'10_other' but the file"),
    ("nested too deep", "[" * 100000 + "]" * 100000, "RecursionError"),
]


@pytest.mark.parametrize("case,content,why", RESULTS_CASES, ids=[c for c, _, _ in RESULTS_CASES])
def test_malformed_results_file_is_flagged_not_fatal(tmp_path, case, content, why):
    path = tmp_path / "09_x.results.json"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    (tmp_path / "01_fine.results.json").write_text(json.dumps(
        {"name": "01_fine", "status": "ok", "runtime_s": 1.0, "results": {"a": 1}}))
    runner.write_index(tmp_path)  # never raises
    runs = {r["name"]: r for r in runner.load_runs(tmp_path)}
    assert runs["01_fine"]["status"] == "ok"
    bad = runs["09_x"]
    assert bad["status"] == "unreadable"
    assert "09_x.results.json" in bad["error"]["evalue"] and why in bad["error"]["evalue"]
    page = (tmp_path / "index.html").read_text()
    assert '<td class="unreadable">unreadable</td>' in page and "1 of 2 notebooks ok" in page


def test_results_whose_reports_changed_are_incomplete(tmp_path):
    (tmp_path / "09_x.html").write_text("new html")
    (tmp_path / "09_x.results.json").write_text(json.dumps(
        {"name": "09_x", "status": "ok", "runtime_s": 1.0, "outputs": {"html": "09_x.html"},
         "checksums": {"09_x.html": "0" * 64}}))
    (run,) = runner.load_runs(tmp_path)
    assert run["status"] == "incomplete" and "09_x.html is not the file this run published" in \
        run["error"]["evalue"]


def test_results_whose_report_is_missing_are_incomplete(tmp_path):
    (tmp_path / "09_x.results.json").write_text(json.dumps(
        {"name": "09_x", "status": "ok", "runtime_s": 1.0, "outputs": {"html": "09_x.html"}}))
    (run,) = runner.load_runs(tmp_path)
    assert run["status"] == "incomplete" and "09_x.html is missing" in run["error"]["evalue"]


def test_report_without_results_is_incomplete(tmp_path):
    (tmp_path / "09_x.ipynb").write_text("{}")
    (run,) = runner.load_runs(tmp_path)
    assert run["status"] == "incomplete" and "09_x.ipynb has no 09_x.results.json" in run["error"]["evalue"]


# ----------------------------------------------------------------------------- more refusals


def test_out_is_the_notebooks_folder(tmp_path):
    folder = tmp_path / "nbs"
    shutil.copytree(FIXTURES, folder)
    before = (folder / "01_square.ipynb").read_bytes()
    with pytest.raises(runner.UsageError, match=r"invalid out_dir .*nbs.*holds the notebook 01_square.ipynb"):
        runner.run_notebooks(["01_square"], out_dir=folder, notebooks=folder, progress=False)
    assert (folder / "01_square.ipynb").read_bytes() == before


@pytest.mark.parametrize("value,exc,words", [("2", ValueError, ["unknown x 2.0", "0.5, 1.5"]),
                                             ("a", ValueError, ["invalid x 'a'", "not a decimal number"]),
                                             (True, TypeError, ["invalid type for x: bool (True)"])])
def test_numeric_choices(value, exc, words):
    spec = runner.parse_declaration("one of: 0.5, 1.5")
    with pytest.raises(runner.UsageError) as err:
        runner.check_value("x", spec, value)
    assert isinstance(err.value, exc)
    for word in words:
        assert word in str(err.value)
    assert runner.check_value("x", spec, "1.5") == 1.5


def test_cli_list_of_a_missing_notebooks_folder(capsys):
    assert cli.main(["list", "--notebooks", "/no/such/dir"]) == 2
    assert "invalid notebooks folder '/no/such/dir'" in capsys.readouterr().err


def test_cli_notebook_with_a_bad_declaration_exits_2(tmp_path, capsys):
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# bad"),
                nbformat.v4.new_code_cell("n = 3  # int 9..1", metadata={"tags": ["parameters"]})]
    nbformat.write(nb, str(tmp_path / "05_bad.ipynb"))
    assert cli.main(["list", "--notebooks", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "05_bad.ipynb: parameter n: declaration 'int 9..1': empty range 9..1" in err


@pytest.mark.parametrize("blocker", ["01_square.html", "index.html"])
def test_out_where_a_report_name_is_a_folder(tmp_path, blocker):
    (tmp_path / blocker).mkdir()
    with pytest.raises(runner.UsageError, match=f"invalid out_dir '{tmp_path}': {blocker} there is a folder"):
        runner.run_notebooks(["01_square"], out_dir=tmp_path, notebooks=FIXTURES, progress=False)


def test_huge_python_int_for_a_float():
    with pytest.raises(runner.UsageError, match="invalid mu0 .*too large"):
        _plan({"mu0": 10**400})


def test_deeply_nested_list_text():
    with pytest.raises(runner.UsageError, match=r"invalid costs '\[\[\[\[.*"):
        _plan([("costs", "[" * 20000 + "]" * 20000)])


def test_near_misses_get_a_suggestion():
    with pytest.raises(runner.UsageError, match=r"unknown parameter 'nn' .*\(did you mean n\?\)"):
        _plan([("nn", "1")])
    with pytest.raises(runner.UsageError, match=r"unknown notebook '03_declard' \(did you mean 03_declared\?\)"):
        runner.plan_runs(["03_declard"], notebooks=FIXTURES)


# ----------------------------------------------------------------------------- property: any text

_DECLARED = runner.discover(FIXTURES)["03_declared"]
_TEXT = st.one_of(
    st.text(max_size=12),
    st.from_regex(r"[+-]?[0-9]{0,12}(\.[0-9]{0,4})?([eE][+-]?[0-9]{1,3})?", fullmatch=True),
    st.sampled_from(["nan", ".inf", "-inf", "true", "False", "none", "0x10", "1:30", "010", "[]", "{}"]),
    st.lists(st.sampled_from(["quadratic", "linex", "1", "0.5", "bogus", "nan", "[1]"]), max_size=4)
    .map(lambda xs: "[" + ", ".join(xs) + "]"),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(key=st.sampled_from(sorted(_DECLARED.specs)), text=_TEXT)
def test_any_text_is_a_valid_value_or_a_refusal_naming_the_parameter(key, text):
    spec = _DECLARED.specs[key]
    try:
        value = runner.check_value(key, spec, text, where="nb")
    except runner.UsageError as exc:
        assert str(exc).startswith("nb: ") and key in str(exc)
        return
    assert runner.check_value(key, spec, value) == value or value != value  # a valid value (nan aside)
    if spec.kind == "int" and value is not None:
        assert spec.low <= value <= spec.high
