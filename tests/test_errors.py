"""One exception tree for every transport: its classes, the one mapping, and what crosses the wire.

The same Slurm answer must raise the same class whichever transport carried it: the three real
transports are driven against small in-process servers (a grpclib Server whose handlers raise
``GRPCError`` with Slurm's errors in ``grpc-status-details-bin``, and an aiohttp app answering the
REST twin), and against the emulator's injected statuses.
"""

from __future__ import annotations

import ast
import asyncio
import contextlib
import inspect
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from betterproto.lib.std.google.protobuf import Empty
from google.protobuf import empty_pb2
from grpclib.const import Cardinality, Status
from grpclib.const import Handler as GrpclibHandler
from grpclib.exceptions import GRPCError
from grpclib.server import Server
from s3m_apis_betterproto.slurm.v0043 import (
    DeleteJobReq,
    JobIdReq,
    JobSubmitReq,
    JobSubmitReqJobDescription,
    SlurmIndirectStub,
)
from s3m_apis_pb.common.v1alpha import gerr_pb2

from s3m_grpc import errors, status_details
from s3m_grpc.errors import SlurmError, SlurmWarning, error_for
from s3m_grpc.factory import S3MClientFactory
from s3m_grpc.retry import RetryPolicy
from s3m_grpc.rpc import BY_NAME, RPCS, VERSIONS
from s3m_grpc.slurmdefs import ERRNOS
from s3m_grpc.status_details import SlurmStatusDetailsCodec
from s3m_grpc.transports import FallbackPolicy
from tests.conftest import GRPC_TRANSPORTS, TOKEN, RunningServer

ALL_CODES = range(17)
TRANSPORTS = ("grpclib", "grpcio", "rest")

# -- the tree ---------------------------------------------------------------------------------------

#: Every class: (its parent, grpc_code, http_status, outcome_unknown). Kept by hand, on purpose: a
#: change to any of these is a change of the library's contract.
TREE: dict[type[errors.S3MError], tuple[type[Exception], int, int, bool]] = {
    errors.S3MError: (Exception, 2, 500, False),
    errors.ConfigurationError: (errors.S3MError, 3, 400, False),
    errors.CallCancelled: (errors.S3MError, 1, 499, True),
    errors.UnknownError: (errors.S3MError, 2, 500, True),
    errors.InvalidArgument: (errors.S3MError, 3, 400, False),
    errors.JobRejected: (errors.InvalidArgument, 3, 400, False),
    errors.DeadlineExceeded: (errors.S3MError, 4, 504, True),
    errors.WaitTimeout: (errors.DeadlineExceeded, 4, 504, False),
    errors.NotFound: (errors.S3MError, 5, 404, False),
    errors.JobVanished: (errors.NotFound, 5, 404, False),
    errors.AlreadyExists: (errors.S3MError, 6, 409, False),
    errors.PermissionDenied: (errors.S3MError, 7, 403, False),
    errors.RateLimited: (errors.S3MError, 8, 429, False),
    errors.FailedPrecondition: (errors.S3MError, 9, 400, False),
    errors.Aborted: (errors.S3MError, 10, 409, True),
    errors.OutOfRange: (errors.S3MError, 11, 400, False),
    errors.Unimplemented: (errors.S3MError, 12, 501, False),
    errors.ServerError: (errors.S3MError, 13, 500, True),
    errors.ProtocolError: (errors.ServerError, 13, 500, True),
    errors.Unavailable: (errors.S3MError, 14, 503, True),
    errors.ConnectError: (errors.Unavailable, 14, 503, False),
    errors.SubmissionUnknown: (errors.Unavailable, 14, 503, True),
    errors.ReplyTooLarge: (errors.S3MError, 8, 500, True),
    errors.DataLoss: (errors.S3MError, 15, 500, True),
    errors.Unauthenticated: (errors.S3MError, 16, 401, False),
}


