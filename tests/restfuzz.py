"""schemathesis against the emulator's REST API, driven by SchedMD's own OpenAPI documents.

Used by `tests/test_rest_fuzz.py` (a few hundred cases in `make test`) and `scripts/fuzz_rest.py`
(`make fuzz`, thousands). The spec is narrowed to the operations S3M mirrors, its paths gain S3M's
resource segment, and its slash-path `required` lists are rewritten so that schemathesis can check
our answers against the response schemas too. Generated jobs are defused before they are sent: the
emulator really runs scripts, and a fuzzer must not pick where files are written.
"""

from __future__ import annotations

import copy
import dataclasses
from collections import Counter
from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core.failures import Failure, FailureGroup

from tests.openapi import _fix_required, dotted, spec

# (spec path under /slurm/{version}, method) of every operation SlurmIndirect mirrors.
OPERATIONS = (
    ("/ping/", "get"),
    ("/partitions/", "get"),
    ("/job/submit", "post"),
    ("/job/{job_id}", "get"),
    ("/job/{job_id}", "delete"),
    ("/jobs/", "get"),
    ("/nodes/", "get"),
    ("/reservations/", "get"),
    ("/diag/", "get"),
)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
SAFE_SCRIPT = "#!/bin/sh\nexit 0\n"


def fuzz_spec(version: str, resource: str = "defiant") -> dict[str, Any]:
    """SchedMD's document for `version`, narrowed to S3M's operations and routed to `resource`."""
    source = spec(version)
    doc = copy.deepcopy({k: v for k, v in source.items() if k not in ("paths", "security")})
    _fix_required(doc["components"], strict=False)
    doc["servers"] = [{"url": "/"}]
    prefix = f"/slurm/{dotted(version)}"
    paths: dict[str, dict[str, Any]] = {}
    for path, method in OPERATIONS:
        operation = copy.deepcopy(source["paths"][prefix + path][method])
        operation.pop("security", None)  # S3M authenticates with its own header, sent by the caller
        paths.setdefault(f"{prefix}/{resource}{path}", {})[method] = operation
    doc["paths"] = paths
    return doc


def defuse(case: Any, work_dir: str) -> None:
    """Keep a generated job's files in `work_dir` and its script harmless, leaving the rest as fuzzed."""
    body = case.body
    if not isinstance(body, dict):
        return
    jobs = body.get("jobs")
    descriptions = [
        j for j in [body.get("job"), *(jobs if isinstance(jobs, list) else [])] if isinstance(j, dict)
    ]
    for job in descriptions:
        if "current_working_directory" in job:
            job["current_working_directory"] = work_dir
        for key in ("standard_output", "standard_error", "standard_input"):
            if key in job:
                job[key] = "/dev/null" if key == "standard_input" else f"{work_dir}/fuzz-%j.out"
    for holder in [body, *descriptions]:  # the emulator takes the script from any of these
        script = holder.get("script")
        if isinstance(script, str) and script.startswith("#!"):
            # Keep the rest as data the emulator stores, but never let it run.
            holder["script"] = SAFE_SCRIPT + script.partition("\n")[2]


@dataclasses.dataclass
class FuzzReport:
    """How many cases ran, per operation and HTTP status, and the failures found."""

    cases: Counter[str] = dataclasses.field(default_factory=Counter)
    statuses: Counter[int] = dataclasses.field(default_factory=Counter)
    failures: list[str] = dataclasses.field(default_factory=list)
    nothing_to_break: list[str] = dataclasses.field(default_factory=list)

    @property
    def total(self) -> int:
        """Cases sent over the wire."""
        return sum(self.cases.values())


def run(
    base_url: str,
    token: str,
    version: str,
    *,
    work_dir: str,
    max_examples: int,
    modes: tuple[str, ...] = ("positive", "negative"),
    document: dict[str, Any] | None = None,
) -> FuzzReport:
    """Fuzz every mirrored operation of `version` (or of `document`); failures are collected, not raised."""
    schema = schemathesis.openapi.from_dict(document or fuzz_spec(version))
    report = FuzzReport()
    headers = {"Authorization": token}
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in modes:
            _fuzz_one(operation, mode, base_url, headers, work_dir, max_examples, report)
    return report


def _fuzz_one(
    operation: Any,
    mode: str,
    base_url: str,
    headers: dict[str, str],
    work_dir: str,
    max_examples: int,
    report: FuzzReport,
) -> None:
    strategy = operation.as_strategy(generation_mode=schemathesis.GenerationMode(mode))
    label = f"{mode} {operation.label}"
    # Negative cases break the schema on purpose; only "no server error" applies to them.
    checks = CHECKS if mode == "positive" else [not_a_server_error]

    @settings(
        max_examples=max_examples,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
    )
    @given(st.data())
    def one(data: st.DataObject) -> None:
        case = data.draw(strategy)
        defuse(case, work_dir)
        response = case.call(base_url=base_url, headers=headers, timeout=30)
        report.cases[label] += 1
        report.statuses[response.status_code] += 1
        try:
            case.validate_response(response, checks=checks, headers=headers)
        except FailureGroup as group:  # one entry per failed check
            report.failures.extend(f"{label}: {failure}"[:2000] for failure in group.exceptions)
        except Failure as failure:
            report.failures.append(f"{label}: {failure}"[:2000])

    try:
        one()
    except Unsatisfiable:
        # Negative mode for an operation with no parameters and no body: nothing can be broken.
        report.nothing_to_break.append(label)
