"""S3M's messages from Slurm's objects: shaping per API version, and encoding as JSON or protobuf.

The backends answer with Slurm's own objects in SchedMD's v0.0.43 shapes (``answers``, the Slurm
backend). S3M's messages keep a subset of their fields under the same names, with a few shapes and
spellings of their own, which differ by version (tests/contract/README.md):

* v0.0.42/v0.0.43: partitions' ``nodes.allowed_configuration``, diag's ``defult_queue_depth``,
  GetJob's ``gruop``, job resources' ``nodes.job_resources`` (``["cpu=4", "mem=0"]``),
  reservations' ``core_specializations`` as ``"node:core"`` strings and ``purge_completed`` as a
  bare NoVal; v0.0.42's ``meta`` version numbers are integers.
* v0.0.44: Slurm's own names and shapes for all of these.

The shaping functions are pure. ``encode`` then keeps exactly the fields the version's message
has (tests check that every one of them is rendered) and writes JSON (field names as keys,
integers as numbers) or protobuf bytes. Rendered jobs are cached per (job, revision), so a listing
of 10,000 jobs is mostly concatenation.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

import orjson

from s3m_grpc.rpc import VERSIONS, ApiVersion
from s3m_grpc.slurmdefs import no_val
from s3m_grpc.slurmjson import json_keys, normalize

JsonObject = dict[str, Any]
OLD: Final = frozenset({"v0.0.42", "v0.0.43"})  # the versions with S3M's older shapes and spellings


def meta(version: str, cluster: str, release: tuple[str, str, str]) -> JsonObject:
    """slurmrestd's ``meta`` block (`release`: the Slurm version behind the gateway)."""
    major, minor, micro = release
    numbers: dict[str, Any] = {"major": major, "minor": minor, "micro": micro}
    if version == "v0.0.42":
        numbers = {k: int(v) for k, v in numbers.items()}
    return {
        "plugin": {
            "type": "openapi/slurmctld",
            "name": "Slurm OpenAPI slurmctld",
            "data_parser": f"data_parser/{version}",
        },
        "client": {"source": "s3m-grpc emulator"},
        "slurm": {"version": numbers, "release": ".".join(release), "cluster": cluster},
    }


def job_info(info: JsonObject, version: str) -> JsonObject:
    """A SlurmJobDescription (GetJobs) from slurmctld's ``job_info``."""
    resources = info.get("job_resources")
    if version not in OLD or not resources:
        return info
    nodes = resources.get("nodes") or {}
    memory = sum(int((a.get("memory") or {}).get("allocated", 0)) for a in nodes.get("allocation") or [])
    shaped_nodes = {
        "count": nodes.get("count", 0),
        "list": nodes.get("list", ""),
        "whole": nodes.get("whole", False),
        "job_resources": [f"cpu={resources.get('cpus', 0)}", f"mem={memory}"],
    }
    return {**info, "job_resources": {**resources, "nodes": shaped_nodes}}


def job_record(record: JsonObject, version: str) -> JsonObject:
    """A SlurmDBJobDescription (GetJob) from slurmdbd's ``job`` record."""
    if version in OLD:
        return {**record, "gruop": record.get("group", "")}
    return record


def partition(info: JsonObject, version: str) -> JsonObject:
    """A SlurmPartitionDescription."""
    if version not in OLD:
        return info
    nodes = dict(info.get("nodes") or {})
    nodes["allowed_configuration"] = nodes.pop("allowed_allocation", "")
    return {**info, "nodes": nodes}


def reservation(info: JsonObject, version: str) -> JsonObject:
    """A Reservation."""
    if version not in OLD:
        return info
    specs = [f"{c.get('node', '')}:{c.get('core', '')}" for c in info.get("core_specializations") or []]
    purge = info.get("purge_completed")
    purge = purge.get("time", no_val()) if isinstance(purge, dict) and "time" in purge else purge or no_val()
    return {**info, "core_specializations": specs, "purge_completed": purge}


def diag(stats: JsonObject, version: str) -> JsonObject:
    """DiagStatistics."""
    if version not in OLD:
        return stats
    exits = dict(stats.get("schedule_exit") or {})
    exits["defult_queue_depth"] = exits.pop("default_queue_depth", 0)
    return {**stats, "schedule_exit": exits}


#: Per RPC: the listing's field and how its elements are shaped (jobs are rendered separately).
LISTINGS: Final = {
    "GetPartitions": ("partitions", partition),
    "GetReservations": ("reservations", reservation),
    "GetNodes": ("nodes", None),
    "Ping": ("pings", None),
}


def shape(rpc: str, body: JsonObject, version: str) -> JsonObject:
    """A reply body (without jobs) shaped for a version."""
    listing = LISTINGS.get(rpc)
    if listing is not None:
        name, fn = listing
        if fn is not None:
            body = {**body, name: [fn(item, version) for item in body.get(name) or []]}
    if rpc == "GetDiag" and "statistics" in body:
        body = {**body, "statistics": diag(body["statistics"], version)}
    return body


def encode(version: ApiVersion, message: str, body: JsonObject, fmt: str) -> bytes:
    """One message as JSON or protobuf, keeping exactly the fields the version's message has."""
    cls = getattr(version.upb, message)
    clean = normalize(cls.DESCRIPTOR, body)
    if fmt == "proto":
        return bytes(cls(**clean).SerializeToString())
    return orjson.dumps(json_keys(cls.DESCRIPTOR, clean))


class JobCache:
    """Rendered jobs per (cluster, version, format, shape), reused while a job's revision stands."""

    def __init__(self) -> None:
        self._cache: dict[tuple[str, str, str, str], dict[int, tuple[int, bytes]]] = {}

    def render(
        self,
        cluster: str,
        version: str,
        fmt: str,
        kind: str,
        jobs: list[tuple[int, int, Any]],
        make: Callable[[Any], Any],
        *,
        full_listing: bool,
    ) -> list[bytes]:
        """Each job's bytes; `jobs` is (job id, revision, job), `make(job)` its shaped object."""
        key = (cluster, version, fmt, kind)
        cache = self._cache.setdefault(key, {})
        fresh: dict[int, tuple[int, bytes]] = {}
        out = []
        api = VERSIONS[version]
        message = "SlurmJobDescription" if kind == "info" else "SlurmDBJobDescription"
        for job_id, rev, job in jobs:
            hit = cache.get(job_id)
            if hit is None or hit[0] != rev:
                hit = (rev, encode(api, message, make(job), fmt))
            fresh[job_id] = hit
            out.append(hit[1])
        if full_listing:
            self._cache[key] = fresh  # a full listing: purged jobs fall out of the cache here
        else:
            cache.update(fresh)
        return out


def varint(value: int) -> bytes:
    """Protobuf's base-128 varint."""
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def join_jobs(version: ApiVersion, response: str, parts: list[bytes], rest: bytes, fmt: str) -> bytes:
    """A job listing reply from its rendered jobs and the rest of the message."""
    if fmt == "proto":
        number = getattr(version.upb, response).DESCRIPTOR.fields_by_name["jobs"].number
        tag = varint(number << 3 | 2)
        return b"".join(tag + varint(len(p)) + p for p in parts) + rest
    return b'{"jobs":[' + b",".join(parts) + b"]" + (b"," + rest[1:] if rest != b"{}" else b"}")


__all__ = [
    "LISTINGS",
    "OLD",
    "JobCache",
    "diag",
    "encode",
    "job_info",
    "job_record",
    "join_jobs",
    "meta",
    "partition",
    "reservation",
    "shape",
    "varint",
]
