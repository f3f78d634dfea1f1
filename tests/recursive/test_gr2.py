import pytest
import torch

from nestlab.recursive.gr2 import (
    GR2Config,
    GR2Learner,
    draw_noise,
    poisson_weights,
    split_joint,
)
from nestlab.recursive.nets import split_gaussian


def test_poisson_weights():
    w = poisson_weights(1.5, 4)
    assert w.sum().item() == pytest.approx(1.0)
    raw = torch.tensor([1.0, 1.5, 1.5**2 / 2, 1.5**3 / 6])
    torch.testing.assert_close(w, raw / raw.sum())


def test_split_joint_views():
    joint = torch.arange(2 * 3 * 4, dtype=torch.float32).reshape(2, 3, 4)  # [B, R, n]
    own, others = split_joint(joint, 4)
    assert own.shape == (12, 2, 1) and others.shape == (12, 2, 3)
    # agent a = run * n + j: own action joint[:, run, j], others in player order without j
    assert own[4 + 2, 1, 0] == joint[1, 1, 2]
    assert others[4 + 2, 1].tolist() == [joint[1, 1, 0].item(), joint[1, 1, 1].item(), joint[1, 1, 3].item()]
    with pytest.raises(ValueError, match="expected 5 players"):
        split_joint(joint, 5)


@pytest.mark.parametrize("level,mode", [(1, "L"), (2, "L"), (3, "L"), (4, "L"), (3, "M")])
def test_chain_shapes_and_levels(level, mode):
    L = GR2Learner(2, 10, GR2Config(level=level, mode=mode, hidden=8), seed=0)
    noise = draw_noise(L.n_agents, 5, 10, level, torch.Generator().manual_seed(0))
    ch = L.chain(noise)
    assert ch.action.shape == (20, 5, 1) and ch.log_prob.shape == (20, 5, 1)
    assert torch.all(ch.action.abs() < 1)
    assert level in ch.opp_in and ch.opp_in[level].shape == (20, 5, 9)
    if mode == "L":  # own levels: same parity as k, down to level 0 (uniform) for even k
        assert sorted(ch.own) == sorted({0, *range(level % 2, level + 1, 2)} - ({0} if level % 2 else set())) or 0 in ch.own
        if level % 2 == 1:  # odd: the chain starts from the opponents' uniform level 0
            torch.testing.assert_close(ch.opp_in[1], noise.opp0)
    else:
        assert sorted(ch.own) == list(range(level + 1))
    acts = L.act(torch.Generator().manual_seed(1))
    assert acts.shape == (2, 10)


def test_level_two_chain_composition():
    """Level 2 = pi(rho(a_0)): recompute by hand from the networks."""
    L = GR2Learner(1, 3, GR2Config(level=2, hidden=8), seed=3)
    noise = draw_noise(3, 4, 3, 2, torch.Generator().manual_seed(0))
    ch = L.chain(noise)
    rho_mean = L.rho(noise.own0)[..., :2]
    opp1 = torch.tanh(rho_mean)
    torch.testing.assert_close(ch.opp_in[2], opp1)
    out = L.pi(opp1)
    mean, log_std = out[..., :1], out[..., 1:].clamp(-5, 1)
    torch.testing.assert_close(ch.action, torch.tanh(mean + log_std.exp() * noise.top))


def test_mixture_uses_every_lower_level():
    L = GR2Learner(1, 2, GR2Config(level=3, mode="M", lam=1.5, hidden=8), seed=0)
    noise = draw_noise(2, 1500, 2, 3, torch.Generator().manual_seed(0))
    ch = L.chain(noise)
    opp = ch.opp_in[3]
    # level-0 opponent actions are the uniform draws; the Poisson weight of level 0 among 0..2
    w = poisson_weights(1.5, 3)
    frac0 = (opp == noise.opp0).float().mean().item()
    assert frac0 == pytest.approx(w[0].item(), abs=0.04)


def _separate_learners(batched: GR2Learner):
    singles = []
    for j in range(batched.n_agents):
        s = GR2Learner(1, batched.n_players, batched.config, seed=123, n_agents=1)
        names = ["q", "q_target", "rho", "pi"] + (["q_opp"] if hasattr(batched, "q_opp") else [])
        for name in names:
            getattr(s, name).load_state_dict(getattr(batched, name).select([j]).state_dict())
        params = [p for name in names if name != "q_target" for p in getattr(s, name).parameters()]
        s.optimizer = torch.optim.Adam(params, lr=batched.config.lr)
        singles.append(s)
    return singles


