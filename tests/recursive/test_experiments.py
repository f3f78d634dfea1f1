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


# --- the notebook-level helpers (tables, names, curves) --------------------------------------

def _toy_summary():
    return {"GR2-L1": {"p=0.7/abs": {"final_mean": 1.0, "success": 1.0},
                       "p=0.7/square": {"final_mean": 3.0, "success": 0.5}},
            "DDPG": {"p=0.7/abs": {"final_mean": 9.0, "success": 0.0}}}


def test_summary_field_and_table_are_the_summary_reshaped():
    s = _toy_summary()
    assert ex.summary_field(s, "final_mean") == {"GR2-L1": {"p=0.7/abs": 1.0, "p=0.7/square": 3.0},
                                                 "DDPG": {"p=0.7/abs": 9.0}}
    t = ex.summary_table(s, column="game")
    assert list(t.columns) == ["method", "game", "final_mean", "success"] and len(t) == 3
    assert t.set_index(["method", "game"]).loc[("GR2-L1", "p=0.7/square"), "final_mean"] == 3.0


def test_beauty_methods_names_in_paper_order():
    names = ex.beauty_methods([1, 2], lams=[0.5, 1.5], mixture_level=3, baselines=["DDPG"])
    assert names.levels == ["GR2-L1", "GR2-L2"]
    assert names.mixtures == {0.5: "GR2-M3(0.5)", 1.5: "GR2-M3(1.5)"}
    assert names.all == ["GR2-L1", "GR2-L2", "GR2-M3(0.5)", "GR2-M3(1.5)", "DDPG"]
    with pytest.raises(ValueError, match="levels"):
        ex.beauty_methods([0])


def test_classical_level_k_table_matches_the_closed_form():
    # level 0 plays 50; level k best-responds with p times the others' mean: 50 p^k (n large)
    t = ex.classical_level_k([0.5], n_players=1000, depth=3)
    assert list(t.index) == ["level 0", "level 1", "level 2", "level 3"]
    np.testing.assert_allclose(t["p=0.5"].to_numpy(), [50, 25, 12.5, 6.25], rtol=2e-3)


def test_dynamics_table_has_one_row_per_game_and_level():
    res = ex.dynamics_experiment(["rotational", "matching_pennies"], [0, 2], n_steps=20, n_check=5)
    t = ex.dynamics_table(res)
    assert list(zip(t.game, t.level, strict=True)) == [("rotational", 0), ("rotational", 2),
                                          ("matching_pennies", 0), ("matching_pennies", 2)]
    assert t.F_rel_change.iloc[0] == res.summary["rotational"][0]["F_rel_change"]


def _fake_games_result(actions):
    return ex.GamesResult({"m": actions}, list(actions), {"m": 0.0}, {}, {"n_runs": 1, "hidden": 8})


def test_games_curves_and_final_positions_from_known_actions():
    T = 10
    quad = np.tile([0.5, 0.5], (1, T, 1))          # actions x 10 = (5, 5): the global optimum
    stag = np.ones((1, T, 2))                       # both on stag: P(stag) = 1
    rot = np.zeros((1, T, 2))                       # probabilities (0.5, 0.5): the equilibrium
    res = _fake_games_result({"max_of_two_quadratics": quad, "stag_hunt": stag, "rotational": rot})
    c = ex.games_curves(res)
    np.testing.assert_allclose(c["max_of_two_quadratics"]["m"], 0.0, atol=1e-12)
    np.testing.assert_allclose(c["stag_hunt"]["m"], 1.0)
    np.testing.assert_allclose(c["rotational"]["m"], 0.0)
    np.testing.assert_allclose(ex.final_positions(res)["m"], [[5.0, 5.0]])
    assert ex.final_positions(_fake_games_result({"stag_hunt": stag})) == {}


def test_beauty_ablation_study_picks_the_best_learner_cell(monkeypatch):
    import pandas as pd

    rows = [{"cell": c, "method": m, "setting": "p=0.7/square", "final_mean": f, "converged": f < 5}
            for c, fs in {"faithful": (9, 9), "aux weight 5": (1, 9), "n = 3 players": (1, 1)}.items()
            for m, f in zip(("GR2-L1", "GR2-L2"), fs, strict=True)]
    monkeypatch.setattr(ex, "beauty_ablation", lambda cells, **kw: (pd.DataFrame(rows), {"x": 1.0}))
    study = ex.beauty_ablation_study(ex.ABLATION_CELLS, methods=("GR2-L1", "GR2-L2"))
    # n = 3 converges most but changes the game, not the learner: the learner variant is aux 5
    assert study.best_cell == "n = 3 players" and study.best_learner == "aux weight 5"
    assert study.best_learner_gr2 == {"aux_weight": 5.0}
    assert study.convergence.loc["aux weight 5", "n_converged"] == 1
    assert study.convergence.loc["faithful", "reading"].startswith("spec / paper")
