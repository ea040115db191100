"""/privacy: a citizen sees what is kept about them, gets a copy of it, or has it erased."""

import json
from datetime import datetime

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.methods import SendDocument
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from babel import Locale

from bot.runtime.callbacks import MenuButton
from bot.runtime.fsm_storage import DatabaseStorage
from bot.runtime.turn import Turn
from budget.ideas import PUBLIC_STATUSES
from conversations import privacy
from conversations.menu import MenuAction
from conversations.privacy import Kept


def router() -> Router:
    router = Router(name="privacy")
    router.message.register(show_privacy, Command("privacy"))
    router.callback_query.register(show_privacy, MenuButton.filter(F.action == MenuAction.PRIVACY))
    router.callback_query.register(
        send_personal_data, MenuButton.filter(F.action == MenuAction.PRIVACY_EXPORT)
    )
    router.callback_query.register(
        ask_erasure, MenuButton.filter(F.action == MenuAction.PRIVACY_ERASE)
    )
    router.callback_query.register(
        erase_personal_data, MenuButton.filter(F.action == MenuAction.PRIVACY_ERASE_CONFIRM)
    )
    return router


async def kept_about(turn: Turn) -> Kept | None:
    data = await turn.uow.personal_data.of(turn.user.id)
    if data is None or "citizen" not in data:
        return None
    citizen = data["citizen"]
    ideas = data["ideas"]
    voters = data["voter"]
    consented = datetime.fromisoformat(citizen["consented_at"]).astimezone(turn.edition.zone)
    return Kept(
        language=citizen["language"],
        since=consented.date(),
        source=citizen["came_from"],
        ideas=len(ideas),
        published_ideas=sum(1 for idea in ideas if idea["status"] in PUBLIC_STATUSES),
        suggestions=len(data["suggestions"]),
        supports=len(data["supported_ideas"]),
        registered=bool(voters),
        ballot_cast=any(voter["ballot"] for voter in voters),
        phone_fingerprint=any(voter["phone_number"] for voter in voters),
        identity_fingerprint=any(voter["identity_reference"] for voter in voters),
        volunteered=bool(data["committee_volunteer"]),
        reminders_on=citizen["reminders_stopped_at"] is None,
        conversations=len(data["conversations_in_progress"]),
    )


async def show_privacy(event: Message | CallbackQuery, turn: Turn) -> None:
    kept = await kept_about(turn)
    if kept is None:
        turn.show(privacy.nothing_kept())
        return
    name = str(Locale.parse(kept.language).get_display_name(turn.lang)).capitalize()
    turn.show(privacy.privacy_screen(kept, name, turn.edition.contact.email))


async def send_personal_data(query: CallbackQuery, turn: Turn) -> None:
    data = await turn.uow.personal_data.of(turn.user.id)
    if data is None:
        turn.show(privacy.nothing_kept())
        return
    content = json.dumps(data, ensure_ascii=False, indent=2).encode()
    caption = turn.renderer.body(privacy.export_caption(), turn.lang)
    turn.send(
        SendDocument(
            chat_id=turn.chat_id,
            document=BufferedInputFile(content, filename="my-data.json"),
            caption=caption,
        )
    )


async def ask_erasure(query: CallbackQuery, turn: Turn) -> None:
    kept = await kept_about(turn)
    if kept is None:
        turn.show(privacy.nothing_kept())
        return
    turn.show(privacy.confirm_erasure(kept.ballot_cast, kept.published_ideas))


async def erase_personal_data(query: CallbackQuery, turn: Turn, state: FSMContext) -> None:
    erased = await turn.uow.personal_data.forget(turn.user.id, turn.now)
    if erased is None:
        turn.show(privacy.nothing_kept())
        return
    storage = state.storage
    if isinstance(storage, DatabaseStorage):
        turn.uow.after_commit(lambda: storage.forget_chat(turn.chat_id))
    turn.forget_citizen()
    turn.show(privacy.erased())
