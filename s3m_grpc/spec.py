"""``JobSpec``: a batch job as S3M can carry it, independent of the API version.

    spec = JobSpec.from_script("hello.sh")                 # reads its #SBATCH lines
    spec = JobSpec(script="#!/bin/bash\\necho hi", name="hi", partition="batch-cpu", time_limit="1:00:00")
    request = spec.to_request("v0.0.43")                   # the generated JobSubmitReq

A JobSpec holds only what S3M's job description has a field for (38 of Slurm's ~120 job_desc_msg
fields); ``#SBATCH`` options it cannot carry are refused with the reason (``s3m_grpc.sbatch``).
Times are minutes (Slurm's unit) and memory MiB, or Slurm strings (``"2-12"``, ``"500G"``).
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Final

from s3m_grpc.arrays import parse_array
from s3m_grpc.dependency import parse_dependency
from s3m_grpc.errors import ConfigurationError
from s3m_grpc.rpc import VERSIONS
from s3m_grpc.sbatch import DEFAULT_ENVIRONMENT, ScriptError, directives, parse_memory, parse_time

MAX_SCRIPT_BYTES: Final = 4 * 1024 * 1024  # slurmctld's own limit on a batch script is 4 MiB
_COUNTS: Final = (
    "nodes",
    "max_nodes",
    "tasks",
    "tasks_per_node",
    "tasks_per_socket",
    "tasks_per_core",
    "cpus_per_task",
    "min_cpus_per_node",
    "sockets_per_node",
    "threads_per_core",
)
_TEXT: Final = (
    "name",
    "account",
    "partition",
    "qos",
    "reservation",
    "working_directory",
    "standard_output",
    "standard_error",
    "standard_input",
    "comment",
    "licenses",
    "array",
    "dependency",
)
# JobSpec field -> the job description's field, for the plain ones.
_SIMPLE: Final = {
    "name": "name",
    "account": "account",
    "partition": "partition",
    "qos": "qos",
    "reservation": "reservation",
    "licenses": "licenses",
    "comment": "comment",
    "working_directory": "current_working_directory",
    "standard_output": "standard_output",
    "standard_error": "standard_error",
    "standard_input": "standard_input",
    "nodes": "minimum_nodes",
    "max_nodes": "maximum_nodes",
    "tasks": "tasks",
    "tasks_per_node": "tasks_per_node",
    "tasks_per_socket": "tasks_per_socket",
    "tasks_per_core": "tasks_per_core",
    "cpus_per_task": "cpus_per_task",
    "min_cpus_per_node": "minimum_cpus_per_node",
    "sockets_per_node": "sockets_per_node",
    "threads_per_core": "threads_per_core",
    "wait_all_nodes": "wait_all_nodes",
}


@dataclass(frozen=True, kw_only=True)
class JobSpec:
    """A batch job, independent of the Slurm API version. Unset (None) fields take Slurm's defaults."""

    script: str
    name: str | None = None
    account: str | None = None
    partition: str | None = None
    qos: str | None = None
    reservation: str | None = None
    nodes: int | None = None
    max_nodes: int | None = None
    tasks: int | None = None
    tasks_per_node: int | None = None
    tasks_per_socket: int | None = None
    tasks_per_core: int | None = None
    cpus_per_task: int | None = None
    min_cpus_per_node: int | None = None
    sockets_per_node: int | None = None
    threads_per_core: int | None = None
    memory_per_node: int | str | None = None  # MiB, or "500G"
    memory_per_cpu: int | str | None = None
    time_limit: float | str | None = None  # minutes (math.inf: UNLIMITED), or "1:00:00", "2-12"
    time_min: float | str | None = None
    working_directory: str | None = None
    environment: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_ENVIRONMENT))
    standard_output: str | None = None
    standard_error: str | None = None
    standard_input: str | None = None
    comment: str | None = None
    begin_time: int | None = None  # UNIX time
    licenses: str | None = None
    wait_all_nodes: bool | None = None
    #: sbatch's ``--array`` (``"0-99%10"``): one S3M job per index, run by ``Slurm.submit_group``.
    array: str | None = None
    #: sbatch's ``--dependency`` (``"afterok:123"``): held by the client until met (``Slurm.submit_group``).
    dependency: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.script, str) or not self.script.strip():
            raise ScriptError("the batch script is empty")
        if len(self.script.encode("utf-8", "surrogatepass")) > MAX_SCRIPT_BYTES:
            raise ScriptError(f"the batch script exceeds {MAX_SCRIPT_BYTES // (1024 * 1024)} MiB")
        try:
            self.script.encode("utf-8")
        except UnicodeEncodeError:
            raise ScriptError("the batch script is not valid UTF-8 text") from None
        for name in _TEXT:
            value = getattr(self, name)
            if value is not None and not isinstance(value, str):
                raise ConfigurationError(f"JobSpec.{name} must be text, got {type(value).__name__}")
        if self.wait_all_nodes is not None and not isinstance(self.wait_all_nodes, bool):
            raise ConfigurationError(
                f"JobSpec.wait_all_nodes must be True or False, got {self.wait_all_nodes!r}"
            )
        if self.array is not None:
            parse_array(self.array)  # refused now, not when the client comes to run it
        if self.dependency is not None:
            parse_dependency(self.dependency)
        for name, parse in (("time_limit", parse_time), ("time_min", parse_time)):
            self._convert(name, parse)
        for name in ("memory_per_node", "memory_per_cpu"):
            self._convert(name, parse_memory)
        for name in (*_COUNTS, "memory_per_node", "memory_per_cpu", "begin_time"):
            value = getattr(self, name)
            limit = 2**40 if name == "begin_time" else 2**31
            low = 0 if name.startswith("memory") else 1  # --mem=0: all of each node's memory
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, int) or not low <= value < limit
            ):
                raise ConfigurationError(f"JobSpec.{name} must be a positive integer, got {value!r}")
        for name in ("time_limit", "time_min"):
            value = getattr(self, name)
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int | float):
                kind = type(value).__name__
                raise ConfigurationError(f"JobSpec.{name} must be minutes or a Slurm time, got {kind}")
            if not (value > 0 and (value == math.inf or value < 2**31)):
                raise ConfigurationError(f"JobSpec.{name} must be positive minutes, got {value!r}")
            if value != math.inf:
                object.__setattr__(self, name, math.ceil(value))  # Slurm counts whole minutes
        if not isinstance(self.environment, Mapping):
            kind = type(self.environment).__name__
            raise ConfigurationError(f"JobSpec.environment must map names to values, got {kind}")
        for key, value in self.environment.items():
            if not isinstance(key, str) or not key or "=" in key or "\x00" in key:
                raise ConfigurationError(f"invalid environment variable name {key!r}")
            if not isinstance(value, str) or "\x00" in value:
                raise ConfigurationError(f"environment variable {key}: the value must be text without NUL")

    def _convert(self, name: str, parse: Any) -> None:
        value = getattr(self, name)
        if isinstance(value, str):
            try:
                object.__setattr__(self, name, parse(value))
            except ValueError as exc:
                raise ConfigurationError(f"JobSpec.{name}: {exc}") from None

    def replace(self, **changes: Any) -> JobSpec:
        """A copy with some fields changed (the CLI's overrides)."""
        return replace(self, **changes)

    # -- rendering -----------------------------------------------------------------------------

    def job_description(self, *, comment: str | None = None) -> dict[str, Any]:
        """S3M's job description as Slurm JSON (the same field names in every API version)."""
        desc: dict[str, Any] = {
            "script": self.script,
            "environment": [f"{k}={v}" for k, v in self.environment.items()],
        }
        for ours, theirs in _SIMPLE.items():
            value = getattr(self, ours)
            if value is not None:
                desc[theirs] = value
        for ours, theirs in (("time_limit", "time_limit"), ("time_min", "time_minimum")):
            value = getattr(self, ours)
            if value is not None:
                desc[theirs] = (
                    {"infinite": True} if value == math.inf else {"set": True, "number": int(value)}
                )
        for ours in ("memory_per_node", "memory_per_cpu", "begin_time"):
            value = getattr(self, ours)
            if value is not None:
                desc[ours] = {"set": True, "number": value}
        if comment is not None:
            desc["comment"] = comment
        return desc

    def to_json(self, api_version: str = "v0.0.43", *, comment: str | None = None) -> dict[str, Any]:
        """The PostJobSubmit body as Slurm JSON, in the form OLCF's docs show for the version.

        v0.0.42 and v0.0.43 send ``{"job": {..., "script": ...}}``; v0.0.44 sends the script at
        the top and one job in ``jobs`` (several would be one heterogeneous job, as in Slurm).
        """
        version = _version(api_version)
        desc = self.job_description(comment=comment)
        if version.suffix == "v0044":
            script = desc.pop("script")
            return {"script": script, "jobs": [desc]}
        return {"job": desc}

    def to_upb(self, api_version: str = "v0.0.43", *, comment: str | None = None) -> Any:
        """The JobSubmitReq as an upb message (what the high-level client sends)."""
        from s3m_grpc.slurmjson import to_upb

        version = _version(api_version)
        return to_upb(version.upb.JobSubmitReq, self.to_json(api_version, comment=comment), strict=True)

    def to_request(self, api_version: str = "v0.0.43", *, comment: str | None = None) -> Any:
        """The generated betterproto ``JobSubmitReq`` for an API version (what a stub takes)."""
        version = _version(api_version)
        return version.betterproto.JobSubmitReq().parse(
            self.to_upb(api_version, comment=comment).SerializeToString()
        )

    # -- #SBATCH ---------------------------------------------------------------------------------

    @classmethod
    def from_script(cls, path: str | os.PathLike[str], **overrides: Any) -> JobSpec:
        """Read a batch script and its ``#SBATCH`` directives; keyword arguments override them."""
        file = Path(path)
        try:
            raw = file.read_bytes()
        except OSError as exc:
            raise ScriptError(f"cannot read {file}: {exc.strerror}") from None
        if len(raw) > MAX_SCRIPT_BYTES:
            raise ScriptError(f"{file} exceeds {MAX_SCRIPT_BYTES // (1024 * 1024)} MiB")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ScriptError(f"{file} is not valid UTF-8 (byte {exc.start})") from None
        return cls.from_text(text, path=str(file), **overrides)

    @classmethod
    def from_text(cls, text: str, *, path: str | None = None, **overrides: Any) -> JobSpec:
        """Like ``from_script``, for a script already in memory."""
        values = directives(text, path=path)
        names = {f.name for f in fields(cls)} - {"script"}  # the script is the file's
        unknown = set(overrides) - names
        if unknown:
            raise ConfigurationError(f"unknown JobSpec fields: {sorted(unknown)}")
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(script=text, **values)


def _version(api_version: str) -> Any:
    version = VERSIONS.get(api_version)
    if version is None:
        raise ConfigurationError(
            f"no job description for Slurm API {api_version!r}; one of {sorted(VERSIONS)}"
        )
    return version


__all__ = ["JobSpec", "ScriptError"]
