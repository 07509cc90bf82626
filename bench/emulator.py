"""The emulator in its own process, as users run it, for benchmarks that measure it from outside."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from s3m_grpc.emulator.process import EmulatorProcess


@contextlib.contextmanager
def emulator_process(header_file: Path) -> Iterator[tuple[str, str]]:
    """`python -m s3m_grpc.emulator` in its own process: (gRPC target, REST URL)."""
    with EmulatorProcess("--write-header-file", str(header_file)) as emulator:
        yield emulator.grpc, emulator.rest
