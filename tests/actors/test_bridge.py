import numpy as np
import pytest
import torch

from nestlab.actors.bridge import export_policy, jax_forward
from nestlab.actors.policy import PolicyNet, make_box, sample_theta

# Float32 rounding differs between CPUs and libraries (FMA, summation order, exp/log kernels);
# through a few layers and an exponential output of up to ~1e10 it reaches ~1e-5 relative. The
# check is therefore against a float64 evaluation of the same weights: each float32
# implementation must sit within a bound derived from float32's epsilon, which holds on any
# x86-64, while a real mismatch of the two implementations is off by orders of magnitude more.
_EPS32 = float(np.finfo(np.float32).eps)


def _float32_bound(reference: np.ndarray) -> np.ndarray:
    # relative error of exp(z) is ~|z| * eps per rounding; allow 64 roundings' worth
    return 64 * _EPS32 * (1.0 + np.abs(np.log(np.abs(reference) + 1e-30))) * np.abs(reference) + 1e-6


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
        net64 = PolicyNet(cost, head=head).double()
        net64.load_state_dict({k: v.double() for k, v in net.state_dict().items()})
        a_64 = net64(m.double(), {k: v.double() for k, v in th.items()}).numpy()
    a_j = np.asarray(jax_forward(export_policy(net), m.numpy(), {k: v.numpy() for k, v in th.items()}))
    assert a_j.shape == a_t.shape == a_64.shape
    bound = _float32_bound(a_64)
    assert np.all(np.abs(a_t - a_64) <= bound), np.max(np.abs(a_t - a_64) / bound)
    assert np.all(np.abs(a_j - a_64) <= bound), np.max(np.abs(a_j - a_64) / bound)
    assert np.std(a_t) > 0.01  # outputs vary: the comparison is not between constants


def test_jax_forward_is_differentiable():
    import jax

    net = PolicyNet("quadratic")
    jp = export_policy(net)
    th = {"sigma": 0.2, "sigma0": 0.15, "sigma_r": 0.1}
    g = jax.grad(lambda mu0: jax_forward(jp, 2.0, {**th, "mu0": mu0}))(1.5)
    assert np.isfinite(float(g)) and float(g) != 0.0
