"""JobSpec: validation, the PostJobSubmit body per API version (as OLCF documents it), and #SBATCH.

The rendered bodies are checked three ways: against the curl bodies of OLCF's Compute page
(tests/reference/olcf-s3m-docs/compute.rst), against S3M's published descriptors (every key must be
a field of S3M's JobDescription), and upb against betterproto (the same bytes).
"""

from __future__ import annotations

import dataclasses
import functools
import json
import math
import re
from pathlib import Path
from typing import Any

import orjson
import pytest
from google.protobuf import descriptor_pb2, descriptor_pool

from s3m_grpc import MockTransport, Slurm
from s3m_grpc.call import Call
from s3m_grpc.errors import ConfigurationError, Unimplemented
from s3m_grpc.rpc import VERSIONS
from s3m_grpc.sbatch import DEFAULT_ENVIRONMENT
from s3m_grpc.slurmjson import SlurmJsonError, normalize
from s3m_grpc.spec import MAX_SCRIPT_BYTES, JobSpec, ScriptError
from tests.descriptors import CONTRACT

COMPUTE_RST = Path(__file__).resolve().parent / "reference" / "olcf-s3m-docs" / "compute.rst"
SHEBANG = "#!/bin/bash\n"
TOKEN = "tok-xyz"
COUNTS = (
    "nodes",
    "max_nodes",
    "tasks",
    "tasks_per_node",
    "tasks_per_socket",
    "tasks_per_core",
    "cpus_per_task",
    "min_cpus_per_node",
    "sockets_per_node",
    "threads_per_core",
)
ALL_VERSIONS = sorted(VERSIONS)

#: A JobSpec with every field set (test_full_spec_sets_every_field keeps it so).
FULL = JobSpec(
    script="#!/bin/bash\necho hi\n",
    name="sim",
    account="stf040",
    partition="batch-cpu",
    qos="debug",
    reservation="resv1",
    nodes=2,
    max_nodes=4,
    tasks=8,
    tasks_per_node=4,
    tasks_per_socket=2,
    tasks_per_core=1,
    cpus_per_task=2,
    min_cpus_per_node=4,
    sockets_per_node=2,
    threads_per_core=1,
    memory_per_node="4G",
    memory_per_cpu=100,
    time_limit="1:00:00",
    time_min=30,
    working_directory="/lustre/polis/stf040/scratch/user",
    environment={"PATH": "/usr/bin", "OMP_NUM_THREADS": "2"},
    standard_output="out-%j.txt",
    standard_error="err-%j.txt",
    standard_input="in.txt",
    comment="nightly",
    begin_time=1767225600,
    licenses="fluent:2",
    wait_all_nodes=True,
    array="1,3,5-7%2",
    dependency="afterok:1",
)

# -- validation -------------------------------------------------------------------------------------


@pytest.mark.parametrize("script", ["", "   ", "\n\n", "\t \n"])
def test_an_empty_script_is_refused(script: str) -> None:
    with pytest.raises(ScriptError, match="empty"):
        JobSpec(script=script)


