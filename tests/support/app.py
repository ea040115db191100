"""The bot as the flow tests drive it: the real dispatcher, a recording Bot session, a clock
the test controls, and simulated citizens who click buttons by their label."""

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiogram.methods import SendMessage, SendPhoto, TelegramMethod
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.rehearsal.simulator import Citizen, Simulator
from bot.runtime.dispatcher import build_dispatcher
from bot.runtime.i18n import create_i18n
from bot.runtime.settings import Settings
from storage.sealing import Sealer
from storage.tables import Base
from storage.voting import CastBallot

BRUSSELS = ZoneInfo("Europe/Brussels")
# Days of the example edition's phases (see examples/namur.toml).
DURING_DEPOSIT = datetime(2026, 12, 1, 12, tzinfo=BRUSSELS)
BEFORE_DEPOSIT = datetime(2026, 10, 15, 12, tzinfo=BRUSSELS)
DURING_ANALYSIS = datetime(2027, 2, 15, 12, tzinfo=BRUSSELS)
STAFF_ID = 900_001

_CATALOGUES = create_i18n()
# The key outside the database, as the tests' bots hold it (storage.sealing).
TEST_SEALER = Sealer(b"pbbot-tests-key-32-bytes-long!!!")


@dataclass
class Clock:
    now: datetime = DURING_DEPOSIT

    def __call__(self) -> datetime:
        return self.now.astimezone(UTC)


@dataclass
class App:
    sessionmaker: async_sessionmaker[AsyncSession]
    clock: Clock = field(default_factory=Clock)
    settings: Settings = field(
        default_factory=lambda: Settings(_env_file=None, staff_ids=[STAFF_ID])
    )

    # Where a test starts looking at what was sent (see `sent_to`'s requests).
    mark: int = 0
    # Off: every update goes through aiogram's routers (see bot.runtime.hot_routes).
    hot_routes: bool = True

    def __post_init__(self) -> None:
        self.start()

    def start(self) -> None:
        """Start the bot (again): a new dispatcher and session, the same database."""
        dispatcher = build_dispatcher(
            self.settings,
            self.sessionmaker,
            _CATALOGUES,
            self.clock,
            sealer=TEST_SEALER,
            hot_routes=self.hot_routes,
        )
        self.simulator = Simulator(dispatcher)
        self.mark = 0

    def citizen(self, user_id: int = 1, language_code: str | None = "en") -> Citizen:
        return self.simulator.citizen(user_id, language_code)

    def sent_to(self, chat_id: int) -> list[TelegramMethod[Any]]:
        return [
            method
            for method in self.simulator.session.requests
            if isinstance(method, SendMessage | SendPhoto) and int(method.chat_id) == chat_id
        ]

    async def count(self, table: type[Base]) -> int:
        async with self.sessionmaker() as session:
            return int(await session.scalar(select(func.count()).select_from(table)) or 0)

    async def rows(self, table: type[Base]) -> list[Any]:
        async with self.sessionmaker() as session:
            return list(await session.scalars(select(table)))

    async def drafts(self) -> list[dict[str, Any]]:
        """The idea drafts kept (the idea form's conversation data)."""
        from storage.tables import ConversationStateRow

        rows = await self.rows(ConversationStateRow)
        return [dict(row.data) for row in rows if row.key.endswith(":form") and row.data]

    async def vote_states(self) -> dict[int, dict[str, Any]]:
        """The vote's conversation data per chat, opened with the key as the bot reads it."""
        from storage.tables import ConversationStateRow

        opened = {}
        for row in await self.rows(ConversationStateRow):
            if row.key.endswith(":vote") and row.data:
                state = TEST_SEALER.unseal("state", row.data["sealed"], row.key)
                opened[int(row.key.split(":")[2])] = json.loads(state)
        return opened

    async def ballots(self) -> list[CastBallot]:
        """The ballots cast, as the bot reads them with its key (they are sealed until the
        vote closes)."""
        from storage.tables import VoterRow
        from storage.unit_of_work import UnitOfWork
        from storage.voting import Voter

        async with UnitOfWork(self.sessionmaker, sealer=TEST_SEALER) as uow:
            voters = list(await uow.session.scalars(select(VoterRow)))
            cast = [
                await uow.voting.ballot(row.edition_id, Voter(row.id, row.citizen_id, None))
                for row in voters
            ]
        return [ballot for ballot in cast if ballot is not None]


AGREE = {
    "en": "✅ I agree",
    "fr": "✅ J'accepte",
    "nl": "✅ Ik ga akkoord",
    "de": "✅ Ich bin einverstanden",
}


async def consented(app: App, user_id: int = 1, language_code: str | None = "en") -> Citizen:
    citizen = app.citizen(user_id, language_code)
    await citizen.send("/start")
    await citizen.click(AGREE[language_code or "fr"])
    return citizen


