"""Amortized policy network, trained unsupervised (paper Sec. 3; spec Sec. 3).

The network maps the actor's parameters ``theta = (sigma, sigma0, mu0, sigma_r, cost params)``
and a measurement ``m`` to the planned action ``a(m, theta)``. Training needs no solved
examples: it minimises the posterior expected cost itself (paper Eq. 5),

    L = E_{theta, s, m} E_{s' ~ p(s'|m, theta)} E_{eps} [cost(a(m, theta) exp(sigma_r eps), s')],

with reparameterised motor noise ``r = a exp(sigma_r eps)`` and posterior samples
``s' = exp(mu_post + sigma_post z)``. Any positive per-item weight leaves each item's minimiser
unchanged, so each item's cost is divided by ``exp(degree * mu_post)`` to give every region of
the box a comparable share of the gradient. Linex is the exception: under log-normal noise its
expected cost is dominated by far tails (it is formally infinite; the exponent is clipped at 30),
so Monte-Carlo gradients are hopelessly heavy-tailed; it is trained on the exact expected cost
by rotated quadrature (:func:`expected_loss_quadrature`), self-normalised per item. The same
helps absolute + effort a little (:data:`QUADRATURE_TRAINED`). The Monte-Carlo draws are
stratified (Latin hypercube over the normal quantiles), which lowers the gradient noise at no
bias.

Heads (``head=``):

* ``"posterior"`` (default): ``log a = mu_post(m, theta) + y``, with the MLP's output ``y`` a
  function of ``(theta, sigma_post)`` only for costs homogeneous in ``(r, s)`` (then a* is exactly
  ``exp(mu_post) g(theta)``, and the MLP runs once per theta, not once per trial) and also of
  ``mu_post`` for the others;
* ``"reference"``: the paper's analytic-shaped head ``a = softplus(softplus(y0) m^sigmoid(y1) + y2)``
  on an MLP of theta;
* ``"generic"``: an MLP of ``(theta, log m)`` that outputs ``log a`` (the ablation).

Networks are stored with :func:`nestlab.cache.load_or_build`, so re-running a notebook does not
retrain.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Mapping
from typing import Any, NamedTuple

import numpy as np
import torch
from torch import nn

from nestlab import checks
from nestlab.actors.costs import COSTS, check_cost_params, get_cost
from nestlab.actors.models import PARAM_NAMES, ActorParams, optimal_action

__all__ = ["CACHE_VERSION", "DEFAULT_BOX", "HEADS", "QUADRATURE_TRAINED", "TORCH_OPS", "Ops",
           "Policy", "PolicyNet", "TrainConfig", "Validation", "check_config", "evaluate_policy",
           "expected_loss", "expected_loss_quadrature", "forward", "load_policy", "m_dependent_mlp",
           "make_box", "n_inputs", "sample_theta", "theta_names", "train_policy", "validation_set"]

#: bump when the training routine or architecture changes (invalidates cached networks)
CACHE_VERSION = "1"

HEADS = ("posterior", "reference", "generic")

#: families trained on the exact expected cost by quadrature instead of Monte Carlo
#: (linex: heavy tails, 7% -> 0.6% relative RMSE; absolute_effort: 1.9% -> 1.4%, measured)
QUADRATURE_TRAINED = frozenset({"linex", "absolute_effort"})

#: default training box (spec Sec. 3)
DEFAULT_BOX: dict[str, tuple[float, float]] = {
    "sigma": (0.01, 0.5), "sigma0": (0.01, 0.5), "mu0": (0.1, 7.0), "sigma_r": (0.01, 0.5),
    "s": (0.1, 7.0),
}


@dataclasses.dataclass(frozen=True)
class TrainConfig:
    """Hyper-parameters of :func:`train_policy` (all enter the cache key).

    Validated on construction (``ValueError``/``TypeError`` naming ``config.<field>``).
    """

    n_steps: int = 3000
    batch: int = 512
    n_mc: int = 64
    lr: float = 3e-3
    lr_final: float = 1e-5
    hidden: tuple[int, ...] = (64, 64, 32)
    head: str = "posterior"
    n_val: int = 10_000
    eval_every: int = 250
    seed: int = 0

    def __post_init__(self) -> None:
        for k in ("n_steps", "batch", "n_val", "eval_every"):
            checks.integer(f"config.{k}", getattr(self, k), min=1)
        checks.integer("config.n_mc", self.n_mc, min=2)
        checks.integer("config.seed", self.seed, min=0)
        checks.real("config.lr", self.lr, min=0, inclusive=(False, True))
        checks.real("config.lr_final", self.lr_final, min=0)
        for i, h in enumerate(checks.sequence("config.hidden", self.hidden, min_len=1)):
            checks.integer(f"config.hidden[{i}]", h, min=1)
        checks.choice("config.head", self.head, HEADS)


def check_config(config: Any) -> TrainConfig:
    """``config`` (``None``: the defaults) as a :class:`TrainConfig` (validated when it was made).

    Raises:
        TypeError: not a TrainConfig.
    """
    return TrainConfig() if config is None else checks.instance("config", config, TrainConfig)


def make_box(cost: str, box: Mapping[str, tuple[float, float]] | None = None
             ) -> dict[str, tuple[float, float]]:
    """The full training box (actor parameters, stimuli, cost parameters) for ``cost``.

    Raises:
        ValueError: unknown keys, or a range that is empty or not positive.
    """
    fam = get_cost(cost)
    full = dict(DEFAULT_BOX)
    full.update({k: fam.priors[k].box for k in fam.params})
    for k, v in checks.mapping("box", {} if box is None else box, keys=full).items():
        lo, hi = checks.sequence(f"box[{k!r}]", v, min_len=2, max_len=2)
        plo, phi = fam.priors[k].box if k in fam.params else (0, None)
        lo = checks.real(f"box[{k!r}][0]", lo, min=plo, max=phi,
                         inclusive=(k in fam.params, True))
        hi = checks.real(f"box[{k!r}][1]", hi, min=lo, max=phi, inclusive=(False, True))
        full[k] = (lo, hi)
    return full


def theta_names(cost: str) -> tuple[str, ...]:
    """Names of the network's parameter inputs, in order."""
    return PARAM_NAMES + get_cost(cost).params


