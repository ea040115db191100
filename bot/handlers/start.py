"""/start with its deep link, the consent, the language, the help and the main menu."""

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from babel import Locale

from bot.handlers.common import ask_consent, show_menu
from bot.handlers.idea_form import IdeaForm, open_form, resume_form
from bot.handlers.ideas import open_browser, open_idea
from bot.handlers.my_ideas import list_my_ideas
from bot.handlers.vote import open_vote
from bot.runtime.callbacks import ConsentButton, LanguageButton, MenuButton
from bot.runtime.listening import listening, stop_listening
from bot.runtime.staff_access import roles_of
from bot.runtime.turn import Turn
from budget.channels import IDEA_PREFIX, SHARED_IDEA_PREFIX, clean_source
from budget.ideas import PUBLIC_STATUSES, IdeaStatus
from conversations.events import button_number
from conversations.menu import MenuAction, help_screen
from conversations.replies import Button, Reply
from conversations.welcome import ConsentAction, Destination, declined, language_choice
from storage.tables import IdeaRow

# Shared by its author before moderation published it: said to be waiting, nothing more.
WAITING_FOR_MODERATION = {IdeaStatus.SUBMITTED, IdeaStatus.CHANGES_ASKED}


def router() -> Router:
    router = Router(name="start")
    router.message.register(start_bot, CommandStart())
    router.callback_query.register(
        give_consent, ConsentButton.filter(F.action == ConsentAction.AGREE)
    )
    router.callback_query.register(
        decline_consent, ConsentButton.filter(F.action == ConsentAction.DECLINE)
    )
    router.callback_query.register(
        choose_language_before_consent, ConsentButton.filter(F.action == ConsentAction.LANGUAGE)
    )
    router.message.register(choose_language, Command("language"))
    router.callback_query.register(
        choose_language_from_menu, MenuButton.filter(F.action == MenuAction.LANGUAGE)
    )
    router.callback_query.register(set_language, LanguageButton.filter())
    router.message.register(show_help, Command("help"))
    router.callback_query.register(show_help, MenuButton.filter(F.action == MenuAction.HELP))
    router.callback_query.register(open_menu, MenuButton.filter(F.action == MenuAction.MENU))
    return router


async def start_bot(
    message: Message, command: CommandObject, turn: Turn, state: FSMContext, bot: Bot
) -> None:
    source = clean_source(command.args)
    # Opening the bot is what Telegram waits for before the bot may write: staff notices
    # reach this account from now on.
    await turn.uow.staff.reached(turn.user.id)
    if turn.citizen is None:
        ask_consent(turn, source)
        return
    # Unblocking the bot in Telegram sends /start: campaigns may reach this citizen again.
    await turn.uow.audiences.reachable_again(turn.citizen.id)
    await stop_listening(state)
    await go_where_asked(turn, state, bot, source, Destination.MENU, message)


async def go_where_asked(
    turn: Turn,
    state: FSMContext,
    bot: Bot,
    source: str,
    then: Destination,
    event: Message | CallbackQuery,
) -> None:
    """Where a link (`source`) or a command typed before consenting (`then`) asked to go;
    the menu otherwise."""
    if source.startswith((SHARED_IDEA_PREFIX, IDEA_PREFIX)):
        await show_shared_idea(turn, state, source)
    elif then is Destination.IDEAS:
        await open_browser(event, turn, state)
    elif then is Destination.VOTE:
        await open_vote(event, turn, state)
    elif then is Destination.MY_IDEAS:
        await list_my_ideas(event, turn, state)
    elif then is Destination.DEPOSIT and isinstance(event, CallbackQuery):
        await open_form(event, turn, state, bot)
    else:
        await show_menu(turn, state)


async def show_shared_idea(turn: Turn, state: FSMContext, payload: str) -> None:
    """An idea someone shared: its card, with the buttons to support it. Its link carries its
    share code; a number (the links shared before codes) opens only an idea everyone may see,
    so that nobody learns anything by trying numbers. An idea a stranger may not see is never
    shown; the menu follows what is said instead."""
    idea: IdeaRow | None = None
    if payload.startswith(SHARED_IDEA_PREFIX):
        idea = await turn.uow.ideas.shared(turn.stored.id, payload.removeprefix(SHARED_IDEA_PREFIX))
    elif (number := button_number(payload.removeprefix(IDEA_PREFIX))) is not None:
        idea = await turn.uow.ideas.get(number)
        if idea is not None and IdeaStatus(idea.status) not in PUBLIC_STATUSES:
            idea = None
    if idea is None or idea.edition_id != turn.stored.id:
        turn.show(Reply("start.shared_idea.unknown"))
    elif IdeaStatus(idea.status) in WAITING_FOR_MODERATION:
        turn.show(Reply("start.shared_idea.pending", number=idea.id))
    elif IdeaStatus(idea.status) not in PUBLIC_STATUSES:
        turn.show(Reply("start.shared_idea.unknown"))
    else:
        await open_idea(turn, state, idea.id)
        return
    await show_menu(turn, state)


async def give_consent(
    query: CallbackQuery, callback_data: ConsentButton, turn: Turn, state: FSMContext, bot: Bot
) -> None:
    if turn.citizen is not None:
        turn.show(Reply("privacy.already_agreed", notice=True))
        return
    lang = callback_data.lang if callback_data.lang in turn.edition.languages else turn.lang
    source = clean_source(callback_data.source)
    await turn.consent(lang, source or None)
    turn.show(Reply("privacy.thanks"))
    await go_where_asked(turn, state, bot, source, callback_data.then, query)


async def decline_consent(query: CallbackQuery, callback_data: ConsentButton, turn: Turn) -> None:
    lang = callback_data.lang if callback_data.lang in turn.edition.languages else None
    turn.show(declined(), lang=lang)


async def choose_language(message: Message, turn: Turn) -> None:
    show_languages(turn, source="")


async def choose_language_from_menu(
    query: CallbackQuery, callback_data: MenuButton, turn: Turn
) -> None:
    show_languages(turn, clean_source(callback_data.arg))


async def choose_language_before_consent(
    query: CallbackQuery, callback_data: ConsentButton, turn: Turn
) -> None:
    show_languages(turn, clean_source(callback_data.source), callback_data.then)


def show_languages(turn: Turn, source: str, then: Destination = Destination.MENU) -> None:
    """Each language named in itself, so that a citizen lost in a foreign one finds theirs."""
    languages = turn.edition.languages
    names = {
        code: str(Locale.parse(code).get_display_name(code)).capitalize() for code in languages
    }

    def encode(button: Button) -> str:
        return LanguageButton(lang=button.arg, source=source, then=then).pack()

    turn.show(language_choice(languages, names), encode)


async def set_language(
    query: CallbackQuery, callback_data: LanguageButton, turn: Turn, state: FSMContext, bot: Bot
) -> None:
    lang = callback_data.lang
    if lang not in turn.edition.languages:
        turn.show(Reply("error.invalid_button", notice=True))
        return
    if turn.citizen is None:
        ask_consent(turn, clean_source(callback_data.source), lang, callback_data.then)
        return
    await turn.set_language(lang)
    turn.show(Reply("language.changed"))
    if await listening(state, IdeaForm.answering):
        await resume_form(turn, state, bot)
    else:
        await show_menu(turn, state)


async def show_help(event: Message | CallbackQuery, turn: Turn) -> None:
    turn.show(help_screen(turn.edition, staff=bool(await roles_of(turn))))


async def open_menu(query: CallbackQuery, turn: Turn, state: FSMContext) -> None:
    if turn.citizen is None:
        ask_consent(turn, "")
        return
    await show_menu(turn, state)
