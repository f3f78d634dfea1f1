"""Bad inputs to nestlab.influence are refused with the checks dialect (issue 10).

Every case asserts the exception type and that the message names the bad argument (and the
value where it has one). The property tests feed the estimators and the loaders arbitrary
arrays and bytes: the result is finite and valid, or a ValueError/TypeError naming the argument
(or the file).
"""

import importlib
import io
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from nestlab.influence import allocation as al
from nestlab.influence import data, games, population, reanalysis
from tests.refusals import assert_refused

# the package re-exports the function loi(), which shadows the module of the same name
loi = importlib.import_module("nestlab.influence.loi")

GOOD = np.random.default_rng(0).uniform(0, 100, size=(2, 9, 6))


_raises = assert_refused


# --- LoI estimators --------------------------------------------------------------------------------

LOI_CASES = {
    "empty-stack": (ValueError, lambda: loi.loi(np.zeros((0, 9, 6))), ["returns", "empty stack"]),
    "empty-stack-knn": (ValueError, lambda: loi.loi(np.zeros((0, 9, 6)), estimator="knn"),
                        ["returns", "empty stack"]),
    "all-out-of-range": (ValueError, lambda: loi.loi(np.full((9, 6), 150.0)),
                         ["returns", "value_range", "no return inside"]),
    "one-row-out-of-range": (ValueError, lambda: loi.loi(np.vstack([np.full((1, 6), -1.0), GOOD[0, 1:]])),
                             ["returns", "1 of 9 Bob rows"]),
    "all-out-of-range-mm": (ValueError, lambda: loi.loi(np.full((9, 6), -5.0), estimator="miller_madow"),
                            ["returns", "value_range"]),
    "null-undefined": (ValueError,
                       lambda: loi.loi(np.vstack([[50.0] + [500.0] * 5] * 9), estimator="null_corrected",
                                       n_permutations=20),
                       ["returns", "permuted blocks"]),
    "1-d": (ValueError, lambda: loi.loi(np.zeros(6)), ["returns", "shape (6,)", "n_bobs"]),
    "one-bob": (ValueError, lambda: loi.loi(np.zeros((1, 6))), ["returns", "n_bobs", "= 1"]),
    "no-episodes": (ValueError, lambda: loi.loi(np.zeros((9, 0))), ["returns", "n_episodes"]),
    "nan": (ValueError, lambda: loi.loi(np.full((9, 6), np.nan)), ["returns", "not finite", "nan"]),
    "inf": (ValueError, lambda: loi.loi(np.r_[np.inf, np.ones(53)].reshape(9, 6)), ["returns", "inf"]),
    "strings": (TypeError, lambda: loi.loi([["1", "2"], ["3", "4"]]), ["returns", "<U1"]),
    "none": (TypeError, lambda: loi.loi(None), ["returns", "NoneType"]),
    "ragged": (ValueError, lambda: loi.loi([[1.0, 2.0], [3.0]]), ["returns", "not a regular array"]),
    "estimator": (ValueError, lambda: loi.loi(GOOD, estimator="plugin"),
                  ["estimator", "'plugin'", "paper, miller_madow, null_corrected, knn"]),
    "estimator-type": (TypeError, lambda: loi.loi(GOOD, estimator=1), ["estimator", "int"]),
    "bins-zero": (ValueError, lambda: loi.loi(GOOD, bins=0), ["bins", "0", ">= 1"]),
    "bins-float": (TypeError, lambda: loi.loi(GOOD, bins=50.0), ["bins", "float"]),
    "range-reversed": (ValueError, lambda: loi.loi(GOOD, value_range=(100, 0)), ["value_range", "(100, 0)"]),
    "range-nan": (ValueError, lambda: loi.loi(GOOD, value_range=(0, np.nan)), ["value_range[1]", "nan"]),
    "range-len": (ValueError, lambda: loi.loi(GOOD, value_range=(0, 50, 100)), ["value_range", "3 elements"]),
    "range-str": (TypeError, lambda: loi.loi(GOOD, value_range="0-100"), ["value_range", "str"]),
    "k-zero": (ValueError, lambda: loi.loi(GOOD, estimator="knn", k=0), ["k", "0"]),
    "k-too-big": (ValueError, lambda: loi.knn_loi(GOOD, k=6), ["k", "6", "n_episodes"]),
    "jitter-zero": (ValueError, lambda: loi.knn_loi(GOOD, jitter=0.0), ["jitter", "0"]),
    "jitter-negative": (ValueError, lambda: loi.knn_loi(GOOD, jitter=-1e-9), ["jitter", "-1e-09"]),
    "n-perm-zero": (ValueError, lambda: loi.loi(GOOD, estimator="null_corrected", n_permutations=0),
                    ["n_permutations", "0"]),
    "seed-negative": (ValueError, lambda: loi.loi(GOOD, seed=-1), ["seed", "-1"]),
    "seed-str": (TypeError, lambda: loi.permutation_null(GOOD, seed="0"), ["seed", "str"]),
    "mm-flag": (TypeError, lambda: loi.plugin_loi(GOOD, miller_madow="yes"), ["miller_madow", "str"]),
    "bin-index-nan": (ValueError, lambda: loi.bin_index([1.0, np.nan]), ["values", "nan"]),
}


