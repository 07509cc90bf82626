"""The gRPC front end: SlurmIndirect for every API version, Status and TokenControl, on grpclib.

Methods are ``/olcf.s3m.slurm.v004x.SlurmIndirect/*`` and route on the ``olcf-resource`` metadata,
as S3M's. The token is checked before the request body is read, and the body's declared size
before it is received (one limit, ``MAX_REQUEST_BYTES``, for gRPC and REST). The server also
speaks what gRPC tools expect: ``grpc.health.v1.Health``, server reflection (grpcurl, grpcui,
ghz), UNIMPLEMENTED with a proper gRPC response for an unknown method or a compressed request.
Connections are watched by a ``ConnectionGuard`` (limits, timeouts, rapid-reset defence).
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from ssl import SSLContext
from typing import Any

import grpclib.const
import h2.events
from google.protobuf import empty_pb2, unknown_fields
from google.protobuf.message import DecodeError
from grpclib import GRPCError
from grpclib.const import Status
from grpclib.encoding.proto import ProtoCodec
from grpclib.health.service import Health
from grpclib.protocol import H2Protocol
from grpclib.reflection.service import ServerReflection
from grpclib.server import Handler, Server

from s3m_grpc import redact
from s3m_grpc.emulator.api import MAX_REQUEST_BYTES, ApiError, DropConnection, Gateway, Reply, Request
from s3m_grpc.emulator.guard import ConnectionGuard, Guarded
from s3m_grpc.rpc import (
    AUTHORIZATION_KEY,
    RESOURCE_KEY,
    STATUS,
    TOKEN_CONTROL,
    VERSIONS,
    ApiVersion,
    Rpc,
)
from s3m_grpc.slurmjson import to_json
from s3m_grpc.status_details import SlurmStatusDetailsCodec

redact.install()  # the server's hpack decoder logs the tokens it receives, too


class PreEncoded:
    """Response bytes rendered ahead (cached jobs), sent as they are."""

    __slots__ = ("data",)

    def __init__(self, data: bytes) -> None:
        self.data = data


class PassThroughCodec(ProtoCodec):
    """grpclib's protobuf codec, except that PreEncoded responses go out untouched.

    Requests are upb messages: upb parses them strictly, and reading one back as a dict costs
    microseconds where betterproto2's ``to_dict`` costs milliseconds (it dominated submissions).
    """

    def decode(self, data: bytes, message_type: Any) -> Any:
        """Parse a request with upb; bytes that are not one are the caller's error."""
        try:
            return message_type.FromString(data)
        except DecodeError:
            raise GRPCError(Status.INVALID_ARGUMENT, "the request is not a valid protobuf message") from None

    def encode(self, message: Any, message_type: Any) -> bytes:
        """Pre-rendered bytes as they are, anything else as grpclib would encode it."""
        if isinstance(message, PreEncoded):
            return message.data
        return super().encode(message, message_type)


def unary_handlers(api: ApiVersion, handler: Callable[[Rpc], Any]) -> dict[str, grpclib.const.Handler]:
    """grpclib's handler table for an API: ``handler(rpc)`` answers each of its methods."""
    module = api.upb
    return {
        api.grpc_path(rpc): grpclib.const.Handler(
            handler(rpc),
            grpclib.const.Cardinality.UNARY_UNARY,
            empty_pb2.Empty if rpc.request == "Empty" else getattr(module, rpc.request),
            getattr(module, rpc.response),
        )
        for rpc in api.rpcs
    }


