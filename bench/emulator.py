"""The emulator in its own process, as users run it, for benchmarks that measure it from outside."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def emulator_process(header_file: Path) -> Iterator[tuple[str, str]]:
    """`python -m s3m_grpc.emulator` in its own process: (gRPC target, REST URL)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("S3M_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "s3m_grpc.emulator", "--write-header-file", str(header_file)],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline().split()
        fields = dict(part.split("=", 1) for part in line if "=" in part)
        yield fields["grpc"], fields["rest"]
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(30)
