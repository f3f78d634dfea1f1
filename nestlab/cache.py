"""Content-addressed store for trained networks (the suite's cache contract).

An entry is keyed by a SHA-256 hash of everything that determines it — a namespace, the
training routine's code ``version`` and the full configuration (hyper-parameters, seed) —
and holds **tensors only**, in a safetensors file (no pickle, nothing executable).
The file's metadata repeats the namespace, version and configuration plus a checksum of
the tensor bytes, so a truncated, corrupt or mismatching entry is detected and rebuilt
rather than silently used. Writes go to a temporary file in the same folder and are
moved into place with :func:`os.replace` (atomic on POSIX).

The cache directory is ``$NESTLAB_CACHE`` if set, else ``.nestlab-cache/`` in the
current working directory.

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
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, NamedTuple

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from nestlab.record import to_jsonable

log = logging.getLogger(__name__)

ENV_VAR = "NESTLAB_CACHE"
DEFAULT_DIR = ".nestlab-cache"
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
        return Path(directory)
    return Path(os.environ.get(ENV_VAR, DEFAULT_DIR))


def _canonical(obj: Any) -> str:
    return json.dumps(to_jsonable(obj), sort_keys=True, separators=(",", ":"))


def content_key(namespace: str, config: Mapping[str, Any], *, version: str) -> str:
    """SHA-256 hex key of (format, namespace, code version, configuration)."""
    payload = _canonical({"format": _FORMAT, "namespace": namespace, "version": version,
                          "config": dict(config)})
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
        tensors = load_file(str(path))
        from safetensors import safe_open

        with safe_open(str(path), framework="pt") as fh:
            meta = fh.metadata() or {}
    except (SafetensorError, OSError, ValueError, RuntimeError) as exc:
        log.warning("cache entry %s is unreadable (%s); rebuilding", path, exc)
        return None
    expected = {"format": _FORMAT, "namespace": namespace, "version": version,
                "config": _canonical(dict(config))}
    for field, want in expected.items():
        if meta.get(field) != want:
            log.warning("cache entry %s has mismatching %s; rebuilding", path, field)
            return None
    if meta.get("checksum") != _tensor_checksum(tensors):
        log.warning("cache entry %s fails its checksum; rebuilding", path)
        return None
    info = json.loads(meta.get("info", "{}"))
    return CacheEntry(tensors, info, path.stem, path, True)


def _write(path: Path, tensors: Mapping[str, torch.Tensor], metadata: dict[str, str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem[:12]}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        save_file({k: v.detach().cpu().contiguous() for k, v in tensors.items()}, tmp,
                  metadata=metadata)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


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
    """
    if not isinstance(namespace, str) or not namespace:
        raise ValueError("load_or_build(): namespace must be a non-empty string")
    key = content_key(namespace, config, version=version)
    path = entry_path(namespace, key, directory)
    if not rebuild:
        entry = _read(path, namespace=namespace, version=version, config=config)
        if entry is not None:
            return entry
    tensors, info = build()
    tensors = dict(tensors)
    bad = [k for k, v in tensors.items() if not isinstance(v, torch.Tensor)]
    if bad:
        raise TypeError(f"load_or_build(): build() returned non-tensor values for {bad}; "
                        "the cache stores tensors only")
    info = to_jsonable(dict(info))
    metadata = {"format": _FORMAT, "namespace": namespace, "version": version,
                "config": _canonical(dict(config)), "checksum": _tensor_checksum(tensors),
                "info": json.dumps(info)}
    _write(path, tensors, metadata)
    return CacheEntry({k: v.detach().cpu() for k, v in tensors.items()}, info, key, path, False)
