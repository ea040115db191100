"""/progress: staff post a funded project's progress (stage, text, optional photo), see it as
its followers will, and confirm; it is kept on the project's card and queued for them."""

import secrets

from aiogram import Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.methods import SendMessage, SendPhoto
from aiogram.types import CallbackQuery, Message

from bot.handlers.common import event_from_message, show_menu
from bot.reports.progress import funded_titles, post_progress
from bot.runtime.callbacks import Encode, ProgressButton, encode_menu, encode_screen
from bot.runtime.filters import NotACommand
from bot.runtime.fsm_storage import PROGRESS_DESTINY, destiny_state
from bot.runtime.listening import listen, stop_listening
from bot.runtime.staff_access import is_allowed
from bot.runtime.turn import Turn
from budget.roles import Role
from budget.serialise import dump, load
from conversations import progress_form
from conversations.events import Press
from conversations.progress_form import (
    TYPED_STEPS,
    ProgressContext,
    ProgressDraft,
    ProgressOutcome,
)
from conversations.projects import progress_news
from conversations.replies import Reply


def router() -> Router:
    router = Router(name="progress")
    router.message.register(start_progress, Command("progress"))
    router.callback_query.register(press_progress_button, ProgressButton.filter())
    router.message.register(answer_progress, Progress.writing, NotACommand())
    return router


class Progress(StatesGroup):
    """A staff member writing a progress post, at the text or the photo."""

    writing = State()


async def is_staff(turn: Turn) -> bool:
    return await is_allowed(turn, Role.ANALYST)


def progress_fsm(state: FSMContext) -> FSMContext:
    return destiny_state(state, PROGRESS_DESTINY)


async def load_draft(state: FSMContext) -> ProgressDraft | None:
    data = await progress_fsm(state).get_data()
    return load(ProgressDraft, data) if data else None


async def context(turn: Turn) -> ProgressContext:
    return ProgressContext(turn.edition, turn.now, await funded_titles(turn.uow, turn.stored))


async def start_progress(message: Message, turn: Turn, state: FSMContext) -> None:
    if not await is_staff(turn):
        # The same answer as any unknown command: staff commands are not advertised.
        turn.show(Reply("error.unknown_command"))
        if turn.citizen is not None:
            await show_menu(turn, state)
        return
    await apply(progress_form.start(await context(turn), secrets.token_hex(3)), turn, state)


async def press_progress_button(
    query: CallbackQuery, callback_data: ProgressButton, turn: Turn, state: FSMContext
) -> None:
    draft = await load_draft(state)
    if not await is_staff(turn) or draft is None:
        turn.show(Reply("progress.error.old_button", notice=True))
        return
    press = Press(callback_data.action, callback_data.arg, callback_data.token, callback_data.seq)
    await apply(progress_form.step(draft, press, await context(turn)), turn, state)


async def answer_progress(message: Message, turn: Turn, state: FSMContext) -> None:
    draft = await load_draft(state)
    if not await is_staff(turn) or draft is None or draft.step not in TYPED_STEPS:
        await stop_listening(state)
        await show_menu(turn, state)
        return
    outcome = progress_form.step(draft, event_from_message(message), await context(turn))
    await apply(outcome, turn, state)


async def apply(outcome: ProgressOutcome, turn: Turn, state: FSMContext) -> None:
    draft, replies = outcome.state, list(outcome.replies)
    if outcome.preview and draft is not None:
        assert draft.project is not None and draft.stage is not None and draft.text
        titles = dict(await funded_titles(turn.uow, turn.stored))
        stage = turn.edition.stage(draft.stage)
        assert stage is not None
        news = progress_news(
            titles[draft.project], stage, draft.text, turn.now.astimezone(turn.edition.zone).date()
        )
        # Exactly what the followers will get, in the staff member's language.
        body = turn.renderer.body(news, turn.lang)
        if draft.photo:
            turn.send(SendPhoto(chat_id=turn.chat_id, photo=draft.photo, caption=body))
        else:
            turn.send(SendMessage(chat_id=turn.chat_id, text=body))
        followers = await turn.uow.accountability.followers(draft.project)
        replies.append(progress_form.preview_summary(len(followers)))
    if outcome.post is not None:
        posting = outcome.post
        assert posting.project is not None and posting.stage and posting.text
        posted = await post_progress(
            turn.uow,
            turn.stored,
            turn.renderer,
            posting.project,
            posting.stage,
            posting.text,
            posting.photo,
            turn.user.id,
            turn.now,
        )
        replies = [Reply("progress.posted", followers=posted.followers, edit=True)]
    fsm = progress_fsm(state)
    if draft is not None and draft.step in TYPED_STEPS:
        await listen(state, Progress.writing)
    else:
        await stop_listening(state, Progress.writing)
    if draft is None:
        await fsm.set_data({})
        turn.show(replies, encode_menu)
    else:
        await fsm.set_data(dump(draft))
        turn.show(replies, encode_draft(draft))


def encode_draft(draft: ProgressDraft) -> Encode:
    return encode_screen(ProgressButton, draft.token, draft.seq)
