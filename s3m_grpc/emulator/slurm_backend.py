"""The Slurm backend: the gateway in front of a real Slurm cluster, through the Slurm commands.

``s3m emulator --backend slurm`` serves SlurmIndirect for any cluster whose commands are on PATH
(``SLURM_CONF`` picks the cluster). Jobs go in with ``sbatch`` (the job description as options, the
script on stdin, the description's ``environment`` as sbatch's environment with ``--export=ALL``),
come out of ``squeue --json`` (Slurm 22.05 speaks data_parser v0.0.38: plain integers, single
states) and are cancelled with ``scancel``. Nodes come from ``sinfo --json``; partitions,
reservations, ping and diag, which 22.05 has no JSON for, from ``scontrol -o`` and ``sdiag`` text.

Everything is translated into Slurm's v0.0.43 shapes, driven by S3M's message descriptors (the
fields S3M carries): a plain integer becomes a no_val struct, Slurm's NO_VAL and INFINITE become
``set: false`` and ``infinite: true``, and a field the commands cannot supply is left unset, as
slurmrestd leaves it, never invented; ``render`` then shapes them per API version, as for the
built-in scheduler. GetJob's slurmdb record is derived from squeue's view of the job. Slurm's
refusals become the same errors (numbers and gRPC/HTTP status) the built-in scheduler gives.
"""

from __future__ import annotations

import asyncio
import datetime
import hashlib
import logging
import os
import re
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import orjson
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from s3m_apis_pb.slurm.v0044 import slurm_pb2

from s3m_grpc.emulator import answers
from s3m_grpc.emulator.state import SlurmRejection, exit_struct
from s3m_grpc.slurmdefs import BY_TEXT, TERMINAL_STATES, no_val, number_of

log = logging.getLogger("s3m_grpc.emulator.slurm")
JsonObject = dict[str, Any]
COMMANDS = ("sbatch", "scancel", "squeue", "sinfo", "scontrol", "sdiag")
NO_VAL32, INFINITE32 = 0xFFFFFFFE, 0xFFFFFFFF
NO_VAL64, INFINITE64 = 0xFFFFFFFFFFFFFFFE, 0xFFFFFFFFFFFFFFFF

_ERROR_LINE = re.compile(r"error: (?:.*?: )?(?P<text>[A-Z][^:\n]*?)\s*$", re.MULTILINE)


class SlurmCommandError(Exception):
    """A Slurm command failed in a way that is not a refusal of the request (not found, not running)."""


@dataclass
class SlurmJob:
    """One job as squeue reported it; ``rev`` changes whenever anything in it does."""

    job_id: int
    raw: JsonObject
    rev: int = field(init=False)

    def __post_init__(self) -> None:
        self.rev = int.from_bytes(hashlib.blake2b(orjson.dumps(self.raw), digest_size=8).digest(), "big")


