"""Integrity alarms in the chat: how an alarm reads (for the job that tells the admins, and
again once it is looked at), and the button that marks it as looked at (admins only, written
in the audit log). Nothing here removes a ballot: what to do about a pattern is staff's
decision."""

from datetime import datetime

from aiogram import Router
from aiogram.types import CallbackQuery

from bot.runtime.callbacks import IntegrityButton
from bot.runtime.staff_access import is_allowed, refuse_button
from bot.runtime.turn import Turn
from budget.integrity import AlarmKind
from budget.roles import Role
from conversations.integrity import IntegrityAction, Looked, alarm_reply
from conversations.replies import Button, Localized, Reply
from storage.editions import StoredEdition
from storage.integrity import StoredAlarm
from storage.unit_of_work import UnitOfWork

LOOKED_AT = "integrity_alarm_looked_at"


def router() -> Router:
    router = Router(name="integrity")
    router.callback_query.register(press_integrity_button, IntegrityButton.filter())
    return router


async def press_integrity_button(
    query: CallbackQuery, callback_data: IntegrityButton, turn: Turn
) -> None:
    """Mark an alarm as looked at. From anyone but an admin (a forwarded message, a forged
    button) it does nothing and is written to the audit log."""
    if not await is_allowed(turn, Role.ADMIN):
        await refuse_button(turn, f"integrity_alarm:{callback_data.alarm}")
        return
    stored = await turn.uow.integrity.alarm(callback_data.alarm)
    if stored is None:
        turn.show(Reply("error.invalid_button", notice=True))
        return
    if not await mark_looked_at(turn.uow, stored, turn.user.id, turn.now):
        turn.show(Reply("integrity.already_looked", notice=True))
        return
    looked = await turn.uow.integrity.alarm(stored.id)
    assert looked is not None
    reply = await alarm_message(turn.uow, turn.stored, looked, edit=True)
    turn.show(reply, encode_integrity)


async def mark_looked_at(uow: UnitOfWork, stored: StoredAlarm, by: int, now: datetime) -> bool:
    """Mark the alarm as looked at by `by` (0: the command line), with an entry in the audit
    log; False if someone already had."""
    if not await uow.integrity.acknowledge(stored.id, by, now):
        return False
    alarm = stored.alarm
    await uow.audit.record(
        by,
        LOOKED_AT,
        f"integrity_alarm:{stored.id}",
        now,
        before={"looked_at": False},
        after={"looked_at": True, "kind": alarm.kind.value, "observed": alarm.observed},
    )
    return True


async def alarm_message(
    uow: UnitOfWork, edition: StoredEdition, stored: StoredAlarm, edit: bool = False
) -> Reply:
    """The alarm as the admins read it, with its key named readably."""
    looked = None
    if stored.acked_at is not None:
        looked = Looked(stored.acked_by or 0, stored.acked_at)
    named = await _named(uow, edition, stored)
    return alarm_reply(
        stored.id,
        stored.alarm,
        edition.edition.zone,
        edition.edition.integrity,
        named,
        looked,
        edit=edit,
    )


async def _named(uow: UnitOfWork, edition: StoredEdition, stored: StoredAlarm) -> str | Localized:
    key = stored.alarm.key
    match stored.alarm.kind:
        case AlarmKind.SINGLE_PROJECT_WAVE:
            projects = await uow.projects.on_ballot(edition.id)
            project = next((p for p in projects if str(p.id) == key), None)
            return Localized(project.title) if project is not None else key
        case AlarmKind.DISTRICT_BURST:
            district = edition.edition.district(key)
            return Localized(district.name) if district is not None else key
    return key


def encode_integrity(button: Button) -> str:
    return IntegrityButton(action=IntegrityAction(button.action), alarm=int(button.arg)).pack()
