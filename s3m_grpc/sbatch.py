"""sbatch's option language: ``#SBATCH`` lines and command-line overrides, and Slurm's value formats.

Each sbatch option either maps onto a field of S3M's job description (``OPTIONS``), or is one S3M
cannot carry (``NOT_CARRIED``, with the reason), or is unknown. Options S3M cannot carry are
refused with the option, the line and the reason, never dropped: a job that silently lost its
``--gpus`` would run wrong, not fail. ``--array`` and ``--dependency`` have no field either: the
client runs them itself (``s3m_grpc.group``).

Values follow sbatch: times (``30``, ``30:00``, ``1:00:00``, ``2-12``, ``2-12:30:00``,
``UNLIMITED``), memory (``4000``, ``500M``, ``4G``, ``1T``), begin times (``now+1hour``,
``16:00``, ``2026-12-24T18:00``, ``tomorrow``, a UNIX time).
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
import shlex
from collections.abc import Callable, Mapping
from typing import Any, Final

from s3m_grpc.arrays import parse_array
from s3m_grpc.dependency import parse_dependency
from s3m_grpc.errors import ConfigurationError

DEFAULT_ENVIRONMENT: Final = {"PATH": "/usr/local/bin:/usr/bin:/bin"}
#: Never copied into a job's environment by ``--export=ALL`` (nor any variable holding their value).
SECRET_VARIABLES: Final = frozenset({"S3M_TOKEN", "S3M_TOKEN_FILE"})


class ScriptError(ConfigurationError):
    """A batch script or one of its #SBATCH directives is not acceptable."""

    def __init__(self, message: str, *, line: int | None = None, path: str | None = None) -> None:
        where = f"{path or 'script'}:{line}: " if line is not None else ""
        super().__init__(where + message)
        self.line = line


class NotCarried(ConfigurationError):
    """An sbatch option S3M's job description has no field for: refused rather than dropped."""


# -- Slurm's value formats --------------------------------------------------------------------------


def parse_time(text: str) -> float:
    """Minutes from a Slurm time: ``30``, ``30:00``, ``1:00:00``, ``2-12``, ``2-12:30:00``, ``UNLIMITED``."""
    value = str(text).strip()
    if value.upper() in ("UNLIMITED", "INFINITE", "-1"):
        return math.inf
    match = re.fullmatch(r"(?:(\d+)-)?(\d+)(?::(\d+))?(?::(\d+))?", value, re.ASCII)
    if match is None:
        raise ValueError(
            f"not a Slurm time: {text!r} (minutes, MM:SS, HH:MM:SS, D-HH[:MM[:SS]] or UNLIMITED)"
        )
    days, first, second, third = match.groups()
    if days is not None:  # days-hours[:minutes[:seconds]]
        seconds = int(days) * 86400 + int(first) * 3600 + int(second or 0) * 60 + int(third or 0)
    elif third is not None:  # hours:minutes:seconds
        seconds = int(first) * 3600 + int(second) * 60 + int(third)
    elif second is not None:  # minutes:seconds
        seconds = int(first) * 60 + int(second)
    else:  # minutes
        seconds = int(first) * 60
    return math.ceil(seconds / 60) if seconds else math.inf  # sbatch: a zero limit means none


def parse_memory(text: str) -> int:
    """Memory in MiB from Slurm's forms: ``4000``, ``500M``, ``4G``, ``1T`` (K rounds up)."""
    match = re.fullmatch(r"(\d+)([KMGT]?)B?", str(text).strip().upper(), re.ASCII)
    if match is None:
        raise ValueError(f"not a Slurm memory size: {text!r} (e.g. 4000, 500M, 4G, 1T)")
    number, unit = int(match[1]), match[2] or "M"
    return {"K": math.ceil(number / 1024), "M": number, "G": number * 1024, "T": number * 1024 * 1024}[unit]


_UNITS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400, "weeks": 604800}
_NAMED = {"midnight": (0, 0), "noon": (12, 0), "fika": (15, 0), "teatime": (16, 0)}


