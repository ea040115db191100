"""One unit of work per update: repositories share one session; it commits once or rolls back."""

from types import TracebackType

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.citizens import Citizens
from storage.conversation_states import ConversationStates
from storage.editions import Editions
from storage.ideas import Ideas


class UnitOfWork:
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self._sessionmaker = sessionmaker

    async def __aenter__(self) -> "UnitOfWork":
        self.session = self._sessionmaker()
        self.editions = Editions(self.session)
        self.citizens = Citizens(self.session)
        self.ideas = Ideas(self.session)
        self.conversation_states = ConversationStates(self.session)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        # Whatever was not committed is dropped: a failed update leaves no half-written trace.
        await self.session.rollback()
        await self.session.close()

    async def commit(self) -> None:
        await self.session.commit()
