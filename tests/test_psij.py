"""PSI/J on S3M, through PSI/J's own API (``JobExecutor.get_instance("s3m")``, ``Job``, ``wait``)
against the emulator: success, failure with its exit code, cancellation, attach, one listing per tick."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from psij import InvalidJobException, Job, JobAttributes, JobExecutor, JobSpec, JobState, ResourceSpecV1

from s3m_grpc.emulator import Emulator
from s3m_grpc.psij import S3MExecutorConfig, S3MJobExecutor
from tests.conftest import KEEP_JOBS, ROOT, TOKEN

WAIT = timedelta(seconds=60)


@pytest.fixture
def emulator(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulator]:
    """An emulator in the background; the executor finds its token the usual way (S3M_TOKEN)."""
    with Emulator(tokens=[TOKEN], work_dir=tmp_path / "emulator", min_job_age=KEEP_JOBS).running() as emu:
        monkeypatch.setenv("S3M_TOKEN", TOKEN)
        yield emu


@pytest.fixture
def executor(emulator: Emulator) -> Iterator[JobExecutor]:
    """PSI/J's ``s3m`` executor, found through the psij-descriptors namespace."""
    found = JobExecutor.get_instance(
        "s3m", url=emulator.grpc_target, config=S3MExecutorConfig(polling_interval=0.2)
    )
    assert isinstance(found, S3MJobExecutor)
    yield found
    found.close()


def _spec(tmp_path: Path, *args: str, **options: object) -> JobSpec:
    return JobSpec(
        executable="/bin/bash",
        arguments=["-c", *args],
        directory=tmp_path,
        stdout_path=tmp_path / "out.txt",
        **options,  # type: ignore[arg-type]
    )


def test_jobs_succeed_fail_and_are_cancelled_through_psij(
    executor: JobExecutor, emulator: Emulator, tmp_path: Path
) -> None:
    seen: list[tuple[str, JobState]] = []
    executor.set_job_status_callback(lambda job, status: seen.append((job.native_id, status.state)))
    ok = Job(_spec(tmp_path, "echo hello $GREETING from $SLURM_JOB_ID", environment={"GREETING": "psij"}))
    bad = Job(_spec(tmp_path / "bad", "exit 7", attributes=JobAttributes(duration=timedelta(minutes=5))))
    (tmp_path / "bad").mkdir()
    slow = Job(_spec(tmp_path, "sleep 300"))
    for job in (ok, bad, slow):
        executor.submit(job)
    assert slow.wait(target_states=[JobState.ACTIVE], timeout=WAIT) is not None
    slow.cancel()
    assert ok.wait(timeout=WAIT).state == JobState.COMPLETED  # type: ignore[union-attr]
    failed = bad.wait(timeout=WAIT)
    assert failed is not None
    assert (failed.state, failed.exit_code) == (JobState.FAILED, 7)
    assert slow.wait(timeout=WAIT).state == JobState.CANCELED  # type: ignore[union-attr]
    assert (tmp_path / "out.txt").read_text().split()[:4] == ["hello", "psij", "from", ok.native_id]
    record = emulator.scheduler().jobs[int(bad.native_id or 0)]
    assert record.desc["time_limit"]["number"] == 5
    assert TOKEN not in str(record.desc)  # inherit_environment copies this environment, not the token
    assert (ok.native_id, JobState.QUEUED) in seen
    assert (bad.native_id, JobState.FAILED) in seen
    assert {slow.native_id, ok.native_id} <= set(executor.list())


def test_attach_follows_an_existing_job(executor: JobExecutor, emulator: Emulator, tmp_path: Path) -> None:
    first = Job(_spec(tmp_path, "sleep 1; exit 0"))
    executor.submit(first)
    attached = Job()
    executor.attach(attached, first.native_id or "")
    assert attached.native_id == first.native_id
    done = attached.wait(timeout=WAIT)
    assert done is not None
    assert (done.state, done.exit_code) == (JobState.COMPLETED, 0)
    with pytest.raises(InvalidJobException, match="no job 999999"):
        executor.attach(Job(), "999999")


