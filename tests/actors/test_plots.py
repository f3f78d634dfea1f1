"""The study figures of nestlab.actors.plots: what they draw, and their refusals."""

import numpy as np
import pandas as pd
import pytest

from nestlab.actors import compare as C
from nestlab.actors import plots as AP


def _study(true, winners):
    """A ComparisonStudy holding just what confusion_matrix reads (families and winners)."""
    data = C.StudyData(np.array(true), [], None, None, None, None, "two_noise")
    return C.ComparisonStudy(data, None, np.array(winners), {"quadratic": None, "absolute": None},
                             None, 0.0, {}, None, np.ones(len(true), bool))


def test_plot_confusion_writes_the_counts():
    cm = C.confusion_matrix(_study(["quadratic", "quadratic", "absolute"],
                                   ["quadratic", "absolute", "quadratic"]))
    ax = AP.plot_confusion(cm, title="t")
    # rows: true quadratic (1 won, 1 lost to absolute), true absolute (lost to quadratic)
    assert [t.get_text() for t in ax.texts] == ["1", "1", "1", "0"]
    assert ax.get_title() == "t" and ax.get_ylabel() == "true family"
    with pytest.raises(ValueError, match="invalid cm: an empty matrix"):
        AP.plot_confusion(pd.DataFrame())
    with pytest.raises(TypeError, match="invalid type for cm"):
        AP.plot_confusion(np.eye(2))


def test_plot_designs_one_panel_per_design():
    st = _study(["quadratic", "absolute"], ["quadratic", "quadratic"])
    designs = C.DesignComparison({"two_noise": st, "one_noise": st}, {}, {}, {}, None)
    axes = AP.plot_designs(designs)
    assert [a.get_title() for a in axes] == ["two noise", "one noise"]
    assert [t.get_text() for t in axes[1].texts] == ["1", "0", "1", "0"]
    with pytest.raises(TypeError, match="invalid type for designs"):
        AP.plot_designs({"two_noise": st})
    with pytest.raises(ValueError, match="invalid axes: 1 axes; valid: 2"):
        AP.plot_designs(designs, axes=[axes[0]])


def test_study_panels_refuse_other_types():
    with pytest.raises(TypeError, match=r"invalid type for studies\['sj'\]: dict"):
        AP.plot_shrinkage_panels({"sj": {"tables": {}}})
    with pytest.raises(TypeError, match="invalid type for rec"):
        AP.plot_ranks({"mu0": []})
    with pytest.raises(TypeError, match="invalid type for recs"):
        AP.plot_recovery([1, 2])
