"""The s3m command line as users run it: output, --json, and documented exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from s3m_grpc.emulator import Emulator
from tests.conftest import KEEP_JOBS, TOKEN


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    work = tmp_path_factory.mktemp("cli-emulator")
    with Emulator(tokens=[TOKEN], time_scale=0.01, min_job_age=KEEP_JOBS, work_dir=work).running() as emu:
        yield emu


@pytest.fixture
def env(emulator: Emulator, tmp_path: Path) -> dict[str, str]:
    header = tmp_path / ".env"
    header.write_text(f"Authorization: {TOKEN}\n")
    header.chmod(0o600)
    base = {k: v for k, v in os.environ.items() if not k.startswith("S3M_")}
    return {**base, **emulator.env(), "S3M_TOKEN_FILE": str(header), "COLUMNS": "150"}


def s3m(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "s3m_grpc.cli", *args], env=env, capture_output=True, text=True, timeout=120
    )


def script(tmp_path: Path, body: str, name: str = "job.sh", begin: str | None = None) -> Path:
    path = tmp_path / name
    extra = f"#SBATCH --begin={begin}\n" if begin else ""
    path.write_text(f"#!/bin/bash\n#SBATCH -J {name.split('.')[0]}\n#SBATCH --time=5\n{extra}{body}\n")
    return path


@pytest.mark.parametrize("transport", ["grpclib", "rest"])
def test_reading_commands(env: dict[str, str], transport: str) -> None:
    for command, expected in (
        ("ping", "defiant-slurmctld"),
        ("ping --api-version v0.0.42", "defiant-slurmctld"),
        ("partitions", "batch-gpu"),
        ("nodes", "defiant008"),
        ("reservations", "maintenance-window"),
        ("diag", "jobs_submitted"),
        ("jobs", "job(s)"),
    ):
        done = s3m(env, *command.split(), "--transport", transport)
        assert done.returncode == 0, done.stderr
        assert expected in done.stdout
        as_json = s3m(env, *command.split(), "--transport", transport, "--json")
        assert as_json.returncode == 0, as_json.stderr
        json.loads(as_json.stdout)


def test_submit_wait_success_and_failure(env: dict[str, str], tmp_path: Path) -> None:
    done = s3m(
        env, "submit", str(script(tmp_path, "echo Hello CLI", "hello.sh")), "-D", str(tmp_path), "--wait"
    )
    assert done.returncode == 0, done.stderr
    job_id = int(done.stdout.split("Submitted batch job ")[1].split()[0])
    assert f"job {job_id} COMPLETED (exit code 0)" in done.stdout
    assert (tmp_path / f"slurm-{job_id}.out").read_text() == "Hello CLI\n"
    failed = s3m(
        env, "submit", str(script(tmp_path, "exit 3", "fails.sh")), "-D", str(tmp_path), "--wait", "--json"
    )
    assert failed.returncode == 1
    result = json.loads(failed.stdout)
    assert (result["state"], result["exit_code"]) == ("FAILED", 3)
    shown = s3m(env, "job", str(result["job_id"]), "--json")
    record = json.loads(shown.stdout)  # GetJob: slurmdbd's record
    assert record["job_id"] == result["job_id"]
    assert record["state"]["current"] == ["FAILED"]
    assert record["time"]["start"] > 0  # integers stay integers in --json


def test_submit_without_wait_and_cancel(env: dict[str, str], tmp_path: Path) -> None:
    begin = str(int(time.time()) + 86400)  # keeps the job PENDING (BeginTime)
    done = s3m(env, "submit", str(script(tmp_path, "sleep 300", begin=begin)), "-D", str(tmp_path))
    assert done.returncode == 0, done.stderr
    job_id = done.stdout.strip().split()[-1]
    listed = s3m(env, "jobs", "--state", "PENDING", "--json")
    assert int(job_id) in [j["job_id"] for j in json.loads(listed.stdout)]
    assert s3m(env, "cancel", job_id).returncode == 0
    again = s3m(env, "cancel", job_id)  # finished already: success with Slurm's warning, as slurmrestd
    assert again.returncode == 0, again.stderr


def test_wait_timeout_exits_4(env: dict[str, str], tmp_path: Path) -> None:
    done = s3m(
        env, "submit", str(script(tmp_path, "sleep 300")), "-D", str(tmp_path), "--wait", "--timeout", "0.5"
    )
    assert done.returncode == 4
    assert "still" in done.stderr


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("submit", "/no/such/script.sh"), 2, "cannot read"),
        (("submit", "{bad}"), 2, "unknown or unsupported"),
        (("submit", "{uncarried}"), 2, "no dependency field"),
        (("submit", "{ok}", "-t", "soon"), 2, "not a Slurm time"),
        (("submit", "{ok}", "-p", "nope"), 3, "JobRejected"),
        (("job", "../etc"), 2, "invalid job_id"),
        (("job", "99999"), 3, "NotFound"),
    ],
)
def test_errors_exit_codes(
    env: dict[str, str], tmp_path: Path, args: tuple[str, ...], code: int, message: str
) -> None:
    bad = tmp_path / "bad.sh"
    bad.write_text("#!/bin/bash\n#SBATCH --frobnicate\n")
    uncarried = tmp_path / "uncarried.sh"
    uncarried.write_text("#!/bin/bash\n#SBATCH --dependency=afterok:1\n")
    ok = script(tmp_path, "true")
    substituted = (a.replace("{bad}", str(bad)).replace("{ok}", str(ok)) for a in args)
    done = s3m(env, *(a.replace("{uncarried}", str(uncarried)) for a in substituted))
    assert done.returncode == code, (done.stdout, done.stderr)
    assert message in done.stderr
    assert TOKEN not in done.stderr + done.stdout


def test_plaintext_to_a_remote_host_is_refused_before_connecting(env: dict[str, str]) -> None:
    no_emulator = {k: v for k, v in env.items() if not k.startswith("S3M_EMULATOR")}
    done = s3m(no_emulator, "ping", "--url", "http://s3m.example.org:1")
    assert done.returncode == 2
    assert "plaintext" in done.stderr


def test_no_token_is_unauthenticated(env: dict[str, str]) -> None:
    without = {k: v for k, v in env.items() if k != "S3M_TOKEN_FILE"}
    done = s3m(without, "ping")
    assert done.returncode == 3
    assert "Unauthenticated" in done.stderr


def test_help_reads_well() -> None:
    top = subprocess.run(
        [sys.executable, "-m", "s3m_grpc.cli", "--help"], capture_output=True, text=True, timeout=60
    )
    assert top.returncode == 0
    for command in (
        "ping",
        "partitions",
        "nodes",
        "reservations",
        "diag",
        "jobs",
        "job",
        "submit",
        "cancel",
        "emulator",
    ):
        assert command in top.stdout
        sub = subprocess.run(
            [sys.executable, "-m", "s3m_grpc.cli", command, "--help"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert sub.returncode == 0, sub.stderr
        assert "usage: s3m" in sub.stdout
    assert "exit codes" in top.stdout
    version = subprocess.run(
        [sys.executable, "-m", "s3m_grpc.cli", "--version"], capture_output=True, text=True, timeout=60
    )
    assert version.stdout.startswith("s3m-grpc ")


def test_version_and_help_stay_cheap() -> None:
    # P4 of `make bench`: `s3m --version` must not pay for the emulator, the wire libraries or asyncio.
    code = (
        "import sys\n"
        "from s3m_grpc.cli import build_parser\n"
        "build_parser().format_help()\n"
        "heavy = {'asyncio', 'aiohttp', 'grpclib', 'grpc', 'httpx', 'google.protobuf',"
        " 's3m_grpc.emulator.app'}\n"
        "print(sorted(heavy & set(sys.modules)))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "[]", done.stdout + done.stderr
