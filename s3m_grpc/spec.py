"""``JobSpec``: a version-neutral description of a batch job, and ``#SBATCH`` parsing.

    spec = JobSpec.from_script("hello.sh")                 # reads its #SBATCH lines
    spec = JobSpec(script="#!/bin/bash\\necho hi", name="hi", partition="batch-cpu", time_limit=30)
    request = spec.to_request("v0.0.43")                   # JobSubmitReq of the generated package

Times are minutes (Slurm's unit); memory is MiB. ``from_script`` understands the sbatch options
listed in ``OPTIONS`` in their short and long forms and every time format sbatch does
(``30``, ``30:00``, ``1:00:00``, ``2-12``, ``2-12:30``, ``2-12:30:00``, ``UNLIMITED``).
"""

from __future__ import annotations

import importlib
import math
import os
import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from s3m_grpc.errors import ConfigurationError
from s3m_grpc.rpc import PACKAGES

MAX_SCRIPT_BYTES = 4 * 1024 * 1024  # slurmctld's own limit on a batch script is 4 MiB
DEFAULT_ENVIRONMENT = {"PATH": "/usr/local/bin:/usr/bin:/bin"}


class ScriptError(ConfigurationError):
    """A batch script or one of its #SBATCH directives is not acceptable."""

    def __init__(self, message: str, *, line: int | None = None, path: str | None = None) -> None:
        where = f"{path or 'script'}:{line}: " if line is not None else ""
        super().__init__(where + message)
        self.line = line


def parse_time(text: str) -> float:
    """Minutes from a Slurm time: ``30``, ``30:00``, ``1:00:00``, ``2-12``, ``2-12:30:00``, ``UNLIMITED``."""
    value = text.strip()
    if value.upper() in ("UNLIMITED", "INFINITE", "-1"):
        return math.inf
    match = re.fullmatch(r"(?:(\d+)-)?(\d+)(?::(\d+))?(?::(\d+))?", value)
    if match is None:
        raise ValueError(f"not a Slurm time: {text!r}")
    days, first, second, third = match.groups()
    if days is not None:  # days-hours[:minutes[:seconds]]
        seconds = int(days) * 86400 + int(first) * 3600 + int(second or 0) * 60 + int(third or 0)
    elif third is not None:  # hours:minutes:seconds
        seconds = int(first) * 3600 + int(second) * 60 + int(third)
    elif second is not None:  # minutes:seconds
        seconds = int(first) * 60 + int(second)
    else:  # minutes
        seconds = int(first) * 60
    return math.ceil(seconds / 60)


