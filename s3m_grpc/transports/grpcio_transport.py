"""The grpcio transport: the same calls over grpc.aio's C-core channel, request and reply as bytes.

A status the server sent comes back as a ``Reply``, read above with every other transport's. A
failed connection, or a reply over max_receive_bytes, is no reply: raised here. grpc-core reports
its own deadline as a DEADLINE_EXCEEDED status, which is read as one (the class is the same).
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any, ClassVar

import grpc
import grpc.aio

from s3m_grpc._aio import Deadline, within
from s3m_grpc.config import ChannelConfig
from s3m_grpc.errors import (
    ConnectError,
    DeadlineExceeded,
    ProtocolError,
    ReplyTooLarge,
    S3MError,
    Unavailable,
)
from s3m_grpc.reply import Reply
from s3m_grpc.status_details import DETAILS_KEY
from s3m_grpc.status_details import decode as decode_details
from s3m_grpc.transports.base import Transport

if TYPE_CHECKING:
    from s3m_grpc.call import Call


log = logging.getLogger(__name__)


class GrpcioTransport(Transport):
    """Unary calls over one lazily opened ``grpc.aio`` channel."""

    name: ClassVar[str] = "grpcio"

    def __init__(self, config: ChannelConfig) -> None:
        self._config = config
        self._channel: grpc.aio.Channel | None = None
        self._ready = False
        self._closed = False
        self._callables: dict[str, Any] = {}
        # Calls in flight per channel: a retired channel is closed when its last call ends (_retire).
        self._in_flight: dict[grpc.aio.Channel, int] = {}
        self._retired: set[grpc.aio.Channel] = set()
        self._closing: set[asyncio.Task[None]] = set()

    def _open(self) -> grpc.aio.Channel:
        if self._closed:
            raise Unavailable("the transport is closed")
        if self._channel is None:
            cfg = self._config
            options: list[tuple[str, Any]] = [
                ("grpc.max_receive_message_length", cfg.max_receive_bytes),
                ("grpc.primary_user_agent", cfg.user_agent),
                # Proxies are for HTTP/1.1 REST; a gRPC channel through one fails obscurely.
                ("grpc.enable_http_proxy", 0),
                # The connection is this transport's own: grpc-core would otherwise share it with
                # every channel to the same target, and a channel opened after a drop (_retire)
                # would get the dead connection back.
                ("grpc.use_local_subchannel_pool", 1),
            ]
            if cfg.keepalive.time is not None:
                options += [
                    ("grpc.keepalive_time_ms", int(cfg.keepalive.time * 1000)),
                    ("grpc.keepalive_timeout_ms", int(cfg.keepalive.timeout * 1000)),
                    ("grpc.keepalive_permit_without_calls", int(cfg.keepalive.permit_without_calls)),
                ]
            if cfg.server_hostname:
                options.append(("grpc.ssl_target_name_override", cfg.server_hostname))
            target = cfg.target.authority
            if cfg.tls:
                credentials = grpc.ssl_channel_credentials(root_certificates=cfg.ca_bytes())
                self._channel = grpc.aio.secure_channel(target, credentials, options=options)
            else:
                self._channel = grpc.aio.insecure_channel(target, options=options)
        return self._channel

    async def _connect(self, channel: grpc.aio.Channel, timeout: float | None) -> None:
        """Wait until the channel is READY; fail fast (ConnectError) when it cannot connect.

        grpc.aio would otherwise retry a refused or TLS-failing connection until the deadline and
        then report a bare UNAVAILABLE, which cannot be told apart from a failure after sending.
        """
        deadline = Deadline.after(timeout)
        state = channel.get_state(try_to_connect=True)
        while state != grpc.ChannelConnectivity.READY:
            if state == grpc.ChannelConnectivity.TRANSIENT_FAILURE:
                raise ConnectError(
                    f"cannot connect to {self._config.target.authority} (refused, "
                    "unreachable, or TLS/HTTP/2 negotiation failed)"
                )
            if state == grpc.ChannelConnectivity.SHUTDOWN:
                raise Unavailable("the channel is shut down")
            if deadline.passed():
                raise DeadlineExceeded("deadline exceeded while connecting")
            try:
                await within(channel.wait_for_state_change(state), deadline.remaining())
            except asyncio.TimeoutError:
                raise DeadlineExceeded("deadline exceeded while connecting") from None
            except grpc.aio.UsageError:  # retired (closed) while we waited: _method moves on
                raise Unavailable("the channel was closed while connecting") from None
            state = channel.get_state(try_to_connect=True)
        if channel is self._channel:  # not one retired meanwhile
            self._ready = True

    async def unary(self, call: Call, *, timeout: float | None) -> Reply:
        """One request, one response and its status; grpcio's failures raised as S3MErrors."""
        deadline = Deadline.after(timeout)
        channel, method = await self._method(call.path, deadline)
        remaining = deadline.remaining(floor=0.001)
        self._in_flight[channel] = self._in_flight.get(channel, 0) + 1
        try:
            reply = await method(call.request_bytes, metadata=call.grpc_metadata, timeout=remaining)
        except S3MError:
            raise
        except grpc.aio.AioRpcError as exc:
            details = exc.details() or exc.code().name
            if exc.code() == grpc.StatusCode.RESOURCE_EXHAUSTED and "larger than max" in details:
                # grpc-core's own limit on the reply (max_receive_bytes), not the server's 429.
                raise ReplyTooLarge(f"the reply exceeds max_receive_bytes ({details})") from exc
            if _connection_failed(exc, channel):  # no reply: the connection went
                self._retire(channel)
                raise Unavailable(details) from exc
            return _status(exc)  # the server's status (or grpc-core's deadline, read as one)
        except asyncio.CancelledError:
            raise
        except grpc.aio.UsageError as exc:  # the channel closed before the call began: nothing was sent
            raise ConnectError(f"the channel closed before the call: {exc}") from exc
        except grpc.RpcError as exc:
            raise Unavailable(f"gRPC call failed: {type(exc).__name__}") from exc
        finally:
            self._call_ended(channel)
        if reply is None:
            raise ProtocolError("the server ended the call with status OK but sent no response message")
        return Reply(bytes(reply))

    async def _method(self, path: str, deadline: Deadline) -> tuple[grpc.aio.Channel, Any]:
        """The current channel, READY, and its callable for `path`.

        A channel retired while we waited for it to connect is left for the current one: a call
        started on a closing channel fails at once (UsageError), although nothing was sent.
        """
        while True:
            channel = self._open()
            if not self._ready:
                try:
                    await self._connect(channel, deadline.remaining())
                except Unavailable:
                    if channel is self._channel:
                        raise
                if channel is not self._channel:
                    continue
            method = self._callables.get(path)
            if method is None:
                # No (de)serializers: bytes in, bytes out; decoding happens above, for every transport.
                method = self._callables[path] = channel.unary_unary(path)
            return channel, method  # no await until the call is made: the channel stays current

    def _retire(self, channel: grpc.aio.Channel) -> None:
        """After a failed connection, the next call opens a new channel (a fresh connection).

        grpc-core learns of a dropped connection asynchronously: a call made at once after the
        failure can still be written to the dead socket ("Stream removed"). The old channel is
        closed when the last call other tasks have in flight on it ends (never under them: grpc
        would turn their calls into a bare CancelledError).
        """
        current = self._channel
        if current is None or current is not channel:
            return  # another call has retired it already
        self._channel = None
        self._ready = False
        self._callables.clear()
        self._retired.add(current)
        if not self._in_flight.get(current):
            self._close_later(current)

    def _call_ended(self, channel: grpc.aio.Channel) -> None:
        left = self._in_flight.get(channel, 1) - 1
        if left:
            self._in_flight[channel] = left
            return
        self._in_flight.pop(channel, None)
        if channel in self._retired:
            self._close_later(channel)

    def _close_later(self, channel: grpc.aio.Channel) -> None:
        self._retired.discard(channel)
        task = asyncio.get_running_loop().create_task(channel.close())
        self._closing.add(task)
        task.add_done_callback(self._closed_one)

    def _closed_one(self, task: asyncio.Task[None]) -> None:
        self._closing.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.debug("closing a retired grpcio channel failed: %r", task.exception())

    async def aclose(self) -> None:
        """Close the channel and any retired one (idempotent); calls still in flight end."""
        self._closed = True
        channel, self._channel = self._channel, None
        self._callables.clear()
        channels, self._retired = [*self._retired, *([channel] if channel is not None else [])], set()
        for each in channels:
            await each.close()
        if self._closing:
            await asyncio.wait(set(self._closing))


