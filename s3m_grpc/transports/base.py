"""The transport interface: one async unary call and a close. Everything else lives above it."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any, ClassVar, TypeVar

M = TypeVar("M")
Metadata = Sequence[tuple[str, str]]


class Transport(ABC):
    """Carries one request to S3M and brings back one response message, or an S3MError.

    Auth, routing metadata, timeouts, retries and logging are decided by the caller (the factory);
    a transport only moves bytes and translates its library's failures into ``s3m_grpc.errors``.
    """

    #: Registry name, as passed to ``S3MClientFactory(transport=...)``.
    name: ClassVar[str]

    @abstractmethod
    async def unary(
        self, path: str, request: Any, response_type: type[M], *, metadata: Metadata, timeout: float | None
    ) -> M:
        """Send `request` to the gRPC method `path` and return the decoded response."""

    @abstractmethod
    async def aclose(self) -> None:
        """Release connections; the transport may not be used afterwards."""

    async def __aenter__(self) -> Transport:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()