def test_the_script_limit_is_four_mib_of_utf8() -> None:
    filler = MAX_SCRIPT_BYTES - len(SHEBANG)
    assert len(JobSpec(script=SHEBANG + "#" * filler).script) == MAX_SCRIPT_BYTES
    with pytest.raises(ScriptError, match="exceeds 4 MiB"):
        JobSpec(script=SHEBANG + "#" * (filler + 1))
    # Bytes, not characters: two-byte characters reach the limit at half the length.
    wide = SHEBANG + "\u00e9" * (filler // 2 + 1)
    assert len(wide) < MAX_SCRIPT_BYTES
    with pytest.raises(ScriptError, match="exceeds 4 MiB"):
        JobSpec(script=wide)


@pytest.mark.parametrize("script", [SHEBANG + "echo \udcff\n", SHEBANG + "\ud800"])
def test_a_script_that_is_not_utf8_is_refused(script: str) -> None:
    with pytest.raises(ScriptError, match="not valid UTF-8"):
        JobSpec(script=script)


@pytest.mark.parametrize("name", COUNTS)
@pytest.mark.parametrize("value", [0, -1, 2**31, True, False, 2.0, "2", b"2"])
def test_counts_must_be_positive_integers(name: str, value: object) -> None:
    with pytest.raises(ConfigurationError, match=rf"JobSpec\.{name} must be a positive integer"):
        JobSpec(script=SHEBANG, **{name: value})  # type: ignore[arg-type]


@pytest.mark.parametrize("name", COUNTS)
def test_counts_at_their_limits(name: str) -> None:
    assert getattr(JobSpec(script=SHEBANG, **{name: 1}), name) == 1  # type: ignore[arg-type]
    assert getattr(JobSpec(script=SHEBANG, **{name: 2**31 - 1}), name) == 2**31 - 1  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"time_limit": "1:00:00"}, {"time_limit": 60}),
        ({"time_limit": "2-12"}, {"time_limit": 3600}),
        ({"time_limit": "30:01"}, {"time_limit": 31}),
        ({"time_limit": "UNLIMITED"}, {"time_limit": math.inf}),
        ({"time_limit": 90}, {"time_limit": 90}),
        ({"time_limit": math.inf}, {"time_limit": math.inf}),
        ({"time_min": "30"}, {"time_min": 30}),
        ({"memory_per_node": "500G"}, {"memory_per_node": 512000}),
        ({"memory_per_node": "4000"}, {"memory_per_node": 4000}),
        ({"memory_per_cpu": "1T"}, {"memory_per_cpu": 1048576}),
        ({"memory_per_cpu": 512}, {"memory_per_cpu": 512}),
    ],
)
def test_slurm_strings_convert(changes: dict[str, Any], expected: dict[str, Any]) -> None:
    spec = JobSpec(script=SHEBANG, **changes)
    assert {name: getattr(spec, name) for name in expected} == expected


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("time_limit", "soon", "not a Slurm time"),
        ("time_limit", "", "not a Slurm time"),
        ("time_min", "1h", "not a Slurm time"),
        ("memory_per_node", "lots", "not a Slurm memory size"),
        ("memory_per_cpu", "4.5G", "not a Slurm memory size"),
        ("memory_per_node", "4096T", "must be a positive integer"),  # 2^32 MiB: beyond the field
        ("time_limit", 0, "must be positive minutes"),
        ("time_limit", -5, "must be positive minutes"),
        ("time_limit", math.nan, "must be positive minutes"),
        ("time_limit", 2**31, "must be positive minutes"),
        ("time_limit", "9999999999", "must be positive minutes"),
        ("time_min", -math.inf, "must be positive minutes"),
        ("memory_per_node", -1, "must be a positive integer"),
        ("begin_time", 0, "must be a positive integer"),
        ("begin_time", "now+1hour", "must be a positive integer"),  # a UNIX time: parse_begin first
        ("begin_time", 2**40, "must be a positive integer"),
    ],
)
def test_bad_times_and_sizes_are_configuration_errors(name: str, value: object, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message) as caught:
        JobSpec(script=SHEBANG, **{name: value})  # type: ignore[arg-type]
    assert name in str(caught.value)


@pytest.mark.parametrize("value", [b"60", [60], {"minutes": 60}, True, object()])
def test_times_of_the_wrong_type_are_configuration_errors_not_type_errors(value: object) -> None:
    # Minutes are numbers or Slurm strings; anything else (a bool included) is the caller's mistake.
    with pytest.raises(ConfigurationError, match="time_limit"):
        JobSpec(script=SHEBANG, time_limit=value)  # type: ignore[arg-type]