def test_the_tree_is_complete_and_as_documented() -> None:
    defined = {
        cls
        for _, cls in inspect.getmembers(errors, inspect.isclass)
        if issubclass(cls, errors.S3MError) and cls.__module__ == errors.__name__
    }
    assert defined == set(TREE)  # a new class needs its row here, and in the module docstring
    for cls, (parent, code, http, unknown) in TREE.items():
        assert cls.__bases__[0] is parent, cls
        assert (cls.grpc_code, cls.http_status, cls.outcome_unknown) == (code, http, unknown), cls
        assert cls.__name__ in (errors.__doc__ or ""), cls
    assert issubclass(errors.ConfigurationError, ValueError)


def test_outcome_unknown_means_the_request_may_have_taken_effect() -> None:
    # Refusals before work and failures before sending are known outcomes; the rest are not.
    known = [c for c, row in TREE.items() if not row[3]]
    unknown = [c for c, row in TREE.items() if row[3]]
    assert errors.ConnectError in known
    assert errors.RateLimited in known
    assert errors.JobRejected in known
    assert errors.Unavailable in unknown
    assert errors.DeadlineExceeded in unknown
    assert errors.ReplyTooLarge in unknown
    assert errors.SubmissionUnknown in unknown
    # Instances read the class's value, and so does a subclass that does not override it.
    assert errors.ProtocolError("x").outcome_unknown is True
    assert errors.ConnectError("x").outcome_unknown is False


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
        (408, errors.DeadlineExceeded),
        (409, errors.Aborted),
        (412, errors.FailedPrecondition),
        (416, errors.OutOfRange),
        (429, errors.RateLimited),
        (499, errors.CallCancelled),
        (500, errors.ServerError),
        (501, errors.Unimplemented),
        (502, errors.Unavailable),
        (503, errors.Unavailable),
        (504, errors.DeadlineExceeded),
        (418, errors.InvalidArgument),
        (507, errors.ServerError),
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
    unknown = errors.SubmissionUnknown("lost", key="ab" * 16)
    assert unknown.key == "ab" * 16
    assert isinstance(unknown, errors.Unavailable)
    assert "NotFound('Invalid job id specified: 5'" in repr(e)


# -- error_for: the one mapping ---------------------------------------------------------------------


def test_replies_are_mapped_in_one_place() -> None:
    # Transports return a Reply whatever its status; only the codec turns one into an S3MError.
    # A transport that called error_for again would bring back a second, drifting mapping.
    package = Path(errors.__file__).parent
    callers = sorted(
        str(path.relative_to(package))
        for path in package.rglob("*.py")
        if path.name != "errors.py"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Call)
        and getattr(node.func, "id", getattr(node.func, "attr", "")) == "error_for"
    )
    assert callers == ["codec.py"] * len(callers)
    assert callers, "codec.decode maps every failed reply through error_for"


NOT_FOUND_2017 = [SlurmError(2017, "Invalid job id specified", "Invalid job id specified", "slurm_get_job")]


@pytest.mark.parametrize(
    ("kwargs", "cls"),
    [
        ({"grpc_code": 3, "errors": NOT_FOUND_2017}, errors.NotFound),  # S3M's INVALID_ARGUMENT
        ({"http_status": 400, "errors": NOT_FOUND_2017}, errors.NotFound),  # slurmrestd's 400
        ({"grpc_code": 5, "errors": NOT_FOUND_2017}, errors.NotFound),
        ({"http_status": 404}, errors.NotFound),
        ({"grpc_code": 3}, errors.InvalidArgument),
        ({"http_status": 400}, errors.InvalidArgument),
        ({"http_status": 400, "errors": [SlurmError(2021, "done")]}, errors.FailedPrecondition),
        ({"http_status": 400, "errors": [SlurmError(2002, "no")]}, errors.PermissionDenied),
        ({"http_status": 400, "errors": [SlurmError(424242, "new")]}, errors.InvalidArgument),
        ({"http_status": 400, "errors": [SlurmError(0, "gerr")]}, errors.InvalidArgument),
        # Statuses about the connection or the caller win over the body's number.
        ({"http_status": 503, "errors": NOT_FOUND_2017}, errors.Unavailable),
        ({"grpc_code": 14, "errors": NOT_FOUND_2017}, errors.Unavailable),
        ({"http_status": 401, "errors": NOT_FOUND_2017}, errors.Unauthenticated),
        ({"http_status": 429, "errors": NOT_FOUND_2017}, errors.RateLimited),
        ({"grpc_code": 4, "errors": NOT_FOUND_2017}, errors.DeadlineExceeded),
        ({"grpc_code": 0}, errors.ProtocolError),
        ({"grpc_code": 77}, errors.UnknownError),
        ({}, errors.ServerError),
    ],
)
def test_error_for(kwargs: dict[str, Any], cls: type[errors.S3MError]) -> None:
    exc = error_for("boom", rpc="GetJob", **kwargs)
    assert type(exc) is cls
    assert exc.rpc == "GetJob"
    assert exc.errors == tuple(kwargs.get("errors", ()))
    assert exc.status_code == kwargs.get("grpc_code", kwargs.get("http_status", 500))


