"""Importance sampling: exact at K = full space, ESS in 1..K, valid sampling-without-replacement weights."""

import numpy as np
import pytest

from nestlab.nested.domains.construction import ConstructionConfig
from nestlab.nested.episodes import (
    ExactBeliefs,
    ImportanceBeliefs,
    Level1Model,
    StepCache,
    simulate_episode,
)
from nestlab.nested.exact import LikelihoodCache, exact_posteriors
from nestlab.nested.experiments import Setup, amortized_trace, exact_trace
from nestlab.nested.importance import (
    gumbel_top_k,
    gumbel_top_k_rows,
    importance_step,
    paired_top_k,
)
from nestlab.nested.planners import AgentParams
from nestlab.nested.recognition import OnlineGRU, RecognitionNet

SETUP = Setup(ConstructionConfig(width=6, height=6, n_blocks=5, max_steps=10), AgentParams())


def random_nets(seed=0):
    import torch

    torch.manual_seed(seed)
    d = SETUP.domain
    n = len(d.goals)
    return (OnlineGRU(RecognitionNet(d.n_features, n, hidden=16).state_dict()),
            OnlineGRU(RecognitionNet(d.n_features, 2 * n, hidden=16).state_dict()))


@pytest.mark.parametrize("proposal", ["paired", "joint"])
@pytest.mark.parametrize("scheme", ["is", "topk", "uniform_is"])
def test_full_space_equals_exact(scheme, proposal):
    net1, net2 = random_nets()
    for seed in (0, 1):
        ep = simulate_episode(SETUP.domain, seed, params=SETUP.params)
        ei = exact_trace(SETUP, ep)
        tr = amortized_trace(SETUP, ep, k=2 * len(SETUP.domain.goals), scheme=scheme,
                             net1=net1, net2=net2, seed=3, proposal=proposal)
        np.testing.assert_allclose(tr.post2, ei.post2, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(tr.post1, ei.post1, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("k", [1, 2, 3, 7, 20])
def test_ess_between_one_and_k(k):
    net1, net2 = random_nets(1)
    ep = simulate_episode(SETUP.domain, 2, params=SETUP.params)
    tr = amortized_trace(SETUP, ep, k=k, scheme="is", net1=net1, net2=net2, seed=0)
    assert np.all(tr.ess >= 1 - 1e-9) and np.all(tr.ess <= k + 1e-9)
    np.testing.assert_allclose(tr.post2.sum(1), 1.0)
    assert ((tr.post2 > 0).sum(1) <= k).all()


def test_gumbel_top_k_draws_distinct_indices():
    rng = np.random.default_rng(0)
    log_q = np.log(rng.dirichlet(np.ones(12)))
    for k in (1, 5, 11, 12):
        idx, log_incl = gumbel_top_k(log_q, k, rng)
        assert len(set(idx.tolist())) == k
        assert np.all(log_incl <= 1e-12)
    with pytest.raises(ValueError, match="invalid k 13; valid range: integer 1 <= k <= 12"):
        gumbel_top_k(log_q, 13, rng)


def _partition_top_k(log_q, k, gumbel):
    """Gumbel-top-k as first written (partition, then sort the k): the oracle of the one-sort
    draw."""
    log_q = log_q - np.logaddexp.reduce(log_q, axis=-1, keepdims=True)
    keys = log_q + gumbel
    order = np.argpartition(-keys, k, axis=-1)
    idx = np.take_along_axis(order, np.argsort(-np.take_along_axis(keys, order[..., :k], -1),
                                               axis=-1), -1)
    kappa = np.take_along_axis(keys, order[..., k:k + 1], -1)
    with np.errstate(over="ignore"):
        return idx, np.log(-np.expm1(-np.exp(np.take_along_axis(log_q, idx, -1) - kappa)))


@pytest.mark.parametrize("k", [1, 3, 11])
def test_one_sort_draws_equal_partition_then_sort(k):
    """The same indices, order and inclusion terms as partition-then-sort (up to the last bit of
    the normalisation, computed another way here), whatever the proposal's spread."""
    rng = np.random.default_rng(k)
    for scale in (0.1, 3.0, 300.0):
        log_q = rng.normal(size=(5, 12)) * scale
        state = rng.bit_generator.state
        idx, log_incl = gumbel_top_k_rows(log_q, k, rng)
        rng.bit_generator.state = state
        ref_idx, ref_incl = _partition_top_k(log_q, k, rng.gumbel(size=log_q.shape))
        assert np.array_equal(idx, ref_idx)
        np.testing.assert_allclose(log_incl, ref_incl, rtol=1e-12, atol=1e-300)
        rng.bit_generator.state = state
        one, one_incl = gumbel_top_k(log_q[0], k, rng)
        assert np.array_equal(one, ref_idx[0])
        np.testing.assert_allclose(one_incl, ref_incl[0], rtol=1e-12, atol=1e-300)


def test_priority_weights_give_unbiased_sums():
    """E[sum_{i in S} f_i p_i / pi_i] = sum_i f_i p_i for the without-replacement scheme."""
    rng = np.random.default_rng(1)
    n, k = 8, 3
    log_q = np.log(rng.dirichlet(np.ones(n)))
    p, f = rng.dirichlet(np.ones(n)), rng.normal(size=n)
    est = []
    for _ in range(20000):
        idx, log_incl = gumbel_top_k(log_q, k, rng)
        est.append(np.sum(f[idx] * p[idx] / np.exp(log_incl)))
    est = np.array(est)
    assert abs(est.mean() - f @ p) < 4 * est.std() / np.sqrt(len(est))


def test_topk_keeps_the_most_probable_hypotheses():
    dom = SETUP.domain
    ep = simulate_episode(dom, 1, params=SETUP.params)
    m = Level1Model(dom, ep)
    lp = np.full(m.n_hyp, -np.log(m.n_hyp))
    log_q = np.log(np.linspace(1, 2, m.n_hyp))
    log_q -= np.logaddexp.reduce(log_q)
    post = importance_step(m, LikelihoodCache(m.n_hyp), lp, log_q, ep.n_steps - 1, k=3,
                           rng=np.random.default_rng(0), scheme="topk")
    assert sorted(post.idx.tolist()) == list(range(m.n_hyp - 3, m.n_hyp))
    exact = exact_posteriors(m)[-1][post.idx]
    np.testing.assert_allclose(post.weights, exact / exact.sum())  # likelihood-only re-weighting


def test_bad_options_refused():
    dom = SETUP.domain
    ep = simulate_episode(dom, 1)
    m = Level1Model(dom, ep)
    lp = np.zeros(m.n_hyp)
    with pytest.raises(ValueError, match="unknown scheme"):
        importance_step(m, LikelihoodCache(m.n_hyp), lp, lp, 0, k=2,
                        rng=np.random.default_rng(0), scheme="smc")
    with pytest.raises(ValueError, match="unknown scheme"):
        amortized_trace(SETUP, ep, k=2, scheme="bogus", net1=None, net2=None)
    with pytest.raises(ValueError, match="invalid net1/net2: .*two OnlineGRU"):
        amortized_trace(SETUP, ep, k=2, scheme="is", net1=None, net2=None)


def test_row_batched_draws_give_unbiased_sums():
    """The batched Gumbel-top-k used for per-cue level-1 beliefs keeps the unbiased-sum property."""
    rng = np.random.default_rng(2)
    n, k, rows = 7, 2, 40000
    log_q = np.log(rng.dirichlet(np.ones(n)))
    p, f = rng.dirichlet(np.ones(n)), rng.normal(size=n)
    idx, log_incl = gumbel_top_k_rows(np.tile(log_q, (rows, 1)), k, rng)
    assert all(len(set(r)) == k for r in idx[:100])
    est = (f[idx] * p[idx] / np.exp(log_incl)).sum(1)
    assert abs(est.mean() - f @ p) < 4 * est.std() / np.sqrt(rows)
    full, incl = gumbel_top_k_rows(np.tile(log_q, (3, 1)), n, rng)
    assert (np.sort(full, axis=1) == np.arange(n)).all() and (incl == 0).all()


def test_importance_beliefs_with_every_goal_equal_exact_beliefs():
    dom = SETUP.domain
    ep = simulate_episode(dom, 2, params=SETUP.params)
    n = len(dom.goals)
    exact = ExactBeliefs(StepCache(dom, ep, SETUP.params), SETUP.params.cue_accuracy)
    ib = ImportanceBeliefs(StepCache(dom, ep, SETUP.params), SETUP.params.cue_accuracy, k=n,
                           rng=np.random.default_rng(0))
    for t in range(1, ep.n_steps):
        ib.set_proposal(t, np.log(np.random.default_rng(t).dirichlet(np.ones(n))))
    ts = np.repeat(np.arange(ep.n_steps), 2)
    cues = np.tile([ep.cue, (ep.cue + 1) % n], ep.n_steps)
    g1, w1 = exact.beliefs(ts, cues)
    g2, w2 = ib.beliefs(ts, cues)            # one batch: a new particle caught up over all steps
    np.testing.assert_array_equal(g1, g2)
    np.testing.assert_allclose(w2, w1, rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(w1[-2], ep.bob_beliefs[ep.n_steps - 1], atol=1e-12)
    assert exact.terms == ep.n_steps * n * n and ib.terms == ts.size * n
    with pytest.raises(ValueError, match="level-1 particles"):
        ImportanceBeliefs(exact.cache, 0.5, k=n + 1, rng=np.random.default_rng(0))


@pytest.mark.parametrize("k", [1, 2, 5, 8, 11, 12])
def test_paired_draws_carry_cues_with_both_social_goals(k):
    rng = np.random.default_rng(k)
    n = 6
    log_q = np.log(rng.dirichlet(np.ones(2 * n)))
    for _ in range(20):
        idx, log_incl = paired_top_k(log_q, k, rng)
        assert idx.size == k == len(set(idx.tolist())) and log_incl.shape == (k,)
        sigma, cue = np.divmod(idx, n)
        counts = np.bincount(cue, minlength=n)
        assert counts.max() <= 2 and (counts == 1).sum() == k % 2   # pairs, one lone cue if odd
        assert len(set(cue.tolist())) == -(-k // 2)
        assert np.all(log_incl <= 1e-12)
    if k == 2 * n:
        assert (log_incl == 0).all()
    with pytest.raises(ValueError, match="even length"):
        paired_top_k(log_q[:-1], 1, rng)


@pytest.mark.parametrize("k", [1, 3, 4])
def test_paired_draws_give_unbiased_sums(k):
    """E[sum_{h in S} f_h p_h / pi_h] = sum_h f_h p_h, odd K (a lone cue) included."""
    rng = np.random.default_rng(10 + k)
    n = 4
    log_q = np.log(rng.dirichlet(np.ones(2 * n)))
    p, f = rng.dirichlet(np.ones(2 * n)), rng.normal(size=2 * n)
    est = []
    for _ in range(20000):
        idx, log_incl = paired_top_k(log_q, k, rng)
        est.append(np.sum(f[idx] * p[idx] / np.exp(log_incl)))
    est = np.array(est)
    assert abs(est.mean() - f @ p) < 4 * est.std() / np.sqrt(len(est))


def test_paired_proposal_refused_for_an_odd_space():
    from nestlab.nested.domains.construction import Construction

    dom = Construction(ConstructionConfig(width=5, height=5, n_blocks=3, max_steps=4))
    ep = simulate_episode(dom, 1)
    m = Level1Model(dom, ep)       # C(3, 2) = 3 goals: no (sigma, cue) pairs
    lp = np.full(m.n_hyp, -np.log(m.n_hyp))
    with pytest.raises(ValueError, match="invalid proposal 'paired' for a model of 3 hypotheses"):
        importance_step(m, LikelihoodCache(m.n_hyp), lp, lp, 0, k=2,
                        rng=np.random.default_rng(0), proposal="paired")
    with pytest.raises(ValueError, match="unknown proposal 'stratified'"):
        importance_step(m, LikelihoodCache(m.n_hyp), lp, lp, 0, k=2,
                        rng=np.random.default_rng(0), proposal="stratified")
    with pytest.raises(ValueError, match="unknown proposal 'bogus'"):
        amortized_trace(SETUP, simulate_episode(SETUP.domain, 1), k=2, scheme="is", net1=None,
                        net2=None, proposal="bogus")


def test_huge_log_probabilities_draw_without_overflow_warnings():
    """A log-probability near -max beside a huge one is a zero probability, not an overflow
    (found by the property test of tests/nested/test_bad_inputs.py; warnings are errors)."""
    log_q = np.array([-np.finfo(float).max, 1e300])
    idx, log_incl = gumbel_top_k(log_q, 1, np.random.default_rng(0))
    assert idx.tolist() == [1] and log_incl.tolist() == [0.0]
    idx, log_incl = gumbel_top_k_rows(np.stack([log_q, log_q[::-1]]), 1, np.random.default_rng(0))
    assert idx.ravel().tolist() == [1, 0] and np.all(log_incl == 0.0)
