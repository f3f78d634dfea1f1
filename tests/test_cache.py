"""nestlab.cache: content keys, tensors-only storage, atomic writes, corruption detection."""

import json
import logging
import math
import os
import struct

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
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
    monkeypatch.setenv(cache.CACHE_ENV_VAR, str(tmp_path / "c"))
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


# --- corrupt metadata is rebuilt, never fatal (issue 10) ----------------------------------------

def _split(raw: bytes) -> tuple[bytes, bytes]:
    n = struct.unpack("<Q", raw[:8])[0]
    return raw[8:8 + n], raw[8 + n:]


def _join(header: bytes, body: bytes) -> bytes:
    header += b" " * (-len(header) % 8)
    return struct.pack("<Q", len(header)) + header + body


def _edit_header(raw: bytes, edit) -> bytes:
    header, body = _split(raw)
    h = json.loads(header)
    edit(h)
    return _join(json.dumps(h).encode(), body)


def _same_length_replace(raw: bytes, old: bytes, new: bytes) -> bytes:
    assert len(old) == len(new) and old in raw
    return raw.replace(old, new, 1)


def _drop(field):
    return lambda h: h["__metadata__"].pop(field)


def _set(field, value):
    return lambda h: h["__metadata__"].__setitem__(field, value)


CORRUPTIONS = {
    # metadata text: a flipped character in the info JSON, a config that no longer matches
    "info-flipped-brace": lambda raw: _same_length_replace(raw, b'{\\"train_s', b'[\\"train_s'),
    "info-flipped-digit": lambda raw: _same_length_replace(raw, b'1.5', b'1x5'),
    "config-flipped": lambda raw: _same_length_replace(raw, b'{\\"a\\":1}', b'{\\"a\\":2}'),
    "namespace-flipped": lambda raw: _same_length_replace(raw, b'"namespace":"t"', b'"namespace":"u"'),
    "checksum-flipped": lambda raw: _edit_header(raw, lambda h: h["__metadata__"].__setitem__(
        "checksum", "0" * 64)),
    "invalid-utf8": lambda raw: _same_length_replace(raw, b'"format"', b'"form\xff\xfe"'),
    # missing fields
    "missing-info": lambda raw: _edit_header(raw, _drop("info")),
    "missing-checksum": lambda raw: _edit_header(raw, _drop("checksum")),
    "missing-config": lambda raw: _edit_header(raw, _drop("config")),
    "missing-format": lambda raw: _edit_header(raw, _drop("format")),
    "missing-metadata": lambda raw: _edit_header(raw, lambda h: h.pop("__metadata__")),
    # a header that parses as JSON but holds the wrong types
    "info-is-a-list": lambda raw: _edit_header(raw, _set("info", "[1, 2]")),
    "info-is-a-number": lambda raw: _edit_header(raw, _set("info", "3")),
    "metadata-int-value": lambda raw: _edit_header(raw, _set("info", 5)),
    "metadata-is-a-list": lambda raw: _edit_header(raw, lambda h: h.__setitem__("__metadata__", [1])),
    "dtype-changed": lambda raw: _edit_header(raw, lambda h: h["w"].__setitem__("dtype", "I32")),
    "unknown-dtype": lambda raw: _edit_header(raw, lambda h: h["w"].__setitem__("dtype", "XX")),
    "shape-changed": lambda raw: _edit_header(raw, lambda h: h["w"].__setitem__("shape", [3, 2])),
    "bad-offsets": lambda raw: _edit_header(raw, lambda h: h["w"].__setitem__("data_offsets", [0, 999])),
    # the file itself
    "empty-file": lambda raw: b"",
    "header-length-huge": lambda raw: struct.pack("<Q", 2 ** 60) + raw[8:],
    "random-bytes": lambda raw: bytes(range(256)) * 3,
    "json-not-safetensors": lambda raw: b'{"format": "nestlab-cache/1"}',
}


@pytest.mark.parametrize("name", sorted(CORRUPTIONS))
def test_corrupt_entry_metadata_is_logged_and_rebuilt(tmp_path, caplog, name):
    calls = []
    entry = cache.load_or_build("t", {"a": 1}, _builder(calls), version="1", directory=tmp_path)
    entry.path.write_bytes(CORRUPTIONS[name](entry.path.read_bytes()))
    with caplog.at_level(logging.WARNING, logger="nestlab.cache"):
        again = cache.load_or_build("t", {"a": 1}, _builder(calls, 2.0), version="1",
                                    directory=tmp_path)
    assert not again.hit and len(calls) == 2
    assert torch.equal(again.tensors["w"], torch.full((2, 3), 2.0))
    assert any("rebuilding" in r.getMessage() and str(entry.path) in r.getMessage()
               for r in caplog.records)
    # and the rebuilt entry is a good one
    assert cache.load_or_build("t", {"a": 1}, _builder(calls), version="1", directory=tmp_path).hit


@settings(max_examples=40, deadline=None)
@given(pos=st.integers(min_value=0, max_value=10_000), byte=st.integers(min_value=1, max_value=255))
def test_any_flipped_byte_is_a_hit_with_the_same_tensors_or_a_rebuild(tmp_path_factory, pos, byte):
    d = tmp_path_factory.mktemp("flip")
    entry = cache.load_or_build("t", {"a": 1}, _builder([]), version="1", directory=d)
    raw = bytearray(entry.path.read_bytes())
    raw[pos % len(raw)] ^= byte
    entry.path.write_bytes(bytes(raw))
    calls = []
    again = cache.load_or_build("t", {"a": 1}, _builder(calls, 2.0), version="1", directory=d)
    if again.hit:  # only a flip in JSON whitespace/padding can keep an entry valid
        assert torch.equal(again.tensors["w"], torch.full((2, 3), 1.0)) and not calls
    else:
        assert torch.equal(again.tensors["w"], torch.full((2, 3), 2.0)) and calls == [1]