def test_error_for_submissions_and_rate_limits() -> None:
    rejected = error_for("bad", http_status=400, errors=[SlurmError(2000, "x")], rpc="PostJobSubmit")
    assert type(rejected) is errors.JobRejected
    assert type(error_for("bad", grpc_code=3, rpc="PostJobSubmit")) is errors.JobRejected
    # A sharper Slurm number keeps its own class for a submission too.
    assert type(error_for("x", grpc_code=3, errors=NOT_FOUND_2017, rpc="PostJobSubmit")) is errors.NotFound
    limited = error_for(
        "slow", grpc_code=8, retry_after=2.5, warnings=[SlurmWarning("w", "s")], rpc="GetJobs"
    )
    assert isinstance(limited, errors.RateLimited)
    assert limited.retry_after == 2.5
    assert limited.warnings == (SlurmWarning("w", "s"),)
    by_number = error_for("slow", http_status=400, errors=[SlurmError(2050, "Too many")], retry_after=1)
    assert isinstance(by_number, errors.RateLimited)
    assert by_number.retry_after == 1


def test_every_slurm_errno_maps_to_its_declared_grpc_code() -> None:
    for number, errno in ERRNOS.items():
        exc = error_for(errno.text, http_status=400, errors=[SlurmError(number, errno.text)])
        assert exc.grpc_code == errno.grpc_code, number
        assert errors.BY_SLURM_ERROR[number] is errors.for_grpc_code(errno.grpc_code)


# -- status details ---------------------------------------------------------------------------------


def test_status_details_round_trip() -> None:
    errs = [
        SlurmError(2017, "Invalid job id specified", "job 5 unknown", "slurm_get_job"),
        SlurmError(0, "x"),
    ]
    warns = [SlurmWarning("slow controller", "slurmctld")]
    data = status_details.encode(3, "Invalid job id specified", errs, warns)
    assert status_details.decode(data) == (errs, warns)
    codec = SlurmStatusDetailsCodec()
    encoded = codec.encode(Status.INVALID_ARGUMENT, "m", (errs, warns))
    assert codec.decode(Status.INVALID_ARGUMENT, "m", encoded) == (errs, warns)
    assert codec.decode(Status.INTERNAL, None, codec.encode(Status.INTERNAL, None, None)) == ([], [])
    assert status_details.decode(b"\xff\xff\xff") == ([], [])  # garbage hides nothing else


def test_gerr_errors_show_only_their_public_message() -> None:
    from google.rpc import status_pb2

    status = status_pb2.Status(code=7, message="denied")
    gerr = "type.googleapis.com/olcf.s3m.common.v1alpha.GerrError"
    public = gerr_pb2.GerrError(
        code=7, message="internal: token abc in table x", public_message="Access denied"
    )
    private = gerr_pb2.GerrError(code=7, message="internal: secret detail", private=True)
    plain = gerr_pb2.GerrError(code=7, message="quota exceeded")
    for g in (public, private, plain):
        status.details.add(type_url=gerr, value=g.SerializeToString())
    status.details.add(type_url="type.googleapis.com/some.Other", value=b"\x08\x01")  # skipped
    errs, warns = status_details.decode(status.SerializeToString())
    assert [e.description for e in errs] == ["Access denied", "", "quota exceeded"]
    assert all(e.source == "s3m" and e.error_number == 0 for e in errs)
    assert warns == []
    texts = " ".join(str(e) for e in errs)
    assert "internal" not in texts
    assert "secret" not in texts


