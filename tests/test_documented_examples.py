"""OLCF's documented Python examples, read from OLCF's own pages, run against a local server.

The code blocks are extracted from olcf-s3m-docs/compute.rst (the v0.0.43 "Python" tabs) and
overview.rst (the project template) at test time, so the test follows the docs as they are. The
one change made to them is the ``Empty`` import, which betterproto2 moved (see README); the
template's SERVICE_URL is pointed at the local server.
"""

from __future__ import annotations

import textwrap
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from s3m_grpc.emulator import Emulator, EmulatorConfig
from s3m_grpc.emulator.model import default_models
from s3m_grpc.factory import S3MClientFactory
from tests.conftest import GRPC_TRANSPORTS, REFERENCE, TOKEN, RunningServer

DOCS = REFERENCE / "olcf-s3m-docs"
OLD_EMPTY = "from betterproto.lib.std.google.protobuf import Empty"
NEW_EMPTY = "from s3m_apis_betterproto.google.protobuf import Empty"


def python_blocks(page: Path, *, version: str | None, tab: str = "Python") -> list[str]:
    """The ``.. code-block:: python`` bodies under ``.. tab-item:: <tab>`` (and under `version`'s tab)."""
    lines = page.read_text(encoding="utf-8").splitlines()
    blocks: list[str] = []
    current_version: str | None = None
    in_tab = False
    i = 0
    while i < len(lines):
        text = lines[i].strip()
        if text.startswith(".. tab-item:: v0.0."):
            current_version = text.split("::", 1)[1].strip()
        elif text.startswith(".. tab-item::"):
            in_tab = text == f".. tab-item:: {tab}"
        elif text == ".. code-block:: python" and in_tab and (version is None or current_version == version):
            indent = len(lines[i]) - len(lines[i].lstrip())
            body = []
            i += 1
            while i < len(lines) and (
                not lines[i].strip() or len(lines[i]) - len(lines[i].lstrip()) > indent
            ):
                body.append(lines[i])
                i += 1
            blocks.append(textwrap.dedent("\n".join(body)).strip())
            continue
        i += 1
    return blocks


async def run_block(code: str, namespace: dict[str, Any]) -> None:
    """Run a snippet that uses top-level ``await``, keeping its names in `namespace`."""
    body = textwrap.indent(code, "    ")
    exec(f"async def __example():\n{body}\n    return locals()", namespace)  # noqa: S102
    namespace.update(await namespace["__example"]())


def test_the_docs_have_the_nine_examples() -> None:
    blocks = python_blocks(DOCS / "compute.rst", version="v0.0.43")
    calls = [
        "client.ping(",
        "client.get_partitions(",
        "client.post_job_submit(",
        "client.get_job(",
        "client.get_jobs(",
        "client.delete_job(",
        "client.get_nodes(",
        "client.get_reservations(",
        "client.get_diag(",
    ]
    assert [next(c for c in calls if c in block) for block in blocks] == calls


@pytest.fixture
async def busy_defiant(tmp_path: Path) -> AsyncIterator[Emulator]:
    """Defiant with its batch-cpu nodes drained, so that the docs' job waits (and can be cancelled).

    The docs submit to /lustre/polis/..., which does not exist here: a job that started would fail at
    once (as on a real cluster), and the docs' cancel would then meet a finished job.
    """
    models = default_models()
    defiant = models["defiant"]
    batch_cpu = set(defiant.default_partition.nodes)
    nodes = tuple(
        replace(n, state="DRAIN", reason="docs test") if n.name in batch_cpu else n for n in defiant.nodes
    )
    models["defiant"] = replace(defiant, nodes=nodes)
    async with Emulator(
        tokens=[TOKEN], config=EmulatorConfig(resources=models), work_dir=tmp_path
    ) as emulator:
        emulator.scheduler("defiant")._next_id = 12345  # the docs use job 12345 throughout
        yield emulator


@pytest.mark.parametrize("transport", GRPC_TRANSPORTS)
async def test_compute_examples_run_as_written(busy_defiant: Emulator, transport: str) -> None:
    blocks = python_blocks(DOCS / "compute.rst", version="v0.0.43")
    async with S3MClientFactory(busy_defiant.grpc_target, TOKEN, transport=transport) as factory:
        namespace: dict[str, Any] = {"factory": factory}
        exec("from s3m_apis_betterproto.slurm.v0043 import SlurmIndirectStub", namespace)  # noqa: S102 (overview.rst)
        for block in blocks:
            assert block.count(OLD_EMPTY) <= 1
            await run_block(block.replace(OLD_EMPTY, NEW_EMPTY), namespace)
    assert namespace["pong"].pings[0].responding
    assert namespace["partitions"].partitions[0].name == "batch-cpu"
    assert namespace["result"].job_id == 12345
    assert namespace["job"].jobs[0].name == "my-job"
    assert [j.job_id for j in namespace["jobs"].jobs] == [12345]
    assert busy_defiant.scheduler().jobs[12345].state == "CANCELLED"
    assert namespace["nodes"].nodes
    assert namespace["reservations"].reservations
    assert namespace["diag"].statistics.jobs_submitted == 1


async def test_project_template_runs_as_written(
    server: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    (template,) = [b for b in python_blocks(DOCS / "overview.rst", version=None) if "S3MClientFactory(" in b]
    assert 'SERVICE_URL = "s3m.olcf.ornl.gov"' in template
    monkeypatch.setenv("S3M_TOKEN", TOKEN)
    namespace: dict[str, Any] = {"__name__": "olcf_template"}
    exec(template.replace('"s3m.olcf.ornl.gov"', repr(server.grpc_target)), namespace)  # noqa: S102
    await namespace["main"]()  # the template's asyncio.run(main()) is guarded by __main__