def parse_begin(text: str, *, now: float | None = None) -> int:
    """A UNIX time from sbatch's ``--begin``: ``now+1hour``, ``16:00``, ``2026-12-24T18:00``, ``tomorrow``."""
    value = str(text).strip().lower()
    current = dt.datetime.fromtimestamp(now if now is not None else dt.datetime.now().timestamp())
    match = re.fullmatch(r"now(?:\+(\d+)([a-z]*))?", value)
    if match:
        count, unit = int(match[1] or 0), match[2] or "seconds"
        scale = next((s for name, s in _UNITS.items() if name.startswith(unit) or name == unit + "s"), None)
        if scale is None:
            raise ValueError(f"not a --begin time unit: {unit!r} (seconds, minutes, hours, days, weeks)")
        return int(current.timestamp()) + count * scale
    if value.isdigit() and len(value) >= 9:
        return int(value)  # already a UNIX time
    day = current.date()
    if value in ("today", "tomorrow"):
        return int(dt.datetime.combine(day + dt.timedelta(days=value == "tomorrow"), dt.time()).timestamp())
    if value in _NAMED:
        hour, minute = _NAMED[value]
        moment = dt.datetime.combine(day, dt.time(hour, minute))
        return int((moment if moment > current else moment + dt.timedelta(days=1)).timestamp())
    match = re.fullmatch(r"(\d{1,2}):(\d{2})(?::(\d{2}))?", value)
    if match:  # a time of day: today, or tomorrow if it has passed
        moment = dt.datetime.combine(day, dt.time(int(match[1]), int(match[2]), int(match[3] or 0)))
        return int((moment if moment > current else moment + dt.timedelta(days=1)).timestamp())
    try:
        return int(dt.datetime.fromisoformat(value.upper().replace(" ", "T")).timestamp())
    except ValueError:
        raise ValueError(
            f"not a --begin time: {text!r} (now+N[units], HH:MM[:SS], YYYY-MM-DD[THH:MM[:SS]], "
            "midnight, noon, today, tomorrow)"
        ) from None


def export(
    text: str, environ: Mapping[str, str] | None = None, secrets: set[str] | None = None
) -> dict[str, str]:
    """sbatch's ``--export``: ``ALL`` (this environment), ``NONE``, or ``NAME[=value],...``.

    ``ALL`` never copies the S3M token: not ``S3M_TOKEN`` or ``S3M_TOKEN_FILE``, nor any other
    variable whose value holds a token this process could send. Naming one of them explicitly is
    an error.
    """
    from s3m_grpc.auth import secret_values

    source = dict(os.environ if environ is None else environ)
    hidden = secret_values() if secrets is None else secrets
    parts = [p for p in text.split(",") if p]
    base: dict[str, str]
    if parts and parts[0].upper() == "ALL":
        base = {
            k: v
            for k, v in source.items()
            if k not in SECRET_VARIABLES and not any(secret and secret in v for secret in hidden)
        }
        parts = parts[1:]
    elif parts and parts[0].upper() == "NONE":
        base, parts = {}, parts[1:]
    else:
        base = dict(DEFAULT_ENVIRONMENT)
    for part in parts:
        key, sep, value = part.partition("=")
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
            raise ValueError(f"bad variable name {key!r}")
        value = value if sep else source.get(key, "")
        if key in SECRET_VARIABLES or any(secret and secret in value for secret in hidden):
            raise ValueError(f"{key} would put your S3M token into the job's environment")
        base[key] = value
    return base


# -- options ---------------------------------------------------------------------------------------


def _positive(text: str) -> int:
    value = int(text)
    if value <= 0:
        raise ValueError("must be a positive integer")
    return value


def _nodes(text: str) -> dict[str, Any]:
    low, _, high = text.partition("-")
    out: dict[str, Any] = {"nodes": _positive(low)}
    if high:
        out["max_nodes"] = _positive(high)
    return out


def _flag01(text: str) -> bool:
    if text not in ("0", "1"):
        raise ValueError("must be 0 or 1")
    return text == "1"


Convert = Callable[[str], dict[str, Any]]


