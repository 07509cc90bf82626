"""``S3MProvider``: Parsl's blocks as Slurm jobs submitted through S3M (``pip install 's3m-grpc[parsl]'``).

    from parsl.config import Config
    from parsl.executors import HighThroughputExecutor
    from s3m_grpc.parsl import S3MProvider

    config = Config(executors=[HighThroughputExecutor(provider=S3MProvider(resource="defiant"))])

Each block is one batch job (``#SBATCH`` lines rendered from the provider's settings, parsed by
``JobSpec.from_text``, so that what S3M cannot carry is refused when the provider is made).
``status`` reads the queue with ONE GetJobs per call for all blocks; a block gone from the queue
is looked up once with GetJob (S3M answers from accounting), and one gone from both is FAILED,
never RUNNING forever (Parsl #1588). The token comes from ``S3M_TOKEN`` or a header file
(``token_file=``, ``S3M_TOKEN_FILE``), as everywhere in s3m-grpc, and never reaches a job.
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import shlex
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

try:
    from parsl.jobs.states import JobState, JobStatus
    from parsl.launchers import SingleNodeLauncher
    from parsl.launchers.base import Launcher
    from parsl.providers.base import ExecutionProvider
except ImportError as exc:  # the core library never imports Parsl; this module needs it
    raise ImportError(f"s3m_grpc.parsl needs Parsl ({exc}): pip install 's3m-grpc[parsl]'") from exc

from s3m_grpc._engines import Engine, by_phase, job_id_of, poll
from s3m_grpc.errors import ConfigurationError, NotFound, S3MError
from s3m_grpc.job import Job
from s3m_grpc.sbatch import directives, export, parse_time
from s3m_grpc.spec import JobSpec

log = logging.getLogger("s3m_grpc.parsl")

#: Slurm's base job states as Parsl's (after Parsl's own sacct table).
_S = JobState
# queued, held, running, completed, cancelled, failed, timeout
STATES: Final = by_phase(_S.PENDING, _S.HELD, _S.RUNNING, _S.COMPLETED, _S.CANCELLED, _S.FAILED, _S.TIMEOUT)


def _count(name: str, value: object, low: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ConfigurationError(f"S3MProvider {name} must be an integer >= {low}, got {value!r}")
    return value


class S3MProvider(ExecutionProvider):
    """A Parsl ExecutionProvider whose blocks are Slurm jobs submitted through S3M."""

    def __init__(
        self,
        *,
        url: str | None = None,
        resource: str | None = None,
        api_version: str | None = None,
        transport: str | None = None,
        token_file: str | os.PathLike[str] | None = None,
        rest_url: str | None = None,
        nodes_per_block: int = 1,
        init_blocks: int = 1,
        min_blocks: int = 0,
        max_blocks: int = 1,
        parallelism: float = 1.0,
        walltime: str = "00:10:00",
        partition: str | None = None,
        account: str | None = None,
        qos: str | None = None,
        cores_per_node: int | None = None,
        mem_per_node: float | None = None,
        worker_init: str = "",
        scheduler_options: str = "",
        working_directory: str | None = None,
        export_environment: str = "ALL",
        launcher: Launcher | None = None,
        status_polling_interval: int = 30,
        label: str = "s3m",
    ) -> None:
        """Parsl's block settings plus where S3M is; ``scheduler_options`` are ``#SBATCH`` lines.

        ``export_environment`` is sbatch's ``--export`` for the blocks (``ALL``: this process's
        environment without the S3M token; ``NONE``; or ``NAME=value,...``). ``working_directory``
        is the blocks' directory on the cluster, where their output files go.
        """
        self.nodes_per_block = _count("nodes_per_block", nodes_per_block)
        self.init_blocks = _count("init_blocks", init_blocks, 0)
        self.min_blocks = _count("min_blocks", min_blocks, 0)
        self.max_blocks = _count("max_blocks", max_blocks, 0)
        if self.min_blocks > self.max_blocks:
            raise ConfigurationError("S3MProvider needs min_blocks <= max_blocks")
        if isinstance(parallelism, bool) or not isinstance(parallelism, int | float):
            raise ConfigurationError(f"S3MProvider parallelism must be a number, got {parallelism!r}")
        if not 0 <= parallelism <= 1:
            raise ConfigurationError("S3MProvider parallelism must be between 0 and 1")
        self.parallelism = float(parallelism)
        try:
            self._minutes = parse_time(walltime)
        except (TypeError, ValueError) as exc:
            raise ConfigurationError(f"S3MProvider walltime {walltime!r}: {exc}") from None
        self.walltime = walltime
        self.partition, self.account, self.qos = partition, account, qos
        self.cores_per_node = None if cores_per_node is None else _count("cores_per_node", cores_per_node)
        if mem_per_node is not None and (isinstance(mem_per_node, bool) or not mem_per_node > 0):
            raise ConfigurationError(f"S3MProvider mem_per_node must be positive GB, got {mem_per_node!r}")
        self.mem_per_node = mem_per_node
        self.worker_init = worker_init
        self.scheduler_options = scheduler_options
        # Refused now, with the option's reason, rather than in Parsl's scaling thread later.
        directives("#!/bin/bash\n" + scheduler_options, path="scheduler_options")
        self.working_directory = working_directory
        try:
            export(export_environment)
        except ValueError as exc:
            raise ConfigurationError(f"S3MProvider export_environment: {exc}") from None
        self.export_environment = export_environment
        self.launcher = launcher if launcher is not None else SingleNodeLauncher()
        self._interval = _count("status_polling_interval", status_polling_interval)
        self._label = label
        self.script_dir: str | None = None
        #: Parsl's per-job records: job id -> {"job_id", "status", ...}.
        self.resources: dict[object, Any] = {}
        self._jobs: dict[str, Job] = {}
        self._engine = Engine(
            url=url,
            resource=resource,
            api_version=api_version,
            transport=transport,
            token_file=token_file,
            rest_url=rest_url,
        )

    def __repr__(self) -> str:
        return (
            f"S3MProvider(label={self._label!r}, resource={self._engine.resource!r}, "
            f"api_version={self._engine.api_version!r}, nodes_per_block={self.nodes_per_block}, "
            f"max_blocks={self.max_blocks}, walltime={self.walltime!r})"
        )

    @property
    def label(self) -> str:
        """The provider's name in Parsl's logs."""
        return self._label

    @property
    def status_polling_interval(self) -> int:
        """Seconds between Parsl's calls to ``status`` (each one listing for all blocks)."""
        return self._interval

    @property
    def resource(self) -> str:
        """The S3M resource the blocks go to."""
        return self._engine.resource

    @property
    def api_version(self) -> str:
        """The Slurm API version in use."""
        return self._engine.api_version

    def script(self, command: str, tasks_per_node: int, job_name: str) -> str:
        """The batch script of one block (what ``submit`` sends)."""
        lines = [
            "#!/bin/bash",
            f"#SBATCH --job-name={shlex.quote(job_name)}",
            f"#SBATCH --nodes={self.nodes_per_block}",
            f"#SBATCH --ntasks-per-node={tasks_per_node}",
            f"#SBATCH --time={math.ceil(self._minutes) if self._minutes != math.inf else 'UNLIMITED'}",
        ]
        for option, value in (("partition", self.partition), ("account", self.account), ("qos", self.qos)):
            if value:
                lines.append(f"#SBATCH --{option}={shlex.quote(value)}")
        worker_init = self.worker_init
        if self.cores_per_node is not None:
            cpus = max(self.cores_per_node // tasks_per_node, 1)
            lines.append(f"#SBATCH --cpus-per-task={cpus}")
            worker_init += f"\nexport PARSL_CORES={cpus}"
        if self.mem_per_node is not None:
            lines.append(f"#SBATCH --mem={math.ceil(self.mem_per_node * 1024)}M")
            worker_init += f"\nexport PARSL_MEMORY_GB={self.mem_per_node}"
        if self.working_directory is not None:
            where = Path(self.working_directory) / job_name
            lines += [
                f"#SBATCH --chdir={shlex.quote(self.working_directory)}",
                f"#SBATCH --output={shlex.quote(str(where))}.stdout",
                f"#SBATCH --error={shlex.quote(str(where))}.stderr",
            ]
        lines += [self.scheduler_options.strip(), "", worker_init.strip(), f"export JOBNAME={job_name!r}"]
        lines.append(self.launcher(command, tasks_per_node, self.nodes_per_block))
        return "\n".join(lines) + "\n"

    def submit(self, command: str, tasks_per_node: int, job_name: str = "parsl.s3m") -> str:
        """Submit one block running ``command`` (exactly once); returns its Slurm job id."""
        name = f"{job_name}.{time.time():.6f}"
        text = self.script(command, _count("tasks_per_node", tasks_per_node), name)
        spec = JobSpec.from_text(text, path=name, environment=export(self.export_environment))
        if self.script_dir is not None:  # as Parsl's other providers: the script, for debugging
            Path(self.script_dir, name + ".submit").write_text(text)
        slurm = self._engine.slurm
        job = self._engine.run(slurm.submit(spec))
        job_id = str(job.job_id)
        self._jobs[job_id] = job
        self.resources[job_id] = {"job_id": job_id, "status": JobStatus(JobState.PENDING), "name": name}
        log.info("block %s submitted as job %s on %s", job_name, job_id, slurm.resource)
        return job_id

    def status(self, job_ids: Sequence[object]) -> list[JobStatus]:
        """The blocks' states, from ONE listing for all of them (plus GetJob for any gone from it)."""
        slurm = self._engine.slurm
        for native in job_ids:
            key = str(native)
            if key not in self._jobs:  # a job of an earlier run: watched like ours
                self._jobs[key] = Job(slurm, job_id_of(native))
                self.resources[key] = {"job_id": key, "status": JobStatus(JobState.UNKNOWN)}
        # Blocks already known finished (or cancelled here) are not asked about again.
        jobs = [self._jobs[str(n)] for n in job_ids if not self.resources[str(n)]["status"].terminal]
        try:
            vanished = self._engine.run(poll(slurm, jobs))
        except S3MError as exc:  # as Parsl's Slurm provider when squeue fails: keep the last states
            log.warning("cannot read the queue of %s (%s): block states not updated", slurm.resource, exc)
            vanished = None
        if vanished is not None:
            for job in jobs:
                self.resources[str(job.job_id)]["status"] = _status(job, vanished.get(job.job_id))
        return [self.resources[str(native)]["status"] for native in job_ids]

    def cancel(self, job_ids: Sequence[object]) -> list[bool]:
        """Cancel blocks (concurrently); True for each the gateway accepted or already knew finished."""
        slurm = self._engine.slurm

        async def one(native: object) -> bool:
            try:
                await slurm.cancel(job_id_of(native))
            except NotFound:
                return True  # not in Slurm any more: nothing left running
            except S3MError as exc:
                log.warning("cannot cancel job %s: %s", native, exc)
                return False
            return True

        async def every() -> list[bool]:
            return list(await asyncio.gather(*(one(native) for native in job_ids)))

        done = self._engine.run(every()) if job_ids else []
        for native, ok in zip(job_ids, done, strict=True):
            record = self.resources.get(str(native))
            if ok and record is not None and not record["status"].terminal:
                record["status"] = JobStatus(JobState.CANCELLED)
        return done

    def close(self) -> None:
        """Close the S3M client and its thread (Parsl has no provider shutdown: call it after cleanup)."""
        self._engine.close()

    def __enter__(self) -> S3MProvider:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _status(job: Job, vanished: S3MError | None) -> JobStatus:
    """Parsl's view of a job after a poll."""
    if vanished is not None:
        return JobStatus(JobState.FAILED, message=str(vanished))
    view = job.last
    if view is None:
        return JobStatus(JobState.PENDING, message="submitted, not listed yet")
    state = STATES.get(view.state, JobState.UNKNOWN)
    reason = view.state_reason if view.state_reason not in ("", "None") else None
    return JobStatus(
        state,
        message=reason,
        exit_code=view.exit_code if job.terminal else None,
        stdout_path=view.stdout_path or None,
    )


__all__ = ["STATES", "S3MProvider"]
