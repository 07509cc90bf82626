"""The emulator's job runner: real scripts, real states, exit codes, signals and time limits.

Jobs are submitted and watched over gRPC with OLCF's documented stubs (v0.0.43 on defiant unless a
test says otherwise). GetJob answers S3M's slurmdb record (``state.current``, ``time``,
``exit_code``, ``stdout_expanded``, ``user``); GetJobs answers slurmctld's view (``job_state``,
``state_reason``, ``time_limit``, ``state_description``).
"""

from __future__ import annotations

import asyncio
import getpass
import os
import sqlite3
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from betterproto.lib.std.google.protobuf import Empty
from s3m_apis_betterproto.slurm import v0043 as pb
from s3m_apis_betterproto.slurm import v0044

from s3m_grpc import errors
from s3m_grpc.emulator import Emulator
from tests.conftest import KEEP_JOBS, TOKEN

TERMINAL = {"COMPLETED", "FAILED", "CANCELLED", "TIMEOUT"}


async def submit(client: Any, script: str, cwd: Path, **job: Any) -> int:
    job.setdefault("environment", ["PATH=/usr/bin:/bin", "GREETING=hello"])
    desc = pb.JobSubmitReqJobDescription(script=script, current_working_directory=str(cwd), **job)
    return int((await client.post_job_submit(pb.JobSubmitReq(job=desc))).job_id)


async def record(client: Any, job_id: int) -> pb.SlurmDbJobDescription:
    """GetJob's slurmdb record of a job."""
    jobs = (await client.get_job(pb.JobIdReq(job_id=str(job_id)))).jobs
    assert [j.job_id for j in jobs] == [job_id]
    return jobs[0]


async def listed(client: Any, job_id: int) -> pb.SlurmJobDescription:
    """GetJobs' entry for a job (slurmctld's view)."""
    found = [j for j in (await client.get_jobs(Empty())).jobs if j.job_id == job_id]
    assert len(found) == 1, f"job {job_id} listed {len(found)} times"
    return found[0]


async def wait_for(
    client: Any, job_id: int, states: set[str] = TERMINAL, timeout: float = 20.0
) -> pb.SlurmDbJobDescription:
    """Poll GetJob until the job's current state is one of `states`."""
    deadline = time.monotonic() + timeout
    while True:
        info = await record(client, job_id)
        if info.state.current and info.state.current[0] in states:
            return info
        if time.monotonic() > deadline:
            raise AssertionError(f"job {job_id} still {info.state.current} after {timeout} s")
        await asyncio.sleep(0.05)


async def eventually(check: Callable[[], Any], what: str, timeout: float = 10.0) -> Any:
    """Poll an async `check` until it returns something truthy."""
    deadline = time.monotonic() + timeout
    while True:
        value = await check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"never happened within {timeout} s: {what}")
        await asyncio.sleep(0.05)


async def file_text(path: Path, timeout: float = 10.0) -> str:
    """The text of a file a job writes, once it has a complete line."""

    def read() -> str:
        text = path.read_text() if path.exists() else ""
        return text if text.endswith("\n") else ""

    async def ready() -> str:
        return await asyncio.to_thread(read)

    return str(await eventually(ready, f"{path} written", timeout))


