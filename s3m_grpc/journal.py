"""The journal: a crash-safe SQLite record of every submission a group plans, its key and its job id.

One file per resource and account under the user's state directory (``$XDG_STATE_HOME/s3m-grpc``
or ``~/.local/state/s3m-grpc``; ``S3M_STATE_DIR`` or ``state_dir=`` override it), created mode 0600
in a 0700 directory. It holds job specs (script, environment: the client refuses one that carries
the token), submission keys and job ids, never the token.

An element moves ``held -> sending -> submitted -> ended`` (or ``never``: its dependency can never
be met). ``sending`` is committed, with the submission key, before the request leaves: a client
that dies there is resumed by searching the queue for that key (``s3m_grpc.submission``), so each
element reaches Slurm exactly once. A group being driven is locked (``flock``, released by the
kernel even after ``kill -9``), so two clients never drive the same plan.
"""

from __future__ import annotations

import fcntl
import math
import os
import re
import sqlite3
import stat
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Final

import orjson

from s3m_grpc.errors import ConfigurationError
from s3m_grpc.spec import JobSpec

_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS groups (id TEXT PRIMARY KEY, created REAL NOT NULL);
CREATE TABLE IF NOT EXISTS entries (
    group_id TEXT NOT NULL, seq INTEGER NOT NULL, label TEXT NOT NULL, spec TEXT NOT NULL,
    array TEXT, dependency TEXT, PRIMARY KEY (group_id, label));
CREATE TABLE IF NOT EXISTS elements (
    group_id TEXT NOT NULL, label TEXT NOT NULL, idx INTEGER NOT NULL, key TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL, job_id INTEGER, state TEXT, exit_code INTEGER, floor INTEGER NOT NULL DEFAULT 0,
    note TEXT, PRIMARY KEY (group_id, label, idx));
"""
#: The element index of an entry that is not an array.
SINGLE: Final = -1
_NAME = re.compile(r"[^A-Za-z0-9._-]")


def state_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """Where journals live: `override`, $S3M_STATE_DIR, $XDG_STATE_HOME/s3m-grpc, ~/.local/state/s3m-grpc."""
    if override is not None:
        return Path(override)
    if os.environ.get("S3M_STATE_DIR"):
        return Path(os.environ["S3M_STATE_DIR"])
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "s3m-grpc"


def _private_file(path: Path) -> None:
    """Create `path` mode 0600 (O_EXCL, no symlink followed), or check an existing one is ours and private."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        os.close(fd)
        return
    except FileExistsError:
        pass
    info = os.lstat(path)
    if not stat.S_ISREG(info.st_mode) or info.st_uid != os.getuid():
        raise ConfigurationError(
            f"{path} is not a regular file of yours: remove it or choose another state_dir"
        )
    if info.st_mode & 0o077:
        os.chmod(path, 0o600)


@dataclass(frozen=True)
class Element:
    """One planned S3M job: an entry's array index (SINGLE if none) and how far it got."""

    group_id: str
    label: str
    idx: int
    key: str
    status: str
    job_id: int | None
    state: str | None
    exit_code: int | None
    floor: int
    note: str | None


