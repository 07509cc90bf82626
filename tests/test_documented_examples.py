"""OLCF's documented Python examples, read from OLCF's own pages, run verbatim against the emulator.

The code blocks are extracted from compute.rst (the "Python" tabs of v0.0.43 and of v0.0.44) and
overview.rst (the project template) at test time, so the test follows the docs as they are, the
``from betterproto.lib.std.google.protobuf import Empty`` import included. Nothing in them is
edited: the template's ``S3MClientFactory("s3m.olcf.ornl.gov", token)`` reaches the emulator
through ``S3M_EMULATOR_HOST`` (as Google's emulators are reached), the resource through
``S3M_RESOURCE`` (odo for v0.0.44), the transport through ``S3M_TRANSPORT``, and the docs' job id
12345 exists because the emulator starts counting there (Slurm's FirstJobId).
"""

from __future__ import annotations

import textwrap
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from s3m_grpc import errors
from s3m_grpc.emulator import Emulator, EmulatorConfig
from s3m_grpc.emulator.model import default_models
from tests.conftest import DOCS, GRPC_TRANSPORTS, TOKEN

TEMPLATE_URL = "s3m.olcf.ornl.gov"
CALLS = [
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


@pytest.mark.parametrize("version", ["v0.0.43", "v0.0.44"])
def test_the_docs_have_the_nine_examples(version: str) -> None:
    blocks = python_blocks(DOCS / "compute.rst", version=version)
    assert [next(c for c in CALLS if c in block) for block in blocks] == CALLS
    assert all("factory.create_client(SlurmIndirectStub)" in block for block in blocks)


@pytest.fixture
async def docs_emulator(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Emulator]:
    """The emulator the docs' snippets reach, with batch-cpu drained so that the docs' job waits.

    The docs submit to /lustre/polis/..., which does not exist here: a job that started would fail
    at once (as on a real cluster), and the docs' cancel would then meet a finished job.
    """
    models = default_models()
    for name, partition in (("defiant", "batch-cpu"), ("odo", "batch-cpu")):
        model = models[name]
        drained = set(model.partition(partition).nodes)  # type: ignore[union-attr]
        nodes = tuple(
            replace(n, state="DRAIN", reason="docs test") if n.name in drained else n for n in model.nodes
        )
        models[name] = replace(model, nodes=nodes)
    async with Emulator(
        tokens=[TOKEN], config=EmulatorConfig(resources=models), work_dir=tmp_path, first_job_id=12345
    ) as emulator:
        for key, value in emulator.env().items():
            monkeypatch.setenv(key, value)
        monkeypatch.setenv("S3M_TOKEN", TOKEN)
        yield emulator


@pytest.mark.parametrize("transport", GRPC_TRANSPORTS)
@pytest.mark.parametrize(("version", "resource"), [("v0.0.43", "defiant"), ("v0.0.44", "odo")])
async def test_compute_examples_run_as_written(
    docs_emulator: Emulator, monkeypatch: pytest.MonkeyPatch, transport: str, version: str, resource: str
) -> None:
    from s3m_apis_betterproto.clientfactory import S3MClientFactory

    monkeypatch.setenv("S3M_TRANSPORT", transport)
    monkeypatch.setenv("S3M_RESOURCE", resource)
    blocks = python_blocks(DOCS / "compute.rst", version=version)
    namespace: dict[str, Any] = {}
    # overview.rst's "Available Client Stubs", for the tab's version.
    exec(f"from s3m_apis_betterproto.slurm.v00{version[-2:]} import SlurmIndirectStub", namespace)  # noqa: S102
    async with S3MClientFactory(TEMPLATE_URL, TOKEN) as factory:  # the template, as written
        assert factory.active_transport == transport
        namespace["factory"] = factory
        for block in blocks:
            await run_block(block, namespace)
    assert namespace["pong"].pings[0].hostname == f"{resource}-slurmctld"
    assert namespace["pong"].pings[0].pinged == "UP"
    assert namespace["partitions"].partitions[0].name == "batch-cpu"
    assert namespace["result"].job_id == 12345
    record = namespace["job"].jobs[0]  # GetJob: slurmdbd's record
    assert (record.job_id, record.name, record.account) == (12345, "my-job", "STF040")
    assert record.state.current == ["PENDING"]
    assert [j.job_id for j in namespace["jobs"].jobs] == [12345]
    assert docs_emulator.scheduler(resource).jobs[12345].state == "CANCELLED"
    assert namespace["nodes"].nodes
    assert namespace["reservations"].reservations is not None
    assert namespace["diag"].statistics.jobs_submitted == 1
    desc = docs_emulator.scheduler(resource).jobs[12345].desc
    assert desc["time_limit"] == {"set": True, "number": 60}
    assert desc["environment"] == ["PATH=/usr/bin"]


async def test_project_template_runs_as_written(
    docs_emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    (template,) = [b for b in python_blocks(DOCS / "overview.rst", version=None) if "S3MClientFactory(" in b]
    assert f'SERVICE_URL = "{TEMPLATE_URL}"' in template
    namespace: dict[str, Any] = {"__name__": "olcf_template"}
    exec(template, namespace)  # noqa: S102 - verbatim; S3M_EMULATOR_HOST points it at the emulator
    await namespace["main"]()  # the template's asyncio.run(main()) is guarded by __main__


def test_sync_with_and_olcf_signature(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """OLCF's own factory is a plain ``with``; its signature takes additional_metadata and ssl_context."""
    import asyncio
    import ssl

    from betterproto.lib.std.google.protobuf import Empty
    from s3m_apis_betterproto.clientfactory import S3MClientFactory
    from s3m_apis_betterproto.slurm.v0044 import SlurmIndirectStub

    async def main() -> str:
        with S3MClientFactory(
            TEMPLATE_URL, TOKEN, additional_metadata={"olcf-resource": "odo"}, ssl_context=None
        ) as factory:
            pong = await factory.create_client(SlurmIndirectStub).ping(Empty())
            return str(pong.pings[0].hostname)

    with Emulator(tokens=[TOKEN], work_dir=tmp_path).running() as emulator:
        for key, value in emulator.env().items():
            monkeypatch.setenv(key, value)
        assert asyncio.run(main()) == "odo-slurmctld"

        # An explicit ssl_context is honoured, never dropped: TLS even to the loopback emulator, whose
        # plaintext port then fails the handshake instead of quietly carrying the token in the clear.
        async def with_context() -> None:
            odo = {"olcf-resource": "odo"}
            with S3MClientFactory(TEMPLATE_URL, TOKEN, odo, ssl.create_default_context()) as factory:
                await factory.create_client(SlurmIndirectStub).ping(Empty())

        with pytest.raises(errors.ConnectError):
            asyncio.run(with_context())
    # And a context for an address that says plaintext is a contradiction, refused before any I/O.
    monkeypatch.delenv("S3M_EMULATOR_HOST")
    monkeypatch.delenv("S3M_EMULATOR_REST_URL")
    with pytest.raises(errors.ConfigurationError, match="ssl_context"):
        S3MClientFactory("http://127.0.0.1:1", TOKEN, None, ssl.create_default_context())
