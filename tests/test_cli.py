"""The s3m command line as users run it: output, --json, and documented exit codes."""

from __future__ import annotations

import json
import os
import re
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
    first = s3m(env, "cancel", job_id)
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == f"cancelled job {job_id}"
    again = s3m(env, "cancel", job_id)  # finished already: success with Slurm's warning, as slurmrestd
    assert again.returncode == 0, again.stderr
    # ... which is said: "cancelled job N" read as if something was cancelled (a newcomer's trial).
    assert again.stdout.startswith(f"job {job_id}: ")
    assert again.stdout.rstrip().endswith("(nothing was cancelled)")
    as_json = json.loads(s3m(env, "cancel", job_id, "--json").stdout)
    assert as_json["warnings"]
    assert as_json["job_id"] == job_id


def test_a_subcommand_option_error_shows_the_subcommands_usage(env: dict[str, str]) -> None:
    done = s3m(env, "jobs", "--bogus")
    assert done.returncode == 2
    assert done.stderr.startswith("usage: s3m jobs ")  # not the top-level usage
    assert "unrecognized arguments: --bogus" in done.stderr


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
        (("submit", "{uncarried}"), 2, "no hold field"),
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
    uncarried.write_text("#!/bin/bash\n#SBATCH --hold\n")
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


def test_no_token_and_a_refused_token_say_different_things(env: dict[str, str], tmp_path: Path) -> None:
    without = {k: v for k, v in env.items() if k != "S3M_TOKEN_FILE"}
    done = s3m(without, "ping")
    assert done.returncode == 2  # nothing was sent
    for source in ("--token-file", "$S3M_TOKEN", "$S3M_TOKEN_FILE", "Authorization: <token>"):
        assert source in done.stderr, done.stderr
    wrong = {**without, "S3M_TOKEN": "an-expired-token-0123456789"}
    done = s3m(wrong, "ping")
    assert done.returncode == 3
    assert "Unauthenticated" in done.stderr
    assert "The token from S3M_TOKEN was refused" in done.stderr
    assert "an-expired-token" not in done.stderr
    # An explicit --token-file beats a stale $S3M_TOKEN, and the message names the file it came from.
    stale = tmp_path / "stale.env"
    stale.write_text("Authorization: another-stale-token-0123456789\n")
    stale.chmod(0o600)
    done = s3m({**wrong, "S3M_TOKEN_FILE": env["S3M_TOKEN_FILE"]}, "ping", "--token-file", str(stale))
    assert done.returncode == 3
    assert f"The token from {stale} was refused" in done.stderr
    assert s3m({**wrong}, "--token-file", env["S3M_TOKEN_FILE"], "ping").returncode == 0


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


# -- the first hour: conventions ---------------------------------------------------------------------


def test_connection_options_go_before_or_after_the_command(env: dict[str, str]) -> None:
    before = s3m(env, "--transport", "rest", "--resource", "odo", "--json", "ping")
    after = s3m(env, "ping", "--transport", "rest", "--resource", "odo", "--json")
    assert before.returncode == after.returncode == 0, before.stderr + after.stderr
    hosts = [[p["hostname"] for p in json.loads(done.stdout)] for done in (before, after)]
    assert hosts == [["odo-slurmctld"], ["odo-slurmctld"]]
    # one given after the command wins over one before it, and a flag over the environment
    mixed = s3m({**env, "S3M_RESOURCE": "wombat"}, "--resource", "quokka", "ping", "--resource", "odo")
    assert "odo-slurmctld" in mixed.stdout, mixed.stderr
    assert "wombat-slurmctld" in s3m({**env, "S3M_RESOURCE": "wombat"}, "ping").stdout


