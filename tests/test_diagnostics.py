import matplotlib
import numpy as np
import pytest

from nestlab import diagnostics as D

matplotlib.use("Agg")


def _idata(corr=0.0, n_chain=2, n_draw=500, shift=0.0, seed=0):
    rng = np.random.default_rng(seed)
    cov = [[1, corr], [corr, 1]]
    x = rng.multivariate_normal([0, 0], cov, size=(n_chain, n_draw)) * 0.1
    post = {"a": np.exp(x[..., 0]), "b": np.exp(x[..., 1])}
    post["a"][0] += shift  # chain 0 offset -> r_hat failure
    prior = {"a": np.exp(rng.normal(0, 1, (1, 2000))), "b": np.exp(rng.normal(0, 1, (1, 2000)))}
    return D.to_inference_data(
        posterior=post, prior=prior,
        sample_stats={"diverging": np.zeros((n_chain, n_draw), bool)},
        log_likelihood={"y": rng.normal(-1, 0.1, (n_chain, n_draw, 5))},
        log_prior={"a": -x[..., 0] ** 2 / 2, "b": -x[..., 1] ** 2 / 2},
        attrs={"fixed": {"sigma": 0.2}})


def test_convergence_flags_failures():
    good = D.convergence(_idata())
    assert good.ok and good.max_rhat < 1.01
    bad = D.convergence(_idata(shift=0.5))
    assert not bad.ok and any("r_hat" in p for p in bad.problems)
    short = D.convergence(_idata(n_draw=50))
    assert not short.ok and any("ESS" in p for p in short.problems)


def test_identifiability_finds_the_ridge():
    rep = D.identifiability(_idata(corr=0.95))
    assert rep.strongest_pair[2] == pytest.approx(0.95, abs=0.02)
    assert rep.ridges and {rep.ridges[0][0], rep.ridges[0][1]} == {"log a", "log b"}
    assert (rep.contraction > 0.95).all()  # posterior sd 0.1 vs prior sd 1
    assert {"prior", "likelihood"} <= set(rep.sensitivity.columns)
    assert not D.identifiability(_idata(corr=0.0)).ridges


def test_pair_correlation_and_intervals():
    idata = _idata(corr=-0.8)
    assert D.pair_correlation(idata, "a", "b") == pytest.approx(-0.8, abs=0.03)
    cov = D.interval_covers(idata, {"a": 1.0, "b": 5.0})
    assert cov == {"a": True, "b": False}


def test_plots_render_without_showing():
    axes = D.plot_pair({"x": _idata(corr=0.9), "y": _idata(seed=1)}, var_names=["a", "b"])
    assert np.asarray(axes).size == 4
    ax = D.plot_ecdf_ranks(np.random.default_rng(0).integers(0, 100, 200), n_draws=100)
    assert ax is not None


def test_arviz_import_is_silent_on_a_fresh_user_state(tmp_path):
    """ArviZ's once-a-day notice never surfaces through nestlab, even as the day's first import."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "HOME": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    code = "import nestlab.diagnostics as d; d._az()"
    proc = subprocess.run([sys.executable, "-W", "error", "-c", code], env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    # the stamp was written, i.e. arviz really ran its daily check in this empty state
    assert list((tmp_path / "cache").rglob("daily_warning"))
