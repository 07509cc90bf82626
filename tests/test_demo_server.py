"""`make demo` runs every documented call, and the emulator's gRPC errors carry Slurm's numbers."""

from __future__ import annotations

import importlib
import subprocess
import sys

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
    ],
)
async def test_errors_carry_slurm_numbers(
    server: RunningServer, call: str, cls: type[errors.S3MError], number: int
) -> None:
    pb = v0043
    job = pb.JobSubmitReqJobDescription
    async with server.factory() as factory:
        client = factory.create_client(pb.SlurmIndirectStub)
        calls = {
            "missing_job": lambda: client.get_job(pb.JobIdReq(job_id="999999")),
            "bad_job_id": lambda: client.delete_job(pb.DeleteJobReq(job_id="../1")),
            "bad_partition": lambda: client.post_job_submit(
                pb.JobSubmitReq(script="#!/bin/sh\n", job=job(partition="nope"))
            ),
            "no_script": lambda: client.post_job_submit(pb.JobSubmitReq(job=job())),
            "too_long": lambda: client.post_job_submit(
                pb.JobSubmitReq(
                    script="#!/bin/sh\n",
                    job=job(partition="debug", time_limit=pb.Uint32NoVal(number=61, set=True)),
                )
            ),
            "too_many_nodes": lambda: client.post_job_submit(
                pb.JobSubmitReq(script="#!/bin/sh\n", job=job(partition="batch-gpu", minimum_nodes=3))
            ),
        }
        with pytest.raises(cls) as caught:
            await calls[call]()
    assert caught.value.errors[0].error_number == number


@pytest.mark.parametrize("job_id", ["../1", "1/../2", "%2F", "12\n", "\u0661\u0662", "", "1 2", "9" * 11])
async def test_hostile_job_ids_are_refused_before_sending(server: RunningServer, job_id: str) -> None:
    async with server.factory() as factory:
        client = factory.create_client(v0043.SlurmIndirectStub)
        with pytest.raises(errors.ConfigurationError):
            await client.get_job(v0043.JobIdReq(job_id=job_id))
        with pytest.raises(errors.ConfigurationError):
            await client.delete_job(v0043.DeleteJobReq(job_id="1", signal="KILL; rm -rf /"))
    assert server.scheduler().rpc_counts == {}  # nothing reached the server


async def test_one_state_behind_both_versions(server: RunningServer) -> None:
    async with server.factory() as factory:
        done = await factory.create_client(v0043.SlurmIndirectStub).post_job_submit(
            v0043.JobSubmitReq(
                script="#!/bin/sh\n",
                job=v0043.JobSubmitReqJobDescription(name="shared", hold=True, environment=["A=1"]),
            )
        )
        seen = await factory.create_client(v0042.SlurmIndirectStub).get_job(
            v0042.JobIdReq(job_id=str(done.job_id))
        )
    assert seen.jobs[0].name == "shared"
    assert importlib.import_module("s3m_apis_betterproto.slurm.v0042").JobInfo is type(seen.jobs[0])


def test_make_demo_runs_every_documented_call() -> None:
    done = subprocess.run([sys.executable, "-m", "s3m_grpc.demo"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    for call in DOCUMENTED_METHODS:
        assert f"  {call} " in done.stdout
    assert "is now CANCELLED" in done.stdout
    assert (
        "Hello World from job 1001 (hello-world) on defiant" in done.stdout
    )  # the CLI's job, its output file
    assert "job 1001 COMPLETED (exit code 0)" in done.stdout
    assert "COMPLETED exit=0, slurm-1002.out: 'Hello World'" in done.stdout  # OLCF's documented submit
    assert "jobs_submitted=3 jobs_completed=2 jobs_canceled=1" in done.stdout
    assert "done: the emulator is stopped." in done.stdout
