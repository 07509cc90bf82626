"""s3m_grpc.codec.decode: upb checks replies before betterproto reads them; Slurm's errors[] raise.

betterproto 2.0.0b7's parser is lenient to a fault: it reads a length-delimited field that promises
more bytes than there are as an empty message, skips undefined wire types, and puts a varint into a
string field. upb refuses all of these, so decode raises ProtocolError instead of handing out a
message that only looks like a (short) reply.
"""

from __future__ import annotations

from typing import Any

import pytest
from google.protobuf.message import DecodeError
from s3m_apis_betterproto.slurm import v0042 as bp42
from s3m_apis_betterproto.slurm import v0043 as bp43
from s3m_apis_pb.slurm.v0043 import slurm_pb2 as pb43

from s3m_grpc.call import Call
from s3m_grpc.codec import FAST, FastReply, decode
from s3m_grpc.errors import JobRejected, ProtocolError, ServerError, SlurmError, SlurmWarning
from s3m_grpc.reply import Reply
from s3m_grpc.rpc import BY_NAME, VERSIONS


def call(rpc: str, version: str = "v0.0.43") -> Call:
    api = VERSIONS[version]
    request: Any = None
    if BY_NAME[rpc].request in ("JobIdReq", "DeleteJobReq"):
        request = getattr(api.upb, BY_NAME[rpc].request)(job_id="1203345")
    elif BY_NAME[rpc].request == "JobSubmitReq":
        request = api.upb.JobSubmitReq()
    return Call(BY_NAME[rpc], api, "defiant", request)


# Bytes betterproto reads without complaint, each as something the server never sent (a GetJob reply).
LENIENT: dict[bytes, tuple[str, Any]] = {
    b"\x0a\x7f": ("meta promises 127 bytes and has none: an empty meta", lambda m: m.meta == bp43.MetaResp()),
    b"\x22\x7f": (
        "jobs[0] promises 127 bytes and has none: one empty job",
        lambda m: m.jobs == [bp43.SlurmDbJobDescription()],
    ),
    b"\x22\x03\x08\x01": (
        "a varint in jobs[0].account (a string): account becomes the int 1",
        lambda m: m.jobs[0].account == 1,
    ),
    b"\x0f": ("wire type 7 does not exist: meta is set to None", lambda m: m.meta is None),
    b"\xff\xff\xff\xff\x0f": (
        "an absurd field number with wire type 7: an empty reply",
        lambda m: m == bp43.JobIdResp(),
    ),
    b"\x80": ("a tag cut short: an empty reply", lambda m: m == bp43.JobIdResp()),
}


@pytest.mark.parametrize("data", list(LENIENT), ids=[v[0] for v in LENIENT.values()])
def test_betterproto_alone_reads_garbage(data: bytes) -> None:
    # Pinned: if betterproto becomes strict, this fails and codec.py's upb check may go.
    _, reads_as = LENIENT[data]
    assert reads_as(bp43.JobIdResp().parse(data))
    with pytest.raises(DecodeError):
        pb43.JobIdResp.FromString(data)


@pytest.mark.parametrize("want", [bp43.JobIdResp, FAST], ids=["betterproto", "FAST"])
@pytest.mark.parametrize("data", [*LENIENT, b"\x0a\x05ab", b"\x12\x02\x08", b"\x22\x02\x0a\xff"])
def test_decode_refuses_garbage(data: bytes, want: Any) -> None:
    with pytest.raises(ProtocolError) as caught:
        decode(call("GetJob"), Reply.of(data), want)
    assert caught.value.rpc == "GetJob"
    assert isinstance(caught.value.__cause__, DecodeError)
    assert "JobIdResp" in str(caught.value)


def test_decode_refuses_invalid_utf8_in_strings() -> None:
    reply = b"\x22\x04" + b"\x0a\x02\xff\xfe"  # jobs[0].account = b"\xff\xfe"
    with pytest.raises(UnicodeDecodeError):
        bp43.JobIdResp().parse(reply)  # betterproto fails, but not with a library error
    with pytest.raises(ProtocolError):
        decode(call("GetJob"), Reply.of(reply), bp43.JobIdResp)


def test_decode_gives_betterproto_messages() -> None:
    reply = bp43.JobIdResp(
        jobs=[bp43.SlurmDbJobDescription(job_id=1203345, name="lammps-sweep", user="alice")]
    )
    got = decode(call("GetJob"), Reply.of(bytes(reply)), bp43.JobIdResp)
    assert isinstance(got, bp43.JobIdResp)
    assert got == reply
    assert decode(call("Ping"), Reply.of(b""), bp43.PingResp) == bp43.PingResp()


def test_fast_keeps_the_upb_message() -> None:
    reply = pb43.JobsResp(
        jobs=[pb43.SlurmJobDescription(job_id=7, name="a"), pb43.SlurmJobDescription(job_id=8, name="b")],
        last_update=pb43.Uint64NoVal(set=True, number=2**63 + 5),
    )
    fast = decode(call("GetJobs"), Reply.of(reply.SerializeToString()), FAST)
    assert isinstance(fast, FastReply)
    assert isinstance(fast.message, pb43.JobsResp)
    assert fast.json is None
    assert [j.job_id for j in fast.items("jobs")] == [7, 8]
    assert fast.field("last_update").number == 2**63 + 5
    assert fast.field("last_backfill") is None  # absent sub-message
    assert fast.items("errors") == []
    assert fast.message == reply


