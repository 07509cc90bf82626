"""A small Parsl workflow on S3M: 20 python apps and a bash app, run by workers that are Slurm jobs.

Against the emulator (``make demo-parsl``) or, with ``address=`` set to an address of this machine
the compute nodes can reach, against a real resource. Token: $S3M_TOKEN or $S3M_TOKEN_FILE.
"""

import sys
import tempfile
from pathlib import Path

import parsl
from parsl.app.app import bash_app, python_app
from parsl.config import Config
from parsl.executors import HighThroughputExecutor

from s3m_grpc.parsl import S3MProvider

BIN = Path(sys.executable).parent  # this environment's Python, Parsl's worker and interchange


@python_app
def square(x: int) -> int:
    """Runs in a worker, inside a block (a Slurm job)."""
    return x * x


@bash_app
def where(stdout: str = "") -> str:
    """The block's job id, from inside it."""
    return "echo running in Slurm job $SLURM_JOB_ID"


def main() -> None:
    """Start one block, run the apps, cancel the block."""
    run_dir = Path(tempfile.mkdtemp(prefix="parsl-s3m-"))
    provider = S3MProvider(
        resource="defiant",
        init_blocks=1,
        max_blocks=1,
        walltime="00:10:00",
        worker_init=f"export PATH={BIN}:$PATH",  # the block's Python: this one
        status_polling_interval=2,
    )
    executor = HighThroughputExecutor(
        label="s3m_htex",
        address="127.0.0.1",  # the emulator runs blocks on this machine: loopback only
        max_workers_per_node=2,
        interchange_launch_cmd=[str(BIN / "interchange.py")],
        provider=provider,
    )
    with parsl.load(Config(executors=[executor], run_dir=str(run_dir), strategy="none")):
        squares = [square(i) for i in range(20)]
        print("squares:", [f.result() for f in squares])
        log = run_dir / "where.out"
        where(stdout=str(log)).result()
        print(log.read_text().strip())
    provider.close()
    print("blocks:", {job_id: r["status"].state.name for job_id, r in provider.resources.items()})


if __name__ == "__main__":
    main()
