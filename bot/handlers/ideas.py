"""/ideas: citizens browse published ideas, support them and suggest improvements."""

import secrets
from dataclasses import replace

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.methods import SendDocument, SendPhoto
from aiogram.types import CallbackQuery, Message

from bot.handlers.common import ask_consent, browser_fsm, event_from_message, show_menu
from bot.runtime.callbacks import Encode, IdeasButton, MenuButton, encode_screen
from bot.runtime.filters import NotACommand
from bot.runtime.listening import listen, stop_listening
from bot.runtime.turn import Turn
from budget.ideas import AuthorKind, IdeaStatus
from budget.serialise import dump, load
from conversations import idea_browser
from conversations.events import Event, Press
from conversations.idea_browser import (
    OPEN_TO_SUPPORT,
    PUBLIC,
    Attachment,
    BrowseContext,
    BrowseOutcome,
    BrowseState,
    IdeaCard,
    Listed,
    Screen,
)
from conversations.menu import MenuAction
from conversations.replies import Reply
from conversations.welcome import Destination
from storage.tables import IdeaRow


# Buttons of the browser that open another part of the bot.
def router() -> Router:
    router = Router(name="ideas")
    router.message.register(open_browser, Command("ideas"))
    router.callback_query.register(open_browser, MenuButton.filter(F.action == MenuAction.IDEAS))
    router.callback_query.register(press_browser_button, IdeasButton.filter())
    router.message.register(send_suggestion, Suggestion.writing, NotACommand())
    return router


class Suggestion(StatesGroup):
    """A citizen writing a suggestion to an idea's author."""

    writing = State()


async def load_browser(state: FSMContext) -> BrowseState | None:
    data = await browser_fsm(state).get_data()
    return load(BrowseState, data) if data else None


async def open_browser(event: Message | CallbackQuery, turn: Turn, state: FSMContext) -> None:
    if turn.citizen is None:
        ask_consent(turn, "", then=Destination.IDEAS)
        return
    await stop_listening(state)
    working = await load_browser(state)
    ctx = await browse_context(turn, None, None)
    outcome = idea_browser.open_browser(working, ctx, secrets.token_hex(3))
    await apply(outcome, turn, state)


async def open_idea(turn: Turn, state: FSMContext, idea_id: int) -> None:
    """The card of a public idea a link led to, with its buttons."""
    await stop_listening(state)
    working = await load_browser(state)
    ctx = replace(await browse_context(turn, None, None), card=await load_card(turn, idea_id))
    outcome = idea_browser.open_card(working, ctx, secrets.token_hex(3))
    await apply(outcome, turn, state)


async def press_browser_button(
    query: CallbackQuery, callback_data: IdeasButton, turn: Turn, state: FSMContext
) -> None:
    if turn.citizen is None:
        ask_consent(turn, "")
        return
    working = await load_browser(state)
    if working is None:
        turn.show(Reply("ideas.error.old_button", notice=True))
        return
    press = Press(callback_data.action, callback_data.arg, callback_data.token, callback_data.seq)
    ctx = await browse_context(turn, working, press)
    await apply(idea_browser.step(working, press, ctx), turn, state)


async def send_suggestion(message: Message, turn: Turn, state: FSMContext) -> None:
    working = await load_browser(state)
    if turn.citizen is None or working is None or working.screen is not Screen.SUGGEST:
        await stop_listening(state)
        await show_menu(turn, state)
        return
    event = event_from_message(message)
    ctx = await browse_context(turn, working, event)
    await apply(idea_browser.step(working, event, ctx), turn, state)


