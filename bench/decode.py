"""Decode costs of a big job listing, as ratios measured in the same run.

The listing is the realistic v0.0.43 job from tests/fixtures, repeated N times with distinct ids
(10,000 by default, like a busy queue). Each row is the median of --repeats timed runs after one
warm-up, and the ratio is against upb (protobuf's C runtime) on the same bytes. A JSON copy goes to
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
from s3m_apis_betterproto.slurm.v0043 import OpenapiJobInfoResp
from s3m_apis_pb.slurm.v0043 import slurm_pb2

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "v0043" / "jobs.json"


def listing(n: int) -> dict[str, Any]:
    """A job listing of `n` jobs, cycling through the fixture's jobs with fresh ids and names."""
    base = json.loads(FIXTURE.read_text(encoding="utf-8"))
    jobs = []
    for i in range(n):
        job = copy.deepcopy(base["jobs"][i % len(base["jobs"])])
        job["job_id"] = 2_000_000 + i
        job["name"] = f"job-{i}"
        jobs.append(job)
    return {**base, "jobs": jobs}


def timed(fn: Callable[[], object], repeats: int) -> float:
    """Median wall time of `fn` in seconds, after one untimed warm-up call."""
    fn()
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def touch_messages(reply: Any) -> int:
    """Read every job's id, state and name from a parsed reply (upb or betterproto2)."""
    return sum((j.job_id or 0) + len(j.job_state[0]) + len(j.name) for j in reply.jobs)


def touch_json(reply: Any) -> int:
    """Read every job's id, state and name from decoded JSON."""
    return sum(j["job_id"] + len(j["job_state"][0]) + len(j["name"]) for j in reply["jobs"])


def run(*, smoke: bool, jobs: int = 10_000, repeats: int = 5) -> dict[str, Any]:
    """Measure; print a table; return the rows for the JSON result."""
    n, repeats = (50, 1) if smoke else (jobs, repeats)
    data = listing(n)
    body = orjson.dumps(data)
    upb_msg = slurm_pb2.OpenapiJobInfoResp()
    upb_msg.ParseFromString(bytes(OpenapiJobInfoResp.from_dict(data)))
    raw = upb_msg.SerializeToString()

    # Every decoder must see the same jobs, or the comparison means nothing.
    def upb() -> int:
        return touch_messages(slurm_pb2.OpenapiJobInfoResp.FromString(raw))

    def betterproto() -> int:
        return touch_messages(OpenapiJobInfoResp.parse(raw))

    def json_() -> int:
        return touch_json(orjson.loads(body))

    assert upb() == betterproto() == json_()

    rows = [
        ("upb: parse + touch id/state/name", timed(upb, repeats)),
        ("betterproto2: parse + touch", timed(betterproto, repeats)),
        ("orjson: loads JSON + touch", timed(json_, repeats)),
    ]
    baseline = rows[0][1]
    print(
        f"decode {n:,} jobs: {len(raw) / 1e6:.1f} MB protobuf, {len(body) / 1e6:.1f} MB JSON "
        f"(median of {repeats}, {platform.python_implementation()} {platform.python_version()})"
    )
    print(f"  {'path':<36} {'ms':>10} {'x upb':>8}")
    for name, seconds in rows:
        print(f"  {name:<36} {seconds * 1e3:>10.1f} {seconds / baseline:>8.1f}")
    return {
        "jobs": n,
        "repeats": repeats,
        "protobuf_bytes": len(raw),
        "json_bytes": len(body),
        "rows": [{"name": name, "seconds": s, "ratio_to_upb": s / baseline} for name, s in rows],
    }
