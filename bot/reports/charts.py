"""The bar chart of the results: votes per project, winners marked, in the order of the ranking
and in one language."""

from __future__ import annotations

import html
import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import matplotlib.patches

# A Figure of its own, not pyplot's: nothing global to close, and safe in a server's threads.
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from budget.results import Standing
from conversations.replies import Localized, Text

if TYPE_CHECKING:
    from bot.runtime.render import Renderer

WINNER = "#2e7d32"
OTHER = "#b0bec5"
PROVISIONAL = "#c62828"


@dataclass(frozen=True)
class Bar:
    label: str
    votes: int
    winner: bool


def ranking_chart(
    standings: Sequence[Standing],
    labels: Mapping[str, Localized | str],
    ballots: int,
    renderer: Renderer,
    lang: str,
    *,
    provisional: bool = False,
) -> bytes:
    """The PNG of `ranking_figure`."""
    figure = ranking_figure(standings, labels, ballots, renderer, lang, provisional=provisional)
    image = io.BytesIO()
    figure.savefig(image, format="png")
    return image.getvalue()


def ranking_figure(
    standings: Sequence[Standing],
    labels: Mapping[str, Localized | str],
    ballots: int,
    renderer: Renderer,
    lang: str,
    *,
    provisional: bool = False,
) -> Figure:
    """The chart of a ranking, in its order, with every word in `lang` (the catalogues' texts;
    `labels`, by project id, are the projects' titles) and every number written as `lang`
    writes it; a provisional one says so above its title."""

    def plain(text: object) -> str:
        # The renderer writes for Telegram's HTML; a picture shows the characters themselves.
        return html.unescape(renderer.value(text, lang))

    bars = [Bar(plain(labels[s.project.id]), s.votes, s.winner) for s in standings]
    return _draw(
        bars,
        plain(Text("results.chart.title", ballots=ballots)),
        plain(Text("results.chart.winners")),
        number=plain,
        banner=plain(Text("results.chart.provisional")) if provisional else None,
    )


def _draw(
    bars: Sequence[Bar],
    title: str,
    winners_label: str,
    *,
    number: Callable[[int], str],
    banner: str | None,
) -> Figure:
    """One horizontal bar a project, in the order given from the top, winners in green;
    `banner` written above the title in red."""
    height = max(3.0, 0.42 * len(bars) + (1.8 if banner else 1.4))
    figure = Figure(figsize=(8, height), dpi=110)
    axes = figure.subplots()
    # Positions, not the labels, place the bars: two projects may bear the same title.
    positions = range(len(bars))
    votes = [bar.votes for bar in bars]
    colours = [WINNER if bar.winner else OTHER for bar in bars]
    drawn = axes.barh(positions, votes, color=colours)
    axes.set_yticks(positions, [_short(bar.label) for bar in bars])
    axes.invert_yaxis()  # the first of the ranking on top
    axes.bar_label(drawn, labels=[number(count) for count in votes], padding=3, fontsize=8)
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.xaxis.set_major_formatter(FuncFormatter(lambda value, _: number(round(value))))
    axes.set_title(title, fontsize=11)
    if banner:
        figure.suptitle(banner, color=PROVISIONAL, fontsize=12, fontweight="bold")
    axes.spines[["top", "right"]].set_visible(False)
    axes.tick_params(axis="both", labelsize=8)
    axes.legend(
        handles=[matplotlib.patches.Patch(color=WINNER, label=winners_label)],
        loc="lower right",
        fontsize=8,
        frameon=False,
    )
    figure.tight_layout()
    return figure


def _short(label: str, limit: int = 42) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"
