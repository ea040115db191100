"""One unit of work per update: repositories share one session; it commits once or rolls back."""

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Generic, Self, TypeVar, overload

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
from storage.session_writes import WROTE
from storage.sqlite_on_the_loop import off_the_loop
from storage.staff import Staff
from storage.stands import Stands
from storage.tallies import Tallies, count_all
from storage.updates import ProcessedUpdates, seal_replies
from storage.voting import Voting

__all__ = ["AlreadyProcessed", "StateConflict", "UnitOfWork"]

R = TypeVar("R")


class AlreadyProcessed(Exception):
    """The update this work belongs to was committed before (a second delivery of it)."""


@dataclass(frozen=True)
class ProcessedRecord:
    bot_id: int
    update_id: int
    # The answer's Bot API calls, as a JSON array.
    replies: str


class _Repository(Generic[R]):
    """A repository of the unit of work, made on its session the first time it is used."""

    def __init__(self, make: Callable[["UnitOfWork"], R]) -> None:
        self._make = make

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name

    @overload
    def __get__(self, uow: None, owner: type) -> Self: ...

    @overload
    def __get__(self, uow: "UnitOfWork", owner: type) -> R: ...

    def __get__(self, uow: "UnitOfWork | None", owner: type) -> "R | Self":
        if uow is None:
            return self
        # Kept on the instance, which later uses read without coming here (as
        # functools.cached_property does), until the work is entered again.
        repository = uow.__dict__[self._name] = self._make(uow)
        uow._made.append(self._name)
        return repository

    def made_in(self, uow: "UnitOfWork") -> R | None:
        """The repository if `uow` made it already, without making it (a work that did not
        use a repository changed nothing through it)."""
        return uow.__dict__.get(self._name)


def _on_session(kind: Callable[[AsyncSession], R]) -> _Repository[R]:
    return _Repository(lambda uow: kind(uow.session))


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
        # The session is made at its first use, and takes a connection only at its first
        # statement: most of a form's updates use neither (their states go to group commit).
        self._session: AsyncSession | None = None
        for name in getattr(self, "_made", ()):
            del self.__dict__[name]
        self._made: list[str] = []
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

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            self._session = self._sessionmaker()
        return self._session

    editions = _on_session(Editions)
    citizens = _on_session(Citizens)
    ideas = _on_session(Ideas)
    projects = _on_session(Projects)
    voting = _Repository(lambda uow: Voting(uow.session, uow.sealer))
    integrity = _Repository(lambda uow: Integrity(uow.session, uow.sealer))
    deliveries = _on_session(Deliveries)
    campaigns = _on_session(Campaigns)
    audiences = _on_session(Audiences)
    leases = _on_session(Leases)
    staff = _on_session(Staff)
    stands = _on_session(Stands)
    audit = _on_session(Audit)
    moderation = _on_session(Moderation)
    browsing = _on_session(Browsing)
    follow_ups = _on_session(FollowUps)
    analysis = _on_session(Analysis)
    committee = _on_session(Committee)
    conversation_states = _on_session(ConversationStates)
    updates = _Repository(lambda uow: ProcessedUpdates(uow.session, uow.sealer))
    personal_data = _on_session(PersonalData)
    tallies = _on_session(Tallies)
    figures = _on_session(FigureQueries)
    accountability = _on_session(Accountability)

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        # Whatever was not committed is dropped: a failed update leaves no half-written trace.
        await self.rollback()
        if self._session is not None:
            await self._session.close()

    @property
    def ballot_changed(self) -> bool:
        """Whether this work changed a project on the ballot."""
        projects = UnitOfWork.projects.made_in(self)
        return projects is not None and projects.changed

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
        session = self._session
        only_states = session is None or not (
            session.info.get(WROTE) or session.new or session.dirty or session.deleted
        )
        processed = self._processed
        counted, integrity_counted = self._take_counts()
        only_states = only_states and not integrity_counted
        try:
            if (staged or processed) and only_states and self._group_commit is not None:
                if session is not None and session.in_transaction():
                    # It only read (the vote's voter and ballot, a newcomer's account): its
                    # transaction ends here, and its writes go with the others'. Read in the
                    # same transaction, at PostgreSQL's READ COMMITTED, they were no surer.
                    await session.rollback()
                await self._group_commit.write(
                    writes, processed_rows(processed, self.sealer), self.assumptions, counted
                )
            else:
                session = self.session
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
                session.info.pop(WROTE, None)
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

    def _take_counts(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """The counters' and the integrity counts' additions, from the repositories this work
        used (one it did not use has none)."""
        tallies = UnitOfWork.tallies.made_in(self)
        integrity = UnitOfWork.integrity.made_in(self)
        return (
            tallies.take() if tallies is not None else [],
            integrity.take() if integrity is not None else [],
        )

    async def rollback(self) -> None:
        if self._session is not None:
            await self._session.rollback()
            self._session.info.pop(WROTE, None)
        for undo in reversed(self._undo):
            undo()
        self._undo.clear()
        self.read_states, self.staged_states = {}, {}
        self.assumptions = Assumptions()
        self._processed = None
        self._after_commit.clear()
        self._take_counts()


def processed_rows(record: ProcessedRecord | None, sealer: Sealer | None) -> list[dict[str, Any]]:
    if record is None:
        return []
    sealed = seal_replies(sealer, record.bot_id, record.update_id, record.replies)
    return [{"bot_id": record.bot_id, "update_id": record.update_id, "replies": sealed}]


def _as_is(key: str, entry: Entry) -> Entry:
    return entry