async def browse_context(
    turn: Turn, working: BrowseState | None, event: Event | None
) -> BrowseContext:
    """The public ideas in this citizen's order, the ones they support, and the card the step
    is about."""
    assert turn.citizen is not None
    edition_id, citizen_id = turn.stored.id, turn.citizen.id
    rows = await turn.uow.browsing.listed(edition_id, PUBLIC)
    listed = [
        Listed(row.id, row.title, row.theme, row.district, IdeaStatus(row.status), row.supports)
        for row in rows
    ]
    wanted = idea_browser.wanted_idea(working, event)
    return BrowseContext(
        edition=turn.edition,
        now=turn.now,
        ideas=tuple(idea_browser.browse_order(listed, seed=f"{edition_id}:{citizen_id}")),
        supported=frozenset(await turn.uow.browsing.supported(edition_id, citizen_id)),
        card=await load_card(turn, wanted) if wanted is not None else None,
    )


async def load_card(turn: Turn, idea_id: int) -> IdeaCard | None:
    assert turn.citizen is not None
    row = await turn.uow.browsing.visible(turn.stored.id, idea_id, PUBLIC)
    if row is None:
        return None
    return idea_card(row, await turn.uow.browsing.suggestions(row.id), turn.citizen.id)


def idea_card(row: IdeaRow, suggestions: list[str], citizen_id: int) -> IdeaCard:
    return IdeaCard(
        id=row.id,
        status=IdeaStatus(row.status),
        author_kind=AuthorKind(row.author_kind),
        organisation=row.organisation,
        title=row.title,
        description=row.description,
        objectives=row.objectives,
        beneficiaries=row.beneficiaries,
        theme=row.theme,
        district=row.district,
        implementation=row.implementation,
        address=row.address,
        latitude=row.latitude,
        longitude=row.longitude,
        budget_cents=row.budget_cents,
        image=row.image_file_id,
        attachments=tuple(Attachment(a.kind, a.file_id, a.file_name) for a in row.attachments),
        suggestions=tuple(suggestions),
        own=row.citizen_id == citizen_id,
    )


async def apply(outcome: BrowseOutcome, turn: Turn, state: FSMContext) -> None:
    """Carry out what the browser asks (support, withdraw, keep a suggestion), feed the result
    back, then show its screens and send the documents it asked for."""
    assert turn.citizen is not None
    effect = outcome.effect
    if effect is not None:
        working = outcome.state
        result = await carry_out(effect, turn)
        # Drawn again from the database: the count as it is now, other citizens' supports too.
        ctx = await browse_context(turn, working, None)
        outcome = idea_browser.step(working, result, ctx)
    working = outcome.state
    if working.screen is Screen.SUGGEST:
        # What is typed next is the suggestion, not an answer to the idea form.
        await listen(state, Suggestion.writing)
    else:
        await stop_listening(state, Suggestion.writing)
    await browser_fsm(state).set_data(dump(working))
    turn.show(outcome.replies, encode_browser(working))
    for attachment in outcome.files:
        turn.send(file_message(attachment, turn.chat_id))


async def carry_out(effect: idea_browser.Effect, turn: Turn) -> idea_browser.Result:
    assert turn.citizen is not None
    browsing, citizen_id = turn.uow.browsing, turn.citizen.id
    match effect:
        case idea_browser.Support(idea_id=idea_id):
            await browsing.support(turn.stored.id, idea_id, citizen_id, turn.now, OPEN_TO_SUPPORT)
        case idea_browser.WithdrawSupport(idea_id=idea_id):
            await browsing.withdraw(idea_id, citizen_id)
        case idea_browser.Suggest(idea_id=idea_id, text=text):
            await browsing.suggest(idea_id, citizen_id, text, turn.now)
            return idea_browser.SuggestionKept()
    return idea_browser.SupportCounted()


def encode_browser(working: BrowseState) -> Encode:
    return encode_screen(IdeasButton, working.token, working.seq)


def file_message(attachment: Attachment, chat_id: int) -> SendDocument | SendPhoto:
    if attachment.kind == "photo":
        return SendPhoto(chat_id=chat_id, photo=attachment.file_id)
    return SendDocument(chat_id=chat_id, document=attachment.file_id)
