"""Staff's charts speak the reader's language: titles, axes, legends, days and numbers."""

from datetime import date

import pytest
from matplotlib.figure import Figure
from matplotlib.text import Text

from bot.reports.figure_charts import participants_per_day, per_source, png
from bot.runtime.i18n import create_i18n
from bot.runtime.render import Renderer
from budget.figures import NONE, SourceFigures

BY_DAY = {date(2027, 4, 20): 1200, date(2027, 4, 22): 3}
SOURCES = {
    "poster_dinant": SourceFigures(participants=1500, ideas=2, ballots=1100),
    NONE: SourceFigures(participants=40, ideas=0, ballots=12),
}


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer(create_i18n())


def texts(figure: Figure) -> list[str]:
    """Every text the figure draws, ticks included (as laid out when saved)."""
    figure.canvas.draw()
    return [t.get_text() for t in figure.findobj(match=Text)]


@pytest.mark.parametrize(
    ("lang", "title", "axis", "day", "thousand"),
    [
        (
            "fr",
            "Nouveaux participants par jour · total : 1\u202f203",
            "Participants",
            "20 avr.",
            "1\u202f200",
        ),
        ("nl", "Nieuwe deelnemers per dag · totaal: 1.203", "Deelnemers", "20 apr", "1.200"),
        ("de", "Neue Teilnehmende pro Tag · insgesamt: 1.203", "Teilnehmende", "20 Apr.", "1.200"),
    ],
)
def test_participants_per_day_is_drawn_in_the_readers_language(
    renderer: Renderer, lang: str, title: str, axis: str, day: str, thousand: str
) -> None:
    figure = participants_per_day(BY_DAY, renderer, lang)
    [axes] = figure.axes
    assert axes.get_title() == title
    assert axes.get_ylabel() == axis
    # Every day from the first to the last, the day without anyone included.
    assert [bar.get_height() for bar in axes.patches] == [1200, 0, 3]  # type: ignore[attr-defined]
    drawn = texts(figure)
    assert day in drawn
    assert thousand in drawn
    assert png(figure).startswith(b"\x89PNG\r\n\x1a\n")


def test_the_channels_chart_names_each_channel_and_what_it_brought_in_french(
    renderer: Renderer,
) -> None:
    figure = per_source(SOURCES, renderer, "fr")
    [axes] = figure.axes
    assert axes.get_title() == "Ce que chaque canal a apporté"
    legend = axes.get_legend()
    assert legend is not None
    assert [t.get_text() for t in legend.get_texts()] == ["Participants", "Idées", "Bulletins"]
    # Most participants first; the citizens who came with no link are named so.
    assert [t.get_text() for t in axes.get_yticklabels()] == ["poster_dinant", "sans lien"]
    drawn = texts(figure)
    assert "1\u202f500" in drawn and "1\u202f100" in drawn
    assert png(figure).startswith(b"\x89PNG\r\n\x1a\n")
