"""Staff's charts speak the reader's language: titles, axes, legends, days and numbers."""

from datetime import date
from pathlib import Path

import pytest
from matplotlib.figure import Figure
from matplotlib.text import Text

from bot.reports.figure_charts import (
    ideas_by_theme,
    participants_per_day,
    per_source,
    png,
    turnout_by_district,
)
from bot.runtime.i18n import create_i18n
from bot.runtime.render import Renderer
from budget.edition_file import parse_edition
from budget.figures import NONE, DistrictTurnout, SourceFigures

EDITION = parse_edition(
    (Path(__file__).resolve().parents[2] / "examples" / "namur.toml").read_text(encoding="utf-8")
)
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


def test_ideas_by_theme_are_drawn_in_the_order_of_the_figures_and_in_dutch(
    renderer: Renderer,
) -> None:
    figure = ideas_by_theme({"mobility": 12, "environment": 12, NONE: 1}, EDITION, renderer, "nl")
    [axes] = figure.axes
    assert axes.get_title() == "Ideeën per thema"
    names = [t.get_text() for t in axes.get_yticklabels()]
    assert names[2] == "zonder thema" and len(set(names)) == 3
    # Ties keep the order of the figures' message, as the table does.
    assert [bar.get_width() for bar in axes.patches] == [12, 12, 1]  # type: ignore[attr-defined]
    assert png(figure).startswith(b"\x89PNG\r\n\x1a\n")


def test_turnout_is_a_rate_where_every_population_is_known_and_ballots_otherwise(
    renderer: Renderer,
) -> None:
    known = (
        DistrictTurnout("namur", voters=900, ballots=800, population=100_000),
        DistrictTurnout("dinant", voters=100, ballots=100, population=50_000),
    )
    rate = turnout_by_district(known, EDITION, renderer, "fr")
    [axes] = rate.axes
    assert axes.get_title() == "Participation par arrondissement (bulletins par habitant)"
    labels = [t.get_text() for t in axes.get_yticklabels()]
    assert labels == ["Arrondissement de Namur", "Arrondissement de Dinant"]
    assert "0,80\u00a0%" in texts(rate)
    unknown = (*known, DistrictTurnout("philippeville", voters=5, ballots=5, population=None))
    counts = turnout_by_district(unknown, EDITION, renderer, "en")
    [axes] = counts.axes
    assert axes.get_title() == "Ballots by district"
    assert [bar.get_width() for bar in axes.patches] == [800, 100, 5]  # type: ignore[attr-defined]
