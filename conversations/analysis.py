"""What staff see and type while analysing ideas: the idea card (/idea N) with the analysis and
its buttons, the questions an analyst answers by typing (why not feasible, the cost after
analysis, notes, the idea to merge with), and the look-alike pairs of /merge.

Plain functions and one small state, `Awaiting`: what a staff member was asked to type. The
caller reads and writes the ideas, and checks who may press what."""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from budget.edition import Edition, Phase
from budget.ideas import AuthorKind, IdeaStatus
from budget.money import AmountError, parse_amount
from conversations.events import Event, TextIn
from conversations.replies import Button, Localized, Money, Reply, Text

# Feasibility is judged on published ideas, and judged again (a second look at a not feasible
# idea, or at one found feasible); look-alikes are merged before the committee selects.
JUDGED_FROM = frozenset({IdeaStatus.PUBLISHED, IdeaStatus.UNDER_ANALYSIS, IdeaStatus.NOT_FEASIBLE})
MERGED_FROM = frozenset({IdeaStatus.PUBLISHED, IdeaStatus.UNDER_ANALYSIS})
# The reason is shown to the author and kept in `ideas.status_reason` (500 characters).
REASON_MAX = 500
NOTES_MAX = 2000
# A staff member who was asked to type something and went on to something else must not have
# the next unrelated text taken as the answer: the question lapses.
ANSWER_WITHIN = timedelta(minutes=30)
# Long fields are shortened on the card so that it fits one Telegram message (4 096
# characters): 1 500 + 3 × 500 leave room for the title, the names and the labels.
DESCRIPTION_ON_CARD = 1500
TEXT_ON_CARD = 500
TEXT_ON_PAIR = 300
TITLE_ON_BUTTON = 32
# ASCII digits only: int() would also read other scripts' digits, never typed for an idea.
_NUMBER = re.compile(r"(?:no\.?|nr\.?|n°|#)?\s*(\d{1,10})", re.IGNORECASE | re.ASCII)


def analysis_open(edition: Edition, now: datetime) -> bool:
    """Feasibility and merges can change until the vote opens; then the ballot is set."""
    return edition.current_phase(now) not in {Phase.VOTE, Phase.RESULTS}


def may_judge(status: IdeaStatus, feasible: bool | None, verdict: bool) -> bool:
    """Whether an idea seen as `status`/`feasible` can be found feasible (`verdict`) or not:
    only a change counts, so a press that would repeat the verdict is refused."""
    if verdict:
        return status in JUDGED_FROM and not (
            status is IdeaStatus.UNDER_ANALYSIS and feasible is True
        )
    return status in JUDGED_FROM and status is not IdeaStatus.NOT_FEASIBLE


# -- the idea card ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CardIdea:
    """Everything staff know about one idea."""

    number: int
    status: IdeaStatus
    author_kind: AuthorKind
    organisation: str | None
    title: str
    description: str
    objectives: str | None
    beneficiaries: str | None
    theme: Localized | None
    implementation: str | None
    address: str | None
    latitude: float | None
    longitude: float | None
    budget: Money
    attachments: int
    image: str | None
    district: Localized | None
    submitted_on: date
    published_on: date | None
    supports: int
    feasible: bool | None
    reason: str | None
    cost: Money | None
    notes: str | None
    merged_into: int | None
    merged_here: tuple[int, ...]


@dataclass(frozen=True)
class Questionnaire:
    code: str
    title: Localized


def idea_card(idea: CardIdea) -> Reply:
    """The idea as it was deposited, with where it stands."""
    if idea.author_kind is AuthorKind.MYSELF:
        author = Text("analysis.card.author.myself")
    else:
        author = Text(
            f"analysis.card.author.{idea.author_kind.value}", name=idea.organisation or ""
        )
    implementation = (
        _shorten(idea.implementation, TEXT_ON_CARD)
        if idea.implementation
        else Text("form.preview.asks_suggestions")
    )
    texts = [
        Text("analysis.card.header", number=idea.number, status=status_text(idea.status)),
        Text("form.preview.title", value=idea.title),
        author,
        Text("form.preview.description", value=_shorten(idea.description, DESCRIPTION_ON_CARD)),
        Text("form.preview.objectives", value=_shorten(idea.objectives, TEXT_ON_CARD)),
        Text("form.preview.beneficiaries", value=_shorten(idea.beneficiaries, TEXT_ON_CARD)),
        Text("form.preview.theme", value=idea.theme or Text("form.preview.empty")),
        Text("analysis.card.district", value=idea.district or Text("form.preview.empty")),
        Text("form.preview.implementation", value=implementation),
        Text("form.preview.place", value=_place(idea)),
        Text("form.preview.budget", value=idea.budget),
        Text("form.preview.attachments", count=idea.attachments),
        Text("analysis.card.deposited", day=idea.submitted_on),
    ]
    if idea.published_on is not None:
        texts.append(Text("analysis.card.published", day=idea.published_on))
    texts.append(Text("analysis.card.supports", count=idea.supports))
    return Reply(*texts, compact=True, photo=idea.image)