@pytest.mark.parametrize("minutes", [0.5, 1.5, 59.01])
def test_fractional_minutes_never_render_as_less_time(minutes: float) -> None:
    # parse_time rounds seconds up to whole minutes; a float given directly must not round down
    # (0.5 would render as 0, which is not the half minute asked for).
    try:
        spec = JobSpec(script=SHEBANG, time_limit=minutes)
    except ConfigurationError:
        return  # refusing fractional minutes is fine too
    assert spec.to_json()["job"]["time_limit"] == {"set": True, "number": math.ceil(minutes)}


@pytest.mark.parametrize(
    "changes",
    [
        {"name": 5},
        {"partition": ["batch"]},
        {"account": b"stf040"},
        {"working_directory": Path("/lustre/x")},
        {"comment": 1},
        {"wait_all_nodes": "yes"},
        {"wait_all_nodes": 1},
    ],
)
def test_fields_of_the_wrong_type_are_configuration_errors(changes: dict[str, Any]) -> None:
    # Refused when the spec is made (or at the latest when it is rendered), as a ConfigurationError:
    # not turned into text silently ("5"), nor a SlurmJsonError (no S3MError) out of submit().
    with pytest.raises(ConfigurationError):
        JobSpec(script=SHEBANG, **changes).to_upb("v0.0.43")


@pytest.mark.parametrize(
    "environment",
    [{"A=B": "1"}, {"": "1"}, {"A\x00": "1"}, {1: "1"}, {"A": "x\x00y"}, {"A": 1}, {"A": None}],
)
def test_bad_environments_are_refused(environment: dict[Any, Any]) -> None:
    with pytest.raises(ConfigurationError, match="environment variable"):
        JobSpec(script=SHEBANG, environment=environment)


def test_the_default_environment_and_replace() -> None:
    spec = JobSpec(script=SHEBANG)
    assert dict(spec.environment) == DEFAULT_ENVIRONMENT
    assert spec.environment is not DEFAULT_ENVIRONMENT  # each spec has its own copy
    changed = spec.replace(nodes=3, time_limit="2:00:00")
    assert (changed.nodes, changed.time_limit, spec.nodes) == (3, 120, None)
    with pytest.raises(ConfigurationError):
        spec.replace(nodes=0)  # replace() validates too


def test_full_spec_sets_every_field() -> None:
    unset = [f.name for f in dataclasses.fields(JobSpec) if getattr(FULL, f.name) is None]
    assert unset == []


# -- rendering --------------------------------------------------------------------------------------


def _curl_body(version: str) -> Any:
    """The JSON body of the "Submit a Job" curl example for `version` on OLCF's Compute page."""
    text = COMPUTE_RST.read_text(encoding="utf-8")
    start = text.index("\nSubmit a Job\n------------\n") + 1
    following = re.compile(r"\n[^\n]+\n-{4,}\n").search(text, start + 20)  # the next section's title
    section = text[start : following.start() if following else None]
    tab = section[section.index(f".. tab-item:: {version}") :]
    curl = tab[tab.index(".. tab-item:: curl") :]
    match = re.search(r"-d '(\{.*?\})'", curl, re.DOTALL)
    assert match is not None, f"no curl body for {version} in {COMPUTE_RST.name}"
    return json.loads(match[1])


DOCUMENTED = {
    "script": "#!/bin/bash\necho Hello World",
    "name": "my-job",
    "account": "STF040",
    "partition": "batch-cpu",
    "nodes": 1,
    "tasks": 1,
    "time_limit": 60,
    "working_directory": "/lustre/polis/stf040/scratch/user",
    "environment": {"PATH": "/usr/bin"},
}


def test_the_docs_examples_were_found() -> None:
    assert _curl_body("v0.0.43")["job"]["script"] == "#!/bin/bash\necho Hello World"
    assert _curl_body("v0.0.44")["script"] == "#!/bin/bash\necho Hello World"


