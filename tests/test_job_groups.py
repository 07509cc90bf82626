"""Job arrays and dependencies run by the client, against the emulator: throttled, ordered, exactly once."""

from __future__ import annotations

import asyncio
import itertools
import os
import sqlite3
import stat
import subprocess
import sys
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from s3m_grpc import JobSpec, Slurm
from s3m_grpc.driver import driver_of
from s3m_grpc.emulator import Emulator
from s3m_grpc.errors import ConfigurationError
from s3m_grpc.job import Backoff
from s3m_grpc.submission import Finder, keys_in
from tests.conftest import ROOT, TOKEN, until

ACTIVE = ("PENDING", "RUNNING", "CONFIGURING", "COMPLETING", "SUSPENDED")
FAST = Backoff(initial=0.02, factor=1.5, maximum=0.1)


@pytest.fixture
def emulator(server: Emulator) -> Emulator:
    return server  # conftest's: a fast clock, finished jobs kept (the tests count them)


@pytest.fixture
async def slurm(emulator: Emulator) -> AsyncIterator[Slurm]:
    async with Slurm(emulator.grpc_target, TOKEN) as client:
        driver_of(client).backoff = FAST
        yield client


def env_of(job: object) -> dict[str, str]:
    return dict(e.split("=", 1) for e in job.desc.get("environment") or [])  # type: ignore[attr-defined]


def script(tmp_path: Path, body: str, **fields: object) -> JobSpec:
    return JobSpec(script=f"#!/bin/sh\n{body}\n", working_directory=str(tmp_path), **fields)  # type: ignore[arg-type]


async def test_an_array_with_a_limit_never_has_more_queued_than_the_limit(
    emulator: Emulator, slurm: Slurm, tmp_path: Path
) -> None:
    spec = script(
        tmp_path,
        'echo "$SLURM_ARRAY_JOB_ID $SLURM_ARRAY_TASK_ID $SLURM_ARRAY_TASK_COUNT $SLURM_ARRAY_TASK_MIN '
        '$SLURM_ARRAY_TASK_MAX $SLURM_ARRAY_TASK_STEP"',
        array="0-99%10",
        standard_output="out-%A_%a.txt",
    )
    group = slurm.group(state_dir=tmp_path / "state")
    group.add(spec, label="sweep")
    most = 0

    async def sample() -> None:  # on the gateway's side: what the scheduler holds, queued or running
        nonlocal most
        while True:
            most = max(most, sum(j.state in ACTIVE for j in emulator.scheduler().visible_jobs()))
            await asyncio.sleep(0.002)

    sampler = asyncio.create_task(sample())
    summary = await group.wait(timeout=100)
    sampler.cancel()
    jobs = emulator.scheduler().visible_jobs()
    assert summary.counts == {"COMPLETED": 100}
    assert summary.ok
    assert len(jobs) == 100
    assert all(j.state == "COMPLETED" for j in jobs)
    assert 2 <= most <= 10  # throttled, and really concurrent
    first = min(j.job_id for j in jobs)
    assert Counter(env_of(j)["SLURM_ARRAY_TASK_ID"] for j in jobs) == Counter(str(i) for i in range(100))
    for index in (0, 1, 57, 99):
        text = (tmp_path / f"out-{first}_{index}.txt").read_text().split()
        assert text == [str(first), str(index), "100", "0", "99", "1"]  # the first element's too


