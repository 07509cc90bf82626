"""Read-only, lazily decoded views of S3M's messages, for listings of thousands of jobs and nodes.

A listing is decoded once by the fast runtime (upb for gRPC bytes, orjson for REST JSON), and each
element is wrapped, not copied: a ``JobView`` reads a field only when asked. Attribute names are the
messages' field names (``job.job_id``, ``job.partition``), plus a few conveniences (``job.state``,
``job.exit_code`` as a plain int, NoVal structs as ``int | None`` or ``math.inf``). Any other field
is reachable as an attribute too (``job.tres_req_str``), as plain Python values.

S3M answers GetJobs in slurmctld's shape (``JobView``: ``job_state``, ``user_name``, ...) and GetJob
in slurmdbd's (``JobRecord``: ``state.current``, ``time.start``, ``steps``, ``user``); both offer
the same conveniences (``state``, ``exit_code``, ``start_time``, ``terminal``, ...).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from google.protobuf.descriptor import Descriptor
from google.protobuf.message import Message

from s3m_grpc.slurmdefs import TERMINAL_STATES
from s3m_grpc.view_base import Number, View, field_of, json_default, no_val, number, plain


class JobView(View):
    """One job as Slurm reports it."""

    __slots__ = ()
    _repr_fields = ("job_id", "name", "state", "partition")

    # job_id, name and state are read for every job of every listing: they skip field_of's
    # presence check, which cannot change their answer (unset reads as 0, "" and no states).
    @property
    def job_id(self) -> int:
        """Slurm's job id."""
        raw = self._raw
        return raw.job_id if isinstance(raw, Message) else int(number(raw.get("job_id")) or 0)

    @property
    def name(self) -> str:
        """The job name."""
        raw = self._raw
        return raw.name if isinstance(raw, Message) else str(raw.get("name") or "")

    @property
    def job_state(self) -> list[str]:
        """Slurm's state flags, e.g. ``["RUNNING"]`` or ``["PENDING", "REQUEUED"]``."""
        return list(self._get("job_state") or [])

    @property
    def state(self) -> str:
        """The base state: PENDING, RUNNING, COMPLETED, FAILED, CANCELLED, TIMEOUT, ..."""
        raw = self._raw
        states = raw.job_state if isinstance(raw, Message) else raw.get("job_state")
        return str(states[0]) if states else "UNKNOWN"

    @property
    def user_name(self) -> str:
        """The submitting user."""
        return str(self._get("user_name") or "")

    @property
    def partition(self) -> str:
        """The partition the job runs in (or waits for)."""
        return str(self._get("partition") or "")

    @property
    def account(self) -> str:
        """The account charged."""
        return str(self._get("account") or "")

    @property
    def state_reason(self) -> str:
        """Why the job is pending or ended (``Resources``, ``NonZeroExitCode``, ``None``)."""
        return str(self._get("state_reason") or "")

    @property
    def nodes(self) -> str:
        """The allocated nodes as a hostlist (empty while pending)."""
        return str(self._get("nodes") or "")

    @property
    def comment(self) -> str:
        """The job comment (s3m-grpc keeps its submission key here)."""
        return str(self._get("comment") or "")

    @property
    def exit_code(self) -> int | None:
        """The batch script's exit code, or None while the job has not ended."""
        exit_code = self._get("exit_code")
        if exit_code is None:
            return None
        rc = (
            exit_code.get("return_code")
            if isinstance(exit_code, Mapping)
            else (exit_code.return_code if exit_code.HasField("return_code") else None)
        )
        value = no_val(rc)
        return None if value is None or value is math.inf else int(value)

    @property
    def time_limit(self) -> Number | None:
        """Minutes (``math.inf`` for UNLIMITED, None if unset)."""
        return no_val(self._get("time_limit"))

    @property
    def submit_time(self) -> Number | None:
        """UNIX time of submission."""
        return no_val(self._get("submit_time"))

    @property
    def start_time(self) -> Number | None:
        """UNIX time the job started (or is expected to), None if unknown."""
        value = no_val(self._get("start_time"))
        return value or None

    @property
    def end_time(self) -> Number | None:
        """UNIX time the job ended (or will at its limit), None if unknown."""
        value = no_val(self._get("end_time"))
        return value or None

    @property
    def stdout_path(self) -> str:
        """Where the job's standard output goes (Slurm's pattern, e.g. ``slurm-%j.out``)."""
        return str(self._get("standard_output") or "")

    @property
    def working_directory(self) -> str:
        """The job's working directory."""
        return str(self._get("current_working_directory") or "")

    @property
    def terminal(self) -> bool:
        """True once the job has ended, in whatever way."""
        return self.state in TERMINAL_STATES


