"""A citizen's own ideas, with where each one stands."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from budget.ideas import IdeaStatus
from conversations.menu import MenuAction, Waiting, answer_button, waiting_lines
from conversations.moderation import edit_button
from conversations.replies import Button, Reply, Text


@dataclass(frozen=True)
class IdeaLine:
    number: int
    title: str
    status: IdeaStatus
    submitted_on: date
    # Why it was sent back, rejected or found not feasible: as written, or the edition's words.
    reason: object | None = None
    # Its author may still change it (moderation has not published it; deposits are open).
    editable: bool = False


def my_ideas(ideas: Sequence[IdeaLine], has_draft: bool, waiting: Sequence[Waiting] = ()) -> Reply:
    rows = [[answer_button(item)] for item in waiting]
    rows += [[edit_button(idea.number)] for idea in ideas if idea.editable]
    if has_draft:
        rows.append([Button("menu.continue", MenuAction.CONTINUE)])
    rows.append([Button("menu.open", MenuAction.MENU)])
    if not ideas:
        texts = [Text("my_ideas.none")]
    else:
        texts = [Text("my_ideas.header", count=len(ideas))]
        for idea in ideas:
            texts.append(
                Text(
                    "my_ideas.line",
                    number=idea.number,
                    title=idea.title,
                    status=Text(f"status.{idea.status.value}"),
                    day=idea.submitted_on,
                )
            )
            if idea.reason is not None:
                texts.append(Text("moderation.my_ideas.reason", reason=idea.reason))
    texts += waiting_lines(waiting)
    if has_draft:
        texts.append(Text("menu.draft_waiting"))
    return Reply(*texts, buttons=rows)
