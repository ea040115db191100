"""The bar chart of the results: votes per project, winners marked."""

import io
from collections.abc import Sequence
from dataclasses import dataclass

import matplotlib
import matplotlib.patches

matplotlib.use("Agg")  # no screen: draw into memory

from matplotlib import pyplot

WINNER = "#2e7d32"
OTHER = "#b0bec5"


@dataclass(frozen=True)
class Bar:
    label: str
    votes: int
    winner: bool


def results_chart(bars: Sequence[Bar], title: str, winners_label: str) -> bytes:
    """A PNG: one horizontal bar a project, most voted on top, winners in green."""
    ordered = sorted(bars, key=lambda bar: bar.votes)
    height = max(3.0, 0.42 * len(ordered) + 1.4)
    figure, axes = pyplot.subplots(figsize=(8, height), dpi=110)
    try:
        labels = [_short(bar.label) for bar in ordered]
        colours = [WINNER if bar.winner else OTHER for bar in ordered]
        drawn = axes.barh(labels, [bar.votes for bar in ordered], color=colours)
        axes.bar_label(drawn, padding=3, fontsize=8)
        axes.set_title(title, fontsize=11)
        axes.spines[["top", "right"]].set_visible(False)
        axes.tick_params(axis="y", labelsize=8)
        axes.legend(
            handles=[matplotlib.patches.Patch(color=WINNER, label=winners_label)],
            loc="lower right",
            fontsize=8,
            frameon=False,
        )
        figure.tight_layout()
        image = io.BytesIO()
        figure.savefig(image, format="png")
        return image.getvalue()
    finally:
        pyplot.close(figure)


def _short(label: str, limit: int = 42) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"
