"""Bayesian actors, amortized policies and inverse decision-making.

Straub, Niehues, Peters, Rothkopf — *Inverse decision-making using neural amortized Bayesian
actors* (arXiv 2409.03710, ICLR 2025); spec ``shared/spec/bayesian-actors.md``.

Modules: :mod:`~nestlab.actors.models` (the log-normal actor), :mod:`~nestlab.actors.costs`
(the seven cost families, closed forms, numerical solver), :mod:`~nestlab.actors.policy`
(torch policy network, unsupervised training, cache), :mod:`~nestlab.actors.bridge`
(torch -> JAX), :mod:`~nestlab.actors.inference` (numpyro NUTS), :mod:`~nestlab.actors.plots`.

Importing this package asks JAX for several CPU "host devices" (so NUTS chains can run in
parallel) — only if JAX has not started its backend yet and ``XLA_FLAGS`` does not already set
the count. The number is ``$NESTLAB_HOST_DEVICES`` or 4 (the default number of chains). At
the same time it asks XLA to skip LLVM's expensive optimisation passes, which halves the CPU
compile time of a NUTS program (set ``NESTLAB_XLA_FAST_COMPILE=0`` to keep them).
Nothing heavy runs at import.
"""

from __future__ import annotations

import os
import sys


def _configure_host_devices() -> None:
    flags = os.environ.get("XLA_FLAGS", "")
    if "xla_force_host_platform_device_count" in flags:
        return
    if "jax" in sys.modules:
        try:
            from jax._src import xla_bridge

            if getattr(xla_bridge, "_backends", None):
                return  # backend already initialised: too late to change the device count
        except ImportError:  # pragma: no cover - private API moved
            return
    n = int(os.environ.get("NESTLAB_HOST_DEVICES", "4"))
    flags += f" --xla_force_host_platform_device_count={n}"
    if os.environ.get("NESTLAB_XLA_FAST_COMPILE", "1") != "0" and "expensive_passes" not in flags:
        # NUTS programs are large and run briefly: skipping LLVM's expensive passes halves XLA's
        # CPU compile time (measured 30 s -> 14 s for one fit on a loaded 2-core machine)
        flags += " --xla_llvm_disable_expensive_passes=true"
    os.environ["XLA_FLAGS"] = flags.strip()


_configure_host_devices()

from nestlab.actors.costs import COSTS, cost_value, get_cost, optimal_action  # noqa: E402
from nestlab.actors.models import ActorParams, posterior, response_law, simulate  # noqa: E402


def __getattr__(name: str):
    """Lazy access to the torch/numpyro-heavy parts (``fit``, ``load_policy``, ...)."""
    lazy = {"fit": "inference", "load_policy": "policy", "train_policy": "policy",
            "TrainConfig": "policy", "export_policy": "bridge", "jax_forward": "bridge"}
    if name in lazy:
        import importlib

        return getattr(importlib.import_module(f"nestlab.actors.{lazy[name]}"), name)
    raise AttributeError(f"module 'nestlab.actors' has no attribute {name!r}")


__all__ = ["COSTS", "ActorParams", "TrainConfig", "cost_value", "export_policy", "fit",
           "get_cost", "jax_forward", "load_policy", "optimal_action", "posterior",
           "response_law", "simulate", "train_policy"]
