"""Slurm 22.05's command output (data_parser v0.0.38 JSON, ``scontrol -o`` and ``sdiag`` text)
as Slurm's v0.0.43 objects, driven by S3M's message descriptors.

A plain integer becomes a no_val struct, Slurm's NO_VAL and INFINITE become ``set: false`` and
``infinite: true``, and a field the commands cannot supply is left unset, as slurmrestd leaves
it, never invented.
"""

from __future__ import annotations

import datetime
import math
from typing import Any

from google.protobuf.descriptor import Descriptor, FieldDescriptor
from s3m_apis_pb.slurm.v0044 import slurm_pb2

from s3m_grpc.emulator.state import exit_struct
from s3m_grpc.sbatch import parse_time
from s3m_grpc.slurmdefs import TERMINAL_STATES, no_val

JsonObject = dict[str, Any]
NO_VAL32, INFINITE32 = 0xFFFFFFFE, 0xFFFFFFFF
NO_VAL64, INFINITE64 = 0xFFFFFFFFFFFFFFFE, 0xFFFFFFFFFFFFFFFF


def translate(desc: Descriptor, source: JsonObject) -> JsonObject:
    """The fields of `source` that `desc` has, converted to its types; the others are left unset."""
    out: JsonObject = {}
    for key, value in source.items():
        fd = desc.fields_by_name.get(key)
        if fd is None:
            continue
        converted = _convert(fd, value)
        if converted is not _UNSET:
            out[key] = converted
    return out


_UNSET = object()
_NOVAL_BITS = {"Uint16NoVal": 16, "Uint32NoVal": 32, "Int32NoVal": 32, "Uint64NoVal": 64, "Int64NoVal": 64}


def _convert(fd: FieldDescriptor, value: Any) -> Any:
    repeated = fd.is_repeated
    if fd.message_type is not None:
        name = fd.message_type.name
        if name in _NOVAL_BITS or name == "Float64NoVal":
            return _UNSET if repeated else slurm_no_val(value, _NOVAL_BITS.get(name, 64))
        if repeated and isinstance(value, list):
            return [translate(fd.message_type, v) for v in value if isinstance(v, dict)]
        if isinstance(value, dict):
            return translate(fd.message_type, value)
        return _UNSET
    if value is None:
        return _UNSET
    if repeated:
        if isinstance(value, list):
            return [str(v) for v in value]
        if isinstance(value, str):
            return [v for v in value.split(",") if v]
        return _UNSET
    if fd.type == FieldDescriptor.TYPE_STRING:
        return value if isinstance(value, str) else _UNSET
    if fd.type == FieldDescriptor.TYPE_BOOL:
        return value if isinstance(value, bool) else _UNSET
    if fd.type in (FieldDescriptor.TYPE_DOUBLE, FieldDescriptor.TYPE_FLOAT):
        return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else _UNSET
    return value if isinstance(value, int) and not isinstance(value, bool) else _UNSET


def slurm_no_val(value: Any, bits: int = 32) -> JsonObject:
    """A plain v0.0.38 number as a no_val struct: null and NO_VAL unset, INFINITE infinite."""
    if value is None or isinstance(value, bool) or not isinstance(value, (int, float)):
        return no_val()
    infinite, unset = (INFINITE64, NO_VAL64) if bits == 64 else (INFINITE32, NO_VAL32)
    if bits == 16:
        infinite, unset = 0xFFFF, 0xFFFE
    if value == infinite:
        return no_val(None, infinite=True)
    if value == unset:
        return no_val()
    return no_val(value)


_JOB = slurm_pb2.SlurmJobDescription.DESCRIPTOR
_NODE = slurm_pb2.SlurmNodeDescription.DESCRIPTOR


def job_info(raw: JsonObject) -> JsonObject:
    """A v0.0.38 squeue job as a v0.0.43 JobInfo (exit codes decoded from the wait status)."""
    info = translate(_JOB, {k: v for k, v in raw.items() if k not in ("exit_code", "derived_exit_code")})
    state = str(raw.get("job_state") or "")
    info["job_state"] = (
        [state] + [f for f in raw.get("state_flags", []) if isinstance(f, str)] if state else []
    )
    for key in ("exit_code", "derived_exit_code"):
        info[key] = exit_code(raw.get(key), state)
    return info


def exit_code(status: Any, state: str) -> JsonObject:
    """A wait(2) status as v0.0.43's ProcessExitCodeVerbose (PENDING until the job has ended)."""
    if state not in TERMINAL_STATES or not isinstance(status, int):
        return exit_struct(False, 0, 0)
    return exit_struct(True, (status >> 8) & 0xFF, status & 0x7F)


def node_info(raw: JsonObject) -> JsonObject:
    """A v0.0.38 sinfo node as a v0.0.43 Node."""
    info = translate(_NODE, raw)
    info["state"] = [str(raw.get("state", "")).upper()] + [str(f) for f in raw.get("state_flags", [])]
    after_reboot = str(raw.get("next_state_after_reboot", "invalid"))
    info["next_state_after_reboot"] = [] if after_reboot == "invalid" else [after_reboot.upper()]
    if "slurmd_version" in raw:
        info["version"] = raw["slurmd_version"]
    if "free_memory" in raw:
        info["free_mem"] = slurm_no_val(raw["free_memory"], 64)
    return info


