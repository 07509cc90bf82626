"""The REST transport's edges: URLs, OLCF's exact bodies, HTTP errors, hostile replies, limits, fallback."""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import betterproto
import orjson
import pytest
from aiohttp import web
from betterproto.lib.std.google.protobuf import Empty
from s3m_apis_betterproto.slurm import v0043 as pb
from s3m_apis_betterproto.slurm import v0044 as pb44

from s3m_grpc import Slurm, errors
from s3m_grpc.emulator import Emulator
from s3m_grpc.factory import S3MClientFactory
from s3m_grpc.retry import RetryPolicy
from s3m_grpc.transports import FallbackPolicy
from tests.conftest import KEEP_JOBS, TOKEN

DOCS = Path(__file__).resolve().parent / "reference" / "olcf-s3m-docs" / "compute.rst"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@pytest.fixture
async def raw_rest() -> AsyncIterator[Callable[[Handler], Awaitable[str]]]:
    """Start an aiohttp server on 127.0.0.1:0 answering every request with `handler`; its base URL."""
    runners: list[web.AppRunner] = []

    async def start(handler: Handler) -> str:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", handler)
        runner = web.AppRunner(app, shutdown_timeout=0.5)
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
    # No retries unless asked: these tests look at how each single reply is mapped.
    kwargs.setdefault("retry", RetryPolicy.none())
    return S3MClientFactory(url, TOKEN, transport="rest", rest_url=url, **kwargs)


def recorder(reply: Any = None, status: int = 200) -> tuple[list[dict[str, Any]], Handler]:
    """A handler that records each request and answers `reply` (JSON)."""
    seen: list[dict[str, Any]] = []

    async def handler(request: web.Request) -> web.Response:
        seen.append(
            {
                "method": request.method,
                "path": request.path,
                "query": dict(request.query),
                "headers": request.headers.copy(),
                "body": await request.read(),
            }
        )
        return web.json_response(reply if reply is not None else {}, status=status)

    return seen, handler


# -- URLs -------------------------------------------------------------------------------------------


async def test_every_rpc_has_olcfs_url_and_method(raw_rest: Any) -> None:
    seen, handler = recorder({})
    url = await raw_rest(handler)
    async with factory_for(url) as factory:
        stub = factory.create_client(pb.SlurmIndirectStub)
        await stub.ping(Empty())
        await stub.get_diag(Empty())
        await stub.get_job(pb.JobIdReq(job_id="123"))
        await stub.get_jobs(Empty())
        await stub.delete_job(pb.DeleteJobReq(job_id="123"))
        await stub.get_nodes(Empty())
        await stub.get_partitions(Empty())
        await stub.get_reservations(Empty())
    base = "/slurm/open/v0.0.43/defiant/"
    assert [(s["method"], s["path"]) for s in seen] == [
        ("GET", base + "ping"),
        ("GET", base + "diag"),
        ("GET", base + "job/123"),
        ("GET", base + "jobs"),
        ("DELETE", base + "job/123"),
        ("GET", base + "nodes"),
        ("GET", base + "partitions"),
        ("GET", base + "reservations"),
    ]
    assert all(s["query"] == {} and s["body"] == b"" for s in seen)  # no signal: Slurm's default


async def test_without_an_enclave_the_path_has_no_open_segment(raw_rest: Any) -> None:
    seen, handler = recorder({})
    url = await raw_rest(handler)
    async with factory_for(url, enclave=None, resource="odo") as factory:
        await factory.create_client(pb.SlurmIndirectStub).get_job(pb.JobIdReq(job_id="123"))
        await factory.create_client(pb44.SlurmIndirectStub).ping(Empty())
    assert [s["path"] for s in seen] == ["/slurm/v0.0.43/odo/job/123", "/slurm/v0.0.44/odo/ping"]


async def test_delete_puts_signal_and_flags_in_the_query(raw_rest: Any) -> None:
    seen, handler = recorder({"status": []})
    url = await raw_rest(handler)
    async with factory_for(url) as factory:
        await factory.create_client(pb.SlurmIndirectStub).delete_job(
            pb.DeleteJobReq(job_id="123_4", signal="SIGUSR1", flags="BATCH_JOB")
        )
    assert [(s["method"], s["path"], s["query"], s["body"]) for s in seen] == [
        ("DELETE", "/slurm/open/v0.0.43/defiant/job/123_4", {"signal": "SIGUSR1", "flags": "BATCH_JOB"}, b"")
    ]


