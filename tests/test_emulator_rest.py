"""The emulator's REST API: every response validates against SchedMD's spec; auth, routing, faults."""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from s3m_grpc.emulator import Emulator
from tests import openapi
from tests.conftest import TOKEN

VERSIONS = ("v0.0.43", "v0.0.42")
READONLY = "s3m-test-readonly-Zp3Q"


@pytest.fixture
async def emulator(tmp_path: Path) -> AsyncIterator[Emulator]:
    async with Emulator(
        tokens=[TOKEN], readonly_tokens=[READONLY], time_scale=0.01, work_dir=tmp_path / "w"
    ) as emu:
        yield emu


@pytest.fixture
async def http(emulator: Emulator) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        base_url=emulator.rest_url, headers={"Authorization": TOKEN}, timeout=10
    ) as c:
        yield c


def valid(version: str, schema: str, body: Any) -> None:
    package = "v00" + version.rsplit(".", 1)[1]
    problems = openapi.errors(package, schema, body)
    assert problems == [], "\n".join(problems[:10])


async def job_state(http: httpx.AsyncClient, base: str, job_id: int) -> dict[str, Any]:
    reply = await http.get(f"{base}/job/{job_id}")
    assert reply.status_code == 200, reply.text
    return reply.json()["jobs"][0]  # type: ignore[no-any-return]


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("enclave", [False, True])
async def test_every_endpoint_validates_against_the_spec(
    http: httpx.AsyncClient, tmp_path: Path, version: str, enclave: bool
) -> None:
    base = f"/slurm/{'open/' if enclave else ''}{version}/defiant"
    for path, schema in [
        ("ping", "openapi_ping_array_resp"),
        ("partitions", "openapi_partition_resp"),
        ("reservations", "openapi_reservation_resp"),
        ("diag", "openapi_diag_resp"),
    ]:
        reply = await http.get(f"{base}/{path}")
        assert reply.status_code == 200, reply.text
        valid(version, schema, reply.json())
    submit = {
        "job": {
            "name": "spec",
            "partition": "debug",
            "minimum_nodes": 1,
            "tasks": 2,
            "time_limit": {"number": 5, "set": True},
            "current_working_directory": str(tmp_path),
            "environment": ["PATH=/usr/bin:/bin"],
            "script": "#!/bin/bash\nsleep 300\n",
        }
    }
    reply = await http.post(f"{base}/job/submit", json=submit)
    assert reply.status_code == 200, reply.text
    valid(version, "openapi_job_submit_response", reply.json())
    job_id = reply.json()["job_id"]
    for _ in range(100):  # until it runs: a running job has job_resources, which the spec constrains most
        if (await job_state(http, base, job_id))["job_state"] == ["RUNNING"]:
            break
        await asyncio.sleep(0.05)
    for path, schema in [
        (f"job/{job_id}", "openapi_job_info_resp"),
        ("jobs", "openapi_job_info_resp"),
        ("nodes", "openapi_nodes_resp"),
    ]:
        reply = await http.get(f"{base}/{path}")
        assert reply.status_code == 200, reply.text
        valid(version, schema, reply.json())
    assert "job_resources" in (await job_state(http, base, job_id))
    reply = await http.delete(f"{base}/job/{job_id}", params={"signal": "SIGTERM"})
    assert reply.status_code == 200, reply.text
    valid(version, "openapi_kill_job_resp", reply.json())
    for _ in range(100):
        if (finished := await job_state(http, base, job_id))["job_state"] != ["RUNNING"]:
            break
        await asyncio.sleep(0.05)
    assert finished["job_state"] == ["CANCELLED"]
    valid(version, "openapi_job_info_resp", (await http.get(f"{base}/jobs")).json())
    if version == "v0.0.43":
        assert "stdout_expanded" in finished
    else:
        assert "stdout_expanded" not in finished  # v0.0.42 has no such field


@pytest.mark.parametrize("version", VERSIONS)
async def test_error_bodies_validate_too(emulator: Emulator, http: httpx.AsyncClient, version: str) -> None:
    base = f"/slurm/{version}/defiant"
    cases = [
        (http.get(f"{base}/job/999999"), 404, "openapi_job_info_resp", 2017),
        (http.get(f"{base}/job/not-a-number"), 400, "openapi_job_info_resp", 2017),
        (http.delete(f"{base}/job/999999"), 404, "openapi_kill_job_resp", 2017),
        (
            http.post(f"{base}/job/submit", json={"job": {"partition": "nope", "script": "#!/bin/sh\n"}}),
            400,
            "openapi_job_submit_response",
            2000,
        ),
        (
            http.post(f"{base}/job/submit", json={"job": {"name": "x"}}),
            400,
            "openapi_job_submit_response",
            2009,
        ),
        (http.post(f"{base}/job/submit", content=b"{not json"), 400, "openapi_job_submit_response", 9001),
        (
            http.post(f"{base}/job/submit", json={"job": {"tasks": "many"}}),
            400,
            "openapi_job_submit_response",
            9001,
        ),
        (http.get(f"{base}/nodes", headers={"Authorization": "wrong"}), 401, "openapi_nodes_resp", 9008),
    ]
    for request, status, schema, number in cases:
        reply = await request
        assert reply.status_code == status, reply.text
        body = reply.json()
        valid(version, schema, body)
        assert body["errors"][0]["error_number"] == number
        assert TOKEN not in reply.text


