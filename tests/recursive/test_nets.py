import math

import pytest
import torch

from nestlab.recursive.nets import BatchedMLP, squashed_sample


def test_batched_mlp_equals_separate_networks():
    net = BatchedMLP(10, [3, 8, 8, 2], generator=torch.Generator().manual_seed(0))
    x = torch.randn(10, 5, 3)
    out = net(x)
    assert out.shape == (10, 5, 2)
    for j in range(10):
        single = net.select([j])
        torch.testing.assert_close(single(x[j:j + 1])[0], out[j])
        # and the same as a plain torch.nn.Sequential with those weights
        layers = []
        for i, (w, b) in enumerate(zip(single.weights, single.biases, strict=True)):
            lin = torch.nn.Linear(w.shape[1], w.shape[2])
            with torch.no_grad():
                lin.weight.copy_(w[0].T)
                lin.bias.copy_(b[0, 0])
            layers += [lin] + ([torch.nn.ReLU()] if i < 2 else [])
        torch.testing.assert_close(torch.nn.Sequential(*layers)(x[j]), out[j])


def test_stack_and_detached_params():
    a = BatchedMLP(2, [1, 4, 1], generator=torch.Generator().manual_seed(1))
    b = BatchedMLP(3, [1, 4, 1], generator=torch.Generator().manual_seed(2))
    s = BatchedMLP.stack([a, b])
    x = torch.randn(5, 7, 1)
    torch.testing.assert_close(s(x), torch.cat([a(x[:2]), b(x[2:])], 0))
    y = s(x, s.detached())
    assert not y.requires_grad
    with pytest.raises(ValueError, match="same sizes"):
        BatchedMLP.stack([a, BatchedMLP(1, [1, 3, 1])])
    with pytest.raises(ValueError, match="n_agents"):
        BatchedMLP(0, [1, 1])


def test_squashed_sample_log_prob_is_a_density():
    # 1-d: integrate exp(log p) over (-1, 1) numerically via change of variables
    mean, log_std = torch.tensor([[0.3]]), torch.tensor([[-0.5]])
    eps = torch.linspace(-8, 8, 20001)[:, None]
    a, logp = squashed_sample(mean.expand(len(eps), 1), log_std.expand(len(eps), 1), eps)
    # density of a in (-1, 1): sort and integrate with the trapezoid rule
    order = torch.argsort(a[:, 0])
    total = torch.trapezoid(logp[order, 0].exp(), a[order, 0])
    assert total.item() == pytest.approx(1.0, abs=2e-3)
    # far tails stay finite (stable log(1 - tanh^2))
    _, lp = squashed_sample(torch.tensor([[30.0]]), torch.tensor([[0.0]]), torch.tensor([[0.0]]))
    assert math.isfinite(lp.item())
