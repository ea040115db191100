"""How a conversation's state, a campaign's audience or schedule is kept as JSON, for any
dataclass: `dump(state)` and `load(VoteState, data)`.

The stored form is the dataclass's fields by name, enums by value, dates in ISO form, and a
`version`. A field added with a default needs nothing: a state stored before it loads with the
default. A change that an old state cannot simply be read into (a field renamed, a meaning
changed) raises the class's `VERSION` and gives it `upgrade(data, version)`, which brings an
older stored form up to date before it is read; a conversation stopped halfway through months
ago therefore resumes where it was.
"""

import dataclasses
import types
import typing
from collections.abc import Callable, Mapping
from datetime import date, datetime, time
from enum import Enum
from typing import Any, TypeVar, get_args, get_origin, get_type_hints

T = TypeVar("T")

Convert = Callable[[Any], Any]


class UnreadableState(ValueError):
    """A stored form this code cannot read: written by a newer version, or damaged."""


def dump(value: Any) -> dict[str, Any]:
    """The dataclass `value` as a JSON object, with its class's version."""
    kind = type(value)
    data: dict[str, Any] = {"version": getattr(kind, "VERSION", 1)}
    for name, (to_json, _) in _plan(kind).items():
        data[name] = to_json(getattr(value, name))
    return data


def load(kind: type[T], data: Mapping[str, Any]) -> T:
    """The dataclass `kind` read back from `dump`'s form, or an older one brought up to date.
    Fields missing from the stored form take their default."""
    current = getattr(kind, "VERSION", 1)
    version = data.get("version", 1)
    if not isinstance(version, int) or version > current:
        raise UnreadableState(f"{kind.__name__} stored as version {version!r}, read {current}")
    if version < current:
        data = kind.upgrade(dict(data), version)  # type: ignore[attr-defined]
    plan = _plan(kind)
    try:
        values = {name: plan[name][1](value) for name, value in data.items() if name in plan}
        return kind(**values)
    except (TypeError, ValueError, KeyError) as error:
        raise UnreadableState(f"{kind.__name__}: {error}") from error


_plans: dict[type, dict[str, tuple[Convert, Convert]]] = {}


def _plan(kind: type) -> dict[str, tuple[Convert, Convert]]:
    """For each field of `kind`: how its value is written, and how it is read back (worked out
    once per class: reading type hints costs more than a state's whole conversion)."""
    plan = _plans.get(kind)
    if plan is None:
        if not dataclasses.is_dataclass(kind):
            raise TypeError(f"{kind!r} is not a dataclass")
        hints = get_type_hints(kind)
        fields = dataclasses.fields(kind)
        plan = _plans[kind] = {field.name: _converters(hints[field.name]) for field in fields}
    return plan


def _same(value: Any) -> Any:
    return value


def _converters(hint: Any) -> tuple[Convert, Convert]:
    origin, args = get_origin(hint), get_args(hint)
    if origin in (typing.Union, types.UnionType):
        options = [arg for arg in args if arg is not type(None)]
        if len(options) != 1:
            raise TypeError(f"only `X | None` unions are kept, not {hint!r}")
        write, read = _converters(options[0])
        return (
            lambda value: None if value is None else write(value),
            lambda value: None if value is None else read(value),
        )
    if origin in (list, tuple) or hint in (list, tuple):
        item = args[0] if args else Any
        write, read = _converters(item)
        collect: Callable[[Any], Any] = tuple if origin is tuple or hint is tuple else list
        return (
            lambda value: [write(entry) for entry in value],
            lambda value: collect(read(entry) for entry in value),
        )
    if origin is dict or hint is dict:
        key_type, value_type = args if args else (str, Any)
        write, read = _converters(value_type)
        # JSON keys are strings: an int key is written as its digits and read back as an int.
        read_key: Convert = int if key_type is int else str
        return (
            lambda value: {str(key): write(entry) for key, entry in value.items()},
            lambda value: {read_key(key): read(entry) for key, entry in value.items()},
        )
    if isinstance(hint, type):
        if issubclass(hint, Enum):
            enum = hint
            return (lambda value: value.value), enum
        if issubclass(hint, datetime):
            return (lambda value: value.isoformat()), datetime.fromisoformat
        if issubclass(hint, date):
            return (lambda value: value.isoformat()), date.fromisoformat
        if issubclass(hint, time):
            return (lambda value: value.isoformat()), time.fromisoformat
        if dataclasses.is_dataclass(hint):
            nested = hint
            return dump, lambda value: load(nested, value)
        if hint in (str, int, float, bool):
            return _same, _same
    if hint is Any:
        return _same, _same
    raise TypeError(f"no stored form for {hint!r}")