@pytest.mark.parametrize("case", sorted(LOI_CASES))
def test_loi_bad_inputs(case):
    exc, fn, words = LOI_CASES[case]
    _raises(exc, fn, *words)


def test_bin_index_drops_infinities_like_numpy():
    assert loi.bin_index([-np.inf, 50.0, np.inf]).tolist() == [-1, 25, -1]


# --- loaders ---------------------------------------------------------------------------------------

def _good_loi(path, **over):
    arrays = {"rewards": np.random.default_rng(1).uniform(0, 100, (1, 4, 5, 9, 6, 2)),
              "checkpoints": np.array(data.BOB_CHECKPOINTS)}
    arrays.update(over)
    np.savez(path, **arrays)
    return path


def test_good_file_loads(tmp_path):
    log = data.load_loi_log("chicken", "S", path=_good_loi(tmp_path / "a.npz"))
    assert log.rewards.shape == (1, 4, 5, 9, 6, 2)


def _sp5(d, arr, name="e.npz"):
    np.savez(d / name, rewards=arr)
    return d / name


def _truncated(tmp_path):
    p = _good_loi(tmp_path / "t.npz")
    p.write_bytes(p.read_bytes()[:300])
    return p


def _renamed_npy(tmp_path):
    p = tmp_path / "r.npz"
    with open(p, "wb") as fh:
        np.save(fh, np.zeros((1, 4, 5, 9, 6, 2)))
    return p


def _pickled(tmp_path):
    p = tmp_path / "p.npz"
    np.savez(p, rewards=np.array([{"a": 1}], dtype=object), checkpoints=np.arange(9))
    return p


def _bad_crc(tmp_path):
    p = _good_loi(tmp_path / "c.npz")
    raw = bytearray(p.read_bytes())
    raw[200] ^= 0xFF  # inside the first member's data: CRC or header check fails on read
    p.write_bytes(bytes(raw))
    return p


def _text(tmp_path):
    p = tmp_path / "x.npz"
    p.write_text("rewards,checkpoints\n1,2\n")
    return p


def _empty(tmp_path):
    p = tmp_path / "e.npz"
    p.write_bytes(b"")
    return p


def _zip_not_npy(tmp_path):
    p = tmp_path / "z.npz"
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("rewards.npy", b"not an npy header")
        z.writestr("checkpoints.npy", b"nope")
    return p


