"""Channel configuration: small immutable values, validated when they are made.

``DEFAULT`` (typed, like google-api-core's) means "use the client's default", which is different
from ``None`` ("no timeout").
"""

from __future__ import annotations

import enum
import ipaddress
import logging
import os
import re
import ssl
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final, Literal, TypeVar, Union
from urllib.parse import urlsplit

from s3m_grpc._version import __version__
from s3m_grpc.errors import ConfigurationError

log = logging.getLogger("s3m_grpc.config")

USER_AGENT: Final = f"s3m-grpc/{__version__}"
#: Set to ``host:port`` of a running emulator to send every factory there (like PUBSUB_EMULATOR_HOST).
EMULATOR_HOST_ENV: Final = "S3M_EMULATOR_HOST"
#: The emulator's REST base (``http://127.0.0.1:PORT``), for the REST transport.
EMULATOR_REST_ENV: Final = "S3M_EMULATOR_REST_URL"
# A complete job is ~1.2 KB of protobuf, so a queue of 10,000 jobs is ~11.5 MB, and Frontier's ~9,400
# nodes are ~3.3 MB; grpcio's 4 MiB default would refuse the first. 256 MiB leaves a wide margin.
MAX_RECEIVE_BYTES: Final = 256 * 1024 * 1024


class _Default(enum.Enum):
    DEFAULT = "DEFAULT"

    def __repr__(self) -> str:
        return "DEFAULT"


#: "Use the client's default" (as opposed to None, which means "none").
DEFAULT: Final = _Default.DEFAULT
T = TypeVar("T")
OrDefault = Union[T, _Default]  # noqa: UP007 - a generic alias needs Union on Python 3.10


def _positive(name: str, value: float | None, *, allow_none: bool = False) -> None:
    if value is None and allow_none:
        return
    if value is None or not value > 0:
        raise ConfigurationError(f"{name} must be a positive number of seconds, got {value!r}")


@dataclass(frozen=True, kw_only=True)
class Timeouts:
    """Default per-RPC timeouts in seconds (None: no timeout); a call's ``timeout=`` overrides them."""

    ping: float | None = 10.0
    call: float | None = 30.0
    listing: float | None = 120.0  # jobs/nodes on a big machine are megabytes
    submit: float | None = 60.0

    def __post_init__(self) -> None:
        for name in ("ping", "call", "listing", "submit"):
            _positive(f"Timeouts.{name}", getattr(self, name), allow_none=True)


@dataclass(frozen=True, kw_only=True)
class Keepalive:
    """HTTP/2 keepalive pings: every ``time`` seconds, dead after ``timeout`` seconds unanswered."""

    time: float | None = 60.0  # None: no keepalive pings
    timeout: float = 20.0
    permit_without_calls: bool = False  # servers often refuse idle pings (GOAWAY too_many_pings)

    def __post_init__(self) -> None:
        _positive("Keepalive.time", self.time, allow_none=True)
        _positive("Keepalive.timeout", self.timeout)


def is_loopback(host: str) -> bool:
    """True for loopback addresses (127.0.0.0/8, ::1) and names that resolve only to them.

    A name is resolved, not trusted: ``*.localhost`` ought to be loopback (RFC 6761), but a resolver
    or /etc/hosts may say otherwise, and plaintext tokens must not leave the machine by name alone.
    """
    name = host.strip("[]").lower().rstrip(".")
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        pass
    if name != "localhost" and not name.endswith(".localhost"):
        return False
    import socket

    try:
        infos = socket.getaddrinfo(name, None, proto=socket.IPPROTO_TCP)
    except OSError:
        return False
    addresses = {str(info[4][0]) for info in infos}
    return bool(addresses) and all(ipaddress.ip_address(a.split("%")[0]).is_loopback for a in addresses)


@dataclass(frozen=True)
class Target:
    """Where to connect: host, port, and the scheme if the URL named one."""

    host: str
    port: int
    scheme: Literal["http", "https"] | None = None

    @property
    def authority(self) -> str:
        """``host:port`` with IPv6 literals bracketed."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"


def parse_target(url: str, *, default_port: int = 443) -> Target:
    """Parse ``host``, ``host:port``, ``[v6]:port`` or a URL such as ``http://127.0.0.1:8080``."""
    text = url.strip()
    if not text:
        raise ConfigurationError("the S3M address is empty")
    if "://" not in text:
        text = "//" + text
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise ConfigurationError(f"invalid S3M address {url!r}: {exc}") from None
    scheme = parts.scheme.lower() or None
    if scheme in ("grpc",):
        scheme = "http"
    elif scheme in ("grpcs",):
        scheme = "https"
    if scheme not in (None, "http", "https"):
        raise ConfigurationError(f"unsupported scheme {parts.scheme!r} in {url!r} (use http or https)")
    if not parts.hostname or parts.username or parts.password or parts.query or parts.fragment:
        raise ConfigurationError(f"invalid S3M address {url!r}: expected host[:port] or scheme://host[:port]")
    if parts.path not in ("", "/"):
        raise ConfigurationError(f"invalid S3M address {url!r}: a gRPC address has no path")
    if port is None:
        port = 80 if scheme == "http" else default_port
    return Target(parts.hostname, port, scheme)  # type: ignore[arg-type]