@pytest.mark.parametrize("level,mode,opp", [(2, "L", "own"), (3, "M", "own"), (2, "L", "opponent")])
def test_ten_batched_agents_equal_ten_separate(level, mode, opp):
    """Given the same weights, data and noise, batched agents follow single agents exactly."""
    n, B = 10, 16
    L = GR2Learner(1, n, GR2Config(level=level, mode=mode, hidden=8, opponent_model=opp), seed=0)
    singles = _separate_learners(L)
    g = torch.Generator().manual_seed(0)
    joint = torch.rand(B, 1, n, generator=g) * 2 - 1
    reward = torch.rand(B, 1, n, generator=g)
    own, others = L.split_joint(joint)
    r, r_others = L.split_joint(reward)
    for _step in range(3):
        noise = draw_noise(n, B, n, level, g)
        rho_noise = torch.randn(n, 2 * B, n - 1, generator=g)
        rho_own = torch.rand(n, B, 1, generator=g) * 2 - 1
        parts = L.losses(own, others, r, noise, rho_noise, rho_own, r_others)
        L.optimizer.zero_grad()
        (parts["q"] + parts["rho"] + parts["pi"]).backward()
        L.optimizer.step()
        total = {k: 0.0 for k in parts}
        for j, s in enumerate(singles):
            idx = torch.tensor([j])
            pj = s.losses(own[idx], others[idx], r[idx], noise.select(idx), rho_noise[idx], rho_own[idx],
                          r_others[idx])
            s.optimizer.zero_grad()
            (pj["q"] + pj["rho"] + pj["pi"]).backward()
            s.optimizer.step()
            for k in total:
                total[k] += float(pj[k].detach())
        for k in ("q", "rho", "pi"):
            assert float(parts[k].detach()) == pytest.approx(total[k], rel=1e-4, abs=1e-5)
    for j, s in enumerate(singles):
        for name in ("q", "rho", "pi") + (("q_opp",) if opp == "opponent" else ()):
            for pb, ps in zip(getattr(L, name).parameters(), getattr(s, name).parameters(), strict=True):
                torch.testing.assert_close(pb[j], ps[0], rtol=1e-4, atol=1e-5)


def test_update_is_deterministic_and_learns_q():
    def run():
        L = GR2Learner(2, 3, GR2Config(level=2, hidden=16, lr=1e-2), seed=0)
        g = torch.Generator().manual_seed(0)
        joint = torch.rand(32, 2, 3, generator=g) * 2 - 1
        reward = -(joint - 0.5).abs()  # a simple function of own action
        first = L.update(joint, reward, g)["q"]
        for _ in range(60):
            last = L.update(joint, reward, g)["q"]
        return first, last, L.act(g)

    f1, l1, a1 = run()
    f2, l2, a2 = run()
    assert (f1, l1) == (f2, l2) and torch.equal(a1, a2)
    assert l1 < 0.5 * f1


def test_aux_loss_present_only_from_level_two():
    for level, has_aux in [(1, False), (2, True), (4, True)]:
        L = GR2Learner(1, 2, GR2Config(level=level, hidden=8), seed=0)
        g = torch.Generator().manual_seed(0)
        joint = torch.rand(8, 1, 2, generator=g) * 2 - 1
        out = L.update(joint, torch.rand(8, 1, 2, generator=g), g)
        assert (out["aux"] != 0.0) == has_aux


@pytest.mark.parametrize("kwargs,match", [({"level": 0}, "invalid level 0"), ({"mode": "X"}, "unknown mode"),
                                          ({"lam": 0.0}, "lam"), ({"temperature": 0.0}, "temperature"),
                                          ({"gamma": 1.0}, "gamma"),
                                          ({"opponent_model": "theirs"}, "opponent_model")])
def test_config_refusals(kwargs, match):
    with pytest.raises(ValueError, match=match):
        GR2Config(**kwargs)


