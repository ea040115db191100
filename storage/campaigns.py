"""Campaigns, their runs and who each run is for. A run is started at most once for each due
moment, and gets at most one delivery per citizen: both are unique constraints."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from budget.campaigns import Campaign
from budget.serialise import dump
from storage.constraints import is_violation
from storage.tables import CampaignRow, CampaignRunRow, DeliveryRow


@dataclass(frozen=True)
class StoredCampaign:
    id: int
    edition_id: int
    name: str
    texts: dict[str, str]
    html: bool
    image: str | None
    button: str | None
    button_url: str | None
    audience: dict[str, Any]
    schedule: dict[str, Any]
    results_announcement: bool
    state: str
    # Who follows its progress; None: nobody.
    created_by: int | None
    created_at: datetime
    paid_broadcast: bool = False


@dataclass(frozen=True)
class StoredRun:
    id: int
    campaign_id: int
    due_at: datetime
    state: str
    started_at: datetime
    finished_at: datetime | None
    status_chat_id: int | None
    status_message_id: int | None


@dataclass(frozen=True)
class Recipient:
    citizen_id: int
    chat_id: int
    language: str


def _campaign(row: CampaignRow) -> StoredCampaign:
    return StoredCampaign(
        row.id,
        row.edition_id,
        row.name,
        dict(row.texts),
        row.html,
        row.image,
        row.button,
        row.button_url,
        dict(row.audience),
        dict(row.schedule),
        row.results_announcement,
        row.state,
        row.created_by,
        row.created_at,
        row.paid_broadcast,
    )


def _run(row: CampaignRunRow) -> StoredRun:
    return StoredRun(
        row.id,
        row.campaign_id,
        row.due_at,
        row.state,
        row.started_at,
        row.finished_at,
        row.status_chat_id,
        row.status_message_id,
    )


class Campaigns:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add_campaign(
        self, edition_id: int, campaign: Campaign, created_by: int | None, now: datetime
    ) -> StoredCampaign:
        """A campaign as staff composed it, in the chat or in a campaign file."""
        return await self.add(
            edition_id,
            name=campaign.name,
            texts=dict(campaign.texts),
            html=campaign.html,
            image=campaign.image,
            button=campaign.button.value if campaign.button else None,
            button_url=campaign.button_url,
            audience=dump(campaign.audience),
            schedule=dump(campaign.schedule),
            results_announcement=campaign.results_announcement,
            created_by=created_by,
            now=now,
            paid_broadcast=campaign.paid_broadcast,
        )

    async def add(
        self,
        edition_id: int,
        *,
        name: str,
        texts: dict[str, str],
        html: bool,
        image: str | None,
        button: str | None,
        button_url: str | None,
        audience: dict[str, Any],
        schedule: dict[str, Any],
        results_announcement: bool,
        created_by: int | None,
        now: datetime,
        paid_broadcast: bool = False,
    ) -> StoredCampaign:
        row = CampaignRow(
            edition_id=edition_id,
            name=name,
            texts=texts,
            html=html,
            image=image,
            button=button,
            button_url=button_url,
            audience=audience,
            schedule=schedule,
            results_announcement=results_announcement,
            paid_broadcast=paid_broadcast,
            state="scheduled",
            created_by=created_by,
            created_at=now,
        )
        self.session.add(row)
        await self.session.flush()
        return _campaign(row)

    async def get(self, campaign_id: int) -> StoredCampaign | None:
        row = await self.session.get(CampaignRow, campaign_id, populate_existing=True)
        return _campaign(row) if row else None

    async def of_edition(self, edition_id: int) -> list[StoredCampaign]:
        rows = await self.session.scalars(
            select(CampaignRow).where(CampaignRow.edition_id == edition_id).order_by(CampaignRow.id)
        )
        return [_campaign(row) for row in rows]

    async def scheduled(self) -> list[StoredCampaign]:
        rows = await self.session.scalars(
            select(CampaignRow).where(CampaignRow.state == "scheduled").order_by(CampaignRow.id)
        )
        return [_campaign(row) for row in rows]

    async def set_state(self, campaign_id: int, state: str) -> None:
        await self.session.execute(
            update(CampaignRow).where(CampaignRow.id == campaign_id).values(state=state)
        )

    async def stop_after_run(self, run_id: int) -> None:
        """The run's campaign, if it is still scheduled, starts no further run."""
        await self.session.execute(
            update(CampaignRow)
            .where(
                CampaignRow.id.in_(
                    select(CampaignRunRow.campaign_id).where(CampaignRunRow.id == run_id)
                ),
                CampaignRow.state == "scheduled",
            )
            .values(state="cancelled")
            .execution_options(synchronize_session=False)
        )

    async def start_run(
        self, campaign_id: int, due_at: datetime, now: datetime
    ) -> StoredRun | None:
        """Start the run due at `due_at`; None if it was started already (by this process or
        another one)."""
        known = await self.session.scalar(
            select(CampaignRunRow.id).where(
                CampaignRunRow.campaign_id == campaign_id, CampaignRunRow.due_at == due_at
            )
        )
        if known is not None:
            return None
        row = CampaignRunRow(
            campaign_id=campaign_id, due_at=due_at, state="sending", started_at=now
        )
        try:
            async with self.session.begin_nested():
                self.session.add(row)
        except IntegrityError as error:
            if not is_violation(error, "uq_campaign_runs_campaign_due"):
                raise
            return None
        return _run(row)

    async def run(self, run_id: int) -> StoredRun | None:
        row = await self.session.get(CampaignRunRow, run_id, populate_existing=True)
        return _run(row) if row else None

    async def runs_of(self, campaign_id: int) -> list[StoredRun]:
        rows = await self.session.scalars(
            select(CampaignRunRow)
            .where(CampaignRunRow.campaign_id == campaign_id)
            .order_by(CampaignRunRow.due_at)
        )
        return [_run(row) for row in rows]

    async def runs_in(self, states: Iterable[str]) -> list[StoredRun]:
        rows = await self.session.scalars(
            select(CampaignRunRow)
            .where(CampaignRunRow.state.in_(list(states)))
            .order_by(CampaignRunRow.id)
        )
        return [_run(row) for row in rows]

    async def set_run_state(
        self, run_id: int, state: str, now: datetime, only_from: Sequence[str] = ()
    ) -> bool:
        """Change a run's state (from one of `only_from`, if given); False if it was not in
        one of them, e.g. a second tap on Cancel."""
        query = update(CampaignRunRow).where(CampaignRunRow.id == run_id)
        if only_from:
            query = query.where(CampaignRunRow.state.in_(list(only_from)))
        finished = now if state in {"done", "cancelled"} else None
        result = await self.session.execute(query.values(state=state, finished_at=finished))
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def set_status_message(self, run_id: int, chat_id: int, message_id: int) -> None:
        await self.session.execute(
            update(CampaignRunRow)
            .where(CampaignRunRow.id == run_id)
            .values(status_chat_id=chat_id, status_message_id=message_id)
        )

    async def enqueue(self, run_id: int, recipients: Sequence[Recipient], now: datetime) -> int:
        """One queued delivery per recipient; those the run already has are left alone, so a
        run restarted half-way does not queue anyone twice."""
        already = set(
            await self.session.scalars(
                select(DeliveryRow.citizen_id).where(DeliveryRow.run_id == run_id)
            )
        )
        rows = [
            {
                "run_id": run_id,
                "citizen_id": recipient.citizen_id,
                "chat_id": recipient.chat_id,
                "language": recipient.language,
                "state": "queued",
                "attempts": 0,
                "updated_at": now,
            }
            for recipient in {r.citizen_id: r for r in recipients}.values()
            if recipient.citizen_id not in already
        ]
        for start in range(0, len(rows), 1000):
            await self.session.execute(insert(DeliveryRow), rows[start : start + 1000])
        return len(rows)
