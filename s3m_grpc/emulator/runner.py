"""Running one batch job as a real process: its script, environment, I/O files, time limit and signals.

The job runs as ``bash`` in its own session (so a cancel can signal its whole process group), in
its working directory, with exactly the submitted environment plus the ``SLURM_*`` variables a
batch job sees. Its standard input, output and error are opened *by the child* (shell
redirections before the script starts), never by the emulator: opening a FIFO someone named as
``standard_input`` blocks until a writer appears, and must block only that job, which its time
limit and cancellation still end. A file that cannot be opened fails the job with the shell's
message, as slurmstepd fails it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal as signals
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

from s3m_grpc.emulator.model import ClusterModel, compress_hostlist
from s3m_grpc.emulator.state import Job, expand

log = logging.getLogger("s3m_grpc.emulator")

KILL_WAIT: Final = 30.0  # seconds between SIGTERM and SIGKILL at a time limit (Slurm's KillWait)
# Opens the job's I/O in the child, then becomes the job. A failed redirection ends this shell with
# its message on the pipe that is its stderr until then; after it, stderr is the job's own file.
# The child waits for the runner's go (a line on its stdin pipe), sent once its pid is on disk: if
# the emulator dies first (kill -9), the pipe ends and the job never runs, rather than run unrecorded
# and unkillable by the next emulator. Then it opens the job's I/O itself (a FIFO blocks only it).
_WRAPPER: Final = 'IFS= read -r _ || exit 125; exec <"$1" >>"$2" 2>>"$3" && exec /bin/bash "$0"'
Finish = Callable[..., None]


def process_start_time(pid: int) -> int:
    """The kernel's start time of a process (clock ticks since boot), 0 if it is gone.

    With the pid, it identifies a process across an emulator restart: a pid alone may have been
    reused by then.
    """
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0
    fields = stat[stat.rindex(")") + 2 :].split()
    return int(fields[19]) if len(fields) > 19 else 0


def kill_group(pid: int, sig: int) -> None:
    """Signal a job's whole process group (it is its own session leader)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)


