"""Exactly-once submission: a key in the job's comment, and the search for it after an ambiguous failure.

S3M offers no idempotency token, so each submission carries one where Slurm keeps user data: the
job's ``comment`` ends with ``[s3m-key:<32 hex digits>]``. When a submission fails ambiguously (the
connection dropped after sending, the deadline passed, a 5xx: ``S3MError.outcome_unknown``), the
client looks for the key before it even thinks of sending the job again:

* in the queue (GetJobs), which holds every job slurmctld has not purged;
* among the job ids the queue no longer shows (purged after MinJobAge, or listing lag), through
  GetJob, which S3M answers from accounting;
* for ``settle`` seconds after the failure at least, because a request the client gave up on may
  still be on its way (a slow gateway).

Only when all of that finds nothing is the job sent again, with the same key. If the queue cannot
be read at all, ``SubmissionUnknown`` is raised rather than risking a second copy.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Final

from s3m_grpc.errors import NotFound, S3MError, SubmissionUnknown
from s3m_grpc.job import Backoff

log = logging.getLogger("s3m_grpc.client")

#: Marks the submission key in a job's comment.
KEY_PREFIX: Final = "s3m-key:"
_KEY = re.compile(r"s3m-key:([0-9a-f]{32})(?![0-9a-f])", re.ASCII)


def new_key() -> str:
    """A fresh submission key (32 hex digits)."""
    return uuid.uuid4().hex


def check_key(key: str) -> str:
    """`key` if it is a valid submission key (32 lowercase hex digits), else ValueError."""
    if not re.fullmatch(r"[0-9a-f]{32}", key or "", re.ASCII):
        raise ValueError(f"a submission key is 32 lowercase hex digits, got {key!r}")
    return key


def comment_with_key(comment: str | None, key: str) -> str:
    """The comment to submit: the user's own, then the key in brackets."""
    marker = f"[{KEY_PREFIX}{key}]"
    return f"{comment} {marker}" if comment else marker


def keys_in(comment: str) -> list[str]:
    """Every submission key a comment carries (a user's own text cannot fake a well-formed one)."""
    return _KEY.findall(comment or "")


@dataclass
class KeyIndex:
    """Submission key -> job id, from one listing; plus the ids that listing showed."""

    started: float
    keys: dict[str, int] = field(default_factory=dict)
    ids: set[int] = field(default_factory=set)

    @classmethod
    def of(cls, started: float, jobs: Iterable[tuple[int, str]]) -> KeyIndex:
        """Index (job id, comment) pairs."""
        index = cls(started)
        for job_id, comment in jobs:
            index.ids.add(job_id)
            for key in keys_in(comment):
                index.keys.setdefault(key, job_id)
        return index


class Finder:
    """Searches for submission keys, sharing listings among concurrent searches of one client."""

    #: How long to keep trying to read the queue before giving up with SubmissionUnknown (seconds).
    PATIENCE = 60.0
    #: How long after an ambiguous failure the search goes on before concluding "not submitted":
    #: a request the client gave up on may still reach Slurm within this time.
    SETTLE = 10.0
    #: How many ids past the highest one known before the submission are probed one by one
    #: (GetJob) for a job the queue no longer shows.
    PROBE = 32

    def __init__(
        self,
        list_jobs: Callable[[], Awaitable[Iterable[tuple[int, str]]]],
        get_comment: Callable[[int], Awaitable[str]],
    ) -> None:
        self._list_jobs = list_jobs
        self._get_comment = get_comment
        self._lock = asyncio.Lock()
        self._index: KeyIndex | None = None
        #: The highest job id this client has seen (a bound for probing purged jobs).
        self.high_water = 0
        self._learned = False

    def saw(self, job_id: int) -> None:
        """Note a job id seen (a submission's reply)."""
        self.high_water = max(self.high_water, job_id)

    async def floor(self) -> int:
        """The highest job id that existed before a submission about to be made (0: unknown).

        Slurm's job ids grow, so a job the submission creates has a larger one. A client learns it
        once, from a listing, before its first submission; afterwards each reply moves it.
        """
        if not self._learned and self.high_water == 0:
            self._learned = True
            try:
                await self.index_since(time.monotonic())
            except S3MError as exc:  # the submission need not wait for this; probing is then narrower
                log.debug("could not learn the queue's highest job id: %s", type(exc).__name__)
        return self.high_water

    async def index_since(self, since: float) -> KeyIndex:
        """A key index from a listing started after `since` (concurrent callers share one)."""
        async with self._lock:
            if self._index is None or self._index.started < since:
                started = time.monotonic()
                self._index = KeyIndex.of(started, await self._list_jobs())
                if self._index.ids:
                    self.high_water = max(self.high_water, max(self._index.ids))
            return self._index

    async def find(self, key: str, *, failed_at: float, floor: int, cause: S3MError) -> int | None:
        """The job carrying `key`, or None once the search is sure there is none.

        `floor` is the highest job id known before the submission: a job it created has a larger
        id, so purged candidates are probed from there.
        """
        successful = 0
        started = time.monotonic()
        probed: set[int] = set()
        for delay in Backoff(initial=0.2, factor=2.0, maximum=5.0).delays():
            try:
                index: KeyIndex | None = await self.index_since(
                    failed_at if successful == 0 else time.monotonic()
                )
            except S3MError:
                index = None
            if index is not None:
                if key in index.keys:
                    return index.keys[key]
                successful += 1
                found = await self._probe(key, index, floor, probed)
                if found is not None:
                    return found
                if successful >= 2 and time.monotonic() - failed_at >= self.SETTLE:
                    return None
            elif time.monotonic() - started > self.PATIENCE:
                raise SubmissionUnknown(
                    "the submission may or may not have reached Slurm, and the queue could not be searched "
                    f"for its key {KEY_PREFIX}{key}",
                    key=key,
                    rpc="PostJobSubmit",
                ) from cause
            await asyncio.sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover - delays() is endless

    async def _probe(self, key: str, index: KeyIndex, floor: int, probed: set[int]) -> int | None:
        """Ask GetJob about ids past `floor` the listing does not show (purged, or not yet listed)."""
        if floor <= 0:
            return None  # nothing to count from: the queue was empty and this client new
        # A few ids past the highest one seen too: the job may be the newest, and already purged.
        top = max(self.high_water, max(index.ids, default=0)) + 8
        candidates = [i for i in range(floor + 1, top + 1) if i not in index.ids and i not in probed]
        for job_id in candidates[: self.PROBE]:
            probed.add(job_id)
            try:
                comment = await self._get_comment(job_id)
            except NotFound:
                continue
            except S3MError as exc:  # another project's job, a hiccup: it proves nothing either way
                log.debug("probing job %s for a submission key failed: %s", job_id, type(exc).__name__)
                continue
            if key in keys_in(comment):
                return job_id
        return None


__all__ = ["KEY_PREFIX", "Finder", "KeyIndex", "check_key", "comment_with_key", "keys_in", "new_key"]
