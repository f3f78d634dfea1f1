"""nestlab — a notebook-driven analysis suite for nested multi-agent reasoning and
amortized Bayesian inference.

Sub-packages (one per paper; they never import each other):

* :mod:`nestlab.actors`    — Bayesian actors, amortized policies, inverse inference (Straub et al. 2025)
* :mod:`nestlab.nested`    — level-k nested reasoning with amortized importance sampling (Jha et al. 2024)
* :mod:`nestlab.recursive` — generalized recursive reasoning, GR2 (Wen et al. 2020)
* :mod:`nestlab.influence` — Level of Influence and budgeted co-player diversity (Chen et al. 2024)

Infrastructure: :mod:`nestlab.record` (headline numbers and claims inside notebooks),
:mod:`nestlab.cache` (content-addressed store of trained networks), :mod:`nestlab.runner`
and :mod:`nestlab.cli` (headless execution and HTML reports).

Importing :mod:`nestlab` is cheap: torch and JAX load only with the sub-package that needs them.
"""

from nestlab.record import claim, judge, judge_all, read_results, record

__version__ = "0.1.0"

__all__ = ["__version__", "claim", "judge", "judge_all", "read_results", "record"]
