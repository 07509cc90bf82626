"""Gateway mode: the emulator in front of a real Slurm cluster (Debian's slurm-wlm), same tests.

The cluster comes from ``S3M_SLURM_CONF`` (an existing cluster whose commands are on PATH) or is
started here with ``scripts/local-slurm.sh`` in a temporary directory and stopped afterwards. Where
Slurm is not installed or this is not root, every test here is skipped and says why; `.ci/run`
installs slurm-wlm and munge so that CI runs them.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from s3m_grpc import JobSpec, Slurm, errors
from s3m_grpc.emulator import Emulator
from s3m_grpc.factory import S3MClientFactory
from tests.conftest import DOCS, ROOT, TOKEN
from tests.test_documented_examples import python_blocks, run_block
from tests.test_parity import TRANSPORTS, VERSIONS, assert_parity, scenario

SCRIPT = ROOT / "scripts" / "local-slurm.sh"
COMMANDS = ("munged", "slurmctld", "slurmd", "sbatch", "squeue", "sinfo", "scontrol", "scancel", "sdiag")


def _why_not() -> str | None:
    if os.environ.get("S3M_SLURM_CONF"):
        return None
    missing = [c for c in COMMANDS if shutil.which(c) is None]
    if missing:
        return f"Slurm is not installed here ({', '.join(missing)} missing; apt-get install slurm-wlm munge)"
    if os.geteuid() != 0:
        return "starting a local Slurm cluster needs root"
    return None


pytestmark = pytest.mark.skipif(_why_not() is not None, reason=_why_not() or "")


def _free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


@pytest.fixture(scope="module")
def slurm_conf(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """SLURM_CONF of the cluster under test: S3M_SLURM_CONF's, or a one-node cluster started here."""
    existing = os.environ.get("S3M_SLURM_CONF")
    if existing:
        yield existing
        return
    directory = tmp_path_factory.mktemp("slurm")
    # Ports free now, not fixed ones: another cluster on this machine (a developer's) must not
    # make slurmctld fail to bind.
    ctld, slurmd = _free_ports(2)
    env = {**os.environ, "S3M_SLURMCTLD_PORT": str(ctld), "S3M_SLURMD_PORT": str(slurmd)}
    subprocess.run(["bash", str(SCRIPT), "start", str(directory)], check=True, env=env, timeout=120)
    try:
        yield str(directory / "slurm.conf")
    finally:
        subprocess.run(["bash", str(SCRIPT), "stop", str(directory)], check=True, timeout=60)


@pytest.fixture
async def gateway(slurm_conf: str) -> AsyncIterator[Emulator]:
    async with Emulator(tokens=[TOKEN], backend="slurm", slurm_conf=slurm_conf) as emulator:
        yield emulator


@pytest.mark.skipif(
    bool(os.environ.get("S3M_SLURM_CONF")), reason="needs the fresh local cluster (job 12345)"
)
async def test_olcf_compute_examples_run_as_written_on_real_slurm(gateway: Emulator) -> None:
    # First in this module: the docs' job must be the cluster's first (FirstJobId=12345). Their
    # partition batch-cpu is DOWN in scripts/local-slurm.sh, so the job waits and can be cancelled.
    blocks = python_blocks(DOCS / "compute.rst", version="v0.0.43")
    async with S3MClientFactory(gateway.grpc_target, TOKEN) as factory:
        namespace: dict[str, Any] = {"factory": factory}
        exec("from s3m_apis_betterproto.slurm.v0043 import SlurmIndirectStub", namespace)  # noqa: S102
        for block in blocks:
            await run_block(block, namespace)  # verbatim, the Empty import included
    assert namespace["pong"].pings[0].pinged == "UP"
    assert namespace["partitions"].partitions[0].name == "batch-cpu"
    assert namespace["result"].job_id == 12345
    assert namespace["job"].jobs[0].name == "my-job"  # GetJob: slurmdbd's shape, from squeue's view
    assert namespace["job"].jobs[0].state.reason == "PartitionDown"
    assert [j.job_id for j in namespace["jobs"].jobs] == [12345]
    assert namespace["nodes"].nodes
    assert [r.name for r in namespace["reservations"].reservations] == ["maintenance"]
    assert namespace["diag"].statistics.jobs_submitted == 1
    async with Slurm(gateway.grpc_target, TOKEN) as slurm:
        assert (await slurm.job(12345)).state == "CANCELLED"


