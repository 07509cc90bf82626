"""The built-in backend: a small Slurm that really runs batch scripts.

Jobs are validated the way slurmctld does (with its error numbers), wait for free CPUs on their
partition's nodes (first come, first served, with later jobs backfilled when they fit), run as
real processes (``runner``), and finish COMPLETED, FAILED (with their exit code), CANCELLED or
TIMEOUT. Finished jobs are purged after MinJobAge. What the scheduler reports about them is built
by ``answers`` and shaped per API version by ``render``.

``time_scale`` shrinks Slurm's clock for tests: with 0.01 a one-minute time limit lasts 0.6 s.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import signal as signals
import socket
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from s3m_grpc.emulator import answers, cluster_answers
from s3m_grpc.emulator.model import ClusterModel
from s3m_grpc.emulator.runner import Runner, kill_group, process_start_time
from s3m_grpc.emulator.state import (
    Job,
    SlurmRejection,
    current_user,
    nodes_from_text,
    parse_signal,
    signal_name,
)
from s3m_grpc.emulator.store import JobStore
from s3m_grpc.slurmdefs import number_of

log = logging.getLogger("s3m_grpc.emulator")

JsonObject = dict[str, Any]
SLURM_RELEASE = cluster_answers.SLURM_RELEASE


@dataclass(frozen=True)
class Archived:
    """A purged job's final accounting record (its script dropped, to bound the archive's size)."""

    job_id: int
    rev: int
    record: JsonObject


class Scheduler:
    """One Slurm cluster: validation, scheduling, the job runner and the answers about them."""

    #: Purged jobs whose accounting records GetJob still answers (the oldest are dropped first).
    ARCHIVE = 10_000

    def __init__(
        self,
        model: ClusterModel,
        *,
        time_scale: float = 1.0,
        min_job_age: float = 300.0,
        first_job_id: int = 1001,
        work_dir: Path,
        store: JobStore | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if time_scale <= 0:
            raise ValueError("time_scale must be positive")
        self.model = model
        self.time_scale = time_scale
        self.min_job_age = min_job_age
        self.work_dir = work_dir
        self.store = store
        self.clock = clock
        self.started_at = int(clock())
        self.jobs: dict[int, Job] = {}
        self.archive: OrderedDict[int, Archived] = OrderedDict()
        self.counters = dict.fromkeys(
            ("jobs_submitted", "jobs_started", "jobs_completed", "jobs_canceled", "jobs_failed"), 0
        )
        self.rpc_counts: dict[str, int] = {}
        self._next_id = first_job_id  # Slurm's FirstJobId
        self._wake = asyncio.Event()
        self._loop_task: asyncio.Task[None] | None = None
        self._runners: set[asyncio.Task[None]] = set()
        self.host = socket.gethostname()
        self.runner = Runner(
            model, work_dir=work_dir, time_scale=time_scale, finish=self._finish, spawned=self._persist
        )

    # -- lifecycle -------------------------------------------------------------------------------

    async def start(self) -> None:
        """Recover persisted jobs, then start scheduling."""
        if self.store is not None:
            for record in self.store.load(self.model.name):
                job = Job(**record)
                if job.state in ("RUNNING", "CONFIGURING", "COMPLETING"):
                    # The runner died with the previous emulator (kill -9): its job may still run,
                    # in its own session. Stop it, so that what is reported (FAILED, NodeDown) is
                    # what happened; then say so rather than lose the job.
                    if job.pid and job.pid_start and process_start_time(job.pid) == job.pid_start:
                        kill_group(job.pid, signals.SIGKILL)
                        log.warning(
                            "job %s: killed its process %s, left running by a crash", job.job_id, job.pid
                        )
                    job.state, job.reason = "FAILED", "NodeDown"
                    job.description = "the emulator stopped while the job was running"
                    job.end_time = int(self.clock())
                    job.exit_code, job.alloc, job.pid, job.pid_start = 1, {}, 0, 0
                    self._persist(job)
                self.jobs[job.job_id] = job
                self._next_id = max(self._next_id, job.job_id + 1)
            # Ids are never reused, even those of jobs already purged (as slurmctld's state file).
            self._next_id = max(self._next_id, self.store.next_id(self.model.name))
        self._loop_task = asyncio.create_task(self._loop(), name=f"scheduler-{self.model.name}")

    async def stop(self) -> None:
        """End every running job (TERM, then KILL) and stop scheduling."""
        if self._loop_task is not None:
            self._loop_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop_task
        self.runner.stopping = True
        for job in self.jobs.values():
            if job.process is not None and job.process.returncode is None:
                job.description = "the emulator stopped while the job was running"
                kill_group(job.process.pid, signals.SIGKILL)
        if self._runners:
            await asyncio.gather(*self._runners, return_exceptions=True)

    # -- requests --------------------------------------------------------------------------------

    def count_rpc(self, message_type: str) -> None:
        """Count an RPC for diag's rpcs_by_message_type."""
        self.rpc_counts[message_type] = self.rpc_counts.get(message_type, 0) + 1

    def submit(self, desc: JsonObject, script: str) -> int:
        """Validate a job description as slurmctld would and queue it; returns the job id."""
        if not script or not script.strip():
            raise SlurmRejection(2009, description="Batch job script empty or missing", source="script")
        part_name = desc.get("partition") or self.model.default_partition.name
        partition = self.model.partition(part_name)
        if partition is None:
            raise SlurmRejection(
                2000, "Invalid partition name specified", f"partition {part_name!r} does not exist"
            )
        nodes = number_of(desc.get("minimum_nodes")) or nodes_from_text(desc.get("nodes")) or 1
        tasks = number_of(desc.get("tasks")) or nodes
        cpus_per_task = number_of(desc.get("cpus_per_task")) or 1
        if nodes < 1 or tasks < 1 or cpus_per_task < 1:
            raise SlurmRejection(
                2006, "Node count specification invalid", "node, task and CPU counts must be positive"
            )
        if nodes > min(partition.max_nodes, len(partition.nodes)):
            raise SlurmRejection(
                2006,
                "Node count specification invalid",
                f"{nodes} nodes requested; partition {partition.name} allows "
                f"{min(partition.max_nodes, len(partition.nodes))}",
            )
        nodes_by_name = self.model.node_by_name
        node_cpus = sorted(
            (nodes_by_name[n].cpus for n in partition.nodes if n in nodes_by_name), reverse=True
        )
        if math.ceil(tasks * cpus_per_task / nodes) > node_cpus[0]:
            raise SlurmRejection(
                2005,
                "More processors requested than permitted",
                f"{tasks * cpus_per_task} CPUs on {nodes} node(s)",
            )
        limit = number_of(desc.get("time_limit"))
        if limit is not None and (limit < 0 or limit > partition.max_time):
            raise SlurmRejection(
                2051,
                "Requested time limit is invalid (missing or exceeds some limit)",
                f"time limit {'UNLIMITED' if limit < 0 else limit} exceeds the "
                f"{partition.max_time}-minute maximum of partition {partition.name}",
            )
        job_id = self._next_id
        self._next_id += 1
        job = Job(
            job_id=job_id,
            desc=desc,
            script=script,
            user=current_user(),
            partition=partition.name,
            nodes_wanted=nodes,
            tasks=tasks,
            cpus_per_task=cpus_per_task,
            time_limit=limit,
            cwd=str(desc.get("current_working_directory") or self.work_dir),
            submit_time=int(self.clock()),
        )
        self.jobs[job_id] = job
        self.counters["jobs_submitted"] += 1
        self._persist(job)
        self._wake.set()
        return job_id

    def job(self, job_id: int) -> Job:
        """A job that has not been purged, or SlurmRejection 2017 (404 / NOT_FOUND)."""
        job = self.jobs.get(job_id)
        if job is None or job.purged:
            raise SlurmRejection(2017, description=f"job {job_id} not found")
        return job

    def lookup(self, job_id: int) -> Job | Archived:
        """A job as accounting (GetJob) knows it: still held, or archived after its purge."""
        archived = self.archive.get(job_id)
        return archived if archived is not None else self.job(job_id)

    def visible_jobs(self) -> list[Job]:
        """Jobs slurmctld still holds (not yet purged), by id."""
        return [j for _, j in sorted(self.jobs.items()) if not j.purged]

    def cancel(self, job_id: int, signal_text: str = "", flags: str = "") -> str | None:
        """Signal (default: SIGKILL) or cancel a job as ``DELETE /job/{id}`` does.

        A job that has already ended is not an error, as with slurmrestd (ESLURM_ALREADY_DONE is
        answered with a warning and HTTP 200): the warning's text is returned.
        """
        job = self.job(job_id)
        sig = parse_signal(signal_text) if signal_text else int(signals.SIGKILL)
        if job.terminal:
            return f"Job was already sent signal {signal_name(sig) or sig} (job {job_id} is {job.state})"
        if job.state == "PENDING":
            job.state, job.reason, job.end_time = "CANCELLED", "None", int(self.clock())
            job.signal = sig
            self.counters["jobs_canceled"] += 1
            job.touch()
            self._persist(job)
            return None
        # RUNNING: signal it now, or, if its process is still being started, let the runner do it.
        job.cancel_signal = sig
        if job.process is not None and job.process.returncode is None:
            if "BATCH_JOB" in flags.upper():
                with contextlib.suppress(ProcessLookupError):
                    job.process.send_signal(sig)
            else:
                kill_group(job.process.pid, sig)
        return None

    # -- scheduling ------------------------------------------------------------------------------

    def free_cpus(self) -> dict[str, int]:
        """Free CPUs per usable node."""
        free = {n.name: n.cpus for n in self.model.nodes if n.state not in ("DRAIN", "DOWN")}
        for job in self.jobs.values():
            if job.state == "RUNNING":
                for node, cpus in job.alloc.items():
                    if node in free:
                        free[node] -= cpus
        return free

    async def _loop(self) -> None:
        # Passes are batched (at most one per 10 ms) so that a burst of submissions costs one pass.
        while True:
            # Also tick once a second without activity, as slurmctld does: purges and begin times.
            # A timer sets the event rather than a timeout around the wait: no helper task per tick
            # (a leak check can tell the loop's tasks apart), and stop()'s cancel lands on the wait
            # itself, where nothing can swallow it (wait_for can: CPython gh-86296).
            tick = asyncio.get_running_loop().call_later(1.0, self._wake.set)
            try:
                await self._wake.wait()
            finally:
                tick.cancel()
            self._wake.clear()
            self._schedule()
            self._purge()
            await asyncio.sleep(0.01)

    def _schedule(self) -> None:
        free = self.free_cpus()
        now = int(self.clock())
        for job in self.jobs.values():
            if job.state != "PENDING":
                continue
            begin = number_of(job.desc.get("begin_time"))
            if begin and begin > now:
                self._set_reason(job, "BeginTime")
                continue
            if not any(free.values()):
                self._set_reason(job, "Resources")
                continue
            partition = self.model.partition(job.partition)
            if partition is None:  # validated at submission; only a changed config could remove it
                self._set_reason(job, "PartitionDown")
                continue
            per_node = math.ceil(job.tasks * job.cpus_per_task / job.nodes_wanted)
            fits = [n for n in partition.nodes if free.get(n, 0) >= per_node][: job.nodes_wanted]
            if len(fits) < job.nodes_wanted:
                self._set_reason(job, "Resources")
                continue
            for node in fits:
                free[node] -= per_node
            self._start(job, {node: per_node for node in fits})

    def _set_reason(self, job: Job, reason: str) -> None:
        if job.reason != reason:
            job.reason = reason
            job.touch()

    def _purge(self) -> None:
        # slurmctld forgets a job MinJobAge after it ends, in memory and on disk, so that a
        # long-running gateway does not grow with its history; slurmdbd remembers it, and S3M's
        # GetJob answers from there: a bounded archive of final records plays slurmdbd.
        horizon = self.clock() - self.min_job_age * self.time_scale
        expired = [
            job for job in self.jobs.values() if job.terminal and job.end_time and job.end_time < horizon
        ]
        for job in expired:
            job.purged = True
            job.touch()
            self.archive[job.job_id] = Archived(job.job_id, job.rev, self.job_record(job) | {"script": ""})
            while len(self.archive) > self.ARCHIVE:
                self.archive.popitem(last=False)
            del self.jobs[job.job_id]
            if self.store is not None:
                self.store.forget(self.model.name, job.job_id, next_id=self._next_id)

    def _start(self, job: Job, alloc: dict[str, int]) -> None:
        partition = self.model.partition(job.partition)
        if job.time_limit is None and partition is not None:
            job.time_limit = partition.default_time
        job.state, job.reason, job.alloc = "RUNNING", "None", alloc
        job.ran_on = sorted(alloc)
        job.start_time = int(self.clock())
        self.counters["jobs_started"] += 1
        job.touch()
        self._persist(job)
        task = asyncio.create_task(self.runner.run(job), name=f"job-{self.model.name}-{job.job_id}")
        self._runners.add(task)
        task.add_done_callback(self._runners.discard)

    def _finish(self, job: Job, state: str, *, exit_code: int, sig: int = 0, description: str = "") -> None:
        job.state, job.exit_code, job.signal = state, exit_code, int(sig)
        job.reason = "NonZeroExitCode" if state == "FAILED" and exit_code else "None"
        if state == "TIMEOUT":
            job.reason = "TimeLimit"
        job.description = description or job.description
        job.end_time = int(self.clock())
        job.alloc = {}
        job.process = None
        job.pid = job.pid_start = 0
        key = {"COMPLETED": "jobs_completed", "CANCELLED": "jobs_canceled"}.get(state, "jobs_failed")
        self.counters[key] += 1
        job.touch()
        self._persist(job)
        self._wake.set()

    def _persist(self, job: Job) -> None:
        if self.store is not None:
            self.store.save(self.model.name, job.job_id, job.record())

    # -- answers (Slurm's v0.0.43 objects; render shapes them per API version) -------------------

    def job_info(self, job: Job) -> JsonObject:
        """slurmctld's ``job_info`` of a job, now."""
        return answers.job_info(job, self.model, host=self.host)

    def job_record(self, job: Job | Archived) -> JsonObject:
        """slurmdbd's record of a job (what S3M's GetJob answers)."""
        if isinstance(job, Archived):
            return job.record
        return answers.job_record(self.job_info(job), script=job.script, now=self.clock())

    def node_list(self) -> list[JsonObject]:
        """Every node with its allocation and state."""
        return cluster_answers.node_list(self.model, self.free_cpus(), started_at=self.started_at)

    def partition_list(self) -> list[JsonObject]:
        """Every partition with its limits."""
        return cluster_answers.partition_list(self.model)

    def reservation_list(self) -> list[JsonObject]:
        """The configured reservations, with absolute times."""
        return cluster_answers.reservation_list(self.model, started_at=self.started_at)

    def diag(self) -> JsonObject:
        """Scheduler statistics that follow real activity."""
        return cluster_answers.diag(
            self.jobs.values(), self.counters, self.rpc_counts, now=self.clock(), started_at=self.started_at
        )

    async def ping(self) -> JsonObject:
        """One controller, with the measured latency of a round trip through the event loop."""
        started = time.perf_counter()
        await asyncio.sleep(0)
        return cluster_answers.ping(self.model, latency=int((time.perf_counter() - started) * 1e6))


__all__ = ["SLURM_RELEASE", "Archived", "Scheduler"]
