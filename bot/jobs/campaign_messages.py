"""A campaign's message as one citizen gets it: their language's text (or the edition's first
one), the image, the campaign's button and, under every reminder, a button to stop them; and
the buttons staff find under a sending's progress."""

from enum import StrEnum
from typing import Any

from aiogram.methods import SendMessage, SendPhoto, TelegramMethod
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.runtime.callbacks import MenuButton, ProjectButton, RunButton
from bot.runtime.render import Renderer
from budget.campaigns import AudienceKind, ButtonKind, Campaign
from budget.edition import Edition
from conversations.menu import MenuAction
from conversations.projects import ProjectAction
from conversations.replies import Text

# The button's label, and where it leads: the menu actions that open the vote, the form or
# the results.
ACTIONS = {
    ButtonKind.VOTE: MenuAction.VOTE,
    ButtonKind.DEPOSIT: MenuAction.DEPOSIT,
    ButtonKind.RESULTS: MenuAction.RESULTS,
}


def campaign_message(
    campaign: Campaign, edition: Edition, chat_id: int, language: str, renderer: Renderer
) -> TelegramMethod[Any]:
    text = campaign.text_for(language, edition)
    rows: list[list[InlineKeyboardButton]] = []
    if campaign.button is not None:
        label = renderer.text(Text(f"broadcast.citizen.{campaign.button.value}"), language)
        if campaign.button is ButtonKind.LINK:
            rows.append([InlineKeyboardButton(text=label, url=campaign.button_url)])
        else:
            action = MenuButton(action=ACTIONS[campaign.button]).pack()
            rows.append([InlineKeyboardButton(text=label, callback_data=action)])
    audience = campaign.audience
    if audience.kind is AudienceKind.FOLLOWERS and audience.value:
        # A project's followers: its card, and a way to stop following it (not /stop, which
        # does not hold back what one follows).
        project = int(audience.value)
        for key, action in (
            ("projects.button.card", ProjectAction.OPEN),
            ("projects.button.unfollow", ProjectAction.MUTE),
        ):
            label = renderer.text(Text(key), language)
            data = ProjectButton(action=action, project=project).pack()
            rows.append([InlineKeyboardButton(text=label, callback_data=data)])
    else:
        stop = renderer.text(Text("broadcast.citizen.stop"), language)
        data = MenuButton(action=MenuAction.STOP_REMINDERS).pack()
        rows.append([InlineKeyboardButton(text=stop, callback_data=data)])
    markup = InlineKeyboardMarkup(inline_keyboard=rows)
    # Plain texts are sent as written: with no parse mode, "<" and "&" are shown as typed.
    parse_mode = "HTML" if campaign.html else None
    # Left out entirely (None) unless staff chose it: Telegram charges Stars for it.
    paid = True if campaign.paid_broadcast else None
    if campaign.image:
        return SendPhoto(
            chat_id=chat_id,
            photo=campaign.image,
            caption=text,
            parse_mode=parse_mode,
            reply_markup=markup,
            allow_paid_broadcast=paid,
        )
    return SendMessage(
        chat_id=chat_id,
        text=text,
        parse_mode=parse_mode,
        reply_markup=markup,
        link_preview_options=None,
        allow_paid_broadcast=paid,
    )


class RunAction(StrEnum):
    """What the buttons under a sending's progress do (bot.handlers.broadcast carries it out)."""

    PAUSE = "pause"
    RESUME = "resume"
    CANCEL = "cancel"


def run_keyboard(
    renderer: Renderer, run_id: int, state: str, language: str
) -> InlineKeyboardMarkup | None:
    """The buttons under a run's progress: the one move that applies (pause a run that is
    sending, resume a paused one) and cancel; none once it is over."""
    if state not in {"sending", "paused"}:
        return None

    def button(label: str, action: RunAction) -> InlineKeyboardButton:
        return InlineKeyboardButton(
            text=renderer.text(Text(label), language),
            callback_data=RunButton(action=action, run=run_id).pack(),
        )

    move = (
        button("broadcast.button.pause", RunAction.PAUSE)
        if state == "sending"
        else button("broadcast.button.resume", RunAction.RESUME)
    )
    return InlineKeyboardMarkup(
        inline_keyboard=[[move], [button("broadcast.button.stop_run", RunAction.CANCEL)]]
    )