def parse_memory(text: str) -> int:
    """Memory in MiB from Slurm's forms: ``4000``, ``500M``, ``4G``, ``1T`` (K rounds up)."""
    match = re.fullmatch(r"(\d+)([KMGT]?)B?", text.strip().upper())
    if match is None:
        raise ValueError(f"not a Slurm memory size: {text!r}")
    number, unit = int(match[1]), match[2] or "M"
    return {"K": math.ceil(number / 1024), "M": number, "G": number * 1024, "T": number * 1024 * 1024}[unit]


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
    cpus_per_task: int | None = None
    memory_per_node: int | None = None  # MiB
    memory_per_cpu: int | None = None  # MiB
    time_limit: float | None = None  # minutes; math.inf for UNLIMITED
    working_directory: str | None = None
    environment: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_ENVIRONMENT))
    standard_output: str | None = None
    standard_error: str | None = None
    standard_input: str | None = None
    gres: str | None = None  # e.g. "gres/gpu:4" (tres_per_node)
    constraints: str | None = None
    dependency: str | None = None
    array: str | None = None
    comment: str | None = None
    hold: bool | None = None
    requeue: bool | None = None
    exclusive: bool | None = None
    mail_type: tuple[str, ...] = ()
    mail_user: str | None = None
    begin_time: int | None = None  # UNIX time

    def __post_init__(self) -> None:
        if not self.script or not self.script.strip():
            raise ScriptError("the batch script is empty")
        if len(self.script.encode("utf-8", "surrogatepass")) > MAX_SCRIPT_BYTES:
            raise ScriptError(f"the batch script exceeds {MAX_SCRIPT_BYTES // (1024 * 1024)} MiB")
        try:
            self.script.encode("utf-8")
        except UnicodeEncodeError:
            raise ScriptError("the batch script is not valid UTF-8 text") from None
        for name in (
            "nodes",
            "max_nodes",
            "tasks",
            "tasks_per_node",
            "cpus_per_task",
            "memory_per_node",
            "memory_per_cpu",
        ):
            value = getattr(self, name)
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2**31
            ):
                raise ConfigurationError(
                    f"JobSpec.{name} must be a positive integer below 2^31, got {value!r}"
                )
        if self.time_limit is not None and not (
            self.time_limit > 0 and (self.time_limit == math.inf or self.time_limit < 2**31)
        ):
            raise ConfigurationError(f"JobSpec.time_limit must be positive minutes, got {self.time_limit!r}")
        for key in self.environment:
            if not key or "=" in key or "\x00" in key:
                raise ConfigurationError(f"invalid environment variable name {key!r}")

    def replace(self, **changes: Any) -> JobSpec:
        """A copy with some fields changed (the CLI's overrides)."""
        return replace(self, **changes)

    # -- rendering -----------------------------------------------------------------------------

    def job_description(self) -> dict[str, Any]:
        """Slurm's ``job_desc_msg`` JSON (field names shared by v0.0.42 and v0.0.43)."""
        desc: dict[str, Any] = {
            "script": self.script,
            "environment": [f"{k}={v}" for k, v in self.environment.items()],
        }
        simple = {
            "name": "name",
            "account": "account",
            "partition": "partition",
            "qos": "qos",
            "reservation": "reservation",
            "tasks": "tasks",
            "tasks_per_node": "tasks_per_node",
            "cpus_per_task": "cpus_per_task",
            "working_directory": "current_working_directory",
            "standard_output": "standard_output",
            "standard_error": "standard_error",
            "standard_input": "standard_input",
            "gres": "tres_per_node",
            "constraints": "constraints",
            "dependency": "dependency",
            "array": "array",
            "comment": "comment",
            "hold": "hold",
            "requeue": "requeue",
            "mail_user": "mail_user",
            "nodes": "minimum_nodes",
            "max_nodes": "maximum_nodes",
        }
        for ours, theirs in simple.items():
            value = getattr(self, ours)
            if value is not None:
                desc[theirs] = value
        if self.time_limit is not None:
            desc["time_limit"] = (
                {"infinite": True}
                if self.time_limit == math.inf
                else {"set": True, "number": int(self.time_limit)}
            )
        if self.memory_per_node is not None:
            desc["memory_per_node"] = {"set": True, "number": self.memory_per_node}
        if self.memory_per_cpu is not None:
            desc["memory_per_cpu"] = {"set": True, "number": self.memory_per_cpu}
        if self.begin_time is not None:
            desc["begin_time"] = {"set": True, "number": self.begin_time}
        if self.exclusive:
            desc["shared"] = ["none"]
        if self.mail_type:
            desc["mail_type"] = list(self.mail_type)
        return desc

    def to_request(self, api_version: str = "v0.0.43", *, comment: str | None = None) -> Any:
        """The generated ``JobSubmitReq`` for an API version (``v0.0.43`` or ``v0.0.42``)."""
        package = PACKAGES.get(api_version)
        if package is None:
            raise ConfigurationError(f"no job description for Slurm API {api_version}")
        pb = importlib.import_module(f"s3m_apis_betterproto.slurm.{package}")
        desc = self.job_description()
        if comment is not None:
            desc["comment"] = comment
        script = desc.pop("script")
        return pb.JobSubmitReq(script=script, job=pb.JobSubmitReqJobDescription.from_dict(desc))

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
        if not text.startswith("#!"):
            raise ScriptError("a batch script must start with #! and an interpreter", line=1, path=path)
        values: dict[str, Any] = {}
        for number, line in enumerate(text.splitlines(), start=1):
            stripped = line.strip()
            if number > 1 and stripped and not stripped.startswith("#"):
                break  # sbatch stops reading directives at the first command
            if not stripped.startswith("#SBATCH"):
                continue
            try:
                words = shlex.split(stripped[len("#SBATCH") :], comments=True)
            except ValueError as exc:
                raise ScriptError(f"cannot parse {stripped!r}: {exc}", line=number, path=path) from None
            _apply(words, values, number, path)
        names = {f.name for f in fields(cls)}
        unknown = set(overrides) - names
        if unknown:
            raise ConfigurationError(f"unknown JobSpec fields: {sorted(unknown)}")
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(script=text, **values)


