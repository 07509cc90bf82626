"""The Slurm backend: the gateway in front of a real Slurm cluster, through the Slurm commands.

``s3m emulator --backend slurm`` serves SlurmIndirect for any cluster whose commands are on PATH
(``SLURM_CONF`` picks the cluster). Jobs go in with ``sbatch`` (the job description as options, the
script on stdin, the description's ``environment`` as the job's through ``--export=NIL --export-file``),
come out of ``squeue --json`` (Slurm 22.05 speaks data_parser v0.0.38: plain integers, single
states) and are cancelled with ``scancel``. Nodes come from ``sinfo --json``; partitions,
reservations, ping and diag, which 22.05 has no JSON for, from ``scontrol -o`` and ``sdiag`` text.

Everything is translated into Slurm's v0.0.43 shapes by ``slurm_v0038`` (driven by S3M's message
descriptors); ``render`` then shapes them per API version, as for the built-in scheduler. sbatch's
options come from ``slurm_sbatch``. GetJob's slurmdb record is derived from squeue's view of the job. Slurm's
refusals become the same errors (numbers and gRPC/HTTP status) the built-in scheduler gives.
"""

from __future__ import annotations

import asyncio
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

from s3m_grpc._aio import within
from s3m_grpc.emulator import answers
from s3m_grpc.emulator.slurm_sbatch import sbatch_arguments
from s3m_grpc.emulator.slurm_v0038 import (
    diag_info,
    job_info,
    key_values,
    node_info,
    partition_info,
    reservation_info,
)
from s3m_grpc.emulator.state import SlurmRejection
from s3m_grpc.slurmdefs import BY_TEXT, TERMINAL_STATES

log = logging.getLogger("s3m_grpc.emulator.slurm")
JsonObject = dict[str, Any]
COMMANDS = ("sbatch", "scancel", "squeue", "sinfo", "scontrol", "sdiag")

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
            out, err = await within(process.communicate(stdin), self.timeout)
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


__all__ = ["COMMANDS", "SlurmBackend", "SlurmCommandError", "SlurmJob", "rejection_from"]
