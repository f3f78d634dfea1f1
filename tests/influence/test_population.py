"""The small SP / PP3 / PP5 study: layout, determinism, vectorised == per-agent training."""

import numpy as np
import pytest

from nestlab.influence import population as pop
from nestlab.influence.loi import ESTIMATORS

TINY = dict(games=("chicken", "stag_hunt"), meet_probs=(1.0, 0.1), n_rounds=6, n_generations=4,
            iters_per_generation=2, batch_episodes=4, n_sp_seeds=2, loi_episodes=6)


def test_layout_sizes():
    cfg = pop.StudyConfig(**TINY)
    lay = pop.agent_layout(cfg)
    assert lay.group.size == 4 * (2 + 1 + 3 + 5)
    assert lay.select(1, "PP5").size == 5 and lay.select(3, "SP_eval").size == 1


def test_partners_stay_inside_population():
    cfg = pop.StudyConfig(**TINY)
    lay = pop.agent_layout(cfg)
    partner = pop._draw_partners(lay, np.random.default_rng(0))
    sp = np.isin(lay.role, [0, 1])
    assert np.all(partner[sp] == np.flatnonzero(sp))
    assert np.all(lay.group[partner] == lay.group)
    assert np.all(partner[~sp] != np.flatnonzero(~sp))


def test_training_is_deterministic_and_vectorised_equals_loop():
    cfg = pop.StudyConfig(**TINY)
    a = pop.train_population(cfg)
    b = pop.train_population(cfg)
    c = pop.train_population(cfg, vectorised=False)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(a, c, rtol=0, atol=1e-12)
    assert a.shape == (5, 44, 5)
    assert not np.array_equal(a[0], a[-1])
    d = pop.train_population(pop.StudyConfig(**{**TINY, "seed": 1}))
    assert not np.array_equal(a, d)


def test_evaluate_shapes_and_analysis(tmp_path, monkeypatch):
    monkeypatch.setenv("NESTLAB_CACHE", str(tmp_path))
    cfg = pop.StudyConfig(**TINY)
    study = pop.run_study(cfg)
    assert not study.cache_hit
    assert study.blocks.shape == (4, 1, 4, 2, 9, 6)
    assert study.tournament[0]["SP"].shape == (2, 4, 20)
    assert study.tournament[0]["PP3"].shape == (3, 4, 10)
    again = pop.run_study(cfg)
    assert again.cache_hit
    np.testing.assert_array_equal(again.blocks, study.blocks)
    an = pop.analyse_study(study, n_permutations=20)
    assert set(an.loi) == {"paper", "miller_madow", "null_corrected", "knn"}
    assert an.loi["paper"].shape == (2, 2)
    assert all(len(v[0]) == 2 for v in an.allocations.values())


def test_bad_config_rejected():
    with pytest.raises(ValueError, match="unknown game"):
        pop.StudyConfig(games=("go",))
    with pytest.raises(ValueError, match="tournament_episodes"):
        pop.StudyConfig(tournament_episodes={"SP": 1})


@pytest.mark.slow
def test_default_study_loi_tracks_interaction(tmp_path, monkeypatch):
    """Full-size replicate: LoI falls with interaction strength; at the weakest the plug-in is at its null."""
    monkeypatch.setenv("NESTLAB_CACHE", str(tmp_path))
    an = pop.analyse_study(pop.run_study(pop.StudyConfig()), n_permutations=100)
    assert np.sum(an.loi["paper"][:, 0] > an.loi["paper"][:, -1]) >= 3
    assert np.sum(an.loi["knn"][:, 0] > an.loi["knn"][:, -1]) >= 3
    assert np.all(np.abs(an.loi["null_corrected"][:, -1]) < 0.1)


