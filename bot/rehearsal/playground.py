"""Rehearse the bot in a terminal: the real dispatcher and handlers, no Telegram, no token.

Type to answer, a button's number to press it, and a few `:` commands for what a phone would
send otherwise, or for time to pass. Input can be piped in, one action a line, so a rehearsal
can be replayed."""

import asyncio
import html
import json
import re
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any, TextIO

from aiogram.methods import AnswerCallbackQuery, TelegramMethod
from aiogram.types import InlineKeyboardButton
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.jobs.campaigns import Broadcaster
from bot.jobs.publication import publish_closed_vote
from bot.rehearsal.simulator import Citizen, Shown, Simulator
from bot.runtime.render import Renderer
from storage.sealing import Sealer

HELP = """Type /start to begin. Type a message and press Enter to send it; type a button's number
to press it.
  :press N              press button N (the same as typing N)
  :say TEXT             send TEXT as it is (e.g. a number that is also a button's)
  :photo [id]           send a photo          :doc [name.pdf]    send a document
  :location LAT LON     share a location      :sticker / :voice / :gif
  :contact +32470123456 share your phone number (Telegram's "share my number" button)
  :at 2027-04-19 18:00  move the clock there and run what the bot does on its own
                        (campaigns, follow-up reminders, publishing a closed vote)
  :help                 this help             :quit              leave
Messages the bot sends to other chats (staff notices...) are shown marked with their chat."""

_TAGS = re.compile(r"</?(b|i|u|s|code|pre|a|blockquote)( [^>]*)?>")


@dataclass
class Backstage:
    """What a rehearsal needs beyond the chat: the clock it may move, the jobs the bot runs on
    its own, the edition's time zone, and where the last buttons are kept between runs."""

    move_clock: Callable[[datetime], None] | None = None
    run_jobs: Callable[[], Awaitable[None]] | None = None
    zone: tzinfo = UTC
    buttons_file: Path | None = None


@dataclass
class Terminal:
    out: TextIO
    styled: bool
    buttons: list[tuple[InlineKeyboardButton, Shown]] = field(default_factory=list)

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
        if shown is None:
            return
        own = shown.chat_id == own_chat
        self.out.write("\n")
        if not own:
            self.out.write(f"  ── to chat {shown.chat_id} ──\n")
        if shown.photo:
            self.out.write(f"  [photo {shown.photo}]\n")
        # As Telegram shows it: tags read in HTML, characters as they are otherwise.
        text = self.plain(shown.text) if shown.parse_mode == "HTML" else shown.text
        for line in text.splitlines():
            self.out.write(f"  {line}\n" if line else "\n")
        if own:
            self.number_buttons(shown)
        elif shown.buttons:
            # Someone else's buttons: seen, not pressed from here.
            self.out.write("    " + "   ".join(f"[{label}]" for label in shown.labels) + "\n")
        self.out.flush()

    def number_buttons(self, shown: Shown) -> None:
        if not shown.buttons:
            return
        self.buttons = []
        for row in shown.buttons:
            cells = []
            for button in row:
                self.buttons.append((button, shown))
                if button.url:
                    cells.append(f"[{button.text} → {button.url}]")
                else:
                    cells.append(f"[{len(self.buttons)}] {button.text}")
            self.out.write("    " + "   ".join(cells) + "\n")

    def save_buttons(self, path: Path) -> None:
        """The last buttons, so that the next run can press them."""
        if not self.buttons:
            return
        shown = self.buttons[-1][1]
        saved = {
            "message_id": shown.message_id,
            "chat_id": shown.chat_id,
            "text": shown.text,
            "photo": shown.photo,
            "rows": [
                [button.model_dump(exclude_none=True) for button in row] for row in shown.buttons
            ],
        }
        path.write_text(json.dumps(saved, ensure_ascii=False), encoding="utf-8")


