"""Slurm's JSON <-> our messages, tolerant the way real slurmrestd output needs.

Slurm's JSON is not ProtoJSON: keys are the snake_case field names, integers are JSON numbers (also
the 64-bit ones), and NoVal structs are objects. ``normalize`` turns a decoded JSON object into a
clean dict that protobuf's upb constructor accepts, walking the message descriptor:

* unknown keys are dropped (each is logged once at DEBUG), or raise with ``strict=True``;
* ``null`` means "unset";
* a bare number where a NoVal struct is expected becomes ``{"set": true, "number": n}`` (older
  data_parsers and slurmdbd write plain integers);
* an integer where a string is expected becomes its decimal text (v0.0.42 era ``meta`` versions);
* a scalar where an array is expected becomes a one-element array.

Anything that still does not fit raises ``SlurmJsonError`` with the JSON path.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message

log = logging.getLogger("s3m_grpc.slurmjson")

F = FieldDescriptor
_INTEGER_RANGES = {
    F.TYPE_INT32: (-(2**31), 2**31 - 1),
    F.TYPE_INT64: (-(2**63), 2**63 - 1),
    F.TYPE_UINT32: (0, 2**32 - 1),
    F.TYPE_UINT64: (0, 2**64 - 1),
}
_NO_VAL = frozenset({"Uint16NoVal", "Uint32NoVal", "Uint64NoVal", "Float64NoVal"})
_warned_unknown: set[tuple[str, str]] = set()


class SlurmJsonError(ValueError):
    """A JSON value that cannot become the message field it is meant for."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path or '<root>'}: {problem}")
        self.path = path
        self.problem = problem


@dataclass(frozen=True)
class _Field:
    name: str
    kind: int
    repeated: bool
    message: Descriptor | None
    no_val: bool


@functools.cache
def _fields(desc: Descriptor) -> dict[str, _Field]:
    return {
        f.name: _Field(
            f.name,
            f.type,
            f.is_repeated,
            f.message_type,
            f.message_type is not None and f.message_type.name in _NO_VAL,
        )
        for f in desc.fields
    }


def normalize(desc: Descriptor, data: Any, *, strict: bool = False, path: str = "") -> dict[str, Any]:
    """A dict of `data` that the upb class of `desc` accepts as keyword arguments."""
    if not isinstance(data, Mapping):
        raise SlurmJsonError(path, f"expected an object for {desc.name}, got {type(data).__name__}")
    fields = _fields(desc)
    out: dict[str, Any] = {}
    for key, value in data.items():
        field = fields.get(key)
        if field is None:
            if strict:
                raise SlurmJsonError(f"{path}/{key}", f"{desc.full_name} has no field {key!r}")
            if (desc.full_name, key) not in _warned_unknown:
                _warned_unknown.add((desc.full_name, key))
                log.debug("ignoring unknown key %r in %s (a newer Slurm?)", key, desc.full_name)
            continue
        if value is None:
            continue
        where = f"{path}/{key}"
        if field.repeated:
            items = value if isinstance(value, list) else [value]
            out[key] = [_value(field, item, strict, f"{where}/{i}") for i, item in enumerate(items)]
        else:
            out[key] = _value(field, value, strict, where)
    return out


def _value(field: _Field, value: Any, strict: bool, path: str) -> Any:
    kind = field.kind
    if field.message is not None:
        if field.no_val and isinstance(value, (int, float)) and not isinstance(value, bool):
            value = {"set": True, "number": value}
        return normalize(field.message, value, strict=strict, path=path)
    if kind == F.TYPE_STRING:
        if isinstance(value, str):
            return value
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(value)
        raise SlurmJsonError(path, f"expected a string, got {type(value).__name__}")
    if kind == F.TYPE_BOOL:
        if isinstance(value, bool):
            return value
        raise SlurmJsonError(path, f"expected true/false, got {type(value).__name__}")
    if kind == F.TYPE_DOUBLE:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        raise SlurmJsonError(path, f"expected a number, got {type(value).__name__}")
    low, high = _INTEGER_RANGES[kind]
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool):
        raise SlurmJsonError(path, f"expected an integer, got {type(value).__name__}")
    if not low <= value <= high:
        raise SlurmJsonError(path, f"{value} is outside the field's range [{low}, {high}]")
    return value


def to_json(message: Message) -> dict[str, Any]:
    """An upb message as Slurm JSON: the fields that are set, integers as numbers (not ProtoJSON strings)."""
    out: dict[str, Any] = {}
    for field, value in message.ListFields():
        if field.type == F.TYPE_MESSAGE:
            out[field.name] = [to_json(v) for v in value] if field.is_repeated else to_json(value)
        else:
            out[field.name] = list(value) if field.is_repeated else value
    return out


def to_upb(message_class: type[Message], data: Any, *, strict: bool = False) -> Message:
    """Build an upb message of `message_class` from Slurm JSON (already decoded)."""
    return message_class(**normalize(message_class.DESCRIPTOR, data, strict=strict))