def test_learner_refusals_and_discounted_target():
    with pytest.raises(ValueError, match="invalid n_players 1; valid range: integer >= 2"):
        GR2Learner(1, 1)
    L = GR2Learner(1, 2, GR2Config(level=2, gamma=0.5, hidden=8), seed=0)
    g = torch.Generator().manual_seed(0)
    out = L.update(torch.rand(8, 1, 2, generator=g), torch.rand(8, 1, 2, generator=g), g)
    assert all(torch.isfinite(torch.tensor(v)) for v in out.values())


def test_opponent_model_variant_fits_the_others_rewards():
    """With opponent_model='opponent' the extra critic learns the other player's reward."""
    L = GR2Learner(1, 2, GR2Config(level=2, hidden=16, lr=1e-2, opponent_model="opponent"), seed=0)
    g = torch.Generator().manual_seed(0)
    joint = torch.rand(64, 1, 2, generator=g) * 2 - 1
    reward = torch.stack([joint[..., 0] * 0, joint[..., 0] * joint[..., 1]], -1)  # player 1 gets a0*a1
    for _ in range(200):
        L.update(joint, reward, g)
    own, others = L.split_joint(joint)
    _, r_others = L.split_joint(reward)
    with torch.no_grad():
        err = (L.q_opp(torch.cat([own, others], -1))[0] - r_others[0]).abs().mean()
    assert err < 0.1
    with pytest.raises(ValueError, match="needs others_reward"):
        noise = draw_noise(2, 4, 2, 2, g)
        L.losses(own[:, :4], others[:, :4], r_others[:, :4], noise, torch.randn(2, 8, 1), torch.rand(2, 4, 1))


def test_replay_level0_starts_the_chain_from_played_actions():
    """level0='replay': after an update, a level-1 action is pi's response to actions really
    played (the replay batch), not to uniform draws; before any update it is the uniform chain."""
    L = GR2Learner(1, 3, GR2Config(level=1, hidden=8, level0="replay"), seed=0)
    U = GR2Learner(1, 3, GR2Config(level=1, hidden=8), seed=0)
    g1, g2 = torch.Generator().manual_seed(5), torch.Generator().manual_seed(5)
    assert torch.equal(L.act(g1, deterministic=True), U.act(g2, deterministic=True))
    joint = torch.full((16, 1, 3), 0.25)
    L.update(joint, torch.zeros(16, 1, 3), torch.Generator().manual_seed(0))
    a = L.act(torch.Generator().manual_seed(1), deterministic=True)
    mean, _ = split_gaussian(L.pi(torch.full((3, 1, 2), 0.25)))
    torch.testing.assert_close(a.reshape(-1), torch.tanh(mean).reshape(-1))


def test_uniform_level0_and_constant_temperature_keep_the_old_stream():
    """The new knobs at their defaults change nothing (same losses as an explicit default config)."""
    def losses(cfg):
        L = GR2Learner(1, 2, cfg, seed=0)
        g = torch.Generator().manual_seed(0)
        joint = torch.rand(8, 1, 2, generator=g) * 2 - 1
        return [L.update(joint, -joint.abs(), g) for _ in range(3)]

    assert losses(GR2Config(level=2, hidden=8)) == losses(GR2Config(level=2, hidden=8, level0="uniform",
                                                                      temperature_final=None))


def test_temperature_annealing_is_geometric():
    L = GR2Learner(1, 2, GR2Config(hidden=8, temperature=0.1, temperature_final=0.001), seed=0)
    L.set_progress(0.0)
    assert L.temperature == pytest.approx(0.1)
    L.set_progress(0.5)
    assert L.temperature == pytest.approx(0.01)
    L.set_progress(1.0)
    assert L.temperature == pytest.approx(0.001)
    C = GR2Learner(1, 2, GR2Config(hidden=8, temperature=0.1), seed=0)
    C.set_progress(1.0)
    assert C.temperature == pytest.approx(0.1)
    with pytest.raises(ValueError, match="frac"):
        L.set_progress(1.5)


@pytest.mark.parametrize("kwargs,match", [({"level0": "zero"}, "unknown level0 'zero'"),
                                          ({"temperature_final": 0.0}, "temperature_final")])
def test_new_knob_refusals(kwargs, match):
    with pytest.raises(ValueError, match=match):
        GR2Config(**kwargs)
