"""Staff print the link of each channel (a poster, a flyer, an ad, the mayor's letter) and draw
its QR code, so that the citizens it brings are counted under its source."""

import asyncio
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from tests.support.command_line import pbbot
from tests.support.fake_bot_api import FakeBotApi

SVG = "{http://www.w3.org/2000/svg}"


async def test_the_link_names_the_bot_telegram_says_it_is(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    api = FakeBotApi()
    runner, url = await api.start()
    monkeypatch.setenv("BOT_TOKEN", "123456:TEST-token")
    monkeypatch.setenv("BOT_API_URL", url)
    try:
        code, output = await asyncio.to_thread(pbbot, "link", "poster_dinant")
    finally:
        await runner.cleanup()
    assert (code, output) == (0, "https://t.me/test_pbbot?start=poster_dinant\n")
    assert [method for method, _ in api.calls] == ["getMe"]


def test_without_a_token_the_username_given_makes_the_link(workdir: Path) -> None:
    code, output = pbbot("link", "letter-mayor_2027", "--bot-username", "@namur_pb_bot")
    assert (code, output) == (0, "https://t.me/namur_pb_bot?start=letter-mayor_2027\n")


def test_the_png_qr_code_reads_back_as_the_link(workdir: Path) -> None:
    code, output = pbbot("link", "flyer", "--bot-username", "namur_pb_bot", "--qr", "flyer.png")
    assert (code, output.splitlines()) == (
        0,
        ["https://t.me/namur_pb_bot?start=flyer", "QR code written to flyer.png."],
    )
    png = workdir / "flyer.png"
    assert png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    with Image.open(png) as image:
        width, height = image.size
        (code_read,) = zxingcpp.read_barcodes(image)
    assert width == height >= 300, "large enough to print"
    assert code_read.format == zxingcpp.BarcodeFormat.QRCode
    assert code_read.text == "https://t.me/namur_pb_bot?start=flyer"


def test_the_svg_qr_code_is_the_same_symbol_with_its_quiet_zone(workdir: Path) -> None:
    for name in ("ad.png", "ad.svg"):
        assert pbbot("link", "facebook_ad", "--bot-username", "namur_pb_bot", "--qr", name)[0] == 0
    with Image.open(workdir / "ad.png") as image:
        (code_read,) = zxingcpp.read_barcodes(image)
    extra = code_read.extra
    assert isinstance(extra, dict)
    modules = 17 + 4 * int(extra["Version"])
    root = ElementTree.parse(workdir / "ad.svg").getroot()
    assert root.tag == f"{SVG}svg"
    # The symbol and a quiet zone of 4 modules on each side, as QR codes need.
    side = modules + 2 * 4
    assert root.get("viewBox") == f"0 0 {side} {side}"
    assert root.findtext(f"{SVG}title") == "https://t.me/namur_pb_bot?start=facebook_ad"
    assert root.find(f"{SVG}path") is not None


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (
            "poster dinant",
            "pbbot: source 'poster dinant' would be kept as 'posterdinant' by the bot "
            "(letters, digits, _ and -, at most 32 characters)",
        ),
        (
            "affiche_été",
            "pbbot: source 'affiche_été' would be kept as 'affiche_t' by the bot "
            "(letters, digits, _ and -, at most 32 characters)",
        ),
        (
            "poster_" + "x" * 30,
            f"pbbot: source {'poster_' + 'x' * 30!r} would be kept as "
            f"{'poster_' + 'x' * 25!r} by the bot (letters, digits, _ and -, at most 32 "
            "characters)",
        ),
        ("idea_12", "pbbot: sources beginning with 'idea_' or 'i_' are kept for links to ideas"),
    ],
)
def test_a_source_the_bot_would_not_keep_as_it_is_is_refused_in_one_line(
    workdir: Path, source: str, message: str
) -> None:
    code, output = pbbot("link", source, "--bot-username", "namur_pb_bot", "--qr", "qr.png")
    assert (code, output.strip()) == (2, message)
    assert not (workdir / "qr.png").exists()


def test_without_a_token_or_a_username_link_says_what_it_needs(workdir: Path) -> None:
    code, output = pbbot("link", "poster")
    assert (code, output.strip()) == (
        2,
        "pbbot: no bot username: set BOT_TOKEN (Telegram then says it) or give --bot-username NAME",
    )


async def test_a_token_telegram_refuses_is_a_one_line_error(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    api = FakeBotApi(refuse_token=True)
    runner, url = await api.start()
    monkeypatch.setenv("BOT_TOKEN", "123456:TEST-token")
    monkeypatch.setenv("BOT_API_URL", url)
    try:
        code, output = await asyncio.to_thread(pbbot, "link", "poster")
    finally:
        await runner.cleanup()
    assert (code, output.strip()) == (
        2,
        "pbbot: Telegram refused BOT_TOKEN (Unauthorized): check it with @BotFather",
    )


def test_a_qr_file_neither_png_nor_svg_is_refused(workdir: Path) -> None:
    code, output = pbbot("link", "poster", "--bot-username", "namur_pb_bot", "--qr", "qr.jpg")
    assert (code, output.strip()) == (2, "pbbot: --qr qr.jpg: the file must end in .png or .svg")
    assert not (workdir / "qr.jpg").exists()
