"""The emulated cluster: partitions, nodes, reservations and a job table, as Slurm JSON dicts.

State is kept in the v0.0.43 JSON shape (slurmrestd's keys); each API version's servicer turns it
into its own messages. Dicts rather than messages keep one source for gRPC and (later) REST.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from typing import Any

JsonObject = dict[str, Any]

SLURM_RELEASE = ("25", "05", "8")


def no_val(number: float | None = None, *, infinite: bool = False) -> JsonObject:
    """A Slurm *_no_val_struct: unset when `number` is None."""
    return {"set": number is not None, "infinite": infinite, "number": 0 if number is None else number}


@dataclass(frozen=True)
class PartitionModel:
    """One partition: a node range and its limits."""

    name: str
    nodes: tuple[str, ...]
    max_nodes: int
    max_time_minutes: int
    default_time_minutes: int
    tier: int = 1000


@dataclass(frozen=True)
class NodeModel:
    """One compute node's hardware."""

    name: str
    cpus: int = 64
    sockets: int = 2
    real_memory_mib: int = 512_000
    gpus: int = 0


def _default_partitions() -> tuple[PartitionModel, ...]:
    cpu = tuple(f"defiant{i:03d}" for i in range(1, 7))
    gpu = tuple(f"defiant{i:03d}" for i in range(7, 9))
    return (
        PartitionModel("batch-cpu", cpu, max_nodes=4, max_time_minutes=1440, default_time_minutes=60),
        PartitionModel("batch-gpu", gpu, max_nodes=2, max_time_minutes=720, default_time_minutes=60),
        PartitionModel(
            "debug", cpu[:2], max_nodes=2, max_time_minutes=60, default_time_minutes=30, tier=2000
        ),
    )


def _default_nodes() -> tuple[NodeModel, ...]:
    return tuple(NodeModel(f"defiant{i:03d}", gpus=4 if i >= 7 else 0) for i in range(1, 9))


