"""Replies, read in one place for every transport: their status, then strictly what the caller asked for.

A transport hands back the ``Reply`` as it came: protobuf bytes (gRPC) or the HTTP body (REST),
with its status. ``decode`` raises the S3MError a failed status or an unusable body means (through
``errors.error_for``, the one mapping), and otherwise turns the body into either

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

import orjson
from google.protobuf.message import DecodeError

from s3m_grpc.errors import (
    JobRejected,
    ProtocolError,
    S3MError,
    ServerError,
    SlurmError,
    SlurmWarning,
    error_for,
)
from s3m_grpc.slurmjson import SlurmJsonError, to_upb

if TYPE_CHECKING:
    from s3m_grpc.call import Call
    from s3m_grpc.reply import Reply

#: How much of a body that is not JSON an error message quotes.
_EXCERPT = 120


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


def decode(call: Call, reply: Reply, want: Any) -> Any:
    """The reply of `call` as `want` (a betterproto class, or FAST); a failure raised as its S3MError.

    The steps keep one order: read the body, then raise what a failed status, an unusable body or
    Slurm's ``errors[]`` mean, then convert.
    """
    upb_class = getattr(call.version.upb, call.rpc.response)
    fast = _read(call, reply, upb_class)
    if fast is None or not reply.ok:
        raise _failure(call, reply, fast) from reply.cause
    if want is FAST:
        return fast
    message = fast.message
    if message is None:
        try:
            message = to_upb(upb_class, fast.json)
        except (SlurmJsonError, ValueError, TypeError) as exc:
            raise ProtocolError(
                f"the reply is not a valid {call.rpc.response}: {exc}", rpc=call.rpc.name
            ) from exc
    else:
        # betterproto does not check wire types: a field upb kept as unknown (the wrong wire type
        # for its number) would reach it as garbage. Only what upb understood is handed on.
        message.DiscardUnknownFields()
    return want().parse(bytes(message.SerializeToString()))


def _read(call: Call, reply: Reply, upb_class: Any) -> FastReply | None:
    """The reply's body as a FastReply; None when there is none to read (a gRPC status, no JSON object).

    An OK reply carrying Slurm's ``errors[]`` is raised here; a failed one's are read by ``_failure``.
    """
    if reply.http_status is not None:  # REST: a JSON object, or nothing usable
        data = reply.body if isinstance(reply.body, Mapping) else _json_object(reply.body)
        if data is None:
            return None
        if call.version.json == "proto3" and reply.ok:  # Status, TokenControl
            fast = FastReply(message=_from_proto3_json(call, upb_class, dict(data)))
        else:  # Slurm JSON, or grpc-gateway's error body
            fast = FastReply(json=data, descriptor=upb_class.DESCRIPTOR)
    elif reply.ok:
        try:
            fast = FastReply(message=upb_class.FromString(bytes(reply.body)))  # type: ignore[arg-type]
        except DecodeError as exc:
            raise ProtocolError(f"the reply is not a valid {call.rpc.response}", rpc=call.rpc.name) from exc
    else:
        return None  # a gRPC status: its code, message and details say it all
    if reply.ok:
        raise_for_slurm_errors(call, fast)
    return fast


def _json_object(body: Any) -> Mapping[str, Any] | None:
    try:
        data = orjson.loads(body) if body else None  # Slurm always answers with a JSON object
    except orjson.JSONDecodeError:
        return None
    return data if isinstance(data, dict) else None


def _failure(call: Call, reply: Reply, fast: FastReply | None) -> S3MError:
    """The S3MError for a failed status, or for a body that is not S3M's answer."""
    rpc = call.rpc.name
    status = reply.http_status
    if status is None:  # gRPC: the status and its details
        return error_for(
            reply.message or f"gRPC status {reply.grpc_code}",
            grpc_code=reply.grpc_code,
            errors=reply.errors,
            warnings=reply.warnings,
            rpc=rpc,
            retry_after=reply.retry_after,
        )
    if status < 400 and not 200 <= status < 300:
        # A redirect (not followed: it would carry the token) or an interim reply is never the
        # answer, whatever its body says: a captive portal or a stray proxy could invent one.
        return ProtocolError(
            f"HTTP {status}: not S3M's answer (redirects are not followed)", rpc=rpc, status_code=status
        )
    if fast is None:
        body = reply.body if isinstance(reply.body, bytes) else b""
        text = body[:_EXCERPT].decode("utf-8", "replace").replace("\n", " ")
        kind = "an empty" if not body else "a non-JSON"
        message = f"HTTP {status} with {kind} body" + (f": {text!r}" if text else "")
        if status < 400:
            return ProtocolError(message, rpc=rpc, status_code=status)
        return error_for(message, http_status=status, rpc=rpc, retry_after=reply.retry_after)
    errors, warnings = fast.errors, fast.warnings
    message = (errors[0].description or errors[0].error) if errors else f"HTTP {status}"
    said = (fast.json or {}).get("message")
    if not errors and isinstance(said, str) and said:
        message = f"HTTP {status}: {said[:300]}"  # grpc-gateway's body (Status, TokenControl)
    return error_for(
        message,
        http_status=status,
        errors=errors,
        warnings=warnings,
        rpc=rpc,
        retry_after=reply.retry_after,
    )


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
