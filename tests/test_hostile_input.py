"""Hostile input: random and mutated bytes and JSON reach every decoder; only typed errors come out."""

from __future__ import annotations

import contextlib
import importlib
import json
from typing import Any

import httpx
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from s3m_grpc import errors
from s3m_grpc.codec import decode, fast_reply
from s3m_grpc.config import ChannelConfig, Target
from s3m_grpc.rpc import BY_NAME
from s3m_grpc.slurmjson import SlurmJsonError, normalize
from s3m_grpc.transports.rest_transport import RestTransport
from s3m_grpc.validate import check_request
from tests.conftest import FIXTURES

pb = importlib.import_module("s3m_apis_betterproto.slurm.v0043")
upb = importlib.import_module("s3m_apis_pb.slurm.v0043.slurm_pb2")
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
RESPONSES = [
    "OpenapiJobInfoResp",
    "OpenapiNodesResp",
    "OpenapiPartitionResp",
    "OpenapiPingArrayResp",
    "OpenapiDiagResp",
    "OpenapiKillJobResp",
    "OpenapiJobSubmitResponse",
    "OpenapiReservationResp",
]
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=5),
    max_leaves=25,
)


def real_job_bytes() -> bytes:
    data = orjson.loads((FIXTURES / "v0043" / "jobs.json").read_bytes())
    return upb.OpenapiJobInfoResp(**normalize(upb.OpenapiJobInfoResp.DESCRIPTOR, data)).SerializeToString()


@SETTINGS
@given(data=st.binary(max_size=300), name=st.sampled_from(RESPONSES))
def test_random_bytes_give_protocol_errors_or_a_message(data: bytes, name: str) -> None:
    for target in (getattr(pb, name), fast_reply(getattr(pb, name))):
        with contextlib.suppress(errors.ProtocolError):
            decode(target, data)


@SETTINGS
@given(
    cut=st.integers(min_value=1),
    flips=st.lists(st.tuples(st.integers(min_value=0), st.integers(0, 255)), max_size=4),
)
def test_mutated_real_listings(cut: int, flips: list[tuple[int, int]]) -> None:
    data = bytearray(real_job_bytes())
    data = data[: cut % len(data)] if cut % 3 == 0 else data
    for at, value in flips:
        if data:
            data[at % len(data)] = value
    with contextlib.suppress(errors.ProtocolError):
        decode(pb.OpenapiJobInfoResp, bytes(data))


@SETTINGS
@given(value=json_values, name=st.sampled_from(RESPONSES))
def test_random_json_gives_slurm_json_errors_or_a_clean_dict(value: Any, name: str) -> None:
    desc = getattr(upb, name).DESCRIPTOR
    try:
        clean = normalize(desc, value)
    except SlurmJsonError:
        return
    getattr(upb, name)(**clean)  # whatever normalize accepts, upb accepts


@SETTINGS
@given(
    status=st.sampled_from([200, 200, 200, 400, 401, 404, 429, 500, 502, 503]),
    body=st.one_of(st.binary(max_size=200), json_values.map(lambda v: json.dumps(v).encode())),
    headers=st.dictionaries(
        st.sampled_from(["Retry-After", "Content-Type"]), st.text(max_size=20), max_size=2
    ),
)
def test_rest_decoder_only_raises_s3m_errors(status: int, body: bytes, headers: dict[str, str]) -> None:
    transport = RestTransport(
        ChannelConfig(target=Target("127.0.0.1", 1), tls=False), base_url="http://127.0.0.1:1", enclave="open"
    )
    safe_headers = {k: v.encode("ascii", "ignore").decode() for k, v in headers.items()}
    reply = httpx.Response(status, content=body, headers=safe_headers)
    for response_type in (pb.OpenapiJobInfoResp, fast_reply(pb.OpenapiJobInfoResp)):
        with contextlib.suppress(errors.S3MError):
            transport._decode(reply, BY_NAME["GetJobs"], response_type)


@settings(max_examples=500, deadline=None)
@given(job_id=st.text(max_size=16), signal=st.text(max_size=16), flags=st.text(max_size=16))
def test_request_checks_accept_only_what_slurm_accepts(job_id: str, signal: str, flags: str) -> None:
    request = pb.DeleteJobReq(job_id=job_id, signal=signal, flags=flags)
    try:
        check_request(BY_NAME["DeleteJob"], request)
    except errors.ConfigurationError:
        return
    assert job_id.replace("_", "").replace("+", "").isascii()
    assert all(c.isascii() and (c.isalnum() or c in "_+,") for c in job_id + signal + flags)
    for bad in ("/", "%", "\n", "\x00", "..", " "):
        assert bad not in job_id + signal + flags


@pytest.mark.parametrize(
    "job_id", ["../1", "1/../2", "%2F", "12\n", "\u0661\u0662", "\uff11\uff12", "", "1 2", "1;2"]
)
def test_hostile_job_ids(job_id: str) -> None:
    with pytest.raises(errors.ConfigurationError):
        check_request(BY_NAME["GetJob"], pb.JobIdReq(job_id=job_id))
