"""The first contact: a welcome naming the edition, the privacy notice and the consent."""

from collections.abc import Sequence
from enum import StrEnum

from budget.edition import Edition
from conversations.menu import MenuAction
from conversations.replies import Button, Localized, Reply, Text


class ConsentAction(StrEnum):
    AGREE = "agree"
    DECLINE = "decline"


def welcome(edition: Edition) -> Reply:
    return Reply("start.welcome", edition=Localized(edition.name), territory=edition.territory)


def privacy_notice(edition: Edition) -> Reply:
    """Asked before anything personal is stored: pressing "I agree" is the consent."""
    return Reply(
        Text("privacy.notice", organiser=edition.territory, email=edition.contact.email),
        buttons=[
            [Button("privacy.button.agree", ConsentAction.AGREE)],
            [Button("privacy.button.decline", ConsentAction.DECLINE)],
            [Button("menu.language", MenuAction.LANGUAGE)],
        ],
    )


def declined() -> Reply:
    return Reply("privacy.declined")


def language_choice(languages: Sequence[str], names: dict[str, str]) -> Reply:
    buttons = [
        Button(Localized({code: names[code]}), MenuAction.LANGUAGE, code) for code in languages
    ]
    return Reply("language.ask", buttons=[buttons[i : i + 2] for i in range(0, len(buttons), 2)])
