"""Notebook 12's explorer and claims (nestlab.actors.experiments); the studies themselves run in
tests/notebooks/test_12_actor_identifiability.py."""

import arviz as az
import numpy as np
import pytest

from nestlab.actors import experiments as X


def _fit(corr: float, seed: int) -> X.StudyFit:
    rng = np.random.default_rng(seed)
    z = rng.multivariate_normal([0, 0], [[1, corr], [corr, 1]], size=(2, 200))
    idata = az.from_dict(posterior={"mu0": np.exp(0.1 * z[..., 0]) * 1.5,
                                    "sigma0": np.exp(0.1 * z[..., 1]) * 0.2})
    return X.StudyFit("fit", idata, corr, ("mu0", "sigma0"))


def test_pair_explorer_offers_every_fit_and_refuses_nothing_to_show():
    study = {"one_noise": _fit(-0.9, 0), "two_noise": _fit(0.0, 1)}
    show = X.pair_explorer({"effort": study})
    assert show.fits == ["effort / one_noise", "effort / two_noise"]
    with pytest.raises(ValueError, match="invalid studies: no fits"):
        X.pair_explorer({})
    with pytest.raises(TypeError, match="studies"):
        X.pair_explorer([study])