class Runner:
    """Runs jobs of one cluster; ``finish(job, state, exit_code=, sig=, description=)`` records the end."""

    def __init__(
        self,
        model: ClusterModel,
        *,
        work_dir: Path,
        time_scale: float,
        finish: Finish,
        spawned: Callable[[Job], None] = lambda job: None,
    ) -> None:
        self.model = model
        self.spawned = spawned
        self.work_dir = work_dir
        self.time_scale = time_scale
        self.finish = finish
        self.host = socket.gethostname()
        #: Set by the scheduler's stop(): a job still being spawned is then killed as it starts
        #: (stop() found no process to kill, and would otherwise wait for its time limit).
        self.stopping = False

    async def run(self, job: Job) -> None:
        """Run `job` to its end; whatever happens, the job does not stay RUNNING."""
        try:
            await self._run(job)
        except Exception as exc:
            log.exception("job %s: runner failed", job.job_id)
            if job.process is not None and job.process.returncode is None:
                kill_group(job.process.pid, signals.SIGKILL)
            self.finish(job, "FAILED", exit_code=1, description=f"emulator runner error: {exc}")

    async def _run(self, job: Job) -> None:
        cwd = Path(job.cwd)
        if not await asyncio.to_thread(cwd.is_dir):
            # slurmstepd cannot chdir: the job fails at once, as on a real cluster.
            reason = f"couldn't chdir to `{cwd}': No such file or directory"
            self.finish(job, "FAILED", exit_code=1, description=reason)
            return
        out_path = expand(job.desc.get("standard_output") or "slurm-%j.out", job, cwd)
        err_pattern = job.desc.get("standard_error")
        err_path = expand(err_pattern, job, cwd) if err_pattern else out_path
        in_path = expand(job.desc.get("standard_input") or "/dev/null", job, cwd)
        script_path = self.work_dir / f"job-{self.model.name}-{job.job_id}.sh"
        await asyncio.to_thread(_write_private, script_path, job.script)
        if job.cancel_signal is not None:  # cancelled while its script was being written
            self.finish(job, "CANCELLED", exit_code=0, sig=job.cancel_signal)
            return
        if self.stopping:  # stopped while its script was being written: as a SIGKILL at stop
            description = "the emulator stopped while the job was running"
            self.finish(job, "FAILED", exit_code=0, sig=signals.SIGKILL, description=description)
            return
        try:
            job.process = await asyncio.create_subprocess_exec(
                "/bin/bash",
                "-c",
                _WRAPPER,
                str(script_path),
                str(in_path),
                str(out_path),
                str(err_path),
                cwd=job.cwd,
                env=self.environment(job),
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.PIPE,
                start_new_session=True,
            )
            process = job.process
            job.pid, job.pid_start = process.pid, process_start_time(process.pid)
            self.spawned(job)  # the pid on disk first: a restarted emulator can then kill it
            if job.cancel_signal is not None:  # cancelled while the process was being spawned
                kill_group(process.pid, job.cancel_signal)
            elif self.stopping:  # the emulator stopped while the process was being spawned
                job.description = "the emulator stopped while the job was running"
                kill_group(process.pid, signals.SIGKILL)
            elif process.stdin is not None:
                with contextlib.suppress(OSError):  # BrokenPipe: it died already; wait() says how
                    process.stdin.write(b"go\n")
            if process.stdin is not None:
                process.stdin.close()
            await self._supervise(job, process, out_path)
        finally:
            with contextlib.suppress(OSError):
                script_path.unlink()

    async def _supervise(self, job: Job, process: Any, out_path: Path) -> None:
        minutes = job.time_limit
        limit = None if minutes is None or minutes < 0 else minutes * 60 * self.time_scale
        # Until the redirections succeed, the child's stderr is this pipe: what it says is why the
        # job's files could not be opened. It closes when they are open (or the child dies).
        io_error = asyncio.ensure_future(process.stderr.read(4096)) if process.stderr else None
        done, _ = await asyncio.wait({asyncio.ensure_future(process.wait())}, timeout=limit)
        if not done:
            job.timed_out = True
            kill_group(process.pid, signals.SIGTERM)
            grace = max(KILL_WAIT * self.time_scale, 0.1)
            done, _ = await asyncio.wait({asyncio.ensure_future(process.wait())}, timeout=grace)
            if not done:
                kill_group(process.pid, signals.SIGKILL)
                await process.wait()
        message = b""
        if io_error is not None:
            done, _ = await asyncio.wait({io_error}, timeout=1.0)
            message = io_error.result() if done else b""
            io_error.cancel()
        rc = process.returncode
        job.pid = job.pid_start = 0
        if rc is None:
            raise RuntimeError("a finished job without a return code")
        if job.timed_out:
            self.finish(job, "TIMEOUT", exit_code=0, sig=signals.SIGTERM if rc < 0 else 0)
        elif rc < 0:
            state = "CANCELLED" if job.cancel_signal is not None else "FAILED"
            self.finish(job, state, exit_code=0, sig=-rc)
        elif rc == 0:
            self.finish(job, "COMPLETED", exit_code=0)
        elif message:
            text = message.decode("utf-8", "replace").strip().splitlines()[-1]
            self.finish(job, "FAILED", exit_code=rc, description=f"cannot open job I/O: {text[:300]}")
        else:
            self.finish(job, "FAILED", exit_code=rc)

    def environment(self, job: Job) -> dict[str, str]:
        """The submitted environment plus what a batch job sees from Slurm."""
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


def _write_private(path: Path, text: str) -> None:
    """Write a job's script readable by its owner only (it may hold secrets of the user's)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)


__all__ = ["KILL_WAIT", "Runner", "kill_group", "process_start_time"]
