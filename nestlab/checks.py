"""Input validation at the public boundary: one helper set, one error dialect (conventions.md).

Every public function of the suite checks its arguments with these helpers, so a bad input is
refused with the same kind of message everywhere — the argument's name, the value it got, and
what is allowed — as ``ValueError`` for a bad value and ``TypeError`` for a bad type::

    unknown cost 'bogus'; valid choices: quadratic, linex
    invalid n_trials -5; valid range: integer >= 1
    invalid target_accept 1.5; valid range: 0 < target_accept < 1
    invalid type for seed: str ('3'); valid types: int
    invalid stimuli: 2 of 60 values are not finite (first at index 7: nan); valid values: finite

Each helper returns the value converted to the type it checked (``int``, ``float``, ``numpy``
array, :class:`pathlib.Path`), so a call doubles as normalisation::

    n = checks.integer("n_trials", n_trials, min=1)
    ta = checks.real("target_accept", target_accept, min=0, max=1, inclusive=(False, False))
    cost = checks.choice("cost", cost, COSTS)
"""

from __future__ import annotations

import math
import numbers
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "array",
    "boolean",
    "choice",
    "choices",
    "describe",
    "finite_or_none",
    "frame",
    "function",
    "integer",
    "instance",
    "mapping",
    "path",
    "members",
    "real",
    "sequence",
    "text",
]


def describe(value: Any, *, limit: int = 60) -> str:
    """Short ``repr`` of ``value`` for an error message (long values are cut with ``...``)."""
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001 — a broken __repr__ must not hide the real error
        text = f"<{type(value).__name__}>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _where(where: str | None) -> str:
    return f"{where}: " if where else ""


def _type_error(name: str, value: Any, valid: str, where: str | None) -> TypeError:
    return TypeError(f"{_where(where)}invalid type for {name}: {type(value).__name__} "
                     f"({describe(value)}); valid types: {valid}")


def _fmt_num(x: float) -> str:
    if isinstance(x, float) and x.is_integer() and abs(x) < 1e15:
        return str(int(x)) if not isinstance(x, bool) else str(x)
    return f"{x:g}" if isinstance(x, float) else str(x)


def _range_text(name: str, lo: float | None, hi: float | None, inclusive: tuple[bool, bool],
                kind: str) -> str:
    lo_op = "<=" if inclusive[0] else "<"
    hi_op = "<=" if inclusive[1] else "<"
    if lo is not None and hi is not None:
        return f"{kind} {_fmt_num(lo)} {lo_op} {name} {hi_op} {_fmt_num(hi)}"
    if lo is not None:
        return f"{kind} {'>=' if inclusive[0] else '>'} {_fmt_num(lo)}"
    if hi is not None:
        return f"{kind} {'<=' if inclusive[1] else '<'} {_fmt_num(hi)}"
    return kind


def _in_range(x: float, lo: float | None, hi: float | None, inclusive: tuple[bool, bool]) -> bool:
    if lo is not None and (x < lo or (x == lo and not inclusive[0])):
        return False
    return not (hi is not None and (x > hi or (x == hi and not inclusive[1])))


def choice(name: str, value: Any, valid: Iterable[Any], *, where: str | None = None) -> Any:
    """``value`` if it is one of ``valid`` (a dict's keys, a list, a tuple), else ``ValueError``.

    Example message: ``unknown cost 'x'; valid choices: a, b, c``.
    """
    options = list(valid.keys() if isinstance(valid, Mapping) else valid)
    try:
        ok = value in options
    except TypeError:  # unhashable value against a dict_keys view
        ok = False
    if not ok:
        if not isinstance(value, str) and all(isinstance(o, str) for o in options):
            raise _type_error(name, value, "str, one of " + ", ".join(options), where)
        raise ValueError(f"{_where(where)}unknown {name} {describe(value)}; valid choices: "
                         + ", ".join(str(o) for o in options))
    return value


