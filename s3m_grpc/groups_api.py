"""Making and resuming job groups for ``Slurm.group`` and ``Slurm.resume`` (kept out of the client)."""

from __future__ import annotations

import os
import uuid
from typing import TYPE_CHECKING

from s3m_grpc.group import JobGroup
from s3m_grpc.journal import Journal

if TYPE_CHECKING:
    from s3m_grpc.client import Slurm


def new_group(
    slurm: Slurm, *, account: str | None = None, state_dir: str | os.PathLike[str] | None = None
) -> JobGroup:
    """An empty group in the journal of the client's resource and `account`."""
    journal = Journal.open(slurm.resource, account, directory=state_dir)
    return JobGroup(slurm, journal, uuid.uuid4().hex[:12])


def resume_groups(
    slurm: Slurm, *, account: str | None = None, state_dir: str | os.PathLike[str] | None = None
) -> list[JobGroup]:
    """Every unfinished group of the journal, loaded and locked (ConfigurationError if another has one)."""
    journal = Journal.open(slurm.resource, account, directory=state_dir)
    return [JobGroup.load(slurm, journal, group_id) for group_id in journal.groups()]


__all__ = ["new_group", "resume_groups"]