@pytest.mark.timeout(60)
def test_the_watcher_reads_the_queue_once_per_tick_for_all_jobs(emulator: Emulator, tmp_path: Path) -> None:
    executor = JobExecutor.get_instance(
        "s3m", url=emulator.grpc_target, config=S3MExecutorConfig(polling_interval=3600)
    )
    assert isinstance(executor, S3MJobExecutor)
    try:
        jobs = [Job(_spec(tmp_path, "sleep 300")) for _ in range(20)]
        for job in jobs:
            executor.submit(job)
        scheduler = emulator.scheduler()
        deadline = time.monotonic() + 60
        while {j.state for j in scheduler.jobs.values()} != {"RUNNING"}:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        before = dict(scheduler.rpc_counts)
        executor.tick()
        after = dict(scheduler.rpc_counts)
        assert {k: after[k] - before.get(k, 0) for k in after if after[k] != before.get(k, 0)} == {
            "REQUEST_JOB_INFO": 1
        }
        assert {j.status.state for j in jobs} == {JobState.ACTIVE}
        for job in jobs:
            job.cancel()
    finally:
        executor.close()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"resources": ResourceSpecV1(gpu_cores_per_process=1)}, "no gres/tres fields"),
        ({"resources": ResourceSpecV1(exclusive_node_use=True)}, "shared/exclusive"),
        ({"resources": ResourceSpecV1(process_count=4)}, "starts the executable once"),
        ({"launcher": "mpirun"}, "launcher 'mpirun'"),
        ({"attributes": JobAttributes(custom_attributes={"slurm.constraint": "knl"})}, "constraints"),
        ({"attributes": JobAttributes(custom_attributes={"pbs.c": "x"})}, "slurm.<sbatch option>"),
    ],
)
def test_what_s3m_cannot_carry_is_refused_before_anything_is_sent(
    executor: JobExecutor, emulator: Emulator, tmp_path: Path, options: dict[str, object], message: str
) -> None:
    job = Job(_spec(tmp_path, "true", **options))
    with pytest.raises(InvalidJobException, match=message):
        executor.submit(job)
    assert job.status.state == JobState.NEW
    assert emulator.scheduler().jobs == {}


def test_resources_and_attributes_map_onto_the_job_description(
    executor: JobExecutor, emulator: Emulator, tmp_path: Path
) -> None:
    job = Job(
        _spec(
            tmp_path,
            "true",
            name="mapped",
            resources=ResourceSpecV1(node_count=1, cpu_cores_per_process=4, memory=2 * 1024**3),
            attributes=JobAttributes(
                queue_name="batch-cpu", account="abc123", custom_attributes={"slurm.qos": "normal"}
            ),
        )
    )
    executor.submit(job)
    desc = emulator.scheduler().jobs[int(job.native_id or 0)].desc
    assert (desc["name"], desc["partition"], desc["account"], desc["qos"]) == (
        "mapped",
        "batch-cpu",
        "abc123",
        "normal",
    )
    assert (desc["minimum_nodes"], desc["cpus_per_task"]) == (1, 4)
    assert desc["memory_per_node"]["number"] == 2048
    assert job.wait(timeout=WAIT) is not None


def readme_block(marker: str) -> str:
    """The first Python block after `marker` in the README's Workflow engines section."""
    text = (ROOT / "README.md").read_text().split("## Workflow engines", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", text.split(marker, 1)[1], re.S)[0]


def test_the_readme_psij_example_runs_against_the_emulator(emulator: Emulator) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("S3M_")}
    env.update(emulator.env(), S3M_TOKEN=TOKEN)
    done = subprocess.run(
        [sys.executable, "-c", readme_block("**PSI/J**")],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    native_id, state, exit_code = done.stdout.split()
    assert int(native_id) in emulator.scheduler().jobs
    assert (state, exit_code) == ("COMPLETED", "0")