def choices(name: str, values: Any, valid: Iterable[Any], *, where: str | None = None,
            allow_empty: bool = False) -> list[Any]:
    """Every element of the sequence ``values`` checked by :func:`choice`; returns a list."""
    options = list(valid.keys() if isinstance(valid, Mapping) else valid)
    if isinstance(values, str) or not isinstance(values, Iterable):
        raise _type_error(name, values, "a list of " + ", ".join(map(str, options)), where)
    out = list(values)
    if not out and not allow_empty:
        raise ValueError(f"{_where(where)}invalid {name} []: it is empty; valid values: a "
                         "non-empty list of " + ", ".join(map(str, options)))
    for i, v in enumerate(out):
        choice(f"{name}[{i}]", v, options, where=where)
    return out


def boolean(name: str, value: Any, *, where: str | None = None) -> bool:
    """``value`` as ``bool`` if it is a bool (numpy bools included), else ``TypeError``."""
    if isinstance(value, bool | np.bool_):
        return bool(value)
    raise _type_error(name, value, "bool", where)


def integer(name: str, value: Any, *, min: int | None = None, max: int | None = None,
            where: str | None = None) -> int:
    """``value`` as ``int`` if it is an integer in ``[min, max]`` (bounds inclusive).

    Integer-valued floats (``3.0``) are refused: a size given as a float is usually a mistake.

    Raises:
        TypeError: not an integer (bools are refused too).
        ValueError: out of range.
    """
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Integral):
        raise _type_error(name, value, "int", where)
    v = int(value)
    if not _in_range(v, min, max, (True, True)):
        raise ValueError(f"{_where(where)}invalid {name} {v}; valid range: "
                         + _range_text(name, min, max, (True, True), "integer"))
    return v


def real(name: str, value: Any, *, min: float | None = None, max: float | None = None,
         inclusive: tuple[bool, bool] = (True, True), finite: bool = True,
         where: str | None = None) -> float:
    """``value`` as ``float`` if it is a real number in the given range.

    Args:
        name: the argument's name, as the caller spells it.
        value: int, float or a numpy scalar (bools refused).
        min, max: bounds (``None`` for none); ``inclusive`` says whether each bound is allowed.
        finite: refuse NaN and ±inf (default). With ``finite=False`` infinities pass if in range;
            NaN never does.

    Raises:
        TypeError: not a real number.
        ValueError: NaN, infinite (when ``finite``) or out of range.
    """
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
        if isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "iuf":
            value = value.item()
        else:
            raise _type_error(name, value, "float", where)
    v = float(value)
    kind = "finite number" if finite else "number"
    if math.isnan(v) or (finite and math.isinf(v)) or not _in_range(v, min, max, inclusive):
        raise ValueError(f"{_where(where)}invalid {name} {_fmt_num(v)}; valid range: "
                         + _range_text(name, min, max, inclusive, kind))
    return v


def text(name: str, value: Any, *, where: str | None = None) -> str:
    """``value`` if it is a string with something in it besides white space.

    Raises:
        TypeError: not a string.
        ValueError: empty or only white space.
    """
    instance(name, value, str, where=where)
    if not value.strip():
        raise ValueError(f"{_where(where)}invalid {name} {value!r}: it is empty; valid values: a "
                         "non-empty text")
    return value


def function(name: str, value: Any, *, valid: str = "a callable",
             where: str | None = None) -> Any:
    """``value`` if it is callable, else ``TypeError`` saying what kind of callable is wanted.

    Args:
        valid: what is allowed, as the message says it (``"a zero-argument callable"``).
    """
    if not callable(value):
        raise _type_error(name, value, valid, where)
    return value


def finite_or_none(name: str, value: Any, **kwargs: Any) -> float | None:
    """``None`` passes; anything else goes through :func:`real` with ``kwargs``."""
    return None if value is None else real(name, value, **kwargs)


def instance(name: str, value: Any, types: type | tuple[type, ...], *,
             where: str | None = None) -> Any:
    """``value`` if ``isinstance(value, types)``, else ``TypeError`` naming the valid types."""
    if not isinstance(value, types):
        tnames = ", ".join(t.__name__ for t in (types if isinstance(types, tuple) else (types,)))
        raise _type_error(name, value, tnames, where)
    return value


