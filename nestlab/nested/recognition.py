"""Recognition networks (Jha et al. 2024, Sec. 4.2): recurrent proposals ``q_t(h | history_{<=t})``.

A GRU reads the per-step features of an episode and a linear head gives logits over the
hypotheses at *every* step (the autoregressive factorisation that makes online inference at
any step possible). Training on simulated full-length episodes:

* ``loss="kl"``: ``sum_t KL(p_EI,t || q_t)`` with soft targets from exact enumeration (the paper's
  objective L(phi, l));
* ``loss="nll"``: ``-sum_t log q_t(h_true)`` on the true labels (the "ToMnet"-style baseline).

:func:`fit_recognition` fits one network; :func:`train_recognition` fits it or loads it through
:func:`nestlab.cache.load_or_build` (tensors only, namespace version :data:`CACHE_VERSION`). Online,
:class:`OnlineGRU` steps the trained GRU in numpy one step at a time (no per-call torch overhead).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from typing import NamedTuple

import numpy as np
import torch
from torch import nn
from tqdm.auto import trange

from nestlab import checks
from nestlab.cache import CacheEntry, load_or_build

__all__ = ["CACHE_VERSION", "LOSSES", "TRAIN_THREADS", "OnlineGRU", "RecognitionNet",
           "TrainingSet", "advance_pair", "fit_recognition", "level1_outputs", "level2_inputs", "net_from_state",
           "pad", "torch_threads", "train_recognition"]

LOSSES = ("kl", "nll")
#: code version of the trained networks (part of every cache key). "2": training always runs on
#: one torch thread (bitwise reproducible whatever the caller's thread setting; measured: the
#: same seed on 4 threads gave other weights than on 1 or 2), and the key names the torch version
CACHE_VERSION = "2"
TRAIN_THREADS = 1


class RecognitionNet(nn.Module):
    """GRU over per-step features + linear head over ``n_hyp`` hypotheses."""

    def __init__(self, n_features: int, n_hyp: int, *, hidden: int = 64) -> None:
        w = "RecognitionNet"
        checks.integer("n_features", n_features, min=1, where=w)
        checks.integer("n_hyp", n_hyp, min=2, where=w)
        checks.integer("hidden", hidden, min=1, where=w)
        super().__init__()
        self.gru = nn.GRU(n_features, hidden, batch_first=True)
        self.head = nn.Linear(hidden, n_hyp)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Log-probabilities ``log q_t`` for every step: (batch, T, n_hyp)."""
        h, _ = self.gru(x)
        return torch.log_softmax(self.head(h), dim=-1)


class TrainingSet(NamedTuple):
    """Padded training tensors.

    Attributes:
        x: (N, T, F) features; mask: (N, T) valid steps; soft: (N, T, n_hyp) EI posteriors;
        labels: (N,) true hypotheses.
    """

    x: np.ndarray
    mask: np.ndarray
    soft: np.ndarray
    labels: np.ndarray


def pad(features: list[np.ndarray], soft: list[np.ndarray], labels: list[int]) -> TrainingSet:
    """Stack variable-length episodes into padded arrays."""
    features = checks.sequence("features", features, min_len=1)
    soft = checks.sequence("soft", soft, min_len=len(features), max_len=len(features))
    labels = checks.array("labels", labels, ndim=1, dtype="int", min=0, shape=(len(features),))
    for i, (f, p) in enumerate(zip(features, soft, strict=True)):
        f = checks.array(f"features[{i}]", f, ndim=2, shape=(None, np.shape(features[0])[1]),
                         min_size=0)
        checks.array(f"soft[{i}]", p, shape=(f.shape[0], np.shape(soft[0])[1]), min=0, max=1 + 1e-6,
                     min_size=0)
    n, tmax = len(features), max(f.shape[0] for f in features)
    nf, nh = features[0].shape[1], soft[0].shape[1]
    x = np.zeros((n, tmax, nf), np.float32)
    s = np.zeros((n, tmax, nh), np.float32)
    m = np.zeros((n, tmax), bool)
    for i, (f, p) in enumerate(zip(features, soft, strict=True)):
        x[i, : len(f)], s[i, : len(f)], m[i, : len(f)] = f, p, True
    return TrainingSet(x, m, s, np.asarray(labels, dtype=np.int64))


