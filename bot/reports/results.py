"""The results of an edition's vote, from the ballots in the database, by the edition's rule."""

from dataclasses import dataclass

import numpy

from budget.ballot import Project
from budget.edition import Edition
from budget.results import CountedElection, Results, Standing, compute_results, ranking
from conversations.results import Ranked
from storage.editions import StoredEdition
from storage.unit_of_work import UnitOfWork

# Costs are kept in cents; Equal Shares raises each voter's share one euro at a time, as
# equalshares.net does with costs in euros.
SHARE_INCREMENT_CENTS = 100


def election_id(project_id: int) -> str:
    """Project ids as the results name them: zero-padded, so that ties, broken in the order of
    the names, follow the order the projects were put on the ballot."""
    return f"{project_id:06d}"


@dataclass(frozen=True)
class EditionResults:
    edition: Edition
    projects: tuple[Project, ...]
    results: Results
    # Each distinct ballot once, with how many cast it: what a national vote is counted on.
    election: CountedElection
    turnout: int

    def votes(self, project: Project) -> int:
        return self.results.votes.get(election_id(project.id), 0)

    @property
    def winners(self) -> list[Project]:
        by_id = {election_id(project.id): project for project in self.projects}
        return [by_id[winner] for winner in self.results.winners]

    @property
    def standings(self) -> list[Standing]:
        """Most voted first; ties in the order of the ballot (the election ids' order)."""
        return ranking(self.election, self.results)

    def is_winner(self, project: Project) -> bool:
        return election_id(project.id) in self.results.winners


async def edition_results(uow: UnitOfWork, stored: StoredEdition) -> EditionResults:
    """The results, counted on the distinct ballots as the database groups them."""
    edition = stored.edition
    # Every ballot is read, on a thread, so that the other chats are not held up meanwhile.
    async with uow.off_the_loop():
        projects = tuple(await uow.projects.on_ballot(stored.id))
        groups = await uow.voting.ballot_groups(stored.id)
    # Each project id as its position on the ballot; -1 for an id that is not on it, which
    # the election refuses.
    ids = numpy.array([project.id for project in projects], dtype=numpy.int64)
    top = max(int(ids.max(initial=0)), int(groups.project_ids.max(initial=0)))
    position = numpy.full(top + 1, -1, dtype=numpy.intp)
    position[ids] = numpy.arange(len(ids))
    election = CountedElection.of(
        {election_id(project.id): project.cost_cents for project in projects},
        edition.envelope_cents,
        position[groups.project_ids],
        groups.lengths,
        groups.counts,
    )
    results = compute_results(
        election, edition.results_rule, voter_budget_increment=SHARE_INCREMENT_CENTS
    )
    return EditionResults(edition, projects, results, election, election.voters)


@dataclass(frozen=True)
class CastBallots:
    """The ballots one by one, for the export: each as the projects' election ids, and once
    they are published each one's receipt (empty before), in the same order."""

    ballots: tuple[frozenset[str], ...]
    receipts: tuple[str, ...]


async def cast_ballots(uow: UnitOfWork, stored: StoredEdition) -> CastBallots:
    async with uow.off_the_loop():
        if await uow.voting.published(stored.id):
            published = await uow.voting.published_ballots(stored.id)
            return CastBallots(
                tuple(frozenset(map(election_id, ballot.project_ids)) for ballot in published),
                tuple(ballot.receipt for ballot in published),
            )
        ballots = await uow.voting.ballots(stored.id)
    return CastBallots(tuple(frozenset(map(election_id, ballot)) for ballot in ballots), ())


def ranked(outcome: EditionResults) -> list[Ranked]:
    """The whole ranking with the projects as the ballot has them, in the order of the chart
    and of `pbbot results`."""
    by_id = {election_id(project.id): project for project in outcome.projects}
    return [
        Ranked(rank, by_id[standing.project.id], standing.votes, standing.winner, standing.left)
        for rank, standing in enumerate(outcome.standings, start=1)
    ]