# ------------------------------------------------------------------ array-generic forward pass


class Ops(NamedTuple):
    """Array operations of :func:`forward` (torch here; ``jax.numpy`` in :func:`nestlab.actors.bridge.jax_ops`)."""

    exp: Any
    log: Any
    sigmoid: Any
    softplus: Any
    cat: Any
    stack: Any


TORCH_OPS = Ops(torch.exp, torch.log, torch.sigmoid, nn.functional.softplus,
                 lambda xs: torch.cat(xs, dim=-1), lambda xs: torch.stack(xs, dim=-1))


def _scale_lin(x, lo, hi):
    return 2 * (x - lo) / (hi - lo) - 1


def _scale_log(x, lo, hi, ops):
    return 2 * (ops.log(x) - math.log(lo)) / (math.log(hi) - math.log(lo)) - 1


def m_dependent_mlp(cost: str, head: str) -> bool:
    """Whether the MLP takes the measurement as an input (else it runs once per theta)."""
    return head == "generic" or (head == "posterior" and not get_cost(cost).homogeneous)


def forward(weights: Mapping[str, Any], m: Any, theta: Mapping[str, Any], *, cost: str,
            head: str, box: Mapping[str, tuple[float, float]], ops: Ops = TORCH_OPS) -> Any:
    """The policy network ``a(m, theta)`` for any array library (torch or ``jax.numpy``).

    Args:
        weights: ``{"W0", "b0", "W1", "b1", ...}`` (``W`` of shape (in, out)).
        m: measurements; theta values broadcast against it.
        theta: mapping with every name of :func:`theta_names`.
        cost, head, box: the network's configuration.
        ops: array operations (``TORCH_OPS`` or ``nestlab.actors.bridge.JAX_OPS``).

    Returns:
        planned action ``a`` with the broadcast shape of ``m`` and ``theta``.
    """
    fam = get_cost(cost)
    sig, sig0, mu0, sr = (theta[k] for k in PARAM_NAMES)
    v, v0 = sig ** 2, sig0 ** 2
    sd_post = (v * v0 / (v + v0)) ** 0.5
    feats = [_scale_lin(sig, *box["sigma"]), _scale_lin(sig0, *box["sigma0"]),
             _scale_log(mu0, *box["mu0"], ops), _scale_lin(sr, *box["sigma_r"])]
    for k in fam.params:
        pr = fam.priors[k]
        feats.append(_scale_lin(theta[k], *box[k]) if pr.kind == "uniform"
                     else _scale_log(theta[k], *box[k], ops))
    log_m = ops.log(m)
    mu_post = (v * ops.log(mu0) + v0 * log_m) / (v + v0)
    if head == "posterior":
        feats.append(4 * sd_post - 1)
        if not fam.homogeneous:
            feats.append(mu_post / 2)
    elif head == "generic":
        feats.append(log_m / 2)
    if m_dependent_mlp(cost, head):
        feats = [f + 0 * log_m for f in feats]  # broadcast every feature to m's shape
    else:
        feats = [f + 0 * sig + 0 * sig0 + 0 * mu0 + 0 * sr for f in feats]
    h = ops.stack(feats)
    n_layers = sum(1 for k in weights if k.startswith("W"))
    for i in range(n_layers):
        h = h @ weights[f"W{i}"] + weights[f"b{i}"]
        if i < n_layers - 1:
            h = h * ops.sigmoid(h)  # swish
    if head == "posterior":
        return ops.exp(mu_post + h[..., 0])
    if head == "generic":
        return ops.exp(h[..., 0])
    y0, y1, y2 = h[..., 0], h[..., 1], h[..., 2]
    return ops.softplus(ops.softplus(y0) * ops.exp(ops.sigmoid(y1) * log_m) + y2)


