"""Exactly-once submission and retries, against the emulator's failure modes."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from s3m_grpc import JobSpec, Slurm, errors
from s3m_grpc.emulator import Emulator
from s3m_grpc.retry import RetryPolicy
from tests.conftest import KEEP_JOBS, TOKEN


@pytest.fixture
async def emulator(tmp_path: Path) -> AsyncIterator[Emulator]:
    async with Emulator(
        tokens=[TOKEN], time_scale=0.01, min_job_age=KEEP_JOBS, seed=20261124, work_dir=tmp_path / "w"
    ) as emu:
        yield emu


async def submit_many(
    slurm: Slurm, count: int, cwd: Path, in_flight: int = 32, attempts: int = 20
) -> list[int]:
    spec = JobSpec(script="#!/bin/bash\ntrue\n", working_directory=str(cwd), hold=True)
    queue = iter(range(count))
    ids: list[int] = []

    async def worker() -> None:
        for _ in queue:
            ids.append((await slurm.submit(spec, attempts=attempts)).job_id)

    await asyncio.gather(*(worker() for _ in range(in_flight)))
    return ids


@pytest.mark.parametrize("transport", ["grpclib", "rest"])
async def test_ambiguous_failures_lose_nothing_and_duplicate_nothing(
    emulator: Emulator, transport: str, tmp_path: Path
) -> None:
    # 30% of submissions are accepted and then the connection drops before the answer; another 10%
    # are dropped before anything happens. The client cannot tell these apart from the outside.
    emulator.faults.add("PostJobSubmit:accept_then_drop:p=0.3")
    emulator.faults.add("PostJobSubmit:drop:p=0.1")
    async with Slurm(emulator.grpc_target, TOKEN, transport=transport, rest_url=emulator.rest_url) as slurm:
        # Two in flight: a dropped HTTP/2 connection fails every call on it, so more concurrency would
        # turn "30% of submissions" into "most of them, several times".
        ids = await submit_many(slurm, 300, tmp_path, in_flight=2)
    jobs = emulator.scheduler().visible_jobs()
    comments = Counter(job.desc["comment"] for job in jobs)
    assert len(jobs) == 300  # none lost, none twice
    assert max(comments.values()) == 1
    assert sorted(ids) == sorted(job.job_id for job in jobs)  # every handle is the job that exists
    injected = {f.kind: f.injected for f in emulator.faults.faults}
    assert injected["accept_then_drop"] > 50  # the faults really fired


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
        assert (await slurm.ping())[0].responding
    counts = emulator.scheduler().rpc_counts
    assert counts["REQUEST_NODE_INFO"] == 1  # the two refusals never reached the scheduler


async def test_retries_can_be_switched_off_and_respect_the_deadline(emulator: Emulator) -> None:
    emulator.faults.add("GetNodes:unavailable")
    async with emulator.factory(retry=RetryPolicy.none()) as factory:
        with pytest.raises(errors.Unavailable):
            await Slurm(factory=factory).nodes()
    assert emulator.faults.faults[0].injected == 1
    import time

    async with emulator.factory(retry=RetryPolicy(attempts=100, initial=0.2, maximum=0.2)) as factory:
        started = time.monotonic()
        with pytest.raises(errors.Unavailable):
            await Slurm(factory=factory)._stub.get_nodes(
                __import__("s3m_apis_betterproto.google.protobuf", fromlist=["Empty"]).Empty(), timeout=1.0
            )
        assert time.monotonic() - started < 1.5  # gave up within the call's deadline, not after 100 tries


async def test_a_submission_is_not_blindly_retried_by_the_factory(emulator: Emulator, tmp_path: Path) -> None:
    emulator.faults.add("PostJobSubmit:accept_then_drop:times=1")
    async with emulator.factory() as factory:
        from s3m_apis_betterproto.slurm.v0043 import SlurmIndirectStub

        stub = factory.create_client(SlurmIndirectStub)
        request = JobSpec(script="#!/bin/bash\n", working_directory=str(tmp_path), hold=True).to_request()
        with pytest.raises(errors.Unavailable):
            await stub.post_job_submit(request)
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


async def test_when_the_queue_cannot_be_searched_the_outcome_is_reported_unknown(
    emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    emulator.faults.add("PostJobSubmit:accept_then_drop:times=1")
    emulator.faults.add("GetJobs:unavailable")  # every search fails
    monkeypatch.setattr(Slurm, "LOOKUP_PATIENCE", 1.0)
    async with Slurm(emulator.grpc_target, TOKEN, retry=RetryPolicy.none()) as slurm:
        with pytest.raises(errors.SubmissionUnknown) as caught:
            await slurm.submit(JobSpec(script="#!/bin/bash\n", working_directory=str(tmp_path), hold=True))
    jobs = emulator.scheduler().visible_jobs()
    assert len(jobs) == 1  # it did arrive, and it was not sent a second time
    assert caught.value.key in jobs[0].desc["comment"]
