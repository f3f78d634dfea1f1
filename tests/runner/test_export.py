"""nestlab.runner: claims and headlines in results.json; the offline, self-contained HTML export."""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pytest

from nestlab import runner
from nestlab.runner import export

REPORT_NOTEBOOKS = Path(__file__).parents[1] / "browser" / "notebooks"


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """The fixture notebook with math, a headline figure and claims, run once into a folder."""
    out = tmp_path_factory.mktemp("report")
    (run,) = runner.run_notebooks(["09_report"], out_dir=out, notebooks=REPORT_NOTEBOOKS,
                                  progress=False)
    assert run.ok, run.error
    return out


def test_claims_and_headlines_stored_in_results_json(published):
    data = json.loads((published / "09_report.results.json").read_text())
    assert data["claims"] == [
        {"claim": "sum formula", "paper": 10, "nestlab": 10, "verdict": "held", "note": "fixture",
         "section": "Claims"},
        {"claim": "slope positive", "paper": "> 0", "nestlab": 2.0, "verdict": "partly", "note": "",
         "section": "Claims"},
    ]
    assert data["headlines"] == [
        {"name": "total", "label": "sum of 1..n", "unit": "", "value": 10},
        {"name": "slope", "label": "slope", "unit": "per step", "value": 2.0},
    ]
    assert data["results"] == {"total": 10, "slope": 2.0}
    assert runner.read_run(published / "09_report.results.json")["status"] == "ok"


def test_claim_sections_are_anchors_of_the_report(published):
    page = (published / "09_report.html").read_text()
    for c in json.loads((published / "09_report.results.json").read_text())["claims"]:
        assert f'id="{c["section"]}"' in page


def test_report_is_offline_with_math_alt_text_header_and_folded_code(published):
    page = (published / "09_report.html").read_text()
    assert export.remote_references(page) == []
    assert "mathjax" not in page.lower() and "require.min.js" not in page
    assert page.count("<math") == 7  # 5 in markdown (one in a heading), 1 text/latex, 1 in the end
    assert "class=\"nestlab-math-source\"" not in page
    imgs = re.findall(r"<img\b[^>]*>", page)
    assert len(imgs) == 1 and 'alt="A straight line rising with the slope"' in imgs[0]
    assert 'src="data:image/png;base64,' in imgs[0]
    assert 'class="jp-Notebook nestlab-hide-code"' in page and "Show code" in page
    assert "nestlab run 09_report --notebooks" in page and 'href="index.html"' in page


def test_show_code_exports_inputs_open(published):
    page = export.to_html(published / "09_report.ipynb", show_code=True)
    assert 'class="jp-Notebook"' in page and "nestlab-hide-code\"" not in page
    assert "Hide code" in page


@pytest.mark.parametrize(("markdown", "n_math", "left"), [
    ("a $x^2$ b", 1, "a  b"),
    ("$$\\frac{a}{b}$$", 1, ""),
    ("\\(a\\) and \\[b\\]", 2, " and "),
    ("\\begin{align}a &= b\\end{align}", 1, ""),
    ("costs \\$5 and \\$6", 0, "costs \\$5 and \\$6"),
    ("code `$x$` stays", 0, "code `$x$` stays"),
    ("```\n$y$\n```", 0, "```\n$y$\n```"),
    ("between $5 and $6", 0, "between $5 and $6"),
])
def test_render_math_finds_formulas_outside_code(markdown, n_math, left):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(markdown)]
    store, result = export.render_math(nb)
    assert result.rendered == n_math and not result.failed
    assert re.sub(r"nestlabmath\d{5}z", "", nb.cells[0].source) == left
    assert all(s.startswith("<math") for s in store)


def test_unreadable_formula_falls_back_to_its_source():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("$x^$")]
    store, result = export.render_math(nb)
    assert result.failed == ["x^"] and "<code>" in store[0]


def test_every_formula_of_the_suite_notebooks_renders():
    from nestlab.paths import notebooks_dir

    total = 0
    for path in sorted(notebooks_dir().glob("*.ipynb")):
        _, result = export.render_math(nbformat.read(str(path), as_version=4))
        assert result.failed == [], path.name
        total += result.rendered
    assert total >= 30  # notebook 30 alone has 30


def test_remote_references_finds_each_kind():
    page = ('<script src="https://x/a.js"></script><link href="//cdn/b.css"><style>'
            '@import "https://f/c.css"; body{background:url(http://i/d.png)}</style>'
            '<a href="#local">x</a><img src="data:image/png;base64,AA">')
    assert len(export.remote_references(page)) == 4


def test_reproduce_command_repeats_only_what_the_profile_does_not_set():
    cmd = export.reproduce_command("30_gr2_dynamics", {"steps": 100, "games": ["a b"], "label": "x y"},
                                   profile="smoke", profile_values={"steps": 100})
    assert cmd == ("nestlab run 30_gr2_dynamics --profile smoke -p games '[\"a b\"]' -p label 'x y'")


def test_report_header_of_a_suite_notebook_names_its_neighbours():
    (plan,) = runner.plan_runs(["30_gr2_dynamics"], profile="smoke")
    head = export.report_header(plan)
    assert (head.previous, head.next) == ("21_nested_driving", "31_gr2_beauty_contest")
    assert head.command == "nestlab run 30_gr2_dynamics --profile smoke"
    assert head.parameters == {**plan.info.parameters, **plan.parameters}
