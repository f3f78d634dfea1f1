"""Building and checking ``arviz.InferenceData`` the suite's way (spec Sec. 4: every fit is one).

Functions here take an InferenceData first and keyword-only options after it; the other
diagnostics modules validate their ``idata`` and ``var_names`` through :func:`require_groups`
and :func:`check_var_names`, and read draws through :func:`flat_draws`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from nestlab import checks
from nestlab.diagnostics.backend import import_arviz

__all__ = ["MAX_PARAMETER_SIZE", "RESPONSE", "STIMULUS", "check_var_names", "draw_columns",
           "element_labels", "flat_draws", "parameter_names", "require_groups",
           "to_inference_data"]

#: default names of the observed response and of the stimulus (``constant_data``): those of the
#: actors' models (``nestlab.actors.inference``); other models pass their own
RESPONSE = "r"
STIMULUS = "s"
#: a posterior variable with more elements per draw than this is a per-trial latent, not a
#: parameter (the actors' per-trial measurements ``m``), and is left out of the reports
MAX_PARAMETER_SIZE = 8


def require_groups(idata: Any, *groups: str, name: str = "idata") -> Any:
    """``idata`` if it is an InferenceData-like object holding every group in ``groups``.

    Raises:
        TypeError: ``idata`` has no ``groups()`` (not an InferenceData).
        ValueError: a required group is missing (naming it and the groups present).
    """
    if not callable(getattr(idata, "groups", None)) or not hasattr(idata, "posterior") \
            and "posterior" in groups:
        raise TypeError(f"invalid type for {name}: {type(idata).__name__} "
                        f"({checks.describe(idata)}); valid types: arviz.InferenceData")
    checks.members(name, idata.groups(), groups, what="group",
                   valid="an InferenceData with groups " + ", ".join(groups))
    return idata


def _is_parameter(values: Any) -> bool:
    return values.ndim == 2 or (values.ndim == 3 and values.shape[2] <= MAX_PARAMETER_SIZE)


def parameter_names(idata: Any) -> list[str]:
    """The posterior's parameter variables (per-trial latents excluded)."""
    post = require_groups(idata, "posterior").posterior
    return [v for v in post.data_vars if _is_parameter(post[v])]


def check_var_names(idata: Any, var_names: Any, *, group: str = "posterior",
                    name: str = "var_names") -> list[str]:
    """``var_names`` checked against the variables of ``group`` (``None``: every parameter).

    Raises:
        TypeError: not a string or a list of strings.
        ValueError: a name that is not a variable of ``group`` (the valid ones listed).
    """
    if var_names is None:
        return parameter_names(idata)
    if isinstance(var_names, str):
        var_names = [var_names]
    return checks.choices(name, var_names, list(getattr(idata, group).data_vars))


def element_labels(name: str, size: int) -> list[str]:
    """Column labels of a variable with ``size`` elements per draw: ``name`` or ``name[j]``."""
    return [name] if size == 1 else [f"{name}[{j}]" for j in range(size)]


def draw_columns(name: str, values: Any) -> dict[str, np.ndarray]:
    """``{label: draws}`` of one variable's ``(chain, draw, ...)`` values, chains pooled."""
    arr = np.asarray(values, dtype=float)
    arr = arr.reshape(arr.shape[0] * arr.shape[1], -1)
    return dict(zip(element_labels(name, arr.shape[1]), arr.T, strict=True))


def flat_draws(idata: Any, var_names: Sequence[str] | None = None, *, group: str = "posterior",
               log: bool = True) -> pd.DataFrame:
    """One column per parameter element (``log a`` / ``a[1]`` ...), one row per draw of ``group``."""
    names = check_var_names(idata, var_names, group=group)
    ds = getattr(idata, group)
    cols = {}
    for v in names:
        for label, x in draw_columns(v, ds[v].values).items():
            cols[f"log {label}" if log else label] = np.log(x) if log else x
    return pd.DataFrame(cols)


def to_inference_data(*, posterior: Mapping[str, np.ndarray], dims: Mapping[str, list] | None = None,
                      attrs: Mapping[str, Any] | None = None, **groups: Any):
    """``arviz.from_dict`` with the suite's conventions (JSON-encoded non-scalar attributes).

    Args:
        posterior: ``{name: array (chain, draw, ...)}``.
        dims: dimension names of each variable beyond (chain, draw).
        attrs: attributes stored on every group (dicts/lists are JSON-encoded).
        **groups: further groups (``sample_stats``, ``log_likelihood``, ``log_prior``, ``prior``,
            ``prior_predictive``, ``posterior_predictive``, ``observed_data``, ``constant_data``).

    Raises:
        TypeError: ``posterior``, ``dims`` or ``attrs`` not a mapping.
        ValueError: a posterior variable with fewer than two dimensions.
    """
    checks.mapping("posterior", posterior)
    for k, v in dict(posterior).items():
        arr = checks.array(f"posterior[{k!r}]", v, finite=False)
        if arr.ndim < 2:
            raise ValueError(f"invalid posterior[{k!r}]: shape {arr.shape}; valid: an array "
                             "(chain, draw, ...) of at least 2 dimensions")
    if dims is not None:
        checks.mapping("dims", dims)
    if attrs is not None:
        checks.mapping("attrs", attrs)
    az = import_arviz()
    clean = {k: (v if isinstance(v, str | int | float | bool) else json.dumps(v))
             for k, v in dict(attrs or {}).items()}
    dims = {k: v for k, v in dict(dims or {}).items() if v}
    log_prior = groups.pop("log_prior", None)
    idata = az.from_dict(posterior=dict(posterior), dims=dims, attrs=clean, **groups)
    if log_prior is not None:  # from_dict has no log_prior group: build it as a posterior
        lp = az.from_dict(posterior=dict(log_prior)).posterior  # one scalar per site
        idata.add_groups(log_prior=lp)
    for group in idata.groups():
        idata[group].attrs.update(clean)
    return idata
