"""The main menu, whose entries follow the edition's phase, and the help screen."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from budget.edition import Edition, Phase
from conversations.replies import Button, Localized, Reply, Text


class MenuAction(StrEnum):
    """What a button outside any screen asks for: the menu's entries, and the lasting buttons
    (on a receipt, a campaign message, a notice) that open one of them afresh."""

    MENU = "menu"
    CONTINUE = "continue"
    DEPOSIT = "deposit"
    IDEAS = "ideas"
    VOTE = "vote"
    RANKING = "ranking"
    RESULTS = "results"
    PROJECTS = "projects"
    MY_IDEAS = "my_ideas"
    LANGUAGE = "language"
    HELP = "help"
    EDIT_IDEA = "edit_idea"
    WANT_RESULTS = "want_results"
    STOP_REMINDERS = "stop_reminders"
    REMINDERS_ON = "reminders_on"
    PRIVACY = "privacy"
    PRIVACY_EXPORT = "privacy_export"
    PRIVACY_ERASE = "privacy_erase"
    PRIVACY_ERASE_CONFIRM = "privacy_erase_confirm"
    # A questionnaire waiting for the author's answers; the argument names the idea and the
    # questionnaire ("12.complement": a questionnaire's code has no dot).
    ANSWER = "answer"


@dataclass(frozen=True)
class Waiting:
    """A questionnaire staff sent about one of the citizen's ideas, not answered yet."""

    idea: int
    questionnaire: str
    title: Localized
    last_day: date


def answer_button(waiting: Waiting) -> Button:
    label = Text("my_ideas.button.answer", questionnaire=waiting.title, number=waiting.idea)
    return Button(label, MenuAction.ANSWER, f"{waiting.idea}.{waiting.questionnaire}")


def waiting_lines(waiting: Sequence[Waiting]) -> list[Text]:
    return [
        Text(
            "my_ideas.waiting",
            questionnaire=item.title,
            number=item.idea,
            day=item.last_day,
        )
        for item in waiting
    ]


class VoteStatus(StrEnum):
    """Where a voter's envelope stands, as the menu tells it."""

    NONE = "none"
    NOT_CAST = "not_cast"
    CAST = "cast"


def main_menu(
    edition: Edition,
    now: datetime,
    has_draft: bool,
    vote: VoteStatus = VoteStatus.NONE,
    waiting: Sequence[Waiting] = (),
) -> Reply:
    phase = edition.current_phase(now)
    # A questionnaire the team waits for comes first: its invitation may be long lost.
    rows: list[list[Button]] = [[answer_button(item)] for item in waiting]
    texts = [Text("menu.header", edition=Localized(edition.name)), _phase_line(edition, now)]
    texts += waiting_lines(waiting)
    if phase is Phase.DEPOSIT:
        if has_draft:
            rows.append([Button("menu.continue", MenuAction.CONTINUE)])
            texts.append(Text("menu.draft_waiting"))
        else:
            rows.append([Button("menu.deposit", MenuAction.DEPOSIT)])
    # While ideas take supports and suggestions; the vote and the results take over after.
    if phase in (Phase.DEPOSIT, Phase.ANALYSIS):
        rows.append([Button("ideas.menu", MenuAction.IDEAS)])
    if phase is Phase.VOTE:
        rows.append([Button("menu.vote", MenuAction.VOTE)])
        if vote is not VoteStatus.NONE:
            texts.append(Text(f"menu.vote.{vote.value}"))
    if phase is Phase.VOTE and edition.vote.show_ranking:
        rows.append([Button("menu.ranking", MenuAction.RANKING)])
    if phase is Phase.RESULTS:
        rows.append([Button("menu.results", MenuAction.RESULTS)])
        rows.append([Button("menu.projects", MenuAction.PROJECTS)])
    rows.append([Button("menu.my_ideas", MenuAction.MY_IDEAS)])
    rows.append(
        [Button("menu.language", MenuAction.LANGUAGE), Button("menu.help", MenuAction.HELP)]
    )
    return Reply(*texts, buttons=rows)


def _phase_line(edition: Edition, now: datetime) -> Text:
    phase = edition.current_phase(now)
    if phase is None:
        upcoming = next((p for p in Phase if edition.opens_on(p, now) is not None), None)
        if upcoming is None:
            return Text("menu.phase.none")
        return Text(f"menu.phase.before_{upcoming.value}", day=edition.opens_on(upcoming, now))
    last_day = edition.last_day(phase)
    if last_day is None:
        return Text(f"menu.phase.{phase.value}.open")
    return Text(f"menu.phase.{phase.value}", day=last_day)


def help_screen(edition: Edition, staff: bool = False) -> Reply:
    contact = edition.contact
    texts = [Text("help.body", edition=Localized(edition.name)), Text("help.projects")]
    if staff:
        texts.append(Text("help.staff"))
        texts.append(Text("help.staff.progress"))
        texts.append(Text("help.stand"))
    texts.append(Text("help.contact", email=contact.email, phone=contact.phone))
    if contact.website:
        texts.append(Text("help.website", website=contact.website))
    return Reply(*texts, buttons=[[Button("menu.open", MenuAction.MENU)]])
