"""Nested (level-k) multi-agent reasoning with neural amortized importance sampling.

Jha, Le, Jin, Kuo, Tenenbaum, Shu — *Neural Amortized Inference for Nested Multi-agent
Reasoning* (arXiv 2308.11071, AAAI 2024). Spec: ``shared/spec/nested-reasoning.md``.

Modules:

* :mod:`.domains` — the :class:`~.domains.base.Domain` / :class:`~.domains.base.HypothesisModel`
  protocols and the Construction and Driving domains;
* :mod:`.planners` — level-0 (Boltzmann shortest-path builder) and level-1 (helper/hinderer)
  agents, vectorised over hypotheses;
* :mod:`.episodes` — simulated episodes (Bob's private cue about Alice's goal), the level-1 /
  level-2 hypothesis models and the simulated level-1 beliefs (exact per cue, or per-particle IS);
* :mod:`.exact` — exact inference by enumeration with a cumulative likelihood cache;
* :mod:`.importance` — importance sampling (proper weights, top-K, uniform proposals), ESS;
* :mod:`.recognition` — GRU recognition networks (torch), KL / NLL training, cached;
* :mod:`.driving` — the Driving drivers (levels 0-2) and the 72-hypothesis model;
* :mod:`.experiments` / :mod:`.driving_experiments` — the studies of notebooks 20 / 21 (online
  comparison of the methods); :mod:`.claims` — their headline numbers and scoreboards;
  :mod:`.plots` — the figures of both (``plot_*(..., ax=None)``).

Importing this package is cheap: torch loads only with :mod:`.recognition`.
"""

from nestlab.nested.domains.construction import Construction, ConstructionConfig, ConstructionState
from nestlab.nested.exact import ExactInference, LikelihoodCache, Posterior, ess
from nestlab.nested.importance import gumbel_top_k, importance_step
from nestlab.nested.planners import AgentParams

__all__ = ["AgentParams", "Construction", "ConstructionConfig", "ConstructionState",
           "ExactInference", "LikelihoodCache", "Posterior", "ess", "gumbel_top_k",
           "importance_step"]