class SlurmIndirectService:
    """The SlurmIndirect service of one API version (package ``olcf.s3m.slurm.v0043``, ...)."""

    def __init__(self, gateway: Gateway, version: ApiVersion) -> None:
        self.gateway = gateway
        self.version = version

    def __mapping__(self) -> dict[str, grpclib.const.Handler]:
        """grpclib's handler table: one unary handler per RPC of the table."""
        return unary_handlers(self.version, self._handler)

    def _handler(self, rpc: Rpc) -> Any:
        async def handle(stream: Any) -> None:
            metadata = stream.metadata
            request = Request(
                "grpc",
                rpc,
                self.version.name,
                _text(metadata.get(RESOURCE_KEY)),
                _text(metadata.get(AUTHORIZATION_KEY)),
            )
            try:
                scope = self.gateway.authenticate(request.token)  # before reading the body
                message = await read_request(stream, stream._recv_type)
                if rpc.request != "Empty":
                    refuse_unknown_fields(message)
                    request.params = to_json(message)
                reply = await self.gateway.handle(request, scope=scope)
            except ApiError as error:
                raise GRPCError(
                    Status(error.grpc_status), error.error.description, ([error.error], [])
                ) from None
            except DropConnection:
                _abort(stream)
                return
            data = faulted(reply, self.version, rpc)
            if data is None:
                _abort(stream)  # accept_then_drop: the work is done; the answer never leaves
                return
            await stream.send_message(PreEncoded(data))

        return handle


async def read_request(stream: Any, message_type: Any) -> Any:
    """The request message, its size checked before its bytes are received (grpclib reads any size)."""
    h2_stream = stream._stream  # grpclib's HTTP/2 stream: recv_message offers no size limit
    head = await h2_stream.recv_data(5)
    if len(head) < 5:
        raise GRPCError(Status.INVALID_ARGUMENT, "the request has no message")
    if head[0]:
        raise GRPCError(Status.UNIMPLEMENTED, "compressed requests are not supported; send them uncompressed")
    length = int.from_bytes(head[1:], "big")
    if length > MAX_REQUEST_BYTES:
        raise GRPCError(
            Status.RESOURCE_EXHAUSTED,
            f"the request ({length:,} bytes) exceeds the limit of {MAX_REQUEST_BYTES:,}",
        )
    data = await h2_stream.recv_data(length)
    try:
        return message_type.FromString(data)
    except DecodeError:
        raise GRPCError(Status.INVALID_ARGUMENT, "the request is not a valid protobuf message") from None


def refuse_unknown_fields(message: Any, path: str = "") -> None:
    """Fields the version's message does not have would be dropped on the way: refuse them instead."""
    unknown = [f"{path}{field.field_number}" for field in unknown_fields.UnknownFieldSet(message)]
    if unknown:
        raise ApiError(
            3,
            400,
            9001,
            "Failed to parse",
            f"{message.DESCRIPTOR.full_name} has no field number {', '.join(unknown)} "
            "(a different API version's message?)",
            source="request body",
        )
    for field, value in message.ListFields():
        if field.message_type is not None:
            for i, item in enumerate(value if field.is_repeated else [value]):
                refuse_unknown_fields(
                    item, f"{path}{field.name}[{i}]." if field.is_repeated else f"{path}{field.name}."
                )


def faulted(reply: Reply, version: ApiVersion, rpc: Rpc) -> bytes | None:
    """The reply's protobuf bytes as its fault leaves them; None: the answer never leaves."""
    data = reply.proto()
    fault = reply.after
    if fault is None:
        return data
    if fault.kind == "accept_then_drop":
        return None
    return b"\xff\xff\xff\xff\x0f" if fault.kind == "malformed" else _truncated(data, version, rpc)


