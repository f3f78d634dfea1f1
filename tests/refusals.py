"""Shared assertion of the bad-input tests: the right exception, and a message naming the input."""

from __future__ import annotations

import pytest


def assert_refused(exc, fn, *words) -> str:
    """Call ``fn``; it must raise ``exc`` whose message contains every one of ``words``.

    Returns:
        the message, for further checks.
    """
    with pytest.raises(exc) as info:
        fn()
    msg = str(info.value)
    for w in words:
        assert w in msg, f"{w!r} not in {msg!r}"
    return msg
