"""One unit of work per update: repositories share one session; it commits once or rolls back."""

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.accountability import Accountability
from storage.analysis import Analysis
from storage.assumptions import Assumptions, broken, checked_on
from storage.audiences import Audiences
from storage.audit import Audit
from storage.browsing import Browsing
from storage.campaigns import Campaigns
from storage.citizens import Citizens
from storage.committee import Committee
from storage.constraints import is_violation
from storage.conversation_states import (
    ConversationStates,
    Entry,
    GroupCommit,
    SealedDestinies,
    StateConflict,
    Stored,
)
from storage.deliveries import Deliveries
from storage.editions import Editions
from storage.figures import FigureQueries
from storage.follow_ups import FollowUps
from storage.ideas import Ideas
from storage.integrity import Integrity, add_counts
from storage.leases import Leases
from storage.moderation import Moderation
from storage.personal_data import PersonalData
from storage.projects import Projects
from storage.sealing import Sealer
from storage.sqlite_on_the_loop import off_the_loop
from storage.staff import Staff
from storage.stands import Stands
from storage.tallies import Tallies, count_all
from storage.updates import ProcessedUpdates, seal_replies
from storage.voting import Voting

__all__ = ["AlreadyProcessed", "StateConflict", "UnitOfWork"]


class AlreadyProcessed(Exception):
    """The update this work belongs to was committed before (a second delivery of it)."""


@dataclass(frozen=True)
class ProcessedRecord:
    bot_id: int
    update_id: int
    # The answer's Bot API calls, as a JSON array.
    replies: str


class UnitOfWork:
    """Conversation states are staged (`stage_state`) and written at commit, once per chat,
    over the version they were read at; with a `group_commit`, a unit of work that wrote
    nothing else (but the record of its update) commits them there."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        group_commit: GroupCommit | None = None,
        sealer: Sealer | None = None,
        sealed_states: SealedDestinies | None = None,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._group_commit = group_commit
        self._sealed_states = sealed_states
        # The key outside the database (storage.sealing): without it, the secret ballot can be
        # neither read nor cast, and answers are recorded with no text.
        self.sealer = sealer

    async def __aenter__(self) -> "UnitOfWork":
        # The session takes a connection only at its first statement.
        self.session = self._sessionmaker()
        self.editions = Editions(self.session)
        self.citizens = Citizens(self.session)
        self.ideas = Ideas(self.session)
        self.projects = Projects(self.session)
        self.voting = Voting(self.session, self.sealer)
        self.integrity = Integrity(self.session, self.sealer)
        self.deliveries = Deliveries(self.session)
        self.campaigns = Campaigns(self.session)
        self.audiences = Audiences(self.session)
        self.leases = Leases(self.session)
        self.staff = Staff(self.session)
        self.stands = Stands(self.session)
        self.audit = Audit(self.session)
        self.moderation = Moderation(self.session)
        self.browsing = Browsing(self.session)
        self.follow_ups = FollowUps(self.session)
        self.analysis = Analysis(self.session)
        self.committee = Committee(self.session)
        self.conversation_states = ConversationStates(self.session)
        self.updates = ProcessedUpdates(self.session, self.sealer)
        self.personal_data = PersonalData(self.session)
        self.tallies = Tallies(self.session)
        self.figures = FigureQueries(self.session)
        self.accountability = Accountability(self.session)
        # States as read in this unit of work (with their versions), and those to write.
        self.read_states: dict[str, Stored] = {}
        self.staged_states: dict[str, Entry] = {}
        # The states written by the last commit, with their new versions.
        self.committed_states: dict[str, Stored] = {}
        # What was taken from the process's caches, checked by the database at commit.
        self.assumptions = Assumptions()
        self._processed: ProcessedRecord | None = None
        self._undo: list[Callable[[], object]] = []
        self._after_commit: list[Callable[[], object]] = []
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        # Whatever was not committed is dropped: a failed update leaves no half-written trace.
        await self.rollback()
        await self.session.close()

    def off_the_loop(self) -> AbstractAsyncContextManager[None]:
        """This work's SQLite calls run on a worker thread until the block ends: for reads of
        many rows, which would otherwise hold up every chat (storage.sqlite_on_the_loop)."""
        return off_the_loop(self.session)

    def stage_state(self, key: str, entry: Entry) -> None:
        self.staged_states[key] = entry

    def mark_processed(self, bot_id: int, update_id: int, replies: str) -> None:
        """Record, with this work, that the update is handled and how it was answered."""
        self._processed = ProcessedRecord(bot_id, update_id, replies)

    def on_rollback(self, undo: Callable[[], object]) -> None:
        """Call `undo` if this work is rolled back (to forget what a cache learnt from it)."""
        self._undo.append(undo)

    def after_commit(self, action: Callable[[], object]) -> None:
        """Call `action` once this work is committed (to tell a cache what is now stored)."""
        self._after_commit.append(action)

    def written_states(self) -> dict[str, Stored]:
        """The states as stored once this work commits, with their new versions."""
        return {
            key: Stored(entry, self.read_states[key].version + 1 if entry[0] or entry[1] else 0)
            for key, entry in self.staged_states.items()
        }

    async def commit(self) -> None:
        written = self.written_states()
        staged, self.staged_states = self.staged_states, {}
        encode = self._sealed_states.encode if self._sealed_states else _as_is
        writes = {
            key: (encode(key, entry), self.read_states[key].version)
            for key, entry in staged.items()
        }
        session = self.session
        only_states = not (
            session.in_transaction() or session.new or session.dirty or session.deleted
        )
        processed = self._processed
        counted = self.tallies.take()
        integrity_counted = self.integrity.take()
        only_states = only_states and not integrity_counted
        try:
            if (staged or processed) and only_states and self._group_commit is not None:
                await self._group_commit.write(
                    writes, processed_rows(processed, self.sealer), self.assumptions, counted
                )
            else:
                if (
                    self.assumptions
                    and checked_on(session.get_bind().dialect.name)
                    and (await broken(session, [self.assumptions]))[0]
                ):
                    raise StateConflict(sorted(self.assumptions.states))
                if processed is not None:
                    await self.updates.record(processed_rows(processed, self.sealer))
                if writes:
                    await self.conversation_states.put(writes)
                await count_all(session, counted)
                await add_counts(session, integrity_counted)
                await session.commit()
        except IntegrityError as error:
            if is_violation(error, "pk_processed_updates"):
                raise AlreadyProcessed from error
            raise
        self._undo.clear()
        self.assumptions = Assumptions()
        self.committed_states = written
        for key, stored in written.items():
            self.read_states[key] = stored
        after, self._after_commit = self._after_commit, []
        for action in after:
            action()

    async def rollback(self) -> None:
        await self.session.rollback()
        for undo in reversed(self._undo):
            undo()
        self._undo.clear()
        self.read_states, self.staged_states = {}, {}
        self.assumptions = Assumptions()
        self._processed = None
        self._after_commit.clear()
        self.tallies.take()
        self.integrity.take()


def processed_rows(record: ProcessedRecord | None, sealer: Sealer | None) -> list[dict[str, Any]]:
    if record is None:
        return []
    sealed = seal_replies(sealer, record.bot_id, record.update_id, record.replies)
    return [{"bot_id": record.bot_id, "update_id": record.update_id, "replies": sealed}]


def _as_is(key: str, entry: Entry) -> Entry:
    return entry
