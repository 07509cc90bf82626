"""betterproto 2.0.0b7 and protobuf's upb runtime read and write the same bytes for every message.

The stubs speak betterproto; decoding checks with upb and the high-level API reads listings with it.
So for every request and response of all three versions, betterproto's bytes must parse in upb to
the same values and serialize back to the same bytes. Then the edges one by one: proto3 optional
0 vs unset, 64-bit values, non-ASCII text, and what happens when one version's bytes reach another
version's reader (the versions' messages differ in a few places on the wire).
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from typing import Any

import pytest
from google.protobuf.descriptor import Descriptor
from google.protobuf.message import DecodeError, Message
from google.protobuf.unknown_fields import UnknownFieldSet
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from s3m_grpc.slurmjson import normalize, to_json
from tests import strategies

SUFFIXES = ("v0042", "v0043", "v0044")
ROOTS = [(suffix, desc.name) for suffix in SUFFIXES for desc in strategies.root_messages(suffix)]
SETTINGS = settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
)


def pb2(suffix: str) -> Any:
    return importlib.import_module(f"s3m_apis_pb.slurm.{suffix}.slurm_pb2")


def bp(suffix: str) -> Any:
    return importlib.import_module(f"s3m_apis_betterproto.slurm.{suffix}")


def differences(desc: Descriptor, ours: Any, upb: Message, path: str = "") -> Iterator[str]:
    """Where a betterproto message and an upb message of the same type hold different values."""
    for field in desc.fields:
        where = f"{path}/{field.name}"
        mine, theirs = getattr(ours, strategies.python_name(field)), getattr(upb, field.name)
        if field.message_type is not None and field.is_repeated:
            if len(mine) != len(theirs):
                yield f"{where}: {len(mine)} elements vs {len(theirs)}"
            for i, (a, b) in enumerate(zip(mine, theirs, strict=False)):
                yield from differences(field.message_type, a, b, f"{where}/{i}")
        elif field.message_type is not None:
            if upb.HasField(field.name):
                yield from differences(field.message_type, mine, theirs, where)
            elif bytes(mine) != b"":  # betterproto does not write a sub-message that holds only defaults
                yield f"{where}: set in betterproto, absent in upb"
        elif field.has_presence and not field.is_repeated:  # proto3 optional
            if (mine is None) == upb.HasField(field.name) or (mine is not None and mine != theirs):
                yield f"{where}: {mine!r} vs {theirs if upb.HasField(field.name) else 'unset'!r}"
        elif (list(mine) if field.is_repeated else mine) != (list(theirs) if field.is_repeated else theirs):
            yield f"{where}: {mine!r} vs {theirs!r}"


def unknown_fields(message: Message) -> int:
    """How many fields upb kept as unknown, in the message and all its sub-messages."""
    count = len(UnknownFieldSet(message))
    for field, value in message.ListFields():
        if field.message_type is not None:
            for item in value if field.is_repeated else [value]:
                count += unknown_fields(item)
    return count


@pytest.mark.parametrize(("suffix", "name"), ROOTS)
@SETTINGS
@given(data=st.data())
def test_betterproto_bytes_roundtrip_through_upb(suffix: str, name: str, data: st.DataObject) -> None:
    desc = pb2(suffix).DESCRIPTOR.message_types_by_name[name]
    original = data.draw(strategies.message(desc))
    wire = bytes(original)
    upb = getattr(pb2(suffix), name).FromString(wire)
    assert upb.SerializeToString(deterministic=True) == wire
    assert unknown_fields(upb) == 0
    assert list(differences(desc, original, upb)) == []
    back = type(original)().parse(wire)
    assert bytes(back) == wire
    assert list(differences(desc, back, upb)) == []


def test_the_roots_are_every_request_and_response() -> None:
    names = {name for suffix, name in ROOTS if suffix == "v0043"}
    assert names == {
        "JobIdReq",
        "JobSubmitReq",
        "DeleteJobReq",
        "PingResp",
        "DiagResp",
        "JobIdResp",
        "JobsResp",
        "JobSubmitResp",
        "DeleteJobResp",
        "NodesResp",
        "PartitionsResp",
        "ReservationsResp",
    }
    assert len(ROOTS) == 3 * len(names)


def job_submit(suffix: str, **fields: Any) -> Any:
    """A JobSubmitReq whose `job` is a description with `fields` (field 1 in v0042/43, 3 in v0044)."""
    return bp(suffix).JobSubmitReq(job=bp(suffix).JobSubmitReqJobDescription(**fields))


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_optional_zero_is_not_unset(suffix: str) -> None:
    """`minimum_nodes=0` is a value Slurm honours; it must not read as "not given"."""
    description = bp(suffix).JobSubmitReqJobDescription
    zero = description(minimum_nodes=0, tasks_per_node=0, comment="")
    assert bytes(zero) != bytes(description()) == b""
    upb = pb2(suffix).JobSubmitReq.JobDescription.FromString(bytes(zero))
    assert upb.HasField("minimum_nodes")
    assert upb.minimum_nodes == 0
    assert upb.HasField("comment")
    assert not upb.HasField("tasks")
    back = description().parse(upb.SerializeToString())
    assert (back.minimum_nodes, back.tasks_per_node, back.comment, back.tasks) == (0, 0, "", None)
    # The REST body keeps it too: to_json writes the optional fields that are set, zeros included.
    request = pb2(suffix).JobSubmitReq.FromString(bytes(job_submit(suffix, minimum_nodes=0)))
    assert to_json(request) == {"job": {"minimum_nodes": 0}}


@pytest.mark.parametrize("suffix", SUFFIXES)
@pytest.mark.parametrize("number", [0, 1, 2**32, 2**53 + 1, 2**63, 2**64 - 2, 2**64 - 1])
def test_uint64_novals_keep_every_value(suffix: str, number: int) -> None:
    ours = bp(suffix).Uint64NoVal(set=True, number=number)
    upb = pb2(suffix).Uint64NoVal.FromString(bytes(ours))
    assert upb.number == number
    assert bp(suffix).Uint64NoVal().parse(upb.SerializeToString()).number == number
    assert to_json(upb, defaults=True)["number"] == number  # a JSON integer, not a double
    assert pb2(suffix).Uint64NoVal(**normalize(upb.DESCRIPTOR, {"number": str(number)})).number == number


def test_betterproto_does_not_range_check_and_upb_truncates() -> None:
    """Pinned: betterproto writes 2^64 into a uint64 (and 2^32 into a uint32); a conforming reader
    keeps the low bits, 0. s3m_grpc must range-check values before betterproto sees them."""
    too_big = bytes(bp("v0043").Uint64NoVal(number=2**64))
    assert bp("v0043").Uint64NoVal().parse(too_big).number == 2**64
    assert pb2("v0043").Uint64NoVal.FromString(too_big).number == 0
    assert pb2("v0043").Uint32NoVal.FromString(bytes(bp("v0043").Uint32NoVal(number=2**32))).number == 0
    with pytest.raises(ValueError, match="out of range"):
        pb2("v0043").Uint64NoVal(number=2**64)


def test_64_bit_integers_beyond_doubles_survive_both_runtimes() -> None:
    module = bp("v0043")
    msg = module.NodesResp(
        nodes=[
            module.SlurmNodeDescription(
                real_memory=2**53 + 1,
                alloc_memory=-(2**63),
                free_mem=module.Uint64NoVal(set=True, number=2**64 - 2),
            )
        ],
        last_update=module.Uint64NoVal(number=2**63 + 5, set=True),
    )
    upb = pb2("v0043").NodesResp.FromString(bytes(msg))
    assert (upb.nodes[0].real_memory, upb.nodes[0].alloc_memory) == (2**53 + 1, -(2**63))
    assert upb.nodes[0].free_mem.number == 2**64 - 2
    assert module.NodesResp().parse(upb.SerializeToString()).last_update.number == 2**63 + 5


@pytest.mark.parametrize(
    "text",
    ["José Ñandú", "東京-シミュレーション", "gpu-train-π", "🚀 launch", "tab\tnewline\n", "\x00nul"],
)
def test_non_ascii_strings(text: str) -> None:
    module = bp("v0044")
    msg = module.JobSubmitReq(script=f"#!/bin/bash\necho {text}\n", job=job_submit("v0044", name=text).job)
    upb = pb2("v0044").JobSubmitReq.FromString(bytes(msg))
    assert upb.job.name == text
    assert upb.script == f"#!/bin/bash\necho {text}\n"
    assert upb.SerializeToString() == bytes(msg)
    assert len(text.encode()) < len(bytes(msg))  # UTF-8 on the wire


def test_negative_zero_double_in_a_field_without_presence() -> None:
    """-0.0 is the one value the runtimes write differently, harmlessly.

    upb writes -0.0 (its bits are not zero); betterproto compares with == 0 and skips it. Each reads
    the other's bytes as a value equal to 0.0, which is what Slurm means. Pinned so that a runtime
    change is noticed.
    """
    upb_bytes = pb2("v0043").Float64NoVal(number=-0.0).SerializeToString()
    assert upb_bytes != b""
    assert bp("v0043").Float64NoVal().parse(upb_bytes).number == 0.0
    assert bytes(bp("v0043").Float64NoVal(number=-0.0)) == b""


def test_an_explicitly_empty_sub_message_is_not_on_betterprotos_wire() -> None:
    """Pinned: betterproto writes a sub-message only if it holds a non-default value (or was parsed).

    `time_limit=Uint32NoVal()` (set=false: "no limit given") is sent as no time_limit at all, which
    Slurm reads the same way. upb keeps the presence of an empty sub-message.
    """
    empty = job_submit("v0043", time_limit=bp("v0043").Uint32NoVal())
    assert bytes(empty) == b"\n\x00"  # the job, but nothing in it
    upb = pb2("v0043").JobSubmitReq(job={"time_limit": {}})
    assert upb.SerializeToString() == b"\n\x03\xaa\x04\x00"
    parsed = bp("v0043").JobSubmitReq().parse(upb.SerializeToString())
    assert bytes(parsed) == upb.SerializeToString()  # once parsed, betterproto keeps the presence


# -- one version's bytes in another version's reader -------------------------------------------


def test_v0042_meta_versions_in_a_v0043_reader() -> None:
    """v0042's MetaSlurmVersionResp.major/minor/micro are int32 (varints), v0043's strings.

    upb does not misread: a field of the wrong wire type is kept as an unknown field, so `major`
    reads "" and re-serializing gives the same bytes (nothing is lost on the way through). betterproto
    does misread: it puts the int 25 into the string field, and cannot serialize that again.
    """
    wire = bytes(bp("v0042").MetaSlurmVersionResp(major=25, minor=5, micro=8))
    upb = pb2("v0043").MetaSlurmVersionResp.FromString(wire)
    assert (upb.major, upb.minor, upb.micro) == ("", "", "")
    assert [(f.field_number, f.data) for f in UnknownFieldSet(upb)] == [(1, 25), (2, 5), (3, 8)]
    assert upb.SerializeToString() == wire
    misread = bp("v0043").MetaSlurmVersionResp().parse(wire)
    assert (misread.major, misread.minor, misread.micro) == (25, 5, 8)  # ints in str fields
    with pytest.raises(AttributeError):
        bytes(misread)


def test_v0043_meta_versions_in_a_v0042_reader() -> None:
    """The other way: strings where v0042 expects int32. upb keeps them as unknown fields (0 is read);
    betterproto reads each string's bytes as packed varints (\"25\" becomes [50, 53])."""
    wire = bytes(bp("v0043").MetaSlurmVersionResp(major="25", minor="05", micro="8"))
    upb = pb2("v0042").MetaSlurmVersionResp.FromString(wire)
    assert (upb.major, upb.minor, upb.micro) == (0, 0, 0)
    assert [f.data for f in UnknownFieldSet(upb)] == [b"25", b"05", b"8"]
    assert upb.SerializeToString() == wire
    misread = bp("v0042").MetaSlurmVersionResp().parse(wire)
    assert misread.major == [ord("2"), ord("5")]


