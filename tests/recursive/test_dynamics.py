import numpy as np
import pytest

from nestlab.recursive import dynamics as dyn
from nestlab.recursive.games import matching_pennies, prisoners_dilemma, rotational, stag_hunt

GAMES = [rotational(), matching_pennies()]


@pytest.fixture
def points():
    return np.random.default_rng(0).uniform(0.01, 0.99, (500, 2))


@pytest.mark.parametrize("game", GAMES, ids=lambda g: g.name)
def test_iga_conserves_F(game, points):
    rate = dyn.lyapunov_rate(game, points, level=0)
    assert np.max(np.abs(rate)) < 1e-12
    tr = dyn.integrate(game, [0.8, 0.5], level=0, dt=0.01, n_steps=2000)
    assert np.max(np.abs(tr.F - tr.F[0])) / tr.F[0] < 1e-6
    assert dyn.distance_to_centre(game, tr.points[-1]) > 0.1  # it cycles, never arrives


@pytest.mark.parametrize("game", GAMES, ids=lambda g: g.name)
@pytest.mark.parametrize("zeta", [0.05, 0.2])
def test_level1_dF_dt_negative_and_matches_theorem(game, zeta, points):
    F = dyn.lyapunov(game, points)
    assert np.all(F > 0)  # positive definite after the sign normalisation
    rate = dyn.lyapunov_rate(game, points, level=1, zeta=zeta)
    assert np.all(rate < 0)
    np.testing.assert_allclose(rate, dyn.lyapunov_rate_theory(game, points, zeta=zeta), atol=1e-12)


def test_level1_matrix_is_the_spec_matrix():
    g = rotational()
    z = 0.3
    U, c = dyn.level_k_system(g, 1, zeta=z)
    ur, br, uc, bc = g.u_r, g.b_r, g.u_c, g.b_c
    np.testing.assert_allclose(U, [[z * ur * uc, ur], [uc, z * ur * uc]])
    np.testing.assert_allclose(c, [z * ur * bc + br, z * uc * br + bc])
    U0, c0 = dyn.level_k_system(g, 0)
    np.testing.assert_allclose(U0, [[0, ur], [uc, 0]])
    np.testing.assert_allclose(c0, [br, bc])


@pytest.mark.parametrize("level", [1, 2, 3])
def test_levels_spiral_into_mixed_equilibrium(level):
    for g in GAMES:
        tr = dyn.integrate(g, [0.9, 0.5], level=level, zeta=0.1, dt=0.01, n_steps=3000)
        assert dyn.distance_to_centre(g, tr.points[-1]) < 1e-3
        assert tr.F[-1] < 1e-3 * tr.F[0]


def test_centre_is_stationary_for_every_level():
    g = rotational()
    for k in range(5):
        np.testing.assert_allclose(dyn.velocity(g, np.array(dyn.centre(g)), level=k, zeta=0.3), 0, atol=1e-12)


def test_rk4_accuracy_on_linear_ode():
    # dz/dt = -z: exact exp(-t)
    z = np.array([1.0])
    for _ in range(100):
        z = dyn.rk4_step(lambda v: -v, z, 0.01)
    assert z[0] == pytest.approx(np.exp(-1.0), rel=1e-9)


def test_integrate_batched_starts_and_projection():
    tr = dyn.integrate(rotational(), np.array([[0.9, 0.5], [0.2, 0.3]]), level=1, n_steps=50)
    assert tr.points.shape == (51, 2, 2) and tr.F.shape == (51, 2)
    edge = dyn.integrate(stag_hunt(), [0.99, 0.99], level=0, dt=0.1, n_steps=100)
    assert np.all((edge.points >= 0) & (edge.points <= 1))


def test_pure_level_k_proposition():
    g = prisoners_dilemma()
    eqs = set(g.pure_equilibria())
    ch = dyn.pure_level_k_chain(g, 5, level0=(0, 0))
    first = next(i for i, p in enumerate(ch) if p in eqs)
    assert first == 1 and all(p in eqs for p in ch[first:])
    # stag hunt from a miscoordinated profile: level k alternates and never reaches an equilibrium
    sh = dyn.pure_level_k_chain(stag_hunt(), 4, level0=(0, 1))
    assert sh == [(0, 1), (1, 0), (0, 1), (1, 0), (0, 1)]


def test_refusals():
    g = rotational()
    with pytest.raises(ValueError, match="level"):
        dyn.level_k_system(g, -1)
    with pytest.raises(ValueError, match="zeta"):
        dyn.level_k_system(g, 1, zeta=-0.1)
    with pytest.raises(ValueError, match="dt"):
        dyn.integrate(g, [0.5, 0.5], dt=0.0)
    with pytest.raises(ValueError, match="n_steps"):
        dyn.integrate(g, [0.5, 0.5], n_steps=0)
    with pytest.raises(ValueError, match=r"invalid z0: shape \(3,\)"):
        dyn.integrate(g, [0.5, 0.5, 0.5])
