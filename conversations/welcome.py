"""The first contact: a welcome naming the edition, the privacy notice and the consent."""

from collections.abc import Sequence
from enum import StrEnum

from budget.edition import Edition
from conversations.menu import MenuAction
from conversations.replies import Button, Localized, Reply, Text


class Destination(StrEnum):
    """Where a citizen asked to go before consenting (a command typed first), taken there once
    they consent. A link to an idea says where it leads by itself (its source)."""

    MENU = ""
    IDEAS = "ideas"
    VOTE = "vote"
    MY_IDEAS = "my_ideas"
    DEPOSIT = "deposit"


class ConsentAction(StrEnum):
    """The privacy notice's buttons; the language is chosen there before consent, and the
    choice keeps the notice's source and destination."""

    AGREE = "agree"
    DECLINE = "decline"
    LANGUAGE = "language"


def welcome(edition: Edition) -> Reply:
    return Reply(
        "start.welcome", edition=Localized(edition.name), territory=Localized(edition.territory)
    )


def privacy_notice(edition: Edition) -> Reply:
    """Asked before anything personal is stored: pressing "I agree" is the consent."""
    return Reply(
        Text("privacy.notice", organiser=Localized(edition.territory), email=edition.contact.email),
        buttons=[
            [Button("privacy.button.agree", ConsentAction.AGREE)],
            [Button("privacy.button.decline", ConsentAction.DECLINE)],
            [Button("menu.language", ConsentAction.LANGUAGE)],
        ],
    )


def declined() -> Reply:
    return Reply("privacy.declined")


def language_choice(languages: Sequence[str], names: dict[str, str]) -> Reply:
    buttons = [
        Button(Localized({code: names[code]}), MenuAction.LANGUAGE, code) for code in languages
    ]
    return Reply("language.ask", buttons=[buttons[i : i + 2] for i in range(0, len(buttons), 2)])