def key_values(line: str) -> dict[str, str]:
    """``scontrol -o`` output: space-separated Key=Value pairs (values may not contain spaces)."""
    out: dict[str, str] = {}
    for item in line.split():
        key, sep, value = item.partition("=")
        if sep:
            out[key] = value
    return out


def _minutes(text: str | None) -> JsonObject:
    """Slurm's time text (UNLIMITED, MM, MM:SS, HH:MM:SS, D-HH[:MM[:SS]]) as a no_val of minutes."""
    if not text or text in ("NONE", "n/a"):
        return no_val()
    minutes = parse_time(text)  # the one parser of Slurm's time formats, sbatch's
    return no_val(None, infinite=True) if math.isinf(minutes) else no_val(int(minutes))


def _count(text: str | None) -> JsonObject:
    if text is None or not text.isdigit():
        return no_val(None, infinite=text == "UNLIMITED")
    return no_val(int(text))


def partition_info(kv: dict[str, str], cluster: str) -> JsonObject:
    """One ``scontrol -o show partition`` line as a v0.0.43 PartitionInfo."""
    nodes = kv.get("Nodes", "")
    return {
        "name": kv.get("PartitionName", ""),
        "cluster": cluster,
        "nodes": {
            "configured": "" if nodes == "(null)" else nodes,
            "total": int(kv.get("TotalNodes", "0") or 0),
            "allowed_allocation": kv.get("AllocNodes", "") if kv.get("AllocNodes") != "ALL" else "",
        },
        "cpus": {"total": int(kv.get("TotalCPUs", "0") or 0)},
        "defaults": {"time": _minutes(kv.get("DefaultTime"))},
        "maximums": {"time": _minutes(kv.get("MaxTime")), "nodes": _count(kv.get("MaxNodes"))},
        "minimums": {"nodes": int(kv.get("MinNodes", "1") or 1)},
        "priority": {
            "job_factor": int(kv.get("PriorityJobFactor", "1") or 1),
            "tier": int(kv.get("PriorityTier", "1") or 1),
        },
        "partition": {"state": [kv.get("State", "UNKNOWN")]},
        "tres": {"configured": kv.get("TRES", "")},
        "grace_time": int(kv.get("GraceTime", "0") or 0),
        "alternate": "" if kv.get("Alternate") in (None, "(null)") else kv["Alternate"],
    }


def _epoch(text: str | None) -> JsonObject:
    if not text or text in ("Unknown", "None", "(null)"):
        return no_val()
    return no_val(int(datetime.datetime.fromisoformat(text).timestamp()))


def reservation_info(kv: dict[str, str]) -> JsonObject:
    """One ``scontrol -o show reservation`` line as a v0.0.43 ReservationInfo."""

    def text(key: str) -> str:
        value = kv.get(key, "")
        return "" if value == "(null)" else value

    return {
        "name": kv.get("ReservationName", ""),
        "node_list": text("Nodes"),
        "node_count": int(kv.get("NodeCnt", "0") or 0),
        "core_count": int(kv.get("CoreCnt", "0") or 0),
        "start_time": _epoch(kv.get("StartTime")),
        "end_time": _epoch(kv.get("EndTime")),
        "partition": text("PartitionName"),
        "flags": [f for f in text("Flags").split(",") if f],
        "users": text("Users"),
        "accounts": text("Accounts"),
        "features": text("Features"),
        "licenses": text("Licenses"),
        "burst_buffer": text("BurstBuffer"),
        "tres": text("TRES"),
    }


# sdiag's line label -> v0.0.43 StatsMsg field (integers only; the rest stays unset).
_SDIAG = {
    "Server thread count": "server_thread_count",
    "Agent queue size": "agent_queue_size",
    "Agent count": "agent_count",
    "Agent thread count": "agent_thread_count",
    "DBD Agent queue size": "dbd_agent_queue_size",
    "Jobs submitted": "jobs_submitted",
    "Jobs started": "jobs_started",
    "Jobs completed": "jobs_completed",
    "Jobs canceled": "jobs_canceled",
    "Jobs failed": "jobs_failed",
    "Jobs pending": "jobs_pending",
    "Jobs running": "jobs_running",
}


def diag_info(text: str) -> JsonObject:
    """The top-level counters of ``sdiag`` output."""
    stats: JsonObject = {}
    for line in text.splitlines():
        label, sep, value = line.partition(":")
        key = _SDIAG.get(label.strip())
        if sep and key and value.strip().split()[0].isdigit():
            stats[key] = int(value.strip().split()[0])
        if label.strip() == "Data since" and sep:
            stamp = value.strip().split("(")[-1].rstrip(")")
            if stamp.isdigit():
                stats["req_time_start"] = no_val(int(stamp))
        if label.strip() == "sdiag output at" and sep:
            stamp = value.strip().split("(")[-1].rstrip(")")
            if stamp.isdigit():
                stats["req_time"] = no_val(int(stamp))
    return stats


__all__ = [
    "diag_info",
    "exit_code",
    "job_info",
    "key_values",
    "node_info",
    "partition_info",
    "reservation_info",
    "slurm_no_val",
    "translate",
]
