"""The emulator's job runner: real scripts, real states, exit codes, signals and time limits."""

from __future__ import annotations

import asyncio
import getpass
import os
import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest
from s3m_apis_betterproto.google.protobuf import Empty
from s3m_apis_betterproto.slurm import v0043 as pb

from s3m_grpc.emulator import Emulator
from tests.conftest import TOKEN

TERMINAL = {"COMPLETED", "FAILED", "CANCELLED", "TIMEOUT"}


async def submit(client: Any, script: str, cwd: Path, **job: Any) -> int:
    job.setdefault("environment", ["PATH=/usr/bin:/bin", "GREETING=hello"])
    desc = pb.JobSubmitReqJobDescription(current_working_directory=str(cwd), **job)
    return int((await client.post_job_submit(pb.JobSubmitReq(script=script, job=desc))).job_id)


async def wait_for(client: Any, job_id: int, states: set[str] = TERMINAL, timeout: float = 20.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        info = (await client.get_job(pb.JobIdReq(job_id=str(job_id)))).jobs[0]
        if info.job_state[0] in states:
            return info
        if time.monotonic() > deadline:
            raise AssertionError(f"job {job_id} still {info.job_state} after {timeout} s")
        await asyncio.sleep(0.05)


@pytest.fixture
async def client(server: Emulator) -> Any:
    async with server.factory() as factory:
        yield factory.create_client(pb.SlurmIndirectStub)


async def test_hello_world_runs_and_writes_its_output(client: Any, tmp_path: Path) -> None:
    job_id = await submit(client, "#!/bin/bash\necho Hello World\n", tmp_path, name="hello")
    info = await wait_for(client, job_id)
    assert info.job_state == ["COMPLETED"]
    assert info.exit_code.return_code.number == 0
    assert info.exit_code.status == ["SUCCESS"]
    assert (tmp_path / f"slurm-{job_id}.out").read_text() == "Hello World\n"
    assert info.stdout_expanded == str(tmp_path / f"slurm-{job_id}.out")
    assert info.start_time.number >= info.submit_time.number > 0
    assert info.end_time.number >= info.start_time.number


async def test_environment_is_exactly_the_submitted_one_plus_slurm(
    client: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEAKED_FROM_THE_EMULATOR", "1")
    script = "#!/bin/bash\nenv | sort\n"
    job_id = await submit(
        client,
        script,
        tmp_path,
        name="envcheck",
        tasks=4,
        cpus_per_task=2,
        account="stf040",
        standard_output="%x-%j.txt",
        standard_error="err-%u-%j.txt",
    )
    await wait_for(client, job_id)
    env = dict(
        line.split("=", 1)
        for line in (tmp_path / f"envcheck-{job_id}.txt").read_text().splitlines()
        if "=" in line
    )
    assert env["GREETING"] == "hello"
    assert "LEAKED_FROM_THE_EMULATOR" not in env
    assert env["SLURM_JOB_ID"] == str(job_id)
    assert env["SLURM_JOB_NAME"] == "envcheck"
    assert env["SLURM_SUBMIT_DIR"] == str(tmp_path)
    assert env["SLURM_NTASKS"] == "4"
    assert env["SLURM_CPUS_PER_TASK"] == "2"
    assert env["SLURM_JOB_ACCOUNT"] == "stf040"
    assert env["SLURM_JOB_PARTITION"] == "batch-cpu"
    assert env["SLURM_CLUSTER_NAME"] == "defiant"
    assert env["SLURM_JOB_NODELIST"].startswith("defiant")
    extra = {k for k in env if not k.startswith("SLURM") and k not in ("PATH", "GREETING", "ENVIRONMENT")}
    assert extra <= {"PWD", "SHLVL", "_", "OLDPWD"}  # what bash itself adds
    assert (tmp_path / f"err-{getpass.getuser()}-{job_id}.txt").exists()


@pytest.mark.parametrize(
    ("script", "state", "code"),
    [
        ("#!/bin/bash\nexit 3\n", "FAILED", 3),
        ("#!/bin/bash\nfalse\n", "FAILED", 1),
        ("#!/bin/bash\ntrue\n", "COMPLETED", 0),
    ],
)
async def test_exit_codes(client: Any, tmp_path: Path, script: str, state: str, code: int) -> None:
    info = await wait_for(client, await submit(client, script, tmp_path))
    assert info.job_state == [state]
    assert info.exit_code.return_code.number == code
    assert info.state_reason == ("NonZeroExitCode" if code else "None")


async def test_cancel_sends_the_signal_to_the_process_group(client: Any, tmp_path: Path) -> None:
    script = "#!/bin/bash\n(sleep 300; echo orphan > orphan.txt) &\nsleep 300\n"
    job_id = await submit(client, script, tmp_path)
    await wait_for(client, job_id, {"RUNNING"})
    await asyncio.sleep(0.2)
    await client.delete_job(pb.DeleteJobReq(job_id=str(job_id)))  # default: SIGKILL
    info = await wait_for(client, job_id)
    assert info.job_state == ["CANCELLED"]
    assert info.exit_code.signal.name == "SIGKILL"
    await asyncio.sleep(0.3)
    assert not (tmp_path / "orphan.txt").exists()  # the background child died with the group


async def test_a_trapped_signal_does_not_cancel(client: Any, tmp_path: Path) -> None:
    script = "#!/bin/bash\ntrap 'echo got USR1; exit 0' USR1\nwhile true; do sleep 0.05; done\n"
    job_id = await submit(client, script, tmp_path)
    await wait_for(client, job_id, {"RUNNING"})
    await asyncio.sleep(0.2)
    await client.delete_job(pb.DeleteJobReq(job_id=str(job_id), signal="SIGUSR1", flags="BATCH_JOB"))
    info = await wait_for(client, job_id)
    assert info.job_state == ["COMPLETED"]
    assert "got USR1" in (tmp_path / f"slurm-{job_id}.out").read_text()


async def test_cancelling_a_job_that_is_just_starting(client: Any, tmp_path: Path) -> None:
    """A DELETE that lands between "RUNNING" and the process existing must still cancel."""
    for _ in range(5):
        job_id = await submit(client, "#!/bin/bash\nsleep 300\n", tmp_path)
        await asyncio.sleep(0.02)
        await client.delete_job(pb.DeleteJobReq(job_id=str(job_id)))
        assert (await wait_for(client, job_id, timeout=10)).job_state == ["CANCELLED"]


async def test_time_limit_gives_timeout(client: Any, tmp_path: Path) -> None:
    # time_scale 0.01: one minute lasts 0.6 s
    job_id = await submit(
        client, "#!/bin/bash\nsleep 300\n", tmp_path, time_limit=pb.Uint32NoVal(number=1, set=True)
    )
    info = await wait_for(client, job_id)
    assert info.job_state == ["TIMEOUT"]
    assert info.state_reason == "TimeLimit"
    assert info.time_limit.number == 1


async def test_missing_working_directory_fails_the_job(client: Any, tmp_path: Path) -> None:
    info = await wait_for(client, await submit(client, "#!/bin/bash\ntrue\n", tmp_path / "absent"))
    assert info.job_state == ["FAILED"]
    assert info.exit_code.return_code.number == 1
    assert "couldn't chdir" in info.state_description


async def test_jobs_that_do_not_fit_wait_and_nodes_follow(
    server: Emulator, client: Any, tmp_path: Path
) -> None:
    # debug has 2 nodes of 64 CPUs: two whole-node jobs fill it, the third waits for Resources.
    ids = [
        await submit(client, "#!/bin/bash\nsleep 300\n", tmp_path, partition="debug", tasks=64)
        for _ in range(3)
    ]
    for job_id in ids[:2]:
        await wait_for(client, job_id, {"RUNNING"})
    third = await wait_for(client, ids[2], {"PENDING"})
    await asyncio.sleep(0.1)
    third = (await client.get_job(pb.JobIdReq(job_id=str(ids[2])))).jobs[0]
    assert (third.job_state, third.state_reason) == (["PENDING"], "Resources")
    nodes = {n.name: n for n in (await client.get_nodes(Empty())).nodes}
    assert [nodes[n].state for n in ("defiant001", "defiant002")] == [["ALLOCATED"], ["ALLOCATED"]]
    assert nodes["defiant001"].alloc_cpus == 64
    assert nodes["defiant003"].state == ["IDLE"]
    diag = (await client.get_diag(Empty())).statistics
    assert (diag.jobs_running, diag.jobs_pending, diag.jobs_started) == (2, 1, 2)
    await client.delete_job(pb.DeleteJobReq(job_id=str(ids[0])))
    assert (await wait_for(client, ids[2], {"RUNNING"})).nodes == "defiant001"
    for job_id in ids[1:]:
        await client.delete_job(pb.DeleteJobReq(job_id=str(job_id)))
    diag = (await client.get_diag(Empty())).statistics
    await asyncio.sleep(0.2)
    diag = (await client.get_diag(Empty())).statistics
    assert (diag.jobs_submitted, diag.jobs_canceled, diag.jobs_running) == (3, 3, 0)
    assert any(
        r.message_type == "REQUEST_SUBMIT_BATCH_JOB" and r.count == 3 for r in diag.rpcs_by_message_type
    )


async def test_held_job_waits_with_its_reason(client: Any, tmp_path: Path) -> None:
    job_id = await submit(client, "#!/bin/bash\ntrue\n", tmp_path, hold=True)
    await asyncio.sleep(0.1)
    info = (await client.get_job(pb.JobIdReq(job_id=str(job_id)))).jobs[0]
    assert (info.job_state, info.state_reason, info.hold) == (["PENDING"], "JobHeldUser", True)


async def test_finished_jobs_are_purged_after_min_job_age(tmp_path: Path) -> None:
    from s3m_grpc import errors

    async with (
        Emulator(tokens=[TOKEN], time_scale=0.01, min_job_age=100, work_dir=tmp_path / "w") as emulator,
        emulator.factory() as factory,
    ):
        client = factory.create_client(pb.SlurmIndirectStub)
        job_id = await submit(client, "#!/bin/bash\ntrue\n", tmp_path)
        await wait_for(client, job_id)
        assert [j.job_id for j in (await client.get_jobs(Empty())).jobs] == [job_id]
        await asyncio.sleep(2.5)  # MinJobAge 100 s at time_scale 0.01 is 1 s; the scheduler ticks each second
        assert job_id not in [j.job_id for j in (await client.get_jobs(Empty())).jobs]
        with pytest.raises(errors.NotFound):
            await client.get_job(pb.JobIdReq(job_id=str(job_id)))


async def test_purged_jobs_leave_memory_and_disk_and_their_ids_are_not_reused(tmp_path: Path) -> None:
    state = tmp_path / "state"
    options = {"tokens": [TOKEN], "time_scale": 0.01, "min_job_age": 50, "work_dir": tmp_path / "w"}
    async with Emulator(state_dir=state, **options) as emulator, emulator.factory() as factory:
        client = factory.create_client(pb.SlurmIndirectStub)
        first = await submit(client, "#!/bin/bash\ntrue\n", tmp_path)
        for _ in range(100):  # it runs, ends, and is purged 0.5 s later (polling the job could miss it)
            if first not in emulator.scheduler().jobs:
                break
            await asyncio.sleep(0.1)
        assert first not in emulator.scheduler().jobs  # a long-running gateway does not keep history
        with sqlite3.connect(state / "jobs.sqlite3") as db:
            assert db.execute("SELECT count(*) FROM jobs").fetchone() == (0,)
    async with Emulator(state_dir=state, **options) as emulator, emulator.factory() as factory:
        client = factory.create_client(pb.SlurmIndirectStub)
        assert await submit(client, "#!/bin/bash\ntrue\n", tmp_path) == first + 1


async def test_emulator_refuses_non_loopback_hosts() -> None:
    from s3m_grpc.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match="loopback"):
        Emulator(host="0.0.0.0")  # noqa: S104 - the point: it must refuse
    assert os.environ.get("S3M_EMULATOR_HOST") is None
