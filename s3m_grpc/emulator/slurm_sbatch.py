"""sbatch's command line for a job description: options for the fields sbatch has options for.

A field S3M's description carries but sbatch has no option for is refused (error 9001), never
dropped; the environment goes to the job through ``--export-file``, never into sbatch's own.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

from s3m_grpc.emulator.state import SlurmRejection
from s3m_grpc.slurmdefs import number_of

JsonObject = dict[str, Any]

_STRING_OPTIONS = {
    "name": "--job-name",
    "partition": "--partition",
    "account": "--account",
    "qos": "--qos",
    "comment": "--comment",
    "current_working_directory": "--chdir",
    "standard_output": "--output",
    "standard_error": "--error",
    "standard_input": "--input",
    "reservation": "--reservation",
    "licenses": "--licenses",
}
_NUMBER_OPTIONS = {
    "tasks": "--ntasks",
    "cpus_per_task": "--cpus-per-task",
    "tasks_per_node": "--ntasks-per-node",
    "tasks_per_socket": "--ntasks-per-socket",
    "tasks_per_core": "--ntasks-per-core",
    "sockets_per_node": "--sockets-per-node",
    "threads_per_core": "--threads-per-core",
    "minimum_cpus_per_node": "--mincpus",
    "ntasks_per_tres": "--ntasks-per-gpu",
    "memory_per_node": "--mem",
    "memory_per_cpu": "--mem-per-cpu",
    "time_minimum": "--time-min",
    "priority": "--priority",
}
# Handled below, or only describing the request (the script travels on stdin).
_SPECIAL = {"environment", "time_limit", "begin_time", "script", "nodes", "minimum_nodes", "maximum_nodes",
            "wait_all_nodes", "distribution_plane_size"}  # fmt: skip


def sbatch_arguments(desc: JsonObject) -> tuple[list[str], list[str]]:
    """sbatch options for an S3M job description, and the job's environment (``NAME=value`` entries).

    A field sbatch has no option for is refused (error 9001) rather than dropped: a user's request
    must not lose part of itself on the way to Slurm. The environment is the job's only (sbatch's
    ``--export-file``), never sbatch's own.
    """
    unsupported = sorted(set(desc) - set(_STRING_OPTIONS) - set(_NUMBER_OPTIONS) - _SPECIAL)
    if unsupported:
        raise SlurmRejection(
            9001, "Unsupported job description field", "sbatch has no option for " + ", ".join(unsupported)
        )
    argv: list[str] = []
    for key, option in _STRING_OPTIONS.items():
        value = desc.get(key)
        if value not in (None, "", []):
            argv.append(f"{option}={value}")
    for key, option in _NUMBER_OPTIONS.items():
        value = number_of(desc.get(key))
        if value is not None and value >= 0:  # -1 is an infinite count: no option means no limit
            argv.append(f"{option}={value}")
    low, high = number_of(desc.get("minimum_nodes")), number_of(desc.get("maximum_nodes"))
    if low is not None:
        argv.append(f"--nodes={low}-{high}" if high else f"--nodes={low}")
    elif desc.get("nodes"):
        argv.append(f"--nodes={desc['nodes']}")
    limit = number_of(desc.get("time_limit"))
    if limit == -1:
        argv.append("--time=UNLIMITED")
    elif limit is not None:
        argv.append(f"--time={limit}")
    begin = number_of(desc.get("begin_time"))
    if begin:
        argv.append("--begin=" + datetime.datetime.fromtimestamp(begin).strftime("%Y-%m-%dT%H:%M:%S"))
    if desc.get("wait_all_nodes") is not None:
        argv.append(f"--wait-all-nodes={int(bool(desc['wait_all_nodes']))}")
    plane = number_of(desc.get("distribution_plane_size"))
    if plane:
        argv.append(f"--distribution=plane={plane}")
    environment = []
    for entry in desc.get("environment") or []:
        key, sep, _ = str(entry).partition("=")
        if not sep or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key) or "\x00" in str(entry):
            raise SlurmRejection(
                9001, "Failed to parse", f"environment entry {str(entry)[:40]!r} is not NAME=value"
            )
        environment.append(str(entry))
    return argv, environment


__all__ = ["sbatch_arguments"]
