"""Emulator faults over gRPC, config files, the pytest plugin, and the emulator environment variable."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from s3m_apis_betterproto.google.protobuf import Empty
from s3m_apis_betterproto.slurm import v0043 as pb

from s3m_grpc import errors
from s3m_grpc.emulator import Emulator, parse_fault
from s3m_grpc.emulator.model import compress_hostlist, expand_hostlist, load_config
from s3m_grpc.retry import RetryPolicy
from tests.conftest import GRPC_TRANSPORTS, TOKEN


@pytest.mark.parametrize("transport", GRPC_TRANSPORTS)
@pytest.mark.parametrize(
    ("fault", "cls"),
    [
        ("unavailable", errors.Unavailable),
        ("rate_limit", errors.RateLimited),
        ("error", errors.ServerError),
        ("malformed", errors.ProtocolError),
        ("truncated", errors.ProtocolError),
        ("drop", errors.Unavailable),
    ],
)
async def test_grpc_faults(tmp_path: Path, transport: str, fault: str, cls: type[errors.S3MError]) -> None:
    async with (
        Emulator(
            tokens=[TOKEN], faults=[f"GetJobs:{fault}:protocol=grpc,times=1"], work_dir=tmp_path
        ) as emulator,
        emulator.factory(transport=transport, retry=RetryPolicy.none()) as factory,
    ):
        client = factory.create_client(pb.SlurmIndirectStub)
        with pytest.raises(cls):
            await client.get_jobs(Empty(), timeout=5)
        assert (await client.get_jobs(Empty())).jobs == []  # times=1: the next call is served


@pytest.mark.parametrize("transport", GRPC_TRANSPORTS)
async def test_grpc_accept_then_drop_really_accepts(tmp_path: Path, transport: str) -> None:
    async with (
        Emulator(
            tokens=[TOKEN], faults=["PostJobSubmit:accept_then_drop:times=1"], work_dir=tmp_path
        ) as emulator,
        emulator.factory(transport=transport) as factory,
    ):
        client = factory.create_client(pb.SlurmIndirectStub)
        job = pb.JobSubmitReqJobDescription(name="ghost", hold=True, environment=["A=1"])
        with pytest.raises(errors.Unavailable):
            await client.post_job_submit(pb.JobSubmitReq(script="#!/bin/sh\n", job=job), timeout=5)
        assert [j.name for j in (await client.get_jobs(Empty())).jobs] == ["ghost"]


async def test_latency_and_probability(tmp_path: Path) -> None:
    async with (
        Emulator(
            tokens=[TOKEN],
            faults=["Ping:latency:seconds=0.3", "GetDiag:error:p=0.5"],
            seed=7,
            work_dir=tmp_path,
        ) as emulator,
        emulator.factory() as factory,
    ):
        client = factory.create_client(pb.SlurmIndirectStub)
        with pytest.raises(errors.DeadlineExceeded):
            await client.ping(Empty(), timeout=0.1)
        outcomes = []
        for _ in range(40):
            try:
                await client.get_diag(Empty())
                outcomes.append(True)
            except errors.ServerError:
                outcomes.append(False)
        assert 5 < outcomes.count(False) < 35  # about half, with the seed fixing the exact count


@pytest.mark.parametrize(
    "text",
    ["Nope:latency", "Ping:explode", "Ping:latency:p=2", "Ping", "Ping:status:code=0", "Ping:latency:p"],
)
def test_bad_fault_specs(text: str) -> None:
    with pytest.raises(errors.ConfigurationError):
        parse_fault(text)


def test_hostlists() -> None:
    assert expand_hostlist("node[001-003,007],login1") == (
        "node001",
        "node002",
        "node003",
        "node007",
        "login1",
    )
    assert compress_hostlist(["node001", "node002", "node003", "node007"]) == "node[001-003,007]"


async def test_config_file_sets_the_cluster_and_faults(tmp_path: Path) -> None:
    config = tmp_path / "emulator.toml"
    config.write_text(
        textwrap.dedent("""
        [resources.frontier]
        versions = ["v0.0.43"]

        [[resources.frontier.nodes]]
        names = "frontier[00001-00004]"
        cpus = 56
        gpus = 8

        [[resources.frontier.nodes]]
        names = "frontier00005"
        state = "DRAIN"
        reason = "bad GPU"

        [[resources.frontier.partitions]]
        name = "batch"
        nodes = "frontier[00001-00005]"
        max_nodes = 4
        max_time = 120
        default = true

        [[resources.frontier.reservations]]
        name = "hackathon"
        nodes = "frontier[00001-00002]"

        [[faults]]
        rpc = "GetDiag"
        kind = "unavailable"
    """)
    )
    assert sorted(load_config(config).resources) == ["defiant", "frontier", "odo", "quokka", "wombat"]
    async with (
        Emulator(tokens=[TOKEN], config=config, work_dir=tmp_path / "w") as emulator,
        emulator.factory(resource="frontier") as factory,
    ):
        client = factory.create_client(pb.SlurmIndirectStub)
        nodes = (await client.get_nodes(Empty())).nodes
        assert [(n.name, n.cpus, n.state) for n in nodes][-2:] == [
            ("frontier00004", 56, ["IDLE"]),
            ("frontier00005", 64, ["IDLE", "DRAIN"]),
        ]
        partition = (await client.get_partitions(Empty())).partitions[0]
        assert (partition.name, partition.maximums.time.number, partition.nodes.configured) == (
            "batch",
            120,
            "frontier[00001-00005]",
        )
        assert (await client.get_reservations(Empty())).reservations[0].node_list == "frontier[00001-00002]"
        with pytest.raises(errors.Unavailable):
            await client.get_diag(Empty())


@pytest.mark.parametrize("bad", ["[resources.x]\nnodes = [{cpus = 1}]", "not toml at all ["])
def test_bad_config_files(tmp_path: Path, bad: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(bad)
    with pytest.raises(errors.ConfigurationError):
        load_config(path)


async def test_emulator_host_variable_redirects_unchanged_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from s3m_apis_betterproto.clientfactory import S3MClientFactory

    async with Emulator(work_dir=tmp_path) as emulator:
        for key, value in emulator.env().items():
            monkeypatch.setenv(key, value)
        monkeypatch.setenv("S3M_TOKEN", emulator.token)
        async with S3MClientFactory("s3m.olcf.ornl.gov", "") as factory:  # OLCF's template, unchanged
            pong = await factory.create_client(pb.SlurmIndirectStub).ping(Empty())
    assert pong.pings[0].hostname == "defiant-slurmctld"


def test_pytest_plugin_fixture_in_a_users_test_suite(tmp_path: Path) -> None:
    (tmp_path / "test_user.py").write_text(
        textwrap.dedent("""
        import asyncio, os
        from s3m_apis_betterproto.clientfactory import S3MClientFactory
        from s3m_apis_betterproto.google.protobuf import Empty
        from s3m_apis_betterproto.slurm.v0043 import (
            JobSubmitReq, JobSubmitReqJobDescription, SlurmIndirectStub)

        def test_sync_user_code(s3m_emulator, tmp_path):
            async def main():
                token = os.environ["S3M_TOKEN"]
                async with S3MClientFactory("s3m.olcf.ornl.gov", token) as factory:
                    client = factory.create_client(SlurmIndirectStub)
                    job = JobSubmitReqJobDescription(
                        current_working_directory=str(tmp_path), environment=["A=1"])
                    request = JobSubmitReq(script="#!/bin/sh\\necho hi\\n", job=job)
                    return await client.post_job_submit(request)
            result = asyncio.run(main())
            assert result.job_id == 1001
            assert s3m_emulator.scheduler().jobs[1001].name == "sbatch"
    """)
    )
    (tmp_path / "pytest.ini").write_text("[pytest]\ns3m_emulator_time_scale = 0.01\n")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout


def test_emulator_rest_variable_sets_the_rest_base(monkeypatch: pytest.MonkeyPatch) -> None:
    from s3m_grpc.factory import S3MClientFactory

    monkeypatch.setenv("S3M_EMULATOR_HOST", "127.0.0.1:1111")
    monkeypatch.setenv("S3M_EMULATOR_REST_URL", "http://127.0.0.1:2222")
    factory = S3MClientFactory("s3m.olcf.ornl.gov", TOKEN)
    assert factory._config.target.authority == "127.0.0.1:1111"
    assert factory._config.rest_base_url == "http://127.0.0.1:2222"


async def test_request_bytes_that_are_not_protobuf_get_invalid_argument(server: Emulator) -> None:
    import grpc

    async with grpc.aio.insecure_channel(server.grpc_target) as channel:
        call = channel.unary_unary("/slurm.v0043.SlurmIndirect/GetJob")  # bytes in, bytes out
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await call(b"\x0a\xff\xff", metadata=(("authorization", TOKEN), ("s3m-resource", "defiant")))
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
