"""`pbbot progress add`: staff post a funded project's progress from the command line, as
/progress does in the chat."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from bot.cli.support import bot_token, fail, load_settings, with_edition

if TYPE_CHECKING:
    from bot.runtime.settings import Settings
    from storage.editions import StoredEdition
    from storage.unit_of_work import UnitOfWork

progress_app = typer.Typer(help="The progress of the funded projects.", no_args_is_help=True)


@progress_app.command("add")
def add_progress(
    project: Annotated[int, typer.Argument(help="The funded project's number.")],
    stage: Annotated[
        str, typer.Option(help="One of the edition's stages: studies, tender, works...")
    ],
    text: Annotated[str, typer.Option(help="What happened; for a cancelled project, why.")],
    photo: Annotated[
        str | None,
        typer.Option(
            help="A photo file (sent once through the bot to the first admin of STAFF_IDS, so "
            "that Telegram keeps it), a Telegram file id or an https URL."
        ),
    ] = None,
) -> None:
    """Post a funded project's progress: shown on its card, sent to its followers in their
    language by the running bot."""
    from bot.reports.progress import NotFunded, post_progress
    from bot.runtime.i18n import create_i18n
    from bot.runtime.render import Renderer
    from budget.audit_chain import COMMAND_LINE
    from budget.progress import PROGRESS_TEXT_MAX, ProgressError

    settings = load_settings()
    picture = _photo(settings, photo, project) if photo else None

    async def post(uow: UnitOfWork, stored: StoredEdition) -> int:
        try:
            posted = await post_progress(
                uow,
                stored,
                Renderer(create_i18n()),
                project,
                stage,
                text,
                picture,
                COMMAND_LINE,
                datetime.now(UTC),
            )
        except NotFunded:
            raise fail(f"project no. {project} is not a funded project of the edition") from None
        except ProgressError as error:
            stages = ", ".join(s.code for s in stored.edition.stages)
            reasons = {
                "stage": f"--stage {stage!r} is not one of the edition's: {stages}",
                "empty": "--text is empty",
                "too_long": f"--text is longer than {PROGRESS_TEXT_MAX} characters",
            }
            raise fail(reasons[error.reason]) from None
        return posted.followers

    followers = asyncio.run(with_edition(settings, post))
    typer.echo(
        f"Progress posted on project no. {project} ({stage}); it is on the project's card and "
        f"goes to its {followers} followers."
    )


def _photo(settings: Settings, photo: str, project: int) -> str:
    """A Telegram file id for the photo: a file is sent once through the bot to the first
    admin, and Telegram's id for it kept; anything else is taken as an id or a URL."""
    path = Path(photo)
    if not path.is_file():
        if photo.startswith("http://"):
            raise fail("--photo: give an https URL")
        return photo
    token = bot_token(settings)
    if token is None or not settings.staff_ids:
        raise fail("--photo FILE is sent through the bot: set BOT_TOKEN and STAFF_IDS")
    from aiogram.types import BufferedInputFile

    from bot.runtime.dispatcher import create_bot

    content = path.read_bytes()

    async def upload() -> str:
        bot = create_bot(token, settings.bot_api_url)
        try:
            message = await bot.send_photo(
                settings.staff_ids[0],
                BufferedInputFile(content, filename=path.name),
                caption=f"Progress of project no. {project}",
            )
        finally:
            await bot.session.close()
        if not message.photo:
            raise fail("--photo: Telegram did not keep it as a photo")
        return message.photo[-1].file_id

    return asyncio.run(upload())