class SlurmBackend:
    """A Slurm cluster behind the gateway, driven through its commands (see the module docstring)."""

    def __init__(self, *, slurm_conf: str | None = None, timeout: float = 30.0) -> None:
        """Check that the commands are on PATH; nothing is run until the first call."""
        missing = [c for c in COMMANDS if shutil.which(c) is None]
        if missing:
            raise SlurmCommandError(
                f"the Slurm backend needs {', '.join(missing)} on PATH (Debian: apt-get install slurm-wlm)"
            )
        # The commands run with this fixed environment and by absolute path, whatever requests say.
        self.commands = {c: str(shutil.which(c)) for c in COMMANDS}
        self.env = {k: v for k, v in os.environ.items() if k in ("PATH", "SLURM_CONF", "HOME", "LANG", "TZ")}
        if slurm_conf:
            self.env["SLURM_CONF"] = str(slurm_conf)
        self.timeout = timeout
        self.started_at = int(time.time())
        self.rpc_counts: dict[str, int] = {}
        self.model = SimpleNamespace(name="slurm")  # the renderer keys its caches by cluster name
        self.release: tuple[str, str, str] = ("0", "0", "0")  # Slurm's version, for replies' meta

    # -- the backend interface -----------------------------------------------------------------

    @staticmethod
    def clock() -> float:
        """Wall-clock seconds (Slurm's times are real times)."""
        return time.time()

    def count_rpc(self, message_type: str) -> None:
        """Count an RPC for diag's rpcs_by_message_type."""
        self.rpc_counts[message_type] = self.rpc_counts.get(message_type, 0) + 1

    async def start(self) -> None:
        """Learn the cluster's name (and so check that slurmctld answers)."""
        out = await self._run("scontrol", "show", "config")
        match = re.search(r"^ClusterName\s*=\s*(\S+)", out, re.MULTILINE)
        self.model.name = match.group(1) if match else "slurm"
        version = re.search(r"^SLURM_VERSION\s*=\s*(\d+)\.(\d+)\.(\d+)", out, re.MULTILINE)
        if version:
            self.release = (version[1], version[2].zfill(2), version[3])

    async def stop(self) -> None:
        """Nothing to stop: jobs belong to Slurm and keep running."""

    async def ping(self) -> JsonObject:
        """``scontrol ping``: the controller's name and state, and how long the round trip took."""
        started = time.perf_counter()
        out = await self._run("scontrol", "ping")
        latency = int((time.perf_counter() - started) * 1e6)
        match = re.search(r"Slurmctld\((?P<mode>\w+)\) at (?P<host>\S+) is (?P<state>\w+)", out)
        if match is None:
            raise SlurmCommandError(f"unexpected scontrol ping output: {out.strip()[:200]}")
        return {
            "hostname": match["host"],
            "pinged": match["state"],
            "responding": match["state"] == "UP",
            "latency": latency,
            "mode": match["mode"],
            "primary": match["mode"] == "primary",
        }

    async def submit(self, desc: JsonObject, script: str) -> int:
        """``sbatch --parsable`` with the description as options and the script on stdin.

        sbatch runs with the gateway's own fixed environment, never the request's: a request's
        ``LD_PRELOAD``, ``PATH`` or ``SLURM_CONF`` must not reach the gateway's processes. The job's
        variables go in a private file, as the job's only (``--export=NIL --export-file``: no
        variable of sbatch's own, and unlike NONE no login environment either, as with slurmrestd).
        """
        if not script or not script.strip():
            raise SlurmRejection(2009, description="Batch job script empty or missing")
        argv, environment = sbatch_arguments(desc)
        with tempfile.TemporaryDirectory(prefix="s3m-sbatch-") as private:  # 0700
            env_file = Path(private) / "environment"
            fd = os.open(env_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(b"".join(entry.encode() + b"\0" for entry in environment))
            out = await self._run(
                "sbatch",
                "--parsable",
                "--export=NIL",
                f"--export-file={env_file}",
                *argv,
                stdin=script.encode(),
            )
        return int(out.strip().split(";")[0])

    async def job(self, job_id: int) -> SlurmJob:
        """One job, or SlurmRejection 2017 when Slurm does not know it (any more)."""
        jobs = await self._squeue("--jobs", str(job_id))
        for job in jobs:
            if job.job_id == job_id:
                return job
        raise SlurmRejection(2017, description=f"job {job_id} not found")

    async def lookup(self, job_id: int) -> SlurmJob:
        """GetJob's job: squeue's (Slurm without slurmdbd forgets a job at MinJobAge)."""
        return await self.job(job_id)

    async def visible_jobs(self) -> list[SlurmJob]:
        """Every job slurmctld still holds."""
        return await self._squeue()

    async def cancel(self, job_id: int, signal_text: str = "", flags: str = "") -> str | None:
        """``scancel``; a job that already ended is not an error (a warning's text is returned).

        scancel itself says nothing (and exits 0) for an unknown or finished job, so squeue is asked
        first: 2017 for an unknown id, and for a job that has ended, slurmrestd's warning.
        """
        job = await self.job(job_id)
        state = job.raw.get("job_state")
        if state in TERMINAL_STATES:
            return f"Job was already sent signal {signal_text or 'SIGKILL'} (job {job_id} is {state})"
        argv = [f"--signal={signal_text}"] if signal_text else []
        upper = flags.upper()
        if "BATCH_JOB" in upper:
            argv.append("--batch")
        elif "FULL_JOB" in upper:
            argv.append("--full")
        await self._run("scancel", *argv, str(job_id))
        return None

    def job_info(self, job: SlurmJob) -> JsonObject:
        """A job in v0.0.43's shape."""
        return job_info(job.raw)

    def job_record(self, job: SlurmJob) -> JsonObject:
        """slurmdbd's record of a job, derived from squeue's view of it (the script is not asked for)."""
        return answers.job_record(self.job_info(job), now=time.time())

    async def node_list(self) -> list[JsonObject]:
        """``sinfo --json`` nodes in v0.0.43's shape."""
        data = orjson.loads(await self._run("sinfo", "--json"))
        return [node_info(n) for n in data.get("nodes", [])]

    async def partition_list(self) -> list[JsonObject]:
        """``scontrol -o show partition``, translated."""
        out = await self._run("scontrol", "-o", "show", "partition")
        return [
            partition_info(key_values(line), self.model.name) for line in out.splitlines() if line.strip()
        ]

    async def reservation_list(self) -> list[JsonObject]:
        """``scontrol -o show reservation``, translated (none: an empty list)."""
        out = await self._run("scontrol", "-o", "show", "reservation")
        if out.strip().startswith("No reservations"):
            return []
        return [reservation_info(key_values(line)) for line in out.splitlines() if line.strip()]

    async def diag(self) -> JsonObject:
        """``sdiag``'s counters that have v0.0.43 fields; the rest stay unset."""
        text = await self._run("sdiag")
        stats = diag_info(text)
        stats["rpcs_by_message_type"] = [
            {"type_id": i, "message_type": name, "count": count}
            for i, (name, count) in enumerate(sorted(self.rpc_counts.items()), start=1)
        ]
        return stats

    # -- plumbing ------------------------------------------------------------------------------

    async def _squeue(self, *argv: str) -> list[SlurmJob]:
        try:
            out = await self._run("squeue", "--json", "--states=all", *argv)
        except SlurmRejection as rejection:
            if rejection.number == 2017:
                return []
            raise
        data = orjson.loads(out)
        return [SlurmJob(int(j["job_id"]), j) for j in data.get("jobs", [])]

    async def _run(self, *argv: str, stdin: bytes | None = None) -> str:
        process = await asyncio.create_subprocess_exec(
            self.commands[argv[0]],
            *argv[1:],
            stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=self.env,
        )
        try:
            out, err = await asyncio.wait_for(process.communicate(stdin), self.timeout)
        except asyncio.TimeoutError:
            process.kill()
            await process.wait()
            raise SlurmRejection(
                1800,
                "Slurm command timed out",
                f"{argv[0]} did not answer in {self.timeout:g} s",
                grpc_status=14,
                http_status=503,
            ) from None
        text = err.decode("utf-8", "replace")
        if process.returncode != 0:
            raise rejection_from(argv[0], text)
        if text.strip():
            log.debug("%s: %s", argv[0], text.strip())
        return out.decode("utf-8", "replace")


def rejection_from(command: str, stderr: str) -> SlurmRejection:
    """The SlurmRejection for a failed command, by Slurm's error text."""
    for text in BY_TEXT:
        if text in stderr:
            found = SlurmRejection.from_text(text, stderr.strip()[:500])
            if found is not None:
                return found
    if "Unable to contact slurm controller" in stderr or "Connection refused" in stderr:
        return SlurmRejection(
            1800,
            "Unable to contact slurm controller (connect failure)",
            stderr.strip()[:500],
            grpc_status=14,
            http_status=503,
        )
    match = _ERROR_LINE.search(stderr)
    return SlurmRejection(
        9000 if command == "sbatch" else 1000,
        match["text"] if match else f"{command} failed",
        stderr.strip()[:500],
        grpc_status=3 if command == "sbatch" else 13,
        http_status=400 if command == "sbatch" else 500,
    )


# -- sbatch options ---------------------------------------------------------------------------

_STRING_OPTIONS = {
    "name": "--job-name",
    "partition": "--partition",
    "account": "--account",
    "qos": "--qos",
    "comment": "--comment",
    "current_working_directory": "--chdir",
    "standard_output": "--output",
    "standard_error": "--error",
    "standard_input": "--input",
    "reservation": "--reservation",
    "licenses": "--licenses",
}
_NUMBER_OPTIONS = {
    "tasks": "--ntasks",
    "cpus_per_task": "--cpus-per-task",
    "tasks_per_node": "--ntasks-per-node",
    "tasks_per_socket": "--ntasks-per-socket",
    "tasks_per_core": "--ntasks-per-core",
    "sockets_per_node": "--sockets-per-node",
    "threads_per_core": "--threads-per-core",
    "minimum_cpus_per_node": "--mincpus",
    "ntasks_per_tres": "--ntasks-per-gpu",
    "memory_per_node": "--mem",
    "memory_per_cpu": "--mem-per-cpu",
    "time_minimum": "--time-min",
    "priority": "--priority",
}
# Handled below, or only describing the request (the script travels on stdin).
_SPECIAL = {"environment", "time_limit", "begin_time", "script", "nodes", "minimum_nodes", "maximum_nodes",
            "wait_all_nodes", "distribution_plane_size"}  # fmt: skip


def sbatch_arguments(desc: JsonObject) -> tuple[list[str], list[str]]:
    """sbatch options for an S3M job description, and the job's environment (``NAME=value`` entries).

    A field sbatch has no option for is refused (error 9001) rather than dropped: a user's request
    must not lose part of itself on the way to Slurm. The environment is the job's only (sbatch's
    ``--export-file``), never sbatch's own.
    """
    unsupported = sorted(set(desc) - set(_STRING_OPTIONS) - set(_NUMBER_OPTIONS) - _SPECIAL)
    if unsupported:
        raise SlurmRejection(
            9001, "Unsupported job description field", "sbatch has no option for " + ", ".join(unsupported)
        )
    argv: list[str] = []
    for key, option in _STRING_OPTIONS.items():
        value = desc.get(key)
        if value not in (None, "", []):
            argv.append(f"{option}={value}")
    for key, option in _NUMBER_OPTIONS.items():
        value = number_of(desc.get(key))
        if value is not None and value >= 0:  # -1 is an infinite count: no option means no limit
            argv.append(f"{option}={value}")
    low, high = number_of(desc.get("minimum_nodes")), number_of(desc.get("maximum_nodes"))
    if low is not None:
        argv.append(f"--nodes={low}-{high}" if high else f"--nodes={low}")
    elif desc.get("nodes"):
        argv.append(f"--nodes={desc['nodes']}")
    limit = number_of(desc.get("time_limit"))
    if limit == -1:
        argv.append("--time=UNLIMITED")
    elif limit is not None:
        argv.append(f"--time={limit}")
    begin = number_of(desc.get("begin_time"))
    if begin:
        argv.append("--begin=" + datetime.datetime.fromtimestamp(begin).strftime("%Y-%m-%dT%H:%M:%S"))
    if desc.get("wait_all_nodes") is not None:
        argv.append(f"--wait-all-nodes={int(bool(desc['wait_all_nodes']))}")
    plane = number_of(desc.get("distribution_plane_size"))
    if plane:
        argv.append(f"--distribution=plane={plane}")
    environment = []
    for entry in desc.get("environment") or []:
        key, sep, _ = str(entry).partition("=")
        if not sep or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key) or "\x00" in str(entry):
            raise SlurmRejection(
                9001, "Failed to parse", f"environment entry {str(entry)[:40]!r} is not NAME=value"
            )
        environment.append(str(entry))
    return argv, environment


# -- v0.0.38 -> v0.0.43 --------------------------------------------------------------------------


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
    """Slurm's time text (UNLIMITED, MM, D-HH:MM:SS, HH:MM:SS) as a no_val of minutes."""
    if not text or text in ("NONE", "n/a"):
        return no_val()
    if text in ("UNLIMITED", "INFINITE"):
        return no_val(None, infinite=True)
    days, _, rest = text.rpartition("-")
    parts = [int(p) for p in rest.split(":")]
    if len(parts) == 1:
        minutes = parts[0] * 60 if days else parts[0]  # "D-HH" or plain minutes
    else:
        hours, mins, secs = ([0, 0, 0, *parts])[-3:]
        minutes = hours * 60 + mins + (1 if secs else 0)
    return no_val((int(days) * 1440 if days else 0) + minutes)


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
