"""nestlab.runner.site: the reproduction scoreboard, the notebook cards, thumbnails."""

from __future__ import annotations

import base64
import io
import json
import re

import nbformat
import pytest

from nestlab import runner
from nestlab.runner import site


def _claim(text, verdict, section="Claims", note=""):
    return {"claim": text, "paper": 1.0, "nestlab": 0.5, "verdict": verdict, "note": note,
            "section": section}


def _run(name, *, claims=(), status="ok", **extra):
    return {"name": name, "status": status, "runtime_s": 1.5, "profile": "smoke",
            "outputs": {"html": f"{name}.html"}, "results": {"a": 1, "b": 2.5, "c": "x", "d": 4},
            "claims": list(claims), **extra}


def test_scoreboard_groups_claims_by_paper_with_totals_and_links():
    runs = [_run("20_nested", claims=[_claim("IS near EI", "held"), _claim("speed", "not held")]),
            _run("21_nested", claims=[_claim("driving", "partly", section="3.-Driving")]),
            _run("30_gr2", claims=[_claim("IGA cycles", "held", note="F conserved")]),
            _run("31_gr2", status="failed", error={"ename": "ValueError", "evalue": "boom"})]
    page = site.render_index(runs)
    board = page[page.index("id='scoreboard'"):page.index("id='notebooks'")]
    assert "All papers: 2 of 4 claims held, 1 partly, 1 not held." in board
    assert "1 of 3 held, 1 partly, 1 not held" in board and "1 of 1 held, 0 partly, 0 not held" in board
    assert board.index("Jha et al. 2024") < board.index("Wen et al. 2020")
    assert '<a href="21_nested.html#3.-Driving">21_nested</a>' in board
    assert "<td class='v-notheld'>not held</td>" in board and "F conserved" in board


def test_cards_show_labelled_headlines_and_failed_notebooks_with_their_error():
    runs = [_run("10_a", headlines=[{"name": "x", "label": "accuracy gap", "unit": "points",
                                     "value": 0.123456}], title="Actor policy"),
            _run("11_b", status="failed", error={"ename": "ValueError", "evalue": "bad", "cell": 3}),
            {"name": "12_c", "status": "unreadable",
             "error": {"ename": "UnreadableResults", "evalue": "12_c.results.json: a JSON list"}}]
    page = site.render_index(runs)
    cards = re.findall(r"<article class='card'.*?</article>", page)
    assert len(cards) == 3
    assert '<a href="10_a.html">Actor policy</a>' in cards[0]
    assert "<dt>accuracy gap</dt><dd>0.1235 points</dd>" in cards[0]
    assert "<dt>a</dt><dd>1</dd><dt>b</dt><dd>2.5</dd></dl>" in cards[0]  # filled up to three
    assert "bad" in cards[1] and "In [3]" in cards[1]
    assert "unreadable" in cards[2] and "a JSON list" in cards[2] and "href" not in cards[2]


def test_headline_numbers_limit_and_fallback():
    labelled = [{"name": f"n{i}", "label": f"L{i}", "unit": "", "value": i} for i in range(8)]
    assert len(site.headline_numbers({"headlines": labelled})) == 6
    assert site.headline_numbers({"results": {"a": 1, "b": {"c": 2}, "d": 3, "e": 4}}) == [
        ("a", "1"), ("b.c", "2"), ("d", "3")]
    assert site.headline_numbers({}) == []


def _png(width, height):
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (width, height), "red").save(buf, format="PNG")
    return base64.b64encode(buf.getvalue()).decode()


def _nb_with_images(tagged_index=None):
    nb = nbformat.v4.new_notebook()
    for i, size in enumerate([(100, 50), (800, 400)]):
        cell = nbformat.v4.new_code_cell("plot", metadata={"tags": ["headline"]} if i == tagged_index else {})
        cell.outputs = [nbformat.from_dict({"output_type": "display_data", "metadata": {},
                                            "data": {"image/png": _png(*size), "text/plain": "fig"}})]
        nb.cells.append(cell)
    return nb


