"""``S3MJobExecutor``: PSI/J's ``JobExecutor`` for Slurm behind S3M (``pip install 's3m-grpc[psij]'``).

    from psij import Job, JobExecutor, JobSpec
    executor = JobExecutor.get_instance("s3m", url="s3m.olcf.ornl.gov")
    job = Job(JobSpec(executable="/bin/date"))
    executor.submit(job)
    job.wait()

PSI/J's ``JobSpec``, ``ResourceSpecV1`` and ``JobAttributes`` become our ``JobSpec``; what S3M cannot
carry (GPUs, exclusive nodes, launchers other than ``single``, unknown custom attributes) is refused
with ``InvalidJobException`` naming it. Status callbacks come from ONE watcher thread that reads
the queue with one listing per tick for every job of the executor.
"""

from __future__ import annotations

import logging
import math
import shlex
import threading
import time
from datetime import timedelta
from typing import Any, Final

try:
    from psij import (
        InvalidJobException,
        Job,
        JobExecutor,
        JobExecutorConfig,
        JobState,
        JobStatus,
        SubmitException,
    )
    from psij import JobSpec as PsijSpec
    from psij.resource_spec import ResourceSpecV1
except ImportError as exc:  # the core library never imports PSI/J; this module needs it
    raise ImportError(f"s3m_grpc.psij needs PSI/J ({exc}): pip install 's3m-grpc[psij]'") from exc

from s3m_grpc._engines import Engine, by_phase, job_id_of, poll
from s3m_grpc.errors import ConfigurationError, S3MError
from s3m_grpc.job import Job as S3MJob
from s3m_grpc.sbatch import apply, export
from s3m_grpc.spec import JobSpec

log = logging.getLogger("s3m_grpc.psij")

#: Slurm's base job states as PSI/J's (which has no held or timed-out state).
_S = JobState
# queued, held, running, completed, cancelled, failed, timeout
STATES: Final = by_phase(_S.QUEUED, _S.QUEUED, _S.ACTIVE, _S.COMPLETED, _S.CANCELED, _S.FAILED, _S.FAILED)
_MIB = 1024 * 1024


class S3MExecutorConfig(JobExecutorConfig):
    """Where S3M is and how often to poll; the token comes from ``S3M_TOKEN`` or a header file."""

    def __init__(
        self,
        *,
        resource: str | None = None,
        api_version: str | None = None,
        transport: str | None = None,
        token_file: str | None = None,
        rest_url: str | None = None,
        polling_interval: float = 5.0,
    ) -> None:
        """The settings of ``Slurm`` the executor passes on, and seconds between status ticks."""
        super().__init__()
        if isinstance(polling_interval, bool) or not polling_interval > 0:
            raise ConfigurationError(f"polling_interval must be positive seconds, got {polling_interval!r}")
        self.resource, self.api_version, self.transport = resource, api_version, transport
        self.token_file, self.rest_url, self.polling_interval = token_file, rest_url, polling_interval