FILE_CASES = {
    "truncated": (_truncated, ["t.npz", "not a readable .npz"]),
    "renamed-npy": (_renamed_npy, ["r.npz", ".npy array, not an .npz"]),
    "pickled-object-array": (_pickled, ["p.npz", "rewards", "never unpickled"]),
    "corrupt-member": (_bad_crc, ["c.npz"]),
    "text-file": (_text, ["x.npz", "not a readable .npz"]),
    "empty-file": (_empty, ["e.npz", "not a readable .npz"]),
    "zip-of-garbage": (_zip_not_npy, ["z.npz", "rewards"]),
    "missing-key": (lambda d: _sp5(d, np.zeros((1, 4, 5, 9, 6, 2)), "m.npz"),
                    ["m.npz", "missing key", "checkpoints"]),
    "wrong-shape": (lambda d: _good_loi(d / "s.npz", rewards=np.zeros((1, 4, 5, 9, 6))),
                    ["s.npz", "rewards", "(1, 4, 5, 9, 6, 2)"]),
    "string-dtype": (lambda d: _good_loi(d / "u.npz", rewards=np.full((1, 4, 5, 9, 6, 2), "a")),
                     ["u.npz", "rewards", "<U1"]),
    "bool-dtype": (lambda d: _good_loi(d / "b.npz", rewards=np.zeros((1, 4, 5, 9, 6, 2), bool)),
                   ["b.npz", "rewards", "bool"]),
    "nan-rewards": (lambda d: _good_loi(d / "n.npz", rewards=np.full((1, 4, 5, 9, 6, 2), np.nan)),
                    ["n.npz", "rewards", "not finite"]),
    "float-checkpoints": (lambda d: _good_loi(d / "f.npz", checkpoints=np.linspace(0, 24, 9)),
                          ["f.npz", "checkpoints", "float64", "integer"]),
    "negative-checkpoints": (lambda d: _good_loi(d / "g.npz", checkpoints=-np.arange(9)),
                             ["g.npz", "checkpoints", "non-negative"]),
    "checkpoints-shape": (lambda d: _good_loi(d / "h.npz", checkpoints=np.arange(8)),
                          ["h.npz", "checkpoints", "(9,)"]),
}


@pytest.mark.parametrize("case", sorted(FILE_CASES))
def test_loi_file_problems_are_value_errors_naming_the_file(tmp_path, case):
    make, words = FILE_CASES[case]
    path = make(tmp_path)
    _raises(ValueError, lambda: data.load_loi_log("chicken", "S", path=path), *words)


EVAL_CASES = {
    "eval-nan": (lambda d: _sp5(d, np.full(data.EVAL_SP5_SHAPE, np.nan)), ["e.npz", "rewards", "not finite"]),
    "eval-inf": (lambda d: _sp5(d, np.full(data.EVAL_SP5_SHAPE, np.inf)), ["e.npz", "rewards", "inf"]),
    "eval-str": (lambda d: _sp5(d, np.full(data.EVAL_SP5_SHAPE, "x")), ["e.npz", "rewards", "<U1"]),
    "eval-complex": (lambda d: _sp5(d, np.zeros(data.EVAL_SP5_SHAPE, complex)), ["e.npz", "complex"]),
    "eval-shape": (lambda d: _sp5(d, np.zeros((5, 25, 4))), ["e.npz", "rewards", "(5, 25, 4, 3)"]),
}


@pytest.mark.parametrize("case", sorted(EVAL_CASES))
def test_eval_sp5_checks_dtype_and_finiteness(tmp_path, case):
    make, words = EVAL_CASES[case]
    path = make(tmp_path)
    _raises(ValueError, lambda: data.load_eval_sp5("chicken", "S", path=path), *words)


def test_tournament_checks_dtype(tmp_path):
    np.savez(tmp_path / "t.npz", rewards=np.full((5, 4, 20), "x"))
    _raises(ValueError, lambda: data.load_tournament("chicken", "S", "SP5", path=tmp_path / "t.npz"),
            "t.npz", "rewards")


NAME_CASES = {
    "game": (ValueError, lambda r: data.loi_file("hawk_dove", "S", root=r), ["game", "'hawk_dove'", "stag_hunt"]),
    "map": (ValueError, lambda r: data.loi_file("chicken", "X", root=r), ["map_", "'X'", "S, M, L, O"]),
    "version": (ValueError, lambda r: data.load_loi_log("chicken", "S", version="v2", root=r),
                ["version", "'v2'", "arxiv, rlc"]),
    "run": (ValueError, lambda r: data.loi_file("chicken", "S", version="rlc", run="5M", root=r), ["run", "'5M'"]),
    "method": (ValueError, lambda r: data.load_tournament("chicken", "S", "PP4", root=r),
               ["method", "'PP4'", "SP5, PP3, PP5"]),
    "eval-game": (ValueError, lambda r: data.load_eval_sp5("stag_hunt", "S", root=r), ["game", "'stag_hunt'"]),
    "root-missing": (FileNotFoundError, lambda r: data.loi_file("chicken", "S", root=r / "nope"), ["root", "nope"]),
    "root-type": (TypeError, lambda r: data.loi_file("chicken", "S", root=3), ["root", "int"]),
    "path-missing": (FileNotFoundError, lambda r: data.load_loi_log("chicken", "S", path=r / "no.npz"),
                     ["path", "no.npz", "not found"]),
    "path-dir": (FileNotFoundError, lambda r: data.load_loi_log("chicken", "S", path=r), ["path", "not a file"]),
    "path-type": (TypeError, lambda r: data.load_tournament("chicken", "S", "SP5", path=1.5), ["path", "float"]),
    "validate-shape": (ValueError, lambda r: data.validate_loi_rewards(np.zeros(3), "arxiv"), ["rewards", "(3,)"]),
    "validate-dtype": (TypeError, lambda r: data.validate_tournament(np.full((5, 4, 20), "a"), "SP5"),
                       ["rewards", "<U1"]),
}


