"""S3MClientFactory over grpclib and grpcio against the emulator on 127.0.0.1: S3M's wire, OLCF's API."""

from __future__ import annotations

import asyncio
import importlib
import logging
import time
from typing import Any

import pytest
from betterproto.lib.std.google.protobuf import Empty
from grpclib.events import RecvRequest, listen

from s3m_grpc import errors
from s3m_grpc.codec import FAST
from s3m_grpc.config import Keepalive, Timeouts
from s3m_grpc.emulator import ClusterModel, Emulator, EmulatorConfig, NodeModel, PartitionModel
from s3m_grpc.factory import S3MClientFactory
from s3m_grpc.rpc import BY_NAME, VERSIONS
from tests.conftest import GRPC_TRANSPORTS, TOKEN, RunningServer

pytestmark = pytest.mark.parametrize("transport", GRPC_TRANSPORTS)


def slurm(version: str) -> Any:
    return importlib.import_module(f"s3m_apis_betterproto.slurm.{version}")


@pytest.mark.parametrize(
    ("version", "resource"), [("v0042", "defiant"), ("v0043", "defiant"), ("v0044", "odo")]
)
async def test_every_rpc(server: RunningServer, transport: str, version: str, resource: str) -> None:
    pb = slurm(version)
    async with S3MClientFactory(server.grpc_target, TOKEN, transport=transport, resource=resource) as factory:
        client = factory.create_client(pb.SlurmIndirectStub)
        assert (await client.ping(Empty())).pings[0].pinged == "UP"
        assert (await client.get_partitions(Empty())).partitions[0].name == "batch-cpu"
        job = pb.JobSubmitReqJobDescription(
            name=f"t-{transport}",
            partition="debug" if resource == "defiant" else "batch-cpu",
            minimum_nodes=1,
            tasks=2,
            time_limit=pb.Uint32NoVal(number=5, set=True),
            # stays PENDING (BeginTime) until cancelled, whatever the scheduler does meanwhile
            begin_time=pb.Uint64NoVal(number=int(time.time()) + 3600, set=True),
            current_working_directory="/scratch/u",
            environment=["A=1"],
        )
        script = "#!/bin/bash\ntrue\n"
        if version == "v0044":
            request = pb.JobSubmitReq(script=script, jobs=[job])
        else:
            job.script = script
            request = pb.JobSubmitReq(job=job)
        submitted = await client.post_job_submit(request)
        record = (await client.get_job(pb.JobIdReq(job_id=str(submitted.job_id)))).jobs[0]
        assert (record.name, record.state.current, record.state.reason) == (
            f"t-{transport}",
            ["PENDING"],
            "BeginTime",
        )
        listed = {j.job_id: j for j in (await client.get_jobs(Empty())).jobs}
        assert listed[submitted.job_id].tasks.number == 2
        await client.delete_job(pb.DeleteJobReq(job_id=str(submitted.job_id), signal="SIGTERM"))
        after = (await client.get_job(pb.JobIdReq(job_id=str(submitted.job_id)))).jobs[0]
        assert after.state.current == ["CANCELLED"]
        assert len((await client.get_nodes(Empty())).nodes) == (8 if resource == "defiant" else 4)
        reservations = (await client.get_reservations(Empty())).reservations
        assert [r.name for r in reservations] == (["maintenance-window"] if resource == "defiant" else [])
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
        await client.ping(Empty())
        assert grpc_server_events[-1]["x-stub-level"] == "kept"
        assert grpc_server_events[-1]["authorization"] == TOKEN  # auth survives either metadata
    assert seen["authorization"] == TOKEN
    assert seen["olcf-resource"] == "odo"
    assert "s3m-resource" not in seen
    assert "s3m-api-version" not in seen
    assert seen["x-request-id"] == "abc123"  # the call's metadata replaced the stub's, as in betterproto
    assert "x-stub-level" not in seen
    client.metadata = {"x-stub-level": "kept"}
    assert seen["user-agent"].startswith("s3m-grpc/") or " s3m-grpc/" in seen["user-agent"]


@pytest.fixture
async def grpc_server_events(server: RunningServer) -> list[Any]:
    """Metadata (and user-agent) of every request the test server receives, in order."""
    seen: list[Any] = []

    async def record(event: RecvRequest) -> None:
        seen.append({**dict(event.metadata), "user-agent": event.user_agent or ""})

    listen(server.grpc_server, RecvRequest, record)
    return seen


async def test_metadata_the_caller_may_not_set_is_refused_before_sending(
    server: RunningServer, transport: str, grpc_server_events: list[Any]
) -> None:
    async with S3MClientFactory(server.grpc_target, TOKEN, transport=transport) as factory:
        client = factory.create_client(slurm("v0043").SlurmIndirectStub)
        for key in ("authorization", "host", "Transfer-Encoding", "grpc-timeout", ":path", "te", "bad key"):
            with pytest.raises(errors.ConfigurationError):
                await client.ping(Empty(), metadata={key: "x"})
        with pytest.raises(errors.ConfigurationError):
            await client.ping(Empty(), metadata={"x-ok": "line\nbreak"})
    assert grpc_server_events == []  # nothing reached the server


