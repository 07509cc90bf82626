"""InProcessTransport: the emulator's gateway without sockets answers as the wire does."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from betterproto.lib.std.google.protobuf import Empty
from s3m_apis_betterproto.slurm import v0043, v0044

from s3m_grpc import JobSpec, S3MClientFactory, Slurm, errors
from s3m_grpc.emulator import Emulator, InProcessTransport
from s3m_grpc.retry import RetryPolicy
from tests.conftest import KEEP_JOBS, TOKEN


@pytest.fixture
async def emu(tmp_path: Path) -> AsyncIterator[Emulator]:
    async with Emulator(
        tokens=[TOKEN], time_scale=0.01, min_job_age=KEEP_JOBS, work_dir=tmp_path
    ) as emulator:
        yield emulator


async def test_the_documented_stub_calls_run_in_process(emu: Emulator, tmp_path: Path) -> None:
    async with S3MClientFactory("s3m.olcf.ornl.gov", TOKEN, transport=emu.transport()) as factory:
        stub = factory.create_client(v0043.SlurmIndirectStub)
        assert (await stub.ping(Empty())).pings[0].hostname == "defiant-slurmctld"
        odo = factory.create_client(v0044.SlurmIndirectStub, resource="odo")
        assert (await odo.ping(Empty())).pings[0].hostname == "odo-slurmctld"
        with pytest.raises(errors.NotFound) as caught:  # v0.0.44 is not defiant's
            await factory.create_client(v0044.SlurmIndirectStub).ping(Empty())
        assert "v0.0.42, v0.0.43" in caught.value.message
    async with Slurm(transport=emu.transport(), token=TOKEN) as slurm:
        job = await slurm.submit(
            JobSpec(script="#!/bin/bash\necho in-process\n", working_directory=str(tmp_path))
        )
        done = await job.wait(timeout=30)
        assert (done.state, done.exit_code) == ("COMPLETED", 0)
        assert Path(done.stdout_path).read_text() == "in-process\n"  # noqa: ASYNC240


async def test_refusals_raise_what_the_wire_raises(emu: Emulator) -> None:
    async with Slurm(transport=emu.transport(), token="not-a-token-0123456789") as slurm:
        with pytest.raises(errors.Unauthenticated):
            await slurm.ping()
    async with Slurm(transport=emu.transport(), token=TOKEN) as slurm:
        with pytest.raises(errors.NotFound) as missing:
            await slurm.job(99999999)
        assert missing.value.errors[0].error_number == 2017
        with pytest.raises(errors.JobRejected):
            await slurm.submit(JobSpec(script="#!/bin/bash\n", partition="nope"))


async def test_faults_deadlines_and_close(emu: Emulator) -> None:
    emu.faults.add("Ping:latency:seconds=30,times=1")
    emu.faults.add("GetNodes:malformed:times=1")
    emu.faults.add("GetDiag:accept_then_drop:times=1")
    transport = emu.transport()
    async with S3MClientFactory(
        "s3m.olcf.ornl.gov", TOKEN, transport=transport, retry=RetryPolicy.none()
    ) as f:
        stub = f.create_client(v0043.SlurmIndirectStub)
        with pytest.raises(errors.DeadlineExceeded):
            await stub.ping(Empty(), timeout=0.2)
        with pytest.raises(errors.ProtocolError):
            await stub.get_nodes(Empty())
        with pytest.raises(errors.Unavailable) as dropped:
            await stub.get_diag(Empty())
        assert dropped.value.outcome_unknown  # accepted, then dropped: it may have happened
    assert isinstance(transport, InProcessTransport)
    async with S3MClientFactory(
        "s3m.olcf.ornl.gov", TOKEN, transport=transport, retry=RetryPolicy.none()
    ) as f:
        with pytest.raises(errors.ConnectError):  # closed with the first factory
            await f.create_client(v0043.SlurmIndirectStub).ping(Empty())


async def test_a_stopped_emulator_has_no_transport(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="not running"):
        Emulator(tokens=[TOKEN], work_dir=tmp_path).transport()


@pytest.mark.parametrize("transport", ["grpclib", "grpcio", "rest", "inprocess"])
async def test_the_gateways_refusals_raise_the_same_class_on_every_transport(
    emu: Emulator, transport: str
) -> None:
    def factory(**options: object) -> S3MClientFactory:
        if transport == "inprocess":
            options.setdefault("token", TOKEN)
            return S3MClientFactory("s3m.olcf.ornl.gov", transport=emu.transport(), **options)  # type: ignore[arg-type]
        return emu.factory(transport=transport, **options)

    async with factory(retry=RetryPolicy.none()) as f:
        refusals = {
            "version not offered": f.create_client(v0044.SlurmIndirectStub).ping(Empty()),
            "unknown resource": f.create_client(v0043.SlurmIndirectStub, resource="nosuch").ping(Empty()),
            "missing job": f.create_client(v0043.SlurmIndirectStub).get_job(
                v0043.JobIdReq(job_id="99999999")
            ),
            "bad partition": f.create_client(v0043.SlurmIndirectStub).post_job_submit(
                v0043.JobSubmitReq(
                    job=v0043.JobSubmitReqJobDescription(script="#!/bin/bash\n", partition="x")
                )
            ),
        }
        raised = {}
        for what, call in refusals.items():
            with pytest.raises(errors.S3MError) as caught:
                await call
            raised[what] = (type(caught.value).__name__, [e.error_number for e in caught.value.errors])
    assert raised == {
        "version not offered": ("NotFound", [9007]),
        "unknown resource": ("NotFound", [9007]),
        "missing job": ("NotFound", [2017]),
        "bad partition": ("JobRejected", [2000]),
    }
    async with factory(token="not-a-token-0123456789", retry=RetryPolicy.none()) as f:
        with pytest.raises(errors.Unauthenticated):
            await f.create_client(v0043.SlurmIndirectStub).ping(Empty())
