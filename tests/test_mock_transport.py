"""``Slurm`` over a ``MockTransport``: everything above the transport, for real, without a socket.

The handler gets the frozen ``Call`` and answers with Slurm JSON, protobuf or a ``Reply`` with a
status (or raises an S3MError); auth, routing, retries, reading the status, Slurm ``errors[]`` and
the exactly-once submission run as they do against a gateway.
"""

from __future__ import annotations

import asyncio
import dataclasses
import socket
from collections.abc import Callable
from typing import Any

import orjson
import pytest
from betterproto.lib.std.google.protobuf import Empty
from s3m_apis_betterproto.slurm import v0043

from s3m_grpc import (
    Call,
    FallbackPolicy,
    JobRecord,
    JobSpec,
    JobView,
    MockTransport,
    Reply,
    RetryPolicy,
    Slurm,
    errors,
)
from s3m_grpc.codec import FAST, FastReply
from s3m_grpc.rpc import BY_NAME, VERSIONS
from s3m_grpc.submission import keys_in
from s3m_grpc.transports.fallback import AutoTransport
from tests.conftest import TOKEN

FAST_RETRY = RetryPolicy(attempts=4, initial=0.001, maximum=0.002)
SCRIPT = "#!/bin/bash\necho hi\n"


@pytest.fixture(autouse=True)
def no_sockets(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any connection attempt fails the test: a MockTransport needs none."""

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a MockTransport test tried to open a connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(asyncio.BaseEventLoop, "create_connection", refuse)
    monkeypatch.setattr(asyncio.BaseEventLoop, "getaddrinfo", refuse)


class FakeSlurm:
    """A handler answering like S3M: a small queue, slurmdb-shaped GetJob records."""

    def __init__(self) -> None:
        self.queue: dict[int, dict[str, Any]] = {
            7: {
                "job_id": 7,
                "name": "old",
                "job_state": ["RUNNING"],
                "user_name": "alice",
                "partition": "batch",
            },
        }
        self.next_id = 100
        self.cancelled: list[tuple[int, str]] = []
        self.submitted: list[dict[str, Any]] = []
        #: Failures to raise, per RPC name, first one first.
        self.fail: dict[str, list[errors.S3MError]] = {}
        #: A PostJobSubmit that does the work, then fails (the reply is lost).
        self.accept_then_fail: errors.S3MError | None = None
        #: What TokenControl says the token may do, and the Status API's current downtimes.
        self.scope = "compute-ace"
        self.downtimes: list[dict[str, Any]] = []

    def __call__(self, call: Call) -> Any:
        name = call.rpc.name
        pending = self.fail.get(name)
        if pending:
            raise pending.pop(0)
        return getattr(self, name)(call)

    def Ping(self, call: Call) -> dict[str, Any]:
        return {"pings": [{"hostname": "defiant-ctld", "pinged": "UP", "latency": 12, "mode": "primary"}]}

    def GetPartitions(self, call: Call) -> dict[str, Any]:
        return {
            "partitions": [
                {
                    "name": "batch",
                    "nodes": {"total": 4, "allowed_configuration": "n[1-4]"},
                    "maximums": {"time": {"set": True, "number": 120}, "nodes": {"set": True, "number": 2}},
                    "partition": {"state": ["UP"]},
                }
            ]
        }

    def GetJobs(self, call: Call) -> dict[str, Any]:
        return {"jobs": list(self.queue.values()), "last_update": {"set": True, "number": 1763996400}}

    def GetJob(self, call: Call) -> dict[str, Any]:
        job_id = int(call.params["job_id"])
        job = self.queue.get(job_id)
        if job is None:
            return {"jobs": []}
        return {
            "jobs": [
                {
                    "job_id": job_id,
                    "name": job["name"],
                    "user": job["user_name"],
                    "partition": job.get("partition", ""),
                    "comment": {"job": job.get("comment", "")},
                    "state": {"current": ["COMPLETED"], "reason": "None"},
                    "exit_code": {"status": ["SUCCESS"], "return_code": {"set": True, "number": 0}},
                    "time": {"elapsed": 60, "start": 1763996400, "end": 1763996460, "submission": 1763996300},
                    "stdout_expanded": f"/home/alice/slurm-{job_id}.out",
                    "steps": [{"step": {"id": f"{job_id}.batch", "name": "batch"}}],
                }
            ]
        }

    def PostJobSubmit(self, call: Call) -> dict[str, Any]:
        body = orjson.loads(call.json_body or b"{}")
        self.submitted.append(body)
        job = body["job"]
        job_id = self.next_id
        self.next_id += 1
        self.queue[job_id] = {
            "job_id": job_id,
            "name": job.get("name", "sbatch"),
            "job_state": ["PENDING"],
            "user_name": "alice",
            "comment": job.get("comment", ""),
        }
        if self.accept_then_fail is not None:
            failure, self.accept_then_fail = self.accept_then_fail, None
            raise failure
        return {"job_id": job_id, "step_id": "batch"}

    def DeleteJob(self, call: Call) -> dict[str, Any]:
        self.cancelled.append((int(call.params["job_id"]), call.params.get("signal", "")))
        return {"status": []}

    # Status and TokenControl answer in proto3 JSON (camelCase), as S3M's docs show.
    def IntrospectAuthToken(self, call: Call) -> dict[str, Any]:
        assert call.params == {"grpc_permissions": "true"}
        return {
            "token": {
                "username": "stf040_auser",
                "project": "STF040",
                "permissions": [self.scope],
                "plannedExpiration": "2030-01-01T00:00:00Z",
                "delayDate": "",  # as in S3M's docs: an empty string for no date
            }
        }

    def ListResources(self, call: Call) -> dict[str, Any]:
        status = "UNAVAILABLE" if self.downtimes else "OPERATIONAL"
        return {"resources": [{"name": "defiant", "status": status, "downtimeScheduleAvailable": True}]}

    def ListDowntimesCurrent(self, call: Call) -> dict[str, Any]:
        return {"downtimes": self.downtimes}

    def ListDowntimesUpcoming(self, call: Call) -> dict[str, Any]:
        return {"downtimes": []}


def client(handler: Callable[[Call], Any], **kwargs: Any) -> tuple[Slurm, MockTransport]:
    mock = MockTransport(handler)
    kwargs.setdefault("retry", FAST_RETRY)
    return Slurm(token=TOKEN, transport=mock, **kwargs), mock


def rpc_names(mock: MockTransport) -> list[str]:
    """The SlurmIndirect calls made (the checks' Status and TokenControl calls have their own tests)."""
    return [call.rpc.name for call, _ in mock.calls if call.version.family == "slurm"]


#: The calls the checks make, sorted: TokenControl's introspection and the Status API's three listings.
EVERY_CHECK = ["IntrospectAuthToken", "ListDowntimesCurrent", "ListDowntimesUpcoming", "ListResources"]


def check_names(mock: MockTransport) -> list[str]:
    """The Status and TokenControl calls made, sorted (the status calls go out together)."""
    return sorted(call.rpc.name for call, _ in mock.calls if call.version.family != "slurm")


# -- the high-level API, end to end ------------------------------------------------------------------


async def test_reading_calls_work_without_sockets() -> None:
    slurm, mock = client(FakeSlurm())
    async with slurm:
        [ping] = await slurm.ping()
        partitions = await slurm.partitions()
        jobs = await slurm.jobs()
        alice = await slurm.jobs(user="alice", state="RUNNING")
        nobody = await slurm.jobs(user="bob")
    assert (ping.hostname, ping.pinged, ping.latency, ping.mode) == ("defiant-ctld", "UP", 12, "primary")
    [batch] = partitions
    assert (batch.name, batch.total_nodes, batch.max_time, batch.max_nodes, batch.state) == (
        "batch",
        4,
        120,
        2,
        ["UP"],
    )
    assert batch.allowed_nodes == "n[1-4]"
    assert [(type(j), j.job_id, j.name, j.state, j.user_name) for j in jobs] == [
        (JobView, 7, "old", "RUNNING", "alice")
    ]
    assert [j.job_id for j in alice] == [7]
    assert list(nobody) == []
    assert rpc_names(mock) == ["Ping", "GetPartitions", "GetJobs", "GetJobs", "GetJobs"]
    assert mock.closed  # Slurm closed the factory it made, and the factory its transport


async def test_job_reads_the_slurmdb_record() -> None:
    slurm, _mock = client(FakeSlurm())
    async with slurm:
        record = await slurm.job(7)
        with pytest.raises(errors.NotFound):
            await slurm.job(8)
    assert isinstance(record, JobRecord)
    assert (record.job_id, record.name, record.user_name, record.partition) == (7, "old", "alice", "batch")
    assert (record.state, record.state_reason, record.terminal, record.exit_code) == (
        "COMPLETED",
        "None",
        True,
        0,
    )
    assert (record.start_time, record.end_time, record.elapsed) == (1763996400, 1763996460, 60)
    assert record.stdout_path == "/home/alice/slurm-7.out"
    assert [s.step["id"] for s in record.steps] == ["7.batch"]


async def test_submit_and_cancel() -> None:
    fake = FakeSlurm()
    slurm, mock = client(fake)
    async with slurm:
        job = await slurm.submit(
            JobSpec(script=SCRIPT, name="hello", working_directory="/home/alice/work", time_limit=30)
        )
        await job.cancel()
        await slurm.cancel(job.job_id, signal="SIGUSR1")
        record = await job.refresh()
    assert job.job_id == 100
    [body] = fake.submitted
    assert body["job"]["script"] == SCRIPT
    assert body["job"]["name"] == "hello"
    assert body["job"]["time_limit"] == {"set": True, "number": 30}
    assert keys_in(body["job"]["comment"]) == [job.key]  # the exactly-once key travels in the comment
    assert fake.cancelled == [(100, ""), (100, "SIGUSR1")]
    assert record is not None
    assert record.comment == body["job"]["comment"]
    # The queue is read once first (the highest job id before the submission), then the job goes.
    assert rpc_names(mock) == ["GetJobs", "PostJobSubmit", "DeleteJob", "DeleteJob", "GetJob"]


async def test_the_handler_sees_the_frozen_call() -> None:
    seen: list[Call] = []

    def handler(call: Call) -> dict[str, Any]:
        seen.append(call)
        return {"status": []} if call.rpc.name == "DeleteJob" else {"jobs": []}

    slurm, mock = client(handler, resource="odo")
    async with slurm:
        await slurm.factory.invoke(
            slurm.factory.make_call(
                BY_NAME["DeleteJob"],
                VERSIONS["v0.0.44"],
                VERSIONS["v0.0.44"].upb.DeleteJobReq(job_id="123_4", signal="SIGTERM", flags="BATCH_JOB"),
                resource="odo",
                metadata={"x-trace": "t1"},
                timeout=7,
            )
        )
        await slurm.jobs()
    cancel, listing = seen
    assert (cancel.rpc.name, cancel.version.name, cancel.resource) == ("DeleteJob", "v0.0.44", "odo")
    assert dict(cancel.params) == {"job_id": "123_4", "signal": "SIGTERM", "flags": "BATCH_JOB"}
    assert cancel.metadata == (("x-trace", "t1"),)
    assert cancel.timeout == 7
    assert cancel.path == "/olcf.s3m.slurm.v0044.SlurmIndirect/DeleteJob"
    assert list(cancel.grpc_metadata[:2]) == [("authorization", TOKEN), ("olcf-resource", "odo")]
    assert (listing.rpc.name, listing.version.name, listing.request, dict(listing.params)) == (
        "GetJobs",
        "v0.0.44",
        None,
        {},
    )
    assert listing.timeout == 120  # the listing class of default timeouts
    left = mock.calls[1][1]
    assert left is not None
    assert 0 < left <= 120  # the transport got what is left of that deadline
    with pytest.raises(dataclasses.FrozenInstanceError):
        cancel.resource = "defiant"  # type: ignore[misc]
    assert TOKEN not in repr(cancel)


async def test_handlers_may_be_coroutines_or_return_messages() -> None:
    pb = VERSIONS["v0.0.43"].upb
    answers: dict[str, Any] = {
        "GetJobs": pb.JobsResp(jobs=[pb.SlurmJobDescription(job_id=9, name="upb", job_state=["PENDING"])]),
        "GetNodes": v0043.NodesResp(nodes=[v0043.SlurmNodeDescription(name="bp", cpus=8)]),
        "GetReservations": bytes(
            pb.ReservationsResp(reservations=[pb.Reservation(name="r")]).SerializeToString()
        ),
    }

    async def handler(call: Call) -> Any:
        await asyncio.sleep(0)
        return answers[call.rpc.name]

    slurm, _ = client(handler)
    async with slurm:
        jobs = await slurm.jobs()
        nodes = await slurm.nodes()
        reservations = await slurm.reservations()
    assert [(j.job_id, j.name, j.state) for j in jobs] == [(9, "upb", "PENDING")]
    assert [(n.name, n.cpus) for n in nodes] == [("bp", 8)]
    assert [r.name for r in reservations] == ["r"]


async def test_stubs_over_a_mock_transport_return_betterproto_messages() -> None:
    slurm, _ = client(FakeSlurm())
    async with slurm:
        stub = slurm.factory.create_client(v0043.SlurmIndirectStub)
        reply = await stub.get_jobs(Empty())
        submitted = await stub.post_job_submit(
            v0043.JobSubmitReq(job=v0043.JobSubmitReqJobDescription(script=SCRIPT, name="stub"))
        )
    assert isinstance(reply, v0043.JobsResp)
    assert [(j.job_id, j.name) for j in reply.jobs] == [(7, "old")]
    assert reply.last_update.number == 1763996400
    assert isinstance(submitted, v0043.JobSubmitResp)
    assert submitted.job_id == 100


# -- errors ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "failure",
    [
        errors.NotFound("no such job"),
        errors.PermissionDenied("read-only token"),
        errors.Unauthenticated("expired"),
        errors.InvalidArgument("bad", errors=[errors.SlurmError(9001, "Failed to parse")]),
    ],
)
async def test_errors_raised_by_the_handler_propagate_as_they_are(failure: errors.S3MError) -> None:
    fake = FakeSlurm()
    fake.fail["GetJobs"] = [failure]
    slurm, mock = client(fake)
    async with slurm:
        with pytest.raises(errors.S3MError) as caught:
            await slurm.jobs()
    assert caught.value is failure  # the same exception, not a copy or a wrapper
    assert caught.value.rpc == "GetJobs"  # filled in on the way up
    assert rpc_names(mock) == ["GetJobs"]  # not retryable: one attempt


async def test_idempotent_calls_are_retried_on_unavailable() -> None:
    fake = FakeSlurm()
    fake.fail["GetJobs"] = [errors.Unavailable("blip"), errors.Unavailable("blip again")]
    fake.fail["Ping"] = [errors.RateLimited("slow down", retry_after=0.001)]
    fake.fail["GetJob"] = [errors.ProtocolError("cut short")]
    slurm, mock = client(fake)
    async with slurm:
        jobs = await slurm.jobs()
        await slurm.ping()
        await slurm.job(7)
    assert [j.job_id for j in jobs] == [7]
    assert rpc_names(mock) == ["GetJobs"] * 3 + ["Ping"] * 2 + ["GetJob"] * 2


async def test_retries_give_up_after_the_policys_attempts() -> None:
    fake = FakeSlurm()
    fake.fail["GetJobs"] = [errors.Unavailable(f"down {i}") for i in range(10)]
    slurm, mock = client(fake, retry=RetryPolicy(attempts=3, initial=0.001, maximum=0.001))
    async with slurm:
        with pytest.raises(errors.Unavailable, match="down 2"):
            await slurm.jobs()
    assert rpc_names(mock) == ["GetJobs"] * 3


async def test_a_submission_is_not_resent_by_the_retry_policy_after_unavailable() -> None:
    fake = FakeSlurm()
    fake.fail["PostJobSubmit"] = [errors.Unavailable("dropped after sending")]
    slurm, mock = client(fake)
    async with slurm:
        call = slurm.factory.make_call(
            BY_NAME["PostJobSubmit"],
            VERSIONS["v0.0.43"],
            JobSpec(script=SCRIPT).to_upb("v0.0.43"),
        )
        with pytest.raises(errors.Unavailable):
            await slurm.factory.invoke(call)
    assert rpc_names(mock) == ["PostJobSubmit"]  # once: it may have reached Slurm
    assert fake.submitted == []


@pytest.mark.parametrize(
    "failure", [errors.ConnectError("refused"), errors.RateLimited("busy", retry_after=0.001)]
)
async def test_a_submission_is_retried_when_nothing_was_done(failure: errors.S3MError) -> None:
    fake = FakeSlurm()
    fake.fail["PostJobSubmit"] = [failure]
    slurm, mock = client(fake)
    async with slurm:
        job = await slurm.submit(JobSpec(script=SCRIPT, name="again"))
    assert rpc_names(mock) == ["GetJobs", "PostJobSubmit", "PostJobSubmit"]
    assert job.job_id == 100
    assert len(fake.submitted) == 1


async def test_an_ambiguous_submission_failure_adopts_the_job_that_carries_its_key() -> None:
    fake = FakeSlurm()
    fake.accept_then_fail = errors.Unavailable("connection dropped after the job was accepted")
    slurm, mock = client(fake)
    async with slurm:
        job = await asyncio.wait_for(slurm.submit(JobSpec(script=SCRIPT, name="once")), 30)
    assert job.job_id == 100  # found by its key in the queue, not submitted again
    assert len(fake.submitted) == 1
    assert sorted(fake.queue) == [7, 100]
    assert rpc_names(mock) == ["GetJobs", "PostJobSubmit", "GetJobs"]


async def test_a_signal_is_sent_at_most_once_but_a_cancel_is_retried() -> None:
    fake = FakeSlurm()
    fake.fail["DeleteJob"] = [errors.Unavailable("blip")]
    slurm, mock = client(fake)
    async with slurm:
        with pytest.raises(errors.Unavailable):
            await slurm.cancel(7, signal="SIGUSR1")
        fake.fail["DeleteJob"] = [errors.Unavailable("blip")]
        await slurm.cancel(7)
    assert rpc_names(mock) == ["DeleteJob", "DeleteJob", "DeleteJob"]
    assert fake.cancelled == [(7, "")]


async def test_errors_in_an_ok_reply_raise() -> None:
    problem = {"error_number": 2090, "error": "Internal error", "description": "slurmdbd down", "source": "x"}
    answers = {
        "GetJobs": {"jobs": [], "errors": [problem], "warnings": [{"description": "stale", "source": "y"}]},
        "PostJobSubmit": {
            "errors": [{"error_number": 2000, "description": "Invalid partition name specified"}]
        },
    }
    slurm, _mock = client(lambda call: answers[call.rpc.name], retry=RetryPolicy.none())
    async with slurm:
        with pytest.raises(errors.ServerError) as listing:
            await slurm.jobs()
        call = slurm.factory.make_call(
            BY_NAME["PostJobSubmit"], VERSIONS["v0.0.43"], JobSpec(script=SCRIPT).to_upb("v0.0.43")
        )
        with pytest.raises(errors.JobRejected) as submit:
            await slurm.factory.invoke(call)
    assert type(listing.value) is errors.ServerError
    assert listing.value.errors == (errors.SlurmError(2090, "Internal error", "slurmdbd down", "x"),)
    assert listing.value.warnings == (errors.SlurmWarning("stale", "y"),)
    assert submit.value.errors[0].error_number == 2000
    assert "Invalid partition name specified" in str(submit.value)


async def test_a_submission_accepted_with_complaints_is_a_job() -> None:
    reply = {"job_id": 55, "errors": [{"error_number": 2051, "description": "time limit adjusted"}]}
    slurm, _ = client(lambda call: reply if call.rpc.name == "PostJobSubmit" else {"jobs": []})
    async with slurm:
        call = slurm.factory.make_call(
            BY_NAME["PostJobSubmit"], VERSIONS["v0.0.43"], JobSpec(script=SCRIPT).to_upb("v0.0.43")
        )
        fast = await slurm.factory.invoke(call, FAST)
        job = await slurm.submit(JobSpec(script=SCRIPT))
    assert isinstance(fast, FastReply)
    assert fast.field("job_id") == 55
    assert job.job_id == 55


async def test_an_unusable_reply_is_a_protocol_error() -> None:
    slurm, mock = client(lambda call: b"\xff\xff\xff\xff\x0f", retry=RetryPolicy(attempts=2, initial=0.001))
    async with slurm:
        with pytest.raises(errors.ProtocolError, match="JobsResp"):
            await slurm.jobs()
    assert rpc_names(mock) == ["GetJobs", "GetJobs"]  # retried once, as an idempotent call


NO_SUCH_JOB = {"errors": [{"error_number": 2017, "error": "Invalid job id specified"}]}


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        (Reply(grpc_code=5, message="no such job"), errors.NotFound),
        (Reply(grpc_code=7, message="read-only token"), errors.PermissionDenied),
        (Reply(grpc_code=14), errors.Unavailable),
        (Reply(grpc_code=3, errors=(errors.SlurmError(2017, "Invalid job id specified"),)), errors.NotFound),
        (Reply.http(404, orjson.dumps(NO_SUCH_JOB)), errors.NotFound),
        (Reply.http(400, NO_SUCH_JOB), errors.NotFound),
        (Reply(grpc_code=8, message="slow down", retry_after=0.25), errors.RateLimited),
        (Reply.http(401, b""), errors.Unauthenticated),
        (Reply.http(302, b'{"jobs": []}'), errors.ProtocolError),  # a redirect is never the answer
        (Reply.http(200, b"<html>portal</html>"), errors.ProtocolError),
    ],
    ids=[
        "grpc-5",
        "grpc-7",
        "grpc-14-no-message",
        "grpc-3-2017",
        "http-404-2017",
        "http-400-2017",
        "grpc-8",
        "http-401",
        "http-302",
        "html",
    ],
)
async def test_a_status_the_handler_returns_is_read_as_every_transports_is(
    reply: Reply, expected: type[errors.S3MError]
) -> None:
    slurm, mock = client(lambda call: reply, retry=RetryPolicy.none())
    async with slurm:
        with pytest.raises(errors.S3MError) as caught:
            await slurm.job(7)
    assert type(caught.value) is expected
    assert caught.value.rpc == "GetJob"
    text = str(caught.value)
    assert text.startswith("GetJob: ")
    assert text.removeprefix("GetJob: ").strip(), "a message, even for a status that came without one"
    assert getattr(caught.value, "retry_after", None) == reply.retry_after  # from either wire
    assert rpc_names(mock) == ["GetJob"]


