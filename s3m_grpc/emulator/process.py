"""The emulator in a child process, as users run it: started, read until its ready line, stopped.

One helper for everything that runs ``python -m s3m_grpc.emulator`` from outside (``make demo``,
the benchmarks, the tests of the command line): the ready line is awaited with a deadline (an
emulator that never gets ready cannot hang its caller), parsed into its fields (``grpc``,
``rest``, and with TLS ``grpcs`` and ``ca``), and the process is stopped with SIGTERM, then
killed if it does not exit.
"""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from typing import IO

from s3m_grpc.emulator.cli import READY

READY_PREFIX = READY.partition("grpc=")[0]


class EmulatorProcess:
    """A running ``s3m emulator`` child; a context manager that stops it."""

    def __init__(
        self,
        *args: str,
        env: Mapping[str, str] | None = None,
        command: Sequence[str] = (sys.executable, "-m", "s3m_grpc.emulator"),
        ready_timeout: float = 60.0,
        capture_stderr: bool = False,
        detach: bool = False,
        log: IO[str] | None = None,
    ) -> None:
        # S3M_* of the caller's environment (a real token, an emulator address) must not leak
        # into the emulator unless given on purpose in `env`.
        base = {k: v for k, v in os.environ.items() if not k.startswith("S3M_")}
        self.process = subprocess.Popen(  # noqa: S603 - our own command line, no shell
            [*command, *args],
            stdout=subprocess.PIPE,
            # Detached, it must not hold the caller's stdin or stderr: `x=$(s3m emulator
            # --background 2>&1)` would wait for it to exit. Its messages go to `log` then.
            stdin=subprocess.DEVNULL if detach else None,
            stderr=subprocess.PIPE if capture_stderr else log,
            text=True,
            env={**base, **(env or {})},
            start_new_session=detach,  # detached: the terminal's Ctrl-C and hang-up do not reach it
        )
        try:
            self.ready_line = self._read_ready(ready_timeout)
        except BaseException:
            self.stop()
            raise
        #: The ready line's ``key=value`` fields: grpc, rest (and grpcs, ca with TLS).
        self.fields = dict(part.split("=", 1) for part in self.ready_line.split() if "=" in part)

    @property
    def grpc(self) -> str:
        """The gRPC target, ``127.0.0.1:PORT``."""
        return self.fields["grpc"]

    @property
    def rest(self) -> str:
        """The REST base URL, ``http://127.0.0.1:PORT``."""
        return self.fields["rest"]

    @property
    def stderr(self) -> IO[str] | None:
        """The emulator's stderr when ``capture_stderr=True`` (read it after stop(): a full pipe
        would block the emulator, so capture only what a test reads)."""
        return self.process.stderr

    def _read_ready(self, timeout: float) -> str:
        stdout = self.process.stdout
        if stdout is None:  # pragma: no cover - Popen was given stdout=PIPE
            raise RuntimeError("the emulator's stdout is not a pipe")
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise RuntimeError(f"the emulator printed no ready line within {timeout:g} s")
            readable, _, _ = select.select([stdout], [], [], remaining)
            if not readable:
                continue
            line = stdout.readline()
            if not line:  # it exited
                self.process.wait(10)
                error = self.process.stderr.read() if self.process.stderr is not None else ""
                raise RuntimeError(f"the emulator exited ({self.process.returncode}) before ready: {error}")
            if line.startswith(READY_PREFIX):
                return line.strip()

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30.0) -> int:
        """Signal it (SIGTERM: a clean stop), wait, kill if it lingers; returns its exit status."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout)
        if self.process.stdout is not None:
            self.process.stdout.close()
        return self.process.returncode

    def __enter__(self) -> EmulatorProcess:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
        if self.process.stderr is not None:
            self.process.stderr.close()


__all__ = ["READY_PREFIX", "EmulatorProcess"]
