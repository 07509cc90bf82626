"""The emulator renders every field of S3M's messages, in each version's own shape, on both protocols.

For each API version, after jobs have run (one finished, one running), every answer the emulator
gives (ping, partitions, nodes, reservations, diag, jobs, job, submit, delete) is read over REST
(JSON) and over gRPC (protobuf, parsed with the ``s3m_apis_pb`` classes), and:

* completeness: every field of S3M's message appears in the JSON answer, recursively into the
  nested messages that are present, so that the renderer never silently drops a field (a field the
  answers carry under another name or shape vanishes in ``normalize`` without a trace); over
  protobuf, where zero scalars are not on the wire, every nested message is present;
* the version quirks: what each version's message calls and shapes differently
  (``allowed_configuration``/``allowed_allocation``, ``defult_queue_depth``/``default_queue_depth``,
  ``gruop``/``group``, ``core_specializations`` strings/objects, ``purge_completed`` NoVal/``{time}``,
  job resources' strings/``select_type``, v0.0.42's integer ``meta`` versions) is what it gets.

The built-in model leaves some of those fields empty (no reservation has core specializations, no
partition restricts its allocations); the backends' answers are given values for them here, so that
the shaping is observable.
"""

from __future__ import annotations

import getpass
import textwrap
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
import httpx
import pytest
from google.protobuf.descriptor import Descriptor
from google.protobuf.message import Message

from s3m_grpc.emulator import Emulator
from s3m_grpc.rpc import BY_NAME, VERSIONS
from s3m_grpc.slurmdefs import no_val
from tests.conftest import KEEP_JOBS, TOKEN

CASES = [("defiant", "v0.0.42"), ("defiant", "v0.0.43"), ("odo", "v0.0.43"), ("odo", "v0.0.44")]
#: Each answer collected: its RPC, and what it is about.
ANSWERS = {
    "ping": "Ping",
    "partitions": "GetPartitions",
    "nodes": "GetNodes",
    "reservations": "GetReservations",
    "diag": "GetDiag",
    "jobs": "GetJobs",
    "job_finished": "GetJob",
    "job_running": "GetJob",
    "submit": "PostJobSubmit",
    "delete_running": "DeleteJob",
    "delete_finished": "DeleteJob",  # success with a warning
}
TERMINAL = {"COMPLETED", "FAILED", "CANCELLED", "TIMEOUT"}
ALLOWED = "defiant[001-002]"
CORE_SPECS = [{"node": "defiant001", "core": "0-1"}, {"node": "defiant002", "core": "2"}]
# odo as the built-in model has it, plus a reservation, so that v0.0.44's Reservation is rendered too.
ODO = """
[resources.odo]
versions = ["v0.0.43", "v0.0.44"]

[[resources.odo.nodes]]
names = "odo[001-004]"
cpus = 32

[[resources.odo.partitions]]
name = "batch"
nodes = "odo[001-004]"
max_time = 720
default = true

[[resources.odo.reservations]]
name = "odo-maintenance"
nodes = "odo001"
"""


def give_values(scheduler: Any) -> None:
    """Non-empty values for the fields the built-in model leaves empty, where the versions differ."""
    partitions, reservations = scheduler.partition_list, scheduler.reservation_list

    def partition_list() -> list[dict[str, Any]]:
        return [{**p, "nodes": {**p["nodes"], "allowed_allocation": ALLOWED}} for p in partitions()]

    def reservation_list() -> list[dict[str, Any]]:
        extra = {"core_specializations": CORE_SPECS, "purge_completed": {"time": no_val(60)}}
        return [{**r, **extra} for r in reservations()]

    scheduler.partition_list = partition_list
    scheduler.reservation_list = reservation_list