async def test_a_429_reply_is_waited_out_as_the_server_asks() -> None:
    replies = iter([Reply.http(429, b"", retry_after=0.001), Reply.http(503, b"down"), {"jobs": []}])
    slurm, mock = client(lambda call: next(replies), retry=FAST_RETRY)
    async with slurm:
        assert list(await slurm.jobs()) == []
    assert rpc_names(mock) == ["GetJobs"] * 3


async def test_a_call_carries_the_request_as_it_was_when_made() -> None:
    # Encoded once, when made: a request changed afterwards changes nothing, retries send the same
    # bytes, and a value protobuf cannot carry is refused before the transport is asked.
    sent: list[bytes] = []

    def handler(call: Call) -> Any:
        sent.append(call.request_bytes)
        if len(sent) == 1:
            raise errors.Unavailable("blip")
        return {"jobs": []}

    slurm, mock = client(handler, retry=FAST_RETRY)
    api = VERSIONS["v0.0.43"]
    request = v0043.JobIdReq(job_id="7")
    async with slurm:
        call = slurm.factory.make_call(BY_NAME["GetJob"], api, request)
        request.job_id = "8"
        await slurm.factory.invoke(call)
        with pytest.raises(errors.ConfigurationError, match="cannot be encoded"):
            slurm.factory.make_call(
                BY_NAME["PostJobSubmit"],
                api,
                v0043.JobSubmitReq(job=v0043.JobSubmitReqJobDescription(tasks="four")),  # type: ignore[arg-type]
            )
    assert sent == [bytes(v0043.JobIdReq(job_id="7"))] * 2
    assert call.params == {"job_id": "7"}
    assert rpc_names(mock) == ["GetJob", "GetJob"]


