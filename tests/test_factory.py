"""S3MClientFactory over grpclib and grpcio against a real server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import importlib
import logging
import time
from typing import Any

import pytest
from grpclib.events import RecvRequest, listen
from s3m_apis_betterproto.google.protobuf import Empty

from s3m_grpc import errors
from s3m_grpc.config import Keepalive, Timeouts
from s3m_grpc.emulator import ClusterModel, Emulator, EmulatorConfig, NodeModel, PartitionModel
from s3m_grpc.factory import S3MClientFactory
from tests.conftest import GRPC_TRANSPORTS, TOKEN, VERSIONS, RunningServer

pytestmark = pytest.mark.parametrize("transport", GRPC_TRANSPORTS)


def slurm(version: str) -> Any:
    return importlib.import_module(f"s3m_apis_betterproto.slurm.{version}")


@pytest.mark.parametrize("version", VERSIONS)
async def test_every_rpc(server: RunningServer, transport: str, version: str) -> None:
    pb = slurm(version)
    async with S3MClientFactory(server.grpc_target, TOKEN, transport=transport) as factory:
        client = factory.create_client(pb.SlurmIndirectStub)
        assert (await client.ping(Empty())).pings[0].responding is True
        assert [p.name for p in (await client.get_partitions(Empty())).partitions][:2] == [
            "batch-cpu",
            "batch-gpu",
        ]
        job = pb.JobSubmitReqJobDescription(
            name=f"t-{transport}",
            partition="debug",
            minimum_nodes=1,
            tasks=2,
            time_limit=pb.Uint32NoVal(number=5, set=True),
            hold=True,  # stays PENDING until cancelled, whatever the scheduler does meanwhile
            current_working_directory="/scratch/u",
            environment=["A=1"],
        )
        submitted = await client.post_job_submit(pb.JobSubmitReq(job=job, script="#!/bin/bash\ntrue\n"))
        info = (await client.get_job(pb.JobIdReq(job_id=str(submitted.job_id)))).jobs[0]
        assert (info.name, info.job_state, info.tasks.number) == (f"t-{transport}", ["PENDING"], 2)
        assert submitted.job_id in [j.job_id for j in (await client.get_jobs(Empty())).jobs]
        await client.delete_job(pb.DeleteJobReq(job_id=str(submitted.job_id), signal="SIGTERM"))
        after = (await client.get_job(pb.JobIdReq(job_id=str(submitted.job_id)))).jobs[0]
        assert after.job_state == ["CANCELLED"]
        assert len((await client.get_nodes(Empty())).nodes) == 8
        assert (await client.get_reservations(Empty())).reservations[0].name == "maintenance-window"
        assert (await client.get_diag(Empty())).statistics.jobs_canceled == 1


@pytest.mark.parametrize("token", [None, "wrong-token"])
async def test_missing_or_wrong_token(
    server: RunningServer, transport: str, token: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("S3M_TOKEN", raising=False)
    monkeypatch.delenv("S3M_TOKEN_FILE", raising=False)
    async with S3MClientFactory(server.grpc_target, token, transport=transport) as factory:
        with pytest.raises(errors.Unauthenticated) as caught:
            await factory.create_client(slurm("v0043").SlurmIndirectStub).ping(Empty())
    assert caught.value.rpc == "Ping"
    assert (caught.value.grpc_code, caught.value.http_status) == (16, 401)


async def test_auth_and_routing_metadata_survive_caller_metadata(
    server: RunningServer, transport: str, grpc_server_events: list[Any]
) -> None:
    async with S3MClientFactory(server.grpc_target, TOKEN, transport=transport, resource="odo") as factory:
        client = factory.create_client(slurm("v0043").SlurmIndirectStub)
        client.metadata = {"x-stub-level": "kept"}
        await client.ping(Empty(), metadata={"x-request-id": "abc123"})
    seen = grpc_server_events[-1]
    assert seen["authorization"] == TOKEN
    assert seen["s3m-resource"] == "odo"
    assert seen["s3m-api-version"] == "v0.0.43"
    assert seen["x-request-id"] == "abc123"
    assert seen["x-stub-level"] == "kept"
    assert seen["user-agent"].startswith("s3m-grpc/") or " s3m-grpc/" in seen["user-agent"]


@pytest.fixture
async def grpc_server_events(server: RunningServer) -> list[Any]:
    """Metadata (and user-agent) of every request the test server receives, in order."""
    seen: list[Any] = []

    async def record(event: RecvRequest) -> None:
        seen.append({**dict(event.metadata), "user-agent": event.user_agent or ""})

    listen(server.grpc_server, RecvRequest, record)
    return seen


async def test_reserved_metadata_is_refused_before_sending(server: RunningServer, transport: str) -> None:
    async with S3MClientFactory(server.grpc_target, TOKEN, transport=transport) as factory:
        client = factory.create_client(slurm("v0043").SlurmIndirectStub)
        for key in ("authorization", "S3M-Resource", "s3m-api-version"):
            with pytest.raises(errors.ConfigurationError):
                await client.ping(Empty(), metadata={key: "x"})


async def test_one_factory_serves_several_resources_and_versions(
    server: RunningServer, transport: str
) -> None:
    async with S3MClientFactory(server.grpc_target, TOKEN, transport=transport) as factory:
        defiant = factory.create_client(slurm("v0043").SlurmIndirectStub)
        wombat = factory.create_client(slurm("v0042").SlurmIndirectStub, resource="wombat")
        assert (await defiant.ping(Empty())).meta.plugin.data_parser == "data_parser/v0.0.43"
        assert (await wombat.ping(Empty())).meta.plugin.data_parser == "data_parser/v0.0.42"
        with pytest.raises(errors.Unimplemented):  # wombat offers only v0.0.42
            await factory.create_client(slurm("v0043").SlurmIndirectStub, resource="wombat").ping(Empty())
        with pytest.raises(errors.NotFound):
            await factory.create_client(slurm("v0043").SlurmIndirectStub, resource="nosuch").ping(Empty())
        with pytest.raises(errors.ConfigurationError):
            factory.create_client(slurm("v0043").SlurmIndirectStub, resource="../etc")


async def test_slow_server_gives_deadline_exceeded_promptly(server: RunningServer, transport: str) -> None:
    server.faults.add("GetJobs:latency:seconds=5")
    async with S3MClientFactory(
        server.grpc_target, TOKEN, transport=transport, timeouts=Timeouts(listing=0.3)
    ) as factory:
        client = factory.create_client(slurm("v0043").SlurmIndirectStub)
        await client.ping(Empty())  # connected: what follows measures the deadline alone
        for call in (
            lambda: client.get_jobs(Empty()),  # the default listing timeout
            lambda: client.get_jobs(Empty(), timeout=0.2),
        ):  # a per-call override
            started = time.monotonic()
            with pytest.raises(errors.DeadlineExceeded) as caught:
                await call()
            assert time.monotonic() - started < 1.5
            assert caught.value.rpc == "GetJobs"
        assert (await client.ping(Empty())).pings  # the channel is still usable afterwards


async def test_per_call_timeout_beats_a_slow_default(server: RunningServer, transport: str) -> None:
    server.faults.add("Ping:latency:seconds=0.5")
    async with S3MClientFactory(
        server.grpc_target, TOKEN, transport=transport, timeouts=Timeouts(ping=0.1)
    ) as factory:
        client = factory.create_client(slurm("v0043").SlurmIndirectStub)
        with pytest.raises(errors.DeadlineExceeded):
            await client.ping(Empty())
        assert (await client.ping(Empty(), timeout=3)).pings


async def test_tls_with_a_certificate_made_in_the_test(transport: str, server_ssl: Any, ca_file: str) -> None:
    async with Emulator(tokens=[TOKEN], ssl=server_ssl) as emulator:
        for host in ("127.0.0.1", "localhost"):
            url = f"{host}:{emulator.grpc_port}"
            async with S3MClientFactory(
                url, TOKEN, transport=transport, tls=True, ca_file=ca_file
            ) as factory:
                assert (await factory.create_client(slurm("v0043").SlurmIndirectStub).ping(Empty())).pings


async def test_tls_with_the_wrong_ca_fails_closed(transport: str, server_ssl: Any, tmp_path: Any) -> None:
    import trustme

    other = tmp_path / "other-ca.pem"
    trustme.CA().cert_pem.write_to_path(str(other))
    async with Emulator(tokens=[TOKEN], ssl=server_ssl) as emulator:
        url = f"127.0.0.1:{emulator.grpc_port}"
        async with S3MClientFactory(url, TOKEN, transport=transport, tls=True, ca_file=str(other)) as factory:
            with pytest.raises(errors.ConnectError):
                await factory.create_client(slurm("v0043").SlurmIndirectStub).ping(Empty(), timeout=5)
        # The system trust store does not know the test CA either.
        async with S3MClientFactory(url, TOKEN, transport=transport, tls=True) as factory:
            with pytest.raises(errors.ConnectError):
                await factory.create_client(slurm("v0043").SlurmIndirectStub).ping(Empty(), timeout=5)


async def test_tls_peer_without_http2_is_a_connect_error(transport: str, ca: Any, ca_file: str) -> None:
    import ssl

    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(ctx)
    ctx.set_alpn_protocols(["http/1.1"])  # a TLS-terminating HTTP/1.1 proxy, say
    async with Emulator(tokens=[TOKEN], ssl=ctx) as emulator:
        url = f"127.0.0.1:{emulator.grpc_port}"
        async with S3MClientFactory(url, TOKEN, transport=transport, tls=True, ca_file=ca_file) as factory:
            with pytest.raises(errors.ConnectError):
                await factory.create_client(slurm("v0043").SlurmIndirectStub).ping(Empty(), timeout=5)


async def test_big_listing_fits_the_receive_limit(transport: str) -> None:
    """A listing over grpcio's 4 MiB default arrives whole (10,000 complete jobs are ~11.5 MB)."""
    nodes = tuple(NodeModel(f"frontier{i:05d}", cpus=64, gpus=8) for i in range(15_000))
    batch = PartitionModel(
        "batch", tuple(n.name for n in nodes), max_nodes=9408, max_time=720, default_time=60
    )
    model = ClusterModel("frontier", ("v0.0.43",), nodes, (batch,))
    config = EmulatorConfig(resources={"frontier": model})
    async with (
        Emulator(tokens=[TOKEN], config=config) as emulator,
        emulator.factory(transport=transport, resource="frontier") as factory,
    ):
        reply = await factory.create_client(slurm("v0043").SlurmIndirectStub).get_nodes(Empty())
    assert len(reply.nodes) == 15_000
    assert len(bytes(reply)) > 4 * 1024 * 1024