@pytest.mark.parametrize(("version", "resource"), VERSIONS)
async def test_parity_suite_on_real_slurm(
    gateway: Emulator, version: str, resource: str, tmp_path: Path
) -> None:
    # The same scenario and checks as tests/test_parity.py: every RPC over every transport, real
    # sbatch/scancel/squeue behind them, Slurm's own errors for a missing job and an unknown
    # partition, and slurmrestd's warning for a second cancel.
    results = {t: await scenario(gateway, t, version, tmp_path, resource=resource) for t in TRANSPORTS}
    assert_parity(results, version)
    assert results["grpclib"]["ping"]["pings"][0]["pinged"] == "UP"
    assert results["grpclib"]["ping"]["meta"]["slurm"]["release"] == slurm_release(gateway)


def slurm_release(gateway: Emulator) -> str:
    """`sinfo --version` of the cluster behind the gateway, e.g. 22.05.8."""
    env = {**os.environ, "SLURM_CONF": gateway._slurm_conf or ""}
    done = subprocess.run(["sinfo", "--version"], capture_output=True, text=True, check=True, env=env)
    return done.stdout.split()[1]


async def test_hello_world_runs_under_slurmd_and_writes_its_output(gateway: Emulator, tmp_path: Path) -> None:
    script = "#!/bin/bash\n#SBATCH --job-name=hello\necho hello from $SLURM_JOB_ID on $(hostname)\n"
    async with Slurm(gateway.grpc_target, TOKEN) as slurm:
        job = await slurm.submit(JobSpec.from_text(script, working_directory=str(tmp_path)))
        final = await job.wait(timeout=60)
    assert final.state == "COMPLETED"
    assert final.exit_code == 0
    output = (tmp_path / f"slurm-{job.job_id}.out").read_text()
    assert output.startswith(f"hello from {job.job_id} on ")


async def test_cancel_and_signal_behave_as_slurm_does(gateway: Emulator, tmp_path: Path) -> None:
    async with Slurm(gateway.grpc_target, TOKEN) as slurm:
        job = await slurm.submit(JobSpec(script="#!/bin/bash\nsleep 300\n", working_directory=str(tmp_path)))
        for _ in range(100):
            if (await slurm.job(job.job_id)).state == "RUNNING":
                break
        await slurm.cancel(job.job_id)
        final = await job.wait(timeout=60)
        assert final.state == "CANCELLED"
        await slurm.cancel(job.job_id)  # already ended: success with slurmrestd's warning


# slurmctld ends an overdue job on its own timer (about 100 s here for a 1-minute limit): the test
# waits up to 150 s for it, so the default 120 s per test is too short for it on a loaded machine.
@pytest.mark.timeout(240)
async def test_time_limits_as_slurm_enforces_them(gateway: Emulator, tmp_path: Path) -> None:
    async with Slurm(gateway.grpc_target, TOKEN) as slurm:
        # Above the partition's MaxTime (10 min; EnforcePartLimits=ALL): refused, error 2051.
        with pytest.raises(errors.JobRejected) as caught:
            await slurm.submit(
                JobSpec(script="#!/bin/bash\ntrue\n", working_directory=str(tmp_path), time_limit=20)
            )
        assert [e.error_number for e in caught.value.errors] == [2051]
        # A job that outlives its one-minute limit is ended by slurmctld as TIMEOUT.
        job = await slurm.submit(
            JobSpec(script="#!/bin/bash\nsleep 600\n", working_directory=str(tmp_path), time_limit=1)
        )
        final = await job.wait(timeout=150)
    assert final.state == "TIMEOUT"