async def test_auto_falls_back_on_a_failed_channel_never_on_a_status_the_server_sent() -> None:
    policy = FallbackPolicy(on=(errors.ConnectError, errors.Unavailable))
    grpc_answers: list[Any] = []

    def grpc(call: Call) -> Any:
        answer = grpc_answers.pop(0)
        if isinstance(answer, errors.S3MError):
            raise answer
        return answer

    rest = MockTransport(lambda call: {"jobs": []})
    auto = AutoTransport(lambda: MockTransport(grpc), lambda: rest, policy, where="g", rest_where="r")
    call = Call(BY_NAME["GetJobs"], VERSIONS["v0.0.43"], "defiant", None)
    grpc_answers.append(Reply(grpc_code=14, message="the gateway is restarting"))
    got = await auto.unary(call, timeout=None)
    assert (got.grpc_code, auto.active, rest.calls) == (14, "grpclib", [])  # the channel works: no switch
    grpc_answers.append(errors.Unavailable("the connection ended during the call"))
    got = await auto.unary(call, timeout=None)
    assert (got.http_status, auto.active, len(rest.calls)) == (200, "rest", 1)


async def test_invalid_values_are_refused_before_the_handler_runs() -> None:
    slurm, mock = client(FakeSlurm())
    async with slurm:
        for bad in ("1; rm -rf /", "../ping", "١٢٣"):
            with pytest.raises(errors.ConfigurationError):
                await slurm.job(bad)
        with pytest.raises(errors.ConfigurationError):
            await slurm.cancel(7, signal="KILL&x=1")
        with pytest.raises(errors.ConfigurationError):
            await slurm.submit(JobSpec(script=SCRIPT), key="not-a-key")
    assert mock.calls == []  # not even the checks a submission or cancellation makes first


