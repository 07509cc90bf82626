"""The emulator's REST API: every answer validates against S3M's contract; auth, routing, faults.

Every response the ``http`` fixture's client receives (successes and error bodies alike) is checked
against ``tests.contract_schema.message_schema`` for the response message of the RPC its path names,
in the path's API version: JSON keyed by the contract's json names, no key the message lacks
(``additionalProperties: false``), and Slurm's own enums (job and node states, flags) where S3M's
field coincides with SchedMD's. A test fails at the first answer that does not conform.
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import json
import re
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest

from s3m_grpc.emulator import Emulator
from s3m_grpc.rpc import BY_NAME, RESOURCE_VERSIONS, VERSIONS
from tests.conftest import KEEP_JOBS, TOKEN
from tests.contract_schema import message_schema

READONLY = "s3m-test-readonly-Zp3Q"
#: (resource, version) pairs as OLCF publishes them: every version, and every resource.
PUBLISHED = [(r, v) for r, versions in RESOURCE_VERSIONS.items() for v in versions]
SHORT_PATHS = re.compile(r"^/slurm/(?:open/)?(?P<version>[^/]+)/(?P<resource>[^/]+)/(?P<rest>.*?)/?$")


@functools.cache
def validator(version: str, rpc: str) -> jsonschema.Draft7Validator:
    message = getattr(VERSIONS[version].upb, BY_NAME[rpc].response)
    return jsonschema.Draft7Validator(message_schema(message.DESCRIPTOR, version))


def rpc_of(method: str, rest: str) -> str:
    """The RPC a REST path is routed to (S3M's HTTP rules)."""
    if method == "POST":
        return "PostJobSubmit"
    if method == "DELETE":
        return "DeleteJob"
    if rest.startswith("job/"):
        return "GetJob"
    return {
        "ping": "Ping",
        "diag": "GetDiag",
        "jobs": "GetJobs",
        "nodes": "GetNodes",
        "partitions": "GetPartitions",
        "reservations": "GetReservations",
    }[rest]


def problems(method: str, url_path: str, body: Any) -> list[str]:
    """Schema violations of one answer, as 'json/path: message' lines."""
    match = SHORT_PATHS.match(url_path)
    assert match is not None, url_path
    version = match["version"] if match["version"] in VERSIONS else "v0.0.43"  # an unknown version's
    found = validator(version, rpc_of(method, match["rest"])).iter_errors(body)
    return sorted(f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message[:200]}" for e in found)


class Checked:
    """Validates every JSON answer the client receives; what is not JSON must be expected."""

    def __init__(self) -> None:
        self.checked = 0
        self.not_json = 0
        self.failures: list[str] = []

    async def __call__(self, response: httpx.Response) -> None:
        await response.aread()
        request = response.request
        assert TOKEN not in response.text, "the token came back in an answer"
        try:
            body = json.loads(response.content)
        except ValueError:
            self.not_json += 1
            return
        found = problems(request.method, request.url.path, body)
        self.checked += 1
        if found:
            self.failures.append(
                f"{request.method} {request.url.path} -> {response.status_code}:\n  "
                + "\n  ".join(found[:10])
            )
        assert not found, self.failures[-1]  # fail the test at the call that got this answer


@pytest.fixture
async def emulator(tmp_path: Path) -> AsyncIterator[Emulator]:
    async with Emulator(
        tokens=[TOKEN],
        readonly_tokens=[READONLY],
        time_scale=0.01,
        min_job_age=KEEP_JOBS,
        work_dir=tmp_path / "w",
    ) as emu:
        yield emu


@pytest.fixture
def checked() -> Checked:
    return Checked()


@pytest.fixture
async def http(emulator: Emulator, checked: Checked) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        base_url=emulator.rest_url,
        headers={"Authorization": TOKEN},
        timeout=10,
        event_hooks={"response": [checked]},
    ) as c:
        yield c


def submission(version: str, script: str, **job: Any) -> dict[str, Any]:
    """A JobSubmitReq body: v0.0.44 in OLCF's form (top-level script, jobs[1]), else job with its script."""
    if version == "v0.0.44":
        return {"script": script, "jobs": [job]}
    return {"job": {**job, "script": script}}


