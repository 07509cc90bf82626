"""The token never shows up: a full workload at DEBUG, through every transport, the CLI and the files written.

Everything a user or an operator could see is collected: every log record of every logger (ours,
grpclib, hpack, h2, httpx, httpcore, grpcio, aiohttp, the emulator's), reprs and texts of the
clients, views, jobs and errors, the CLI's stdout and stderr at ``-vv``, and every file under the
emulator's state and work directories (job scripts and outputs included). The token is searched
for in all of it, also in its base64 and URL-quoted forms.
"""

from __future__ import annotations

import base64
import logging
import os
import subprocess
import sys
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest

from s3m_grpc import JobSpec, Slurm, errors
from s3m_grpc.emulator import Emulator
from s3m_grpc.retry import RetryPolicy

SECRET = "sweep-Zq8w3LkP0vT6yN2cR5mH"  # a distinctive token, easy to find if it leaks
FORMS = (
    SECRET,
    base64.b64encode(SECRET.encode()).decode(),
    urllib.parse.quote(SECRET),
    SECRET[::-1],
)
SCRIPT = "#!/bin/bash\n#SBATCH --job-name=sweep\necho sweep-out\n"


def leaks(text: str) -> list[str]:
    """The forms of the token found in `text`."""
    return [form for form in FORMS if form in text]


@pytest.fixture(scope="module")
def sweep_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("sweep")


@pytest.fixture(scope="module")
def gateway(sweep_dir: Path) -> Iterator[Emulator]:
    """An emulator on its own thread (the CLI runs in subprocesses), keeping state on disk."""
    emulator = Emulator(
        tokens=[SECRET],
        time_scale=0.01,
        state_dir=sweep_dir / "state",
        work_dir=sweep_dir / "work",
        seed=5,
        faults=[
            "PostJobSubmit:accept_then_drop:p=0.3",
            "GetNodes:unavailable:p=0.3",
            "GetDiag:rate_limit:p=0.5,retry_after=0",
        ],
    )
    with emulator.running():
        yield emulator


async def workload(emulator: Emulator, transport: str, cwd: Path) -> list[str]:
    """Every high-level call, successes and failures; returns the texts a user would see."""
    seen: list[str] = []
    async with Slurm(emulator.grpc_target, SECRET, transport=transport, rest_url=emulator.rest_url) as slurm:
        seen.append(repr(slurm))
        seen += [repr(x) for x in await slurm.ping()]
        for listing in (slurm.partitions, slurm.reservations, slurm.jobs):
            seen.append(repr(await listing()))
        spec = JobSpec.from_text(SCRIPT, working_directory=str(cwd))
        job = await slurm.submit(spec, attempts=20)
        seen += [repr(job), repr(spec)]
        seen.append(repr(await job.wait(timeout=30)))
        seen.append(repr(await slurm.job(job.job_id)))
        for action in (
            lambda: slurm.nodes(),
            lambda: slurm.diag(),
            lambda: slurm.job(999_999),
            lambda: slurm.cancel(job.job_id),
        ):
            try:
                seen.append(repr(await action()))
            except errors.S3MError as exc:
                seen += [str(exc), repr(exc), repr(exc.errors), repr(exc.__cause__), str(exc.__context__)]
    async with Slurm(
        emulator.grpc_target,
        SECRET + "-wrong",
        transport=transport,
        rest_url=emulator.rest_url,
        retry=RetryPolicy.none(),
    ) as wrong:
        with pytest.raises(errors.Unauthenticated) as caught:
            await wrong.ping()
        seen += [str(caught.value), repr(caught.value), repr(wrong)]
    return seen


@pytest.mark.parametrize("transport", ["grpclib", "grpcio", "rest", "auto"])
async def test_library_workload_at_debug(
    gateway: Emulator, transport: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        seen = await workload(gateway, transport, tmp_path)
    names = {record.name.split(".")[0] for record in caplog.records}
    assert "s3m_grpc" in names  # DEBUG really was on, ours and the wire libraries'
    assert names & {"hpack", "httpcore", "grpclib", "h2", "grpc"} or transport == "grpcio"
    assert leaks(caplog.text) == []
    assert [text for text in seen if leaks(text)] == []


def run_cli(gateway: Emulator, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "s3m_grpc.cli",
            *args,
            "--url",
            gateway.grpc_target,
            "--rest-url",
            gateway.rest_url,
            "-vv",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


def test_cli_at_debug_and_the_files_written(gateway: Emulator, sweep_dir: Path, tmp_path: Path) -> None:
    header = tmp_path / ".env"
    header.write_text(f"Authorization: {SECRET}\n")
    header.chmod(0o600)
    script = tmp_path / "job.sh"
    script.write_text(SCRIPT)
    base = {k: v for k, v in os.environ.items() if not k.startswith("S3M_")}
    by_env = {**base, "S3M_TOKEN": SECRET}
    by_file = {**base, "S3M_TOKEN_FILE": str(header)}
    outputs: list[str] = []
    runs = [
        (["ping"], by_env),
        (["partitions", "--json"], by_file),
        (["nodes", "--transport", "rest"], by_env),
        (["diag", "--transport", "grpcio"], by_env),
        (["reservations"], by_env),
        (["submit", str(script), "--wait", "--timeout", "60", "--chdir", str(tmp_path)], by_env),
        (["submit", str(script), "--transport", "rest", "--chdir", str(tmp_path), "--hold"], by_file),
        (["jobs", "--json"], by_env),
        (["job", "999999"], by_env),
        (["cancel", "999999", "--transport", "rest"], by_env),
        (["ping"], {**base, "S3M_TOKEN": SECRET + "-wrong"}),
    ]
    codes = []
    for args, env in runs:
        done = run_cli(gateway, *args, env=env)
        codes.append(done.returncode)
        outputs += [done.stdout, done.stderr]
    assert codes[:8] == [0] * 8, outputs  # the workload really ran
    assert codes[8:] == [3, 3, 3]  # not found, not found, unauthenticated
    assert any("DEBUG" in text for text in outputs)
    assert [text for text in outputs if leaks(text)] == []
    # Files: the emulator's SQLite state, job scripts and outputs, and anything else under its dirs.
    written = [p for p in sweep_dir.rglob("*") if p.is_file()] + [tmp_path / "slurm-sweep.out"]
    written += [p for p in tmp_path.glob("*.out")]
    assert any(p.suffix == ".out" and p.exists() for p in written)
    for path in written:
        if path.exists():
            data = path.read_bytes().decode("utf-8", "replace")
            assert leaks(data) == [], path