REALISTIC = {
    "name": "lammps-sweep",
    "account": "stf040",
    "partition": "batch-cpu",
    "minimum_nodes": 2,
    "tasks": 128,
    "time_limit": {"set": True, "number": 60},
    "environment": ["PATH=/usr/bin:/bin"],
    "current_working_directory": "/lustre/polis/stf040/scratch/stf040_auser",
    "script": "#!/bin/bash\nsrun -n 128 lmp -in in.sweep\n",
}


def test_a_v0043_submission_read_as_v0044_is_not_a_job() -> None:
    """v0043's JobSubmitReq field 1 is `job` (a message); v0044's field 1 is `script` (a string).

    A realistic description has fields numbered 16 and up, whose tags are not valid UTF-8, so
    v0044's reader refuses the bytes (upb: DecodeError; betterproto: UnicodeDecodeError). A
    description of low-numbered ASCII fields only is valid UTF-8: it reads as a `script` of binary
    junk and no job. Either way, never as the job that was meant: the versions are incompatible here.
    """
    v43 = pb2("v0043").JobSubmitReq(
        job=normalize(pb2("v0043").JobSubmitReq.JobDescription.DESCRIPTOR, REALISTIC)
    )
    wire = v43.SerializeToString()
    with pytest.raises(DecodeError, match="UTF-8"):
        pb2("v0044").JobSubmitReq.FromString(wire)
    with pytest.raises(UnicodeDecodeError):
        bp("v0044").JobSubmitReq().parse(wire)

    tiny = bytes(job_submit("v0043", account="stf040"))  # field 1 only: b"\n\x08\n\x06stf040"
    upb = pb2("v0044").JobSubmitReq.FromString(tiny)
    assert not upb.HasField("job")
    assert list(upb.jobs) == []
    assert upb.script == "\n\x06stf040"  # the description's bytes, as text
    assert bp("v0044").JobSubmitReq().parse(tiny).script == "\n\x06stf040"


