import numpy as np
import pytest
import torch

from nestlab.actors.bridge import export_policy, jax_forward
from nestlab.actors.policy import PolicyNet, make_box, sample_theta


@pytest.mark.parametrize("cost", ["quadratic", "asymmetric_quadratic", "linex"])
@pytest.mark.parametrize("head", ["posterior", "reference", "generic"])
def test_torch_and_jax_agree(cost, head):
    torch.manual_seed(1)
    net = PolicyNet(cost, head=head)
    with torch.no_grad():  # random (not near-zero) last layer so the check is not trivial
        for p in net.parameters():
            p.normal_(0, 0.5)
    g = torch.Generator().manual_seed(2)
    th = sample_theta(cost, 1000, box=make_box(cost), generator=g)
    m = 0.05 + 10 * torch.rand(1000, generator=g)
    with torch.no_grad():
        a_t = net(m, th).numpy()
    a_j = np.asarray(jax_forward(export_policy(net), m.numpy(), {k: v.numpy() for k, v in th.items()}))
    assert a_j.shape == a_t.shape
    np.testing.assert_allclose(a_j, a_t, rtol=1e-5, atol=1e-5)
    assert np.std(a_t) > 0.01  # outputs vary: the comparison is not between constants


def test_jax_forward_is_differentiable():
    import jax

    net = PolicyNet("quadratic")
    jp = export_policy(net)
    th = {"sigma": 0.2, "sigma0": 0.15, "sigma_r": 0.1}
    g = jax.grad(lambda mu0: jax_forward(jp, 2.0, {**th, "mu0": mu0}))(1.5)
    assert np.isfinite(float(g)) and float(g) != 0.0
