"""The results chart says what the results table says, in the table's order, in one language."""

import pytest

from bot.reports.charts import ranking_chart, ranking_figure
from bot.runtime.i18n import create_i18n
from bot.runtime.render import Renderer
from budget.edition import ResultsRule
from budget.results import Election, compute_results, ranking

# "9" and "10" tie: the rules give the tie to "10", the smaller id in string order.
ELECTION = Election.of(
    {"9": 30, "10": 30, "2": 50},
    100,
    [["2", "9", "10"]] * 1200 + [["2"]] * 300,
)
NAMES = {"2": "Des bancs", "9": "Un verger", "10": "Une piste cyclable"}


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer(create_i18n())


def test_the_ranking_puts_the_most_voted_first_and_ties_in_the_rules_order() -> None:
    results = compute_results(ELECTION, ResultsRule.GREEDY)
    standings = ranking(ELECTION, results)
    assert [(s.project.id, s.votes, s.winner) for s in standings] == [
        ("2", 1500, True),
        ("10", 1200, True),
        ("9", 1200, False),
    ]


@pytest.mark.parametrize(
    ("lang", "title", "funded", "votes", "banner"),
    [
        (
            "fr",
            "Voix par projet · bulletins : 1\u202f500",
            "Financés",
            ["1\u202f500", "1\u202f200", "1\u202f200"],
            "Chiffres provisoires : le vote n'est pas clos",
        ),
        (
            "nl",
            "Stemmen per project · stembiljetten: 1.500",
            "Gefinancierd",
            ["1.500", "1.200", "1.200"],
            "Voorlopige cijfers: de stemming is nog niet afgesloten",
        ),
    ],
)
def test_the_chart_has_the_tables_order_and_every_word_and_number_in_one_language(
    renderer: Renderer, lang: str, title: str, funded: str, votes: list[str], banner: str
) -> None:
    standings = ranking(ELECTION, compute_results(ELECTION, ResultsRule.GREEDY))
    figure = ranking_figure(standings, NAMES, 1500, renderer, lang, provisional=True)
    axes = figure.axes[0]
    # Top to bottom, as the table reads.
    assert [label.get_text() for label in axes.get_yticklabels()] == [
        "Des bancs",
        "Une piste cyclable",
        "Un verger",
    ]
    assert axes.yaxis_inverted()
    assert [text.get_text() for text in axes.texts] == votes
    assert axes.get_title() == title
    legend = axes.get_legend()
    assert legend is not None
    assert [text.get_text() for text in legend.get_texts()] == [funded]
    assert figure.get_suptitle() == banner
    assert axes.xaxis.get_major_formatter()(1000, 0) == ("1\u202f000" if lang == "fr" else "1.000")


def test_final_results_carry_no_provisional_banner_and_make_a_png(renderer: Renderer) -> None:
    standings = ranking(ELECTION, compute_results(ELECTION, ResultsRule.GREEDY))
    assert ranking_figure(standings, NAMES, 1500, renderer, "en").get_suptitle() == ""
    assert ranking_chart(standings, NAMES, 1500, renderer, "en").startswith(b"\x89PNG\r\n\x1a\n")


def test_two_projects_with_the_same_title_keep_a_bar_each(renderer: Renderer) -> None:
    standings = ranking(ELECTION, compute_results(ELECTION, ResultsRule.GREEDY))
    same = dict.fromkeys(NAMES, "Un banc")
    axes = ranking_figure(standings, same, 1500, renderer, "fr").axes[0]
    assert len(axes.patches) == 3
    assert [label.get_text() for label in axes.get_yticklabels()] == ["Un banc"] * 3
