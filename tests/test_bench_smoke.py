"""`make bench` keeps working: its script runs end to end at tiny sizes (no timing is checked)."""

from __future__ import annotations

import re
import subprocess
import sys

from tests.conftest import ROOT

NAME_WIDTH = 6 + 88  # bench/perf.py's show(): key column, then the measurement's name


def test_bench_script_runs_in_smoke_mode() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run.py"), "--smoke"],
        capture_output=True,
        text=True,
        timeout=100,
    )
    assert done.returncode == 0, done.stderr
    for row in ("upb: parse", "betterproto: parse", "orjson: loads"):
        assert row in done.stdout
    rows = [line for line in done.stdout.splitlines() if line[:1] == "P"]
    keys = [line.split()[0] for line in rows]
    for key in ("P1", "P1b", "P1r", "P2", "P3", "P3r", "P3b", "P4", "P5a", "P5b", "P6", "P7", "P8"):
        assert key in keys, f"row {key} missing from the table"
    assert keys.count("P3") == 4  # ping and get job, at 1 and 64 in flight
    for line in rows:  # every row measured something (a figure, not a blank or a nan)
        assert re.match(r"\s*[0-9][0-9,]*(\.[0-9]+)?( ms| MiB|/s| calls)", line[NAME_WIDTH:]), line