@contextlib.contextmanager
def torch_threads(n: int) -> Iterator[None]:
    """Run the block on ``n`` torch intra-op threads, restoring the caller's setting after.

    CPU reductions split over threads sum in a thread-dependent order, so the same seed gives
    other weights on another thread count; training inside ``torch_threads(TRAIN_THREADS)`` makes
    a seeded fit repeat bit for bit on any machine setting (same torch build and CPU kind).
    """
    n = checks.integer("n", n, min=1)
    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _check_settings(loss, hidden, epochs, seed) -> None:
    """The training settings :func:`fit_recognition` and :func:`train_recognition` share."""
    checks.choice("loss", loss, LOSSES)
    checks.integer("hidden", hidden, min=1)
    checks.integer("epochs", epochs, min=1)
    checks.integer("seed", seed, min=0)


def fit_recognition(data: TrainingSet, *, loss: str = "kl", hidden: int = 64, epochs: int = 40,
                    batch_size: int = 64, lr: float = 3e-3, seed: int = 0,
                    progress: bool = False) -> tuple[dict[str, torch.Tensor], dict]:
    """Fit a :class:`RecognitionNet` (no cache); returns ``(state_dict, info)`` for the cache.

    The fit runs on :data:`TRAIN_THREADS` torch thread(s) whatever the caller set
    (:func:`torch_threads`): a seeded fit gives the same weights bit for bit.

    Raises:
        ValueError, TypeError: unknown ``loss``; non-positive sizes, epochs or ``lr``; ``data`` not
            a :class:`TrainingSet` of consistent shapes with at least one valid step.
    """
    _check_settings(loss, hidden, epochs, seed)
    checks.instance("data", data, TrainingSet)
    checks.integer("batch_size", batch_size, min=1)
    checks.real("lr", lr, min=0, inclusive=(False, True))
    x = checks.array("data.x", data.x, ndim=3)
    checks.array("data.mask", data.mask, dtype="bool", shape=x.shape[:2])
    checks.array("data.soft", data.soft, ndim=3, shape=(*x.shape[:2], None), min=0, max=1 + 1e-6)
    checks.array("data.labels", data.labels, ndim=1, dtype="int", shape=(x.shape[0],), min=0,
                 max=data.soft.shape[2] - 1)
    if not np.any(data.mask):
        raise ValueError("invalid data.mask: no valid step in any episode; valid: at least one "
                         "True entry (a training set of empty episodes has no loss)")
    with torch_threads(TRAIN_THREADS):
        return _fit(data, loss=loss, hidden=hidden, epochs=epochs, batch_size=batch_size,
                    lr=lr, seed=seed, progress=progress)


def _fit(data: TrainingSet, *, loss: str, hidden: int, epochs: int, batch_size: int, lr: float,
         seed: int, progress: bool) -> tuple[dict[str, torch.Tensor], dict]:
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    n, _, nf = data.x.shape
    nh = data.soft.shape[2]
    net = RecognitionNet(nf, nh, hidden=hidden)
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    x, mask = torch.from_numpy(data.x), torch.from_numpy(data.mask).float()
    soft, labels = torch.from_numpy(data.soft), torch.from_numpy(data.labels)
    ent = (soft * torch.log(soft.clamp_min(1e-12))).sum(-1)  # target entropy term of the KL
    curve: list[float] = []
    t0 = time.perf_counter()
    for _ in trange(epochs, desc=f"train q ({loss})", disable=not progress, leave=False):
        perm = rng.permutation(n)
        total = 0.0
        for start in range(0, n, batch_size):
            b = torch.from_numpy(perm[start:start + batch_size])
            logq = net(x[b])
            if loss == "kl":
                per_step = ent[b] - (soft[b] * logq).sum(-1)
            else:
                lab = labels[b][:, None, None].expand(-1, logq.shape[1], 1)
                per_step = -logq.gather(-1, lab).squeeze(-1)
            obj = (per_step * mask[b]).sum() / mask[b].sum()
            opt.zero_grad()
            obj.backward()
            opt.step()
            total += float(obj.detach()) * len(b)
        curve.append(total / n)
    info = {"loss_curve": curve, "train_seconds": time.perf_counter() - t0,
            "n_episodes": n, "n_features": nf, "n_hyp": nh, "hidden": hidden}
    info["train_threads"] = torch.get_num_threads()
    return {k: v.detach().clone() for k, v in net.state_dict().items()}, info


