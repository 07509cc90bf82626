"""JobSpec and #SBATCH parsing: every time format, short and long forms, and errors that name the line."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from betterproto2 import Casing, OutputFormat

from s3m_grpc.errors import ConfigurationError
from s3m_grpc.spec import JobSpec, ScriptError, parse_memory, parse_time


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("30", 30),
        ("30:00", 30),
        ("30:01", 31),
        ("1:00:00", 60),
        ("2-12", 3600),
        ("2-12:30", 3630),
        ("2-12:30:00", 3630),
        ("0:0:59", 1),
        ("UNLIMITED", math.inf),
        ("infinite", math.inf),
    ],
)
def test_slurm_time_formats(text: str, minutes: float) -> None:
    assert parse_time(text) == minutes


@pytest.mark.parametrize("text", ["", "1h", "1:2:3:4", "-5", "2-", "abc", "1.5"])
def test_bad_times(text: str) -> None:
    with pytest.raises(ValueError, match="not a Slurm time"):
        parse_time(text)


@pytest.mark.parametrize(
    ("text", "mib"),
    [("4000", 4000), ("500M", 500), ("4G", 4096), ("1T", 1048576), ("1536K", 2), ("2GB", 2048)],
)
def test_memory(text: str, mib: int) -> None:
    assert parse_memory(text) == mib


def test_script_with_short_and_long_forms(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROJECT_DIR", "/lustre/proj")
    script = tmp_path / "job.sh"
    script.write_text(
        "#!/bin/bash\n"
        "# a comment line between directives is fine\n"
        "#SBATCH -J sim --account=stf040\n"
        "#SBATCH -p batch-cpu\n"
        "#SBATCH -N 2-4\n"
        "#SBATCH --ntasks=128 --cpus-per-task 2\n"
        "#SBATCH -t 2-12:30:00\n"
        "#SBATCH --mem=500G\n"
        "#SBATCH -D /lustre/polis/stf040/scratch\n"
        "#SBATCH -o out-%j.txt -e err-%j.txt\n"
        "#SBATCH --export=NONE,OMP_NUM_THREADS=2,PROJECT_DIR\n"
        "#SBATCH --gpus-per-node=4 -C nvme --qos=debug\n"
        "#SBATCH --dependency=afterok:123 --array=1-10%2 --hold --no-requeue\n"
        "#SBATCH --mail-type=END,fail --mail-user=u@example.org\n"
        "srun ./sim\n"
        "#SBATCH --job-name=ignored   (after the first command, as sbatch does)\n"
    )
    spec = JobSpec.from_script(script)
    assert (spec.name, spec.account, spec.partition) == ("sim", "stf040", "batch-cpu")
    assert (spec.nodes, spec.max_nodes, spec.tasks, spec.cpus_per_task) == (2, 4, 128, 2)
    assert spec.time_limit == 3630
    assert spec.memory_per_node == 512000
    assert spec.working_directory == "/lustre/polis/stf040/scratch"
    assert (spec.standard_output, spec.standard_error) == ("out-%j.txt", "err-%j.txt")
    assert dict(spec.environment) == {"OMP_NUM_THREADS": "2", "PROJECT_DIR": "/lustre/proj"}
    assert (spec.gres, spec.constraints, spec.qos) == ("gres/gpu:4", "nvme", "debug")
    assert (spec.dependency, spec.array, spec.hold, spec.requeue) == ("afterok:123", "1-10%2", True, False)
    assert spec.mail_type == ("END", "FAIL")
    assert spec.script.startswith("#!/bin/bash\n")


def test_overrides_win_over_directives(tmp_path: Path) -> None:
    script = tmp_path / "job.sh"
    script.write_text("#!/bin/bash\n#SBATCH -t 10 -J a\ntrue\n")
    spec = JobSpec.from_script(script, time_limit=5, name=None)
    assert (spec.time_limit, spec.name) == (5, "a")


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("#!/bin/bash\n#SBATCH --frobnicate\n", 2, "unknown or unsupported"),
        ("#!/bin/bash\n\n#SBATCH -t soon\n", 3, "not a Slurm time"),
        ("#!/bin/bash\n#SBATCH -N 0\n", 2, "must be positive"),
        ("#!/bin/bash\n#SBATCH --mem=lots\n", 2, "not a Slurm memory size"),
        ("#!/bin/bash\n#SBATCH --ntasks\n", 2, "needs a value"),
        ("#!/bin/bash\n#SBATCH -J 'unterminated\n", 2, "cannot parse"),
        ("#!/bin/bash\n#SBATCH --export=NONE,1BAD=x\n", 2, "bad variable name"),
        ("echo no shebang\n", 1, "must start with #!"),
    ],
)
def test_bad_scripts_name_the_line(tmp_path: Path, text: str, line: int, message: str) -> None:
    script = tmp_path / "bad.sh"
    script.write_text(text)
    with pytest.raises(ScriptError) as caught:
        JobSpec.from_script(script)
    assert caught.value.line == line
    assert f"bad.sh:{line}:" in str(caught.value)
    assert message in str(caught.value)


def test_scripts_that_cannot_be_sent(tmp_path: Path) -> None:
    binary = tmp_path / "binary.sh"
    binary.write_bytes(b"#!/bin/bash\n\xff\xfe\n")
    with pytest.raises(ScriptError, match="not valid UTF-8"):
        JobSpec.from_script(binary)
    big = tmp_path / "big.sh"
    big.write_bytes(b"#!/bin/bash\n" + b"#" * (4 * 1024 * 1024))
    with pytest.raises(ScriptError, match="exceeds"):
        JobSpec.from_script(big)
    with pytest.raises(ScriptError, match="cannot read"):
        JobSpec.from_script(tmp_path / "missing.sh")
    with pytest.raises(ScriptError, match="empty"):
        JobSpec(script="  \n")


@pytest.mark.parametrize(
    "bad",
    [
        {"nodes": 0},
        {"tasks": -1},
        {"nodes": 2**31},
        {"cpus_per_task": True},
        {"time_limit": 0},
        {"time_limit": -5},
        {"environment": {"A=B": "1"}},
    ],
)
def test_invalid_numbers_are_typed_errors(bad: dict[str, object]) -> None:
    with pytest.raises(ConfigurationError):
        JobSpec(script="#!/bin/bash\n", **bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("version", ["v0.0.43", "v0.0.42"])
def test_renders_the_submit_request(version: str) -> None:
    spec = JobSpec(
        script="#!/bin/bash\necho hi\n",
        name="my-job",
        account="STF040",
        partition="batch-cpu",
        nodes=1,
        tasks=1,
        time_limit=60,
        working_directory="/lustre/polis/stf040/scratch/user",
        environment={"PATH": "/usr/bin"},
        memory_per_node=4096,
    )
    request = spec.to_request(version, comment="s3m-key:abc")
    assert type(request).__module__.endswith(version.replace(".", ""))
    job = request.to_dict(casing=Casing.SNAKE, output_format=OutputFormat.PYTHON)["job"]
    assert job == {
        "name": "my-job",
        "account": "STF040",
        "partition": "batch-cpu",
        "minimum_nodes": 1,
        "tasks": 1,
        "time_limit": {"set": True, "number": 60},
        "environment": ["PATH=/usr/bin"],
        "current_working_directory": "/lustre/polis/stf040/scratch/user",
        "memory_per_node": {"set": True, "number": 4096},
        "comment": "s3m-key:abc",
    }
    assert request.script == "#!/bin/bash\necho hi\n"
    unlimited = JobSpec(script="#!/bin/bash\n", time_limit=math.inf).to_request(version)
    assert unlimited.job.time_limit.infinite is True
    with pytest.raises(ConfigurationError):
        spec.to_request("v0.0.40")
