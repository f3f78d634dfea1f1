"""Notebooks are narrative + calls (conventions.md, "Notebooks"): at most 15 logic lines each.

A logic line is a line of a top-level statement of a code cell (parameters cell aside) that is
not an import, a bare call / name / constant, or an assignment of a call, name, attribute,
subscript or constant: loops, comprehensions assigned to names, ``if`` blocks, ``def`` bodies.
The same count as the issue-12 counter, so a cell that grows a loop fails here.
"""

import ast
import json

import pytest

from nestlab.paths import notebooks_dir

MAX_LOGIC_LINES = 15

#: the notebooks converted to narrative + calls so far (the others follow; list them here then)
CONVERTED = ["00_tour", "10_actor_policy", "11_actor_inference", "12_actor_identifiability", "13_actor_real_data", "14_actor_cost_comparison", "15_actor_your_data", "20_nested_construction", "21_nested_driving", "30_gr2_dynamics", "31_gr2_beauty_contest", "32_gr2_games", "40_loi_reanalysis",
             "41_loi_training"]

_PLAIN_VALUES = (ast.Call, ast.Constant, ast.Name, ast.Attribute)


def logic_lines(source: str) -> list[tuple[int, int]]:
    """``(first line, n lines)`` of each logic statement of one cell's source."""
    out = []
    for node in ast.parse(source).body:
        plain = (isinstance(node, ast.Import | ast.ImportFrom)
                 or (isinstance(node, ast.Expr) and isinstance(node.value, _PLAIN_VALUES))
                 or (isinstance(node, ast.Assign | ast.AnnAssign)
                     and isinstance(node.value, _PLAIN_VALUES + (ast.Subscript,))))
        if not plain:
            out.append((node.lineno, node.end_lineno - node.lineno + 1))
    return out


def notebook_logic_lines(name: str) -> int:
    nb = json.loads((notebooks_dir() / f"{name}.ipynb").read_text())
    return sum(n for c in nb["cells"]
               if c["cell_type"] == "code" and "parameters" not in c.get("metadata", {}).get("tags", [])
               for _, n in logic_lines("".join(c["source"])))


def test_the_counter_counts_loops_and_comprehensions_but_not_calls():
    assert logic_lines("import numpy as np\nx = f(1)\nf(x)\ny = x\nz = a.b\nw = d['k']\n3") == []
    assert logic_lines("for i in range(3):\n    f(i)\n") == [(1, 2)]
    assert logic_lines("rows = [g(i) for i in x]\nif x:\n    f()\n") == [(1, 1), (2, 2)]
    assert logic_lines("def show(a=1):\n    return a\n") == [(1, 2)]


@pytest.mark.parametrize("name", CONVERTED)
def test_converted_notebook_is_narrative_and_calls(name):
    assert notebook_logic_lines(name) <= MAX_LOGIC_LINES
