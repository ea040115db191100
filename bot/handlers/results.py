"""/results: the winners, the money used, the turnout and the chart, once the vote is over."""

import html

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.methods import SendPhoto
from aiogram.types import BufferedInputFile, CallbackQuery, Message

from bot.callbacks import MenuButton
from bot.charts import Bar, results_chart
from bot.results import EditionResults, edition_results
from bot.turn import Turn
from budget.edition import Phase
from conversations.replies import Localized, Text
from conversations.results import Funded, not_yet, results_screen


def router() -> Router:
    router = Router(name="results")
    router.message.register(show_results, Command("results"))
    router.callback_query.register(show_results, MenuButton.filter(F.action == "results"))
    return router


async def show_results(event: Message | CallbackQuery, turn: Turn) -> None:
    if turn.edition.current_phase(turn.now) is not Phase.RESULTS:
        turn.show(not_yet(turn.edition, turn.now))
        return
    outcome = await edition_results(turn.uow, turn.stored)
    funded = [Funded(project, outcome.votes(project)) for project in outcome.winners]
    turn.send(
        SendPhoto(
            chat_id=turn.chat_id,
            photo=BufferedInputFile(chart(outcome, turn), filename="chart.png"),
        )
    )
    turn.show(results_screen(turn.edition, funded, outcome.turnout))


def chart(outcome: EditionResults, turn: Turn) -> bytes:
    def plain(text: Text | Localized) -> str:
        rendered = turn.renderer.value(text, turn.lang)
        return html.unescape(rendered)

    bars = [
        Bar(plain(Localized(p.title)), outcome.votes(p), outcome.is_winner(p))
        for p in outcome.ranking
    ]
    title = plain(Text("results.chart.title", ballots=outcome.turnout))
    return results_chart(bars, title, plain(Text("results.chart.winners")))
