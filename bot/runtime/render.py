"""Turns what conversations say (`Reply`, `Text`) into Telegram messages in a citizen's
language: translated, with amounts and dates formatted by Babel, user text escaped."""

import copy
import html
import logging
from collections.abc import Mapping
from datetime import date, time
from decimal import Decimal
from functools import lru_cache
from typing import Any

from aiogram.enums import ParseMode
from aiogram.methods import (
    AnswerCallbackQuery,
    EditMessageCaption,
    EditMessageText,
    SendMessage,
    SendPhoto,
    TelegramMethod,
)
from aiogram.types import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    LinkPreviewOptions,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from aiogram.utils.i18n import I18n
from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_time
from babel.numbers import NumberPattern, format_decimal

from bot.runtime.callbacks import Encode
from conversations.replies import Button, Count, Localized, Money, Reply, Text

logger = logging.getLogger(__name__)

CAPTION_MAX = 1024
# Telegram's limit for one message's text.
TEXT_MAX = 4096
ALERT_MAX = 200
# Links in the bot's messages are never previewed; Telegram's objects are immutable, so one
# serves every message.
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


class Renderer:
    def __init__(self, i18n: I18n, country: str = "BE") -> None:
        self.i18n = i18n
        self.country = country

    def text(self, text: Text, lang: str) -> str:
        count = next((v.n for v in text.params.values() if isinstance(v, Count)), None)
        if count is None:
            template = self.i18n.gettext(text.key, locale=lang)
        else:
            # The catalogue's plural forms of the message, chosen by the language's own rule.
            template = self.i18n.gettext(text.key, text.key, count, locale=lang)
        if template == text.key:
            logger.warning("message %r has no translation in %r", text.key, lang)
        values = {name: self.value(value, lang) for name, value in text.params.items()}
        return template.format_map(values)

    def value(self, value: object, lang: str) -> str:
        """One parameter, as it is written in `lang`; anything a person typed is escaped, so
        HTML or Markdown in it is shown as typed, never interpreted."""
        match value:
            case Text():
                return self.text(value, lang)
            case Localized(texts=texts):
                return html.escape(_pick(texts, lang))
            case Money(cents=cents, currency=currency):
                return self.money(cents, currency, lang)
            case Count(n=n):
                return _whole_number(n, lang, self.country)
            case bool():
                return str(value)
            case int():
                return _whole_number(value, lang, self.country)
            case Decimal():
                return format_decimal(value, locale=self._locale(lang))
            case date():
                return format_date(value, format="long", locale=self._locale(lang))
            case time():
                return format_time(value, format="short", locale=self._locale(lang))
            case tuple():
                # A list written on one line: "fr 12 · nl 3".
                return " · ".join(self.value(item, lang) for item in value)
            case _:
                return html.escape(str(value))

    def percent(self, rate: float, lang: str) -> str:
        """ "1,25 %" in fr_BE, "1,25%" in nl_BE: two decimals, a turnout being small."""
        locale = self._locale(lang)
        pattern = copy.copy(locale.percent_formats[None])
        pattern.frac_prec = (2, 2)
        return str(pattern.apply(rate, locale))

    def short_date(self, day: date, lang: str) -> str:
        """ "20 avr." in fr, "20 Apr" in en: a chart's axis."""
        return format_date(day, format="d MMM", locale=self._locale(lang))

    def money(self, cents: int, currency: str, lang: str) -> str:
        """ "200 000 €" in fr_BE, "€ 200.000" in nl_BE; cents only when there are some."""
        return _money(cents, currency, lang, self.country)

    def label(self, button: Button, lang: str) -> str:
        match button.label:
            case Localized(texts=texts):
                return _pick(texts, lang)
            case Text():
                return html.unescape(self.text(button.label, lang))
            case str():
                return self.i18n.gettext(button.label, locale=lang)
        raise TypeError(button.label)

    def keyboard(self, reply: Reply, lang: str, encode: Encode) -> InlineKeyboardMarkup | None:
        if not reply.buttons:
            return None
        rows = [
            [
                InlineKeyboardButton(text=self.label(button, lang), url=button.url)
                if button.url
                else InlineKeyboardButton(
                    text=self.label(button, lang), callback_data=encode(button)
                )
                for button in row
            ]
            for row in reply.buttons
        ]
        return InlineKeyboardMarkup(inline_keyboard=rows)

    def body(self, reply: Reply, lang: str) -> str:
        separator = "\n" if reply.compact else "\n\n"
        return separator.join(self.text(part, lang) for part in reply.texts)

    def methods(
        self,
        reply: Reply,
        chat_id: int,
        lang: str,
        encode: Encode,
        callback_query_id: str | None = None,
        editable: int | None = None,
        editable_photo: int | None = None,
    ) -> list[TelegramMethod[Any]]:
        """The Bot API calls that show `reply` in a chat (or as a pop-up under a button);
        `editable` is the text message a pressed button was under, which a screen replaces;
        `editable_photo` the photo message, whose caption a screen with the same photo
        replaces."""
        text = self.body(reply, lang)
        if reply.notice and callback_query_id is not None:
            alert = html.unescape(text)
            if len(alert) > ALERT_MAX:
                alert = alert[: ALERT_MAX - 1] + "…"
            return [
                AnswerCallbackQuery(
                    callback_query_id=callback_query_id, text=alert, show_alert=True
                )
            ]
        markup: InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | None
        markup = self.keyboard(reply, lang, encode)
        if reply.edit and editable is not None and reply.photo is None and len(text) <= TEXT_MAX:
            return [
                EditMessageText(
                    chat_id=chat_id,
                    message_id=editable,
                    text=text,
                    parse_mode=ParseMode.HTML,
                    reply_markup=markup,
                    link_preview_options=NO_PREVIEW,
                )
            ]
        if (
            reply.edit
            and reply.keep_photo
            and editable_photo is not None
            and len(text) <= CAPTION_MAX
        ):
            return [
                EditMessageCaption(
                    chat_id=chat_id,
                    message_id=editable_photo,
                    caption=text,
                    parse_mode=ParseMode.HTML,
                    reply_markup=markup if isinstance(markup, InlineKeyboardMarkup) else None,
                )
            ]
        if reply.ask_contact:
            button = KeyboardButton(
                text=self.label(Button("vote.button.share_phone", ""), lang), request_contact=True
            )
            markup = ReplyKeyboardMarkup(
                keyboard=[[button]], resize_keyboard=True, one_time_keyboard=True
            )
        elif reply.drop_keyboard:
            markup = ReplyKeyboardRemove()
        parts = split_text(text, TEXT_MAX)
        messages: list[TelegramMethod[Any]] = [
            SendMessage(
                chat_id=chat_id,
                text=part,
                parse_mode=ParseMode.HTML,
                # The buttons go under the last part, where the reader ends.
                reply_markup=markup if index == len(parts) - 1 else None,
                link_preview_options=NO_PREVIEW,
            )
            for index, part in enumerate(parts)
        ]
        if reply.photo is None:
            return messages
        if len(text) <= CAPTION_MAX:
            return [
                SendPhoto(
                    chat_id=chat_id,
                    photo=reply.photo,
                    caption=text or None,
                    parse_mode=ParseMode.HTML if text else None,
                    reply_markup=markup if isinstance(markup, InlineKeyboardMarkup) else None,
                )
            ]
        # A caption holds 1 024 characters: a longer card goes under the photo, buttons and all.
        return [SendPhoto(chat_id=chat_id, photo=reply.photo), *messages]

    def _locale(self, lang: str) -> Locale:
        return _locale(lang, self.country)


