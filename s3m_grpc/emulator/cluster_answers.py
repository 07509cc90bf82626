"""The built-in backend's cluster answers: nodes, partitions, reservations, diag and ping.

Pure functions of the model (and, for diag, the jobs and counters), in SchedMD's complete v0.0.43
shapes; ``render`` shapes them into S3M's messages for each API version. Jobs' answers are in
``answers``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final

from s3m_grpc.emulator.model import ClusterModel, compress_hostlist
from s3m_grpc.emulator.state import Job
from s3m_grpc.slurmdefs import no_val

JsonObject = dict[str, Any]
#: The Slurm release the emulator answers as (meta.slurm.release and diag).
SLURM_RELEASE: Final = ("25", "05", "8")


def node_list(model: ClusterModel, free: dict[str, int], *, started_at: int) -> list[JsonObject]:
    """Every node with its allocation and state."""
    out = []
    for n in model.nodes:
        used = n.cpus - free.get(n.name, n.cpus)
        state = "ALLOCATED" if used >= n.cpus else "MIXED" if used else "IDLE"
        flags = [n.state] if n.state in ("DOWN",) else [state] + (["DRAIN"] if n.state == "DRAIN" else [])
        out.append(
            {
                "architecture": "x86_64",
                "burstbuffer_network_address": "",
                "boards": 1,
                "boot_time": no_val(started_at),
                "tls_cert_last_renewal": no_val(),
                "cert_flags": [],
                "cluster_name": model.name,
                "cores": n.cpus // n.sockets,
                "specialized_cores": 0,
                "cpu_binding": 0,
                "cpu_load": used * 100,
                "free_mem": no_val(n.real_memory * (n.cpus - used) // n.cpus),
                "cpus": n.cpus,
                "effective_cpus": n.cpus,
                "specialized_cpus": "",
                "energy": {
                    "average_watts": 0,
                    "base_consumed_energy": 0,
                    "consumed_energy": 0,
                    "current_watts": no_val(),
                    "previous_consumed_energy": 0,
                    "last_collected": 0,
                },
                "external_sensors": {},
                "extra": "",
                "power": {},
                "features": ["gpu"] if n.gpus else [],
                "active_features": ["gpu"] if n.gpus else [],
                "gpu_spec": "",
                "gres": f"gpu:{n.gpus}" if n.gpus else "",
                "gres_drained": "N/A",
                "gres_used": "",
                "instance_id": "",
                "instance_type": "",
                "last_busy": no_val(started_at),
                "mcs_label": "",
                "specialized_memory": 0,
                "name": n.name,
                "next_state_after_reboot": [],
                "address": n.name,
                "hostname": n.name,
                "state": flags,
                "operating_system": "Linux (s3m-grpc emulator)",
                "owner": "",
                "partitions": list(model.partitions_of.get(n.name, ())),
                "port": 6818,
                "real_memory": n.real_memory,
                "res_cores_per_gpu": 0,
                "comment": "",
                "reason": n.reason,
                "reason_changed_at": no_val(started_at if n.reason else 0),
                "reason_set_by_user": "root" if n.reason else "",
                "resume_after": no_val(),
                "reservation": "",
                "alloc_memory": n.real_memory * used // n.cpus,
                "alloc_cpus": used,
                "alloc_idle_cpus": n.cpus - used,
                "tres_used": f"cpu={used}" if used else "",
                "tres_weighted": float(used),
                "slurmd_start_time": no_val(started_at),
                "sockets": n.sockets,
                "threads": 1,
                "temporary_disk": 0,
                "weight": 1,
                "topology": "",
                "tres": f"cpu={n.cpus},mem={n.real_memory}M,billing={n.cpus}"
                + (f",gres/gpu={n.gpus}" if n.gpus else ""),
                "version": ".".join(SLURM_RELEASE),
            }
        )
    return out


def partition_list(model: ClusterModel) -> list[JsonObject]:
    """Every partition with its limits."""
    out = []
    for p in model.partitions:
        cpus = model.cpus_of(p.nodes)
        out.append(
            {
                "nodes": {
                    "allowed_allocation": "",
                    "configured": compress_hostlist(p.nodes),
                    "total": len(p.nodes),
                },
                "accounts": {"allowed": "", "deny": ""},
                "groups": {"allowed": ""},
                "qos": {"allowed": "", "deny": "", "assigned": ""},
                "alternate": "",
                "tres": {
                    "billing_weights": "",
                    "configured": f"cpu={cpus},node={len(p.nodes)},billing={cpus}",
                },
                "cluster": model.name,
                "select_type": ["CORE", "MEMORY"],
                "cpus": {"task_binding": 0, "total": cpus},
                "defaults": {
                    "memory_per_cpu": 0,
                    "partition_memory_per_cpu": no_val(),
                    "partition_memory_per_node": no_val(),
                    "time": no_val(p.default_time),
                    "job": "",
                },
                "grace_time": 0,
                "maximums": {
                    "cpus_per_node": no_val(None, infinite=True),
                    "cpus_per_socket": no_val(None, infinite=True),
                    "memory_per_cpu": 0,
                    "partition_memory_per_cpu": no_val(),
                    "partition_memory_per_node": no_val(None, infinite=True),
                    "nodes": no_val(p.max_nodes),
                    "shares": 1,
                    "oversubscribe": {"jobs": 1, "flags": []},
                    "time": no_val(p.max_time),
                    "over_time_limit": no_val(),
                },
                "minimums": {"nodes": 1},
                "name": p.name,
                "node_sets": "",
                "priority": {"job_factor": 1, "tier": p.tier},
                "timeouts": {"resume": no_val(), "suspend": no_val()},
                "topology": "",
                "partition": {"state": [p.state]},
                "suspend_time": no_val(),
            }
        )
    return out


def reservation_list(model: ClusterModel, *, started_at: int) -> list[JsonObject]:
    """The configured reservations, with absolute times."""
    return [
        {
            "accounts": "",
            "burst_buffer": "",
            "core_count": model.cpus_of(r.nodes),
            "core_specializations": [],
            "end_time": no_val(started_at + r.start_in + r.duration),
            "features": "",
            "flags": list(r.flags),
            "groups": "",
            "licenses": "",
            "max_start_delay": 0,
            "name": r.name,
            "node_count": len(r.nodes),
            "node_list": compress_hostlist(r.nodes),
            "partition": r.partition,
            "purge_completed": {"time": no_val()},
            "start_time": no_val(started_at + r.start_in),
            "watts": no_val(None, infinite=True),
            "tres": f"cpu={model.cpus_of(r.nodes)}",
            "users": r.users,
        }
        for r in model.reservations
    ]


def diag(
    jobs: Iterable[Job],
    counters: Mapping[str, int],
    rpc_counts: Mapping[str, int],
    *,
    now: float,
    started_at: int,
) -> JsonObject:
    """Scheduler statistics that follow real activity."""
    jobs = list(jobs)
    now = int(now)
    pending = sum(j.state == "PENDING" for j in jobs)
    running = sum(j.state == "RUNNING" for j in jobs)
    return {
        "parts_packed": 1,
        "req_time": no_val(now),
        "req_time_start": no_val(started_at),
        "server_thread_count": 1,
        "agent_queue_size": 0,
        "agent_count": 0,
        "agent_thread_count": 0,
        "dbd_agent_queue_size": 0,
        "gettimeofday_latency": 0,
        "schedule_cycle_max": 0,
        "schedule_cycle_last": 0,
        "schedule_cycle_sum": 0,
        "schedule_cycle_total": 0,
        "schedule_cycle_mean": 0,
        "schedule_cycle_mean_depth": 0,
        "schedule_cycle_per_minute": 0,
        "schedule_cycle_depth": 0,
        "schedule_exit": {
            "end_job_queue": 0,
            "default_queue_depth": 100,
            "max_job_start": 0,
            "max_rpc_cnt": 0,
            "max_sched_time": 0,
            "licenses": 0,
        },
        "schedule_queue_length": pending,
        **counters,
        "jobs_pending": pending,
        "jobs_running": running,
        "job_states_ts": no_val(now),
        "bf_backfilled_jobs": 0,
        "bf_last_backfilled_jobs": 0,
        "bf_backfilled_het_jobs": 0,
        "bf_cycle_counter": 0,
        "bf_cycle_mean": 0,
        "bf_depth_mean": 0,
        "bf_depth_mean_try": 0,
        "bf_cycle_sum": 0,
        "bf_cycle_last": 0,
        "bf_cycle_max": 0,
        "bf_exit": {
            "end_job_queue": 0,
            "bf_max_job_start": 0,
            "bf_max_job_test": 0,
            "bf_max_time": 0,
            "bf_node_space_size": 0,
            "state_changed": 0,
        },
        "bf_last_depth": 0,
        "bf_last_depth_try": 0,
        "bf_depth_sum": 0,
        "bf_depth_try_sum": 0,
        "bf_queue_len": 0,
        "bf_queue_len_mean": 0,
        "bf_queue_len_sum": 0,
        "bf_table_size": 0,
        "bf_table_size_sum": 0,
        "bf_table_size_mean": 0,
        "bf_when_last_cycle": no_val(),
        "bf_active": False,
        "rpcs_by_message_type": [
            {
                "type_id": i,
                "message_type": name,
                "count": count,
                "queued": 0,
                "dropped": 0,
                "cycle_last": 0,
                "cycle_max": 0,
                "total_time": 0,
                "average_time": no_val(0),
            }
            for i, (name, count) in enumerate(sorted(rpc_counts.items()), start=1)
        ],
        "rpcs_by_user": [],
        "pending_rpcs": [],
        "pending_rpcs_by_hostlist": [],
    }


def ping(model: ClusterModel, *, latency: int) -> JsonObject:
    """One controller, answering."""
    return {
        "hostname": f"{model.name}-slurmctld",
        "pinged": "UP",
        "responding": True,
        "latency": latency,
        "mode": "primary",
        "primary": True,
    }


__all__ = [
    "SLURM_RELEASE",
    "diag",
    "node_list",
    "partition_list",
    "ping",
    "reservation_list",
]
