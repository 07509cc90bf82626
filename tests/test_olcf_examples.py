"""OLCF's published example responses parse strictly into S3M's messages of their version.

The examples are the JSON bodies marked **Response:** in tests/reference/olcf-s3m-docs/compute.rst,
read from the .rst when the tests run: a block inside a ``v0.0.43`` or ``v0.0.44`` tab belongs to
that version, a block outside the version tabs (GetJob's, the submit response) to every version
the section's tabs show. S3M's contract is the authority, not SchedMD's spec: v0.0.43's
``allowed_configuration``, GetJob's slurmdbd shape with ``gruop`` and jobs'
``job_resources.nodes.job_resources`` are S3M's own v0042/v0043 fields and parse as such.

"Strictly" means ``s3m_grpc.slurmjson.normalize(strict=True)`` (no key the message lacks, every
value of its field's type), the JSON written back by ``to_json`` identical to the example (nothing
dropped or coerced), and the example valid against ``tests.contract_schema.message_schema`` (which
adds SchedMD's enums where S3M's field is Slurm's). Where an example still fails, MISTAKES pins
the exact failure and what the docs should say instead.
"""

from __future__ import annotations

import copy
import importlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from s3m_grpc.slurmjson import SlurmJsonError, normalize, to_json
from tests.contract_schema import message_schema

DOC = Path(__file__).resolve().parent / "reference" / "olcf-s3m-docs" / "compute.rst"
SUFFIXES = {"v0.0.42": "v0042", "v0.0.43": "v0043", "v0.0.44": "v0044"}
# Section title -> the response message its examples are.
MESSAGES = {
    "List Partitions": "PartitionsResp",
    "Submit a Job": "JobSubmitResp",
    "Get Job Status": "JobIdResp",
    "List All Jobs": "JobsResp",
    "List Nodes": "NodesResp",
    "List Reservations": "ReservationsResp",
    "Scheduler Diagnostics": "DiagResp",
}
EXPECTED = {(section, version) for section in MESSAGES for version in ("v0.0.43", "v0.0.44")}

_TITLE_RULE = re.compile(r"^(-{3,}|={3,}|~{3,})\s*$")
_TAB = re.compile(r"^\.\.\s+tab-item::\s*(v0\.0\.\d+)\s*$")
_JSON_BLOCK = re.compile(r"^\.\.\s+code-block::\s*json\s*$")
_OPTION = re.compile(r"^:[\w-]+:")


@dataclass(frozen=True)
class Block:
    """One ``.. code-block:: json`` of the page."""

    section: str
    version: str | None  # the enclosing version tab; None: outside the version tabs
    line: int  # 1-based, of the directive
    response: bool  # introduced by "**Response:**"
    data: Any


def _indent(line: str) -> int:
    expanded = line.expandtabs(8)
    return len(expanded) - len(expanded.lstrip())


def json_blocks(text: str) -> list[Block]:
    """Every JSON code block with its section and version tab (tabs or spaces, nested tab-sets)."""
    lines = text.splitlines()
    blocks: list[Block] = []
    section = ""
    tabs: list[tuple[int, str]] = []  # open version tab-items: (indent, version)
    previous = ""  # the last non-blank line before the current one
    i = 0
    while i < len(lines):
        line, stripped = lines[i], lines[i].strip()
        if not stripped:
            i += 1
            continue
        if i + 1 < len(lines) and _TITLE_RULE.match(lines[i + 1]) and _indent(line) == 0:
            section, tabs, previous = stripped, [], ""
            i += 2
            continue
        indent = _indent(line)
        while tabs and tabs[-1][0] >= indent:
            tabs.pop()
        tab = _TAB.match(stripped)
        if tab:
            tabs.append((indent, tab.group(1)))
        elif _JSON_BLOCK.match(stripped):
            body, j = [], i + 1
            while j < len(lines) and (not lines[j].strip() or _indent(lines[j]) > indent):
                if not (not body and _OPTION.match(lines[j].strip())):  # directive options
                    body.append(lines[j])
                j += 1
            blocks.append(
                Block(
                    section,
                    tabs[-1][1] if tabs else None,
                    i + 1,
                    previous == "**Response:**",
                    json.loads("\n".join(body)),
                )
            )
            previous = stripped
            i = j
            continue
        previous = stripped
        i += 1
    return blocks


