"""The README's Getting started runs as written: its shell block, line by line, in a fresh folder.

Only the two set-up lines are the test's own: `make demo` (the venv this suite runs in exists
already) and `source .venv/bin/activate` (its `bin/` is put on PATH instead). Everything else,
the emulator started in the background included, is the README's text.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

README = (ROOT / "README.md").read_text()
SET_UP = ("make demo", "source .venv/bin/activate")


def getting_started() -> tuple[list[str], str]:
    """The shell commands and the Python block of the README's Getting started section."""
    section = README.split("## Getting started", 1)[1].split("\n## ", 1)[0]
    (shell,) = re.findall(r"```sh\n(.*?)```", section, re.S)
    (python,) = re.findall(r"```python\n(.*?)```", section, re.S)
    commands = [line.split("  #", 1)[0].strip() for line in shell.splitlines()]
    return [c for c in commands if c and not c.startswith("#")], python


def _run(folder: Path, script: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("S3M_")}
    path = f"{Path(sys.executable).parent}{os.pathsep}{base.get('PATH', '')}"  # what activate does
    return subprocess.run(
        ["bash", "-c", script],
        cwd=folder,
        env={**base, "PATH": path, "COLUMNS": "150"},
        capture_output=True,
        text=True,
        timeout=240,
    )


def test_the_getting_started_block_runs_as_written(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "examples", tmp_path / "examples")  # a clone's examples/, nothing else
    commands, _ = getting_started()
    assert commands[:2] == list(SET_UP)
    steps = commands[2:]
    assert steps[0].startswith('eval "$(s3m emulator --background')
    assert steps[-1] == "kill $S3M_EMULATOR_PID"
    # Each step echoed and checked; the emulator is stopped even when a step fails.
    lines = ["set -e", "trap '[ -n \"${S3M_EMULATOR_PID:-}\" ] && kill $S3M_EMULATOR_PID 2>/dev/null' EXIT"]
    for step in steps:
        lines += [f"echo '>>> {step}'", step]
    done = _run(tmp_path, "\n".join(lines))
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert "defiant-slurmctld  UP" in out
    (finished,) = re.findall(
        r"job (\d+) COMPLETED \(exit code 0\); output: (\S+)", out.split(">>> s3m jobs")[0]
    )
    job_id, output = finished
    assert Path(output).name == f"hello-{job_id}.out"
    assert re.search(rf"^ {job_id} +hello ", out, re.M)  # s3m jobs --all lists the finished job
    assert '"pinged":"UP"' in out  # curl, with the header file
    assert re.search(r"^COMPLETED 0 \S+hello-\d+\.out$", out, re.M)  # python examples/submit.py
    assert (tmp_path / ".env").read_text().startswith("Authorization: ")


def test_the_python_block_runs_as_written(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    _, python = getting_started()
    (tmp_path / "example.py").write_text(python)
    script = "\n".join(
        [
            'eval "$(s3m emulator --background --print-env)"',
            'trap "kill $S3M_EMULATOR_PID" EXIT',
            "python example.py",
        ]
    )
    done = _run(tmp_path, script)
    assert done.returncode == 0, done.stderr
    state, exit_code, stdout_path = done.stdout.split()
    assert (state, exit_code) == ("COMPLETED", "0")
    assert Path(stdout_path).name.startswith("hello-")
