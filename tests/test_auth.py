"""Where the token comes from, how it is sent, and that it never shows: reprs, logs at DEBUG, exceptions."""

from __future__ import annotations

import copy
import logging
import os
import pickle
import traceback
from pathlib import Path
from typing import Any

import pytest
from betterproto.lib.std.google.protobuf import Empty
from grpclib.events import RecvRequest, listen
from s3m_apis_betterproto.slurm import v0043
from s3m_apis_betterproto.slurm.v0043 import JobIdReq, SlurmIndirectStub

from s3m_grpc import MockTransport, Slurm, errors
from s3m_grpc.auth import Token, read_header_file, resolve_token, secret_values
from s3m_grpc.call import Call
from s3m_grpc.factory import S3MClientFactory
from s3m_grpc.rpc import BY_NAME, RPCS, VERSIONS
from tests.conftest import GRPC_TRANSPORTS, TOKEN, RunningServer


@pytest.fixture(autouse=True)
def _no_ambient_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("S3M_TOKEN", raising=False)
    monkeypatch.delenv("S3M_TOKEN_FILE", raising=False)
    monkeypatch.delenv("S3M_EMULATOR_HOST", raising=False)
    monkeypatch.delenv("S3M_RESOURCE", raising=False)


def header_file(tmp_path: Path, text: str, mode: int = 0o600, name: str = ".env") -> Path:
    path = tmp_path / name
    path.write_text(text)
    path.chmod(mode)
    return path


def revealed(token: Token | None) -> str | None:
    return None if token is None else token.reveal()


# -- sources and precedence -------------------------------------------------------------------------


def test_resolution_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """argument > explicit token_file > S3M_TOKEN > S3M_TOKEN_FILE."""
    env_file = header_file(tmp_path, f"Authorization: {TOKEN}-envfile\n", name="env-file")
    explicit = header_file(tmp_path, f"Authorization: {TOKEN}-explicit\n", name="explicit")
    monkeypatch.setenv("S3M_TOKEN_FILE", str(env_file))
    assert revealed(resolve_token()) == f"{TOKEN}-envfile"
    monkeypatch.setenv("S3M_TOKEN", f"{TOKEN}-env")
    assert revealed(resolve_token()) == f"{TOKEN}-env"  # the variable beats the variable's file
    assert revealed(resolve_token(token_file=explicit)) == f"{TOKEN}-explicit"  # a stale S3M_TOKEN loses
    assert revealed(resolve_token("", token_file=explicit)) == f"{TOKEN}-explicit"
    assert revealed(resolve_token(TOKEN, token_file=explicit)) == TOKEN
    assert revealed(resolve_token(Token(TOKEN + "-held"))) == TOKEN + "-held"
    monkeypatch.setenv("S3M_TOKEN", "   ")  # blank counts as unset
    assert revealed(resolve_token()) == f"{TOKEN}-envfile"
    assert resolve_token(token_file=explicit).source == str(explicit)  # type: ignore[union-attr]


def test_factory_follows_the_same_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    explicit = header_file(tmp_path, f"Authorization: {TOKEN}-explicit\n")
    monkeypatch.setenv("S3M_TOKEN", f"{TOKEN}-stale")
    assert revealed(S3MClientFactory("127.0.0.1:1", token_file=explicit).token) == f"{TOKEN}-explicit"
    assert revealed(S3MClientFactory("127.0.0.1:1").token) == f"{TOKEN}-stale"
    assert revealed(S3MClientFactory("127.0.0.1:1", TOKEN, token_file=explicit).token) == TOKEN
    # OLCF's template passes "" when there is no token: the environment then applies.
    assert revealed(S3MClientFactory("127.0.0.1:1", "").token) == f"{TOKEN}-stale"


def test_no_token_anywhere() -> None:
    assert resolve_token(required=False) is None
    with pytest.raises(errors.ConfigurationError, match="S3M_TOKEN"):
        resolve_token()
    assert S3MClientFactory("127.0.0.1:1").token is None  # the status API needs none


@pytest.mark.parametrize(
    "text",
    [
        f"Authorization: {TOKEN}\n",
        f"authorization:{TOKEN}",
        f"AUTHORIZATION: {TOKEN}\r\n",
        f"# my token\nAuthorization:   {TOKEN}  \n\n",
        f"{TOKEN}\n",
        f"Content-Type: text/plain\nAuthorization: {TOKEN}\n",
    ],
)
def test_header_file_forms(tmp_path: Path, text: str) -> None:
    assert read_header_file(header_file(tmp_path, text)).reveal() == TOKEN


