"""betterproto2 and protobuf's upb runtime read and write the same bytes for every message.

The high-level API decodes listings with upb and everything else with betterproto2, so the two
must agree on the wire: presence (0 vs unset), nested repeated messages, int64 beyond 2^53,
non-ASCII strings, and fields one version does not know.
"""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests import strategies
from tests.conftest import VERSIONS

ROOT_MESSAGES = [
    "JobSubmitReq",
    "JobIdReq",
    "DeleteJobReq",
    "OpenapiPingArrayResp",
    "OpenapiPartitionResp",
    "OpenapiJobSubmitResponse",
    "OpenapiJobInfoResp",
    "OpenapiKillJobResp",
    "OpenapiNodesResp",
    "OpenapiReservationResp",
    "OpenapiDiagResp",
]
SETTINGS = settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)


def pb2(version: str) -> Any:
    return importlib.import_module(f"s3m_apis_pb.slurm.{version}.slurm_pb2")


def roundtrip_through_upb(version: str, name: str, data: st.DataObject) -> None:
    desc = pb2(version).DESCRIPTOR.message_types_by_name[name]
    original = data.draw(strategies.message(desc))
    wire = bytes(original)
    upb_msg = getattr(pb2(version), name).FromString(wire)
    assert upb_msg.SerializeToString(deterministic=True) == wire
    back = type(original).parse(wire)
    assert bytes(back) == wire
    assert back.to_dict() == original.to_dict()


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("name", ROOT_MESSAGES)
@SETTINGS
@given(data=st.data())
def test_betterproto_bytes_roundtrip_through_upb(version: str, name: str, data: st.DataObject) -> None:
    roundtrip_through_upb(version, name, data)


@pytest.mark.parametrize("version", VERSIONS)
def test_optional_zero_is_not_unset(version: str) -> None:
    bp = importlib.import_module(f"s3m_apis_betterproto.slurm.{version}")
    zero = bp.JobSubmitReqJobDescription(minimum_nodes=0, requeue=False, nice=0)
    unset = bp.JobSubmitReqJobDescription()
    assert bytes(zero) != bytes(unset) == b""
    upb = pb2(version).JobSubmitReq.JobDescription.FromString(bytes(zero))
    assert upb.HasField("minimum_nodes")
    assert upb.minimum_nodes == 0
    assert upb.HasField("requeue")
    assert not upb.HasField("tasks")
    back = bp.JobSubmitReqJobDescription.parse(upb.SerializeToString())
    assert (back.minimum_nodes, back.requeue, back.tasks) == (0, False, None)


def test_big_integers_survive_both_runtimes() -> None:
    bp = importlib.import_module("s3m_apis_betterproto.slurm.v0043")
    big = 2**53 + 1  # the first integer a JSON double cannot hold
    msg = bp.OpenapiNodesResp(
        nodes=[
            bp.Node(
                real_memory=big, alloc_memory=-(2**63), free_mem=bp.Uint64NoVal(set=True, number=2**64 - 2)
            )
        ],
        last_update=bp.Uint64NoVal(number=2**63 + 5, set=True),
    )
    upb = pb2("v0043").OpenapiNodesResp.FromString(bytes(msg))
    assert upb.nodes[0].real_memory == big
    assert upb.nodes[0].alloc_memory == -(2**63)
    assert upb.nodes[0].free_mem.number == 2**64 - 2
    assert bp.OpenapiNodesResp.parse(upb.SerializeToString()).last_update.number == 2**63 + 5


def test_negative_zero_double_in_implicit_presence_field() -> None:
    """Float64NoVal.number has no presence: -0.0 is the one value the runtimes may write differently.

    upb writes -0.0 (its bits are not zero); betterproto2 compares with == 0 and skips it. Both then
    read the other's bytes as a value equal to 0.0, which is what Slurm means, so the difference is
    harmless; this test pins it so that a runtime change is noticed.
    """
    bp = importlib.import_module("s3m_apis_betterproto.slurm.v0043")
    upb_bytes = pb2("v0043").Float64NoVal(number=-0.0).SerializeToString()
    assert bp.Float64NoVal.parse(upb_bytes).number == 0.0
    assert pb2("v0043").Float64NoVal.FromString(bytes(bp.Float64NoVal(number=-0.0))).number == 0.0


@SETTINGS
@given(data=st.data())
def test_fields_unknown_to_v0042_survive_a_v0042_reader(data: st.DataObject) -> None:
    """A v0043 job read by a v0042 client (upb or betterproto2) and written back loses nothing."""
    bp43 = importlib.import_module("s3m_apis_betterproto.slurm.v0043")
    bp42 = importlib.import_module("s3m_apis_betterproto.slurm.v0042")
    job = data.draw(strategies.message(pb2("v0043").DESCRIPTOR.message_types_by_name["JobInfo"], max_depth=2))
    job.stdout_expanded = data.draw(st.text(min_size=1, max_size=8))  # a v0043-only field, always set
    job.segment_size = data.draw(st.integers(0, 2**31 - 1))
    wire = bytes(bp43.OpenapiJobInfoResp(jobs=[job]))
    via_upb = pb2("v0042").OpenapiJobInfoResp.FromString(wire).SerializeToString()
    via_bp = bytes(bp42.OpenapiJobInfoResp.parse(wire))
    for reread in (via_upb, via_bp):
        again = bp43.OpenapiJobInfoResp.parse(reread)
        assert again.jobs[0].stdout_expanded == job.stdout_expanded
        assert again.jobs[0].to_dict() == job.to_dict()