async def until(http: httpx.AsyncClient, url: str, states: set[str], timeout: float = 20) -> dict[str, Any]:
    """Poll GetJob until the record's current state is one of `states`."""
    deadline = time.monotonic() + timeout
    while True:
        reply = await http.get(url)
        assert reply.status_code == 200, reply.text
        job: dict[str, Any] = reply.json()["jobs"][0]
        if job["state"]["current"][0] in states:
            return job
        assert time.monotonic() < deadline, f"{url} still {job['state']}"
        await asyncio.sleep(0.05)


def test_the_schemas_are_strict() -> None:
    """The validation can fail: unknown keys, wrong types and states that are not Slurm's."""
    good = {"jobs": [{"job_id": 1, "job_state": ["RUNNING"], "last_sched_evaluation": {"number": "17"}}]}
    assert problems("GET", "/slurm/v0.0.43/defiant/jobs", good) == []
    for bad in (
        {"jobs": [{"job_state": ["RUNNIN"]}]},
        {"jobs": [{"hold": "yes"}]},
        {"jobs": [{"job_id": -1}]},
        {"jobs": [{"stdout_expanded": "/x"}]},  # GetJob's record has it; GetJobs' entries do not
        {"jobs": [], "cluster": "defiant"},
        {"meta": {"slurm": {"cluster": "defiant"}}},
    ):
        assert problems("GET", "/slurm/v0.0.43/defiant/jobs", bad), bad
    assert problems("GET", "/slurm/v0.0.42/defiant/job/1", {"jobs": [{"group": "x"}]})  # v0.0.42: gruop
    assert problems("GET", "/slurm/v0.0.44/odo/job/1", {"jobs": [{"gruop": "x"}]})


@pytest.mark.parametrize(("resource", "version"), PUBLISHED)
@pytest.mark.parametrize("enclave", [False, True], ids=["plain", "open"])
async def test_every_endpoint_answers_in_the_contracts_shape(
    http: httpx.AsyncClient, checked: Checked, tmp_path: Path, resource: str, version: str, enclave: bool
) -> None:
    base = f"/slurm/{'open/' if enclave else ''}{version}/{resource}"
    for path in ("ping", "partitions", "reservations", "diag", "nodes", "jobs"):
        reply = await http.get(f"{base}/{path}")
        assert reply.status_code == 200, reply.text
    env = {"current_working_directory": str(tmp_path), "environment": ["PATH=/usr/bin:/bin"]}
    reply = await http.post(f"{base}/job/submit", json=submission(version, "#!/bin/bash\necho done\n", **env))
    assert reply.status_code == 200, reply.text
    finished_id = reply.json()["job_id"]
    finished = await until(http, f"{base}/job/{finished_id}", {"COMPLETED"})
    assert finished["stdout_expanded"] == str(tmp_path / f"slurm-{finished_id}.out")
    assert (tmp_path / f"slurm-{finished_id}.out").read_text() == "done\n"
    sleeper = submission(
        version,
        "#!/bin/bash\nsleep 300\n",
        name="spec",
        tasks=2,
        time_limit={"number": 5, "set": True},
        **env,
    )
    reply = await http.post(f"{base}/job/submit", json=sleeper)
    assert reply.status_code == 200, reply.text
    assert reply.json()["step_id"] == "batch"
    job_id = reply.json()["job_id"]
    await until(http, f"{base}/job/{job_id}", {"RUNNING"})
    for path in (f"job/{job_id}", "jobs", "nodes", "diag"):  # with a job running, which fills most fields
        reply = await http.get(f"{base}/{path}")
        assert reply.status_code == 200, reply.text
    listing = {j["job_id"]: j for j in (await http.get(f"{base}/jobs")).json()["jobs"]}
    assert listing[job_id]["job_state"] == ["RUNNING"]
    assert "job_resources" in listing[job_id]
    assert listing[finished_id]["job_state"] == ["COMPLETED"]
    reply = await http.delete(f"{base}/job/{job_id}", params={"signal": "SIGTERM"})
    assert reply.status_code == 200, reply.text
    assert reply.json()["warnings"] == []
    cancelled = await until(http, f"{base}/job/{job_id}", {"CANCELLED", "FAILED", "COMPLETED"})
    assert cancelled["state"]["current"] == ["CANCELLED"]
    assert cancelled["exit_code"]["signal"]["name"] == "SIGTERM"
    reply = await http.get(f"{base}/jobs")
    assert reply.status_code == 200
    assert checked.checked >= 16
    assert checked.not_json == 0


