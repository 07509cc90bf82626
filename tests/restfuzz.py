"""schemathesis against the emulator's REST API, driven by S3M's contract.

Used by `tests/test_rest_fuzz.py` (a modest number of cases in `make test`) and
`scripts/fuzz_rest.py` (`make fuzz`, many more). The OpenAPI document is built from S3M's published
descriptors (`tests.openapi.contract_document`): the nine SlurmIndirect operations of one API
version, request and response schemas from their messages. Positive cases must get no 5xx, a
declared status, JSON and an answer conforming to the response message; negative (schema-breaking)
cases must get no 5xx. Generated jobs are defused before they are sent: the emulator really runs
scripts, and a fuzzer must neither pick what runs nor where files are written.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections import Counter
from typing import Any

import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import seed as with_seed
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core.failures import Failure, FailureGroup

from tests.openapi import RESOURCES, contract_document, dotted, service

VERSIONS = tuple(RESOURCES)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
SAFE_SCRIPT = "#!/bin/sh\nexit 0\n"
CALL_TIMEOUT = 10.0  # seconds; every answer of the emulator takes milliseconds
# Variables that make bash run code of their own before (or instead of) the script's first line.
_RISKY_NAMES = frozenset({"BASH_ENV", "ENV", "SHELLOPTS", "BASHOPTS", "PS4", "PROMPT_COMMAND", "IFS"})
_RISKY_PREFIXES = ("BASH_FUNC_", "LD_")


def operations(version: str) -> tuple[str, ...]:
    """The SlurmIndirect RPCs of `version`, as the contract lists them."""
    return tuple(method.name for method in service(version).methods)


def fuzz_spec(version: str, resource: str | None = None) -> dict[str, Any]:
    """The OpenAPI document of `version`'s nine operations, routed to `resource`."""
    return contract_document(version, resource)


def defuse(case: Any, work_dir: str) -> None:
    """Make a generated submission harmless, in place, leaving the rest as fuzzed.

    Every job description (``job`` and each of ``jobs``) runs in `work_dir` and writes there; each
    script (the description's and v0.0.44's top-level ``script``) exits at once, the fuzzed text
    kept after the exit as data the emulator stores; environment entries that would have bash run
    code before the script are dropped.
    """
    body = case.body
    if not isinstance(body, dict):
        return
    jobs = body.get("jobs")
    descriptions = [
        j for j in [body.get("job"), *(jobs if isinstance(jobs, list) else [])] if isinstance(j, dict)
    ]
    for job in descriptions:
        job["current_working_directory"] = work_dir
        for key in ("standard_output", "standard_error", "standard_input"):
            if key in job:
                job[key] = "/dev/null" if key == "standard_input" else f"{work_dir}/fuzz-%j.out"
        environment = job.get("environment")
        if isinstance(environment, list):
            job["environment"] = [entry for entry in environment if not _risky(entry)]
    for holder in [body, *descriptions]:  # the emulator takes the script from any of these
        script = holder.get("script")
        if isinstance(script, str) and script.strip():
            # The emulator runs any script with bash, shebang or not: exit before the fuzzed text.
            first, _, rest = script.partition("\n")
            holder["script"] = SAFE_SCRIPT + (rest if first.startswith("#!") else script)


def steer(case: Any, data: st.DataObject, job_ids: list[int], *, positive: bool) -> None:
    """Let hypothesis send some cases where the emulator does real work, in place.

    Left alone, almost every generated submission lacks a script (the field is optional), and in
    v0.0.44 sends both ``job`` and ``jobs`` or several ``jobs`` (a heterogeneous job); almost every
    generated job id names no job. The emulator would answer 400 or 404 before doing anything, and
    the listings would hold no fuzzed job. Here hypothesis decides, case by case, whether a
    submission is made runnable (one description, a harmless script where it has none; the rest as
    generated) and whether a positive case's job id is one the emulator has handed out. Either way
    the case stays within the schema.
    """
    body = case.body
    if isinstance(body, dict) and data.draw(st.booleans(), label="a runnable submission"):
        jobs = body.get("jobs")
        if isinstance(body.get("job"), dict):
            body.pop("jobs", None)
        elif isinstance(jobs, list) and jobs:
            body["jobs"] = jobs[:1]
        if not _scripts(body):
            job = body.get("job")
            if isinstance(job, dict):
                job["script"] = SAFE_SCRIPT
            elif isinstance(body.get("jobs"), list):  # v0.0.44 only: one script for the jobs' descriptions
                body["script"] = SAFE_SCRIPT
    parameters = case.path_parameters
    wanted = positive and job_ids and parameters and "job_id" in parameters
    if wanted and data.draw(st.booleans(), label="a job that exists"):
        parameters["job_id"] = str(data.draw(st.sampled_from(job_ids), label="job id"))


