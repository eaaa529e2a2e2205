"""Numbers that are either Python values or DuckDB SQL expressions.

The world's formulas (``model.py``) are written once over these: given Python numbers
they return the number (``World``, one key at a time); given ``Sql`` columns they return
the SQL text that computes the same number for every row (the scale generator). The
helpers here are the few operations the formulas need beyond ``+ - * / % **`` and ``<``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeAlias


def _operator(op: str, swap: bool = False) -> Callable[[Sql, object], Sql]:
    def apply(self: Sql, other: object) -> Sql:
        a, b = (lit(other), self.text) if swap else (self.text, lit(other))
        return Sql(f"pow({a}, {b})" if op == "**" else f"({a} {op} {b})")

    return apply


class Sql:
    """A SQL expression; arithmetic on it builds a bigger one. DuckDB's ``/`` divides as
    doubles like Python's; ``//`` and ``%`` are only used on integers."""

    __slots__ = ("text",)

    def __init__(self, text: str):
        self.text = text

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"Sql({self.text!r})"

    __add__, __radd__ = _operator("+"), _operator("+", True)
    __sub__, __rsub__ = _operator("-"), _operator("-", True)
    __mul__, __rmul__ = _operator("*"), _operator("*", True)
    __truediv__, __rtruediv__ = _operator("/"), _operator("/", True)
    __pow__, __rpow__ = _operator("**"), _operator("**", True)
    __and__, __rand__ = _operator("and"), _operator("and", True)
    __floordiv__, __mod__ = _operator("//"), _operator("%")
    __lt__, __ge__ = _operator("<"), _operator(">=")

    def __neg__(self) -> Sql:
        return Sql(f"(- {self.text})")


# What a formula takes and returns: a Python value, or SQL computing it per row.
Num: TypeAlias = Any
# A uniform draw in [0, 1) under a tag, for the key a formula is evaluated at.
Draw = Callable[[str], Num]
# ``n`` bytes' worth of hex characters under a tag, for the same key.
HexId = Callable[[int, str], Num]


def lit(value: object) -> str:
    """A Python value (or an expression) as SQL text."""
    if isinstance(value, Sql):
        return value.text
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    if isinstance(value, float):  # a double, as in Python (a bare 0.62 would be a DECIMAL)
        return f"{value!r}::double"
    return repr(value)


def trunc(x: Num) -> Num:
    """``int(x)``: toward zero (every formula's argument is non-negative)."""
    return Sql(f"cast(trunc({x}) as bigint)") if isinstance(x, Sql) else int(x)


def exp(x: Num) -> Num:
    return Sql(f"exp({x})") if isinstance(x, Sql) else math.exp(x)


def least(a: Num, b: Num) -> Num:
    return Sql(f"least({lit(a)}, {lit(b)})") if isinstance(a, Sql) else min(a, b)


def greatest(a: Num, b: Num) -> Num:
    return Sql(f"greatest({lit(a)}, {lit(b)})") if isinstance(a, Sql) else max(a, b)


def choose(condition: Num, then: Num, otherwise: Num) -> Num:
    if isinstance(condition, Sql):
        return Sql(f"(case when {condition} then {lit(then)} else {lit(otherwise)} end)")
    return then if condition else otherwise


def when_present(x: Num, then: Callable[[Num], Num], otherwise: Num) -> Num:
    """``then(x)``, or ``otherwise`` where ``x`` is missing (None, SQL null)."""
    if isinstance(x, Sql):
        return Sql(f"(case when {x} is null then {lit(otherwise)} else {lit(then(x))} end)")
    return otherwise if x is None else then(x)


def is_in(x: Num, values: Sequence[object]) -> Num:
    if isinstance(x, Sql):
        return Sql(f"({x} in ({', '.join(lit(v) for v in values)}))")
    return x in values


def item(options: Sequence[str], index: Num) -> Num:
    """``options[index]`` (SQL lists count from 1)."""
    if isinstance(index, Sql):
        return Sql(f"[{', '.join(lit(o) for o in options)}][{index} + 1]")
    return options[index]


def left(x: Num, n: int) -> Num:
    """The first ``n`` characters of a string."""
    return Sql(f"left({x}, {n})") if isinstance(x, Sql) else x[:n]


def concat(*parts: Num) -> Num:
    if any(isinstance(p, Sql) for p in parts):
        return Sql(f"concat({', '.join(lit(p) for p in parts)})")
    return "".join(str(p) for p in parts)


def zero_padded(x: Num, width: int) -> Num:
    """An integer written with ``width`` digits at least."""
    if isinstance(x, Sql):
        return Sql(f"lpad(cast({x} as varchar), {width}, '0')")
    return f"{x:0{width}d}"


def by_key(key: Num, keys: Iterable[str], case: Callable[[str], Num]) -> Num:
    """``case(key)`` for a key (a string, or a column holding one of ``keys``)."""
    if isinstance(key, Sql):
        whens = " ".join(f"when {lit(k)} then {lit(case(k))}" for k in keys)
        return Sql(f"(case {key} {whens} end)")
    return case(key)
