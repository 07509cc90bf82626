"""Hostile input: bad request values are refused before anything is sent, on every transport, and
random or mutated bytes and JSON reach every decoder with only typed errors coming out.

* Job ids, signals and flags go into URL paths, queries and metadata: ``../1``, ``%2F``, a newline,
  NUL, Arabic-Indic digits or an over-long value must be a ConfigurationError from ``Call(...)``,
  whichever transport would carry the call (MockTransport records nothing; the real transports,
  pointed at a closed port, would fail with ConnectError if they had tried).
* ``codec.decode`` (every response of every API version, from bytes, from JSON and as HTTP bodies)
  and ``slurmjson.normalize`` let only S3MErrors (SlurmJsonError for
  normalize) escape, and a bad protobuf reply is a ProtocolError.
"""

from __future__ import annotations

import contextlib
import functools
import json
import socket
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import DecodeError
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from s3m_grpc import MockTransport, RetryPolicy, S3MClientFactory, Slurm, Timeouts, errors
from s3m_grpc.call import Call
from s3m_grpc.codec import FAST, FastReply, decode
from s3m_grpc.config import EMULATOR_HOST_ENV, EMULATOR_REST_ENV
from s3m_grpc.reply import Reply
from s3m_grpc.rpc import BY_NAME, RPCS, VERSIONS, ApiVersion, Rpc
from s3m_grpc.slurmjson import SlurmJsonError, normalize, to_json
from s3m_grpc.transports.rest_transport import retry_after as parse_retry_after

F = FieldDescriptor
V43 = VERSIONS["v0.0.43"]
TOKEN = "tok-xyz-hostile"
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# JSON examples cost more to draw: fewer per case (27 cases, so still ~800 per property).
JSON_SETTINGS = settings(SETTINGS, max_examples=30)
CASES = [(version, rpc) for version in VERSIONS.values() for rpc in RPCS]
CASE_IDS = [f"{version.suffix}-{rpc.name}" for version, rpc in CASES]

HOSTILE_JOB_IDS = [
    "../1",
    "1/../2",
    "%2F",
    "1%2F2",
    "12\n",
    "1\r\n2",
    "1\x00",
    "\x00",
    "\u0661\u0662",  # Arabic-Indic digits: str.isdigit() says yes, Slurm says no
    "\uff11\uff12",  # fullwidth digits
    "1" * 11,
    "1" * 10_000,
    "",
    " 1",
    "1 2",
    "1;2",
    "1?x=y",
    "1#",
    "-1",
    "1_",
    "+1",
]
HOSTILE_SIGNALS = ["../KILL", "%2F", "KILL\n", "KILL\x00", "SIG\u0661", "kill", "SIG" + "K" * 13, "TERM,KILL"]
HOSTILE_FLAGS = ["BATCH_JOB\n", "A,,B", "A/B", "%2F", "A\x00", "A" * 41, ",".join(["A"] * 17), "a"]


@pytest.fixture(autouse=True)
def _no_emulator_redirect(monkeypatch: pytest.MonkeyPatch) -> None:
    # S3M_EMULATOR_HOST would point every client at an emulator instead of the address given here.
    monkeypatch.delenv(EMULATOR_HOST_ENV, raising=False)
    monkeypatch.delenv(EMULATOR_REST_ENV, raising=False)


# -- hostile request values -------------------------------------------------------------------------


def _hostile_requests(version: ApiVersion) -> Iterator[tuple[Rpc, Any]]:
    """(RPC, request) pairs, upb and betterproto, each with one hostile value."""
    for module in (version.upb, version.betterproto):
        for job_id in HOSTILE_JOB_IDS:
            yield BY_NAME["GetJob"], module.JobIdReq(job_id=job_id)
            yield BY_NAME["DeleteJob"], module.DeleteJobReq(job_id=job_id)
        for signal in HOSTILE_SIGNALS:
            yield BY_NAME["DeleteJob"], module.DeleteJobReq(job_id="1", signal=signal)
        for flags in HOSTILE_FLAGS:
            yield BY_NAME["DeleteJob"], module.DeleteJobReq(job_id="1", flags=flags)