# -- the checks before a submission or cancellation (Status, TokenControl) ---------------------------


async def test_a_read_only_token_is_refused_before_anything_is_submitted_or_cancelled() -> None:
    fake = FakeSlurm()
    fake.scope = "compute-ace-readonly"
    slurm, mock = client(fake)
    async with slurm:
        with pytest.raises(errors.PermissionDenied, match="needs the compute-ace permission") as caught:
            await slurm.submit(JobSpec(script=SCRIPT))
        assert "compute-ace-readonly" in str(caught.value)
        assert "STF040" in str(caught.value)
        with pytest.raises(errors.PermissionDenied, match="cancelling a job needs the compute-ace"):
            await slurm.cancel(7)
        assert [j.job_id for j in await slurm.jobs()] == [7]  # reading is still allowed
    assert fake.submitted == []
    assert fake.cancelled == []
    assert rpc_names(mock) == ["GetJobs"]
    # Introspection once per client; the status once per submission attempt (cached for a minute).
    assert check_names(mock) == EVERY_CHECK


async def test_a_downtime_warns_before_the_submission_goes_out() -> None:
    fake = FakeSlurm()
    fake.downtimes = [
        {
            "resourceName": "defiant",
            "status": "UNAVAILABLE",
            "start": "2020-01-01T00:00:00Z",
            "end": "2999-01-01T00:00:00Z",
            "description": "Compute system hardware maintenance",
        }
    ]
    slurm, mock = client(fake)
    async with slurm:
        expected = (
            r"defiant is in a downtime \(Compute system hardware maintenance, "
            r"2020-01-01 00:00 to 2999-01-01 00:00 UTC\): the job will wait"
        )
        with pytest.warns(errors.DowntimeWarning, match=expected):
            job = await slurm.submit(JobSpec(script=SCRIPT))
    assert job.job_id == 100
    assert len(fake.submitted) == 1
    assert rpc_names(mock) == ["GetJobs", "PostJobSubmit"]


