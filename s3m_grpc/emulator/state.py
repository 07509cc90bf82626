"""The emulator's job record, slurmctld's refusals, and the small Slurm conventions both need."""

from __future__ import annotations

import getpass
import os
import signal as signals
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from s3m_grpc.slurmdefs import BY_TEXT, ERRNOS, TERMINAL_STATES, no_val

JsonObject = dict[str, Any]


class SlurmRejection(Exception):
    """slurmctld refused a request: an entry for ``errors[]`` plus the status to answer with."""

    def __init__(
        self,
        number: int,
        error: str | None = None,
        description: str = "",
        *,
        source: str = "slurmctld",
        grpc_status: int | None = None,
        http_status: int | None = None,
    ) -> None:
        known = ERRNOS.get(number)
        error = error or (known.text if known else f"Slurm error {number}")
        super().__init__(description or error)
        self.number = number
        self.error = error
        self.description = description or error
        self.source = source
        self.grpc_status = grpc_status if grpc_status is not None else (known.grpc_code if known else 3)
        self.http_status = http_status if http_status is not None else (known.http_status if known else 400)

    @classmethod
    def from_text(
        cls, text: str, description: str = "", *, source: str = "slurmctld"
    ) -> SlurmRejection | None:
        """The rejection for one of Slurm's error texts (as its commands print them), if known."""
        known = BY_TEXT.get(text)
        return cls(known.number, known.text, description or text, source=source) if known else None

    def entry(self) -> JsonObject:
        """This rejection as a Slurm ``errors[]`` entry."""
        return {
            "error_number": self.number,
            "error": self.error,
            "description": self.description,
            "source": self.source,
        }


def parse_signal(text: str) -> int:
    """``SIGTERM``, ``TERM`` or ``15`` -> 15; raises SlurmRejection for anything else."""
    name = text.strip().upper()
    if name.isascii() and name.isdigit() and 0 < int(name) < 65:
        return int(name)
    if not name.startswith("SIG"):
        name = "SIG" + name
    try:
        return int(signals.Signals[name])
    except KeyError:
        raise SlurmRejection(9000, "Invalid query", f"unknown signal {text!r}", source="signal") from None


def signal_name(number: int) -> str:
    """``9`` -> ``SIGKILL`` ("" for 0 or an unknown number)."""
    return signals.Signals(number).name if number and number in signals.valid_signals() else ""


@dataclass
class Job:
    """One job, version-neutral; ``rev`` changes whenever anything shown about it changes."""

    job_id: int
    desc: JsonObject
    script: str
    user: str
    partition: str
    nodes_wanted: int
    tasks: int
    cpus_per_task: int
    time_limit: int | None  # minutes; None: the partition's default applies at start
    cwd: str
    submit_time: int
    state: str = "PENDING"
    reason: str = "None"
    description: str = ""
    start_time: int = 0
    end_time: int = 0
    alloc: dict[str, int] = field(default_factory=dict)  # node -> CPUs, while it runs
    ran_on: list[str] = field(default_factory=list)  # the nodes it was given, kept after it ends
    exit_code: int = 0
    signal: int = 0
    rev: int = 0
    purged: bool = False
    #: The batch shell's pid and its kernel start time (to recognise it after a crash), while it runs.
    pid: int = 0
    pid_start: int = 0
    cancel_signal: int | None = None
    timed_out: bool = False
    process: Any = None  # asyncio.subprocess.Process while it runs

    @property
    def name(self) -> str:
        """The job name (Slurm's default for a batch job without one is "sbatch")."""
        return str(self.desc.get("name") or "sbatch")

    @property
    def terminal(self) -> bool:
        """True once the job has finished, in whatever way."""
        return self.state in TERMINAL_STATES

    def touch(self) -> None:
        """Mark the job changed (its rendered forms are recomputed)."""
        self.rev += 1

    def record(self) -> JsonObject:
        """What persists across restarts."""
        keep = (
            "job_id", "desc", "script", "user", "partition", "nodes_wanted", "tasks", "cpus_per_task",
            "time_limit", "cwd", "submit_time", "state", "reason", "description", "start_time", "end_time",
            "alloc", "ran_on", "exit_code", "signal", "purged", "pid", "pid_start",
        )  # fmt: skip
        return {k: getattr(self, k) for k in keep}


def exit_struct(finished: bool, return_code: int, signal: int) -> JsonObject:
    """Slurm's ProcessExitCodeVerbose: PENDING until the job ends, then SUCCESS, ERROR or SIGNALED."""
    if not finished:
        status = ["PENDING"]
    elif signal:
        status = ["SIGNALED"]
    elif return_code:
        status = ["ERROR"]
    else:
        status = ["SUCCESS"]
    return {
        "status": status,
        "return_code": no_val(return_code),
        "signal": {"id": no_val(signal) if signal else no_val(), "name": signal_name(signal)},
    }


def nodes_from_text(text: Any) -> int | None:
    """``"2"`` or ``"2-4"`` (Slurm's --nodes) -> the minimum."""
    if not isinstance(text, str) or not text:
        return None
    head = text.split("-", 1)[0]
    return int(head) if head.isascii() and head.isdigit() else None


def current_user() -> str:
    """The emulator's own user, whom every job runs as."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return str(os.getuid())


def expand(pattern: str, job: Job, cwd: Path) -> Path:
    """Slurm's filename patterns: %j job id, %x job name, %u user, %N first node, %% a percent."""
    if not pattern:
        return Path()
    out, i = [], 0
    codes = {
        "j": str(job.job_id),
        "x": job.name,
        "u": job.user,
        "%": "%",
        "A": str(job.job_id),
        "N": min(job.alloc) if job.alloc else "",
        "a": "4294967294",
        "s": "batch",
        "t": "0",
    }
    while i < len(pattern):
        c = pattern[i]
        if c == "%" and i + 1 < len(pattern):
            out.append(codes.get(pattern[i + 1], "%" + pattern[i + 1]))
            i += 2
            continue
        out.append(c)
        i += 1
    path = Path("".join(out))
    return path if path.is_absolute() else cwd / path


__all__ = [
    "Job",
    "SlurmRejection",
    "current_user",
    "exit_struct",
    "expand",
    "nodes_from_text",
    "parse_signal",
    "signal_name",
]