def test_jobs_lists_active_ones_unless_asked_and_refuses_unknown_states(
    env: dict[str, str], tmp_path: Path
) -> None:
    finished = s3m(env, "submit", str(script(tmp_path, "true", "quick.sh")), "-D", str(tmp_path), "--wait")
    assert finished.returncode == 0, finished.stderr
    done_id = int(finished.stdout.split("Submitted batch job ")[1].split()[0])
    begin = str(int(time.time()) + 86400)
    pending = s3m(env, "submit", str(script(tmp_path, "true", "later.sh", begin=begin)), "-D", str(tmp_path))
    pending_id = int(pending.stdout.split()[-1])

    def ids(*args: str) -> list[int]:
        done = s3m(env, "jobs", "--json", *args)
        assert done.returncode == 0, done.stderr
        return [j["job_id"] for j in json.loads(done.stdout)]

    active = ids()  # as squeue: the active jobs
    assert pending_id in active
    assert done_id not in active
    assert {pending_id, done_id} <= set(ids("--all"))
    assert done_id in ids("--state", "cd")  # squeue's code, any case
    assert pending_id in ids("-t", "Pending")
    typo = s3m(env, "jobs", "--state", "FOO")
    assert typo.returncode == 2
    assert "unknown job state 'FOO'" in typo.stderr
    assert "PENDING (PD)" in typo.stderr
    assert s3m(env, "cancel", str(pending_id)).returncode == 0


def test_a_failed_jobs_reason_is_in_the_plain_output(env: dict[str, str], tmp_path: Path) -> None:
    job = script(tmp_path, "echo never", "noout.sh")
    done = s3m(
        env, "submit", str(job), "-D", str(tmp_path), "-o", str(tmp_path / "missing" / "out.txt"), "--wait"
    )
    assert done.returncode == 1
    line = done.stdout.splitlines()[-1]
    assert " FAILED (exit code 1, " in line
    assert "cannot open job I/O" in line, line
    assert "No such file or directory" in line, line


def test_submit_wrap_mem_and_script_arguments(env: dict[str, str], tmp_path: Path) -> None:
    wrapped = s3m(
        env, "submit", "--wrap", "echo wrapped $((6 * 7))", "-D", str(tmp_path), "--mem", "1G", "--wait"
    )
    assert wrapped.returncode == 0, wrapped.stderr
    job_id = wrapped.stdout.split("Submitted batch job ")[1].split()[0]
    assert (tmp_path / f"slurm-{job_id}.out").read_text() == "wrapped 42\n"
    record = json.loads(s3m(env, "jobs", "--all", "--json").stdout)
    (mine,) = [j for j in record if str(j["job_id"]) == job_id]
    assert mine["memory_per_node"]["number"] == 1024  # --mem 1G, in MiB
    echo = script(tmp_path, 'printf "%s|" "$@"', "args.sh")
    with_args = s3m(env, "submit", str(echo), "-D", str(tmp_path), "--wait", "--", "a b", "c", "--wait")
    assert with_args.returncode == 0, with_args.stderr
    job_id = with_args.stdout.split("Submitted batch job ")[1].split()[0]
    assert (tmp_path / f"slurm-{job_id}.out").read_text() == "a b|c|--wait|"  # after --: the script's
    both = s3m(env, "submit", str(echo), "--wrap", "true")
    assert both.returncode == 2
    assert "one of them" in both.stderr


def _submitted(process: subprocess.Popen[str], timeout: float = 60) -> int:
    """The job id from `s3m submit`'s first line, read with a deadline (never a hang)."""
    import select

    assert process.stdout is not None
    ready, _, _ = select.select([process.stdout], [], [], timeout)
    assert ready, "s3m submit printed nothing"
    return int(process.stdout.readline().split()[-1])