# -- the same Slurm answer over grpclib, grpcio and REST ---------------------------------------------


def _upb(name: str) -> Any:
    return empty_pb2.Empty if name == "Empty" else getattr(VERSIONS["v0.0.43"].upb, name)


class _Refusing:
    """A grpclib service for every v0043 SlurmIndirect method, each raising the configured GRPCError."""

    def __init__(self) -> None:
        self.answer: tuple[Status, str, list[SlurmError]] = (Status.INTERNAL, "unset", [])
        self.seen: list[tuple[str, Any]] = []

    def __mapping__(self) -> dict[str, GrpclibHandler]:
        version = VERSIONS["v0.0.43"]
        return {
            version.grpc_path(rpc): GrpclibHandler(
                self._handler(rpc.name), Cardinality.UNARY_UNARY, _upb(rpc.request), _upb(rpc.response)
            )
            for rpc in RPCS
        }

    def _handler(self, name: str) -> Callable[[Any], Awaitable[None]]:
        async def handle(stream: Any) -> None:
            await stream.recv_message()
            self.seen.append((name, dict(stream.metadata)))
            status, message, errs = self.answer
            raise GRPCError(status, message, (errs, [SlurmWarning("from the test", "test")]))

        return handle


class SlurmAnswers:
    """A grpclib server and an aiohttp app that give the same configured Slurm answer."""

    def __init__(self, service: _Refusing, grpc_port: int, rest_url: str) -> None:
        self.service = service
        self.grpc_port = grpc_port
        self.rest_url = rest_url
        self.http: tuple[int, dict[str, Any]] = (500, {})

    def answer(self, status: Status, http_status: int, message: str, errs: list[SlurmError]) -> None:
        self.service.answer = (status, message, errs)
        body = {
            "errors": [
                {
                    "error_number": e.error_number,
                    "error": e.error,
                    "description": e.description,
                    "source": e.source,
                }
                for e in errs
            ],
            "warnings": [{"description": "from the test", "source": "test"}],
        }
        self.http = (http_status, body)

    def factory(self, transport: str) -> S3MClientFactory:
        return S3MClientFactory(
            f"127.0.0.1:{self.grpc_port}",
            TOKEN,
            transport=transport,
            rest_url=self.rest_url,
            retry=RetryPolicy.none(),
        )


@pytest.fixture
async def slurm_answers() -> AsyncIterator[SlurmAnswers]:
    service = _Refusing()
    server = Server([service], status_details_codec=SlurmStatusDetailsCodec())
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    grpc_port = listener.getsockname()[1]
    await server.start(sock=listener)
    answers: SlurmAnswers

    async def rest(request: web.Request) -> web.Response:
        status, body = answers.http
        return web.json_response(body, status=status)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", rest)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    answers = SlurmAnswers(service, grpc_port, f"http://127.0.0.1:{runner.addresses[0][1]}")
    yield answers
    await runner.cleanup()
    server.close()
    await server.wait_closed()


