"""/myideas: a citizen's ideas and where each one stands."""

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.callbacks import MenuButton
from bot.handlers.common import ask_consent, has_draft, pause_form
from bot.turn import Turn
from budget.ideas import IdeaStatus
from conversations.my_ideas import IdeaLine, my_ideas


def router() -> Router:
    router = Router(name="my_ideas")
    router.message.register(list_my_ideas, Command("myideas"))
    router.callback_query.register(list_my_ideas, MenuButton.filter(F.action == "my_ideas"))
    return router


async def list_my_ideas(event: Message | CallbackQuery, turn: Turn, state: FSMContext) -> None:
    if turn.citizen is None:
        ask_consent(turn, "")
        return
    await pause_form(state)
    rows = await turn.uow.ideas.of_citizen(turn.stored.id, turn.citizen.id)
    zone = turn.edition.zone
    lines = [
        IdeaLine(
            row.id, row.title, IdeaStatus(row.status), row.submitted_at.astimezone(zone).date()
        )
        for row in rows
    ]
    turn.show(my_ideas(lines, await has_draft(state)))