@pytest.mark.skipif(shutil.which("gcc") is None, reason="needs gcc to build the LD_PRELOAD probe")
async def test_request_data_reaches_the_job_not_the_gateways_commands(
    gateway: Emulator, tmp_path: Path
) -> None:
    """A job's environment is the job's: sbatch itself runs with the gateway's fixed environment.

    Before, the job's variables were sbatch's own environment: PATH could run a fake sbatch,
    LD_PRELOAD load a library into the real one, SLURM_CONF point it at another controller.
    """
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "sbatch").write_text("#!/bin/sh\necho 999999\n")  # would "submit" job 999999
    (fake / "sbatch").chmod(0o755)
    # A library that notes the name of every process that loads it.
    probe, seen = tmp_path / "probe.so", tmp_path / "loaded-by"
    source = tmp_path / "probe.c"
    source.write_text(
        "#include <stdio.h>\n__attribute__((constructor)) static void note(void) {\n"
        f'  FILE *f = fopen("{seen}", "a"); FILE *c = fopen("/proc/self/comm", "r"); char n[64] = "";\n'
        "  if (c) { fgets(n, sizeof n, c); fclose(c); } if (f) { fputs(n, f); fclose(f); }\n}\n"
    )
    build = ["gcc", "-shared", "-fPIC", "-o", str(probe), str(source)]
    await asyncio.to_thread(subprocess.run, build, check=True, timeout=60)
    hostile = {
        "PATH": f"{fake}:/usr/bin:/bin",
        "SLURM_CONF": "/nonexistent/slurm.conf",
        "LD_PRELOAD": str(probe),
    }
    script = "#!/bin/bash\necho PATH=$PATH\n"
    async with Slurm(gateway.grpc_target, TOKEN) as slurm:
        job = await slurm.submit(JobSpec(script=script, working_directory=str(tmp_path), environment=hostile))
        assert job.job_id != 999999  # the real sbatch ran, with the gateway's SLURM_CONF
        final = await job.wait(timeout=60)
    assert final.state == "COMPLETED"
    output = (tmp_path / f"slurm-{job.job_id}.out").read_text()
    assert f"PATH={fake}:/usr/bin:/bin" in output  # the job got its own environment
    loaders = seen.read_text().split() if seen.exists() else []
    assert "sbatch" not in loaders  # the gateway's command did not load the job's LD_PRELOAD
    assert "slurm_script" in loaders  # the job's batch shell did: the variable reached the job


def _psij_jobs(target: str, directory: Path) -> dict[str, Any]:
    """A successful, a failing and a cancelled job through PSI/J's own API and the s3m executor."""
    from datetime import timedelta

    from psij import Job, JobExecutor, JobState
    from psij import JobSpec as PsijSpec

    from s3m_grpc.psij import S3MExecutorConfig

    wait = timedelta(seconds=90)
    executor = JobExecutor.get_instance("s3m", url=target, config=S3MExecutorConfig(polling_interval=0.5))
    try:
        jobs = {
            name: Job(PsijSpec(executable="/bin/bash", arguments=["-c", command], directory=directory))
            for name, command in (("ok", "echo hello"), ("bad", "exit 5"), ("slow", "sleep 300"))
        }
        for job in jobs.values():
            executor.submit(job)
        assert jobs["slow"].wait(target_states=[JobState.ACTIVE], timeout=wait) is not None
        jobs["slow"].cancel()
        return {name: job.wait(timeout=wait) for name, job in jobs.items()}
    finally:
        executor.close()