@pytest.mark.parametrize("version", sorted(VERSIONS))
def test_call_refuses_hostile_values(version: str) -> None:
    api = VERSIONS[version]
    for rpc, request in _hostile_requests(api):
        with pytest.raises(errors.ConfigurationError, match="invalid"):
            Call(rpc, api, "defiant", request)
    # A job id of the wrong type (a betterproto field can be assigned anything) is refused too.
    with pytest.raises(errors.ConfigurationError):
        Call(BY_NAME["GetJob"], api, "defiant", api.betterproto.JobIdReq(job_id=5))  # type: ignore[arg-type]


@pytest.mark.parametrize("job_id", ["1", "123", "4294967294", "123_4", "123+1", "1" * 10])
def test_call_accepts_what_slurm_accepts(job_id: str) -> None:
    call = Call(BY_NAME["DeleteJob"], V43, "defiant", V43.upb.DeleteJobReq(job_id=job_id, signal="SIGTERM"))
    assert call.params == {"job_id": job_id, "signal": "SIGTERM"}


@settings(max_examples=500, deadline=None)
@given(job_id=st.text(max_size=16), signal=st.text(max_size=16), flags=st.text(max_size=16))
@example(job_id="\u0661", signal="", flags="")
@example(job_id="1", signal="\n", flags="")
def test_request_checks_accept_only_what_slurm_accepts(job_id: str, signal: str, flags: str) -> None:
    request = V43.betterproto.DeleteJobReq(job_id=job_id, signal=signal, flags=flags)
    try:
        call = Call(BY_NAME["DeleteJob"], V43, "defiant", request)
    except errors.ConfigurationError:
        return
    sent = job_id + signal + flags
    assert sent.isascii()
    assert all(c.isalnum() or c in "_+," for c in sent)
    for bad in ("/", "%", "\n", "\x00", "..", " ", "?", "#"):
        assert bad not in sent
    assert call.params["job_id"] == job_id


def _counting_handler(seen: list[Call]) -> Any:
    def handle(call: Call) -> dict[str, Any]:
        seen.append(call)
        return {"jobs": [], "status": []}

    return handle


async def _refusals(factory: S3MClientFactory, slurm: Slurm) -> int:
    """Try every hostile value through the high-level client and a generated stub; count refusals."""
    refused = 0
    stub = factory.create_client(V43.betterproto.SlurmIndirectStub)
    pb = V43.betterproto
    attempts: list[Any] = []
    for job_id in HOSTILE_JOB_IDS:
        attempts += [
            lambda j=job_id: slurm.job(j),
            lambda j=job_id: slurm.cancel(j),
            lambda j=job_id: stub.get_job(pb.JobIdReq(job_id=j)),
            lambda j=job_id: stub.delete_job(pb.DeleteJobReq(job_id=j)),
        ]
    for signal in HOSTILE_SIGNALS:
        attempts += [
            lambda s=signal: slurm.cancel("1", signal=s),
            lambda s=signal: stub.delete_job(pb.DeleteJobReq(job_id="1", signal=s)),
        ]
    for flags in HOSTILE_FLAGS:
        attempts.append(lambda f=flags: stub.delete_job(pb.DeleteJobReq(job_id="1", flags=f)))
    for attempt in attempts:
        try:
            await attempt()
        except errors.ConfigurationError:
            refused += 1
        # Anything else (a ConnectError: it tried to connect) escapes and fails the test.
    assert refused == len(attempts)
    return refused


async def test_nothing_is_sent_through_a_mock_transport() -> None:
    seen: list[Call] = []
    transport = MockTransport(_counting_handler(seen))
    async with Slurm("127.0.0.1:1", TOKEN, transport=transport, api_version="v0.0.43") as slurm:
        assert await _refusals(slurm.factory, slurm) > 100
        assert seen == []
        assert transport.calls == []
        await slurm.cancel("1")  # the control: a good value is sent
    # (after the check of what the token may do, which is TokenControl's call)
    assert [call.params for call in seen if call.version.family == "slurm"] == [{"job_id": "1"}]
    assert [call.rpc.name for call in seen if call.version.family != "slurm"] == ["IntrospectAuthToken"]


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A 127.0.0.1 port nothing listens on: bound (so no one else takes it) but never listening."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    try:
        yield sock.getsockname()[1]
    finally:
        sock.close()