#: Details grpc-core gives a call whose connection failed (not an UNAVAILABLE the server sent).
_CONNECTION_LOST = (
    "stream removed",
    "socket closed",
    "connection reset",
    "broken pipe",
    "failed to connect",
    "connection refused",
    "goaway",
    "keepalive",
    "connection closed",
    "end of tcp stream",
)


def _connection_failed(exc: grpc.aio.AioRpcError, channel: grpc.aio.Channel) -> bool:
    """Whether a failed call's connection is gone (then the channel is retired), not just busy."""
    if exc.code() != grpc.StatusCode.UNAVAILABLE:
        return False
    details = (exc.details() or "").lower()
    if any(marker in details for marker in _CONNECTION_LOST):
        return True
    state = channel.get_state(try_to_connect=False)
    return bool(state != grpc.ChannelConnectivity.READY)


def _status(exc: grpc.aio.AioRpcError) -> Reply:
    """The status of a failed grpc.aio call, with Slurm's errors from its details."""
    code = exc.code()
    errors: tuple[Any, ...] = ()
    warnings: tuple[Any, ...] = ()
    for key, data in exc.trailing_metadata() or ():
        if key == DETAILS_KEY and isinstance(data, bytes):
            found = decode_details(data)
            errors, warnings = tuple(found[0]), tuple(found[1])
    value = code.value[0] if isinstance(code.value, tuple) else 2
    return Reply(
        grpc_code=value, message=exc.details() or code.name, errors=errors, warnings=warnings, cause=exc
    )


__all__ = ["GrpcioTransport"]
