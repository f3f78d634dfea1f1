"""GR2 learners: level-k (GR2-L) and Poisson-mixture (GR2-M) recursive reasoning.

Implements Wen, Yang, Luo, Wang, *Modelling Bounded Rationality in Multi-Agent Interactions by
Generalized Recursive Reasoning* (IJCAI 2020), Sec. 3 and the practical algorithm of Sec. 4.2,
for stateless repeated games (the beauty contest, matrix games and the differential game have no
state, so ``s`` is dropped throughout).

Per agent ``i`` there are three small networks (all agents stacked along one axis, see
:class:`~nestlab.recursive.nets.BatchedMLP`):

* a joint soft Q-function ``Q_i(a_i, a_-i)`` and a target copy (Polyak-averaged, used for the
  bootstrapped target when ``gamma > 0``; the games here are one-shot, so ``gamma = 0`` by default);
* an opponent conditional model ``rho_-i(a_-i | a_i)`` (tanh-Gaussian);
* a conditional policy ``pi_i(a_i | a_-i)`` (tanh-Gaussian) shared by every level.

**Level-k chain (GR2-L, Eq. 4-5).** Level 0 is non-strategic, uniform on [-1, 1]. A level-k
action of ``i`` best-responds to the opponents' level-(k-1) action, which ``i`` models as the
opponents' response ``rho`` to ``i``'s level-(k-2) action, and so on down to a uniform level-0
action: ``a_k = pi(rho(pi(rho(... a_0))))``. The same ``pi`` and ``rho`` serve every link. As in
the paper, the inner links are deterministic (tanh of the Gaussian mean); only the top action is
sampled.

**GR2-M (Eq. 6).** Level m responds to a cognitive-hierarchy mixture of the other side's levels
0..m-1 with weights ``Pois(j; lambda)`` normalised over those levels. The mixture is realised by
drawing one level per sample, so a GR2-M top action ``pi(a_-i)`` sees opponent actions from every
lower level in the right proportions.

**Training.**

* Q: ``0.5 (Q(a_i, a_-i) - y)^2`` with ``y = r`` (+ ``gamma V_target`` when ``gamma > 0``,
  ``V = Q(a_i) - T log pi``, ``Q(a_i) = T log E_rho exp(Q(a_i, a_-i) / T)``).
* rho: the paper fits ``rho(a_-i | a_i) ∝ exp((Q(a_i, a_-i) - Q(a_i)) / T)`` with amortized SVGD.
  **We use the reparameterised KL objective** ``E_rho[T log rho(a_-i | a_i) - Q(a_i, a_-i)]``
  (= ``T KL(rho || target) - Q(a_i)``; ``Q(a_i)`` does not depend on rho). Why: with the
  tanh-Gaussian family it is an unbiased, single-sample, fully batched gradient of the same
  objective SVGD approximates, needs no particle set, kernel or bandwidth heuristic, and costs one
  forward pass per agent batch; the price is that a Gaussian cannot represent multi-modal
  conditionals (SVGD's amortized sampler could, in principle).
* pi: ``E[T log pi(a_k | a_-i) - Q(a_k, a_-i)]`` at the top of the chain, plus the
  **auxiliary inter-level loss** ``sum_{m >= 2} Q(a_{m-2}, a^-i_{m-1}) - Q(a_m, a^-i_{m-1})`` over the
  own levels of the chain (level m must do at least as well as level m-2 against the same
  level-(m-1) opponent). Inputs of each link are detached: a level best-responds to the lower
  level, it does not steer it.

All three losses are summed over agents (mean over the batch) and minimised with one Adam
optimiser; rho and pi losses see the Q parameters detached. Because nothing couples agents
inside an update, agent ``j`` of a batched learner follows exactly the trajectory of a single
agent with the same weights and data (tested).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import torch

from nestlab import checks
from nestlab.recursive.nets import BatchedMLP, mlp_sizes, split_gaussian, squashed_sample

__all__ = ["LEVEL0", "MODES", "OPPONENT_MODELS", "Chain", "GR2Config", "GR2Learner", "Noise",
           "draw_noise", "joint_input", "poisson_weights", "reasoning_chain", "split_joint"]

MODES = ("L", "M")
OPPONENT_MODELS = ("own", "opponent")
LEVEL0 = ("uniform", "replay")


@dataclass(frozen=True)
class GR2Config:
    """Hyper-parameters of a GR2 learner.

    Args:
        level: reasoning depth k >= 1.
        mode: ``"L"`` (level-k chain) or ``"M"`` (Poisson mixture of lower levels).
        lam: Poisson rate of GR2-M (the paper's best: 1.5).
        hidden: width of the two hidden layers of every network.
        lr: Adam learning rate.
        temperature: entropy weight ``T`` of pi (and of rho's target ``exp(Q/T)``).
        gamma: discount (0 for one-shot games).
        tau: Polyak rate of the target Q.
        aux_weight: weight of the auxiliary inter-level loss.
        marginal_samples: rho samples for the soft marginal ``Q(a_i)`` (only used if gamma > 0).
        opponent_model: ``"own"`` (the paper's and the spec's choice): rho is fitted to
            ``exp(Q_i(a_i, a_-i)/T)``, agent i's own critic, i.e. i models the others as playing what
            is good *for i*. ``"opponent"`` (a nestlab variant, to test that optimism): each agent
            also fits critics ``Q_j(a_i, a_-i)`` of the others' observed rewards and rho is fitted to
            ``exp(sum_j Q_j / T)``, i.e. the others play what is good for *them*.
        level0: what the bottom of the chain is. ``"uniform"`` (the spec's reading: level 0 is
            non-strategic, uniform on the action box). ``"replay"`` (the other reading of the
            paper's Sec. 4.2, where level 0 is the agents' actual policy): level-0 actions are the
            joint actions the population really played, drawn from the replay batch in training
            and from the latest batch when acting (uniform before the first update).
        temperature_final: if given, the temperature is annealed geometrically from
            ``temperature`` to ``temperature_final`` over training (the trainer calls
            :meth:`GR2Learner.set_progress`); ``None`` keeps it constant.
    """

    level: int = 1
    mode: str = "L"
    lam: float = 1.5
    hidden: int = 32
    lr: float = 3e-3
    temperature: float = 0.01
    gamma: float = 0.0
    tau: float = 0.05
    aux_weight: float = 1.0
    marginal_samples: int = 8
    opponent_model: str = "own"
    level0: str = "uniform"
    temperature_final: float | None = None

    def __post_init__(self) -> None:
        w = "GR2Config"
        positive = {"min": 0, "inclusive": (False, True), "where": w}
        # level 0 is the uniform non-strategic player, not a GR2 learner
        checks.integer("level", self.level, min=1, where=w)
        checks.choice("mode", self.mode, MODES, where=w)
        checks.real("lam", self.lam, **positive)
        checks.integer("hidden", self.hidden, min=1, where=w)
        checks.real("lr", self.lr, **positive)
        checks.real("temperature", self.temperature, **positive)
        checks.real("gamma", self.gamma, min=0, max=1, inclusive=(True, False), where=w)
        checks.real("tau", self.tau, min=0, max=1, inclusive=(False, True), where=w)
        checks.real("aux_weight", self.aux_weight, min=0, where=w)
        checks.integer("marginal_samples", self.marginal_samples, min=1, where=w)
        checks.choice("opponent_model", self.opponent_model, OPPONENT_MODELS, where=w)
        checks.choice("level0", self.level0, LEVEL0, where=w)
        if self.temperature_final is not None:
            checks.real("temperature_final", self.temperature_final, **positive)


def poisson_weights(lam: float, n_levels: int) -> torch.Tensor:
    """``Pois(j; lam)`` for ``j = 0..n_levels-1``, normalised to sum to one (GR2 Eq. 6)."""
    lam = checks.real("lam", lam, min=0, inclusive=(False, True))
    n_levels = checks.integer("n_levels", n_levels, min=1)
    j = torch.arange(n_levels, dtype=torch.float64)
    logw = j * math.log(lam) - lam - torch.lgamma(j + 1)
    w = torch.softmax(logw, 0)
    return w.to(torch.float32)


class Noise(NamedTuple):
    """Every random number one forward pass of the chain needs (explicit, for reproducibility).

    Shapes for ``A`` agents, batch ``B``, ``d = n_players - 1``, depth ``K``:
    ``own0 [A,B,1]``, ``opp0 [A,B,d]`` (uniform level-0 actions), ``mix [2,K+1,A,B,1]``
    (uniforms picking mixture levels), ``top [A,B,1]`` (Gaussian noise of the top action).
    """

    own0: torch.Tensor
    opp0: torch.Tensor
    mix: torch.Tensor
    top: torch.Tensor

    def select(self, idx: torch.Tensor) -> Noise:
        """The noise of agents ``idx``."""
        return Noise(self.own0[idx], self.opp0[idx], self.mix[:, :, idx], self.top[idx])


def draw_noise(n_agents: int, batch: int, n_players: int, level: int,
               generator: torch.Generator) -> Noise:
    """Draw a :class:`Noise` with the given generator."""
    d = n_players - 1
    g = generator
    return Noise(
        own0=torch.rand(n_agents, batch, 1, generator=g) * 2 - 1,
        opp0=torch.rand(n_agents, batch, d, generator=g) * 2 - 1,
        mix=torch.rand(2, level + 1, n_agents, batch, 1, generator=g),
        top=torch.randn(n_agents, batch, 1, generator=g),
    )


class Chain(NamedTuple):
    """Output of :func:`reasoning_chain`.

    ``action``/``log_prob``: the sampled top (level-k) action ``[A,B,1]`` and its log-density;
    ``mean``: the deterministic top action; ``own[m]``: own level-m actions; ``opp_in[m]``: the
    opponent action that own level m responded to.
    """

    action: torch.Tensor
    log_prob: torch.Tensor
    mean: torch.Tensor
    own: dict
    opp_in: dict


def _mixture(side: dict, m: int, u: torch.Tensor, lam: float) -> torch.Tensor:
    """Per-sample draw from levels ``0..m-1`` of ``side`` with normalised Poisson weights."""
    if m == 1:
        return side[0]
    w = poisson_weights(lam, m)
    edges = torch.cumsum(w, 0)[:-1]
    idx = (u >= edges).sum(-1)  # [A,B]
    stacked = torch.stack([side[j] for j in range(m)], 0)  # [m,A,B,d]
    sel = torch.nn.functional.one_hot(idx, m).to(stacked.dtype).permute(2, 0, 1).unsqueeze(-1)
    return (stacked * sel).sum(0)


def reasoning_chain(pi: BatchedMLP, rho: BatchedMLP, noise: Noise, *, level: int, mode: str = "L",
                    lam: float = 1.5) -> Chain:
    """Level-k (``mode="L"``) or mixture (``"M"``) action of every agent (GR2 Eq. 4-6).

    Args:
        pi: conditional policies ``[A]``: ``a_-i [d] -> (mean, log_std) [2]``.
        rho: opponent models ``[A]``: ``a_i [1] -> (mean, log_std) [2d]``.
        noise: :class:`Noise` (level-0 actions, mixture draws, top-action noise).
        level: k >= 1.
        mode: ``"L"`` or ``"M"``.
        lam: Poisson rate (``"M"`` only).
    """
    own = {0: noise.own0}
    opp = {0: noise.opp0}
    opp_in: dict = {}

    def pi_mean(x):
        mean, log_std = split_gaussian(pi(x.detach()))
        return mean, log_std

    def rho_det(x):
        mean, _ = split_gaussian(rho(x.detach()))
        return torch.tanh(mean)

    if mode == "L":
        needed_own = [m for m in range(level % 2, level + 1, 2) if m > 0]
        for m in range(1, level + 1):
            if m in needed_own:
                opp_in[m] = opp[m - 1]
                if m < level:
                    own[m] = torch.tanh(pi_mean(opp_in[m])[0])
            else:
                opp[m] = rho_det(own[m - 1])
    else:
        for m in range(1, level + 1):
            opp_in[m] = _mixture(opp, m, noise.mix[0, m], lam)
            if m < level:
                own[m] = torch.tanh(pi_mean(opp_in[m])[0])
                opp[m] = rho_det(_mixture(own, m, noise.mix[1, m], lam))
    mean, log_std = pi_mean(opp_in[level])
    action, log_prob = squashed_sample(mean, log_std, noise.top)
    own[level] = action
    return Chain(action, log_prob, torch.tanh(mean), own, opp_in)


def joint_input(own: torch.Tensor, others: torch.Tensor) -> torch.Tensor:
    """Q-network input ``[A,B,n]``: own action first, then the others'."""
    return torch.cat([own, others], -1)


class GR2Learner(torch.nn.Module):
    """``n_runs`` independent games x ``n_players`` GR2 agents, stacked along one agent axis.

    Agent ``a = run * n_players + j`` is player ``j`` of run ``run``.

    Args:
        n_runs: number of independent runs trained together.
        n_players: players per game.
        config: :class:`GR2Config`.
        seed: initialisation seed.
    """

    def __init__(self, n_runs: int, n_players: int, config: GR2Config = GR2Config(), *,
                 seed: int = 0, n_agents: int | None = None) -> None:
        super().__init__()
        w = "GR2Learner"
        checks.integer("n_runs", n_runs, min=1, where=w)
        checks.integer("n_players", n_players, min=2, where=w)
        checks.instance("config", config, GR2Config, where=w)
        checks.integer("seed", seed, min=0, where=w)
        if n_agents is not None:
            checks.integer("n_agents", n_agents, min=1, where=w)
        self.config = config
        self.n_runs, self.n_players = int(n_runs), int(n_players)
        self._n_agents = int(n_agents) if n_agents is not None else self.n_runs * self.n_players
        A, n, h = self.n_agents, self.n_players, config.hidden
        g = torch.Generator().manual_seed(int(seed))
        self.q = BatchedMLP(A, mlp_sizes(n, 1, h), generator=g)
        self.q_target = BatchedMLP(A, mlp_sizes(n, 1, h), generator=g)
        self.q_target.load_state_dict(self.q.state_dict())
        self.q_target.requires_grad_(False)
        self.rho = BatchedMLP(A, mlp_sizes(1, 2 * (n - 1), h), generator=g)
        self.pi = BatchedMLP(A, mlp_sizes(n - 1, 2, h), generator=g)
        params = [*self.q.parameters(), *self.rho.parameters(), *self.pi.parameters()]
        if config.opponent_model == "opponent":
            self.q_opp = BatchedMLP(A, mlp_sizes(n, n - 1, h), generator=g)
            params += list(self.q_opp.parameters())
        self.optimizer = torch.optim.Adam(params, lr=config.lr)
        #: current temperature (annealed by :meth:`set_progress` when ``temperature_final`` is set)
        self.temperature = float(config.temperature)
        # level-0 actions for acting with level0="replay": the latest replay batch in agent view
        self._level0_bank: tuple[torch.Tensor, torch.Tensor] | None = None

    def set_progress(self, frac: float) -> None:
        """Set the temperature for training progress ``frac`` in [0, 1] (geometric annealing)."""
        frac = checks.real("frac", frac, min=0, max=1, where="GR2Learner.set_progress()")
        c = self.config
        if c.temperature_final is not None:
            self.temperature = float(c.temperature * (c.temperature_final / c.temperature) ** frac)

    def _with_level0(self, noise: Noise, own: torch.Tensor | None, others: torch.Tensor | None,
                     generator: torch.Generator) -> Noise:
        """Replace the uniform level-0 actions by played ones (``level0="replay"``)."""
        if self.config.level0 != "replay":
            return noise
        if own is None:
            if self._level0_bank is None:
                return noise
            own, others = self._level0_bank
        B, Bb = noise.own0.shape[1], own.shape[1]
        idx = torch.randint(0, Bb, (B,), generator=generator)
        return noise._replace(own0=own[:, idx].detach(), opp0=others[:, idx].detach())

    @property
    def n_agents(self) -> int:
        """Agents on the stacked axis: ``n_runs * n_players`` unless ``n_agents`` was given
        (e.g. 1, to drive a single agent of a game by hand)."""
        return self._n_agents

    # ---- views -------------------------------------------------------------------------------
    def split_joint(self, joint: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Joint actions ``[B, R, n]`` -> own ``[A, B, 1]`` and others ``[A, B, n-1]``."""
        return split_joint(joint, self.n_players)

    # ---- acting ------------------------------------------------------------------------------
    def chain(self, noise: Noise) -> Chain:
        c = self.config
        return reasoning_chain(self.pi, self.rho, noise, level=c.level, mode=c.mode, lam=c.lam)

    @torch.no_grad()
    def act_agents(self, generator: torch.Generator, *, deterministic: bool = False) -> torch.Tensor:
        """One action per agent, ``[A]`` (sampled top action, or its mean)."""
        noise = draw_noise(self.n_agents, 1, self.n_players, self.config.level, generator)
        noise = self._with_level0(noise, None, None, generator)
        ch = self.chain(noise)
        return (ch.mean if deterministic else ch.action).reshape(-1)

    def act(self, generator: torch.Generator, *, deterministic: bool = False) -> torch.Tensor:
        """One joint action per run, ``[R, n]``."""
        return self.act_agents(generator, deterministic=deterministic).reshape(self.n_runs, self.n_players)

    # ---- losses ------------------------------------------------------------------------------
    def losses(self, own: torch.Tensor, others: torch.Tensor, reward: torch.Tensor,
               noise: Noise, rho_noise: torch.Tensor, rho_own: torch.Tensor,
               others_reward: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        """The three GR2 losses (summed over agents, mean over the batch).

        Args:
            own, others, reward: a replay batch in agent view, ``[A,B,1]``, ``[A,B,d]``, ``[A,B,1]``
                (reward already scaled).
            noise: chain noise for the policy loss.
            rho_noise: Gaussian noise ``[A, 2B, d]`` for rho's samples.
            rho_own: uniform own actions ``[A, B, 1]`` added to the buffer's as rho's inputs.
            others_reward: the others' scaled rewards ``[A, B, d]`` (``opponent_model="opponent"``).
        """
        c = self.config
        T = self.temperature
        q_det = self.q.detached()
        # --- Q ---
        y = reward
        if c.gamma > 0:
            y = y + c.gamma * self._target_value(noise, rho_noise)
        q = self.q(joint_input(own, others))
        q_loss = (0.5 * (q - y.detach()).pow(2)).mean(1).sum()
        # --- rho (reparameterised KL to exp(Q/T)) ---
        rin = torch.cat([own, rho_own], 1)
        mean, log_std = split_gaussian(self.rho(rin))
        a_opp, log_rho = squashed_sample(mean, log_std, rho_noise)
        # --- pi: top level + auxiliary inter-level loss ---
        ch = self.chain(noise)
        k = c.level
        inputs = [joint_input(rin, a_opp), joint_input(ch.action, ch.opp_in[k])]
        aux_levels = [m for m in sorted(ch.opp_in) if m >= 2 and (m - 2) in ch.own]
        for m in aux_levels:
            o = ch.opp_in[m]
            inputs += [joint_input(ch.own[m - 2].detach(), o), joint_input(ch.own[m], o)]
        # one forward pass of the (frozen) critic for every evaluation
        sizes = [x.shape[1] for x in inputs]
        qs = self.q(torch.cat(inputs, 1), q_det).split(sizes, 1)
        if c.opponent_model == "opponent":
            if others_reward is None:
                raise ValueError("GR2Learner.losses(): invalid others_reward None: opponent_model="
                                 "'opponent' needs others_reward; valid: the others' rewards")
            q_opp = self.q_opp(joint_input(own, others))
            q_loss = q_loss + (0.5 * (q_opp - others_reward).pow(2)).mean(1).sum()
            rho_target = self.q_opp(joint_input(rin, a_opp), self.q_opp.detached()).sum(-1, keepdim=True)
        else:
            rho_target = qs[0]
        rho_loss = (T * log_rho - rho_target).mean(1).sum()
        pi_main = T * ch.log_prob - qs[1]
        aux = torch.zeros_like(pi_main)
        for i in range(len(aux_levels)):
            aux = aux + (qs[2 + 2 * i] - qs[3 + 2 * i])
        pi_loss = (pi_main + c.aux_weight * aux).mean(1).sum()
        return {"q": q_loss, "rho": rho_loss, "pi": pi_loss,
                "aux": aux.mean(1).sum().detach()}

    @torch.no_grad()
    def _target_value(self, noise: Noise, rho_noise: torch.Tensor) -> torch.Tensor:
        """``V = T log E_rho exp(Q_target(a, a_-i)/T) - T log pi(a)`` at a fresh top action."""
        c = self.config
        ch = self.chain(noise)
        a = ch.action
        M = c.marginal_samples
        mean, log_std = split_gaussian(self.rho(a))
        A, B, d2 = mean.shape
        # reuse rho's noise (shifted per marginal sample) so the target stays deterministic
        eps = torch.stack([rho_noise[:, :B].roll(i, 1) for i in range(M)], 0)
        opp = torch.tanh(mean.unsqueeze(0) + log_std.exp().unsqueeze(0) * eps)
        qs = torch.stack([self.q_target(joint_input(a, opp[i])) for i in range(M)], 0)
        T = self.temperature
        q_marg = T * (torch.logsumexp(qs / T, 0) - math.log(M))
        return q_marg - T * ch.log_prob

    # ---- update ------------------------------------------------------------------------------
    def update(self, joint: torch.Tensor, reward: torch.Tensor, generator: torch.Generator) -> dict[str, float]:
        """One gradient step on a replay batch ``joint [B,R,n]``, ``reward [B,R,n]`` (scaled)."""
        own, others = self.split_joint(joint)
        r, r_others = self.split_joint(reward)
        return self.update_agents(own, others, r, generator, others_reward=r_others)

    def update_agents(self, own: torch.Tensor, others: torch.Tensor, r: torch.Tensor,
                      generator: torch.Generator, *,
                      others_reward: torch.Tensor | None = None) -> dict[str, float]:
        """One gradient step on a batch in agent view (``[A,B,1]``, ``[A,B,d]``, ``[A,B,1]``;
        ``others_reward [A,B,d]`` for ``opponent_model="opponent"``)."""
        B = own.shape[1]
        noise = draw_noise(self.n_agents, B, self.n_players, self.config.level, generator)
        rho_noise = torch.randn(self.n_agents, 2 * B, self.n_players - 1, generator=generator)
        rho_own = torch.rand(self.n_agents, B, 1, generator=generator) * 2 - 1
        if self.config.level0 == "replay":
            # drawn after the uniform draws, so level0="uniform" keeps its exact random stream
            noise = self._with_level0(noise, own, others, generator)
            self._level0_bank = (own.detach(), others.detach())
        parts = self.losses(own, others, r, noise, rho_noise, rho_own, others_reward)
        total = parts["q"] + parts["rho"] + parts["pi"]
        self.optimizer.zero_grad(set_to_none=True)
        total.backward()
        self.optimizer.step()
        with torch.no_grad():
            for pt, p in zip(self.q_target.parameters(), self.q.parameters(), strict=True):
                pt.lerp_(p, self.config.tau)
        return {k: float(v.detach()) for k, v in parts.items()}


def split_joint(joint: torch.Tensor, n_players: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Joint ``[B, R, n]`` -> own ``[R*n, B, 1]`` and others ``[R*n, B, n-1]`` (agent view)."""
    B, R, n = joint.shape
    if n != n_players:
        raise ValueError(f"split_joint(): invalid joint: {n} players on the last axis; valid: "
                         f"expected {n_players} players (n_players)")
    others_idx = torch.tensor([[j for j in range(n) if j != i] for i in range(n)], dtype=torch.long)
    own = joint.permute(1, 2, 0).reshape(R * n, B, 1)
    others = joint[:, :, others_idx].permute(1, 2, 0, 3).reshape(R * n, B, n - 1)
    return own, others