@pytest.mark.parametrize("transport", ["grpclib", "grpcio", "rest", "auto"])
async def test_nothing_is_sent_through_the_real_transports(transport: str, closed_port: int) -> None:
    async with Slurm(
        f"127.0.0.1:{closed_port}",
        TOKEN,
        transport=transport,
        api_version="v0.0.43",
        retry=RetryPolicy.none(),
        timeouts=Timeouts(ping=5, call=5, listing=5, submit=5),
    ) as slurm:
        await _refusals(slurm.factory, slurm)
        # The control: a good value does try the closed port, and says so.
        with pytest.raises(errors.ConnectError):
            await slurm.job("1")


# -- protobuf replies: every response type of every version -----------------------------------------


def _scalar(field: FieldDescriptor, n: int) -> Any:
    if field.type == F.TYPE_STRING:
        return f"{field.name}-{n}\u00e9"
    if field.type == F.TYPE_BOOL:
        return True
    if field.type in (F.TYPE_DOUBLE, F.TYPE_FLOAT):
        return 1.5 + n
    if field.type in (F.TYPE_INT32, F.TYPE_INT64):
        return -(n + 3) if n % 2 else n + 300
    if field.type in (F.TYPE_UINT32, F.TYPE_UINT64):
        return 2**32 - 1 - n if field.type == F.TYPE_UINT32 else 2**40 + n
    raise AssertionError(f"unexpected field type {field.type} in {field.full_name}")


def _filled(desc: Descriptor, depth: int, copies: int) -> dict[str, Any]:
    """upb keyword arguments with every field set (`copies` elements per repeated field), `depth` deep."""
    out: dict[str, Any] = {}
    for n, field in enumerate(desc.fields):
        if field.type == F.TYPE_MESSAGE:
            if depth == 0:
                continue
            value: Any = _filled(field.message_type, depth - 1, copies)
        else:
            value = _scalar(field, n)
        out[field.name] = [value] * copies if field.is_repeated else value
    return out


@functools.cache
def _sample(version: ApiVersion, rpc: Rpc, depth: int = 3, copies: int = 2) -> Any:
    """A reply of `rpc` with every field set, without errors[] (so that decode gets to the end)."""
    cls = getattr(version.upb, rpc.response)
    kwargs = _filled(cls.DESCRIPTOR, depth, copies)
    kwargs.pop("errors", None)
    return cls(**kwargs)


def _call(version: ApiVersion, rpc: Rpc) -> Call:
    request: Any = None
    if rpc.request == "JobIdReq":
        request = version.upb.JobIdReq(job_id="1")
    elif rpc.request == "DeleteJobReq":
        request = version.upb.DeleteJobReq(job_id="1")
    elif rpc.request == "JobSubmitReq":
        request = version.upb.JobSubmitReq()
    return Call(rpc, version, "defiant", request)


def _check_bytes(version: ApiVersion, rpc: Rpc, data: bytes) -> None:
    """decode() of `data` raises only S3MErrors, a ProtocolError exactly when upb cannot parse it."""
    call = _call(version, rpc)
    upb_class = getattr(version.upb, rpc.response)
    try:
        expected = upb_class.FromString(data)
    except DecodeError:
        expected = None
    for want in (FAST, getattr(version.betterproto, rpc.response)):
        try:
            result = decode(call, Reply.of(data), want)
        except errors.ProtocolError:
            assert expected is None, "upb reads these bytes; they are not a protocol error"
            continue
        except errors.S3MError:
            assert expected is not None, "bytes upb cannot read must be a ProtocolError"
            continue  # Slurm's errors[] in the reply: raised as they should be
        assert expected is not None, "bytes upb cannot read were decoded"
        if want is FAST:
            assert isinstance(result, FastReply)
            assert result.message == expected


@pytest.mark.parametrize(("version", "rpc"), CASES, ids=CASE_IDS)
@SETTINGS
@given(data=st.binary(max_size=300))
@example(data=b"\x0d\x00\x00\x00\x00")  # field 1 as a fixed32
@example(data=b"\x09" + bytes(8))  # field 1 as a fixed64
def test_random_bytes_give_protocol_errors_or_a_reply(version: ApiVersion, rpc: Rpc, data: bytes) -> None:
    _check_bytes(version, rpc, data)