async def test_olcf_resource_given_as_metadata(server: RunningServer, transport: str) -> None:
    """OLCF's own clients route with {"olcf-resource": ...} metadata; it passes through unchanged."""
    pb = slurm("v0044")
    async with S3MClientFactory(
        server.grpc_target, TOKEN, {"olcf-resource": "odo"}, transport=transport
    ) as factory:
        assert factory.resource == "odo"
        pong = await factory.create_client(pb.SlurmIndirectStub).ping(Empty())
        assert pong.pings[0].hostname == "odo-slurmctld"
        defiant = factory.create_client(slurm("v0043").SlurmIndirectStub)
        pong = await defiant.ping(Empty(), metadata={"olcf-resource": "defiant"})
        assert pong.pings[0].hostname == "defiant-slurmctld"
        pinned = factory.create_client(slurm("v0043").SlurmIndirectStub, resource="defiant")
        with pytest.raises(errors.ConfigurationError, match="contradicts"):  # two different resources
            await pinned.ping(Empty(), metadata={"olcf-resource": "odo"})
    with pytest.raises(errors.ConfigurationError, match="contradicts"):
        S3MClientFactory(server.grpc_target, TOKEN, {"olcf-resource": "odo"}, resource="defiant")


async def test_one_factory_serves_several_resources_and_versions(
    server: RunningServer, transport: str
) -> None:
    async with S3MClientFactory(server.grpc_target, TOKEN, transport=transport) as factory:
        defiant = factory.create_client(slurm("v0043").SlurmIndirectStub)
        wombat = factory.create_client(slurm("v0042").SlurmIndirectStub, resource="wombat")
        assert (await defiant.ping(Empty())).meta.plugin.data_parser == "data_parser/v0.0.43"
        assert (await wombat.ping(Empty())).meta.plugin.data_parser == "data_parser/v0.0.42"
        with pytest.raises(errors.NotFound, match=r"v0\.0\.42"):  # wombat offers only v0.0.42
            await factory.create_client(slurm("v0043").SlurmIndirectStub, resource="wombat").ping(Empty())
        with pytest.raises(errors.NotFound, match="defiant"):  # the message names the valid resources
            await factory.create_client(slurm("v0043").SlurmIndirectStub, resource="nosuch").ping(Empty())
        with pytest.raises(errors.ConfigurationError):
            factory.create_client(slurm("v0043").SlurmIndirectStub, resource="../etc")


async def test_slow_server_gives_deadline_exceeded_promptly(server: RunningServer, transport: str) -> None:
    server.faults.add("GetJobs:latency:seconds=60")
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
            assert time.monotonic() - started < 30  # the deadline, not the server's 60 s
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


@pytest.mark.timeout(300)
async def test_big_listing_fits_the_receive_limit(transport: str) -> None:
    """A listing over grpcio's 4 MiB default arrives whole (Frontier has ~9,400 nodes; 20,000 here)."""
    nodes = tuple(NodeModel(f"frontier{i:05d}", cpus=64, gpus=8) for i in range(20_000))
    batch = PartitionModel(
        "batch", tuple(n.name for n in nodes), max_nodes=9408, max_time=720, default_time=60
    )
    model = ClusterModel("frontier", ("v0.0.43",), nodes, (batch,))
    config = EmulatorConfig(resources={"frontier": model})
    async with (
        Emulator(tokens=[TOKEN], config=config) as emulator,
        emulator.factory(transport=transport, resource="frontier") as factory,
    ):
        version = VERSIONS["v0.0.43"]
        # The fast path (upb) keeps the test about the transport's limit, not betterproto's parser.
        reply = await factory.invoke(factory.make_call(BY_NAME["GetNodes"], version, None), FAST)
    assert len(reply.items("nodes")) == 20_000
    assert reply.message.ByteSize() > 4 * 1024 * 1024


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
        {"additional_metadata": {"Host": "evil"}},
        {"additional_metadata": {"olcf-resource": "../etc"}},
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
        assert time.monotonic() - started < 4  # refused is known at once: not the 5 s deadline
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


async def test_a_transport_instance_is_used_and_connection_settings_are_refused(transport: str) -> None:
    from s3m_grpc import MockTransport

    mock = MockTransport(lambda call: {"pings": [{"hostname": call.resource, "pinged": "UP"}]})
    async with S3MClientFactory("127.0.0.1:1", TOKEN, transport=mock, resource="odo") as factory:
        pong = await factory.create_client(slurm("v0044").SlurmIndirectStub).ping(Empty())
    assert pong.pings[0].hostname == "odo"
    assert [c.rpc.name for c, _ in mock.calls] == ["Ping"]
    assert mock.closed
    with pytest.raises(errors.ConfigurationError, match="Transport instance"):
        S3MClientFactory("127.0.0.1:1", TOKEN, transport=MockTransport(lambda call: {}), tls=True)


def test_unknown_routes_are_refused(transport: str) -> None:
    factory = S3MClientFactory("127.0.0.1:1", TOKEN, transport=transport)
    with pytest.raises(errors.Unimplemented, match="not an S3M method this client can route"):
        factory.channel.request("/olcf.s3m.storage.v1alpha.BucketGateway/ListBuckets", None, None, None)
