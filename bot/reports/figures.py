"""The campaign's figures as staff read them in the chat (/stats): one message, in the
reader's language."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from budget.edition import Edition
from budget.figures import IDEA_FUNNEL, NONE, VOTE_FUNNEL, Figures
from conversations.replies import Localized, Reply, Text

if TYPE_CHECKING:
    from bot.runtime.render import Renderer


def figures_reply(figures: Figures, edition: Edition, renderer: Renderer, lang: str) -> Reply:
    def district(code: str) -> Localized | Text | str:
        if code == NONE:
            return Text("stats.district.none")
        known = edition.district(code)
        return Localized(known.name) if known else code

    def theme(code: str) -> Localized | Text | str:
        known = edition.theme(code)
        return Localized(known.label) if known else code

    texts = [
        Text("stats.header.since", day=figures.since) if figures.since else Text("stats.header")
    ]
    texts.append(Text("stats.participants", count=figures.participants))
    if figures.by_language:
        texts.append(Text("stats.by_language", items=_items(figures.by_language.items())))
    texts.append(Text("stats.ideas", count=figures.ideas, supports=figures.supports))
    if figures.ideas:
        by_status = [(Text(f"status.{s}"), n) for s, n in figures.ideas_by_status.items()]
        texts.append(Text("stats.by_status", items=_items(by_status)))
        by_theme = [(theme(code), n) for code, n in figures.ideas_by_theme.items()]
        texts.append(Text("stats.by_theme", items=_items(by_theme)))
        by_district = [(district(code), n) for code, n in figures.ideas_by_district.items()]
        texts.append(Text("stats.by_district", items=_items(by_district)))
    for code, (sent, answered) in figures.follow_ups.items():
        questionnaire = edition.questionnaire(code)
        name = Localized(questionnaire.title) if questionnaire else code
        texts.append(Text("stats.follow_ups", name=name, answered=answered, sent=sent))
    texts.append(Text("stats.vote", voters=figures.voters, ballots=figures.ballots))
    for turnout in figures.turnout:
        if not (turnout.voters or turnout.ballots or turnout.population):
            continue
        if turnout.rate is not None and turnout.population is not None:
            texts.append(
                Text(
                    "stats.turnout.rate",
                    district=district(turnout.code),
                    ballots=turnout.ballots,
                    voters=turnout.voters,
                    rate=renderer.percent(turnout.rate, lang),
                    population=turnout.population,
                )
            )
        else:
            texts.append(
                Text(
                    "stats.turnout",
                    district=district(turnout.code),
                    ballots=turnout.ballots,
                    voters=turnout.voters,
                )
            )
    funnel = figures.funnel
    texts.append(Text("stats.funnel.ideas", **{t.value: funnel.get(t, 0) for t in IDEA_FUNNEL}))
    texts.append(Text("stats.funnel.vote", **{t.value: funnel.get(t, 0) for t in VOTE_FUNNEL}))
    if any(source != NONE for source in figures.sources):
        texts.append(Text("stats.sources"))
        for source, counts in sorted(
            figures.sources.items(), key=lambda item: (-item[1].participants, item[0])
        ):
            texts.append(
                Text(
                    "stats.source",
                    source=source if source != NONE else Text("stats.source.none"),
                    participants=counts.participants,
                    ideas=counts.ideas,
                    ballots=counts.ballots,
                )
            )
    return Reply(*texts, compact=True)


def _items(counts: Iterable[tuple[object, int]]) -> tuple[Text, ...]:
    return tuple(Text("stats.item", name=name, count=count) for name, count in counts)
