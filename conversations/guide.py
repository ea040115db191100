"""The guide before the idea form: the edition's admissibility criteria as a checklist, in one
message, each answered yes, no or not sure with a button; a "no" says why the criterion matters
and how to adapt the idea, and nobody is stopped from writing theirs. The edition's inspiring
examples can be opened; then the form starts, with the answers in the draft for the moderators.

A plain state machine: `open_guide` and `step` return the state, the replies, and `start` with
the answers once the citizen goes on to the form (the caller opens it).
"""

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from budget.edition import Edition, Phase
from conversations.events import Event, Press
from conversations.replies import Button, Localized, Outcome, Reply, Text


class GuideAction(StrEnum):
    """What the guide's buttons ask for."""

    ANSWER = "answer"
    EXAMPLES = "examples"
    START = "start"


class Answer(StrEnum):
    YES = "yes"
    NO = "no"
    UNSURE = "unsure"


@dataclass
class GuideState:
    token: str
    seq: int = 0
    # Criterion code -> answer, for the criteria answered so far.
    answers: dict[str, Answer] = field(default_factory=dict)


@dataclass(frozen=True)
class GuideContext:
    edition: Edition
    now: datetime


@dataclass
class GuideOutcome(Outcome):
    state: GuideState | None = None
    # The answers, once the citizen goes on to the form.
    start: dict[str, str] | None = None


def shown_before_the_form(edition: Edition, now: datetime) -> bool:
    """The guide comes before a new idea while ideas are deposited, if the edition has
    criteria (without any, the form starts at once)."""
    return bool(edition.criteria) and edition.is_open(Phase.DEPOSIT, now)


def open_guide(ctx: GuideContext, token: str) -> GuideOutcome:
    state = GuideState(token=token)
    return GuideOutcome(state, [checklist(state, ctx)])


def step(state: GuideState, event: Event, ctx: GuideContext) -> GuideOutcome:
    if not isinstance(event, Press):
        return GuideOutcome(state, [Reply("guide.error.use_buttons")])
    if event.token != state.token or event.seq != state.seq:
        return GuideOutcome(state, [Reply("guide.error.old_button", notice=True)])
    if event.action == GuideAction.START:
        answers = {code: answer.value for code, answer in state.answers.items()}
        return GuideOutcome(None, [], start=answers)
    if event.action == GuideAction.EXAMPLES and ctx.edition.examples:
        return GuideOutcome(state, examples(state, ctx))
    code, _, answer = event.arg.rpartition(".")
    if event.action == GuideAction.ANSWER and ctx.edition.criterion(code) and answer in set(Answer):
        state.answers[code] = Answer(answer)
        state.seq += 1
        return GuideOutcome(state, [checklist(state, ctx, edit=True)])
    return GuideOutcome(state, [Reply("guide.error.invalid_button", notice=True)])


def checklist(state: GuideState, ctx: GuideContext, edit: bool = False) -> Reply:
    """One message: the criteria, each with its answer (and the advice after a "no"), and a
    row of yes / no / not sure buttons for each."""
    edition = ctx.edition
    texts = [Text("guide.intro")]
    rows: list[list[Button]] = []
    for number, criterion in enumerate(edition.criteria, start=1):
        answer = state.answers.get(criterion.code)
        mark = Text(f"guide.mark.{answer}") if answer else Text("guide.mark.none")
        texts.append(
            Text("guide.criterion", number=number, mark=mark, label=Localized(criterion.label))
        )
        if answer is Answer.NO:
            texts.append(Text("guide.advice", advice=Localized(criterion.advice)))
        rows.append(
            [
                Button(
                    Text(f"guide.button.{choice}", number=number),
                    GuideAction.ANSWER,
                    f"{criterion.code}.{choice}",
                )
                for choice in Answer
            ]
        )
    if Answer.UNSURE in state.answers.values():
        texts.append(Text("guide.unsure"))
    texts.append(Text("guide.footer"))
    if edition.examples:
        rows.append([Button("guide.button.examples", GuideAction.EXAMPLES)])
    rows.append([Button("guide.button.start", GuideAction.START)])
    return Reply(*texts, buttons=rows, edit=edit)


def examples(state: GuideState, ctx: GuideContext) -> list[Reply]:
    """Each example in a message of its own, with its photo; then the way on to the form."""
    shown = [
        Reply(
            Text(
                "guide.example",
                title=Localized(example.title),
                summary=Localized(example.summary),
            ),
            photo=example.photo or None,
        )
        for example in ctx.edition.examples
    ]
    start = [[Button("guide.button.start", GuideAction.START)]]
    return [*shown, Reply("guide.examples.after", buttons=start)]