async def test_resources_and_versions_as_olcf_publishes_them(http: httpx.AsyncClient) -> None:
    offered = {
        ("defiant", "v0.0.42"),
        ("defiant", "v0.0.43"),
        ("odo", "v0.0.43"),
        ("wombat", "v0.0.42"),
        ("quokka", "v0.0.42"),
    }
    for resource, version in itertools.product(
        ("defiant", "odo", "wombat", "quokka", "frontier"), ("v0.0.42", "v0.0.43", "v0.0.44")
    ):
        reply = await http.get(f"/slurm/{version}/{resource}/ping")
        assert reply.status_code == (200 if (resource, version) in offered else 404), (resource, version)
        if reply.status_code == 404:
            assert reply.json()["errors"][0]["error_number"] == 9007
        else:
            assert reply.json()["meta"]["slurm"]["cluster"] == resource


async def test_auth(emulator: Emulator, tmp_path: Path) -> None:
    base = f"{emulator.rest_url}/slurm/v0.0.43/defiant"
    job = {
        "job": {
            "script": "#!/bin/sh\ntrue\n",
            "current_working_directory": str(tmp_path),
            "environment": ["A=1"],
        }
    }
    async with httpx.AsyncClient(timeout=10) as http:
        assert (await http.get(f"{base}/ping")).status_code == 401
        assert (
            await http.get(f"{base}/ping", headers={"Authorization": f"Bearer {TOKEN}"})
        ).status_code == 401
        readonly = {"Authorization": READONLY}
        assert (await http.get(f"{base}/jobs", headers=readonly)).status_code == 200
        denied = await http.post(f"{base}/job/submit", json=job, headers=readonly)
        assert denied.status_code == 403
        assert denied.json()["errors"][0]["error"] == "Access/permission denied"
        assert (await http.delete(f"{base}/job/1001", headers=readonly)).status_code == 403
        ok = await http.post(f"{base}/job/submit", json=job, headers={"Authorization": TOKEN})
        assert ok.status_code == 200


@pytest.mark.parametrize(("fault", "status"), [("unavailable", 503), ("error", 500), ("status:code=7", 403)])
async def test_injected_http_errors(
    emulator: Emulator, http: httpx.AsyncClient, fault: str, status: int
) -> None:
    kind, _, options = fault.partition(":")
    emulator.faults.add(f"GetNodes:{kind}:protocol=rest{',' + options if options else ''}")
    reply = await http.get("/slurm/v0.0.43/defiant/nodes")
    assert reply.status_code == status
    valid("v0.0.43", "openapi_nodes_resp", reply.json())
    assert (await http.get("/slurm/v0.0.43/defiant/ping")).status_code == 200  # other RPCs untouched


async def test_rate_limit_sends_retry_after(emulator: Emulator, http: httpx.AsyncClient) -> None:
    emulator.faults.add("Ping:rate_limit:retry_after=7,times=1")
    reply = await http.get("/slurm/v0.0.43/defiant/ping")
    assert (reply.status_code, reply.headers["Retry-After"]) == (429, "7")
    assert (await http.get("/slurm/v0.0.43/defiant/ping")).status_code == 200  # times=1


async def test_malformed_and_truncated_bodies(emulator: Emulator, http: httpx.AsyncClient) -> None:
    emulator.faults.add("GetJobs:malformed:times=1")
    emulator.faults.add("GetPartitions:truncated:times=1")
    for path in ("jobs", "partitions"):
        reply = await http.get(f"/slurm/v0.0.43/defiant/{path}")
        assert reply.status_code == 200
        with pytest.raises(json.JSONDecodeError):
            reply.json()


async def test_dropped_connection_and_accept_then_drop(
    emulator: Emulator, http: httpx.AsyncClient, tmp_path: Path
) -> None:
    emulator.faults.add("GetDiag:drop:times=1")
    with pytest.raises(httpx.TransportError):
        await http.get("/slurm/v0.0.43/defiant/diag")
    emulator.faults.add("PostJobSubmit:accept_then_drop:times=1")
    job = {
        "job": {
            "name": "dropped",
            "script": "#!/bin/sh\ntrue\n",
            "current_working_directory": str(tmp_path),
            "environment": ["A=1"],
        }
    }
    with pytest.raises(httpx.TransportError):
        await http.post("/slurm/v0.0.43/defiant/job/submit", json=job)
    jobs = (await http.get("/slurm/v0.0.43/defiant/jobs")).json()["jobs"]
    assert [j["name"] for j in jobs] == ["dropped"]  # accepted, although the client never heard so
