"""Turn domain dataclasses into store records (plain JSON) and back.

Money is a ``Decimal`` written as a string, dates are ISO strings, enums their values,
tuples lists. Decoding is driven by the dataclass type hints, so adding a field to a
domain class needs no codec change; fields missing from old records take their default.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from decimal import Decimal, InvalidOperation
from enum import Enum
from functools import cache
from typing import Any, TypeVar

import pendulum

T = TypeVar("T")

#: Store bookkeeping fields that are not part of any domain class.
META_FIELDS = ("version", "changed_by", "changed_at")


def encode(obj: Any) -> Any:
    """A domain object (or value) as JSON-ready data."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: encode(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, Enum):
        return obj.value
    if isinstance(obj, Decimal):
        return str(obj)
    if isinstance(obj, pendulum.Date) and not isinstance(obj, pendulum.DateTime):
        return obj.isoformat()
    if isinstance(obj, pendulum.DateTime):
        return obj.isoformat()
    if isinstance(obj, (list, tuple)):
        return [encode(v) for v in obj]
    if isinstance(obj, dict):
        return {k: encode(v) for k, v in obj.items()}
    return obj


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _parse_date(value: Any) -> pendulum.Date | None:
    if value in (None, ""):
        return None
    try:
        parsed = pendulum.parse(str(value), exact=True)
    except (ValueError, pendulum.parsing.exceptions.ParserError):
        return None
    if isinstance(parsed, pendulum.DateTime):
        return parsed.date()
    return parsed if isinstance(parsed, pendulum.Date) else None


def _decode_value(tp: Any, value: Any) -> Any:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if value is None:
            return None
        return _decode_value(args[0], value)
    if origin is tuple:
        args = typing.get_args(tp)
        inner = args[0] if args else Any
        if inner is str and len(args) == 4:  # fixed 4-tuple of str (payer address)
            inner = str
        return tuple(_decode_value(inner, v) for v in (value or ()))
    if origin is dict:
        return dict(value or {})
    if tp is Any:
        return value
    if isinstance(tp, type):
        if dataclasses.is_dataclass(tp):
            return decode(tp, value) if isinstance(value, dict) else value
        if issubclass(tp, Enum):
            return tp(value)
        if tp is Decimal:
            try:
                return Decimal(str(value))
            except InvalidOperation:
                return None
        if tp is pendulum.Date:
            return _parse_date(value)
        if tp is bool:
            return bool(value)
        if tp is int:
            return int(value) if value is not None else None
        if tp is str:
            return "" if value is None else str(value)
    return value


def decode(cls: type[T], record: dict[str, Any]) -> T:
    """A domain object of ``cls`` from a store record (meta fields are ignored)."""
    hints = _hints(cls)
    kwargs = {}
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]
        if f.name in record:
            kwargs[f.name] = _decode_value(hints[f.name], record[f.name])
    return cls(**kwargs)