def test_entropy_gradient_matches_finite_differences():
    rng = np.random.default_rng(0)
    theta = rng.normal(size=(3, 5))
    states = rng.integers(0, 5, size=(3, 4, 6))

    def total_entropy(th):
        p = pop.sigmoid(th)
        h = -(p * np.log(p) + (1 - p) * np.log(1 - p))
        return np.take_along_axis(h[:, None, :].repeat(4, 1), states, -1).sum(-1).mean(-1)  # (3,)

    grad = pop.entropy_gradient(theta, states)
    eps = 1e-6
    for s in range(5):
        d = np.zeros_like(theta)
        d[:, s] = eps
        fd = (total_entropy(theta + d) - total_entropy(theta - d)) / (2 * eps)
        np.testing.assert_allclose(grad[:, s], fd, rtol=1e-5, atol=1e-8)
    assert pop.policy_entropy(np.zeros((2, 5))) == pytest.approx(np.log(2))


def test_entropy_schedule_and_training_keeps_exploring():
    cfg = pop.StudyConfig(**{**TINY, "entropy_coef": 0.3, "entropy_final": 0.03})
    np.testing.assert_allclose(pop.entropy_schedule(cfg), [0.3, 0.21, 0.12, 0.03])
    np.testing.assert_allclose(pop.entropy_schedule(pop.StudyConfig(**TINY)), 0.0)
    a = pop.train_population(cfg)
    np.testing.assert_allclose(a, pop.train_population(cfg, vectorised=False), rtol=0, atol=1e-12)
    big = pop.StudyConfig(**{**TINY, "n_generations": 8, "entropy_coef": 2.0})
    off = pop.StudyConfig(**{**TINY, "n_generations": 8})
    assert pop.policy_entropy(pop.train_population(big)[-1]).mean() > \
        pop.policy_entropy(pop.train_population(off)[-1]).mean()


def test_bootstrap_correlation_interval():
    rng = np.random.default_rng(1)
    x = np.tile(np.linspace(0, 1, 12), (6, 1)) + 0.05 * rng.normal(size=(6, 12))
    strong = pop.bootstrap_correlation(x, 2 * x + 0.05 * rng.normal(size=x.shape), n_boot=300)
    assert strong.r > 0.9 and strong.low > 0.5 and strong.excludes_zero and strong.low <= strong.r <= strong.high
    noise = pop.bootstrap_correlation(x, rng.normal(size=x.shape), n_boot=300)
    assert noise.low < 0 < noise.high and not noise.excludes_zero
    # r is the correlation of the replicate means
    assert strong.r == pytest.approx(np.corrcoef(x.mean(0), (2 * x).mean(0))[0, 1], abs=0.05)
    with pytest.raises(ValueError, match="gain_reps"):
        pop.bootstrap_correlation(x, x[:, :5])
    with pytest.raises(ValueError, match="at least 3"):
        pop.bootstrap_correlation(x[:, :2], x[:, :2])
    ci = {"a": strong._replace(r=0.2), "b": strong._replace(r=0.7), "c": strong._replace(r=float("nan"))}
    assert pop.best_estimator(ci) == "b"


def test_entropy_ablation_table(tmp_path, monkeypatch):
    monkeypatch.setenv("NESTLAB_CACHE", str(tmp_path))
    base = pop.StudyConfig(**{**TINY, "meet_probs": (1.0, 0.6, 0.1)})
    cfgs = {"off": base, "on": pop.StudyConfig(**{**TINY, "meet_probs": (1.0, 0.6, 0.1), "entropy_coef": 1.0})}
    tab, runs = pop.entropy_ablation(cfgs, [0, 1], n_permutations=10, n_boot=50)
    assert list(tab.setting.unique()) == ["off", "on"]
    assert set(tab.estimator) == set(ESTIMATORS) and len(tab) == 8
    assert (tab.groupby("setting")["final policy entropy"].first()["on"]
            > tab.groupby("setting")["final policy entropy"].first()["off"])
    studies, summ, ci = runs["on"]
    assert len(studies) == 2 and studies[0].final_entropy.shape == (6,)
    assert tab[(tab.setting == "on") & (tab.estimator == "paper")].r.iloc[0] == ci["paper"].r
    with pytest.raises(ValueError, match="configs"):
        pop.entropy_ablation({}, [0])
