"""The runner's refusals: the exceptions the ``nestlab`` command turns into exit status 2.

A refusal happens before any kernel starts (runner contract, ``../shared/spec/suite.md``); its
message is in the :mod:`nestlab.checks` dialect — the argument, the value, what is allowed.
"""

from __future__ import annotations

__all__ = ["DeclarationError", "ParameterTypeError", "UsageError"]


class UsageError(ValueError):
    """A request the runner refuses before starting any kernel (CLI exit status 2)."""


class ParameterTypeError(UsageError, TypeError):
    """A parameter value of the wrong type (a :class:`UsageError` that is also a ``TypeError``)."""


class DeclarationError(ValueError):
    """A notebook's ``parameters`` cell holds a declaration the grammar cannot read (a notebook bug)."""
