"""Voters and their ballots, kept as a secret ballot.

Until the vote closes, each voter's ballot is sealed on their own row with the key kept
outside the database (storage.sealing): what they chose, its receipt and which version counts
are readable only with the key, which the bot uses to show the voter their own ballot and let
them change or withdraw it. The database alone holds no choice at all.

At the close the ballots are published: unsealed, shuffled, and written all at once in
`ballots` under random ids, with their receipts but no voter, no time and no version; the
sealed ones and the phone fingerprints are then erased. From then on nothing in the database,
key or not, joins a voter to a ballot, and each voter can find their receipt in the published
ballots.

The rules that protect the vote are kept by the database itself: one voter per account, per
phone number and per identity reference; casting locks the voter's row so that two processes
cannot cast for them at once; a published ballot within its envelope."""

import json
import random
import secrets
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from budget.ballot import Project, check_ballot
from budget.integrity import Tally
from storage.ballot_groups import BallotGroups, published_groups
from storage.constraints import is_violation
from storage.sealing import Sealer
from storage.tables import (
    BallotItemRow,
    BallotRow,
    ConversationStateRow,
    EditionRow,
    IntegrityCountRow,
    IntegrityNumberRow,
    ProcessedUpdateRow,
    VoterRow,
)

# Receipt codes avoid letters and digits that look alike on a small screen.
RECEIPT_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
SEALED_BALLOT = "ballot"


@dataclass(frozen=True)
class Voter:
    id: int
    # None: a paper ballot entered at a stand.
    citizen_id: int | None
    district: str | None


@dataclass(frozen=True)
class CastBallot:
    project_ids: tuple[int, ...]
    total_cents: int
    version: int
    receipt: str


@dataclass(frozen=True)
class PublishedBallot:
    receipt: str
    project_ids: frozenset[int]


class PhoneAlreadyUsed(Exception):
    """Another voter of this edition already registered with this phone number (or, with
    `identity`, this identity reference); `at_stand` says whether that one is a paper ballot."""

    def __init__(self, at_stand: bool = False, identity: bool = False) -> None:
        super().__init__("at a stand" if at_stand else "online")
        self.at_stand = at_stand
        self.identity = identity


class VoteClosed(Exception):
    """The ballots are published: none can be cast, changed or withdrawn any more."""


def receipt_code() -> str:
    code = "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(6))
    return f"{code[:3]}-{code[3:]}"


def seal_ballot(
    sealer: Sealer,
    edition_id: int,
    voter_id: int,
    *,
    projects: list[int],
    receipt: str,
    version: int,
    total_cents: int,
    envelope_cents: int,
) -> str:
    """A ballot as kept on its voter's row: it opens only with the key, and only there."""
    content = {
        "projects": sorted(projects),
        "receipt": receipt,
        "version": version,
        "total_cents": total_cents,
        "envelope_cents": envelope_cents,
    }
    return sealer.seal(SEALED_BALLOT, json.dumps(content).encode(), _context(edition_id, voter_id))


def project_set(project_ids: Iterable[int]) -> str:
    """A published ballot's projects as one text: equal for equal ballots, whatever the order."""
    return ",".join(map(str, sorted(set(project_ids))))


def _context(edition_id: int, voter_id: int) -> str:
    return f"{edition_id}:{voter_id}"


# Read at every update of the vote: built once (building a statement costs more than running
# it on SQLite), the values bound at each run.
_VOTER = select(VoterRow.id, VoterRow.citizen_id, VoterRow.district).where(
    VoterRow.edition_id == bindparam("edition_id"), VoterRow.citizen_id == bindparam("citizen_id")
)
_SEALED_BALLOT = (
    select(VoterRow.sealed_ballot)
    .where(VoterRow.id == bindparam("voter_id"))
    .execution_options(populate_existing=True)
)


