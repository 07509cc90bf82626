"""``MockTransport``: answer calls with a function, in-process, for tests (after httpx's MockTransport).

    def handler(call):
        if call.rpc.name == "Ping":
            return {"pings": [{"hostname": "c1", "pinged": "UP"}]}
        raise errors.Unavailable("down for maintenance")

    async with Slurm(transport=MockTransport(handler)) as slurm: ...

The handler gets the frozen ``Call`` (RPC row, version, resource, request, metadata) and returns
the reply as a JSON object (Slurm JSON), protobuf bytes, an upb or betterproto message, or raises
an S3MError; it may be a coroutine function. Everything above the transport (auth, routing,
retries, decoding, Slurm ``errors[]``) runs as it does for real.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, ClassVar

from s3m_grpc.transports.base import Payload, Transport

if TYPE_CHECKING:
    from s3m_grpc.call import Call

Handler = Callable[["Call"], Any | Awaitable[Any]]


class MockTransport(Transport):
    """A transport whose replies come from ``handler(call)``; records every call in ``calls``."""

    name: ClassVar[str] = "mock"

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        #: Every call made, in order, with the timeout it was given.
        self.calls: list[tuple[Call, float | None]] = []
        self.closed = False

    async def unary(self, call: Call, *, timeout: float | None) -> Payload:
        """The handler's answer, as bytes or a JSON object."""
        self.calls.append((call, timeout))
        reply = self.handler(call)
        if inspect.isawaitable(reply):
            reply = await reply
        if isinstance(reply, dict | bytes):
            return reply
        if hasattr(reply, "SerializeToString"):  # a upb message (duck-typed: protobuf stays unimported)
            return bytes(reply.SerializeToString())
        return bytes(reply)  # a betterproto message

    async def aclose(self) -> None:
        """Nothing to release."""
        self.closed = True


__all__ = ["MockTransport"]