def test_an_interrupted_wait_says_how_to_resume_and_s3m_wait_resumes(
    env: dict[str, str], tmp_path: Path
) -> None:
    import signal

    gate = tmp_path / "gate"
    job = script(tmp_path, f"while [ ! -e {gate} ]; do sleep 0.05; done; echo through", "gated.sh")
    process = subprocess.Popen(
        [sys.executable, "-m", "s3m_grpc.cli", "submit", str(job), "-D", str(tmp_path), "--wait"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        job_id = _submitted(process)
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130, (stdout, stderr)
    assert f"still in the queue: {job_id}" in stderr
    assert f"Resume with: s3m wait {job_id}" in stderr
    waiting = subprocess.Popen(
        [sys.executable, "-m", "s3m_grpc.cli", "wait", str(job_id)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        gate.touch()  # the job may finish now
        stdout, progress = waiting.communicate(timeout=60)
    finally:
        if waiting.poll() is None:
            waiting.kill()
    assert waiting.returncode == 0, progress
    assert f"job {job_id} COMPLETED (exit code 0)" in stdout
    # Not a terminal: progress is a line per state change, on stderr.
    assert re.search(rf"^job {job_id} (RUNNING|COMPLETED) \(\d+:\d\d:\d\d\)$", progress, re.M), progress
    assert (tmp_path / f"slurm-{job_id}.out").read_text() == "through\n"
    assert s3m(env, "wait", "99999999").returncode == 3  # unknown: at once, NotFound


def test_piped_submit_wait_prints_a_line_per_state_change(env: dict[str, str], tmp_path: Path) -> None:
    done = s3m(env, "submit", str(script(tmp_path, "sleep 0.5", "slow.sh")), "-D", str(tmp_path), "--wait")
    assert done.returncode == 0, done.stderr
    job_id = done.stdout.split("Submitted batch job ")[1].split()[0]
    states = re.findall(rf"^job {job_id} ([A-Z]+) \(", done.stderr, re.M)
    assert states[-1] == "COMPLETED"
    assert len(states) == len(set(states))  # one line per change, not per poll


@pytest.mark.parametrize(
    "command", [("job", "{id}"), ("jobs", "--all"), ("partitions",), ("nodes",), ("reservations",)]
)
def test_json_is_the_same_document_on_every_transport(
    env: dict[str, str], tmp_path: Path, command: tuple[str, ...]
) -> None:
    failed = s3m(env, "submit", str(script(tmp_path, "exit 3", "f.sh")), "-D", str(tmp_path), "--wait")
    job_id = failed.stdout.split("Submitted batch job ")[1].split()[0]
    args = [a.replace("{id}", job_id) for a in command]
    documents = {}
    for transport in ("grpclib", "grpcio", "rest"):
        done = s3m(env, *args, "--json", "--transport", transport)
        assert done.returncode == 0, done.stderr
        documents[transport] = json.loads(done.stdout)
    assert documents["grpclib"] == documents["grpcio"] == documents["rest"]
    if command[0] == "job":  # zero values kept: a field gRPC leaves off the wire is still printed
        assert documents["grpclib"]["exit_code"]["signal"]["id"] == {
            "set": False,
            "infinite": False,
            "number": 0,
        }


def test_submit_array_wait_shows_progress_and_fails_if_an_element_failed(
    env: dict[str, str], tmp_path: Path
) -> None:
    env = {**env, "S3M_STATE_DIR": str(tmp_path / "state")}
    job = script(tmp_path, "exit $((SLURM_ARRAY_TASK_ID % 3 == 1))", name="odd.sh")
    done = s3m(env, "submit", str(job), "--array", "0-5%2", "--wait", "-D", str(tmp_path))
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert "Submitted job group" in done.stdout
    assert "6/6 done, 0 running, 0 pending" in done.stdout
    assert "failed: job_1 job_4" in done.stdout
    assert "done," in done.stderr  # progress lines while waiting
    ok = s3m(env, "submit", "--wrap", "true", "-a", "1,3", "--wait", "-D", str(tmp_path))
    assert ok.returncode == 0, (ok.stdout, ok.stderr)


def test_held_elements_wait_for_s3m_resume(env: dict[str, str], tmp_path: Path) -> None:
    env = {**env, "S3M_STATE_DIR": str(tmp_path / "state")}
    held = s3m(env, "submit", "--wrap", "true", "--array", "0-3%1", "-D", str(tmp_path))
    assert held.returncode == 0, held.stderr
    assert "3 of 4 held by this client" in held.stderr
    # As squeue shows an array: tasks in Slurm as ARRAYJOBID_INDEX, the held ones folded.
    listed = s3m(env, "jobs", "--all")
    assert listed.returncode == 0, listed.stderr
    folded = re.search(r"(\d+)_\[1-3\]\s+PENDING\s+\(JobArrayTaskLimit\)", listed.stdout)
    assert folded, listed.stdout
    assert f"{folded[1]}_0 " in listed.stdout
    assert "_[1-3]" not in s3m(env, "jobs", "--state", "RUNNING").stdout
    never = s3m(env, "submit", "--wrap", "true", "--dependency", "afterok:987654321", "-D", str(tmp_path))
    assert never.returncode == 1, never.stderr  # no such job: the dependency can never be met
    assert "never submitted (DependencyNeverSatisfied): job" in never.stdout
    resumed = s3m(env, "resume", "--wait")
    assert resumed.returncode == 0, (resumed.stdout, resumed.stderr)
    assert "4/4 done, 0 running, 0 pending; COMPLETED 4" in resumed.stdout
    assert s3m(env, "resume").stdout.strip() == "nothing to resume"