async def test_keepalive_settings_are_accepted(server: RunningServer, transport: str) -> None:
    keepalive = Keepalive(time=30, timeout=5, permit_without_calls=False)
    async with S3MClientFactory(
        server.grpc_target, TOKEN, transport=transport, keepalive=keepalive
    ) as factory:
        assert (await factory.create_client(slurm("v0043").SlurmIndirectStub).ping(Empty())).pings


async def test_plaintext_policy(transport: str, caplog: pytest.LogCaptureFixture) -> None:
    """No traffic here: only what the constructor decides (non-loopback hosts are never contacted)."""
    with pytest.raises(errors.ConfigurationError, match="plaintext"):
        S3MClientFactory("s3m.example.org:50051", TOKEN, transport=transport, tls=False)
    with pytest.raises(errors.ConfigurationError, match="plaintext"):
        S3MClientFactory("http://s3m.example.org:8080", TOKEN, transport=transport)
    with caplog.at_level(logging.WARNING, logger="s3m_grpc"):
        factory = S3MClientFactory(
            "s3m.example.org:50051", TOKEN, transport=transport, tls=False, insecure=True
        )
    assert "plaintext" in caplog.text
    assert factory._config.tls is False
    assert S3MClientFactory("s3m.example.org", TOKEN, transport=transport)._config.tls is True
    assert S3MClientFactory("s3m.example.org", TOKEN, transport=transport)._config.target.port == 443
    assert S3MClientFactory("[::1]:7000", TOKEN, transport=transport)._config.tls is False
    assert S3MClientFactory("localhost:7000", TOKEN, transport=transport)._config.tls is False


