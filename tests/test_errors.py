"""Every gRPC status maps into the one exception tree, and no library exception escapes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from s3m_apis_betterproto.google.protobuf import Empty
from s3m_apis_betterproto.slurm.v0043 import SlurmIndirectStub

from s3m_grpc import errors
from s3m_grpc.factory import S3MClientFactory
from s3m_grpc.retry import RetryPolicy
from tests.conftest import GRPC_TRANSPORTS, TOKEN, RunningServer

ALL_CODES = range(17)


def test_every_grpc_code_has_a_class_with_that_code() -> None:
    for code in ALL_CODES:
        cls = errors.for_grpc_code(code)
        assert issubclass(cls, errors.S3MError)
        if code:
            assert cls.grpc_code == code, cls
    assert errors.for_grpc_code(0) is errors.ProtocolError  # "OK" that raised: an unusable reply
    assert errors.for_grpc_code(99) is errors.UnknownError
    assert len({errors.for_grpc_code(c) for c in range(1, 17)}) == 16


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, errors.InvalidArgument),
        (401, errors.Unauthenticated),
        (403, errors.PermissionDenied),
        (404, errors.NotFound),
        (429, errors.RateLimited),
        (500, errors.ServerError),
        (502, errors.Unavailable),
        (503, errors.Unavailable),
        (504, errors.DeadlineExceeded),
        (418, errors.InvalidArgument),
        (599, errors.ServerError),
    ],
)
def test_http_status_mapping(status: int, cls: type[errors.S3MError]) -> None:
    assert errors.for_http_status(status) is cls


def test_slurm_errors_in_messages() -> None:
    e = errors.NotFound(
        "Invalid job id specified: 5",
        rpc="GetJob",
        errors=[errors.SlurmError(2017, "Invalid job id specified", "Invalid job id specified: 5")],
    )
    assert str(e) == "GetJob: Invalid job id specified: 5 (Slurm error 2017)"
    other = errors.JobRejected(
        "Slurm rejected the job", errors=[errors.SlurmError(2000, "", "bad partition")]
    )
    assert str(other) == "Slurm rejected the job (bad partition (Slurm error 2000))"
    assert isinstance(other, errors.InvalidArgument)
    assert errors.RateLimited("slow down", retry_after=3.0).retry_after == 3.0
    assert isinstance(errors.ConfigurationError("x"), ValueError)


@pytest.mark.parametrize("transport", GRPC_TRANSPORTS)
@pytest.mark.parametrize("code", range(1, 17))
async def test_injected_status_maps_over_the_wire(server: RunningServer, transport: str, code: int) -> None:
    server.faults.add(f"Ping:status:code={code}")
    async with S3MClientFactory(
        server.grpc_target, TOKEN, transport=transport, retry=RetryPolicy.none()
    ) as factory:
        with pytest.raises(errors.S3MError) as caught:
            await factory.create_client(SlurmIndirectStub).ping(Empty(), timeout=5)
    assert type(caught.value) is errors.for_grpc_code(code)
    assert caught.value.status_code == code
    assert caught.value.rpc == "Ping"
    if code != 4:  # the deadline one may be the client's own message
        assert f"injected {code}" in caught.value.message
        assert caught.value.errors[0].source == "s3m-gateway"  # Slurm-style errors[] came across


@pytest.mark.parametrize("transport", GRPC_TRANSPORTS)
async def test_submission_refused_by_slurm_is_job_rejected(server: RunningServer, transport: str) -> None:
    from s3m_apis_betterproto.slurm.v0043 import JobSubmitReq, JobSubmitReqJobDescription

    async with S3MClientFactory(server.grpc_target, TOKEN, transport=transport) as factory:
        client = factory.create_client(SlurmIndirectStub)
        with pytest.raises(errors.JobRejected) as caught:
            await client.post_job_submit(
                JobSubmitReq(script="#!/bin/sh\n", job=JobSubmitReqJobDescription(partition="nope"))
            )
    assert caught.value.errors[0].error_number == 2000
    assert caught.value.grpc_code == 3


# -- servers that misbehave -------------------------------------------------------------------------


async def _h2_ok_without_message(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """A raw HTTP/2 peer that answers every call with headers and grpc-status 0 but no message.

    grpclib's own server refuses to do this (it substitutes an error), which is why it is raw h2.
    """
    import h2.config
    import h2.connection
    import h2.events

    conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=False))
    conn.initiate_connection()
    writer.write(conn.data_to_send())
    while data := await reader.read(65536):
        for event in conn.receive_data(data):
            if isinstance(event, h2.events.RequestReceived):
                conn.send_headers(event.stream_id, [(":status", "200"), ("content-type", "application/grpc")])
                conn.send_headers(event.stream_id, [("grpc-status", "0")], end_stream=True)
        writer.write(conn.data_to_send())
        await writer.drain()


@pytest.fixture
async def silent_ok_port() -> AsyncIterator[int]:
    raw = await _raw_server(_h2_ok_without_message)
    yield raw.sockets[0].getsockname()[1]
    raw.close()
    await raw.wait_closed()


@pytest.mark.parametrize("transport", GRPC_TRANSPORTS)
async def test_ok_without_a_message_is_a_protocol_error(silent_ok_port: int, transport: str) -> None:
    async with S3MClientFactory(f"127.0.0.1:{silent_ok_port}", TOKEN, transport=transport) as factory:
        with pytest.raises(errors.S3MError) as caught:
            await factory.create_client(SlurmIndirectStub).ping(Empty(), timeout=5)
    assert type(caught.value) is errors.ProtocolError


async def _raw_server(reply: Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]) -> Any:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reply(reader, writer)
        finally:
            writer.close()

    return await asyncio.start_server(handle, "127.0.0.1", 0)


async def _close_at_once(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    return None


async def _http11(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await reader.read(1024)
    writer.write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 11\r\nConnection: close\r\n\r\nBad Request")
    await writer.drain()


async def _garbage_after_preface(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await reader.read(1024)
    writer.write(b"\x00\x00\x12\x07\x00\x00\x00\x00\x00" + b"\xff" * 40)  # a nonsense GOAWAY
    await writer.drain()
    await asyncio.sleep(0.2)


@pytest.mark.parametrize("transport", GRPC_TRANSPORTS)
@pytest.mark.parametrize("behaviour", [_close_at_once, _http11, _garbage_after_preface])
async def test_misbehaving_peers_raise_only_s3m_errors(transport: str, behaviour: Any) -> None:
    raw = await _raw_server(behaviour)
    port = raw.sockets[0].getsockname()[1]
    try:
        async with S3MClientFactory(f"127.0.0.1:{port}", TOKEN, transport=transport) as factory:
            client = factory.create_client(SlurmIndirectStub)
            for _ in range(2):  # and the channel recovers enough to fail the same way again
                with pytest.raises(errors.S3MError) as caught:
                    await client.ping(Empty(), timeout=3)
                assert isinstance(
                    caught.value,
                    (errors.Unavailable, errors.ProtocolError, errors.DeadlineExceeded, errors.UnknownError),
                ), caught.value
                assert TOKEN not in str(caught.value)
    finally:
        raw.close()
        await raw.wait_closed()