def n_inputs(cost: str, head: str) -> int:
    """Width of the MLP's input layer."""
    fam = get_cost(cost)
    n = 4 + len(fam.params)
    if head == "posterior":
        n += 1 + (0 if fam.homogeneous else 1)
    elif head == "generic":
        n += 1
    return n


class PolicyNet(nn.Module):
    """Torch policy network (swish MLP + head); see the module docstring."""

    def __init__(self, cost: str, *, head: str = "posterior", hidden: tuple[int, ...] = (64, 64, 32),
                 box: Mapping[str, tuple[float, float]] | None = None):
        super().__init__()
        if head not in HEADS:
            raise ValueError(f"unknown head {head!r}; valid choices: {', '.join(HEADS)}")
        self.cost, self.head, self.box = cost, head, make_box(cost, box)
        sizes = [n_inputs(cost, head), *hidden, 3 if head == "reference" else 1]
        self.layers = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:],
                                                                    strict=True))
        with torch.no_grad():  # start at the "posterior median" policy
            self.layers[-1].weight.mul_(0.1)
            self.layers[-1].bias.zero_()
            if head == "reference":
                self.layers[-1].bias.copy_(torch.tensor([0.5, 1.0, 0.0]))

    def weights(self) -> dict[str, torch.Tensor]:
        """Layer weights as ``W{i}`` (in, out) / ``b{i}``, the layout :func:`forward` expects."""
        out = {}
        for i, lin in enumerate(self.layers):
            out[f"W{i}"] = lin.weight.T
            out[f"b{i}"] = lin.bias
        return out

    def forward(self, m: torch.Tensor, theta: Mapping[str, torch.Tensor]) -> torch.Tensor:
        return forward(self.weights(), m, theta, cost=self.cost, head=self.head, box=self.box)


# ---------------------------------------------------------------------------- sampling


def sample_theta(cost: str, n: int, *, box: Mapping[str, tuple[float, float]],
                 generator: torch.Generator | None = None, dtype=torch.float32
                 ) -> dict[str, torch.Tensor]:
    """Draw ``n`` parameter vectors from the training distribution inside ``box``.

    Actor parameters are uniform in the box; cost parameters follow their family's prior
    (uniform, or log-normal truncated to the box).
    """
    fam = get_cost(cost)

    def unif(lo, hi):
        return lo + (hi - lo) * torch.rand(n, generator=generator, dtype=dtype)

    out = {k: unif(*box[k]) for k in PARAM_NAMES}
    for k in fam.params:
        pr, (lo, hi) = fam.priors[k], box[k]
        if pr.kind == "uniform":
            out[k] = unif(lo, hi)
        else:  # truncated log-normal by inverse CDF
            nd = torch.distributions.Normal(pr.a, pr.b)
            ulo = nd.cdf(torch.tensor(math.log(lo)))
            uhi = nd.cdf(torch.tensor(math.log(hi)))
            u = unif(float(ulo), float(uhi))
            out[k] = torch.exp(nd.icdf(u)).clamp(lo, hi).to(dtype)
    return out