def restore_buttons(path: Path, simulator: Simulator, citizen: Citizen) -> Shown | None:
    """The message whose buttons the last run ended on, known again to the offline Telegram
    (so that a screen shown in its place is shown here)."""
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
        shown = Shown(
            message_id=int(saved["message_id"]),
            chat_id=int(saved["chat_id"]),
            text=str(saved["text"]),
            buttons=[[InlineKeyboardButton(**button) for button in row] for row in saved["rows"]],
            photo=saved.get("photo"),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if shown.chat_id != citizen.user.id:
        return None
    simulator.session.adopt(shown)
    citizen.shown.append(shown)
    citizen.latest = shown
    return shown


async def run_playground(
    simulator: Simulator,
    citizen: Citizen,
    lines: Callable[[], "asyncio.Future[str] | Any"],
    out: TextIO,
    echo: bool,
    backstage: Backstage | None = None,
) -> None:
    backstage = backstage or Backstage()
    terminal = Terminal(out, styled=out.isatty())
    simulator.session.listeners.append(
        lambda method, shown: terminal.show(method, shown, citizen.user.id)
    )
    out.write(HELP + "\n")
    if backstage.buttons_file is not None:
        restored = restore_buttons(backstage.buttons_file, simulator, citizen)
        if restored is not None:
            out.write("\n  (the buttons you ended on last time)\n")
            terminal.number_buttons(restored)
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
        going_on = await act(line.strip(), citizen, terminal, backstage)
        if backstage.buttons_file is not None:
            terminal.save_buttons(backstage.buttons_file)
        if not going_on:
            break


async def act(
    line: str, citizen: Citizen, terminal: Terminal, backstage: Backstage | None = None
) -> bool:
    """Carry out one line of input; False to stop."""
    backstage = backstage or Backstage()
    if line.isdigit() and 1 <= int(line) <= len(terminal.buttons):
        await press(int(line), citizen, terminal)
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
        case "press":
            if rest.isdigit() and 1 <= int(rest) <= len(terminal.buttons):
                await press(int(rest), citizen, terminal)
            else:
                terminal.out.write(
                    f"  no button {rest or '?'}: :press 1 to {len(terminal.buttons)}\n"
                )
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
        case "contact":
            if not re.fullmatch(r"\+?[0-9 ]{6,20}", rest):
                terminal.out.write("  usage: :contact +32470123456\n")
            else:
                await citizen.share_contact(rest.replace(" ", ""))
        case "at":
            await move_time(rest, terminal, backstage)
        case "sticker":
            await citizen.send_sticker()
        case "voice":
            await citizen.send_voice()
        case "gif":
            await citizen.send_gif()
        case _:
            terminal.out.write(f"  unknown command :{command} (:help lists them)\n")
    return True


async def press(number: int, citizen: Citizen, terminal: Terminal) -> None:
    """Press the button at that place: two buttons may share a label ("➕ Add" beside each
    project), and the one numbered is the one pressed."""
    button, shown = terminal.buttons[number - 1]
    if button.url:
        terminal.out.write(f"  (opens {button.url})\n")
        return
    if button.callback_data is not None:
        await citizen.press(button.callback_data, shown)


async def move_time(when: str, terminal: Terminal, backstage: Backstage) -> None:
    if backstage.move_clock is None:
        terminal.out.write("  the clock cannot be moved in this rehearsal\n")
        return
    try:
        moment = datetime.fromisoformat(when)
    except ValueError:
        terminal.out.write("  usage: :at 2027-04-19 18:00\n")
        return
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=backstage.zone)
    backstage.move_clock(moment)
    terminal.out.write(f"  (it is now {moment:%Y-%m-%d %H:%M})\n")
    if backstage.run_jobs is not None:
        await backstage.run_jobs()


def stdin_lines() -> Callable[[], "asyncio.Future[str]"]:
    def read() -> "asyncio.Future[str]":
        return asyncio.ensure_future(asyncio.to_thread(sys.stdin.readline))

    return read


@dataclass
class MovableClock:
    """The rehearsal's time: the real one until a moment is set (--on, :at)."""

    now: datetime | None = None

    def __call__(self) -> datetime:
        return (self.now or datetime.now(UTC)).astimezone(UTC)

    def move(self, moment: datetime) -> None:
        self.now = moment


def background_jobs(
    simulator: Simulator,
    sessionmaker: async_sessionmaker[AsyncSession],
    i18n: I18n,
    sealer: Sealer,
    edition_slug: str | None,
    clock: Callable[[], datetime],
) -> Callable[[], Awaitable[None]]:
    """One pass of what the running bot does on its own, at the clock's time: start the
    campaigns that are due and send them, remind authors of follow-up questions, publish the
    ballots of a closed vote."""
    # Fast enough that a rehearsal's campaign is sent at once.
    broadcaster = Broadcaster(
        simulator.bot, sessionmaker, Renderer(i18n), edition_slug, 1000.0, clock
    )

    async def run() -> None:
        await broadcaster.tick()
        await publish_closed_vote(sessionmaker, sealer, edition_slug, clock())

    return run
