"""The token never shows up: a full workload at DEBUG, through every transport, the CLI and the files written.

Everything a user or an operator could see is collected: every log record of every logger (ours,
grpclib, hpack, h2, httpx, httpcore, grpcio, aiohttp, the emulator's), reprs and texts of the
clients, views, jobs and errors, the CLI's stdout and stderr at ``-vv``, and every file under the
emulator's state and work directories (job scripts and outputs included). The token is searched
for in all of it: raw, base64, URL-quoted and reversed.

The sweep is checked to be able to fail: with hpack's redaction switched off the same workload
must find the token in the DEBUG logs, and a token planted in a file must be found by the scan.
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

# A distinctive token, easy to find if it leaks; "+" and "=" make its URL-quoted form differ.
SECRET = "sweep-Zq8w3LkP0vT6+N2cR5mH="
FORMS = (
    SECRET,
    base64.b64encode(SECRET.encode()).decode(),
    urllib.parse.quote(SECRET, safe=""),
    SECRET[::-1],
)
assert len(set(FORMS)) == len(FORMS)
SCRIPT = "#!/bin/bash\n#SBATCH --job-name=sweep\necho sweep-out\n"
# A job that stays pending (S3M carries --begin): cancelled while it waits.
PENDING_SCRIPT = "#!/bin/bash\n#SBATCH --job-name=sweep-later\n#SBATCH --begin=now+1hour\necho later\n"


def leaks(text: str) -> list[str]:
    """The forms of the token found in `text`."""
    return [form for form in FORMS if form in text]


def leaking_files(paths: list[Path]) -> list[Path]:
    """The files among `paths` that hold any form of the token (read as bytes, decoded leniently)."""
    return [p for p in paths if p.is_file() and leaks(p.read_bytes().decode("utf-8", "replace"))]


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
        min_job_age=1e6,
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
        seen += [repr(slurm), repr(slurm.factory)]
        seen += [repr(x) for x in await slurm.ping()]
        report, info = await slurm.status(), await slurm.token_info()  # Status and TokenControl too
        seen += [repr(report), repr(info), repr(report.as_json()), repr(info.as_json())]
        for listing in (slurm.partitions, slurm.reservations, slurm.jobs):
            found = await listing()
            seen += [repr(found)] + [repr(item) for item in found] + [repr(item.to_dict()) for item in found]
        spec = JobSpec.from_text(SCRIPT, working_directory=str(cwd))
        job = await slurm.submit(spec, attempts=20)
        seen += [repr(job), repr(spec)]
        seen.append(repr(await job.wait(timeout=30)))
        record = await slurm.job(job.job_id)
        seen += [repr(record), repr(record.to_dict())]
        later = await slurm.submit(JobSpec.from_text(PENDING_SCRIPT, working_directory=str(cwd)), attempts=20)
        for action in (
            lambda: slurm.nodes(),
            lambda: slurm.diag(),
            lambda: slurm.job(999_999),
            lambda: slurm.cancel(999_999),
            lambda: slurm.cancel(job.job_id),  # finished: succeeds with a warning
            lambda: later.cancel(),
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
    if transport in ("grpclib", "auto"):
        assert "hpack" in names  # the logger that prints header values was captured
    if transport == "rest":
        assert "httpcore" in names
    assert leaks(caplog.text) == []
    assert [text for text in seen if leaks(text)] == []


async def test_the_sweep_finds_a_leak_when_redaction_is_off(
    gateway: Emulator, tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Mutation check: without hpack's redaction the same workload leaks, and the sweep sees it."""
    from s3m_grpc.redact import RedactHeaderValues

    monkeypatch.setattr(RedactHeaderValues, "filter", lambda self, record: True)
    with caplog.at_level(logging.DEBUG):
        await workload(gateway, "grpclib", tmp_path)
    assert SECRET in leaks(caplog.text)


def test_the_scans_find_every_form(tmp_path: Path) -> None:
    """Mutation check for the text and file scans: each form of the token is found."""
    for form in FORMS:
        assert leaks(f"prefix {form} suffix") == [form]
    planted = []
    for index, form in enumerate(FORMS):
        path = tmp_path / f"planted-{index}.bin"
        path.write_bytes(b"\x00\xff" + form.encode() + b"\n")
        planted.append(path)
    clean = tmp_path / "clean.txt"
    clean.write_text("nothing here")
    assert leaking_files([*planted, clean, tmp_path / "absent"]) == planted


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
        timeout=100,
        env=env,
    )


def test_cli_at_debug_and_the_files_written(gateway: Emulator, sweep_dir: Path, tmp_path: Path) -> None:
    header = tmp_path / ".env"
    header.write_text(f"Authorization: {SECRET}\n")
    header.chmod(0o600)
    script = tmp_path / "job.sh"
    script.write_text(SCRIPT)
    pending = tmp_path / "later.sh"
    pending.write_text(PENDING_SCRIPT)
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
        (["status", "--transport", "rest"], by_env),
        (["token", "--json"], by_file),
        (["token", "--transport", "grpcio"], by_env),
        (["submit", str(script), "--wait", "--timeout", "60", "--chdir", str(tmp_path)], by_env),
        (
            ["submit", str(pending), "--transport", "rest", "--chdir", str(tmp_path), "--export", "ALL"],
            by_env,
        ),
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
    assert codes[:11] == [0] * 11, outputs  # the workload really ran
    assert codes[11:] == [3, 3, 3], outputs  # not found, not found, unauthenticated
    assert any("DEBUG" in text for text in outputs)
    assert [text for text in outputs if leaks(text)] == []
    # --export=ALL copied an environment that held S3M_TOKEN: the job, kept on disk, must not have it.
    later = [j for j in gateway.scheduler().visible_jobs() if j.name == "sweep-later"]
    assert later, "the pending job was not submitted"
    environment = later[0].desc.get("environment", [])
    assert any(entry.startswith("PATH=") for entry in environment)  # ALL really copied the environment
    assert not any(entry.startswith("S3M_TOKEN") or leaks(entry) for entry in environment)
    # Files: the emulator's SQLite state, job scripts and outputs, and anything else under its dirs.
    written = [p for p in sweep_dir.rglob("*") if p.is_file()]
    written += list(tmp_path.glob("*.out"))
    assert any(p.suffix == ".out" for p in written)  # the jobs ran and wrote output
    assert any(p.is_relative_to(sweep_dir / "state") for p in written)  # and the state is on disk
    assert leaking_files(written) == []
