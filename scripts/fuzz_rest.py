"""`make fuzz`: schemathesis with S3M's contract against a fresh emulator's REST API.

The OpenAPI documents are built from S3M's published descriptors (tests/openapi.py), one per API
version, routed to a resource that serves it. Prints the number of cases per operation and mode and
per HTTP status, then any failures; exits 1 if there were failures (a 5xx, an undeclared status, a
wrong content type, or an answer that does not conform to the response message).
"""

from __future__ import annotations

import argparse
import secrets
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from s3m_grpc.emulator import Emulator
from tests.restfuzz import VERSIONS, run


def main() -> int:
    """Fuzz every API version and report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=500, help="cases per operation and mode")
    parser.add_argument("--versions", default=",".join(VERSIONS), help="comma-separated, e.g. v0.0.44")
    parser.add_argument("--seed", type=int, default=None, help="a fresh sample (default: derandomized)")
    args = parser.parse_args()
    token = secrets.token_urlsafe(24)  # a throwaway emulator token, never printed
    failures = 0
    with tempfile.TemporaryDirectory(prefix="s3m-fuzz-") as work:
        emulator = Emulator(tokens=[token], time_scale=0.01, min_job_age=1e6, work_dir=work)
        with emulator.running():
            for version in args.versions.split(","):
                started = time.perf_counter()
                report = run(
                    emulator.rest_url,
                    token,
                    version,
                    work_dir=work,
                    max_examples=args.examples,
                    seed=args.seed,
                )
                seconds = time.perf_counter() - started
                accepted = len(report.job_ids)
                print(f"\n{version}: {report.total} cases in {seconds:.1f} s, {accepted} jobs accepted")
                for label, count in sorted(report.cases.items()):
                    print(f"  {count:6d}  {label}")
                print("  statuses: " + ", ".join(f"{k}: {v}" for k, v in sorted(report.statuses.items())))
                if report.nothing_to_break:
                    print(
                        "  negative mode impossible (nothing the schema constrains can be broken): "
                        + ", ".join(report.nothing_to_break)
                    )
                print(f"  failures: {len(report.failures)}")
                for failure in report.failures:
                    print("    " + failure.replace("\n", "\n    "))
                failures += len(report.failures)
            sys.stdout.flush()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
