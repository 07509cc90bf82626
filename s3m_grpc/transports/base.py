"""The transport interface: one async unary call and a close. Everything else lives above it.

A transport takes a ``Call`` (the RPC's row, version, resource, request, token and metadata, all
decided above it) and returns the reply as it came: protobuf bytes, or a decoded JSON object. Its
library's failures become ``s3m_grpc.errors`` through ``errors.error_for``; auth, routing, retries,
deadlines, decoding and logging are the caller's.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from s3m_grpc.call import Call

#: A reply as a transport returns it: protobuf bytes, or a JSON object.
Payload = bytes | dict[str, Any]


class Transport(ABC):
    """Carries one call to S3M and brings back its reply, or raises an S3MError."""

    #: Registry name, as passed to ``S3MClientFactory(transport=...)``.
    name: ClassVar[str]

    @abstractmethod
    async def unary(self, call: Call, *, timeout: float | None) -> Payload:
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