REQUESTS: dict[str, Any] = {
    "GetJob": JobIdReq(job_id="5"),
    "DeleteJob": DeleteJobReq(job_id="5"),
    "PostJobSubmit": JobSubmitReq(job=JobSubmitReqJobDescription(script="#!/bin/sh\n", partition="nope")),
}


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize(
    ("rpc", "number", "status", "http_status", "cls"),
    [
        ("GetJob", 2017, Status.INVALID_ARGUMENT, 400, errors.NotFound),  # what S3M and slurmrestd say
        ("GetJob", 2017, Status.NOT_FOUND, 404, errors.NotFound),
        ("DeleteJob", 2017, Status.INVALID_ARGUMENT, 400, errors.NotFound),
        ("DeleteJob", 2021, Status.INVALID_ARGUMENT, 400, errors.FailedPrecondition),
        ("PostJobSubmit", 2000, Status.INVALID_ARGUMENT, 400, errors.JobRejected),
        ("PostJobSubmit", 2045, Status.INVALID_ARGUMENT, 400, errors.JobRejected),
        ("GetJobs", 2002, Status.INVALID_ARGUMENT, 400, errors.PermissionDenied),
        ("GetJobs", 2050, Status.RESOURCE_EXHAUSTED, 429, errors.RateLimited),
        ("Ping", 1800, Status.UNAVAILABLE, 503, errors.Unavailable),
        ("Ping", 2090, Status.INTERNAL, 500, errors.ServerError),
        ("GetNodes", 9008, Status.UNAUTHENTICATED, 401, errors.Unauthenticated),
    ],
)
async def test_the_same_slurm_answer_raises_the_same_class_on_every_transport(
    slurm_answers: SlurmAnswers,
    transport: str,
    rpc: str,
    number: int,
    status: Status,
    http_status: int,
    cls: type[errors.S3MError],
) -> None:
    text = ERRNOS[number].text
    slurm_answers.answer(status, http_status, text, [SlurmError(number, text, f"{text}: 5", "slurm")])
    async with slurm_answers.factory(transport) as factory:
        stub = factory.create_client(SlurmIndirectStub)
        method = getattr(stub, BY_NAME[rpc].method)
        with pytest.raises(errors.S3MError) as caught:
            await method(REQUESTS.get(rpc, Empty()), timeout=10)
    exc = caught.value
    assert type(exc) is cls, (transport, exc)
    assert exc.rpc == rpc
    assert [(e.error_number, e.description, e.source) for e in exc.errors] == [
        (number, f"{text}: 5", "slurm")
    ]
    assert exc.warnings == (SlurmWarning("from the test", "test"),)
    assert exc.status_code == (http_status if transport == "rest" else status.value)
    assert TOKEN not in str(exc)
    assert TOKEN not in repr(exc)
    if transport != "rest":
        assert slurm_answers.service.seen[-1][0] == rpc  # the call really crossed the wire


# -- the emulator's injected statuses ---------------------------------------------------------------


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
    assert TOKEN not in str(caught.value)
    assert TOKEN not in repr(caught.value)


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_submission_refused_by_slurm_is_job_rejected(server: RunningServer, transport: str) -> None:
    async with server.factory(transport=transport, retry=RetryPolicy.none()) as factory:
        client = factory.create_client(SlurmIndirectStub)
        with pytest.raises(errors.JobRejected) as caught:
            await client.post_job_submit(
                JobSubmitReq(job=JobSubmitReqJobDescription(script="#!/bin/sh\n", partition="nope"))
            )
    assert caught.value.errors[0].error_number == 2000
    assert caught.value.grpc_code == 3
    assert TOKEN not in str(caught.value)


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_unknown_job_is_not_found_on_the_emulator(server: RunningServer, transport: str) -> None:
    async with server.factory(transport=transport, retry=RetryPolicy.none()) as factory:
        with pytest.raises(errors.NotFound) as caught:
            await factory.create_client(SlurmIndirectStub).get_job(JobIdReq(job_id="424242"))
    assert caught.value.errors[0].error_number == 2017


# -- servers that misbehave -------------------------------------------------------------------------


def _h2_peer(
    answer: Callable[[Any, int], None],
) -> Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]:
    """A raw HTTP/2 peer that answers every request with `answer(connection, stream_id)`.

    Raw h2, because grpclib's own server refuses to misbehave in these ways.
    """

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        import h2.config
        import h2.connection
        import h2.events

        conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=False))
        conn.initiate_connection()
        writer.write(conn.data_to_send())
        while data := await reader.read(65536):
            for event in conn.receive_data(data):
                if isinstance(event, h2.events.RequestReceived):
                    answer(conn, event.stream_id)
            writer.write(conn.data_to_send())
            await writer.drain()

    return serve


