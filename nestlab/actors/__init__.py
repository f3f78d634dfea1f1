"""Bayesian actors, amortized policies and inverse decision-making.

Straub, Niehues, Peters, Rothkopf — *Inverse decision-making using neural amortized Bayesian
actors* (arXiv 2409.03710, ICLR 2025); spec ``shared/spec/bayesian-actors.md``.

Modules: :mod:`~nestlab.actors.models` (the log-normal actor), :mod:`~nestlab.actors.costs`
(the seven cost families, closed forms, numerical solver), :mod:`~nestlab.actors.policy`
(torch policy network, unsupervised training, cache), :mod:`~nestlab.actors.bridge`
(torch -> JAX), :mod:`~nestlab.actors.inference` (numpyro NUTS), :mod:`~nestlab.actors.plots`.

JAX's CPU "host devices" (so NUTS chains run in parallel) are set by :func:`configure`, the
public equivalent of ``numpyro.set_host_device_count``: ``$NESTLAB_HOST_DEVICES`` or 4 devices
(the default number of chains), plus XLA's fast-compile flag (``NESTLAB_XLA_FAST_COMPILE=0``
keeps LLVM's expensive passes). Importing the package calls it unless ``XLA_FLAGS`` sets a
count already (once JAX's backend has started the flags no longer change anything, which is
why no private JAX API is needed to detect it); nothing heavy runs at import.
"""

from __future__ import annotations

import os
import sys


def configure(host_devices: int | None = None, *, fast_compile: bool | None = None) -> bool:
    """Ask XLA for ``host_devices`` CPU devices (parallel NUTS chains) and fast compilation.

    Works like ``numpyro.set_host_device_count`` (it edits ``XLA_FLAGS``) without importing
    JAX, so it takes effect only if JAX has not started yet; call it before the first JAX
    computation. Returns whether JAX was still unimported (i.e. whether the setting applies).

    Args:
        host_devices: number of devices (default ``$NESTLAB_HOST_DEVICES`` or 4).
        fast_compile: skip LLVM's expensive passes (default: unless
            ``NESTLAB_XLA_FAST_COMPILE=0``) — NUTS programs are large and run briefly; measured
            30 s -> 14 s compile for one fit on a loaded 2-core machine.

    Raises:
        ValueError: ``host_devices`` < 1.
    """
    import re

    from nestlab import checks

    n = checks.integer("host_devices", int(os.environ.get("NESTLAB_HOST_DEVICES", "4"))
                       if host_devices is None else host_devices, min=1)
    fast = (os.environ.get("NESTLAB_XLA_FAST_COMPILE", "1") != "0" if fast_compile is None
            else checks.boolean("fast_compile", fast_compile))
    flags = re.sub(r"--xla_force_host_platform_device_count=\S+", "",
                   os.environ.get("XLA_FLAGS", "")).split()
    flags.insert(0, f"--xla_force_host_platform_device_count={n}")
    if fast and not any("expensive_passes" in f for f in flags):
        flags.append("--xla_llvm_disable_expensive_passes=true")
    os.environ["XLA_FLAGS"] = " ".join(flags)
    return "jax" not in sys.modules


if "xla_force_host_platform_device_count" not in os.environ.get("XLA_FLAGS", ""):
    configure()  # harmless if JAX's backend already started: XLA then ignores the flags

from nestlab.actors.costs import COSTS, cost_value, get_cost  # noqa: E402
from nestlab.actors.models import (  # noqa: E402
    ActorParams,
    optimal_action,
    posterior,
    response_law,
    simulate,
)


def __getattr__(name: str):
    """Lazy access to the torch/numpyro-heavy parts (``fit``, ``load_policy``, ...)."""
    lazy = {"fit": "inference", "load_policy": "policy", "train_policy": "policy",
            "TrainConfig": "policy", "export_policy": "bridge", "jax_forward": "bridge",
            "fit_hierarchical": "hierarchical", "read_trials": "userdata",
            "write_demo_csv": "userdata"}
    if name in lazy:
        import importlib

        return getattr(importlib.import_module(f"nestlab.actors.{lazy[name]}"), name)
    raise AttributeError(f"module 'nestlab.actors' has no attribute {name!r}")


__all__ = ["COSTS", "ActorParams", "TrainConfig", "configure", "cost_value", "export_policy", "fit",
           "fit_hierarchical", "get_cost", "jax_forward", "load_policy", "optimal_action", "posterior",
           "read_trials", "response_law", "simulate", "train_policy", "write_demo_csv"]