def test_fast_keeps_the_json_object_itself() -> None:
    payload = {"jobs": [{"job_id": 7, "job_state": ["RUNNING"]}], "last_update": {"set": True, "number": 1}}
    fast = decode(call("GetJobs"), Reply.of(payload), FAST)
    assert fast.message is None
    assert fast.json is payload  # no copy: listings are read lazily from it
    assert fast.items("jobs") is payload["jobs"]
    assert fast.field("last_backfill") is None


def test_json_replies_become_betterproto_messages() -> None:
    payload = {
        "jobs": [{"job_id": 7, "name": "δ-run", "job_state": ["PENDING"], "a_key_from_a_newer_slurm": 1}],
        "last_update": {"set": True, "number": str(2**64 - 1)},  # ProtoJSON's 64-bit spelling
    }
    got = decode(call("GetJobs"), Reply.of(payload), bp43.JobsResp)
    assert got.jobs[0].name == "δ-run"
    assert got.jobs[0].job_state == ["PENDING"]
    assert got.last_update.number == 2**64 - 1


def test_json_that_does_not_fit_the_message_is_a_protocol_error() -> None:
    with pytest.raises(ProtocolError, match="JobsResp"):
        decode(call("GetJobs"), Reply.of({"jobs": [{"job_id": "seven"}]}), bp43.JobsResp)


ERRORS = [
    {
        "error_number": 2017,
        "error": "Invalid job id specified",
        "source": "_handle_job_get",
        "description": "",
    }
]
WARNINGS = [{"warning": "", "source": "_signal_job", "description": "Job was already sent signal SIGKILL"}]


def reply_bytes(name: str, **fields: Any) -> bytes:
    cls = getattr(pb43, name)
    return bytes(cls(errors=ERRORS, warnings=WARNINGS, **fields).SerializeToString())


@pytest.mark.parametrize("want", ["betterproto", FAST, "json"])
def test_slurm_errors_in_an_ok_reply_raise(want: Any) -> None:
    payload: Any = reply_bytes("JobIdResp")
    if want == "json":
        payload, want = {"jobs": [], "errors": ERRORS, "warnings": WARNINGS}, FAST
    target = bp43.JobIdResp if want == "betterproto" else want
    with pytest.raises(ServerError) as caught:
        decode(call("GetJob"), Reply.of(payload), target)
    assert not isinstance(caught.value, ProtocolError)  # the reply was valid; Slurm said no
    assert caught.value.errors == (SlurmError(2017, "Invalid job id specified", "", "_handle_job_get"),)
    assert caught.value.warnings == (SlurmWarning("Job was already sent signal SIGKILL", "_signal_job"),)
    assert caught.value.rpc == "GetJob"


def test_warnings_alone_do_not_raise() -> None:
    payload = bytes(pb43.DeleteJobResp(warnings=WARNINGS).SerializeToString())
    assert decode(call("DeleteJob"), Reply.of(payload), FAST).warnings == [
        SlurmWarning("Job was already sent signal SIGKILL", "_signal_job")
    ]


@pytest.mark.parametrize("form", ["bytes", "json"])
def test_a_submission_without_job_id_and_with_errors_is_rejected(form: str) -> None:
    payload: Any = reply_bytes("JobSubmitResp")
    if form == "json":
        payload = {"errors": ERRORS, "warnings": []}
    with pytest.raises(JobRejected) as caught:
        decode(call("PostJobSubmit"), Reply.of(payload), bp43.JobSubmitResp)
    assert caught.value.errors[0].error_number == 2017
    assert caught.value.rpc == "PostJobSubmit"


@pytest.mark.parametrize("form", ["bytes", "json"])
def test_a_submission_with_job_id_and_errors_returns_normally(form: str) -> None:
    """The job exists despite Slurm's complaints: the caller needs its id, not an exception."""
    payload: Any = reply_bytes("JobSubmitResp", job_id=1203349, step_id="batch")
    if form == "json":
        payload = {"job_id": 1203349, "step_id": "batch", "errors": ERRORS, "warnings": WARNINGS}
    got = decode(call("PostJobSubmit"), Reply.of(payload), bp43.JobSubmitResp)
    assert got.job_id == 1203349
    assert got.errors[0].error_number == 2017
    fast = decode(call("PostJobSubmit"), Reply.of(payload), FAST)
    assert fast.field("job_id") == 1203349
    assert fast.errors[0].error_number == 2017


def test_a_field_of_the_wrong_wire_type_does_not_reach_betterproto() -> None:
    """A v0.0.42 reply (meta's version numbers are int32) decoded as v0.0.43 (they are strings)."""
    v42 = bp42.PingResp(
        meta=bp42.MetaResp(slurm=bp42.MetaSlurmResp(version=bp42.MetaSlurmVersionResp(major=25)))
    )
    got = decode(call("Ping"), Reply.of(bytes(v42)), bp43.PingResp)
    assert isinstance(got.meta.slurm.version.major, str)