@pytest.mark.parametrize("case", sorted(NAME_CASES))
def test_loader_arguments(tmp_path, case):
    exc, fn, words = NAME_CASES[case]
    _raises(exc, lambda: fn(tmp_path), *words)


# --- data folder names (nestlab.paths) -------------------------------------------------------------

@pytest.mark.parametrize("name, exc", [("", ValueError), ("../loi", ValueError), ("/etc", ValueError),
                                       ("a/../../b", ValueError), (3, TypeError)])
def test_data_dir_refuses_names_outside_the_data_folder(name, exc):
    from nestlab.paths import data_dir

    _raises(exc, lambda: data_dir(name, must_exist=False), "name")


def test_data_dir_must_exist_flag():
    from nestlab.paths import data_dir

    _raises(TypeError, lambda: data_dir("loi", must_exist="no"), "must_exist", "str")


# --- allocation, games, study config ------------------------------------------------------------

def _samples(n=4, sp_mean=50.0):
    rng = np.random.default_rng(3)
    return [{"SP": rng.normal(sp_mean, 1, 100), "PP3": rng.normal(50, 1, 30), "PP5": rng.normal(50, 1, 50)}
            for _ in range(n)]


OTHER_CASES = {
    "alloc-loi-1-value": (ValueError, lambda: al.allocate_by_loi([1.0]), ["loi_values", "1 elements"]),
    "alloc-loi-2d": (ValueError, lambda: al.allocate_by_loi([[1.0, 2.0]]), ["loi_values", "2-d"]),
    "alloc-loi-nan": (ValueError, lambda: al.allocate_by_loi([1.0, np.nan]), ["loi_values", "nan"]),
    "budget-method": (ValueError, lambda: al.budget(["SP", "PP7"]), ["allocation[1]", "'PP7'", "SP, PP3, PP5"]),
    "budget-str": (TypeError, lambda: al.budget("SP"), ["allocation", "str"]),
    "enumerate-zero": (ValueError, lambda: al.enumerate_allocations(0), ["n_scenarios", "0"]),
    "enumerate-huge": (ValueError, lambda: al.enumerate_allocations(40), ["n_scenarios", "40"]),
    "enumerate-total": (ValueError, lambda: al.enumerate_allocations(4, total=100), ["total", "100"]),
    "compare-protocol": (ValueError, lambda: al.compare_allocation(_samples(), ("PP3",) * 4, protocol="top10"),
                         ["protocol", "'top10'", "top30, all"]),
    "compare-k": (ValueError, lambda: al.compare_allocation(_samples(), ("PP3",) * 4, k=0), ["k", "0"]),
    "compare-reference": (ValueError, lambda: al.compare_allocation(_samples(), ("PP3",) * 4, reference="PP4"),
                          ["reference", "'PP4'"]),
    "compare-baseline": (ValueError, lambda: al.compare_allocation(_samples(), ("PP3",) * 4, baseline=("X",) * 4),
                         ["baseline[0]", "'X'"]),
    "compare-missing-method": (ValueError, lambda: al.compare_allocation([{"SP": [1.0], "PP3": [1.0]}], ("PP3",)),
                               ["samples[0]", "'PP5'"]),
    "compare-empty-returns": (ValueError,
                              lambda: al.compare_allocation([{"SP": [1.0], "PP3": [], "PP5": [1.0]}], ("PP3",)),
                              ["samples[0]['PP3']", "0 elements"]),
    "compare-zero-sp-mean": (ValueError, lambda: al.compare_allocation(
        [{"SP": np.array([-1.0, 1.0]), "PP3": np.ones(3), "PP5": np.ones(3)}], ("PP5",)),
                             ["samples", "mean SP return", "is 0"]),
    "rank-candidates": (ValueError, lambda: al.rank_allocation(_samples(), ("PP3",) * 4,
                                                               candidates=[("SP",) * 4]),
                        ["allocation", "not among"]),
    "rank-protocol": (ValueError, lambda: al.rank_allocation(_samples(), ("PP3",) * 4, protocol="bogus"),
                      ["protocol", "'bogus'"]),
    "gain-method": (ValueError, lambda: al.population_gain(_samples()[0], method="PP9"), ["method", "'PP9'"]),
    "corr-constant": (ValueError, lambda: al.loi_gain_correlation([1.0, 1.0, 1.0], [1.0, 2.0, 3.0]),
                      ["loi_values", "all 3 values equal"]),
    "corr-lengths": (ValueError, lambda: al.loi_gain_correlation([1.0, 2.0, 3.0], [1.0, 2.0, 3.0, 4.0]),
                     ["gains", "(4,)"]),
    "spec-game": (ValueError, lambda: games.make_spec("go", 0.5), ["game", "'go'", "prisoners_dilemma"]),
    "spec-meet-prob": (ValueError, lambda: games.make_spec("chicken", 1.5), ["meet_prob", "1.5"]),
    "spec-meet-nan": (ValueError, lambda: games.make_spec("chicken", np.nan), ["meet_prob", "nan"]),
    "spec-rounds": (TypeError, lambda: games.make_spec("chicken", 0.5, n_rounds=2.5), ["n_rounds", "float"]),
    "study-games": (ValueError, lambda: population.StudyConfig(games=("go",)), ["StudyConfig", "games[0]", "'go'"]),
    "study-meet": (ValueError, lambda: population.StudyConfig(meet_probs=(1.0, -0.1)),
                   ["StudyConfig", "meet_probs[1]", "-0.1"]),
    "study-lr-nan": (ValueError, lambda: population.StudyConfig(lr=float("nan")), ["StudyConfig", "lr", "nan"]),
    "study-lr-zero": (ValueError, lambda: population.StudyConfig(lr=0.0), ["StudyConfig", "lr", "0"]),
    "study-generations": (ValueError, lambda: population.StudyConfig(n_generations=2),
                          ["StudyConfig", "n_generations", "2"]),
    "study-seeds": (ValueError, lambda: population.StudyConfig(n_sp_seeds=1), ["n_sp_seeds", "1"]),
    "study-loi-episodes": (ValueError, lambda: population.StudyConfig(loi_episodes=3), ["loi_episodes", "3"]),
    "study-batch": (TypeError, lambda: population.StudyConfig(batch_episodes=3.0), ["batch_episodes", "float"]),
    "study-tournament-keys": (ValueError, lambda: population.StudyConfig(tournament_episodes={"SP": 1}),
                              ["tournament_episodes", "'PP3'"]),
    "study-tournament-value": (ValueError,
                               lambda: population.StudyConfig(tournament_episodes={"SP": 0, "PP3": 1, "PP5": 1}),
                               ["tournament_episodes['SP']", "0"]),
    "study-seed": (ValueError, lambda: population.StudyConfig(seed=-3), ["seed", "-3"]),
    "evaluate-checkpoints": (ValueError, lambda: population.evaluate_checkpoints(population.StudyConfig(), np.zeros((3, 5))),
                             ["checkpoints", "shape"]),
    "replicates-seeds": (TypeError, lambda: population.run_replicates(population.StudyConfig(), 3), ["seeds", "int"]),
    "relabel-permutation": (ValueError, lambda: reanalysis.relabel([1.0, 2.0, 3.0], (0, 0, 1)),
                            ["permutation", "(0, 0, 1)"]),
    "label-check-reference": (ValueError, lambda: reanalysis.map_label_check("chicken", reference="x"),
                              ["reference", "'x'", "eval_sp5, tournament"]),
    "loi-table-estimator": (ValueError, lambda: reanalysis.loi_table(estimator="ksg"), ["estimator", "'ksg'"]),
}


