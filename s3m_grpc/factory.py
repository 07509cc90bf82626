"""``S3MClientFactory``: OLCF's documented entry point, stubs wired to one shared channel.

    async with S3MClientFactory("s3m.olcf.ornl.gov", token) as factory:
        client = factory.create_client(SlurmIndirectStub)
        pong = await client.ping(Empty())

Every call made through a created stub passes through ``_Binding.call``: it adds the auth and
routing metadata (which survive any metadata the caller passes), applies the default or per-call
timeout, logs the call without secrets, and hands the request to the factory's transport.
"""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Iterable, Mapping
from typing import Any, Final, TypeVar

from s3m_grpc.auth import Token, resolve_token
from s3m_grpc.config import (
    DEFAULT,
    EMULATOR_HOST_ENV,
    EMULATOR_REST_ENV,
    MAX_RECEIVE_BYTES,
    ChannelConfig,
    Keepalive,
    OrDefault,
    Timeouts,
    channel_config,
    parse_target,
)
from s3m_grpc.errors import (
    ConfigurationError,
    InvalidArgument,
    JobRejected,
    S3MError,
    ServerError,
    SlurmError,
    SlurmWarning,
    Unavailable,
)
from s3m_grpc.retry import RetryPolicy
from s3m_grpc.rpc import API_VERSION_KEY, AUTHORIZATION_KEY, RESOURCE_KEY, Route, package_of, parse_path
from s3m_grpc.transports import TRANSPORTS, FallbackPolicy, Transport, make_transport
from s3m_grpc.validate import check_request

log = logging.getLogger("s3m_grpc.calls")

S = TypeVar("S")

RESOURCE_ENV: Final = "S3M_RESOURCE"
DEFAULT_RESOURCE: Final = "defiant"
RESERVED_KEYS: Final = frozenset({AUTHORIZATION_KEY, RESOURCE_KEY, API_VERSION_KEY})

# Resource names go into metadata and, over REST, into URL paths: short lowercase names only.
_RESOURCE = re.compile(r"^[a-z][a-z0-9_-]{0,62}$")


def validate_resource(name: str) -> str:
    """Return `name` if it is a plausible S3M resource name (``defiant``), else raise ConfigurationError."""
    if not isinstance(name, str) or not _RESOURCE.fullmatch(name):
        raise ConfigurationError(
            f"invalid resource name {name!r}: expected lowercase letters, digits, '-' or '_'"
        )
    return name


