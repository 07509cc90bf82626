"""Slurm's JSON <-> our messages, tolerant the way real slurmrestd output needs.

Slurm's JSON is not ProtoJSON: keys are the snake_case field names, integers are JSON numbers (also
the 64-bit ones), and NoVal structs are objects. ``normalize`` turns a decoded JSON object into a
clean dict that protobuf's upb constructor accepts, walking the message descriptor:

* unknown keys are dropped (each is logged once at DEBUG), or raise with ``strict=True``;
* ``null`` means "unset";
* a bare number where a NoVal struct is expected becomes ``{"set": true, "number": n}`` (older
  data_parsers and slurmdbd write plain integers);
* an integer where a string is expected becomes its decimal text (v0.0.42 era ``meta`` versions);
* a number written as a string (ProtoJSON's form of 64-bit integers, which S3M's grpc-gateway may
  send) becomes the number;
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
_NO_VAL = frozenset(
    {"Int32NoVal", "Int64NoVal", "Uint16NoVal", "Uint32NoVal", "Uint64NoVal", "Float32NoVal", "Float64NoVal"}
)
# Unknown keys already logged. Bounded: the keys come from the network, and a peer that sends a
# new key with every reply must not grow this process (the first few are the useful ones anyway).
_warned_unknown: set[tuple[str, str]] = set()
_WARN_LIMIT = 256


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
    enum_names: frozenset[str] = frozenset()


@functools.cache
def _fields(desc: Descriptor) -> dict[str, _Field]:
    """A message's fields by JSON key: the json name (S3M's are Slurm's keys: ``CPU``), and the
    field name too where it differs."""
    out: dict[str, _Field] = {}
    for f in desc.fields:
        entry = _Field(
            f.name,
            f.type,
            f.is_repeated,
            f.message_type,
            f.message_type is not None and f.message_type.name in _NO_VAL,
            frozenset(v.name for v in f.enum_type.values) if f.enum_type is not None else frozenset(),
        )
        for key in dict.fromkeys((f.json_name, f.name)):
            out[key] = entry
    return out


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
            if len(_warned_unknown) < _WARN_LIMIT and (desc.full_name, key) not in _warned_unknown:
                _warned_unknown.add((desc.full_name, key))
                log.debug("ignoring unknown key %r in %s (a newer Slurm?)", key[:64], desc.full_name)
            continue
        if value is None:
            continue
        where = f"{path}/{key}"
        if field.repeated:
            items = value if isinstance(value, list) else [value]
            out[field.name] = [_value(field, item, strict, f"{where}/{i}") for i, item in enumerate(items)]
        else:
            out[field.name] = _value(field, value, strict, where)
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
    if kind == F.TYPE_ENUM:
        names = field.enum_names
        if isinstance(value, str) and value in names:
            return value
        if isinstance(value, int) and not isinstance(value, bool):
            return value  # a value a newer server added: proto3 enums are open
        raise SlurmJsonError(path, f"expected one of {sorted(names)}, got {value!r}")
    if kind in (F.TYPE_DOUBLE, F.TYPE_FLOAT):
        if isinstance(value, str):
            try:
                value = float(value)  # ProtoJSON: "1.5", "NaN", "Infinity"
            except ValueError:
                raise SlurmJsonError(path, f"expected a number, got {value[:40]!r}") from None
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        raise SlurmJsonError(path, f"expected a number, got {type(value).__name__}")
    low, high = _INTEGER_RANGES[kind]
    if isinstance(value, str) and value.isascii() and value.lstrip("-").isdigit() and len(value) <= 20:
        value = int(value)  # ProtoJSON writes 64-bit integers as strings
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool):
        raise SlurmJsonError(path, f"expected an integer, got {type(value).__name__}")
    if not low <= value <= high:
        raise SlurmJsonError(path, f"{value} is outside the field's range [{low}, {high}]")
    return value


def to_json(message: Message, *, defaults: bool = False) -> dict[str, Any]:
    """An upb message as Slurm JSON: json names as keys, integers as numbers (not ProtoJSON strings).

    Without `defaults`, only the fields that are set; with it, every scalar and repeated field too
    (0, "", false, []), so that a reply reads the same whether it came as protobuf, where zero
    values are not on the wire, or as JSON. Sub-messages appear when they are present.
    """
    out: dict[str, Any] = {}
    if defaults:
        for field in message.DESCRIPTOR.fields:
            if field.type == F.TYPE_MESSAGE and not field.is_repeated and not message.HasField(field.name):
                continue
            if field.has_presence and field.type != F.TYPE_MESSAGE and not message.HasField(field.name):
                continue  # proto3 `optional` and unset: absent, as Slurm's "not given"
            out[field.json_name] = _json_value(field, getattr(message, field.name), defaults)
        return out
    for field, value in message.ListFields():
        out[field.json_name] = _json_value(field, value, defaults)
    return out


def _json_value(field: FieldDescriptor, value: Any, defaults: bool) -> Any:
    if field.type == F.TYPE_MESSAGE:
        if field.message_type.GetOptions().map_entry:
            inner = field.message_type.fields_by_name["value"]
            return {k: _json_value(inner, v, defaults) for k, v in value.items()}
        if field.is_repeated:
            return [to_json(v, defaults=defaults) for v in value]
        return to_json(value, defaults=defaults)
    if field.type == F.TYPE_ENUM:
        names = field.enum_type.values_by_number

        def convert(number: int) -> str | int:
            return names[number].name if number in names else number

        return [convert(v) for v in value] if field.is_repeated else convert(value)
    return list(value) if field.is_repeated else value


@functools.cache
def _renames(desc: Descriptor) -> bool:
    """Whether a message, or one inside it, has a field whose json name is not its name."""
    seen: set[str] = set()

    def walk(d: Descriptor) -> bool:
        if d.full_name in seen:
            return False
        seen.add(d.full_name)
        return any(
            f.json_name != f.name or (f.message_type is not None and walk(f.message_type)) for f in d.fields
        )

    return walk(desc)


def json_keys(desc: Descriptor, data: dict[str, Any]) -> dict[str, Any]:
    """`normalize`'s output (keyed by field names) keyed by json names, for writing JSON."""
    if not _renames(desc):
        return data
    out: dict[str, Any] = {}
    for name, value in data.items():
        field = desc.fields_by_name[name]
        if field.message_type is not None and not field.message_type.GetOptions().map_entry:
            inner = field.message_type
            value = [json_keys(inner, v) for v in value] if field.is_repeated else json_keys(inner, value)
        out[field.json_name] = value
    return out


def to_upb(message_class: type[Message], data: Any, *, strict: bool = False) -> Message:
    """Build an upb message of `message_class` from Slurm JSON (already decoded)."""
    return message_class(**normalize(message_class.DESCRIPTOR, data, strict=strict))


__all__ = ["F", "SlurmJsonError", "json_keys", "normalize", "to_json", "to_upb"]
