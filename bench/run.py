#!/usr/bin/env python3
"""`make bench`: every benchmark section, printed as tables, with a JSON copy for comparisons.

Ratios are measured against baselines in the same run (never against numbers from elsewhere).
``--smoke`` runs tiny sizes and checks nothing, so that `make test` keeps these scripts working.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import decode, perf  # noqa: E402 - after the path set-up above


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, no result file")
    parser.add_argument("--jobs", type=int, default=10_000)
    args = parser.parse_args()
    started = time.perf_counter()
    results: dict[str, object] = {"decode": decode.run(smoke=args.smoke, jobs=args.jobs)}
    print()
    results["table"] = perf.run(smoke=args.smoke, jobs=args.jobs)
    results["seconds"] = time.perf_counter() - started
    results["python"] = platform.python_version()
    results["commit"] = _commit()
    if not args.smoke:
        out = ROOT / "bench" / "results"
        out.mkdir(parents=True, exist_ok=True)
        (out / "latest.json").write_text(json.dumps(results, indent=2) + "\n")


def _commit() -> str:
    git = ["git", "rev-parse", "--short", "HEAD"]  # the commit the figures belong to
    done = subprocess.run(git, capture_output=True, text=True, cwd=ROOT, check=False)
    return done.stdout.strip()


if __name__ == "__main__":
    main()