@pytest.mark.parametrize(
    "text",
    [
        "",
        "# only a comment\n",
        "Content-Type: text/plain\n",
        "Authorization:\n",
        "two words\nmore words\n",
        "Authorization: a\u00a0b\n",
    ],
)
def test_bad_header_files(tmp_path: Path, text: str) -> None:
    with pytest.raises(errors.ConfigurationError) as caught:
        read_header_file(header_file(tmp_path, text))
    assert "a\u00a0b" not in str(caught.value)


def test_missing_or_binary_header_file(tmp_path: Path) -> None:
    with pytest.raises(errors.ConfigurationError, match="cannot read"):
        read_header_file(tmp_path / "absent")
    binary = tmp_path / "binary"
    binary.write_bytes(b"Authorization: \xff\xfe\n")
    binary.chmod(0o600)
    with pytest.raises(errors.ConfigurationError, match="UTF-8"):
        read_header_file(binary)


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660])
def test_group_or_other_readable_header_file_warns(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, mode: int
) -> None:
    with caplog.at_level(logging.WARNING, logger="s3m_grpc"):
        token = read_header_file(header_file(tmp_path, f"Authorization: {TOKEN}\n", mode=mode))
    assert token.reveal() == TOKEN  # a warning, not a refusal
    assert "chmod 600" in caplog.text
    assert TOKEN not in caplog.text


@pytest.mark.parametrize("mode", [0o600, 0o400])
def test_private_header_file_is_quiet(tmp_path: Path, caplog: pytest.LogCaptureFixture, mode: int) -> None:
    with caplog.at_level(logging.WARNING, logger="s3m_grpc"):
        read_header_file(header_file(tmp_path, f"Authorization: {TOKEN}\n", mode=mode))
    assert caplog.text == ""


# -- the Token holder -------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", [f"{TOKEN}\nX-Injected: 1", f"{TOKEN} {TOKEN}", "tok\x00en", "tök", "", "  "])
def test_tokens_that_cannot_be_a_header_value(bad: str) -> None:
    with pytest.raises(errors.ConfigurationError) as caught:
        Token(bad)
    assert TOKEN not in str(caught.value)


def test_token_holder_never_shows_the_secret() -> None:
    token = Token(TOKEN, source="S3M_TOKEN")
    for text in (repr(token), str(token), f"{token}", f"{token!r}", repr([token]), repr({"t": token})):
        assert TOKEN not in text
    assert "S3M_TOKEN" in repr(token)  # where it came from is shown
    with pytest.raises(TypeError):
        pickle.dumps(token)
    with pytest.raises(TypeError):
        copy.deepcopy(token)
    assert token == Token(TOKEN)
    assert token != Token(TOKEN + "x")
    assert token.reveal() == TOKEN
    assert Token(f"  {TOKEN}\n").reveal() == TOKEN  # surrounding whitespace is a paste accident


def test_a_call_never_shows_the_token_nor_holds_it_where_it_fails() -> None:
    api = VERSIONS["v0.0.43"]
    call = Call(BY_NAME["GetJob"], api, "defiant", JobIdReq(job_id="7"), token=Token(TOKEN))
    assert call.authorization == TOKEN  # what the transports send
    assert TOKEN not in repr(call)
    with pytest.raises(TypeError):
        pickle.dumps(call)
    # A request that cannot be encoded fails before the token is revealed: no frame of the
    # traceback (which debuggers, pytest -l and error trackers show) holds it.
    bad = v0043.JobSubmitReq(job=v0043.JobSubmitReqJobDescription(tasks="four"))  # type: ignore[arg-type]
    with pytest.raises(errors.ConfigurationError) as caught:
        Call(BY_NAME["PostJobSubmit"], api, "defiant", bad, token=Token(TOKEN))
    shown = "".join(traceback.TracebackException.from_exception(caught.value, capture_locals=True).format())
    assert "cannot be encoded" in shown
    assert TOKEN not in shown


