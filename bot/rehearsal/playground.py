"""Rehearse the bot in a terminal: the real dispatcher and handlers, no Telegram, no token.

Type to answer, a button's number to press it, and a few `:` commands for what a phone would
send otherwise. Input can be piped in, one action a line, so a rehearsal can be replayed."""

import asyncio
import html
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TextIO

from aiogram.methods import AnswerCallbackQuery, TelegramMethod

from bot.rehearsal.simulator import Citizen, Shown, Simulator

HELP = """Type /start to begin. Type a message and press Enter to send it; type a button's number
to press it.
  :photo [id]           send a photo          :doc [name.pdf]    send a document
  :location LAT LON     share a location      :sticker / :voice / :gif
  :say TEXT             send TEXT as it is (e.g. a number that is also a button's)
  :help                 this help             :quit              leave"""

_TAGS = re.compile(r"</?(b|i|u|s|code|pre|a)( [^>]*)?>")


@dataclass
class Terminal:
    out: TextIO
    styled: bool
    buttons: list[tuple[str, Shown]] = field(default_factory=list)

    def plain(self, text: str) -> str:
        if self.styled:
            text = text.replace("<b>", "\033[1m").replace("</b>", "\033[0m")
            text = text.replace("<i>", "\033[3m").replace("</i>", "\033[0m")
        return html.unescape(_TAGS.sub("", text))

    def show(self, method: TelegramMethod[Any], shown: Shown | None, own_chat: int) -> None:
        if isinstance(method, AnswerCallbackQuery):
            if method.text:
                self.out.write(f"  (pop-up) {self.plain(method.text)}\n")
            return
        if shown is None or shown.chat_id != own_chat:
            return
        self.out.write("\n")
        if shown.photo:
            self.out.write(f"  [photo {shown.photo}]\n")
        for line in self.plain(shown.text).splitlines():
            self.out.write(f"  {line}\n" if line else "\n")
        if shown.buttons:
            self.buttons = []
            for row in shown.buttons:
                cells = []
                for button in row:
                    self.buttons.append((button.text, shown))
                    if button.url:
                        cells.append(f"[{button.text} → {button.url}]")
                    else:
                        cells.append(f"[{len(self.buttons)}] {button.text}")
                self.out.write("    " + "   ".join(cells) + "\n")
        self.out.flush()


async def run_playground(
    simulator: Simulator,
    citizen: Citizen,
    lines: Callable[[], "asyncio.Future[str] | Any"],
    out: TextIO,
    echo: bool,
) -> None:
    terminal = Terminal(out, styled=out.isatty())
    simulator.session.listeners.append(
        lambda method, shown: terminal.show(method, shown, citizen.user.id)
    )
    out.write(HELP + "\n")
    while True:
        if not echo:
            out.write("\nyou> ")
            out.flush()
        line = await lines()
        if not line:
            break
        line = line.rstrip("\n")
        if echo:
            out.write(f"\nyou> {line}\n")
        if not line.strip():
            continue
        if not await act(line.strip(), citizen, terminal):
            break


async def act(line: str, citizen: Citizen, terminal: Terminal) -> bool:
    """Carry out one line of input; False to stop."""
    if line.isdigit() and 1 <= int(line) <= len(terminal.buttons):
        label, shown = terminal.buttons[int(line) - 1]
        buttons = [b for row in shown.buttons for b in row if b.text == label]
        if buttons and buttons[0].url:
            terminal.out.write(f"  (opens {buttons[0].url})\n")
            return True
        await citizen.click(label, shown)
        return True
    if not line.startswith(":"):
        await citizen.send(line)
        return True
    command, _, rest = line[1:].partition(" ")
    rest = rest.strip()
    match command:
        case "quit" | "q" | "exit":
            return False
        case "help":
            terminal.out.write(HELP + "\n")
        case "say":
            await citizen.send(rest)
        case "photo":
            await citizen.send_photo(rest or "photo-from-playground")
        case "doc" | "document":
            await citizen.send_document(rest or "document.pdf")
        case "location":
            try:
                latitude, longitude = (float(part) for part in rest.replace(",", " ").split())
            except ValueError:
                terminal.out.write("  usage: :location 50.4674 4.8720\n")
            else:
                await citizen.send_location(latitude, longitude)
        case "sticker":
            await citizen.send_sticker()
        case "voice":
            await citizen.send_voice()
        case "gif":
            await citizen.send_gif()
        case _:
            terminal.out.write(f"  unknown command :{command} (:help lists them)\n")
    return True


def stdin_lines() -> Callable[[], "asyncio.Future[str]"]:
    def read() -> "asyncio.Future[str]":
        return asyncio.ensure_future(asyncio.to_thread(sys.stdin.readline))

    return read


def fixed_clock(moment: datetime) -> Callable[[], datetime]:
    return lambda: moment