async def test_an_afterok_chain_runs_in_order_and_a_failure_ends_the_rest(
    emulator: Emulator, slurm: Slurm, tmp_path: Path
) -> None:
    group = slurm.group(state_dir=tmp_path / "state")
    a = group.add(script(tmp_path, "true", name="a"), label="a")
    b = group.add(script(tmp_path, "true", name="b", dependency=f"afterok:{a}"), label="b")
    group.add(script(tmp_path, "true", name="c", dependency=f"afterok:{b}"), label="c")
    summary = await group.wait(timeout=60)
    assert summary.counts == {"COMPLETED": 3}
    jobs = {j.name: j for j in emulator.scheduler().visible_jobs()}
    assert jobs["a"].end_time <= jobs["b"].submit_time
    assert jobs["b"].end_time <= jobs["c"].submit_time

    broken = slurm.group(state_dir=tmp_path / "state")
    a = broken.add(script(tmp_path, "true", name="a2"), label="a")
    b = broken.add(script(tmp_path, "exit 3", name="b2", dependency=f"afterok:{a}"), label="b")
    broken.add(script(tmp_path, "true", name="c2", dependency=f"afterok:{b}"), label="c")
    broken.add(script(tmp_path, "true", name="d2", dependency=f"afternotok:{b}"), label="d")
    summary = await broken.wait(timeout=60)
    assert summary.never_satisfied == ["c"]
    assert summary.failed == ["b"]
    assert summary.counts == {"COMPLETED": 2, "FAILED": 1, "DependencyNeverSatisfied": 1}
    names = {j.name for j in emulator.scheduler().visible_jobs()}
    assert "c2" not in names  # c was never sent
    assert {"a2", "b2", "d2"} <= names


async def test_dependencies_on_existing_jobs_any_of_and_singleton(
    emulator: Emulator, slurm: Slurm, tmp_path: Path
) -> None:
    done = await slurm.submit(script(tmp_path, "true"))
    await done.wait(timeout=30, backoff=FAST)
    group = slurm.group(state_dir=tmp_path / "state")
    group.add(script(tmp_path, "true", name="x", dependency=f"afterany:{done.job_id}"), label="x")
    group.add(script(tmp_path, "true", name="y", dependency=f"afternotok:{done.job_id}"), label="y")
    group.add(
        script(tmp_path, "true", name="z", dependency=f"afternotok:{done.job_id}?afterok:@x"), label="z"
    )
    group.add(script(tmp_path, "true", name="gone", dependency="afterok:999999"), label="gone")
    for n in range(3):
        group.add(script(tmp_path, "sleep 0.2", name="solo", dependency="singleton"), label=f"solo{n}")
    summary = await group.wait(timeout=60)
    assert sorted(summary.never_satisfied) == ["gone", "y"]
    assert summary.counts == {"COMPLETED": 5, "DependencyNeverSatisfied": 2}
    solos = sorted(
        (j for j in emulator.scheduler().visible_jobs() if j.name == "solo"), key=lambda j: j.job_id
    )
    assert len(solos) == 3
    assert all(p.end_time <= n.submit_time for p, n in itertools.pairwise(solos))  # one at a time


