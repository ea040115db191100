"""/myideas: a citizen's ideas, where each one stands and why, and a button to change those
moderation has not published yet."""

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.handlers.common import (
    ask_consent,
    has_draft,
    waiting_questionnaires,
)
from bot.runtime.callbacks import MenuButton
from bot.runtime.listening import stop_listening
from bot.runtime.turn import Turn
from budget.edition import Phase
from budget.ideas import AUTHOR_MAY_EDIT, IdeaStatus
from conversations.menu import MenuAction
from conversations.moderation import reason_text
from conversations.my_ideas import IdeaLine, my_ideas
from conversations.welcome import Destination

# The statuses whose reason the author reads (a resubmitted idea keeps the reason it had).
EXPLAINED = frozenset({IdeaStatus.CHANGES_ASKED, IdeaStatus.REJECTED, IdeaStatus.NOT_FEASIBLE})


def router() -> Router:
    router = Router(name="my_ideas")
    router.message.register(list_my_ideas, Command("myideas"))
    router.callback_query.register(
        list_my_ideas, MenuButton.filter(F.action == MenuAction.MY_IDEAS)
    )
    return router


async def list_my_ideas(event: Message | CallbackQuery, turn: Turn, state: FSMContext) -> None:
    if turn.citizen is None:
        ask_consent(turn, "", then=Destination.MY_IDEAS)
        return
    await stop_listening(state)
    rows = await turn.uow.ideas.of_citizen(turn.stored.id, turn.citizen.id)
    edition = turn.edition
    # The form that changes an idea is the deposit's: open only while deposits are.
    deposit_open = edition.is_open(Phase.DEPOSIT, turn.now)
    lines = []
    for row in rows:
        status = IdeaStatus(row.status)
        reason = row.status_reason if status in EXPLAINED else None
        lines.append(
            IdeaLine(
                row.id,
                row.title,
                status,
                row.submitted_at.astimezone(edition.zone).date(),
                reason=reason_text(reason, edition) if reason else None,
                editable=deposit_open and status in AUTHOR_MAY_EDIT,
            )
        )
    waiting = await waiting_questionnaires(turn)
    turn.show(my_ideas(lines, await has_draft(state), waiting))
