"""The nestlab command: refusals exit 2 before any kernel starts; list shows parameters."""

import subprocess
import sys
from pathlib import Path

import pytest

from nestlab import cli, runner

BIN = Path(sys.executable).parent / "nestlab"
FIXTURES = Path(__file__).parent / "fixtures" / "notebooks"


def _run(*args, cwd=None):
    return subprocess.run([str(BIN), *args], capture_output=True, text=True, cwd=cwd, timeout=120)


def test_unknown_notebook_exits_2_with_choices(tmp_path):
    res = _run("run", "no_such_notebook", "--out", str(tmp_path / "r"))
    assert res.returncode == 2
    assert "unknown notebook 'no_such_notebook'" in res.stderr
    assert "00_tour" in res.stderr
    assert not (tmp_path / "r").exists()  # refused before anything ran or was written


def test_unknown_parameter_exits_2_with_choices(tmp_path):
    res = _run("run", "00_tour", "-p", "no_such_param", "1", "--out", str(tmp_path / "r"))
    assert res.returncode == 2
    assert "unknown parameter 'no_such_param'" in res.stderr
    assert "focus=" in res.stderr
    assert not (tmp_path / "r").exists()


def test_wrong_type_exits_2(capsys):
    assert cli.main(["run", "01_square", "-p", "n", "three", "--notebooks", str(FIXTURES)]) == 2
    assert "invalid n 'three': not a decimal integer" in capsys.readouterr().err


def test_unknown_profile_exits_2(capsys):
    assert cli.main(["run", "00_tour", "--profile", "nope"]) == 2
    assert "valid profiles" in capsys.readouterr().err


def test_list_shows_every_notebook_and_defaults(capsys):
    assert cli.main(["list", "--profile", "smoke"]) == 0
    out = capsys.readouterr().out
    for name, info in runner.discover().items():
        assert name in out
        for key, spec in info.specs.items():
            assert f"    {key} = " in out
            assert f"# {spec.text}" in out  # the declared valid values, from the cell


def test_run_failure_exit_status_is_1(tmp_path, capsys):
    code = cli.main(["run", "02_broken", "--out", str(tmp_path), "--no-progress",
                     "--notebooks", str(FIXTURES)])
    assert code == 1
    assert "failed: 02_broken" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [[], ["frobnicate"]])
def test_bad_subcommand_is_usage_error(argv):
    with pytest.raises(SystemExit) as exc:
        cli.main(argv)
    assert exc.value.code == 2


def test_list_one_notebook_and_refuse_an_unknown_one(capsys):
    assert cli.main(["list", "03_declared", "--notebooks", str(FIXTURES), "--profile", "smoke"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("03_declared") and "01_square" not in out
    assert "    n = 3   # int 1..100; a size   [smoke: 10]" in out  # 010 read as 10
    assert cli.main(["list", "04_nope", "--notebooks", str(FIXTURES)]) == 2
    assert "unknown notebook '04_nope'" in capsys.readouterr().err


def test_interrupt_exits_130_without_a_traceback(monkeypatch, capsys, tmp_path):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(runner, "run_notebooks", interrupted)
    assert cli.main(["run", "01_square", "--notebooks", str(FIXTURES), "--out", str(tmp_path)]) == 130
    assert capsys.readouterr().err == "nestlab: interrupted\n"


def test_show_code_with_jobs_is_refused(capsys):
    from nestlab.cli import main

    assert main(["run", "00_tour", "--show-code", "--jobs", "2", "--out", "unused-out"]) == 2
    assert "--show-code" in capsys.readouterr().err
