"""The built-in backend's job answers: its jobs as Slurm's own objects (v0.0.43 shapes).

Pure functions of a job and the model: ``job_info`` (slurmctld's view of a job, GetJobs) and
``job_record`` (slurmdbd's, which S3M's GetJob returns). They produce SchedMD's complete v0.0.43
objects; ``render`` shapes them into S3M's messages for each API version. The cluster's answers
(nodes, partitions, reservations, diag, ping) are in ``cluster_answers``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from s3m_grpc.emulator.model import ClusterModel, compress_hostlist
from s3m_grpc.emulator.state import Job, exit_struct, expand
from s3m_grpc.slurmdefs import no_val, number_of

JsonObject = dict[str, Any]


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


__all__ = ["job_info", "job_record"]
