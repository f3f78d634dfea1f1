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


def test_catalogue_shows_each_parameters_declaration():
    for row in about.catalogue():
        info = runner.discover()[row["notebook"]]
        assert row["valid"] == {k: s.text for k, s in info.specs.items()}
        assert set(row["descriptions"]) == set(row["parameters"])
    tour = next(r for r in about.catalogue() if r["notebook"] == "00_tour")
    assert tour["valid"]["focus"].startswith("one of: all, actors")


@pytest.mark.parametrize("overrides,words", [({"focus": "bogus"}, ["unknown focus 'bogus'", "valid choices"]),
                                             ({"focus": 3}, ["invalid type for focus: int (3)"])])
def test_rerun_command_refuses_values_outside_the_declaration(overrides, words):
    with pytest.raises(runner.UsageError) as err:
        about.rerun_command("00_tour", overrides)
    for word in words:
        assert word in str(err.value)


def test_rerun_command_round_trips_through_the_runner():
    import shlex

    cmd = about.rerun_command("10_actor_policy", {"costs": ["linex", "absolute"], "n_steps": 10})
    argv = shlex.split(cmd)
    pairs = [(argv[i + 1], argv[i + 2]) for i, a in enumerate(argv) if a == "-p"]
    (plan,) = runner.plan_runs(["10_actor_policy"], overrides=pairs)
    assert plan.parameters == {"costs": ["linex", "absolute"], "n_steps": 10}