@dataclass
class Cluster:
    """An in-memory Slurm cluster named `name`, with a job table."""

    name: str = "defiant"
    partitions: tuple[PartitionModel, ...] = field(default_factory=_default_partitions)
    nodes: tuple[NodeModel, ...] = field(default_factory=_default_nodes)
    jobs: dict[int, JsonObject] = field(default_factory=dict)
    counters: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys(
            ("jobs_submitted", "jobs_started", "jobs_completed", "jobs_canceled", "jobs_failed"), 0
        )
    )
    started_at: int = field(default_factory=lambda: int(time.time()))
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1001))

    def partition(self, name: str) -> PartitionModel | None:
        """The partition called `name`, if any."""
        return next((p for p in self.partitions if p.name == name), None)

    # -- answers, as Slurm JSON ------------------------------------------------------------------

    def meta(self, data_parser: str) -> JsonObject:
        """The `meta` block slurmrestd puts on every response."""
        major, minor, micro = SLURM_RELEASE
        return {
            "plugin": {
                "type": "openapi/slurmctld",
                "name": "Slurm OpenAPI slurmctld",
                "data_parser": f"data_parser/{data_parser}",
                "accounting_storage": "",
            },
            "client": {"source": "s3m-grpc emulator", "user": "", "group": ""},
            "command": [],
            "slurm": {
                "version": {"major": major, "micro": micro, "minor": minor},
                "release": ".".join(SLURM_RELEASE),
                "cluster": self.name,
            },
        }

    def ping(self) -> JsonObject:
        """One responding primary controller."""
        return {
            "pings": [
                {
                    "hostname": f"{self.name}-slurmctld",
                    "pinged": "UP",
                    "responding": True,
                    "latency": 150,
                    "mode": "primary",
                    "primary": True,
                }
            ]
        }

    def partition_list(self) -> JsonObject:
        """Every partition with its limits."""
        out = []
        for p in self.partitions:
            cpus = sum(n.cpus for n in self.nodes if n.name in p.nodes)
            out.append(
                {
                    "name": p.name,
                    "cluster": self.name,
                    "nodes": {
                        "allowed_allocation": "",
                        "configured": ",".join(p.nodes),
                        "total": len(p.nodes),
                    },
                    "cpus": {"task_binding": 0, "total": cpus},
                    "defaults": {"time": no_val(p.default_time_minutes)},
                    "maximums": {"nodes": no_val(p.max_nodes), "time": no_val(p.max_time_minutes)},
                    "minimums": {"nodes": 1},
                    "priority": {"job_factor": 1, "tier": p.tier},
                    "partition": {"state": ["UP"]},
                }
            )
        return {"partitions": out, "last_update": no_val(self.started_at)}

    def node_list(self) -> JsonObject:
        """Every node, allocated or idle according to the job table."""
        busy = {n for job in self.jobs.values() if "RUNNING" in job["job_state"] for n in job["_nodes"]}
        out = []
        for n in self.nodes:
            allocated = n.name in busy
            out.append(
                {
                    "name": n.name,
                    "hostname": n.name,
                    "address": n.name,
                    "cluster_name": self.name,
                    "architecture": "x86_64",
                    "cpus": n.cpus,
                    "sockets": n.sockets,
                    "cores": n.cpus // n.sockets,
                    "threads": 1,
                    "real_memory": n.real_memory_mib,
                    "alloc_cpus": n.cpus if allocated else 0,
                    "alloc_idle_cpus": 0 if allocated else n.cpus,
                    "alloc_memory": n.real_memory_mib if allocated else 0,
                    "state": ["ALLOCATED"] if allocated else ["IDLE"],
                    "partitions": [p.name for p in self.partitions if n.name in p.nodes],
                    "gres": f"gpu:{n.gpus}" if n.gpus else "",
                    "version": ".".join(SLURM_RELEASE),
                    "boot_time": no_val(self.started_at),
                }
            )
        return {"nodes": out, "last_update": no_val(int(time.time()))}

    def reservation_list(self) -> JsonObject:
        """One maintenance reservation a day ahead, as real centres schedule them."""
        start = self.started_at + 86_400
        return {
            "reservations": [
                {
                    "name": "maintenance-window",
                    "partition": "batch-cpu",
                    "node_list": self.partitions[0].nodes[0],
                    "node_count": 1,
                    "flags": ["MAINT"],
                    "users": "root",
                    "core_specializations": [],
                    "start_time": no_val(start),
                    "end_time": no_val(start + 3600),
                    "purge_completed": {"time": no_val()},
                }
            ],
            "last_update": no_val(self.started_at),
        }

    def diag(self) -> JsonObject:
        """Scheduler statistics that follow the job table's activity."""
        pending = sum("PENDING" in j["job_state"] for j in self.jobs.values())
        running = sum("RUNNING" in j["job_state"] for j in self.jobs.values())
        return {
            "statistics": {
                **self.counters,
                "jobs_pending": pending,
                "jobs_running": running,
                "req_time": no_val(int(time.time())),
                "req_time_start": no_val(self.started_at),
                "schedule_exit": {"default_queue_depth": 100},
            }
        }

    # -- changes -----------------------------------------------------------------------------------

    def submit(self, job: JsonObject, script: str) -> int:
        """Record a submission as a PENDING job and return its id (validation is the caller's)."""
        job_id = next(self._ids)
        now = int(time.time())
        limit = job.get("time_limit") or {}
        partition = job.get("partition") or self.partitions[0].name
        self.jobs[job_id] = {
            "job_id": job_id,
            "name": job.get("name") or "sbatch",
            "account": job.get("account", ""),
            "partition": partition,
            "job_state": ["PENDING"],
            "state_reason": "None",
            "user_name": "stf040_auser",
            "batch_flag": True,
            "command": "",
            "current_working_directory": job.get("current_working_directory", ""),
            "submit_time": no_val(now),
            "start_time": no_val(0),
            "end_time": no_val(0),
            "time_limit": no_val(limit["number"]) if limit.get("set") else no_val(),
            "node_count": no_val(job.get("minimum_nodes", 1)),
            "tasks": no_val(job.get("tasks", 1)),
            "comment": job.get("comment", ""),
            "exit_code": {"status": ["PENDING"], "return_code": no_val(0)},
            "_nodes": [],
            "_script": script,
        }
        self.counters["jobs_submitted"] += 1
        return job_id

    def cancel(self, job_id: int) -> bool:
        """Cancel a pending or running job; False when there is no such job."""
        job = self.jobs.get(job_id)
        if job is None:
            return False
        if job["job_state"][0] in ("PENDING", "RUNNING"):
            job["job_state"] = ["CANCELLED"]
            job["end_time"] = no_val(int(time.time()))
            job["exit_code"] = {
                "status": ["SIGNALED"],
                "return_code": no_val(0),
                "signal": {"id": no_val(9), "name": "SIGKILL"},
            }
            self.counters["jobs_canceled"] += 1
        return True

    def public_job(self, job_id: int) -> JsonObject | None:
        """A job as Slurm shows it (without the emulator's private keys)."""
        job = self.jobs.get(job_id)
        return None if job is None else {k: v for k, v in job.items() if not k.startswith("_")}
