"""The small SP / PP3 / PP5 study: layout, determinism, vectorised == per-agent training."""

import numpy as np
import pytest

from nestlab.influence import population as pop

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
