"""A citizen's own ideas, with where each one stands."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from budget.ideas import IdeaStatus
from conversations.replies import Button, Reply, Text


@dataclass(frozen=True)
class IdeaLine:
    number: int
    title: str
    status: IdeaStatus
    submitted_on: date


def my_ideas(ideas: Sequence[IdeaLine], has_draft: bool) -> Reply:
    rows = []
    if has_draft:
        rows.append([Button("menu.continue", "continue")])
    rows.append([Button("menu.open", "menu")])
    if not ideas:
        texts = [Text("my_ideas.none")]
    else:
        texts = [Text("my_ideas.header", count=len(ideas))]
        texts += [
            Text(
                "my_ideas.line",
                number=idea.number,
                title=idea.title,
                status=Text(f"status.{idea.status.value}"),
                day=idea.submitted_on,
            )
            for idea in ideas
        ]
    if has_draft:
        texts.append(Text("menu.draft_waiting"))
    return Reply(*texts, buttons=rows)