def mapping(name: str, value: Any, *, keys: Iterable[str] | None = None, required: Iterable[str] = (),
            where: str | None = None) -> dict[str, Any]:
    """``value`` as a dict if it is a mapping whose keys are among ``keys`` and include ``required``."""
    if not isinstance(value, Mapping):
        raise _type_error(name, value, "dict", where)
    out = dict(value)
    if keys is not None:
        valid = list(keys)
        for k in out:
            choice(f"key of {name}", k, valid, where=where)
    members(name, out, required, what="key", where=where)
    return out


def members(name: str, found: Iterable[Any], needed: Iterable[Any], *, what: str,
            valid: str | None = None, where: str | None = None) -> None:
    """Refuse ``name`` unless every one of ``needed`` is among ``found`` (its keys, columns, groups).

    Example message: ``invalid table: missing column(s) ['b']; found ['a']; valid: columns a, b``.

    Args:
        what: what the members are, singular (``"key"``, ``"column"``, ``"group"``).
        valid: what is allowed, for the message (default: ``"<what>s " + needed``).

    Raises:
        ValueError: some are missing (the message lists them and what was found).
    """
    found, needed = list(found), list(needed)
    missing = [x for x in needed if x not in found]
    if missing:
        raise ValueError(f"{_where(where)}invalid {name}: missing {what}(s) {missing}; found "
                         f"{found}; valid: {valid or what + 's ' + ', '.join(map(str, needed))}")


def sequence(name: str, value: Any, *, min_len: int = 0, max_len: int | None = None,
             where: str | None = None) -> list[Any]:
    """``value`` as a list if it is a list/tuple of ``min_len..max_len`` elements (no strings)."""
    if isinstance(value, str | bytes) or not isinstance(value, list | tuple | range | np.ndarray):
        raise _type_error(name, value, "list", where)
    out = list(value)
    if len(out) < min_len or (max_len is not None and len(out) > max_len):
        rng = f"{min_len}..{max_len}" if max_len is not None else f">= {min_len}"
        raise ValueError(f"{_where(where)}invalid {name}: {len(out)} elements; valid length: {rng}")
    return out


def array(name: str, value: Any, *, ndim: int | tuple[int, ...] | None = None,
          shape: tuple[int | None, ...] | None = None, dtype: str = "float",
          min: float | None = None, max: float | None = None,
          inclusive: tuple[bool, bool] = (True, True), finite: bool = True,
          min_size: int = 1, where: str | None = None) -> np.ndarray:
    """``value`` as a numpy array with the given dimensions, dtype kind and value range.

    Args:
        dtype: ``"float"`` (ints and floats accepted, returned as float64), ``"int"`` (integer
            dtype, or floats that are all whole numbers) or ``"bool"``.
        shape: expected shape, ``None`` entries free.
        min_size: smallest number of elements (default 1: empty arrays are refused).

    Raises:
        TypeError: not array-like, or the wrong dtype kind (strings, objects, complex).
        ValueError: wrong dimensions or shape, too few elements, NaN/inf, out of range.
    """
    if isinstance(value, str | bytes | Mapping) or value is None:
        raise _type_error(name, value, "array of numbers", where)
    try:
        arr = np.asarray(value)
    except (ValueError, TypeError) as exc:  # ragged nested lists
        raise ValueError(f"{_where(where)}invalid {name}: not a regular array ({exc})") from None
    kinds = {"float": "iuf", "int": "iu", "bool": "b"}[dtype]
    if dtype == "int" and arr.dtype.kind == "f" and arr.size and np.all(np.isfinite(arr)) \
            and np.all(arr == np.round(arr)):
        arr = arr.astype(np.int64)
    if arr.dtype.kind not in kinds:
        raise TypeError(f"{_where(where)}invalid type for {name}: array of {arr.dtype} "
                        f"({describe(value)}); valid types: array of {dtype}")
    if ndim is not None:
        dims = ndim if isinstance(ndim, tuple) else (ndim,)
        if arr.ndim not in dims:
            raise ValueError(f"{_where(where)}invalid {name}: {arr.ndim}-d array of shape "
                             f"{arr.shape}; valid: {' or '.join(f'{d}-d' for d in dims)}")
    if shape is not None:
        if arr.ndim != len(shape) or any(s is not None and s != a for s, a in zip(shape, arr.shape, strict=False)):
            want = "(" + ", ".join("any" if s is None else str(s) for s in shape) + ")"
            raise ValueError(f"{_where(where)}invalid {name}: shape {arr.shape}; valid shape: {want}")
    if arr.size < min_size:
        raise ValueError(f"{_where(where)}invalid {name}: {arr.size} elements; valid: at least {min_size}")
    if dtype == "float":
        arr = arr.astype(np.float64, copy=False)
        bad = np.isnan(arr) | (np.isinf(arr) if finite else False)
        if np.any(bad):
            idx = np.flatnonzero(bad.ravel())
            raise ValueError(f"{_where(where)}invalid {name}: {idx.size} of {arr.size} values are not "
                             f"finite (first at index {int(idx[0])}: {arr.ravel()[idx[0]]}); valid "
                             f"values: finite numbers")
    if (min is not None or max is not None) and arr.size:
        flat = arr.ravel().astype(np.float64)
        ok = np.ones(flat.shape, bool)
        if min is not None:
            ok &= (flat >= min) if inclusive[0] else (flat > min)
        if max is not None:
            ok &= (flat <= max) if inclusive[1] else (flat < max)
        if not np.all(ok):
            idx = np.flatnonzero(~ok)
            raise ValueError(f"{_where(where)}invalid {name}: {idx.size} of {arr.size} values out of "
                             f"range (first at index {int(idx[0])}: {flat[idx[0]]:g}); valid range: "
                             + _range_text("value", min, max, inclusive, "values"))
    return arr