async def fill_form_to_preview(citizen: Citizen, title: str = "We could plant an orchard") -> None:
    """Answer every question of the form the shortest way, up to the preview."""
    await citizen.click("💡 Deposit an idea")
    await citizen.click("✍️ Start my idea")
    await citizen.click("🙋 Myself")
    await citizen.send(title)
    await citizen.send("Twenty apple trees by the school of Jambes.")
    await citizen.click("Skip ⏭")
    await citizen.click("Skip ⏭")
    await citizen.click("Environment and biodiversity")
    await citizen.click("Skip ⏭")
    await citizen.click("Skip ⏭")
    await citizen.click("Skip ⏭")
    await citizen.send("12 500")
    await citizen.click("Skip ⏭")


async def at_title(app: App, user_id: int = 1) -> Citizen:
    """A consenting citizen who started an idea in their own name, at the title question."""
    citizen = await consented(app, user_id)
    await citizen.click("💡 Deposit an idea")
    await citizen.click("✍️ Start my idea")
    await citizen.click("🙋 Myself")
    return citizen


async def at_preview(
    app: App, user_id: int = 1, title: str = "We could plant an orchard"
) -> Citizen:
    citizen = await consented(app, user_id)
    await fill_form_to_preview(citizen, title)
    return citizen


async def change_answer(citizen: Citizen, field: str) -> None:
    """From the preview, open one answer again ("Title", "Cost", "Place"...)."""
    await citizen.click("✏️ Change an answer")
    await citizen.click(field)


DURING_VOTE = datetime(2027, 4, 20, 12, tzinfo=BRUSSELS)
AFTER_VOTE = datetime(2027, 5, 20, 12, tzinfo=BRUSSELS)

# Projects modelled on those Namur put to the vote: (title, cost in euros, district, theme).
PROJECTS = [
    ("Orchards in the schools", 49_548, "namur", "environment"),
    ("A cycle lane along the Meuse", 120_000, "dinant", "mobility"),
    ("Repair café in Couvin", 8_500, "philippeville", "social"),
    ("Nature trail for the blind", 35_000, "namur", "environment"),
    ("Open-air library", 15_000, "dinant", "culture"),
    ("Outdoor fitness in Ciney", 27_000, "dinant", "sport"),
    ("Youth music studio", 60_000, "namur", "youth"),
]


async def put_projects_on_the_ballot(
    sessionmaker: async_sessionmaker[AsyncSession], edition_id: int
) -> list[int]:
    from storage.unit_of_work import UnitOfWork

    async with UnitOfWork(sessionmaker) as uow:
        ids = [
            (
                await uow.projects.add(
                    edition_id,
                    {"en": title, "fr": f"{title} (fr)"},
                    {"en": f"What {title.lower()} would bring."},
                    euros * 100,
                    datetime.now(UTC),
                    district=district,
                    theme=theme,
                )
            ).id
            for title, euros, district, theme in PROJECTS
        ]
        await uow.commit()
    return ids


# What the example edition calls the identity reference its vote asks for.
IDENTITY_REFERENCE = "National register number"


def identity_of(user_id: int) -> str:
    """A national register number of this citizen's own, written as on the card (its digits
    are not those of the Telegram id, so that finding one is not finding the other)."""
    digits = f"{user_id * 7_919 % 10**11:011d}"
    return f"{digits[:2]}.{digits[2:4]}.{digits[4:6]}-{digits[6:9]}.{digits[9:]}"


async def answer_identity(citizen: Citizen) -> None:
    """Type the citizen's identity reference, where the vote asks for it."""
    if IDENTITY_REFERENCE in citizen.last.text:
        await citizen.send(identity_of(citizen.user.id))


async def past_the_district(app: App, user_id: int = 1) -> Citizen:
    """A consenting adult resident who started the vote and chose Namur's district: at the
    edition's first question of eligibility, or at the envelope where it asks none."""
    citizen = await consented(app, user_id)
    await citizen.click("🗳 Vote")
    await citizen.click("✅ Yes, I am an adult resident")
    await citizen.click("Namur district")
    return citizen


async def at_identity_question(app: App, user_id: int = 1) -> Citizen:
    """The same, where the edition asks for the identity reference: at that question."""
    citizen = await past_the_district(app, user_id)
    assert f"please type your reference: <b>{IDENTITY_REFERENCE}</b>" in citizen.last.text
    return citizen


async def at_envelope(app: App, user_id: int = 1) -> Citizen:
    """A consenting adult resident of Namur's district, at their envelope (or, where the
    edition asks for a phone number, at that question)."""
    citizen = await past_the_district(app, user_id)
    await answer_identity(citizen)
    return citizen


async def change_edition(
    sessionmaker: async_sessionmaker[AsyncSession], *changes: tuple[str, str]
) -> None:
    """Load the example edition again with some of its lines changed, as staff would."""
    from storage.unit_of_work import UnitOfWork
    from tests.conftest import EXAMPLE_EDITION

    source = EXAMPLE_EDITION.read_text(encoding="utf-8")
    for line, replacement in changes:
        assert line in source, line
        source = source.replace(line, replacement)
    async with UnitOfWork(sessionmaker) as uow:
        await uow.editions.save(source, datetime.now(UTC))
        await uow.commit()


