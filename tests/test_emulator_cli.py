"""The emulator as users run it: a subprocess started with the CLI, driven over gRPC and REST."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from s3m_apis_betterproto.slurm import v0043 as pb

from s3m_grpc.emulator.process import EmulatorProcess
from s3m_grpc.factory import S3MClientFactory
from tests.conftest import TOKEN

READY = re.compile(r"^s3m emulator ready grpc=(?P<grpc>\S+) rest=(?P<rest>\S+)$")


@dataclass
class Running:
    emulator: EmulatorProcess
    header_file: Path

    @property
    def process(self) -> subprocess.Popen[str]:
        return self.emulator.process

    @property
    def grpc(self) -> str:
        return self.emulator.grpc

    @property
    def rest(self) -> str:
        return self.emulator.rest

    @property
    def headers(self) -> dict[str, str]:
        name, _, value = self.header_file.read_text().strip().partition(": ")
        return {name: value}


def start(
    tmp_path: Path,
    *args: str,
    command: tuple[str, ...] = (sys.executable, "-m", "s3m_grpc.emulator"),
    header: str = "s3m.env",
    env: dict[str, str] | None = None,
) -> Running:
    header_file = tmp_path / header
    # MinJobAge: at time scale 0.01 the default (300 s) purges a finished job 3 s after it ends.
    keep = [] if "--min-job-age" in args else ["--min-job-age", "1000000"]
    emulator = EmulatorProcess(
        "--time-scale",
        "0.01",
        "--write-header-file",
        str(header_file),
        *keep,
        *args,
        command=command,
        env=env,
        capture_stderr=True,  # read by the tests below, and small: the emulator logs warnings only
    )
    assert READY.match(emulator.ready_line), emulator.ready_line
    return Running(emulator, header_file)


def stop(running: Running, sig: int = signal.SIGTERM) -> int:
    status = running.emulator.stop(sig, timeout=20)
    if running.process.stderr is not None:
        running.process.stderr.close()
    return status


@pytest.fixture
def emulator(tmp_path: Path) -> Iterator[Running]:
    running = start(tmp_path)
    yield running
    if running.process.poll() is None:
        stop(running)


def wait_until(check: Any, what: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"never happened within {timeout} s: {what}"
        time.sleep(0.05)


def test_ready_line_and_header_file(emulator: Running) -> None:
    assert emulator.grpc.startswith("127.0.0.1:")
    assert emulator.rest.startswith("http://127.0.0.1:")
    assert oct(emulator.header_file.stat().st_mode & 0o777) == "0o600"
    assert emulator.header_file.read_text().startswith("Authorization: ")
    reply = httpx.get(f"{emulator.rest}/slurm/v0.0.43/defiant/ping", headers=emulator.headers)
    assert reply.status_code == 200  # the header file's token is one the emulator accepts
    assert len(emulator.headers["Authorization"]) >= 32  # without S3M_TOKEN: a random one, long


def test_the_ready_line_is_all_it_prints_and_s3m_token_is_honoured(tmp_path: Path) -> None:
    running = start(tmp_path, env={"S3M_TOKEN": TOKEN})
    try:
        assert running.header_file.read_text() == f"Authorization: {TOKEN}\n"
        reply = httpx.get(f"{running.rest}/slurm/v0.0.43/defiant/ping", headers={"Authorization": TOKEN})
        assert reply.status_code == 200
    finally:
        running.process.send_signal(signal.SIGTERM)
        out, err = running.process.communicate(timeout=20)
    assert running.process.returncode == 0
    assert out == ""  # nothing after the ready line
    assert TOKEN not in err  # the emulator never prints a token


class Rest:
    """The four calls the scenarios need, over REST."""

    def __init__(self, running: Running) -> None:
        self.http = httpx.AsyncClient(
            base_url=f"{running.rest}/slurm/v0.0.43/defiant", headers=running.headers
        )

    async def submit(self, script: str, cwd: Path, **job: Any) -> int:
        body = {
            "job": {
                "script": script,
                "current_working_directory": str(cwd),
                "environment": ["PATH=/bin:/usr/bin"],
                **job,
            }
        }
        reply = await self.http.post("/job/submit", json=body)
        reply.raise_for_status()
        return int(reply.json()["job_id"])

    async def state(self, job_id: int) -> tuple[str, int, str]:
        reply = await self.http.get(f"/job/{job_id}")
        assert reply.status_code == 200, reply.text
        job = reply.json()["jobs"][0]  # GetJob: slurmdb's record
        return job["state"]["current"][0], job["exit_code"]["return_code"]["number"], job["state"]["reason"]

    async def cancel(self, job_id: int) -> None:
        (await self.http.delete(f"/job/{job_id}")).raise_for_status()

    async def close(self) -> None:
        await self.http.aclose()


class Grpc:
    """The same calls over gRPC, through S3MClientFactory and the header file."""

    def __init__(self, running: Running) -> None:
        self.factory = S3MClientFactory(running.grpc, token_file=running.header_file)
        self.client = self.factory.create_client(pb.SlurmIndirectStub)

    async def submit(self, script: str, cwd: Path, **job: Any) -> int:
        if "time_limit" in job:
            job["time_limit"] = pb.Uint32NoVal(**job["time_limit"])
        desc = pb.JobSubmitReqJobDescription(
            script=script, current_working_directory=str(cwd), environment=["PATH=/bin:/usr/bin"], **job
        )
        return int((await self.client.post_job_submit(pb.JobSubmitReq(job=desc))).job_id)

    async def state(self, job_id: int) -> tuple[str, int, str]:
        job = (await self.client.get_job(pb.JobIdReq(job_id=str(job_id)))).jobs[0]
        return job.state.current[0], job.exit_code.return_code.number, job.state.reason

    async def cancel(self, job_id: int) -> None:
        await self.client.delete_job(pb.DeleteJobReq(job_id=str(job_id)))

    async def close(self) -> None:
        await self.factory.aclose()


async def settle(api: Any, job_id: int, until: set[str]) -> tuple[str, int, str]:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        state = await api.state(job_id)
        if state[0] in until:
            return state  # type: ignore[no-any-return]
        await asyncio.sleep(0.05)
    raise AssertionError(f"job {job_id} never reached {until}")


@pytest.mark.parametrize("protocol", [Rest, Grpc])
async def test_job_lifecycles_over_both_protocols(emulator: Running, tmp_path: Path, protocol: Any) -> None:
    api = protocol(emulator)
    done = {"COMPLETED", "FAILED", "CANCELLED", "TIMEOUT"}
    try:
        hello = await api.submit("#!/bin/bash\necho Hello World\n", tmp_path, name="hello")
        assert await settle(api, hello, done) == ("COMPLETED", 0, "None")
        assert (tmp_path / f"slurm-{hello}.out").read_text() == "Hello World\n"

        failing = await api.submit("#!/bin/bash\necho oops >&2\nexit 7\n", tmp_path)
        assert await settle(api, failing, done) == ("FAILED", 7, "NonZeroExitCode")
        assert (tmp_path / f"slurm-{failing}.out").read_text() == "oops\n"

        slow = await api.submit("#!/bin/bash\nsleep 300\n", tmp_path)
        await settle(api, slow, {"RUNNING"})
        await api.cancel(slow)
        assert (await settle(api, slow, done))[0] == "CANCELLED"
        await api.cancel(hello)  # already finished: succeeds (with a warning), as slurmrestd
        assert (await api.state(hello))[0] == "COMPLETED"

        late = await api.submit("#!/bin/bash\nsleep 300\n", tmp_path, time_limit={"number": 1, "set": True})
        assert await settle(api, late, done) == ("TIMEOUT", 0, "TimeLimit")
    finally:
        await api.close()


def test_sigterm_stops_cleanly_and_ends_running_jobs(emulator: Running, tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    script = f"#!/bin/bash\necho $$ > {pid_file}\nsleep 300\n"
    body = {"job": {"script": script, "current_working_directory": str(tmp_path), "environment": ["A=1"]}}
    url = f"{emulator.rest}/slurm/v0.0.43/defiant"
    httpx.post(f"{url}/job/submit", json=body, headers=emulator.headers).raise_for_status()
    deadline = time.monotonic() + 10
    while not pid_file.exists() or not pid_file.read_text().strip():
        assert time.monotonic() < deadline
        time.sleep(0.05)
    pid = int(pid_file.read_text())
    assert stop(emulator) == 0

    def gone() -> bool:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1].startswith("Z")

    wait_until(gone, "the running job's process ended with the emulator")


def test_state_survives_a_crash(tmp_path: Path) -> None:
    state = tmp_path / "state"
    first = start(tmp_path, "--state-dir", str(state))
    url = f"{first.rest}/slurm/v0.0.43/defiant"
    pid_file = tmp_path / "pid"
    ids = []
    for script in ("#!/bin/bash\ntrue\n", f"#!/bin/bash\necho $$ > {pid_file}\nsleep 300\n"):
        body = {"job": {"script": script, "current_working_directory": str(tmp_path), "environment": ["A=1"]}}
        reply = httpx.post(f"{url}/job/submit", json=body, headers=first.headers)
        ids.append(reply.json()["job_id"])
    wait_until(lambda: pid_file.exists() and pid_file.read_text().strip(), "the second job runs")

    def first_completed() -> bool:
        job = httpx.get(f"{url}/job/{ids[0]}", headers=first.headers).json()["jobs"][0]
        return bool(job["state"]["current"] == ["COMPLETED"])

    wait_until(first_completed, "the first job completes")
    stop(first, signal.SIGKILL)  # a crash: nothing is cleaned up
    with contextlib.suppress(ProcessLookupError):
        os.killpg(int(pid_file.read_text()), signal.SIGKILL)  # the orphaned job, which no one else will end
    second = start(tmp_path, "--state-dir", str(state), header="second.env")
    try:
        url = f"{second.rest}/slurm/v0.0.43/defiant"
        jobs = {j["job_id"]: j for j in httpx.get(f"{url}/jobs", headers=second.headers).json()["jobs"]}
        assert jobs[ids[0]]["job_state"] == ["COMPLETED"]
        assert jobs[ids[1]]["job_state"] == ["FAILED"]  # running when the emulator died: failed, not lost
        assert jobs[ids[1]]["state_reason"] == "NodeDown"
        record = httpx.get(f"{url}/job/{ids[1]}", headers=second.headers).json()["jobs"][0]
        assert (record["state"]["current"], record["state"]["reason"]) == (["FAILED"], "NodeDown")
        body = {
            "job": {
                "script": "#!/bin/bash\ntrue\n",
                "current_working_directory": str(tmp_path),
                "environment": ["A=1"],
            }
        }
        new_id = httpx.post(f"{url}/job/submit", json=body, headers=second.headers).json()["job_id"]
        assert new_id > max(ids)
    finally:
        stop(second)


def test_console_script(tmp_path: Path) -> None:
    s3m = Path(sys.executable).with_name("s3m")
    running = start(tmp_path, command=(str(s3m), "emulator"))
    reply = httpx.get(f"{running.rest}/slurm/v0.0.43/defiant/ping", headers=running.headers)
    assert [(p["hostname"], p["pinged"]) for p in reply.json()["pings"]] == [("defiant-slurmctld", "UP")]
    assert stop(running, signal.SIGINT) == 0


def test_bad_arguments_exit_with_a_message(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "s3m_grpc.emulator", "--host", "0.0.0.0"],  # noqa: S104
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 2
    assert "loopback" in done.stderr
    done = subprocess.run(
        [sys.executable, "-m", "s3m_grpc.emulator", "--fault", "Nope:latency"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert (done.returncode, "unknown RPC" in done.stderr) == (2, True)


async def test_first_job_id_makes_the_docs_ids_real(tmp_path: Path) -> None:
    running = start(tmp_path, "--first-job-id", "12345")
    api = Rest(running)
    try:
        assert await api.submit("#!/bin/bash\ntrue\n", tmp_path) == 12345  # OLCF's examples' job
        assert await api.submit("#!/bin/bash\ntrue\n", tmp_path) == 12346
    finally:
        await api.close()
        assert stop(running) == 0


def test_a_first_job_id_slurm_would_refuse_is_refused() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "s3m_grpc.emulator", "--first-job-id", "0"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert (done.returncode, "FirstJobId" in done.stderr) == (2, True), done.stderr


def test_the_process_helper_never_waits_forever_for_a_ready_line(tmp_path: Path) -> None:
    silent = (sys.executable, "-c", "import time; time.sleep(60)")
    with pytest.raises(RuntimeError, match=r"no ready line within 0\.5 s"):
        EmulatorProcess(command=silent, ready_timeout=0.5)  # (its child is stopped: SIGTERM)
    failing = (sys.executable, "-c", "import sys; sys.exit('bad option')")
    with pytest.raises(RuntimeError, match=r"exited \(1\) before ready: bad option"):
        EmulatorProcess(command=failing, capture_stderr=True)


def test_print_env_gives_exports_a_shell_can_source(tmp_path: Path) -> None:
    import select
    import shlex

    clean = {k: v for k, v in os.environ.items() if not k.startswith("S3M_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "s3m_grpc.emulator", "--print-env"],
        stdout=subprocess.PIPE,
        text=True,
        env=clean,
    )
    try:
        assert process.stdout is not None
        text = b""
        while b"# stop it" not in text:  # raw reads: select() cannot see what a TextIOWrapper buffered
            ready, _, _ = select.select([process.stdout], [], [], 60)
            assert ready, text
            text += os.read(process.stdout.fileno(), 65536)
        lines = text.decode().splitlines()
        exports = dict(
            shlex.split(line.removeprefix("export "))[0].split("=", 1)
            for line in lines
            if line.startswith("export ")
        )
        assert set(exports) == {
            "S3M_EMULATOR_HOST",
            "S3M_EMULATOR_REST_URL",
            "S3M_TOKEN_FILE",
            "S3M_EMULATOR_PID",
        }
        assert exports["S3M_EMULATOR_PID"] == str(process.pid)
        token_file = Path(exports["S3M_TOKEN_FILE"])
        assert oct(token_file.stat().st_mode & 0o777) == "0o600"  # a private file, never the token itself
        name, _, token = token_file.read_text().strip().partition(": ")
        assert name == "Authorization"
        assert token not in "\n".join(lines)
        reply = httpx.get(
            f"{exports['S3M_EMULATOR_REST_URL']}/slurm/v0.0.43/defiant/ping", headers={name: token}
        )
        assert reply.status_code == 200
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(30)
        if process.stdout is not None:
            process.stdout.close()


def _exports(text: str) -> dict[str, str]:
    import shlex

    return dict(
        shlex.split(line.removeprefix("export "))[0].split("=", 1)
        for line in text.splitlines()
        if line.startswith("export ")
    )


BACKGROUND = [sys.executable, "-m", "s3m_grpc.cli", "emulator", "--background", "--print-env"]


def _start(argv: list[str]) -> subprocess.CompletedProcess[str]:
    """`s3m emulator --background ...` without the caller's S3M_* (it returns once ready)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("S3M_")}
    return subprocess.run(argv, capture_output=True, text=True, env=clean, timeout=90)


