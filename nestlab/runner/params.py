"""Declared notebook parameters: the grammar of a ``parameters`` cell and the checks of a value.

Every parameter of a notebook declares what it accepts in a trailing comment next to its
default, in the cell tagged ``parameters`` (runner contract, ``../shared/spec/suite.md``)::

    n_trials = 60            # int 1..100000; trials per data set
    mu0 = 1.5                # float (0, 1000]; prior median of the stimulus (s)
    head = "posterior"       # one of: posterior, reference, generic
    costs = ["quadratic"]    # list[1..7] unique of one of: quadratic, linex, absolute
    data_path = ""           # str; folder of the logs ("": the default data folder)

This module is the one reader of those declarations: ``nestlab list``, the tour's catalogue
(:mod:`nestlab.about`) and run validation (:func:`check_value`) all use it.

Grammar (``;`` ends the declaration; what follows is a free description)::

    comment     := "#" spec [";" description]
    spec        := scalar flag* | list | dict
    scalar      := "int" LO ".." HI                     integers, both bounds included
                 | "float" ("[" | "(") LO "," HI ("]" | ")")   reals; bounds may be -inf / inf
                 | "bool"                                 true or false
                 | "str" ["matching" REGEX]               any text (or text matching REGEX fully)
                 | "one of:" CHOICE ("," CHOICE)*         choices (ints if all are ints, floats if
                                                          all are numbers, else text)
    flag        := "allow nan" | "allow inf" | "allow none"
    list        := "list" ["[" MIN ".." [MAX] "]"] ["unique"] "of" spec   default length 1..
    dict        := "dict of" scalar "->" spec               keys -> values (may be empty)

A comment whose first word is not a grammar keyword (``int``, ``float``, ``bool``, ``str``,
``one``, ``list``, ``dict``) is a description only and the parameter is *undeclared*: its value is
then checked against the type of its default alone (the contract test requires a declaration
for every parameter of the suite's notebooks).

Values given as text — ``-p KEY VALUE`` on the command line and every value of a profile file —
parse by the declared type, never by YAML 1.1 rules: an int is a decimal integer (``010`` is 10;
``0x10``, ``1:30``, ``1e3`` and ``1.0`` are refused), a float is a decimal number (``1e3`` is
1000.0; ``nan``/``inf`` only where declared allowed), a bool is ``true`` or ``false``, ``none``
(or ``null``) only where ``allow none`` is declared, a list is a YAML/JSON flow sequence
(``[a, b]``) and a dict a flow mapping (``{beta: 0.6}``) whose elements parse the same way.
Every element of a list or dict is checked.
"""

from __future__ import annotations

import ast
import io
import math
import numbers
import re
import tokenize
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

import yaml

from nestlab import checks
from nestlab.runner.errors import DeclarationError, ParameterTypeError, UsageError

__all__ = [
    "KEYWORDS",
    "Parameter",
    "ParamSpec",
    "check_value",
    "infer_spec",
    "parse_declaration",
    "parse_parameters",
    "parse_parameters_cell",
    "parse_text",
]

#: first words that make a trailing comment a declaration
KEYWORDS = ("int", "float", "bool", "str", "one", "list", "dict")
_KEYWORD_RE = re.compile("(?:" + "|".join(KEYWORDS) + ")(?![A-Za-z0-9_])")

_INT_RE = re.compile(r"[+-]?[0-9]+")
_FLOAT_RE = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_NAN_WORDS = {"nan", ".nan", "+nan", "-nan"}
_INF_WORDS = {"inf", "+inf", ".inf", "+.inf", "infinity", "+infinity"}
_NONE_WORDS = {"none", "null", "~"}
_BOUND = r"[+-]?(?:inf|[0-9.]+(?:[eE][+-]?[0-9]+)?)"
_FLAG_RE = re.compile(r"\s+allow\s+(nan|inf|none)\s*$")