def path(name: str, value: Any, *, must_exist: bool = True, kind: str = "file",
         suffixes: Iterable[str] | None = None, where: str | None = None) -> Path:
    """``value`` as a :class:`~pathlib.Path` (str or PathLike), optionally existing and of a suffix.

    Args:
        kind: ``"file"`` or ``"dir"`` — what must exist at the path when ``must_exist``.
        suffixes: allowed file suffixes (``[".csv"]``), case-insensitive.

    Raises:
        TypeError: not a str or PathLike.
        ValueError: empty, wrong suffix.
        FileNotFoundError: missing (or not of ``kind``) when ``must_exist``.
    """
    if not isinstance(value, str | os.PathLike):
        raise _type_error(name, value, "str or os.PathLike", where)
    if not str(value):
        raise ValueError(f"{_where(where)}invalid {name} '': empty path; valid values: a path")
    p = Path(value)
    if suffixes is not None:
        allowed = [s.lower() for s in suffixes]
        if p.suffix.lower() not in allowed:
            raise ValueError(f"{_where(where)}invalid {name} {str(p)!r}: suffix {p.suffix!r}; "
                             f"valid choices: {', '.join(allowed)}")
    if must_exist:
        ok = p.is_file() if kind == "file" else p.is_dir()
        if not ok:
            what = "not found" if not p.exists() else f"is not a {'folder' if kind == 'dir' else 'file'}"
            raise FileNotFoundError(f"{_where(where)}invalid {name} {str(p)!r}: {what}")
    return p


def frame(name: str, value: Any, columns: Iterable[str], *, where: str | None = None):
    """``value`` if it is a :class:`pandas.DataFrame` holding every one of ``columns``.

    Raises:
        TypeError: not a DataFrame.
        ValueError: a column is missing (the message lists what was found and what is needed).
    """
    # local: pandas costs about half a second at start-up, and ``import nestlab`` (record ->
    # checks) must stay cheap; only callers that already hold a frame get here
    import pandas as pd

    instance(name, value, pd.DataFrame, where=where)
    needed = list(columns)
    members(name, value.columns, needed, what="column", where=where,
            valid=f"a table with columns {', '.join(map(str, needed))}")
    return value
