"""The built-in backend's answers: its model and jobs as Slurm's own objects (v0.0.43 shapes).

Pure functions of the model and the jobs, one per kind of answer: ``job_info`` (slurmctld's view
of a job), ``job_record`` (slurmdbd's, which S3M's GetJob returns), ``node_list``,
``partition_list``, ``reservation_list``, ``diag`` and ``ping``. They produce SchedMD's complete
v0.0.43 objects; ``render`` shapes them into S3M's messages for each API version.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Final

from s3m_grpc.emulator.model import ClusterModel, compress_hostlist
from s3m_grpc.emulator.state import Job, exit_struct, expand
from s3m_grpc.slurmdefs import no_val, number_of

JsonObject = dict[str, Any]
SLURM_RELEASE: Final = ("25", "05", "8")


def _no_val_of(value: Any) -> JsonObject:
    """A NoVal struct as given (set, infinite or unset), in the canonical form."""
    number = number_of(value)
    return no_val(None, infinite=True) if number == -1 else no_val(number)


def _exit(job: Job) -> JsonObject:
    return exit_struct(job.state not in ("PENDING", "RUNNING"), job.exit_code, job.signal)


def job_info(job: Job, model: ClusterModel, *, host: str) -> JsonObject:
    """A complete ``job_info`` object, as slurmctld reports the job now."""
    desc, running = job.desc, job.state == "RUNNING"
    nodes = sorted(job.alloc) or list(job.ran_on)  # sacct and squeue keep a finished job's nodes
    cpus = sum(job.alloc.values()) or job.tasks * job.cpus_per_task
    limit = job.time_limit
    partition = model.partition(job.partition)
    if limit is None and partition is not None:
        limit = partition.default_time
    out_path = desc.get("standard_output") or "slurm-%j.out"
    err_path = desc.get("standard_error") or out_path
    info: JsonObject = {
        "account": str(desc.get("account") or ""),
        "accrue_time": no_val(job.submit_time),
        "admin_comment": "",
        "allocating_node": host,
        "array_job_id": no_val(0),
        "array_task_id": no_val(),
        "array_max_tasks": no_val(0),
        "array_task_string": "",
        "association_id": 0,
        "batch_features": "",
        "batch_flag": True,
        "batch_host": nodes[0] if nodes else "",
        "flags": ["EXACT_CPU_COUNT_REQUESTED"],
        "burst_buffer": "",
        "burst_buffer_state": "",
        "cluster": model.name,
        "cluster_features": "",
        "command": "",
        "comment": str(desc.get("comment") or ""),
        "container": "",
        "container_id": "",
        "contiguous": False,
        "core_spec": 0,
        "thread_spec": 0,
        "cores_per_socket": no_val(),
        "billable_tres": {"set": True, "infinite": False, "number": float(cpus)},
        "cpus_per_task": no_val(job.cpus_per_task),
        "cpu_frequency_minimum": no_val(),
        "cpu_frequency_maximum": no_val(),
        "cpu_frequency_governor": no_val(),
        "cpus_per_tres": "",
        "cron": "",
        "deadline": no_val(0),
        "delay_boot": no_val(0),
        "dependency": str(desc.get("dependency") or ""),
        "derived_exit_code": _exit(job),
        "eligible_time": no_val(job.submit_time),
        "end_time": no_val(job.end_time),
        "excluded_nodes": "",
        "exit_code": _exit(job),
        "extra": "",
        "failed_node": "",
        "features": str(desc.get("constraints") or ""),
        "federation_origin": "",
        "federation_siblings_active": "",
        "federation_siblings_viable": "",
        "gres_detail": [],
        "group_id": os.getgid(),
        "group_name": job.user,
        "het_job_id": no_val(0),
        "het_job_id_set": "",
        "het_job_offset": no_val(0),
        "job_id": job.job_id,
        "job_size_str": [],
        "job_state": [job.state],
        "last_sched_evaluation": no_val(job.start_time or job.submit_time),
        "licenses": "",
        "licenses_allocated": "",
        "mail_type": list(desc.get("mail_type") or []),
        "mail_user": str(desc.get("mail_user") or ""),
        "max_cpus": no_val(0),
        "max_nodes": no_val(0),
        "mcs_label": "",
        "memory_per_tres": "",
        "name": job.name,
        "network": "",
        "nodes": compress_hostlist(nodes),
        "nice": int(desc.get("nice") or 0),
        "tasks_per_core": no_val(None, infinite=True),
        "tasks_per_tres": no_val(0),
        "tasks_per_node": no_val(0),
        "tasks_per_socket": no_val(None, infinite=True),
        "tasks_per_board": no_val(0),
        "cpus": no_val(cpus),
        "node_count": no_val(job.nodes_wanted),
        "tasks": no_val(job.tasks),
        "partition": job.partition,
        "prefer": "",
        "memory_per_cpu": no_val(),
        "memory_per_node": _no_val_of(desc.get("memory_per_node")),
        "minimum_cpus_per_node": no_val(job.cpus_per_task),
        "minimum_tmp_disk_per_node": no_val(0),
        "power": {"flags": []},
        "preempt_time": no_val(0),
        "preemptable_time": no_val(0),
        "pre_sus_time": no_val(0),
        "hold": bool(desc.get("hold")),
        "priority": no_val(0 if desc.get("hold") else 4294901757 - job.job_id % 10000),
        "priority_by_partition": [],
        "profile": ["NOT_SET"],
        "qos": str(desc.get("qos") or "normal"),
        "reboot": False,
        "required_nodes": "",
        "required_switches": 0,
        "requeue": bool(desc.get("requeue", False)),
        "resize_time": no_val(0),
        "restart_cnt": 0,
        "resv_name": str(desc.get("reservation") or ""),
        "scheduled_nodes": "",
        "segment_size": 0,
        "selinux_context": "",
        "shared": [],
        "sockets_per_board": 0,
        "sockets_per_node": no_val(),
        "start_time": no_val(job.start_time),
        "state_description": job.description,
        "state_reason": job.reason,
        "standard_input": str(desc.get("standard_input") or "/dev/null"),
        "standard_output": out_path,
        "standard_error": err_path,
        "stdin_expanded": str(expand(desc.get("standard_input") or "/dev/null", job, Path(job.cwd))),
        "stdout_expanded": str(expand(out_path, job, Path(job.cwd))),
        "stderr_expanded": str(expand(err_path, job, Path(job.cwd))),
        "submit_time": no_val(job.submit_time),
        "suspend_time": no_val(0),
        "system_comment": "",
        "time_limit": no_val(limit) if limit is not None and limit >= 0 else no_val(None, infinite=True),
        "time_minimum": no_val(0),
        "threads_per_core": no_val(),
        "tres_bind": "",
        "tres_freq": "",
        "tres_per_job": "",
        "tres_per_node": str(desc.get("tres_per_node") or ""),
        "tres_per_socket": "",
        "tres_per_task": "",
        "tres_req_str": f"cpu={cpus},node={job.nodes_wanted},billing={cpus}",
        "tres_alloc_str": f"cpu={cpus},node={len(nodes)},billing={cpus}" if nodes else "",
        "user_id": os.getuid(),
        "user_name": job.user,
        "maximum_switch_wait_time": 0,
        "wckey": "",
        "current_working_directory": job.cwd,
    }
    if running:
        info["job_resources"] = {
            "select_type": ["CORE", "MEMORY"],
            "cpus": cpus,
            "threads_per_core": no_val(1),
            "nodes": {
                "count": len(nodes),
                "select_type": ["AVAILABLE"],
                "list": compress_hostlist(nodes),
                "whole": False,
                "allocation": [
                    {
                        "index": i,
                        "name": node,
                        "cpus": {"count": job.alloc[node], "used": job.alloc[node]},
                        "memory": {"used": 0, "allocated": 0},
                        "sockets": [],
                    }
                    for i, node in enumerate(nodes)
                ],
            },
        }
    return info


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


def job_record(info: JsonObject, *, script: str = "", now: float) -> JsonObject:
    """slurmdbd's record of a job (SchedMD's ``job`` schema), from slurmctld's ``job_info`` of it.

    S3M answers GetJob in this shape; the Slurm backend derives it from squeue's output the same way.
    """
    state = (info.get("job_state") or ["PENDING"])[0]
    start = number_of(info.get("start_time")) or 0
    end = number_of(info.get("end_time")) or 0
    started = state not in ("PENDING",) and start > 0
    finished = state not in ("PENDING", "RUNNING", "SUSPENDED", "COMPLETING", "CONFIGURING")
    elapsed = max(int((end if finished else now) - start), 0) if started else 0
    eligible = number_of(info.get("eligible_time")) or 0
    nodes = str(info.get("nodes") or "")
    node_count = number_of(info.get("node_count")) or 0
    cpus = number_of(info.get("cpus")) or 0
    step_state = [state] if started else []
    steps = []
    if started:
        steps.append(
            {
                "time": {
                    "elapsed": elapsed,
                    "end": no_val(end if finished else None),
                    "start": no_val(start),
                    "suspended": 0,
                },
                "exit_code": info.get("exit_code"),
                "nodes": {"count": node_count, "range": nodes, "list": [nodes] if nodes else []},
                "tasks": {"count": number_of(info.get("tasks")) or 1},
                "CPU": {"requested_frequency": {"min": no_val(), "max": no_val()}, "governor": ""},
                "kill_request_user": "",
                "state": step_state,
                "step": {"id": f"{info.get('job_id')}.batch", "name": "batch"},
                "task": {"distribution": "Unknown"},
            }
        )
    return {
        "account": info.get("account", ""),
        "comment": {
            "administrator": info.get("admin_comment", ""),
            "job": info.get("comment", ""),
            "system": info.get("system_comment", ""),
        },
        "allocation_nodes": node_count if started else 0,
        "array": {
            "job_id": number_of(info.get("array_job_id")) or 0,
            "task_id": info.get("array_task_id") or no_val(),
            "task": info.get("array_task_string", ""),
            "limits": {"max": {"running": {"tasks": number_of(info.get("array_max_tasks")) or 0}}},
        },
        "association": {
            "account": info.get("account", ""),
            "cluster": info.get("cluster", ""),
            "partition": info.get("partition", ""),
            "user": info.get("user_name", ""),
            "id": info.get("association_id", 0),
        },
        "block": "",
        "cluster": info.get("cluster", ""),
        "constraints": info.get("features", ""),
        "container": info.get("container", ""),
        "derived_exit_code": info.get("derived_exit_code"),
        "time": {
            "elapsed": elapsed,
            "start": start if started else 0,
            "end": end if finished else 0,
            "suspended": 0,
            "planned": no_val(max(start - eligible, 0) if started and eligible else None),
        },
        "exit_code": info.get("exit_code"),
        "extra": info.get("extra", ""),
        "failed_node": info.get("failed_node", ""),
        "flags": ["STARTED_ON_SCHEDULE"] if started else [],  # slurmdbd's flags, not slurmctld's
        "group": info.get("group_name", ""),
        "het": {
            "job_id": number_of(info.get("het_job_id")) or 0,
            "job_offset": info.get("het_job_offset") or no_val(),
        },
        "job_id": info.get("job_id", 0),
        "name": info.get("name", ""),
        "licenses": info.get("licenses", ""),
        "nodes": nodes if started else "None assigned",
        "partition": info.get("partition", ""),
        "hold": bool(info.get("hold", False)),
        "priority": info.get("priority") or no_val(),
        "qos": info.get("qos", ""),
        "qosreq": info.get("qos", ""),
        "required": {
            "CPUs": cpus,
            "memory_per_cpu": info.get("memory_per_cpu") or no_val(),
            "memory_per_node": info.get("memory_per_node") or no_val(),
        },
        "kill_request_user": "",
        "restart_cnt": info.get("restart_cnt", 0),
        "reservation": {"id": 0, "name": info.get("resv_name", "")},
        "script": script,
        "stdin_expanded": info.get("stdin_expanded", ""),
        "stdout_expanded": info.get("stdout_expanded", ""),
        "stderr_expanded": info.get("stderr_expanded", ""),
        "stdout": info.get("standard_output", ""),
        "stderr": info.get("standard_error", ""),
        "stdin": info.get("standard_input", ""),
        "state": {"current": list(info.get("job_state") or []), "reason": info.get("state_reason", "")},
        "steps": steps,
        "submit_line": "",
        "used_gres": "",
        "user": info.get("user_name", ""),
        "working_directory": info.get("current_working_directory", ""),
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
