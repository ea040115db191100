"""/results: the whole ranking, funded and not, the money used, the turnout and the chart,
once the vote is over."""

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.methods import SendPhoto
from aiogram.types import BufferedInputFile, CallbackQuery, Message

from bot.reports.results import EditionResults, edition_results, election_id, ranked
from bot.runtime.callbacks import MenuButton
from bot.runtime.turn import Turn
from budget.edition import Phase
from conversations.menu import MenuAction
from conversations.replies import Localized
from conversations.results import not_yet, results_screen


def router() -> Router:
    router = Router(name="results")
    router.message.register(show_results, Command("results"))
    router.callback_query.register(show_results, MenuButton.filter(F.action == MenuAction.RESULTS))
    return router


class ResultsCache:
    """Once the vote is closed its results no longer change, while many citizens ask for them
    at once after the announcement: they are computed, and the chart drawn, once per edition
    version, turnout and language."""

    def __init__(self) -> None:
        self._results: dict[tuple[int, str, int], EditionResults] = {}
        self._charts: dict[tuple[int, str, int, str], bytes] = {}

    async def results(self, turn: Turn) -> EditionResults:
        turnout = await turn.uow.voting.turnout(turn.stored.id)
        key = (turn.stored.id, str(turn.stored.version), turnout)
        known = self._results.get(key)
        if known is None:
            known = await edition_results(turn.uow, turn.stored)
            self._results = {key: known}
        return known

    def chart(self, outcome: EditionResults, turn: Turn) -> bytes:
        key = (turn.stored.id, str(turn.stored.version), outcome.turnout, turn.lang)
        drawn = self._charts.get(key)
        if drawn is None:
            drawn = chart(outcome, turn)
            self._charts = {k: v for k, v in self._charts.items() if k[:3] == key[:3]}
            self._charts[key] = drawn
        return drawn


async def show_results(
    event: Message | CallbackQuery, turn: Turn, results_cache: ResultsCache
) -> None:
    if turn.edition.current_phase(turn.now) is not Phase.RESULTS:
        turn.show(not_yet(turn.edition, turn.now))
        return
    outcome = await results_cache.results(turn)
    turn.send(
        SendPhoto(
            chat_id=turn.chat_id,
            photo=BufferedInputFile(results_cache.chart(outcome, turn), filename="chart.png"),
        )
    )
    turn.show(results_screen(turn.edition, ranked(outcome), outcome.turnout))


def chart(outcome: EditionResults, turn: Turn) -> bytes:
    """The chart in the reader's language, in the order of the ranking."""
    # Imported here, as /stats's charts are: matplotlib would slow every process's start.
    from bot.reports.charts import ranking_chart

    labels = {election_id(p.id): Localized(p.title) for p in outcome.projects}
    return ranking_chart(outcome.standings, labels, outcome.turnout, turn.renderer, turn.lang)