def section_versions(text: str) -> dict[str, list[str]]:
    """The version tabs each section shows (a block outside them applies to all of them)."""
    out: dict[str, list[str]] = {}
    section = ""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if i + 1 < len(lines) and _TITLE_RULE.match(lines[i + 1]) and line.strip() and _indent(line) == 0:
            section = line.strip()
        tab = _TAB.match(line.strip())
        if tab and tab.group(1) not in out.setdefault(section, []):
            out[section].append(tab.group(1))
    return out


def response_examples() -> dict[tuple[str, str], Block]:
    """(section, version) -> its response example."""
    text = DOC.read_text(encoding="utf-8")
    blocks = json_blocks(text)
    versions = section_versions(text)
    out: dict[tuple[str, str], Block] = {}
    for block in blocks:
        if not block.response:
            continue
        for version in [block.version] if block.version else versions.get(block.section, []):
            key = (block.section, version)
            assert key not in out, f"two response examples for {key}: lines {out[key].line}, {block.line}"
            out[key] = block
    return out


EXAMPLES = response_examples()


@dataclass(frozen=True)
class Mistake:
    """An example that does not parse strictly: where it fails, why, and what it should say."""

    path: str  # the JSON path the failure names
    why: str
    fix: Any  # (example) -> the corrected example


def _rename_gruop(example: Any) -> Any:
    fixed = copy.deepcopy(example)
    for job in fixed["jobs"]:
        job["group"] = job.pop("gruop")
    return fixed


def _real_cert_flag(example: Any) -> Any:
    fixed = copy.deepcopy(example)
    for node in fixed["nodes"]:
        node["cert_flags"] = ["TOKEN_SET"]
    return fixed


def _node_selection(example: Any) -> Any:
    fixed = copy.deepcopy(example)
    for job in fixed["jobs"]:
        job["job_resources"]["nodes"]["select_type"] = ["AVAILABLE"]
    return fixed


MISTAKES = {
    ("List All Jobs", "v0.0.44"): Mistake(
        "/jobs/0/job_resources/nodes/select_type/0",
        '`job_resources.nodes.select_type: ["CR_CORE"]` is slurm.conf\'s SelectTypeParameters '
        "spelling; Slurm reports the node selection method there (SchedMD's enum: AVAILABLE, ONE_ROW, "
        "RESERVED), and the job's own `job_resources.select_type` would say CORE",
        _node_selection,
    ),
    ("Get Job Status", "v0.0.44"): Mistake(
        "/jobs/0/gruop",
        "GetJob's one example sits outside the version tabs, so it stands for v0.0.44 too, but it "
        "spells v0.0.43's `gruop`; v0.0.44's SlurmDBJobDescription has `group` (same field number)",
        _rename_gruop,
    ),
    ("List Nodes", "v0.0.44"): Mistake(
        "/nodes/0/cert_flags/0",
        '`cert_flags: ["..."]` is a placeholder, not a Slurm certmgr flag (SchedMD\'s enum is '
        "[TOKEN_SET]); S3M's string field carries it, but no Slurm sends it",
        _real_cert_flag,
    ),
}


def message_class(section: str, version: str) -> Any:
    module = importlib.import_module(f"s3m_apis_pb.slurm.{SUFFIXES[version]}.slurm_pb2")
    return getattr(module, MESSAGES[section])


