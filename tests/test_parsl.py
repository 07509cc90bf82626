"""Parsl on S3M: a real HighThroughputExecutor workflow whose workers are emulator jobs, and the
provider's status, purge and cancel behaviour measured in RPCs against the emulator's counters."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from parsl.jobs.states import JobState, JobStatus

from s3m_grpc.emulator import Emulator
from s3m_grpc.errors import ConfigurationError
from s3m_grpc.parsl import S3MProvider
from tests.conftest import KEEP_JOBS, TOKEN
from tests.test_psij import readme_block

ALIVE = {"PENDING", "RUNNING", "CONFIGURING", "COMPLETING"}


@pytest.fixture
def emulator(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulator]:
    """An emulator in the background; the provider finds its token the usual way (S3M_TOKEN)."""
    with Emulator(tokens=[TOKEN], work_dir=tmp_path / "emulator", min_job_age=KEEP_JOBS).running() as emu:
        monkeypatch.setenv("S3M_TOKEN", TOKEN)
        yield emu


def _provider(emu: Emulator, tmp_path: Path, **options: object) -> S3MProvider:
    options.setdefault("working_directory", str(tmp_path))
    return S3MProvider(url=emu.grpc_target, **options)  # type: ignore[arg-type]


def _counts(emu: Emulator) -> dict[str, int]:
    return dict(emu.scheduler().rpc_counts)


def _calls(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    return {k: after[k] - before.get(k, 0) for k in after if after[k] != before.get(k, 0)}


def _wait(condition: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s")
        time.sleep(0.05)


def _slurm_states(emu: Emulator) -> dict[int, str]:
    return {job_id: job.state for job_id, job in emu.scheduler().jobs.items()}


@pytest.mark.timeout(180)
def test_a_parsl_workflow_runs_its_workers_as_s3m_jobs(emulator: Emulator, tmp_path: Path) -> None:
    import parsl
    from parsl.app.app import bash_app, python_app
    from parsl.config import Config
    from parsl.executors import HighThroughputExecutor

    venv_bin = Path(sys.executable).parent  # process_worker_pool.py lives beside this Python
    provider = _provider(
        emulator,
        tmp_path,
        init_blocks=2,
        max_blocks=2,
        walltime="00:30:00",
        worker_init=f"export PATH={venv_bin}:$PATH",
        status_polling_interval=1,
    )
    config = Config(
        executors=[
            HighThroughputExecutor(
                label="s3m_htex",
                address="127.0.0.1",  # the workers reach the interchange on loopback only
                loopback_address="127.0.0.1",
                interchange_launch_cmd=[str(venv_bin / "interchange.py")],  # PATH may lack the venv
                max_workers_per_node=2,
                heartbeat_period=2,
                provider=provider,
            )
        ],
        run_dir=str(tmp_path / "runinfo"),
        strategy="none",
    )

    @python_app
    def square(x: int) -> int:
        return x * x

    @bash_app
    def greet(name: str, stdout: str = "") -> str:
        return f"echo hello $SLURM_JOB_ID {name}"

    out = tmp_path / "greet.out"
    dfk = parsl.load(config)
    try:
        squares = [square(i) for i in range(50)]
        greeting = greet("parsl", stdout=str(out))
        assert [f.result(timeout=120) for f in squares] == [i * i for i in range(50)]
        assert greeting.result(timeout=120) == 0
        jobs = _slurm_states(emulator)
        assert len(jobs) == 2, jobs  # init_blocks, each one emulator job running a worker pool
        assert set(jobs.values()) == {"RUNNING"}, jobs
    finally:
        dfk.cleanup()
        parsl.clear()
    words = out.read_text().split()
    assert words[0::2] == ["hello", "parsl"]
    assert int(words[1]) in jobs  # the bash app ran inside one of the blocks
    _wait(lambda: not ALIVE & set(_slurm_states(emulator).values()))
    assert set(_slurm_states(emulator).values()) <= {"CANCELLED", "COMPLETED"}
    # the token reached no job and no file: not the scripts, their environments, Parsl's run dir
    for job in emulator.scheduler().jobs.values():
        assert TOKEN not in job.script
        assert not [e for e in job.desc.get("environment", []) if TOKEN in e or e.startswith("S3M_TOKEN")]
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert TOKEN.encode() not in path.read_bytes(), path
    provider.close()


def test_one_listing_per_status_tick_for_100_blocks(emulator: Emulator, tmp_path: Path) -> None:
    provider = _provider(emulator, tmp_path, max_blocks=100)
    try:
        ids = [provider.submit("sleep 300", 1, f"block-{i}") for i in range(100)]
        _wait(lambda: set(_slurm_states(emulator).values()) == {"RUNNING"})
        before = _counts(emulator)
        statuses = provider.status(ids)
        tick = _calls(before, _counts(emulator))
        assert [s.state for s in statuses] == [JobState.RUNNING] * 100
        assert tick == {"REQUEST_JOB_INFO": 1}, tick  # one GetJobs, no GetJob, for 100 blocks
        print(f"\nS3MProvider.status for 100 blocks: {sum(tick.values())} RPC(s) per tick: {tick}")
        before = _counts(emulator)
        assert provider.cancel(ids) == [True] * 100
        assert _calls(before, _counts(emulator)) == {"REQUEST_KILL_JOB": 100}
        _wait(lambda: set(_slurm_states(emulator).values()) == {"CANCELLED"})
        before = _counts(emulator)
        assert {s.state for s in provider.status(ids)} == {JobState.CANCELLED}
        assert _calls(before, _counts(emulator)) == {}  # finished blocks are not asked about again
    finally:
        provider.close()


def test_a_purged_block_keeps_its_outcome_and_a_vanished_one_fails(
    emulator: Emulator, tmp_path: Path
) -> None:
    from parsl.launchers import SimpleLauncher

    provider = _provider(emulator, tmp_path, launcher=SimpleLauncher())  # the script's exit is the command's
    try:
        ok, bad, lost = (provider.submit(cmd, 1, "b") for cmd in ("true", "exit 3", "sleep 300"))
        _wait(lambda: _slurm_states(emulator)[int(ok)] == "COMPLETED")
        _wait(lambda: _slurm_states(emulator)[int(bad)] == "FAILED")
        _wait(lambda: _slurm_states(emulator)[int(lost)] == "RUNNING")
        assert provider.status([lost])[0].state is JobState.RUNNING
        scheduler = emulator.scheduler()
        # Purged from the queue (MinJobAge) before the provider saw them end: accounting answers.
        emulator_loop = scheduler.min_job_age
        scheduler.min_job_age = 0
        _wait(lambda: int(ok) not in scheduler.jobs and int(bad) not in scheduler.jobs)
        scheduler.min_job_age = emulator_loop
        before = _counts(emulator)
        done, failed = provider.status([ok, bad])
        assert _calls(before, _counts(emulator)) == {"REQUEST_JOB_INFO": 1, "REQUEST_JOB_INFO_SINGLE": 2}
        assert (done.state, done.exit_code) == (JobState.COMPLETED, 0)
        assert (failed.state, failed.exit_code) == (JobState.FAILED, 3)
        # Gone from the queue and from accounting while RUNNING: FAILED, never RUNNING forever.
        provider.cancel([lost])
        _wait(lambda: _slurm_states(emulator)[int(lost)] == "CANCELLED")
        provider.resources[lost]["status"] = JobStatus(JobState.RUNNING)  # as if cancelled elsewhere
        scheduler.jobs.pop(int(lost))
        scheduler.archive.pop(int(lost), None)
        (status,) = provider.status([lost])
        assert status.state is JobState.FAILED
        assert f"job {lost} left the queue while RUNNING" in (status.message or "")
    finally:
        provider.close()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"scheduler_options": "#SBATCH --gpus=2"}, "no gres/tres fields"),
        ({"scheduler_options": "#SBATCH --constraint=knl"}, "no constraints/features field"),
        ({"walltime": "soon"}, "walltime"),
        ({"min_blocks": 3, "max_blocks": 1}, "min_blocks <= max_blocks"),
        ({"nodes_per_block": 0}, "nodes_per_block"),
        ({"parallelism": 2}, "parallelism"),
        ({"export_environment": "S3M_TOKEN"}, "token"),
    ],
)
def test_what_s3m_cannot_carry_is_refused_when_the_provider_is_made(
    options: dict[str, object], message: str
) -> None:
    with pytest.raises(ConfigurationError, match=message):
        S3MProvider(url="127.0.0.1:1", **options)  # type: ignore[arg-type]


def test_the_block_script_carries_the_settings(emulator: Emulator, tmp_path: Path) -> None:
    provider = _provider(
        emulator,
        tmp_path,
        partition="batch-cpu",
        nodes_per_block=2,
        cores_per_node=8,
        mem_per_node=2,
        walltime="01:30:00",
        scheduler_options="#SBATCH --comment=parsl-run",
    )
    try:
        assert repr(provider).startswith("S3MProvider(label='s3m', resource='defiant'")
        job_id = provider.submit("echo $PARSL_CORES $PARSL_MEMORY_GB", 2, "shape")
        desc = emulator.scheduler().jobs[int(job_id)].desc
        assert desc["partition"] == "batch-cpu"
        assert desc["minimum_nodes"] == 2
        assert desc["tasks_per_node"] == 2
        assert desc["cpus_per_task"] == 4
        assert desc["memory_per_node"]["number"] == 2048
        assert desc["time_limit"]["number"] == 90
        assert desc["comment"].startswith("parsl-run [s3m-key:")
        assert desc["current_working_directory"] == str(tmp_path)
    finally:
        provider.close()


def test_the_readme_parsl_configuration_is_valid() -> None:
    code = readme_block("**Parsl**") + "\nprint(provider)\nprovider.close()\n"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("S3MProvider(label='s3m', resource='defiant'")
