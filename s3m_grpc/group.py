"""``JobGroup``: arrays and dependency chains through S3M, run by the client, journaled, exactly once.

    group = slurm.group()
    sweep = group.add(JobSpec.from_script("sweep.sh", array="0-99%10"), label="sweep")
    group.add(JobSpec.from_script("merge.sh", dependency=f"afterok:{sweep}"), label="merge")
    await group.submit()                     # writes the plan to the journal, submits what may go now
    summary = await group.wait()             # one listing per tick for every group of this client

Each element's submission key is in the journal before its request leaves, and the request carries
it (``Slurm.submit(key=...)``): a client killed at any point and resumed (``Slurm.resume``) finds
what reached Slurm and submits the rest, each element once.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final

from s3m_grpc.arrays import ArraySpec, element_environment, expand_path, first_element_script, parse_array
from s3m_grpc.dependency import (
    NEVER_SATISFIED,
    NOT_STARTED,
    Dependency,
    Target,
    Verdict,
    evaluate,
    parse_dependency,
)
from s3m_grpc.driver import driver_of
from s3m_grpc.errors import (
    ConfigurationError,
    FailedPrecondition,
    InvalidArgument,
    PermissionDenied,
    S3MError,
    Unauthenticated,
)
from s3m_grpc.job import AnyJobView, Job
from s3m_grpc.journal import SINGLE, Element, Journal, array_job_id
from s3m_grpc.slurmdefs import TERMINAL_STATES
from s3m_grpc.spec import JobSpec
from s3m_grpc.submission import new_key

if TYPE_CHECKING:
    from s3m_grpc.client import Slurm
    from s3m_grpc.views import JobView

#: Errors that mean Slurm or S3M will not take this element as it is: it ends, it is not retried.
_REFUSED: Final = (InvalidArgument, ConfigurationError, PermissionDenied, Unauthenticated, FailedPrecondition)
_LABEL = re.compile(r"[A-Za-z0-9][A-Za-z0-9.-]{0,63}", re.ASCII)
_OPEN: Final = ("held", "sending", "submitted")


@dataclass(frozen=True)
class Summary:
    """Where a group stands: elements by state, and which failed or were never submitted."""

    total: int
    counts: dict[str, int]
    done: int
    running: int
    pending: int
    failed: list[str] = field(default_factory=list)
    never_satisfied: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every element COMPLETED with exit code 0."""
        return self.done == self.total and not self.failed and not self.never_satisfied

    def __str__(self) -> str:
        return f"{self.done}/{self.total} done, {self.running} running, {self.pending} pending"


@dataclass
class Entry:
    """One spec of a group: a single job or an array, with its dependency."""

    label: str
    spec: JobSpec
    array: ArraySpec | None
    dependency: Dependency | None
    elements: list[Element] = field(default_factory=list)

    def name(self, element: Element) -> str:
        """How reports name an element: ``label`` or ``label_index``."""
        return self.label if element.idx == SINGLE else f"{self.label}_{element.idx}"

    @property
    def array_job_id(self) -> int | None:
        """The first submitted element's job id (``SLURM_ARRAY_JOB_ID``), once there is one."""
        return array_job_id(self.elements)


