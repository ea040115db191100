"""Voters and their ballots. The rules that protect the vote are kept by the database itself:
one voter per account and per phone number, one ballot per voter, a ballot within its
envelope; casting locks the voter's row so that two processes cannot cast for them at once."""

import secrets
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from budget.ballot import BallotError, Project, check_ballot
from storage.constraints import is_violation
from storage.tables import BallotItemRow, BallotRow, VoterRow

# Receipt codes avoid letters and digits that look alike on a small screen.
RECEIPT_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"


@dataclass(frozen=True)
class Voter:
    id: int
    citizen_id: int
    district: str | None


@dataclass(frozen=True)
class CastBallot:
    project_ids: tuple[int, ...]
    total_cents: int
    version: int
    receipt: str
    cast_at: datetime


class PhoneAlreadyUsed(Exception):
    """Another account of this edition already registered with this phone number."""


def receipt_code() -> str:
    code = "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(6))
    return f"{code[:3]}-{code[3:]}"


class Voting:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def voter(self, edition_id: int, citizen_id: int) -> Voter | None:
        row = await self.session.scalar(
            select(VoterRow).where(
                VoterRow.edition_id == edition_id, VoterRow.citizen_id == citizen_id
            )
        )
        return Voter(row.id, row.citizen_id, row.district) if row else None

    async def register(
        self,
        edition_id: int,
        citizen_id: int,
        district: str | None,
        phone_hash: str | None,
        now: datetime,
    ) -> Voter:
        """Record an eligible voter; raise PhoneAlreadyUsed when the number is taken."""
        known = await self.voter(edition_id, citizen_id)
        if known is not None:
            return known
        row = VoterRow(
            edition_id=edition_id,
            citizen_id=citizen_id,
            district=district,
            phone_hash=phone_hash,
            ballots_cast=0,
            registered_at=now,
        )
        try:
            async with self.session.begin_nested():
                self.session.add(row)
        except IntegrityError as error:
            if is_violation(error, "uq_voters_edition_phone"):
                raise PhoneAlreadyUsed from None
            if not is_violation(error, "uq_voters_edition_citizen"):
                raise
            # The same citizen registered by another process at the same moment.
            registered = await self.voter(edition_id, citizen_id)
            assert registered is not None
            return registered
        return Voter(row.id, row.citizen_id, row.district)

    async def ballot(self, voter: Voter) -> CastBallot | None:
        row = await self.session.scalar(
            select(BallotRow)
            .where(BallotRow.voter_id == voter.id)
            .execution_options(populate_existing=True)
        )
        return _cast(row) if row else None

    async def cast(
        self,
        edition_id: int,
        voter: Voter,
        project_ids: Iterable[int],
        on_ballot: Iterable[Project],
        envelope_cents: int,
        allow_empty: bool,
        now: datetime,
    ) -> CastBallot:
        """Cast (or replace) the voter's ballot: BallotError if it may not be cast."""
        projects = {project.id: project for project in on_ballot}
        envelope = check_ballot(project_ids, projects, envelope_cents, allow_empty)
        voter_row = await self.session.scalar(
            select(VoterRow).where(VoterRow.id == voter.id).with_for_update()
        )
        if voter_row is None:
            raise LookupError(voter)
        ballot = await self.session.scalar(select(BallotRow).where(BallotRow.voter_id == voter.id))
        voter_row.ballots_cast += 1
        if ballot is None:
            ballot = BallotRow(edition_id=edition_id, voter_id=voter.id)
            self.session.add(ballot)
        ballot.envelope_cents = envelope_cents
        ballot.total_cents = envelope.spent_cents
        ballot.version = voter_row.ballots_cast
        ballot.receipt = receipt_code()
        ballot.cast_at = now
        try:
            await self.session.flush()
        except IntegrityError as error:
            if not is_violation(error, "ck_ballots_within_envelope"):
                raise
            raise BallotError("over_envelope") from error
        await self.session.execute(
            delete(BallotItemRow).where(BallotItemRow.ballot_id == ballot.id)
        )
        if envelope.chosen:
            await self.session.execute(
                insert(BallotItemRow),
                [{"ballot_id": ballot.id, "project_id": project.id} for project in envelope.chosen],
            )
        return CastBallot(
            project_ids=tuple(project.id for project in envelope.chosen),
            total_cents=ballot.total_cents,
            version=ballot.version,
            receipt=ballot.receipt,
            cast_at=now,
        )

    async def withdraw(self, voter: Voter) -> bool:
        result = await self.session.execute(delete(BallotRow).where(BallotRow.voter_id == voter.id))
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def votes(self, edition_id: int) -> Counter[int]:
        """Votes per project: the cast ballots that hold it (nothing about who cast them)."""
        rows = await self.session.execute(
            select(BallotItemRow.project_id, func.count())
            .join(BallotRow, BallotRow.id == BallotItemRow.ballot_id)
            .where(BallotRow.edition_id == edition_id)
            .group_by(BallotItemRow.project_id)
        )
        return Counter({project_id: count for project_id, count in rows})

    async def ballots(self, edition_id: int) -> list[frozenset[int]]:
        """Every cast ballot as the set of its projects, in no particular order."""
        rows = await self.session.execute(
            select(BallotItemRow.ballot_id, BallotItemRow.project_id)
            .join(BallotRow, BallotRow.id == BallotItemRow.ballot_id)
            .where(BallotRow.edition_id == edition_id)
        )
        held: dict[int, set[int]] = {}
        for ballot_id, project_id in rows:
            held.setdefault(ballot_id, set()).add(project_id)
        empty = await self.session.scalar(
            select(func.count())
            .select_from(BallotRow)
            .where(BallotRow.edition_id == edition_id, BallotRow.total_cents == 0)
        )
        return [frozenset(projects) for projects in held.values()] + [frozenset()] * int(empty or 0)

    async def turnout(self, edition_id: int) -> int:
        return int(
            await self.session.scalar(
                select(func.count())
                .select_from(BallotRow)
                .where(BallotRow.edition_id == edition_id)
            )
            or 0
        )


def _cast(row: BallotRow) -> CastBallot:
    return CastBallot(
        project_ids=tuple(item.project_id for item in row.items),
        total_cents=row.total_cents,
        version=row.version,
        receipt=row.receipt,
        cast_at=row.cast_at,
    )
