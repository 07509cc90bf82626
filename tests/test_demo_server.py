"""The in-process SlurmIndirect server answers every documented call, for both API versions."""

from __future__ import annotations

import importlib
import subprocess
import sys
from collections.abc import AsyncIterator
from typing import Any

import pytest
from betterproto2 import Casing, OutputFormat
from grpclib import GRPCError
from grpclib.client import Channel
from grpclib.const import Status
from s3m_apis_betterproto.google.protobuf import Empty

from s3m_grpc.emulator import Cluster, serve_grpc
from tests import openapi
from tests.conftest import DOCUMENTED_METHODS, VERSIONS


@pytest.fixture
async def channel() -> AsyncIterator[Channel]:
    server, port = await serve_grpc(Cluster())
    chan = Channel("127.0.0.1", port)
    yield chan
    chan.close()
    server.close()
    await server.wait_closed()


def slurm_json(message: Any) -> Any:
    """What slurmrestd would write: every array and string, but no value for unset optionals."""

    def strip(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if v is not None}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    return strip(
        message.to_dict(casing=Casing.SNAKE, output_format=OutputFormat.PYTHON, include_default_values=True)
    )


@pytest.mark.parametrize("version", VERSIONS)
async def test_every_rpc_answers_with_spec_valid_data(channel: Channel, version: str) -> None:
    pb = importlib.import_module(f"s3m_apis_betterproto.slurm.{version}")
    client = pb.SlurmIndirectStub(channel)
    job = pb.JobSubmitReqJobDescription(
        name="t",
        partition="debug",
        minimum_nodes=1,
        tasks=1,
        time_limit=pb.Uint32NoVal(number=5, set=True),
        current_working_directory="/scratch/t",
        environment=["A=1"],
    )
    submitted = await client.post_job_submit(pb.JobSubmitReq(job=job, script="#!/bin/bash\ntrue\n"))
    assert submitted.job_id >= 1001
    assert submitted.step_id == "batch"
    answers = {
        "openapi_ping_array_resp": await client.ping(Empty()),
        "openapi_partition_resp": await client.get_partitions(Empty()),
        "openapi_job_submit_response": submitted,
        "openapi_job_info_resp": await client.get_job(pb.JobIdReq(job_id=str(submitted.job_id))),
        "openapi_nodes_resp": await client.get_nodes(Empty()),
        "openapi_reservation_resp": await client.get_reservations(Empty()),
        "openapi_kill_job_resp": await client.delete_job(pb.DeleteJobReq(job_id=str(submitted.job_id))),
        "openapi_diag_resp": await client.get_diag(Empty()),
    }
    for schema, answer in answers.items():
        assert openapi.errors(version, schema, slurm_json(answer)) == [], schema
        assert answer.meta.plugin.data_parser == f"data_parser/{openapi.dotted(version)}"
    jobs = (await client.get_jobs(Empty())).jobs
    assert [(j.job_id, j.name, j.job_state) for j in jobs] == [(submitted.job_id, "t", ["CANCELLED"])]
    assert jobs[0].time_limit.number == 5
    assert (await client.get_diag(Empty())).statistics.jobs_submitted == 1


async def test_one_state_behind_both_versions(channel: Channel) -> None:
    v43 = importlib.import_module("s3m_apis_betterproto.slurm.v0043")
    v42 = importlib.import_module("s3m_apis_betterproto.slurm.v0042")
    done = await v43.SlurmIndirectStub(channel).post_job_submit(
        v43.JobSubmitReq(script="#!/bin/sh\n", job=v43.JobSubmitReqJobDescription(name="shared"))
    )
    seen = await v42.SlurmIndirectStub(channel).get_job(v42.JobIdReq(job_id=str(done.job_id)))
    assert seen.jobs[0].name == "shared"


@pytest.mark.parametrize(
    ("call", "status", "text"),
    [
        ("missing_job", Status.NOT_FOUND, "Invalid job id specified"),
        ("bad_job_id", Status.INVALID_ARGUMENT, "Invalid job id specified"),
        ("bad_partition", Status.INVALID_ARGUMENT, "Invalid partition name specified"),
        ("no_script", Status.INVALID_ARGUMENT, "Batch script is missing"),
    ],
)
async def test_errors_carry_slurm_numbers(channel: Channel, call: str, status: Status, text: str) -> None:
    pb = importlib.import_module("s3m_apis_betterproto.slurm.v0043")
    client = pb.SlurmIndirectStub(channel)
    calls = {
        "missing_job": lambda: client.get_job(pb.JobIdReq(job_id="999999")),
        "bad_job_id": lambda: client.delete_job(pb.DeleteJobReq(job_id="../1")),
        "bad_partition": lambda: client.post_job_submit(
            pb.JobSubmitReq(script="#!/bin/sh\n", job=pb.JobSubmitReqJobDescription(partition="nope"))
        ),
        "no_script": lambda: client.post_job_submit(pb.JobSubmitReq(job=pb.JobSubmitReqJobDescription())),
    }
    with pytest.raises(GRPCError) as caught:
        await calls[call]()
    assert caught.value.status == status
    assert text in (caught.value.message or "")


def test_make_demo_runs_every_documented_call() -> None:
    done = subprocess.run([sys.executable, "-m", "s3m_grpc.demo"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    for call in DOCUMENTED_METHODS:
        assert f"  {call} " in done.stdout
    assert "is now CANCELLED" in done.stdout
    assert "jobs_submitted=1" in done.stdout