@pytest.mark.parametrize(("tagged", "size"), [(1, (360, 180)), (None, (100, 50))])
def test_thumbnail_is_the_tagged_figure_shrunk(tagged, size):
    from PIL import Image

    uri = site.headline_thumbnail(_nb_with_images(tagged))
    assert uri.startswith("data:image/png;base64,")
    assert Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1]))).size == size


def test_no_figure_no_thumbnail():
    assert site.headline_thumbnail(nbformat.v4.new_notebook()) is None


@pytest.mark.parametrize(("field", "value", "why"), [
    ("claims", [{"claim": 3}], "claims[0] is not a claim object"),
    ("headlines", ["x"], "headlines[0] is not a headline object"),
    ("thumbnail", "https://example.org/x.png", "not an embedded PNG"),
])
def test_results_with_bad_claims_headlines_or_thumbnail_are_unreadable(tmp_path, field, value, why):
    path = tmp_path / "10_x.results.json"
    path.write_text(json.dumps({"name": "10_x", "status": "ok", "runtime_s": 1, field: value}))
    run = runner.read_run(path)
    assert run["status"] == "unreadable" and why in run["error"]["evalue"]


def test_papers_agree_with_the_tour():
    from nestlab.about import MECHANISMS

    assert {m.series: m.arxiv for m in MECHANISMS} == {k: v[1] for k, v in site.PAPERS.items()}


@pytest.mark.parametrize(("results", "failing", "n"), [
    ({"converged": True}, [], 1),
    ({"converged": False}, ["converged"], 1),
    ({"fits.converged": {"a": True, "b": False, "c": False}}, ["fits.converged.b", "fits.converged.c"], 3),
    ({"sj.converged": {"s1": {"joint": False, "split": True}}, "x.converged": [True, False]},
     ["sj.converged.s1.joint", "x.converged[1]"], 4),
    # not a convergence record: other names, and non-bool gates, are not counted
    ({"unconverged": False, "converged_share": 0.0, "a.converged.b": False, "converged": None}, [], 0),
    ({"effort.converged": {"a": None, "b": 1, "c": True}}, [], 1),
    ("not a dict", [], 0),
])
def test_unconverged_fits_reads_the_convergence_contract(results, failing, n):
    assert site.unconverged_fits(results) == (failing, n)


def test_unconverged_notebook_has_a_red_flag_and_keeps_its_scoreboard_rows():
    runs = [_run("12_ident", claims=[_claim("prior and cost told apart", "not held",
                                            note="fit did not converge")],
                 results={"effort.converged": {"quadratic": True, "effort": False, "both": False},
                          "asym.converged": {"x": True}, "gap": 0.5}),
            _run("13_real", claims=[_claim("shift recovered", "held")],
                 results={"converged": True, "sj.converged": {"s1": True}})]
    page = site.render_index(runs)
    cards = dict(zip(("12", "13"), re.findall(r"<article class='card'.*?</article>", page), strict=True))
    flag = re.search(r"<div class='flag'.*?</div>", cards["12"]).group(0)
    assert "2 of 4 fits not converged" in flag
    assert "<code>effort.converged.effort</code>" in flag and "<code>effort.converged.both</code>" in flag
    assert "quadratic" not in flag and "asym" not in flag
    assert "class='flag'" not in cards["13"] and "not converged" not in cards["13"]
    board = page[page.index("id='scoreboard'"):page.index("id='notebooks'")]
    rows = re.findall(r"<tr><td>.*?</tr>", board)
    assert len(rows) == 2  # both notebooks' claims still on the scoreboard
    assert "prior and cost told apart" in rows[0] and "2 of 4 fits not converged" in rows[0]
    assert "shift recovered" in rows[1] and "not converged" not in rows[1]
    assert "All papers: 1 of 2 claims held, 0 partly, 1 not held." in board


def test_unconverged_flag_from_a_published_results_file(tmp_path):
    data = {"name": "11_fit", "status": "ok", "runtime_s": 2.0, "results": {"converged": False},
            "claims": [_claim("recovered", "not held")]}
    (tmp_path / "11_fit.results.json").write_text(json.dumps(data))
    page = site.render_index(site.load_runs(tmp_path))
    assert "1 of 1 fits not converged" in page and "<code>converged</code>" in page
