"""Episodes: Bob's private cue — its draw, his prior, and validation."""

import numpy as np
import pytest

from nestlab.nested.domains.construction import Construction, ConstructionConfig
from nestlab.nested.episodes import cue_log_prior, simulate_episode
from nestlab.nested.planners import AgentParams

TINY = ConstructionConfig(width=5, height=5, n_blocks=4, max_steps=3)


def test_cue_names_the_true_goal_at_the_stated_rate():
    dom = Construction(TINY)
    prm = AgentParams(cue_accuracy=0.7)
    eps = [simulate_episode(dom, s, params=prm) for s in range(400)]
    hit = np.mean([e.cue == e.goal for e in eps])
    assert abs(hit - 0.7) < 4 * np.sqrt(0.7 * 0.3 / 400)
    wrong = [e.cue for e in eps if e.cue != e.goal]
    assert len(set(wrong)) == len(dom.goals)           # a wrong cue can name any other goal
    e = eps[0]
    assert e.label == e.social * len(dom.goals) + e.cue
    np.testing.assert_allclose(e.bob_beliefs[0], np.exp(cue_log_prior(len(dom.goals), 0.7, [e.cue])[0]))


def test_cue_prior_rows_are_normalised_and_peaked():
    lp = cue_log_prior(6, 0.4)
    np.testing.assert_allclose(np.exp(lp).sum(1), 1.0)
    assert (np.argmax(lp, 1) == np.arange(6)).all() and np.isclose(np.exp(lp[2, 2]), 0.4)


@pytest.mark.parametrize("bad", [0.0, 1.0, -0.2])
def test_bad_cue_accuracy_refused(bad):
    with pytest.raises(ValueError, match="cue_accuracy"):
        AgentParams(cue_accuracy=bad)


def test_bad_cue_refused():
    with pytest.raises(ValueError, match="invalid cue 6; valid range: integer 0 <= cue <= 5"):
        simulate_episode(Construction(TINY), 0, cue=6)