@pytest.mark.timeout(180)
async def test_a_client_killed_mid_array_resumes_with_each_element_once(
    emulator: Emulator, slurm: Slurm, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(Finder, "SETTLE", 0.3)  # the emulator answers at once: no request lingers
    state = tmp_path / "state"
    env = {**os.environ, "S3M_TOKEN": TOKEN, "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen(  # noqa: ASYNC220 - killed below, never waited on blocking
        [
            sys.executable,
            str(ROOT / "tests" / "group_child.py"),
            emulator.grpc_target,
            str(state),
            str(tmp_path),
            "0-199%40",
        ],
        env=env,
        stdout=subprocess.PIPE,
    )
    try:
        journal = state / "defiant.default.sqlite"

        def submitted() -> int:
            if not journal.exists():
                return 0
            db = sqlite3.connect(journal)
            try:
                return int(db.execute("SELECT count(*) FROM elements WHERE status != 'held'").fetchone()[0])
            except sqlite3.OperationalError:  # not made yet
                return 0
            finally:
                db.close()

        assert await until(lambda: submitted() >= 70, timeout=90)
        child.kill()
        child.wait()
    finally:
        child.kill()
        child.wait()
    before = len(emulator.scheduler().visible_jobs())
    assert 0 < before < 200  # killed in the middle
    groups = await slurm.resume(state_dir=state)
    assert len(groups) == 1
    summary = await groups[0].wait(timeout=150)
    jobs = emulator.scheduler().visible_jobs()
    assert summary.counts == {"COMPLETED": 200}
    assert len(jobs) == 200  # none lost, none twice: counted on the gateway
    assert max(Counter(env_of(j)["SLURM_ARRAY_TASK_ID"] for j in jobs).values()) == 1
    assert len({k for j in jobs for k in keys_in(j.desc["comment"])}) == 200
    assert await slurm.resume(state_dir=state) == []  # nothing left to resume


async def test_the_journal_is_private_and_holds_no_token(slurm: Slurm, tmp_path: Path) -> None:
    group = slurm.group(state_dir=tmp_path / "state")
    group.add(script(tmp_path, "true", array="1,3,5-7"))
    summary = await group.wait(timeout=60)
    assert summary.total == 5
    assert summary.ok
    (path,) = (tmp_path / "state").glob("*.sqlite")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    for file in (tmp_path / "state").iterdir():
        assert TOKEN.encode() not in file.read_bytes()
    with pytest.raises(ConfigurationError, match="holds your S3M token"):
        slurm.group(state_dir=tmp_path / "state").add(
            script(tmp_path, "true", environment={"X": TOKEN}, array="0-1")
        )


async def test_submit_refuses_an_array_and_points_at_groups(slurm: Slurm, tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="submit_group"):
        await slurm.submit(script(tmp_path, "true", array="0-3"))
    with pytest.raises(ConfigurationError, match="add those entries first"):
        slurm.group(state_dir=tmp_path / "s").add(script(tmp_path, "true", dependency="afterok:@nope"))


async def test_one_listing_per_tick_serves_every_group(slurm: Slurm, tmp_path: Path) -> None:
    groups = [slurm.group(state_dir=tmp_path / "state") for _ in range(3)]
    for n, group in enumerate(groups):
        group.add(script(tmp_path, "true", array=f"0-{10 * n + 9}%7"))
    summaries = await asyncio.gather(*(g.wait(timeout=60) for g in groups))
    assert [s.counts for s in summaries] == [{"COMPLETED": 10}, {"COMPLETED": 20}, {"COMPLETED": 30}]
    stats = driver_of(slurm).stats
    assert stats.listings == stats.ticks  # each tick listed the queue once, for all three groups
    assert stats.lookups == 0  # nothing left the queue: no GetJob per element
    assert stats.submissions == 60


@pytest.mark.parametrize("field", [{"array": "0-3"}, {"dependency": "afterok:1"}])
async def test_the_emulator_refuses_what_s3m_cannot_carry(
    emulator: Emulator, field: dict[str, str], tmp_path: Path
) -> None:
    import httpx

    job = {
        "script": "#!/bin/sh\ntrue\n",
        "current_working_directory": str(tmp_path),
        "environment": ["A=1"],
        **field,
    }
    async with httpx.AsyncClient() as client:
        reply = await client.post(
            f"{emulator.rest_url}/slurm/v0.0.43/defiant/job/submit",
            headers={"Authorization": TOKEN},
            json={"job": job},
        )
    assert reply.status_code == 400
    assert next(iter(field)) in reply.text
    assert emulator.scheduler().visible_jobs() == []


async def test_aftercorr_runs_index_by_index_even_when_the_first_can_never_run(
    emulator: Emulator, slurm: Slurm, tmp_path: Path
) -> None:
    group = slurm.group(state_dir=tmp_path / "state")
    a = group.add(script(tmp_path, "exit $((SLURM_ARRAY_TASK_ID == 0))", name="a", array="0-3"), label="a")
    group.add(script(tmp_path, "true", name="b", array="0-3%2", dependency=f"aftercorr:{a}"), label="b")
    summary = await group.wait(timeout=60)
    assert summary.never_satisfied == ["b_0"]
    assert summary.failed == ["a_0"]
    assert summary.counts == {"COMPLETED": 6, "FAILED": 1, "DependencyNeverSatisfied": 1}
    b_jobs = sorted((j for j in emulator.scheduler().visible_jobs() if j.name == "b"), key=lambda j: j.job_id)
    # index by index: b_2 may go before b_1 (a_2 may end first); b_0 never goes
    assert sorted(env_of(j)["SLURM_ARRAY_TASK_ID"] for j in b_jobs) == ["1", "2", "3"]
    assert "SLURM_ARRAY_JOB_ID" not in env_of(b_jobs[0])  # the first submitted: set from its own id
    assert {env_of(j)["SLURM_ARRAY_JOB_ID"] for j in b_jobs[1:]} == {str(b_jobs[0].job_id)}
