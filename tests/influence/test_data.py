"""Loader of the published LoI logs: validation and refusal of wrong files."""

import numpy as np
import pytest

from nestlab.influence import data


def _write(path, **arrays):
    np.savez(path, **arrays)
    return path


def test_loader_refuses_wrong_loi_shape(tmp_path):
    p = _write(tmp_path / "x.npz", rewards=np.zeros((1, 4, 5, 9, 6)), checkpoints=np.arange(9))
    with pytest.raises(ValueError, match=r"bob_checkpoint=9, episode=6, player=2"):
        data.load_loi_log("chicken", "S", path=p)


def test_loader_refuses_rlc_layout_as_arxiv(tmp_path):
    p = _write(tmp_path / "x.npz", rewards=np.zeros((3, 4, 3, 9, 6, 2)), checkpoints=np.arange(9))
    assert data.load_loi_log("chicken", "S", version="rlc", path=p).rewards.shape == (3, 4, 3, 9, 6, 2)
    with pytest.raises(ValueError, match="arxiv LoI rewards must have shape"):
        data.load_loi_log("chicken", "S", version="arxiv", path=p)


def test_loader_refuses_missing_key_and_bad_checkpoints(tmp_path):
    p = _write(tmp_path / "x.npz", returns=np.zeros((1, 4, 5, 9, 6, 2)))
    with pytest.raises(ValueError, match="missing key"):
        data.load_loi_log("chicken", "S", path=p)
    p = _write(tmp_path / "y.npz", rewards=np.zeros((1, 4, 5, 9, 6, 2)), checkpoints=np.arange(8))
    with pytest.raises(ValueError, match="checkpoints"):
        data.load_loi_log("chicken", "S", path=p)


def test_loader_refuses_non_finite(tmp_path):
    r = np.zeros((1, 4, 5, 9, 6, 2))
    r[0, 0, 0, 0, 0, 0] = np.nan
    p = _write(tmp_path / "x.npz", rewards=r, checkpoints=np.arange(9))
    with pytest.raises(ValueError, match="finite"):
        data.load_loi_log("chicken", "S", path=p)


def test_tournament_shape_per_method(tmp_path):
    p = _write(tmp_path / "t.npz", rewards=np.zeros((3, 4, 10)))
    assert data.load_tournament("chicken", "S", "PP3", path=p).shape == (3, 4, 10)
    with pytest.raises(ValueError, match="SP5 tournament rewards must have shape"):
        data.load_tournament("chicken", "S", "SP5", path=p)
    with pytest.raises(ValueError, match="unknown method"):
        data.load_tournament("chicken", "S", "PP4", path=p)


def test_unknown_names_list_choices(tmp_path):
    with pytest.raises(ValueError, match="stag_hunt"):
        data.loi_file("hawk_dove", "S", root=tmp_path)
    with pytest.raises(ValueError, match="valid choices: S, M, L, O"):
        data.loi_file("chicken", "X", root=tmp_path)
    with pytest.raises(ValueError, match="run"):
        data.loi_file("chicken", "S", version="rlc", run="5M", root=tmp_path)


def test_missing_folder_is_reported(tmp_path):
    with pytest.raises(FileNotFoundError):
        data.load_loi_log("chicken", "S", root=tmp_path / "absent")


def test_real_files_load(shared_data):
    root = shared_data / "loi"
    for version, shape in (("arxiv", (1, 4, 5, 9, 6, 2)), ("rlc", (3, 4, 3, 9, 6, 2))):
        for g in data.GAMES:
            for m in data.MAPS:
                log = data.load_loi_log(g, m, version=version, root=root)
                assert log.rewards.shape == shape
                assert tuple(log.checkpoints) == data.BOB_CHECKPOINTS
    s = data.tournament_samples("chicken", "M", root=root)
    assert {k: v.size for k, v in s.items()} == {"SP": 100, "PP3": 30, "PP5": 50}
    assert data.load_eval_sp5("prisoners_dilemma", "O", root=root).shape == (5, 25, 4, 3)
