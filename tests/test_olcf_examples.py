"""OLCF's published example responses, checked against SchedMD's spec (the spec wins).

These are the JSON bodies from olcf-s3m-docs/compute.rst. Several disagree with the spec; each case
pins the exact disagreement, so our messages follow the spec knowingly, and the README lists them.
"""

from __future__ import annotations

import pytest

from tests import openapi

# Required by the spec beside each listing (slurmrestd always sends it); OLCF's examples omit it.
STAMP = {"set": True, "number": 1763996400}

# (schema, OLCF's example, a path the spec rejects in it, the same example corrected to the spec)
CASES = {
    "partitions: `allowed_configuration` is `allowed_allocation`": (
        "openapi_partition_resp",
        {
            "partitions": [
                {
                    "name": "batch-cpu",
                    "cluster": "defiant",
                    "nodes": {
                        "allowed_configuration": "node[001-128]",
                        "configured": "node[001-128]",
                        "total": 128,
                    },
                    "defaults": {"time": {"number": 60, "set": True}},
                    "maximums": {"nodes": {"number": 4, "set": True}},
                    "priority": {"tier": 1000},
                }
            ]
        },
        "partitions/0/nodes",
        {
            "partitions": [
                {
                    "name": "batch-cpu",
                    "cluster": "defiant",
                    "nodes": {
                        "allowed_allocation": "node[001-128]",
                        "configured": "node[001-128]",
                        "total": 128,
                    },
                    "defaults": {"time": {"number": 60, "set": True}},
                    "maximums": {"nodes": {"number": 4, "set": True}},
                    "priority": {"tier": 1000},
                }
            ],
            "last_update": STAMP,
        },
    ),
    "jobs: `job_resources.nodes.job_resources` does not exist": (
        "openapi_job_info_resp",
        {
            "jobs": [
                {
                    "job_id": 12345,
                    "job_state": ["RUNNING"],
                    "node_count": {"number": 1, "set": True},
                    "job_resources": {
                        "cpus": 4,
                        "nodes": {
                            "count": 1,
                            "list": "node001",
                            "whole": True,
                            "job_resources": ["cpu=4", "mem=0"],
                        },
                    },
                }
            ],
            "last_backfill": {"set": False},
            "last_update": {"set": False},
        },
        "jobs/0/job_resources/nodes",
        None,
    ),
    "job: the GET job example is slurmdbd's job shape (`state.current`, `gruop`, `steps`)": (
        "openapi_job_info_resp",
        {
            "jobs": [
                {
                    "job_id": 12345,
                    "user": "alice",
                    "gruop": "users",
                    "state": {"current": ["RUNNING"]},
                    "steps": [],
                }
            ],
            "last_backfill": {"set": False},
            "last_update": {"set": False},
        },
        "jobs/0",
        {
            "jobs": [
                {
                    "job_id": 12345,
                    "user_name": "alice",
                    "group_name": "users",
                    "job_state": ["RUNNING"],
                    "state_reason": "None",
                }
            ],
            "last_backfill": STAMP,
            "last_update": STAMP,
        },
    ),
    "reservations: core specs are objects, `purge_completed` wraps `time`": (
        "openapi_reservation_resp",
        {
            "reservations": [
                {
                    "name": "maintenance-window",
                    "core_specializations": ["node001:0"],
                    "purge_completed": {"number": 60, "set": True},
                }
            ]
        },
        "reservations/0/core_specializations/0",
        {
            "reservations": [
                {
                    "name": "maintenance-window",
                    "core_specializations": [{"node": "node001", "core": "0"}],
                    "purge_completed": {"time": {"number": 60, "set": True}},
                }
            ],
            "last_update": STAMP,
        },
    ),
    "diag: `defult_queue_depth` is `default_queue_depth`": (
        "openapi_diag_resp",
        {"statistics": {"schedule_exit": {"defult_queue_depth": 128}}},
        "statistics/schedule_exit",
        {"statistics": {"schedule_exit": {"default_queue_depth": 128}}},
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_olcf_example_disagrees_with_spec_where_documented(case: str) -> None:
    schema, example, bad_path, corrected = CASES[case]
    found = openapi.errors("v0043", schema, example)
    assert any(line.startswith(bad_path + ":") for line in found), found
    if corrected is not None:
        assert openapi.errors("v0043", schema, corrected) == []


@pytest.mark.parametrize("case", sorted(c for c in CASES if CASES[c][3] is not None))
def test_corrected_example_loads_into_the_messages(case: str) -> None:
    import importlib

    from betterproto2 import Casing, OutputFormat

    schema, _, _, corrected = CASES[case]
    name = "".join(part.capitalize() for part in schema.split("_"))
    cls = getattr(importlib.import_module("s3m_apis_betterproto.slurm.v0043"), name)
    message = cls.from_dict(corrected)
    assert message.to_dict(casing=Casing.SNAKE, output_format=OutputFormat.PYTHON) == corrected
