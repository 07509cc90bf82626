"""Transports, picked by name (``grpclib``, ``grpcio``, ``rest``, ``auto``) or passed as an instance.

``auto`` (the factory's default) starts on gRPC and switches to REST when the gRPC channel cannot
be established; see ``FallbackPolicy``. ``MockTransport(handler)`` answers calls with a function,
for tests without sockets.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from s3m_grpc.errors import ConfigurationError
from s3m_grpc.reply import Reply
from s3m_grpc.transports.base import Transport
from s3m_grpc.transports.fallback import FallbackPolicy
from s3m_grpc.transports.mock import MockTransport

if TYPE_CHECKING:
    from s3m_grpc.config import ChannelConfig

__all__ = ["TRANSPORTS", "FallbackPolicy", "MockTransport", "Reply", "Transport", "make_transport"]


def _grpclib(config: ChannelConfig, policy: FallbackPolicy) -> Transport:
    from s3m_grpc.transports.grpclib_transport import GrpclibTransport

    return GrpclibTransport(config)


def _grpcio(config: ChannelConfig, policy: FallbackPolicy) -> Transport:
    # grpcio is imported only when chosen: it costs ~100 ms of start-up.
    from s3m_grpc.transports.grpcio_transport import GrpcioTransport

    return GrpcioTransport(config)


def _rest(config: ChannelConfig, policy: FallbackPolicy) -> Transport:
    from s3m_grpc.transports.rest_transport import RestTransport

    return RestTransport(config)


def _auto(config: ChannelConfig, policy: FallbackPolicy) -> Transport:
    from s3m_grpc.transports.fallback import AutoTransport

    return AutoTransport(
        lambda: _grpclib(config, policy),
        lambda: _rest(config, policy),
        policy,
        where=config.target.authority,
        rest_where=config.rest_base_url,
        # A TLS channel never falls back to plaintext REST: a failed handshake may be an attacker's.
        downgrade=config.tls and not config.rest_base_url.startswith("https://"),
    )


TRANSPORTS: dict[str, Callable[[ChannelConfig, FallbackPolicy], Transport]] = {
    "auto": _auto,
    "grpclib": _grpclib,
    "grpcio": _grpcio,
    "rest": _rest,
}


def make_transport(name: str, config: ChannelConfig, policy: FallbackPolicy | None = None) -> Transport:
    """A new transport of the registered kind `name`."""
    try:
        factory = TRANSPORTS[name]
    except KeyError:
        raise ConfigurationError(f"unknown transport {name!r}; choose one of {sorted(TRANSPORTS)}") from None
    return factory(config, policy or FallbackPolicy())