@dataclass(frozen=True)
class ParamSpec:
    """What one parameter accepts (see the module docstring for the grammar).

    Attributes:
        kind: ``int``, ``float``, ``bool``, ``str``, ``choice``, ``list``, ``dict`` or ``any``
            (an undeclared parameter with a ``None`` default).
        low, high: bounds of an ``int`` (both included) or a ``float``; ``None`` for none.
        inclusive: whether each ``float`` bound is allowed.
        choices: the valid values of a ``choice``.
        pattern: a regular expression a ``str`` must match in full.
        allow_nan, allow_inf, allow_none: declared exceptions to "finite and present".
        element: the spec of a list's elements or a dict's values.
        key: the spec of a dict's keys.
        min_len, max_len: the allowed length of a list (``max_len=None``: no limit).
        unique: a list's elements must be distinct.
        text: the declaration as written (what ``nestlab list`` shows).
        declared: ``False`` for a spec inferred from a default (no declaration in the cell).
    """

    kind: str
    low: float | None = None
    high: float | None = None
    inclusive: tuple[bool, bool] = (True, True)
    choices: tuple[Any, ...] = ()
    pattern: str | None = None
    allow_nan: bool = False
    allow_inf: bool = False
    allow_none: bool = False
    element: ParamSpec | None = None
    key: ParamSpec | None = None
    min_len: int = 1
    max_len: int | None = None
    unique: bool = False
    text: str = ""
    declared: bool = True

    def allowed(self) -> str:
        """The valid values in words, for an error message (``int 1..100000``)."""
        if self.kind == "choice":
            return "one of " + ", ".join(map(str, self.choices))
        if self.kind == "bool" and not self.text:
            return "true or false"
        return self.text or self.kind


class Parameter(NamedTuple):
    """One line of a ``parameters`` cell: name, default, declared spec and description."""

    name: str
    default: Any
    spec: ParamSpec
    description: str


# ----------------------------------------------------------------------------- declarations


def _number(token: str) -> float:
    t = token.strip().lower()
    if t in ("inf", "+inf"):
        return math.inf
    if t == "-inf":
        return -math.inf
    return float(t)


def _choice_values(tokens: list[str]) -> tuple[Any, ...]:
    if all(_INT_RE.fullmatch(t) for t in tokens):
        return tuple(int(t) for t in tokens)
    if all(_FLOAT_RE.fullmatch(t) for t in tokens):
        return tuple(float(t) for t in tokens)
    return tuple(tokens)


def parse_declaration(text: str) -> ParamSpec:
    """Read one declaration (``int 1..100``, ``list of one of: a, b``, ...) as a :class:`ParamSpec`.

    Raises:
        DeclarationError: the text does not follow the grammar, or its bounds are empty.
    """
    s = " ".join(text.strip().split())
    m = re.fullmatch(r"list(?:\s*\[\s*([0-9]+)\s*\.\.\s*([0-9]*)\s*\])?(\s+unique)?\s+of\s+(.+)", s)
    if m:
        lo = int(m.group(1)) if m.group(1) else 1
        hi = int(m.group(2)) if m.group(2) else None
        if hi is not None and hi < lo:
            raise DeclarationError(f"declaration {text!r}: empty length range {lo}..{hi}")
        return ParamSpec("list", element=parse_declaration(m.group(4)), min_len=lo, max_len=hi,
                         unique=bool(m.group(3)), text=s)
    m = re.fullmatch(r"dict\s+of\s+(.+?)\s*->\s*(.+)", s)
    if m:
        key = parse_declaration(m.group(1))
        if key.kind not in ("str", "choice", "int"):
            raise DeclarationError(f"declaration {text!r}: dict keys must be str, int or one of: ...")
        return ParamSpec("dict", key=key, element=parse_declaration(m.group(2)), min_len=0, text=s)
    flags: set[str] = set()
    while (f := _FLAG_RE.search(s)) is not None:
        flags.add(f.group(1))
        s = s[:f.start()]
    spec = _parse_scalar(s, text)
    if flags - {"none"} and spec.kind != "float":
        raise DeclarationError(f"declaration {text!r}: allow nan / allow inf apply to floats only")
    return ParamSpec(**{**spec.__dict__, "allow_nan": "nan" in flags, "allow_inf": "inf" in flags,
                        "allow_none": "none" in flags, "text": " ".join(text.strip().split())})


