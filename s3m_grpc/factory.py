"""``S3MClientFactory``: OLCF's documented entry point, with the same signature and more.

    async with S3MClientFactory("s3m.olcf.ornl.gov", token) as factory:      # or a plain `with`
        client = factory.create_client(SlurmIndirectStub)
        pong = await client.ping(Empty())

It accepts OLCF's ``(endpoint, token, additional_metadata=None, ssl_context=None)`` positionally or
by keyword, plus keyword-only settings. Stubs it creates get a channel (``factory.channel``) that
speaks grpclib's ``Channel.request`` to betterproto, so every unary call of any generated SlurmIndirect
stub becomes a ``Call`` value: auth and ``olcf-resource`` metadata that survive whatever metadata
the caller passes, the default or per-call timeout, retries, and the transport. The high-level
``Slurm`` client makes its calls through ``factory.invoke`` the same way.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import ssl
import time
from collections.abc import Iterable, Mapping
from typing import Any, Final, TypeVar

from s3m_grpc.auth import Token, resolve_token
from s3m_grpc.call import Call, Metadata
from s3m_grpc.codec import FAST, decode
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
from s3m_grpc.errors import ConfigurationError, S3MError, Unauthenticated, Unavailable
from s3m_grpc.retry import RetryPolicy
from s3m_grpc.rpc import AUTHORIZATION_KEY, RESOURCE_KEY, ApiVersion, Rpc
from s3m_grpc.stub_channel import StubChannel
from s3m_grpc.transports import TRANSPORTS, FallbackPolicy, Transport, make_transport

log = logging.getLogger("s3m_grpc.calls")

S = TypeVar("S")

RESOURCE_ENV: Final = "S3M_RESOURCE"
TRANSPORT_ENV: Final = "S3M_TRANSPORT"
DEFAULT_RESOURCE: Final = "defiant"

# Resource names go into metadata and, over REST, into URL paths: short lowercase names only.
_RESOURCE = re.compile(r"[a-z][a-z0-9_-]{0,62}")
# Metadata keys: what gRPC allows, lowercase (HTTP/2 requires it), and never one HTTP or gRPC owns.
_KEY = re.compile(r"[a-z0-9][a-z0-9_.-]{0,63}")
_RESERVED = frozenset(
    {
        "content-type",
        "content-length",
        "te",
        "host",
        "user-agent",
        "transfer-encoding",
        "connection",
        "upgrade",
        "keep-alive",
        "proxy-authorization",
        "cookie",
    }
)
_VALUE = re.compile(r"[\x20-\x7e]{0,4096}")


def _auth_hint(token: Token | None) -> str:
    """What to do about an UNAUTHENTICATED answer: it differs for no token and a refused one."""
    if token is None:
        return (
            "No token was sent (looked for: the token argument, token_file, $S3M_TOKEN, $S3M_TOKEN_FILE): "
            "set S3M_TOKEN, or point S3M_TOKEN_FILE at a file holding 'Authorization: <token>'"
        )
    return (
        f"The token from {token.source} was refused: it may have expired or been revoked, or belong to "
        "another gateway; make a new one on myOLCF (Token Management)"
    )


def validate_resource(name: str) -> str:
    """Return `name` if it is a plausible S3M resource name (``defiant``), else raise ConfigurationError."""
    if not isinstance(name, str) or not _RESOURCE.fullmatch(name):
        raise ConfigurationError(
            f"invalid resource name {name!r}: expected lowercase letters, digits, '-' or '_'"
        )
    return name


def _pairs(metadata: Any) -> Iterable[tuple[str, str]]:
    if metadata is None:
        return ()
    if isinstance(metadata, Mapping):
        return metadata.items()
    return metadata  # type: ignore[no-any-return]


def split_metadata(metadata: Any) -> tuple[str | None, str | None, Metadata]:
    """(olcf-resource, authorization, the rest) from caller metadata, every key and value checked."""
    resource = authorization = None
    rest: list[tuple[str, str]] = []
    for raw_key, value in _pairs(metadata):
        key = str(raw_key).lower()
        if isinstance(value, bytes) or not isinstance(value, str) or not _VALUE.fullmatch(value):
            raise ConfigurationError(f"metadata {key!r}: the value must be one line of printable ASCII text")
        if key == RESOURCE_KEY:
            if resource is not None and resource != value:
                raise ConfigurationError(
                    f"metadata {RESOURCE_KEY!r} given twice, as {resource!r} and {value!r}"
                )
            resource = validate_resource(value)
        elif key == AUTHORIZATION_KEY:
            authorization = value
        elif not _KEY.fullmatch(key) or key in _RESERVED or key.startswith("grpc-"):
            raise ConfigurationError(
                f"metadata key {raw_key!r} cannot be sent: keys are lowercase letters, digits, '-', '_' "
                "or '.', and HTTP's and gRPC's own headers are not the caller's to set"
            )
        else:
            rest.append((key, value))
    return resource, authorization, tuple(rest)


class S3MClientFactory:
    """Creates S3M stubs that share one lazily opened connection; a (sync or async) context manager."""

    def __init__(
        self,
        endpoint: str,
        token: str | Token | None = None,
        additional_metadata: Mapping[str, str] | None = None,
        ssl_context: ssl.SSLContext | None = None,
        *,
        resource: str | None = None,
        transport: OrDefault[str | Transport] = DEFAULT,
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

        ``endpoint`` is ``host[:port]`` (port 443) or a URL such as ``http://127.0.0.1:50051``. The
        token comes from ``token``, else ``S3M_TOKEN``, else the header file ``token_file`` /
        ``S3M_TOKEN_FILE``; without one, calls go out unauthenticated (S3M's status API allows that).
        ``additional_metadata`` goes with every call (``{"olcf-resource": "odo"}`` picks the
        resource). ``resource`` defaults to that, else ``S3M_RESOURCE``, else ``defiant``. TLS is on
        unless the host is a loopback address; plaintext elsewhere needs ``insecure=True``.
        ``ssl_context`` replaces the default TLS settings (grpclib and REST). ``transport`` is
        ``"auto"`` (gRPC, switching to REST when gRPC cannot connect; see ``fallback``),
        ``"grpclib"``, ``"grpcio"``, ``"rest"``, or a Transport instance; default:
        ``S3M_TRANSPORT``, else ``"auto"``. REST goes to ``rest_url``
        (default: the gRPC host and port) under ``/slurm/{enclave}/`` (default ``open``).
        """
        emulator = os.environ.get(EMULATOR_HOST_ENV, "").strip()
        if emulator:
            # Like PUBSUB_EMULATOR_HOST: the same code, pointed at a local emulator.
            log.info(
                "%s is set: using the S3M emulator at %s instead of %s", EMULATOR_HOST_ENV, emulator, endpoint
            )
            endpoint = emulator
            rest_url = os.environ.get(EMULATOR_REST_ENV, "").strip() or rest_url
        if transport is DEFAULT:
            transport = os.environ.get(TRANSPORT_ENV, "").strip() or "auto"
        meta_resource, meta_token, self._metadata = split_metadata(additional_metadata)
        if isinstance(token, str) and not token.strip():
            token = None  # OLCF's template passes "" when there is no token (the status API needs none)
        if meta_token is not None:
            if (
                token is not None
                and (token.reveal() if isinstance(token, Token) else token.strip()) != meta_token
            ):
                raise ConfigurationError("two different tokens: the token argument and additional_metadata's")
            token = token or meta_token
        if resource is not None and meta_resource is not None and resource != meta_resource:
            raise ConfigurationError(
                f"resource={resource!r} contradicts additional_metadata's {RESOURCE_KEY}={meta_resource!r}"
            )
        self._token = resolve_token(token, token_file=token_file, required=False)
        self._resource = validate_resource(
            resource or meta_resource or os.environ.get(RESOURCE_ENV) or DEFAULT_RESOURCE
        )
        if isinstance(transport, Transport):
            given = {
                "tls": tls,
                "ca_file": ca_file,
                "server_hostname": server_hostname,
                "ssl_context": ssl_context,
            }
            clash = [name for name, value in given.items() if value is not None] + (
                ["insecure"] if insecure else []
            )
            if clash or keepalive is not DEFAULT or rest_url is not None:
                raise ConfigurationError(
                    f"connection settings ({', '.join(clash or ['keepalive/rest_url'])}) do not apply to a "
                    "Transport instance: configure the transport itself"
                )
            self._transport_name = transport.name
        elif transport not in TRANSPORTS:
            raise ConfigurationError(f"unknown transport {transport!r}; choose one of {sorted(TRANSPORTS)}")
        else:
            self._transport_name = transport
            if transport == "grpcio" and ssl_context is not None:
                raise ConfigurationError("grpcio cannot use an ssl.SSLContext; pass ca_file= instead")
        self._timeouts = Timeouts() if timeouts is DEFAULT else timeouts
        if not isinstance(self._timeouts, Timeouts):
            raise ConfigurationError(f"timeouts must be a Timeouts value, got {type(timeouts).__name__}")
        if keepalive is not DEFAULT and not isinstance(keepalive, Keepalive):
            raise ConfigurationError(f"keepalive must be a Keepalive value, got {type(keepalive).__name__}")
        if isinstance(max_receive_bytes, bool) or not isinstance(max_receive_bytes, int):
            raise ConfigurationError("max_receive_bytes must be an integer number of bytes")
        self._config: ChannelConfig = channel_config(
            parse_target(endpoint),
            tls=tls,
            insecure=insecure,
            ca_file=ca_file,
            server_hostname=server_hostname,
            keepalive=Keepalive() if keepalive is DEFAULT else keepalive,
            max_receive_bytes=max_receive_bytes,
            rest_url=rest_url,
            enclave=enclave,
            user_ssl=ssl_context,
        )
        if fallback is not DEFAULT and not isinstance(fallback, FallbackPolicy):
            raise ConfigurationError(f"fallback must be a FallbackPolicy, got {type(fallback).__name__}")
        self._fallback = FallbackPolicy() if fallback is DEFAULT else fallback
        if retry is not DEFAULT and not isinstance(retry, RetryPolicy):
            raise ConfigurationError(f"retry must be a RetryPolicy, got {type(retry).__name__}")
        self._retry = RetryPolicy() if retry is DEFAULT else retry
        self._transport: Transport | None = transport if isinstance(transport, Transport) else None
        self._closed = False
        self._closing: set[asyncio.Task[None]] = set()
        #: The channel stubs get (OLCF's factory has one too): grpclib's request() API, routed here.
        self.channel = StubChannel(self, None)
        if self._token is None:
            log.debug("no S3M token found; calls will be unauthenticated")

    def __repr__(self) -> str:
        token = "set" if self._token is not None else "none"
        return (
            f"S3MClientFactory({self._config.target.authority!r}, resource={self._resource!r}, "
            f"transport={self._transport_name!r}, tls={self._config.tls}, token=<{token}>)"
        )

    # -- context managers: OLCF's is a plain `with`; its docs say `async with`. Both work. ----------

    def __enter__(self) -> S3MClientFactory:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    async def __aenter__(self) -> S3MClientFactory:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    @property
    def resource(self) -> str:
        """The default resource for stubs this factory creates."""
        return self._resource

    @property
    def token(self) -> Token | None:
        """The token calls carry (a Token never shows its value)."""
        return self._token

    @property
    def transport_name(self) -> str:
        """The transport asked for (``auto``, ``grpclib``, ``grpcio``, ``rest``, or an instance's name)."""
        return self._transport_name

    @property
    def active_transport(self) -> str:
        """The transport calls go through now: ``auto`` resolves to ``grpclib`` or ``rest``."""
        transport = self._transport
        if transport is None:
            return "grpclib" if self._transport_name == "auto" else self._transport_name
        return transport.active

    @property
    def timeouts(self) -> Timeouts:
        """The default per-RPC timeouts."""
        return self._timeouts

    def create_client(self, stub_class: type[S], *, resource: str | None = None, **kwargs: Any) -> S:
        """A `stub_class` instance (any generated SlurmIndirect stub) whose calls go through this factory.

        Keyword arguments go to the stub, as with OLCF's factory (``timeout=``, ``deadline=``,
        ``metadata=``); ``resource`` overrides the factory's for this stub.
        """
        if self._closed:
            raise ConfigurationError("the S3MClientFactory is closed; create a new one")
        channel = self.channel if resource is None else StubChannel(self, validate_resource(resource))
        return stub_class(channel, **kwargs)  # type: ignore[call-arg]

    def make_call(
        self,
        rpc: Rpc,
        version: ApiVersion,
        request: Any,
        *,
        resource: str | None = None,
        timeout: float | None = None,
        metadata: Any = None,
    ) -> Call:
        """The Call value for one RPC: routing, token, the caller's metadata and the deadline settled."""
        meta_resource, meta_token, extra = split_metadata(metadata)
        if meta_token is not None and (self._token is None or meta_token != self._token.reveal()):
            raise ConfigurationError(
                f"metadata {AUTHORIZATION_KEY!r} is set by S3MClientFactory; pass the token to the factory"
            )
        if resource is not None and meta_resource is not None and resource != meta_resource:
            raise ConfigurationError(
                f"resource {resource!r} contradicts the call's {RESOURCE_KEY}={meta_resource!r} metadata"
            )
        # The row names its class of default timeout (ping, call, listing, submit).
        effective: float | None = getattr(self._timeouts, rpc.timeout) if timeout is None else float(timeout)
        return Call(
            rpc,
            version,
            resource or meta_resource or self._resource,
            request,
            token=self._token,
            metadata=self._metadata + extra,
            timeout=effective,
        )

    async def invoke(self, call: Call, want: Any = FAST, *, retry: RetryPolicy | None = None) -> Any:
        """Make one call: retries within its deadline, the transport, decoding into `want`.

        `want` is a betterproto response class, or ``codec.FAST`` for the fast runtime; `retry`
        replaces the factory's policy for this call.
        """
        transport = self._transport_for_call()
        name = call.rpc.name
        if log.isEnabledFor(logging.DEBUG):
            log.debug(
                "call %s resource=%s api=%s transport=%s timeout=%s",
                name,
                call.resource,
                call.version.name,
                transport.active,
                "none" if call.timeout is None else f"{call.timeout:g}s",
            )
        started = time.perf_counter()

        async def attempt(remaining: float | None) -> Any:
            reply = await transport.unary(call, timeout=remaining)
            return decode(call, reply, want)

        try:
            policy = self._retry if retry is None else retry
            reply = await policy.run(attempt, timeout=call.timeout, idempotent=call.rpc.idempotent)
        except S3MError as exc:
            exc.rpc = exc.rpc or name
            if isinstance(exc, Unauthenticated):
                exc.message = f"{exc.message}. {_auth_hint(call.token)}"
            log.debug(
                "failed %s after %.1f ms: %s", name, (time.perf_counter() - started) * 1e3, type(exc).__name__
            )
            raise
        log.debug("done %s in %.1f ms", name, (time.perf_counter() - started) * 1e3)
        return reply

    def close(self) -> None:
        """Close the connection from synchronous code (``with``): at once, or soon on a running loop."""
        self._closed = True
        transport, self._transport = self._transport, None
        if transport is None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        if loop is not None:
            task = loop.create_task(transport.aclose())
            self._closing.add(task)  # kept until done: a task nobody references may be collected
            task.add_done_callback(self._closing.discard)
        else:
            try:
                asyncio.run(transport.aclose())
            except Exception:  # the loop that used it is gone: nothing left to release cleanly
                log.debug("closing the transport outside its event loop failed", exc_info=True)

    async def aclose(self) -> None:
        """Close the shared connection; stubs made by this factory stop working."""
        self._closed = True
        transport, self._transport = self._transport, None
        if transport is not None:
            await transport.aclose()
        if self._closing:
            await asyncio.gather(*self._closing, return_exceptions=True)

    def _transport_for_call(self) -> Transport:
        if self._closed:
            raise Unavailable("the S3MClientFactory is closed")
        if self._transport is None:
            self._transport = make_transport(self._transport_name, self._config, self._fallback)
        return self._transport


__all__ = [
    "DEFAULT_RESOURCE",
    "RESOURCE_ENV",
    "TRANSPORT_ENV",
    "S3MClientFactory",
    "split_metadata",
    "validate_resource",
]