@pytest.mark.parametrize(
    "request_",
    [
        pb.DeleteJobReq(job_id="../../ping"),
        pb.DeleteJobReq(job_id="1", signal="KILL&flags=x"),
        pb.DeleteJobReq(job_id="1", flags="BATCH_JOB?x=1"),
        pb.DeleteJobReq(job_id=""),
    ],
)
async def test_path_and_query_values_are_checked_before_sending(raw_rest: Any, request_: Any) -> None:
    seen, handler = recorder({})
    url = await raw_rest(handler)
    async with factory_for(url) as factory:
        with pytest.raises(errors.ConfigurationError):
            await factory.create_client(pb.SlurmIndirectStub).delete_job(request_)
    assert seen == []


# -- bodies: exactly OLCF's curl example ------------------------------------------------------------


def docs_curl_body(version: str) -> tuple[str, dict[str, Any]]:
    """(resource, JSON body) of the docs' curl submission example for `version`."""
    text = DOCS.read_text(encoding="utf-8")
    found = re.findall(
        r"curl -X POST.*?/slurm/open/(v0\.0\.4\d)/([a-z]+)/job/submit \\\s*-d '(.*?)'", text, re.DOTALL
    )
    bodies = {v: (resource, orjson.loads(body)) for v, resource, body in found}
    assert set(bodies) >= {"v0.0.43", "v0.0.44"}, "the docs' curl examples moved"
    return bodies[version]


