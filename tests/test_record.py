"""nestlab.record: values round-trip through a notebook's outputs."""

import json
import math

import nbformat
import numpy as np
import pytest
import torch

from nestlab.record import MIME_TYPE, read_results, record, to_jsonable


def _notebook_with(outputs):
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("x")
    cell.outputs = [nbformat.from_dict(o) for o in outputs]
    nb.cells = [cell]
    return nb


def test_to_jsonable_converts_array_types_and_nan():
    out = to_jsonable({"a": np.float32(1.5), "b": np.arange(3), "c": torch.tensor([1.0, 2.0]),
                       "d": float("nan"), "e": (1, np.int64(2))})
    assert out == {"a": 1.5, "b": [0, 1, 2], "c": [1.0, 2.0], "d": None, "e": [1, 2]}
    json.dumps(out)


def test_to_jsonable_refuses_objects_naming_their_place():
    with pytest.raises(TypeError, match=r"invalid type for value: object \(<object"):
        to_jsonable(object())
    with pytest.raises(TypeError, match=r"invalid type for cfg\['a'\]\[1\]: set"):
        to_jsonable({"a": [1, {2}]}, name="cfg")


def test_to_jsonable_keeps_non_finite_floats_only_when_asked():
    values = [math.nan, math.inf, -math.inf, np.float64("nan")]
    assert to_jsonable(values) == [None] * 4
    kept = to_jsonable(values, keep_nonfinite=True)
    assert math.isnan(kept[0]) and kept[1:3] == [math.inf, -math.inf] and math.isnan(kept[3])


@pytest.mark.parametrize(("bad", "exc"), [("", ValueError), ("1abc", ValueError),
                                          ("has space", ValueError), (None, TypeError),
                                          (3, TypeError)])
def test_record_refuses_bad_names(bad, exc):
    with pytest.raises(exc, match=r"record\(\): invalid (type for )?name"):
        record(bad, 1)


def test_record_names_an_unstorable_value_by_its_record():
    with pytest.raises(TypeError, match=r"record\(\): invalid type for acc\['x'\]: object"):
        record("acc", {"x": object()})


def test_record_emits_mime_and_text(capsys):
    stored = record("acc", np.float64(0.25))
    assert stored == 0.25
    assert "acc = 0.25" in capsys.readouterr().out  # outside IPython: the text/plain fallback


def test_read_results_reads_mime_outputs_in_order(tmp_path):
    outputs = [
        {"output_type": "display_data", "metadata": {},
         "data": {MIME_TYPE: {"name": "a", "value": 1}, "text/plain": "a = 1"}},
        {"output_type": "stream", "name": "stdout", "text": "noise"},
        {"output_type": "display_data", "metadata": {},
         "data": {MIME_TYPE: {"name": "a", "value": 2}, "text/plain": "a = 2"}},
        {"output_type": "display_data", "metadata": {},
         "data": {MIME_TYPE: {"name": "b", "value": [1, None]}, "text/plain": "b"}},
    ]
    nb = _notebook_with(outputs)
    assert read_results(nb) == {"a": 2, "b": [1, None]}
    path = tmp_path / "x.ipynb"
    nbformat.write(nb, str(path))
    assert read_results(path) == {"a": 2, "b": [1, None]}
    assert math.isclose(read_results(str(path))["a"], 2)


@pytest.mark.parametrize("payload", [{"value": 1}, {"name": 3, "value": 1}, {"name": "a"}, [1, 2],
                                     "not json", '{"name": "a"}'])
def test_read_results_refuses_malformed_record_outputs(payload):
    nb = _notebook_with([{"output_type": "display_data", "metadata": {},
                          "data": {MIME_TYPE: payload, "text/plain": "x"}}])
    with pytest.raises(ValueError, match=r"cell 0 holds a malformed application/vnd\.nestlab\.record\+json"):
        read_results(nb)


# --- claims -----------------------------------------------------------------------------------

from nestlab.record import (  # noqa: E402 — grouped with the claim tests
    CLAIM_KEYS,
    CLAIM_MIME,
    claim,
    judge,
    judge_all,
    read_claims,
    read_headlines,
    section_anchor,
)


def test_claim_prints_the_fallback_outside_ipython(capsys):
    assert claim("IS within 2 points", paper="2", nestlab=np.float64(1.5), verdict="held",
                 note="K=20") is None
    assert capsys.readouterr().out == ("claim: IS within 2 points | paper: 2 | nestlab: 1.5 | held "
                                       "(K=20)\n")


def test_claim_round_trips_through_a_kernel_output(monkeypatch):
    shown = []
    monkeypatch.setattr("IPython.get_ipython", lambda: object())
    monkeypatch.setattr("IPython.display.display", lambda bundle, raw: shown.append(bundle))
    claim("c", paper=1, nestlab=np.int64(2), verdict="not held")
    (bundle,) = shown
    assert bundle[CLAIM_MIME] == {"claim": "c", "paper": 1, "nestlab": 2, "verdict": "not held",
                                  "note": ""}
    assert tuple(bundle[CLAIM_MIME]) == CLAIM_KEYS and "not held" in bundle["text/html"]
    nb = _notebook_with([{"output_type": "display_data", "metadata": {}, "data": bundle}])
    assert read_claims(nb)[0]["verdict"] == "not held"


