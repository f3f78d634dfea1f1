"""Rules of the Construction domain."""

import numpy as np
import pytest

from nestlab.nested.domains.base import Domain
from nestlab.nested.domains.construction import (
    DOWN,
    LEFT,
    PUT_DOWN,
    RIGHT,
    STOP,
    UP,
    Construction,
    ConstructionConfig,
    ConstructionState,
)


@pytest.fixture
def dom():
    return Construction(ConstructionConfig(width=5, height=5, n_blocks=3))


def state(dom, alice, bob, blocks, holding=(-1, -1)):
    return ConstructionState((dom.cell(*alice), dom.cell(*bob)), holding,
                             tuple(dom.cell(*b) for b in blocks), 0)


def test_default_sizes_and_protocol():
    d = Construction()
    assert isinstance(d, Domain)
    assert len(d.goals) == 15 and d.n_blocks == 6
    assert (d.config.width, d.config.height) == (8, 8)
    assert len(Construction(ConstructionConfig(n_blocks=10)).goals) == 45
    assert len(Construction(ConstructionConfig(n_blocks=5)).goals) == 10


def test_reset_is_deterministic_and_places_blocks_apart():
    d = Construction()
    for seed in range(20):
        s = d.reset(seed)
        assert s == d.reset(seed)
        cells = list(s.block_pos) + list(s.agent_pos)
        assert len(set(cells)) == len(cells)
        assert not any(d.wall[c] for c in cells)
        for a in range(d.n_blocks):
            for b in range(a + 1, d.n_blocks):
                assert not d.adjacent(s.block_pos[a], s.block_pos[b])
    assert d.reset(0) != d.reset(1)


def test_walls_block_moves(dom):
    s = state(dom, (0, 0), (4, 4), [(2, 2), (0, 4), (4, 0)])
    assert dom.step(s, (UP, STOP)).agent_pos == s.agent_pos
    assert dom.step(s, (LEFT, STOP)).agent_pos == s.agent_pos
    assert dom.step(s, (DOWN, STOP)).agent_pos[0] == dom.cell(1, 0)
    assert dom.step(s, (STOP, STOP)).t == 1


def test_interior_walls_block_moves():
    d = Construction(ConstructionConfig(width=5, height=5, n_blocks=3, walls=((1, 0),)))
    s = ConstructionState((d.cell(0, 0), d.cell(4, 4)), (-1, -1),
                          (d.cell(2, 2), d.cell(0, 4), d.cell(4, 0)), 0)
    assert d.step(s, (DOWN, STOP)).agent_pos[0] == d.cell(0, 0)
    assert d.dist[d.cell(0, 0), d.cell(2, 0)] == 4  # detour around the wall


def test_agents_block_each_other(dom):
    s = state(dom, (1, 1), (1, 2), [(3, 3), (0, 4), (4, 0)])
    nxt = dom.step(s, (RIGHT, LEFT))
    assert nxt.agent_pos == s.agent_pos
    # Alice moves first: Bob may step into the cell she just left
    nxt = dom.step(s, (DOWN, LEFT))
    assert nxt.agent_pos == (dom.cell(2, 1), dom.cell(1, 1))


def test_pick_up_carry_and_put_down(dom):
    s = state(dom, (2, 1), (4, 4), [(2, 2), (0, 4), (4, 0)])
    s1 = dom.step(s, (RIGHT, STOP))                       # onto block 0 empty-handed: pick up
    assert s1.holding[0] == 0 and s1.block_pos[0] == dom.cell(2, 2)
    s2 = dom.step(s1, (RIGHT, STOP))                      # carries it along
    assert s2.block_pos[0] == dom.cell(2, 3) and s2.holding[0] == 0
    s3 = dom.step(s2, (PUT_DOWN, STOP))
    assert s3.holding[0] == -1 and s3.block_pos[0] == dom.cell(2, 3)
    s4 = dom.step(s3, (LEFT, STOP))                       # walks off, block stays
    assert s4.block_pos[0] == dom.cell(2, 3) and s4.agent_pos[0] == dom.cell(2, 2)
    assert dom.step(s, (PUT_DOWN, STOP)).holding == (-1, -1)  # put-down empty-handed: no-op


def test_cannot_enter_block_while_carrying(dom):
    s = state(dom, (1, 1), (4, 4), [(1, 1), (1, 2), (4, 0)], holding=(0, -1))
    nxt = dom.step(s, (RIGHT, STOP))
    assert nxt.agent_pos[0] == dom.cell(1, 1) and nxt.holding[0] == 0
    assert nxt.block_pos[1] == dom.cell(1, 2)


def test_goal_satisfied_needs_both_blocks_on_ground_and_adjacent(dom):
    g = dom.goals.index((0, 1))
    s = state(dom, (3, 3), (4, 4), [(1, 1), (1, 2), (4, 0)])
    assert dom.goal_satisfied(s, g)
    assert not dom.goal_satisfied(s._replace(holding=(-1, 1)), g)
    s_far = state(dom, (3, 3), (4, 4), [(1, 1), (2, 2), (4, 0)])  # diagonal: not adjacent
    assert not dom.goal_satisfied(s_far, g)


def test_features_shape_and_finiteness():
    d = Construction()
    s = d.reset(3)
    f = d.features(s, (UP, DOWN), d.step(s, (UP, DOWN)))
    assert f.shape == (d.n_features,) and f.dtype == np.float32 and np.isfinite(f).all()


@pytest.mark.parametrize("kwargs, word", [
    ({"n_blocks": 11}, "n_blocks"), ({"n_blocks": 2}, "n_blocks"), ({"width": 3}, "width"),
    ({"height": 30}, "height"), ({"max_steps": 0}, "max_steps"),
    ({"width": 4, "height": 4, "n_blocks": 8}, "do not fit"),
    ({"walls": ((9, 0),)}, "outside"),
])
def test_bad_configurations_are_refused(kwargs, word):
    with pytest.raises(ValueError, match=word):
        ConstructionConfig(**kwargs)


def test_unknown_action_refused(dom):
    with pytest.raises(ValueError, match="unknown action"):
        dom.step(dom.reset(0), (7, 0))


def test_features_match_the_piecewise_layout():
    """The vectorised features equal a piece-by-piece build (so cached networks stay valid)."""
    from nestlab.nested.domains.construction import Construction
    from nestlab.nested.episodes import simulate_episode

    from . import naive

    for n_blocks in (3, 6, 10):
        dom = Construction(ConstructionConfig(n_blocks=n_blocks, max_steps=8))
        ep = simulate_episode(dom, n_blocks)
        for t in range(ep.n_steps):
            got = dom.features(ep.states[t], ep.actions[t], ep.states[t + 1])
            np.testing.assert_array_equal(got, naive.features(dom, ep.states[t], ep.actions[t],
                                                              ep.states[t + 1]))
            np.testing.assert_array_equal(got, ep.features[t])
