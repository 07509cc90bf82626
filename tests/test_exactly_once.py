"""Exactly-once submission and retries, against the emulator's failure modes."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from s3m_grpc import JobSpec, Slurm, errors
from s3m_grpc.emulator import Emulator
from s3m_grpc.retry import RetryPolicy
from s3m_grpc.rpc import BY_NAME
from s3m_grpc.submission import Finder, keys_in
from tests.conftest import KEEP_JOBS, TOKEN

LATER = int(time.time()) + 86400  # keeps a job PENDING (BeginTime): the queue holds every submission


@pytest.fixture
async def emulator(tmp_path: Path) -> AsyncIterator[Emulator]:
    async with Emulator(
        tokens=[TOKEN], time_scale=0.01, min_job_age=KEEP_JOBS, seed=20261124, work_dir=tmp_path / "w"
    ) as emu:
        yield emu


def pending(cwd: Path, **fields: object) -> JobSpec:
    return JobSpec(script="#!/bin/bash\ntrue\n", working_directory=str(cwd), begin_time=LATER, **fields)  # type: ignore[arg-type]


async def submit_many(
    slurm: Slurm, count: int, cwd: Path, in_flight: int = 32, attempts: int = 20
) -> list[int]:
    spec = pending(cwd)
    queue = iter(range(count))
    ids: list[int] = []

    async def worker() -> None:
        for _ in queue:
            ids.append((await slurm.submit(spec, attempts=attempts)).job_id)

    await asyncio.gather(*(worker() for _ in range(in_flight)))
    return ids


@pytest.mark.timeout(300)
@pytest.mark.parametrize("transport", ["grpclib", "rest", "inprocess"])
async def test_ambiguous_failures_lose_nothing_and_duplicate_nothing(
    emulator: Emulator, transport: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 30% of submissions are accepted and then the connection drops before the answer; another 10%
    # are dropped before anything happens. The client cannot tell these apart from the outside.
    monkeypatch.setattr(Finder, "SETTLE", 0.3)  # the emulator answers at once: no request lingers
    emulator.faults.add("PostJobSubmit:accept_then_drop:p=0.3")
    emulator.faults.add("PostJobSubmit:drop:p=0.1")
    slurm = (
        Slurm(transport=emulator.transport(), token=TOKEN)
        if transport == "inprocess"
        else Slurm(emulator.grpc_target, TOKEN, transport=transport, rest_url=emulator.rest_url)
    )
    async with slurm:
        # Two in flight: a dropped HTTP/2 connection fails every call on it, so more concurrency would
        # turn "30% of submissions" into "most of them, several times".
        ids = await submit_many(slurm, 200, tmp_path, in_flight=2)
    jobs = emulator.scheduler().visible_jobs()
    comments = Counter(job.desc["comment"] for job in jobs)
    assert len(jobs) == 200  # none lost, none twice
    assert max(comments.values()) == 1
    assert sorted(ids) == sorted(job.job_id for job in jobs)  # every handle is the job that exists
    injected = {f.kind: f.injected for f in emulator.faults.faults}
    assert injected["accept_then_drop"] > 30  # the faults really fired


async def test_a_rejection_is_not_retried(emulator: Emulator, tmp_path: Path) -> None:
    async with Slurm(emulator.grpc_target, TOKEN) as slurm:
        with pytest.raises(errors.JobRejected):
            await slurm.submit(
                JobSpec(script="#!/bin/bash\n", partition="nope", working_directory=str(tmp_path))
            )
    assert emulator.scheduler().counters["jobs_submitted"] == 0
    assert emulator.scheduler().rpc_counts["REQUEST_SUBMIT_BATCH_JOB"] == 1


async def test_idempotent_calls_retry_through_unavailable_and_429(emulator: Emulator) -> None:
    emulator.faults.add("GetNodes:unavailable:times=2")
    emulator.faults.add("Ping:rate_limit:retry_after=0.2,times=1")
    async with emulator.factory(retry=RetryPolicy(initial=0.05)) as factory:
        slurm = Slurm(factory=factory)
        assert len(await slurm.nodes()) == 8
        assert (await slurm.ping())[0].pinged == "UP"
    counts = emulator.scheduler().rpc_counts
    assert counts["REQUEST_NODE_INFO"] == 1  # the two refusals never reached the scheduler


async def test_retries_can_be_switched_off_and_respect_the_deadline(emulator: Emulator) -> None:
    from betterproto.lib.std.google.protobuf import Empty
    from s3m_apis_betterproto.slurm.v0043 import SlurmIndirectStub

    emulator.faults.add("GetNodes:unavailable")
    async with emulator.factory(retry=RetryPolicy.none()) as factory:
        with pytest.raises(errors.Unavailable):
            await Slurm(factory=factory).nodes()
    assert emulator.faults.faults[0].injected == 1
    async with emulator.factory(retry=RetryPolicy(attempts=3, initial=0.01, maximum=0.01)) as factory:
        with pytest.raises(errors.Unavailable):
            await factory.create_client(SlurmIndirectStub).get_nodes(Empty(), timeout=60)
    assert emulator.faults.faults[0].injected == 1 + 3  # every attempt made, then the error
    async with emulator.factory(retry=RetryPolicy(attempts=100, initial=0.2, maximum=0.2)) as factory:
        with pytest.raises(errors.Unavailable):
            await factory.create_client(SlurmIndirectStub).get_nodes(Empty(), timeout=1.0)
    # gave up within the call's 1 s deadline: far fewer than 100 tries. Full jitter draws each
    # delay from [0, 0.2] s (mean 0.1): ~10 tries, and 40 would need 40 draws averaging 25 ms.
    assert 1 + 3 + 1 <= emulator.faults.faults[0].injected <= 1 + 3 + 40


async def test_a_submission_is_not_blindly_retried_by_the_factory(emulator: Emulator, tmp_path: Path) -> None:
    from s3m_apis_betterproto.slurm.v0043 import SlurmIndirectStub

    emulator.faults.add("PostJobSubmit:accept_then_drop:times=1")
    async with emulator.factory() as factory:
        stub = factory.create_client(SlurmIndirectStub)
        with pytest.raises(errors.Unavailable):
            await stub.post_job_submit(pending(tmp_path).to_request())
    assert len(emulator.scheduler().visible_jobs()) == 1  # once: no blind resend at the stub level


def test_retry_policy_values() -> None:
    with pytest.raises(errors.ConfigurationError):
        RetryPolicy(attempts=0)
    policy = RetryPolicy()
    assert policy.should_retry(errors.Unavailable("x"), idempotent=True)
    assert not policy.should_retry(errors.Unavailable("x"), idempotent=False)
    assert policy.should_retry(errors.ConnectError("x"), idempotent=False)
    assert policy.should_retry(errors.RateLimited("x"), idempotent=False)
    assert not policy.should_retry(errors.NotFound("x"), idempotent=True)
    assert not policy.should_retry(errors.ReplyTooLarge("x"), idempotent=True)
    # Retry-After values that would sleep forever are not honoured.
    import random

    for silly in (float("nan"), float("inf")):
        assert policy.delay(1, errors.RateLimited("x", retry_after=silly), random.Random(1)) <= policy.maximum  # noqa: S311


async def test_when_the_queue_cannot_be_searched_the_outcome_is_reported_unknown(
    emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(Finder, "PATIENCE", 3.0)
    async with Slurm(emulator.grpc_target, TOKEN, retry=RetryPolicy.none()) as slurm:
        await slurm.jobs()  # warm: the client knows the queue before it submits
        emulator.faults.add("PostJobSubmit:accept_then_drop:times=1")
        emulator.faults.add("GetJobs:unavailable")  # every search fails from now on
        with pytest.raises(errors.SubmissionUnknown) as caught:
            await slurm.submit(pending(tmp_path))
    jobs = emulator.scheduler().visible_jobs()
    assert len(jobs) == 1  # it did arrive, and it was not sent a second time
    assert caught.value.key in jobs[0].desc["comment"]
    # The search backed off: a few listings in 3 s, not a tight loop (the old code sent 144 in 61 s).
    assert emulator.faults.faults[-1].injected <= 15


# -- the ways exactly-once broke (issue: hardening, item 11), each with its regression test ------------


async def test_a_comment_of_the_users_own_cannot_confuse_the_key(emulator: Emulator, tmp_path: Path) -> None:
    emulator.faults.add("PostJobSubmit:accept_then_drop:times=1")
    fake = "s3m-key:" + "0" * 32
    async with Slurm(emulator.grpc_target, TOKEN) as slurm:
        job = await slurm.submit(pending(tmp_path, comment=f"see {fake} and s3m-key:"))
    jobs = emulator.scheduler().visible_jobs()
    assert [j.job_id for j in jobs] == [job.job_id]  # adopted, not submitted twice
    assert keys_in(jobs[0].desc["comment"]) == ["0" * 32, job.key]


async def test_other_peoples_odd_comments_do_not_break_the_search(emulator: Emulator, tmp_path: Path) -> None:
    async with Slurm(emulator.grpc_target, TOKEN) as slurm:
        for comment in ("s3m-key:", "s3m-key:]", "[s3m-key:zz]", "s3m-key:" + "f" * 40):
            # sent as they are, without a key of the client's
            request = pending(tmp_path, comment=comment).to_upb()
            await slurm.factory.invoke(
                slurm.factory.make_call(BY_NAME["PostJobSubmit"], slurm._version, request)
            )
        emulator.faults.add("PostJobSubmit:accept_then_drop:times=1")
        job = await slurm.submit(pending(tmp_path))  # no IndexError: the job is found and adopted
    assert len(emulator.scheduler().visible_jobs()) == 5
    assert job.job_id == max(j.job_id for j in emulator.scheduler().visible_jobs())


async def test_a_request_still_in_flight_is_waited_for_not_sent_again(
    emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A slow gateway: the client gives up after 0.5 s, the submission lands 1.5 s after it was sent.
    monkeypatch.setattr(Finder, "SETTLE", 4.0)
    emulator.faults.add("PostJobSubmit:latency:seconds=1.5,times=1,protocol=rest")
    async with Slurm(emulator.grpc_target, TOKEN, transport="rest", rest_url=emulator.rest_url) as slurm:
        job = await slurm.submit(pending(tmp_path), timeout=0.5)
    jobs = emulator.scheduler().visible_jobs()
    assert [j.job_id for j in jobs] == [job.job_id]


async def test_a_job_purged_before_the_search_is_found_in_accounting(tmp_path: Path) -> None:
    # The job runs, ends and leaves the queue before the client looks for it (MinJobAge tiny):
    # GetJob (S3M answers it from accounting) still knows it, and the client asks it.
    options = {"tokens": [TOKEN], "time_scale": 0.01, "min_job_age": 1, "work_dir": tmp_path / "w"}
    async with Emulator(**options) as emulator, Slurm(emulator.grpc_target, TOKEN) as slurm:  # type: ignore[arg-type]
        await slurm.submit(JobSpec(script="#!/bin/bash\ntrue\n", working_directory=str(tmp_path)))
        emulator.faults.add("PostJobSubmit:accept_then_drop:times=1")
        emulator.faults.add("GetJobs:latency:seconds=1.5,times=1")  # the first search comes late
        job = await slurm.submit(JobSpec(script="#!/bin/bash\ntrue\n", working_directory=str(tmp_path)))
        scheduler = emulator.scheduler()
        assert scheduler.counters["jobs_submitted"] == 2  # the first job and this one: no second copy
        assert job.job_id in scheduler.archive or job.job_id in scheduler.jobs
