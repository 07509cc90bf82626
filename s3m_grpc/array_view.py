"""How ``s3m jobs`` shows the arrays this client runs: ``1234_7`` per task, held ones as ``1234_[8-99]``.

S3M has no arrays, so each task is an S3M job of its own; the journal (``s3m_grpc.journal``) knows
which job is which task. As squeue does, a task submitted is listed on its own line under
``ARRAYJOBID_INDEX``, and the tasks the client still holds (the ``%`` limit, a dependency) are
folded into one PENDING line. The array's job id is its first task's (``SLURM_ARRAY_JOB_ID``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from s3m_grpc.journal import Element, Journal, array_job_id


@dataclass
class ArrayView:
    """The arrays of one resource's journals: task labels by job id, and the tasks still held."""

    #: S3M job id -> ``ARRAYJOBID_INDEX``.
    labels: dict[int, str] = field(default_factory=dict)
    #: (``ARRAYJOBID_[ranges]``, job name, held count) per array with tasks the client holds.
    held: list[tuple[str, str, int]] = field(default_factory=list)


def fold(indices: list[int]) -> str:
    """``0-3,7,9-10`` for [0, 1, 2, 3, 7, 9, 10] (squeue's folding of array indices)."""
    parts: list[str] = []
    ordered = sorted(indices)
    start = prev = ordered[0]
    for idx in [*ordered[1:], None]:
        if idx is not None and idx == prev + 1:
            prev = idx
            continue
        parts.append(str(start) if start == prev else f"{start}-{prev}")
        if idx is not None:
            start = prev = idx
    return ",".join(parts)


def array_view(resource: str, directory: str | os.PathLike[str] | None = None) -> ArrayView:
    """What the journals of `resource` (every account) know of its arrays; empty without journals."""
    view = ArrayView()
    for path in Journal.existing(resource, directory):
        journal = Journal(path)
        try:
            for group_id in journal.groups():
                arrays = {label: spec.name for label, spec, array, _ in journal.entries(group_id) if array}
                tasks: dict[str, list[Element]] = {}
                for element in journal.elements(group_id):
                    if element.label in arrays:
                        tasks.setdefault(element.label, []).append(element)
                for label, elements in tasks.items():
                    first = array_job_id(elements)  # what each task has as SLURM_ARRAY_JOB_ID
                    if first is None:
                        continue  # nothing submitted yet: no array job id to show it under
                    for element in elements:
                        if element.job_id is not None:
                            view.labels[element.job_id] = f"{first}_{element.idx}"
                    held = [e.idx for e in elements if e.status == "held"]
                    if held:
                        view.held.append((f"{first}_[{fold(held)}]", arrays[label] or "", len(held)))
        finally:
            journal.close()
    return view


__all__ = ["ArrayView", "array_view", "fold"]
