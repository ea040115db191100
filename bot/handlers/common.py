"""Screens several handlers show: the main menu and the request for consent."""

from aiogram.fsm.context import FSMContext
from aiogram.types import Message

from bot.runtime.callbacks import ConsentButton
from bot.runtime.fsm_storage import FORM_DESTINY, IDEAS_DESTINY, VOTE_DESTINY, destiny_state
from bot.runtime.turn import Turn
from budget.edition import Phase
from budget.figures import Tally
from budget.serialise import load
from conversations.events import (
    DocumentIn,
    Event,
    LocationIn,
    OtherIn,
    PhotoIn,
    TextIn,
)
from conversations.follow_up_form import last_day
from conversations.menu import VoteStatus, Waiting, main_menu
from conversations.replies import Button, Localized
from conversations.vote import VoteState
from conversations.welcome import ConsentAction, Destination, privacy_notice, welcome


def form_fsm(state: FSMContext) -> FSMContext:
    """The idea form keeps its draft under a destiny of its own."""
    return destiny_state(state, FORM_DESTINY)


async def has_draft(state: FSMContext) -> bool:
    return bool(await form_fsm(state).get_data())


def browser_fsm(state: FSMContext) -> FSMContext:
    """The ideas browser keeps its state apart from the idea form's and the vote's."""
    return destiny_state(state, IDEAS_DESTINY)


def vote_fsm(state: FSMContext) -> FSMContext:
    """The vote keeps its state apart from the idea form's: neither can overwrite the other."""
    return destiny_state(state, VOTE_DESTINY)


async def load_vote(state: FSMContext) -> VoteState | None:
    data = await vote_fsm(state).get_data()
    return load(VoteState, data) if data else None


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
    menu = main_menu(
        turn.edition,
        turn.now,
        await has_draft(state),
        await vote_status(turn, state),
        await waiting_questionnaires(turn),
    )
    turn.show(menu)


async def waiting_questionnaires(turn: Turn) -> list[Waiting]:
    """The questionnaires the citizen's ideas wait for answers to, while answers are taken."""
    if turn.citizen is None:
        return []
    edition = turn.edition
    waiting = []
    for follow_up in await turn.uow.follow_ups.waiting_for(
        turn.stored.id, turn.citizen.id, turn.now
    ):
        questionnaire = edition.questionnaire(follow_up.questionnaire)
        if questionnaire is not None:
            day = last_day(follow_up.deadline, edition.zone)
            title = Localized(questionnaire.title)
            waiting.append(Waiting(follow_up.idea_id, questionnaire.code, title, day))
    return waiting


def ask_consent(
    turn: Turn, source: str, lang: str | None = None, then: Destination = Destination.MENU
) -> None:
    """The privacy notice; its buttons carry the link the citizen came by (`source`) and
    where they asked to go (`then`), so that consenting takes them there."""
    lang = lang or turn.lang

    def encode(button: Button) -> str:
        action = ConsentAction(button.action)
        return ConsentButton(action=action, lang=lang, source=source, then=then).pack()

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


async def count(
    turn: Turn, tally: Tally, district: str | None = None, source: str | None = None
) -> None:
    """One more on today's counter of `tally`, for the citizen's channel (or `source`)."""
    if source is None and turn.citizen is not None:
        source = turn.citizen.source
    day = turn.now.astimezone(turn.edition.zone).date()
    await turn.uow.tallies.add(turn.stored.id, tally, day, source, district)
