"""Replies, decoded in one place for every transport: strictly, into what the caller asked for.

A transport hands back the reply as it came: protobuf bytes (gRPC) or a decoded JSON object (REST).
``decode`` turns that into either

* a betterproto message (what the generated stubs return): upb checks the bytes first, because
  betterproto's parser is lenient to a fault (it reads a truncated length-delimited field as an
  empty message, so a cut-off listing could pass for a short one); or
* a ``FastReply`` (what the high-level API asks for): the upb message or the JSON object itself,
  whose listings become lazy views without any copy. betterproto 2.0.0b7 needs ~7 s per 1,000
  complete jobs (bench/decode.py) where upb needs a few milliseconds for 10,000.

Slurm's ``errors[]`` in a reply that arrived with an OK status are raised here too. Status and
TokenControl replies over REST are proto3 JSON (camelCase), read with protobuf's own parser.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final

from google.protobuf.message import DecodeError

from s3m_grpc.errors import JobRejected, ProtocolError, ServerError, SlurmError, SlurmWarning
from s3m_grpc.slurmjson import SlurmJsonError, to_upb

if TYPE_CHECKING:
    from s3m_grpc.call import Call

Payload = bytes | dict[str, Any]


class _Fast:
    def __repr__(self) -> str:
        return "FAST"


#: Ask ``decode`` for a FastReply instead of a betterproto message.
FAST: Final = _Fast()


class FastReply:
    """A reply kept in the fast runtime: an upb message (gRPC) or the decoded JSON object (REST)."""

    __slots__ = ("descriptor", "json", "message")

    def __init__(
        self, *, message: Any = None, json: Mapping[str, Any] | None = None, descriptor: Any = None
    ) -> None:
        self.message = message
        self.json = json
        #: The response message's descriptor (for JSON, what its objects are).
        self.descriptor = message.DESCRIPTOR if message is not None else descriptor

    def element(self, name: str) -> Any:
        """The message descriptor of a (repeated or singular) message field's elements."""
        field = self.descriptor.fields_by_name.get(name) if self.descriptor is not None else None
        return field.message_type if field is not None else None

    def items(self, name: str) -> Sequence[Any]:
        """A repeated field's elements (upb messages or JSON objects)."""
        if self.message is not None:
            return getattr(self.message, name)  # type: ignore[no-any-return]
        value = (self.json or {}).get(name)
        return value if isinstance(value, list) else []

    def field(self, name: str) -> Any:
        """A singular field (upb message or JSON value); None when absent."""
        message = self.message
        if message is not None:
            try:
                return getattr(message, name) if message.HasField(name) else None
            except ValueError:  # a scalar without presence: 0 and "" are its unset values
                return getattr(message, name) or None
        return (self.json or {}).get(name)

    @property
    def errors(self) -> list[SlurmError]:
        """Slurm's errors[]."""
        return [_error(e) for e in self.items("errors")]

    @property
    def warnings(self) -> list[SlurmWarning]:
        """Slurm's warnings[]."""
        return [_warning(w) for w in self.items("warnings")]


def _text(value: Any, name: str) -> str:
    got = value.get(name) if isinstance(value, Mapping) else getattr(value, name, "")
    return str(got or "")


def _error(value: Any) -> SlurmError:
    number = value.get("error_number") if isinstance(value, Mapping) else getattr(value, "error_number", 0)
    try:
        number = int(number or 0)
    except (TypeError, ValueError):
        number = 0
    return SlurmError(number, _text(value, "error"), _text(value, "description"), _text(value, "source"))


def _warning(value: Any) -> SlurmWarning:
    return SlurmWarning(_text(value, "description") or _text(value, "warning"), _text(value, "source"))


def decode(call: Call, payload: Payload, want: Any) -> Any:
    """The reply of `call` as `want` (a betterproto class, or FAST), after checking its Slurm errors."""
    upb_class = getattr(call.version.upb, call.rpc.response)
    name = call.rpc.response
    if isinstance(payload, dict) and call.version.json == "proto3":  # Status, TokenControl over REST
        message = _from_proto3_json(call, upb_class, payload)
        fast = FastReply(message=message)
    elif not isinstance(payload, dict):
        try:
            message = upb_class.FromString(bytes(payload))
        except DecodeError as exc:
            raise ProtocolError(f"the reply is not a valid {name}", rpc=call.rpc.name) from exc
        fast = FastReply(message=message)
    else:
        fast = FastReply(json=payload, descriptor=upb_class.DESCRIPTOR)
        message = None
    raise_for_slurm_errors(call, fast)
    if want is FAST:
        return fast
    if message is None:
        try:
            message = to_upb(upb_class, payload)
        except (SlurmJsonError, ValueError, TypeError) as exc:
            raise ProtocolError(f"the reply is not a valid {name}: {exc}", rpc=call.rpc.name) from exc
    else:
        # betterproto does not check wire types: a field upb kept as unknown (the wrong wire type
        # for its number) would reach it as garbage. Only what upb understood is handed on.
        message.DiscardUnknownFields()
    return want().parse(bytes(message.SerializeToString()))


def _from_proto3_json(call: Call, upb_class: Any, payload: dict[str, Any]) -> Any:
    """A proto3-JSON reply as its upb message; fields this client does not know yet are skipped."""
    from google.protobuf import json_format

    try:
        return json_format.ParseDict(
            _without_empty_messages(payload, upb_class.DESCRIPTOR), upb_class(), ignore_unknown_fields=True
        )
    except json_format.ParseError as exc:
        raise ProtocolError(
            f"the reply is not a valid {call.rpc.response}: {exc}", rpc=call.rpc.name
        ) from exc


def _without_empty_messages(value: dict[str, Any], descriptor: Any) -> dict[str, Any]:
    """`value` without ``""`` where a message belongs: S3M's docs show ``"delayDate": ""`` for no date."""
    out = {}
    for key, item in value.items():
        field = descriptor.fields_by_camelcase_name.get(key) or descriptor.fields_by_name.get(key)
        kind = field.message_type if field is not None else None
        if kind is not None and item == "":
            continue
        if kind is not None and not kind.GetOptions().map_entry:
            if isinstance(item, dict):
                item = _without_empty_messages(item, kind)
            elif isinstance(item, list):
                item = [_without_empty_messages(i, kind) if isinstance(i, dict) else i for i in item]
        out[key] = item
    return out


def raise_for_slurm_errors(call: Call, reply: FastReply) -> None:
    """A reply that arrived with status OK but carries Slurm ``errors[]`` is still a failure."""
    if call.version.family != "slurm" or not reply.items("errors"):
        return
    errors, warnings = reply.errors, reply.warnings
    rpc = call.rpc.name
    if rpc == "PostJobSubmit":
        if reply.field("job_id"):
            return  # submitted despite complaints: the job exists, the caller needs its id
        raise JobRejected("Slurm rejected the job", rpc=rpc, errors=errors, warnings=warnings)
    raise ServerError("Slurm reported errors", rpc=rpc, errors=errors, warnings=warnings)


__all__ = ["FAST", "FastReply", "decode", "raise_for_slurm_errors"]
