"""S3M's front door, emulated: token checks, resource routing and injected faults, per call.

It runs as grpclib ``RecvRequest`` middleware, before any servicer sees the request, the way the
real gateway sits in front of slurmrestd.
"""

from __future__ import annotations

import asyncio
import hmac
from collections.abc import Callable, Collection, Coroutine, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from grpclib import GRPCError
from grpclib.const import Status
from grpclib.events import RecvRequest, listen
from grpclib.server import Server

from s3m_grpc import redact
from s3m_grpc.errors import SlurmError
from s3m_grpc.rpc import AUTHORIZATION_KEY, RESOURCE_KEY, parse_path

redact.install()  # the server's hpack decoder logs the tokens it receives, too

#: A grpclib server method: takes the stream, returns when the call is done.
Handler = Callable[[Any], Coroutine[Any, Any, None]]

#: Resources and the API versions OLCF publishes for each (olcf-s3m-docs/compute.rst).
RESOURCES: Mapping[str, tuple[str, ...]] = {
    "defiant": ("v0.0.42", "v0.0.43"),
    "odo": ("v0.0.43",),
    "wombat": ("v0.0.42",),
    "quokka": ("v0.0.42",),
}


@dataclass
class Faults:
    """Failures to inject, by RPC name ("*" matches every RPC)."""

    #: Seconds to wait before handling the call.
    latency: dict[str, float] = field(default_factory=dict)
    #: gRPC status code (and message) to fail the call with, instead of handling it.
    status: dict[str, tuple[int, str]] = field(default_factory=dict)

    def for_rpc(self, table: Mapping[str, Any], rpc: str) -> Any:
        """The entry for `rpc`, else the "*" entry, else None."""
        return table.get(rpc, table.get("*"))


@dataclass
class Gateway:
    """Accepted tokens (None: no auth), known resources, and faults to inject."""

    tokens: Collection[str] | None = None
    resources: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: dict(RESOURCES))
    faults: Faults = field(default_factory=Faults)

    def install(self, server: Server) -> None:
        """Run this gateway's checks on every request `server` receives."""
        listen(server, RecvRequest, self._on_request)

    def token_ok(self, presented: str | None) -> bool:
        """Constant-time check of a presented token against every accepted one."""
        if self.tokens is None:
            return True
        if not presented:
            return False
        given = presented.encode()
        # Compare against all of them, so the time taken does not say which one nearly matched.
        return sum(hmac.compare_digest(given, t.encode()) for t in self.tokens) > 0

    async def _on_request(self, event: RecvRequest) -> None:
        event.method_func = cast(Any, self._handler_for(event))

    def _handler_for(self, event: RecvRequest) -> Handler:
        """The servicer's handler, or one that refuses or delays the call as S3M would."""
        route = parse_path(event.method_name)
        presented = event.metadata.get(AUTHORIZATION_KEY)
        if not self.token_ok(presented if isinstance(presented, str) else None):
            return _refuse(Status.UNAUTHENTICATED, "missing or invalid S3M token")
        resource = event.metadata.get(RESOURCE_KEY)
        if not isinstance(resource, str) or resource not in self.resources:
            return _refuse(Status.NOT_FOUND, f"unknown resource {resource!r}")
        if route.api_version not in self.resources[resource]:
            return _refuse(Status.UNIMPLEMENTED, f"{resource} does not offer Slurm API {route.api_version}")
        handler: Handler = cast(Handler, event.method_func)
        forced = self.faults.for_rpc(self.faults.status, route.method)
        if forced is not None:
            handler = _refuse(Status(forced[0]), forced[1])
        delay = self.faults.for_rpc(self.faults.latency, route.method)
        if delay:
            handler = _delayed(delay, handler)
        return handler


def _refuse(status: Status, message: str) -> Handler:
    async def handler(stream: Any) -> None:
        error = SlurmError(error_number=0, error=status.name, description=message, source="s3m-gateway")
        raise GRPCError(status, message, ([error], []))

    return handler


def _delayed(seconds: float, handler: Handler) -> Handler:
    async def delayed(stream: Any) -> None:
        await asyncio.sleep(seconds)
        await handler(stream)

    return delayed
