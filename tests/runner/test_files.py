"""nestlab.runner.files: the temporary-file-and-rename primitive shared with the cache."""

from __future__ import annotations

import os
import stat

import pytest

from nestlab.runner import files


def test_replacing_moves_the_temporary_file_onto_the_target(tmp_path):
    target = tmp_path / "entry.bin"
    target.write_bytes(b"old")
    with files.replacing(target) as (fd, tmp):
        assert os.path.dirname(tmp) == str(tmp_path)
        name = os.path.basename(tmp)
        assert name.startswith(".entry.bin.") and name.endswith(".tmp")
        assert stat.S_IMODE(os.fstat(fd).st_mode) == 0o600  # mkstemp's mode, until a writer sets one
        os.write(fd, b"new")
        os.close(fd)
        assert target.read_bytes() == b"old"  # nothing visible before the block ends
    assert target.read_bytes() == b"new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["entry.bin"]


def test_replacing_keeps_the_old_file_when_the_block_fails(tmp_path):
    target = tmp_path / "entry.bin"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError, match="writer failed"), \
            files.replacing(target, prefix=".custom.") as (fd, tmp):
        assert os.path.basename(tmp).startswith(".custom.")
        os.write(fd, b"half")
        os.close(fd)
        raise RuntimeError("writer failed")
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["entry.bin"]


def test_replacing_creates_a_missing_target(tmp_path):
    target = tmp_path / "new.txt"
    with files.replacing(target) as (fd, _):
        with os.fdopen(fd, "w") as fh:
            fh.write("x")
    assert target.read_text() == "x"