def _stratified_normal(shape: tuple[int, int], generator: torch.Generator, dtype) -> torch.Tensor:
    b, m = shape
    perm = torch.argsort(torch.rand(b, m, generator=generator), dim=1)
    u = (perm.to(dtype) + torch.rand(b, m, generator=generator, dtype=dtype)) / m
    return torch.special.ndtri(u.clamp(1e-6, 1 - 1e-6))


def _log_posterior(theta: Mapping[str, torch.Tensor], m: torch.Tensor
                   ) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean and sd of ``log s | m`` (spec Sec. 1) in the training losses' own arithmetic.

    Not :func:`nestlab.actors.models.posterior`, which groups the operations differently:
    training keeps its own rounding, so a rebuilt network reproduces the cached one.
    """
    v, v0 = theta["sigma"] ** 2, theta["sigma0"] ** 2
    mu = (v * torch.log(theta["mu0"]) + v0 * torch.log(m)) / (v + v0)
    sd = (v * v0 / (v + v0)).sqrt()
    return mu, sd


def expected_loss(net: PolicyNet, theta: Mapping[str, torch.Tensor], m: torch.Tensor, *,
                  n_mc: int, generator: torch.Generator) -> torch.Tensor:
    """Normalised Monte-Carlo posterior expected cost of the network's actions (Eq. 5)."""
    fam = get_cost(net.cost)
    mu, sd = _log_posterior(theta, m)
    a = net(m, theta)
    z = _stratified_normal((m.shape[0], n_mc), generator, m.dtype)
    eps = _stratified_normal((m.shape[0], n_mc), generator, m.dtype)
    s_post = torch.exp(mu[:, None] + sd[:, None] * z)
    r = a[:, None] * torch.exp(theta["sigma_r"][:, None] * eps)
    cp = {k: theta[k][:, None] for k in fam.params}
    c = fam.fn(r, s_post, cp, torch)
    return (c * torch.exp(-fam.degree * mu)[:, None]).mean()


def _quadrature_expected_cost(cost: str, log_a: torch.Tensor, mu: torch.Tensor, sd: torch.Tensor,
                              sr: torch.Tensor, cp: Mapping[str, torch.Tensor], *, n_t: int = 12,
                              n_d: int = 10, width: float = 8.0) -> torch.Tensor:
    """Differentiable posterior expected cost by the rotated quadrature of
    :func:`nestlab.actors.costs.expected_cost_quadrature` (``d = log r - log s`` split at 0 and at
    its mean, Gauss–Legendre; the independent ``t`` by Gauss–Hermite)."""
    fam = get_cost(cost)
    tn, tw = np.polynomial.hermite_e.hermegauss(n_t)
    un, uw = np.polynomial.legendre.leggauss(n_d)
    dt = log_a.dtype
    tn, tw = torch.tensor(tn, dtype=dt), torch.tensor(tw / math.sqrt(2 * math.pi), dtype=dt)
    un, uw = torch.tensor((un + 1) / 2, dtype=dt), torch.tensor(uw / 2, dtype=dt)
    S = sd ** 2 + sr ** 2
    md, sdd = log_a - mu, S.sqrt()
    mt = (sd ** 2 * log_a + sr ** 2 * mu) / S
    sdt = (sd ** 2 * sr ** 2 / S).sqrt()
    lo, hi = md - width * sdd, md + width * sdd
    zero = torch.minimum(torch.maximum(torch.zeros_like(lo), lo), hi)
    edges = [lo, torch.minimum(zero, md), torch.maximum(zero, md), hi]
    d = torch.cat([edges[i][:, None] + (edges[i + 1] - edges[i])[:, None] * un
                   for i in range(3)], dim=1)
    dw = torch.cat([(edges[i + 1] - edges[i])[:, None] * uw for i in range(3)], dim=1)
    dens = torch.exp(-0.5 * ((d - md[:, None]) / sdd[:, None]) ** 2) / (
        sdd[:, None] * math.sqrt(2 * math.pi))
    t = mt[:, None] + sdt[:, None] * tn
    x = t[:, :, None] + (sr ** 2 / S)[:, None, None] * d[:, None, :]
    y = t[:, :, None] - (sd ** 2 / S)[:, None, None] * d[:, None, :]
    c = fam.fn(x.exp(), y.exp(), {k: v[:, None, None] for k, v in cp.items()}, torch)
    return (c * tw[None, :, None] * (dw * dens)[:, None, :]).sum(dim=(1, 2))


