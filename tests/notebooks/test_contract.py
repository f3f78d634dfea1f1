"""Every committed notebook follows the notebook contract, and every profile is valid."""

from pathlib import Path

import nbformat
import pytest

from nestlab import runner
from nestlab.paths import notebooks_dir

NOTEBOOKS = sorted(notebooks_dir().glob("*.ipynb"))
HERE = Path(__file__).parent


def test_there_are_notebooks():
    assert NOTEBOOKS, "no notebooks found"
    assert all(runner.NOTEBOOK_RE.match(p.stem) for p in NOTEBOOKS), [p.name for p in NOTEBOOKS]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_without_outputs(path):
    nb = nbformat.read(str(path), as_version=4)
    nbformat.validate(nb)
    dirty = [i for i, c in enumerate(nb.cells)
             if c.cell_type == "code" and (c.outputs or c.execution_count is not None)]
    assert not dirty, f"{path.name}: cells {dirty} carry outputs; clear them before committing"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_parameters_cell_and_closing_summary(path):
    info = runner.read_notebook_info(path)  # exactly one literal-only parameters cell
    assert info.parameters, f"{path.name}: parameters cell is empty"
    nb = nbformat.read(str(path), as_version=4)
    first_code = next(c for c in nb.cells if c.cell_type == "code")
    assert "parameters" in first_code.metadata.get("tags", []), "parameters must be the first code cell"
    assert nb.cells[0].cell_type == "markdown" and info.title, "open with a titled markdown cell"
    last = nb.cells[-1]
    assert last.cell_type == "markdown" and "what we saw" in last.source.lower()
    assert "nestlab.record(" in "".join(c.source for c in nb.cells if c.cell_type == "code")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_parameter_lines_have_one_equals_sign(path):
    """papermill's parameter inspector reads a second ``=`` (even in the comment) as a second
    assignment and warns "Unable to parse line N" on every run of the notebook."""
    nb = nbformat.read(str(path), as_version=4)
    cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    bad = [line for line in cell.source.splitlines()
           if not line.strip().startswith("#") and line.count("=") > 1]
    assert not bad, f"{path.name}: write the comment without '=': {bad}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_each_notebook_is_executed_by_a_test(path):
    test_file = HERE / f"test_{path.stem}.py"
    assert test_file.is_file(), f"{test_file.name} missing: every notebook runs in CI (smoke profile)"
    assert f'run_smoke("{path.stem}")' in test_file.read_text()


@pytest.mark.parametrize("profile", runner.available_profiles())
def test_profiles_are_valid_for_every_notebook(profile):
    plans = runner.plan_runs(profile=profile)  # raises on unknown names, parameters or types
    assert {p.info.name for p in plans} == {p.stem for p in NOTEBOOKS}


@pytest.mark.parametrize("profile", runner.available_profiles())
def test_profiles_name_only_existing_notebooks(profile):
    stale = set(runner.load_profile(profile)) - {p.stem for p in NOTEBOOKS}
    assert not stale, f"profile {profile!r} names notebooks that do not exist: {sorted(stale)}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_widgets_go_through_nestlab_interactive(path):
    """``ipywidgets.interact`` directly has hung papermill kernels (notebooks 12 and 3x): use
    ``nestlab.plots.interactive``, which renders once with the defaults when headless."""
    nb = nbformat.read(path, as_version=4)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    for call in ("widgets.interact(", "widgets.interactive(", "interact_manual(", "@interact"):
        assert call not in code, f"{path.name} calls {call!r}; use nestlab.plots.interactive"


# ----------------------------------------------------------------------------- declared parameters


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_parameter_declares_its_valid_values(path):
    """Each parameter states a range or choices next to its default (``nestlab.runner.params``),
    and its default satisfies its own declaration."""
    info = runner.read_notebook_info(path)
    undeclared = [k for k, s in info.specs.items() if not s.declared]
    assert not undeclared, (f"{path.name}: parameters without a declaration "
                            f"(`name = default  # int 1..100`): {undeclared}")
    for key, default in info.parameters.items():
        spec = info.specs[key]
        assert runner.check_value(key, spec, default) == default, (path.name, key)
        if spec.kind in ("int", "float"):
            assert spec.low is not None and spec.high is not None, \
                f"{path.name}: {key} needs both bounds (a sensible upper limit refuses typos)"


def _spec(notebook, key):
    return runner.discover()[notebook].specs[key]


def _choices(spec):
    while spec.kind in ("list", "dict"):
        spec = spec.element
    return spec.choices


def test_cost_choices_match_the_cost_registry():
    from nestlab.actors.costs import COSTS
    from nestlab.actors.policy import HEADS

    assert _choices(_spec("10_actor_policy", "costs")) == tuple(COSTS)
    assert _spec("10_actor_policy", "head").choices == tuple(HEADS)
    for key in ("families", "worked_family", "design_families"):
        assert _choices(_spec("14_actor_cost_comparison", key)) == tuple(COSTS), key
    params = {p for fam in COSTS.values() for p in fam.params}
    assert set(_spec("14_actor_cost_comparison", "worked_cost_params").key.choices) == params
    for key, cost in (("beta", "quadratic_effort"), ("alpha", "asymmetric_quadratic")):
        spec = _spec("12_actor_identifiability", key)
        assert (spec.low, spec.high) == COSTS[cost].priors[key].box, key


def test_tour_and_data_choices_match_the_package():
    from nestlab import about
    from nestlab.actors.data import QS_FILES

    assert _spec("00_tour", "focus").choices == about.FOCUS_CHOICES
    assert _spec("13_actor_real_data", "qs_experiment").choices == tuple(QS_FILES)


def test_construction_sizes_match_the_domain():
    from nestlab.nested.domains import construction as C

    for key in ("width", "height"):
        spec = _spec("20_nested_construction", key)
        assert (spec.low, spec.high) == (C.MIN_SIDE, C.MAX_SIDE), key
    spec = _spec("20_nested_construction", "n_blocks")
    assert (spec.low, spec.high) == (C.MIN_BLOCKS, C.MAX_BLOCKS)
    elem = _spec("20_nested_construction", "scaling_blocks").element
    assert (elem.low, elem.high) == (C.MIN_BLOCKS, C.MAX_BLOCKS)


def test_game_and_method_choices_match_the_recursive_package():
    import re

    from nestlab.recursive.baselines import KINDS
    from nestlab.recursive.experiments import GAME_NAMES
    from nestlab.recursive.games import MATRIX_GAMES, REWARDS
    from nestlab.recursive.train import parse_method

    assert set(_choices(_spec("30_gr2_dynamics", "games"))) == set(MATRIX_GAMES)
    assert _choices(_spec("31_gr2_beauty_contest", "rewards")) == tuple(REWARDS)
    assert set(_choices(_spec("31_gr2_beauty_contest", "baselines"))) == set(KINDS) | {"level-0"}
    assert _choices(_spec("32_gr2_games", "games")) == tuple(GAME_NAMES)
    pattern = _spec("32_gr2_games", "methods").element.pattern
    for name in ("GR2-L1", "GR2-L12", "GR2-M", "GR2-M3", "GR2-M(0.5)", "GR2-M3(1.5)", "GR2-L2+opp",
                 "GR2-M2(2)+opp", "level-0", "level-1", "DDPG", "MADDPG"):
        assert re.fullmatch(pattern, name), name
        parse_method(name)  # the package accepts what the declaration accepts
    for name in ("GR2-L0", "GR2-X1", "ddpg", "level-2", "GR2-L1+op", "", "GR2-M3(1.5"):
        assert not re.fullmatch(pattern, name), name