@pytest.mark.parametrize(
    ("resource", "version"), [("defiant", "v0.0.42"), ("defiant", "v0.0.43"), ("odo", "v0.0.44")]
)
async def test_cancelling_a_finished_job_succeeds_with_a_warning(
    http: httpx.AsyncClient, tmp_path: Path, resource: str, version: str
) -> None:
    """slurmrestd answers ESLURM_ALREADY_DONE with 200 and a warning, not an error; so does S3M."""
    base = f"/slurm/{version}/{resource}"
    env = {"current_working_directory": str(tmp_path), "environment": ["A=1"]}
    job_id = (
        await http.post(f"{base}/job/submit", json=submission(version, "#!/bin/sh\ntrue\n", **env))
    ).json()["job_id"]
    await until(http, f"{base}/job/{job_id}", {"COMPLETED"})
    reply = await http.delete(f"{base}/job/{job_id}")
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["errors"] == []
    assert len(body["warnings"]) == 1
    assert str(job_id) in body["warnings"][0]["description"]
    assert body["status"][0]["error"]["code"] == 2021
    assert body["status"][0]["job_id"]["number"] == job_id
    assert (await until(http, f"{base}/job/{job_id}", {"COMPLETED"}))["state"]["current"] == ["COMPLETED"]


ERROR_CASES = [
    # (method, path under the base, JSON body or raw bytes, HTTP status, Slurm error number)
    ("GET", "job/999999", None, 404, 2017),
    ("GET", "job/not-a-number", None, 400, 2017),
    ("DELETE", "job/999999", None, 404, 2017),
    ("POST", "job/submit", {"job": {"partition": "nope", "script": "#!/bin/sh\n"}}, 400, 2000),
    ("POST", "job/submit", {"job": {"name": "x"}}, 400, 2009),
    ("POST", "job/submit", {"job": {"script": "#!/bin/sh\n", "time_limit": 99999}}, 400, 2051),
    ("POST", "job/submit", {"job": {"script": "#!/bin/sh\n", "minimum_nodes": 99}}, 400, 2006),
    ("POST", "job/submit", b"{not json", 400, 9001),
    ("POST", "job/submit", {"job": {"tasks": "many"}}, 400, 9001),
    ("POST", "job/submit", {"job": {"script": "#!/bin/sh\n", "dependency": "afterok:1"}}, 400, 9001),
    ("POST", "job/submit", {"job": {"script": "#!/bin/sh\n", "hold": True}}, 400, 9001),
    ("POST", "job/submit", {"job": {"script": "#!/bin/sh\n"}, "nonsense": 1}, 400, 9001),
]