def expected_loss_quadrature(net: PolicyNet, theta: Mapping[str, torch.Tensor],
                             m: torch.Tensor) -> torch.Tensor:
    """Self-normalised quadrature loss for heavy-tailed costs (linex).

    Each item's exact expected cost is divided by its own detached value, so the gradient is
    ``grad E_i / E_i`` (each item's minimiser unchanged) with no Monte-Carlo noise at all —
    under log-normal noise linex's expected cost is dominated by far tails that a few dozen
    MC draws cannot see.
    """
    fam = get_cost(net.cost)
    mu, sd = _log_posterior(theta, m)
    a = net(m, theta)
    e = _quadrature_expected_cost(net.cost, torch.log(a), mu, sd, theta["sigma_r"],
                                  {k: theta[k] for k in fam.params})
    return (e / e.detach().clamp_min(1e-12)).mean()


# ---------------------------------------------------------------------------- validation


class Validation(NamedTuple):
    """Held-out accuracy of a policy against the closed form or the numerical solver."""

    relative_rmse: float
    median_relative_error: float
    worst_region: dict[str, Any]
    reference: str
    n: int


def validation_set(cost: str, *, box: Mapping[str, tuple[float, float]], n: int = 10_000,
                   seed: int = 12345) -> dict[str, np.ndarray]:
    """A held-out set of ``(theta, m)`` with the reference optimal action ``a_star``."""
    cost = get_cost(cost).name
    n = checks.integer("n", n, min=1)
    seed = checks.integer("seed", seed, min=0)
    checks.mapping("box", box, required=theta_names(cost) + ("s",))
    g = torch.Generator().manual_seed(seed)
    th = sample_theta(cost, n, box=box, generator=g, dtype=torch.float64)
    s = box["s"][0] + (box["s"][1] - box["s"][0]) * torch.rand(n, generator=g, dtype=torch.float64)
    m = s * torch.exp(th["sigma"] * torch.randn(n, generator=g, dtype=torch.float64))
    th = {k: v.numpy() for k, v in th.items()}
    fam = get_cost(cost)
    params = ActorParams(*(th[k] for k in PARAM_NAMES))
    cp = {k: th[k] for k in fam.params}
    a_star = optimal_action(cost, m.numpy(), params, cp)
    return {**th, "m": m.numpy(), "a_star": a_star}


def evaluate_policy(predict, vset: Mapping[str, np.ndarray], *, cost: str,
                    n_bins: int = 4) -> Validation:
    """Relative RMSE (RMSE / RMS of a*) and the worst region (one parameter's quantile bin).

    Args:
        predict: callable ``(m, theta_dict) -> a`` on numpy arrays.
        vset: from :func:`validation_set`.
    """
    names = theta_names(cost)
    a_hat = np.asarray(predict(vset["m"], {k: vset[k] for k in names}), dtype=float)
    a = vset["a_star"]
    err = a_hat - a
    rel = float(np.sqrt(np.mean(err ** 2)) / np.sqrt(np.mean(a ** 2)))
    worst = {"parameter": None, "range": None, "relative_rmse": -1.0}
    for k in (*names, "m"):
        edges = np.quantile(vset[k], np.linspace(0, 1, n_bins + 1))
        idx = np.clip(np.searchsorted(edges, vset[k], side="right") - 1, 0, n_bins - 1)
        for b in range(n_bins):
            sel = idx == b
            r = float(np.sqrt(np.mean(err[sel] ** 2)) / np.sqrt(np.mean(a[sel] ** 2)))
            if r > worst["relative_rmse"]:
                worst = {"parameter": k, "range": [float(edges[b]), float(edges[b + 1])],
                         "relative_rmse": r}
    ref = "closed form" if COSTS[cost].closed_form is not None else "numerical solver"
    return Validation(rel, float(np.median(np.abs(err) / a)), worst, ref, int(a.size))


