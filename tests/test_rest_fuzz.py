"""schemathesis with SchedMD's OpenAPI specs against the emulator's REST API: no 5xx, conforming answers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from s3m_grpc.emulator import Emulator
from tests.conftest import KEEP_JOBS, TOKEN
from tests.openapi import dotted
from tests.restfuzz import OPERATIONS, fuzz_spec, run

EXAMPLES = 25  # per operation and mode; `make fuzz` runs many more


@pytest.fixture(scope="module")
def rest_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    """An emulator on its own thread: schemathesis sends blocking requests from the test's thread."""
    work = tmp_path_factory.mktemp("fuzz-jobs")
    with Emulator(
        tokens=[TOKEN], time_scale=0.01, min_job_age=KEEP_JOBS, work_dir=work
    ).running() as emulator:
        yield emulator


@pytest.mark.parametrize("version", ["v0043", "v0042"])
def test_fuzzed_requests_get_no_server_error_and_conforming_answers(
    rest_emulator: Emulator, tmp_path: Path, version: str
) -> None:
    report = run(rest_emulator.rest_url, TOKEN, version, work_dir=str(tmp_path), max_examples=EXAMPLES)
    print(f"{version}: {report.total} cases, statuses {dict(report.statuses)}")
    assert report.failures == []
    # Every mirrored operation was exercised, and both kinds of answer occurred.
    assert len({label.split(" ", 1)[1] for label in report.cases}) == len(OPERATIONS)
    assert report.statuses[200] > 0
    assert report.statuses[400] > 0
    assert not set(report.statuses) - {200, 400, 404}
    assert report.total >= (len(OPERATIONS) - 2) * EXAMPLES * 2


def test_the_harness_reports_a_nonconforming_answer(rest_emulator: Emulator, tmp_path: Path) -> None:
    # Demand a property the emulator never sends: the conformance check must notice.
    document = fuzz_spec("v0043")
    name = f"{dotted('v0043')}_openapi_ping_array_resp"
    document["components"]["schemas"][name].setdefault("required", []).append("no_such_property")
    document["components"]["schemas"][name]["properties"]["no_such_property"] = {"type": "string"}
    report = run(
        rest_emulator.rest_url, TOKEN, "v0043", work_dir=str(tmp_path), max_examples=1, document=document
    )
    assert any("ping" in failure and "no_such_property" in failure for failure in report.failures)


def test_the_harness_reports_a_server_error(tmp_path: Path) -> None:
    with Emulator(tokens=[TOKEN], faults=["Ping:error"]).running() as emulator:
        report = run(emulator.rest_url, TOKEN, "v0043", work_dir=str(tmp_path), max_examples=1)
    assert any("ping" in failure for failure in report.failures), report.failures


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
