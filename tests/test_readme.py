"""The README's Getting-started commands and Python example run as written, against the emulator."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from s3m_grpc.emulator import Emulator
from tests.conftest import KEEP_JOBS, ROOT, TOKEN

README = (ROOT / "README.md").read_text()


def getting_started() -> tuple[list[str], str]:
    """The shell commands and the Python block of the README's Getting started section."""
    section = README.split("## Getting started", 1)[1].split("\n## ", 1)[0]
    (shell,) = re.findall(r"```sh\n(.*?)```", section, re.S)
    (python,) = re.findall(r"```python\n(.*?)```", section, re.S)
    commands = [line.split("  #", 1)[0].strip() for line in shell.splitlines()]
    skipped = ("#", "make ", "source ", "export ", "s3m emulator")  # set-up the fixture does
    return [c for c in commands if c and not c.startswith(skipped)], python


@pytest.fixture
def workspace(tmp_path: Path) -> Iterator[tuple[Path, dict[str, str]]]:
    """A folder with the README's files (examples/, .env) and the environment its exports make."""
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    with Emulator(
        tokens=[TOKEN], work_dir=tmp_path / "emulator", min_job_age=KEEP_JOBS
    ).running() as emulator:
        emulator.write_header_file(tmp_path / ".env")
        base = {k: v for k, v in os.environ.items() if not k.startswith("S3M_")}
        # The venv's s3m first on PATH, as `source .venv/bin/activate` puts it.
        path = f"{Path(sys.executable).parent}{os.pathsep}{base.get('PATH', '')}"
        env = {**base, **emulator.env(), "S3M_TOKEN_FILE": str(tmp_path / ".env"), "PATH": path}
        yield tmp_path, env


def test_the_commands_run_as_written(workspace: tuple[Path, dict[str, str]]) -> None:
    folder, env = workspace
    commands, _ = getting_started()
    assert [c.split()[:2] for c in commands] == [
        ["s3m", "ping"],
        ["s3m", "submit"],
        ["s3m", "jobs"],
        ["curl", "-H"],
    ]
    outputs = []
    for command in commands:
        done = subprocess.run(
            ["bash", "-c", command], cwd=folder, env=env, capture_output=True, text=True, timeout=90
        )
        assert done.returncode == 0, f"{command}: {done.stdout}{done.stderr}"
        outputs.append(done.stdout)
    ping, submit, jobs, curl = outputs
    assert "defiant" in ping
    assert "UP" in ping
    assert "COMPLETED" in submit
    assert "hello" in jobs  # the job's #SBATCH --job-name
    assert '"pinged":"UP"' in curl.replace(" ", "")
    output = Path(submit.rsplit("output: ", 1)[1].strip())  # the line --wait prints
    assert output.name.startswith("hello-")
    assert output.is_relative_to(folder / "emulator")
    assert output.read_text().startswith("Hello from ")


def test_the_python_example_and_examples_submit_py(workspace: tuple[Path, dict[str, str]]) -> None:
    folder, env = workspace
    _, python = getting_started()
    (folder / "example.py").write_text(python)
    for program in ("example.py", "examples/submit.py"):
        done = subprocess.run(
            [sys.executable, program], cwd=folder, env=env, capture_output=True, text=True, timeout=90
        )
        assert done.returncode == 0, done.stderr
        state, exit_code, stdout_path = done.stdout.split()
        assert (state, exit_code) == ("COMPLETED", "0")
        assert Path(stdout_path).read_text().startswith("Hello from ")
