"""nestlab.cache: content keys, tensors-only storage, atomic writes, corruption detection."""

import os

import pytest
import torch
from safetensors.torch import save_file

from nestlab import cache


def _builder(calls, value=1.0):
    def build():
        calls.append(1)
        return {"w": torch.full((2, 3), value), "b": torch.arange(3)}, {"train_s": 1.5}
    return build


def test_miss_then_hit(tmp_path):
    calls = []
    cfg = {"lr": 1e-3, "seed": 0}
    first = cache.load_or_build("t.net", cfg, _builder(calls), version="1", directory=tmp_path)
    second = cache.load_or_build("t.net", cfg, _builder(calls), version="1", directory=tmp_path)
    assert (first.hit, second.hit) == (False, True)
    assert len(calls) == 1
    assert torch.equal(second.tensors["w"], torch.full((2, 3), 1.0))
    assert second.info == {"train_s": 1.5}
    assert first.key == second.key


def test_key_depends_on_config_version_and_namespace():
    base = cache.content_key("a", {"x": 1, "y": [1, 2]}, version="1")
    assert base == cache.content_key("a", {"y": [1, 2], "x": 1}, version="1")  # order-free
    assert base != cache.content_key("a", {"x": 2, "y": [1, 2]}, version="1")
    assert base != cache.content_key("a", {"x": 1, "y": [1, 2]}, version="2")
    assert base != cache.content_key("b", {"x": 1, "y": [1, 2]}, version="1")


def test_env_var_sets_directory(tmp_path, monkeypatch):
    monkeypatch.setenv(cache.ENV_VAR, str(tmp_path / "c"))
    entry = cache.load_or_build("t", {}, _builder([]), version="1")
    assert entry.path.is_relative_to(tmp_path / "c")


def test_corrupt_entry_is_rebuilt(tmp_path):
    calls = []
    entry = cache.load_or_build("t", {"a": 1}, _builder(calls), version="1", directory=tmp_path)
    entry.path.write_bytes(entry.path.read_bytes()[:40])  # truncate
    again = cache.load_or_build("t", {"a": 1}, _builder(calls), version="1", directory=tmp_path)
    assert not again.hit and len(calls) == 2
    assert cache.load_or_build("t", {"a": 1}, _builder(calls), version="1", directory=tmp_path).hit


def test_flipped_tensor_bytes_fail_checksum(tmp_path):
    calls = []
    entry = cache.load_or_build("t", {"a": 1}, _builder(calls), version="1", directory=tmp_path)
    raw = bytearray(entry.path.read_bytes())
    raw[-1] ^= 0xFF  # last byte lies in the tensor data
    entry.path.write_bytes(bytes(raw))
    again = cache.load_or_build("t", {"a": 1}, _builder(calls), version="1", directory=tmp_path)
    assert not again.hit and len(calls) == 2


def test_mismatching_metadata_is_rebuilt(tmp_path):
    calls = []
    entry = cache.load_or_build("t", {"a": 1}, _builder(calls), version="1", directory=tmp_path)
    # an entry at the right path whose metadata claims another configuration
    save_file({"w": torch.zeros(1)}, str(entry.path), metadata={"format": "nestlab-cache/1"})
    again = cache.load_or_build("t", {"a": 1}, _builder(calls, 2.0), version="1", directory=tmp_path)
    assert not again.hit and torch.equal(again.tensors["w"], torch.full((2, 3), 2.0))


def test_non_tensor_values_refused(tmp_path):
    with pytest.raises(TypeError, match="tensors only"):
        cache.load_or_build("t", {}, lambda: ({"w": [1, 2]}, {}), version="1", directory=tmp_path)


def test_write_is_atomic_and_leaves_no_temp_files(tmp_path, monkeypatch):
    cache.load_or_build("t", {"a": 1}, _builder([]), version="1", directory=tmp_path)

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError, match="disk full"):
        cache.load_or_build("t", {"a": 2}, _builder([]), version="1", directory=tmp_path)
    files = sorted(p.name for p in (tmp_path / "t").iterdir())
    assert len(files) == 1 and files[0].endswith(".safetensors")  # no partial entry, no temp file
