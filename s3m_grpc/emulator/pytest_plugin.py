"""pytest plugin: the ``s3m_emulator`` fixture (installed with s3m-grpc, entry point ``pytest11``).

    def test_my_workflow(s3m_emulator):
        # S3M_EMULATOR_HOST, S3M_EMULATOR_REST_URL and S3M_TOKEN now point at the emulator, so code
        # that does S3MClientFactory("s3m.olcf.ornl.gov", os.environ["S3M_TOKEN"]) talks to it.
        ...

The emulator runs on its own thread and event loop, so the fixture serves synchronous and async
tests alike. ``s3m_emulator_time_scale`` in the pytest ini file shortens Slurm's clock (default 1).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from s3m_grpc.emulator.app import Emulator


def pytest_addoption(parser: pytest.Parser) -> None:
    """Register the ini option."""
    parser.addini(
        "s3m_emulator_time_scale", "real seconds per emulated second for s3m_emulator", default="1.0"
    )


@pytest.fixture
def s3m_emulator(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pytestconfig: pytest.Config
) -> Iterator[Emulator]:
    """A running S3M emulator, with the environment pointing S3MClientFactory at it."""
    scale = float(pytestconfig.getini("s3m_emulator_time_scale"))
    emulator = Emulator(work_dir=tmp_path / "s3m-emulator", time_scale=scale)
    with emulator.running():
        for key, value in emulator.env().items():
            monkeypatch.setenv(key, value)
        monkeypatch.setenv("S3M_TOKEN", emulator.token)
        yield emulator


__all__ = ["pytest_addoption", "s3m_emulator"]
