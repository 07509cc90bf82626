"""The grpclib transport (pure Python HTTP/2; what betterproto's generated stubs are written for).

Request and reply travel as bytes (``_RawCodec``): the request was encoded when the call was made,
and the reply, whatever its status, is read above, in one place for every transport
(``s3m_grpc.codec``).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, ClassVar, cast

import grpclib.client
import h2.exceptions
from grpclib.client import Handler
from grpclib.config import Configuration
from grpclib.const import Cardinality
from grpclib.encoding.base import CodecBase
from grpclib.exceptions import GRPCError, StreamTerminatedError
from grpclib.exceptions import ProtocolError as GrpclibProtocolError
from grpclib.protocol import H2Protocol
from h2.events import RemoteSettingsChanged

from s3m_grpc import redact
from s3m_grpc._aio import within
from s3m_grpc.config import USER_AGENT, ChannelConfig
from s3m_grpc.errors import (
    ConnectError,
    DeadlineExceeded,
    ProtocolError,
    ReplyTooLarge,
    S3MError,
    Unavailable,
)
from s3m_grpc.reply import Reply
from s3m_grpc.status_details import SlurmStatusDetailsCodec
from s3m_grpc.transports.base import Transport

if TYPE_CHECKING:
    from s3m_grpc.call import Call

# grpclib has no per-channel user-agent: every Stream sends its module constant. Prefixing our
# product token to it (an RFC 9110 product list) is the only way to name s3m-grpc on the wire;
# other grpclib channels in this process then send it too, which is harmless.
_GRPCLIB_AGENT: str = getattr(grpclib.client, "USER_AGENT")  # noqa: B009 - not re-exported, for mypy
if not _GRPCLIB_AGENT.startswith(USER_AGENT):
    setattr(grpclib.client, "USER_AGENT", f"{USER_AGENT} {_GRPCLIB_AGENT}")  # noqa: B010


redact.install()  # hpack logs header values, the token included, at DEBUG

#: How grpclib's messages begin when it made the status up itself, because the peer's answer was
#: not gRPC (grpclib 0.4 client.Stream: _raise_for_status, _raise_for_content_type, grpc-status).
_NOT_A_GRPC_ANSWER = (
    "Received :status",
    "Missing content-type header",
    "Invalid content-type",
    "Missing grpc-status header",
    "Invalid grpc-status",
)


class _RawCodec(CodecBase):
    """grpclib codec that moves bytes: messages are encoded and decoded above the transport."""

    __content_subtype__ = "proto"

    def encode(self, message: Any, message_type: Any) -> bytes:
        """The request bytes, as they are."""
        return bytes(message)

    def decode(self, data: bytes, message_type: Any) -> bytes:
        """The reply bytes, as they came."""
        return data


class _CheckedProtocol(H2Protocol):
    """grpclib's HTTP/2 protocol, noting whether the peer's first bytes were HTTP/2.

    An HTTP/2 server opens with its SETTINGS frame; an HTTP/1.1 server answers the client preface
    with ``HTTP/1.1 400 ...``, which h2 rejects at once. Knowing this at connect time, before any
    request was sent, is what makes falling back to REST safe even for a submission.
    """

    def connection_made(self, transport: Any) -> None:
        self.speaks_h2: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        super().connection_made(transport)

    def data_received(self, data: bytes) -> None:
        # grpclib's own data_received, plus the verdict on the peer's first bytes.
        try:
            events = self.connection.feed(data)
        except h2.exceptions.ProtocolError:
            self._verdict(False)
            self.processor.close("Protocol error")
            return
        # Only the server's SETTINGS frame proves HTTP/2: an HTTP/1.x reply ("HTTP/1.0 400 ...") reads
        # as the header of a 4.7 MB frame, which h2 just waits to complete.
        if any(isinstance(event, RemoteSettingsChanged) for event in events):
            self._verdict(True)
        self.connection.flush()
        for event in events:
            self.processor.process(event)
        self.connection.flush()

    def connection_lost(self, exc: BaseException | None) -> None:
        self._verdict(False)
        super().connection_lost(exc)

    def _verdict(self, ok: bool) -> None:
        if not self.speaks_h2.done():
            self.speaks_h2.set_result(ok)


class _Channel(grpclib.client.Channel):
    """grpclib's Channel, but refusing peers that do not speak HTTP/2.

    grpclib offers ALPN ``h2`` and never checks the answer, nor whether a plaintext peer answers in
    HTTP/2: an HTTP/1.1-only proxy would fail later with an obscure protocol error, after the
    request was sent, instead of a clear ConnectError before it.
    """

    #: Whether our TLS context offered ALPN h2 (then h2 must be selected, as grpc-go requires).
    alpn_offered: bool = True

    def _protocol_factory(self) -> H2Protocol:
        return _CheckedProtocol(Handler(), self._config, self._h2_config)

    @property
    def _connected(self) -> bool:
        # grpclib closes a connection on GOAWAY without marking it lost, and would then hand the
        # dead connection to the next call (which fails with an AttributeError deep inside it).
        protocol = self._protocol
        return protocol is not None and _alive(protocol)

    async def _create_connection(self) -> Any:
        protocol = cast(_CheckedProtocol, await super()._create_connection())
        if not await protocol.speaks_h2 or not _alive(protocol):
            if _alive(protocol):
                protocol.processor.close("not HTTP/2")
            raise ConnectError(
                f"{self._host}:{self._port} did not answer in HTTP/2 (an HTTP/1.1-only server "
                "or proxy?): gRPC needs HTTP/2"
            )
        if self._ssl is not None:
            transport = getattr(protocol.connection, "_transport", None)  # grpclib keeps it private
            ssl_object = transport.get_extra_info("ssl_object") if transport is not None else None
            # None is accepted only when the caller's own ssl_context offered no ALPN (as OLCF's
            # factory's does); the SETTINGS check above proved HTTP/2 then.
            allowed = ("h2",) if self.alpn_offered else (None, "h2")
            if ssl_object is not None and ssl_object.selected_alpn_protocol() not in allowed:
                if transport is not None:
                    transport.close()
                raise ConnectError(
                    f"TLS peer {self._host}:{self._port} did not negotiate HTTP/2 (ALPN "
                    f"{ssl_object.selected_alpn_protocol()!r}): gRPC needs h2"
                )
        return protocol


def _alive(protocol: Any) -> bool:
    """True while a grpclib connection can still carry a stream."""
    return (
        not protocol.handler.connection_lost and getattr(protocol.connection, "_transport", None) is not None
    )


class GrpclibTransport(Transport):
    """Unary calls over one lazily opened grpclib channel."""

    name: ClassVar[str] = "grpclib"

    def __init__(self, config: ChannelConfig) -> None:
        self._config = config
        self._channel: _Channel | None = None
        self._closed = False

    def _open(self) -> _Channel:
        if self._closed:
            raise Unavailable("the transport is closed")
        if self._channel is None:
            keepalive = self._config.keepalive
            grpc_config = Configuration(
                _keepalive_time=keepalive.time,
                _keepalive_timeout=keepalive.timeout,
                _keepalive_permit_without_calls=keepalive.permit_without_calls,
                ssl_target_name_override=self._config.server_hostname,
            )
            self._channel = _Channel(
                self._config.target.host,
                self._config.target.port,
                ssl=self._config.ssl_context() if self._config.tls else None,
                config=grpc_config,
                codec=_RawCodec(),
                status_details_codec=SlurmStatusDetailsCodec(),
            )
            # Our own context offers ALPN h2, so a peer that selects nothing is not a gRPC server.
            self._channel.alpn_offered = self._config.user_ssl is None
        return self._channel

    async def unary(self, call: Call, *, timeout: float | None) -> Reply:
        """One request, one response and its status; library failures raised as S3MErrors."""
        channel = self._open()
        started = time.monotonic()
        with _translate(connecting=True):
            # Connecting first, on its own, tells "nothing was sent" (ConnectError) from a failure
            # after the request may have reached the server.
            if not channel._connected:  # our subclass: also False after a GOAWAY
                await within(channel.__connect__(), timeout)
        remaining = None if timeout is None else max(timeout - (time.monotonic() - started), 0.001)
        try:
            with _translate(connecting=False):
                async with channel.request(
                    call.path,
                    Cardinality.UNARY_UNARY,
                    bytes,
                    bytes,
                    timeout=remaining,
                    metadata=call.grpc_metadata,
                ) as stream:
                    await stream.send_message(call.request_bytes, end=True)
                    reply = await _recv_limited(stream, self._config.max_receive_bytes)
        except GRPCError as exc:
            said = exc.message or ""
            if said.startswith(_NOT_A_GRPC_ANSWER):
                # grpclib's own verdict on a peer that did not answer as a gRPC server (a proxy's
                # 503 page, text/html): the channel does not work, which is what `auto` leaves for.
                kind = Unavailable if said.startswith("Received :status") else ProtocolError
                raise kind(f"the peer did not answer as a gRPC server ({said})") from exc
            errors, warnings = exc.details if isinstance(exc.details, tuple) else ((), ())
            return Reply(  # the server's status: a reply like any other, read above
                grpc_code=exc.status.value,
                message=exc.message or exc.status.name,
                errors=tuple(errors),
                warnings=tuple(warnings),
                cause=exc,
            )
        if reply is None:
            raise ProtocolError("the server ended the call with status OK but sent no response message")
        return Reply(reply)

    async def aclose(self) -> None:
        """Close the channel (idempotent)."""
        self._closed = True
        channel, self._channel = self._channel, None
        if channel is not None:
            channel.close()
            await asyncio.sleep(0)  # let asyncio close the socket before we return


async def _recv_limited(stream: Any, limit: int) -> bytes | None:
    """The reply message, refused from its declared length when it exceeds `limit`.

    grpclib has no receive limit: ``recv_message`` reads whatever length the server declares. This
    is the same read (grpclib 0.4's Stream internals: its HTTP/2 stream and deadline wrapper), with
    the length checked before the bytes are received.
    """
    if not stream._recv_initial_metadata_done:
        await stream.recv_initial_metadata()
    with stream._wrapper:
        head = await stream._stream.recv_data(5)
        if not head:
            return None
        if head[0]:
            raise ProtocolError("the server sent a compressed reply, which was not asked for")
        length = int.from_bytes(head[1:5], "big")
        if length > limit:
            raise ReplyTooLarge(f"the reply ({length:,} bytes) exceeds max_receive_bytes ({limit:,})")
        data = await stream._stream.recv_data(length)
    if len(data) != length:
        raise ProtocolError("the reply ended inside its message")
    return bytes(data)


@contextlib.contextmanager
def _translate(*, connecting: bool) -> Iterator[None]:
    """Translate grpclib, h2, socket and TLS failures into the S3MError tree.

    A GRPCError (a status the server sent) passes through: it is a reply, not a failure to carry
    one. The factory names the RPC on every S3MError.
    """
    try:
        yield
    except S3MError:
        raise
    except GRPCError as exc:
        if connecting:  # no call was made yet: grpclib raises none here; never let one out raw
            raise ConnectError(f"connecting failed: {exc.message or exc.status.name}") from exc
        raise
    except (asyncio.TimeoutError, TimeoutError) as exc:
        what = "connecting" if connecting else "waiting for the reply"
        raise DeadlineExceeded(f"deadline exceeded while {what}") from exc
    except ssl.SSLCertVerificationError as exc:
        raise ConnectError(f"TLS certificate verification failed: {exc.verify_message}") from exc
    except ssl.SSLError as exc:
        raise ConnectError(f"TLS handshake failed: {exc.reason or exc}") from exc
    except socket.gaierror as exc:
        raise ConnectError(f"cannot resolve the S3M host: {exc.strerror}") from exc
    except StreamTerminatedError as exc:
        raise Unavailable(f"the connection ended during the call: {exc}") from exc
    except (GrpclibProtocolError, h2.exceptions.ProtocolError) as exc:
        kind: type[S3MError] = ConnectError if connecting else ProtocolError
        raise kind(f"HTTP/2 protocol error: {exc}") from exc
    except OSError as exc:
        kind = ConnectError if connecting else Unavailable
        raise kind(f"connection failed: {exc.strerror or exc}") from exc


__all__ = ["GrpclibTransport"]
