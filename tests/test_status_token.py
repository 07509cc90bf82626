"""S3M's Status and TokenControl APIs: the docs' examples as written, the CLI, and the checks a
submission makes first (a read-only token refused before anything is sent, a downtime warned of).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from google.protobuf import json_format

from s3m_grpc import JobSpec, Slurm, errors
from s3m_grpc.emulator import Emulator
from s3m_grpc.emulator.facility import Downtime, when
from s3m_grpc.rpc import STATUS, TOKEN_CONTROL
from tests.conftest import DOCS, TOKEN
from tests.test_documented_examples import TEMPLATE_URL, python_blocks, run_block
from tests.test_olcf_examples import json_blocks

READONLY = "s3m-test-readonly-Hq3v8Lw2"
SECOND = "s3m-test-second-Zt6y1Rk4"
TRANSPORTS = ("grpclib", "grpcio", "rest")
DOWN = "defiant,now,+3h,Compute system hardware maintenance"
LATER = "odo,+6h,+30h,OS upgrade"


@pytest.fixture
async def emulator(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Emulator]:
    async with Emulator(
        tokens=[TOKEN, SECOND],
        readonly_tokens=[READONLY],
        downtimes=[DOWN, LATER],
        token_expires=when("+3d"),
        work_dir=tmp_path,
        time_scale=0.01,
    ) as emu:
        for key, value in emu.env().items():
            monkeypatch.setenv(key, value)
        yield emu


# -- the docs' Python examples, as written ----------------------------------------------------------


def test_the_docs_have_the_examples() -> None:
    status = python_blocks(DOCS / "status.rst", version=None)
    tokens = python_blocks(DOCS / "tokens.rst", version=None)
    assert [b.count("await client.") for b in status] == [1, 1, 1, 1]
    assert ["revoke_auth_token" in b for b in tokens] == [True, False]


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_status_and_token_examples_run_as_written(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch, transport: str
) -> None:
    from s3m_apis_betterproto.clientfactory import S3MClientFactory

    monkeypatch.setenv("S3M_TRANSPORT", transport)
    namespace: dict[str, Any] = {}
    # overview.rst's "Available Client Stubs"
    exec("from s3m_apis_betterproto.status.v1alpha import StatusStub", namespace)  # noqa: S102
    exec("from s3m_apis_betterproto.tms.v1 import TokenControlStub", namespace)  # noqa: S102
    # overview.rst: "Status doesn't require a token, so you can leave the second arg blank"
    async with S3MClientFactory(TEMPLATE_URL, "") as factory:
        namespace["factory"] = factory
        for block in python_blocks(DOCS / "status.rst", version=None):
            await run_block(block, namespace)
            if "list_downtimes_current" in block:  # both listings are named `downtimes` on the page
                namespace["current"] = namespace["downtimes"]
    names = [r.name for r in namespace["resources"].resources]
    assert names == ["defiant", "odo", "wombat", "quokka"]
    assert [r.status.name for r in namespace["resources"].resources][:2] == ["UNAVAILABLE", "OPERATIONAL"]
    assert namespace["resource"].name == "defiant"
    (current,) = namespace["current"].downtimes
    (upcoming,) = namespace["downtimes"].downtimes
    assert (upcoming.resource_name, upcoming.description) == ("odo", "OS upgrade")
    assert (current.resource_name, current.description) == ("defiant", "Compute system hardware maintenance")

    tokens = python_blocks(DOCS / "tokens.rst", version=None)
    revoke, introspect = tokens
    async with S3MClientFactory(TEMPLATE_URL, TOKEN) as factory:
        namespace["factory"] = factory
        await run_block(introspect, namespace)
    info = namespace["info"].token
    assert (info.username, info.project, info.permissions) == ("emu001_auser", "EMU001", ["compute-ace"])
    assert abs((info.planned_expiration - when("+3d")).total_seconds()) < 120
    async with S3MClientFactory(TEMPLATE_URL, SECOND) as factory:  # revoking is for good: another token
        namespace["factory"] = factory
        await run_block(revoke, namespace)
        with pytest.raises(errors.Unauthenticated):
            await run_block(introspect, namespace)
    async with Slurm(TEMPLATE_URL, TOKEN, transport=transport) as slurm:
        assert (await slurm.token_info()).project == "EMU001"  # the other token is untouched


# -- the REST API's JSON is the docs' JSON ----------------------------------------------------------


def test_the_docs_response_examples_are_our_messages() -> None:
    """Every **Response:** body on the two pages parses strictly (no unknown key) as its message."""
    pages = {
        "status.rst": ["Resources", "Resource", "Downtimes", "Downtimes"],
        "tokens.rst": ["IntrospectAuthTokenResponse"],
    }
    for page, messages in pages.items():
        blocks = [b for b in json_blocks((DOCS / page).read_text(encoding="utf-8")) if b.response]
        assert len(blocks) == len(messages), page
        for block, name in zip(blocks, messages, strict=True):
            api = STATUS if page == "status.rst" else TOKEN_CONTROL
            body = block.data
            if name == "IntrospectAuthTokenResponse":
                assert body["token"].pop("delayDate") == ""  # the docs' "no date"; the client reads it so
            json_format.ParseDict(body, getattr(api.upb, name)())  # strict: raises on an unknown key


async def test_the_rest_answers_use_the_docs_keys(emulator: Emulator) -> None:
    async with httpx.AsyncClient(base_url=emulator.rest_url) as http:
        status = (await http.get("/olcf/v1alpha/status")).json()
        defiant = (await http.get("/olcf/v1alpha/status/defiant")).json()
        current = (await http.get("/olcf/v1alpha/status/downtimes")).json()
        upcoming = (await http.get("/olcf/v1alpha/status/downtimes/upcoming")).json()
        missing = await http.get("/olcf/v1alpha/status/nowhere")
        token = (await http.get("/olcf/v1/token/ctls/introspect", headers={"Authorization": TOKEN})).json()
        no_token = await http.get("/olcf/v1/token/ctls/introspect")
    assert status["resources"][0] == defiant | {"retrievedAt": status["resources"][0]["retrievedAt"]}
    assert {"name", "systemType", "securityEnclave", "status", "downtimeScheduleAvailable"} <= set(defiant)
    assert defiant["status"] == "UNAVAILABLE"
    assert current["downtimes"][0]["resourceName"] == "defiant"
    assert current["downtimes"][0]["attributes"] == {"scheduled": True, "reboot": False}
    assert [d["description"] for d in upcoming["downtimes"]] == ["OS upgrade"]
    assert missing.status_code == 404
    assert missing.json()["code"] == 5  # grpc-gateway's error body: NOT_FOUND
    assert token["token"]["project"] == "EMU001"
    assert token["token"]["plannedExpiration"].endswith("Z")
    assert "grpcPermissions" not in token["token"] or token["token"]["grpcPermissions"] == []
    assert no_token.status_code == 401


# -- the high level: status(), token_info(), and the checks before a submission ---------------------


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_a_read_only_tokens_submit_fails_before_anything_is_sent(
    emulator: Emulator, transport: str
) -> None:
    scheduler = emulator.scheduler()
    before = dict(scheduler.counters)
    async with Slurm(
        emulator.grpc_target, READONLY, transport=transport, rest_url=emulator.rest_url
    ) as slurm:
        info = await slurm.token_info()
        assert info.permissions == ("compute-ace-readonly",)
        assert not info.may_call("/olcf.s3m.slurm.v0043.SlurmIndirect/PostJobSubmit")
        assert info.may_call("/olcf.s3m.slurm.v0043.SlurmIndirect/GetJobs")
        with pytest.raises(errors.PermissionDenied, match="needs the compute-ace permission"):
            await slurm.submit(
                JobSpec(script="#!/bin/bash\ntrue\n", working_directory=str(emulator.work_dir))
            )
        assert await slurm.jobs() is not None  # reading works
    after = scheduler.counters
    assert after["jobs_submitted"] == before["jobs_submitted"]
    # Not even refused by the gateway: the submission never reached it.
    assert after.get("REQUEST_SUBMIT_BATCH_JOB", 0) == before.get("REQUEST_SUBMIT_BATCH_JOB", 0)


async def test_status_report_and_downtime_warning(emulator: Emulator) -> None:
    async with Slurm(emulator.grpc_target, TOKEN, resource="defiant") as slurm:
        report = await slurm.status()
        assert [(d.resource, d.description) for d in report.current] == [
            ("defiant", "Compute system hardware maintenance")
        ]
        assert [d.resource for d in report.upcoming] == ["odo"]
        assert (await slurm.status("odo")).resources[0].upcoming[0].description == "OS upgrade"
        with pytest.raises(errors.NotFound, match="no resource 'nowhere'"):
            await slurm.status("nowhere")
        spec = JobSpec(script="#!/bin/bash\ntrue\n", working_directory=str(emulator.work_dir), time_limit=5)
        with pytest.warns(errors.DowntimeWarning, match="defiant is in a downtime"):
            job = await slurm.submit(spec)
        assert job.job_id > 0  # warned, still submitted: the job waits, as Slurm would have it
    async with Slurm(emulator.grpc_target, TOKEN, resource="odo") as slurm:
        # odo's downtime starts in six hours: a 12-hour time limit runs into it, a 5-minute one does not.
        long = JobSpec(script="#!/bin/bash\ntrue\n", working_directory=str(emulator.work_dir), time_limit=720)
        with pytest.warns(errors.DowntimeWarning, match="odo has a downtime within the job's time limit"):
            await slurm.submit(long)
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("error", errors.DowntimeWarning)
            await slurm.submit(
                JobSpec(script="#!/bin/bash\ntrue\n", working_directory=str(emulator.work_dir))
            )


def test_downtimes_are_checked_when_configured(tmp_path: Path) -> None:
    with pytest.raises(errors.ConfigurationError, match="RESOURCE,START,END"):
        Downtime.parse("defiant")
    with pytest.raises(errors.ConfigurationError, match="end must come after its start"):
        Downtime.parse("defiant,+2h,+1h")
    with pytest.raises(errors.ConfigurationError, match="invalid time 'tomorrow'"):
        Downtime.parse("defiant,tomorrow,+1d")
    with pytest.raises(errors.ConfigurationError, match="unknown resource frontier"):
        Emulator(downtimes=["frontier,now,+1h"], work_dir=tmp_path)
    config = tmp_path / "emu.toml"
    config.write_text(
        '[[downtimes]]\nresource = "wombat"\nstart = 2030-01-01T08:00:00Z\nend = "2030-01-01T12:00:00Z"\n'
        'description = "cooling"\nreboot = true\n'
    )
    (down,) = Emulator(config=config, work_dir=tmp_path).facility.downtimes
    assert (down.resource, down.description, down.reboot, down.start.hour, down.end.hour) == (
        "wombat",
        "cooling",
        True,
        8,
        12,
    )


# -- the command line ---------------------------------------------------------------------------------


@pytest.fixture
def cli_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    with Emulator(
        tokens=[TOKEN],
        readonly_tokens=[READONLY],
        downtimes=[DOWN],
        token_expires=when("+3d"),
        work_dir=tmp_path,
    ).running() as emu:
        base = {k: v for k, v in os.environ.items() if not k.startswith("S3M_")}
        yield {**base, **emu.env(), "COLUMNS": "150"}


def s3m(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "s3m_grpc.cli", *args], env=env, capture_output=True, text=True, timeout=120
    )


def test_s3m_status_shows_the_downtime_without_a_token(cli_env: dict[str, str]) -> None:
    done = s3m(cli_env, "status")  # no S3M_TOKEN at all: the Status API is open
    assert done.returncode == 0, done.stderr
    assert "Compute system hardware maintenance" in done.stdout
    assert "defiant  UNAVAILABLE" in done.stdout
    as_json = json.loads(s3m(cli_env, "status", "defiant", "--json").stdout)
    assert as_json["current_downtimes"][0]["description"] == "Compute system hardware maintenance"
    assert [r["name"] for r in as_json["resources"]] == ["defiant"]
    assert s3m(cli_env, "status", "nowhere").returncode == 3


@pytest.mark.parametrize("token", [TOKEN, READONLY])
def test_s3m_token_shows_scopes_and_expiry_and_never_the_token(
    cli_env: dict[str, str], tmp_path: Path, token: str
) -> None:
    header = tmp_path / ".env"
    header.write_text(f"Authorization: {token}\n")
    header.chmod(0o600)
    env = {**cli_env, "S3M_TOKEN_FILE": str(header)}
    done = s3m(env, "token")
    assert done.returncode == 0, done.stderr
    scope = "compute-ace" if token == TOKEN else "compute-ace-readonly"
    assert f"permissions: {scope}\n" in done.stdout
    assert "expires:" in done.stdout
    assert "(in 3.0 days)" in done.stdout
    assert "expires in 3.0 days: make a new one" in done.stderr  # close to expiry: a warning
    assert ("SlurmIndirect/PostJobSubmit" in done.stdout) is (token == TOKEN)
    as_json = s3m(env, "token", "--json").stdout
    assert json.loads(as_json)["permissions"] == [scope]
    for output in (done.stdout, done.stderr, as_json):
        assert token not in output
    if token == READONLY:
        refused = s3m(env, "submit", "--wrap", "true")
        assert refused.returncode == 3
        assert "PermissionDenied" in refused.stderr
        assert "needs the compute-ace permission" in refused.stderr


def test_s3m_submit_warns_of_the_downtime(cli_env: dict[str, str], tmp_path: Path) -> None:
    header = tmp_path / ".env"
    header.write_text(f"Authorization: {TOKEN}\n")
    header.chmod(0o600)
    done = s3m({**cli_env, "S3M_TOKEN_FILE": str(header)}, "submit", "--wrap", "true", "-D", str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert "Submitted batch job" in done.stdout
    assert "s3m: warning: defiant is in a downtime (Compute system hardware maintenance" in done.stderr


def test_the_token_never_goes_to_the_open_status_api() -> None:
    """Status needs no token and S3M routes it by no resource: neither goes with its calls."""
    from s3m_grpc.factory import S3MClientFactory
    from s3m_grpc.transports.rest_transport import RestTransport

    factory = S3MClientFactory("127.0.0.1:1", TOKEN, transport="rest", rest_url="http://127.0.0.1:2")
    rest = factory._transport_for_call()  # opens nothing until a call
    assert isinstance(rest, RestTransport)
    request = STATUS.upb.GetResourceRequest(resource_name="odo")
    status = factory.make_call(STATUS.rpc("GetResource"), STATUS, request)
    assert list(status.grpc_metadata) == []
    assert rest.headers_for(status) == {}
    assert rest.url_for(status) == ("http://127.0.0.1:2/olcf/v1alpha/status/odo", {})
    introspect = factory.make_call(
        TOKEN_CONTROL.rpc("IntrospectAuthToken"),
        TOKEN_CONTROL,
        TOKEN_CONTROL.upb.IntrospectAuthTokenRequest(grpc_permissions=True),
    )
    assert list(introspect.grpc_metadata) == [("authorization", TOKEN)]  # TokenControl needs it; no resource
    assert rest.headers_for(introspect) == {"Authorization": TOKEN}
    assert rest.url_for(introspect) == (
        "http://127.0.0.1:2/olcf/v1/token/ctls/introspect",
        {"grpc_permissions": "true"},
    )
    with pytest.raises(errors.ConfigurationError, match="invalid resource_name"):
        factory.make_call(
            STATUS.rpc("GetResource"), STATUS, STATUS.upb.GetResourceRequest(resource_name="../x")
        )


def test_sync_slurm_warns_at_the_callers_line_and_revokes(tmp_path: Path) -> None:
    from s3m_grpc import SyncSlurm

    with Emulator(tokens=[TOKEN, SECOND], downtimes=[DOWN], work_dir=tmp_path).running() as emu:
        with SyncSlurm(emu.grpc_target, SECOND) as slurm:
            with pytest.warns(errors.DowntimeWarning, match="defiant is in a downtime") as caught:
                slurm.submit(JobSpec(script="#!/bin/bash\ntrue\n", working_directory=str(tmp_path)))
            assert caught[0].filename == __file__
            slurm.revoke_token()
            with pytest.raises(errors.Unauthenticated):
                slurm.token_info()
        with SyncSlurm(emu.grpc_target, TOKEN) as slurm:
            assert slurm.token_info().permissions == ("compute-ace",)

        # The in-process transport answers both services too, as the wire would.
        async def in_process() -> tuple[str, str]:
            async with Slurm(transport=emu.transport(), token=TOKEN) as slurm:
                return (await slurm.status()).resources[0].status, (await slurm.token_info()).project

        import asyncio

        assert asyncio.run(in_process()) == ("UNAVAILABLE", "EMU001")


def test_s3m_token_revoke_needs_a_confirmation(cli_env: dict[str, str], tmp_path: Path) -> None:
    header = tmp_path / ".env"
    header.write_text(f"Authorization: {READONLY}\n")
    header.chmod(0o600)
    env = {**cli_env, "S3M_TOKEN_FILE": str(header)}
    refused = s3m(env, "token", "--revoke")  # stdin is no terminal: no one to ask
    assert refused.returncode == 2
    assert "--yes" in refused.stderr
    assert s3m(env, "token").returncode == 0
    done = s3m(env, "token", "--revoke", "--yes")
    assert done.returncode == 0, done.stderr
    assert "revoked" in done.stdout
    assert s3m(env, "token").returncode == 3  # refused from now on