def to_spec(spec: PsijSpec) -> JobSpec:
    """Our ``JobSpec`` for a PSI/J one; ConfigurationError naming what S3M cannot carry."""
    if not spec.executable:
        raise ConfigurationError("the PSI/J JobSpec has no executable")
    if spec.launcher not in (None, "single"):
        raise ConfigurationError(
            f"launcher {spec.launcher!r}: S3M runs the job's script itself, once; use launcher='single' "
            "(the default) and start srun or mpirun from the executable"
        )
    fields: dict[str, Any] = {"name": spec.name, "working_directory": _path(spec.directory)}
    for ours, theirs in (("standard_input", "stdin_path"), ("standard_output", "stdout_path")):
        fields[ours] = _path(getattr(spec, theirs))
    fields["standard_error"] = _path(spec.stderr_path)
    resources = spec.resources
    if resources is not None:
        if not isinstance(resources, ResourceSpecV1):
            raise ConfigurationError(f"resource spec version {resources.version} is not supported")
        fields.update(_resources(resources))
    attributes = spec.attributes
    if attributes.duration is not None:
        fields["time_limit"] = max(math.ceil(attributes.duration / timedelta(minutes=1)), 1)
    account = attributes.account or getattr(attributes, "project_name", None)
    fields.update(partition=attributes.queue_name, account=account, reservation=attributes.reservation_id)
    for name, value in (attributes.custom_attributes or {}).items():
        option = name.removeprefix("slurm.")
        if option == name:
            raise ConfigurationError(
                f"custom attribute {name!r}: the s3m executor takes 'slurm.<sbatch option>' ones only"
            )
        apply([f"--{option}={value}"], fields, path=f"custom attribute {name}")  # refuses what S3M lacks
    inherited = export("ALL" if spec.inherit_environment else "NONE")
    environment = {**inherited, **{k: str(v) for k, v in (spec.environment or {}).items()}}
    return JobSpec(script=_script(spec), environment=environment, **{k: v for k, v in fields.items() if v})


def _path(value: object) -> str | None:
    return None if value is None else str(value)


def _resources(resources: ResourceSpecV1) -> dict[str, Any]:
    if resources.gpu_cores_per_process:
        raise ConfigurationError("gpu_cores_per_process: S3M's job description has no gres/tres fields")
    if resources.exclusive_node_use:
        raise ConfigurationError("exclusive_node_use: S3M's job description has no shared/exclusive field")
    if resources.computed_process_count != 1:
        raise ConfigurationError(
            f"{resources.computed_process_count} processes: the s3m executor starts the executable "
            "once (S3M has no launcher); ask for nodes with node_count and start srun from the executable"
        )
    out: dict[str, Any] = {"nodes": resources.node_count, "cpus_per_task": resources.cpu_cores_per_process}
    if resources.memory:
        out["memory_per_node"] = math.ceil(resources.memory / _MIB / resources.computed_node_count)
    return out


def _script(spec: PsijSpec) -> str:
    command = shlex.join([str(spec.executable), *(str(a) for a in spec.arguments or [])])
    lines = ["#!/bin/bash"]
    if spec.pre_launch:
        lines.append(f"source {shlex.quote(str(spec.pre_launch))}")
    lines += [command, "rc=$?"]
    if spec.post_launch:
        lines.append(f"source {shlex.quote(str(spec.post_launch))}")
    return "\n".join([*lines, "exit $rc"]) + "\n"


