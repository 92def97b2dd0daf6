"""Decoding store records into domain objects fast enough for 100,000-record tables.

``otq.store.codec.decode`` reads each dataclass's type hints on every value it decodes
(``typing.get_origin`` and friends), and parses every date with ``pendulum.parse``: about
0.3 ms per visit, half a minute for a 100,000-visit store. Here each class's hints are
read once and turned into one generated Python function per class, which converts every
field inline and sets it on a new object as the dataclass's ``__init__`` would, without
building keyword arguments for it (frozen: ``object.__setattr__``, field by field).

Dates, money, enum members and tuples of codes are looked up in tables rather than built
again: a store of 100,000 visits holds a few hundred distinct dates, charges and modifier
lists, and the objects are immutable, so every visit of a day shares one ``Date`` (less
time and less memory).

The result is the same object ``codec.decode`` makes (a test compares them record by
record on a generated store); anything unusual falls back to the codec's own rules.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import Any, TypeVar

import pendulum

T = TypeVar("T")
Converter = Callable[[Any], Any]

_DECODERS: dict[type, Callable[[dict[str, Any]], Any]] = {}

#: ISO text -> Date and text -> Decimal already made (both immutable, so shared)
_DATES: dict[str, pendulum.Date | None] = {}
_DECIMALS: dict[str, Decimal | None] = {}
_TUPLES: dict[tuple, tuple] = {}
#: a tuple is shared when it holds at most this many items of at most this many characters
_SHARED_ITEMS, _SHARED_TEXT = 4, 16
#: the tables stop growing here (a hostile store must not fill memory through them)
_MEMO_LIMIT = 50_000


def fast_decode(cls: type[T], record: dict[str, Any]) -> T:
    """A domain object of ``cls`` from a store record, as ``codec.decode`` would make it."""
    decoder = _DECODERS.get(cls)
    if decoder is None:
        decoder = _DECODERS[cls] = _decoder(cls)
    return decoder(record)


def decoder_for(cls: type[T]) -> Callable[[dict[str, Any]], T]:
    """``fast_decode`` for one class, without the per-call lookup (for loops over a table)."""
    decoder = _DECODERS.get(cls)
    if decoder is None:
        decoder = _DECODERS[cls] = _decoder(cls)
    return decoder


def _read_date(value: Any) -> pendulum.Date | None:
    if value in (None, ""):
        return None
    text = str(value)
    if len(text) == 10 and text[4] == "-" and text[7] == "-":
        try:
            return pendulum.Date(int(text[:4]), int(text[5:7]), int(text[8:]))
        except ValueError:
            pass  # e.g. 2026-02-30: let pendulum decide, as the codec does
    try:
        parsed = pendulum.parse(text, exact=True)
    except (ValueError, pendulum.parsing.exceptions.ParserError):
        return None
    if isinstance(parsed, pendulum.DateTime):
        return parsed.date()
    return parsed if isinstance(parsed, pendulum.Date) else None


def _read_decimal(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _memoized(read: Callable[[Any], T], memo: dict[str, T]) -> Callable[[Any], T]:
    """``read``, remembering its answer for each text (up to ``_MEMO_LIMIT`` of them)."""

    def convert(value: Any) -> T:
        if type(value) is not str:
            return read(value)
        try:
            return memo[value]
        except KeyError:
            made = read(value)
            if len(memo) < _MEMO_LIMIT:
                memo[value] = made
            return made

    return convert


#: the codec's date rule (ISO text to a Date, anything unreadable to None), remembered
_parse_date = _memoized(_read_date, _DATES)
#: text to Decimal (None when it is not a number), remembered
_decimal = _memoized(_read_decimal, _DECIMALS)


def _int(value: Any) -> int | None:
    return int(value) if value is not None else None


def _shared(value: tuple) -> tuple:
    """One object for equal short tuples of codes (modifiers, pointers, diagnoses).

    Longer tuples or longer texts (a need's visit ids) are left alone: they rarely repeat,
    and the table would only keep them alive.
    """
    if len(value) > _SHARED_ITEMS or (value and type(value[0]) is str
                                      and max(map(len, value)) > _SHARED_TEXT):
        return value
    try:
        return _TUPLES[value]
    except KeyError:
        if len(_TUPLES) < _MEMO_LIMIT:
            _TUPLES[value] = value
        return value


def _text(value: Any) -> str:
    return value if type(value) is str else ("" if value is None else str(value))


def _enum(tp: type[Enum]) -> Converter:
    """``tp(value)`` through a dict of the members (an Enum call costs a microsecond)."""
    members = dict(tp._value2member_map_)

    def convert(value: Any) -> Any:
        try:
            return members[value]
        except (KeyError, TypeError):
            return tp(value)  # the codec's answer, ValueError included

    return convert


def _converter(tp: Any) -> Converter:  # noqa: PLR0911 - one branch per kind of hint
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        inner = _converter(args[0])
        return lambda v: None if v is None else inner(v)
    if origin is tuple:
        args = typing.get_args(tp)
        item = _converter(args[0] if args else Any)
        if item is _same:
            return lambda v: tuple(v or ())
        if item is _text:
            return lambda v: _shared(tuple([x if type(x) is str else _text(x) for x in v or ()]))
        if item is _int:
            return lambda v: _shared(tuple([_int(x) for x in v or ()]))
        return lambda v: tuple([item(x) for x in v or ()])
    if origin is dict:
        return lambda v: dict(v or {})
    if tp is Any or not isinstance(tp, type):
        return _same
    if dataclasses.is_dataclass(tp):
        return lambda v: fast_decode(tp, v) if isinstance(v, dict) else v
    if issubclass(tp, Enum):
        return _enum(tp)
    if tp is Decimal:
        return _decimal
    if tp is pendulum.Date:
        return _parse_date
    if tp is bool:
        return bool
    if tp is int:
        return _int
    if tp is str:
        return _text
    return _same


def _same(value: Any) -> Any:
    return value


def _decoder(cls: type) -> Callable[[dict[str, Any]], Any]:
    """A function that makes a ``cls`` from a record the way ``cls(**converted)`` would.

    The generated code reads each field once, converts it (``str`` fields, the most
    common, inline) and sets it with ``object.__setattr__`` (not through ``__dict__``,
    which would give every object a dict of its own); a field the record lacks gets its
    default. A record missing a required field goes through ``cls(...)`` for its error.
    Classes with slots, ``__post_init__`` or ``init=False`` fields always do.
    """
    hints = typing.get_type_hints(cls)
    fields = dataclasses.fields(cls)
    plan = [(f.name, _converter(hints[f.name])) for f in fields]

    def slow(record: dict[str, Any]) -> Any:
        return cls(**{name: conv(record[name]) for name, conv in plan if name in record})

    if (hasattr(cls, "__slots__") or hasattr(cls, "__post_init__")
            or any(not f.init for f in fields)):
        return slow
    env: dict[str, Any] = {"_cls": cls, "_new": object.__new__, "_slow": slow,
                           "_set": object.__setattr__,
                           "_MISSING": dataclasses.MISSING, "_text": _text}
    lines = ["def decode(r):", "    get = r.get", "    obj = _new(_cls)"]
    for i, f in enumerate(fields):
        conv = plan[i][1]
        env[f"_c{i}"] = conv
        value = "v if type(v) is str else _text(v)" if conv is _text else f"_c{i}(v)"
        lines.append(f"    v = get({f.name!r}, _MISSING)")
        lines.append("    if v is not _MISSING:")
        lines.append(f"        _set(obj, {f.name!r}, {value})")
        if f.default is not dataclasses.MISSING:
            env[f"_d{i}"] = f.default
            lines += ["    else:", f"        _set(obj, {f.name!r}, _d{i})"]
        elif f.default_factory is not dataclasses.MISSING:
            env[f"_f{i}"] = f.default_factory
            lines += ["    else:", f"        _set(obj, {f.name!r}, _f{i}())"]
        else:
            lines += ["    else:", "        return _slow(r)"]
    lines.append("    return obj")
    exec("\n".join(lines), env)  # noqa: S102 - our own text, from the class's fields
    return env["decode"]
