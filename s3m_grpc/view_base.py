"""The base of every view, and reading Slurm's values out of messages and JSON alike.

``View`` wraps one decoded element (a upb message or an orjson dict) and reads its fields on
demand; ``number``, ``no_val``, ``field_of``, ``plain`` and ``json_default`` read one value the
same way from either form. The views of jobs, nodes, partitions and reservations are in ``views``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message

Number = int | float


def number(value: Any) -> Number | None:
    """A JSON number, or one written as a string (ProtoJSON's 64-bit integers), or None."""
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            try:
                return float(value)
            except ValueError:
                return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    return None


def no_val(value: Any) -> Number | None:
    """A Slurm NoVal struct (upb message, JSON object or bare number) as ``int``, ``math.inf`` or None."""
    if value is None:
        return None
    if isinstance(value, Mapping):
        if value.get("infinite"):
            return math.inf
        return number(value.get("number", 0)) if value.get("set") else None
    if isinstance(value, Message):
        if value.infinite:
            return math.inf
        return value.number if value.set else None
    return number(value)


# (descriptor, field name) -> whether the field tracks presence; filled on first use. A listing reads
# the same few fields of thousands of messages, and asking the descriptor each time (or catching
# HasField's ValueError for fields without presence) costs more than the read itself.
_PRESENCE: dict[tuple[Any, str], bool] = {}


def field_of(raw: Message | Mapping[str, Any], name: str) -> Any:
    """A field of an upb message or JSON object; None when a field with presence is unset."""
    if not isinstance(raw, Message):
        return raw.get(name)
    key = (raw.DESCRIPTOR, name)
    presence = _PRESENCE.get(key)
    if presence is None:
        field = raw.DESCRIPTOR.fields_by_name.get(name)
        presence = _PRESENCE[key] = bool(field is not None and field.has_presence)
    if presence and not raw.HasField(name):
        return None
    return getattr(raw, name)


def plain(value: Any) -> Any:
    """A field's value as plain Python (lists for repeated fields, dicts for messages, zeros kept)."""
    if isinstance(value, Message):
        from s3m_grpc.slurmjson import to_json

        return to_json(value, defaults=True)
    if isinstance(value, (str, bytes, int, float, bool, type(None), dict)):
        return value
    if isinstance(value, Sequence) or hasattr(value, "__iter__"):
        return [plain(v) for v in value]
    return value


def json_default(field: FieldDescriptor) -> Any:
    """What a field absent from a JSON object reads as, the same as protobuf's unset value."""
    if field.is_repeated:
        return []
    if field.message_type is not None or field.has_presence:
        return None
    return field.default_value


class View:
    """Base of the views: wraps one upb message or one JSON object, read-only.

    Attributes are the message's fields, the same over gRPC and REST: a field the message does not
    have is an AttributeError either way, and one missing from a JSON answer reads as protobuf's
    unset value (``0``, ``""``, ``[]``, None for messages and ``optional`` fields).
    """

    __slots__ = ("_desc", "_raw")
    #: Field names that identify the object in its repr.
    _repr_fields: ClassVar[tuple[str, ...]] = ()

    def __init__(self, raw: Message | Mapping[str, Any], descriptor: Descriptor | None = None) -> None:
        object.__setattr__(self, "_raw", raw)
        object.__setattr__(self, "_desc", raw.DESCRIPTOR if isinstance(raw, Message) else descriptor)

    def _get(self, name: str) -> Any:
        return field_of(self._raw, name)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        raw, desc = self._raw, self._desc
        field = desc.fields_by_name.get(name) if desc is not None else None
        if desc is not None and field is None:
            raise AttributeError(f"{type(self).__name__} has no field {name!r}")
        if isinstance(raw, Mapping):
            value = raw.get(field.json_name if field is not None else name)
            return json_default(field) if value is None and field is not None else value
        return plain(self._get(name))

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is read-only")

    def to_dict(self) -> dict[str, Any]:
        """The whole object as plain Python (Slurm's JSON shape), the same document on every
        transport: json names as keys, zero values kept, fields the message lacks left out."""
        raw = self._raw
        if isinstance(raw, Mapping):
            if self._desc is None:
                return dict(raw)
            from google.protobuf import message_factory

            from s3m_grpc.slurmjson import to_json, to_upb

            # Through the message, as a protobuf reply is: a REST answer that omits a zero or
            # carries a key the contract lacks then prints the same as the gRPC answer.
            message = to_upb(message_factory.GetMessageClass(self._desc), raw)
            return to_json(message, defaults=True)
        return plain(raw)  # type: ignore[no-any-return]

    @property
    def descriptor(self) -> Descriptor | None:
        """The message type this view reads (None for a JSON object of unknown type)."""
        return self._desc

    def __repr__(self) -> str:
        if self._repr_fields:
            shown = ", ".join(f"{f}={getattr(self, f)!r}" for f in self._repr_fields)
        else:  # a generic view (a ping, a diag answer): its first few set scalar fields
            scalars = [
                (key, value)
                for key, value in self.to_dict().items()
                if isinstance(value, (str, int, float)) and value not in ("", 0)
            ]
            shown = ", ".join(f"{key}={value!r}" for key, value in scalars[:4])
        return f"{type(self).__name__}({shown})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, type(self)) and self.to_dict() == other.to_dict()

    __hash__ = None  # type: ignore[assignment]


__all__ = ["View", "field_of", "json_default", "no_val", "number", "plain"]
