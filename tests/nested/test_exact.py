"""Exact inference: normalised, equal to brute-force enumeration, online cache consistent."""

import numpy as np
import pytest

from nestlab.nested.domains.construction import Construction, ConstructionConfig
from nestlab.nested.episodes import ExactBeliefs, Level1Model, StepCache, simulate_episode
from nestlab.nested.exact import ExactInference, LikelihoodCache, exact_posteriors
from nestlab.nested.experiments import Setup, exact_trace
from nestlab.nested.planners import AgentParams

from .naive import brute_force

TINY = ConstructionConfig(width=5, height=5, n_blocks=4, max_steps=8)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_ei_matches_brute_force_on_tiny_world(seed):
    setup = Setup(TINY, AgentParams())
    dom = setup.domain
    ep = simulate_episode(dom, seed, params=setup.params)
    assert ep.n_steps >= 2
    tr = exact_trace(setup, ep)
    p1, p2, bob = brute_force(dom, ep, setup.params)
    np.testing.assert_allclose(tr.post1, np.array(p1), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(tr.post2, np.array(p2), rtol=1e-9, atol=1e-12)
    # the observer's simulated level-1 belief under the true cue is the belief Bob acted on
    np.testing.assert_allclose(bob[ep.cue], ep.bob_beliefs[-1], atol=1e-12)
    cache = StepCache(dom, ep, setup.params)
    goals, w = ExactBeliefs(cache, setup.params.cue_accuracy).beliefs(ep.n_steps, np.array([ep.cue]))
    np.testing.assert_allclose(w[0][goals], ep.bob_beliefs[-1], atol=1e-12)


def test_cue_makes_level2_posterior_not_factorise():
    """An informative cue couples Bob's social goal and his belief; an uninformative one does not."""
    def dependence(accuracy):
        setup = Setup(TINY, AgentParams(cue_accuracy=accuracy))
        ep = simulate_episode(setup.domain, 1, params=setup.params)
        p = exact_trace(setup, ep).post2.reshape(ep.n_steps, 2, -1)
        return np.abs(p - p.sum(2)[:, :, None] * p.sum(1)[:, None, :]).max()

    n_goals = len(Construction(TINY).goals)
    assert dependence(1.0 / n_goals) < 1e-12
    assert dependence(0.8) > 1e-4


def test_posteriors_normalised_and_sizes_default_world():
    setup = Setup(ConstructionConfig(), AgentParams())
    ep = simulate_episode(setup.domain, 5, params=setup.params)
    tr = exact_trace(setup, ep)
    assert tr.post2.shape == (ep.n_steps, 30) and tr.post1.shape == (ep.n_steps, 15)
    np.testing.assert_allclose(tr.post2.sum(1), 1.0)
    np.testing.assert_allclose(tr.post1.sum(1), 1.0)
    assert (tr.post2 >= 0).all()
    # each online step evaluates only the new step: |G| (Alice) + |G|^2 (a simulated belief per
    # cue) + 2|G| (level 2)
    assert (tr.evaluations == 15 + 225 + 30).all()


def test_online_cache_equals_batch_recomputation():
    dom = Construction(TINY)
    ep = simulate_episode(dom, 9)
    post = exact_posteriors(Level1Model(dom, ep))
    m = Level1Model(dom, ep)
    for t in range(ep.n_steps):
        ll = sum(m.step_loglik(tau, np.arange(m.n_hyp)) for tau in range(t + 1))
        w = np.exp(ll - ll.max())
        np.testing.assert_allclose(post[t], w / w.sum(), rtol=1e-10)


def test_lazy_catch_up_equals_step_by_step():
    dom = Construction(TINY)
    ep = simulate_episode(dom, 4)
    m = Level1Model(dom, ep)
    a, b = LikelihoodCache(m.n_hyp), LikelihoodCache(m.n_hyp)
    for t in range(1, ep.n_steps + 1):
        a.loglik(m, np.arange(m.n_hyp), t)
    got = b.loglik(m, np.array([3, 0]), ep.n_steps)  # caught up in one go
    np.testing.assert_allclose(got, a.cum[[3, 0]])
    assert b.evaluations == 2 * ep.n_steps


def test_bad_prior_refused():
    dom = Construction(TINY)
    m = Level1Model(dom, simulate_episode(dom, 0))
    with pytest.raises(ValueError, match="log_prior"):
        ExactInference(m, np.zeros(3))