class S3MJobExecutor(JobExecutor):
    """PSI/J's executor ``s3m``: jobs as Slurm batch jobs submitted through S3M."""

    def __init__(self, url: str | None = None, config: JobExecutorConfig | None = None) -> None:
        """``url``: S3M's endpoint (default ``s3m.olcf.ornl.gov``, or the emulator's from the env)."""
        config = config if config is not None else S3MExecutorConfig()
        super().__init__(url=url, config=config)
        self._engine = Engine(
            url=url,
            resource=getattr(config, "resource", None),
            api_version=getattr(config, "api_version", None),
            transport=getattr(config, "transport", None),
            token_file=getattr(config, "token_file", None),
            rest_url=getattr(config, "rest_url", None),
        )
        self._interval = float(getattr(config, "polling_interval", 5.0))
        self._lock = threading.Lock()
        self._watched: dict[int, tuple[Job, S3MJob]] = {}
        self._wake = threading.Event()
        self._closed = threading.Event()
        self._watcher: threading.Thread | None = None

    def __repr__(self) -> str:
        return f"S3MJobExecutor(url={self.url!r}, resource={self._engine.resource!r})"

    def submit(self, job: Job) -> None:
        """Submit a job (exactly once); its ``native_id`` is the Slurm job id."""
        spec = self._check_job(job)
        try:
            ours = to_spec(spec)
        except ConfigurationError as exc:
            job.executor = None
            raise InvalidJobException(str(exc)) from exc
        slurm = self._engine.slurm
        try:
            handle = self._engine.run(slurm.submit(ours))
        except S3MError as exc:
            job.executor = None
            raise SubmitException(f"S3M did not take the job: {exc}", exception=exc) from exc
        job._native_id = handle.job_id
        self._set_job_status(job, JobStatus(JobState.QUEUED, metadata={"nativeId": handle.job_id}))
        self._watch(job, handle)

    def cancel(self, job: Job) -> None:
        """Ask Slurm to cancel the job; the watcher reports CANCELED (or how it ended first)."""
        if job.native_id is None:
            raise SubmitException("the job was not submitted")
        try:
            self._engine.run(self._engine.slurm.cancel(job_id_of(job.native_id)))
        except S3MError as exc:
            raise SubmitException(f"cannot cancel job {job.native_id}: {exc}", exception=exc) from exc
        self._wake.set()

    def list(self) -> list[str]:
        """Native ids of every job in the queue (one GetJobs)."""
        return [str(view.job_id) for view in self._engine.run(self._engine.slurm.jobs())]

    def attach(self, job: Job, native_id: str) -> None:
        """Follow an existing Slurm job (by id) with a NEW ``Job``; its states come from the watcher."""
        if job.status.state != JobState.NEW:
            raise InvalidJobException("Job must be in the NEW state")
        job_id = job_id_of(native_id)
        slurm = self._engine.slurm
        handle = S3MJob(slurm, job_id)
        try:  # GetJob, not refresh(): an id Slurm does not know is an error now, not after a grace
            handle._observe(self._engine.run(slurm.job(job_id)))
        except S3MError as exc:
            raise InvalidJobException(f"no job {native_id} to attach to: {exc}") from exc
        job.executor = self
        job._native_id = job_id
        self._watch(job, handle)
        self._report(job, handle, None)

    def close(self) -> None:
        """Stop the watcher and close the S3M client."""
        self._closed.set()
        self._wake.set()
        if self._watcher is not None:
            self._watcher.join(30)
        self._engine.close()

    # -- the one watcher -------------------------------------------------------------------------

    def _watch(self, job: Job, handle: S3MJob) -> None:
        with self._lock:
            self._watched[handle.job_id] = (job, handle)
            if self._watcher is None or not self._watcher.is_alive():
                self._watcher = threading.Thread(target=self._run, name="s3m-psij-watcher", daemon=True)
                self._watcher.start()

    def _run(self) -> None:
        while not self._closed.is_set():
            self._wake.wait(self._interval)
            self._wake.clear()
            if self._closed.is_set():
                return
            self.tick()

    def tick(self) -> None:
        """One status tick: one listing for every watched job, then their callbacks."""
        with self._lock:
            watched = list(self._watched.values())
        if not watched:
            return
        try:
            vanished = self._engine.run(poll(self._engine.slurm, [h for _, h in watched]))
        except S3MError as exc:
            log.warning("cannot read the queue (%s): job states not updated", exc)
            return
        for job, handle in watched:
            self._report(job, handle, vanished.get(handle.job_id))

    def _report(self, job: Job, handle: S3MJob, vanished: S3MError | None) -> None:
        view = handle.last
        if vanished is not None:
            status = JobStatus(JobState.FAILED, message=str(vanished))
        elif view is None:
            return
        else:
            state = STATES.get(view.state, JobState.FAILED if handle.terminal else JobState.QUEUED)
            reason = view.state_reason if view.state_reason not in ("", "None") else None
            exit_code = view.exit_code if handle.terminal else None
            message = f"{view.state}: {reason}" if state == JobState.FAILED else None
            status = JobStatus(state, time=time.time(), exit_code=exit_code, message=message)
        if status.final:
            with self._lock:
                self._watched.pop(handle.job_id, None)
        self._set_job_status(job, status)


__all__ = ["STATES", "S3MExecutorConfig", "S3MJobExecutor", "to_spec"]
