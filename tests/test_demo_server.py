"""`make demo` runs every documented call, and the emulator's gRPC errors carry Slurm's numbers."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
from s3m_apis_betterproto.slurm import v0042, v0043

from s3m_grpc import errors
from tests.conftest import DOCUMENTED_METHODS, RunningServer


@pytest.mark.parametrize(
    ("call", "cls", "number"),
    [
        ("missing_job", errors.NotFound, 2017),
        ("bad_partition", errors.JobRejected, 2000),
        ("no_script", errors.JobRejected, 2009),
        ("too_long", errors.JobRejected, 2051),
        ("too_many_nodes", errors.JobRejected, 2006),
        ("too_many_cpus", errors.JobRejected, 2005),
    ],
)
async def test_errors_carry_slurm_numbers(
    server: RunningServer, call: str, cls: type[errors.S3MError], number: int
) -> None:
    pb = v0043
    script = "#!/bin/sh\n"

    def job(**fields: object) -> v0043.JobSubmitReqJobDescription:
        return pb.JobSubmitReqJobDescription(environment=["A=1"], **fields)  # type: ignore[arg-type]

    async with server.factory() as factory:
        client = factory.create_client(pb.SlurmIndirectStub)
        calls = {
            "missing_job": lambda: client.get_job(pb.JobIdReq(job_id="999999")),
            "bad_partition": lambda: client.post_job_submit(
                pb.JobSubmitReq(job=job(script=script, partition="nope"))
            ),
            "no_script": lambda: client.post_job_submit(pb.JobSubmitReq(job=job())),
            "too_long": lambda: client.post_job_submit(
                pb.JobSubmitReq(
                    job=job(script=script, partition="debug", time_limit=pb.Uint32NoVal(number=61, set=True))
                )
            ),
            "too_many_nodes": lambda: client.post_job_submit(
                pb.JobSubmitReq(job=job(script=script, partition="batch-gpu", minimum_nodes=3))
            ),
            "too_many_cpus": lambda: client.post_job_submit(
                pb.JobSubmitReq(job=job(script=script, partition="debug", tasks=65, minimum_nodes=1))
            ),
        }
        with pytest.raises(cls) as caught:
            await calls[call]()
    assert caught.value.errors[0].error_number == number
    assert server.scheduler().jobs == {}  # nothing refused was queued


@pytest.mark.parametrize("job_id", ["../1", "1/../2", "%2F", "12\n", "\u0661\u0662", "", "1 2", "9" * 11])
async def test_hostile_job_ids_are_refused_before_sending(server: RunningServer, job_id: str) -> None:
    async with server.factory() as factory:
        client = factory.create_client(v0043.SlurmIndirectStub)
        with pytest.raises(errors.ConfigurationError):
            await client.get_job(v0043.JobIdReq(job_id=job_id))
        with pytest.raises(errors.ConfigurationError):
            await client.delete_job(v0043.DeleteJobReq(job_id=job_id))
        with pytest.raises(errors.ConfigurationError):
            await client.delete_job(v0043.DeleteJobReq(job_id="1", signal="KILL; rm -rf /"))
    assert server.scheduler().rpc_counts == {}  # nothing reached the server


async def test_one_state_behind_both_versions(server: RunningServer) -> None:
    later = v0043.Uint64NoVal(number=int(time.time()) + 3600, set=True)  # waits: BeginTime
    async with server.factory() as factory:
        done = await factory.create_client(v0043.SlurmIndirectStub).post_job_submit(
            v0043.JobSubmitReq(
                job=v0043.JobSubmitReqJobDescription(
                    name="shared", script="#!/bin/sh\n", begin_time=later, environment=["A=1"]
                )
            )
        )
        seen = await factory.create_client(v0042.SlurmIndirectStub).get_job(
            v0042.JobIdReq(job_id=str(done.job_id))
        )
    (record,) = seen.jobs
    assert (
        type(record) is v0042.SlurmDbJobDescription
    )  # GetJob answers slurmdb's record, as v0.0.42 shapes it
    assert (record.job_id, record.name, record.state.current) == (done.job_id, "shared", ["PENDING"])
    assert record.gruop == record.user != ""


def test_make_demo_runs_every_documented_call() -> None:
    done = subprocess.run([sys.executable, "-m", "s3m_grpc.demo"], capture_output=True, text=True, timeout=90)
    assert done.returncode == 0, done.stdout + done.stderr
    for call in DOCUMENTED_METHODS:
        assert f"  {call} " in done.stdout, call
    assert "s3m emulator ready grpc=" in done.stdout
    assert "is now CANCELLED" in done.stdout
    assert (
        "Hello World from job 1001 (hello-world) on defiant" in done.stdout
    )  # the CLI's job, its output file
    assert "job 1001 COMPLETED (exit code 0)" in done.stdout
    assert "1002 my-job " in done.stdout  # get_job: slurmdb's record of OLCF's documented submission
    assert "COMPLETED exit=0" in done.stdout
    assert "slurm-1002.out: 'Hello World'" in done.stdout  # OLCF's documented submit, its output file
    assert "jobs_submitted=3 jobs_completed=2 jobs_canceled=1" in done.stdout
    assert "odo v0.0.44 submit     job_id=" in done.stdout  # v0.0.44's form, on odo
    assert "done: the emulator is stopped." in done.stdout
    assert "Traceback" not in done.stderr
