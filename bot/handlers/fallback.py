"""What nothing else took: a message outside any conversation, an unknown command, a button
whose data nobody recognises (forged, or from a version of the bot long gone)."""

from aiogram import Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.handlers.common import ask_consent, show_menu
from bot.runtime.turn import Turn
from conversations.replies import Reply


def router() -> Router:
    router = Router(name="fallback")
    router.message.register(answer_anything)
    router.callback_query.register(refuse_unknown_button)
    return router


async def answer_anything(message: Message, turn: Turn, state: FSMContext) -> None:
    if turn.citizen is None:
        ask_consent(turn, "")
        return
    if (message.text or "").startswith("/"):
        turn.show(Reply("error.unknown_command"))
    else:
        turn.show(Reply("menu.not_understood"))
    await show_menu(turn, state)


async def refuse_unknown_button(query: CallbackQuery, turn: Turn) -> None:
    turn.show(Reply("error.invalid_button", notice=True))
