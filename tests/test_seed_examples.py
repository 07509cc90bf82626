"""The Compute page's curl and ``requests`` examples, run against the emulator's REST API.

The curl commands are read from the seed page (``/slurm/v0.0.43/...``) and from OLCF's current
compute.rst (``/slurm/open/v0.0.43/...`` and ``/slurm/open/v0.0.44/...``) and run as written with
``curl -H @.env``; only the host changes. The ``requests`` blocks (compute.rst, "Python (requests)"
tabs of v0.0.43 and v0.0.44) run with both base paths, their bugs fixed, each fix checked to apply
exactly where the docs need it:

* the v0.0.43 submit example's headers dict has ``"Content-Type: application/json"`` (a SyntaxError);
* it passes the payload as ``data=`` (form-encoded), where the API takes ``json=``;
* its payload (v0.0.43 and v0.0.44), pasted from JSON, says ``true`` (a NameError in Python).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import subprocess
import textwrap
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from s3m_grpc.emulator import Emulator, EmulatorConfig
from s3m_grpc.emulator.model import default_models
from tests.conftest import DOCS, REFERENCE, TOKEN
from tests.test_documented_examples import python_blocks

HOST = "https://s3m.olcf.ornl.gov"
FIXES = [
    ('"Content-Type: application/json"', '"Content-Type": "application/json"'),
    ("data=payload", "json=payload"),
    ('"set": true', '"set": True'),
]
ORDER = ["ping", "partitions", "submit", "job", "jobs", "cancel", "nodes", "reservations", "diag"]
TAB = "Python (``requests``)"


def fixed(block: str) -> str:
    for bug, fix in FIXES:
        if bug in block:
            assert "job/submit" in block, f"{bug!r} outside the submit example"
            block = block.replace(bug, fix)
    return block


def shell_blocks(page: Path, *, version: str) -> list[str]:
    """compute.rst's ``.. code-block:: shell`` bodies under `version`'s tab (the curl tabs)."""
    lines = page.read_text(encoding="utf-8").splitlines()
    blocks: list[str] = []
    current = None
    i = 0
    while i < len(lines):
        text = lines[i].strip()
        if text.startswith(".. tab-item:: v0.0."):
            current = text.split("::", 1)[1].strip()
        elif text == ".. code-block:: shell" and current == version:
            indent = len(lines[i]) - len(lines[i].lstrip())
            body = []
            i += 1
            while i < len(lines) and (
                not lines[i].strip() or len(lines[i]) - len(lines[i].lstrip()) > indent
            ):
                body.append(lines[i])
                i += 1
            block = textwrap.dedent("\n".join(body)).strip()
            if block.startswith("curl"):
                blocks.append(block)
            continue
        i += 1
    return blocks


def seed_curls() -> list[str]:
    """The seed page's curl commands (its text keeps each command's lines, up to the closing quote)."""
    lines = (REFERENCE / "s3m-compute-api-seed.txt").read_text(encoding="utf-8").splitlines()
    commands, i = [], 0
    while i < len(lines):
        if lines[i].startswith("curl "):
            command = [lines[i]]
            # a line continued with "\", or a quoted -d body still open
            while command[-1].endswith("\\") or "\n".join(command).count("'") % 2 == 1:
                i += 1
                command.append(lines[i])
            commands.append("\n".join(command))
        i += 1
    return commands


@pytest.fixture
async def waiting_emulator(tmp_path: Path) -> AsyncIterator[Emulator]:
    """batch-cpu drained on defiant and odo: the docs' job 12345 waits, so the cancel finds it pending."""
    models = default_models()
    for name in ("defiant", "odo"):
        model = models[name]
        drained = set(model.default_partition.nodes)
        models[name] = replace(
            model, nodes=tuple(replace(n, state="DRAIN") if n.name in drained else n for n in model.nodes)
        )
    config = EmulatorConfig(resources=models)
    async with Emulator(tokens=[TOKEN], config=config, work_dir=tmp_path, first_job_id=12345) as emulator:
        yield emulator