def docs_request(version: str) -> Any:
    """The JobSubmitReq the docs' Python tab builds for `version`."""
    if version == "v0.0.43":
        return pb.JobSubmitReq(
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
    return pb44.JobSubmitReq(
        script="#!/bin/bash\necho Hello World",
        jobs=[
            pb44.JobSubmitReqJobDescription(
                name="my-job",
                account="STF040",
                partition="batch-cpu",
                minimum_nodes=1,
                tasks=1,
                time_limit=pb44.Uint32NoVal(number=60, set=True),
                current_working_directory="/lustre/polis/stf040/scratch/user",
                environment=["PATH=/usr/bin"],
            )
        ],
    )


@pytest.mark.parametrize("version", ["v0.0.43", "v0.0.44"])
async def test_submit_body_is_exactly_the_olcf_curl_payload(raw_rest: Any, version: str) -> None:
    resource, expected = docs_curl_body(version)
    seen, handler = recorder({"job_id": 12345, "step_id": "batch"})  # the docs' response
    url = await raw_rest(handler)
    module = pb if version == "v0.0.43" else pb44
    async with factory_for(url, resource=resource) as factory:
        result = await factory.create_client(module.SlurmIndirectStub).post_job_submit(docs_request(version))
    assert isinstance(result, module.JobSubmitResp)
    assert (result.job_id, result.step_id) == (12345, "batch")
    [sent] = seen
    assert (sent["method"], sent["path"]) == ("POST", f"/slurm/open/{version}/{resource}/job/submit")
    assert orjson.loads(sent["body"]) == expected
    assert sent["headers"]["Authorization"] == TOKEN  # raw, no "Bearer"
    assert sent["headers"]["Content-Type"] == "application/json"
    assert sent["headers"]["User-Agent"].startswith("s3m-grpc/")


# -- headers ----------------------------------------------------------------------------------------


async def test_caller_metadata_travels_as_grpc_metadata_headers(raw_rest: Any) -> None:
    seen, handler = recorder({"job_id": 1})
    url = await raw_rest(handler)
    async with factory_for(url, additional_metadata={"x-project": "stf040"}) as factory:
        stub = factory.create_client(pb.SlurmIndirectStub)
        await stub.ping(Empty(), metadata={"x-forwarded-for": "10.0.0.1", "x-trace": "abc"})
        await stub.post_job_submit(docs_request("v0.0.43"), metadata={"x-s3m-withstorage": "true"})
    ping, submit = (s["headers"] for s in seen)
    assert ping["Grpc-Metadata-x-project"] == "stf040"
    assert ping["Grpc-Metadata-x-forwarded-for"] == "10.0.0.1"
    assert ping["Grpc-Metadata-x-trace"] == "abc"
    assert "X-Forwarded-For" not in ping
    assert "X-Trace" not in ping
    assert "Grpc-Metadata-olcf-resource" not in ping  # the resource is in the path
    assert "Grpc-Metadata-authorization" not in ping
    assert ping["Authorization"] == TOKEN
    assert submit["x-s3m-withstorage"] == "true"  # S3M reads this one as a plain header
    assert "Grpc-Metadata-x-s3m-withstorage" not in submit


@pytest.mark.parametrize(
    "metadata",
    [
        {"host": "evil.example"},
        {"Transfer-Encoding": "chunked"},
        {"content-length": "0"},
        {"connection": "close"},
        {"grpc-timeout": "1S"},
        {"x-ok": "two\r\nlines"},
        {"bad key": "v"},
    ],
)
async def test_metadata_that_would_be_a_raw_header_is_refused(
    raw_rest: Any, metadata: dict[str, str]
) -> None:
    seen, handler = recorder({})
    url = await raw_rest(handler)
    async with factory_for(url) as factory:
        with pytest.raises(errors.ConfigurationError):
            await factory.create_client(pb.SlurmIndirectStub).ping(Empty(), metadata=metadata)
    with pytest.raises(errors.ConfigurationError):
        factory_for(url, additional_metadata=metadata)
    assert seen == []


# -- replies ----------------------------------------------------------------------------------------


async def test_decoding_is_tolerant_as_real_slurm_needs(raw_rest: Any) -> None:
    node = {
        "name": "n1",
        "a_field_from_slurm_26": {"whatever": [1, 2]},  # unknown keys are ignored
        "boot_time": 1763996400,  # a bare number where the contract has a NoVal struct
        "free_mem": None,  # null: unset
        "real_memory": 2**40,  # beyond int32
        "cpus": 64.0,  # an integral float
        "features": "gpu",  # a scalar where an array is expected
    }
    body = {
        "nodes": [node],
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
    assert not betterproto.serialized_on_wire(n.free_mem)  # null: unset
    assert n.features == ["gpu"]
    assert reply.meta.slurm.version.major == "24"
    assert reply.errors == []


async def test_64_bit_integers_written_as_strings_decode(raw_rest: Any) -> None:
    """ProtoJSON (S3M's grpc-gateway) writes int64/uint64 as strings; stubs and views read numbers."""
    replies = {
        "nodes": {
            "nodes": [
                {
                    "name": "n1",
                    "real_memory": "1099511627776",
                    "boot_time": {"set": True, "number": "1763996400"},
                }
            ]
        },
        "jobs": {
            "jobs": [
                {
                    "job_id": "4242",
                    "name": "s",
                    "job_state": ["PENDING"],
                    "submit_time": {"set": True, "number": "1763996400"},
                }
            ]
        },
        "job/4242": {
            "jobs": [
                {
                    "job_id": "4242",
                    "state": {"current": ["COMPLETED"]},
                    "time": {"start": "1763996400", "end": "1763996460", "elapsed": "60"},
                }
            ]
        },
    }

    async def handler(request: web.Request) -> web.Response:
        return web.json_response(replies[request.path.rsplit("/defiant/", 1)[1]])

    url = await raw_rest(handler)
    async with factory_for(url) as factory:
        stub = factory.create_client(pb.SlurmIndirectStub)
        nodes = await stub.get_nodes(Empty())
        jobs = await stub.get_jobs(Empty())
        record = await stub.get_job(pb.JobIdReq(job_id="4242"))
        slurm = Slurm(factory=factory)
        views = await slurm.jobs()
        one = await slurm.job(4242)
    assert nodes.nodes[0].real_memory == 2**40
    assert nodes.nodes[0].boot_time.number == 1763996400
    assert jobs.jobs[0].job_id == 4242
    assert jobs.jobs[0].submit_time.number == 1763996400
    assert (record.jobs[0].time.start, record.jobs[0].time.elapsed) == (1763996400, 60)
    assert [(v.job_id, v.submit_time) for v in views] == [(4242, 1763996400)]
    assert (one.job_id, one.state, one.start_time, one.end_time, one.elapsed) == (
        4242,
        "COMPLETED",
        1763996400,
        1763996460,
        60,
    )


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
        (404, None, {}, errors.NotFound),
        (429, {"errors": []}, {"Retry-After": "12"}, errors.RateLimited),
        (429, {"errors": []}, {"Retry-After": "nan"}, errors.RateLimited),
        (429, {"errors": []}, {"Retry-After": "inf"}, errors.RateLimited),
        (429, {"errors": []}, {"Retry-After": "-Infinity"}, errors.RateLimited),
        (429, None, {"Retry-After": "soon"}, errors.RateLimited),
        (429, {"errors": []}, {}, errors.RateLimited),
        (500, {"errors": [{"error_number": 2090, "description": "boom"}]}, {}, errors.ServerError),
        (502, None, {}, errors.Unavailable),
        (503, {"errors": []}, {}, errors.Unavailable),
        (503, {"errors": [{"error_number": 2017, "description": "Invalid job id"}]}, {}, errors.Unavailable),
        (504, None, {}, errors.DeadlineExceeded),
        (507, None, {}, errors.ServerError),
        (599, {"errors": []}, {}, errors.ServerError),
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
    assert type(caught.value) is cls
    assert caught.value.status_code == status
    assert caught.value.rpc == "GetJob"
    if status == 429:
        wanted = 12.0 if headers.get("Retry-After") == "12" else None  # nan, inf, junk: no wait at all
        assert caught.value.retry_after == wanted  # type: ignore[attr-defined]
    if body and body["errors"]:
        assert caught.value.errors[0].description == body["errors"][0]["description"]
    if body is None:
        assert "Bad Gateway" in str(caught.value)  # an excerpt of what came instead of JSON
        assert "<html>" in str(caught.value)
    assert TOKEN not in str(caught.value)
    assert TOKEN not in repr(caught.value)


@pytest.mark.parametrize("value", ["inf", "nan", "1e400"])
async def test_an_endless_retry_after_is_no_wait_at_all(raw_rest: Any, value: str) -> None:
    answers = iter([429, 200])

    async def handler(request: web.Request) -> web.Response:
        status = next(answers)
        return web.json_response({"pings": []}, status=status, headers={"Retry-After": value})

    url = await raw_rest(handler)
    policy = RetryPolicy(attempts=2, initial=0.01, maximum=0.01)
    async with factory_for(url, retry=policy) as factory:
        reply = await asyncio.wait_for(factory.create_client(pb.SlurmIndirectStub).ping(Empty()), 10)
    assert reply.pings == []
    assert next(answers, "both used") == "both used"


@pytest.mark.parametrize(
    ("payload", "excerpt"),
    [
        (b"<html>proxy login</html>", "proxy login"),
        (b'{"jobs": [{"job_id": 1, "na', '{"jobs"'),
        (b"", "empty body"),
        (b"[1, 2]", "[1, 2]"),
        (b"null", "null"),
        (b"\xff\xfe\x00garbage", "garbage"),
    ],
)
async def test_unusable_200_bodies_are_protocol_errors_with_an_excerpt(
    raw_rest: Any, payload: bytes, excerpt: str
) -> None:
    async def handler(request: web.Request) -> web.Response:
        return web.Response(body=payload, content_type="application/json")

    url = await raw_rest(handler)
    async with factory_for(url) as factory:
        with pytest.raises(errors.ProtocolError) as caught:
            await factory.create_client(pb.SlurmIndirectStub).get_jobs(Empty())
    assert "HTTP 200" in str(caught.value)
    assert excerpt in str(caught.value)
    assert TOKEN not in str(caught.value)


async def test_a_long_non_json_body_is_cut_to_an_excerpt(raw_rest: Any) -> None:
    async def handler(request: web.Request) -> web.Response:
        return web.Response(status=502, text="<p>" + "x" * 100_000 + "</p>", content_type="text/html")

    url = await raw_rest(handler)
    async with factory_for(url) as factory:
        with pytest.raises(errors.Unavailable) as caught:
            await factory.create_client(pb.SlurmIndirectStub).ping(Empty())
    assert "<p>xxx" in str(caught.value)
    assert len(str(caught.value)) < 400


async def test_json_that_does_not_fit_the_message_is_a_protocol_error(raw_rest: Any) -> None:
    async def handler(request: web.Request) -> web.Response:
        return web.json_response({"jobs": [{"job_id": "many"}]})

    url = await raw_rest(handler)
    async with factory_for(url) as factory:
        with pytest.raises(errors.ProtocolError) as caught:
            await factory.create_client(pb.SlurmIndirectStub).get_jobs(Empty())
    assert "JobsResp" in str(caught.value)
    assert "job_id" in str(caught.value)


@pytest.mark.parametrize("body", [None, {"pings": [{"hostname": "elsewhere", "pinged": "UP"}]}])
async def test_redirects_are_not_followed(raw_rest: Any, body: Any) -> None:
    elsewhere, target = recorder({"pings": []})
    target_url = await raw_rest(target)

    async def handler(request: web.Request) -> web.Response:
        # Following would carry the token away.
        location = {"Location": f"{target_url}/elsewhere"}
        if body is None:
            raise web.HTTPFound(location["Location"])
        return web.json_response(body, status=302, headers=location)

    url = await raw_rest(handler)
    async with factory_for(url) as factory:
        with pytest.raises(errors.ProtocolError) as caught:
            await factory.create_client(pb.SlurmIndirectStub).ping(Empty())
    assert "302" in str(caught.value)
    assert elsewhere == []


# -- limits and deadlines ---------------------------------------------------------------------------


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "chunked"])
async def test_max_receive_bytes_is_enforced(raw_rest: Any, declared: bool) -> None:
    limit = 1 << 20  # the smallest limit the factory allows
    nodes = {"nodes": [{"name": f"node{i:05d}", "features": ["x" * 1000]} for i in range(1100)]}
    data = orjson.dumps(nodes)
    assert limit < len(data) < 2 * limit

    async def handler(request: web.Request) -> web.StreamResponse:
        if declared:
            return web.Response(body=data, content_type="application/json")
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        response.enable_chunked_encoding()
        await response.prepare(request)
        for start in range(0, len(data), 4096):
            await response.write(data[start : start + 4096])
        await response.write_eof()
        return response

    url = await raw_rest(handler)
    async with factory_for(url, max_receive_bytes=limit) as small:
        with pytest.raises(errors.ReplyTooLarge) as caught:
            await small.create_client(pb.SlurmIndirectStub).get_nodes(Empty())
    assert caught.value.outcome_unknown  # the server did the work; we refused the answer
    assert caught.value.rpc == "GetNodes"
    async with factory_for(url, max_receive_bytes=len(data)) as exact:
        reply = await exact.create_client(pb.SlurmIndirectStub).get_nodes(Empty())
    assert len(reply.nodes) == 1100


