"""Shared test helpers: paths to the reference material and the generated packages."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT.parent / "shared" / "reference"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
VERSIONS = ("v0043", "v0042")
# The stub methods OLCF documents, one per SlurmIndirect RPC.
DOCUMENTED_METHODS = (
    "ping",
    "get_partitions",
    "post_job_submit",
    "get_job",
    "get_jobs",
    "delete_job",
    "get_nodes",
    "get_reservations",
    "get_diag",
)
