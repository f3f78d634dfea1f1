"""ArviZ diagnostics of the suite's fits: convergence, identifiability, PSIS-LOO, figures (spec Sec. 4).

Every ArviZ call of the suite lives in this package (and nowhere else), so a later move to
ArviZ 1.x touches one place. Functions take an ``arviz.InferenceData`` (or the data they
diagnose) first and keyword-only options after it. One module a job:

* :mod:`~nestlab.diagnostics.backend` — the one (lazy) ArviZ import;
* :mod:`~nestlab.diagnostics.inference_data` — build and check InferenceData
  (:func:`to_inference_data`, :func:`require_groups`, :func:`parameter_names`);
* :mod:`~nestlab.diagnostics.chains` — :func:`convergence` (r_hat, bulk/tail ESS, divergences,
  with a pass/fail flag) and :func:`ess_per_second`;
* :mod:`~nestlab.diagnostics.posterior` — :func:`posterior_summary`, :func:`interval_covers`,
  :func:`correlation`, :func:`pair_correlation` and :func:`identifiability` (posterior
  correlation of log-parameters, prior-to-posterior contraction, ``az.psens`` sensitivity);
* :mod:`~nestlab.diagnostics.psis` — :func:`loo`, :func:`loo_compare`, :func:`pareto_k_table`;
* :mod:`~nestlab.diagnostics.plots` — :func:`plot_pair`, :func:`plot_ppc_vs_stimulus`,
  :func:`plot_ecdf_ranks`, :func:`plot_loo_compare`.

The names of the observed response and the stimulus default to the actors' (:data:`RESPONSE`
``"r"``, :data:`STIMULUS` ``"s"``); every function that reads them takes them as keywords.
"""

from nestlab.diagnostics.chains import ESS_MIN, RHAT_MAX, Convergence, convergence, ess_per_second
from nestlab.diagnostics.inference_data import (
    RESPONSE,
    STIMULUS,
    parameter_names,
    require_groups,
    to_inference_data,
)
from nestlab.diagnostics.plots import (
    plot_ecdf_ranks,
    plot_loo_compare,
    plot_pair,
    plot_ppc_vs_stimulus,
)
from nestlab.diagnostics.posterior import (
    Identifiability,
    correlation,
    identifiability,
    interval_covers,
    pair_correlation,
    posterior_summary,
)
from nestlab.diagnostics.psis import LOO_COMPARE_METHODS, Loo, loo, loo_compare, pareto_k_table

__all__ = ["ESS_MIN", "LOO_COMPARE_METHODS", "RESPONSE", "RHAT_MAX", "STIMULUS", "Convergence",
           "Identifiability", "Loo", "convergence", "correlation", "ess_per_second",
           "identifiability", "interval_covers", "loo", "loo_compare", "pair_correlation",
           "parameter_names", "pareto_k_table", "plot_ecdf_ranks", "plot_loo_compare", "plot_pair",
           "plot_ppc_vs_stimulus", "posterior_summary", "require_groups", "to_inference_data"]
