"""`pbbot followup`: the answers to a follow-up questionnaire, as a spreadsheet."""

from __future__ import annotations

import asyncio
import csv
import io
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from bot.cli.support import fail, load_settings, with_edition
from budget.edition import Edition, Question, QuestionKind, Questionnaire
from budget.money import CENTS_PER_UNIT

if TYPE_CHECKING:
    from storage.editions import StoredEdition
    from storage.follow_ups import Sent
    from storage.unit_of_work import UnitOfWork

followup_app = typer.Typer(no_args_is_help=True)


@followup_app.callback()
def follow_ups() -> None:
    """Follow-up questionnaires sent to the authors of ideas."""


@followup_app.command("export")
def export_answers(
    questionnaire: Annotated[str, typer.Argument(help="The questionnaire's code.")],
    csv_file: Annotated[
        Path | None, typer.Option("--csv", help="Write to this file rather than the screen.")
    ] = None,
) -> None:
    """One row per idea the questionnaire was sent for: its number, title, each answer (by
    question code) and when it was answered."""

    async def read(uow: UnitOfWork, stored: StoredEdition) -> tuple[Edition, list[Sent]]:
        if stored.edition.questionnaire(questionnaire) is None:
            codes = ", ".join(q.code for q in stored.edition.questionnaires) or "none"
            raise fail(f"no questionnaire {questionnaire!r}; the edition's: {codes}")
        return stored.edition, await uow.follow_ups.of_questionnaire(stored.id, questionnaire)

    edition, sent = asyncio.run(with_edition(load_settings(), read))
    found = edition.questionnaire(questionnaire)
    assert found is not None
    table = spreadsheet(edition, found, sent)
    if csv_file is None:
        typer.echo(table, nl=False)
        return
    try:
        # With a byte-order mark, spreadsheet programs read the accents right.
        csv_file.write_text(table, encoding="utf-8-sig")
    except OSError as error:
        raise fail(f"cannot write {csv_file}: {error.strerror}") from None
    answered = sum(1 for item in sent if item.follow_up.answered_at is not None)
    typer.echo(f"{len(sent)} ideas ({answered} answered) written to {csv_file}.")


def spreadsheet(edition: Edition, questionnaire: Questionnaire, sent: list[Sent]) -> str:
    output = io.StringIO()
    writer = csv.writer(output, lineterminator="\n")
    codes = [question.code for question in questionnaire.questions]
    writer.writerow(["idea", "title", *codes, "answered_at"])
    for item in sent:
        follow_up = item.follow_up
        answered_at = follow_up.answered_at
        writer.writerow(
            [
                follow_up.idea_id,
                inert(item.title),
                *(
                    inert(cell(question, follow_up.answers.get(question.code), edition))
                    for question in questionnaire.questions
                ),
                answered_at.astimezone(edition.zone).strftime("%Y-%m-%d %H:%M")
                if answered_at
                else "",
            ]
        )
    return output.getvalue()


# A spreadsheet runs a cell starting with one of these as a formula (=HYPERLINK(...) and the
# like), and titles and answers are typed by citizens.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def inert(text: str) -> str:
    """The text as a spreadsheet shows it, never runs it: a leading apostrophe is the
    spreadsheets' own sign for "text, not a formula"."""
    return f"'{text}" if text.startswith(FORMULA_START) else text


def cell(question: Question, value: object, edition: Edition) -> str:
    """An answer as a spreadsheet reads it: amounts as plain numbers, choices by their label
    in the edition's first language, documents by their file name."""
    match question.kind, value:
        case _, None:
            return ""
        case QuestionKind.YES_NO, bool():
            return "yes" if value else "no"
        case QuestionKind.AMOUNT, int():
            units, cents = divmod(value, CENTS_PER_UNIT)
            return f"{units}.{cents:02d}" if cents else str(units)
        case QuestionKind.CHOICE, int() if 0 <= value < len(question.options):
            labels = question.options[value]
            return labels.get(edition.languages[0]) or next(iter(labels.values()), "")
        case QuestionKind.DOCUMENT, {"kind": "photo"}:
            return "(photo)"
        case QuestionKind.DOCUMENT, {"name": str(name)}:
            return name or "(document)"
    return str(value)
