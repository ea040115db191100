"""/projects: the funded projects with their stage; a project's card with its progress, and
following it or not (its idea's author and supporters follow it unless they stop)."""

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message

from bot.handlers.common import ask_consent
from bot.reports.progress import project_card
from bot.runtime.callbacks import MenuButton, ProjectButton, encode_menu
from bot.runtime.turn import Turn
from conversations.menu import MenuAction
from conversations.projects import FundedLine, ProjectAction, projects_list
from conversations.projects import project_card as card_screen
from conversations.replies import Button, Reply


def router() -> Router:
    router = Router(name="projects")
    router.message.register(list_projects, Command("projects"))
    router.callback_query.register(
        list_projects, MenuButton.filter(F.action == MenuAction.PROJECTS)
    )
    router.callback_query.register(press_project_button, ProjectButton.filter())
    return router


def encode_project(button: Button) -> str:
    """A project's buttons carry its number; the others open the menu's entries."""
    if isinstance(button.action, ProjectAction):
        number = int(button.arg) if button.arg.isdigit() else 0
        return ProjectButton(action=button.action, project=number).pack()
    return encode_menu(button)


async def list_projects(event: Message | CallbackQuery, turn: Turn) -> None:
    turn.show(await _list(turn), encode_project)


async def _list(turn: Turn, edit: bool = False) -> Reply:
    accountability = turn.uow.accountability
    projects = {p.id: p for p in await turn.on_ballot()}
    stages = await accountability.latest_stages(turn.stored.id)
    lines = [
        FundedLine(projects[number], turn.edition.stage(stages.get(number, "")))
        for number in await accountability.funded(turn.stored.id)
    ]
    reply = projects_list(lines)
    return Reply(*reply.texts, buttons=reply.buttons, compact=reply.compact, edit=edit)


async def press_project_button(
    query: CallbackQuery, callback_data: ProjectButton, turn: Turn
) -> None:
    action = callback_data.action
    if action == ProjectAction.LIST:
        turn.show(await _list(turn, edit=True), encode_project)
        return
    citizen_id = turn.citizen.id if turn.citizen else None
    card = await project_card(turn.uow, turn.stored, callback_data.project, citizen_id)
    if card is None:
        turn.show(Reply("projects.unknown", notice=True))
        return
    if action in {ProjectAction.CARD, ProjectAction.OPEN}:
        edit = action == ProjectAction.CARD
        turn.show(card_screen(turn.edition, card, edit=edit), encode_project)
        return
    if turn.citizen is None:
        ask_consent(turn, "")
        return
    if not card.funded:
        turn.show(Reply("projects.not_followable", notice=True))
        return
    following = action == ProjectAction.FOLLOW
    await turn.uow.accountability.set_following(
        card.project.id, turn.citizen.id, following, turn.now
    )
    if action == ProjectAction.MUTE:
        turn.show(Reply("projects.unfollowed", notice=True))
        return
    card = await project_card(turn.uow, turn.stored, callback_data.project, turn.citizen.id)
    assert card is not None
    key = "projects.followed" if following else "projects.unfollowed"
    turn.show(Reply(key, notice=True))
    turn.show(card_screen(turn.edition, card, edit=True), encode_project)
