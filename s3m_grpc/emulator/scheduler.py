"""The built-in backend: a small Slurm that really runs batch scripts.

Jobs are validated the way slurmctld does (with its error numbers), wait for free CPUs on their
partition's nodes (first come, first served, with later jobs backfilled when they fit), run as
``bash`` in their own process group in ``current_working_directory``, with exactly the submitted
environment plus the ``SLURM_*`` variables a batch job sees, and finish COMPLETED, FAILED (with
their exit code), CANCELLED or TIMEOUT. Finished jobs are purged after MinJobAge.

``time_scale`` shrinks Slurm's clock for tests: with 0.01 a one-minute time limit lasts 0.6 s.
"""

from __future__ import annotations

import asyncio
import contextlib
import getpass
import logging
import math
import os
import signal as signals
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from s3m_grpc._aio import bounded
from s3m_grpc.emulator.model import ClusterModel, compress_hostlist
from s3m_grpc.emulator.store import JobStore

log = logging.getLogger("s3m_grpc.emulator")

JsonObject = dict[str, Any]
TERMINAL = frozenset({"COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL"})
SLURM_RELEASE = ("25", "05", "8")
KILL_WAIT = 30.0  # seconds between SIGTERM and SIGKILL at a time limit (Slurm's KillWait)


class SlurmRejection(Exception):
    """slurmctld refused a request: an entry for ``errors[]`` plus the status to answer with."""

    def __init__(
        self,
        number: int,
        error: str,
        description: str = "",
        *,
        source: str = "slurmctld",
        grpc_status: int = 3,
        http_status: int = 400,
    ) -> None:
        super().__init__(description or error)
        self.number = number
        self.error = error
        self.description = description or error
        self.source = source
        self.grpc_status = grpc_status
        self.http_status = http_status

    def entry(self) -> JsonObject:
        """This rejection as a Slurm ``errors[]`` entry."""
        return {
            "error_number": self.number,
            "error": self.error,
            "description": self.description,
            "source": self.source,
        }


def no_val(number: float | None = None, *, infinite: bool = False) -> JsonObject:
    """A Slurm *_no_val_struct; unset when `number` is None."""
    return {
        "set": number is not None and not infinite,
        "infinite": infinite,
        "number": 0 if number is None else number,
    }


def number_of(value: Any) -> int | None:
    """The number in a NoVal struct or a bare number (None when unset, -1 when infinite)."""
    if isinstance(value, dict):
        if value.get("infinite"):
            return -1
        return int(value.get("number", 0)) if value.get("set") else None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return int(value)
    return None


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
    alloc: dict[str, int] = field(default_factory=dict)  # node -> CPUs
    exit_code: int = 0
    signal: int = 0
    rev: int = 0
    purged: bool = False
    cancel_signal: int | None = None
    timed_out: bool = False
    process: asyncio.subprocess.Process | None = None

    @property
    def name(self) -> str:
        """The job name (Slurm's default for a batch job without one is "sbatch")."""
        return str(self.desc.get("name") or "sbatch")

    @property
    def terminal(self) -> bool:
        """True once the job has finished, in whatever way."""
        return self.state in TERMINAL

    def touch(self) -> None:
        """Mark the job changed (its rendered forms are recomputed)."""
        self.rev += 1

    def record(self) -> JsonObject:
        """What persists across restarts."""
        keep = (
            "job_id",
            "desc",
            "script",
            "user",
            "partition",
            "nodes_wanted",
            "tasks",
            "cpus_per_task",
            "time_limit",
            "cwd",
            "submit_time",
            "state",
            "reason",
            "description",
            "start_time",
            "end_time",
            "alloc",
            "exit_code",
            "signal",
            "purged",
        )
        return {k: getattr(self, k) for k in keep}