@pytest.mark.parametrize("case", sorted(OTHER_CASES))
def test_other_influence_bad_inputs(case):
    exc, fn, words = OTHER_CASES[case]
    _raises(exc, fn, *words)


# --- property-based: any input -> finite result or a named refusal -----------------------------------

def _elements(dtype):
    if np.dtype(dtype).kind == "f":
        return st.one_of(st.floats(-200, 300, width=32), st.sampled_from([np.nan, np.inf, -np.inf, 0.0, 100.0]))
    return st.integers(-50, 150)


@st.composite
def returns_arrays(draw):
    dtype = draw(st.sampled_from([np.float64, np.int64]))
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=4, min_side=0, max_side=7))
    return draw(hnp.arrays(dtype, shape, elements=_elements(dtype)))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(arr=returns_arrays(), estimator=st.sampled_from(loi.ESTIMATORS),
       lo=st.sampled_from([0.0, -10.0, 50.0]), width=st.sampled_from([1.0, 100.0, 1e3]),
       bins=st.integers(1, 60), k=st.integers(1, 4))
def test_loi_is_finite_or_refused_naming_the_argument(arr, estimator, lo, width, bins, k):
    try:
        est = loi.loi(arr, estimator=estimator, bins=bins, value_range=(lo, lo + width), k=k,
                      n_permutations=5)
    except (ValueError, TypeError) as exc:
        assert any(name in str(exc) for name in ("returns", "k ")), str(exc)
        return
    assert np.isfinite(est.value) and np.all(np.isfinite(est.per_block))
    assert est.per_block.shape == arr.shape[:-2]
    assert 0 <= est.n_dropped <= est.n_values == arr.size
    if estimator == "paper":
        assert est.value >= -1e-12  # a mean of KL divergences
    if est.p_value is not None:
        assert 0 < est.p_value <= 1


