"""Content-addressed store for trained networks (the suite's cache contract).

An entry is keyed by a SHA-256 hash of everything that determines it — a namespace, the
training routine's code ``version`` and the full configuration (hyper-parameters, seed) —
and holds **tensors only**, in a safetensors file (no pickle, nothing executable).
The file's metadata repeats the namespace, version and configuration plus a checksum of
the tensor bytes, so a truncated, corrupt or mismatching entry is detected and rebuilt
rather than silently used. Writes go to a temporary file in the same folder and are
moved into place with :func:`os.replace` (atomic on POSIX).

The cache directory is ``$NESTLAB_CACHE`` if set, else ``.nestlab-cache/`` in the
current working directory (suite spec, "Cache contract"). A training routine that stores its
networks here names its code version ``CACHE_VERSION`` in its own module (conventions.md).

Example::

    def train():
        net = ...fit...
        return net.state_dict(), {"train_seconds": 41.2}

    entry = load_or_build("actors.policy", {"cost": "quadratic", "steps": 20000, "seed": 0},
                          train, version="3")
    net.load_state_dict(entry.tensors)
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, NamedTuple

import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import load_file, save_file

from nestlab import checks
from nestlab.paths import CACHE_ENV_VAR, DEFAULT_CACHE_DIR
from nestlab.record import to_jsonable
from nestlab.runner.files import replacing

__all__ = ["CACHE_ENV_VAR", "DEFAULT_CACHE_DIR", "CacheEntry", "cache_dir", "content_key",
           "entry_path", "load_or_build"]

log = logging.getLogger(__name__)

_FORMAT = "nestlab-cache/1"


class CacheEntry(NamedTuple):
    """A loaded (or freshly built) cache entry."""

    tensors: dict[str, torch.Tensor]
    info: dict[str, Any]
    key: str
    path: Path
    hit: bool


def cache_dir(directory: str | Path | None = None) -> Path:
    """The cache directory: ``directory`` if given, else ``$NESTLAB_CACHE``, else ``./.nestlab-cache``."""
    if directory is not None:
        return checks.path("directory", directory, must_exist=False)
    return Path(os.environ.get(CACHE_ENV_VAR, DEFAULT_CACHE_DIR))


def _canonical(obj: Any, name: str = "config") -> str:
    """The JSON text a key hashes: sorted keys, no spaces, NaN and +-inf kept apart from ``None``.

    A report maps every non-finite float to ``null``; a key must not (a NaN config and an inf
    config would share an entry), so they stay floats, written by :func:`json.dumps` as the bare
    tokens ``NaN``, ``Infinity``, ``-Infinity``. Finite values convert as for a report, so the
    keys of ordinary configurations (and warm caches) are what they always were.
    """
    return json.dumps(to_jsonable(obj, name=name, keep_nonfinite=True), sort_keys=True,
                      separators=(",", ":"), allow_nan=True)


def _check_key_parts(namespace: Any, config: Any, version: Any) -> dict[str, Any]:
    checks.text("namespace", namespace)
    checks.instance("version", version, str)
    return checks.mapping("config", config)


def content_key(namespace: str, config: Mapping[str, Any], *, version: str) -> str:
    """SHA-256 hex key of (format, namespace, code version, configuration).

    NaN, +inf, -inf and ``None`` in ``config`` give four different keys.

    Raises:
        TypeError: ``namespace`` or ``version`` not a string, ``config`` not a mapping, or a
            config value that is not JSON-like (the message names the key).
        ValueError: empty ``namespace``.
    """
    config = _check_key_parts(namespace, config, version)
    exact = to_jsonable(config, name="config", keep_nonfinite=True)  # names a bad value's key path
    payload = _canonical({"format": _FORMAT, "namespace": namespace, "version": version,
                          "config": exact})
    return hashlib.sha256(payload.encode()).hexdigest()


def _tensor_checksum(tensors: Mapping[str, torch.Tensor]) -> str:
    h = hashlib.sha256()
    for name in sorted(tensors):
        t = tensors[name].detach().cpu().contiguous()
        h.update(name.encode())
        h.update(str(t.dtype).encode())
        h.update(str(tuple(t.shape)).encode())
        h.update(t.view(torch.uint8).numpy().tobytes() if t.numel() else b"")
    return h.hexdigest()


def entry_path(namespace: str, key: str, directory: str | Path | None = None) -> Path:
    """Where the entry for ``key`` lives."""
    safe_ns = "".join(c if c.isalnum() or c in "._-" else "_" for c in namespace)
    return cache_dir(directory) / safe_ns / f"{key}.safetensors"


def _read(path: Path, *, namespace: str, version: str, config: Mapping[str, Any]) -> CacheEntry | None:
    """Load and verify an entry; ``None`` (with a logged reason) if absent, corrupt or mismatching."""
    if not path.exists():
        return None
    try:
        return _verified(path, namespace=namespace, version=version, config=config)
    except _Corrupt as exc:
        log.warning("cache entry %s %s; rebuilding", path, exc)
    except (SafetensorError, OSError, ValueError, RuntimeError, TypeError, UnicodeError,
            OverflowError) as exc:
        # whatever a damaged file makes the reader raise, the entry is rebuilt, never fatal
        log.warning("cache entry %s is unreadable (%s: %s); rebuilding", path,
                    type(exc).__name__, exc)
    return None


class _Corrupt(Exception):
    """An entry that reads but fails verification (the message says which part)."""


def _verified(path: Path, *, namespace: str, version: str, config: Mapping[str, Any]) -> CacheEntry:
    tensors = load_file(str(path))
    with safe_open(str(path), framework="pt") as fh:
        meta = fh.metadata()
    if not isinstance(meta, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                             for k, v in meta.items()):
        raise _Corrupt("has no string-to-string metadata")
    expected = {"format": _FORMAT, "namespace": namespace, "version": version,
                "config": _canonical(dict(config))}
    for field, want in expected.items():
        if field not in meta:
            raise _Corrupt(f"lacks the metadata field {field!r}")
        if meta[field] != want:
            raise _Corrupt(f"has mismatching {field}")
    if "checksum" not in meta or meta["checksum"] != _tensor_checksum(tensors):
        raise _Corrupt("fails its checksum")
    if "info" not in meta:
        raise _Corrupt("lacks the metadata field 'info'")
    try:
        info = json.loads(meta["info"])
    except ValueError:
        raise _Corrupt("has unparseable info metadata") from None
    if not isinstance(info, dict):
        raise _Corrupt(f"has info metadata of type {type(info).__name__}, not an object")
    return CacheEntry(tensors, info, path.stem, path, True)


def _write(path: Path, tensors: Mapping[str, torch.Tensor], metadata: dict[str, str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with replacing(path, prefix=f".{path.stem[:12]}.") as (fd, tmp):
        os.close(fd)  # safetensors writes by file name
        save_file({k: v.detach().cpu().contiguous() for k, v in tensors.items()}, tmp,
                  metadata=metadata)


def load_or_build(
    namespace: str,
    config: Mapping[str, Any],
    build: Callable[[], tuple[Mapping[str, torch.Tensor], Mapping[str, Any]]],
    *,
    version: str,
    directory: str | Path | None = None,
    rebuild: bool = False,
) -> CacheEntry:
    """Return the cached tensors for ``(namespace, version, config)``, building them if needed.

    Args:
        namespace: what is stored, e.g. ``"actors.policy"``.
        config: every setting that determines the result (JSON-convertible), seed included.
        build: zero-argument callable returning ``(tensors, info)``: a mapping of names to
            tensors (e.g. a ``state_dict``) and a small JSON-convertible dict (training time,
            curves, ...). Called only on a miss.
        version: the training routine's code version; bump it when the routine changes.
        directory: cache directory (defaults to :func:`cache_dir`).
        rebuild: ignore any existing entry.

    Returns:
        A :class:`CacheEntry`; ``hit`` tells whether it came from disk.

    A damaged entry (truncated or flipped bytes, unreadable or mismatching metadata, a failed
    checksum) is logged as a warning and rebuilt; it never raises.

    Raises:
        TypeError: an argument of the wrong type, or ``build()`` returning anything but
            ``(mapping of tensors, mapping)``.
        ValueError: empty ``namespace``.
    """
    config = _check_key_parts(namespace, config, version)
    checks.function("build", build, valid="a zero-argument callable")
    checks.boolean("rebuild", rebuild)
    key = content_key(namespace, config, version=version)
    root = cache_dir(directory)
    if root.exists() and not root.is_dir():
        what = "directory" if directory is not None else f"${CACHE_ENV_VAR}"
        raise ValueError(f"invalid {what} {str(root)!r}: is a file, not a folder; valid: a folder "
                         "(created if missing) for the cache")
    path = entry_path(namespace, key, directory)
    if not rebuild:
        entry = _read(path, namespace=namespace, version=version, config=config)
        if entry is not None:
            return entry
    out = build()
    if not isinstance(out, tuple) or len(out) != 2:
        raise TypeError(f"invalid type for build(): it returned {type(out).__name__} "
                        f"({checks.describe(out)}); valid types: a (tensors, info) pair")
    tensors = checks.mapping("tensors returned by build()", out[0])
    bad = [k for k, v in tensors.items() if not isinstance(v, torch.Tensor)]
    if bad:
        raise TypeError(f"load_or_build(): invalid type for tensors returned by build(): "
                        f"non-tensor values for {bad}; valid types: torch.Tensor values (the "
                        "cache stores tensors only)")
    info = to_jsonable(checks.mapping("info returned by build()", out[1]),
                       name="info returned by build()")
    metadata = {"format": _FORMAT, "namespace": namespace, "version": version,
                "config": _canonical(dict(config)), "checksum": _tensor_checksum(tensors),
                "info": json.dumps(info)}
    _write(path, tensors, metadata)
    return CacheEntry({k: v.detach().cpu() for k, v in tensors.items()}, info, key, path, False)