@pytest.mark.parametrize(("kwargs", "exc", "match"), [
    ({"verdict": "yes"}, ValueError, r"unknown verdict 'yes'; valid choices: held, partly, not held"),
    ({"verdict": True}, TypeError, "invalid type for verdict"),
    ({"claim": ""}, ValueError, "invalid claim '': it is empty"),
    ({"claim": 3}, TypeError, "invalid type for claim"),
    ({"paper": object()}, TypeError, "invalid type for paper"),
    ({"nestlab": [1, 2]}, TypeError, "invalid type for nestlab"),
    ({"note": None}, TypeError, "invalid type for note"),
])
def test_claim_refuses_bad_arguments(kwargs, exc, match):
    args = {"claim": "c", "paper": 1, "nestlab": 1, "verdict": "held", **kwargs}
    text = args.pop("claim")
    with pytest.raises(exc, match=match):
        claim(text, **args)


@pytest.mark.parametrize(("value", "bounds", "verdict"), [
    (1.0, {"at_most": 2}, "held"),
    (2.0, {"at_most": 2}, "held"),
    (2.5, {"at_most": 2, "partly_at_most": 3}, "partly"),
    (3.5, {"at_most": 2, "partly_at_most": 3}, "not held"),
    (2.5, {"at_most": 2}, "not held"),
    (5, {"at_least": 5}, "held"),
    (4, {"at_least": 5, "partly_at_least": 3}, "partly"),
    (0.5, {"at_least": 0, "at_most": 1}, "held"),
    (float("nan"), {"at_least": 0}, "not held"),
    (None, {"at_least": 0}, "not held"),
    (np.float32(0.5), {"at_most": 1}, "held"),
])
def test_judge_against_typed_bounds(value, bounds, verdict):
    assert judge(value, **bounds) == verdict


@pytest.mark.parametrize(("args", "exc", "match"), [
    ({}, ValueError, "neither at_least nor at_most"),
    ({"at_most": float("nan")}, ValueError, "invalid at_most nan"),
    ({"at_most": "1"}, TypeError, "invalid type for at_most"),
])
def test_judge_refuses_bad_bounds(args, exc, match):
    with pytest.raises(exc, match=match):
        judge(1.0, **args)


def test_judge_refuses_a_non_number():
    with pytest.raises(TypeError, match="invalid type for value"):
        judge("1", at_most=2)


def test_judge_all():
    assert judge_all([True, np.bool_(True)]) == "held"
    assert judge_all({"a": True, "b": False}) == "partly"
    assert judge_all((False,)) == "not held"
    with pytest.raises(ValueError, match="valid length"):
        judge_all([])
    with pytest.raises(TypeError, match=r"invalid type for conditions\[1\]"):
        judge_all([True, 1])


def _claim_output(row):
    return {"output_type": "display_data", "metadata": {},
            "data": {CLAIM_MIME: row, "text/plain": "claim"}}


def test_read_claims_with_section_anchors():
    nb = nbformat.v4.new_notebook()
    row = {"claim": "c", "paper": 1, "nestlab": 2, "verdict": "partly", "note": ""}
    first = nbformat.v4.new_code_cell("x")
    first.outputs = [nbformat.from_dict(_claim_output(row))]
    second = nbformat.v4.new_code_cell("y")
    second.outputs = [nbformat.from_dict(_claim_output({**row, "verdict": "held"}))]
    nb.cells = [first, nbformat.v4.new_markdown_cell("text\n## 2. The `IS` *speed-up*\nmore"),
                nbformat.v4.new_markdown_cell("no heading"), second]
    claims = read_claims(nb)
    assert claims == [{**row, "section": ""}, {**row, "verdict": "held", "section": "2.-The-IS-speed-up"}]
    assert read_results(nb) == {}  # claims are not records


@pytest.mark.parametrize("payload", [{"claim": "c"}, [1], "x",
                                     {"claim": "c", "paper": 1, "nestlab": 2, "verdict": "yes", "note": ""}])
def test_read_claims_refuses_malformed_outputs(payload):
    nb = _notebook_with([_claim_output(payload)])
    with pytest.raises(ValueError, match=r"cell 0 holds a malformed application/vnd\.nestlab\.claim\+json"):
        read_claims(nb)


def test_section_anchor_matches_nbconvert():
    from nbconvert.filters.strings import add_anchor

    for heading in ["## 3. Speed: EI vs IS", "# Title (with, punctuation)!", "## Ümlaut & co"]:
        text = heading.lstrip("#").strip()
        rendered = add_anchor(f"<h2>{text.replace('&', '&amp;')}</h2>")
        assert f'id="{section_anchor(heading)}"' in rendered.replace("&amp;", "&")


def test_record_label_and_unit_make_a_headline():
    nb = _notebook_with([
        {"output_type": "display_data", "metadata": {},
         "data": {MIME_TYPE: {"name": "a", "value": 1, "label": "A", "unit": "ms"}, "text/plain": "a"}},
        {"output_type": "display_data", "metadata": {},
         "data": {MIME_TYPE: {"name": "b", "value": 2}, "text/plain": "b"}},
        {"output_type": "display_data", "metadata": {},
         "data": {MIME_TYPE: {"name": "a", "value": 3, "label": "A"}, "text/plain": "a"}},
    ])
    assert read_headlines(nb) == [{"name": "a", "label": "A", "unit": "", "value": 3}]
    assert read_results(nb) == {"a": 3, "b": 2}


@pytest.mark.parametrize(("kwargs", "exc"), [({"label": ""}, ValueError), ({"label": 3}, TypeError),
                                             ({"unit": 1}, TypeError)])
def test_record_refuses_bad_label_or_unit(kwargs, exc):
    with pytest.raises(exc):
        record("a", 1, **kwargs)
