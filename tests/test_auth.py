"""Where the token comes from, and that it never shows: reprs, logs at DEBUG, exceptions."""

from __future__ import annotations

import logging
import os
import pickle
from pathlib import Path

import pytest
from s3m_apis_betterproto.google.protobuf import Empty
from s3m_apis_betterproto.slurm.v0043 import JobIdReq, SlurmIndirectStub

from s3m_grpc import errors
from s3m_grpc.auth import Token, read_header_file, resolve_token
from s3m_grpc.factory import S3MClientFactory
from tests.conftest import GRPC_TRANSPORTS, TOKEN, RunningServer


@pytest.fixture(autouse=True)
def _no_ambient_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("S3M_TOKEN", raising=False)
    monkeypatch.delenv("S3M_TOKEN_FILE", raising=False)


def header_file(tmp_path: Path, text: str, mode: int = 0o600) -> Path:
    path = tmp_path / ".env"
    path.write_text(text)
    path.chmod(mode)
    return path


def test_resolution_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = header_file(tmp_path, f"Authorization: {TOKEN}-file\n")
    monkeypatch.setenv("S3M_TOKEN_FILE", str(path))
    assert resolve_token().reveal() == f"{TOKEN}-file"  # type: ignore[union-attr]
    monkeypatch.setenv("S3M_TOKEN", f"{TOKEN}-env")
    assert resolve_token().reveal() == f"{TOKEN}-env"  # type: ignore[union-attr]
    assert resolve_token(TOKEN).reveal() == TOKEN  # type: ignore[union-attr]
    assert resolve_token("", token_file=path).reveal() == f"{TOKEN}-env"  # type: ignore[union-attr]


def test_no_token_anywhere() -> None:
    assert resolve_token(required=False) is None
    with pytest.raises(errors.ConfigurationError, match="S3M_TOKEN"):
        resolve_token()


@pytest.mark.parametrize(
    "text",
    [
        f"Authorization: {TOKEN}\n",
        f"authorization:{TOKEN}",
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


def test_missing_header_file(tmp_path: Path) -> None:
    with pytest.raises(errors.ConfigurationError, match="cannot read"):
        read_header_file(tmp_path / "absent")


def test_world_readable_header_file_warns(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="s3m_grpc"):
        read_header_file(header_file(tmp_path, f"Authorization: {TOKEN}\n", mode=0o644))
    assert "chmod 600" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="s3m_grpc"):
        read_header_file(header_file(tmp_path, f"Authorization: {TOKEN}\n", mode=0o600))
    assert caplog.text == ""


@pytest.mark.parametrize("bad", [f"{TOKEN}\nX-Injected: 1", f"{TOKEN} {TOKEN}", "tok\x00en", "tök"])
def test_tokens_that_cannot_be_a_header_value(bad: str) -> None:
    with pytest.raises(errors.ConfigurationError) as caught:
        Token(bad)
    assert TOKEN not in str(caught.value)


def test_token_holder_never_shows_the_secret() -> None:
    token = Token(TOKEN, source="S3M_TOKEN")
    for text in (repr(token), str(token), f"{token}", f"{token!r}", repr([token]), repr({"t": token})):
        assert TOKEN not in text
    with pytest.raises(TypeError):
        pickle.dumps(token)
    assert token == Token(TOKEN)
    assert token.reveal() == TOKEN


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


def test_token_file_env_var_documented_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = header_file(tmp_path, f"Authorization: {TOKEN}\n")
    monkeypatch.setenv("S3M_TOKEN_FILE", str(path))
    factory = S3MClientFactory("127.0.0.1:1")
    assert factory._token is not None
    assert factory._token.source == str(path)
    assert TOKEN not in repr(factory)
    assert "token=<set>" in repr(factory)
    assert os.environ.get("S3M_TOKEN") is None


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
