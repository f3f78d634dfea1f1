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


def test_to_jsonable_refuses_objects():
    with pytest.raises(TypeError, match="cannot store"):
        to_jsonable(object())


@pytest.mark.parametrize("bad", ["", "1abc", "has space", None, 3])
def test_record_refuses_bad_names(bad):
    with pytest.raises(ValueError, match="invalid name"):
        record(bad, 1)


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
