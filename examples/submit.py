"""Submit examples/hello.sh, wait for it, print how it ended (the README's Python example)."""

import asyncio
from pathlib import Path

from s3m_grpc import JobSpec, Slurm

HERE = Path(__file__).resolve().parent


async def main() -> None:
    """Submit, wait, report."""
    async with Slurm(resource="defiant") as slurm:  # token: $S3M_TOKEN or $S3M_TOKEN_FILE
        # No working directory: this machine's is not the cluster's. Slurm's default applies
        # (the emulator's work directory); stdout_path says where the output went.
        job = await slurm.submit(JobSpec.from_script(HERE / "hello.sh"))
        done = await job.wait(timeout=3600)  # polls with backoff and jitter
        print(done.state, done.exit_code, done.stdout_path)


if __name__ == "__main__":
    asyncio.run(main())
