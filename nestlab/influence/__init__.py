"""Level of Influence (LoI) and budgeted co-player diversity (Chen et al., arXiv 2310.07218).

* :mod:`~nestlab.influence.loi` — LoI estimators: the paper's histogram plug-in (exact),
  Miller–Madow, permutation-null correction, kNN (KSG-type).
* :mod:`~nestlab.influence.data` — loader of the authors' published ``.npz`` logs.
* :mod:`~nestlab.influence.allocation` — the mean ± sd allocation rule, budget-equal
  allocations, the top-30 and all-samples comparison protocols, ranks, LoI-gain correlation.
* :mod:`~nestlab.influence.reanalysis` — the re-analysis of the published logs.
* :mod:`~nestlab.influence.games`, :mod:`~nestlab.influence.population` — a small study on
  repeated 2x2 games trained by vectorised policy gradient (spec section 4).
* :mod:`~nestlab.influence.experiments` (the notebooks' studies, section by section),
  :mod:`~nestlab.influence.claims` (their scoreboards) and :mod:`~nestlab.influence.plots`.

Importing this package loads numpy and scipy only.
"""

from nestlab.influence.allocation import (
           allocate_by_loi,
           compare_allocation,
           enumerate_allocations,
           rank_allocation,
)
from nestlab.influence.loi import ESTIMATORS, LoIEstimate, loi, loi_all

__all__ = ["ESTIMATORS", "LoIEstimate", "allocate_by_loi", "compare_allocation", "enumerate_allocations",
           "loi", "loi_all", "rank_allocation"]