async def test_checks_that_cannot_be_answered_do_not_stop_a_submission() -> None:
    fake = FakeSlurm()
    fake.fail["IntrospectAuthToken"] = [errors.Unimplemented("no TokenControl here")]
    fake.fail["ListResources"] = [errors.Unavailable("status page down")]
    slurm, mock = client(fake)
    async with slurm:
        job = await slurm.submit(JobSpec(script=SCRIPT))
    assert job.job_id == 100
    assert rpc_names(mock) == ["GetJobs", "PostJobSubmit"]
    # Each tried once (no retries for a check), and nothing else on their account.
    assert check_names(mock).count("IntrospectAuthToken") == 1


async def test_checks_can_be_turned_off() -> None:
    fake = FakeSlurm()
    fake.scope = "compute-ace-readonly"
    slurm, mock = client(fake, checks=False)
    async with slurm:
        await slurm.submit(JobSpec(script=SCRIPT))
    assert check_names(mock) == []  # the gateway has the last word (here, a fake that lets it through)


async def test_a_check_that_hangs_or_fails_holds_nothing_up_and_is_not_asked_again() -> None:
    fake = FakeSlurm()
    never = asyncio.Event()

    async def handler(call: Call) -> Any:
        if call.version.family != "slurm":
            await never.wait()  # S3M's Status and TokenControl do not answer
        return fake(call)

    slurm, mock = client(handler)
    slurm.facility.CHECK_TIMEOUT = 0.2
    loop = asyncio.get_running_loop()
    async with slurm:
        started = loop.time()
        await slurm.submit(JobSpec(script=SCRIPT))
        first = loop.time() - started
        for _ in range(3):
            await slurm.submit(JobSpec(script=SCRIPT))
        await slurm.cancel(100)
    assert first < 5  # bounded by CHECK_TIMEOUT (+0.5 s), not the 60 s submit timeout
    assert len(fake.submitted) == 4
    assert fake.cancelled == [(100, "")]
    # One try each: TokenControl for the client's lifetime, the Status API for STATUS_TTL.
    assert check_names(mock) == EVERY_CHECK


async def test_an_answer_this_client_cannot_read_does_not_stop_a_submission() -> None:
    fake = FakeSlurm()
    fake.ListResources = lambda call: {"resources": [{"name": "defiant", "status": 7}]}  # type: ignore[method-assign]
    slurm, _ = client(fake)
    async with slurm:
        report = await slurm.status()
        assert report.resources[0].status == "UNKNOWN(7)"  # a value S3M may add one day
        await slurm.submit(JobSpec(script=SCRIPT))
    assert len(fake.submitted) == 1


async def test_the_downtime_warning_names_the_callers_line() -> None:
    fake = FakeSlurm()
    fake.ListResources = lambda call: {"resources": [{"name": "defiant", "status": "UNAVAILABLE"}]}  # type: ignore[method-assign]
    slurm, _ = client(fake)
    async with slurm:
        with pytest.warns(errors.DowntimeWarning, match="reports defiant UNAVAILABLE") as caught:
            await slurm.submit(JobSpec(script=SCRIPT))
    assert caught[0].filename == __file__
