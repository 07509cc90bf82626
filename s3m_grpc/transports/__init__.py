"""Transports, picked by name: ``grpclib`` (what betterproto2 stubs use) and ``grpcio`` (grpc.aio)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from s3m_grpc.errors import ConfigurationError
from s3m_grpc.transports.base import Metadata, Transport

if TYPE_CHECKING:
    from s3m_grpc.config import ChannelConfig

__all__ = ["TRANSPORTS", "Metadata", "Transport", "make_transport"]


def _grpclib(config: ChannelConfig) -> Transport:
    from s3m_grpc.transports.grpclib_transport import GrpclibTransport

    return GrpclibTransport(config)


def _grpcio(config: ChannelConfig) -> Transport:
    # grpcio is imported only when chosen: it costs ~100 ms of start-up.
    from s3m_grpc.transports.grpcio_transport import GrpcioTransport

    return GrpcioTransport(config)


TRANSPORTS: dict[str, Callable[[ChannelConfig], Transport]] = {"grpclib": _grpclib, "grpcio": _grpcio}


def make_transport(name: str, config: ChannelConfig) -> Transport:
    """A new transport of the registered kind `name`."""
    try:
        factory = TRANSPORTS[name]
    except KeyError:
        raise ConfigurationError(f"unknown transport {name!r}; choose one of {sorted(TRANSPORTS)}") from None
    return factory(config)
