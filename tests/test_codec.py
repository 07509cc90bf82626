"""Response bytes are checked by upb before betterproto2 reads them (betterproto2 alone is too lenient)."""

from __future__ import annotations

import pytest
from s3m_apis_betterproto.google.protobuf import Empty
from s3m_apis_betterproto.slurm.v0043 import JobInfo, OpenapiJobInfoResp

from s3m_grpc.codec import decode, upb_class
from s3m_grpc.errors import ProtocolError

# Each of these is accepted by betterproto2's own parser, silently, as something else.
LENIENT = {
    b"\x0a\x7f": "a field promising 127 bytes with none: betterproto2 reads jobs=[JobInfo()]",
    b"\x0f": "wire type 7 does not exist: betterproto2 reads jobs=[None]",
    b"\xff\xff\xff\xff\x0f": "an absurd field number with wire type 7",
}


@pytest.mark.parametrize("data", sorted(LENIENT))
def test_betterproto_alone_accepts_garbage(data: bytes) -> None:
    OpenapiJobInfoResp.parse(
        data
    )  # pinned: if betterproto2 becomes strict, this fails and codec.py can shrink


@pytest.mark.parametrize("data", [*sorted(LENIENT), b"\x0a\x05ab", b"\x12\x02\x08"])
def test_strict_decode_refuses_garbage(data: bytes) -> None:
    with pytest.raises(ProtocolError):
        decode(OpenapiJobInfoResp, data)


def test_strict_decode_accepts_real_messages() -> None:
    message = OpenapiJobInfoResp(jobs=[JobInfo(job_id=7, name="ok")])
    assert decode(OpenapiJobInfoResp, bytes(message)).jobs[0].name == "ok"
    assert decode(Empty, b"") == Empty()


def test_upb_twins() -> None:
    assert upb_class(OpenapiJobInfoResp).DESCRIPTOR.full_name == "slurm.v0043.OpenapiJobInfoResp"
    assert upb_class(Empty).DESCRIPTOR.full_name == "google.protobuf.Empty"
