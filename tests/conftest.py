"""Shared test helpers: paths to the reference material (copied into tests/), fixtures, constants."""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
import trustme

from s3m_grpc.emulator import Emulator

ROOT = Path(__file__).resolve().parent.parent
# What tests need from OLCF's and SchedMD's documents lives in the repository (tests/reference/,
# tests/contract/): a plain clone must be enough to run the suite.
REFERENCE = Path(__file__).resolve().parent / "reference"
DOCS = REFERENCE / "olcf-s3m-docs"
CONTRACT = Path(__file__).resolve().parent / "contract"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
VERSIONS = ("v0042", "v0043", "v0044")
# The stub methods OLCF documents, one per SlurmIndirect RPC.
DOCUMENTED_METHODS = (
    "ping",
    "get_partitions",
    "post_job_submit",
    "get_job",
    "get_jobs",
    "delete_job",
    "get_nodes",
    "get_reservations",
    "get_diag",
)

# Distinctive, so that a search of logs and messages for it cannot hit anything else.
TOKEN = "s3m-test-tok-Q7v2ZpL9xw"
# MinJobAge for emulators with a fast clock whose tests do not test purging: at time_scale 0.01 the
# default (300 s) purges a finished job 3 s after it ends, which a loaded machine can spend between
# two steps of a test.
KEEP_JOBS = 1e6
GRPC_TRANSPORTS = ("grpclib", "grpcio")


RunningServer = Emulator  # the name the tests use for "the server under test"

# The files that take longest (seconds, measured with --durations=0 on 2 cores), run first. Under
# `--dist loadfile` xdist hands files out in order (`make test` passes --no-loadscope-reorder: its
# default, most tests first, sent these out last), and the real-Slurm file alone (one 98 s wait on
# slurmctld's own time-limit timer) then set the suite's wall time: 3m16-3m38 -> 2m39 measured.
# Longest first is the classic fix; a file missing from here only runs later.
LONGEST_FIRST = (
    "test_slurm_gateway.py",  # 124
    "test_soak_short.py",  # 54
    "test_cli.py",  # 36
    "test_exactly_once.py",  # 28
    "test_generated_up_to_date.py",  # 16
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Put the longest files first (a stable sort: each file keeps its own order)."""
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))


async def until(condition: Callable[[], bool], timeout: float = 60.0) -> bool:
    """Poll `condition` until true or `timeout`; returns its last value (for processes and files,
    which have no event to await). The bound is generous: reached only when the code is broken."""
    deadline = time.monotonic() + timeout
    while not (met := condition()) and time.monotonic() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.02)
    return met


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[Emulator]:
    """An emulator on 127.0.0.1 that accepts TOKEN, with a fast clock."""
    async with Emulator(
        tokens=[TOKEN], work_dir=tmp_path / "emulator", time_scale=0.01, min_job_age=KEEP_JOBS
    ) as emulator:
        yield emulator


@pytest.fixture(scope="session")
def ca() -> trustme.CA:
    """A certificate authority made for this test run."""
    return trustme.CA()


@pytest.fixture(scope="session")
def server_ssl(ca: trustme.CA) -> ssl.SSLContext:
    """A server TLS context for 127.0.0.1/localhost, offering HTTP/2 by ALPN."""
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(ctx)
    ctx.set_alpn_protocols(["h2"])
    return ctx


@pytest.fixture(scope="session")
def ca_file(ca: trustme.CA, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The test CA's certificate as a PEM file."""
    path = tmp_path_factory.mktemp("ca") / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return str(path)
