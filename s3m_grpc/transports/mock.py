"""``MockTransport``: answer calls with a function, in-process, for tests (after httpx's MockTransport).

    def handler(call):
        if call.rpc.name == "Ping":
            return {"pings": [{"hostname": "c1", "pinged": "UP"}]}
        raise errors.Unavailable("down for maintenance")

    async with Slurm(transport=MockTransport(handler)) as slurm: ...

The handler gets the frozen ``Call`` (RPC row, version, resource, request, metadata) and returns
the reply: a JSON object (as REST brings it), protobuf bytes, an upb or betterproto message, or a
``Reply`` with a status of its own (``Reply(grpc_code=14, message="restarting")``,
``Reply.http(429, b"", retry_after=2)``); or it raises an S3MError, as a transport does when there
is no reply. It may be a coroutine function. Everything above the transport (auth, routing,
retries, reading the status, Slurm ``errors[]``) runs as it does for real.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, ClassVar

from s3m_grpc.reply import Reply
from s3m_grpc.transports.base import Transport

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

    async def unary(self, call: Call, *, timeout: float | None) -> Reply:
        """The handler's answer, as a Reply."""
        self.calls.append((call, timeout))
        reply = self.handler(call)
        if inspect.isawaitable(reply):
            reply = await reply
        return Reply.of(reply)

    async def aclose(self) -> None:
        """Nothing to release."""
        self.closed = True


__all__ = ["MockTransport"]