@pytest.mark.parametrize("version", ["v0.0.43", "v0.0.44"])
def test_renders_exactly_the_documented_curl_body(version: str) -> None:
    assert JobSpec(**DOCUMENTED).to_json(version) == _curl_body(version)


def test_time_limit_as_a_slurm_string_renders_the_documented_body_too() -> None:
    spec = JobSpec(**{**DOCUMENTED, "time_limit": "1:00:00"})
    assert spec.to_json("v0.0.43") == _curl_body("v0.0.43")


@pytest.mark.parametrize("version", ["v0.0.42", "v0.0.43"])
def test_v0042_and_v0043_put_everything_in_job(version: str) -> None:
    body = FULL.to_json(version)
    assert list(body) == ["job"]
    job = body["job"]
    assert job["script"] == FULL.script
    assert job == {
        "script": "#!/bin/bash\necho hi\n",
        "environment": ["PATH=/usr/bin", "OMP_NUM_THREADS=2"],
        "name": "sim",
        "account": "stf040",
        "partition": "batch-cpu",
        "qos": "debug",
        "reservation": "resv1",
        "licenses": "fluent:2",
        "comment": "nightly",
        "current_working_directory": "/lustre/polis/stf040/scratch/user",
        "standard_output": "out-%j.txt",
        "standard_error": "err-%j.txt",
        "standard_input": "in.txt",
        "minimum_nodes": 2,
        "maximum_nodes": 4,
        "tasks": 8,
        "tasks_per_node": 4,
        "tasks_per_socket": 2,
        "tasks_per_core": 1,
        "cpus_per_task": 2,
        "minimum_cpus_per_node": 4,
        "sockets_per_node": 2,
        "threads_per_core": 1,
        "wait_all_nodes": True,
        "time_limit": {"set": True, "number": 60},
        "time_minimum": {"set": True, "number": 30},
        "memory_per_node": {"set": True, "number": 4096},
        "memory_per_cpu": {"set": True, "number": 100},
        "begin_time": {"set": True, "number": 1767225600},
    }


def test_v0044_puts_the_script_on_top_and_one_job_in_jobs() -> None:
    body = FULL.to_json("v0.0.44")
    assert list(body) == ["script", "jobs"]
    assert body["script"] == FULL.script
    (desc,) = body["jobs"]
    assert "script" not in desc
    assert desc == {k: v for k, v in FULL.to_json("v0.0.43")["job"].items() if k != "script"}


@pytest.mark.parametrize("version", ALL_VERSIONS)
def test_unlimited_and_comment(version: str) -> None:
    spec = JobSpec(script=SHEBANG, time_limit="UNLIMITED", time_min=math.inf, comment="mine")
    body = spec.to_json(version, comment="mine [s3m-key:" + "0" * 32 + "]")
    desc = body["job"] if "job" in body else body["jobs"][0]
    assert desc["time_limit"] == {"infinite": True}
    assert desc["time_minimum"] == {"infinite": True}
    assert desc["comment"] == "mine [s3m-key:" + "0" * 32 + "]"  # the given comment replaces the spec's
    upb = spec.to_upb(version)
    job = upb.jobs[0] if version == "v0.0.44" else upb.job
    assert job.time_limit.infinite is True
    assert job.comment == "mine"


@pytest.mark.parametrize("method", ["to_json", "to_upb", "to_request"])
@pytest.mark.parametrize("version", ["v0.0.40", "v0.0.41", "0.0.43", "v0043", ""])
def test_unknown_api_versions_are_refused(method: str, version: str) -> None:
    with pytest.raises(ConfigurationError, match="no job description for Slurm API"):
        getattr(FULL, method)(version)


