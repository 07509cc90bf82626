"""The REST transport's edges: Slurm JSON both ways, HTTP errors, hostile bodies, and auto fallback."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import orjson
import pytest
from aiohttp import web
from s3m_apis_betterproto.google.protobuf import Empty
from s3m_apis_betterproto.slurm import v0043 as pb

from s3m_grpc import errors
from s3m_grpc.emulator import Emulator
from s3m_grpc.factory import S3MClientFactory
from s3m_grpc.retry import RetryPolicy
from s3m_grpc.transports import FallbackPolicy
from tests.conftest import FIXTURES, KEEP_JOBS, TOKEN

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@pytest.fixture
async def raw_rest() -> AsyncIterator[Callable[[Handler], Awaitable[str]]]:
    """Start an aiohttp server answering every request with `handler`; returns its base URL."""
    runners: list[web.AppRunner] = []

    async def start(handler: Handler) -> str:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", handler)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        runners.append(runner)
        port = runner.addresses[0][1]
        return f"http://127.0.0.1:{port}"

    yield start
    for runner in runners:
        await runner.cleanup()


def factory_for(url: str, **kwargs: Any) -> S3MClientFactory:
    # No retries: these tests look at how each single reply is mapped (retries have their own tests).
    return S3MClientFactory(url, TOKEN, transport="rest", rest_url=url, retry=RetryPolicy.none(), **kwargs)


async def test_submit_body_is_exactly_the_olcf_curl_payload(raw_rest: Any) -> None:
    seen: dict[str, Any] = {}

    async def handler(request: web.Request) -> web.Response:
        seen.update(path=request.path, headers=dict(request.headers), body=await request.read())
        return web.json_response({"job_id": 12345, "step_id": "batch"})

    url = await raw_rest(handler)
    async with factory_for(url, enclave=None) as factory:
        result = await factory.create_client(pb.SlurmIndirectStub).post_job_submit(
            pb.JobSubmitReq(
                job=pb.JobSubmitReqJobDescription(
                    name="my-job",
                    account="STF040",
                    partition="batch-cpu",
                    minimum_nodes=1,
                    tasks=1,
                    time_limit=pb.Uint32NoVal(number=60, set=True),
                    current_working_directory="/lustre/polis/stf040/scratch/user",
                    environment=["PATH=/usr/bin"],
                    script="#!/bin/bash\necho Hello World",
                )
            )
        )
    assert result.job_id == 12345
    assert seen["path"] == "/slurm/v0.0.43/defiant/job/submit"
    assert orjson.loads(seen["body"]) == orjson.loads(
        (FIXTURES / "v0043" / "job_submit_req.json").read_bytes()
    )
    assert seen["headers"]["Authorization"] == TOKEN  # raw, no "Bearer"
    assert seen["headers"]["Content-Type"] == "application/json"
    assert seen["headers"]["User-Agent"].startswith("s3m-grpc/")


async def test_delete_puts_signal_and_flags_in_the_query(raw_rest: Any) -> None:
    seen: dict[str, Any] = {}

    async def handler(request: web.Request) -> web.Response:
        seen.update(method=request.method, path=request.path, query=dict(request.query))
        return web.json_response({"status": []})

    url = await raw_rest(handler)
    async with factory_for(url) as factory:
        await factory.create_client(pb.SlurmIndirectStub).delete_job(
            pb.DeleteJobReq(job_id="123_4", signal="SIGUSR1", flags="BATCH_JOB")
        )
    assert seen == {
        "method": "DELETE",
        "path": "/slurm/open/v0.0.43/defiant/job/123_4",
        "query": {"signal": "SIGUSR1", "flags": "BATCH_JOB"},
    }


async def test_decoding_is_tolerant_as_real_slurm_needs(raw_rest: Any) -> None:
    node = {
        "name": "n1",
        "a_field_from_slurm_26": {"whatever": [1, 2]},  # unknown keys are ignored
        "boot_time": 1763996400,  # a bare number where the spec has a NoVal struct
        "free_mem": None,  # null: unset
        "real_memory": 2**40,  # beyond int32
        "cpus": 64.0,  # an integral float
        "features": "gpu",  # a scalar where an array is expected
    }
    body = {
        "nodes": [node],
        "last_update": {"set": True, "number": 1},
        "meta": {"slurm": {"version": {"major": 24, "minor": 11, "micro": 6}}},
    }  # v0.0.42-era integers

    async def handler(request: web.Request) -> web.Response:
        return web.json_response(body)

    url = await raw_rest(handler)
    async with factory_for(url) as factory:
        reply = await factory.create_client(pb.SlurmIndirectStub).get_nodes(Empty())
    n = reply.nodes[0]
    assert (n.name, n.boot_time.number, n.boot_time.set, n.real_memory, n.cpus) == (
        "n1",
        1763996400,
        True,
        2**40,
        64,
    )
    assert n.free_mem is None
    assert n.features == ["gpu"]
    assert reply.meta.slurm.version.major == "24"
    assert reply.errors == []


@pytest.mark.parametrize(
    ("status", "body", "headers", "cls"),
    [
        (
            401,
            {"errors": [{"error": "Unauthorized", "description": "bad token"}]},
            {},
            errors.Unauthenticated,
        ),
        (403, {"errors": []}, {}, errors.PermissionDenied),
        (404, {"errors": [{"error_number": 2017, "description": "Invalid job id"}]}, {}, errors.NotFound),
        (429, {"errors": []}, {"Retry-After": "12"}, errors.RateLimited),
        (500, {"errors": [{"error_number": 2090, "description": "boom"}]}, {}, errors.ServerError),
        (502, None, {}, errors.Unavailable),
        (503, {"errors": []}, {}, errors.Unavailable),
        (504, None, {}, errors.DeadlineExceeded),
    ],
)
async def test_http_statuses_map_into_the_tree(
    raw_rest: Any, status: int, body: Any, headers: dict[str, str], cls: type[errors.S3MError]
) -> None:
    async def handler(request: web.Request) -> web.Response:
        if body is None:
            return web.Response(
                status=status,
                text="<html><body>Bad Gateway</body></html>",
                headers=headers,
                content_type="text/html",
            )
        return web.json_response(body, status=status, headers=headers)

    url = await raw_rest(handler)
    async with factory_for(url) as factory:
        with pytest.raises(cls) as caught:
            await factory.create_client(pb.SlurmIndirectStub).get_job(pb.JobIdReq(job_id="5"))
    assert caught.value.status_code == status
    assert caught.value.rpc == "GetJob"
    if status == 429:
        assert caught.value.retry_after == 12  # type: ignore[attr-defined]
    if body and body["errors"]:
        assert caught.value.errors[0].description == body["errors"][0]["description"]
    if body is None:
        assert "Bad Gateway" in str(caught.value)
        assert "<html>" in str(caught.value)
    assert TOKEN not in str(caught.value)
    assert TOKEN not in repr(caught.value)


@pytest.mark.parametrize(
    "payload",
    [
        b"<html>proxy login</html>",
        b'{"jobs": [{"job_id": 1, "na',
        b"",
        b"[1, 2]",
        b'{"jobs": [{"job_id": "many"}]}',
        b"\xff\xfe\x00garbage",
    ],
)
async def test_unusable_200_bodies_are_protocol_errors(raw_rest: Any, payload: bytes) -> None:
    async def handler(request: web.Request) -> web.Response:
        return web.Response(body=payload, content_type="application/json")

    url = await raw_rest(handler)
    async with factory_for(url) as factory:
        with pytest.raises(errors.ProtocolError) as caught:
            await factory.create_client(pb.SlurmIndirectStub).get_jobs(Empty())
    assert "HTTP 200" in str(caught.value)
    assert TOKEN not in str(caught.value)


async def test_redirects_are_not_followed(raw_rest: Any) -> None:
    async def handler(request: web.Request) -> web.Response:
        raise web.HTTPFound("http://127.0.0.1:9/elsewhere")  # would carry the token away

    url = await raw_rest(handler)
    async with factory_for(url) as factory:
        with pytest.raises(errors.ProtocolError):
            await factory.create_client(pb.SlurmIndirectStub).ping(Empty())


async def test_rest_connection_refused_and_timeout(raw_rest: Any, unused_tcp_port: int) -> None:
    async with factory_for(f"http://127.0.0.1:{unused_tcp_port}") as factory:
        with pytest.raises(errors.ConnectError):
            await factory.create_client(pb.SlurmIndirectStub).ping(Empty())

    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(5)
        return web.json_response({})

    url = await raw_rest(slow)
    async with factory_for(url) as factory:
        with pytest.raises(errors.DeadlineExceeded):
            await factory.create_client(pb.SlurmIndirectStub).ping(Empty(), timeout=0.2)


# -- transport="auto" -------------------------------------------------------------------------------


@pytest.fixture
async def emulator(tmp_path: Path) -> AsyncIterator[Emulator]:
    async with Emulator(
        tokens=[TOKEN], time_scale=0.01, min_job_age=KEEP_JOBS, work_dir=tmp_path / "w"
    ) as emu:
        yield emu


def submit_request(cwd: Path, name: str) -> Any:
    return pb.JobSubmitReq(
        script="#!/bin/bash\ntrue\n",
        job=pb.JobSubmitReqJobDescription(
            name=name, hold=True, current_working_directory=str(cwd), environment=["A=1"]
        ),
    )


async def test_auto_uses_grpc_when_it_works(emulator: Emulator) -> None:
    async with S3MClientFactory(emulator.grpc_target, TOKEN, rest_url=emulator.rest_url) as factory:
        assert factory.transport_name == "auto"
        await factory.create_client(pb.SlurmIndirectStub).ping(Empty())
        assert factory.active_transport == "grpclib"


async def test_auto_falls_back_when_grpc_is_refused(
    emulator: Emulator, unused_tcp_port: int, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="s3m_grpc"):
        async with S3MClientFactory(
            f"127.0.0.1:{unused_tcp_port}", TOKEN, rest_url=emulator.rest_url
        ) as factory:
            client = factory.create_client(pb.SlurmIndirectStub)
            submitted = await client.post_job_submit(submit_request(tmp_path, "first"))  # even a submission
            assert factory.active_transport == "rest"
            for _ in range(3):
                await client.ping(Empty())
    warnings = [r for r in caplog.records if "using the REST API" in r.getMessage()]
    assert len(warnings) == 1  # logged once, remembered after
    assert [j.name for j in emulator.scheduler().visible_jobs()] == ["first"]
    assert submitted.job_id == emulator.scheduler().visible_jobs()[0].job_id


async def test_auto_falls_back_from_an_http11_only_port(
    emulator: Emulator, raw_rest: Any, tmp_path: Path
) -> None:
    async def http11(request: web.Request) -> web.Response:
        return web.Response(status=400, text="HTTP/1.1 only here")

    http11_url = await raw_rest(http11)
    host_port = http11_url.removeprefix("http://")
    async with S3MClientFactory(host_port, TOKEN, rest_url=emulator.rest_url) as factory:
        client = factory.create_client(pb.SlurmIndirectStub)
        await client.post_job_submit(submit_request(tmp_path, "via-rest"))
        assert factory.active_transport == "rest"
    assert [j.name for j in emulator.scheduler().visible_jobs()] == ["via-rest"]


async def test_auto_never_resends_a_submission_that_may_have_arrived(
    emulator: Emulator, tmp_path: Path
) -> None:
    emulator.faults.add("PostJobSubmit:accept_then_drop:protocol=grpc,times=1")
    policy = FallbackPolicy(on=(errors.ConnectError, errors.Unavailable))  # even with a looser policy
    async with emulator.factory(fallback=policy) as factory:
        client = factory.create_client(pb.SlurmIndirectStub)
        with pytest.raises(errors.Unavailable) as caught:
            await client.post_job_submit(submit_request(tmp_path, "once"))
        assert not isinstance(caught.value, errors.ConnectError)
        assert factory.active_transport == "grpclib"
    assert [j.name for j in emulator.scheduler().visible_jobs()] == ["once"]  # exactly one, not two


async def test_fallback_can_be_switched_off(emulator: Emulator, unused_tcp_port: int) -> None:
    async with S3MClientFactory(
        f"127.0.0.1:{unused_tcp_port}",
        TOKEN,
        rest_url=emulator.rest_url,
        fallback=FallbackPolicy(enabled=False),
    ) as factory:
        with pytest.raises(errors.ConnectError):
            await factory.create_client(pb.SlurmIndirectStub).ping(Empty())
        assert factory.active_transport == "grpclib"