class Journal:
    """The SQLite journal of one resource/account (see the module's docstring)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        _private_file(path)
        # Autocommit; each write commits at once, FULL sync: a crash keeps what was written.
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")  # WAL and -shm files take the database's mode
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(_SCHEMA)
        self._locks: dict[str, int] = {}

    @classmethod
    def open(
        cls, resource: str, account: str | None = None, *, directory: str | os.PathLike[str] | None = None
    ) -> Journal:
        """The journal of `resource` and `account` (None: the token's default account)."""
        name = f"{_NAME.sub('_', resource)}.{_NAME.sub('_', account or 'default')}.sqlite"
        return cls(state_dir(directory) / name)

    @staticmethod
    def existing(resource: str, directory: str | os.PathLike[str] | None = None) -> list[Path]:
        """The journals of `resource` already written, for every account (none: nothing is created)."""
        folder = state_dir(directory)
        return sorted(folder.glob(f"{_NAME.sub('_', resource)}.*.sqlite")) if folder.is_dir() else []

    def __repr__(self) -> str:
        return f"Journal({str(self.path)!r})"

    def close(self) -> None:
        """Close the database and release this process's locks."""
        for fd in self._locks.values():
            os.close(fd)
        self._locks.clear()
        self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Several writes as one (a plan is written whole or not at all)."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    # -- locking ---------------------------------------------------------------------------------

    def lock(self, group_id: str) -> None:
        """Take the group's lock for this process; ConfigurationError if another client drives it."""
        if group_id in self._locks:
            return
        lock_path = self.path.with_name(f"{self.path.name}.{group_id}.lock")
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise ConfigurationError(
                f"group {group_id} is driven by another s3m client; wait for it to end, or stop it first"
            ) from None
        self._locks[group_id] = fd

    # -- writing ---------------------------------------------------------------------------------

    def add_group(self, group_id: str, created: float) -> None:
        """Record a new group."""
        self._db.execute("INSERT INTO groups VALUES (?, ?)", (group_id, created))

    def add_entry(
        self, group_id: str, seq: int, label: str, spec: JobSpec, array: str | None, dependency: str | None
    ) -> None:
        """Record an entry (one spec; an array's elements are separate rows)."""
        self._db.execute(
            "INSERT INTO entries VALUES (?, ?, ?, ?, ?, ?)",
            (group_id, seq, label, spec_to_json(spec), array, dependency),
        )

    def add_element(self, group_id: str, label: str, idx: int, key: str) -> None:
        """Record a planned element, held."""
        self._db.execute(
            "INSERT INTO elements (group_id, label, idx, key, status) VALUES (?, ?, ?, ?, 'held')",
            (group_id, label, idx, key),
        )

    def update(self, element: Element, **changes: Any) -> Element:
        """Change an element's columns (committed before this returns); the new element."""
        columns = ", ".join(f"{name} = ?" for name in changes)
        self._db.execute(
            f"UPDATE elements SET {columns} WHERE group_id = ? AND label = ? AND idx = ?",  # noqa: S608 - our names
            (*changes.values(), element.group_id, element.label, element.idx),
        )
        values = {f.name: getattr(element, f.name) for f in fields(Element)} | changes
        return Element(**values)

    # -- reading ---------------------------------------------------------------------------------

    def groups(self) -> list[str]:
        """Ids of the groups with elements not yet finished (held, sending or submitted), oldest first."""
        rows = self._db.execute(
            "SELECT g.id FROM groups g WHERE EXISTS (SELECT 1 FROM elements e WHERE e.group_id = g.id "
            "AND e.status IN ('held', 'sending', 'submitted')) ORDER BY g.created"
        )
        return [row[0] for row in rows]

    def entries(self, group_id: str) -> list[tuple[str, JobSpec, str | None, str | None]]:
        """(label, spec, array, dependency) of a group's entries, in the order they were added."""
        rows = self._db.execute(
            "SELECT label, spec, array, dependency FROM entries WHERE group_id = ? ORDER BY seq", (group_id,)
        )
        return [(label, spec_from_json(spec), array, dep) for label, spec, array, dep in rows]

    def elements(self, group_id: str) -> list[Element]:
        """A group's elements, by entry and index."""
        rows = self._db.execute(
            "SELECT group_id, label, idx, key, status, job_id, state, exit_code, floor, note FROM elements "
            "WHERE group_id = ? ORDER BY rowid",
            (group_id,),
        )
        return [Element(*row) for row in rows]


def spec_to_json(spec: JobSpec) -> str:
    """A JobSpec as JSON text (``UNLIMITED`` for an infinite time)."""
    values: dict[str, Any] = {}
    for f in fields(spec):
        value = getattr(spec, f.name)
        if isinstance(value, float) and math.isinf(value):
            value = "UNLIMITED"
        elif isinstance(value, Mapping):
            value = dict(value)
        values[f.name] = value
    return orjson.dumps(values).decode()


def spec_from_json(text: str) -> JobSpec:
    """The JobSpec `spec_to_json` wrote."""
    return JobSpec(**orjson.loads(text))


def array_job_id(elements: Iterable[Element]) -> int | None:
    """An array's ``SLURM_ARRAY_JOB_ID``: its first submitted element's job id, once there is one.

    Elements are submitted in index order and the first goes alone, so this is the lowest job id
    (index 0's, unless its dependency could never be met)."""
    return min((e.job_id for e in elements if e.job_id is not None), default=None)


__all__ = ["SINGLE", "Element", "Journal", "array_job_id", "spec_from_json", "spec_to_json", "state_dir"]
