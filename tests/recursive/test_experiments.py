import matplotlib
import numpy as np
import pytest

from nestlab.recursive import experiments as ex
from nestlab.recursive import plots
from nestlab.recursive.games import rotational

matplotlib.use("Agg")


def test_dynamics_experiment_summary():
    res = ex.dynamics_experiment(["rotational"], [0, 1], n_steps=500, n_check=50)
    s = res.summary["rotational"]
    assert s[0]["F_rel_change"] < 1e-6 and s[1]["max_dFdt"] < 0
    assert s[1]["final_distance"] < s[0]["final_distance"]


def test_beauty_experiment_and_claims(tmp_path, monkeypatch):
    monkeypatch.setenv("NESTLAB_CACHE", str(tmp_path))
    res = ex.beauty_contest_experiment(["GR2-L1", "level-0"], ps=[0.7], rewards=["abs", "square"],
                                       n_players=3, n_runs=2, n_iters=3, steps_per_iter=2,
                                       batch_size=4, hidden=8, progress=False)
    assert res.settings == ["p=0.7/abs", "p=0.7/square"]
    assert res.numbers["GR2-L1"]["p=0.7/abs"].shape == (2, 3)
    summ = ex.beauty_summary(res, threshold=5)
    assert 0 <= summ["level-0"]["p=0.7/abs"]["final_mean"] <= 100


def test_games_experiment_summary(tmp_path, monkeypatch):
    monkeypatch.setenv("NESTLAB_CACHE", str(tmp_path))
    res = ex.games_experiment(["DDPG"], n_runs=2, n_iters=3, steps_per_iter=2, batch_size=4,
                              hidden=8, progress=False)
    s = ex.games_summary(res)
    assert set(s["DDPG"]) == set(ex.GAME_NAMES)
    for v in s["DDPG"].values():
        assert 0 <= v["success"] <= 1 and v["final_distance"] >= 0
    with pytest.raises(ValueError, match="no opponent model"):
        ex.opponent_predictions(res, "DDPG", "rotational")


def test_opponent_predictions_shapes(tmp_path, monkeypatch):
    monkeypatch.setenv("NESTLAB_CACHE", str(tmp_path))
    res = ex.games_experiment(["GR2-L2"], games=["stag_hunt", "rotational"], n_runs=3, n_iters=2,
                              steps_per_iter=2, batch_size=4, hidden=8, progress=False)
    p = ex.opponent_predictions(res, "GR2-L2", "rotational", grid=[0.0, 1.0])
    assert p["row"].shape == (3, 2) and p["col"].shape == (3, 2)
    assert np.all((p["row"] >= 0) & (p["row"] <= 1))
    with pytest.raises(ValueError, match="not in"):
        ex.opponent_predictions(res, "GR2-L2", "max_of_two_quadratics")


def test_plots_draw_without_rendering():
    res = ex.dynamics_experiment(["rotational"], [0, 1], n_steps=50, n_check=5)
    ax = plots.plot_phase(rotational(), res.traj["rotational"])
    assert len(ax.lines) >= 3
    ax = plots.plot_lyapunov(res.traj["rotational"])
    assert len(ax.lines) == 2
    ax = plots.plot_learning_curves({"a": np.zeros((2, 5)), "b": np.ones((2, 5))}, equilibrium=0.0)
    assert len(ax.lines) == 3
    ax = plots.plot_success_bars({"a": {"g": {"success": 0.5}}}, "g")
    assert ax.patches[0].get_height() == pytest.approx(0.5)
    ax = plots.plot_quadratics({"a": np.array([[5.0, 5.0]])})
    assert ax.get_xlim() == (-10, 10)
    import matplotlib.pyplot as plt

    plt.close("all")


@pytest.mark.slow
def test_gr2_level2_converges_in_beauty_contest_full_size(tmp_path, monkeypatch):
    """Default notebook size: GR2-L2 reaches the p = 0.7 equilibrium; uniform play does not."""
    monkeypatch.setenv("NESTLAB_CACHE", str(tmp_path))
    res = ex.beauty_contest_experiment(["GR2-L2", "level-0"], ps=[0.7], rewards=["abs"], n_runs=3,
                                       n_iters=60, steps_per_iter=10, progress=False)
    s = ex.beauty_summary(res, threshold=5.0)
    assert s["GR2-L2"]["p=0.7/abs"]["final_mean"] < 5.0
    assert s["level-0"]["p=0.7/abs"]["final_mean"] > 40.0


def test_beauty_ablation_table_and_convergence(tmp_path, monkeypatch):
    monkeypatch.setenv("NESTLAB_CACHE", str(tmp_path))
    cells = {"faithful": {}, "replay": {"gr2": {"level0": "replay"}}, "n3": {"n_players": 3}}
    tab, secs = ex.beauty_ablation(cells, methods=("GR2-L1",), ps=(0.7,), n_players=4, n_runs=1, n_iters=3,
                                   steps_per_iter=2, batch_size=4, hidden=8, threshold=5.0)
    assert set(secs) == set(cells) and list(tab.cell.unique()) == list(cells)
    assert len(tab) == 3 and tab.setting.eq("p=0.7/square").all()
    conv = ex.ablation_convergence(tab, methods=("GR2-L1",))
    assert list(conv.index) == list(cells)
    assert (conv["GR2-L1"].values == tab.final_mean.values).all()
    assert (conv.n_converged == (tab.final_mean < 5).astype(int).values).all()
    # the replay cell trains a different learner than the faithful one
    assert tab.final_mean.iloc[0] != tab.final_mean.iloc[1]
    with pytest.raises(ValueError, match="unknown key of cells"):
        ex.beauty_ablation({"x": {"temperature": 1.0}})
    with pytest.raises(ValueError, match="level0"):
        ex.beauty_contest_experiment(["GR2-L1"], gr2={"level0": "nope"})
