"""The high-level client over gRPC and REST: every method, waiting through lag, purge and timeout, watch."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from s3m_grpc import Backoff, JobSpec, Slurm, SyncSlurm, errors
from s3m_grpc.emulator import Emulator
from s3m_grpc.views import JobRecord
from tests.conftest import KEEP_JOBS, TOKEN

FAST = Backoff(initial=0.05, maximum=0.2)


async def until_purged(slurm: Slurm, job_id: int, timeout: float = 15.0) -> None:
    """Wait until the queue no longer shows the job (MinJobAge has passed and a tick has run)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if job_id not in [j.job_id for j in await slurm.jobs()]:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"job {job_id} was not purged within {timeout} s")


LATER = int(time.time()) + 86400  # a begin time that keeps a job PENDING (reason BeginTime)


# Client logic in-process (the gateway without sockets), and over one wire of each protocol;
# test_parity and test_factory cover every transport's wire.
@pytest.fixture(params=["inprocess", "grpclib", "rest"])
async def slurm(request: pytest.FixtureRequest, server: Emulator) -> AsyncIterator[Slurm]:
    if request.param == "inprocess":
        client = Slurm(transport=server.transport(), token=TOKEN)
    else:
        client = Slurm(server.grpc_target, TOKEN, transport=request.param, rest_url=server.rest_url)
    async with client:
        yield client


def spec(cwd: Path, script: str = "#!/bin/bash\necho hi\n", **fields: Any) -> JobSpec:
    return JobSpec(script=script, working_directory=str(cwd), **fields)


async def test_reading_methods(slurm: Slurm) -> None:
    pings = await slurm.ping()
    assert (pings[0].hostname, pings[0].pinged, pings[0].mode) == ("defiant-slurmctld", "UP", "primary")
    assert repr(pings[0]).startswith("View(hostname='defiant-slurmctld', pinged='UP'")  # not "View()"
    partitions = await slurm.partitions()
    first = partitions[0]
    assert (first.name, first.max_time, first.max_nodes, first.total_nodes) == ("batch-cpu", 1440, 4, 6)
    nodes = await slurm.nodes()
    assert (len(nodes), nodes[0].name, nodes[0].cpus, nodes[0].state) == (8, "defiant001", 64, ["IDLE"])
    assert nodes[-1].gres == "gpu:4"  # any Slurm field, by its Slurm name
    assert (await slurm.reservations())[0].name == "maintenance-window"
    assert (await slurm.diag()).jobs_submitted == 0
    assert len(await slurm.jobs()) == 0


async def test_submit_wait_and_the_job_view(slurm: Slurm, tmp_path: Path) -> None:
    job = await slurm.submit(spec(tmp_path, "#!/bin/bash\necho out\nexit 5\n", name="five", time_limit=10))
    view = await job.wait(backoff=FAST, timeout=20)
    assert isinstance(view, JobRecord)  # GetJob: slurmdbd's record
    assert (view.job_id, view.name, view.state, view.exit_code, view.state_reason) == (
        job.job_id,
        "five",
        "FAILED",
        5,
        "NonZeroExitCode",
    )
    assert view.stdout_path == str(tmp_path / f"slurm-{job.job_id}.out")
    assert view.working_directory == str(tmp_path)
    assert view.user_name
    assert view.group_name
    assert [s.state for s in view.steps] == [["FAILED"]]
    listed = (await slurm.jobs())[0]  # GetJobs: slurmctld's view of the same job
    assert (listed.job_id, listed.state, listed.exit_code, listed.time_limit) == (job.job_id, "FAILED", 5, 10)
    assert view.start_time is not None
    assert view.end_time is not None
    assert view.end_time >= view.start_time
    assert view.to_dict()["job_id"] == job.job_id
    assert (await slurm.job(job.job_id)).state == "FAILED"
    with pytest.raises(AttributeError):
        view.name = "x"  # type: ignore[misc]