def analysis_card(
    idea: CardIdea,
    may_act: bool,
    questionnaires: Sequence[Questionnaire] = (),
    edit: bool = False,
) -> Reply:
    """The analysis so far and, for those who may act, its buttons; `edit` shows it in place of
    the card whose button was pressed."""
    texts = [
        Text("analysis.card.analysis", number=idea.number, status=status_text(idea.status)),
        _verdict(idea),
        Text("analysis.card.cost", value=idea.cost or Text("analysis.card.not_set")),
        Text("analysis.card.notes", value=idea.notes or Text("analysis.card.not_set")),
    ]
    if idea.reason and idea.feasible is not False:
        texts.append(Text("analysis.card.reason", reason=idea.reason))
    if idea.merged_into is not None:
        texts.append(Text("analysis.card.merged_into", number=idea.merged_into))
    if idea.merged_here:
        numbers = ", ".join(str(number) for number in idea.merged_here)
        texts.append(Text("analysis.card.merged_here", numbers=numbers))
    return Reply(
        *texts,
        compact=True,
        edit=edit,
        buttons=_analysis_buttons(idea, questionnaires) if may_act else (),
    )


def follow_up_answers(answers: Sequence[Text]) -> Reply | None:
    if not answers:
        return None
    return Reply(Text("analysis.card.follow_ups"), *answers, compact=True)


def _analysis_buttons(
    idea: CardIdea, questionnaires: Sequence[Questionnaire]
) -> list[list[Button]]:
    verdicts = [
        Button("analysis.button.feasible", "feasible")
        if may_judge(idea.status, idea.feasible, True)
        else None,
        Button("analysis.button.not_feasible", "not_feasible")
        if may_judge(idea.status, idea.feasible, False)
        else None,
    ]
    rows = [
        [button for button in verdicts if button is not None],
        [Button("analysis.button.cost", "cost"), Button("analysis.button.notes", "notes")],
    ]
    if idea.status in MERGED_FROM:
        rows.append([Button("analysis.button.merge", "merge")])
    rows += [
        [
            Button(
                Text("analysis.button.send_questionnaire", title=questionnaire.title),
                "questionnaire",
                questionnaire.code,
            )
        ]
        for questionnaire in questionnaires
    ]
    return rows


def _verdict(idea: CardIdea) -> Text:
    if idea.feasible is None:
        return Text("analysis.card.feasible.unknown")
    if idea.feasible:
        return Text("analysis.card.feasible.yes")
    return Text("analysis.card.feasible.no", reason=idea.reason or Text("form.preview.empty"))


def status_text(status: IdeaStatus) -> Text:
    return Text(f"status.{status.value}")


def _place(idea: CardIdea) -> object:
    if idea.address:
        return idea.address
    if idea.latitude is not None and idea.longitude is not None:
        return Text(
            "form.preview.pin", latitude=f"{idea.latitude:.5f}", longitude=f"{idea.longitude:.5f}"
        )
    return Text("form.preview.empty")


def _shorten(text: str | None, limit: int) -> object:
    if not text:
        return Text("form.preview.empty")
    if len(text) <= limit:
        return text
    return text[: limit - 1].rstrip() + "…"


# -- what staff are asked to type ------------------------------------------------------------


class Question(StrEnum):
    REASON = "reason"
    COST = "cost"
    NOTES = "notes"
    MERGE_WITH = "merge_with"


@dataclass(frozen=True)
class Awaiting:
    """A question put to a staff member about idea `idea`, with the status and verdict the idea
    had then: a reason typed after someone else changed the idea does not override them."""

    idea: int
    question: Question
    status: IdeaStatus
    feasible: bool | None
    asked_at: datetime

    def lapsed(self, now: datetime) -> bool:
        return now - self.asked_at > ANSWER_WITHIN


def ask(awaiting: Awaiting, title: str, estimate: Money, alike: Sequence["PairIdea"] = ()) -> Reply:
    """The question, with a button to give up; for a merge, the most alike ideas to pick."""
    cancel = [Button("analysis.button.cancel", "cancel")]
    number = awaiting.idea
    match awaiting.question:
        case Question.REASON:
            return Reply(
                "analysis.ask.reason",
                number=number,
                title=title,
                limit=REASON_MAX,
                buttons=[cancel],
            )
        case Question.COST:
            return Reply("analysis.ask.cost", number=number, estimate=estimate, buttons=[cancel])
        case Question.NOTES:
            return Reply("analysis.ask.notes", number=number, limit=NOTES_MAX, buttons=[cancel])
        case Question.MERGE_WITH:
            picks = [
                [
                    Button(
                        Text(
                            "analysis.merge.pick",
                            number=other.number,
                            title=_on_button(other.title),
                        ),
                        "pair",
                        f"{number}:{other.number}",
                    )
                ]
                for other in alike
            ]
            return Reply("analysis.ask.merge_with", number=number, buttons=[*picks, cancel])


