"""Screens several handlers show: the main menu and the request for consent."""

from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import Message

from bot.handlers.questionnaires import load_answering, save_answering
from bot.runtime.callbacks import ConsentButton, MenuButton
from bot.runtime.fsm_storage import VOTE_DESTINY, destiny_state
from bot.runtime.turn import Turn
from budget.edition import Phase
from conversations.events import (
    DocumentIn,
    Event,
    LocationIn,
    OtherIn,
    PhotoIn,
    TextIn,
)
from conversations.idea_browser import Screen
from conversations.menu import VoteStatus, main_menu
from conversations.replies import Button
from conversations.vote import VoteState
from conversations.welcome import privacy_notice, welcome


class IdeaForm(StatesGroup):
    filling = State()
    # Left for another screen (a command); the draft waits behind "Continue my idea".
    paused = State()


DRAFT_STATES = {IdeaForm.filling.state, IdeaForm.paused.state}


async def pause_form(state: FSMContext) -> None:
    """Leave the form (and any question waiting for typed text) for another screen: what is
    typed next is no longer taken as an answer."""
    await leave_typing(state)


# The conversations that wait for typed text, each under its own destiny. Typed text goes to
# the one that asked last: opening one leaves the questions of the others.
STAFF_QUESTIONS = ("moderation", "analysis")


async def leave_typing(state: FSMContext, keep: str = "") -> None:
    """Leave every question waiting for typed text but `keep`'s: the idea form ("form"), a
    questionnaire ("followup"), a suggestion ("suggest"), a moderator's reason, an analyst's
    answer. Drafts and answers are kept; only the waiting stops."""
    if keep != "form" and await state.get_state() == IdeaForm.filling.state:
        await state.set_state(IdeaForm.paused)
    if keep != "followup":
        answering = await load_answering(state)
        if answering.active is not None:
            answering.active = None
            await save_answering(state, answering)
    if keep != "suggest":
        browser = browser_fsm(state)
        data = await browser.get_data()
        if data.get("screen") == Screen.SUGGEST.value:
            await browser.set_data({**data, "screen": Screen.CARD.value})
    for destiny in STAFF_QUESTIONS:
        if keep != destiny:
            question = destiny_state(state, destiny)
            if await question.get_data():
                await question.set_data({})


async def typing_elsewhere(state: FSMContext) -> bool:
    """Whether a conversation other than the campaign composer waits for typed text."""
    if await state.get_state() == IdeaForm.filling.state:
        return True
    if (await load_answering(state)).active is not None:
        return True
    if (await browser_fsm(state).get_data()).get("screen") == Screen.SUGGEST.value:
        return True
    return any([await destiny_state(state, name).get_data() for name in STAFF_QUESTIONS])


def browser_fsm(state: FSMContext) -> FSMContext:
    """The ideas browser keeps its state apart from the idea form's and the vote's."""
    return destiny_state(state, "ideas")


async def has_draft(state: FSMContext) -> bool:
    return await state.get_state() in DRAFT_STATES


def vote_fsm(state: FSMContext) -> FSMContext:
    """The vote keeps its state apart from the idea form's: neither can overwrite the other."""
    return destiny_state(state, VOTE_DESTINY)


async def load_vote(state: FSMContext) -> VoteState | None:
    data = await vote_fsm(state).get_data()
    return VoteState.from_dict(data) if data else None


async def vote_status(turn: Turn, state: FSMContext) -> VoteStatus:
    """For the menu: whether the voter has an envelope waiting to be cast."""
    if turn.citizen is None or not turn.edition.is_open(Phase.VOTE, turn.now):
        return VoteStatus.NONE
    voter = await turn.uow.voting.voter(turn.stored.id, turn.citizen.id)
    ballot = await turn.uow.voting.ballot(turn.stored.id, voter) if voter else None
    working = await load_vote(state)
    if working is not None and working.chosen is not None and (working.chosen or ballot):
        return VoteStatus.NOT_CAST
    return VoteStatus.CAST if ballot else VoteStatus.NONE


async def show_menu(turn: Turn, state: FSMContext) -> None:
    menu = main_menu(turn.edition, turn.now, await has_draft(state), await vote_status(turn, state))
    turn.show(menu)


def ask_consent(turn: Turn, source: str, lang: str | None = None) -> None:
    lang = lang or turn.lang

    def encode(button: Button) -> str:
        if button.action in {"agree", "decline"}:
            return ConsentButton(action=button.action, lang=lang, source=source).pack()
        return MenuButton(action=button.action, arg=source).pack()

    turn.show([welcome(turn.edition), privacy_notice(turn.edition)], encode, lang=lang)


def event_from_message(message: Message) -> Event:
    if message.text is not None:
        return TextIn(message.text)
    if message.photo:
        return PhotoIn(message.photo[-1].file_id)
    if message.document is not None and message.animation is None:
        document = message.document
        return DocumentIn(document.file_id, document.file_name or "", document.mime_type or "")
    if message.location is not None:
        return LocationIn(message.location.latitude, message.location.longitude)
    return OtherIn(str(message.content_type))
