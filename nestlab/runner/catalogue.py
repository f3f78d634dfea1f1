"""The suite's notebooks, their declared parameters and profiles, and validated run plans.

* :func:`discover` finds ``notebooks/NN_name.ipynb`` and reads each notebook's ``parameters``
  cell — defaults and declarations (:mod:`nestlab.runner.params`).
* :func:`plan_runs` resolves names, a profile (``notebooks/profiles/<profile>.yaml``) and
  ``-p KEY VALUE`` overrides, and refuses — before any kernel starts — unknown notebooks,
  profiles and parameters, values of the wrong type and values outside a parameter's declared
  range or choices (:class:`~nestlab.runner.errors.UsageError`, CLI exit status 2).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
import yaml

from nestlab.paths import notebooks_dir
from nestlab.runner.errors import UsageError
from nestlab.runner.params import ParamSpec, check_value, parse_parameters_cell

__all__ = [
    "NOTEBOOK_RE",
    "NotebookInfo",
    "RunPlan",
    "available_profiles",
    "discover",
    "load_profile",
    "plan_runs",
    "read_notebook_info",
]

NOTEBOOK_RE = re.compile(r"^\d\d_[A-Za-z0-9_]+$")


@dataclass(frozen=True)
class NotebookInfo:
    """A notebook of the suite: its parameters (name -> default), their specs and descriptions."""

    name: str
    path: Path
    parameters: dict[str, Any]
    title: str = ""
    specs: dict[str, ParamSpec] = field(default_factory=dict)
    descriptions: dict[str, str] = field(default_factory=dict)

    def spec(self, key: str) -> ParamSpec:
        """The declared (or, if undeclared, inferred) spec of parameter ``key``."""
        return self.specs[key]


@dataclass(frozen=True)
class RunPlan:
    """A validated request to execute one notebook."""

    info: NotebookInfo
    parameters: dict[str, Any]  # only the values that differ from the notebook's own cell
    profile: str | None


def _notebook_title(nb: nbformat.NotebookNode) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("#"):
                    return line.lstrip("#").strip()
    return ""


def read_notebook_info(path: str | Path) -> NotebookInfo:
    """Read one notebook's name, parameters (the cell tagged ``parameters``) and title.

    Raises:
        ValueError: not exactly one ``parameters`` cell, or a cell that is not literals only.
        DeclarationError: a declaration outside the grammar.
    """
    path = Path(path)
    nb = nbformat.read(str(path), as_version=4)
    cells = [c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    if len(cells) != 1:
        raise ValueError(f"{path.name}: expected exactly one cell tagged 'parameters', found {len(cells)}")
    try:
        params = parse_parameters_cell(cells[0].source)
    except ValueError as exc:
        raise type(exc)(f"{path.name}: {exc}") from None
    return NotebookInfo(path.stem, path, {p.name: p.default for p in params}, _notebook_title(nb),
                        {p.name: p.spec for p in params}, {p.name: p.description for p in params})


def _folder(directory: str | Path | None) -> Path:
    return Path(directory) if directory is not None else notebooks_dir()


def discover(directory: str | Path | None = None) -> dict[str, NotebookInfo]:
    """All notebooks ``NN_name.ipynb`` of ``directory`` (default: the suite's), sorted by name.

    Raises:
        UsageError: ``directory`` is not a folder.
    """
    folder = _folder(directory)
    if not folder.is_dir():
        raise UsageError(f"invalid notebooks folder {str(folder)!r}: not a folder")
    found: dict[str, NotebookInfo] = {}
    for path in sorted(folder.glob("*.ipynb")):
        if NOTEBOOK_RE.match(path.stem):
            found[path.stem] = read_notebook_info(path)
    return found


def available_profiles(directory: str | Path | None = None) -> list[str]:
    """Profile names: the ``*.yaml`` files in ``<notebooks>/profiles``."""
    return sorted(p.stem for p in (_folder(directory) / "profiles").glob("*.yaml"))


def load_profile(profile: str, directory: str | Path | None = None) -> dict[str, dict[str, Any]]:
    """Per-notebook overrides of a profile (``{notebook: {parameter: value-as-written}}``).

    Values stay as the text of the file (lists and mappings of text): each is parsed later by
    its parameter's declared type, exactly like a ``-p`` value, so ``010`` is 10 in a profile
    too (PyYAML would read YAML 1.1: 8).

    Raises:
        UsageError: an unknown profile, or a file that is not valid YAML of that shape.
    """
    folder = _folder(directory)
    choices = available_profiles(folder)
    if not isinstance(profile, str) or profile not in choices:
        raise UsageError(f"unknown profile {profile!r}; valid profiles: {', '.join(choices) or '(none)'}")
    path = folder / "profiles" / f"{profile}.yaml"
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.BaseLoader)  # noqa: S506 — text only
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise UsageError(f"profile {profile!r} ({path}): unreadable: {exc}") from None
    if data in (None, ""):
        return {}
    if not isinstance(data, dict):
        raise UsageError(f"profile {profile!r} ({path}) must map notebook names to "
                         f"{{parameter: value}} mappings, got {type(data).__name__}")
    out: dict[str, dict[str, Any]] = {}
    for name, overrides in data.items():
        if overrides in ("", "~", "null"):
            overrides = {}
        if not isinstance(overrides, dict):
            raise UsageError(f"profile {profile!r} ({path}): entry {name!r} must be a "
                             f"{{parameter: value}} mapping, got {overrides!r}")
        out[str(name)] = dict(overrides)
    return out


def _did_you_mean(wrong: Sequence[Any], valid: Sequence[str]) -> str:
    close = [m for w in wrong if isinstance(w, str) for m in difflib.get_close_matches(w, valid, n=1)]
    return f" (did you mean {', '.join(dict.fromkeys(close))}?)" if close else ""


def _check_keys(info: NotebookInfo, keys: Sequence[str], origin: str) -> None:
    unknown = [k for k in keys if k not in info.parameters]
    if unknown:
        valid = ", ".join(f"{k}={v!r}" for k, v in info.parameters.items())
        raise UsageError(
            f"unknown parameter{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))} "
            f"for notebook {info.name!r} ({origin}){_did_you_mean(unknown, list(info.parameters))}; "
            f"valid parameters: {valid or '(none)'}"
        )


def _override_pairs(overrides: Mapping[str, Any] | Sequence[tuple[str, Any]]) -> list[tuple[str, Any]]:
    if isinstance(overrides, Mapping):
        return list(overrides.items())
    pairs = []
    for item in overrides:
        if not isinstance(item, tuple | list) or len(item) != 2:
            raise UsageError(f"invalid override {item!r}; valid values: (KEY, VALUE) pairs")
        pairs.append((item[0], item[1]))
    keys = [k for k, _ in pairs]
    repeated = sorted({k for k in keys if keys.count(k) > 1}, key=keys.index)
    if repeated:
        shown = "; ".join(f"{k}: " + ", ".join(repr(v) for kk, v in pairs if kk == k) for k in repeated)
        raise UsageError(f"parameter{'s' if len(repeated) > 1 else ''} given more than once with -p "
                         f"({shown}); give each parameter once")
    return pairs


def plan_runs(
    names: Sequence[str] = (),
    *,
    profile: str | None = None,
    overrides: Mapping[str, Any] | Sequence[tuple[str, Any]] = (),
    notebooks: str | Path | None = None,
) -> list[RunPlan]:
    """Validate a run request and return one :class:`RunPlan` per notebook.

    Args:
        names: notebook names (``"10_actor_policy"``; a trailing ``.ipynb`` is allowed); empty
            means every notebook.
        profile: a profile name (``smoke``, ``paper``) or ``None`` for the notebooks' defaults.
        overrides: ``KEY -> VALUE`` applied to every selected notebook after the profile; each key
            must be a parameter of each selected notebook. Text values parse by the parameter's
            declared type (see :mod:`nestlab.runner.params`).
        notebooks: the notebooks folder (default: the suite's).

    Raises:
        UsageError: unknown notebook, profile or parameter, a value of the wrong type
            (:class:`~nestlab.runner.errors.ParameterTypeError`) or outside its declared range.
    """
    if isinstance(names, str):
        names = [names]
    folder = _folder(notebooks)
    catalogue = discover(folder)
    if not catalogue:
        raise UsageError(f"no notebooks found in {folder}")
    bad = [n for n in names if not isinstance(n, str)]
    if bad:
        raise UsageError(f"invalid notebook name {bad[0]!r}; valid notebooks: {', '.join(catalogue)}")
    wanted = [n.removesuffix(".ipynb") for n in names] or list(catalogue)
    unknown = [n for n in wanted if n not in catalogue]
    if unknown:
        raise UsageError(
            f"unknown notebook{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))}"
            f"{_did_you_mean(unknown, list(catalogue))}; valid notebooks: {', '.join(catalogue)}"
        )
    prof = load_profile(profile, folder) if profile is not None else {}
    pairs = _override_pairs(overrides)
    plans = []
    for name in dict.fromkeys(wanted):
        info = catalogue[name]
        params: dict[str, Any] = {}
        from_profile = prof.get(name, {})
        _check_keys(info, list(from_profile), f"profile {profile!r}")
        for key, value in from_profile.items():
            params[key] = check_value(key, info.specs[key], value,
                                      where=f"notebook {name!r} (profile {profile!r})")
        _check_keys(info, [k for k, _ in pairs], "-p")
        for key, value in pairs:
            params[key] = check_value(key, info.specs[key], value, where=f"notebook {name!r} (-p)")
        plans.append(RunPlan(info, params, profile))
    return plans
