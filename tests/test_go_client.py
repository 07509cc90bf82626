"""OLCF's documented Go examples, compiled from our protos, run against the emulator over gRPC.

The "Go" tabs of tests/reference/olcf-s3m-docs/compute.rst (v0.0.43 and v0.0.44) are extracted at test
time and pasted, as written, into tests/go/docs_examples.go.tmpl; the program is built against Go code
that protoc-gen-go and protoc-gen-go-grpc generate from proto/ (package olcf.s3m.slurm.v004x), with the
docs' import path ``s3m.olcf.ornl.gov/apis/slurm/v004x`` mapped onto our files by protoc's ``M`` option.
The build is offline, in GOPATH mode, from Debian's Go packages (golang-go, protobuf-compiler,
protoc-gen-go, protoc-gen-go-grpc, golang-google-grpc-dev, golang-google-protobuf-dev,
golang-google-genproto-dev); it happens once per session in a temporary directory.

The docs never show where ``conn`` comes from (OLCF's Go helper is not public): tests/go/s3mutil is a
stand-in that dials the emulator in plaintext and adds the ``authorization`` and ``olcf-resource``
metadata to every call, as S3M requires; it also records each reply, so that the examples that drop
theirs (``_, err := client.DeleteJob(...)``) still print what they got.

The examples' job ids are the docs' "12345", left as written: the emulator is told to number its next
job 12345 (as tests/test_documented_examples.py does), so the GetJob and DeleteJob examples ask for the
job the PostJobSubmit example made.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import textwrap
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import google.api
import pytest

from s3m_grpc.emulator import Emulator, EmulatorConfig
from s3m_grpc.emulator.model import ReservationModel, default_models
from tests.conftest import KEEP_JOBS, TOKEN

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "tests" / "reference" / "olcf-s3m-docs" / "compute.rst"
GO_DIR = ROOT / "tests" / "go"
TOOLS = {
    "go": "golang-go",
    "protoc": "protobuf-compiler",
    "protoc-gen-go": "protoc-gen-go",
    "protoc-gen-go-grpc": "protoc-gen-go-grpc",
}
# Debian's Go sources (golang-google-grpc-dev and its dependencies: golang-google-protobuf-dev,
# golang-google-genproto-dev for google.golang.org/genproto/googleapis/api/annotations, ...).
SYSTEM_GOPATH = Path("/usr/share/gocode")
# grpc-go 1.33 accepts either golang/protobuf; apt picks 1.3 first, whose runtime cannot read the
# proto3 `optional` fields of S3M's contract ("protobuf tag not enough fields"): 1.5 is needed.
GO_SOURCES = (
    "golang-google-grpc-dev golang-google-protobuf-dev golang-google-genproto-dev "
    "golang-github-golang-protobuf-1-5-dev"
)
DOCS_IMPORT = "s3m.olcf.ornl.gov/apis/slurm/{suffix}"  # the examples' import path for our package
RPCS = (
    "Ping",
    "GetPartitions",
    "PostJobSubmit",
    "GetJob",
    "GetJobs",
    "DeleteJob",
    "GetNodes",
    "GetReservations",
    "GetDiag",
)
DOCS_JOB_ID = 12345
# (the docs' version tab, our package suffix, the resource the docs' examples call)
TARGETS = {"v0.0.43": ("v0043", "defiant"), "v0.0.44": ("v0044", "odo")}
# Seconds. A cold build (grpc-go, protobuf-go, our two packages) costs ~26 s of CPU: ~13 s on two idle
# cores, ~55 s at a load of 7. The first test pays for it, within pytest-timeout's 120 s.
BUILD_TIMEOUT = 100
RUN_TIMEOUT = 30
# The misspelling v0.0.42/43 carry (S3M's descriptors, Slurm's own): Go must decode each with its own.
QUEUE_DEPTH = {"v0.0.43": "defult_queue_depth", "v0.0.44": "default_queue_depth"}


@dataclass(frozen=True)
class GoExample:
    """One ``.. code-block:: go`` of a Go tab: its section, its imports and its statements."""

    section: str
    version: str
    line: int
    imports: tuple[str, ...]
    body: str

    @property
    def call(self) -> str:
        """The RPC the example calls (``client.Ping(`` -> ``Ping``)."""
        calls = re.findall(r"\bclient\.(\w+)\(", self.body)
        assert len(calls) == 1, f"compute.rst:{self.line}: expected one client call, found {calls}"
        return calls[0]

    @property
    def result(self) -> str:
        """The name the example assigns the reply to (``_`` when it drops it)."""
        match = re.search(r"^(\w+), err :=", self.body, re.MULTILINE)
        assert match, f"compute.rst:{self.line}: no `<reply>, err :=` in the example"
        return match[1]


def go_examples(page: Path) -> list[GoExample]:
    """The Go code blocks under ``.. tab-item:: Go``, with their section and version tab."""
    lines = page.read_text(encoding="utf-8").splitlines()
    examples: list[GoExample] = []
    section = version = language = ""
    i = 0
    while i < len(lines):
        text = lines[i].strip()
        if i + 1 < len(lines) and text and set(lines[i + 1].strip()) == {"-"}:
            section, version = text, ""
        elif text.startswith(".. tab-item:: v0.0."):
            version = text.split("::", 1)[1].strip()
        elif text.startswith(".. tab-item::"):
            language = text.split("::", 1)[1].strip()
        elif text == ".. code-block:: go" and language == "Go":
            indent = len(lines[i]) - len(lines[i].lstrip())
            start = i + 1
            body: list[str] = []
            i += 1
            while i < len(lines) and (
                not lines[i].strip() or len(lines[i]) - len(lines[i].lstrip()) > indent
            ):
                body.append(lines[i])
                i += 1
            code = textwrap.dedent("\n".join(body)).strip()
            match = re.fullmatch(r"import \((?P<imports>[^)]*)\)\s*(?P<body>.*)", code, re.DOTALL)
            assert match, f"compute.rst:{start}: a Go example that does not start with import ( ... )"
            imports = tuple(x.strip() for x in match["imports"].splitlines() if x.strip())
            examples.append(GoExample(section, version, start, imports, match["body"].strip()))
            continue
        i += 1
    return examples


def assemble(template: str, examples: list[GoExample]) -> str:
    """The Go program: the template with every example pasted in, one function per API version."""
    own_imports = set(re.search(r"^import \((.*?)^\)", template, re.DOTALL | re.MULTILINE)[1].split())
    imports: list[str] = []
    functions: list[str] = []
    table: list[str] = []
    for version, (suffix, _) in TARGETS.items():
        blocks: list[str] = []
        for example in (e for e in examples if e.version == version):
            for line in example.imports:
                if line not in imports and " ".join(line.split()) not in own_imports:
                    imports.append(line)
            reply = "nil" if example.result == "_" else example.result
            label = json.dumps(f"{example.section} ({version}, compute.rst:{example.line})")
            blocks.append(
                "\t{\n" + textwrap.indent(example.body, "\t\t") + f"\n\t\temit({label}, {reply}, err)\n\t}}\n"
            )
        functions.append(f"func examples{suffix}(conn *grpc.ClientConn) {{\n{''.join(blocks)}}}\n")
        table.append(f'\t"{suffix}": examples{suffix},\n')
    program = template.replace("\t// @IMPORTS@\n", "".join(f"\t{line}\n" for line in imports))
    examples_code = "\n".join(functions) + "\nvar examples = map[string]func(*grpc.ClientConn){\n"
    return program.replace("// @EXAMPLES@\n", examples_code + "".join(table) + "}\n")


def go_env(work: Path) -> dict[str, str]:
    """An offline GOPATH build: our generated packages first, then Debian's Go sources."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GO")}
    env.update(
        GO111MODULE="off",
        GOPATH=os.pathsep.join([str(work / "gopath"), str(SYSTEM_GOPATH)]),
        GOCACHE=str(work / "gocache"),
        GOPROXY="off",
        GOFLAGS="",
        CGO_ENABLED="0",
    )
    return env


def proto_includes() -> list[str]:
    """protoc -I paths: the repository (the protos import ``proto/common/...``), googleapis' protos."""
    googleapis = Path(next(iter(google.api.__path__))).parents[1]  # .../site-packages (google/api/*.proto)
    return ["-I", str(ROOT), "-I", str(googleapis)]


def run(
    command: list[str], *, env: dict[str, str] | None = None, timeout: float, cwd: Path = ROOT, hint: str = ""
) -> str:
    """Run `command`; its output, or a failure that shows it."""
    proc = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        pytest.fail(f"{' '.join(command)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}{hint}")
    return proc.stdout


@pytest.fixture(scope="session")
def docs_program(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Go program built from the docs' examples and our protos (once per session)."""
    missing = [f"{tool} (apt package {package})" for tool, package in TOOLS.items() if not shutil.which(tool)]
    if missing:
        pytest.skip(
            f"the Go examples need {', '.join(missing)}; "
            f"apt-get install {' '.join(TOOLS.values())} {GO_SOURCES}"
        )
    if not (SYSTEM_GOPATH / "src/github.com/golang/protobuf/proto/registry.go").exists():
        pytest.fail(  # built with golang/protobuf 1.3, the program would panic on every reply
            f"{SYSTEM_GOPATH} has golang/protobuf 1.3 (or none): "
            "apt-get install golang-github-golang-protobuf-1-5-dev"
        )
    work = tmp_path_factory.mktemp("go")
    src = work / "gopath" / "src"
    src.mkdir(parents=True)
    started = time.monotonic()
    mappings = [
        f"Mproto/slurm/{suffix}/slurm.proto={DOCS_IMPORT.format(suffix=suffix)};slurm{suffix}pb"
        for suffix, _ in TARGETS.values()
    ]
    run(
        [
            "protoc",
            *proto_includes(),
            f"--go_out={src}",
            f"--go-grpc_out={src}",
            *(f"--go_opt={m}" for m in mappings),
            *(f"--go-grpc_opt={m}" for m in mappings),
            *(f"proto/slurm/{suffix}/slurm.proto" for suffix, _ in TARGETS.values()),
            "proto/common/v1alpha/headers.proto",  # github.com/olcf/s3m-apis/common/v1alpha, its go_package
        ],
        timeout=60,
    )
    shutil.copytree(GO_DIR / "s3mutil", src / "s3mutil")
    main = src / "docs_examples"
    main.mkdir()
    program = assemble((GO_DIR / "docs_examples.go.tmpl").read_text(encoding="utf-8"), go_examples(DOCS))
    (main / "main.go").write_text(program, encoding="utf-8")
    binary = work / "docs_examples"
    run(
        ["go", "build", "-o", str(binary), "docs_examples"],
        env=go_env(work),
        cwd=work,
        timeout=BUILD_TIMEOUT,
        hint=f"\n(grpc-go and protobuf-go are read from {SYSTEM_GOPATH}: apt-get install {GO_SOURCES})",
    )
    print(f"built the Go examples in {time.monotonic() - started:.1f} s")  # shown with -s / -rP
    return binary


def docs_models() -> EmulatorConfig:
    """The default resources, with the nodes of the docs' partition (batch-cpu) drained.

    The docs' job then waits (reason Resources) instead of starting: it could not run here anyway (its
    working directory, /lustre/polis/..., does not exist), and a job that waits answers GetJob and
    GetJobs the same at every moment and is cancelled, not found finished, by the docs' DeleteJob.
    A resource without a reservation gets the docs' "maintenance-window", so that the v0.0.44 example
    decodes a Reservation too.
    """
    models = default_models()
    for _, resource in TARGETS.values():
        model = models[resource]
        partition = model.partition("batch-cpu")
        drained = set(partition.nodes) if partition is not None else set()
        nodes = tuple(
            replace(n, state="DRAIN", reason="docs test") if n.name in drained else n for n in model.nodes
        )
        reservations = model.reservations or (
            ReservationModel("maintenance-window", (model.nodes[0].name,), partition="batch-cpu"),
        )
        models[resource] = replace(model, nodes=nodes, reservations=reservations)
    return EmulatorConfig(resources=models)


def run_examples(program: Path, emulator: Emulator, suffix: str, resource: str) -> list[dict[str, Any]]:
    """Run the docs' examples of one API version; the JSON lines they printed."""
    proc = subprocess.run(
        [str(program), "-target", emulator.grpc_target, "-resource", resource, "-version", suffix],
        env={"S3M_TOKEN": emulator.token, "PATH": os.environ.get("PATH", "")},
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
    )
    assert proc.returncode == 0, f"the Go examples failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
    return [json.loads(line) for line in proc.stdout.splitlines()]


def test_the_docs_have_a_go_example_per_rpc_and_version() -> None:
    examples = go_examples(DOCS)
    for version, (suffix, _) in TARGETS.items():
        ours = [e for e in examples if e.version == version]
        assert [e.call for e in ours] == list(RPCS)
        for example in ours:
            assert f'slurm{suffix}pb "{DOCS_IMPORT.format(suffix=suffix)}"' in example.imports
            assert example.body.startswith(f"client := slurm{suffix}pb.NewSlurmIndirectClient(conn)\n")


@pytest.mark.parametrize("version", list(TARGETS))
def test_docs_go_examples_against_the_emulator(docs_program: Path, tmp_path: Path, version: str) -> None:
    suffix, resource = TARGETS[version]
    emulator = Emulator(
        tokens=[TOKEN],
        config=docs_models(),
        time_scale=0.01,
        min_job_age=KEEP_JOBS,
        work_dir=tmp_path / "w",
        first_job_id=DOCS_JOB_ID,  # the docs' GetJob and DeleteJob ask for job 12345, as written
    )
    with emulator.running() as emu:
        scheduler = emu.scheduler(resource)
        lines = run_examples(docs_program, emu, suffix, resource)
        job_state = scheduler.jobs[DOCS_JOB_ID].state

    assert [line["method"] for line in lines] == [f"/olcf.s3m.slurm.{suffix}.SlurmIndirect/{r}" for r in RPCS]
    assert all(line["metadata"] == ["authorization", "olcf-resource"] for line in lines)
    assert not [line for line in lines if "error" in line]
    got = {line["method"].rsplit("/", 1)[1]: line["reply"] for line in lines}
    for reply in got.values():
        assert reply["meta"]["plugin"]["data_parser"] == f"data_parser/{version}"

    assert got["Ping"]["pings"][0]["hostname"] == f"{resource}-slurmctld"
    assert got["Ping"]["pings"][0]["pinged"] == "UP"

    partitions = {p["name"]: p for p in got["GetPartitions"]["partitions"]}
    assert partitions["batch-cpu"]["cluster"] == resource

    submitted = got["PostJobSubmit"]
    assert isinstance(submitted["job_id"], int)
    assert submitted["job_id"] == DOCS_JOB_ID > 0
    assert submitted["step_id"] == "batch"

    (job,) = got["GetJob"]["jobs"]
    assert job["job_id"] == DOCS_JOB_ID
    assert (job["name"], job["account"], job["partition"]) == ("my-job", "STF040", "batch-cpu")
    assert job["state"]["current"] == ["PENDING"]
    assert job["working_directory"] == "/lustre/polis/stf040/scratch/user"
    assert job["script"] == "#!/bin/bash\necho Hello World"  # v0.0.44 sends it beside `jobs`, not in one

    assert [(j["job_id"], j["name"], j["job_state"]) for j in got["GetJobs"]["jobs"]] == [
        (DOCS_JOB_ID, "my-job", ["PENDING"])
    ]

    (status,) = got["DeleteJob"]["status"]
    assert status["job_id"]["number"] == DOCS_JOB_ID
    assert job_state == "CANCELLED"

    nodes = {n["name"]: n for n in got["GetNodes"]["nodes"]}
    assert set(nodes) == {n.name for n in scheduler.model.nodes}
    assert all("DRAIN" in nodes[n]["state"] for n in scheduler.model.partition("batch-cpu").nodes)

    assert "maintenance-window" in [r["name"] for r in got["GetReservations"]["reservations"]]

    statistics = got["GetDiag"]["statistics"]
    assert statistics["jobs_submitted"] == 1
    assert statistics["jobs_canceled"] == 1
    assert QUEUE_DEPTH[version] in statistics["schedule_exit"]
