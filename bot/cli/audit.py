"""`pbbot audit`: check that the audit log of staff actions is still the chain it was written
as, and read it. How entries are chained, so that anyone can check an export: see
`budget/audit_chain.py`."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from bot.cli.support import fail, load_settings, prepared_engine
from budget.audit_chain import (
    COMMAND_LINE,
    Break,
    Entry,
    Fault,
    Verdict,
    change_summary,
    is_hash,
)

if TYPE_CHECKING:
    from storage.unit_of_work import UnitOfWork

T = TypeVar("T")

audit_app = typer.Typer(
    help="The audit log of staff actions, each entry chained to the one before by a hash.",
    no_args_is_help=True,
)


@audit_app.command("verify")
def verify_chain(
    head: Annotated[
        str | None,
        typer.Option(
            help="The hash of a head noted earlier: the log must still pass through it, or "
            "it was written anew since."
        ),
    ] = None,
) -> None:
    """Check the chain from its first entry: its head, or where it breaks.

    Prints the head (number of entries and last hash) to note down or publish; exits with
    code 1 when the log is not intact."""
    noted = head.strip().lower() if head is not None else None
    if noted is not None and not is_hash(noted):
        raise fail(f"--head {head!r}: a head's hash is 64 hexadecimal characters")

    async def check(uow: UnitOfWork) -> Verdict:
        return await uow.audit.verify(noted)

    verdict = asyncio.run(_in_unit_of_work(check))
    for line in _report(verdict):
        typer.echo(line)
    if not verdict.intact:
        raise typer.Exit(code=1)


def _report(verdict: Verdict) -> list[str]:
    head, broken = verdict.head, verdict.broken
    if broken is not None:
        lines = [f"The audit log is broken at entry {broken.expected}: {_why(broken)}"]
        if head is not None:
            lines.append(f"Entries 1 to {head.count} are intact; the last has hash {head.hash}.")
        if verdict.noted is not None:
            lines.append(
                f"The head noted is entry {verdict.noted_at}, before the break."
                if verdict.noted_at is not None
                else "The head noted is not among the intact entries."
            )
        return lines
    if head is None:
        lines = ["The audit log is empty: no staff action has been recorded."]
    else:
        lines = [
            f"The audit log is intact: {head.count} entries, each chained to the one before.",
            f"Head: entry {head.count}, hash {head.hash}",
        ]
    if verdict.noted is not None and verdict.noted_at is not None:
        lines.append(f"The head noted is entry {verdict.noted_at}: the log passes through it.")
    elif verdict.noted is not None:
        lines.append(
            "The head noted is not in the log: since it was noted, the log was written anew, "
            "or its last entries were removed."
        )
    elif head is not None:
        lines.append(
            "Note the head down or publish it (in the weekly report, say): "
            "`pbbot audit verify --head HASH` shows later whether the log still passes "
            "through it, or was written anew by someone holding the database."
        )
    return lines


def _why(broken: Break) -> str:
    if broken.fault is Fault.MISSING:
        return (
            f"entries {broken.expected} to {broken.found - 1} are missing (removed); "
            f"entry {broken.found} comes next."
        )
    if broken.fault is Fault.MISPLACED:
        return (
            "it does not follow the entry before it (its previous hash is another): entries "
            "were reordered or inserted there, or the entry before was changed and its hash "
            "computed anew."
        )
    return "it was changed after it was written (its content no longer gives its hash)."


@audit_app.command("show")
def show_entries(
    staff: Annotated[
        int | None, typer.Option(help="Only the actions of this staff member (Telegram id).")
    ] = None,
    action: Annotated[
        str | None,
        typer.Option(help="Only actions whose name holds this word, e.g. publish."),
    ] = None,
    idea: Annotated[int | None, typer.Option(help="Only the actions on idea no. N.", min=1)] = None,
    limit: Annotated[int, typer.Option(help="How many of the last entries.", min=1)] = 50,
) -> None:
    """The last entries of the audit log, oldest first.

    One line each: number, time (UTC), who, what, on what, and the values before → after."""

    async def read(uow: UnitOfWork) -> list[Entry]:
        return await uow.audit.entries(staff=staff, action=action, idea=idea, limit=limit)

    entries = asyncio.run(_in_unit_of_work(read))
    if not entries:
        filtered = staff is not None or action or idea is not None
        typer.echo("No entry matches." if filtered else "The audit log is empty.")
        return
    number_width = len(str(entries[-1].sequence))
    actor_width = max(len(_actor(entry.actor)) for entry in entries)
    action_width = max(len(entry.action) for entry in entries)
    subject_width = max(len(entry.subject) for entry in entries)
    for entry in entries:
        moment = entry.at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
        line = (
            f"{entry.sequence:>{number_width}}  {moment} UTC  "
            f"{_actor(entry.actor):<{actor_width}}  {entry.action:<{action_width}}  "
            f"{entry.subject:<{subject_width}}  {change_summary(entry.before, entry.after)}"
        )
        typer.echo(line.rstrip())


def _actor(actor: int) -> str:
    return "command-line" if actor == COMMAND_LINE else str(actor)


async def _in_unit_of_work(work: Callable[[UnitOfWork], Awaitable[T]]) -> T:
    """The audit log belongs to no edition: read it whether or not one is loaded."""
    from storage.database import create_sessionmaker
    from storage.unit_of_work import UnitOfWork

    engine = await prepared_engine(load_settings())
    try:
        async with UnitOfWork(create_sessionmaker(engine)) as uow:
            return await work(uow)
    finally:
        await engine.dispose()