@pytest.mark.parametrize(
    ("resource", "version"), [("defiant", "v0.0.42"), ("defiant", "v0.0.43"), ("odo", "v0.0.44")]
)
async def test_error_bodies_are_in_the_contracts_shape_too(
    emulator: Emulator, http: httpx.AsyncClient, resource: str, version: str
) -> None:
    base = f"/slurm/{version}/{resource}"
    for method, path, body, status, number in ERROR_CASES:
        kwargs: dict[str, Any] = {}
        if isinstance(body, bytes):
            kwargs["content"] = body
        elif body is not None:
            kwargs["json"] = body
        reply = await http.request(method, f"{base}/{path}", **kwargs)
        assert reply.status_code == status, (path, body, reply.text)
        answer = reply.json()
        assert answer["errors"][0]["error_number"] == number, (path, body, answer)
        if isinstance(body, dict) and "dependency" in json.dumps(body):
            assert "dependency" in answer["errors"][0]["description"]  # names the field S3M lacks
    reply = await http.get(f"{base}/nodes", headers={"Authorization": "wrong"})
    assert (reply.status_code, reply.json()["errors"][0]["error_number"]) == (401, 9008)
    assert emulator.scheduler(resource).jobs == {}  # nothing refused was queued


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (
            {"script": "#!/bin/sh\n", "jobs": [{"environment": ["A=1"]}, {"environment": ["A=1"]}]},
            "heterogeneous",
        ),
        ({"job": {"script": "#!/bin/sh\n"}, "jobs": [{"environment": ["A=1"]}]}, "not both"),
        ({"script": "#!/bin/sh\n", "jobs": [{"dependency": "afterok:1"}]}, "dependency"),
    ],
    ids=["two_components", "job_and_jobs", "unknown_field_in_jobs"],
)
async def test_v0044_submissions_that_cannot_run_are_refused(
    emulator: Emulator, http: httpx.AsyncClient, body: dict[str, Any], says: str
) -> None:
    reply = await http.post("/slurm/v0.0.44/odo/job/submit", json=body)
    assert reply.status_code == 400, reply.text
    error = reply.json()["errors"][0]
    assert (error["error_number"], says in error["description"]) == (9001, True), error
    assert emulator.scheduler("odo").jobs == {}


async def test_v0044_job_field_with_its_own_script_runs(http: httpx.AsyncClient, tmp_path: Path) -> None:
    body = {"job": {"script": "#!/bin/sh\necho mine\n", "current_working_directory": str(tmp_path)}}
    reply = await http.post("/slurm/v0.0.44/odo/job/submit", json=body)
    assert reply.status_code == 200, reply.text
    job_id = reply.json()["job_id"]
    assert (await until(http, f"/slurm/v0.0.44/odo/job/{job_id}", {"COMPLETED"}))["group"]
    assert (tmp_path / f"slurm-{job_id}.out").read_text() == "mine\n"


async def test_resources_and_versions_as_olcf_publishes_them(http: httpx.AsyncClient) -> None:
    offered = set(PUBLISHED)
    assert offered == {
        ("defiant", "v0.0.42"),
        ("defiant", "v0.0.43"),
        ("odo", "v0.0.43"),
        ("odo", "v0.0.44"),
        ("wombat", "v0.0.42"),
        ("quokka", "v0.0.42"),
    }
    for resource, version in itertools.product(
        ("defiant", "odo", "wombat", "quokka", "frontier"), ("v0.0.42", "v0.0.43", "v0.0.44")
    ):
        reply = await http.get(f"/slurm/{version}/{resource}/ping")
        assert reply.status_code == (200 if (resource, version) in offered else 404), (resource, version)
        body = reply.json()
        if reply.status_code == 200:
            assert [p["hostname"] for p in body["pings"]] == [f"{resource}-slurmctld"]
            assert body["meta"]["plugin"]["data_parser"] == f"data_parser/{version}"
            continue
        error = body["errors"][0]
        assert error["error_number"] == 9007
        if resource == "frontier":
            assert "defiant, odo, quokka, wombat" in error["description"]  # names the valid ones
        else:
            assert ", ".join(RESOURCE_VERSIONS[resource]) in error["description"]  # names what it offers
    reply = await http.get("/slurm/v0.0.41/defiant/ping")
    assert (reply.status_code, reply.json()["errors"][0]["error_number"]) == (404, 9007)


async def test_auth(emulator: Emulator, checked: Checked, tmp_path: Path) -> None:
    base = f"{emulator.rest_url}/slurm/v0.0.43/defiant"
    job = {
        "job": {
            "script": "#!/bin/sh\ntrue\n",
            "current_working_directory": str(tmp_path),
            "environment": ["A=1"],
        }
    }
    async with httpx.AsyncClient(timeout=10, event_hooks={"response": [checked]}) as http:
        assert (await http.get(f"{base}/ping")).status_code == 401
        bearer = {"Authorization": f"Bearer {TOKEN}"}  # S3M takes the bare token
        assert (await http.get(f"{base}/ping", headers=bearer)).status_code == 401
        readonly = {"Authorization": READONLY}
        assert (await http.get(f"{base}/jobs", headers=readonly)).status_code == 200
        denied = await http.post(f"{base}/job/submit", json=job, headers=readonly)
        assert denied.status_code == 403
        assert denied.json()["errors"][0]["error"] == "Access/permission denied"
        assert (await http.delete(f"{base}/job/1001", headers=readonly)).status_code == 403
        assert emulator.scheduler().jobs == {}
        ok = await http.post(f"{base}/job/submit", json=job, headers={"Authorization": TOKEN})
        assert ok.status_code == 200
    assert checked.checked == 6
    assert checked.failures == []