def _truncated(data: bytes, version: ApiVersion, rpc: Rpc) -> bytes:
    """The reply cut short inside a field (a cut that happens to fall between fields parses)."""
    response = getattr(version.upb, rpc.response)
    cut = max(len(data) // 2, 1)
    while cut > 1:
        try:
            response.FromString(data[:cut])
        except DecodeError:
            return data[:cut]
        cut -= 1
    return b"\x0a\x7f"  # a length-delimited field that promises 127 bytes and has none


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _abort(stream: Any) -> None:
    """Close the connection under a call at once, as a crashed proxy would."""
    transport = getattr(getattr(stream, "_stream", None), "_transport", None)
    if transport is not None:
        transport.abort()


def bind(host: str, port: int) -> socket.socket:
    """A listening-ready TCP socket on host:port (0 picks a free port)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP explicitly: grpclib sets TCP_NODELAY only on sockets whose proto says TCP, and
    # accepted sockets inherit proto 0 from a plain socket() call; Nagle then adds ~40 ms per reply.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    return sock


class _Methods(dict):  # type: ignore[type-arg]
    """grpclib's method table, answering an unknown method through a real handler.

    grpclib's own answer to an unknown path lacks ``content-type: application/grpc``, which grpc-go,
    grpcurl and buf then read as UNKNOWN instead of UNIMPLEMENTED.
    """

    def get(self, name: str, default: Any = None) -> Any:
        """The handler of a method; for an unknown one, a handler that answers UNIMPLEMENTED."""
        found = super().get(name)
        if found is not None:
            return found

        async def unimplemented(stream: Any) -> None:
            raise GRPCError(Status.UNIMPLEMENTED, f"unknown method {name[:200]}")

        return grpclib.const.Handler(
            unimplemented, grpclib.const.Cardinality.UNARY_UNARY, empty_pb2.Empty, empty_pb2.Empty
        )


class _GuardedProtocol(H2Protocol):
    """grpclib's HTTP/2 protocol, telling the connection guard about requests and stream resets."""

    guard: Any = None

    def data_received(self, data: bytes) -> None:
        # grpclib's own data_received, plus the guard's view of the events.
        try:
            events = self.connection.feed(data)
        except h2.exceptions.ProtocolError:
            self.processor.close("Protocol error")
            return
        guard = self.guard
        if guard is not None:
            for event in events:
                if isinstance(event, h2.events.RequestReceived):
                    guard.request_started()
                elif isinstance(event, h2.events.StreamReset) and event.remote_reset:
                    guard.reset()
        self.connection.flush()
        for event in events:
            self.processor.process(event)
        self.connection.flush()

    def busy(self) -> bool:
        """Requests are still being answered on this connection."""
        return any(not task.done() for task in getattr(self.handler, "_tasks", {}).values())


class GuardedServer(Server):
    """grpclib's Server with guarded connections."""

    def __init__(self, *args: Any, guard: ConnectionGuard, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.guard = guard
        self._mapping = _Methods(self._mapping)

    def _protocol_factory(self) -> Any:
        self.__gc_step__()
        handler = Handler(self._mapping, self._codec, self._status_details_codec, self.__dispatch__)
        self._handlers.add(handler)
        return Guarded(self.guard, _GuardedProtocol(handler, self._config, self._h2_config), http1=False)


async def start_grpc(
    gateway: Gateway,
    host: str,
    port: int,
    *,
    ssl: SSLContext | None = None,
    guard: ConnectionGuard | None = None,
) -> tuple[Server, int]:
    """Serve SlurmIndirect (every version), health and reflection for `gateway`; the server and its port."""
    sock = bind(host, port)
    from s3m_grpc.emulator.facility_services import FacilityService

    services: list[Any] = [SlurmIndirectService(gateway, v) for v in VERSIONS.values()]
    services += [FacilityService(gateway, STATUS), FacilityService(gateway, TOKEN_CONTROL)]
    services = ServerReflection.extend([*services, Health()])
    guard = guard or ConnectionGuard(name="grpc")
    server = GuardedServer(
        services, codec=PassThroughCodec(), status_details_codec=SlurmStatusDetailsCodec(), guard=guard
    )
    await server.start(sock=sock, ssl=ssl)
    guard.start()
    return server, sock.getsockname()[1]


__all__ = [
    "GuardedServer",
    "PassThroughCodec",
    "PreEncoded",
    "SlurmIndirectService",
    "bind",
    "faulted",
    "read_request",
    "refuse_unknown_fields",
    "start_grpc",
    "unary_handlers",
]