def alive(pid: int) -> bool:
    """True if `pid` is a live process (a zombie is dead)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


@pytest.fixture
async def client(server: Emulator) -> AsyncIterator[Any]:
    async with server.factory() as factory:
        yield factory.create_client(pb.SlurmIndirectStub)


async def test_hello_world_runs_and_writes_its_output(client: Any, tmp_path: Path) -> None:
    job_id = await submit(client, "#!/bin/bash\necho Hello World\n", tmp_path, name="hello")
    info = await wait_for(client, job_id)
    assert info.state.current == ["COMPLETED"]
    assert info.state.reason == "None"
    assert info.exit_code.return_code.number == 0
    assert info.exit_code.status == ["SUCCESS"]
    assert (tmp_path / f"slurm-{job_id}.out").read_text() == "Hello World\n"
    assert info.stdout_expanded == str(tmp_path / f"slurm-{job_id}.out")
    assert info.stdout == "slurm-%j.out"
    assert info.working_directory == str(tmp_path)
    assert info.script == "#!/bin/bash\necho Hello World\n"
    assert (info.name, info.user, info.gruop) == ("hello", getpass.getuser(), getpass.getuser())
    assert (info.cluster, info.partition) == ("defiant", "batch-cpu")
    assert info.time.end >= info.time.start > 0
    assert info.time.elapsed == info.time.end - info.time.start
    (step,) = info.steps
    assert (step.step.id, step.state) == (f"{job_id}.batch", ["COMPLETED"])
    entry = await listed(client, job_id)
    assert entry.job_state == ["COMPLETED"]
    assert entry.end_time.number >= entry.start_time.number >= entry.submit_time.number > 0


async def test_a_finished_jobs_record_keeps_the_nodes_it_ran_on(client: Any, tmp_path: Path) -> None:
    """slurmdbd's record (sacct) names a finished job's nodes; only a pending job has none."""
    job_id = await submit(client, "#!/bin/bash\nhostname >/dev/null\n", tmp_path, partition="debug")
    info = await wait_for(client, job_id)
    assert info.state.current == ["COMPLETED"]
    assert info.nodes == "defiant001"
    assert (info.allocation_nodes, info.steps[0].nodes.count) == (1, 1)
    assert info.steps[0].nodes.range == "defiant001"


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
    info = await wait_for(client, job_id)
    assert info.state.current == ["COMPLETED"]
    assert info.stdout_expanded == str(tmp_path / f"envcheck-{job_id}.txt")
    assert info.stderr_expanded == str(tmp_path / f"err-{getpass.getuser()}-{job_id}.txt")
    assert info.account == "stf040"
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
    job_id = await submit(client, script, tmp_path)
    info = await wait_for(client, job_id)
    assert info.state.current == [state]
    assert info.exit_code.return_code.number == code
    assert info.exit_code.status == (["ERROR"] if code else ["SUCCESS"])
    assert info.state.reason == ("NonZeroExitCode" if code else "None")
    assert info.steps[0].exit_code.return_code.number == code
    entry = await listed(client, job_id)
    assert (entry.job_state, entry.state_reason) == ([state], info.state.reason)


async def test_cancel_sends_the_signal_to_the_process_group(client: Any, tmp_path: Path) -> None:
    child = tmp_path / "child.pid"
    script = f"#!/bin/bash\nsleep 300 &\necho $! > {child}\nsleep 300\n"
    job_id = await submit(client, script, tmp_path)
    pid = int(await file_text(child))
    assert alive(pid)
    reply = await client.delete_job(pb.DeleteJobReq(job_id=str(job_id)))  # default: SIGKILL
    assert (reply.warnings, reply.status[0].error.code, reply.status[0].job_id.number) == ([], 0, job_id)
    info = await wait_for(client, job_id)
    assert info.state.current == ["CANCELLED"]
    assert info.exit_code.signal.name == "SIGKILL"
    assert info.exit_code.status == ["SIGNALED"]

    async def child_gone() -> bool:
        return not alive(pid)

    await eventually(child_gone, "the background child died with its process group")


async def test_a_trapped_signal_does_not_cancel(client: Any, tmp_path: Path) -> None:
    ready = tmp_path / "trapped"
    script = (
        f"#!/bin/bash\ntrap 'echo got USR1; exit 0' USR1\necho yes > {ready}\n"
        "while true; do sleep 0.05; done\n"
    )
    job_id = await submit(client, script, tmp_path)
    await file_text(ready)  # the trap is set
    await client.delete_job(pb.DeleteJobReq(job_id=str(job_id), signal="SIGUSR1", flags="BATCH_JOB"))
    info = await wait_for(client, job_id)
    assert info.state.current == ["COMPLETED"]
    assert "got USR1" in (tmp_path / f"slurm-{job_id}.out").read_text()


async def test_cancelling_a_job_that_is_just_starting(client: Any, tmp_path: Path) -> None:
    """A DELETE that lands between "RUNNING" and the process existing must still cancel."""
    for pause in (0.0, 0.005, 0.01, 0.02, 0.05):
        job_id = await submit(client, "#!/bin/bash\nsleep 300\n", tmp_path)
        await asyncio.sleep(pause)  # different moments of its start, not a wait for anything
        await client.delete_job(pb.DeleteJobReq(job_id=str(job_id)))
        assert (await wait_for(client, job_id, timeout=10)).state.current == ["CANCELLED"]


async def test_cancelling_a_pending_job(client: Any, tmp_path: Path) -> None:
    later = pb.Uint64NoVal(number=int(time.time()) + 3600, set=True)
    job_id = await submit(client, "#!/bin/bash\ntrue\n", tmp_path, begin_time=later)
    await client.delete_job(pb.DeleteJobReq(job_id=str(job_id)))
    info = await wait_for(client, job_id, timeout=5)
    assert info.state.current == ["CANCELLED"]
    assert (info.time.start, info.steps) == (0, [])  # it never ran
    assert not (tmp_path / f"slurm-{job_id}.out").exists()


async def test_cancelling_a_finished_job_succeeds_with_a_warning(client: Any, tmp_path: Path) -> None:
    """slurmrestd answers ESLURM_ALREADY_DONE with success and a warning (not 409), and so does S3M."""
    job_id = await submit(client, "#!/bin/bash\ntrue\n", tmp_path)
    await wait_for(client, job_id)
    reply = await client.delete_job(pb.DeleteJobReq(job_id=str(job_id)))
    assert reply.errors == []
    assert len(reply.warnings) == 1
    assert str(job_id) in reply.warnings[0].description
    (status,) = reply.status
    assert (status.error.code, status.job_id.number) == (2021, job_id)
    assert status.error.string == "Job/step already completing or completed"
    assert (await record(client, job_id)).state.current == ["COMPLETED"]  # unchanged


async def test_cancelling_an_unknown_job_is_not_found(client: Any) -> None:
    with pytest.raises(errors.NotFound) as caught:
        await client.delete_job(pb.DeleteJobReq(job_id="999999"))
    assert caught.value.errors[0].error_number == 2017


async def test_time_limit_gives_timeout(client: Any, tmp_path: Path) -> None:
    # time_scale 0.01: one minute lasts 0.6 s
    job_id = await submit(
        client, "#!/bin/bash\nsleep 300\n", tmp_path, time_limit=pb.Uint32NoVal(number=1, set=True)
    )
    info = await wait_for(client, job_id)
    assert info.state.current == ["TIMEOUT"]
    assert info.state.reason == "TimeLimit"
    entry = await listed(client, job_id)
    assert (entry.job_state, entry.time_limit.number, entry.time_limit.set) == (["TIMEOUT"], 1, True)


async def test_missing_working_directory_fails_the_job(client: Any, tmp_path: Path) -> None:
    job_id = await submit(client, "#!/bin/bash\ntrue\n", tmp_path / "absent")
    info = await wait_for(client, job_id)
    assert info.state.current == ["FAILED"]
    assert info.exit_code.return_code.number == 1
    assert "couldn't chdir" in (await listed(client, job_id)).state_description


async def test_jobs_that_do_not_fit_wait_and_later_jobs_backfill(
    server: Emulator, client: Any, tmp_path: Path
) -> None:
    # debug has 2 nodes of 64 CPUs: two whole-node jobs fill it, the third waits for Resources, and a
    # smaller job submitted after it to batch-cpu starts at once on a free node (backfill).
    sleeper = "#!/bin/bash\nsleep 300\n"
    ids = [await submit(client, sleeper, tmp_path, partition="debug", tasks=64) for _ in range(3)]
    for job_id in ids[:2]:
        await wait_for(client, job_id, {"RUNNING"})
    small = await submit(client, sleeper, tmp_path, partition="batch-cpu", tasks=16)
    assert (await wait_for(client, small, {"RUNNING"})).nodes == "defiant003"

    async def waits_for_resources() -> bool:
        info = await record(client, ids[2])
        return info.state.current == ["PENDING"] and info.state.reason == "Resources"

    await eventually(waits_for_resources, "the third debug job waits with reason Resources")
    assert (await listed(client, ids[2])).state_reason == "Resources"
    nodes = {n.name: n for n in (await client.get_nodes(Empty())).nodes}
    assert [nodes[n].state for n in ("defiant001", "defiant002")] == [["ALLOCATED"], ["ALLOCATED"]]
    assert (nodes["defiant001"].alloc_cpus, nodes["defiant001"].alloc_idle_cpus) == (64, 0)
    assert (nodes["defiant003"].state, nodes["defiant003"].alloc_cpus) == (["MIXED"], 16)
    assert nodes["defiant004"].state == ["IDLE"]
    diag = (await client.get_diag(Empty())).statistics
    assert (diag.jobs_running, diag.jobs_pending, diag.jobs_started) == (3, 1, 3)
    await client.delete_job(pb.DeleteJobReq(job_id=str(ids[0])))
    assert (await wait_for(client, ids[2], {"RUNNING"})).nodes == "defiant001"
    for job_id in [*ids[1:], small]:
        await client.delete_job(pb.DeleteJobReq(job_id=str(job_id)))

    async def all_ended() -> Any:
        stats = (await client.get_diag(Empty())).statistics
        return stats if stats.jobs_running == 0 else None

    diag = await eventually(all_ended, "every job ended")
    assert (diag.jobs_submitted, diag.jobs_canceled, diag.jobs_pending) == (4, 4, 0)
    assert any(
        r.message_type == "REQUEST_SUBMIT_BATCH_JOB" and r.count == 4 for r in diag.rpcs_by_message_type
    )


async def test_a_future_begin_time_keeps_a_job_pending(client: Any, tmp_path: Path) -> None:
    """S3M carries begin_time (not hold): the job waits with reason BeginTime."""
    later = int(time.time()) + 3600
    job_id = await submit(
        client, "#!/bin/bash\ntrue\n", tmp_path, begin_time=pb.Uint64NoVal(number=later, set=True)
    )
    now = await submit(client, "#!/bin/bash\ntrue\n", tmp_path)  # one without waits and runs

    async def begin_time_reason() -> Any:
        info = await record(client, job_id)
        return info if info.state.reason == "BeginTime" else None

    info = await eventually(begin_time_reason, "the job waits with reason BeginTime")
    assert info.state.current == ["PENDING"]
    assert (info.time.start, info.steps) == (0, [])
    assert (await wait_for(client, now)).state.current == ["COMPLETED"]
    entry = await listed(client, job_id)
    assert (entry.job_state, entry.state_reason) == (["PENDING"], "BeginTime")
    assert (await record(client, job_id)).state.current == ["PENDING"]  # still


async def test_v0044_submission_in_olcfs_form_runs_on_odo(server: Emulator, tmp_path: Path) -> None:
    """OLCF's v0.0.44 tab: a top-level script and one description in jobs[]."""
    async with server.factory(resource="odo") as factory:
        client = factory.create_client(v0044.SlurmIndirectStub)
        desc = v0044.JobSubmitReqJobDescription(
            name="olcf-form",
            current_working_directory=str(tmp_path),
            environment=["PATH=/usr/bin:/bin"],
            minimum_nodes=1,
            tasks=1,
        )
        reply = await client.post_job_submit(
            v0044.JobSubmitReq(script="#!/bin/bash\necho odo says hi\n", jobs=[desc])
        )
        job_id = int(reply.job_id)
        deadline = time.monotonic() + 20
        while True:
            info = (await client.get_job(v0044.JobIdReq(job_id=str(job_id)))).jobs[0]
            if info.state.current and info.state.current[0] in TERMINAL:
                break
            assert time.monotonic() < deadline, info.state
            await asyncio.sleep(0.05)
    assert (info.state.current, info.name, info.cluster) == (["COMPLETED"], "olcf-form", "odo")
    assert info.group == getpass.getuser()  # v0.0.44 spells it group
    assert (tmp_path / f"slurm-{job_id}.out").read_text() == "odo says hi\n"