@dataclass
class Collected:
    """The answers of one (resource, version), over both protocols."""

    json: dict[str, Any] = field(default_factory=dict)
    proto: dict[str, Message] = field(default_factory=dict)
    running: dict[str, int] = field(default_factory=dict)  # protocol -> id of the job that runs


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    work = tmp_path_factory.mktemp("render")
    config = work / "emulator.toml"
    config.write_text(textwrap.dedent(ODO))
    emu = Emulator(tokens=[TOKEN], time_scale=0.01, min_job_age=KEEP_JOBS, work_dir=work / "w", config=config)
    with emu.running():
        for name in emu.schedulers:
            give_values(emu.scheduler(name))
        yield emu


def poll(read: Callable[[], Any], done: Callable[[Any], bool], what: str, timeout: float = 20.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = read()
        if done(value):
            return value
        assert time.monotonic() < deadline, f"{what}: still {value!r:.300}"
        time.sleep(0.05)


class Rest:
    def __init__(self, emu: Emulator, resource: str, version: str) -> None:
        self.http = httpx.Client(
            base_url=f"{emu.rest_url}/slurm/{version}/{resource}",
            headers={"Authorization": TOKEN},
            timeout=10,
        )
        self.version = version

    def call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        reply = self.http.request(method, path, **kwargs)
        assert reply.status_code == 200, reply.text
        return reply.json()  # type: ignore[no-any-return]

    def submit(self, script: str, cwd: Path) -> dict[str, Any]:
        job = {"current_working_directory": str(cwd), "environment": ["PATH=/usr/bin:/bin"], "tasks": 2}
        body = (
            {"script": script, "jobs": [job]}
            if self.version == "v0.0.44"
            else {"job": {**job, "script": script}}
        )
        return self.call("POST", "job/submit", json=body)

    def state(self, job_id: int) -> str:
        return str(self.call("GET", f"job/{job_id}")["jobs"][0]["state"]["current"][0])


class Grpc:
    def __init__(self, emu: Emulator, resource: str, version: str) -> None:
        self.channel = grpc.insecure_channel(emu.grpc_target)
        self.api = VERSIONS[version]
        self.upb = self.api.upb
        self.metadata = (("authorization", TOKEN), ("olcf-resource", resource))

    def call(self, rpc: str, request: Message | None = None) -> Message:
        method = self.channel.unary_unary(self.api.grpc_path(BY_NAME[rpc]))  # bytes in, bytes out
        data = method(
            b"" if request is None else request.SerializeToString(), metadata=self.metadata, timeout=10
        )
        return getattr(self.upb, BY_NAME[rpc].response).FromString(data)  # type: ignore[no-any-return]

    def submit(self, script: str, cwd: Path) -> Message:
        desc = self.upb.JobSubmitReq.JobDescription
        env = {"current_working_directory": str(cwd), "environment": ["PATH=/usr/bin:/bin"], "tasks": 2}
        if self.api.name == "v0.0.44":
            request = self.upb.JobSubmitReq(script=script, jobs=[desc(**env)])
        else:
            request = self.upb.JobSubmitReq(job=desc(script=script, **env))
        return self.call("PostJobSubmit", request)

    def state(self, job_id: int) -> str:
        reply: Any = self.call("GetJob", self.upb.JobIdReq(job_id=str(job_id)))
        return str(reply.jobs[0].state.current[0])


def collect_with(api: Rest | Grpc, out: dict[str, Any], scratch: Path) -> int:
    """Run a job to its end and start one that keeps running; gather every answer. Returns the runner."""
    rest = isinstance(api, Rest)

    def job_id(answer: Any) -> int:
        return int(answer["job_id"] if rest else answer.job_id)

    def get(rpc: str, path: str, **request: Any) -> Any:
        if isinstance(api, Rest):
            return api.call("DELETE" if rpc == "DeleteJob" else "GET", path)
        message = getattr(api.upb, BY_NAME[rpc].request)(**request) if request else None
        return api.call(rpc, message)

    finished = job_id(api.submit("#!/bin/bash\necho finished\n", scratch))
    poll(lambda: api.state(finished), lambda s: s in TERMINAL, f"job {finished}")
    out["submit"] = api.submit("#!/bin/bash\nsleep 300\n", scratch)
    running = job_id(out["submit"])
    poll(lambda: api.state(running), lambda s: s == "RUNNING", f"job {running}")
    for name, path in [
        ("ping", "ping"),
        ("partitions", "partitions"),
        ("nodes", "nodes"),
        ("reservations", "reservations"),
        ("diag", "diag"),
        ("jobs", "jobs"),
    ]:
        out[name] = get(ANSWERS[name], path)
    out["job_finished"] = get("GetJob", f"job/{finished}", job_id=str(finished))
    out["job_running"] = get("GetJob", f"job/{running}", job_id=str(running))
    out["delete_running"] = get("DeleteJob", f"job/{running}", job_id=str(running))
    out["delete_finished"] = get("DeleteJob", f"job/{finished}", job_id=str(finished))
    poll(lambda: api.state(running), lambda s: s in TERMINAL, f"job {running} cancelled")
    return running


@pytest.fixture(scope="module")
def collected(
    emulator: Emulator, tmp_path_factory: pytest.TempPathFactory
) -> Callable[[str, str], Collected]:
    cache: dict[tuple[str, str], Collected] = {}

    def get(resource: str, version: str) -> Collected:
        if (resource, version) not in cache:
            scratch = tmp_path_factory.mktemp(f"{resource}-{version}")
            found = Collected()
            rest, rpc = Rest(emulator, resource, version), Grpc(emulator, resource, version)
            try:
                found.running["rest"] = collect_with(rest, found.json, scratch)
                found.running["grpc"] = collect_with(rpc, found.proto, scratch)
            finally:
                rest.http.close()
                rpc.channel.close()
            cache[resource, version] = found
        return cache[resource, version]

    return get


# -- completeness ----------------------------------------------------------------------------------


def exempt(desc: Descriptor, name: str, parent: Any) -> bool:
    """Fields an answer may lack for a reason other than the renderer: a job that holds no allocation."""
    if desc.name == "SlurmJobDescription" and name == "job_resources":
        states = parent["job_state"] if isinstance(parent, dict) else list(parent.job_state)
        return states != ["RUNNING"]
    return False


def missing_in_json(desc: Descriptor, value: Any, path: str = "") -> list[str]:
    """Fields of `desc` absent from the JSON object `value`, by JSON path, into present messages."""
    if not isinstance(value, dict):
        return [f"{path or '<root>'}: not an object but {type(value).__name__}"]
    out = []
    for f in desc.fields:
        where = f"{path}/{f.json_name}"
        if f.json_name not in value:
            if not exempt(desc, f.json_name, value):
                out.append(where)
            continue
        if f.message_type is None or f.message_type.GetOptions().map_entry:
            continue
        items = value[f.json_name] if f.is_repeated else [value[f.json_name]]
        for i, item in enumerate(items):
            out += missing_in_json(f.message_type, item, f"{where}/{i}" if f.is_repeated else where)
    return out


def missing_in_proto(message: Message, path: str = "") -> list[str]:
    """Nested messages absent from a protobuf answer (zero scalars are not on the wire, messages are)."""
    out = []
    desc = message.DESCRIPTOR
    for f in desc.fields:
        if f.message_type is None or f.message_type.GetOptions().map_entry:
            continue
        where = f"{path}/{f.json_name}"
        if f.is_repeated:
            for i, item in enumerate(getattr(message, f.name)):
                out += missing_in_proto(item, f"{where}/{i}")
        elif message.HasField(f.name):
            out += missing_in_proto(getattr(message, f.name), where)
        elif not exempt(desc, f.json_name, message):
            out.append(where)
    return out


@pytest.mark.parametrize("answer", list(ANSWERS))
@pytest.mark.parametrize(("resource", "version"), CASES)
def test_every_field_of_the_message_is_in_the_json_answer(
    collected: Callable[[str, str], Collected], resource: str, version: str, answer: str
) -> None:
    body = collected(resource, version).json[answer]
    message = getattr(VERSIONS[version].upb, BY_NAME[ANSWERS[answer]].response)
    missing = missing_in_json(message.DESCRIPTOR, body)
    assert missing == [], f"{message.DESCRIPTOR.full_name}: the JSON answer lacks {missing[:20]}"


@pytest.mark.parametrize("answer", list(ANSWERS))
@pytest.mark.parametrize(("resource", "version"), CASES)
def test_every_nested_message_is_in_the_protobuf_answer(
    collected: Callable[[str, str], Collected], resource: str, version: str, answer: str
) -> None:
    reply = collected(resource, version).proto[answer]
    assert (
        type(reply).DESCRIPTOR.full_name == f"{VERSIONS[version].package}.{BY_NAME[ANSWERS[answer]].response}"
    )
    missing = missing_in_proto(reply)
    assert missing == [], f"{type(reply).DESCRIPTOR.full_name}: the protobuf answer lacks {missing[:20]}"


@pytest.mark.parametrize(("resource", "version"), CASES)
def test_the_answers_are_about_the_jobs_that_ran(
    collected: Callable[[str, str], Collected], resource: str, version: str
) -> None:
    """Not vacuous: the listings are non-empty and the records are the jobs' own."""
    found = collected(resource, version)
    for protocol, answers in (("rest", found.json), ("grpc", found.proto)):
        running = found.running[protocol]
        for name in ("ping", "partitions", "nodes", "reservations"):
            listing = (
                answers[name][name if name != "ping" else "pings"]
                if protocol == "rest"
                else getattr(answers[name], "pings" if name == "ping" else name)
            )
            assert len(listing) >= 1, (protocol, name)
        if protocol == "rest":
            record = answers["job_running"]["jobs"][0]
            states = {j["job_id"]: j["job_state"] for j in answers["jobs"]["jobs"]}
            assert (record["job_id"], record["state"]["current"]) == (running, ["RUNNING"])
            assert answers["job_finished"]["jobs"][0]["steps"], "a finished job has its batch step"
            assert answers["delete_finished"]["warnings"]
            assert not answers["delete_running"]["warnings"]
        else:
            record = answers["job_running"].jobs[0]
            states = {j.job_id: list(j.job_state) for j in answers["jobs"].jobs}
            assert (record.job_id, list(record.state.current)) == (running, ["RUNNING"])
            assert answers["job_finished"].jobs[0].steps, "a finished job has its batch step"
            assert answers["delete_finished"].warnings
            assert not answers["delete_running"].warnings
        assert states[running] == ["RUNNING"]
        assert any(s == ["COMPLETED"] for s in states.values())


# -- the version quirks ----------------------------------------------------------------------------


def quirks_json(body: dict[str, Any], version: str) -> dict[str, Any]:
    """What the quirky fields hold in one version's JSON answers (keyed by what they mean)."""
    old = version != "v0.0.44"
    partition = body["partitions"]["partitions"][0]["nodes"]
    exits = body["diag"]["statistics"]["schedule_exit"]
    record = body["job_running"]["jobs"][0]
    reservation = body["reservations"]["reservations"][0]
    job = next(j for j in body["jobs"]["jobs"] if j["job_state"] == ["RUNNING"])
    return {
        "names": {
            "allowed": ("allowed_configuration" in partition, "allowed_allocation" in partition),
            "queue_depth": ("defult_queue_depth" in exits, "default_queue_depth" in exits),
            "group": ("gruop" in record, "group" in record),
        },
        "allowed": partition["allowed_configuration" if old else "allowed_allocation"],
        "queue_depth": exits["defult_queue_depth" if old else "default_queue_depth"],
        "group": record["gruop" if old else "group"],
        "core_specializations": reservation["core_specializations"],
        "purge_completed": reservation["purge_completed"],
        "job_resources": job["job_resources"]["nodes"],
        "meta": body["ping"]["meta"]["slurm"]["version"],
    }


def quirks_proto(answers: dict[str, Any], version: str) -> dict[str, Any]:
    """The same, read from the protobuf answers."""
    old = version != "v0.0.44"
    partition = answers["partitions"].partitions[0].nodes
    exits = answers["diag"].statistics.schedule_exit
    record = answers["job_running"].jobs[0]
    reservation = answers["reservations"].reservations[0]
    job = next(j for j in answers["jobs"].jobs if list(j.job_state) == ["RUNNING"])
    fields = {
        "allowed": partition.DESCRIPTOR.fields_by_name,
        "queue_depth": exits.DESCRIPTOR.fields_by_name,
        "group": record.DESCRIPTOR.fields_by_name,
    }
    pairs = {
        "allowed": ("allowed_configuration", "allowed_allocation"),
        "queue_depth": ("defult_queue_depth", "default_queue_depth"),
        "group": ("gruop", "group"),
    }
    purge = reservation.purge_completed
    nodes = job.job_resources.nodes
    return {
        "names": {k: tuple(name in fields[k] for name in pair) for k, pair in pairs.items()},
        "allowed": getattr(partition, pairs["allowed"][0 if old else 1]),
        "queue_depth": getattr(exits, pairs["queue_depth"][0 if old else 1]),
        "group": getattr(record, pairs["group"][0 if old else 1]),
        "core_specializations": (
            list(reservation.core_specializations)
            if old
            else [{"node": c.node, "core": c.core} for c in reservation.core_specializations]
        ),
        "purge_completed": (
            {"set": purge.set, "infinite": purge.infinite, "number": purge.number}
            if old
            else {
                "time": {"set": purge.time.set, "infinite": purge.time.infinite, "number": purge.time.number}
            }
        ),
        "job_resources": (
            {"count": nodes.count, "list": nodes.list, "whole": nodes.whole}
            | (
                {"job_resources": list(nodes.job_resources)}
                if old
                else {"select_type": list(nodes.select_type)}
            )
        ),
        "meta": {k: getattr(answers["ping"].meta.slurm.version, k) for k in ("major", "minor", "micro")},
    }


def expected_quirks(resource: str, version: str, running_node: str) -> dict[str, Any]:
    old = version != "v0.0.44"
    purge = no_val(60)
    return {
        "names": {
            "allowed": (old, not old),
            "queue_depth": (old, not old),
            "group": (old, not old),
        },
        "allowed": ALLOWED,
        "queue_depth": 100,
        "group": getpass.getuser(),
        "core_specializations": [f"{c['node']}:{c['core']}" for c in CORE_SPECS] if old else CORE_SPECS,
        "purge_completed": purge if old else {"time": purge},
        "job_resources": {"count": 1, "list": running_node, "whole": False}
        | ({"job_resources": ["cpu=2", "mem=0"]} if old else {"select_type": ["AVAILABLE"]}),
        "meta": (
            {"major": 25, "minor": 5, "micro": 8}
            if version == "v0.0.42"
            else {"major": "25", "minor": "05", "micro": "8"}
        ),
    }


@pytest.mark.parametrize("protocol", ["rest", "grpc"])
@pytest.mark.parametrize(("resource", "version"), CASES)
def test_each_version_gets_its_own_shapes_and_spellings(
    collected: Callable[[str, str], Collected], resource: str, version: str, protocol: str
) -> None:
    found = collected(resource, version)
    got = quirks_json(found.json, version) if protocol == "rest" else quirks_proto(found.proto, version)
    node = got["job_resources"]["list"]
    assert node.startswith(resource), node
    assert got == expected_quirks(resource, version, node)


@pytest.mark.parametrize(("resource", "version"), CASES)
def test_the_meta_block_names_the_version(
    collected: Callable[[str, str], Collected], resource: str, version: str
) -> None:
    found = collected(resource, version)
    for name in ANSWERS:
        assert found.json[name]["meta"]["plugin"]["data_parser"] == f"data_parser/{version}", name
        assert found.proto[name].meta.plugin.data_parser == f"data_parser/{version}", name  # type: ignore[attr-defined]