@dataclass(frozen=True)
class Answer:
    """What was typed, read: the value, or the answer that says why it cannot be taken."""

    value: str | int | None = None
    refusal: Reply | None = None


def read_answer(question: Question, event: Event, envelope: Money) -> Answer:
    """The typed answer read; a cost above the edition's `envelope` could never be funded and
    would unbalance the ballot, so it is refused."""
    if not isinstance(event, TextIn) or not event.text.strip():
        return Answer(refusal=Reply("analysis.answer.not_text"))
    typed = event.text.strip()
    match question:
        case Question.REASON | Question.NOTES:
            limit = REASON_MAX if question is Question.REASON else NOTES_MAX
            if len(typed) > limit:
                return Answer(
                    refusal=Reply("analysis.answer.too_long", count=len(typed), limit=limit)
                )
            return Answer(typed)
        case Question.COST:
            try:
                cents = parse_amount(typed)
            except AmountError as refused:
                return Answer(refusal=Reply(f"analysis.cost.error.{refused.reason}"))
            if cents > envelope.cents:
                return Answer(refusal=Reply("analysis.cost.error.over_envelope", envelope=envelope))
            return Answer(cents)
        case Question.MERGE_WITH:
            number = idea_number(typed)
            if number is None:
                return Answer(refusal=Reply("analysis.merge.error.number"))
            return Answer(number)


def idea_number(typed: str) -> int | None:
    """An idea's number as staff type it: "12", "no. 12", "n° 12", "#12"."""
    found = _NUMBER.fullmatch(typed.strip())
    return int(found.group(1)) if found else None


# -- look-alike pairs ------------------------------------------------------------------------


@dataclass(frozen=True)
class PairIdea:
    number: int
    title: str
    description: str
    status: IdeaStatus
    supports: int


def pair_screen(
    first: PairIdea, second: PairIdea, score: float, position: int | None, total: int
) -> Reply:
    """Two ideas side by side, the older first; `position` in the list of /merge, if the pair
    is in it."""
    pair = f"{first.number}:{second.number}"
    header = (
        Text("analysis.merge.header", position=position, total=total, score=round(score))
        if position is not None
        else Text("analysis.merge.header.single", score=round(score))
    )
    return Reply(
        header,
        _pair_idea(first),
        _pair_idea(second),
        edit=True,
        buttons=[
            [_merge_button(second, first)],
            [_merge_button(first, second)],
            [
                Button("analysis.merge.not_same", "dismiss", pair),
                Button("analysis.merge.next", "next", pair),
            ],
        ],
    )


def confirm_merge(absorbed: PairIdea, kept: PairIdea) -> Reply:
    return Reply(
        "analysis.merge.confirm",
        absorbed=absorbed.number,
        absorbed_title=absorbed.title,
        kept=kept.number,
        kept_title=kept.title,
        edit=True,
        buttons=[
            [Button("analysis.merge.yes", "confirm", f"{absorbed.number}:{kept.number}")],
            [Button("analysis.merge.back", "pair", f"{kept.number}:{absorbed.number}")],
        ],
    )


def merged(absorbed: int, kept: int, moved: int, duplicates: int) -> Reply:
    return Reply(
        "analysis.merge.done",
        absorbed=absorbed,
        kept=kept,
        moved=moved,
        duplicates=duplicates,
        edit=True,
        buttons=[[Button("analysis.merge.next", "next", f"{absorbed}:{kept}")]],
    )


def _pair_idea(idea: PairIdea) -> Text:
    return Text(
        "analysis.merge.idea",
        number=idea.number,
        title=idea.title,
        status=status_text(idea.status),
        supports=idea.supports,
        description=_shorten(idea.description, TEXT_ON_PAIR),
    )


def _merge_button(absorbed: PairIdea, kept: PairIdea) -> Button:
    return Button(
        Text("analysis.merge.into", absorbed=absorbed.number, kept=kept.number),
        "merge",
        f"{absorbed.number}:{kept.number}",
    )


def _on_button(title: str) -> str:
    if len(title) <= TITLE_ON_BUTTON:
        return title
    return title[: TITLE_ON_BUTTON - 1].rstrip() + "…"


# -- what authors are told -------------------------------------------------------------------


def told_verdict(number: int, title: str, verdict: bool, was: IdeaStatus, reason: str) -> Reply:
    if not verdict:
        return Reply("analysis.told.not_feasible", number=number, title=title, reason=reason)
    if was is IdeaStatus.NOT_FEASIBLE:
        return Reply("analysis.told.feasible_again", number=number, title=title)
    return Reply("analysis.told.feasible", number=number, title=title)


def told_merged_away(absorbed: int, title: str, kept: int, kept_title: str) -> Reply:
    return Reply(
        "analysis.told.merged_away", number=absorbed, title=title, kept=kept, kept_title=kept_title
    )


def told_merged_in(kept: int, title: str, absorbed: int, absorbed_title: str) -> Reply:
    return Reply(
        "analysis.told.merged_in",
        number=kept,
        title=title,
        absorbed=absorbed,
        absorbed_title=absorbed_title,
    )
