"""One unit of work per update: repositories share one session; it commits once or rolls back."""

from collections.abc import Callable
from types import TracebackType

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.analysis import Analysis
from storage.audiences import Audiences
from storage.audit import Audit
from storage.browsing import Browsing
from storage.campaigns import Campaigns
from storage.citizens import Citizens
from storage.committee import Committee
from storage.conversation_states import ConversationStates, Entry, GroupCommit
from storage.deliveries import Deliveries
from storage.editions import Editions
from storage.follow_ups import FollowUps
from storage.ideas import Ideas
from storage.leases import Leases
from storage.moderation import Moderation
from storage.projects import Projects
from storage.staff import Staff
from storage.voting import Voting


class UnitOfWork:
    """Conversation states are staged (`stage_state`) and written at commit, once per chat;
    with a `group_commit`, a unit of work that wrote nothing else commits them there."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        group_commit: GroupCommit | None = None,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._group_commit = group_commit

    async def __aenter__(self) -> "UnitOfWork":
        # The session takes a connection only at its first statement.
        self.session = self._sessionmaker()
        self.editions = Editions(self.session)
        self.citizens = Citizens(self.session)
        self.ideas = Ideas(self.session)
        self.projects = Projects(self.session)
        self.voting = Voting(self.session)
        self.deliveries = Deliveries(self.session)
        self.campaigns = Campaigns(self.session)
        self.audiences = Audiences(self.session)
        self.leases = Leases(self.session)
        self.staff = Staff(self.session)
        self.audit = Audit(self.session)
        self.moderation = Moderation(self.session)
        self.browsing = Browsing(self.session)
        self.follow_ups = FollowUps(self.session)
        self.analysis = Analysis(self.session)
        self.committee = Committee(self.session)
        self.conversation_states = ConversationStates(self.session)
        # States read or written in this unit of work; the staged ones are written at commit.
        self.known_states: dict[str, Entry] = {}
        self.staged_states: dict[str, Entry] = {}
        self._undo: list[Callable[[], object]] = []
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

    def stage_state(self, key: str, entry: Entry) -> None:
        self.known_states[key] = self.staged_states[key] = entry

    def on_rollback(self, undo: Callable[[], object]) -> None:
        """Call `undo` if this work is rolled back (to forget what a cache learnt from it)."""
        self._undo.append(undo)

    async def commit(self) -> None:
        staged, self.staged_states = self.staged_states, {}
        session = self.session
        only_states = not (
            session.in_transaction() or session.new or session.dirty or session.deleted
        )
        if staged and only_states and self._group_commit is not None:
            await self._group_commit.write(staged)
        else:
            if staged:
                await self.conversation_states.put(staged)
            await session.commit()
        self._undo.clear()

    async def rollback(self) -> None:
        self.known_states, self.staged_states = {}, {}
        await self.session.rollback()
        for undo in reversed(self._undo):
            undo()
        self._undo.clear()
