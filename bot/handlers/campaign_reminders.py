"""/stop: a citizen stops campaign reminders (also from the button under each one) and can
have them again; after voting, a citizen can ask to be told the results."""

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message

from bot.handlers.common import ask_consent
from bot.runtime.callbacks import MenuButton
from bot.runtime.turn import Turn
from conversations.menu import MenuAction
from conversations.replies import Button, Reply


def router() -> Router:
    router = Router(name="reminders")
    router.message.register(stop_reminders, Command("stop"))
    router.callback_query.register(
        stop_reminders, MenuButton.filter(F.action == MenuAction.STOP_REMINDERS)
    )
    router.callback_query.register(
        restart_reminders, MenuButton.filter(F.action == MenuAction.REMINDERS_ON)
    )
    router.callback_query.register(
        ask_for_results, MenuButton.filter(F.action == MenuAction.WANT_RESULTS)
    )
    return router


async def stop_reminders(event: Message | CallbackQuery, turn: Turn) -> None:
    if turn.citizen is None:
        ask_consent(turn, "")
        return
    await turn.uow.citizens.set_reminders(turn.citizen.id, on=False, now=turn.now)
    turn.editable = None  # the reminder stays as it was; the answer is a message of its own
    turn.show(
        Reply(
            "reminders.stopped",
            buttons=[
                [Button("reminders.button.restart", MenuAction.REMINDERS_ON)],
                [Button("menu.open", MenuAction.MENU)],
            ],
        )
    )


async def restart_reminders(query: CallbackQuery, turn: Turn) -> None:
    if turn.citizen is None:
        ask_consent(turn, "")
        return
    await turn.uow.citizens.set_reminders(turn.citizen.id, on=True, now=turn.now)
    turn.show(
        Reply("reminders.restarted", edit=True, buttons=[[Button("menu.open", MenuAction.MENU)]])
    )


async def ask_for_results(query: CallbackQuery, turn: Turn) -> None:
    if turn.citizen is None:
        ask_consent(turn, "")
        return
    await turn.uow.citizens.want_results(turn.citizen.id)
    turn.show(Reply("reminders.results_promised", notice=True))