@pytest.mark.parametrize(("version", "rpc"), CASES, ids=CASE_IDS)
@SETTINGS
@given(
    cut=st.integers(min_value=0),
    flips=st.lists(st.tuples(st.integers(min_value=0), st.integers(0, 255)), max_size=4),
    insert=st.tuples(st.integers(min_value=0), st.binary(max_size=8)),
)
def test_mutated_real_replies(
    version: ApiVersion, rpc: Rpc, cut: int, flips: list[tuple[int, int]], insert: tuple[int, bytes]
) -> None:
    data = bytearray(_sample(version, rpc).SerializeToString())
    assert data, "the sample reply must have content to mutate"
    if cut % 3 == 0:
        data = data[: cut % len(data)]
    for at, value in flips:
        if data:
            data[at % len(data)] = value
    at, extra = insert
    data[at % (len(data) + 1) : at % (len(data) + 1)] = extra
    _check_bytes(version, rpc, bytes(data))


@pytest.mark.parametrize(("version", "rpc"), CASES, ids=CASE_IDS)
def test_unmutated_samples_decode_to_the_same_message(version: ApiVersion, rpc: Rpc) -> None:
    # The control for the mutations: the sample itself decodes, into both runtimes, unchanged.
    sample = _sample(version, rpc)
    data = sample.SerializeToString()
    call = _call(version, rpc)
    assert decode(call, Reply.of(data), FAST).message == sample
    reply = decode(call, Reply.of(data), getattr(version.betterproto, rpc.response))
    assert bytes(reply) == data


@pytest.mark.parametrize(("version", "rpc"), CASES, ids=CASE_IDS)
@SETTINGS
@given(data=st.binary(max_size=120))
@example(data=b"\x08\x05")  # field 1 as a varint
@example(data=b"\x20\x05")  # field 4 as a varint
@example(data=b"\x0a\x02\x08\x05")  # field 1 holding a message whose field 1 is a varint
def test_a_betterproto_reply_holds_only_what_upb_read(version: ApiVersion, rpc: Rpc, data: bytes) -> None:
    # decode() checks the bytes with upb and then lets betterproto parse them; betterproto does not
    # check wire types, so a field sent with the wrong one must not reach it as a value of the wrong
    # type (an int in a string field, an int in place of a message).
    upb_class = getattr(version.upb, rpc.response)
    try:
        expected = upb_class.FromString(data)
    except DecodeError:
        return
    try:
        reply = decode(_call(version, rpc), Reply.of(data), getattr(version.betterproto, rpc.response))
    except errors.S3MError:
        return
    expected.DiscardUnknownFields()
    assert upb_class.FromString(bytes(reply)) == expected
    reply.to_dict()


def test_a_field_with_the_wrong_wire_type_is_not_handed_to_betterproto() -> None:
    # PingResp.pings (field 4, repeated ControllerPingResp) sent as a varint: upb keeps it as an
    # unknown field; the betterproto reply must not contain the number 5 as a "ping".
    call = _call(V43, BY_NAME["Ping"])
    reply = decode(call, Reply.of(b"\x20\x05"), V43.betterproto.PingResp)
    assert all(isinstance(ping, V43.betterproto.ControllerPingResp) for ping in reply.pings)
    # a ping whose hostname is 5:
    inner = decode(call, Reply.of(b"\x22\x02\x08\x05"), V43.betterproto.PingResp)
    assert all(isinstance(ping.hostname, str) for ping in inner.pings)