class Voting:
    def __init__(self, session: AsyncSession, sealer: Sealer | None = None) -> None:
        self.session = session
        self.sealer = sealer

    def _key(self) -> Sealer:
        if self.sealer is None:
            raise LookupError("the secret ballot needs the key (SECRET_KEY_FILE)")
        return self.sealer

    async def voter(self, edition_id: int, citizen_id: int) -> Voter | None:
        row = (
            await self.session.execute(_VOTER, {"edition_id": edition_id, "citizen_id": citizen_id})
        ).first()
        return Voter(row.id, row.citizen_id, row.district) if row else None

    async def register(
        self,
        edition_id: int,
        citizen_id: int,
        district: str | None,
        phone_hash: str | None,
        now: datetime,
        identity_hash: str | None = None,
    ) -> Voter:
        """Record an eligible voter; raise PhoneAlreadyUsed when the number or the identity
        reference is taken, online or at a stand."""
        known = await self.voter(edition_id, citizen_id)
        if known is not None:
            return known
        row = VoterRow(
            edition_id=edition_id,
            citizen_id=citizen_id,
            district=district,
            phone_hash=phone_hash,
            identity_hash=identity_hash,
            registered_at=now,
        )
        try:
            async with self.session.begin_nested():
                self.session.add(row)
        except IntegrityError as error:
            # The same citizen registered by another process at the same moment (with the
            # same number and reference: whichever constraint the database names first).
            registered = await self.voter(edition_id, citizen_id)
            if registered is not None:
                return registered
            if phone_hash is not None and is_violation(error, "uq_voters_edition_phone"):
                paper = await self._paper(edition_id, phone=phone_hash)
                raise PhoneAlreadyUsed(bool(paper)) from None
            if identity_hash is not None and is_violation(error, "uq_voters_edition_identity"):
                paper = await self._paper(edition_id, identity=identity_hash)
                raise PhoneAlreadyUsed(bool(paper), identity=True) from None
            raise
        return Voter(row.id, row.citizen_id, row.district)

    async def register_paper(
        self,
        edition_id: int,
        district: str | None,
        phone_hash: str | None,
        identity_hash: str | None,
        now: datetime,
    ) -> Voter:
        """A paper ballot's voter, known by a fingerprint only; PhoneAlreadyUsed when that
        phone number or identity reference has a voter already, online or at a stand."""
        await self.check_free(edition_id, phone_hash, identity_hash)
        row = VoterRow(
            edition_id=edition_id,
            citizen_id=None,
            district=district,
            phone_hash=phone_hash,
            identity_hash=identity_hash,
            registered_at=now,
        )
        try:
            async with self.session.begin_nested():
                self.session.add(row)
        except IntegrityError as error:
            # Registered by another chat at the same moment.
            if is_violation(error, "uq_voters_edition_phone"):
                raise PhoneAlreadyUsed(at_stand=True) from None
            if is_violation(error, "uq_voters_edition_identity"):
                raise PhoneAlreadyUsed(at_stand=True, identity=True) from None
            raise
        return Voter(row.id, None, district)

    async def check_free(
        self, edition_id: int, phone_hash: str | None, identity_hash: str | None
    ) -> None:
        """PhoneAlreadyUsed if a voter of the edition, online or at a stand, has this phone
        number or identity reference."""
        if phone_hash is not None:
            paper = await self._paper(edition_id, phone=phone_hash)
            if paper is not None:
                raise PhoneAlreadyUsed(paper)
        if identity_hash is not None:
            paper = await self._paper(edition_id, identity=identity_hash)
            if paper is not None:
                raise PhoneAlreadyUsed(paper, identity=True)

    async def _paper(self, edition_id: int, phone: str = "", identity: str = "") -> bool | None:
        """Whether the voter with this phone or identity fingerprint is a paper ballot; None if
        no voter has it."""
        column = VoterRow.phone_hash if phone else VoterRow.identity_hash
        found = (
            await self.session.execute(
                select(VoterRow.citizen_id).where(
                    VoterRow.edition_id == edition_id, column == (phone or identity)
                )
            )
        ).first()
        return None if found is None else found.citizen_id is None

    async def ballot(self, edition_id: int, voter: Voter) -> CastBallot | None:
        """The voter's own ballot as cast, unsealed; None if none is cast."""
        sealed = await self.session.scalar(_SEALED_BALLOT, {"voter_id": voter.id})
        return self._unsealed(edition_id, voter.id, sealed) if sealed else None

    def _unsealed(self, edition_id: int, voter_id: int, sealed: str) -> CastBallot:
        content = json.loads(
            self._key().unseal(SEALED_BALLOT, sealed, _context(edition_id, voter_id))
        )
        return CastBallot(
            project_ids=tuple(content["projects"]),
            total_cents=int(content["total_cents"]),
            version=int(content["version"]),
            receipt=str(content["receipt"]),
        )

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
        """Cast (or replace) the voter's ballot: BallotError if it may not be cast,
        VoteClosed once the ballots are published."""
        projects = {project.id: project for project in on_ballot}
        envelope = check_ballot(project_ids, projects, envelope_cents, allow_empty)
        if await self.published(edition_id):
            raise VoteClosed
        sealed = await self.session.scalar(
            select(VoterRow.sealed_ballot).where(VoterRow.id == voter.id).with_for_update()
        )
        earlier = self._unsealed(edition_id, voter.id, sealed) if sealed else None
        ballot = CastBallot(
            project_ids=tuple(sorted(project.id for project in envelope.chosen)),
            total_cents=envelope.spent_cents,
            version=(earlier.version if earlier else 0) + 1,
            receipt=receipt_code(),
        )
        await self.session.execute(
            update(VoterRow)
            .where(VoterRow.id == voter.id)
            .values(
                sealed_ballot=seal_ballot(
                    self._key(),
                    edition_id,
                    voter.id,
                    projects=list(ballot.project_ids),
                    receipt=ballot.receipt,
                    version=ballot.version,
                    total_cents=ballot.total_cents,
                    envelope_cents=envelope_cents,
                )
            )
        )
        return ballot

    async def withdraw(self, edition_id: int, voter: Voter) -> bool:
        if await self.published(edition_id):
            raise VoteClosed
        result = await self.session.execute(
            update(VoterRow)
            .where(VoterRow.id == voter.id, VoterRow.sealed_ballot.is_not(None))
            .values(sealed_ballot=None)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def published(self, edition_id: int) -> bool:
        return (
            await self.session.scalar(
                select(EditionRow.ballots_published_at).where(EditionRow.id == edition_id)
            )
        ) is not None

    async def publish(self, edition_id: int, now: datetime) -> int | None:
        """At the close of the vote: every sealed ballot is unsealed and written, shuffled,
        under a random id, in the published ballots, in one transaction; the sealed ballots,
        the phone fingerprints, the envelopes being filled in, the answers recorded for
        updates and the numbers each account tried are erased. Return how many ballots were
        published; None if they were already (the publication happens once, whichever
        process gets there first)."""
        claimed = await self.session.execute(
            update(EditionRow)
            .where(EditionRow.id == edition_id, EditionRow.ballots_published_at.is_(None))
            .values(ballots_published_at=now)
        )
        if not claimed.rowcount:  # type: ignore[attr-defined]
            return None
        ballots = [
            json.loads(self._key().unseal(SEALED_BALLOT, sealed, _context(edition_id, voter_id)))
            for voter_id, sealed in await self._sealed(edition_id)
        ]
        random.SystemRandom().shuffle(ballots)
        published = [
            {
                "id": secrets.token_hex(16),
                "edition_id": edition_id,
                "envelope_cents": content["envelope_cents"],
                "total_cents": content["total_cents"],
                "receipt": content["receipt"],
                "project_ids": project_set(content["projects"]),
            }
            for content in ballots
        ]
        if published:
            await self.session.execute(insert(BallotRow), published)
            items = [
                {"ballot_id": row["id"], "project_id": project_id}
                for row, content in zip(published, ballots, strict=True)
                for project_id in content["projects"]
            ]
            if items:
                await self.session.execute(insert(BallotItemRow), items)
        await self.session.execute(
            update(VoterRow)
            .where(VoterRow.edition_id == edition_id)
            .values(sealed_ballot=None, phone_hash=None, identity_hash=None)
        )
        # The envelopes being filled in, and the answers recorded for updates (receipts and
        # projects shown to voters), go with the vote.
        await self.session.execute(
            delete(ConversationStateRow).where(
                ConversationStateRow.key.like("%:vote") | ConversationStateRow.key.like("%:stand")
            )
        )
        await self.session.execute(delete(ProcessedUpdateRow))
        # What the integrity alarms kept per account (the numbers it tried) served the vote
        # only; the counts per link, district, project and block stay, as the alarms do.
        await self.session.execute(
            delete(IntegrityNumberRow).where(IntegrityNumberRow.edition_id == edition_id)
        )
        await self.session.execute(
            delete(IntegrityCountRow).where(
                IntegrityCountRow.edition_id == edition_id,
                IntegrityCountRow.tally == Tally.NUMBERS_BY_ACCOUNT.value,
            )
        )
        return len(published)

    async def votes(self, edition_id: int) -> Counter[int]:
        """Votes per project: the ballots that hold it (nothing about who cast them)."""
        return Counter(
            project_id for ballot in await self.ballots(edition_id) for project_id in ballot
        )

    async def ballots(self, edition_id: int) -> list[frozenset[int]]:
        """Every ballot as the set of its projects, in no particular order: the published
        ones, or before the close the sealed ones, opened with the key (provisional)."""
        if await self.published(edition_id):
            return [ballot.project_ids for ballot in await self.published_ballots(edition_id)]
        return [
            frozenset(self._unsealed(edition_id, voter_id, sealed).project_ids)
            for voter_id, sealed in await self._sealed(edition_id)
        ]

    async def ballot_groups(self, edition_id: int) -> BallotGroups:
        """Each distinct ballot once, as its projects, with how many cast it: the published
        ones grouped by the database, or before the close the sealed ones, opened with the key
        (provisional) and grouped here."""
        if not await self.published(edition_id):
            counted = Counter(
                tuple(sorted(self._unsealed(edition_id, voter_id, sealed).project_ids))
                for voter_id, sealed in await self._sealed(edition_id)
            )
            return BallotGroups.of(counted.items())
        return await published_groups(self.session, edition_id)

    async def _sealed(self, edition_id: int) -> list[tuple[int, str]]:
        rows = await self.session.execute(
            select(VoterRow.id, VoterRow.sealed_ballot).where(
                VoterRow.edition_id == edition_id, VoterRow.sealed_ballot.is_not(None)
            )
        )
        return [(voter_id, sealed) for voter_id, sealed in rows if sealed is not None]

    async def published_ballots(self, edition_id: int) -> list[PublishedBallot]:
        rows = await self.session.execute(
            select(BallotRow.receipt, BallotRow.project_ids).where(
                BallotRow.edition_id == edition_id
            )
        )
        return [
            PublishedBallot(receipt, frozenset(map(int, ids.split(","))) if ids else frozenset())
            for receipt, ids in rows
        ]

    async def turnout(self, edition_id: int) -> int:
        if await self.published(edition_id):
            query = select(func.count()).select_from(BallotRow)
            query = query.where(BallotRow.edition_id == edition_id)
        else:
            query = select(func.count()).select_from(VoterRow)
            query = query.where(
                VoterRow.edition_id == edition_id, VoterRow.sealed_ballot.is_not(None)
            )
        return int(await self.session.scalar(query) or 0)
