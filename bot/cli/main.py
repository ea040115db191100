"""The `pbbot` command: run the bot, load an edition, open or close a phase, rehearse, the
channels' links, and the campaign's work from the command line. Each group of commands lives in
a module of its own."""

import typer

from bot.cli.audit import audit_app
from bot.cli.ballot import projects_app, results, vote_app
from bot.cli.broadcast import broadcast_app
from bot.cli.channels import link
from bot.cli.citizens import citizen_app, purge
from bot.cli.committee import committee_app
from bot.cli.edition import db_app, edition_app, migrate, phase_app
from bot.cli.figures import export_app, stats
from bot.cli.follow_ups import followup_app
from bot.cli.integrity import integrity_app
from bot.cli.maintenance import backup, restore
from bot.cli.progress import progress_app
from bot.cli.rehearse import playground
from bot.cli.serve import run

app = typer.Typer(
    help="pbbot: a participatory budget run through a messenger.", no_args_is_help=True
)
app.command()(run)
app.command()(migrate)
app.add_typer(edition_app, name="edition")
app.add_typer(phase_app, name="phase")
app.add_typer(db_app, name="db")
app.add_typer(projects_app, name="projects")
app.add_typer(vote_app, name="vote")
app.add_typer(broadcast_app, name="broadcast")
app.add_typer(followup_app, name="followup")
app.add_typer(committee_app, name="committee")
app.add_typer(citizen_app, name="citizen")
app.command()(purge)
app.add_typer(audit_app, name="audit")
app.add_typer(integrity_app, name="integrity")
app.add_typer(progress_app, name="progress")
app.command()(results)
app.command()(stats)
app.add_typer(export_app, name="export")
app.command()(link)
app.command()(playground)
app.command()(backup)
app.command()(restore)

if __name__ == "__main__":
    app()
