"""The re-analysis reproduces the reference values of the spec (section 3) from the published logs."""

import numpy as np
import pytest

from nestlab.influence import reanalysis as ra
from nestlab.influence.data import GAMES, MAPS
from tests.influence.spec_values import README_RLC, SPEC_GAIN, SPEC_LOI_ARXIV, SPEC_P


@pytest.fixture(scope="module")
def root(shared_data):
    return shared_data / "loi"


@pytest.fixture(scope="module")
def arxiv(root):
    return ra.loi_table(version="arxiv", root=root)


@pytest.fixture(scope="module")
def rows(root, arxiv):
    return ra.allocation_study(arxiv.as_dict(), ra.all_samples(root=root),
                               overrides=ra.PAPER_ALLOCATION_OVERRIDES)


def test_sixteen_arxiv_loi_values_match_spec(arxiv):
    for i, g in enumerate(GAMES):
        assert [f"{v:.3f}" for v in arxiv.values[i]] == [f"{v:.3f}" for v in SPEC_LOI_ARXIV[g]], g


def test_rlc_loi_values_match_readme(root):
    t = ra.loi_table(version="rlc", root=root)
    for i, g in enumerate(GAMES):
        np.testing.assert_allclose(t.values[i], README_RLC[g], atol=5e-5)
    np.testing.assert_allclose(ra.per_ego_run_loi("chicken", "S", root=root), [1.414, 1.395, 1.529],
                               atol=5e-4)


def test_dropped_fraction_as_documented(arxiv):
    assert arxiv.dropped_fraction[GAMES.index("chicken"), MAPS.index("L")] == pytest.approx(0.039, abs=5e-4)
    assert arxiv.dropped_fraction.max() == arxiv.dropped_fraction[0, 2]


def test_four_p_values_and_gains_match_spec(rows):
    for row in rows:
        assert f"{row.top30.p_value:.1e}" == SPEC_P[row.game], row.game
        assert round(100 * row.top30.gain, 1) == SPEC_GAIN[row.game], row.game


def test_rule_differs_from_published_allocation_only_for_pure_coordination(rows):
    differ = [r.game for r in rows if r.rule != r.evaluated]
    assert differ == ["pure_coordination"]
    pc = rows[GAMES.index("pure_coordination")]
    assert pc.rule == ("PP5", "PP3", "SP", "PP3")
    assert pc.rule_top30.p_value > 1e-4  # the rule's own allocation: +2.7 %, p = 1.6e-3


def test_pd_loi_gain_correlation(root, arxiv):
    from nestlab.influence.allocation import loi_gain_correlation, population_gain

    s = ra.all_samples(root=root)["prisoners_dilemma"]
    r, p = loi_gain_correlation(arxiv.values[GAMES.index("prisoners_dilemma")],
                                [population_gain(x) for x in s])
    assert f"{r:.2f}" == "0.94" and f"{p:.2f}" == "0.06"


def test_tournament_means(root):
    m = ra.tournament_means(ra.all_samples(root=root))
    np.testing.assert_allclose(m[0, 1], [83.98, 89.79, 91.64], atol=5e-3)
    np.testing.assert_allclose(m[2, 1], [64.55, 84.24, 83.49], atol=5e-3)


def test_map_label_check_prefers_old_labels_for_arxiv_only(root):
    c = ra.map_label_check("chicken", reference="eval_sp5", root=root)
    assert [MAPS[i] for i in c.best] == ["L", "S", "M", "O"]
    assert c.rms.min() == pytest.approx(7.3, abs=0.05) and c.rms_stored == pytest.approx(12.6, abs=0.05)
    pd = ra.map_label_check("prisoners_dilemma", reference="eval_sp5", root=root)
    assert [MAPS[i] for i in pd.best] == ["L", "M", "O", "S"]
    rlc = ra.map_label_check("chicken", reference="eval_sp5", version="rlc", root=root)
    assert rlc.best == (0, 1, 2, 3)


def test_relabel():
    assert list(ra.relabel([10, 20, 30, 40], (2, 0, 1, 3))) == [20, 30, 10, 40]


def test_tournament_anova_matches_readme(root):
    p = ra.tournament_anova(ra.all_samples(root=root))
    assert f"{p[GAMES.index('chicken'), 1]:.1e}" == "1.2e-11"
    assert f"{p[GAMES.index('prisoners_dilemma'), 1]:.1e}" == "1.9e-56"