def _to(field: str, convert: Callable[[str], Any] = str) -> Convert:
    return lambda value: {field: convert(value)}


#: sbatch long option -> how its value becomes JobSpec fields (each one a field S3M carries).
OPTIONS: Final[dict[str, Convert]] = {
    "--job-name": _to("name"),
    "--account": _to("account"),
    "--partition": _to("partition"),
    "--qos": _to("qos"),
    "--reservation": _to("reservation"),
    "--nodes": _nodes,
    "--ntasks": _to("tasks", _positive),
    "--ntasks-per-node": _to("tasks_per_node", _positive),
    "--ntasks-per-socket": _to("tasks_per_socket", _positive),
    "--ntasks-per-core": _to("tasks_per_core", _positive),
    "--cpus-per-task": _to("cpus_per_task", _positive),
    "--mincpus": _to("min_cpus_per_node", _positive),
    "--sockets-per-node": _to("sockets_per_node", _positive),
    "--threads-per-core": _to("threads_per_core", _positive),
    "--mem": _to("memory_per_node", parse_memory),  # 0: all of each node's memory
    "--mem-per-cpu": _to("memory_per_cpu", parse_memory),
    "--time": _to("time_limit", parse_time),
    "--time-min": _to("time_min", parse_time),
    "--chdir": _to("working_directory"),
    "--output": _to("standard_output"),
    "--error": _to("standard_error"),
    "--input": _to("standard_input"),
    "--comment": _to("comment"),
    "--begin": _to("begin_time", parse_begin),
    "--licenses": _to("licenses"),
    "--wait-all-nodes": _to("wait_all_nodes", _flag01),
    "--export": _to("environment", export),
    # Not in S3M's job description: run by the client (s3m_grpc.group), validated by JobSpec.
    "--array": _to("array", lambda text: parse_array(text).text),
    "--dependency": _to("dependency", lambda text: parse_dependency(text).text),
}
SHORT: Final = {
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
    "-b": "--begin",
    "-L": "--licenses",
    "-d": "--dependency",
    "-a": "--array",
    # not carried, but named here so that the refusal names the long form
    "-C": "--constraint",
    "-H": "--hold",
    "-G": "--gpus",
    "-S": "--core-spec",
    "-w": "--nodelist",
    "-x": "--exclude",
    "-s": "--oversubscribe",
    "-k": "--no-kill",
    "-Q": "--quiet",
    "-W": "--wait",
    "-M": "--clusters",
}
_NO_GRES = "S3M's job description has no gres/tres fields"
#: sbatch options S3M cannot carry, and why (README, "What S3M cannot carry").
NOT_CARRIED: Final[dict[str, str]] = {
    "--constraint": "S3M's job description has no constraints/features field",
    "--prefer": "S3M's job description has no features field",
    "--gres": _NO_GRES,
    "--gpus": _NO_GRES,
    "--gpus-per-node": _NO_GRES,
    "--gpus-per-task": _NO_GRES,
    "--gpus-per-socket": _NO_GRES,
    "--cpus-per-gpu": _NO_GRES,
    "--mem-per-gpu": _NO_GRES,
    "--ntasks-per-gpu": _NO_GRES,
    "--tres-per-task": _NO_GRES,
    "--mail-type": "S3M's job description has no mail fields",
    "--mail-user": "S3M's job description has no mail fields",
    "--exclusive": "S3M's job description has no shared/exclusive field",
    "--oversubscribe": "S3M's job description has no shared/exclusive field",
    "--hold": "S3M's job description has no hold field",
    "--requeue": "S3M's job description has no requeue field",
    "--no-requeue": "S3M's job description has no requeue field",
    "--core-spec": "S3M's job description has no core_spec field",
    "--thread-spec": "S3M's job description has no thread_spec field",
    "--signal": "S3M's job description has no kill_warning (signal) field",
    "--nice": "S3M's job description has no nice field",
    "--nodelist": "S3M's job description has no required_nodes field",
    "--exclude": "S3M's job description has no excluded_nodes field",
    "--wckey": "S3M's job description has no wckey field",
    "--tmp": "S3M's job description has no temporary disk field",
    "--switches": "S3M's job description has no required_switches field",
    "--contiguous": "S3M's job description has no contiguous field",
    "--deadline": "S3M's job description has no deadline field",
    "--distribution": "S3M's job description carries only distribution_plane_size",
    "--no-kill": "S3M's job description has no kill_on_node_fail field",
    "--open-mode": "S3M's job description has no open_mode field",
    "--container": "S3M's job description has no container field",
    "--cluster-constraint": "S3M's job description has no cluster_constraint field",
    "--clusters": "S3M routes by resource, not by Slurm cluster (use --resource)",
    "--uid": "S3M runs jobs as the token's project account",
    "--gid": "S3M runs jobs as the token's project account",
    "--priority": "S3M's priority field is for administrators",
    "--wait": "use s3m submit --wait (S3M has no blocking submission)",
    "--parsable": "an sbatch output option; s3m submit --json gives machine-readable output",
    "--quiet": "an sbatch output option",
    "--test-only": "S3M has no test-only submission",
    "--wrap": "use s3m submit --wrap (the command line), not an #SBATCH line",
}
#: Valueless sbatch options (so that ``--hold`` does not swallow the next word).
FLAGS: Final = frozenset(
    {
        "--hold",
        "--requeue",
        "--no-requeue",
        "--exclusive",
        "--oversubscribe",
        "--contiguous",
        "--no-kill",
        "--parsable",
        "--quiet",
        "--test-only",
        "--wait",
    }
)


