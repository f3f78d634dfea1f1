"""nestlab.about and nestlab.paths: the tour's catalogue and data location."""

import pytest

from nestlab import about, paths, runner


def test_catalogue_covers_every_notebook():
    names = [r["notebook"] for r in about.catalogue()]
    assert names == list(runner.discover())
    assert all(r["mechanism"] in {"suite", "actors", "nested", "recursive", "influence"}
               for r in about.catalogue())


def test_focus_refused_with_choices():
    with pytest.raises(ValueError, match="valid choices: all, actors, nested, recursive, influence"):
        about.mechanisms("nope")


def test_rerun_command_is_validated():
    assert about.rerun_command("00_tour", {"focus": "actors"}) == "nestlab run 00_tour -p focus actors"
    with pytest.raises(runner.UsageError):
        about.rerun_command("00_tour", {"nope": 1})


def test_data_dir_env_and_missing(tmp_path, monkeypatch):
    monkeypatch.setenv(paths.DATA_ENV_VAR, str(tmp_path))
    assert paths.data_dir() == tmp_path
    with pytest.raises(FileNotFoundError, match="NESTLAB_DATA"):
        paths.data_dir("no_such_set")
