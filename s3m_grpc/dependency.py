"""Job dependencies run by the client: sbatch's ``--dependency`` language and its verdicts.

S3M's job description has no dependency field, so a dependent job is held by the client
(``s3m_grpc.group``) and submitted only once its condition is met. The language is sbatch's:
``after``, ``afterok``, ``afternotok``, ``afterany``, ``aftercorr`` (array to array, index by
index) and ``singleton``, each with one or more targets (``afterok:12:13``); terms joined by ``,``
must all hold, by ``?`` any one. A target is a job id (``123``), an array element (``123_4``),
or an entry of the same group by its label (``@prepare``, ``@sweep_4``).

A condition that can no longer be met (``afterok`` on a job that failed) is ``NEVER``: the job is
ended as ``DependencyNeverSatisfied`` and reported, never waited on forever.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Final

from s3m_grpc.errors import ConfigurationError
from s3m_grpc.slurmdefs import TERMINAL_STATES

KINDS: Final = frozenset({"after", "afterok", "afternotok", "afterany", "aftercorr", "singleton"})
#: The state of a held job whose condition can never be met (Slurm's reason of the same name).
NEVER_SATISFIED: Final = "DependencyNeverSatisfied"
#: States a job is in before it starts (the client's own, then Slurm's).
NOT_STARTED: Final = frozenset({"HELD", "SUBMITTING", "SUBMITTED", "PENDING", "UNKNOWN"})
_TARGET = re.compile(r"(@[A-Za-z0-9][A-Za-z0-9.-]*|\d+)(?:_(\d+))?", re.ASCII)
_ENDED: Final = TERMINAL_STATES | {NEVER_SATISFIED}


class Verdict(Enum):
    """Whether a condition holds now, may hold later, or never can."""

    MET = "met"
    WAIT = "wait"
    NEVER = "never"


@dataclass(frozen=True)
class Target:
    """One job a condition names: a job id or ``@label``, with an array index or None (all elements)."""

    ref: str
    index: int | None = None

    def __str__(self) -> str:
        return self.ref if self.index is None else f"{self.ref}_{self.index}"


@dataclass(frozen=True)
class Term:
    """``kind:target[:target...]`` (``singleton`` has none)."""

    kind: str
    targets: tuple[Target, ...] = ()


@dataclass(frozen=True)
class Dependency:
    """A parsed ``--dependency``: its terms, all of which (``,``) or any of which (``?``) must hold."""

    text: str
    terms: tuple[Term, ...]
    any_of: bool = False

    @property
    def refs(self) -> set[str]:
        """The ``@label`` targets (entries of the same group)."""
        return {t.ref for term in self.terms for t in term.targets if t.ref.startswith("@")}


def parse_dependency(text: str) -> Dependency:
    """Parse sbatch's ``--dependency`` value; ConfigurationError naming the bad part."""
    if not isinstance(text, str) or not text.strip():
        raise ConfigurationError("--dependency needs a condition, e.g. afterok:123")
    body = text.strip()
    if "," in body and "?" in body:
        raise ConfigurationError(f"--dependency={text}: use either ',' (all) or '?' (any), as sbatch does")
    any_of = "?" in body
    terms = []
    for part in body.split("?" if any_of else ","):
        kind, _, rest = part.strip().partition(":")
        if kind not in KINDS:
            raise ConfigurationError(
                f"--dependency={text}: {kind!r} is not one of {', '.join(sorted(KINDS))} "
                "(S3M passes no dependency, so the client runs these and only these)"
            )
        if kind == "singleton":
            if rest:
                raise ConfigurationError(f"--dependency={text}: singleton takes no job ids")
            terms.append(Term(kind))
            continue
        targets = []
        for word in rest.split(":") if rest else []:
            if kind != "aftercorr" and re.fullmatch(r"\d+\+\d+", word):
                raise ConfigurationError(
                    f"--dependency={text}: a +time delay is not supported by the client; remove it"
                )
            match = _TARGET.fullmatch(word)
            if match is None:
                raise ConfigurationError(f"--dependency={text}: {word!r} is not a job id, id_index or @label")
            targets.append(Target(match.group(1), int(match.group(2)) if match.group(2) else None))
        if not targets:
            raise ConfigurationError(f"--dependency={text}: {kind} needs at least one job id")
        terms.append(Term(kind, tuple(targets)))
    return Dependency(body, tuple(terms), any_of)


#: A target's elements' states; [] if it names nothing known (a NotFound job id).
Resolve = Callable[[Target], Sequence[str]]


def _term(term: Term, resolve: Resolve, index: int | None) -> Verdict:
    verdicts = []
    for target in term.targets:
        if term.kind == "aftercorr":
            if index is None or target.index is not None:
                raise ConfigurationError("aftercorr is for an array on an array (whole arrays, no _index)")
            target = Target(target.ref, index)
        states = list(resolve(target))
        if not states:
            verdicts.append(Verdict.NEVER)  # nothing by that id: Slurm refuses such a dependency
            continue
        ended = [s in _ENDED for s in states]
        ok = [s == "COMPLETED" for s in states]
        if term.kind == "after":
            met = all(s not in NOT_STARTED for s in states)
            verdicts.append(Verdict.MET if met else Verdict.WAIT)
        elif term.kind in ("afterok", "aftercorr"):
            if any(e and not k for e, k in zip(ended, ok, strict=True)):
                verdicts.append(Verdict.NEVER)
            else:
                verdicts.append(Verdict.MET if all(ok) else Verdict.WAIT)
        elif term.kind == "afternotok":
            if any(ok):
                verdicts.append(Verdict.NEVER)
            else:
                verdicts.append(Verdict.MET if all(ended) else Verdict.WAIT)
        else:  # afterany
            verdicts.append(Verdict.MET if all(ended) else Verdict.WAIT)
    return _combine(verdicts, any_of=False)


def _combine(verdicts: Sequence[Verdict], *, any_of: bool) -> Verdict:
    if any_of:
        if Verdict.MET in verdicts:
            return Verdict.MET
        return Verdict.NEVER if all(v is Verdict.NEVER for v in verdicts) else Verdict.WAIT
    if Verdict.NEVER in verdicts:
        return Verdict.NEVER
    return Verdict.MET if all(v is Verdict.MET for v in verdicts) else Verdict.WAIT


def evaluate(
    dep: Dependency, resolve: Resolve, *, index: int | None = None, singleton: bool = True
) -> Verdict:
    """The verdict on `dep` now; `index` is the element's array index (aftercorr), `singleton` whether
    no other job of the same name is queued or running."""
    verdicts = [
        (Verdict.MET if singleton else Verdict.WAIT)
        if term.kind == "singleton"
        else _term(term, resolve, index)
        for term in dep.terms
    ]
    return _combine(verdicts, any_of=dep.any_of)


__all__ = [
    "KINDS",
    "NEVER_SATISFIED",
    "NOT_STARTED",
    "Dependency",
    "Resolve",
    "Target",
    "Term",
    "Verdict",
    "evaluate",
    "parse_dependency",
]
