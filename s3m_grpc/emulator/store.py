"""Job records that survive a restart: one SQLite table, written on every change."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any


class JobStore:
    """Persists each job's record (a JSON object) by resource and job id."""

    def __init__(self, state_dir: Path) -> None:
        state_dir.mkdir(parents=True, exist_ok=True)
        self.path = state_dir / "jobs.sqlite3"
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
        """Close the database."""
        self._db.close()
