"""``Call``: one RPC as a frozen value, built once at the top and handed down to the transport.

It carries the RPC's row, the API version, the resource, the request, the token, the caller's own
metadata and the call's overall timeout, and derives once what each transport sends: the gRPC path
and metadata, the request's protobuf bytes, or its Slurm JSON body with the path and query values.
Nothing below it parses a path, unpacks metadata or encodes the request again.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import KW_ONLY, dataclass, field
from types import MappingProxyType
from typing import Any, Final

import orjson
from google.protobuf.message import Message

from s3m_grpc.auth import Token
from s3m_grpc.errors import ConfigurationError
from s3m_grpc.rpc import AUTHORIZATION_KEY, RESOURCE_KEY, ApiVersion, Rpc

Metadata = tuple[tuple[str, str], ...]

# A job id: plain, an array task "123_4", or a het job component "123+1". ASCII digits only: str.isdigit
# would accept "١٢٣" (Arabic-Indic digits), which no Slurm accepts.
JOB_ID: Final = re.compile(r"[0-9]{1,10}(?:[_+][0-9]{1,10})?", re.ASCII)
SIGNAL: Final = re.compile(r"(?:SIG)?[A-Z0-9]{1,12}", re.ASCII)
FLAGS: Final = re.compile(r"[A-Z_]{1,40}(?:,[A-Z_]{1,40}){0,15}", re.ASCII)
RESOURCE_NAME: Final = re.compile(r"[a-z][a-z0-9_-]{0,62}", re.ASCII)
_PATTERNS: Final = {"job_id": JOB_ID, "signal": SIGNAL, "flags": FLAGS, "resource_name": RESOURCE_NAME}
_PLACEHOLDER: Final = re.compile(r"{([a-z_]+)}")


@dataclass(frozen=True, slots=True)
class Call:
    """One S3M call (SlurmIndirect, Status or TokenControl), whatever carries it.

    Its wire forms are settled when it is made, once: retries and a fallback to REST send the
    same bytes, a request changed afterwards changes nothing, and a transport only reads them.
    """

    rpc: Rpc
    version: ApiVersion
    resource: str
    #: A betterproto or upb message of ``rpc.request`` (None for google.protobuf.Empty).
    request: Any
    _: KW_ONLY
    token: Token | None = None
    #: The caller's own metadata, already checked (never authorization or olcf-resource).
    metadata: Metadata = ()
    #: The whole call's deadline in seconds (retries included); None: none.
    timeout: float | None = None

    # Derived when the call is made (refusing what Slurm would not accept, before anything is sent).
    #: Path and query values from the request (job_id, signal, flags, resource_name, grpc_permissions).
    params: Mapping[str, str] = field(init=False)
    #: The gRPC method path, ``/olcf.s3m.slurm.v0043.SlurmIndirect/GetJob``.
    path: str = field(init=False)
    #: The request in protobuf's wire format.
    request_bytes: bytes = field(init=False)
    #: The body REST posts: Slurm JSON (field names as keys, integers as numbers, unset fields left
    #: out), encoded; None for the rows whose values travel in the path and query alone.
    json_body: bytes | None = field(init=False)
    #: The token's value for Authorization, or None (none set, or the open Status API).
    authorization: str | None = field(init=False, repr=False, compare=False)
    #: gRPC metadata: authorization and routing first, then the caller's own keys.
    grpc_metadata: Metadata = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        version, rpc, request = self.version, self.rpc, self.request
        params = MappingProxyType(_params(rpc, request))  # first: a bad job id says so, by name
        data = _encode(rpc, request)
        derived = {
            "params": params,
            "path": version.grpc_path(rpc),
            "request_bytes": data,
            "json_body": orjson.dumps(_request_json(self, data)) if rpc.http_method == "POST" else None,
        }
        # The token last, once the steps that can fail are done: no frame that raises holds it.
        derived.update(_credentials(self))
        for name, value in derived.items():
            object.__setattr__(self, name, value)  # frozen: the dataclass way to set derived fields

    @property
    def upb_request_class(self) -> Any:
        """The upb class of the request message."""
        if self.rpc.request == "Empty":
            from google.protobuf import empty_pb2

            return empty_pb2.Empty
        return getattr(self.version.upb, self.rpc.request)

    def __repr__(self) -> str:
        # The token is never shown; the request may be a whole batch script, so only its type.
        return (
            f"Call({self.rpc.name}, {self.version.name}, resource={self.resource!r}, "
            f"request={type(self.request).__name__}, timeout={self.timeout})"
        )


def _credentials(call: Call) -> dict[str, Any]:
    """Authorization and the gRPC metadata (the token first, then routing, then the caller's keys)."""
    token = call.token
    authorization = token.reveal() if token is not None and call.version.authenticated else None
    first: Metadata = ((AUTHORIZATION_KEY, authorization),) if authorization is not None else ()
    routing: Metadata = ((RESOURCE_KEY, call.resource),) if call.version.routed else ()
    return {"authorization": authorization, "grpc_metadata": first + routing + tuple(call.metadata)}


def _encode(rpc: Rpc, request: Any) -> bytes:
    """The request's protobuf bytes; a value protobuf cannot carry is refused here, before sending."""
    if request is None:
        return b""
    try:
        if isinstance(request, Message):  # upb
            return bytes(request.SerializeToString())
        return bytes(request)  # betterproto
    except (TypeError, ValueError, OverflowError, AttributeError) as exc:  # betterproto: a wrong type
        raise ConfigurationError(
            f"the {rpc.name} request cannot be encoded ({type(exc).__name__}: {str(exc)[:120]}); "
            "check its field types",
            rpc=rpc.name,
        ) from None


def _request_json(call: Call, data: bytes) -> dict[str, Any]:
    """The request as Slurm JSON, read from its bytes (betterproto's to_dict writes 64-bit ints as text)."""
    from s3m_grpc.slurmjson import to_json

    request = call.request
    if request is None:
        return {}
    if not isinstance(request, Message):
        request = call.upb_request_class.FromString(data)
    return to_json(request)


def _params(rpc: Rpc, request: Any) -> dict[str, str]:
    """The request's path and query values, each checked against what the gateway accepts."""
    in_path = _PLACEHOLDER.findall(rpc.route)
    out: dict[str, str] = {}
    for name in (*in_path, *rpc.query):
        value = getattr(request, name, None)
        if isinstance(value, bool):  # a flag: sent only when set, as grpc-gateway reads it
            if value:
                out[name] = "true"
            continue
        if name not in in_path and not value:
            continue  # optional: the gateway's default applies
        pattern = _PATTERNS[name]
        if not isinstance(value, str) or not pattern.fullmatch(value):
            shown = value[:40] if isinstance(value, str) else type(value).__name__
            raise ConfigurationError(f"invalid {name} {shown!r} for {rpc.name}", rpc=rpc.name)
        out[name] = value
    return out


__all__ = ["FLAGS", "JOB_ID", "SIGNAL", "Call"]