class JobRecord(View):
    """One job as GetJob returns it: slurmdbd's record (``state.current``, ``time``, ``steps``)."""

    __slots__ = ()
    _repr_fields = ("job_id", "name", "state", "partition")

    def _sub(self, group: str, name: str) -> Any:
        value = self._get(group)
        return None if value is None else field_of(value, name)

    @property
    def job_id(self) -> int:
        """Slurm's job id."""
        return int(number(self._get("job_id")) or 0)

    @property
    def name(self) -> str:
        """The job name."""
        return str(self._get("name") or "")

    @property
    def job_state(self) -> list[str]:
        """Slurm's state flags, e.g. ``["RUNNING"]`` (``state.current``)."""
        return list(self._sub("state", "current") or [])

    @property
    def state(self) -> str:
        """The base state: PENDING, RUNNING, COMPLETED, FAILED, CANCELLED, TIMEOUT, ..."""
        states = self._sub("state", "current")
        return str(states[0]) if states else "UNKNOWN"

    @property
    def state_reason(self) -> str:
        """Why the job is pending or ended (``state.reason``)."""
        return str(self._sub("state", "reason") or "")

    @property
    def user_name(self) -> str:
        """The submitting user (``user``)."""
        return str(self._get("user") or "")

    @property
    def group_name(self) -> str:
        """The job's group (S3M spells the field ``gruop`` before v0.0.44)."""
        raw = self._raw
        names = raw.DESCRIPTOR.fields_by_name if isinstance(raw, Message) else raw
        return str(self._get("group" if "group" in names else "gruop") or "")

    @property
    def partition(self) -> str:
        """The partition the job runs in (or waits for)."""
        return str(self._get("partition") or "")

    @property
    def account(self) -> str:
        """The account charged."""
        return str(self._get("account") or "")

    @property
    def nodes(self) -> str:
        """The allocated nodes as a hostlist."""
        return str(self._get("nodes") or "")

    @property
    def comment(self) -> str:
        """The user's job comment (``comment.job``)."""
        return str(self._sub("comment", "job") or "")

    @property
    def exit_code(self) -> int | None:
        """The batch script's exit code, or None while the job has not ended."""
        if not self.terminal:
            return None
        value = no_val(self._sub("exit_code", "return_code"))
        return None if value is None or value is math.inf else int(value)

    @property
    def signal(self) -> str:
        """The signal that ended the job (``SIGKILL``), or ""."""
        code = self._get("exit_code")
        sig = None if code is None else field_of(code, "signal")
        return str((None if sig is None else field_of(sig, "name")) or "")

    @property
    def start_time(self) -> Number | None:
        """UNIX time the job started, None if it has not."""
        return number(self._sub("time", "start")) or None

    @property
    def end_time(self) -> Number | None:
        """UNIX time the job ended, None if it has not."""
        return number(self._sub("time", "end")) or None

    @property
    def elapsed(self) -> int:
        """Seconds the job has run."""
        return int(number(self._sub("time", "elapsed")) or 0)

    @property
    def time_limit(self) -> Number | None:
        """Not in S3M's slurmdb record (its ``time`` has no limit): always None."""
        return None

    @property
    def stdout_path(self) -> str:
        """Where the job's standard output went, with Slurm's patterns expanded."""
        return str(self._get("stdout_expanded") or self._get("stdout") or "")

    @property
    def stderr_path(self) -> str:
        """Where the job's standard error went, with Slurm's patterns expanded."""
        return str(self._get("stderr_expanded") or self._get("stderr") or "")

    @property
    def working_directory(self) -> str:
        """The job's working directory."""
        return str(self._get("working_directory") or "")

    @property
    def steps(self) -> list[View]:
        """The job's steps (``step.id``, ``state``, ``exit_code``, ...)."""
        return [View(s) for s in (self._get("steps") or [])]

    @property
    def terminal(self) -> bool:
        """True once the job has ended, in whatever way."""
        return self.state in TERMINAL_STATES


