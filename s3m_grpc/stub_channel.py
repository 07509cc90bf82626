"""What a generated stub holds as its channel: grpclib's ``Channel.request``, routed to the factory.

betterproto's stubs call ``channel.request(route, cardinality, request_type, reply_type,
timeout=, deadline=, metadata=)`` and then ``send_message``/``recv_message`` on the stream. Here
the route is looked up once in the RPC table, and the stream turns the exchange into one
``factory.invoke`` call: the value of the call travels down from there, nothing re-parses it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from s3m_grpc.errors import Unimplemented
from s3m_grpc.rpc import ROUTES, ApiVersion, Rpc

if TYPE_CHECKING:
    from s3m_grpc.factory import S3MClientFactory


class StubChannel:
    """A generated stub's channel: each ``request`` becomes one call of the factory."""

    __slots__ = ("factory", "resource")

    def __init__(self, factory: S3MClientFactory, resource: str | None) -> None:
        self.factory = factory
        self.resource = resource

    def request(
        self,
        name: str,
        cardinality: Any,
        request_type: Any,
        reply_type: Any,
        *,
        timeout: float | None = None,
        deadline: Any = None,
        metadata: Any = None,
    ) -> UnaryStream:
        """A stream for one unary call (SlurmIndirect has only unary RPCs)."""
        found = ROUTES.get(name)
        if found is None:
            raise Unimplemented(f"{name} is not an S3M method this client can route", rpc=name)
        if getattr(cardinality, "name", "UNARY_UNARY") != "UNARY_UNARY":
            raise Unimplemented(f"{name}: only unary calls are supported", rpc=name)
        if timeout is None and deadline is not None:
            timeout = max(float(deadline.time_remaining()), 0.0)
        return UnaryStream(self, found, reply_type, timeout, metadata)


class UnaryStream:
    """The send-then-receive exchange of one unary call, made on ``recv_message``."""

    __slots__ = ("_channel", "_metadata", "_reply_type", "_request", "_route", "_timeout")

    def __init__(
        self,
        channel: StubChannel,
        route: tuple[Rpc, ApiVersion],
        reply_type: Any,
        timeout: float | None,
        metadata: Any,
    ) -> None:
        self._channel = channel
        self._route = route
        self._reply_type = reply_type
        self._timeout = timeout
        self._metadata = metadata
        self._request: Any = None

    async def __aenter__(self) -> UnaryStream:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        return None

    async def send_message(self, message: Any, *, end: bool = False) -> None:
        """Keep the request (it is sent with the call)."""
        self._request = message

    async def recv_message(self) -> Any:
        """Make the call and return its reply as the stub's response type."""
        rpc, version = self._route
        factory = self._channel.factory
        request = None if rpc.request == "Empty" else self._request
        call = factory.make_call(
            rpc,
            version,
            request,
            resource=self._channel.resource,
            timeout=self._timeout,
            metadata=self._metadata,
        )
        return await factory.invoke(call, self._reply_type)


__all__ = ["StubChannel", "UnaryStream"]