def _parse_scalar(s: str, text: str) -> ParamSpec:
    if s == "bool":
        return ParamSpec("bool")
    if s == "str":
        return ParamSpec("str")
    m = re.fullmatch(r"str\s+matching\s+(\S.*)", s)
    if m:
        try:
            re.compile(m.group(1))
        except re.error as exc:
            raise DeclarationError(f"declaration {text!r}: bad regular expression ({exc})") from None
        return ParamSpec("str", pattern=m.group(1))
    m = re.fullmatch(r"int\s+([+-]?[0-9]+)\s*\.\.\s*([+-]?[0-9]+)", s)
    if m:
        lo, hi = int(m.group(1)), int(m.group(2))
        if hi < lo:
            raise DeclarationError(f"declaration {text!r}: empty range {lo}..{hi}")
        return ParamSpec("int", low=lo, high=hi)
    m = re.fullmatch(rf"float\s*([\[(])\s*({_BOUND})\s*,\s*({_BOUND})\s*([\])])", s, re.IGNORECASE)
    if m:
        try:
            lo, hi = _number(m.group(2)), _number(m.group(3))
        except ValueError:
            raise DeclarationError(f"declaration {text!r}: bounds are not numbers") from None
        inclusive = (m.group(1) == "[", m.group(4) == "]")
        if hi < lo or (hi == lo and not all(inclusive)):
            raise DeclarationError(f"declaration {text!r}: empty interval")
        return ParamSpec("float", low=None if lo == -math.inf else lo,
                         high=None if hi == math.inf else hi, inclusive=inclusive)
    m = re.fullmatch(r"one\s+of:\s*(.+)", s)
    if m:
        tokens = [t.strip() for t in m.group(1).split(",")]
        if not all(tokens) or len(set(tokens)) != len(tokens):
            raise DeclarationError(f"declaration {text!r}: empty or repeated choice")
        return ParamSpec("choice", choices=_choice_values(tokens))
    raise DeclarationError(
        f"declaration {text!r} is not in the grammar; write e.g. 'int 1..100', 'float (0, 1]', "
        "'bool', 'str', 'one of: a, b', 'list of int 0..9', 'dict of str -> float (0, inf)'"
    )


def infer_spec(default: Any) -> ParamSpec:
    """The spec of an undeclared parameter: the type of its default, no range."""
    if default is None:
        return ParamSpec("any", declared=False, text="any value")
    for scalar in (bool, int, float, str):  # bool first: a bool is also an int
        if isinstance(default, scalar):
            return ParamSpec(scalar.__name__, declared=False, text=scalar.__name__)
    if isinstance(default, list | tuple):
        elem = infer_spec(default[0]) if default else ParamSpec("any", declared=False)
        return ParamSpec("list", element=elem, min_len=0, declared=False,
                         text=f"list of {elem.text or elem.kind}")
    if isinstance(default, dict):
        return ParamSpec("dict", key=ParamSpec("str", declared=False),
                         element=ParamSpec("any", declared=False), min_len=0, declared=False,
                         text="dict")
    return ParamSpec("any", declared=False, text="any value")


# ----------------------------------------------------------------------------- the cell


def _comments(source: str) -> dict[int, str]:
    out: dict[int, str] = {}
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type == tokenize.COMMENT:
                out[tok.start[0]] = tok.string[1:].strip()
    except (tokenize.TokenError, IndentationError):  # the ast parse reports the real problem
        pass
    return out