def train_recognition(data_fn: Callable[[], TrainingSet], config: dict, *, loss: str,
                      hidden: int, epochs: int, seed: int, namespace: str, cache: bool = True,
                      progress: bool = False) -> CacheEntry:
    """Train a recognition network (:func:`fit_recognition`) or load it from the cache.

    Args:
        data_fn: zero-argument callable returning a :class:`TrainingSet` (called on a miss only).
        config: everything that determines the training data (domain, agents, sizes, seeds).
        loss, hidden, epochs, seed: training settings (part of the cache key).
        namespace: cache namespace, e.g. ``"nested.construction.level2"``.
        cache: ``False`` retrains and overwrites the cached entry.

    Returns:
        The :class:`nestlab.cache.CacheEntry`.

    Raises:
        ValueError, TypeError: ``data_fn`` not callable, ``config`` not a mapping, an unknown
            ``loss``, non-positive sizes or a negative seed.
    """
    if not callable(data_fn):
        raise TypeError(f"invalid type for data_fn: {type(data_fn).__name__}; valid types: a "
                        "zero-argument callable returning a TrainingSet")
    config = checks.mapping("config", config)
    _check_settings(loss, hidden, epochs, seed)
    checks.boolean("cache", cache)
    # the torch version is part of the key: another build may sum in another order
    key = dict(config, loss=loss, hidden=hidden, epochs=epochs, train_seed=seed,
               torch=torch.__version__.split("+")[0])

    def build():
        return fit_recognition(data_fn(), loss=loss, hidden=hidden, epochs=epochs, seed=seed,
                               progress=progress)

    return load_or_build(namespace, key, build, version=CACHE_VERSION, rebuild=not cache)


_GRU_KEYS = ("gru.weight_ih_l0", "gru.weight_hh_l0", "gru.bias_ih_l0", "gru.bias_hh_l0",
             "head.weight", "head.bias")


class OnlineGRU:
    """Numpy re-implementation of the trained GRU + head, stepped one observation at a time.

    Args:
        state_dict: tensors of a :class:`RecognitionNet` (e.g. ``CacheEntry.tensors``).
    """

    def __init__(self, state_dict: dict[str, torch.Tensor]) -> None:
        state_dict = checks.mapping("state_dict", state_dict, required=_GRU_KEYS, where="OnlineGRU")
        for k in _GRU_KEYS:
            checks.instance(f"state_dict[{k!r}]", state_dict[k], torch.Tensor, where="OnlineGRU")
        g = {k: v.detach().cpu().double().numpy() for k, v in state_dict.items()}
        self.w_ih, self.w_hh = g["gru.weight_ih_l0"], g["gru.weight_hh_l0"]
        self.b_ih, self.b_hh = g["gru.bias_ih_l0"], g["gru.bias_hh_l0"]
        self.w_out, self.b_out = g["head.weight"], g["head.bias"]
        self.hidden = self.w_hh.shape[1]
        self.n_in = self.w_ih.shape[1]
        self.n_hyp = self.w_out.shape[0]
        self.info: dict = {}
        self.reset()

    @classmethod
    def from_entry(cls, entry: CacheEntry) -> OnlineGRU:
        """The stepper of a cached network (:func:`train_recognition`), its ``info`` the training
        record plus ``cache_hit``."""
        checks.instance("entry", entry, CacheEntry, where="OnlineGRU.from_entry")
        net = cls(entry.tensors)
        net.info = dict(entry.info, cache_hit=entry.hit)
        return net

    def reset(self) -> None:
        self.h = np.zeros(self.hidden)

    def step(self, x: np.ndarray) -> np.ndarray:
        """Consume one step's features; return ``log q_t`` over hypotheses."""
        x = checks.array("x", x, shape=(self.n_in,), where="OnlineGRU.step")
        return self.advance(x)

    def advance(self, x: np.ndarray) -> np.ndarray:
        """:meth:`step` without the argument check (``x``: float (n_in,), checked by the caller).

        The GRU cell of :class:`torch.nn.GRU` in float64, written with in-place ufuncs (the same
        operations in the same order as the textbook form, fewer temporaries).
        """
        gi = self.w_ih @ x
        gi += self.b_ih
        gh = self.w_hh @ self.h
        gh += self.b_hh
        self.h = _gru_cell(gi, gh, self.h, self.hidden)
        return self._readout(self.h)

    def _readout(self, h: np.ndarray) -> np.ndarray:
        """``log q`` of the head on hidden state ``h`` (a log-softmax of its logits)."""
        logits = self.w_out @ h
        logits += self.b_out
        logits -= logits.max()
        return logits - np.log(np.exp(logits).sum())


