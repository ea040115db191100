"""What the bot's buttons carry. Telegram allows 64 bytes; aiogram packs and checks them."""

from aiogram.filters.callback_data import CallbackData


class FormButton(CallbackData, prefix="f"):
    """A button of the idea form: the draft (`token`) and the question (`seq`) it was shown
    under, so that a button from an older message is recognised."""

    token: str
    seq: int
    action: str
    arg: str = ""


class MenuButton(CallbackData, prefix="m"):
    action: str
    arg: str = ""


class ConsentButton(CallbackData, prefix="c"):
    """The answer to the privacy notice, with the language it was read in and the deep-link
    source: nothing is stored before this button is pressed."""

    action: str
    lang: str
    source: str = ""


class LanguageButton(CallbackData, prefix="l"):
    lang: str
    source: str = ""


class VoteButton(CallbackData, prefix="v"):
    """A button of the vote, named like the form's by the envelope (`token`) and screen (`seq`)."""

    token: str
    seq: int
    action: str
    arg: str = ""
