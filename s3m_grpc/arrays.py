"""Job arrays run by the client: sbatch's ``--array`` language, and what each element sees.

S3M's job description has no array field, so ``--array=0-99%10`` becomes one S3M job per index,
submitted by the client (``s3m_grpc.group``) never more than the ``%`` limit queued or running at
once. Each element gets the environment a real array task sees (``SLURM_ARRAY_JOB_ID``,
``SLURM_ARRAY_TASK_ID``, ``SLURM_ARRAY_TASK_COUNT``, ``_MIN``, ``_MAX``, ``_STEP``) and ``%a``/``%A``
expanded in its output paths.

``SLURM_ARRAY_JOB_ID`` (and ``%A``) is the S3M job id of the array's first element, as in Slurm,
where the array's job id is its first task's. The first element is submitted alone, before its id
exists: its paths get ``%j`` for ``%A`` (the same number), and a shell script gets one line after
its ``#SBATCH`` header that sets ``SLURM_ARRAY_JOB_ID`` from ``SLURM_JOB_ID``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from s3m_grpc.errors import ConfigurationError

#: Slurm's default MaxArraySize is 1001 (indices 0-1000); the client holds the same bound.
MAX_ARRAY_INDEX: Final = 1_000_000
_PART = re.compile(r"(\d+)(?:-(\d+)(?::(\d+))?)?", re.ASCII)
_SHELLS: Final = ("sh", "bash", "zsh", "ksh", "dash", "ash")


@dataclass(frozen=True)
class ArraySpec:
    """A parsed ``--array`` value: the indices in sbatch's order and the ``%`` limit (None: none)."""

    text: str
    indices: tuple[int, ...]
    limit: int | None

    @property
    def step(self) -> int:
        """``SLURM_ARRAY_TASK_STEP``: the one step of a single range, else 1 (as Slurm sets it)."""
        body = self.text.partition("%")[0]
        match = _PART.fullmatch(body)
        if match is not None and match.group(3) is not None:
            return int(match.group(3))
        return 1


def parse_array(text: str) -> ArraySpec:
    """Parse ``0-99``, ``0-99:3``, ``1,3,5-7``, any of them with ``%N``; ConfigurationError if invalid."""
    if not isinstance(text, str) or not text.strip():
        raise ConfigurationError("--array needs indices, e.g. 0-99, 0-99:3, 1,3,5-7 or 0-99%10")
    body, percent, limit_text = text.strip().partition("%")
    limit: int | None = None
    if percent:
        if not limit_text.isascii() or not limit_text.isdigit() or int(limit_text) < 1:
            raise ConfigurationError(f"--array={text}: the % limit must be a positive integer")
        limit = int(limit_text)
    indices: list[int] = []
    for part in body.split(","):
        match = _PART.fullmatch(part.strip())
        if match is None:
            raise ConfigurationError(
                f"--array={text}: {part!r} is not an index, a range (0-99) or a stepped range (0-99:3)"
            )
        first = int(match.group(1))
        last = int(match.group(2)) if match.group(2) is not None else first
        step = int(match.group(3)) if match.group(3) is not None else 1
        if last < first or step < 1:
            raise ConfigurationError(f"--array={text}: {part!r} is an empty range")
        if last > MAX_ARRAY_INDEX:
            raise ConfigurationError(f"--array={text}: indices stop at {MAX_ARRAY_INDEX}")
        indices.extend(range(first, last + 1, step))
    unique = tuple(sorted(set(indices)))  # Slurm runs each index once, in increasing order
    return ArraySpec(text.strip(), unique, limit)


def element_environment(array: ArraySpec, index: int, array_job_id: int | None) -> dict[str, str]:
    """The ``SLURM_ARRAY_*`` variables of element `index` (no job id yet: the first element)."""
    env = {
        "SLURM_ARRAY_TASK_ID": str(index),
        "SLURM_ARRAY_TASK_COUNT": str(len(array.indices)),
        "SLURM_ARRAY_TASK_MIN": str(array.indices[0]),
        "SLURM_ARRAY_TASK_MAX": str(array.indices[-1]),
        "SLURM_ARRAY_TASK_STEP": str(array.step),
    }
    if array_job_id is not None:
        env["SLURM_ARRAY_JOB_ID"] = str(array_job_id)
    return env


def expand_path(pattern: str | None, index: int, array_job_id: int | None) -> str | None:
    """`pattern` with ``%a`` (the index) and ``%A`` (the array's job id, or ``%j`` in the first element)."""
    if pattern is None:
        return None
    out, i = [], 0
    while i < len(pattern):
        c = pattern[i]
        if c == "%" and i + 1 < len(pattern):
            code = pattern[i + 1]
            if code == "a":
                out.append(str(index))
            elif code == "A":
                out.append(str(array_job_id) if array_job_id is not None else "%j")
            else:
                out.append(c + code)  # Slurm's own patterns (%j, %x, %%) stay for Slurm
            i += 2
            continue
        out.append(c)
        i += 1
    return "".join(out)


def first_element_script(script: str) -> str:
    """The first element's script: a shell one sets ``SLURM_ARRAY_JOB_ID`` from its own job id."""
    first = script.split("\n", 1)[0]
    words = first[2:].split()
    interpreter = words[0].rsplit("/", 1)[-1] if words else ""
    if interpreter == "env" and len(words) > 1:
        interpreter = words[1]
    if interpreter not in _SHELLS:
        return script  # documented: a non-shell first element reads SLURM_JOB_ID instead
    lines = script.splitlines(keepends=True)
    at = 1
    for number, line in enumerate(lines[1:], start=1):  # after the #SBATCH header, as sbatch reads it
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            break
        at = number + 1
    setter = 'export SLURM_ARRAY_JOB_ID="${SLURM_ARRAY_JOB_ID:-$SLURM_JOB_ID}"  # s3m: first element\n'
    return "".join([*lines[:at], setter, *lines[at:]])


__all__ = [
    "MAX_ARRAY_INDEX",
    "ArraySpec",
    "element_environment",
    "expand_path",
    "first_element_script",
    "parse_array",
]