def test_secret_values(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert secret_values() == set()
    monkeypatch.setenv("S3M_TOKEN", f" {TOKEN}-env ")
    assert secret_values() == {f"{TOKEN}-env"}
    monkeypatch.setenv("S3M_TOKEN_FILE", str(header_file(tmp_path, f"Authorization: {TOKEN}-file\n")))
    assert secret_values() == {f"{TOKEN}-env", f"{TOKEN}-file"}
    monkeypatch.setenv("S3M_TOKEN_FILE", str(tmp_path / "absent"))  # fails where it is used instead
    assert secret_values() == {f"{TOKEN}-env"}


def test_token_file_env_var_documented_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = header_file(tmp_path, f"Authorization: {TOKEN}\n")
    monkeypatch.setenv("S3M_TOKEN_FILE", str(path))
    factory = S3MClientFactory("127.0.0.1:1")
    assert factory.token is not None
    assert factory.token.source == str(path)
    assert TOKEN not in repr(factory)
    assert "token=<set>" in repr(factory)
    assert os.environ.get("S3M_TOKEN") is None


# -- how the token is sent --------------------------------------------------------------------------


def _empty_reply(call: Call) -> dict[str, Any]:
    return {}


def _requests(module: Any) -> dict[str, Any]:
    return {
        "get_job": module.JobIdReq(job_id="5"),
        "delete_job": module.DeleteJobReq(job_id="5"),
        "post_job_submit": module.JobSubmitReq(job=module.JobSubmitReqJobDescription(script="#!/bin/sh\n")),
    }


async def test_factory_sends_the_raw_token_and_resource_on_every_call() -> None:
    mock = MockTransport(_empty_reply)
    async with S3MClientFactory("s3m.example.org", TOKEN, {"x-project": "stf040"}, transport=mock) as factory:
        stub = factory.create_client(SlurmIndirectStub)
        requests = _requests(v0043)
        for rpc in RPCS:
            await getattr(stub, rpc.method)(requests.get(rpc.method, Empty()))
        odo = factory.create_client(SlurmIndirectStub, resource="odo")
        await odo.ping(Empty(), metadata={"x-trace": "t1"})
        await stub.ping(Empty(), metadata={"olcf-resource": "wombat"})
    calls = [call for call, _ in mock.calls]
    assert [c.rpc.name for c in calls] == [rpc.name for rpc in RPCS] + ["Ping", "Ping"]
    for call in calls[: len(RPCS)]:
        assert list(call.grpc_metadata) == [
            ("authorization", TOKEN),  # raw: no "Bearer" prefix
            ("olcf-resource", "defiant"),
            ("x-project", "stf040"),
        ], call
    assert list(calls[-2].grpc_metadata) == [
        ("authorization", TOKEN),
        ("olcf-resource", "odo"),
        ("x-project", "stf040"),
        ("x-trace", "t1"),
    ]
    assert list(calls[-1].grpc_metadata[:2]) == [("authorization", TOKEN), ("olcf-resource", "wombat")]
    for call in calls:
        assert TOKEN not in repr(call)
        assert all(key != "authorization" for key, _ in call.metadata)  # the token is not caller data


async def test_the_high_level_client_sends_the_token_too() -> None:
    mock = MockTransport(lambda call: {"pings": [{"hostname": "c1", "pinged": "UP"}]})
    async with Slurm("s3m.example.org", TOKEN, resource="odo", transport=mock) as slurm:
        await slurm.ping()
    [(call, _)] = mock.calls
    assert list(call.grpc_metadata[:2]) == [("authorization", TOKEN), ("olcf-resource", "odo")]
    assert call.version.name == "v0.0.44"


async def test_without_a_token_no_authorization_is_sent() -> None:
    mock = MockTransport(_empty_reply)
    async with S3MClientFactory("s3m.example.org", transport=mock) as factory:
        await factory.create_client(SlurmIndirectStub).ping(Empty())
    assert list(mock.calls[0][0].grpc_metadata) == [("olcf-resource", "defiant")]


async def test_caller_metadata_cannot_replace_the_token() -> None:
    mock = MockTransport(_empty_reply)
    async with S3MClientFactory("s3m.example.org", TOKEN, transport=mock) as factory:
        stub = factory.create_client(SlurmIndirectStub)
        for key in ("authorization", "Authorization"):
            with pytest.raises(errors.ConfigurationError) as caught:
                await stub.ping(Empty(), metadata={key: "other-token"})
            assert "other-token" not in str(caught.value)
            assert TOKEN not in str(caught.value)
        await stub.ping(Empty(), metadata={"authorization": TOKEN})  # the same token: harmless
    assert len(mock.calls) == 1
    with pytest.raises(errors.ConfigurationError, match="two different tokens"):
        S3MClientFactory("s3m.example.org", TOKEN, {"authorization": "other"}, transport=mock)
    # OLCF's template may put the token in additional_metadata only.
    assert revealed(S3MClientFactory("s3m.example.org", None, {"authorization": TOKEN}).token) == TOKEN


@pytest.mark.parametrize("transport", GRPC_TRANSPORTS)
async def test_on_the_wire_the_token_is_raw_in_authorization(server: RunningServer, transport: str) -> None:
    seen: list[tuple[str, dict[str, Any]]] = []

    async def record(event: RecvRequest) -> None:
        seen.append((event.method_name, dict(event.metadata)))

    listen(server.grpc_server, RecvRequest, record)
    async with S3MClientFactory(server.grpc_target, TOKEN, transport=transport) as factory:
        stub = factory.create_client(SlurmIndirectStub)
        await stub.ping(Empty())
        await stub.get_jobs(Empty())
        await factory.create_client(SlurmIndirectStub, resource="odo").get_partitions(Empty())
        with pytest.raises(errors.NotFound):
            await stub.get_job(JobIdReq(job_id="424242"))
    assert [name for name, _ in seen] == [
        "/olcf.s3m.slurm.v0043.SlurmIndirect/Ping",
        "/olcf.s3m.slurm.v0043.SlurmIndirect/GetJobs",
        "/olcf.s3m.slurm.v0043.SlurmIndirect/GetPartitions",
        "/olcf.s3m.slurm.v0043.SlurmIndirect/GetJob",
    ]
    for _, metadata in seen:
        assert metadata["authorization"] == TOKEN
    assert [m["olcf-resource"] for _, m in seen] == ["defiant", "defiant", "odo", "defiant"]


# -- it never shows ---------------------------------------------------------------------------------


@pytest.mark.parametrize("transport", GRPC_TRANSPORTS)
async def test_token_never_appears_in_logs_reprs_or_errors(
    server: RunningServer, transport: str, caplog: pytest.LogCaptureFixture
) -> None:
    """A workload at DEBUG on every logger (ours, grpclib, hpack, h2, grpcio), failures included."""
    seen: list[str] = []
    with caplog.at_level(logging.DEBUG):
        async with S3MClientFactory(server.grpc_target, TOKEN, transport=transport) as factory:
            seen.append(repr(factory))
            client = factory.create_client(SlurmIndirectStub)
            seen.append(repr(client))
            await client.ping(Empty())
            await client.get_jobs(Empty())
            server.faults.add("GetNodes:status:code=14")
            for call in (
                client.get_job(JobIdReq(job_id="424242")),
                client.get_nodes(Empty()),
                client.get_diag(Empty(), timeout=0.000001),
            ):
                try:
                    await call
                except errors.S3MError as exc:
                    seen += [str(exc), repr(exc), repr(exc.errors), str(exc.__cause__)]
        async with S3MClientFactory(server.grpc_target, TOKEN + "x", transport=transport) as wrong:
            with pytest.raises(errors.Unauthenticated) as caught:
                await wrong.create_client(SlurmIndirectStub).ping(Empty())
            seen += [str(caught.value), repr(caught.value)]
    assert len(caplog.records) > 10  # DEBUG really was on, for our loggers and the libraries'
    assert any(r.name.startswith("hpack") for r in caplog.records) or transport == "grpcio"
    assert TOKEN not in caplog.text
    for text in seen:
        assert TOKEN not in text


def test_hpack_redaction_cannot_break_formatting() -> None:
    from s3m_grpc.redact import REDACTED, RedactHeaderValues

    record = logging.LogRecord(
        "hpack.hpack",
        logging.DEBUG,
        __file__,
        1,
        "Adding %s=%s, size %d, 100%% %(x)r",
        (b"authorization", TOKEN.encode(), 7),
        None,
    )
    assert RedactHeaderValues().filter(record)
    text = record.getMessage()
    assert TOKEN not in text
    assert text.count(REDACTED) == 4
    assert "100%" in text
