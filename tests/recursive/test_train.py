import numpy as np
import pytest
import torch

from nestlab.recursive.baselines import DDPGConfig, DDPGLearner
from nestlab.recursive.games import BeautyContest, GameBatch, stag_hunt
from nestlab.recursive.gr2 import GR2Config
from nestlab.recursive.train import (
    ReplayBuffer,
    iterations_to_reach,
    parse_method,
    run_cached,
    summarise,
    train,
)


def test_parse_method():
    kind, cfg = parse_method("GR2-L3")
    assert kind == "gr2" and cfg.level == 3 and cfg.mode == "L"
    kind, cfg = parse_method("GR2-M4(0.5)")
    assert cfg == GR2Config(level=4, mode="M", lam=0.5)
    assert parse_method("GR2-M")[1] == GR2Config(level=3, mode="M", lam=1.5)
    assert parse_method("level-1")[1] == GR2Config(level=1)
    assert parse_method("level-0") == ("uniform", None)
    assert parse_method("GR2-L2+opp")[1] == GR2Config(level=2, opponent_model="opponent")
    assert parse_method("MADDPG", hidden=8)[1] == DDPGConfig(centralised=True, hidden=8)
    with pytest.raises(ValueError, match="unknown method"):
        parse_method("PR2")
    with pytest.raises(ValueError, match="invalid level"):
        parse_method("GR2-L0")


def test_replay_buffer_ring():
    b = ReplayBuffer(3, 1, 2)
    with pytest.raises(ValueError, match="empty"):
        b.sample(1, torch.Generator())
    for i in range(5):
        b.add(torch.full((1, 2), float(i)), torch.zeros(1, 2))
    assert len(b) == 3 and sorted(b.actions[:, 0, 0].tolist()) == [2.0, 3.0, 4.0]
    a, r = b.sample(7, torch.Generator().manual_seed(0))
    assert a.shape == (7, 1, 2) and r.shape == (7, 1, 2)


@pytest.mark.parametrize("method", ["GR2-L1", "GR2-M2(1.5)", "DDPG", "MADDPG", "level-0"])
def test_train_shapes_and_determinism(method):
    gb = GameBatch([BeautyContest(3, 0.7, "abs"), BeautyContest(3, 1.1, "square")], 2)
    kw = {} if method == "level-0" else {"hidden": 8}
    r1 = train(gb, method, n_iters=4, steps_per_iter=3, batch_size=8, warmup=4, seed=5, **kw)
    r2 = train(gb, method, n_iters=4, steps_per_iter=3, batch_size=8, warmup=4, seed=5, **kw)
    assert r1.history.shape == (4, 4, 3)
    np.testing.assert_array_equal(r1.history, r2.history)
    assert np.all(np.abs(r1.history) <= 1)


def test_ddpg_learns_beauty_contest_direction():
    """Independent learners in p=0.7 move the mean number down from ~50 (toward 0)."""
    gb = GameBatch([BeautyContest(4, 0.7, "abs")], 2)
    res = train(gb, "DDPG", n_iters=40, steps_per_iter=5, batch_size=32, warmup=16, seed=0, hidden=16)
    x = 50 * (res.history + 1)
    assert x[-5:].mean() < x[:3].mean() - 10


def test_ddpg_learner_refusals_and_shapes():
    with pytest.raises(ValueError, match="noise_std"):
        DDPGConfig(noise_std=-1)
    with pytest.raises(ValueError, match="invalid n_players 1; valid range: integer >= 2"):
        DDPGLearner(1, 1)
    L = DDPGLearner(3, 2, DDPGConfig(centralised=True, hidden=8))
    assert L.act(torch.Generator().manual_seed(0)).shape == (3, 2)
    assert L.policy(5).shape == (6, 5, 1)


def test_run_cached_hits_the_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("NESTLAB_CACHE", str(tmp_path))
    gb = GameBatch([stag_hunt()], 2)
    kw = dict(game_key=["stag_hunt"], n_iters=3, steps_per_iter=2, batch_size=4, hidden=8)
    a = run_cached(gb, "GR2-L2", **kw)
    b = run_cached(gb, "GR2-L2", **kw)
    np.testing.assert_array_equal(a.history, b.history)
    assert set(a.state) == set(b.state) and "pi.weights.0" in a.state
    assert len(list(tmp_path.rglob("*.safetensors"))) == 1


def test_summaries():
    assert iterations_to_reach(np.array([9, 8, 3, 2, 1.0]), 5) == 2
    assert np.isnan(iterations_to_reach(np.array([1, 2, 9.0]), 5))
    assert iterations_to_reach(np.array([1, 1.0]), 5) == 0
    curves = np.array([np.linspace(10, 0, 20), np.full(20, 8.0)])
    s = summarise(curves, threshold=5, frac=0.1)
    assert s["success"] == 0.5
    assert s["final_mean"] == pytest.approx((np.linspace(10, 0, 20)[-2:].mean() + 8) / 2)
