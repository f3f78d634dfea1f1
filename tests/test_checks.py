"""nestlab.checks: one dialect, the argument and value named, the right exception type."""

import math

import numpy as np
import pytest

from nestlab import checks


@pytest.mark.parametrize("call, exc, words", [
    (lambda: checks.choice("cost", "x", {"a": 1, "b": 2}), ValueError, ["cost", "'x'", "valid choices: a, b"]),
    (lambda: checks.choice("cost", 3, ["a", "b"]), TypeError, ["cost", "int"]),
    (lambda: checks.choices("costs", ["a", "zz"], ["a", "b"]), ValueError, ["costs[1]", "'zz'"]),
    (lambda: checks.choices("costs", "a", ["a", "b"]), TypeError, ["costs"]),
    (lambda: checks.choices("costs", [], ["a"]), ValueError, ["costs", "empty"]),
    (lambda: checks.integer("n_trials", -5, min=1), ValueError, ["n_trials", "-5", ">= 1"]),
    (lambda: checks.integer("n", 11, min=0, max=10), ValueError, ["n", "11", "0 <= n <= 10"]),
    (lambda: checks.integer("seed", "3"), TypeError, ["seed", "str"]),
    (lambda: checks.integer("seed", True), TypeError, ["seed", "bool"]),
    (lambda: checks.integer("seed", 3.0), TypeError, ["seed", "float"]),
    (lambda: checks.real("ta", 1.5, min=0, max=1, inclusive=(False, False)), ValueError, ["ta", "1.5", "0 < ta < 1"]),
    (lambda: checks.real("mu0", math.nan), ValueError, ["mu0", "nan"]),
    (lambda: checks.real("mu0", math.inf), ValueError, ["mu0", "inf"]),
    (lambda: checks.real("mu0", math.nan, finite=False), ValueError, ["mu0", "nan"]),
    (lambda: checks.real("x", "a"), TypeError, ["x", "str"]),
    (lambda: checks.real("x", None), TypeError, ["x", "NoneType"]),
    (lambda: checks.boolean("flag", 1), TypeError, ["flag", "int"]),
    (lambda: checks.array("stimuli", [1, 2, np.nan]), ValueError, ["stimuli", "not finite", "index 2"]),
    (lambda: checks.array("stimuli", [1, -2], min=0, inclusive=(False, True)), ValueError, ["stimuli", "index 1", "> 0"]),
    (lambda: checks.array("stimuli", []), ValueError, ["stimuli", "0 elements"]),
    (lambda: checks.array("stimuli", ["a"]), TypeError, ["stimuli", "<U1"]),
    (lambda: checks.array("stimuli", [[1], [2, 3]]), ValueError, ["stimuli", "regular"]),
    (lambda: checks.array("w", np.ones((2, 3)), ndim=1), ValueError, ["w", "2-d"]),
    (lambda: checks.array("w", np.ones(3), shape=(4,)), ValueError, ["w", "(3,)", "(4)"]),
    (lambda: checks.array("w", [1.5], dtype="int"), TypeError, ["w", "float"]),
    (lambda: checks.sequence("ks", [], min_len=1), ValueError, ["ks", "0 elements"]),
    (lambda: checks.mapping("theta", {"zz": 1}, keys=["a"]), ValueError, ["theta", "'zz'"]),
    (lambda: checks.mapping("theta", {}, required=["a"]), ValueError, ["theta", "'a'"]),
    (lambda: checks.path("data_path", "/no/such.csv"), FileNotFoundError, ["data_path", "/no/such.csv"]),
    (lambda: checks.path("data_path", "x.txt", suffixes=[".csv"], must_exist=False), ValueError, ["data_path", ".csv"]),
    (lambda: checks.path("data_path", 3), TypeError, ["data_path", "int"]),
    (lambda: checks.frame("table", {"a": [1]}, ["a"]), TypeError, ["table", "dict"]),
    (lambda: checks.members("idata", ["posterior"], ["posterior", "prior"], what="group"), ValueError,
     ["idata", "missing group(s) ['prior']", "found ['posterior']", "valid: groups posterior, prior"]),
    (lambda: checks.text("claim", "  "), ValueError, ["claim", "'  '", "empty"]),
    (lambda: checks.text("claim", 3), TypeError, ["claim", "int"]),
    (lambda: checks.function("build", "train", valid="a zero-argument callable"), TypeError,
     ["build", "str", "a zero-argument callable"]),
    (lambda: checks.frame("table", __import__("pandas").DataFrame({"a": [1]}), ["a", "b"]), ValueError,
     ["table", "['b']", "found ['a']"]),
])
def test_refusals_name_argument_and_value(call, exc, words):
    with pytest.raises(exc) as info:
        call()
    for w in words:
        assert w in str(info.value), (w, str(info.value))


def test_accepted_values_are_normalised():
    assert checks.integer("n", np.int64(3)) == 3 and type(checks.integer("n", np.int64(3))) is int
    assert checks.real("x", np.float32(0.5)) == 0.5
    assert checks.real("x", math.inf, finite=False) == math.inf
    assert checks.array("a", [1.0, 2.0], dtype="int").dtype.kind == "i"
    assert checks.array("a", [1, 2]).dtype == np.float64
    assert checks.choice("c", "a", {"a": 1}) == "a"


def test_where_prefixes_the_function():
    with pytest.raises(ValueError, match=r"^fit\(\): invalid target_accept"):
        checks.real("target_accept", 2.0, max=1, where="fit()")
