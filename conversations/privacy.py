"""/privacy: what is kept about the citizen, a copy of it, and erasing it."""

from dataclasses import dataclass
from datetime import date

from conversations.menu import MenuAction
from conversations.replies import Button, Reply, Text


@dataclass(frozen=True)
class Kept:
    """What is kept about one citizen, as /privacy tells them."""

    language: str
    since: date
    source: str | None
    ideas: int
    published_ideas: int
    suggestions: int
    supports: int
    registered: bool
    ballot_cast: bool
    phone_fingerprint: bool
    identity_fingerprint: bool
    volunteered: bool
    reminders_on: bool
    conversations: int


def privacy_screen(kept: Kept, language_name: str, edition_contact: str) -> Reply:
    texts = [
        Text("privacy.kept.header"),
        Text("privacy.kept.account", since=kept.since, language=language_name),
    ]
    if kept.source:
        texts.append(Text("privacy.kept.source", source=kept.source))
    if kept.ideas:
        texts.append(Text("privacy.kept.ideas", count=kept.ideas, published=kept.published_ideas))
    if kept.suggestions:
        texts.append(Text("privacy.kept.suggestions", count=kept.suggestions))
    if kept.supports:
        texts.append(Text("privacy.kept.supports", count=kept.supports))
    if kept.registered:
        texts.append(Text("privacy.kept.voter"))
    if kept.phone_fingerprint:
        texts.append(Text("privacy.kept.phone"))
    if kept.identity_fingerprint:
        texts.append(Text("privacy.kept.identity"))
    if kept.ballot_cast:
        texts.append(Text("privacy.kept.ballot"))
    if kept.volunteered:
        texts.append(Text("privacy.kept.volunteer"))
    if kept.conversations:
        texts.append(Text("privacy.kept.conversations", count=kept.conversations))
    reminders = "privacy.kept.reminders_on" if kept.reminders_on else "privacy.kept.reminders_off"
    texts.append(Text(reminders))
    texts.append(Text("privacy.kept.rights", email=edition_contact))
    return Reply(
        *texts,
        compact=True,
        buttons=[
            [Button("privacy.button.export", MenuAction.PRIVACY_EXPORT)],
            [Button("privacy.button.erase", MenuAction.PRIVACY_ERASE)],
            [Button("menu.open", MenuAction.MENU)],
        ],
    )


def nothing_kept() -> Reply:
    return Reply("privacy.nothing_kept")


def confirm_erasure(ballot_cast: bool, published_ideas: int) -> Reply:
    texts = [Text("privacy.erase.confirm")]
    if ballot_cast:
        texts.append(Text("privacy.erase.ballot_stays"))
    if published_ideas:
        texts.append(Text("privacy.erase.ideas_stay", count=published_ideas))
    return Reply(
        *texts,
        edit=True,
        buttons=[
            [Button("privacy.button.erase_confirm", MenuAction.PRIVACY_ERASE_CONFIRM)],
            [Button("privacy.button.back", MenuAction.PRIVACY)],
        ],
    )


def erased() -> Reply:
    return Reply("privacy.erased", edit=True)


def export_caption() -> Reply:
    return Reply("privacy.export.caption")
