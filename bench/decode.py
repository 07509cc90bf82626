"""Decode costs of a big job listing (GetJobs' ``JobsResp``), as ratios measured in the same run.

The listing is the realistic v0.0.43 job from tests/fixtures, reduced to the fields S3M's
``SlurmJobDescription`` carries and repeated N times with distinct ids (10,000 by default, like a
busy queue). Each row is the median of --repeats timed runs after one warm-up, and the ratio is
against upb (protobuf's C runtime) on the same bytes. betterproto 2.0.0b7's parse is pure Python
and needs about a minute for 10,000 of these jobs (each has ~100 sub-messages), so its row parses
the first 1,000 jobs only (3 runs, after a warm-up on a 2-job listing) and its ratio is against upb
parsing those same 1,000 jobs. A JSON copy goes to
bench/results/latest.json for comparison across commits. `--smoke` runs tiny sizes and checks
nothing, so that `make test` keeps this script working.
"""

from __future__ import annotations

import copy
import json
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
from s3m_apis_betterproto.slurm.v0043 import JobsResp
from s3m_apis_pb.slurm.v0043 import slurm_pb2

from s3m_grpc.slurmjson import normalize

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "v0043" / "jobs.json"
#: The betterproto row's size and timed runs in full mode: b7 parses these jobs at ~7 ms each.
BETTERPROTO_JOBS = 1_000
BETTERPROTO_REPEATS = 3


def listing(n: int) -> dict[str, Any]:
    """A JobsResp of `n` jobs as Slurm JSON, cycling through the fixture's jobs with fresh ids and names.

    Keys S3M's contract lacks are dropped (``normalize``), so that the JSON, the upb message and the
    betterproto message all hold the same fields.
    """
    base = normalize(slurm_pb2.JobsResp.DESCRIPTOR, json.loads(FIXTURE.read_text(encoding="utf-8")))
    jobs = []
    for i in range(n):
        job = copy.deepcopy(base["jobs"][i % len(base["jobs"])])
        job["job_id"] = 2_000_000 + i
        job["name"] = f"job-{i}"
        jobs.append(job)
    return {**base, "jobs": jobs}


def listing_bytes(n: int) -> bytes:
    """The same listing in protobuf's wire format."""
    return bytes(slurm_pb2.JobsResp(**listing(n)).SerializeToString())


def timed(fn: Callable[[], object], repeats: int, warm_up: Callable[[], object] | None = None) -> float:
    """Median wall time of `fn` in seconds, after one untimed warm-up call (of `warm_up` if given)."""
    (warm_up or fn)()
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def touch_messages(reply: Any) -> int:
    """Read every job's id, state and name from a parsed reply (upb or betterproto)."""
    return sum((j.job_id or 0) + len(j.job_state[0]) + len(j.name) for j in reply.jobs)


def touch_json(reply: Any) -> int:
    """Read every job's id, state and name from decoded JSON."""
    return sum(int(j["job_id"]) + len(j["job_state"][0]) + len(j["name"]) for j in reply["jobs"])


def run(*, smoke: bool, jobs: int = 10_000, repeats: int = 5) -> dict[str, Any]:
    """Measure; print a table; return the rows for the JSON result."""
    n, repeats = (50, 1) if smoke else (jobs, repeats)
    data = listing(n)
    body = orjson.dumps(data)
    raw = bytes(slurm_pb2.JobsResp(**data).SerializeToString())
    bp_jobs = min(n, 10 if smoke else BETTERPROTO_JOBS)
    bp_raw = bytes(slurm_pb2.JobsResp(**{**data, "jobs": data["jobs"][:bp_jobs]}).SerializeToString())
    bp_repeats = 1 if smoke else BETTERPROTO_REPEATS
    warm = listing_bytes(2)

    # Every decoder must see the same jobs, or the comparison means nothing.
    def upb(payload: bytes = raw) -> int:
        return touch_messages(slurm_pb2.JobsResp.FromString(payload))

    def betterproto() -> int:
        return touch_messages(JobsResp().parse(bp_raw))

    def json_() -> int:
        return touch_json(orjson.loads(body))

    assert upb() == json_()
    assert upb(bp_raw) == betterproto()

    upb_seconds = timed(upb, repeats)
    rows = [
        ("upb: parse + touch id/state/name", n, upb_seconds, upb_seconds, repeats),
        (
            "betterproto: parse + touch (b7)",
            bp_jobs,
            timed(betterproto, bp_repeats, warm_up=lambda: JobsResp().parse(warm)),
            timed(lambda: upb(bp_raw), repeats) if bp_jobs != n else upb_seconds,
            bp_repeats,
        ),
        ("orjson: loads JSON + touch", n, timed(json_, repeats), upb_seconds, repeats),
    ]
    print(
        f"decode {n:,} jobs: {len(raw) / 1e6:.1f} MB protobuf, {len(body) / 1e6:.1f} MB JSON "
        f"(median of {repeats}, {platform.python_implementation()} {platform.python_version()}); "
        f"betterproto on the first {bp_jobs:,} jobs only, against upb on those bytes"
    )
    print(f"  {'path':<36} {'jobs':>7} {'ms':>10} {'x upb':>8} {'runs':>5}")
    for name, count, seconds, baseline, runs in rows:
        print(f"  {name:<36} {count:>7,} {seconds * 1e3:>10.1f} {seconds / baseline:>8.1f} {runs:>5}")
    return {
        "jobs": n,
        "repeats": repeats,
        "protobuf_bytes": len(raw),
        "json_bytes": len(body),
        "rows": [
            {
                "name": name,
                "jobs": count,
                "seconds": seconds,
                "upb_seconds": baseline,
                "ratio_to_upb": seconds / baseline,
                "repeats": runs,
            }
            for name, count, seconds, baseline, runs in rows
        ],
    }
