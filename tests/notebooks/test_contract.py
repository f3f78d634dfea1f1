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
