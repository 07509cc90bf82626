"""Slurm's own definitions, shared by the client and the emulator: job states, NoVal structs, errors.

One copy of each, so that the client's idea of "finished" and the emulator's, or the error numbers
the emulator answers with and the ones the client maps, cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

#: Base job states after which a job never runs again (slurm.h's JOB_* end states).
TERMINAL_STATES: Final = frozenset(
    {
        "COMPLETED",
        "FAILED",
        "CANCELLED",
        "TIMEOUT",
        "NODE_FAIL",
        "OUT_OF_MEMORY",
        "PREEMPTED",
        "BOOT_FAIL",
        "DEADLINE",
    }
)
#: Base job states a job passes through before it ends.
ACTIVE_STATES: Final = frozenset({"PENDING", "RUNNING", "SUSPENDED", "CONFIGURING", "COMPLETING", "REQUEUED"})


def no_val(number: float | None = None, *, infinite: bool = False) -> dict[str, Any]:
    """A Slurm ``*_no_val_struct``; unset when `number` is None."""
    return {
        "set": number is not None and not infinite,
        "infinite": infinite,
        "number": 0 if number is None else number,
    }


def number_of(value: Any) -> int | None:
    """The number in a NoVal struct or a bare number (None when unset, -1 when infinite)."""
    if isinstance(value, Mapping):
        if value.get("infinite"):
            return -1
        return int(value.get("number", 0)) if value.get("set") else None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return int(value)
    return None


@dataclass(frozen=True)
class SlurmErrno:
    """One of slurm_errno.h's numbers: its text, and the gRPC code and HTTP status S3M answers with."""

    number: int
    text: str
    grpc_code: int = 3
    http_status: int = 400


#: The Slurm error numbers the emulator gives and the client maps (slurm_errno.h, slurm_strerror).
ERRNOS: Final[dict[int, SlurmErrno]] = {
    e.number: e
    for e in (
        SlurmErrno(1800, "Unable to contact slurm controller (connect failure)", 14, 503),
        SlurmErrno(2000, "Invalid partition name specified"),
        SlurmErrno(2002, "Access/permission denied", 7, 403),
        SlurmErrno(2005, "More processors requested than permitted"),
        SlurmErrno(2006, "Node count specification invalid"),
        SlurmErrno(2009, "Job script not specified"),
        SlurmErrno(2014, "Requested node configuration is not available"),
        SlurmErrno(2017, "Invalid job id specified", 5, 404),
        SlurmErrno(2021, "Job/step already completing or completed", 9, 409),
        SlurmErrno(2045, "Invalid account or account/partition combination specified"),
        SlurmErrno(2050, "Too many requests", 8, 429),
        SlurmErrno(2051, "Requested time limit is invalid (missing or exceeds some limit)"),
        SlurmErrno(2066, "Invalid qos specification"),
        SlurmErrno(2090, "Internal error", 13, 500),
        SlurmErrno(9000, "Invalid query"),
        SlurmErrno(9001, "Failed to parse"),
        SlurmErrno(9007, "Unknown resource or API version", 5, 404),
        SlurmErrno(9008, "Authentication failure", 16, 401),
    )
}
BY_TEXT: Final[dict[str, SlurmErrno]] = {e.text: e for e in ERRNOS.values()}


#: squeue's short state codes (``squeue -t PD``), and the states they name.
STATE_CODES: Final[dict[str, str]] = {
    "BF": "BOOT_FAIL",
    "CA": "CANCELLED",
    "CD": "COMPLETED",
    "CF": "CONFIGURING",
    "CG": "COMPLETING",
    "DL": "DEADLINE",
    "F": "FAILED",
    "NF": "NODE_FAIL",
    "OOM": "OUT_OF_MEMORY",
    "PD": "PENDING",
    "PR": "PREEMPTED",
    "R": "RUNNING",
    "RD": "RESV_DEL_HOLD",
    "RF": "REQUEUE_FED",
    "RH": "REQUEUE_HOLD",
    "RQ": "REQUEUED",
    "RS": "RESIZING",
    "RV": "REVOKED",
    "SI": "SIGNALING",
    "SE": "SPECIAL_EXIT",
    "SO": "STAGE_OUT",
    "ST": "STOPPED",
    "S": "SUSPENDED",
    "TO": "TIMEOUT",
}
#: Every job state Slurm reports (a job's base state).
JOB_STATES: Final = frozenset(STATE_CODES.values()) | TERMINAL_STATES | ACTIVE_STATES


def job_state(text: str) -> str:
    """A job state by its name or squeue code, any case (``pd``, ``Pending``: PENDING); ValueError
    naming the valid ones for anything else, so that a typo is not a silently empty listing."""
    name = str(text).strip().upper()
    name = STATE_CODES.get(name, name)
    if name not in JOB_STATES:
        valid = ", ".join(
            f"{state} ({code})" for code, state in sorted(STATE_CODES.items(), key=lambda i: i[1])
        )
        raise ValueError(f"unknown job state {text!r}: one of {valid}")
    return name


__all__ = [
    "ACTIVE_STATES",
    "BY_TEXT",
    "ERRNOS",
    "JOB_STATES",
    "STATE_CODES",
    "TERMINAL_STATES",
    "SlurmErrno",
    "job_state",
    "no_val",
    "number_of",
]