# -- JSON: slurmjson.normalize, the JSON replies of codec.decode, the REST decoding path --------------

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=8)
    | st.sampled_from(["1", "-1", "18446744073709551616", "NaN", "Infinity", "1e400", "\u0661"])
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=5),
    max_leaves=25,
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _paths(inner, (*prefix, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from _paths(inner, (*prefix, index))


def _replaced(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        return {**value, head: _replaced(value[head], rest, new)}
    copy = list(value)
    copy[head] = _replaced(value[head], rest, new)
    return copy


@st.composite
def mutated_json(draw: st.DrawFn, base: Any) -> Any:
    """`base` with a few values anywhere in it replaced by random JSON."""
    doc = base
    for _ in range(draw(st.integers(1, 4))):
        paths = list(_paths(doc))
        path = paths[draw(st.integers(0, len(paths) - 1))]
        doc = _replaced(doc, path, draw(json_values))
    return doc


@functools.cache
def _sample_json(version: ApiVersion, rpc: Rpc) -> Any:
    """A smaller sample as Slurm JSON (every path of it is a place to mutate)."""
    return to_json(_sample(version, rpc, depth=2, copies=1))


def _check_normalize(version: ApiVersion, rpc: Rpc, value: Any) -> None:
    cls = getattr(version.upb, rpc.response)
    for strict in (False, True):
        try:
            clean = normalize(cls.DESCRIPTOR, value, strict=strict)
        except SlurmJsonError:
            continue
        cls(**clean)  # whatever normalize accepts, upb accepts


def _check_json_reply(version: ApiVersion, rpc: Rpc, value: Any) -> None:
    if not isinstance(value, dict):
        return  # decode() reads a body that is no JSON object as a ProtocolError (tested above)
    call = _call(version, rpc)
    for want in (FAST, getattr(version.betterproto, rpc.response)):
        with contextlib.suppress(errors.S3MError):
            decode(call, Reply.of(value), want)


@pytest.mark.parametrize(("version", "rpc"), CASES, ids=CASE_IDS)
@JSON_SETTINGS
@given(data=st.data())
def test_random_json_gives_slurm_json_errors_or_a_clean_dict(
    version: ApiVersion, rpc: Rpc, data: Any
) -> None:
    value = data.draw(json_values | mutated_json(_sample_json(version, rpc)))
    _check_normalize(version, rpc, value)
    _check_json_reply(version, rpc, value)


@pytest.mark.parametrize(("version", "rpc"), CASES, ids=CASE_IDS)
def test_the_unmutated_json_sample_is_accepted(version: ApiVersion, rpc: Rpc) -> None:
    cls = getattr(version.upb, rpc.response)
    sample = _sample(version, rpc)
    assert cls(**normalize(cls.DESCRIPTOR, to_json(sample), strict=True)) == sample
    reply = decode(_call(version, rpc), Reply.of(to_json(sample)), getattr(version.betterproto, rpc.response))
    assert bytes(reply) == sample.SerializeToString()


header_text = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=30)
retry_after_values = header_text | st.sampled_from(
    ["nan", "inf", "-inf", "1e400", "-5", "Wed, 21 Oct 2015 07:28:00 GMT", "Mon, 1 Jan", "0, 0 0 0 0:0:0"]
)


@pytest.mark.parametrize(("version", "rpc"), CASES, ids=CASE_IDS)
@JSON_SETTINGS
@given(
    status=st.sampled_from([200, 200, 200, 201, 204, 302, 400, 401, 403, 404, 429, 500, 502, 503, 504]),
    data=st.data(),
    retry_after=retry_after_values,
    content_type=header_text,
)
def test_rest_decoding_raises_only_s3m_errors(
    version: ApiVersion, rpc: Rpc, status: int, data: Any, retry_after: str, content_type: str
) -> None:
    body = data.draw(
        st.binary(max_size=200)
        | json_values.map(lambda v: json.dumps(v).encode())
        | mutated_json(_sample_json(version, rpc)).map(lambda v: json.dumps(v).encode())
    )
    headers = httpx.Headers({"Retry-After": retry_after, "Content-Type": content_type})
    call = _call(version, rpc)
    got = Reply.http(status, body, retry_after=parse_retry_after(headers.get("Retry-After")))
    try:
        reply = decode(call, got, FAST)
    except errors.S3MError as exc:
        failure = exc
    else:
        failure = None
    if failure is not None:
        try:
            sent = json.loads(body)
        except ValueError:
            sent = None
        slurm_errors = isinstance(sent, dict) and isinstance(sent.get("errors"), list) and sent["errors"]
        if 200 <= status < 300 and slurm_errors:
            assert isinstance(failure, errors.ServerError | errors.JobRejected), "Slurm's errors[] in a 2xx"
        elif status < 400:
            assert isinstance(failure, errors.ProtocolError), "a 2xx/3xx body that is no JSON object"
        waited = getattr(failure, "retry_after", None)  # RateLimited's
        assert waited is None or waited >= 0
        return
    assert 200 <= status < 300
    assert isinstance(reply, FastReply)
    assert isinstance(reply.json, dict)
    assert set(reply.json) == set(json.loads(body))
    reply = reply.json
    _check_json_reply(version, rpc, reply)
