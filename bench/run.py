#!/usr/bin/env python3
"""`make bench`: every benchmark section, printed as tables, with a JSON copy for comparisons.

Ratios are measured against baselines in the same run (never against numbers from elsewhere).
``--smoke`` runs tiny sizes and checks nothing, so that `make test` keeps these scripts working.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import decode, emulator  # noqa: E402 - after the path set-up above


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, no result file")
    parser.add_argument("--jobs", type=int, default=10_000)
    args = parser.parse_args()
    results = {
        "decode": decode.run(smoke=args.smoke, jobs=args.jobs),
        "emulator": emulator.run(smoke=args.smoke, jobs=args.jobs),
    }
    if not args.smoke:
        out = ROOT / "bench" / "results"
        out.mkdir(parents=True, exist_ok=True)
        (out / "latest.json").write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