def split_text(text: str, limit: int) -> list[str]:
    """A text too long for one message, in parts of at most `limit` characters: cut at a
    paragraph, else a line, else a space, and never inside an HTML tag or entity (a long list
    for staff would otherwise be refused whole by Telegram)."""
    parts = []
    while len(text) > limit:
        window = text[:limit]
        cut = max(window.rfind("\n\n"), window.rfind("\n"))
        if cut <= 0:
            cut = window.rfind(" ")
        if cut <= 0:
            cut = limit
        # Step back out of a tag ("<b>") or an entity ("&amp;") the cut would break.
        opening = max(window.rfind("<", 0, cut), window.rfind("&", 0, cut))
        closing = max(window.rfind(">", 0, cut), window.rfind(";", 0, cut))
        if opening > closing and opening > 0:
            cut = opening
        parts.append(text[:cut].rstrip())
        text = text[cut:].lstrip("\n ")
    parts.append(text)
    return [part for part in parts if part]


def _pick(texts: Mapping[str, str], lang: str) -> str:
    if lang in texts:
        return texts[lang]
    return next(iter(texts.values()), "")


# Languages whose readers misread the country's formats: an English reader takes "4.096" for
# four and a bit, so English texts get English formats of the euro area (Ireland's).
_OWN_FORMATS = {"en": "en_IE"}


@lru_cache(maxsize=32)
def _locale(lang: str, country: str) -> Locale:
    """fr_BE for a French speaker in Belgium: Belgian formats in the citizen's language."""
    if lang in _OWN_FORMATS:
        return Locale.parse(_OWN_FORMATS[lang])
    try:
        return Locale.parse(f"{lang}_{country}")
    except UnknownLocaleError:
        return Locale.parse(lang)


# Babel works a number's text out afresh each time: the amounts and counts shown over and
# over (a form's steps, an envelope, what is left of it) are written once per language, for
# about 3 % less CPU per update (bench/flow.py, with and without, alternated in one process).
@lru_cache(maxsize=4096)
def _whole_number(n: int, lang: str, country: str) -> str:
    return str(format_decimal(n, locale=_locale(lang, country)))


@lru_cache(maxsize=4096)
def _money(cents: int, currency: str, lang: str, country: str) -> str:
    locale = _locale(lang, country)
    pattern = locale.currency_formats["standard"]
    if cents % 100 == 0:
        pattern = _whole_units(pattern)
    return str(
        pattern.apply(Decimal(cents) / 100, locale, currency=currency, currency_digits=False)
    )


@lru_cache(maxsize=32)
def _whole_units(pattern: NumberPattern) -> NumberPattern:
    whole = copy.copy(pattern)
    whole.frac_prec = (0, 0)
    return whole