def test_the_fixes_apply_to_the_docs() -> None:
    for version in ("v0.0.43", "v0.0.44"):
        blocks = python_blocks(DOCS / "compute.rst", version=version, tab=TAB)
        assert len(blocks) == 9
        submit = next(b for b in blocks if "job/submit" in b)
        assert '"set": true' in submit
        compile(fixed(submit), "submit", "exec")  # the fixed example is valid Python
    submit43 = next(
        b for b in python_blocks(DOCS / "compute.rst", version="v0.0.43", tab=TAB) if "submit" in b
    )
    assert all(bug in submit43 for bug, _ in FIXES)


@pytest.mark.parametrize(("version", "resource"), [("v0.0.43", "defiant"), ("v0.0.44", "odo")])
@pytest.mark.parametrize("enclave", [False, True])
async def test_requests_examples_run(
    waiting_emulator: Emulator,
    version: str,
    resource: str,
    enclave: bool,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("S3M_TOKEN", TOKEN)
    blocks = python_blocks(DOCS / "compute.rst", version=version, tab=TAB)
    base = waiting_emulator.base_url(version, enclave=enclave)
    outputs: list[Any] = []
    for block in blocks:
        code = fixed(block).replace(json.dumps(f"{HOST}/slurm/open/{version}"), json.dumps(base))
        assert json.dumps(base) in code
        namespace: dict[str, Any] = {"__name__": "docs_example"}
        # requests is synchronous: run each example off the event loop that serves the emulator.
        await asyncio.to_thread(exec, code, namespace)
        outputs.append(namespace["compute_response"])
    by_path = dict(zip(ORDER, outputs, strict=True))
    assert by_path["ping"]["pings"][0]["pinged"] == "UP"
    assert by_path["submit"]["job_id"] == 12345
    assert by_path["job"]["jobs"][0]["name"] == "my-job"
    assert by_path["job"]["jobs"][0]["state"]["current"] == ["PENDING"]  # GetJob: slurmdb's shape
    assert by_path["cancel"]["errors"] == []
    assert waiting_emulator.scheduler(resource).jobs[12345].state == "CANCELLED"
    assert TOKEN not in capsys.readouterr().out


async def _curl(commands: list[str], emulator: Emulator, workdir: Path) -> list[Any]:
    (workdir / ".env").write_text(f"Authorization: {TOKEN}\n")  # OLCF's header file
    answers = []
    for command in commands:
        assert HOST in command
        local = command.replace(HOST, emulator.rest_url)
        done = await asyncio.to_thread(
            subprocess.run,
            ["bash", "-c", local + " --silent --show-error --fail-with-body"],
            cwd=workdir,
            capture_output=True,
            text=True,
            timeout=60,
            env={"PATH": os.environ["PATH"]},
        )
        assert done.returncode == 0, (command, done.stdout, done.stderr)
        answers.append(json.loads(done.stdout))
    return answers


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed (apt-get install curl)")
@pytest.mark.parametrize(
    ("source", "resource"), [("seed", "defiant"), ("v0.0.43", "defiant"), ("v0.0.44", "odo")]
)
async def test_curl_examples_run_as_written(
    waiting_emulator: Emulator, tmp_path: Path, source: str, resource: str
) -> None:
    commands = seed_curls() if source == "seed" else shell_blocks(DOCS / "compute.rst", version=source)
    paths = [re.search(r"/slurm/[^ \n']*", c).group(0) for c in commands]  # type: ignore[union-attr]
    prefix = "/slurm/v0.0.43/" if source == "seed" else f"/slurm/open/{source}/"
    assert all(p.startswith(prefix + resource + "/") for p in paths), paths  # both path forms are tried
    assert len(commands) == 9
    by_path = dict(zip(ORDER, await _curl(commands, waiting_emulator, tmp_path), strict=True))
    assert by_path["ping"]["pings"][0]["hostname"] == f"{resource}-slurmctld"
    assert by_path["submit"]["job_id"] == 12345
    assert by_path["job"]["jobs"][0]["job_id"] == 12345
    assert by_path["cancel"]["errors"] == []
    assert waiting_emulator.scheduler(resource).jobs[12345].state == "CANCELLED"
    assert by_path["diag"]["statistics"]["jobs_submitted"] == 1
