import dataclasses

import numpy as np
import pytest
import torch

from nestlab.actors.policy import (
    PolicyNet,
    TrainConfig,
    evaluate_policy,
    load_policy,
    make_box,
    sample_theta,
    train_policy,
    validation_set,
)

TINY = TrainConfig(n_steps=150, batch=128, n_mc=16, n_val=500, eval_every=50, hidden=(16, 16))


def test_box_refusals():
    with pytest.raises(ValueError, match="unknown key of box 'tau'"):
        make_box("quadratic", {"tau": (0.1, 1)})
    with pytest.raises(ValueError, match=r"invalid box\['sigma'\]\[1\] 0.1; valid range: finite number > 0.5"):
        make_box("quadratic", {"sigma": (0.5, 0.1)})
    with pytest.raises(ValueError, match="valid range"):
        make_box("quadratic_effort", {"beta": (0.1, 1.0)})
    with pytest.raises(ValueError, match="unknown head"):
        PolicyNet("quadratic", head="deep")


def test_theta_samples_stay_in_the_box():
    box = make_box("linex", {"mu0": (1.0, 2.0)})
    th = sample_theta("linex", 5000, box=box, generator=torch.Generator().manual_seed(0))
    assert th["mu0"].min() >= 1.0 and th["mu0"].max() <= 2.0
    assert th["c"].min() >= box["c"][0] and th["c"].max() <= box["c"][1]
    # the log-normal prior of c (median 0.5) is respected inside the box
    assert 0.35 < float(th["c"].median()) < 0.65


@pytest.mark.parametrize("head", ["posterior", "generic"])
def test_short_training_improves_on_the_initial_network(head):
    box = make_box("quadratic")
    vset = validation_set("quadratic", box=box, n=500)
    cfg = dataclasses.replace(TINY, head=head)
    torch.manual_seed(0)
    init = PolicyNet("quadratic", head=head, hidden=cfg.hidden, box=box)
    from nestlab.actors.policy import _net_predict
    before = evaluate_policy(_net_predict(init), vset, cost="quadratic").relative_rmse
    _, info = train_policy("quadratic", config=cfg, progress=False, validation=vset)
    after = info["validation"]["relative_rmse"]
    assert after < before
    assert info["curve"][-1][0] == cfg.n_steps
    assert info["validation"]["worst_region"]["relative_rmse"] >= after


def test_policy_is_cached(tmp_path):
    p1 = load_policy("absolute", config=TINY, progress=False, cache_directory=str(tmp_path))
    p2 = load_policy("absolute", config=TINY, progress=False, cache_directory=str(tmp_path))
    assert not p1.cache_hit and p2.cache_hit
    m = np.array([0.5, 2.0])
    from nestlab.actors import ActorParams
    prm = ActorParams(0.2, 0.2, 1.5, 0.1)
    np.testing.assert_allclose(p1(m, prm), p2(m, prm))
    assert p2.info["validation"]["reference"] == "closed form"


@pytest.mark.slow
@pytest.mark.parametrize("cost,target", [("quadratic", 0.01), ("quadratic_effort", 0.01),
                                         ("absolute", 0.01), ("asymmetric_quadratic", 0.02),
                                         ("absolute_effort", 0.02), ("linex", 0.02),
                                         ("inverted_gaussian", 0.02)])
def test_default_network_reaches_target_accuracy(cost, target):
    pol = load_policy(cost, progress=False)
    assert pol.info["validation"]["relative_rmse"] <= target


def test_torch_quadrature_matches_numpy_solver_objective():
    """The differentiable training objective of linex equals the solver's quadrature."""
    from nestlab.actors.costs import expected_cost_quadrature
    from nestlab.actors.policy import _quadrature_expected_cost

    rng = np.random.default_rng(0)
    la, mu = rng.normal(0.5, 0.5, 50), rng.normal(0.5, 0.5, 50)
    sd, sr, c = rng.uniform(0.01, 0.5, 50), rng.uniform(0.01, 0.5, 50), rng.uniform(0.05, 1.5, 50)
    ref = expected_cost_quadrature("linex", la, mu, sd, sr, {"c": c})
    t = [torch.tensor(v, dtype=torch.float64) for v in (la, mu, sd, sr, c)]
    got = _quadrature_expected_cost("linex", *t[:4], {"c": t[4]}).numpy()
    np.testing.assert_allclose(got, ref, rtol=1e-8)
