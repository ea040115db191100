"""What citizens read: amounts and dates in their locale, their own text never interpreted."""

from datetime import date

import pytest
from aiogram.methods import AnswerCallbackQuery, SendMessage, SendPhoto

from bot.runtime.i18n import create_i18n
from bot.runtime.render import Renderer
from conversations.replies import Button, Localized, Reply, Text

RENDERER = Renderer(create_i18n(), country="BE")


def no_buttons(button: Button) -> str:
    return button.action


@pytest.mark.parametrize(
    ("lang", "whole", "with_cents"),
    [
        ("fr", "200\u202f000\xa0€", "12\u202f500,50\xa0€"),
        ("nl", "€\xa0200.000", "€\xa012.500,50"),
        ("de", "200.000\xa0€", "12.500,50\xa0€"),
        # English readers take "4.096" for four and a bit: English formats of the euro area.
        ("en", "€200,000", "€12,500.50"),
    ],
)
def test_amounts_are_written_the_belgian_way_in_each_language(
    lang: str, whole: str, with_cents: str
) -> None:
    assert RENDERER.money(200_000_00, "EUR", lang) == whole
    assert RENDERER.money(12_500_50, "EUR", lang) == with_cents


@pytest.mark.parametrize(
    ("lang", "written"), [("fr", "4\u202f096"), ("nl", "4.096"), ("de", "4.096"), ("en", "4,096")]
)
def test_numbers_are_written_as_readers_of_each_language_read_them(lang: str, written: str) -> None:
    assert RENDERER.value(4096, lang) == written


def test_dates_are_written_in_the_citizens_language() -> None:
    day = date(2027, 1, 31)
    assert RENDERER.value(day, "fr") == "31 janvier 2027"
    assert RENDERER.value(day, "nl") == "31 januari 2027"
    assert RENDERER.value(day, "de") == "31. Januar 2027"


def test_user_text_is_escaped_but_the_catalogue_markup_is_kept() -> None:
    text = RENDERER.text(Text("form.preview.title", value="<b>Hi</b> & *you*"), "en")
    assert text == "<b>&lt;b&gt;Hi&lt;/b&gt; &amp; *you*</b>"


def test_an_editions_text_is_shown_in_the_citizens_language_or_its_first_one() -> None:
    label = Localized({"fr": "Mobilité", "nl": "Mobiliteit"})
    assert RENDERER.value(label, "nl") == "Mobiliteit"
    assert RENDERER.value(label, "de") == "Mobilité"


def test_a_notice_under_a_pressed_button_is_a_pop_up() -> None:
    reply = Reply("form.error.old_button", notice=True)
    [method] = RENDERER.methods(reply, 1, "en", no_buttons, callback_query_id="q1")
    assert isinstance(method, AnswerCallbackQuery)
    assert method.show_alert
    assert (
        method.text == "This button belongs to an earlier question. Please use the latest message."
    )


def test_a_long_card_with_an_image_goes_as_photo_then_text() -> None:
    short = Reply(Text("form.preview.title", value="An orchard"), photo="img")
    [photo] = RENDERER.methods(short, 1, "en", no_buttons)
    assert isinstance(photo, SendPhoto) and photo.caption == "<b>An orchard</b>"
    long = Reply(Text("form.preview.description", value="x" * 1100), photo="img")
    photo, text = RENDERER.methods(long, 1, "en", no_buttons)
    assert isinstance(photo, SendPhoto) and photo.caption is None
    assert isinstance(text, SendMessage) and "x" * 1100 in text.text


def test_a_list_too_long_for_one_message_comes_in_several_with_the_buttons_last() -> None:
    lines = [Text("my_ideas.none") for _ in range(200)]
    reply = Reply(*lines, buttons=[[Button("menu.open", "menu")]])
    messages = [
        m for m in RENDERER.methods(reply, 1, "en", no_buttons) if isinstance(m, SendMessage)
    ]
    assert len(messages) > 1
    assert all(len(m.text) <= 4096 for m in messages)
    assert [m.reply_markup is not None for m in messages] == [False] * (len(messages) - 1) + [True]
    joined = "\n\n".join(m.text for m in messages)
    assert joined.count("You have not deposited any idea yet.") == 200


def test_a_cut_never_falls_inside_a_tag_or_an_entity() -> None:
    from bot.runtime.render import split_text

    text = "a" * 4090 + " &amp; <b>bold</b>"
    first, second = split_text(text, 4096)
    assert first == "a" * 4090
    assert second == "&amp; <b>bold</b>"
    assert split_text("x" * 4093 + "&amp;", 4096) == ["x" * 4093, "&amp;"]