async def test_the_deadline_bounds_a_reply_that_trickles(raw_rest: Any) -> None:
    sent: list[float] = []

    async def trickle(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        response.enable_chunked_encoding()
        await response.prepare(request)
        for byte in b'{"pings": [' + b" " * 200 + b"]}":  # ~40 s at 1 byte per 0.2 s
            await response.write(bytes([byte]))
            sent.append(time.monotonic())
            await asyncio.sleep(0.2)
        return response

    url = await raw_rest(trickle)
    async with factory_for(url) as factory:
        task = asyncio.ensure_future(factory.create_client(pb.SlurmIndirectStub).ping(Empty(), timeout=1))
        try:
            # The 1 s deadline plus the transport's 1 s for cleaning up, with slack for a loaded
            # machine; awaited with a bound, not slept: the point is "about 2 s, not 40 s".
            done, _ = await asyncio.wait({task}, timeout=5)
        finally:
            task.cancel()
        assert done, "a trickling reply held the call past its deadline"
        with pytest.raises(errors.DeadlineExceeded):
            task.result()
    assert len(sent) >= 2  # bytes did arrive: each read succeeded, only the whole call was too slow


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


# -- against the emulator: the same messages as gRPC, and transport="auto" ---------------------------


@pytest.fixture
async def emulator(tmp_path: Path) -> AsyncIterator[Emulator]:
    async with Emulator(
        tokens=[TOKEN], time_scale=0.01, min_job_age=KEEP_JOBS, work_dir=tmp_path / "w"
    ) as emu:
        yield emu


def submit_request(cwd: Path, name: str) -> Any:
    """A job that stays pending (its begin time is an hour away), so that its record stays still."""
    return pb.JobSubmitReq(
        job=pb.JobSubmitReqJobDescription(
            name=name,
            script="#!/bin/bash\ntrue\n",
            begin_time=pb.Uint64NoVal(set=True, number=int(time.time()) + 3600),
            current_working_directory=str(cwd),
            environment=["A=1"],
        )
    )


async def test_rest_stubs_return_the_same_messages_as_grpc(emulator: Emulator, tmp_path: Path) -> None:
    async def everything(transport: str, job_id: int) -> dict[str, Any]:
        async with emulator.factory(transport=transport) as factory:
            stub = factory.create_client(pb.SlurmIndirectStub)
            out = {
                name: await getattr(stub, name)(Empty())
                for name in ("get_partitions", "get_nodes", "get_reservations", "get_jobs", "ping")
            }
            out["get_job"] = await stub.get_job(pb.JobIdReq(job_id=str(job_id)))
            for ping in out["ping"].pings:
                ping.latency = 0  # measured per call
            for message in out.values():
                for stamp in ("last_update", "last_backfill"):  # "now", to the second
                    if hasattr(message, stamp):
                        setattr(message, stamp, pb.Uint64NoVal())
            return out

    async with emulator.factory(transport="grpclib") as factory:
        submitted = await factory.create_client(pb.SlurmIndirectStub).post_job_submit(
            submit_request(tmp_path, "parity")
        )
    grpc = await everything("grpclib", submitted.job_id)
    rest = await everything("rest", submitted.job_id)
    assert grpc["get_jobs"].jobs[0].job_id == submitted.job_id  # the comparison covers a real job
    assert grpc["get_job"].jobs[0].name == "parity"
    for name, message in grpc.items():
        assert type(rest[name]) is type(message), name
        assert rest[name] == message, name


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