# sbatch option -> (JobSpec field, converter). Short forms map to the long ones.
SHORT = {
    "-J": "--job-name",
    "-A": "--account",
    "-p": "--partition",
    "-q": "--qos",
    "-N": "--nodes",
    "-n": "--ntasks",
    "-c": "--cpus-per-task",
    "-t": "--time",
    "-D": "--chdir",
    "-o": "--output",
    "-e": "--error",
    "-i": "--input",
    "-C": "--constraint",
    "-d": "--dependency",
    "-a": "--array",
    "-H": "--hold",
}
FLAGS = {
    "--hold": ("hold", True),
    "--requeue": ("requeue", True),
    "--no-requeue": ("requeue", False),
    "--exclusive": ("exclusive", True),
}


def _positive(text: str) -> int:
    value = int(text)
    if value <= 0:
        raise ValueError("must be positive")
    return value


def _nodes(text: str, values: dict[str, Any]) -> int:
    low, _, high = text.partition("-")
    if high:
        values["max_nodes"] = _positive(high)
    return _positive(low)


OPTIONS: dict[str, tuple[str, Any]] = {
    "--job-name": ("name", str),
    "--account": ("account", str),
    "--partition": ("partition", str),
    "--qos": ("qos", str),
    "--reservation": ("reservation", str),
    "--ntasks": ("tasks", _positive),
    "--ntasks-per-node": ("tasks_per_node", _positive),
    "--cpus-per-task": ("cpus_per_task", _positive),
    "--mem": ("memory_per_node", parse_memory),
    "--mem-per-cpu": ("memory_per_cpu", parse_memory),
    "--time": ("time_limit", parse_time),
    "--chdir": ("working_directory", str),
    "--output": ("standard_output", str),
    "--error": ("standard_error", str),
    "--input": ("standard_input", str),
    "--gres": ("gres", lambda v: v if v.startswith("gres/") else f"gres/{v}"),
    "--gpus-per-node": ("gres", lambda v: f"gres/gpu:{_positive(v)}"),
    "--constraint": ("constraints", str),
    "--dependency": ("dependency", str),
    "--array": ("array", str),
    "--comment": ("comment", str),
    "--mail-user": ("mail_user", str),
    "--mail-type": ("mail_type", lambda v: tuple(p.strip().upper() for p in v.split(","))),
    "--nodes": ("nodes", None),  # handled by _nodes (min[-max])
    "--export": ("environment", None),  # handled by _export
}


def _export(text: str) -> dict[str, str]:
    """sbatch's --export: ALL (this environment), NONE, or NAME[=value],... (with ALL, added to it)."""
    parts = [p for p in text.split(",") if p]
    base: dict[str, str] = {}
    if parts and parts[0].upper() == "ALL":
        base, parts = dict(os.environ), parts[1:]
    elif parts and parts[0].upper() == "NONE":
        base, parts = {}, parts[1:]
    else:
        base = dict(DEFAULT_ENVIRONMENT)
    for part in parts:
        key, sep, value = part.partition("=")
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
            raise ValueError(f"bad variable name {key!r}")
        base[key] = value if sep else os.environ.get(key, "")
    return base


def _apply(words: list[str], values: dict[str, Any], line: int, path: str | None) -> None:
    i = 0
    while i < len(words):
        word = words[i]
        option, sep, value = word.partition("=")
        if option in SHORT:
            option = SHORT[option]
        elif option.startswith("-") and not option.startswith("--") and len(option) > 2:
            option, value, sep = SHORT.get(option[:2], option), option[2:], "="  # -N2 style
        if option in FLAGS:
            name, flag = FLAGS[option]
            values[name] = flag
            i += 1
            continue
        if option not in OPTIONS:
            raise ScriptError(f"unknown or unsupported #SBATCH option {word!r}", line=line, path=path)
        if not sep:
            if i + 1 >= len(words):
                raise ScriptError(f"#SBATCH {option} needs a value", line=line, path=path)
            value = words[i + 1]
            i += 1
        i += 1
        name, convert = OPTIONS[option]
        try:
            if option == "--nodes":
                values["nodes"] = _nodes(value, values)
            elif option == "--export":
                values["environment"] = _export(value)
            else:
                values[name] = convert(value)
        except ValueError as exc:
            raise ScriptError(f"#SBATCH {option}={value}: {exc}", line=line, path=path) from None