def _scripts(body: dict[str, Any]) -> list[Any]:
    jobs = body.get("jobs")
    holders = [body, body.get("job"), *(jobs if isinstance(jobs, list) else [])]
    return [h["script"] for h in holders if isinstance(h, dict) and h.get("script")]


def _risky(entry: Any) -> bool:
    if not isinstance(entry, str):
        return False
    name = entry.partition("=")[0].strip()
    return name in _RISKY_NAMES or name.startswith(_RISKY_PREFIXES)


@dataclasses.dataclass
class FuzzReport:
    """How many cases ran, per operation and HTTP status, and the failures found."""

    cases: Counter[str] = dataclasses.field(default_factory=Counter)
    statuses: Counter[int] = dataclasses.field(default_factory=Counter)
    failures: list[str] = dataclasses.field(default_factory=list)
    nothing_to_break: list[str] = dataclasses.field(default_factory=list)
    job_ids: list[int] = dataclasses.field(default_factory=list)  # accepted submissions
    unanswered: bool = False  # a request got no answer (reset or timeout); the run stops sending

    @property
    def total(self) -> int:
        """Cases sent over the wire."""
        return sum(self.cases.values())

    def operations(self) -> set[str]:
        """The operations that got at least one case ("GET /slurm/v0.0.43/defiant/ping")."""
        return {label.split(" ", 1)[1] for label in self.cases}


def run(
    base_url: str,
    token: str,
    version: str,
    *,
    work_dir: str,
    max_examples: int,
    modes: tuple[str, ...] = ("positive", "negative"),
    document: dict[str, Any] | None = None,
    seed: int | None = None,
) -> FuzzReport:
    """Fuzz every operation of `version` (or of `document`); failures are collected, not raised.

    Without `seed` the run is derandomized (the same cases every time); with one, a fresh sample.
    """
    schema = schemathesis.openapi.from_dict(document or fuzz_spec(dotted(version)))
    report = FuzzReport()
    headers = {"Authorization": token}
    # Submissions first, listings last: the job operations then have jobs to show and to cancel,
    # and the listings show jobs in every state the fuzzing left them in.
    found = [result.ok() for result in schema.get_all_operations()]
    for operation in sorted(found, key=lambda op: (op.method.upper() != "POST", "{" not in op.path)):
        for mode in modes:
            _fuzz_one(operation, mode, base_url, headers, work_dir, max_examples, report, seed)
    return report


def _fuzz_one(
    operation: Any,
    mode: str,
    base_url: str,
    headers: dict[str, str],
    work_dir: str,
    max_examples: int,
    report: FuzzReport,
    seed: int | None,
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
        derandomize=seed is None,
    )
    @given(st.data())
    def one(data: st.DataObject) -> None:
        case = data.draw(strategy)
        steer(case, data, report.job_ids, positive=mode == "positive")
        defuse(case, work_dir)
        if report.unanswered:
            return  # the emulator stopped answering: a failure already, and every case would wait
        try:
            response = case.call(base_url=base_url, headers=headers, timeout=CALL_TIMEOUT)
        except requests.RequestException as exc:
            report.unanswered = True
            report.failures.append(f"{label}: no answer: {exc!r}\n  request: {case.as_curl_command()[:1500]}")
            return
        report.cases[label] += 1
        report.statuses[response.status_code] += 1
        if operation.method.upper() == "POST" and response.status_code == 200:
            with contextlib.suppress(ValueError, KeyError, TypeError):
                report.job_ids.append(int(response.json()["job_id"]))
        try:
            case.validate_response(response, checks=checks, headers=headers)
        except FailureGroup as group:  # one entry per failed check
            report.failures.extend(_describe(label, failure, case, response) for failure in group.exceptions)
        except Failure as failure:
            report.failures.append(_describe(label, failure, case, response))

    if seed is not None:
        one = with_seed(seed)(one)
    try:
        one()
    except Unsatisfiable:
        # Negative mode for an operation with no parameters and no body: nothing can be broken.
        report.nothing_to_break.append(label)


def _describe(label: str, failure: Exception, case: Any, response: Any) -> str:
    """A failure with what reproduces it: the request (without the token) and the answer."""
    text = response.content[:600].decode("utf-8", "replace")
    return (
        f"{label}: {str(failure)[:2500]}\n"
        f"  request: {case.as_curl_command()[:1500]}\n"
        f"  answer: {response.status_code} {', '.join(response.headers.get('content-type', []))} {text}"
    )