async def remind_follow_ups(app: App, now: datetime) -> int:
    """One tick of the bot's background loop for questionnaire reminders, through the app's
    recording Bot session."""
    from bot.jobs.follow_up_reminders import remind_follow_ups as remind
    from bot.runtime.render import Renderer

    return await remind(app.simulator.bot, app.sessionmaker, Renderer(_CATALOGUES), now)


async def idea_in_status(
    sessionmaker: async_sessionmaker[AsyncSession],
    edition_id: int,
    telegram_id: int,
    title: str,
    status: str = "published",
    language: str = "en",
) -> int:
    """An idea deposited by this account (consenting if it had not), then moved to `status`
    as moderation and analysis would move it."""
    from storage.ideas import NewIdea
    from storage.unit_of_work import UnitOfWork

    now = datetime.now(UTC)
    async with UnitOfWork(sessionmaker) as uow:
        citizen = await uow.citizens.consent(telegram_id, language, None, now)
        idea = NewIdea(
            author_kind="myself",
            organisation=None,
            title=title,
            description=f"{title}, described.",
            objectives=None,
            beneficiaries=None,
            theme="environment",
            implementation=None,
            latitude=None,
            longitude=None,
            address=None,
            budget_cents=12_500_00,
            image_file_id=None,
        )
        row = await uow.ideas.submit(edition_id, citizen.id, idea, now)
        row.status = status
        await uow.commit()
        return row.id


async def ideas_for_the_committee(
    sessionmaker: async_sessionmaker[AsyncSession],
    edition_id: int,
    ideas: list[tuple[str, int | None]],
    author: int = 500,
    language: str = "en",
) -> list[int]:
    """Ideas the analysts found feasible and left under analysis, each with its cost after
    analysis in euros (None: not set yet), all by one author."""
    from storage.tables import IdeaRow

    ids = [
        await idea_in_status(sessionmaker, edition_id, author, title, "under_analysis", language)
        for title, _ in ideas
    ]
    async with sessionmaker() as session:
        for idea_id, (_, euros) in zip(ids, ideas, strict=True):
            row = await session.get(IdeaRow, idea_id)
            assert row is not None
            row.feasible, row.district = True, "namur"
            row.analysed_cost_cents = None if euros is None else euros * 100
        await session.commit()
    return ids


async def idea_supported_by(
    sessionmaker: async_sessionmaker[AsyncSession],
    edition_id: int,
    author: int,
    title: str,
    description: str,
    supporters: tuple[int, ...] = (),
    status: str = "published",
    language: str = "en",
) -> int:
    """A published idea (or one in `status`) with its own description, supported by these
    accounts (each consenting if it had not)."""
    from storage.tables import IdeaRow, SupportRow
    from storage.unit_of_work import UnitOfWork

    number = await idea_in_status(sessionmaker, edition_id, author, title, status, language)
    now = datetime.now(UTC)
    async with UnitOfWork(sessionmaker) as uow:
        idea = await uow.session.get(IdeaRow, number)
        assert idea is not None
        idea.description, idea.published_at = description, now
        for supporter in supporters:
            citizen = await uow.citizens.consent(supporter, "en", None, now)
            uow.session.add(SupportRow(idea_id=number, citizen_id=citizen.id, at=now))
        await uow.commit()
    return number


async def deposit_idea(
    app: App, user_id: int = 1, title: str = "We could plant an orchard"
) -> Citizen:
    """A consenting citizen who deposited an idea through the form; it waits for moderation."""
    citizen = app.simulator.users.get(user_id) or await consented(app, user_id)
    await fill_form_to_preview(citizen, title)
    await citizen.click("✅ Publish")
    return citizen


async def publish_everything_pending(app: App) -> None:
    """The admin of the settings publishes every idea and suggestion waiting for moderation."""
    staff = app.simulator.users.get(STAFF_ID) or await consented(app, STAFF_ID)
    await staff.send("/pending")
    while "✅ Publish" in staff.last.labels:
        await staff.click("✅ Publish", staff.last)


def catalogue(lang: str) -> dict[str, str]:
    """The messages the bot speaks `lang` with: a test may add one not translated yet (with
    monkeypatch.setitem), to check who reads what in which language."""
    catalog: dict[str, str] = _CATALOGUES.locales[lang]._catalog  # type: ignore[attr-defined]
    return catalog


async def open_card(citizen: Citizen, title: str) -> None:
    """Find a project or an idea in a paged list, page after page, and open its card."""
    while "◀ Previous" in citizen.last.labels:
        await citizen.click("◀ Previous")
    for _ in range(5):
        labels = [label for label in citizen.last.labels if title[:20] in label]
        if labels:
            await citizen.click(labels[0])
            return
        await citizen.click("Next ▶")
    raise LookupError(title)


async def add_project(citizen: Citizen, title: str) -> None:
    await open_card(citizen, title)
    await citizen.click("➕ Add")
    await citizen.click("⬅ Back to the projects")


async def cast_ballot(citizen: Citizen, titles: list[str]) -> None:
    """From the envelope: put these projects in it and cast it."""
    await citizen.click("📋 Choose projects")
    for title in titles:
        await add_project(citizen, title)
    await citizen.click("🗳 My envelope")
    await citizen.click("✅ Cast my ballot")
    await citizen.click("✅ Yes, cast my ballot")
