"""``Call``: one RPC as a frozen value, built once at the top and handed down to the transport.

It carries the RPC's row, the API version, the resource, the request, the token, the caller's own
metadata and the call's overall timeout, and derives what each transport needs from them: the gRPC
path and metadata, the request's protobuf bytes, or its Slurm JSON with the path and query values.
Nothing below it parses a path or unpacks metadata again.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

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
    """One S3M call (SlurmIndirect, Status or TokenControl), whatever carries it."""

    rpc: Rpc
    version: ApiVersion
    resource: str
    #: A betterproto or upb message of ``rpc.request`` (None for google.protobuf.Empty).
    request: Any
    token: Token | None = None
    #: The caller's own metadata, already checked (never authorization or olcf-resource).
    metadata: Metadata = ()
    #: The whole call's deadline in seconds (retries included); None: none.
    timeout: float | None = None
    #: Path and query values from the request (job_id, signal, flags, resource_name, grpc_permissions),
    #: checked when the call is made.
    params: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def make(
        cls,
        rpc: Rpc,
        version: ApiVersion,
        resource: str,
        request: Any,
        *,
        token: Token | None = None,
        metadata: Metadata = (),
        timeout: float | None = None,
    ) -> Call:
        """Build a call, refusing before anything is sent a request value Slurm would not accept."""
        return cls(rpc, version, resource, request, token, metadata, timeout, _params(rpc, request))

    @property
    def path(self) -> str:
        """The gRPC method path, ``/olcf.s3m.slurm.v0043.SlurmIndirect/GetJob``."""
        return self.version.grpc_path(self.rpc)

    @property
    def upb_request_class(self) -> Any:
        """The upb class of the request message."""
        if self.rpc.request == "Empty":
            from google.protobuf import empty_pb2

            return empty_pb2.Empty
        return getattr(self.version.upb, self.rpc.request)

    def authorization(self) -> str | None:
        """The token's value for this call's Authorization, or None (none set, or the open Status API)."""
        token = self.token
        return token.reveal() if token is not None and self.version.authenticated else None

    def grpc_metadata(self) -> list[tuple[str, str]]:
        """Authorization and routing first, then the caller's own keys."""
        out = [(RESOURCE_KEY, self.resource)] if self.version.routed else []
        out += self.metadata
        authorization = self.authorization()
        if authorization is not None:
            out.insert(0, (AUTHORIZATION_KEY, authorization))
        return out

    def request_bytes(self) -> bytes:
        """The request in protobuf's wire format."""
        request = self.request
        if request is None:
            return b""
        if isinstance(request, Message):  # upb
            return bytes(request.SerializeToString())
        return bytes(request)  # betterproto

    def request_json(self) -> dict[str, Any]:
        """The request as Slurm JSON: field names as keys, integers as numbers, unset fields left out."""
        from s3m_grpc.slurmjson import to_json

        request = self.request
        if request is None:
            return {}
        if not isinstance(request, Message):  # betterproto: its to_dict writes 64-bit ints as strings
            request = self.upb_request_class.FromString(bytes(request))
        return to_json(request)

    def __repr__(self) -> str:
        # The token is never shown; the request may be a whole batch script, so only its type.
        return (
            f"Call({self.rpc.name}, {self.version.name}, resource={self.resource!r}, "
            f"request={type(self.request).__name__}, timeout={self.timeout})"
        )


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