async def test_finished_jobs_are_purged_after_min_job_age(tmp_path: Path) -> None:
    # MinJobAge 200 s at time_scale 0.01 is 2 s (end times are whole seconds: 1 to 2 s after the end).
    async with (
        Emulator(tokens=[TOKEN], time_scale=0.01, min_job_age=200, work_dir=tmp_path / "w") as emulator,
        emulator.factory() as factory,
    ):
        client = factory.create_client(pb.SlurmIndirectStub)
        job_id = await submit(client, "#!/bin/bash\ntrue\n", tmp_path)
        await wait_for(client, job_id)
        ended = time.monotonic()
        assert [j.job_id for j in (await client.get_jobs(Empty())).jobs] == [job_id]

        async def purged() -> bool:
            return job_id not in [j.job_id for j in (await client.get_jobs(Empty())).jobs]

        await eventually(purged, "the finished job is purged", timeout=10)
        assert time.monotonic() - ended >= 0.9  # not before MinJobAge
        assert job_id not in emulator.scheduler().jobs
        # slurmctld forgot it; S3M's GetJob answers from accounting (slurmdbd), which remembers it
        final = await record(client, job_id)
        assert (final.state.current, final.exit_code.return_code.number) == (["COMPLETED"], 0)
        with pytest.raises(errors.NotFound):
            await client.get_job(pb.JobIdReq(job_id=str(job_id + 1)))  # one that never was


