"""Who is staff: the admins of the settings (STAFF_IDS), then the roles admins give in the chat
(/staff). A staff command from anyone else gets the answer any unknown command gets; a staff
button pressed by anyone else does nothing and is written to the audit log."""

from aiogram.filters import Filter
from aiogram.types import CallbackQuery, Message

from bot.runtime.turn import Turn
from budget.roles import Role, may
from conversations.replies import Reply


async def roles_of(turn: Turn) -> set[Role]:
    if turn.staff_roles is None:
        known = {role.value for role in Role}
        roles = {Role(role) for role in await turn.uow.staff.roles(turn.user.id) if role in known}
        if turn.user.id in turn.settings.staff_ids:
            roles.add(Role.ADMIN)
        turn.staff_roles = roles
    return turn.staff_roles


async def is_allowed(turn: Turn, *needed: Role) -> bool:
    return may(await roles_of(turn), *needed)


async def refuse_button(turn: Turn, what: str) -> None:
    """A staff button from someone who is not (or no longer) staff: a forwarded message or a
    forged button. Nothing changes; the attempt is logged."""
    await turn.uow.audit.record(turn.user.id, "refused_button", what, turn.now)
    turn.show(Reply("error.invalid_button", notice=True))


class StaffCommand(Filter):
    """A command only staff with one of `roles` may use; for anyone else the filter fails and
    the command falls through to the unknown-command answer."""

    def __init__(self, *roles: Role) -> None:
        self.roles = roles

    async def __call__(self, event: Message | CallbackQuery, turn: Turn) -> bool:
        return await is_allowed(turn, *self.roles)