def parse_parameters_cell(source: str) -> list[Parameter]:
    """Parse a ``parameters`` cell: ``NAME = literal  # declaration[; description]`` lines.

    Full-line comments and blank lines are allowed; a statement's declaration is the comment on
    its first line (or, for a literal spread over several lines, the first comment inside it).

    Raises:
        ValueError: the cell holds anything but assignments of literals to plain names, or a
            name twice.
        DeclarationError: a declaration does not follow the grammar.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise ValueError(f"parameters cell is not valid Python: {exc}") from exc
    comments = _comments(source)
    params: dict[str, Parameter] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            target, value = node.targets[0].id, node.value
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            target, value = node.target.id, node.value
        else:
            raise ValueError(f"parameters cell line {node.lineno}: only `name = literal` assignments are allowed")
        try:
            default = ast.literal_eval(value)
        except ValueError as exc:
            raise ValueError(f"parameters cell: {target} is not a plain literal") from exc
        if target in params:
            raise ValueError(f"parameters cell: {target} is assigned twice")
        comment = next((comments[i] for i in range(node.lineno, (node.end_lineno or node.lineno) + 1)
                        if i in comments), "")
        head, _, rest = comment.partition(";")
        if _KEYWORD_RE.match(head.strip()):
            try:
                spec = parse_declaration(head)
            except DeclarationError as exc:
                raise DeclarationError(f"parameter {target}: {exc}") from None
            description = rest.strip()
        else:
            spec, description = infer_spec(default), comment
        params[target] = Parameter(target, default, spec, description)
    return list(params.values())


def parse_parameters(source: str) -> dict[str, Any]:
    """The defaults of a ``parameters`` cell (``{name: default}``); see :func:`parse_parameters_cell`."""
    return {p.name: p.default for p in parse_parameters_cell(source)}


# ----------------------------------------------------------------------------- values


def _bad_text(name: str, text: str, what: str, spec: ParamSpec) -> ValueError:
    return ValueError(f"invalid {name} {checks.describe(text)}: {what}; valid values: {spec.allowed()}")


def parse_text(name: str, spec: ParamSpec, text: str) -> Any:
    """Turn command-line / profile text into a Python value of ``spec``'s type (range unchecked).

    Raises:
        ValueError: the text is not a value of that type (``'1:30'`` for an int).
    """
    t = text.strip()
    low = t.lower()
    if spec.allow_none and low in _NONE_WORDS:
        return None
    if spec.kind == "int" or (spec.kind == "choice" and spec.choices
                              and all(isinstance(c, int) for c in spec.choices)):
        if not _INT_RE.fullmatch(t):
            raise _bad_text(name, text, "not a decimal integer", spec)
        return int(t, 10)
    if spec.kind == "float" or (spec.kind == "choice" and spec.choices
                                and all(isinstance(c, float) for c in spec.choices)):
        if low in _NAN_WORDS:
            return math.nan
        if low in _INF_WORDS or low in {"-" + w.lstrip("+") for w in _INF_WORDS}:
            return -math.inf if low.startswith("-") else math.inf
        if not _FLOAT_RE.fullmatch(t):
            raise _bad_text(name, text, "not a decimal number", spec)
        return float(t)
    if spec.kind == "bool":
        if low not in ("true", "false"):
            raise _bad_text(name, text, "not true or false", spec)
        return low == "true"
    if spec.kind in ("list", "dict"):
        opener, shape = ("[", "a flow sequence like [a, b]") if spec.kind == "list" else \
            ("{", "a flow mapping like {key: value}")
        if not t.startswith(opener):
            raise _bad_text(name, text, f"not {shape}", spec)
        try:
            value = yaml.load(t, Loader=yaml.BaseLoader)  # noqa: S506 — BaseLoader builds only str/list/dict
        except RecursionError:
            raise _bad_text(name, text, f"not {shape} (nested too deeply)", spec) from None
        except yaml.YAMLError as exc:
            problem = str(getattr(exc, "problem", "") or "syntax error")
            raise _bad_text(name, text, f"not {shape} ({problem})", spec) from None
        if not isinstance(value, list if spec.kind == "list" else dict):
            raise _bad_text(name, text, f"not {shape}", spec)
        return value
    return text  # str, str choices, any


def _type_error(name: str, value: Any, valid: str) -> TypeError:
    return TypeError(f"invalid type for {name}: {type(value).__name__} ({checks.describe(value)}); "
                     f"valid types: {valid}")


def _check(name: str, spec: ParamSpec, value: Any) -> Any:
    if isinstance(value, str) and spec.kind not in ("str", "any") and not (
            spec.kind == "choice" and all(isinstance(c, str) for c in spec.choices)):
        value = parse_text(name, spec, value)
    if value is None:
        if spec.allow_none or spec.kind == "any":
            return None
        raise _type_error(name, value, spec.allowed())
    kind = spec.kind
    if kind == "any":
        return value
    if kind == "int":
        return checks.integer(name, value, min=spec.low, max=spec.high)
    if kind == "float":
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise _type_error(name, value, "float")
        if spec.allow_nan and math.isnan(float(value)):
            return math.nan
        return checks.real(name, value, min=spec.low, max=spec.high, inclusive=spec.inclusive,
                           finite=not spec.allow_inf)
    if kind == "bool":
        return checks.boolean(name, value)
    if kind == "str":
        checks.instance(name, value, str)
        if spec.pattern is not None and not re.fullmatch(spec.pattern, value):
            raise ValueError(f"invalid {name} {checks.describe(value)}; valid values: text "
                             f"matching {spec.pattern}")
        return value
    if kind == "choice":
        numeric = all(isinstance(c, int | float) for c in spec.choices)
        if isinstance(value, bool) or (numeric and not isinstance(value, numbers.Real)) or (
                isinstance(value, float) and all(isinstance(c, int) for c in spec.choices)):
            raise _type_error(name, value, spec.allowed())
        if numeric:
            value = float(value) if all(isinstance(c, float) for c in spec.choices) else int(value)
        return checks.choice(name, value, spec.choices)
    if kind == "list":
        if isinstance(value, str | bytes) or not isinstance(value, list | tuple):
            raise _type_error(name, value, f"list ({spec.allowed()})")
        items = [_check(f"{name}[{i}]", spec.element or ParamSpec("any"), v) for i, v in enumerate(value)]
        n = len(items)
        if n < spec.min_len or (spec.max_len is not None and n > spec.max_len):
            length = f"{spec.min_len}..{spec.max_len if spec.max_len is not None else ''}"
            raise ValueError(f"invalid {name} {checks.describe(list(value))}: {n} element"
                             f"{'' if n == 1 else 's'}; valid length: {length} ({spec.allowed()})")
        if spec.unique:
            seen: list[Any] = []
            for v in items:
                if v in seen:
                    raise ValueError(f"invalid {name} {checks.describe(list(value))}: "
                                     f"{checks.describe(v)} appears twice; valid values: distinct "
                                     f"elements ({spec.allowed()})")
                seen.append(v)
        return items
    if kind == "dict":
        if not isinstance(value, Mapping):
            raise _type_error(name, value, f"dict ({spec.allowed()})")
        out = {}
        for k, v in value.items():
            key = _check(f"key of {name}", spec.key or ParamSpec("str"), k)
            out[key] = _check(f"{name}[{key!r}]", spec.element or ParamSpec("any"), v)
        return out
    raise AssertionError(f"unknown spec kind {kind!r}")  # pragma: no cover


def check_value(name: str, spec: ParamSpec, value: Any, *, where: str | None = None) -> Any:
    """Check ``value`` (Python, or text from ``-p`` / a profile) against ``spec``; return it parsed.

    Args:
        name: the parameter's name, as the notebook spells it.
        spec: its declaration (:func:`parse_declaration`) or inferred spec (:func:`infer_spec`).
        value: a Python value, or text parsed by the declared type (see the module docstring).
        where: prefix of the message, e.g. ``"notebook '11_actor_inference' (-p)"``.

    Raises:
        ParameterTypeError: a value of the wrong type (also a ``TypeError``).
        UsageError: a value out of its declared range or choices, or unreadable text.
    """
    prefix = f"{where}: " if where else ""
    try:
        return _check(name, spec, value)
    except TypeError as exc:
        raise ParameterTypeError(prefix + str(exc)) from None
    except ValueError as exc:
        raise UsageError(prefix + str(exc)) from None
    except (OverflowError, RecursionError):
        raise UsageError(f"{prefix}invalid {name} {checks.describe(value)}: too large or too deeply "
                         f"nested; valid values: {spec.allowed()}") from None