class Scheduler:
    """One Slurm cluster: validation, scheduling, the job runner and the answers about them."""

    def __init__(
        self,
        model: ClusterModel,
        *,
        time_scale: float = 1.0,
        min_job_age: float = 300.0,
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
        self.counters = dict.fromkeys(
            ("jobs_submitted", "jobs_started", "jobs_completed", "jobs_canceled", "jobs_failed"), 0
        )
        self.rpc_counts: dict[str, int] = {}
        self._next_id = 1001
        self._wake = asyncio.Event()
        self._loop_task: asyncio.Task[None] | None = None
        self._runners: set[asyncio.Task[None]] = set()
        self.host = socket.gethostname()

    # -- lifecycle -------------------------------------------------------------------------------

    async def start(self) -> None:
        """Recover persisted jobs, then start scheduling."""
        if self.store is not None:
            for record in self.store.load(self.model.name):
                job = Job(**record)
                if job.state in ("RUNNING", "CONFIGURING", "COMPLETING"):
                    # The runner died with the previous emulator: say so, do not lose the job.
                    job.state, job.reason = "FAILED", "NodeDown"
                    job.description = "the emulator stopped while the job was running"
                    job.end_time = int(self.clock())
                    job.exit_code, job.alloc = 1, {}
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
        for job in self.jobs.values():
            if job.process is not None and job.process.returncode is None:
                job.description = "the emulator stopped while the job was running"
                _kill_group(job.process, signals.SIGKILL)
        if self._runners:
            await asyncio.gather(*self._runners, return_exceptions=True)

    # -- requests --------------------------------------------------------------------------------

    def count_rpc(self, message_type: str) -> None:
        """Count an RPC for diag's rpcs_by_message_type."""
        self.rpc_counts[message_type] = self.rpc_counts.get(message_type, 0) + 1

    def submit(self, desc: JsonObject, script: str) -> int:
        """Validate a job description as slurmctld would and queue it; returns the job id."""
        if not script or not script.strip():
            raise SlurmRejection(
                2009, "Job script not specified", "Batch job script empty or missing", source="script"
            )
        part_name = desc.get("partition") or self.model.default_partition.name
        partition = self.model.partition(part_name)
        if partition is None:
            raise SlurmRejection(
                2000, "Invalid partition name specified", f"partition {part_name!r} does not exist"
            )
        nodes = number_of(desc.get("minimum_nodes")) or _nodes_from_text(desc.get("nodes")) or 1
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
        node_cpus = sorted((n.cpus for n in self.model.nodes if n.name in partition.nodes), reverse=True)
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
            user=_user(),
            partition=partition.name,
            nodes_wanted=nodes,
            tasks=tasks,
            cpus_per_task=cpus_per_task,
            time_limit=limit,
            cwd=str(desc.get("current_working_directory") or self.work_dir),
            submit_time=int(self.clock()),
        )
        if desc.get("hold"):
            job.reason = "JobHeldUser"
        self.jobs[job_id] = job
        self.counters["jobs_submitted"] += 1
        self._persist(job)
        self._wake.set()
        return job_id

    def job(self, job_id: int) -> Job:
        """A job that has not been purged, or SlurmRejection 2017 (404 / NOT_FOUND)."""
        job = self.jobs.get(job_id)
        if job is None or job.purged:
            raise SlurmRejection(
                2017, "Invalid job id specified", f"job {job_id} not found", grpc_status=5, http_status=404
            )
        return job

    def visible_jobs(self) -> list[Job]:
        """Jobs slurmctld still holds (not yet purged), by id."""
        return [j for _, j in sorted(self.jobs.items()) if not j.purged]

    def cancel(self, job_id: int, signal_text: str = "", flags: str = "") -> None:
        """Signal (default: SIGKILL) or cancel a job as ``DELETE /job/{id}`` does."""
        job = self.job(job_id)
        sig = parse_signal(signal_text) if signal_text else int(signals.SIGKILL)
        if job.terminal:
            raise SlurmRejection(
                2021,
                "Job/step already completing or completed",
                f"job {job_id} is {job.state}",
                grpc_status=9,
                http_status=409,
            )
        if job.state == "PENDING":
            job.state, job.reason, job.end_time = "CANCELLED", "None", int(self.clock())
            job.signal = sig
            self.counters["jobs_canceled"] += 1
            job.touch()
            self._persist(job)
            return
        # RUNNING: signal it now, or, if its process is still being started, let the runner do it.
        job.cancel_signal = sig
        if job.process is not None and job.process.returncode is None:
            if "BATCH_JOB" in flags.upper():
                with contextlib.suppress(ProcessLookupError):
                    job.process.send_signal(sig)
            else:
                _kill_group(job.process, sig)

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
            # (bounded, not wait_for: wait_for can swallow stop()'s cancel and loop forever.)
            await bounded(self._wake.wait(), 1.0)
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
            if job.desc.get("hold"):
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
        # slurmctld forgets a job MinJobAge after it ends (only slurmdbd remembers it); so do we,
        # in memory and on disk, so that a long-running gateway does not grow with its history.
        horizon = self.clock() - self.min_job_age * self.time_scale
        expired = [
            job for job in self.jobs.values() if job.terminal and job.end_time and job.end_time < horizon
        ]
        for job in expired:
            job.purged = True
            job.touch()
            del self.jobs[job.job_id]
            if self.store is not None:
                self.store.forget(self.model.name, job.job_id, next_id=self._next_id)

    def _start(self, job: Job, alloc: dict[str, int]) -> None:
        partition = self.model.partition(job.partition)
        if job.time_limit is None and partition is not None:
            job.time_limit = partition.default_time
        job.state, job.reason, job.alloc = "RUNNING", "None", alloc
        job.start_time = int(self.clock())
        self.counters["jobs_started"] += 1
        job.touch()
        self._persist(job)
        task = asyncio.create_task(self._run(job), name=f"job-{self.model.name}-{job.job_id}")
        self._runners.add(task)
        task.add_done_callback(self._runners.discard)

    async def _run(self, job: Job) -> None:
        try:
            await self._run_process(job)
        except Exception as exc:  # the runner must never leave a job RUNNING forever
            log.exception("job %s: runner failed", job.job_id)
            self._finish(job, "FAILED", exit_code=1, description=f"emulator runner error: {exc}")

    async def _run_process(self, job: Job) -> None:
        prepared = await asyncio.to_thread(self._prepare, job)  # file system work off the event loop
        if isinstance(prepared, str):
            self._finish(job, "FAILED", exit_code=1, description=prepared)
            return
        script_path, stdin, stdout, stderr = prepared
        if job.cancel_signal is not None:  # cancelled while its files were being prepared
            for handle in {stdout, stderr, stdin}:
                handle.close()
            self._finish(job, "CANCELLED", exit_code=0, sig=job.cancel_signal)
            return
        try:
            job.process = await asyncio.create_subprocess_exec(
                "/bin/bash",
                str(script_path),
                cwd=job.cwd,
                env=self._environment(job),
                stdin=stdin,
                stdout=stdout,
                stderr=stderr,
                start_new_session=True,
            )
        finally:
            for handle in {stdout, stderr, stdin}:
                handle.close()
        if job.cancel_signal is not None:  # cancelled while the process was being spawned
            _kill_group(job.process, job.cancel_signal)
        limit = (
            None if job.time_limit is None or job.time_limit < 0 else job.time_limit * 60 * self.time_scale
        )
        try:
            await asyncio.wait_for(asyncio.shield(job.process.wait()), limit)
        except asyncio.TimeoutError:
            job.timed_out = True
            _kill_group(job.process, signals.SIGTERM)
            try:
                await asyncio.wait_for(
                    asyncio.shield(job.process.wait()), max(KILL_WAIT * self.time_scale, 0.1)
                )
            except asyncio.TimeoutError:
                _kill_group(job.process, signals.SIGKILL)
                await job.process.wait()
        rc = job.process.returncode
        if rc is None:
            raise RuntimeError("a finished job without a return code")
        if job.timed_out:
            self._finish(job, "TIMEOUT", exit_code=0, sig=signals.SIGTERM if rc < 0 else 0)
        elif rc < 0:
            state = "CANCELLED" if job.cancel_signal is not None else "FAILED"
            self._finish(job, state, exit_code=0, sig=-rc)
        elif rc == 0:
            self._finish(job, "COMPLETED", exit_code=0)
        else:
            self._finish(job, "FAILED", exit_code=rc)
        with contextlib.suppress(OSError):
            script_path.unlink()

    def _prepare(self, job: Job) -> tuple[Path, Any, Any, Any] | str:
        """Write the script and open the job's I/O files; a failure is the reason the job fails."""
        cwd = Path(job.cwd)
        if not cwd.is_dir():
            # slurmstepd cannot chdir: the job fails at once, as on a real cluster.
            return f"couldn't chdir to `{cwd}': No such file or directory"
        out_path = _expand(job.desc.get("standard_output") or "slurm-%j.out", job, cwd)
        err_path = (
            _expand(job.desc["standard_error"], job, cwd) if job.desc.get("standard_error") else out_path
        )
        in_path = _expand(job.desc.get("standard_input") or "/dev/null", job, cwd)
        script_path = self.work_dir / f"job-{self.model.name}-{job.job_id}.sh"
        try:
            script_path.write_text(job.script, encoding="utf-8")
            stdout = open(out_path, "a", encoding="utf-8")  # noqa: SIM115 - handed to the child
            stderr = stdout if err_path == out_path else open(err_path, "a", encoding="utf-8")  # noqa: SIM115
            stdin = open(in_path, encoding="utf-8")  # noqa: SIM115
        except OSError as exc:
            return f"cannot open job I/O file {exc.filename}: {exc.strerror}"
        return script_path, stdin, stdout, stderr

    def _finish(self, job: Job, state: str, *, exit_code: int, sig: int = 0, description: str = "") -> None:
        job.state, job.exit_code, job.signal = state, exit_code, int(sig)
        job.reason = "NonZeroExitCode" if state == "FAILED" and exit_code else "None"
        if state == "TIMEOUT":
            job.reason = "TimeLimit"
        job.description = description or job.description
        job.end_time = int(self.clock())
        job.alloc = {}
        job.process = None
        key = {"COMPLETED": "jobs_completed", "CANCELLED": "jobs_canceled"}.get(state, "jobs_failed")
        self.counters[key] += 1
        job.touch()
        self._persist(job)
        self._wake.set()

    def _environment(self, job: Job) -> dict[str, str]:
        env: dict[str, str] = {}
        for entry in job.desc.get("environment") or []:
            key, sep, value = str(entry).partition("=")
            if sep and key:
                env[key] = value
        nodes = sorted(job.alloc)
        per_node = next(iter(job.alloc.values()), 0)
        env.update(
            {
                "SLURM_JOB_ID": str(job.job_id),
                "SLURM_JOBID": str(job.job_id),
                "SLURM_JOB_NAME": job.name,
                "SLURM_SUBMIT_DIR": job.cwd,
                "SLURM_SUBMIT_HOST": self.host,
                "SLURM_JOB_PARTITION": job.partition,
                "SLURM_JOB_ACCOUNT": str(job.desc.get("account") or ""),
                "SLURM_JOB_USER": job.user,
                "SLURM_JOB_UID": str(os.getuid()),
                "SLURM_CLUSTER_NAME": self.model.name,
                "SLURM_NTASKS": str(job.tasks),
                "SLURM_NPROCS": str(job.tasks),
                "SLURM_JOB_NUM_NODES": str(len(nodes)),
                "SLURM_NNODES": str(len(nodes)),
                "SLURM_JOB_NODELIST": compress_hostlist(nodes),
                "SLURM_NODELIST": compress_hostlist(nodes),
                "SLURM_CPUS_PER_TASK": str(job.cpus_per_task),
                "SLURM_CPUS_ON_NODE": str(per_node),
                "SLURM_JOB_CPUS_PER_NODE": f"{per_node}(x{len(nodes)})" if len(nodes) > 1 else str(per_node),
                "SLURM_TASKS_PER_NODE": str(max(job.tasks // max(len(nodes), 1), 1)),
                "SLURMD_NODENAME": nodes[0] if nodes else "",
                "SLURM_NODEID": "0",
                "SLURM_PROCID": "0",
                "SLURM_LOCALID": "0",
                "SLURM_JOB_QOS": str(job.desc.get("qos") or "normal"),
                "SLURM_GTIDS": "0",
                "ENVIRONMENT": "BATCH",
            }
        )
        if job.desc.get("comment"):
            env["SLURM_JOB_COMMENT"] = str(job.desc["comment"])
        return env

    def _persist(self, job: Job) -> None:
        if self.store is not None:
            self.store.save(self.model.name, job.job_id, job.record())

    # -- answers (v0.0.43 JSON) -----------------------------------------------------------------

    def job_info(self, job: Job) -> JsonObject:
        """A complete ``job_info`` object, as slurmctld reports the job now."""
        desc, running = job.desc, job.state == "RUNNING"
        nodes = sorted(job.alloc)
        cpus = sum(job.alloc.values()) or job.tasks * job.cpus_per_task
        limit = job.time_limit
        partition = self.model.partition(job.partition)
        if limit is None and partition is not None:
            limit = partition.default_time
        out_path = desc.get("standard_output") or "slurm-%j.out"
        err_path = desc.get("standard_error") or out_path
        info: JsonObject = {
            "account": str(desc.get("account") or ""),
            "accrue_time": no_val(job.submit_time),
            "admin_comment": "",
            "allocating_node": self.host,
            "array_job_id": no_val(0),
            "array_task_id": no_val(),
            "array_max_tasks": no_val(0),
            "array_task_string": "",
            "association_id": 0,
            "batch_features": "",
            "batch_flag": True,
            "batch_host": nodes[0] if nodes else "",
            "flags": ["EXACT_CPU_COUNT_REQUESTED"],
            "burst_buffer": "",
            "burst_buffer_state": "",
            "cluster": self.model.name,
            "cluster_features": "",
            "command": "",
            "comment": str(desc.get("comment") or ""),
            "container": "",
            "container_id": "",
            "contiguous": False,
            "core_spec": 0,
            "thread_spec": 0,
            "cores_per_socket": no_val(),
            "billable_tres": {"set": True, "infinite": False, "number": float(cpus)},
            "cpus_per_task": no_val(job.cpus_per_task),
            "cpu_frequency_minimum": no_val(),
            "cpu_frequency_maximum": no_val(),
            "cpu_frequency_governor": no_val(),
            "cpus_per_tres": "",
            "cron": "",
            "deadline": no_val(0),
            "delay_boot": no_val(0),
            "dependency": str(desc.get("dependency") or ""),
            "derived_exit_code": _exit(job),
            "eligible_time": no_val(job.submit_time),
            "end_time": no_val(job.end_time),
            "excluded_nodes": "",
            "exit_code": _exit(job),
            "extra": "",
            "failed_node": "",
            "features": str(desc.get("constraints") or ""),
            "federation_origin": "",
            "federation_siblings_active": "",
            "federation_siblings_viable": "",
            "gres_detail": [],
            "group_id": os.getgid(),
            "group_name": job.user,
            "het_job_id": no_val(0),
            "het_job_id_set": "",
            "het_job_offset": no_val(0),
            "job_id": job.job_id,
            "job_size_str": [],
            "job_state": [job.state],
            "last_sched_evaluation": no_val(job.start_time or job.submit_time),
            "licenses": "",
            "licenses_allocated": "",
            "mail_type": list(desc.get("mail_type") or []),
            "mail_user": str(desc.get("mail_user") or ""),
            "max_cpus": no_val(0),
            "max_nodes": no_val(0),
            "mcs_label": "",
            "memory_per_tres": "",
            "name": job.name,
            "network": "",
            "nodes": compress_hostlist(nodes),
            "nice": int(desc.get("nice") or 0),
            "tasks_per_core": no_val(None, infinite=True),
            "tasks_per_tres": no_val(0),
            "tasks_per_node": no_val(0),
            "tasks_per_socket": no_val(None, infinite=True),
            "tasks_per_board": no_val(0),
            "cpus": no_val(cpus),
            "node_count": no_val(job.nodes_wanted),
            "tasks": no_val(job.tasks),
            "partition": job.partition,
            "prefer": "",
            "memory_per_cpu": no_val(),
            "memory_per_node": no_val(number_of(desc.get("memory_per_node"))),
            "minimum_cpus_per_node": no_val(job.cpus_per_task),
            "minimum_tmp_disk_per_node": no_val(0),
            "power": {"flags": []},
            "preempt_time": no_val(0),
            "preemptable_time": no_val(0),
            "pre_sus_time": no_val(0),
            "hold": bool(desc.get("hold")),
            "priority": no_val(0 if desc.get("hold") else 4294901757 - job.job_id % 10000),
            "priority_by_partition": [],
            "profile": ["NOT_SET"],
            "qos": str(desc.get("qos") or "normal"),
            "reboot": False,
            "required_nodes": "",
            "required_switches": 0,
            "requeue": bool(desc.get("requeue", False)),
            "resize_time": no_val(0),
            "restart_cnt": 0,
            "resv_name": str(desc.get("reservation") or ""),
            "scheduled_nodes": "",
            "segment_size": 0,
            "selinux_context": "",
            "shared": [],
            "sockets_per_board": 0,
            "sockets_per_node": no_val(),
            "start_time": no_val(job.start_time),
            "state_description": job.description,
            "state_reason": job.reason,
            "standard_input": str(desc.get("standard_input") or "/dev/null"),
            "standard_output": out_path,
            "standard_error": err_path,
            "stdin_expanded": str(_expand(desc.get("standard_input") or "/dev/null", job, Path(job.cwd))),
            "stdout_expanded": str(_expand(out_path, job, Path(job.cwd))),
            "stderr_expanded": str(_expand(err_path, job, Path(job.cwd))),
            "submit_time": no_val(job.submit_time),
            "suspend_time": no_val(0),
            "system_comment": "",
            "time_limit": no_val(limit) if limit is not None and limit >= 0 else no_val(None, infinite=True),
            "time_minimum": no_val(0),
            "threads_per_core": no_val(),
            "tres_bind": "",
            "tres_freq": "",
            "tres_per_job": "",
            "tres_per_node": str(desc.get("tres_per_node") or ""),
            "tres_per_socket": "",
            "tres_per_task": "",
            "tres_req_str": f"cpu={cpus},node={job.nodes_wanted},billing={cpus}",
            "tres_alloc_str": f"cpu={cpus},node={len(nodes)},billing={cpus}" if nodes else "",
            "user_id": os.getuid(),
            "user_name": job.user,
            "maximum_switch_wait_time": 0,
            "wckey": "",
            "current_working_directory": job.cwd,
        }
        if running:
            info["job_resources"] = {
                "select_type": ["CORE", "MEMORY"],
                "cpus": cpus,
                "threads_per_core": no_val(1),
                "nodes": {
                    "count": len(nodes),
                    "select_type": ["AVAILABLE"],
                    "list": compress_hostlist(nodes),
                    "whole": False,
                    "allocation": [
                        {
                            "index": i,
                            "name": node,
                            "cpus": {"count": job.alloc[node], "used": job.alloc[node]},
                            "memory": {"used": 0, "allocated": 0},
                            "sockets": [],
                        }
                        for i, node in enumerate(nodes)
                    ],
                },
            }
        return info

    def node_list(self) -> list[JsonObject]:
        """Every node with its allocation and state."""
        free = self.free_cpus()
        out = []
        for n in self.model.nodes:
            used = n.cpus - free.get(n.name, n.cpus)
            state = "ALLOCATED" if used >= n.cpus else "MIXED" if used else "IDLE"
            flags = [n.state] if n.state in ("DOWN",) else [state] + (["DRAIN"] if n.state == "DRAIN" else [])
            out.append(
                {
                    "architecture": "x86_64",
                    "burstbuffer_network_address": "",
                    "boards": 1,
                    "boot_time": no_val(self.started_at),
                    "tls_cert_last_renewal": no_val(),
                    "cert_flags": [],
                    "cluster_name": self.model.name,
                    "cores": n.cpus // n.sockets,
                    "specialized_cores": 0,
                    "cpu_binding": 0,
                    "cpu_load": used * 100,
                    "free_mem": no_val(n.real_memory * (n.cpus - used) // n.cpus),
                    "cpus": n.cpus,
                    "effective_cpus": n.cpus,
                    "specialized_cpus": "",
                    "energy": {
                        "average_watts": 0,
                        "base_consumed_energy": 0,
                        "consumed_energy": 0,
                        "current_watts": no_val(),
                        "previous_consumed_energy": 0,
                        "last_collected": 0,
                    },
                    "external_sensors": {},
                    "extra": "",
                    "power": {},
                    "features": ["gpu"] if n.gpus else [],
                    "active_features": ["gpu"] if n.gpus else [],
                    "gpu_spec": "",
                    "gres": f"gpu:{n.gpus}" if n.gpus else "",
                    "gres_drained": "N/A",
                    "gres_used": "",
                    "instance_id": "",
                    "instance_type": "",
                    "last_busy": no_val(self.started_at),
                    "mcs_label": "",
                    "specialized_memory": 0,
                    "name": n.name,
                    "next_state_after_reboot": [],
                    "address": n.name,
                    "hostname": n.name,
                    "state": flags,
                    "operating_system": "Linux (s3m-grpc emulator)",
                    "owner": "",
                    "partitions": [p.name for p in self.model.partitions if n.name in p.nodes],
                    "port": 6818,
                    "real_memory": n.real_memory,
                    "res_cores_per_gpu": 0,
                    "comment": "",
                    "reason": n.reason,
                    "reason_changed_at": no_val(self.started_at if n.reason else 0),
                    "reason_set_by_user": "root" if n.reason else "",
                    "resume_after": no_val(),
                    "reservation": "",
                    "alloc_memory": n.real_memory * used // n.cpus,
                    "alloc_cpus": used,
                    "alloc_idle_cpus": n.cpus - used,
                    "tres_used": f"cpu={used}" if used else "",
                    "tres_weighted": float(used),
                    "slurmd_start_time": no_val(self.started_at),
                    "sockets": n.sockets,
                    "threads": 1,
                    "temporary_disk": 0,
                    "weight": 1,
                    "topology": "",
                    "tres": f"cpu={n.cpus},mem={n.real_memory}M,billing={n.cpus}"
                    + (f",gres/gpu={n.gpus}" if n.gpus else ""),
                    "version": ".".join(SLURM_RELEASE),
                }
            )
        return out

    def partition_list(self) -> list[JsonObject]:
        """Every partition with its limits."""
        out = []
        for p in self.model.partitions:
            cpus = sum(n.cpus for n in self.model.nodes if n.name in p.nodes)
            out.append(
                {
                    "nodes": {
                        "allowed_allocation": "",
                        "configured": compress_hostlist(p.nodes),
                        "total": len(p.nodes),
                    },
                    "accounts": {"allowed": "", "deny": ""},
                    "groups": {"allowed": ""},
                    "qos": {"allowed": "", "deny": "", "assigned": ""},
                    "alternate": "",
                    "tres": {
                        "billing_weights": "",
                        "configured": f"cpu={cpus},node={len(p.nodes)},billing={cpus}",
                    },
                    "cluster": self.model.name,
                    "select_type": ["CORE", "MEMORY"],
                    "cpus": {"task_binding": 0, "total": cpus},
                    "defaults": {
                        "memory_per_cpu": 0,
                        "partition_memory_per_cpu": no_val(),
                        "partition_memory_per_node": no_val(),
                        "time": no_val(p.default_time),
                        "job": "",
                    },
                    "grace_time": 0,
                    "maximums": {
                        "cpus_per_node": no_val(None, infinite=True),
                        "cpus_per_socket": no_val(None, infinite=True),
                        "memory_per_cpu": 0,
                        "partition_memory_per_cpu": no_val(),
                        "partition_memory_per_node": no_val(None, infinite=True),
                        "nodes": no_val(p.max_nodes),
                        "shares": 1,
                        "oversubscribe": {"jobs": 1, "flags": []},
                        "time": no_val(p.max_time),
                        "over_time_limit": no_val(),
                    },
                    "minimums": {"nodes": 1},
                    "name": p.name,
                    "node_sets": "",
                    "priority": {"job_factor": 1, "tier": p.tier},
                    "timeouts": {"resume": no_val(), "suspend": no_val()},
                    "topology": "",
                    "partition": {"state": [p.state]},
                    "suspend_time": no_val(),
                }
            )
        return out

    def reservation_list(self) -> list[JsonObject]:
        """The configured reservations, with absolute times."""
        return [
            {
                "accounts": "",
                "burst_buffer": "",
                "core_count": sum(n.cpus for n in self.model.nodes if n.name in r.nodes),
                "core_specializations": [],
                "end_time": no_val(self.started_at + r.start_in + r.duration),
                "features": "",
                "flags": list(r.flags),
                "groups": "",
                "licenses": "",
                "max_start_delay": 0,
                "name": r.name,
                "node_count": len(r.nodes),
                "node_list": compress_hostlist(r.nodes),
                "partition": r.partition,
                "purge_completed": {"time": no_val()},
                "start_time": no_val(self.started_at + r.start_in),
                "watts": no_val(None, infinite=True),
                "tres": f"cpu={sum(n.cpus for n in self.model.nodes if n.name in r.nodes)}",
                "users": r.users,
            }
            for r in self.model.reservations
        ]

    def diag(self) -> JsonObject:
        """Scheduler statistics that follow real activity."""
        now = int(self.clock())
        pending = sum(j.state == "PENDING" for j in self.jobs.values())
        running = sum(j.state == "RUNNING" for j in self.jobs.values())
        return {
            "parts_packed": 1,
            "req_time": no_val(now),
            "req_time_start": no_val(self.started_at),
            "server_thread_count": 1,
            "agent_queue_size": 0,
            "agent_count": 0,
            "agent_thread_count": 0,
            "dbd_agent_queue_size": 0,
            "gettimeofday_latency": 0,
            "schedule_cycle_max": 0,
            "schedule_cycle_last": 0,
            "schedule_cycle_sum": 0,
            "schedule_cycle_total": 0,
            "schedule_cycle_mean": 0,
            "schedule_cycle_mean_depth": 0,
            "schedule_cycle_per_minute": 0,
            "schedule_cycle_depth": 0,
            "schedule_exit": {
                "end_job_queue": 0,
                "default_queue_depth": 100,
                "max_job_start": 0,
                "max_rpc_cnt": 0,
                "max_sched_time": 0,
                "licenses": 0,
            },
            "schedule_queue_length": pending,
            **self.counters,
            "jobs_pending": pending,
            "jobs_running": running,
            "job_states_ts": no_val(now),
            "bf_backfilled_jobs": 0,
            "bf_last_backfilled_jobs": 0,
            "bf_backfilled_het_jobs": 0,
            "bf_cycle_counter": 0,
            "bf_cycle_mean": 0,
            "bf_depth_mean": 0,
            "bf_depth_mean_try": 0,
            "bf_cycle_sum": 0,
            "bf_cycle_last": 0,
            "bf_cycle_max": 0,
            "bf_exit": {
                "end_job_queue": 0,
                "bf_max_job_start": 0,
                "bf_max_job_test": 0,
                "bf_max_time": 0,
                "bf_node_space_size": 0,
                "state_changed": 0,
            },
            "bf_last_depth": 0,
            "bf_last_depth_try": 0,
            "bf_depth_sum": 0,
            "bf_depth_try_sum": 0,
            "bf_queue_len": 0,
            "bf_queue_len_mean": 0,
            "bf_queue_len_sum": 0,
            "bf_table_size": 0,
            "bf_table_size_sum": 0,
            "bf_table_size_mean": 0,
            "bf_when_last_cycle": no_val(),
            "bf_active": False,
            "rpcs_by_message_type": [
                {
                    "type_id": i,
                    "message_type": name,
                    "count": count,
                    "queued": 0,
                    "dropped": 0,
                    "cycle_last": 0,
                    "cycle_max": 0,
                    "total_time": 0,
                    "average_time": no_val(0),
                }
                for i, (name, count) in enumerate(sorted(self.rpc_counts.items()), start=1)
            ],
            "rpcs_by_user": [],
            "pending_rpcs": [],
            "pending_rpcs_by_hostlist": [],
        }

    async def ping(self) -> JsonObject:
        """One controller, with the measured latency of a round trip through the event loop."""
        started = time.perf_counter()
        await asyncio.sleep(0)
        latency = int((time.perf_counter() - started) * 1e6)
        return {
            "hostname": f"{self.model.name}-slurmctld",
            "pinged": "UP",
            "responding": True,
            "latency": latency,
            "mode": "primary",
            "primary": True,
        }


def _exit(job: Job) -> JsonObject:
    return exit_struct(job.state not in ("PENDING", "RUNNING"), job.exit_code, job.signal)


def exit_struct(finished: bool, return_code: int, signal: int) -> JsonObject:
    """v0.0.43's ProcessExitCodeVerbose: PENDING until the job ends, then SUCCESS, ERROR or SIGNALED."""
    if not finished:
        status = ["PENDING"]
    elif signal:
        status = ["SIGNALED"]
    elif return_code:
        status = ["ERROR"]
    else:
        status = ["SUCCESS"]
    name = signals.Signals(signal).name if signal in signals.valid_signals() else ""
    return {
        "status": status,
        "return_code": no_val(return_code),
        "signal": {"id": no_val(signal) if signal else no_val(), "name": name},
    }


def _nodes_from_text(text: Any) -> int | None:
    """``"2"`` or ``"2-4"`` (Slurm's --nodes) -> the minimum."""
    if not isinstance(text, str) or not text:
        return None
    head = text.split("-", 1)[0]
    return int(head) if head.isascii() and head.isdigit() else None


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return str(os.getuid())


def _expand(pattern: str, job: Job, cwd: Path) -> Path:
    """Slurm's filename patterns: %j job id, %x job name, %u user, %N first node, %% a percent."""
    if not pattern:
        return Path()
    out, i = [], 0
    while i < len(pattern):
        c = pattern[i]
        if c == "%" and i + 1 < len(pattern):
            code = pattern[i + 1]
            out.append(
                {
                    "j": str(job.job_id),
                    "x": job.name,
                    "u": job.user,
                    "%": "%",
                    "A": str(job.job_id),
                    "N": min(job.alloc) if job.alloc else "",
                    "a": "4294967294",
                    "s": "batch",
                    "t": "0",
                }.get(code, "%" + code)
            )
            i += 2
            continue
        out.append(c)
        i += 1
    path = Path("".join(out))
    return path if path.is_absolute() else cwd / path


def _kill_group(process: asyncio.subprocess.Process, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, sig)