def _net_predict(net: PolicyNet):
    def predict(m, theta):
        with torch.no_grad():
            t = {k: torch.tensor(np.array(v, dtype=np.float32)) for k, v in theta.items()}
            return net(torch.tensor(np.array(m, dtype=np.float32)), t).double().numpy()
    return predict


# ---------------------------------------------------------------------------- training


class Policy(NamedTuple):
    """A trained policy: the torch network plus its configuration and training record."""

    net: PolicyNet
    cost: str
    config: TrainConfig
    box: dict[str, tuple[float, float]]
    info: dict[str, Any]
    cache_hit: bool

    def __call__(self, m: Any, params: ActorParams, cost_params: Mapping[str, Any] | None = None
                 ) -> np.ndarray:
        """Planned action for numpy inputs (the ``policy`` callable of ``simulate``)."""
        cp = check_cost_params(self.cost, cost_params)
        theta = dict(zip(PARAM_NAMES, params, strict=True)) | cp
        m = np.asarray(m, dtype=float)
        theta = {k: np.broadcast_to(np.asarray(v, dtype=float), m.shape) for k, v in theta.items()}
        return _net_predict(self.net)(m, theta)


def _check_training(cost: Any, config: Any, n_threads: Any, progress: Any
                    ) -> tuple[str, TrainConfig, int]:
    """``(cost name, config, n_threads)``: the arguments :func:`train_policy` and
    :func:`load_policy` share, checked in the same order by both."""
    cost = get_cost(cost).name
    cfg = check_config(config)
    n_threads = checks.integer("n_threads", n_threads, min=1)
    checks.boolean("progress", progress)
    return cost, cfg, n_threads


def train_policy(cost: str, *, config: TrainConfig | None = None,
                 box: Mapping[str, tuple[float, float]] | None = None, n_threads: int = 1,
                 progress: bool = True, target_rmse: float | None = None,
                 validation: Mapping[str, np.ndarray] | None = None,
                 optimizer: str = "adam", stop_at_target: bool = False,
                 max_seconds: float | None = None) -> tuple[PolicyNet, dict[str, Any]]:
    """Train a policy network for ``cost`` without supervision (spec Sec. 3).

    Adam with a cosine learning-rate schedule; float32; ``torch.set_num_threads(n_threads)``
    during training. Every ``eval_every`` steps the network is validated on a fixed subset (2k)
    of the held-out set, giving the training curve (relative RMSE vs seconds).

    Args:
        cost: family name.
        config: hyper-parameters (:class:`TrainConfig`).
        box: training-box overrides (see :func:`make_box`).
        n_threads: torch threads while training.
        progress: show a tqdm progress bar.
        target_rmse: if given, also record the wall time at which the curve first reaches it.
        validation: a precomputed :func:`validation_set` (else one is built).
        optimizer: ``"adam"`` (cosine schedule from ``lr`` to ``lr_final``) or ``"rmsprop"``
            (constant ``lr``, the reference implementation's choice; for benchmarks).
        stop_at_target: stop as soon as the curve reaches ``target_rmse``.
        max_seconds: stop after this much training time (benchmarks).

    Returns:
        ``(net, info)`` with ``train_seconds``, ``curve`` (steps, seconds, relative RMSE),
        ``validation`` (final, full held-out set) and ``seconds_to_target``.
    """
    from tqdm.auto import tqdm

    cost, cfg, n_threads = _check_training(cost, config, n_threads, progress)
    target_rmse = checks.finite_or_none("target_rmse", target_rmse, min=0, inclusive=(False, True))
    checks.choice("optimizer", optimizer, ("adam", "rmsprop"))
    checks.boolean("stop_at_target", stop_at_target)
    if stop_at_target and target_rmse is None:
        raise ValueError("invalid stop_at_target True without target_rmse; valid: give "
                         "target_rmse= too")
    max_seconds = checks.finite_or_none("max_seconds", max_seconds, min=0, inclusive=(False, True))
    if validation is not None:
        checks.mapping("validation", validation, required=theta_names(cost) + ("m", "a_star"))
    full_box = make_box(cost, box)
    vset = dict(validation) if validation is not None else validation_set(
        cost, box=full_box, n=cfg.n_val)
    sub = {k: v[:2000] for k, v in vset.items()}
    prev_threads = torch.get_num_threads()
    torch.set_num_threads(n_threads)
    try:
        torch.manual_seed(cfg.seed)
        g = torch.Generator().manual_seed(cfg.seed)
        net = PolicyNet(cost, head=cfg.head, hidden=tuple(cfg.hidden), box=full_box)
        if optimizer == "adam":
            opt = torch.optim.Adam(net.parameters(), lr=cfg.lr)
            sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=cfg.n_steps,
                                                               eta_min=cfg.lr_final)
        elif optimizer == "rmsprop":
            opt = torch.optim.RMSprop(net.parameters(), lr=cfg.lr)
            sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda _: 1.0)
        else:
            raise ValueError(f"unknown optimizer {optimizer!r}; valid choices: adam, rmsprop")
        curve: list[tuple[int, float, float]] = []
        t_train = 0.0
        t_target = None
        lo_s, hi_s = full_box["s"]
        bar = tqdm(range(cfg.n_steps), desc=f"train {cost}", disable=not progress,
                   mininterval=1.0)
        for step in bar:
            t0 = time.perf_counter()
            th = sample_theta(cost, cfg.batch, box=full_box, generator=g)
            s = lo_s + (hi_s - lo_s) * torch.rand(cfg.batch, generator=g)
            m = s * torch.exp(th["sigma"] * torch.randn(cfg.batch, generator=g))
            if cost in QUADRATURE_TRAINED:
                loss = expected_loss_quadrature(net, th, m)
            else:
                loss = expected_loss(net, th, m, n_mc=cfg.n_mc, generator=g)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            nn.utils.clip_grad_norm_(net.parameters(), 10.0)
            opt.step()
            sched.step()
            t_train += time.perf_counter() - t0
            if (step + 1) % cfg.eval_every == 0 or step + 1 == cfg.n_steps:
                rel = evaluate_policy(_net_predict(net), sub, cost=cost).relative_rmse
                curve.append((step + 1, t_train, rel))
                bar.set_postfix(rel_rmse=f"{rel:.4f}")
                if target_rmse is not None and t_target is None and rel <= target_rmse:
                    t_target = t_train
                    if stop_at_target:
                        break
                if max_seconds is not None and t_train >= max_seconds:
                    break
        val = evaluate_policy(_net_predict(net), vset, cost=cost)
    finally:
        torch.set_num_threads(prev_threads)
    info = {"train_seconds": t_train, "steps": step + 1,
            "steps_per_second": (step + 1) / max(t_train, 1e-9),
            "curve": curve, "validation": val._asdict(), "seconds_to_target": t_target,
            "target_rmse": target_rmse, "n_threads": n_threads}
    return net, info


