"""A campaign run ready to go, written straight into the tables: citizens, an edition and a
campaign to hang it on, the run in state `sending`, and one queued delivery per citizen. Also
what the tests check afterwards. No aiogram here: the process the tests kill imports it."""

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.deliveries import Delivery
from storage.tables import (
    CampaignRow,
    CampaignRunRow,
    CitizenRow,
    DeliveryRow,
    EditionRow,
)

NOW = datetime(2027, 4, 20, 12, tzinfo=UTC)
FIRST_CHAT = 5_000_000
TOKEN = "123456789:AAE-broadcast-test-token"

Sessionmaker = async_sessionmaker[AsyncSession]


@dataclass(frozen=True)
class SeededRun:
    run_id: int
    # Telegram chat id of each citizen, by citizen id.
    chats: dict[int, int]

    @property
    def chat_ids(self) -> list[int]:
        return sorted(self.chats.values())


async def seed_run(
    sessionmaker: Sessionmaker, citizens: int, *, first_chat: int = FIRST_CHAT
) -> SeededRun:
    async with sessionmaker() as session:
        edition_id = await session.scalar(
            insert(EditionRow)
            .values(slug="broadcast-test", source="", overrides={}, loaded_at=NOW)
            .returning(EditionRow.id)
        )
        chat_ids = [first_chat + index for index in range(citizens)]
        await session.execute(
            insert(CitizenRow),
            [
                {
                    "telegram_id": chat_id,
                    "language": "fr" if chat_id % 3 else "nl",
                    "source": None,
                    "consented_at": NOW,
                }
                for chat_id in chat_ids
            ],
        )
        rows = await session.execute(
            select(CitizenRow.id, CitizenRow.telegram_id, CitizenRow.language).where(
                CitizenRow.telegram_id.between(first_chat, first_chat + citizens - 1)
            )
        )
        recipients = list(rows)
        campaign_id = await session.scalar(
            insert(CampaignRow)
            .values(
                edition_id=edition_id,
                name="Vote reminder",
                texts={"fr": "Votez !", "nl": "Stem!"},
                html=False,
                image=None,
                button="vote",
                button_url=None,
                audience={"kind": "all"},
                schedule={"kind": "now"},
                results_announcement=False,
                state="sending",
                created_by=900_001,
                created_at=NOW,
            )
            .returning(CampaignRow.id)
        )
        run_id = await session.scalar(
            insert(CampaignRunRow)
            .values(campaign_id=campaign_id, due_at=NOW, state="sending", started_at=NOW)
            .returning(CampaignRunRow.id)
        )
        assert run_id is not None
        await session.execute(
            insert(DeliveryRow),
            [
                {
                    "run_id": run_id,
                    "citizen_id": citizen_id,
                    "chat_id": chat_id,
                    "language": language,
                    "state": "queued",
                    "attempts": 0,
                    "updated_at": NOW,
                }
                for citizen_id, chat_id, language in recipients
            ],
        )
        await session.commit()
    return SeededRun(run_id, {citizen_id: chat_id for citizen_id, chat_id, _ in recipients})


async def set_run_state(sessionmaker: Sessionmaker, run_id: int, state: str) -> None:
    async with sessionmaker() as session:
        await session.execute(
            update(CampaignRunRow).where(CampaignRunRow.id == run_id).values(state=state)
        )
        await session.commit()


async def delivery_states(sessionmaker: Sessionmaker, run_id: int) -> dict[int, str]:
    """The state of each delivery of the run, by chat id."""
    async with sessionmaker() as session:
        rows = await session.execute(
            select(DeliveryRow.chat_id, DeliveryRow.state).where(DeliveryRow.run_id == run_id)
        )
        return {chat_id: state for chat_id, state in rows}


async def unreachable_chats(sessionmaker: Sessionmaker) -> set[int]:
    async with sessionmaker() as session:
        rows = await session.scalars(
            select(CitizenRow.telegram_id).where(CitizenRow.unreachable_at.is_not(None))
        )
        return set(rows)


def text_for(delivery: Delivery) -> str:
    return f"Run {delivery.run_id}: {'Votez !' if delivery.language == 'fr' else 'Stem!'}"


async def wait_for(condition: object, within: float = 20.0) -> None:
    """Wait (polling, in a test) until `condition()` holds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not condition():  # type: ignore[operator]
        if loop.time() > deadline:
            raise TimeoutError("the condition did not come true in time")
        await asyncio.sleep(0.005)