async def test_jobs_filters(slurm: Slurm, tmp_path: Path) -> None:
    for name, partition in (("a", "debug"), ("b", "debug"), ("a", "batch-cpu")):
        await slurm.submit(spec(tmp_path, name=name, partition=partition, begin_time=LATER))
    assert len(await slurm.jobs()) == 3
    assert [j.partition for j in await slurm.jobs(name="a")] == ["debug", "batch-cpu"]
    assert len(await slurm.jobs(name="a", partition="debug")) == 1
    assert len(await slurm.jobs(state="PENDING")) == 3
    assert len(await slurm.jobs(state=["RUNNING", "COMPLETED"])) == 0
    user = (await slurm.jobs())[0].user_name
    assert len(await slurm.jobs(user=user)) == 3
    assert len(await slurm.jobs(user="nobody-else")) == 0


async def test_cancel_and_signal(slurm: Slurm, tmp_path: Path) -> None:
    job = await slurm.submit(spec(tmp_path, "#!/bin/bash\nsleep 300\n"))
    await job.wait("RUNNING", backoff=FAST, timeout=20)
    assert await job.cancel() == []
    assert (await job.wait(backoff=FAST, timeout=20)).state == "CANCELLED"
    (warning,) = await job.cancel()  # already finished: success with a warning, as slurmrestd (2021)
    assert warning.source == "_signal_job"
    assert warning.description


async def test_validate_against_partition_limits(slurm: Slurm, tmp_path: Path) -> None:
    with pytest.raises(errors.ConfigurationError, match="maximum of 60"):
        await slurm.submit(spec(tmp_path, partition="debug", time_limit=61), validate=True)
    with pytest.raises(errors.ConfigurationError, match="no partition"):
        await slurm.submit(spec(tmp_path, partition="nope"), validate=True)
    with pytest.raises(errors.ConfigurationError, match="nodes exceed"):
        await slurm.submit(spec(tmp_path, partition="debug", nodes=3), validate=True)
    assert len(await slurm.jobs()) == 0  # nothing was sent


async def test_wait_tolerates_a_lagging_gateway(server: Emulator, slurm: Slurm, tmp_path: Path) -> None:
    server.faults.add(
        "GetJob:status:code=5,times=3"
    )  # the first looks say "not found", as a lagging gateway can
    job = await slurm.submit(spec(tmp_path))
    assert (await job.wait(backoff=FAST, timeout=20)).state == "COMPLETED"


async def test_purge_after_the_end_keeps_the_outcome(tmp_path: Path) -> None:
    emulator = Emulator(tokens=[TOKEN], time_scale=0.01, min_job_age=200, work_dir=tmp_path / "w")
    async with emulator as emu, Slurm(emu.grpc_target, TOKEN) as slurm:
        job = await slurm.submit(spec(tmp_path))
        assert (await job.wait(backoff=FAST, timeout=20)).state == "COMPLETED"
        await until_purged(slurm, job.job_id)  # MinJobAge 200 s at 0.01: 2 s, then the next 1 s tick
        assert (await job.refresh()).state == "COMPLETED"  # type: ignore[union-attr]


async def test_purged_jobs_are_still_answered_by_get_job(tmp_path: Path) -> None:
    """S3M's GetJob answers from accounting: a job the queue has forgotten still has its record."""
    emulator = Emulator(tokens=[TOKEN], time_scale=0.01, min_job_age=200, work_dir=tmp_path / "w")
    async with emulator as emu, Slurm(emu.grpc_target, TOKEN) as slurm:
        job = await slurm.submit(spec(tmp_path, "#!/bin/bash\nexit 7\n"))
        await until_purged(slurm, job.job_id)
        record = await slurm.job(job.job_id)
        assert (record.state, record.exit_code) == ("FAILED", 7)


