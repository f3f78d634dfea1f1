import numpy as np
import pytest
import torch

from nestlab.recursive.games import (
    BeautyContest,
    GameBatch,
    MatrixGame,
    MaxOfTwoQuadratics,
    matching_pennies,
    matrix_game,
    prisoners_dilemma,
    rotational,
    stag_hunt,
)


def test_beauty_contest_rewards_abs_and_square():
    g = BeautyContest(4, 0.5, "abs")
    a = np.array([-1.0, 0.0, 1.0, 0.0])  # numbers 0, 50, 100, 50 -> mean 50, target 25
    np.testing.assert_allclose(g.rewards(a), [-25.0, -25.0, -75.0, -25.0])
    sq = BeautyContest(4, 0.5, "square").rewards(torch.tensor(a))
    assert isinstance(sq, torch.Tensor)
    np.testing.assert_allclose(sq.numpy(), [-625.0, -625.0, -5625.0, -625.0])


def test_beauty_contest_batched_matches_loop():
    g = BeautyContest(10, 0.7, "abs")
    a = np.random.default_rng(1).uniform(-1, 1, (5, 3, 10))
    r = g.rewards(a)
    for i in range(5):
        for j in range(3):
            np.testing.assert_allclose(r[i, j], g.rewards(a[i, j]))


@pytest.mark.parametrize("p,eq", [(0.7, 0.0), (1.1, 100.0)])
def test_beauty_contest_equilibrium_is_a_nash_equilibrium(p, eq):
    g = BeautyContest(10, p, "abs")
    assert g.equilibrium_number() == eq
    a = g.equilibrium()
    base = g.rewards(a)[0]
    assert base == pytest.approx(-abs(eq - p * eq))
    for dev in np.linspace(-1, 1, 41):  # no unilateral deviation helps
        b = a.copy()
        b[0] = dev
        assert g.rewards(b)[0] <= base + 1e-9


def test_beauty_contest_best_response_and_level_k():
    g = BeautyContest(10, 0.7)
    x = g.best_response_number(50.0)
    assert x == pytest.approx(0.7 * 450 / 9.3)
    lk = g.level_k_numbers(4)
    assert lk[0] == 50 and np.all(np.diff(lk) < 0)


@pytest.mark.parametrize("kwargs,match", [({"n": 1}, "invalid n 1"), ({"p": 0.0}, "invalid p 0"),
                                          ({"p": -1.0}, "invalid p -1"), ({"reward": "huber"}, "abs")])
def test_beauty_contest_refusals(kwargs, match):
    with pytest.raises(ValueError, match=match):
        BeautyContest(**kwargs)


def test_beauty_contest_p_one_has_no_unique_equilibrium():
    with pytest.raises(ValueError, match="every common number"):
        BeautyContest(10, 1.0).equilibrium_number()


def test_matrix_payoffs_as_in_spec():
    assert stag_hunt().row == ((4, 1), (3, 2)) and stag_hunt().col == ((4, 3), (1, 2))
    assert prisoners_dilemma().row == ((3, 1), (4, 2)) and prisoners_dilemma().col == ((3, 4), (1, 2))
    assert rotational().row == ((0, 3), (1, 2)) and rotational().col == ((3, 2), (0, 1))


def test_matrix_rewards_pure_corners_and_mixture():
    g = stag_hunt()
    # a = 1 -> first action (stag) with probability 1
    corners = np.array([[1, 1], [1, -1], [-1, 1], [-1, -1]], dtype=float)
    np.testing.assert_allclose(g.rewards(corners), [[4, 4], [1, 3], [3, 1], [2, 2]])
    r = g.rewards(torch.zeros(2))  # alpha = beta = 0.5
    np.testing.assert_allclose(r.numpy(), [(4 + 1 + 3 + 2) / 4, (4 + 3 + 1 + 2) / 4])


def test_matrix_gradient_parameters():
    g = rotational()
    assert (g.u_r, g.b_r, g.u_c, g.b_c) == (-2.0, 1.0, 2.0, -1.0)
    # dr/dalpha = u_r beta + b_r, checked by finite differences
    for alpha, beta in [(0.2, 0.7), (0.6, 0.1)]:
        h = 1e-6
        r1, _ = g.expected_payoffs(alpha + h, beta)
        r0, _ = g.expected_payoffs(alpha - h, beta)
        assert (r1 - r0) / (2 * h) == pytest.approx(g.u_r * beta + g.b_r, abs=1e-6)
        _, c1 = g.expected_payoffs(alpha, beta + h)
        _, c0 = g.expected_payoffs(alpha, beta - h)
        assert (c1 - c0) / (2 * h) == pytest.approx(g.u_c * alpha + g.b_c, abs=1e-6)


def test_matrix_equilibria():
    assert rotational().mixed_equilibrium() == pytest.approx((0.5, 0.5))
    assert matching_pennies().mixed_equilibrium() == pytest.approx((0.5, 0.5))
    assert rotational().pure_equilibria() == [] and matching_pennies().pure_equilibria() == []
    assert sorted(stag_hunt().pure_equilibria()) == [(0, 0), (1, 1)]
    assert prisoners_dilemma().pure_equilibria() == [(1, 1)]
    assert prisoners_dilemma().mixed_equilibrium() is None
    assert rotational().has_interior_equilibrium() and not prisoners_dilemma().has_interior_equilibrium()


def test_matrix_refusals():
    with pytest.raises(ValueError, match=r"valid shape: \(2, 2\)"):
        MatrixGame(((1, 2, 3), (4, 5, 6)), ((1, 2), (3, 4)))
    with pytest.raises(ValueError, match=r"valid shape: \(2, 2\)"):
        MatrixGame(((1, 2), (3, 4)), ((1,), (2,)))
    with pytest.raises(ValueError, match="unknown name 'chicken'; valid choices: stag_hunt"):
        matrix_game("chicken")
    with pytest.raises(ValueError, match="last dimension 2"):
        stag_hunt().rewards(np.zeros(3))


def test_max_of_two_quadratics():
    g = MaxOfTwoQuadratics()
    r = g.rewards(np.array([[0.5, 0.5], [-0.5, -0.5], [0.0, 0.0]]))
    np.testing.assert_allclose(r[:, 0], [10.0, 0.0, 0.8 * (-25 / 3 - 25 / 3)])
    np.testing.assert_allclose(r[:, 0], r[:, 1])
    grid = np.linspace(-1, 1, 81)
    A = np.stack(np.meshgrid(grid, grid), -1)
    R = g.rewards(A)[..., 0]
    i, j = np.unravel_index(R.argmax(), R.shape)
    assert (10 * A[i, j]).tolist() == [5.0, 5.0]


def test_game_batch():
    gb = GameBatch([BeautyContest(3, 0.7, "abs"), BeautyContest(3, 1.1, "square")], 2)
    a = torch.rand(4, 3) * 2 - 1
    r = gb.rewards(a)
    torch.testing.assert_close(r[:2], BeautyContest(3, 0.7, "abs").rewards(a[:2]))
    torch.testing.assert_close(r[2:], BeautyContest(3, 1.1, "square").rewards(a[2:]))
    np.testing.assert_allclose(gb.reward_scale(), [0.1, 0.1, 0.01, 0.01])
    with pytest.raises(ValueError, match="same number of players"):
        GameBatch([BeautyContest(3), stag_hunt()], 1)
    with pytest.raises(ValueError, match="3 runs on axis 0; valid: 4 runs"):
        gb.rewards(torch.zeros(3, 3))