@pytest.mark.parametrize("version", ALL_VERSIONS)
def test_to_upb_and_to_request_are_the_same_bytes(version: str) -> None:
    api = VERSIONS[version]
    for spec in (FULL, JobSpec(**DOCUMENTED), JobSpec(script=SHEBANG, time_limit=math.inf)):
        upb = spec.to_upb(version, comment="k")
        request = spec.to_request(version, comment="k")
        assert type(upb) is api.upb.JobSubmitReq
        assert type(request) is api.betterproto.JobSubmitReq
        assert bytes(request) == upb.SerializeToString()
        assert api.upb.JobSubmitReq.FromString(bytes(request)) == upb
        # And what the REST transport would send for the betterproto request is the JSON body.
        call = Call(_submit_rpc(), api, "defiant", request)
        assert orjson.loads(call.json_body or b"") == spec.to_json(version, comment="k")


def _submit_rpc() -> Any:
    from s3m_grpc.rpc import BY_NAME

    return BY_NAME["PostJobSubmit"]


def test_to_request_matches_the_documented_betterproto_example() -> None:
    # The Python tab of OLCF's v0.0.43 example, built with the generated classes.
    pb = VERSIONS["v0.0.43"].betterproto
    documented = pb.JobSubmitReq(
        job=pb.JobSubmitReqJobDescription(
            name="my-job",
            account="STF040",
            partition="batch-cpu",
            minimum_nodes=1,
            tasks=1,
            time_limit=pb.Uint32NoVal(number=60, set=True),
            current_working_directory="/lustre/polis/stf040/scratch/user",
            environment=["PATH=/usr/bin"],
            script="#!/bin/bash\necho Hello World",
        )
    )
    assert JobSpec(**DOCUMENTED).to_request("v0.0.43") == documented
    pb44 = VERSIONS["v0.0.44"].betterproto
    documented44 = pb44.JobSubmitReq(
        script="#!/bin/bash\necho Hello World",
        jobs=[
            pb44.JobSubmitReqJobDescription(
                name="my-job",
                account="STF040",
                partition="batch-cpu",
                minimum_nodes=1,
                tasks=1,
                time_limit=pb44.Uint32NoVal(number=60, set=True),
                current_working_directory="/lustre/polis/stf040/scratch/user",
                environment=["PATH=/usr/bin"],
            )
        ],
    )
    assert JobSpec(**DOCUMENTED).to_request("v0.0.44") == documented44


@functools.cache
def _published_pool() -> descriptor_pool.DescriptorPool:
    pool = descriptor_pool.DescriptorPool()
    for file in descriptor_pb2.FileDescriptorSet.FromString(CONTRACT.read_bytes()).file:
        pool.Add(file)
    return pool


@pytest.mark.parametrize("version", ALL_VERSIONS)
def test_every_rendered_key_is_a_field_of_s3ms_published_job_description(version: str) -> None:
    suffix = VERSIONS[version].suffix
    request = _published_pool().FindMessageTypeByName(f"olcf.s3m.slurm.{suffix}.JobSubmitReq")
    description = request.nested_types_by_name["JobDescription"]
    body = FULL.to_json(version)
    assert set(body) <= set(request.fields_by_name)
    desc = body["job"] if suffix != "v0044" else {"script": body["script"], **body["jobs"][0]}
    assert set(desc) - set(description.fields_by_name) == set()
    normalize(request, body, strict=True)  # raises SlurmJsonError on any key or shape S3M lacks
    unlimited = JobSpec(script=SHEBANG, time_limit=math.inf).to_json(version)
    normalize(request, unlimited, strict=True)


def test_strict_normalize_would_catch_a_key_s3m_lacks() -> None:
    request = _published_pool().FindMessageTypeByName("olcf.s3m.slurm.v0043.JobSubmitReq")
    body = FULL.to_json("v0.0.43")
    body["job"]["dependency"] = "afterok:1"
    with pytest.raises(SlurmJsonError, match="dependency"):
        normalize(request, body, strict=True)


# -- #SBATCH ----------------------------------------------------------------------------------------

SCRIPT = (
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
    "#SBATCH --qos=debug --begin=1767225600\n"
    "srun ./sim\n"
    "#SBATCH --job-name=ignored (after the first command, as sbatch does)\n"
)


