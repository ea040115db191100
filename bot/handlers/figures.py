"""/stats: staff see the campaign in figures (participants, ideas, the vote, the funnels, each
channel) and its charts, in their own language. Counts only, never anyone's choice."""

import asyncio
import importlib
from datetime import date

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.methods import SendPhoto
from aiogram.types import BufferedInputFile, Message

from bot.reports.figures import figures_reply
from bot.runtime.staff_access import StaffCommand
from bot.runtime.turn import Turn
from budget.figures import NONE
from budget.roles import Role
from conversations.replies import Reply


def router() -> Router:
    router = Router(name="figures")
    router.message.register(show_figures, Command("stats"), StaffCommand(*Role))
    return router


async def show_figures(message: Message, command: CommandObject, turn: Turn) -> None:
    since: date | None = None
    if command.args:
        try:
            since = date.fromisoformat(command.args.strip())
        except ValueError:
            turn.show(Reply("stats.usage"))
            return
    # Every participant, idea and voter is read: on a thread, so the other chats go on.
    async with turn.uow.off_the_loop():
        figures = await turn.uow.figures.read(turn.edition, turn.stored.id, since)
    turn.show(figures_reply(figures, turn.edition, turn.renderer, turn.lang))
    renderer, lang = turn.renderer, turn.lang
    # matplotlib takes most of a second to import: every process of the bot would pay it at
    # start for a command staff send a few times a week. The first time, in a thread, so the
    # other chats do not wait for it either.
    await asyncio.to_thread(importlib.import_module, "bot.reports.figure_charts")
    from bot.reports import figure_charts as draw

    charts = []
    if figures.by_day:
        by_day = draw.participants_per_day(figures.by_day, renderer, lang)
        charts.append(("participants.png", by_day))
    if any(source != NONE for source in figures.sources):
        charts.append(("channels.png", draw.per_source(figures.sources, renderer, lang)))
    if figures.ideas_by_theme:
        themes = draw.ideas_by_theme(figures.ideas_by_theme, turn.edition, renderer, lang)
        charts.append(("themes.png", themes))
    if any(t.voters or t.ballots for t in figures.turnout):
        turnout = draw.turnout_by_district(figures.turnout, turn.edition, renderer, lang)
        charts.append(("turnout.png", turnout))
    for name, figure in charts:
        # Drawn in a thread: the other chats do not wait for matplotlib.
        photo = BufferedInputFile(await asyncio.to_thread(draw.png, figure), filename=name)
        turn.send(SendPhoto(chat_id=turn.chat_id, photo=photo))
