"""``transport="auto"``: gRPC first, REST when the gRPC channel cannot be established.

gRPC is blocked in places REST is not (proxies that speak only HTTP/1.1, firewalls that drop
HTTP/2). The switch happens only on failures that prove nothing was sent: the connection was
refused, DNS or TLS failed, ALPN did not select h2, or the peer did not answer in HTTP/2. Such a
call is then made over REST, the choice is logged once at WARNING and kept for the factory's life.
A TLS gRPC channel never falls back to a plaintext REST base (that would be a downgrade).
A submission that may have reached the server is never sent again, whatever the policy says.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from s3m_grpc.errors import ConnectError, S3MError
from s3m_grpc.transports.base import Transport

if TYPE_CHECKING:
    from s3m_grpc.call import Call
    from s3m_grpc.reply import Reply

log = logging.getLogger("s3m_grpc.transport")


@dataclass(frozen=True, kw_only=True)
class FallbackPolicy:
    """When ``transport="auto"`` leaves gRPC for REST."""

    #: False: stay on gRPC and raise its errors.
    enabled: bool = True
    #: Failures of the gRPC channel that trigger the switch. Only ConnectError (and subclasses)
    #: proves nothing was sent; other classes listed here are honoured for idempotent RPCs only. A
    #: status the server sent is a reply, which proves the channel works: it never switches.
    on: tuple[type[S3MError], ...] = (ConnectError,)
    #: Keep using REST for the rest of the factory's life once switched.
    sticky: bool = True


class AutoTransport(Transport):
    """gRPC (grpclib) until it cannot connect, then REST."""

    name: ClassVar[str] = "auto"

    def __init__(
        self,
        grpc: Callable[[], Transport],
        rest: Callable[[], Transport],
        policy: FallbackPolicy,
        *,
        where: str,
        rest_where: str,
        downgrade: bool = False,
    ) -> None:
        self._make_grpc, self._make_rest = grpc, rest
        self._grpc: Transport | None = None
        self._rest: Transport | None = None
        self.policy = policy
        self._where, self._rest_where = where, rest_where
        self.using_rest = False
        self._warned = False
        #: True when gRPC is TLS and REST is not: then there is no fallback at all.
        self._downgrade = downgrade

    @property
    def active(self) -> str:
        """The transport calls currently go through: ``grpclib`` or ``rest``."""
        return "rest" if self.using_rest else "grpclib"

    async def unary(self, call: Call, *, timeout: float | None) -> Reply:
        """Try gRPC, unless it failed before; fall back as the policy allows."""
        if not self.using_rest:
            self._grpc = self._grpc or self._make_grpc()
            try:
                return await self._grpc.unary(call, timeout=timeout)
            except S3MError as exc:
                if not self._may_fall_back(call, exc):
                    raise
                self._switch(exc)
        self._rest = self._rest or self._make_rest()
        return await self._rest.unary(call, timeout=timeout)

    def _may_fall_back(self, call: Call, exc: S3MError) -> bool:
        if self._downgrade or not self.policy.enabled or not isinstance(exc, self.policy.on):
            return False
        if isinstance(exc, ConnectError):
            return True  # nothing was sent: safe for every RPC, submissions included
        return call.rpc.idempotent

    def _switch(self, exc: S3MError) -> None:
        if not self._warned:
            log.warning(
                "gRPC to %s is not usable (%s: %s); using the REST API at %s",
                self._where,
                type(exc).__name__,
                exc.message,
                self._rest_where,
            )
            self._warned = True
        self.using_rest = self.policy.sticky

    async def aclose(self) -> None:
        """Close whichever transports were opened."""
        for transport in (self._grpc, self._rest):
            if transport is not None:
                await transport.aclose()
        self._grpc = self._rest = None


__all__ = ["AutoTransport", "FallbackPolicy"]