def apply(
    words: list[str], values: dict[str, Any], *, line: int | None = None, path: str | None = None
) -> None:
    """Apply one #SBATCH line's (or a command line's) sbatch options to `values` (JobSpec fields)."""
    i = 0
    while i < len(words):
        word = words[i]
        option, sep, value = word.partition("=")
        if option in SHORT:
            option = SHORT[option]
        elif word.startswith("-") and not word.startswith("--") and len(word) > 2 and word[:2] in SHORT:
            option, value, sep = SHORT[word[:2]], word[2:], "="  # -N2 and -Jsim=1 (the name "sim=1")
        if option in NOT_CARRIED:
            named = word if word.startswith(option) else f"{word} ({option})"
            raise ScriptError(
                f"#SBATCH {named}: {NOT_CARRIED[option]}, so this option cannot reach Slurm through S3M "
                "(remove it, or see the README's 'What S3M cannot carry')",
                line=line,
                path=path,
            )
        if option not in OPTIONS:
            raise ScriptError(f"unknown or unsupported #SBATCH option {word!r}", line=line, path=path)
        if not sep:
            if i + 1 >= len(words):
                raise ScriptError(f"#SBATCH {option} needs a value", line=line, path=path)
            value = words[i + 1]
            i += 1
        i += 1
        try:
            values.update(OPTIONS[option](value))
        except ValueError as exc:
            raise ScriptError(f"#SBATCH {option}={value}: {exc}", line=line, path=path) from None


def directives(text: str, *, path: str | None = None) -> dict[str, Any]:
    """The JobSpec fields a script's ``#SBATCH`` lines set (sbatch stops at the first command)."""
    if not text.startswith("#!"):
        raise ScriptError("a batch script must start with #! and an interpreter", line=1, path=path)
    values: dict[str, Any] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if number > 1 and stripped and not stripped.startswith("#"):
            break
        if not stripped.startswith("#SBATCH"):
            continue
        try:
            words = shlex.split(stripped[len("#SBATCH") :], comments=True)
        except ValueError as exc:
            raise ScriptError(f"cannot parse {stripped!r}: {exc}", line=number, path=path) from None
        apply(words, values, line=number, path=path)
    return values


__all__ = [
    "DEFAULT_ENVIRONMENT",
    "FLAGS",
    "NOT_CARRIED",
    "OPTIONS",
    "SECRET_VARIABLES",
    "SHORT",
    "NotCarried",
    "ScriptError",
    "apply",
    "directives",
    "export",
    "parse_begin",
    "parse_memory",
    "parse_time",
]
