import numpy as np
import pandas as pd
import pytest

from nestlab.actors import plots as AP
from nestlab.actors import recovery as RC
from nestlab.actors.recovery import recovery_study


@pytest.fixture(scope="module")
def rec():
    return recovery_study(6, chains=2, warmup=150, draws=150, seed=3, only_converged=False)


def test_vmapped_recovery_recovers_mu0(rec):
    assert rec.truth["mu0"].shape == (6,) and rec.chains == 2
    assert rec.converged.shape == (6,) and rec.converged.dtype == bool
    assert np.corrcoef(rec.truth["mu0"], rec.posterior_mean["mu0"])[0, 1] > 0.8
    for k in ("mu0", "sigma0", "sigma_r"):
        assert 0 <= rec.coverage50[k] <= rec.coverage90[k] <= 1
        assert rec.ranks[k].min() >= 0 and rec.ranks[k].max() <= rec.n_draws
    assert rec.n_draws == 2 * 150 // 10  # pooled chains, thinned
    assert rec.coverage90["mu0"] >= 0.5
    assert rec.seconds >= rec.seconds_per_dataset * 6 > 0 and rec.cpu_seconds > 0


def test_the_gate_compares_chains(rec):
    """r-hat is part of each data set's gate (two chains, started apart)."""
    g = rec.gates
    assert len(g) == 6 and np.all(np.isfinite(g["max_rhat"])) and np.all(g["max_rhat"] > 0.99)
    np.testing.assert_array_equal(g["converged"].to_numpy(), rec.converged)
    # 2 x 150 draws cannot reach bulk ESS 400
    assert not rec.converged.any()


def test_recovery_refuses_bad_sizes():
    with pytest.raises(ValueError, match="invalid n_datasets 0; valid range: integer >= 1"):
        recovery_study(0)
    with pytest.raises(ValueError, match="invalid chains 0"):
        recovery_study(2, chains=0)


def test_recovery_gate_excludes_unconverged_data_sets():
    """2 x 100 draws cannot reach bulk ESS 400: no data set passes, no number is used."""
    r = recovery_study(3, chains=2, warmup=100, draws=100, seed=1)
    assert not r.converged.any()
    assert all(np.isnan(v) for v in r.coverage90.values())
    assert all(np.isnan(v) for v in r.mse.values())
    assert all(len(v) == 0 for v in r.ranks.values())


def test_table_and_plots(rec):
    t = RC.recovery_table({"closed form": rec})
    assert isinstance(t, pd.DataFrame)
    assert t[("closed form", "converged data sets")].iloc[0] == f"{int(rec.converged.sum())} of 6"
    axes = AP.plot_recovery({"closed form": rec})
    assert len(axes) == 3 and len(axes[0].lines) == 2  # the points and the diagonal
    assert len(AP.plot_ranks(rec)) == 3
    assert AP.plot_ranks(rec._replace(ranks={k: v[:0] for k, v in rec.ranks.items()})) is None
