"""schemathesis with S3M's contract against the emulator's REST API: no 5xx, conforming answers."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import requests

from s3m_grpc.emulator import Emulator
from tests.conftest import KEEP_JOBS, TOKEN
from tests.openapi import ERROR_STATUSES, RESOURCES, component_name, contract_document, service
from tests.restfuzz import SAFE_SCRIPT, VERSIONS, defuse, operations, run

EXAMPLES = 50  # per operation and mode; `make fuzz` runs many more


@pytest.fixture(scope="module")
def rest_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    """An emulator on its own thread: schemathesis sends blocking requests from the test's thread."""
    work = tmp_path_factory.mktemp("fuzz-jobs")
    with Emulator(
        tokens=[TOKEN], time_scale=0.01, min_job_age=KEEP_JOBS, work_dir=work
    ).running() as emulator:
        yield emulator


@pytest.mark.parametrize("version", VERSIONS)
def test_fuzzed_requests_get_no_server_error_and_conforming_answers(
    rest_emulator: Emulator, tmp_path: Path, version: str, capsys: pytest.CaptureFixture[str]
) -> None:
    report = run(rest_emulator.rest_url, TOKEN, version, work_dir=str(tmp_path), max_examples=EXAMPLES)
    with capsys.disabled():  # shown even when the test passes
        statuses = dict(sorted(report.statuses.items()))
        print(f"\n{version}: {report.total} cases, statuses {statuses}, {len(report.job_ids)} jobs accepted")
    first = "\n\n".join(report.failures[:3])
    assert not report.failures, f"{len(report.failures)} failures, the first:\n\n{first}"
    # Every operation of the contract was exercised, and both kinds of answer occurred.
    assert len(report.operations()) == len(operations(version)) == 9
    assert report.statuses[200] > 0
    assert report.statuses[400] > 0
    assert not set(report.statuses) - {200, 400, 404}
    assert report.job_ids, "no generated submission was accepted: the job operations only saw 4xx"
    # Submissions (both modes), GetJob and DeleteJob (positive; DeleteJob negative too) got every
    # example; the six operations without parameters one case each (their only one).
    assert report.total >= 5 * EXAMPLES


def test_the_document_is_the_contract() -> None:
    # Built from the published descriptors, not restated: a path per HTTP rule, with S3M's resource.
    for version in VERSIONS:
        document = contract_document(version)
        resource = RESOURCES[version]
        base = f"/slurm/{version}/{resource}"
        routes = ("ping", "diag", "job/{job_id}", "jobs", "job/submit", "nodes", "partitions", "reservations")
        assert set(document["paths"]) == {f"{base}/{route}" for route in routes}
        delete = document["paths"][f"{base}/job/{{job_id}}"]["delete"]
        assert [(p["name"], p["in"], p["required"]) for p in delete["parameters"]] == [
            ("job_id", "path", True),
            ("signal", "query", False),
            ("flags", "query", False),
        ]
        submit = document["paths"][f"{base}/job/submit"]["post"]
        request = service(version).FindMethodByName("PostJobSubmit").input_type
        ref = submit["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        body = document["components"]["schemas"][ref.rsplit("/", 1)[1]]
        assert ref.endswith(component_name(request))
        assert list(body["properties"]) == [f.json_name for f in request.fields]
        job = body["properties"]["job"]
        assert job["additionalProperties"] is False
        assert len(job["properties"]) == 38
        assert set(submit["responses"]) == {"200", *ERROR_STATUSES}
    assert list(contract_document("v0.0.44")["components"]["schemas"]["v0044JobSubmitReq"]["properties"]) == [
        "script",
        "jobs",
        "job",
    ]


def test_defuse_confines_every_job_form_and_every_script(tmp_path: Path) -> None:
    work = str(tmp_path)
    job = {
        "script": "#!/usr/bin/env python3\nimport os\nos.system('touch /tmp/owned')\n",
        "current_working_directory": "/",
        "standard_output": "/etc/out-%j",
        "standard_error": "relative.err",
        "standard_input": "/some/fifo",
        "environment": ["PATH=/bin", "BASH_ENV=/tmp/x", "BASH_FUNC_exit%%=() { :; }", "LD_PRELOAD=/x.so"],
    }
    component = {"name": "no script here"}
    case = SimpleNamespace(body={"script": "touch /tmp/owned\n", "job": job, "jobs": [component, 7]})
    defuse(case, work)
    body: Any = case.body
    for description in (body["job"], body["jobs"][0]):
        assert description["current_working_directory"] == work
    assert body["job"]["standard_output"] == body["job"]["standard_error"] == f"{work}/fuzz-%j.out"
    assert body["job"]["standard_input"] == "/dev/null"
    assert body["job"]["environment"] == ["PATH=/bin"]
    # The fuzzed text stays as data after the exit; a script without a shebang is run by bash too.
    assert body["job"]["script"] == SAFE_SCRIPT + "import os\nos.system('touch /tmp/owned')\n"
    assert body["script"] == SAFE_SCRIPT + "touch /tmp/owned\n"
    assert body["jobs"][1] == 7
    assert "script" not in component


def test_the_harness_reports_a_nonconforming_answer(rest_emulator: Emulator, tmp_path: Path) -> None:
    # Demand a property the emulator never sends: the conformance check must notice.
    document = contract_document("v0.0.43")
    schema = document["components"]["schemas"]["v0043PingResp"]
    schema["properties"]["no_such_property"] = {"type": "string"}
    schema["required"] = ["no_such_property"]
    report = run(
        rest_emulator.rest_url,
        TOKEN,
        "v0.0.43",
        work_dir=str(tmp_path),
        max_examples=1,
        modes=("positive",),
        document=document,
    )
    assert any("ping" in failure and "no_such_property" in failure for failure in report.failures)


def test_the_harness_reports_a_server_error(tmp_path: Path) -> None:
    with Emulator(tokens=[TOKEN], faults=["Ping:error"], work_dir=tmp_path / "w").running() as emulator:
        report = run(
            emulator.rest_url, TOKEN, "v0.0.43", work_dir=str(tmp_path), max_examples=1, modes=("positive",)
        )
    pings = [failure for failure in report.failures if re.search(r"GET \S+/ping: Server error", failure)]
    assert pings, report.failures


def test_the_harness_reports_an_unanswered_request_and_stops_sending(tmp_path: Path) -> None:
    with Emulator(tokens=[TOKEN], faults=["Ping:drop"], work_dir=tmp_path / "w").running() as emulator:
        report = run(
            emulator.rest_url, TOKEN, "v0.0.43", work_dir=str(tmp_path), max_examples=5, modes=("positive",)
        )
    assert report.unanswered
    assert [f for f in report.failures if re.search(r"GET \S+/ping: no answer", f)], report.failures
    assert not any("/reservations" in label for label in report.cases)  # nothing sent after it


@pytest.mark.parametrize("job_id", ["³", "١٢", "\uff11\uff12"])  # superscript, Arabic-Indic, full-width
def test_unicode_digits_in_a_job_id_are_a_bad_request_not_a_crash(
    rest_emulator: Emulator, job_id: str
) -> None:
    # Found by `make fuzz`: str.isdigit() accepts these, int() refused '³', and the emulator answered 500.
    for method in ("GET", "DELETE"):
        response = requests.request(
            method,
            f"{rest_emulator.rest_url}/slurm/v0.0.43/defiant/job/{job_id}",
            headers={"Authorization": TOKEN},
            timeout=10,
        )
        assert response.status_code == 400, (method, response.text)
        assert response.json()["errors"][0]["error_number"] == 2017