def test_from_script_reads_the_directives(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROJECT_DIR", "/lustre/proj")
    script = tmp_path / "job.sh"
    script.write_text(SCRIPT)
    spec = JobSpec.from_script(script)
    assert (spec.name, spec.account, spec.partition, spec.qos) == ("sim", "stf040", "batch-cpu", "debug")
    assert (spec.nodes, spec.max_nodes, spec.tasks, spec.cpus_per_task) == (2, 4, 128, 2)
    assert spec.time_limit == 3630
    assert spec.memory_per_node == 512000
    assert spec.working_directory == "/lustre/polis/stf040/scratch"
    assert (spec.standard_output, spec.standard_error) == ("out-%j.txt", "err-%j.txt")
    assert dict(spec.environment) == {"OMP_NUM_THREADS": "2", "PROJECT_DIR": "/lustre/proj"}
    assert spec.begin_time == 1767225600
    assert spec.script == SCRIPT  # the script goes as it is, directives included


def test_overrides_win_over_directives(tmp_path: Path) -> None:
    script = tmp_path / "job.sh"
    script.write_text("#!/bin/bash\n#SBATCH -t 10 -J a -N 2\ntrue\n")
    spec = JobSpec.from_script(script, time_limit="5", name=None, partition="debug", nodes=None)
    # None means "not given": the directive stays.
    assert (spec.time_limit, spec.name, spec.partition, spec.nodes) == (5, "a", "debug", 2)
    with pytest.raises(ConfigurationError, match="nodes"):
        JobSpec.from_script(script, nodes=0)  # overrides are validated like everything else


@pytest.mark.parametrize(
    "overrides", [{"gpus": 4}, {"constraint": "afterok:1"}, {"hold": True}, {"Name": "x"}]
)
def test_unknown_overrides_are_refused(tmp_path: Path, overrides: dict[str, Any]) -> None:
    script = tmp_path / "job.sh"
    script.write_text("#!/bin/bash\ntrue\n")
    with pytest.raises(ConfigurationError, match="unknown JobSpec fields") as caught:
        JobSpec.from_script(script, **overrides)
    assert next(iter(overrides)) in str(caught.value)


def test_the_script_itself_is_not_an_override(tmp_path: Path) -> None:
    script = tmp_path / "job.sh"
    script.write_text("#!/bin/bash\ntrue\n")
    with pytest.raises(ConfigurationError):  # not a TypeError about a duplicate keyword
        JobSpec.from_script(script, script="#!/bin/bash\nrm -rf ~\n")


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("#!/bin/bash\n#SBATCH --frobnicate\n", 2, "unknown or unsupported"),
        ("#!/bin/bash\n\n#SBATCH -t soon\n", 3, "not a Slurm time"),
        ("#!/bin/bash\n#SBATCH -N 0\n", 2, "must be a positive integer"),
        ("#!/bin/bash\n#SBATCH --dependency=afterok:x\n", 2, "not a job id"),
        ("#!/bin/bash\n#SBATCH --gpus-per-node=4\n", 2, "no gres/tres fields"),
        ("#!/bin/bash\n#SBATCH -J ok\n#SBATCH --hold\n", 3, "no hold field"),
        ("echo no shebang\n", 1, "must start with #!"),
    ],
)
def test_bad_scripts_name_the_file_and_line(tmp_path: Path, text: str, line: int, message: str) -> None:
    script = tmp_path / "bad.sh"
    script.write_text(text)
    with pytest.raises(ScriptError) as caught:
        JobSpec.from_script(script)
    assert caught.value.line == line
    assert f"bad.sh:{line}: " in str(caught.value)
    assert message in str(caught.value)