class S3MClientFactory:
    """Creates S3M gRPC stubs that share one lazily opened channel; an async context manager."""

    def __init__(
        self,
        url: str,
        token: str | Token | None = None,
        *,
        resource: str | None = None,
        transport: str = "auto",
        tls: bool | None = None,
        insecure: bool = False,
        ca_file: str | os.PathLike[str] | None = None,
        server_hostname: str | None = None,
        token_file: str | os.PathLike[str] | None = None,
        timeouts: OrDefault[Timeouts] = DEFAULT,
        keepalive: OrDefault[Keepalive] = DEFAULT,
        max_receive_bytes: int = MAX_RECEIVE_BYTES,
        rest_url: str | None = None,
        enclave: str | None = "open",
        fallback: OrDefault[FallbackPolicy] = DEFAULT,
        retry: OrDefault[RetryPolicy] = DEFAULT,
    ) -> None:
        """Validate everything up front; nothing connects until the first call.

        ``url`` is ``host[:port]`` (port 443) or a URL such as ``http://127.0.0.1:50051``. The token
        comes from ``token``, else ``S3M_TOKEN``, else the header file ``token_file`` /
        ``S3M_TOKEN_FILE``; without one, calls go out unauthenticated (S3M's status API allows that).
        ``resource`` defaults to ``S3M_RESOURCE``, else ``defiant``. TLS is on unless the host is a
        loopback address; plaintext elsewhere needs ``insecure=True``. ``transport`` is ``"auto"``
        (gRPC, switching to REST when gRPC cannot connect; see ``fallback``), ``"grpclib"``,
        ``"grpcio"`` or ``"rest"``. REST goes to ``rest_url`` (default: the gRPC host and port) under
        ``/slurm/{enclave}/`` (default ``open``, as in OLCF's current docs; None gives ``/slurm/``).
        """
        emulator = os.environ.get(EMULATOR_HOST_ENV, "").strip()
        if emulator:
            # Like PUBSUB_EMULATOR_HOST: the same code, pointed at a local emulator.
            log.info(
                "%s is set: using the S3M emulator at %s instead of %s", EMULATOR_HOST_ENV, emulator, url
            )
            url = emulator
            rest_url = os.environ.get(EMULATOR_REST_ENV, "").strip() or rest_url
        if transport not in TRANSPORTS:
            raise ConfigurationError(f"unknown transport {transport!r}; choose one of {sorted(TRANSPORTS)}")
        self._target = parse_target(url)
        self._token = resolve_token(token, token_file=token_file, required=False)
        self._resource = validate_resource(resource or os.environ.get(RESOURCE_ENV) or DEFAULT_RESOURCE)
        self._transport_name = transport
        self._timeouts = Timeouts() if timeouts is DEFAULT else timeouts
        if not isinstance(self._timeouts, Timeouts):
            raise ConfigurationError(f"timeouts must be a Timeouts value, got {type(timeouts).__name__}")
        if keepalive is not DEFAULT and not isinstance(keepalive, Keepalive):
            raise ConfigurationError(f"keepalive must be a Keepalive value, got {type(keepalive).__name__}")
        if isinstance(max_receive_bytes, bool) or not isinstance(max_receive_bytes, int):
            raise ConfigurationError("max_receive_bytes must be an integer number of bytes")
        self._config: ChannelConfig = channel_config(
            self._target,
            tls=tls,
            insecure=insecure,
            ca_file=ca_file,
            server_hostname=server_hostname,
            keepalive=Keepalive() if keepalive is DEFAULT else keepalive,
            max_receive_bytes=max_receive_bytes,
            rest_url=rest_url,
            enclave=enclave,
        )
        if fallback is not DEFAULT and not isinstance(fallback, FallbackPolicy):
            raise ConfigurationError(f"fallback must be a FallbackPolicy, got {type(fallback).__name__}")
        self._fallback = FallbackPolicy() if fallback is DEFAULT else fallback
        if retry is not DEFAULT and not isinstance(retry, RetryPolicy):
            raise ConfigurationError(f"retry must be a RetryPolicy, got {type(retry).__name__}")
        self._retry = RetryPolicy() if retry is DEFAULT else retry
        self._transport: Transport | None = None
        self._closed = False
        if self._token is None:
            log.debug("no S3M token found; calls will be unauthenticated")

    def __repr__(self) -> str:
        token = "set" if self._token is not None else "none"
        return (
            f"S3MClientFactory({self._target.authority!r}, resource={self._resource!r}, "
            f"transport={self._transport_name!r}, tls={self._config.tls}, token=<{token}>)"
        )

    async def __aenter__(self) -> S3MClientFactory:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    @property
    def resource(self) -> str:
        """The default resource for stubs this factory creates."""
        return self._resource

    @property
    def transport_name(self) -> str:
        """The transport asked for (``auto``, ``grpclib``, ``grpcio``, ``rest``)."""
        return self._transport_name

    @property
    def active_transport(self) -> str:
        """The transport calls go through now: ``auto`` resolves to ``grpclib`` or ``rest``."""
        transport = self._transport
        if transport is None:
            return "grpclib" if self._transport_name == "auto" else self._transport_name
        return str(getattr(transport, "active", transport.name))

    @property
    def timeouts(self) -> Timeouts:
        """The default per-RPC timeouts."""
        return self._timeouts

    def create_client(self, stub_class: type[S], *, resource: str | None = None) -> S:
        """A `stub_class` instance (any generated stub) whose calls go through this factory.

        ``resource`` overrides the factory's for this stub, so one factory serves several resources.
        """
        if self._closed:
            raise ConfigurationError("the S3MClientFactory is closed; create a new one")
        package = package_of(stub_class)
        wired = _wired(stub_class)
        stub = wired(None)  # the channel argument is unused: _Binding makes the calls
        stub._s3m = _Binding(self, validate_resource(resource) if resource else self._resource, package)
        return stub  # type: ignore[no-any-return]

    async def aclose(self) -> None:
        """Close the shared channel; stubs made by this factory stop working."""
        self._closed = True
        transport, self._transport = self._transport, None
        if transport is not None:
            await transport.aclose()

    def _transport_for_call(self) -> Transport:
        if self._closed:
            raise Unavailable("the S3MClientFactory is closed")
        if self._transport is None:
            self._transport = make_transport(self._transport_name, self._config, self._fallback)
        return self._transport


