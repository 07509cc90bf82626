"""The Compute page's ``requests`` examples, their bugs fixed, run against the emulator's REST API.

The blocks are read from olcf-s3m-docs/compute.rst (v0.0.43, "Python (requests)" tabs) and run
with both base paths: the seed page's ``/slurm/v0.0.43`` and the current ``/slurm/open/v0.0.43``.
The fixes, each checked to apply exactly where the docs need it:

* the submit example's headers dict has ``"Content-Type: application/json"`` (a SyntaxError);
* it passes the payload as ``data=`` (form-encoded), where the API takes ``json=``;
* its payload, pasted from JSON, says ``true`` (a NameError in Python).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from s3m_grpc.emulator import Emulator, EmulatorConfig
from s3m_grpc.emulator.model import default_models
from tests.conftest import TOKEN
from tests.test_documented_examples import DOCS, python_blocks

FIXES = [
    ('"Content-Type: application/json"', '"Content-Type": "application/json"'),
    ("data=payload", "json=payload"),
    ('"set": true', '"set": True'),
]


def fixed(block: str) -> str:
    for bug, fix in FIXES:
        if bug in block:
            assert "job/submit" in block, f"{bug!r} outside the submit example"
            block = block.replace(bug, fix)
    return block


@pytest.fixture
async def waiting_defiant(tmp_path: Path) -> AsyncIterator[Emulator]:
    """Defiant with batch-cpu drained: the docs' job 12345 waits, so the cancel example finds it pending."""
    models = default_models()
    defiant = models["defiant"]
    drained = set(defiant.default_partition.nodes)
    models["defiant"] = replace(
        defiant, nodes=tuple(replace(n, state="DRAIN") if n.name in drained else n for n in defiant.nodes)
    )
    async with Emulator(
        tokens=[TOKEN], config=EmulatorConfig(resources=models), work_dir=tmp_path
    ) as emulator:
        emulator.scheduler()._next_id = 12345
        yield emulator


def test_the_fixes_apply_to_the_docs() -> None:
    blocks = python_blocks(DOCS / "compute.rst", version="v0.0.43", tab="Python (``requests``)")
    assert len(blocks) == 9
    submit = next(b for b in blocks if "job/submit" in b)
    for bug, _ in FIXES:
        assert bug in submit
    compile(fixed(submit), "submit", "exec")  # the fixed example is valid Python


@pytest.mark.parametrize("enclave", [False, True])
async def test_requests_examples_run(
    waiting_defiant: Emulator,
    enclave: bool,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import asyncio

    monkeypatch.setenv("S3M_TOKEN", TOKEN)
    blocks = python_blocks(DOCS / "compute.rst", version="v0.0.43", tab="Python (``requests``)")
    base = waiting_defiant.base_url("v0.0.43", enclave=enclave)
    outputs: list[Any] = []
    for block in blocks:
        code = fixed(block)
        for documented in (
            '"https://s3m.olcf.ornl.gov/slurm/open/v0.0.43"',
            '"https://s3m.olcf.ornl.gov/slurm/v0.0.43"',
        ):
            code = code.replace(documented, repr(base))
        assert repr(base) in code
        namespace: dict[str, Any] = {"__name__": "docs_example"}
        # requests is synchronous: run each example off the event loop that serves the emulator.
        await asyncio.to_thread(exec, code, namespace)
        outputs.append(namespace["compute_response"])
    by_path = dict(
        zip(
            ["ping", "partitions", "submit", "job", "jobs", "cancel", "nodes", "reservations", "diag"],
            outputs,
            strict=True,
        )
    )
    assert by_path["ping"]["pings"][0]["responding"] is True
    assert by_path["submit"]["job_id"] == 12345
    assert by_path["job"]["jobs"][0]["name"] == "my-job"
    assert by_path["cancel"]["errors"] == []
    assert waiting_defiant.scheduler().jobs[12345].state == "CANCELLED"
    assert os.environ["S3M_TOKEN"] not in capsys.readouterr().out