def test_files_that_cannot_be_sent(tmp_path: Path) -> None:
    binary = tmp_path / "binary.sh"
    binary.write_bytes(b"#!/bin/bash\n\xff\xfe\n")
    with pytest.raises(ScriptError, match=r"not valid UTF-8 \(byte 12\)"):
        JobSpec.from_script(binary)
    big = tmp_path / "big.sh"
    big.write_bytes(b"#!/bin/bash\n" + b"#" * MAX_SCRIPT_BYTES)
    with pytest.raises(ScriptError, match="exceeds 4 MiB"):
        JobSpec.from_script(big)
    with pytest.raises(ScriptError, match="cannot read"):
        JobSpec.from_script(tmp_path / "missing.sh")
    with pytest.raises(ScriptError, match="cannot read"):
        JobSpec.from_script(tmp_path)  # a directory


def test_export_all_in_a_script_never_copies_the_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("S3M_TOKEN", TOKEN)
    monkeypatch.setenv("S3M_TEST_KEEP", "kept")
    monkeypatch.setenv("S3M_TEST_TOKEN_COPY", TOKEN)
    spec = JobSpec.from_text("#!/bin/bash\n#SBATCH --export=ALL\ntrue\n")
    assert spec.environment["S3M_TEST_KEEP"] == "kept"
    assert "S3M_TOKEN" not in spec.environment
    assert "S3M_TEST_TOKEN_COPY" not in spec.environment
    with pytest.raises(ScriptError, match="S3M token"):
        JobSpec.from_text("#!/bin/bash\n#SBATCH --export=NONE,S3M_TEST_TOKEN_COPY\ntrue\n")


# -- a token in the environment: the spec takes it, submit() refuses it before sending ---------------


def _handler(seen: list[Any]) -> Any:
    def handle(call: Call) -> dict[str, Any]:
        if call.version.family != "slurm":  # the checks before a submission: a gateway without them
            raise Unimplemented(f"{call.rpc.name} is not served here")
        seen.append(call)
        if call.rpc.name == "GetJobs":
            return {"jobs": []}
        if call.rpc.name == "PostJobSubmit":
            return {"job_id": 42}
        raise AssertionError(f"unexpected {call.rpc.name}")

    return handle


@pytest.mark.parametrize(
    "environment",
    [
        {"MY_TOKEN": TOKEN},
        {"S3M_TOKEN": TOKEN},
        {"HEADER": f"Authorization: {TOKEN}"},
        {"PATH": "/usr/bin", "URL": f"https://example.org/?t={TOKEN}&x=1"},
    ],
)
async def test_submit_refuses_a_token_in_the_environment_before_sending(environment: dict[str, str]) -> None:
    spec = JobSpec(script=SHEBANG, environment=environment)  # the spec cannot know the token
    assert dict(spec.environment) == environment
    seen: list[Any] = []
    transport = MockTransport(_handler(seen))
    async with Slurm("127.0.0.1:1", TOKEN, transport=transport) as slurm:
        with pytest.raises(ConfigurationError, match="holds your S3M token") as caught:
            await slurm.submit(spec)
    assert TOKEN not in str(caught.value)
    assert seen == []
    assert transport.calls == []


async def test_submit_sends_an_environment_without_the_token() -> None:
    # The control for the test above: the same client and handler do submit a clean spec.
    seen: list[Any] = []
    transport = MockTransport(_handler(seen))
    spec = JobSpec(script=SHEBANG, environment={"PATH": "/usr/bin", "TOKENISH": "tok-abc"})
    async with Slurm("127.0.0.1:1", TOKEN, transport=transport) as slurm:
        job = await slurm.submit(spec)
    assert job.job_id == 42
    sent = [call for call in seen if call.rpc.name == "PostJobSubmit"]
    assert len(sent) == 1
    body = orjson.loads(sent[0].json_body or b"")
    assert body["job"]["environment"] == ["PATH=/usr/bin", "TOKENISH=tok-abc"]
    assert body["job"]["script"] == SHEBANG