class JobGroup:
    """Jobs planned together (arrays, dependencies), driven by this client; see the module's docstring."""

    def __init__(self, slurm: Slurm, journal: Journal, group_id: str, *, in_flight: int = 8) -> None:
        self.slurm = slurm
        self.journal = journal
        self.group_id = group_id
        self.entries: dict[str, Entry] = {}
        self.in_flight = in_flight
        self._planned = False
        self._seen: dict[str, str] = {}  # key -> last state in the queue (not journaled: it changes)
        self._first_seen: dict[str, float] = {}
        self.finished = asyncio.Event()

    def __repr__(self) -> str:
        return f"JobGroup({self.group_id!r}, {self.summary()})"

    # -- planning --------------------------------------------------------------------------------

    def add(self, spec: JobSpec, *, label: str | None = None, dependency: str | None = None) -> str:
        """Plan a job or an array (``spec.array``); returns ``@label`` for other entries' dependencies."""
        if self._planned:
            raise ConfigurationError("this group was already submitted; plan another group")
        label = label or f"job{len(self.entries)}"
        if not _LABEL.fullmatch(label) or label in self.entries:
            raise ConfigurationError(f"label {label!r}: letters, digits, '.', '-', unique within the group")
        text = dependency if dependency is not None else spec.dependency
        dep = parse_dependency(text) if text is not None else None
        unknown = (dep.refs if dep else set()) - {f"@{name}" for name in self.entries}
        if unknown:
            raise ConfigurationError(f"{label} depends on {sorted(unknown)}: add those entries first")
        self.slurm._refuse_token_in_environment(spec)
        array = parse_array(spec.array) if spec.array is not None else None
        entry = Entry(label, spec.replace(array=None, dependency=None), array, dep)
        indices = array.indices if array is not None else (SINGLE,)
        entry.elements = [
            Element(self.group_id, label, i, new_key(), "held", None, None, None, 0, None) for i in indices
        ]
        self.entries[label] = entry
        return f"@{label}"

    async def submit(self) -> Summary:
        """Write the plan to the journal (whole, or not at all), then submit what may go now."""
        if not self.entries:
            raise ConfigurationError("the group is empty: add() a job first")
        if not self._planned:
            self.journal.lock(self.group_id)
            with self.journal.transaction():
                self.journal.add_group(self.group_id, time.time())
                for seq, entry in enumerate(self.entries.values()):
                    self.journal.add_entry(
                        self.group_id,
                        seq,
                        entry.label,
                        entry.spec,
                        entry.array.text if entry.array else None,
                        entry.dependency.text if entry.dependency else None,
                    )
                    for element in entry.elements:
                        self.journal.add_element(self.group_id, entry.label, element.idx, element.key)
            self._planned = True
        driver = driver_of(self.slurm)
        driver.register(self)
        await driver.tick()
        return self.summary()

    async def wait(
        self, *, timeout: float | None = None, progress: Callable[[Summary], None] | None = None
    ) -> Summary:
        """Drive the group until every element has ended; the summary. WaitTimeout after `timeout` s.

        `progress` is called with the summary after each tick. Any number of groups waited on at
        once share one listing per tick.
        """
        if not self._planned:
            await self.submit()
        await driver_of(self.slurm).wait(self, timeout=timeout, progress=progress)
        return self.summary()

    @classmethod
    def load(cls, slurm: Slurm, journal: Journal, group_id: str) -> JobGroup:
        """A group from the journal (``Slurm.resume``), locked for this client."""
        journal.lock(group_id)
        group = cls(slurm, journal, group_id)
        for label, spec, array, dep in journal.entries(group_id):
            group.entries[label] = Entry(
                label, spec, parse_array(array) if array else None, parse_dependency(dep) if dep else None
            )
        for element in journal.elements(group_id):
            group.entries[element.label].elements.append(element)
        group._planned = True
        return group

    # -- state -----------------------------------------------------------------------------------

    def state_of(self, element: Element) -> str:
        """The element's state: HELD, SUBMITTING, Slurm's, or DependencyNeverSatisfied."""
        if element.status == "held":
            return "HELD"
        if element.status == "sending":
            return "SUBMITTING"
        if element.status == "never":
            return NEVER_SATISFIED
        if element.status == "ended":
            return element.state or "UNKNOWN"
        return self._seen.get(element.key, "SUBMITTED")

    @property
    def done(self) -> bool:
        """True when every element has ended (or can never be submitted)."""
        return all(e.status not in _OPEN for entry in self.entries.values() for e in entry.elements)

    def summary(self) -> Summary:
        """Counts by state, done/running/pending, failed and never-satisfied elements."""
        counts: dict[str, int] = {}
        failed, never, done, running = [], [], 0, 0
        for entry in self.entries.values():
            for element in entry.elements:
                state = self.state_of(element)
                counts[state] = counts.get(state, 0) + 1
                if element.status == "never":
                    never.append(entry.name(element))
                    done += 1
                elif element.status == "ended":
                    done += 1
                    if state != "COMPLETED" or element.exit_code not in (0, None):
                        failed.append(entry.name(element))
                elif state not in NOT_STARTED - {"UNKNOWN"}:
                    running += 1
        total = sum(counts.values())
        return Summary(total, counts, done, running, total - done - running, failed, never)

    def _set(self, entry: Entry, position: int, **changes: object) -> Element:
        element = self.journal.update(entry.elements[position], **changes)
        entry.elements[position] = element
        return element

    # -- one tick (called by the Driver) ----------------------------------------------------------

    async def observe(
        self, listed: dict[int, JobView], lookup: Callable[[int], Awaitable[AnyJobView | None]]
    ) -> bool:
        """Take the tick's listing; True if any element changed state."""
        changed = await self._settle()
        now = time.monotonic()
        for entry in self.entries.values():
            for position, element in enumerate(entry.elements):
                if element.status != "submitted" or element.job_id is None:
                    continue
                view = listed.get(element.job_id)
                record = view if view is not None else await lookup(element.job_id)
                state = exit_code = None
                if record is not None:
                    state, exit_code = record.state, record.exit_code
                elif now - self._first_seen.setdefault(element.key, now) > Job.SUBMIT_GRACE:
                    state = "VANISHED"  # neither queue nor accounting knows it: outcome unknown
                if state is None:
                    continue
                if self._seen.get(element.key) != state:
                    self._seen[element.key] = state
                    changed = True
                if state == "VANISHED" or state in TERMINAL_STATES:
                    self._set(entry, position, status="ended", state=state, exit_code=exit_code)
        return changed

    async def _settle(self) -> bool:
        """Elements left ``sending`` (a crash, a SubmissionUnknown): adopt the job carrying the key, or
        hold the element again (same key). The searches run at once and share the client's listings."""
        sending = [
            (entry, position)
            for entry in self.entries.values()
            for position, element in enumerate(entry.elements)
            if element.status == "sending"
        ]
        found = await asyncio.gather(
            *(self.slurm._find_submission(e.elements[p].key, floor=e.elements[p].floor) for e, p in sending)
        )
        for (entry, position), job_id in zip(sending, found, strict=True):
            if job_id is not None:
                self._set(entry, position, status="submitted", job_id=job_id)
            else:
                self._set(entry, position, status="held")
        return bool(sending)

    def ready(self, resolve: Callable[[Target], list[str]], busy_names: set[str]) -> list[tuple[Entry, int]]:
        """Held elements that may be submitted now; ends those whose dependency can never be met."""
        out: list[tuple[Entry, int]] = []
        for entry in self.entries.values():
            active = sum(e.status in ("sending", "submitted") for e in entry.elements)
            # Per entry, not per element: nothing below changes a job id or starts a send.
            first = entry.array is not None and entry.array_job_id is None
            sending = any(e.status == "sending" for e in entry.elements)
            terms = entry.dependency.terms if entry.dependency is not None else ()
            per_index = any(t.kind == "aftercorr" for t in terms)  # else one verdict serves all elements
            verdicts: dict[bool, Verdict] = {}  # by `singleton`, which an element of this entry may change
            for position, element in enumerate(entry.elements):
                if element.status != "held":
                    continue
                if entry.dependency is not None:
                    singleton = (entry.spec.name or "") not in busy_names
                    index = None if element.idx == SINGLE else element.idx
                    verdict = verdicts.get(singleton) if not per_index else None
                    if verdict is None:
                        verdict = evaluate(entry.dependency, resolve, index=index, singleton=singleton)
                        if not per_index:
                            verdicts[singleton] = verdict
                    if verdict is Verdict.NEVER:
                        self._set(entry, position, status="never", state=NEVER_SATISFIED)
                        continue
                    if verdict is Verdict.WAIT:
                        continue
                if entry.array is not None:
                    if first and sending:
                        break  # the first element's job id is every other element's SLURM_ARRAY_JOB_ID
                    if entry.array.limit is not None and active >= entry.array.limit:
                        break
                out.append((entry, position))
                active += 1
                if any(t.kind == "singleton" for t in terms):
                    busy_names.add(entry.spec.name or "")
                if first:
                    break  # alone: the others need its id
        return out

    def element_spec(self, entry: Entry, element: Element) -> JobSpec:
        """What S3M is sent for an element: the entry's spec, with an array task's environment and paths."""
        spec, array = entry.spec, entry.array
        if array is None:
            return spec
        job_id = entry.array_job_id
        first = job_id is None
        return spec.replace(
            script=first_element_script(spec.script) if first else spec.script,
            environment={**spec.environment, **element_environment(array, element.idx, job_id)},
            standard_output=expand_path(spec.standard_output or "slurm-%A_%a.out", element.idx, job_id),
            standard_error=expand_path(spec.standard_error, element.idx, job_id),
            standard_input=expand_path(spec.standard_input, element.idx, job_id),
        )

    async def send(self, entry: Entry, position: int) -> None:
        """Submit one element exactly once: key journaled first, then the request that carries it."""
        floor = await self.slurm._submission_floor()
        element = self._set(entry, position, status="sending", floor=floor)
        try:
            job = await self.slurm.submit(self.element_spec(entry, element), key=element.key)
        except S3MError as exc:
            if exc.outcome_unknown:
                return  # stays "sending": the next tick searches the queue for its key
            if isinstance(exc, _REFUSED):
                self._set(entry, position, status="ended", state="REJECTED", note=str(exc)[:500])
            else:
                self._set(entry, position, status="held")  # nothing was sent: try again next tick
            return
        self._set(entry, position, status="submitted", job_id=job.job_id)

    def own_states(self, target: Target) -> list[str] | None:
        """States of a target that is this group's (``@label``, or one of its job ids); None if not ours."""
        entry: Entry | None = None
        if target.ref.startswith("@"):
            entry = self.entries[target.ref[1:]]
        else:
            number = int(target.ref)
            for candidate in self.entries.values():
                if candidate.array_job_id == number or (
                    candidate.array is None and candidate.elements[0].job_id == number
                ):
                    entry = candidate
                    break
            else:
                for candidate in self.entries.values():
                    for element in candidate.elements:
                        if element.job_id == number and target.index is None:
                            return [self.state_of(element)]
                return None
        elements = entry.elements
        if target.index is not None:
            elements = [e for e in elements if e.idx == target.index]
        return [self.state_of(e) for e in elements]

    def active_names(self) -> Iterable[str]:
        """Names of this group's jobs submitted and not ended (for singleton)."""
        for entry in self.entries.values():
            if any(e.status in ("sending", "submitted") for e in entry.elements):
                yield entry.spec.name or ""


__all__ = ["Entry", "JobGroup", "Summary"]