class NodeView(View):
    """One compute node."""

    __slots__ = ()
    _repr_fields = ("name", "state", "cpus")

    @property
    def name(self) -> str:
        """Node name."""
        return str(self._get("name") or "")

    @property
    def state(self) -> list[str]:
        """State flags, e.g. ``["IDLE"]``, ``["MIXED", "DRAIN"]``."""
        return list(self._get("state") or [])

    @property
    def cpus(self) -> int:
        """CPUs on the node."""
        return int(self._get("cpus") or 0)

    @property
    def alloc_cpus(self) -> int:
        """CPUs allocated to jobs."""
        return int(self._get("alloc_cpus") or 0)

    @property
    def real_memory(self) -> int:
        """Memory in MiB."""
        return int(self._get("real_memory") or 0)

    @property
    def partitions(self) -> list[str]:
        """Partitions the node belongs to."""
        return list(self._get("partitions") or [])


class PartitionView(View):
    """One partition and its limits."""

    __slots__ = ()
    _repr_fields = ("name", "total_nodes", "max_time")

    @property
    def name(self) -> str:
        """Partition name."""
        return str(self._get("name") or "")

    def _sub(self, group: str, name: str) -> Any:
        value = self._get(group)
        return None if value is None else field_of(value, name)

    @property
    def total_nodes(self) -> int:
        """Nodes in the partition."""
        return int(self._sub("nodes", "total") or 0)

    @property
    def max_time(self) -> Number | None:
        """Maximum time limit in minutes (``math.inf``: unlimited; None: unset)."""
        return no_val(self._sub("maximums", "time"))

    @property
    def default_time(self) -> Number | None:
        """Default time limit in minutes."""
        return no_val(self._sub("defaults", "time"))

    @property
    def max_nodes(self) -> Number | None:
        """Maximum nodes per job."""
        return no_val(self._sub("maximums", "nodes"))

    @property
    def state(self) -> list[str]:
        """``["UP"]``, ``["DOWN"]``, ..."""
        return list(self._sub("partition", "state") or [])

    @property
    def allowed_nodes(self) -> str:
        """Nodes jobs may use (``allowed_configuration`` before v0.0.44, then ``allowed_allocation``)."""
        nodes = self._get("nodes")
        if nodes is None:
            return ""
        names = nodes.DESCRIPTOR.fields_by_name if isinstance(nodes, Message) else nodes
        name = "allowed_allocation" if "allowed_allocation" in names else "allowed_configuration"
        return str(field_of(nodes, name) or "")


class ReservationView(View):
    """One advance reservation."""

    __slots__ = ()
    _repr_fields = ("name", "node_list")

    @property
    def name(self) -> str:
        """Reservation name."""
        return str(self._get("name") or "")

    @property
    def node_list(self) -> str:
        """Reserved nodes as a hostlist."""
        return str(self._get("node_list") or "")

    @property
    def start_time(self) -> Number | None:
        """UNIX start time."""
        return no_val(self._get("start_time"))

    @property
    def end_time(self) -> Number | None:
        """UNIX end time."""
        return no_val(self._get("end_time"))


class Listing(Sequence[View]):
    """A read-only sequence of views over one decoded listing (wrapping happens on access)."""

    __slots__ = ("_desc", "_items", "_view")

    def __init__(self, items: Sequence[Any], view: type[View], descriptor: Descriptor | None = None) -> None:
        self._items = items
        self._view = view
        self._desc = descriptor

    def __len__(self) -> int:
        return len(self._items)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self._view(item, self._desc) for item in self._items[index]]
        return self._view(self._items[index], self._desc)

    def __iter__(self) -> Iterator[Any]:
        view, desc = self._view, self._desc
        for item in self._items:
            yield view(item, desc)

    def __repr__(self) -> str:
        return f"<{len(self)} {self._view.__name__}s>"


__all__ = [
    "JobRecord",
    "JobView",
    "Listing",
    "NodeView",
    "PartitionView",
    "ReservationView",
    "View",
    "field_of",
    "json_default",
    "no_val",
    "number",
    "plain",
]