@pytest.mark.parametrize(
    ("fault", "status", "number"),
    [("unavailable", 503, 1800), ("error", 500, 2090), ("status:code=7", 403, 0), ("rate_limit", 429, 2050)],
)
@pytest.mark.parametrize(("rpc", "path"), [("GetNodes", "nodes"), ("GetJob", "job/1001"), ("Ping", "ping")])
async def test_injected_http_errors(
    emulator: Emulator, http: httpx.AsyncClient, fault: str, status: int, number: int, rpc: str, path: str
) -> None:
    kind, _, options = fault.partition(":")
    emulator.faults.add(f"{rpc}:{kind}:protocol=rest{',' + options if options else ''}")
    reply = await http.get(f"/slurm/v0.0.43/defiant/{path}")  # validated as the RPC's answer
    assert reply.status_code == status
    assert reply.json()["errors"][0]["error_number"] == number
    other = "diag"
    assert (await http.get(f"/slurm/v0.0.43/defiant/{other}")).status_code == 200  # other RPCs untouched
    grpc_only = emulator.faults.add("GetDiag:error:protocol=grpc")
    assert (await http.get("/slurm/v0.0.43/defiant/diag")).status_code == 200  # not REST's fault
    assert grpc_only.injected == 0


async def test_rate_limit_sends_retry_after(emulator: Emulator, http: httpx.AsyncClient) -> None:
    emulator.faults.add("Ping:rate_limit:retry_after=7,times=1")
    reply = await http.get("/slurm/v0.0.43/defiant/ping")
    assert (reply.status_code, reply.headers["Retry-After"]) == (429, "7")
    assert (await http.get("/slurm/v0.0.43/defiant/ping")).status_code == 200  # times=1


async def test_latency(emulator: Emulator, http: httpx.AsyncClient) -> None:
    fault = emulator.faults.add("Ping:latency:seconds=0.4,protocol=rest")
    with pytest.raises(httpx.TimeoutException):
        await http.get("/slurm/v0.0.43/defiant/ping", timeout=0.1)
    started = time.monotonic()
    assert (await http.get("/slurm/v0.0.43/defiant/ping")).status_code == 200
    assert time.monotonic() - started >= 0.4  # slow, but answered
    assert (await http.get("/slurm/v0.0.43/defiant/diag")).status_code == 200
    assert fault.injected == 2  # only Ping is slowed


async def test_malformed_and_truncated_bodies(
    emulator: Emulator, http: httpx.AsyncClient, checked: Checked
) -> None:
    emulator.faults.add("GetJobs:malformed:times=1")
    emulator.faults.add("GetPartitions:truncated:times=1")
    for path in ("jobs", "partitions"):
        reply = await http.get(f"/slurm/v0.0.43/defiant/{path}")
        assert reply.status_code == 200
        with pytest.raises(json.JSONDecodeError):
            reply.json()
    assert checked.not_json == 2
    for path in ("jobs", "partitions"):  # times=1: then whole again
        assert (await http.get(f"/slurm/v0.0.43/defiant/{path}")).status_code == 200
    assert checked.checked == 2


async def test_dropped_connection_and_accept_then_drop(
    emulator: Emulator, http: httpx.AsyncClient, tmp_path: Path
) -> None:
    emulator.faults.add("GetDiag:drop:times=1")
    with pytest.raises(httpx.TransportError):
        await http.get("/slurm/v0.0.43/defiant/diag")
    assert emulator.scheduler().rpc_counts.get("REQUEST_STATS_INFO") is None  # dropped before the work
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