def _gone(pid: int, within: float = 60.0) -> bool:
    """Whether process `pid` has exited (polled with a deadline, never a fixed sleep)."""
    import time

    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        try:  # a detached emulator's zombie, where nothing reaps orphans (a container's init)
            if Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
                return True
        except (OSError, IndexError):
            pass
        try:  # our own child: reap it, or it lingers as a zombie
            if os.waitpid(pid, os.WNOHANG)[0] == pid:
                return True
        except ChildProcessError:
            pass
        time.sleep(0.05)
    return False


def test_the_private_token_folder_goes_with_the_emulator(tmp_path: Path) -> None:
    # --print-env without --write-header-file makes a private folder for the token file; left in
    # /tmp after the emulator stops, the token would outlive it (found by a newcomer's trial).
    clean = {k: v for k, v in os.environ.items() if not k.startswith("S3M_")}
    done = _start(BACKGROUND)
    assert done.returncode == 0, done.stderr
    background = _exports(done.stdout)
    folder = Path(background["S3M_TOKEN_FILE"]).parent
    assert folder.is_dir()
    assert f"# its messages: {folder / 'emulator.log'}" in done.stdout  # not the caller's stderr
    assert (folder / "emulator.log").is_file()
    os.kill(int(background["S3M_EMULATOR_PID"]), signal.SIGTERM)
    assert _gone(int(background["S3M_EMULATOR_PID"]))
    assert not folder.exists()

    process = subprocess.Popen(  # in the foreground, stopped with SIGTERM as `kill` does
        [sys.executable, "-m", "s3m_grpc.emulator", "--print-env"], stdout=subprocess.PIPE, env=clean
    )
    try:
        import select

        assert process.stdout is not None
        text = b""
        while b"# stop it" not in text:
            ready, _, _ = select.select([process.stdout], [], [], 60)
            assert ready, text
            text += os.read(process.stdout.fileno(), 65536)
        folder = Path(_exports(text.decode())["S3M_TOKEN_FILE"]).parent
        assert folder.is_dir()
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(30)
        if process.stdout is not None:
            process.stdout.close()
    assert not folder.exists()
    written = tmp_path / "mine.env"  # a file the user named is the user's: it stays
    done = _start([*BACKGROUND, "--write-header-file", str(written)])
    assert done.returncode == 0, done.stderr
    pid = int(_exports(done.stdout)["S3M_EMULATOR_PID"])
    os.kill(pid, signal.SIGTERM)
    assert _gone(pid)
    assert written.read_text().startswith("Authorization: ")


def test_background_with_abbreviated_flags_starts_one_emulator() -> None:
    # argparse accepts --backg for --background: the child must not go into the background again
    # (a second, unknown emulator) nor print exports where its parent waits for the ready line.
    done = _start([sys.executable, "-m", "s3m_grpc.cli", "emulator", "--backg", "--print-e"])
    assert done.returncode == 0, done.stderr
    exports = _exports(done.stdout)
    pid = int(exports["S3M_EMULATOR_PID"])
    try:
        reply = httpx.get(
            f"{exports['S3M_EMULATOR_REST_URL']}/slurm/v0.0.43/defiant/ping",
            headers={"Authorization": Path(exports["S3M_TOKEN_FILE"]).read_text().split(": ", 1)[1].strip()},
        )
        assert reply.status_code == 200
    finally:
        os.kill(pid, signal.SIGTERM)
    assert _gone(pid)