async def test_a_job_that_vanishes_unfinished_is_not_a_success(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A gateway without accounting (slurmdbd) forgets a job at MinJobAge: GetJob no longer finds it.
    from s3m_grpc.emulator.scheduler import Scheduler

    monkeypatch.setattr(Scheduler, "ARCHIVE", 0)
    emulator = Emulator(tokens=[TOKEN], time_scale=0.01, min_job_age=200, work_dir=tmp_path / "w")
    async with emulator as emu, Slurm(emu.grpc_target, TOKEN) as slurm:
        job = await slurm.submit(spec(tmp_path, "#!/bin/bash\nsleep 0.3\n"))
        await job.wait("RUNNING", backoff=FAST, timeout=20)  # last seen RUNNING
        await until_purged(slurm, job.job_id)  # it ends and is purged while the handle does not look
        with pytest.raises(errors.JobVanished, match="RUNNING"):
            await job.wait(backoff=FAST, timeout=20)


async def test_wait_timeout_and_cancel_on_timeout(slurm: Slurm, tmp_path: Path) -> None:
    job = await slurm.submit(spec(tmp_path, "#!/bin/bash\nsleep 300\n"))
    started = time.monotonic()
    with pytest.raises(errors.WaitTimeout):
        await job.wait(backoff=FAST, timeout=0.5)
    assert time.monotonic() - started < 3
    assert job.state in ("PENDING", "RUNNING")
    with pytest.raises(errors.WaitTimeout):
        await job.wait(backoff=FAST, timeout=0.3, cancel_on_timeout=True)
    assert (await job.wait(backoff=FAST, timeout=20)).state == "CANCELLED"


async def test_watch_serves_100_jobs_with_one_listing_per_tick(server: Emulator, tmp_path: Path) -> None:
    async with Slurm(server.grpc_target, TOKEN) as slurm:
        jobs = [
            await slurm.submit(spec(tmp_path, "#!/bin/bash\nsleep 0.2\n", partition="batch-cpu"))
            for _ in range(100)
        ]
        counts = server.scheduler().rpc_counts
        before = counts.get("REQUEST_JOB_INFO", 0), counts.get("REQUEST_JOB_INFO_SINGLE", 0)
        changes: list[tuple[int, str, str]] = []
        ticks = 0
        async for job, old, new in slurm.watch(jobs, interval=0.1):
            changes.append((job.job_id, old, new))
        ticks = counts.get("REQUEST_JOB_INFO", 0) - before[0]
    assert counts.get("REQUEST_JOB_INFO_SINGLE", 0) == before[1]  # no per-job calls at all
    assert all(job.state == "COMPLETED" for job in jobs)
    assert {new for _, _, new in changes} >= {"COMPLETED"}
    finished = [c for c in changes if c[2] == "COMPLETED"]
    assert len(finished) == 100
    # One listing per tick, whatever the number of jobs: far fewer calls than jobs.
    assert 1 <= ticks <= 100
    assert len(changes) >= 100


def test_sync_facade_in_a_plain_thread(tmp_path: Path) -> None:
    with (
        Emulator(
            tokens=[TOKEN], time_scale=0.01, min_job_age=KEEP_JOBS, work_dir=tmp_path / "w"
        ).running() as emu,
        SyncSlurm(emu.grpc_target, TOKEN) as slurm,
    ):
        job = slurm.submit(spec(tmp_path))
        assert job.wait(backoff=FAST, timeout=20).state == "COMPLETED"
        assert [j.job_id for j in slurm.jobs()] == [job.job_id]
        batch = slurm.partitions()[0]
        assert batch.max_time == 1440
        assert batch.maximums["cpus_per_node"]["infinite"] is True  # any Slurm field, as plain Python


async def test_sync_facade_inside_a_running_event_loop(tmp_path: Path) -> None:
    """Jupyter runs cells inside an event loop: the sync facade must neither deadlock nor complain."""
    with Emulator(
        tokens=[TOKEN], time_scale=0.01, min_job_age=KEEP_JOBS, work_dir=tmp_path / "w"
    ).running() as emu:
        asyncio.get_running_loop()  # we are inside one
        with SyncSlurm(emu.grpc_target, TOKEN, transport="rest", rest_url=emu.rest_url) as slurm:
            job = slurm.submit(spec(tmp_path))
            assert job.wait(backoff=FAST, timeout=20).exit_code == 0
            assert slurm.ping()[0].pinged == "UP"
            slurm.cancel(job.job_id) if False else None