def _gru_cell(gi: np.ndarray, gh: np.ndarray, h_prev, hidden: int) -> np.ndarray:
    """The new hidden state of :class:`torch.nn.GRU`'s cell from the input and hidden
    pre-activations ``gi``, ``gh`` (..., 3 hidden; gates r, z, n) and the previous state ``h_prev``
    (..., hidden): one network (1-d) or several stacked (2-d), element-wise the same operations
    in the same order, so every row is bit for bit what a single network gives."""
    H2 = 2 * hidden
    rz = gi[..., :H2] + gh[..., :H2]                    # reset and update gates: sigmoid
    np.negative(rz, out=rz)
    np.exp(rz, out=rz)
    rz += 1.0
    np.divide(1.0, rz, out=rz)
    r, z = rz[..., :hidden], rz[..., hidden:]
    n = r * gh[..., H2:]                                # candidate: tanh(gi_n + r * gh_n)
    n += gi[..., H2:]
    np.tanh(n, out=n)
    h = 1.0 - z                                         # h' = (1 - z) n + z h
    h *= n
    h += z * h_prev
    return h


def advance_pair(net1: OnlineGRU, net2: OnlineGRU, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(net1.advance(x), net2.advance(x))`` with the two GRU cells' gate arithmetic in one pass.

    Both networks read the same step features (a level-2 network not conditioned on level 1) and
    have the same width: the four matrix-vector products stay separate, the element-wise gate
    operations run once on the two networks' stacked rows (numpy's element-wise loops give each
    element the same result wherever it sits in an array, so both outputs and hidden states equal
    two :meth:`OnlineGRU.advance` calls bit for bit; the online loop's test checks it). Other
    pairs fall back to two calls.
    """
    H = net1.hidden
    if net2.hidden != H or net1.n_in != x.size or net2.n_in != x.size:
        return net1.advance(x), net2.advance(x)
    gi = np.empty((2, 3 * H))
    gh = np.empty((2, 3 * H))
    np.dot(net1.w_ih, x, out=gi[0])
    np.dot(net2.w_ih, x, out=gi[1])
    np.dot(net1.w_hh, net1.h, out=gh[0])
    np.dot(net2.w_hh, net2.h, out=gh[1])
    gi += _stacked(net1, net2, "b_ih")
    gh += _stacked(net1, net2, "b_hh")
    h = _gru_cell(gi, gh, np.stack([net1.h, net2.h]), H)
    net1.h, net2.h = h[0], h[1]
    return net1._readout(h[0]), net2._readout(h[1])


def _stacked(net1: OnlineGRU, net2: OnlineGRU, name: str) -> np.ndarray:
    """The two networks' ``name`` vectors stacked (2, n), memoised on ``net1`` per partner."""
    memo = net1.__dict__.setdefault("_stacked", {})
    key = (id(net2), name)
    if key not in memo or memo[key][0] is not net2:
        memo[key] = (net2, np.stack([getattr(net1, name), getattr(net2, name)]))
    return memo[key][1]


def level2_inputs(x: np.ndarray, log_q1: np.ndarray) -> np.ndarray:
    """Inputs of a level-2 network conditioned on level-1 amortized inference.

    The step features ``x`` followed by the level-1 network's posterior ``q1_t`` over Alice's
    goals (probabilities): the higher level reads the lower level's amortized belief (Jha et al.
    2024, Sec. 4.2: recognition models at each level, the higher depending on the lower). Works on
    one step ``(F,)`` / ``(|G|,)`` or on padded batches ``(N, T, F)`` / ``(N, T, |G|)``.
    """
    return np.concatenate([x, np.exp(log_q1)], axis=-1)


def level1_outputs(state_dict: dict[str, torch.Tensor], x: np.ndarray) -> np.ndarray:
    """A trained level-1 network's ``log q1_t`` at every step of padded features (N, T, F)."""
    net = net_from_state(state_dict)
    with torch.no_grad():
        return net(torch.from_numpy(np.asarray(x, dtype=np.float32))).numpy()


def net_from_state(state_dict: dict[str, torch.Tensor]) -> RecognitionNet:
    """Rebuild a torch :class:`RecognitionNet` from cached tensors."""
    nh, hidden = state_dict["head.weight"].shape
    nf = state_dict["gru.weight_ih_l0"].shape[1]
    net = RecognitionNet(nf, nh, hidden=hidden)
    net.load_state_dict(state_dict)
    return net
