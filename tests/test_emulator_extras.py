"""Emulator faults through the client, gRPC routing and refusals, config files, the pytest plugin."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import textwrap
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest
from betterproto.lib.std.google.protobuf import Empty
from s3m_apis_betterproto.slurm import v0042, v0044
from s3m_apis_betterproto.slurm import v0043 as pb
from s3m_apis_pb.slurm.v0043 import slurm_pb2 as upb43

from s3m_grpc import errors
from s3m_grpc.emulator import Emulator, parse_fault
from s3m_grpc.emulator.model import compress_hostlist, expand_hostlist, load_config
from s3m_grpc.retry import RetryPolicy
from s3m_grpc.rpc import VERSIONS
from s3m_grpc.status_details import DETAILS_KEY
from s3m_grpc.status_details import decode as decode_details
from tests.conftest import GRPC_TRANSPORTS, KEEP_JOBS, TOKEN

RESOURCES = "defiant, odo, quokka, wombat"  # as the emulator names the valid ones (sorted)


@pytest.mark.parametrize("transport", [*GRPC_TRANSPORTS, "rest"])
@pytest.mark.parametrize(
    ("fault", "cls"),
    [
        ("unavailable", errors.Unavailable),
        ("rate_limit", errors.RateLimited),
        ("error", errors.ServerError),
        ("status:code=7", errors.PermissionDenied),
        ("status:code=5", errors.NotFound),
        ("malformed", errors.ProtocolError),
        ("truncated", errors.ProtocolError),
        ("drop", errors.Unavailable),
    ],
)
async def test_faults_reach_the_client_as_its_errors(
    tmp_path: Path, transport: str, fault: str, cls: type[errors.S3MError]
) -> None:
    kind, _, options = fault.partition(":")
    protocol = "rest" if transport == "rest" else "grpc"
    spec = f"GetJobs:{kind}:protocol={protocol},times=1{',' + options if options else ''}"
    async with (
        Emulator(tokens=[TOKEN], faults=[spec], work_dir=tmp_path) as emulator,
        emulator.factory(transport=transport, retry=RetryPolicy.none()) as factory,
    ):
        client = factory.create_client(pb.SlurmIndirectStub)
        with pytest.raises(cls) as caught:
            await client.get_jobs(Empty(), timeout=5)
        assert type(caught.value) is not errors.S3MError
        assert (await client.get_jobs(Empty())).jobs == []  # times=1: the next call is served
        assert emulator.faults.faults[0].injected == 1


@pytest.mark.parametrize("transport", [*GRPC_TRANSPORTS, "rest"])
async def test_the_call_after_a_dropped_connection_is_served(tmp_path: Path, transport: str) -> None:
    # grpc-core learns of a dropped socket asynchronously: without a fresh channel after UNAVAILABLE,
    # the next call (no retries) was sometimes written to the dead socket ("Stream removed").
    protocol = "rest" if transport == "rest" else "grpc"
    async with (
        Emulator(tokens=[TOKEN], work_dir=tmp_path) as emulator,
        emulator.factory(transport=transport, retry=RetryPolicy.none()) as factory,
    ):
        client = factory.create_client(pb.SlurmIndirectStub)
        for _ in range(60):
            emulator.faults.faults.append(parse_fault(f"GetJobs:drop:protocol={protocol},times=1"))
            with pytest.raises(errors.Unavailable):
                await client.get_jobs(Empty(), timeout=10)
            assert (await client.get_jobs(Empty(), timeout=10)).jobs == []
        assert sum(fault.injected for fault in emulator.faults.faults) == 60


async def test_drops_under_many_calls_in_flight_fail_only_as_s3m_errors(tmp_path: Path) -> None:
    # A drop retires grpcio's channel while other calls are starting on it: they must move to the
    # new channel (or fail as S3MErrors), never with grpc's "Channel is closed" UsageError.
    async with (
        Emulator(
            tokens=[TOKEN],
            faults=["Ping:drop:protocol=grpc,p=0.05", "Ping:unavailable:protocol=grpc,p=0.2"],
            work_dir=tmp_path,
        ) as emulator,
        emulator.factory(transport="grpcio", retry=RetryPolicy.none()) as factory,
    ):
        client = factory.create_client(pb.SlurmIndirectStub)
        outcomes: list[str] = []

        async def worker() -> None:
            for _ in range(8):
                try:
                    await client.ping(Empty(), timeout=20)
                    outcomes.append("ok")
                except (errors.Unavailable, errors.ConnectError) as exc:
                    outcomes.append(type(exc).__name__)

        await asyncio.gather(*(worker() for _ in range(32)))
        injected = [fault.injected for fault in emulator.faults.faults]
        emulator.faults.faults.clear()
        assert len(outcomes) == 256
        assert all(injected)  # each drop fails every call then in flight on that connection
        assert (await client.ping(Empty(), timeout=20)).pings  # the transport is usable after it all


async def test_rate_limit_retry_after_reaches_the_rest_client(tmp_path: Path) -> None:
    async with (
        Emulator(tokens=[TOKEN], faults=["Ping:rate_limit:retry_after=7,times=1"], work_dir=tmp_path) as emu,
        emu.factory(transport="rest", retry=RetryPolicy.none()) as factory,
    ):
        with pytest.raises(errors.RateLimited) as caught:
            await factory.create_client(pb.SlurmIndirectStub).ping(Empty())
    assert caught.value.retry_after == 7
    assert caught.value.errors[0].error_number == 2050


@pytest.mark.parametrize("transport", [*GRPC_TRANSPORTS, "rest"])
async def test_accept_then_drop_really_accepts(tmp_path: Path, transport: str) -> None:
    async with (
        Emulator(
            tokens=[TOKEN],
            faults=["PostJobSubmit:accept_then_drop:times=1"],
            work_dir=tmp_path,
            min_job_age=KEEP_JOBS,
        ) as emulator,
        emulator.factory(transport=transport) as factory,
    ):
        client = factory.create_client(pb.SlurmIndirectStub)
        job = pb.JobSubmitReqJobDescription(
            name="ghost",
            script="#!/bin/sh\ntrue\n",
            environment=["A=1"],
            current_working_directory=str(tmp_path),
        )
        with pytest.raises(errors.Unavailable) as caught:
            await client.post_job_submit(pb.JobSubmitReq(job=job), timeout=5)
        assert caught.value.outcome_unknown  # the client cannot know that it was accepted
        assert [j.name for j in (await client.get_jobs(Empty())).jobs] == ["ghost"]


async def test_latency_and_probability(tmp_path: Path) -> None:
    async with (
        Emulator(
            tokens=[TOKEN],
            faults=["Ping:latency:seconds=0.3", "GetDiag:error:p=0.5"],
            seed=7,
            work_dir=tmp_path,
        ) as emulator,
        emulator.factory(retry=RetryPolicy.none()) as factory,
    ):
        client = factory.create_client(pb.SlurmIndirectStub)
        with pytest.raises(errors.DeadlineExceeded):
            await client.ping(Empty(), timeout=0.1)
        assert (await client.ping(Empty(), timeout=5)).pings[0].pinged == "UP"  # slow, but answered
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


CONFIG = """
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
"""


async def test_config_file_sets_the_cluster_and_faults(tmp_path: Path) -> None:
    config = tmp_path / "emulator.toml"
    config.write_text(textwrap.dedent(CONFIG))
    assert sorted(load_config(config).resources) == ["defiant", "frontier", "odo", "quokka", "wombat"]
    async with (
        Emulator(tokens=[TOKEN], config=config, work_dir=tmp_path / "w") as emulator,
        emulator.factory(resource="frontier", retry=RetryPolicy.none()) as factory,
    ):
        client = factory.create_client(pb.SlurmIndirectStub)
        nodes = (await client.get_nodes(Empty())).nodes
        assert [(n.name, n.cpus, n.state) for n in nodes][-2:] == [
            ("frontier00004", 56, ["IDLE"]),
            ("frontier00005", 64, ["IDLE", "DRAIN"]),
        ]
        assert nodes[-1].reason == "bad GPU"
        assert nodes[0].gres == "gpu:8"
        partition = (await client.get_partitions(Empty())).partitions[0]
        assert (partition.name, partition.maximums.time.number, partition.nodes.configured) == (
            "batch",
            120,
            "frontier[00001-00005]",
        )
        assert (partition.maximums.nodes.number, partition.nodes.total) == (4, 5)
        assert (await client.get_reservations(Empty())).reservations[0].node_list == "frontier[00001-00002]"
        with pytest.raises(errors.Unavailable):
            await client.get_diag(Empty())
        # frontier offers only v0.0.43, as the file says
        with pytest.raises(errors.NotFound, match=r"v0\.0\.43"):
            await factory.create_client(v0042.SlurmIndirectStub).ping(Empty())


def test_config_file_in_json(tmp_path: Path) -> None:
    config = tmp_path / "emulator.json"
    config.write_text(
        '{"resources": {"tiny": {"versions": ["v0.0.44"], "nodes": [{"names": "tiny[1-2]", "cpus": 4}],'
        ' "partitions": [{"name": "only", "nodes": "tiny[1-2]", "default": true}]}}}'
    )
    model = load_config(config).resources["tiny"]
    assert (model.versions, [n.name for n in model.nodes], model.default_partition.name) == (
        ("v0.0.44",),
        ["tiny1", "tiny2"],
        "only",
    )


@pytest.mark.parametrize(
    "bad",
    [
        "[resources.x]\nnodes = [{cpus = 1}]",
        "not toml at all [",
        '[resources.x]\nversions = ["v0.0.45"]\nnodes = [{names = "a"}]\n'
        'partitions = [{name = "p", nodes = "a"}]',
    ],
)
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
        from betterproto.lib.std.google.protobuf import Empty
        from s3m_apis_betterproto.clientfactory import S3MClientFactory
        from s3m_apis_betterproto.slurm.v0043 import (
            JobIdReq, JobSubmitReq, JobSubmitReqJobDescription, SlurmIndirectStub)

        def test_sync_user_code(s3m_emulator, tmp_path):
            async def main():
                token = os.environ["S3M_TOKEN"]
                async with S3MClientFactory("s3m.olcf.ornl.gov", token) as factory:
                    client = factory.create_client(SlurmIndirectStub)
                    job = JobSubmitReqJobDescription(
                        script="#!/bin/sh\\necho hi\\n",
                        current_working_directory=str(tmp_path), environment=["A=1"])
                    result = await client.post_job_submit(JobSubmitReq(job=job))
                    for _ in range(400):
                        info = (await client.get_job(JobIdReq(job_id=str(result.job_id)))).jobs[0]
                        if info.state.current[0] not in ("PENDING", "RUNNING"):
                            break
                        await asyncio.sleep(0.05)
                    return result, info
            result, info = asyncio.run(main())
            assert result.job_id == 1001
            assert info.state.current == ["COMPLETED"]
            assert (tmp_path / "slurm-1001.out").read_text() == "hi\\n"
            assert s3m_emulator.scheduler().jobs[1001].name == "sbatch"
    """)
    )
    (tmp_path / "pytest.ini").write_text("[pytest]\ns3m_emulator_time_scale = 0.01\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("S3M_")}
    done = subprocess.run(
        # (without this project's own heavy dev plugins, which a user's suite does not have)
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:schemathesis",
            "-p",
            "no:hypothesispytest",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=100,
        cwd=tmp_path,
        env=env,
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


# -- raw gRPC: what S3M's front door does with what the client library would never send ----------


@pytest.fixture
async def channel(server: Emulator) -> AsyncIterator[grpc.aio.Channel]:
    async with grpc.aio.insecure_channel(server.grpc_target) as chan:
        yield chan


def path(version: str, rpc: str) -> str:
    return f"/olcf.s3m.slurm.{version}.SlurmIndirect/{rpc}"


async def raw_call(
    channel: grpc.aio.Channel, method: str, data: bytes, resource: str | None = "defiant"
) -> bytes:
    metadata = [("authorization", TOKEN)] + ([("olcf-resource", resource)] if resource is not None else [])
    call = channel.unary_unary(method)  # bytes in, bytes out
    return await call(data, metadata=metadata, timeout=10)  # type: ignore[no-any-return]


async def refused(
    channel: grpc.aio.Channel, method: str, data: bytes, resource: str | None = "defiant"
) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await raw_call(channel, method, data, resource)
    return caught.value


def slurm_errors(error: grpc.aio.AioRpcError) -> list[errors.SlurmError]:
    details = dict(error.trailing_metadata() or ()).get(DETAILS_KEY)
    assert isinstance(details, bytes), "no grpc-status-details-bin trailer"
    return decode_details(details)[0]


async def test_request_bytes_that_are_not_protobuf_get_invalid_argument(
    channel: grpc.aio.Channel,
) -> None:
    error = await refused(channel, path("v0043", "GetJob"), b"\x0a\xff\xff")
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_a_call_without_olcf_resource_is_invalid(channel: grpc.aio.Channel) -> None:
    error = await refused(channel, path("v0043", "Ping"), b"", resource=None)
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "olcf-resource" in (error.details() or "")
    assert RESOURCES in (error.details() or "")
    assert slurm_errors(error)[0].error_number == 9000


async def test_an_unknown_resource_is_not_found(channel: grpc.aio.Channel) -> None:
    error = await refused(channel, path("v0043", "Ping"), b"", resource="frontier")
    assert error.code() == grpc.StatusCode.NOT_FOUND
    assert "frontier" in (error.details() or "")
    assert RESOURCES in (error.details() or "")
    assert slurm_errors(error)[0].error_number == 9007


@pytest.mark.parametrize(
    ("resource", "version", "offered"),
    [
        ("odo", "v0042", "v0.0.43, v0.0.44"),
        ("defiant", "v0044", "v0.0.42, v0.0.43"),
        ("wombat", "v0043", "v0.0.42"),
        ("quokka", "v0044", "v0.0.42"),
    ],
)
async def test_a_version_the_resource_does_not_offer_is_not_found(
    channel: grpc.aio.Channel, resource: str, version: str, offered: str
) -> None:
    error = await refused(channel, path(version, "Ping"), b"", resource=resource)
    assert error.code() == grpc.StatusCode.NOT_FOUND  # as REST says 404
    assert offered in (error.details() or "")


@pytest.mark.parametrize(
    ("resource", "version"),
    [("defiant", "v0042"), ("defiant", "v0043"), ("odo", "v0043"), ("odo", "v0044"), ("wombat", "v0042")],
)
async def test_each_resource_answers_its_versions(
    channel: grpc.aio.Channel, resource: str, version: str
) -> None:
    upb = VERSIONS[f"v0.0.{version[-2:]}"].upb
    pong = upb.PingResp.FromString(await raw_call(channel, path(version, "Ping"), b"", resource=resource))
    assert [(p.hostname, p.pinged) for p in pong.pings] == [(f"{resource}-slurmctld", "UP")]
    assert pong.meta.plugin.data_parser == f"data_parser/v0.0.{version[-2:]}"


async def test_the_client_names_what_odo_offers(server: Emulator) -> None:
    async with server.factory(resource="odo") as factory:
        with pytest.raises(errors.NotFound) as caught:
            await factory.create_client(v0042.SlurmIndirectStub).ping(Empty())
    assert "v0.0.43, v0.0.44" in str(caught.value)


def _description(tmp_path: Path, upb: object = upb43, **fields: object) -> bytes:
    desc = upb.JobSubmitReq.JobDescription(  # type: ignore[attr-defined]
        name="raw", current_working_directory=str(tmp_path), environment=["A=1"], **fields
    )
    return bytes(desc.SerializeToString())


def _field(number: int, payload: bytes) -> bytes:
    """A length-delimited protobuf field."""
    assert len(payload) < 128
    assert number < 16
    return bytes([number << 3 | 2, len(payload)]) + payload


async def test_unknown_field_numbers_in_a_submission_are_refused(
    server: Emulator, channel: grpc.aio.Channel, tmp_path: Path
) -> None:
    """Field numbers the version's message lacks (another version's, a newer client's) are refused."""
    inner = _description(tmp_path, script="#!/bin/sh\ntrue\n") + _field(2, b"afterok:1")
    error = await refused(channel, path("v0043", "PostJobSubmit"), _field(1, inner))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "2" in (error.details() or "")
    assert "JobDescription" in (error.details() or "")
    # at the top level too
    top = _field(1, _description(tmp_path, script="#!/bin/sh\ntrue\n")) + _field(9, b"x")
    error = await refused(channel, path("v0043", "PostJobSubmit"), top)
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert server.scheduler().jobs == {}  # nothing was queued
    # and the same description without the stray field is accepted
    reply = upb43.JobSubmitResp.FromString(
        await raw_call(
            channel, path("v0043", "PostJobSubmit"), _field(1, inner[: -len(_field(2, b"afterok:1"))])
        )
    )
    assert reply.job_id == 1001


@pytest.mark.parametrize("form", ["two_jobs", "job_and_jobs"])
async def test_v0044_submissions_s3m_cannot_run_are_refused(
    server: Emulator, tmp_path: Path, form: str
) -> None:
    desc = v0044.JobSubmitReqJobDescription(
        current_working_directory=str(tmp_path), environment=["A=1"], script="#!/bin/sh\ntrue\n"
    )
    request = (
        v0044.JobSubmitReq(script="#!/bin/sh\ntrue\n", jobs=[desc, desc])  # one heterogeneous job
        if form == "two_jobs"
        else v0044.JobSubmitReq(job=desc, jobs=[desc])
    )
    async with server.factory(resource="odo", retry=RetryPolicy.none()) as factory:
        with pytest.raises(errors.InvalidArgument) as caught:
            await factory.create_client(v0044.SlurmIndirectStub).post_job_submit(request)
    assert caught.value.errors[0].error_number == 9001
    assert ("heterogeneous" if form == "two_jobs" else "not both") in caught.value.errors[0].description
    assert server.scheduler("odo").jobs == {}


async def test_v0044_job_field_with_its_own_script_runs(server: Emulator, tmp_path: Path) -> None:
    desc = v0044.JobSubmitReqJobDescription(
        current_working_directory=str(tmp_path), environment=["A=1"], script="#!/bin/sh\necho own\n"
    )
    async with server.factory(resource="odo") as factory:
        reply = await factory.create_client(v0044.SlurmIndirectStub).post_job_submit(
            v0044.JobSubmitReq(job=desc)
        )
    job = server.scheduler("odo").jobs[int(reply.job_id)]
    assert job.script == "#!/bin/sh\necho own\n"
