"""Repeated 2x2 games with interaction strength: the CPU-sized stand-in for Melting Pot's
"in the Matrix" substrates (spec section 4; Chen et al., arXiv 2310.07218, Sec. 5).

Two players meet in each of ``n_rounds`` rounds with probability ``meet_prob`` (the
interaction strength of a scenario). When they meet both act and receive the payoff of the
game (row player's matrix below; the column player's is its transpose); otherwise each gets a
small solo reward. Policies have memory one: the probability of action 1 depends on the
state ``0`` (start, or no meeting in the last round) or ``1 + 2 a_self + a_other`` (the last
joint action), so a policy is 5 logits. Everything is vectorised over leading axes (agents).

The payoffs are this study's (spec section 4), not GR2's: :func:`nestlab.recursive.games.stag_hunt`
is another stag hunt ((4, 1), (3, 2)), with a risk-dominant (hare, hare), for another paper.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from nestlab import checks

#: row player's payoff ``[own action, other's action]`` (action 0 = cooperate / stag / swerve)
PAYOFFS = {
    "prisoners_dilemma": ((3.0, 0.0), (5.0, 1.0)),
    "chicken": ((3.0, 2.0), (5.0, 0.0)),
    "stag_hunt": ((4.0, 0.0), (2.0, 2.0)),
    "pure_coordination": ((1.0, 0.0), (0.0, 1.0)),
}
#: the study's games (the published logs' four, in another order, are data.GAMES)
STUDY_GAMES = tuple(PAYOFFS)
#: meeting probabilities of the four scenarios, strongest interaction first
MEET_PROBS = (1.0, 0.6, 0.3, 0.1)
N_STATES = 5

__all__ = ["MEET_PROBS", "N_STATES", "PAYOFFS", "STUDY_GAMES", "GameSpec", "Rollout", "make_spec",
           "policy_gradient", "rollout", "sigmoid"]


class GameSpec(NamedTuple):
    """One scenario: a game at one interaction strength.

    Attributes:
        game: key of :data:`PAYOFFS`.
        meet_prob: probability that the players meet in a round.
        solo_reward: reward of a round without meeting.
        n_rounds: rounds per episode.
    """

    game: str
    meet_prob: float
    solo_reward: float
    n_rounds: int

    @property
    def payoff(self) -> np.ndarray:
        return np.asarray(PAYOFFS[self.game], dtype=float)


def make_spec(game: str, meet_prob: float, *, n_rounds: int = 20, solo_fraction: float = 0.25) -> GameSpec:
    """A scenario; the solo reward is ``solo_fraction`` x the game's largest payoff."""
    checks.choice("game", game, PAYOFFS)
    checks.real("meet_prob", meet_prob, min=0.0, max=1.0)
    checks.integer("n_rounds", n_rounds, min=1)
    checks.real("solo_fraction", solo_fraction, min=0.0)
    return GameSpec(game, float(meet_prob), solo_fraction * float(np.max(PAYOFFS[game])), int(n_rounds))


class Rollout(NamedTuple):
    """A batch of episodes from the ego's side, arrays ``(*agents, episodes, rounds)``.

    Attributes:
        states: ego's state at each round.
        actions: ego's actions (0/1).
        probs: ego's probability of action 1 at each round.
        rewards: ego's reward at each round.
    """

    states: np.ndarray
    actions: np.ndarray
    probs: np.ndarray
    rewards: np.ndarray

    @property
    def returns(self) -> np.ndarray:
        return self.rewards.sum(axis=-1)


def sigmoid(x):
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def rollout(theta_ego, theta_bob, payoff, meet_prob, solo_reward, uniforms) -> Rollout:
    """Play episodes between ego and Bob policies, vectorised over leading (agent) axes.

    Args:
        theta_ego, theta_bob: logits ``(*A, 5)``.
        payoff: ``(*A, 2, 2)`` row player's payoff; Bob's is the transpose.
        meet_prob, solo_reward: ``(*A,)``.
        uniforms: ``(*A, episodes, rounds, 3)`` U(0,1) draws (ego action, Bob action, meeting);
            passing the draws in keeps vectorised and per-agent runs identical.
    """
    te = sigmoid(np.asarray(theta_ego, float)[..., None, :])  # P(action 1 | state)
    tb = sigmoid(np.asarray(theta_bob, float)[..., None, :])
    pay = np.asarray(payoff, float)
    p00, p01, p10, p11 = (pay[..., i, j][..., None] for i in (0, 1) for j in (0, 1))
    meet = np.asarray(meet_prob, float)[..., None]
    solo = np.asarray(solo_reward, float)[..., None]
    u = np.asarray(uniforms, float)
    shape = u.shape[:-1]
    n_rounds = shape[-1]
    s_e = np.zeros(shape[:-1], dtype=np.intp)
    s_b = np.zeros_like(s_e)
    states = np.empty(shape, dtype=np.intp)
    actions = np.empty(shape, dtype=np.intp)
    probs = np.empty(shape)
    rewards = np.empty(shape)
    for t in range(n_rounds):
        p_e = np.take_along_axis(te, s_e[..., None], axis=-1)[..., 0]
        p_b = np.take_along_axis(tb, s_b[..., None], axis=-1)[..., 0]
        a_e = (u[..., t, 0] < p_e).astype(np.intp)
        a_b = (u[..., t, 1] < p_b).astype(np.intp)
        met = u[..., t, 2] < meet
        r_meet = np.where(a_e == 0, np.where(a_b == 0, p00, p01), np.where(a_b == 0, p10, p11))
        states[..., t], actions[..., t], probs[..., t] = s_e, a_e, p_e
        rewards[..., t] = np.where(met, r_meet, solo)
        s_e = np.where(met, 1 + 2 * a_e + a_b, 0)
        s_b = np.where(met, 1 + 2 * a_b + a_e, 0)
    return Rollout(states, actions, probs, rewards)


def policy_gradient(ro: Rollout) -> np.ndarray:
    """REINFORCE gradient of the mean return w.r.t. the ego's logits, ``(*A, 5)``.

    Reward-to-go with a per-round batch-mean baseline, scaled by the batch sd of returns
    (+1): ``mean_e sum_t A_t (a_t - p_t) onehot(s_t)``.
    """
    rtg = np.flip(np.cumsum(np.flip(ro.rewards, -1), -1), -1)
    adv = rtg - rtg.mean(axis=-2, keepdims=True)
    adv = adv / (ro.returns.std(axis=-1)[..., None, None] + 1.0)
    score = adv * (ro.actions - ro.probs)
    onehot = ro.states[..., None] == np.arange(N_STATES)
    return (score[..., None] * onehot).sum(axis=-2).mean(axis=-2)
