"""/staff: admins give and take roles (admin, moderator, analyst, committee, broadcaster)."""

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message

from bot.runtime.staff_access import StaffCommand
from bot.runtime.turn import Turn
from budget.roles import Role
from conversations.replies import Reply, Text

TELEGRAM_ID_MAX = 2**63 - 1


def router() -> Router:
    router = Router(name="team")
    router.message.register(manage_staff, Command("staff"), StaffCommand(Role.ADMIN))
    return router


async def manage_staff(message: Message, command: CommandObject, turn: Turn) -> None:
    words = (command.args or "").split()
    if not words:
        await list_staff(turn)
        return
    roles = {role.value for role in Role}
    if (
        len(words) != 3
        or words[0] not in {"add", "remove"}
        or not is_telegram_id(words[1])
        or words[2] not in roles
    ):
        turn.show(Reply("team.usage", roles=", ".join(sorted(roles))))
        return
    action, member, role = words[0], int(words[1]), words[2]
    if action == "add":
        changed = await turn.uow.staff.add(member, role, turn.user.id, turn.now)
        key = "team.added" if changed else "team.already"
    else:
        if role == Role.ADMIN and member in turn.settings.staff_ids:
            turn.show(Reply("team.settings_admin", member=str(member)))
            return
        changed = await turn.uow.staff.remove(member, role)
        key = "team.removed" if changed else "team.not_there"
    if changed:
        await turn.uow.audit.record(
            turn.user.id,
            f"staff_{action}",
            f"member:{member}",
            turn.now,
            before=None if action == "add" else {"role": role},
            after={"role": role} if action == "add" else None,
        )
        citizen = await turn.uow.citizens.by_telegram_id(member)
        if citizen is not None and action == "add":
            turn.show(
                Reply("team.welcome", role=Text(f"team.role.{role}")),
                lang=citizen.language,
                chat_id=member,
            )
    turn.show(Reply(key, member=str(member), role=Text(f"team.role.{role}")))


def is_telegram_id(word: str) -> bool:
    """ASCII digits only ("²".isdigit() is true, and int() refuses it) and within the
    database's BigInteger, which an overflowing id would crash the update on."""
    return word.isascii() and word.isdigit() and 0 < int(word) <= TELEGRAM_ID_MAX


async def list_staff(turn: Turn) -> None:
    members = await turn.uow.staff.members()
    for admin in turn.settings.staff_ids:
        members.setdefault(admin, set()).add(Role.ADMIN.value)
    lines = [
        Text(
            "team.member",
            member=str(member),
            roles=", ".join(sorted(roles)),
        )
        for member, roles in sorted(members.items())
    ]
    turn.show(Reply(Text("team.header"), *lines, compact=True))
