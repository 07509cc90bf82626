"""The transport interface: one async unary call and a close. Everything else lives above it.

A transport takes a ``Call`` (the RPC's row, version, resource and metadata, and the request
already encoded, all decided above it) and returns the ``Reply`` as it came, whatever its status:
the body with its gRPC or HTTP status. It raises only when there is no reply (no connection, a
drop, the deadline, a reply over the size limit), as an S3MError; the factory names the RPC on
it. Auth, routing, retries, deadlines, reading the reply and logging are the caller's.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from s3m_grpc.call import Call
    from s3m_grpc.reply import Reply


class Transport(ABC):
    """Carries one call to S3M and brings back its reply, or raises an S3MError."""

    #: Registry name, as passed to ``S3MClientFactory(transport=...)``.
    name: ClassVar[str]

    @abstractmethod
    async def unary(self, call: Call, *, timeout: float | None) -> Reply:
        """Send `call` and return its reply; `timeout` is what is left of the call's deadline."""

    @abstractmethod
    async def aclose(self) -> None:
        """Release connections; the transport may not be used afterwards."""

    @property
    def active(self) -> str:
        """The transport calls actually go through (``auto`` reports the one it chose)."""
        return self.name

    async def __aenter__(self) -> Transport:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()


__all__ = ["Transport"]