def test_a_v0044_submission_read_as_v0043_is_not_a_job() -> None:
    """v0044's `job` is field 3 and `jobs` field 2, which a v0043 reader does not know; its field 1
    (`job` there) meets v0044's `script`.

    With a script, upb refuses the bytes (the script's text is no valid JobDescription); betterproto
    reads the text as a description with no known field set, silently. Without one, both see no job
    at all (upb keeps the unknown fields and writes them back unchanged).
    """
    module = bp("v0044")
    description = module.JobSubmitReqJobDescription(name="x", minimum_nodes=1)
    wire = bytes(module.JobSubmitReq(script="#!/bin/bash\n", job=description, jobs=[description]))
    with pytest.raises(DecodeError):
        pb2("v0043").JobSubmitReq.FromString(wire)
    misread = bp("v0043").JobSubmitReq().parse(wire).job  # no error: the text as "unknown fields"
    assert (misread.name, misread.script, misread.minimum_nodes) == ("", "", None)
    assert bytes(misread) == b"#!/bin/bash\n"

    job_only = bytes(module.JobSubmitReq(job=description))
    upb = pb2("v0043").JobSubmitReq.FromString(job_only)
    assert not upb.HasField("job")
    assert [f.field_number for f in UnknownFieldSet(upb)] == [3]
    assert upb.SerializeToString() == job_only
    assert bytes(bp("v0043").JobSubmitReq().parse(job_only).job) == b""
