"""Staff whom Telegram refuses to write to: an admin of STAFF_IDS (or a moderator) who never
opened the bot gets none of its notices until they do. Each is logged once, by id only, and
remembered in the database so that `pbbot edition show` and the next start-up say it."""

import logging
from collections.abc import Callable, Iterable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.unit_of_work import UnitOfWork

logger = logging.getLogger(__name__)


def must_open_the_bot(telegram_id: int) -> str:
    return (
        f"staff member {telegram_id} must open the bot once: "
        "Telegram refuses the bot's notices to them until they do"
    )


class UnreachableStaff:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        staff_ids: Iterable[int],
        clock: Callable[[], datetime],
    ) -> None:
        self.sessionmaker = sessionmaker
        self.staff_ids = frozenset(staff_ids)
        self.clock = clock

    async def refused(self, chat_ids: Iterable[int]) -> None:
        """Telegram refused these chats; note the staff members among them."""
        for chat_id in chat_ids:
            async with UnitOfWork(self.sessionmaker) as uow:
                if chat_id not in self.staff_ids and not await uow.staff.roles(chat_id):
                    continue  # a citizen who blocked the bot: theirs to decide
                new = await uow.staff.refused(chat_id, self.clock())
                await uow.commit()
            if new:
                logger.warning(must_open_the_bot(chat_id))


async def warn_at_start(sessionmaker: async_sessionmaker[AsyncSession]) -> list[str]:
    """One warning per staff member the bot cannot reach, logged; the same lines returned."""
    async with UnitOfWork(sessionmaker) as uow:
        unreachable = await uow.staff.unreachable()
    lines = [must_open_the_bot(telegram_id) for telegram_id in unreachable]
    for line in lines:
        logger.warning(line)
    return lines
