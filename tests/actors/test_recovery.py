import numpy as np
import pytest

from nestlab.actors.recovery import recovery_study


def test_vmapped_recovery_recovers_mu0():
    rec = recovery_study(6, warmup=150, draws=150, seed=3, only_converged=False)
    assert rec.truth["mu0"].shape == (6,)
    assert rec.converged.shape == (6,) and rec.converged.dtype == bool
    assert np.corrcoef(rec.truth["mu0"], rec.posterior_mean["mu0"])[0, 1] > 0.8
    for k in ("mu0", "sigma0", "sigma_r"):
        assert 0 <= rec.coverage50[k] <= rec.coverage90[k] <= 1
        assert rec.ranks[k].min() >= 0 and rec.ranks[k].max() <= rec.n_draws
    assert rec.coverage90["mu0"] >= 0.5


def test_recovery_refuses_bad_sizes():
    with pytest.raises(ValueError, match="invalid n_datasets 0; valid range: integer >= 1"):
        recovery_study(0)


def test_recovery_gate_excludes_unconverged_data_sets():
    """150 draws of one chain cannot reach bulk ESS 400: no data set passes, no number is used."""
    rec = recovery_study(3, warmup=100, draws=150, seed=1)
    assert not rec.converged.any()
    assert all(np.isnan(v) for v in rec.coverage90.values())
    assert all(np.isnan(v) for v in rec.mse.values())
    assert all(len(r) == 0 for r in rec.ranks.values())
