"""The charts of the campaign's figures for staff: participants per day, what each channel
brought, ideas by theme and turnout by district. Every word in the reader's language, every
number and day as that language writes it, in the order of the figures' message."""

from __future__ import annotations

import html
import io
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING

from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from budget.edition import Edition
from budget.figures import NONE, DistrictTurnout, SourceFigures
from conversations.replies import Localized, Text

if TYPE_CHECKING:
    from bot.runtime.render import Renderer

BAR = "#1565c0"
# Participants, ideas, ballots: one colour each, the same on every chart.
SERIES = ("#1565c0", "#f9a825", "#2e7d32")
# More days than this and only every few days is named on the axis.
NAMED_DAYS = 12


def png(figure: Figure) -> bytes:
    image = io.BytesIO()
    figure.savefig(image, format="png")
    return image.getvalue()


def participants_per_day(by_day: Mapping[date, int], renderer: Renderer, lang: str) -> Figure:
    """New participants (consents) each day, the days without any included."""

    def plain(text: object) -> str:
        return html.unescape(renderer.value(text, lang))

    days = _every_day(by_day)
    counts = [by_day.get(day, 0) for day in days]
    figure = Figure(figsize=(8, 4), dpi=110)
    axes = figure.subplots()
    positions = range(len(days))
    axes.bar(positions, counts, color=BAR)
    step = max(1, -(-len(days) // NAMED_DAYS))
    axes.set_xticks(
        positions[::step], [renderer.short_date(day, lang) for day in days[::step]], rotation=45
    )
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _: plain(round(value))))
    axes.set_title(plain(Text("stats.chart.days.title", count=sum(counts))), fontsize=11)
    axes.set_ylabel(plain(Text("stats.chart.days.axis")), fontsize=9)
    axes.spines[["top", "right"]].set_visible(False)
    axes.tick_params(axis="both", labelsize=8)
    figure.tight_layout()
    return figure


def per_source(sources: Mapping[str, SourceFigures], renderer: Renderer, lang: str) -> Figure:
    """For each channel, most participants first: its participants, ideas and ballots."""

    def plain(text: object) -> str:
        return html.unescape(renderer.value(text, lang))

    ranked = sorted(sources.items(), key=lambda item: (-item[1].participants, item[0]))
    names = [source if source != NONE else plain(Text("stats.source.none")) for source, _ in ranked]
    series = [
        ("stats.chart.sources.participants", [f.participants for _, f in ranked]),
        ("stats.chart.sources.ideas", [f.ideas for _, f in ranked]),
        ("stats.chart.sources.ballots", [f.ballots for _, f in ranked]),
    ]
    figure = Figure(figsize=(8, max(3.0, 0.7 * len(ranked) + 1.6)), dpi=110)
    axes = figure.subplots()
    height = 0.8 / len(series)
    for index, ((key, values), colour) in enumerate(zip(series, SERIES, strict=True)):
        positions = [row + index * height for row in range(len(ranked))]
        drawn = axes.barh(positions, values, height=height, color=colour, label=plain(Text(key)))
        axes.bar_label(drawn, labels=[plain(v) for v in values], padding=2, fontsize=7)
    axes.set_yticks([row + height for row in range(len(ranked))], names)
    axes.invert_yaxis()
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.xaxis.set_major_formatter(FuncFormatter(lambda value, _: plain(round(value))))
    axes.set_title(plain(Text("stats.chart.sources.title")), fontsize=11)
    axes.legend(loc="best", fontsize=8, frameon=False)
    axes.spines[["top", "right"]].set_visible(False)
    axes.tick_params(axis="both", labelsize=8)
    figure.tight_layout()
    return figure


def ideas_by_theme(
    by_theme: Mapping[str, int], edition: Edition, renderer: Renderer, lang: str
) -> Figure:
    """How many ideas each theme drew, in the order the figures' message lists them."""

    def plain(text: object) -> str:
        return html.unescape(renderer.value(text, lang))

    def name(code: str) -> str:
        known = edition.theme(code)
        return plain(Localized(known.label)) if known else plain(Text("stats.theme.none"))

    rows = [(name(code), count, plain(count)) for code, count in by_theme.items()]
    return _bars(rows, plain(Text("stats.chart.themes.title")), lambda value: plain(round(value)))


def turnout_by_district(
    turnout: tuple[DistrictTurnout, ...], edition: Edition, renderer: Renderer, lang: str
) -> Figure:
    """Each district's ballots per inhabitant where the edition gives every population, its
    ballots otherwise: a rate for some districts and a count for others cannot share an axis."""

    def plain(text: object) -> str:
        return html.unescape(renderer.value(text, lang))

    def name(code: str) -> str:
        known = edition.district(code)
        return plain(Localized(known.name)) if known else plain(Text("stats.district.none"))

    shown = [t for t in turnout if t.voters or t.ballots or t.population]
    if shown and all(t.rate is not None for t in shown):
        rows = [
            (name(t.code), (t.rate or 0) * 100, renderer.percent(t.rate or 0, lang)) for t in shown
        ]
        title = plain(Text("stats.chart.turnout.title"))
        return _bars(rows, title, lambda value: renderer.percent(value / 100, lang))
    rows = [(name(t.code), t.ballots, plain(t.ballots)) for t in shown]
    return _bars(rows, plain(Text("stats.chart.ballots.title")), lambda value: plain(round(value)))


def _bars(
    rows: Sequence[tuple[str, float, str]],
    title: str,
    tick: Callable[[float], str],
) -> Figure:
    """One horizontal bar a row, the first on top, each with its value written beside it;
    `tick` writes the axis' values as the reader's language does."""
    figure = Figure(figsize=(8, max(2.5, 0.45 * len(rows) + 1.4)), dpi=110)
    axes = figure.subplots()
    drawn = axes.barh(range(len(rows)), [value for _, value, _ in rows], color=BAR)
    axes.bar_label(drawn, labels=[label for *_, label in rows], padding=2, fontsize=7)
    axes.set_yticks(range(len(rows)), [name for name, *_ in rows])
    axes.invert_yaxis()
    axes.xaxis.set_major_locator(MaxNLocator(nbins=6, integer=True))
    axes.xaxis.set_major_formatter(FuncFormatter(lambda value, _: tick(value)))
    axes.set_title(title, fontsize=11)
    axes.spines[["top", "right"]].set_visible(False)
    axes.tick_params(axis="both", labelsize=8)
    figure.tight_layout()
    return figure


def _every_day(by_day: Mapping[date, int]) -> list[date]:
    if not by_day:
        return []
    first, last = min(by_day), max(by_day)
    return [date.fromordinal(day) for day in range(first.toordinal(), last.toordinal() + 1)]