@settings(max_examples=60, deadline=None)
@given(arr=returns_arrays())
def test_allocate_by_loi_is_balanced_or_refused(arr):
    """allocate_by_loi: a 1-d finite array of >= 2 gives a balanced allocation, else a refusal."""
    x = arr.ravel()
    try:
        out = al.allocate_by_loi(x)
    except ValueError as exc:
        assert "loi_values" in str(exc)
        return
    assert len(out) == x.size and out.count("SP") == out.count("PP5")


def _npz_bytes(rng_seed: int) -> bytes:
    buf = io.BytesIO()
    rng = np.random.default_rng(rng_seed)
    np.savez(buf, rewards=rng.uniform(0, 100, data.EVAL_SP5_SHAPE))
    return buf.getvalue()


GOOD_NPZ = _npz_bytes(0)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kind=st.sampled_from(["random", "truncate", "flip", "insert"]),
       blob=st.binary(min_size=0, max_size=2048), pos=st.integers(0, len(GOOD_NPZ) - 1),
       byte=st.integers(1, 255))
def test_loader_any_bytes_load_or_value_error_naming_file(tmp_path, kind, blob, pos, byte):
    if kind == "random":
        raw = blob
    elif kind == "truncate":
        raw = GOOD_NPZ[:pos]
    elif kind == "flip":
        b = bytearray(GOOD_NPZ)
        b[pos] ^= byte
        raw = bytes(b)
    else:
        raw = GOOD_NPZ[:pos] + blob[:16] + GOOD_NPZ[pos:]
    path = tmp_path / "blob_SP5.npz"
    path.write_bytes(raw)
    try:
        arr = data.load_eval_sp5("chicken", "S", path=path)
    except ValueError as exc:
        assert str(path) in str(exc), str(exc)
        return
    assert arr.shape == data.EVAL_SP5_SHAPE and arr.dtype == np.float64 and np.all(np.isfinite(arr))


@st.composite
def plausible_blocks(draw):
    """Mostly valid stacks: returns near the histogram range, a few outside it."""
    shape = (draw(st.integers(1, 3)), draw(st.integers(2, 6)), draw(st.integers(1, 8)))
    elems = st.one_of(st.floats(0, 100), st.floats(-20, 0), st.floats(100, 130), st.just(50.0))
    return draw(hnp.arrays(np.float64, shape, elements=elems))


@settings(max_examples=150, deadline=None)
@given(arr=plausible_blocks(), estimator=st.sampled_from(loi.ESTIMATORS), k=st.integers(1, 3))
def test_loi_of_plausible_blocks_is_finite_or_refused(arr, estimator, k):
    try:
        est = loi.loi(arr, estimator=estimator, k=k, n_permutations=8)
    except ValueError as exc:
        assert "returns" in str(exc) or "invalid k" in str(exc), str(exc)
        return
    assert np.isfinite(est.value) and np.all(np.isfinite(est.per_block))
    if estimator == "null_corrected":
        assert np.isfinite(est.null_mean) and 0 < est.p_value <= 1