def strict_problems(section: str, version: str, example: Any) -> list[str]:
    """Why `example` does not parse strictly as the version's message, as "path: problem" lines."""
    cls = message_class(section, version)
    try:
        message = cls(**normalize(cls.DESCRIPTOR, example, strict=True))
    except SlurmJsonError as exc:
        return [f"{exc.path}: {exc.problem}"]
    problems = []
    if to_json(message) != example:
        problems.append(f": reads back as {to_json(message)!r}")
    validator = jsonschema.Draft202012Validator(message_schema(cls.DESCRIPTOR, version))
    for error in validator.iter_errors(example):
        problems.append(f"/{'/'.join(map(str, error.absolute_path))}: {error.message}")
    return problems


def test_every_response_example_is_found() -> None:
    assert set(EXAMPLES) == EXPECTED
    text = DOC.read_text(encoding="utf-8")
    directives = sum(1 for line in text.splitlines() if _JSON_BLOCK.match(line.strip()))
    assert len(json_blocks(text)) == directives  # no JSON block missed, whatever its indentation


def test_the_extractor_reads_tabs_spaces_and_shared_blocks() -> None:
    text = (
        "Things\n------\n\n.. tab-set::\n\n\t.. tab-item:: v0.0.43\n\t\t:sync: a\n\n"
        '\t\t**Response:**\n\n\t\t.. code-block:: json\n\n\t\t\t {"a": 1}\n\n'
        "    .. tab-item:: v0.0.44\n\n        **Response:**\n\n        .. code-block:: json\n"
        '           :caption: x\n\n           {"a":\n            2}\n\n'
        '**Response:**\n\n.. code-block:: json\n\n\t{"b": [\n\t 3]}\n\nOther\n-----\n'
    )
    blocks = json_blocks(text)
    assert [(b.section, b.version, b.response, b.data) for b in blocks] == [
        ("Things", "v0.0.43", True, {"a": 1}),
        ("Things", "v0.0.44", True, {"a": 2}),
        ("Things", None, True, {"b": [3]}),
    ]
    assert section_versions(text) == {"Things": ["v0.0.43", "v0.0.44"]}


@pytest.mark.parametrize(("section", "version"), sorted(EXPECTED - set(MISTAKES)))
def test_example_parses_strictly(section: str, version: str) -> None:
    assert strict_problems(section, version, EXAMPLES[section, version].data) == []


@pytest.mark.parametrize(("section", "version"), sorted(MISTAKES))
def test_example_fails_where_the_docs_are_wrong(section: str, version: str) -> None:
    mistake = MISTAKES[section, version]
    example = EXAMPLES[section, version].data
    problems = strict_problems(section, version, example)
    assert problems, f"the docs were fixed ({mistake.why}): move the case out of MISTAKES"
    assert all(p.startswith(mistake.path + ":") for p in problems), problems
    assert strict_problems(section, version, mistake.fix(example)) == []


def test_s3m_spellings_are_the_contract_for_v0043() -> None:
    """What SchedMD's v0.0.43 spec would call wrong is S3M's v0043 message; v0.0.44 renamed them."""
    partitions = EXAMPLES["List Partitions", "v0.0.43"].data
    assert "allowed_configuration" in partitions["partitions"][0]["nodes"]
    assert "gruop" in EXAMPLES["Get Job Status", "v0.0.43"].data["jobs"][0]
    jobs = EXAMPLES["List All Jobs", "v0.0.43"].data
    assert "job_resources" in jobs["jobs"][0]["job_resources"]["nodes"]
    assert (
        "defult_queue_depth"
        in EXAMPLES["Scheduler Diagnostics", "v0.0.43"].data["statistics"]["schedule_exit"]
    )
    # The v0.0.43 spellings are not v0.0.44's fields: the versions' messages really differ.
    for section in ("List Partitions", "List All Jobs", "Scheduler Diagnostics"):
        problems = strict_problems(section, "v0.0.44", EXAMPLES[section, "v0.0.43"].data)
        assert problems, section
        assert "has no field" in problems[0], (section, problems)
