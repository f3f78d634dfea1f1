"""nestlab.diagnostics.inference_data: building, checking and flattening InferenceData."""

import json

import numpy as np
import pytest

from nestlab import diagnostics as D
from nestlab.diagnostics import inference_data as ID


def test_to_inference_data_groups_and_json_attributes(idata_factory):
    idata = idata_factory()
    assert {"posterior", "prior", "sample_stats", "log_likelihood", "log_prior"} <= set(idata.groups())
    for group in idata.groups():
        assert json.loads(idata[group].attrs["fixed"]) == {"sigma": 0.2}


def test_parameter_names_leave_out_per_trial_latents():
    idata = D.to_inference_data(posterior={"mu": np.ones((1, 4)), "w": np.ones((1, 4, 3)),
                                           "m": np.ones((1, 4, ID.MAX_PARAMETER_SIZE + 1))})
    assert D.parameter_names(idata) == ["mu", "w"]
    assert ID.check_var_names(idata, None) == ["mu", "w"]
    assert ID.check_var_names(idata, "m") == ["m"]
    with pytest.raises(ValueError, match=r"unknown var_names\[0\] 'z'; valid choices: mu, w, m"):
        ID.check_var_names(idata, ["z"])


def test_flat_draws_pool_chains_and_label_elements():
    w = np.arange(1, 13, dtype=float).reshape(2, 2, 3)  # (chain, draw, 3)
    idata = D.to_inference_data(posterior={"w": w, "mu": np.full((2, 2), np.e)})
    df = ID.flat_draws(idata, ["w", "mu"], log=False)
    assert list(df.columns) == ["w[0]", "w[1]", "w[2]", "mu"]
    np.testing.assert_array_equal(df["w[1]"], [2.0, 5.0, 8.0, 11.0])  # chain 0 first, then 1
    assert list(ID.flat_draws(idata, ["mu"]).columns) == ["log mu"]
    np.testing.assert_allclose(ID.flat_draws(idata, ["mu"])["log mu"], 1.0)
    assert ID.element_labels("x", 1) == ["x"] and ID.element_labels("x", 2) == ["x[0]", "x[1]"]


def test_require_groups_names_what_is_missing(idata_factory):
    with pytest.raises(TypeError, match="invalid type for idata: dict"):
        D.require_groups({"posterior": 1}, "posterior")
    with pytest.raises(ValueError, match=r"invalid fit: missing group\(s\) \['observed_data'\]"):
        D.require_groups(idata_factory(), "posterior", "observed_data", name="fit")


def test_to_inference_data_refuses_a_one_dimensional_posterior():
    with pytest.raises(ValueError, match=r"invalid posterior\['a'\]: shape \(5,\)"):
        D.to_inference_data(posterior={"a": np.zeros(5)})