async def test_psij_jobs_on_real_slurm(
    gateway: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from psij import JobState

    monkeypatch.setenv("S3M_TOKEN", TOKEN)
    # PSI/J is synchronous and this loop serves the gateway: PSI/J runs on a thread of its own.
    done = await asyncio.to_thread(_psij_jobs, gateway.grpc_target, tmp_path)
    assert done["ok"].state == JobState.COMPLETED
    assert (done["bad"].state, done["bad"].exit_code) == (JobState.FAILED, 5)
    assert done["slow"].state == JobState.CANCELED


def _parsl_workflow(target: str, directory: Path) -> tuple[list[int], list[str]]:
    """Ten python apps on one HTEX block that slurmd starts; the block's job ids."""
    import sys

    import parsl
    from parsl.app.app import python_app
    from parsl.config import Config
    from parsl.executors import HighThroughputExecutor

    from s3m_grpc.parsl import S3MProvider

    bin_dir = Path(sys.executable).parent
    provider = S3MProvider(
        url=target,
        partition="debug",
        walltime="00:05:00",
        worker_init=f"export PATH={bin_dir}:$PATH",
        working_directory=str(directory),
        status_polling_interval=1,
    )
    executor = HighThroughputExecutor(
        address="127.0.0.1",
        max_workers_per_node=2,
        interchange_launch_cmd=[str(bin_dir / "interchange.py")],
        provider=provider,
    )

    @python_app
    def square(x: int) -> int:
        return x * x

    try:
        with parsl.load(Config(executors=[executor], run_dir=str(directory / "runinfo"), strategy="none")):
            results = [f.result(timeout=120) for f in [square(i) for i in range(10)]]
        return results, [str(k) for k in provider.resources]
    finally:
        parsl.clear()
        provider.close()


@pytest.mark.timeout(240)
async def test_a_parsl_workflow_on_real_slurm(
    gateway: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("S3M_TOKEN", TOKEN)
    results, blocks = await asyncio.to_thread(_parsl_workflow, gateway.grpc_target, tmp_path)
    assert results == [i * i for i in range(10)]
    assert len(blocks) == 1
    async with Slurm(gateway.grpc_target, TOKEN) as slurm:
        for _ in range(200):  # scancel is asynchronous: the block ends shortly after cleanup
            if (await slurm.job(blocks[0])).terminal:
                break
            await asyncio.sleep(0.1)
        assert (await slurm.job(blocks[0])).state in ("CANCELLED", "COMPLETED")


async def test_a_small_array_and_a_chain_run_by_the_client_on_real_slurm(
    gateway: Emulator, tmp_path: Path
) -> None:
    from s3m_grpc.driver import driver_of
    from s3m_grpc.job import Backoff

    body = '#!/bin/bash\necho "$SLURM_ARRAY_JOB_ID $SLURM_ARRAY_TASK_ID $SLURM_JOB_ID"\n'
    async with Slurm(gateway.grpc_target, TOKEN) as slurm:
        driver_of(slurm).backoff = Backoff(initial=0.2, maximum=1.0)
        group = slurm.group(state_dir=tmp_path / "state")
        array = group.add(
            JobSpec(script=body, working_directory=str(tmp_path), array="0-3%2", standard_output="o-%A_%a"),
            label="arr",
        )
        b = group.add(
            JobSpec(
                script="#!/bin/bash\nexit 1\n", working_directory=str(tmp_path), dependency=f"afterok:{array}"
            ),
            label="b",
        )
        group.add(
            JobSpec(script="#!/bin/bash\ntrue\n", working_directory=str(tmp_path)),
            label="c",
            dependency=f"afterok:{b}",
        )
        summary = await group.wait(timeout=110)
    assert summary.counts == {"COMPLETED": 4, "FAILED": 1, "DependencyNeverSatisfied": 1}
    ids = [e.job_id for e in group.entries["arr"].elements]
    for index, job_id in enumerate(ids):
        assert (tmp_path / f"o-{ids[0]}_{index}").read_text().split() == [
            str(ids[0]),
            str(index),
            str(job_id),
        ]