@pytest.mark.parametrize(
    "kwargs",
    [
        {"url": ""},
        {"url": "ftp://host"},
        {"url": "host:notaport"},
        {"url": "host/path"},
        {"resource": "Defiant"},
        {"resource": "a\nb"},
        {"transport": "carrier-pigeon"},
        {"ca_file": "/no/such/ca.pem", "tls": True},
        {"max_receive_bytes": 100},
        {"timeouts": "fast"},
    ],
)
def test_bad_configuration_is_rejected_at_construction(transport: str, kwargs: dict[str, Any]) -> None:
    args = {"url": "127.0.0.1:1", "transport": transport, **kwargs}
    url = args.pop("url")
    with pytest.raises(errors.ConfigurationError):
        S3MClientFactory(url, TOKEN, **args)


async def test_timeouts_are_validated(transport: str) -> None:
    with pytest.raises(errors.ConfigurationError):
        Timeouts(ping=-1)
    with pytest.raises(errors.ConfigurationError):
        Keepalive(timeout=0)


async def test_connection_refused_is_a_connect_error(transport: str, unused_port: int) -> None:
    async with S3MClientFactory(f"127.0.0.1:{unused_port}", TOKEN, transport=transport) as factory:
        started = time.monotonic()
        with pytest.raises(errors.ConnectError) as caught:
            await factory.create_client(slurm("v0043").SlurmIndirectStub).ping(Empty(), timeout=5)
        assert time.monotonic() - started < 3  # refused is known at once: no waiting out the deadline
    assert isinstance(caught.value, errors.Unavailable)


async def test_closed_factory_refuses_calls(server: RunningServer, transport: str) -> None:
    factory = S3MClientFactory(server.grpc_target, TOKEN, transport=transport)
    client = factory.create_client(slurm("v0043").SlurmIndirectStub)
    await client.ping(Empty())
    await factory.aclose()
    with pytest.raises(errors.Unavailable, match="closed"):
        await client.ping(Empty())
    with pytest.raises(errors.ConfigurationError):
        factory.create_client(slurm("v0043").SlurmIndirectStub)
    await factory.aclose()  # idempotent


@pytest.fixture
def unused_port() -> int:
    """A port on 127.0.0.1 with nothing listening."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_stub_is_still_the_generated_class(server: RunningServer, transport: str) -> None:
    pb = slurm("v0043")
    async with S3MClientFactory(server.grpc_target, TOKEN, transport=transport) as factory:
        client = factory.create_client(pb.SlurmIndirectStub)
        assert isinstance(client, pb.SlurmIndirectStub)
        assert type(client).__name__ == "SlurmIndirectStub"
        assert TOKEN not in repr(factory)
        await asyncio.gather(*(client.ping(Empty()) for _ in range(20)))  # concurrent calls share a channel
