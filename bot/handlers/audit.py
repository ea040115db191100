"""/audit: admins read the last entries of the audit log, filtered by staff member, action or
idea, and see whether its chain of hashes is intact (budget/audit_chain.py)."""

from dataclasses import dataclass, replace

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message

from bot.handlers.staff_roles import is_telegram_id
from bot.runtime.staff_access import StaffCommand
from bot.runtime.turn import Turn
from budget.audit_chain import COMMAND_LINE, Entry, Verdict, change_summary
from budget.roles import Role
from conversations.replies import Reply, Text

SHOWN = 20
# An idea's number, within the database's Integer.
IDEA_MAX = 2**31 - 1
ACTION_MAX = 64


def router() -> Router:
    router = Router(name="audit")
    router.message.register(show_audit, Command("audit"), StaffCommand(Role.ADMIN))
    return router


@dataclass(frozen=True)
class Filters:
    staff: int | None = None
    action: str | None = None
    idea: int | None = None
    # As typed, to say what was asked: "staff 12345, action publish".
    described: str = ""


async def show_audit(message: Message, command: CommandObject, turn: Turn) -> None:
    filters = read_filters(command.args or "")
    if filters is None:
        turn.show(Reply("audit.usage", count=SHOWN))
        return
    verdict = await turn.uow.audit.verify()
    if verdict.head is None and verdict.broken is None:
        turn.show(Reply("audit.empty"))
        return
    entries = await turn.uow.audit.entries(filters.staff, filters.action, filters.idea, SHOWN)
    header = (
        Text("audit.header.filtered", filters=filters.described)
        if filters.described
        else Text("audit.header")
    )
    lines = [entry_line(entry, turn) for entry in entries] or [Text("audit.none")]
    turn.show(Reply(header, *lines, compact=True))
    turn.show(Reply(chain_state(verdict)))


def read_filters(typed: str) -> Filters | None:
    """`staff 12345 action publish idea 12`, each at most once, in any order; None if it is
    not written so."""
    words = typed.split()
    if len(words) % 2:
        return None
    pairs = list(zip(words[::2], words[1::2], strict=True))
    if len({name for name, _ in pairs}) < len(pairs):
        return None
    filters = Filters(described=", ".join(f"{name} {value}" for name, value in pairs))
    for name, value in pairs:
        if name == "staff" and is_telegram_id(value):
            filters = replace(filters, staff=int(value))
        elif name == "idea" and is_number(value, IDEA_MAX):
            filters = replace(filters, idea=int(value))
        elif name == "action" and len(value) <= ACTION_MAX:
            filters = replace(filters, action=value)
        else:
            return None
    return filters


def is_number(word: str, highest: int) -> bool:
    return word.isascii() and word.isdigit() and 0 < int(word) <= highest


def entry_line(entry: Entry, turn: Turn) -> Text:
    local = entry.at.astimezone(turn.edition.zone)
    actor: str | Text = (
        Text("audit.actor.command_line") if entry.actor == COMMAND_LINE else str(entry.actor)
    )
    values = {
        "sequence": str(entry.sequence),
        "day": local.date(),
        "hour": local.strftime("%H:%M"),
        "actor": actor,
        "action": entry.action,
        "subject": entry.subject,
    }
    change = change_summary(entry.before, entry.after)
    if change:
        return Text("audit.entry.changed", change=change, **values)
    return Text("audit.entry", **values)


def chain_state(verdict: Verdict) -> Text:
    broken, head = verdict.broken, verdict.head
    if broken is not None:
        return Text(
            f"audit.broken.{broken.fault.value}",
            entry=str(broken.expected),
            found=str(broken.found),
        )
    assert head is not None
    return Text("audit.intact", count=head.count, hash=head.hash)