async def test_purged_jobs_leave_memory_and_disk_and_their_ids_are_not_reused(tmp_path: Path) -> None:
    state = tmp_path / "state"
    options = {"tokens": [TOKEN], "time_scale": 0.01, "min_job_age": 50, "work_dir": tmp_path / "w"}
    async with Emulator(state_dir=state, **options) as emulator, emulator.factory() as factory:
        client = factory.create_client(pb.SlurmIndirectStub)
        first = await submit(client, "#!/bin/bash\ntrue\n", tmp_path)

        async def forgotten() -> bool:  # it runs, ends, and is purged 0.5 s later
            return first not in emulator.scheduler().jobs

        await eventually(forgotten, "the job is purged")  # a long-running gateway keeps no history
        with sqlite3.connect(state / "jobs.sqlite3") as db:
            assert db.execute("SELECT count(*) FROM jobs").fetchone() == (0,)
    async with Emulator(state_dir=state, **options) as emulator, emulator.factory() as factory:
        client = factory.create_client(pb.SlurmIndirectStub)
        assert await submit(client, "#!/bin/bash\ntrue\n", tmp_path) == first + 1


async def test_jobs_persist_across_a_restart_with_a_state_dir(tmp_path: Path) -> None:
    state = tmp_path / "state"
    options = {"tokens": [TOKEN], "time_scale": 0.01, "min_job_age": KEEP_JOBS, "work_dir": tmp_path / "w"}
    later = pb.Uint64NoVal(number=int(time.time()) + 3600, set=True)
    async with Emulator(state_dir=state, **options) as emulator, emulator.factory() as factory:
        client = factory.create_client(pb.SlurmIndirectStub)
        done = await submit(client, "#!/bin/bash\nexit 4\n", tmp_path, name="done")
        waiting = await submit(client, "#!/bin/bash\ntrue\n", tmp_path, name="waiting", begin_time=later)
        await wait_for(client, done)
    async with Emulator(state_dir=state, **options) as emulator, emulator.factory() as factory:
        client = factory.create_client(pb.SlurmIndirectStub)
        old = await record(client, done)
        assert (old.name, old.state.current, old.exit_code.return_code.number) == ("done", ["FAILED"], 4)
        assert (await record(client, waiting)).state.current == ["PENDING"]
        assert await submit(client, "#!/bin/bash\ntrue\n", tmp_path) == waiting + 1


async def test_emulator_refuses_non_loopback_hosts() -> None:
    from s3m_grpc.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match="loopback"):
        Emulator(host="0.0.0.0")  # noqa: S104 - the point: it must refuse
    assert os.environ.get("S3M_EMULATOR_HOST") is None
