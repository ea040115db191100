"""The envelope vote: projects on the ballot, a voter's envelope and what a ballot may hold."""

import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Project:
    id: int
    title: Mapping[str, str]
    summary: Mapping[str, str]
    cost_cents: int
    district: str | None = None
    theme: str | None = None
    image: str | None = None
    place: str | None = None


class BallotError(ValueError):
    """A ballot that may not be cast; `reason` names why: "unknown_project" (not on this
    edition's ballot), "over_envelope", "empty"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Envelope:
    """What a voter has put in their envelope so far, and what is left to spend."""

    size_cents: int
    chosen: tuple[Project, ...] = ()

    @property
    def spent_cents(self) -> int:
        return sum(project.cost_cents for project in self.chosen)

    @property
    def left_cents(self) -> int:
        return self.size_cents - self.spent_cents

    def holds(self, project: Project) -> bool:
        return any(chosen.id == project.id for chosen in self.chosen)

    def fits(self, project: Project) -> bool:
        return self.holds(project) or project.cost_cents <= self.left_cents

    def shortfall_cents(self, project: Project) -> int:
        """How much would have to be freed for `project` to fit."""
        return max(0, project.cost_cents - self.left_cents)

    def with_project(self, project: Project) -> "Envelope":
        if self.holds(project):
            return self
        if not self.fits(project):
            raise BallotError("over_envelope")
        return Envelope(self.size_cents, (*self.chosen, project))

    def without(self, project: Project) -> "Envelope":
        return Envelope(self.size_cents, tuple(p for p in self.chosen if p.id != project.id))


def check_ballot(
    project_ids: Iterable[int],
    on_ballot: Mapping[int, Project],
    size_cents: int,
    allow_empty: bool,
) -> Envelope:
    """The envelope a ballot naming `project_ids` would be, or BallotError: only projects on
    this edition's ballot, each counted once, within the envelope."""
    chosen: list[Project] = []
    for project_id in dict.fromkeys(project_ids):
        project = on_ballot.get(project_id)
        if project is None:
            raise BallotError("unknown_project")
        chosen.append(project)
    envelope = Envelope(size_cents, tuple(chosen))
    if envelope.left_cents < 0:
        raise BallotError("over_envelope")
    if not chosen and not allow_empty:
        raise BallotError("empty")
    return envelope


def voter_order(projects: Sequence[Project], seed: int) -> list[Project]:
    """The projects in an order of their own for each voter (`seed`), the same each time they
    look, so that no project profits from always being shown first."""
    ordered = sorted(projects, key=lambda project: project.id)
    random.Random(seed).shuffle(ordered)
    return ordered