def load_policy(cost: str, *, config: TrainConfig | None = None,
                box: Mapping[str, tuple[float, float]] | None = None, n_threads: int = 1,
                progress: bool = True, cache: bool = True,
                cache_directory: str | None = None) -> Policy:
    """Return a trained policy for ``cost`` from the cache, training it on a miss.

    The cache key covers the cost, the full training box, every hyper-parameter, the seed and
    :data:`CACHE_VERSION`. ``cache=False`` retrains and overwrites the entry (the suite's
    ``train_X(..., cache=)`` convention).
    """
    from nestlab.cache import load_or_build

    cost, cfg, n_threads = _check_training(cost, config, n_threads, progress)
    checks.boolean("cache", cache)
    if cache_directory is not None:
        checks.path("cache_directory", cache_directory, must_exist=False)
    full_box = make_box(cost, box)
    key = {"cost": cost, "box": full_box, **dataclasses.asdict(cfg)}
    if cost in QUADRATURE_TRAINED:  # trained by quadrature, not MC (see the module docstring)
        key["expectation"] = "quadrature"

    def build():
        net, info = train_policy(cost, config=cfg, box=full_box, n_threads=n_threads,
                                 progress=progress, target_rmse=0.01)
        return net.state_dict(), info

    entry = load_or_build("actors.policy", key, build, version=CACHE_VERSION,
                          directory=cache_directory, rebuild=not cache)
    net = PolicyNet(cost, head=cfg.head, hidden=tuple(cfg.hidden), box=full_box)
    net.load_state_dict(entry.tensors)
    net.eval()
    return Policy(net, cost, cfg, full_box, entry.info, entry.hit)