def _ok_without_message(conn: Any, stream: int) -> None:
    """Headers and grpc-status 0, but no message."""
    conn.send_headers(stream, [(":status", "200"), ("content-type", "application/grpc")])
    conn.send_headers(stream, [("grpc-status", "0")], end_stream=True)


def _proxy_page(conn: Any, stream: int) -> None:
    """What a proxy in front of a missing server answers: 503 and an HTML page."""
    conn.send_headers(stream, [(":status", "503"), ("content-type", "text/html")])
    conn.send_data(stream, b"<html>upstream unavailable</html>", end_stream=True)


@contextlib.asynccontextmanager
async def _raw_port(
    reply: Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]],
) -> AsyncIterator[int]:
    """The port of a loopback server answering each connection with `reply`, closed afterwards."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reply(reader, writer)
        finally:
            writer.close()

    raw = await asyncio.start_server(handle, "127.0.0.1", 0)
    try:
        yield raw.sockets[0].getsockname()[1]
    finally:
        raw.close()
        await raw.wait_closed()


@pytest.fixture
async def silent_ok_port() -> AsyncIterator[int]:
    async with _raw_port(_h2_peer(_ok_without_message)) as port:
        yield port


@pytest.fixture
async def proxy_port() -> AsyncIterator[int]:
    async with _raw_port(_h2_peer(_proxy_page)) as port:
        yield port


@pytest.mark.parametrize("transport", GRPC_TRANSPORTS)
async def test_ok_without_a_message_is_a_protocol_error(silent_ok_port: int, transport: str) -> None:
    async with S3MClientFactory(
        f"127.0.0.1:{silent_ok_port}", TOKEN, transport=transport, retry=RetryPolicy.none()
    ) as factory:
        with pytest.raises(errors.S3MError) as caught:
            await factory.create_client(SlurmIndirectStub).ping(Empty(), timeout=5)
    assert type(caught.value) is errors.ProtocolError


@pytest.mark.parametrize("transport", GRPC_TRANSPORTS)
async def test_a_proxy_answering_instead_of_the_server_is_unavailable(
    proxy_port: int, transport: str
) -> None:
    async with S3MClientFactory(
        f"127.0.0.1:{proxy_port}", TOKEN, transport=transport, retry=RetryPolicy.none()
    ) as factory:
        with pytest.raises(errors.S3MError) as caught:
            await factory.create_client(SlurmIndirectStub).ping(Empty(), timeout=10)
    assert type(caught.value) is errors.Unavailable
    assert caught.value.rpc == "Ping"


async def test_auto_leaves_grpc_when_a_proxy_answers_for_it(proxy_port: int, server: RunningServer) -> None:
    # No gRPC server answered: the channel does not work, so `auto` may leave it, as the policy allows.
    policy = FallbackPolicy(on=(errors.ConnectError, errors.Unavailable))
    async with S3MClientFactory(
        f"127.0.0.1:{proxy_port}", TOKEN, rest_url=server.rest_url, fallback=policy, retry=RetryPolicy.none()
    ) as factory:
        await factory.create_client(SlurmIndirectStub).ping(Empty(), timeout=10)
        assert factory.active_transport == "rest"


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
    async with (
        _raw_port(behaviour) as port,
        S3MClientFactory(f"127.0.0.1:{port}", TOKEN, transport=transport) as factory,
    ):
        client = factory.create_client(SlurmIndirectStub)
        for _ in range(2):  # and the channel recovers enough to fail the same way again
            with pytest.raises(errors.S3MError) as caught:
                await client.ping(Empty(), timeout=3)
            assert isinstance(
                caught.value,
                (errors.Unavailable, errors.ProtocolError, errors.DeadlineExceeded, errors.UnknownError),
            ), caught.value
            assert TOKEN not in str(caught.value)
