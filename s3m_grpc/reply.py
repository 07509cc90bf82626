"""``Reply``: what came back for one call, as the wire brought it (after httpx's ``Response``).

A transport only carries. It hands back the body and the status the reply came with, and raises
only for what is no reply at all: no connection, a dropped one, the deadline, a reply over the
size limit. What a status and a body mean (which S3MError, Slurm's ``errors[]``, the message) is
decided above it, once for every transport, by ``codec.decode``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from s3m_grpc.errors import SlurmError, SlurmWarning


@dataclass(frozen=True, slots=True)
class Reply:
    """One call's reply: its body and its status, nothing made of them yet."""

    #: gRPC: the response message's bytes. REST: the HTTP body (or a JSON object already decoded).
    body: bytes | Mapping[str, Any] = b""
    #: The gRPC status code (0 is OK); None for a reply over REST.
    grpc_code: int | None = 0
    #: The HTTP status; None for a reply over gRPC.
    http_status: int | None = None
    #: The gRPC status message.
    message: str = ""
    #: Slurm's errors and warnings from the gRPC status details.
    errors: tuple[SlurmError, ...] = ()
    warnings: tuple[SlurmWarning, ...] = ()
    #: Seconds the server asked us to wait (HTTP ``Retry-After``).
    retry_after: float | None = None
    #: The library's exception that brought the status (grpclib's GRPCError, grpcio's
    #: AioRpcError), kept as the S3MError's ``__cause__`` for debugging.
    cause: BaseException | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if (self.grpc_code is None) == (self.http_status is None):
            raise ValueError("a Reply has a grpc_code (gRPC) or an http_status (REST), exactly one")

    @classmethod
    def http(cls, status: int, body: bytes | Mapping[str, Any], *, retry_after: float | None = None) -> Reply:
        """A reply over REST."""
        return cls(body, grpc_code=None, http_status=status, retry_after=retry_after)

    @classmethod
    def of(cls, payload: Any) -> Reply:
        """A successful reply from its body alone: a JSON object (as REST brings it), or protobuf.

        Protobuf may be bytes, a upb message or a betterproto message (for ``MockTransport``).
        """
        if isinstance(payload, Reply):
            return payload
        if isinstance(payload, Mapping):
            return cls.http(200, payload)
        if isinstance(payload, bytes | bytearray | memoryview):
            return cls(bytes(payload))
        if hasattr(payload, "SerializeToString"):  # upb, duck-typed: protobuf stays unimported here
            return cls(bytes(payload.SerializeToString()))
        return cls(bytes(payload))  # betterproto

    @property
    def ok(self) -> bool:
        """Whether the status says the call succeeded (its body may still carry Slurm's errors)."""
        if self.http_status is not None:
            return 200 <= self.http_status < 300
        return self.grpc_code == 0

    def __repr__(self) -> str:
        # The body may be a whole listing: its size only.
        status = (
            f"http_status={self.http_status}"
            if self.http_status is not None
            else f"grpc_code={self.grpc_code}"
        )
        size = len(self.body) if isinstance(self.body, bytes) else f"{len(self.body)} keys"
        return f"Reply({status}, body={size}, message={self.message!r})"


__all__ = ["Reply"]