def system_ca_file() -> str | None:
    """The system trust store's CA bundle (what TLS uses by default), if the platform has one."""
    paths = ssl.get_default_verify_paths()
    for candidate in (os.environ.get("SSL_CERT_FILE"), paths.cafile, paths.openssl_cafile):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


@dataclass(frozen=True, kw_only=True)
class ChannelConfig:
    """Everything a gRPC transport needs to open a channel (no secrets: the token travels per call)."""

    target: Target
    tls: bool
    ca_file: Path | None = None
    server_hostname: str | None = None  # TLS name to verify, when it differs from the host
    keepalive: Keepalive = field(default_factory=Keepalive)
    max_receive_bytes: int = MAX_RECEIVE_BYTES
    user_agent: str = USER_AGENT
    #: REST: ``https://host[:port]`` (the ``/slurm/...`` paths follow), and the enclave segment.
    rest_base_url: str = ""
    enclave: str | None = "open"
    #: A TLS context the caller made (OLCF's ``ssl_context`` argument); used as it is.
    user_ssl: ssl.SSLContext | None = None

    def ssl_context(self, *, alpn: bool = True) -> ssl.SSLContext:
        """A client TLS context: system (or given) trust store, hostname checks, ALPN h2, TLS >= 1.2."""
        if self.user_ssl is not None:
            return self.user_ssl
        cafile = str(self.ca_file) if self.ca_file else None
        ctx = ssl.create_default_context(cafile=cafile)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        if alpn:
            ctx.set_alpn_protocols(["h2"])
        return ctx

    def ca_bytes(self) -> bytes | None:
        """PEM roots for grpcio: the given bundle, else the system store (grpcio would use its own)."""
        path = self.ca_file or system_ca_file()
        return Path(path).read_bytes() if path else None


def channel_config(
    target: Target,
    *,
    tls: bool | None,
    insecure: bool,
    ca_file: str | os.PathLike[str] | None,
    server_hostname: str | None,
    keepalive: Keepalive,
    max_receive_bytes: int,
    rest_url: str | None = None,
    enclave: str | None = "open",
    user_ssl: ssl.SSLContext | None = None,
) -> ChannelConfig:
    """Validate the TLS policy and build a ChannelConfig.

    TLS is the default. Plaintext is chosen automatically only for loopback hosts (the emulator);
    anywhere else it needs ``insecure=True``, and then a warning is logged.
    """
    if user_ssl is not None and target.scheme == "http":
        raise ConfigurationError(
            f"ssl_context given for the plaintext address http://{target.authority}: use https:// or drop it"
        )
    if tls is None:
        # An explicit TLS context means TLS (OLCF's factory is TLS-only), even to a loopback host.
        tls = (
            user_ssl is not None
            or target.scheme == "https"
            or (target.scheme is None and not is_loopback(target.host))
        )
    elif target.scheme is not None and tls != (target.scheme == "https"):
        raise ConfigurationError(f"tls={tls} contradicts the {target.scheme}:// address")
    if not tls and not is_loopback(target.host):
        if not insecure:
            raise ConfigurationError(
                f"refusing plaintext to {target.host}, which is not a loopback address: tokens would cross "
                "the network unencrypted (pass insecure=True only for a trusted network)"
            )
        log.warning("sending S3M tokens in plaintext to %s (insecure=True)", target.authority)
    ca_path = Path(ca_file).expanduser() if ca_file else None
    if ca_path is not None and not ca_path.is_file():
        raise ConfigurationError(f"CA bundle {ca_path} does not exist")
    if ca_path is not None and not tls:
        raise ConfigurationError("ca_file given for a plaintext channel")
    if user_ssl is not None and not tls:
        raise ConfigurationError("ssl_context given for a plaintext channel")
    if user_ssl is not None and not isinstance(user_ssl, ssl.SSLContext):
        raise ConfigurationError(f"ssl_context must be an ssl.SSLContext, got {type(user_ssl).__name__}")
    if user_ssl is not None and ca_path is not None:
        raise ConfigurationError("give either ssl_context or ca_file, not both")
    if max_receive_bytes < 1024 * 1024:
        raise ConfigurationError("max_receive_bytes below 1 MiB would break ordinary listings")
    rest = parse_target(rest_url, default_port=443) if rest_url else target
    rest_tls = rest.scheme == "https" or (rest.scheme is None and tls)
    if not rest_tls and not is_loopback(rest.host) and not insecure:
        raise ConfigurationError(f"refusing plaintext REST to {rest.host}, which is not a loopback address")
    if enclave is not None and not re.fullmatch(r"[a-z][a-z0-9-]{0,30}", enclave):
        raise ConfigurationError(
            f"invalid enclave {enclave!r}: expected a short lowercase name such as 'open'"
        )
    return ChannelConfig(
        target=target,
        tls=tls,
        ca_file=ca_path,
        server_hostname=server_hostname,
        keepalive=keepalive,
        max_receive_bytes=max_receive_bytes,
        rest_base_url=f"{'https' if rest_tls else 'http'}://{rest.authority}",
        enclave=enclave,
        user_ssl=user_ssl,
    )


__all__ = [
    "DEFAULT",
    "EMULATOR_HOST_ENV",
    "EMULATOR_REST_ENV",
    "MAX_RECEIVE_BYTES",
    "USER_AGENT",
    "ChannelConfig",
    "Keepalive",
    "Target",
    "Timeouts",
    "channel_config",
    "is_loopback",
    "parse_target",
    "system_ca_file",
]
