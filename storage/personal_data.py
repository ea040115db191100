"""What pbbot keeps about a citizen, given back on request, and erased on request or once it is
no longer needed.

Erasing a citizen keeps what others rely on, with nothing left that says whose it is: a cast
ballot stays counted; a published idea stays, without its author; supports stay counted. The
citizen's row stays too, emptied of everything that points to a person (the Telegram id is
replaced by a number no account has), so that what hangs on it keeps its place. A phone number's
fingerprint is kept until the vote closes, so that the same number cannot vote a second time
from another account."""

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from budget.ideas import PUBLIC_STATUSES
from storage.tables import (
    AttachmentRow,
    CampaignRow,
    CampaignRunRow,
    CitizenRow,
    ConversationStateRow,
    DeliveryRow,
    FollowRow,
    FollowUpRow,
    IdeaRow,
    StaffRoleRow,
    StandEntryRow,
    SuggestionRow,
    SupportRow,
    VolunteerRow,
    VoterRow,
)

PUBLIC = tuple(status.value for status in PUBLIC_STATUSES)


def _when(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def chat_keys(telegram_id: int) -> Any:
    """The conversation states of a private chat: "fsm:<bot>:<chat>:<user>:<destiny>"."""
    return ConversationStateRow.key.like(f"fsm:%:{telegram_id}:{telegram_id}:%")


@dataclass(frozen=True)
class Erased:
    ideas_deleted: int
    ideas_kept_without_author: int
    states_deleted: int


class PersonalData:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def citizen(self, telegram_id: int) -> CitizenRow | None:
        return await self.session.scalar(
            select(CitizenRow).where(CitizenRow.telegram_id == telegram_id)
        )

    async def of(self, telegram_id: int) -> dict[str, Any] | None:
        """Everything kept about the citizen of this Telegram account (None: nothing at all).
        A cast ballot is said to be there, never what it holds: it is sealed, and only the
        voter sees it, in the chat."""
        citizen = await self.citizen(telegram_id)
        states = list(
            await self.session.execute(
                select(ConversationStateRow.key, ConversationStateRow.state)
                .where(chat_keys(telegram_id))
                .order_by(ConversationStateRow.key)
            )
        )
        roles = list(
            await self.session.scalars(
                select(StaffRoleRow.role).where(StaffRoleRow.telegram_id == telegram_id)
            )
        )
        if citizen is None and not states and not roles:
            return None
        data: dict[str, Any] = {"telegram_id": telegram_id}
        if citizen is not None:
            data["citizen"] = {
                "language": citizen.language,
                "came_from": citizen.source,
                "consented_at": _when(citizen.consented_at),
                "reminders_stopped_at": _when(citizen.reminders_stopped_at),
                "unreachable_since": _when(citizen.unreachable_at),
                "wants_the_results": citizen.wants_results,
            }
            data.update(await self._held_by(citizen.id))
        # The chat's own state says only which conversation listens: not one of them.
        data["conversations_in_progress"] = [
            {"conversation": key.rsplit(":", 1)[-1], "step": state}
            for key, state in states
            if not key.endswith(":default")
        ]
        if roles:
            data["staff_roles"] = sorted(roles)
        return data

    async def _held_by(self, citizen_id: int) -> dict[str, Any]:
        ideas = list(
            await self.session.scalars(
                select(IdeaRow).where(IdeaRow.citizen_id == citizen_id).order_by(IdeaRow.id)
            )
        )
        follow_ups: dict[int, list[FollowUpRow]] = {}
        for row in await self.session.scalars(
            select(FollowUpRow).where(FollowUpRow.idea_id.in_([idea.id for idea in ideas]))
        ):
            follow_ups.setdefault(row.idea_id, []).append(row)
        suggestions = await self.session.scalars(
            select(SuggestionRow).where(SuggestionRow.citizen_id == citizen_id)
        )
        supports = await self.session.scalars(
            select(SupportRow.idea_id).where(SupportRow.citizen_id == citizen_id)
        )
        voters = await self.session.scalars(
            select(VoterRow).where(VoterRow.citizen_id == citizen_id)
        )
        follows = await self.session.execute(
            select(FollowRow.project_id, FollowRow.following)
            .where(FollowRow.citizen_id == citizen_id)
            .order_by(FollowRow.project_id)
        )
        volunteers = await self.session.scalars(
            select(VolunteerRow).where(VolunteerRow.citizen_id == citizen_id)
        )
        received = await self.session.execute(
            select(CampaignRow.name, CampaignRunRow.due_at, DeliveryRow.state)
            .join(CampaignRunRow, CampaignRunRow.id == DeliveryRow.run_id)
            .join(CampaignRow, CampaignRow.id == CampaignRunRow.campaign_id)
            .where(DeliveryRow.citizen_id == citizen_id)
            .order_by(CampaignRunRow.due_at)
        )
        return {
            "ideas": [_idea(idea, follow_ups.get(idea.id, [])) for idea in ideas],
            "suggestions": [
                {"idea": row.idea_id, "text": row.text, "status": row.status, "at": _when(row.at)}
                for row in suggestions
            ],
            "supported_ideas": sorted(supports),
            # Choices made on a project's card; the author and supporters of its idea follow
            # it unless they chose not to.
            "project_follows": {str(row.project_id): row.following for row in follows},
            "voter": [
                {
                    "district": row.district,
                    "registered_at": _when(row.registered_at),
                    "phone_number": "kept as a keyed fingerprint" if row.phone_hash else None,
                    "identity_reference": (
                        "kept as a keyed fingerprint" if row.identity_hash else None
                    ),
                    "ballot": (
                        "cast, sealed: only you can see it, in the chat (/vote)"
                        if row.sealed_ballot
                        else None
                    ),
                }
                for row in voters
            ],
            "committee_volunteer": [
                {"district": row.district, "state": row.state, "at": _when(row.volunteered_at)}
                for row in volunteers
            ],
            "campaign_messages": [
                {"campaign": name, "sent_on": _when(due), "state": state}
                for name, due, state in received
            ],
        }

    async def forget(self, telegram_id: int, now: datetime) -> Erased | None:
        """Erase the citizen's personal data (see the module's docstring); None if nothing
        was kept about this account."""
        citizen = await self.citizen(telegram_id)
        states = await self.session.execute(
            delete(ConversationStateRow).where(chat_keys(telegram_id))
        )
        await self.session.execute(
            delete(StaffRoleRow).where(StaffRoleRow.telegram_id == telegram_id)
        )
        if citizen is None:
            gone = int(states.rowcount)  # type: ignore[attr-defined]
            return Erased(0, 0, gone) if gone else None
        who = citizen.id
        hidden = select(IdeaRow.id).where(IdeaRow.citizen_id == who, IdeaRow.status.not_in(PUBLIC))
        hidden_ids = list(await self.session.scalars(hidden))
        if hidden_ids:
            # Ideas merged into theirs point to them; they keep pointing nowhere.
            await self.session.execute(
                update(IdeaRow)
                .where(IdeaRow.merged_into_id.in_(hidden_ids))
                .values(merged_into_id=None)
            )
            await self.session.execute(
                delete(AttachmentRow).where(AttachmentRow.idea_id.in_(hidden_ids))
            )
            await self.session.execute(delete(IdeaRow).where(IdeaRow.id.in_(hidden_ids)))
        kept = await self.session.execute(
            update(IdeaRow)
            .where(IdeaRow.citizen_id == who)
            .values(organisation=None, author_kind="myself")
        )
        await self.session.execute(
            delete(SuggestionRow).where(
                SuggestionRow.citizen_id == who, SuggestionRow.status != "published"
            )
        )
        await self.session.execute(delete(VolunteerRow).where(VolunteerRow.citizen_id == who))
        await self.session.execute(delete(FollowRow).where(FollowRow.citizen_id == who))
        await self.session.execute(delete(DeliveryRow).where(DeliveryRow.citizen_id == who))
        await self.session.execute(
            update(CitizenRow)
            .where(CitizenRow.id == who)
            .values(
                telegram_id=await self._nobody(),
                source=None,
                reminders_stopped_at=now,
                unreachable_at=now,
                wants_results=False,
                forgotten_at=now,
            )
        )
        return Erased(
            len(hidden_ids),
            int(kept.rowcount),  # type: ignore[attr-defined]
            int(states.rowcount),  # type: ignore[attr-defined]
        )

    async def _nobody(self) -> int:
        """A Telegram id no account has (Telegram's are positive), not yet taken here."""
        while True:
            candidate = -secrets.randbelow(2**62) - 1
            taken = await self.session.scalar(
                select(func.count())
                .select_from(CitizenRow)
                .where(CitizenRow.telegram_id == candidate)
            )
            if not taken:
                return candidate

    async def purge(
        self, idle_since: datetime, edition_over: bool, now: datetime
    ) -> dict[str, int]:
        """What the retention period ends: conversations left untouched since `idle_since`
        (drafts, envelopes, questions); and, when the edition is over for that long
        (`edition_over`), where each citizen came from and how to reach them."""
        purged = {}
        states = await self.session.execute(
            delete(ConversationStateRow).where(ConversationStateRow.updated_at < idle_since)
        )
        purged["conversation_states"] = int(states.rowcount)  # type: ignore[attr-defined]
        if edition_over:
            deliveries = await self.session.execute(delete(DeliveryRow))
            purged["campaign_deliveries"] = int(deliveries.rowcount)  # type: ignore[attr-defined]
            volunteers = await self.session.execute(delete(VolunteerRow))
            purged["committee_volunteers"] = int(volunteers.rowcount)  # type: ignore[attr-defined]
            # The names and contacts of paper ideas' authors, given at stands.
            paper = await self.session.execute(
                update(StandEntryRow)
                .where(
                    StandEntryRow.author_name.is_not(None)
                    | StandEntryRow.author_contact.is_not(None)
                )
                .values(author_name=None, author_contact=None)
            )
            purged["paper_authors"] = int(paper.rowcount)  # type: ignore[attr-defined]
            remaining = list(
                await self.session.scalars(
                    select(CitizenRow.telegram_id).where(CitizenRow.forgotten_at.is_(None))
                )
            )
            for telegram_id in remaining:
                await self.forget(telegram_id, now)
            purged["citizens_made_anonymous"] = len(remaining)
        return purged


def _idea(idea: IdeaRow, follow_ups: list[FollowUpRow]) -> dict[str, Any]:
    return {
        "number": idea.id,
        "status": idea.status,
        "title": idea.title,
        "description": idea.description,
        "deposited_by": idea.author_kind,
        "organisation": idea.organisation,
        "objectives": idea.objectives,
        "beneficiaries": idea.beneficiaries,
        "theme": idea.theme,
        "implementation": idea.implementation,
        "place": idea.address
        or (f"{idea.latitude}, {idea.longitude}" if idea.latitude is not None else None),
        "budget_cents": idea.budget_cents,
        "image": idea.image_file_id,
        "documents": [attachment.file_name for attachment in idea.attachments],
        "submitted_at": _when(idea.submitted_at),
        "why_its_status": idea.status_reason,
        "follow_up_answers": {row.questionnaire: row.answers for row in follow_ups},
    }