class _Binding:
    """What a created stub knows: its factory, resource and proto package."""

    __slots__ = ("factory", "package", "resource")

    def __init__(self, factory: S3MClientFactory, resource: str, package: str) -> None:
        self.factory = factory
        self.resource = resource
        self.package = package

    def metadata(self, route: Route, *extra: Any) -> list[tuple[str, str]]:
        """Auth and routing metadata, then the caller's (which may not replace ours)."""
        out: list[tuple[str, str]] = []
        token = self.factory._token
        if token is not None:
            out.append((AUTHORIZATION_KEY, token.reveal()))
        out += [(RESOURCE_KEY, self.resource), (API_VERSION_KEY, route.api_version)]
        for source in extra:
            for key, value in _pairs(source):
                if key.lower() in RESERVED_KEYS:
                    raise ConfigurationError(
                        f"metadata key {key!r} is set by S3MClientFactory; "
                        "use create_client(resource=...) or the factory's token"
                    )
                out.append((key.lower(), value))
        return out

    async def call(
        self,
        stub: Any,
        route_path: str,
        request: Any,
        response_type: type[Any],
        *,
        timeout: float | None,
        deadline: Any,
        metadata: Any,
    ) -> Any:
        """Make one unary call: metadata, timeout, logging, error attribution."""
        route = parse_path(route_path)
        name = route.rpc.name if route.rpc is not None else route.method
        try:
            check_request(route.rpc, request)
        except ConfigurationError as exc:
            exc.rpc = name
            raise
        effective = self._timeout(route, timeout, deadline, stub)
        md = self.metadata(route, stub.metadata, metadata)
        transport = self.factory._transport_for_call()
        if log.isEnabledFor(logging.DEBUG):
            log.debug(
                "call %s resource=%s api=%s transport=%s timeout=%s",
                name,
                self.resource,
                route.api_version,
                transport.name,
                "none" if effective is None else f"{effective:g}s",
            )
        started = time.perf_counter()
        try:
            reply = await self.factory._retry.run(
                lambda remaining: transport.unary(
                    route_path, request, response_type, metadata=md, timeout=remaining
                ),
                timeout=effective,
                idempotent=route.rpc.idempotent if route.rpc is not None else False,
            )
        except S3MError as exc:
            if route.rpc is not None and route.rpc.name == "PostJobSubmit" and type(exc) is InvalidArgument:
                exc = JobRejected(
                    exc.message, errors=exc.errors, warnings=exc.warnings, status_code=exc.status_code
                )
            exc.rpc = name
            log.debug(
                "failed %s after %.1f ms: %s", name, (time.perf_counter() - started) * 1e3, type(exc).__name__
            )
            raise exc from exc.__cause__
        log.debug("done %s in %.1f ms", name, (time.perf_counter() - started) * 1e3)
        _raise_for_slurm_errors(name, reply)
        return reply

    def _timeout(self, route: Route, timeout: float | None, deadline: Any, stub: Any) -> float | None:
        # Precedence: the call's timeout, the call's deadline, the stub's, then the RPC's default.
        if timeout is not None:
            return float(timeout)
        if deadline is not None:
            return float(deadline.time_remaining())
        if stub.timeout is not None:
            return float(stub.timeout)
        if stub.deadline is not None:
            return float(stub.deadline.time_remaining())
        return self.factory.timeouts.for_rpc(route.rpc)


def _pairs(metadata: Any) -> Iterable[tuple[str, str]]:
    if metadata is None:
        return ()
    if isinstance(metadata, Mapping):
        return metadata.items()
    return metadata  # type: ignore[no-any-return]


def _raise_for_slurm_errors(rpc: str, reply: Any) -> None:
    """A reply that arrived with status OK but carries Slurm ``errors[]`` is still a failure."""
    errors = getattr(reply, "errors", None)
    if not errors:
        return
    slurm = [SlurmError(e.error_number or 0, e.error, e.description, e.source) for e in errors]
    warnings = [SlurmWarning(w.description, w.source) for w in getattr(reply, "warnings", None) or ()]
    if rpc == "PostJobSubmit":
        if getattr(reply, "job_id", None):
            return  # submitted despite complaints: the job exists, the caller needs its id
        raise JobRejected("Slurm rejected the job", rpc=rpc, errors=slurm, warnings=warnings)
    raise ServerError("Slurm reported errors", rpc=rpc, errors=slurm, warnings=warnings)


_WIRED: dict[type[Any], type[Any]] = {}


def _wired(stub_class: type[Any]) -> type[Any]:
    """A subclass of a generated stub whose unary calls go through the factory (cached per class)."""
    cached = _WIRED.get(stub_class)
    if cached is not None:
        return cached

    async def _unary_unary(
        self: Any,
        route: str,
        request: Any,
        response_type: type[Any],
        *,
        timeout: float | None = None,
        deadline: Any = None,
        metadata: Any = None,
    ) -> Any:
        return await self._s3m.call(
            self, route, request, response_type, timeout=timeout, deadline=deadline, metadata=metadata
        )

    namespace = {
        "_unary_unary": _unary_unary,
        "__module__": stub_class.__module__,
        "__qualname__": stub_class.__qualname__,
        "__doc__": stub_class.__doc__,
    }
    wired = _WIRED[stub_class] = type(stub_class.__name__, (stub_class,), namespace)
    return wired
