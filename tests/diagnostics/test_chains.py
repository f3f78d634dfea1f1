"""nestlab.diagnostics.chains: the convergence gate."""

import pytest

from nestlab import diagnostics as D


def test_convergence_flags_failures(idata_factory):
    good = D.convergence(idata_factory())
    assert good.ok and good.max_rhat < D.RHAT_MAX and not good.problems
    bad = D.convergence(idata_factory(shift=0.5))
    assert not bad.ok and any("r_hat" in p for p in bad.problems)
    short = D.convergence(idata_factory(n_draw=50))
    assert not short.ok and any("ESS" in p for p in short.problems)


def test_convergence_thresholds_are_keywords(idata_factory):
    idata = idata_factory(n_draw=50)
    assert D.convergence(idata, ess_min=1, rhat_max=2.0).ok
    with pytest.raises(ValueError, match="invalid rhat_max 0.5"):
        D.convergence(idata, rhat_max=0.5)


def test_ess_per_second_divides_the_smallest_bulk_ess(idata_factory):
    idata = idata_factory()
    gate = D.convergence(idata)
    assert D.ess_per_second(idata, 2.0) == pytest.approx(gate.min_ess_bulk / 2.0)