# --- keys distinguish NaN, +inf, -inf and None ---------------------------------------------------

SPECIALS = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf, "none": None}


def test_keys_distinguish_nan_inf_minus_inf_and_none():
    keys = {name: cache.content_key("t", {"x": v}, version="1") for name, v in SPECIALS.items()}
    assert len(set(keys.values())) == 4
    # in nested positions and numpy types too
    nested = {cache.content_key("t", {"x": [1.0, v]}, version="1") for v in SPECIALS.values()}
    assert len(nested) == 4
    assert cache.content_key("t", {"x": np.float64("inf")}, version="1") == keys["inf"]
    assert cache.content_key("t", {"x": np.array([np.nan])}, version="1") == \
        cache.content_key("t", {"x": [math.nan]}, version="1")
    # and none collides with a string spelling of it
    assert cache.content_key("t", {"x": "NaN"}, version="1") not in keys.values()


def test_a_nan_config_entry_is_not_returned_for_inf(tmp_path):
    calls = []
    cache.load_or_build("t", {"x": math.nan}, _builder(calls, 1.0), version="1", directory=tmp_path)
    inf = cache.load_or_build("t", {"x": math.inf}, _builder(calls, 2.0), version="1",
                              directory=tmp_path)
    assert not inf.hit and torch.equal(inf.tensors["w"], torch.full((2, 3), 2.0))
    again = cache.load_or_build("t", {"x": math.nan}, _builder(calls), version="1", directory=tmp_path)
    assert again.hit and torch.equal(again.tensors["w"], torch.full((2, 3), 1.0))


def test_ordinary_keys_are_stable():
    """Warm caches stay valid: the key of an ordinary configuration is what it always was."""
    assert cache.content_key("a", {"x": 1, "y": [1, 2]}, version="1") == \
        "7e36c6efd14965f391603bac349cec2896fec93bf9488f4402a6355b50ab8952"  # value before issue 10


# --- bad arguments --------------------------------------------------------------------------------

def _ok_build():
    return {"w": torch.zeros(1)}, {}


BAD_ARGS = [
    # (kwargs overriding good ones, exception, words the message must contain)
    ({"namespace": 3}, TypeError, ["namespace", "int"]),
    ({"namespace": ""}, ValueError, ["namespace", "empty"]),
    ({"namespace": None}, TypeError, ["namespace", "None"]),
    ({"version": 1}, TypeError, ["version", "int"]),
    ({"config": [("a", 1)]}, TypeError, ["config", "list"]),
    ({"config": None}, TypeError, ["config", "None"]),
    ({"config": {"a": object()}}, TypeError, ["config['a']", "object"]),
    ({"config": {"a": [1, {"b": {1, 2}}]}}, TypeError, ["config['a'][1]['b']", "set"]),
    ({"build": "train"}, TypeError, ["build", "str"]),
    ({"build": lambda: {"w": torch.zeros(1)}}, TypeError, ["build()", "dict", "(tensors, info)"]),
    ({"build": lambda: (torch.zeros(1), {})}, TypeError, ["tensors returned by build()", "Tensor"]),
    ({"build": lambda: ({"w": torch.zeros(1)}, [1])}, TypeError, ["info returned by build()", "list"]),
    ({"build": lambda: ({"w": np.zeros(1)}, {})}, TypeError, ["non-tensor", "'w'"]),
    ({"rebuild": "yes"}, TypeError, ["rebuild", "str"]),
    ({"directory": 5}, TypeError, ["directory", "int"]),
    ({"directory": ""}, ValueError, ["directory", "empty"]),
]


@pytest.mark.parametrize(("kwargs", "exc", "words"), BAD_ARGS,
                         ids=[f"{next(iter(k))}-{i}" for i, (k, _, _) in enumerate(BAD_ARGS)])
def test_load_or_build_refuses_bad_arguments(tmp_path, kwargs, exc, words):
    args = {"namespace": "t", "config": {"a": 1}, "build": _ok_build, "version": "1",
            "directory": tmp_path, **kwargs}
    with pytest.raises(exc) as info:
        cache.load_or_build(args.pop("namespace"), args.pop("config"), args.pop("build"), **args)
    for w in words:
        assert w in str(info.value), (w, str(info.value))


def test_directory_that_is_a_file_is_refused(tmp_path, monkeypatch):
    f = tmp_path / "file"
    f.write_text("x")
    with pytest.raises(ValueError, match=r"invalid directory '.*file': is a file"):
        cache.load_or_build("t", {}, _ok_build, version="1", directory=f)
    monkeypatch.setenv(cache.CACHE_ENV_VAR, str(f))
    with pytest.raises(ValueError, match=r"invalid \$NESTLAB_CACHE '.*file': is a file"):
        cache.load_or_build("t", {}, _ok_build, version="1")


def test_content_key_refuses_bad_arguments():
    with pytest.raises(TypeError, match="invalid type for version: NoneType"):
        cache.content_key("t", {}, version=None)
    with pytest.raises(TypeError, match="invalid type for config: str"):
        cache.content_key("t", "a=1", version="1")
