"""Job records that survive a restart: one SQLite table, written on every change.

The state directory belongs to one emulator at a time (an exclusive lock on ``lock``): two
emulators sharing it would hand out the same job ids and overwrite each other's records. It is
private to its owner (0700), since job descriptions may carry secrets of the users' in their
environment.
"""

from __future__ import annotations

import fcntl
import json
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from s3m_grpc.emulator.files import private_dir
from s3m_grpc.errors import ConfigurationError


class JobStore:
    """Persists each job's record (a JSON object) by resource and job id."""

    def __init__(self, state_dir: Path) -> None:
        private_dir(state_dir, what="the emulator's state directory")
        self._lock = os.open(state_dir / "lock", os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self._lock)
            raise ConfigurationError(
                f"{state_dir} is in use by another emulator (give each emulator its own --state-dir)"
            ) from None
        self.path = state_dir / "jobs.sqlite3"
        # Created 0600 before SQLite opens it (SQLite gives its -wal and -shm files the same mode):
        # records hold the jobs' environments.
        os.close(os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600))
        os.chmod(self.path, 0o600)
        # One connection, used from the event loop thread only; WAL keeps writes cheap.
        self._db = sqlite3.connect(self.path, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS jobs (resource TEXT NOT NULL, job_id INTEGER NOT NULL, "
            "record TEXT NOT NULL, PRIMARY KEY (resource, job_id))"
        )
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS next_ids (resource TEXT PRIMARY KEY, next_id INTEGER NOT NULL)"
        )

    def save(self, resource: str, job_id: int, record: dict[str, Any]) -> None:
        """Insert or replace one job's record."""
        self._db.execute(
            "INSERT OR REPLACE INTO jobs (resource, job_id, record) VALUES (?, ?, ?)",
            (resource, job_id, json.dumps(record)),
        )

    def load(self, resource: str) -> Iterator[dict[str, Any]]:
        """Every stored record of a resource, by job id."""
        rows = self._db.execute("SELECT record FROM jobs WHERE resource = ? ORDER BY job_id", (resource,))
        for (record,) in rows.fetchall():
            yield json.loads(record)

    def forget(self, resource: str, job_id: int, *, next_id: int) -> None:
        """Drop a purged job's record, remembering the next id so that ids are never reused."""
        self._db.execute("DELETE FROM jobs WHERE resource = ? AND job_id = ?", (resource, job_id))
        self._db.execute(
            "INSERT OR REPLACE INTO next_ids (resource, next_id) VALUES (?, ?)", (resource, next_id)
        )

    def next_id(self, resource: str) -> int:
        """The first job id not yet given out (0 if unknown)."""
        row = self._db.execute("SELECT next_id FROM next_ids WHERE resource = ?", (resource,)).fetchone()
        return int(row[0]) if row else 0

    def close(self) -> None:
        """Close the database and release the directory."""
        self._db.close()
        os.close(self._lock)  # closing the descriptor releases the lock


__all__ = ["JobStore"]
