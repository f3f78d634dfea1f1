"""Recognition networks: numpy stepping equals torch, training lowers the loss, cache reuse."""

import numpy as np
import pytest
import torch

from nestlab.nested.domains.construction import ConstructionConfig
from nestlab.nested.experiments import Setup, episodes, train_networks, training_set
from nestlab.nested.planners import AgentParams
from nestlab.nested.recognition import (
    OnlineGRU,
    RecognitionNet,
    advance_pair,
    fit_recognition,
    net_from_state,
    pad,
)

SETUP = Setup(ConstructionConfig(width=5, height=5, n_blocks=4, max_steps=8), AgentParams())


def _textbook_advance(net: OnlineGRU, h: np.ndarray, x: np.ndarray):
    """The GRU cell as first written (allocating form): the oracle of the in-place steppers."""
    H = net.hidden
    gi = net.w_ih @ x + net.b_ih
    gh = net.w_hh @ h + net.b_hh
    rz = 1.0 / (1.0 + np.exp(-(gi[:2 * H] + gh[:2 * H])))
    r, z = rz[:H], rz[H:]
    n = np.tanh(gi[2 * H:] + r * gh[2 * H:])
    h = (1.0 - z) * n + z * h
    logits = net.w_out @ h + net.b_out
    logits -= logits.max()
    return logits - np.log(np.exp(logits).sum()), h


@pytest.mark.parametrize("hidden2", [16, 8])
def test_in_place_steppers_equal_the_textbook_cell_bit_for_bit(hidden2):
    """advance and advance_pair (both networks in one pass) give exactly the textbook numbers,
    so the online runs (and every seeded result) are unchanged by the faster stepping."""
    torch.manual_seed(1)
    sa = RecognitionNet(11, 5, hidden=16).state_dict()
    sb = RecognitionNet(11, 9, hidden=hidden2).state_dict()
    a, b, c, d = OnlineGRU(sa), OnlineGRU(sb), OnlineGRU(sa), OnlineGRU(sb)
    ha, hb = np.zeros(16), np.zeros(hidden2)
    rng = np.random.default_rng(0)
    for _ in range(12):
        x = rng.normal(size=11) * (rng.random(11) < 0.5)
        (ra, ha), (rb, hb) = _textbook_advance(a, ha, x), _textbook_advance(b, hb, x)
        pa, pb = advance_pair(a, b, x)
        assert np.array_equal(pa, ra) and np.array_equal(pb, rb)
        assert np.array_equal(c.advance(x), ra) and np.array_equal(d.advance(x), rb)
        assert np.array_equal(a.h, ha) and np.array_equal(b.h, hb) and np.array_equal(c.h, ha)


def test_online_gru_matches_torch():
    torch.manual_seed(0)
    net = RecognitionNet(7, 5, hidden=8)
    x = torch.randn(1, 6, 7)
    ref = net(x)[0].detach().numpy()
    online = OnlineGRU(net.state_dict())
    got = np.stack([online.step(x[0, t].double().numpy()) for t in range(6)])
    np.testing.assert_allclose(got, ref, atol=1e-5)
    online.reset()
    np.testing.assert_allclose(online.step(x[0, 0].double().numpy()), ref[0], atol=1e-5)
    np.testing.assert_allclose(net_from_state(net.state_dict())(x).detach().numpy()[0], ref)


def test_pad_masks_variable_lengths():
    data = pad([np.ones((2, 3)), np.ones((4, 3))], [np.full((2, 5), .2), np.full((4, 5), .2)], [1, 2])
    assert data.x.shape == (2, 4, 3) and data.mask.sum() == 6 and data.labels.tolist() == [1, 2]


@pytest.fixture(scope="module")
def level2_data():
    return training_set(SETUP, episodes(SETUP, 40, seed=0), level=2)


@pytest.mark.parametrize("loss", ["kl", "nll"])
def test_training_lowers_loss(loss, level2_data):
    data = level2_data
    np.testing.assert_allclose(data.soft.sum(-1)[data.mask], 1.0, rtol=1e-5)
    _, info = fit_recognition(data, loss=loss, hidden=16, epochs=20, batch_size=8, seed=0)
    curve = info["loss_curve"]
    assert curve[-1] < 0.8 * curve[0]
    if loss == "kl":
        assert min(curve) >= -1e-5  # a KL is non-negative


def test_unknown_loss_refused():
    with pytest.raises(ValueError, match="unknown loss"):
        fit_recognition(pad([np.ones((2, 3))], [np.full((2, 5), .2)], [0]), loss="mse")


def test_networks_are_cached(tmp_path, monkeypatch):
    monkeypatch.setenv("NESTLAB_CACHE", str(tmp_path))
    nets = train_networks(SETUP, n_train=12, hidden=8, epochs=2, seed=0)
    assert set(nets) == {"level1", "level2", "tomnet"}
    assert not nets["level2"].info["cache_hit"]
    again = train_networks(SETUP, n_train=12, hidden=8, epochs=2, seed=0)
    assert all(n.info["cache_hit"] for n in again.values())
    np.testing.assert_array_equal(again["level2"].w_out, nets["level2"].w_out)
    assert nets["level1"].n_hyp == 6 and nets["level2"].n_hyp == 12
    assert nets["level2"].n_in == SETUP.domain.n_features


def test_level2_networks_can_read_level1(tmp_path, monkeypatch):
    """Hierarchical amortization: level-2 inputs = features + the level-1 network's posterior."""
    from nestlab.nested import experiments as ex

    monkeypatch.setenv("NESTLAB_CACHE", str(tmp_path))
    nets = train_networks(SETUP, n_train=12, hidden=8, epochs=2, seed=0, condition_on_level1=True)
    n_goals, n_feat = len(SETUP.domain.goals), SETUP.domain.n_features
    assert nets["level2"].n_in == nets["tomnet"].n_in == n_feat + n_goals
    assert not nets["level2"].info["cache_hit"]           # its own cache entry, not the plain one
    ep = episodes(SETUP, 1, seed=0, test=True)[0]
    tr = ex.amortized_trace(SETUP, ep, k=3, scheme="is", net1=nets["level1"], net2=nets["level2"])
    np.testing.assert_allclose(tr.post2.sum(1), 1.0)
    nn = ex.network_trace(nets["level2"], ep, n_goals, SETUP.domain, net1=nets["level1"])
    np.testing.assert_allclose(nn.post2.sum(1), 1.0)
    with pytest.raises(ValueError, match="invalid net2: .* inputs"):
        ex.network_trace(nets["level2"], ep, n_goals, SETUP.domain)  # no level-1 network given
