"""`make bench` keeps working: its script runs end to end at tiny sizes (no timing is checked)."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT


def test_bench_script_runs_in_smoke_mode() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run.py"), "--smoke"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    rows = ("upb: parse", "betterproto2: parse", "orjson: loads", "submissions/s", "jobs listing over REST")
    for row in rows:
        assert row in done.stdout
