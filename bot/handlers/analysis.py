"""/idea N and /merge: staff see everything about an idea; analysts judge its feasibility and
cost after analysis, keep notes, and merge look-alike ideas. Each change is written to the audit
log, and authors are told in their language what happened to their idea."""

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

from bot.handlers.common import event_from_message, show_menu
from bot.handlers.questionnaires import answers_for_card
from bot.runtime.callbacks import AnalysisButton, Encode, FollowUpButton, MergeButton
from bot.runtime.filters import NotACommand
from bot.runtime.fsm_storage import ANALYSIS_DESTINY, destiny_state
from bot.runtime.listening import listen, stop_listening
from bot.runtime.staff_access import StaffCommand, is_allowed, refuse_button
from bot.runtime.turn import Turn
from budget.ideas import AuthorKind, IdeaStatus
from budget.roles import Role
from budget.serialise import dump, load
from budget.similarity import LookAlike, alike, look_alikes, most_alike
from conversations import analysis
from conversations.analysis import (
    JUDGED_FROM,
    MERGED_FROM,
    Awaiting,
    CardIdea,
    PairIdea,
    Question,
)
from conversations.replies import Button, Localized, Money, Reply, Text
from storage.analysis import DISMISSED, Merged, pair_subject
from storage.tables import IdeaRow

# Ids are 32-bit in the database: a typed or forged number beyond that names no idea.
IDEA_MAX = 2**31 - 1
STATUSES = frozenset(status.value for status in IdeaStatus)


def router() -> Router:
    router = Router(name="analysis")
    router.message.register(show_idea, Command("idea"), StaffCommand(*Role))
    router.message.register(propose_merges, Command("merge"), StaffCommand(Role.ANALYST))
    router.callback_query.register(press_analysis_button, AnalysisButton.filter())
    router.callback_query.register(press_merge_button, MergeButton.filter())
    router.message.register(answer_question, AnalystAnswer.writing, NotACommand())
    return router


class AnalystAnswer(StatesGroup):
    """An analyst asked to type a reason, a cost, notes or the other idea of a merge."""

    writing = State()


# -- what an analyst was asked to type -------------------------------------------------------


def question_fsm(state: FSMContext) -> FSMContext:
    """The question waits under a destiny of its own: it overwrites no conversation of the same
    account (an idea draft, an envelope)."""
    return destiny_state(state, ANALYSIS_DESTINY)


async def load_question(state: FSMContext) -> Awaiting | None:
    data = await question_fsm(state).get_data()
    return load(Awaiting, data) if data else None


async def put_question(state: FSMContext, awaiting: Awaiting | None) -> None:
    await question_fsm(state).set_data(dump(awaiting) if awaiting else {})


# -- the idea card ---------------------------------------------------------------------------


async def show_idea(
    message: Message, command: CommandObject, turn: Turn, state: FSMContext
) -> None:
    number = analysis.idea_number(command.args or "")
    if number is None:
        turn.show(Reply("analysis.error.usage"))
        return
    await put_question(state, None)
    idea = await turn.uow.analysis.idea(turn.stored.id, number) if number <= IDEA_MAX else None
    if idea is None:
        turn.show(Reply("analysis.error.no_idea", number=number))
        return
    view = await card_view(turn, idea)
    turn.show(analysis.idea_card(view))
    answers = analysis.follow_up_answers(await answers_for_card(turn.uow, turn.edition, idea.id))
    if answers is not None:
        turn.show(answers)
    await show_analysis(turn, idea, view)


async def show_analysis(
    turn: Turn, idea: IdeaRow, view: CardIdea | None = None, edit: bool = False
) -> None:
    view = view or await card_view(turn, idea)
    questionnaires = [
        analysis.Questionnaire(q.code, Localized(q.title)) for q in turn.edition.questionnaires
    ]
    may_act = await is_allowed(turn, Role.ANALYST)
    turn.show(analysis.analysis_card(view, may_act, questionnaires, edit), encode_card(idea))


async def card_view(turn: Turn, idea: IdeaRow) -> CardIdea:
    edition, zone = turn.edition, turn.edition.zone
    theme = edition.theme(idea.theme)
    district = edition.district(idea.district or "")
    return CardIdea(
        number=idea.id,
        status=IdeaStatus(idea.status),
        author_kind=AuthorKind(idea.author_kind),
        organisation=idea.organisation,
        title=idea.title,
        description=idea.description,
        objectives=idea.objectives,
        beneficiaries=idea.beneficiaries,
        theme=Localized(theme.label) if theme else None,
        implementation=idea.implementation,
        address=idea.address,
        latitude=idea.latitude,
        longitude=idea.longitude,
        budget=Money(idea.budget_cents, edition.currency),
        attachments=len(idea.attachments),
        image=idea.image_file_id,
        district=Localized(district.name) if district else None,
        submitted_on=idea.submitted_at.astimezone(zone).date(),
        published_on=idea.published_at.astimezone(zone).date() if idea.published_at else None,
        supports=await turn.uow.analysis.supports(idea.id),
        feasible=idea.feasible,
        reason=idea.status_reason,
        cost=Money(idea.analysed_cost_cents, edition.currency)
        if idea.analysed_cost_cents is not None
        else None,
        notes=idea.staff_notes,
        merged_into=idea.merged_into_id,
        merged_here=await turn.uow.analysis.merged_here(idea.id),
    )


def encode_card(idea: IdeaRow) -> Encode:
    """The card's buttons name the idea with the status and verdict it showed."""

    def encode(button: Button) -> str:
        if button.action == "questionnaire":
            return FollowUpButton(action="send", idea=idea.id, questionnaire=button.arg).pack()
        if button.action == "pair":
            return encode_merge(button)
        return AnalysisButton(
            action=button.action, idea=idea.id, status=idea.status, feasible=idea.feasible
        ).pack()

    return encode


async def press_analysis_button(
    query: CallbackQuery, callback_data: AnalysisButton, turn: Turn, state: FSMContext
) -> None:
    number, action = callback_data.idea, callback_data.action
    if not await is_allowed(turn, Role.ANALYST):
        await refuse_button(turn, f"idea:{number}")
        return
    idea = await turn.uow.analysis.idea(turn.stored.id, number) if 0 < number <= IDEA_MAX else None
    if idea is None or callback_data.status not in STATUSES:
        turn.show(Reply("analysis.error.no_idea", number=number, notice=True))
        return
    if action == "cancel":
        await put_question(state, None)
        turn.show(Reply("analysis.cancelled", edit=True))
        return
    seen = IdeaStatus(callback_data.status), callback_data.feasible
    if action in {"cost", "notes"}:
        question = Question.COST if action == "cost" else Question.NOTES
        await ask(turn, state, Awaiting(number, question, *seen, turn.now), idea)
        return
    if action not in {"feasible", "not_feasible", "merge"}:
        turn.show(Reply("error.invalid_button", notice=True))
        return
    if not analysis.analysis_open(turn.edition, turn.now):
        turn.show(Reply("analysis.error.closed", notice=True))
        return
    if (idea.status, idea.feasible) != seen:
        turn.show(Reply("analysis.changed", number=number, notice=True))
        await show_analysis(turn, idea, edit=True)
        return
    if action == "merge":
        await ask(turn, state, Awaiting(number, Question.MERGE_WITH, *seen, turn.now), idea)
    elif not analysis.may_judge(seen[0], seen[1], action == "feasible"):
        turn.show(Reply("analysis.error.not_judgeable", number=number, notice=True))
    elif action == "not_feasible":
        await ask(turn, state, Awaiting(number, Question.REASON, *seen, turn.now), idea)
    else:
        await judge(turn, idea, seen, True, None, edit=True)


async def ask(turn: Turn, state: FSMContext, awaiting: Awaiting, idea: IdeaRow) -> None:
    await listen(state, AnalystAnswer.writing)
    await put_question(state, awaiting)
    alike: list[PairIdea] = []
    if awaiting.question is Question.MERGE_WITH:
        texts = await turn.uow.analysis.texts(turn.stored.id, MERGED_FROM)
        others = [other for other, _ in most_alike(idea.id, texts)]
        alike = await pair_ideas(turn, others)
    estimate = Money(idea.budget_cents, turn.edition.currency)
    turn.show(analysis.ask(awaiting, idea.title, estimate, alike), encode_card(idea))


async def judge(
    turn: Turn,
    idea: IdeaRow,
    seen: tuple[IdeaStatus, bool | None],
    feasible: bool,
    reason: str | None,
    edit: bool = False,
) -> None:
    number = idea.id
    change = await turn.uow.analysis.judge(
        turn.stored.id, number, seen, feasible, reason, only_from=JUDGED_FROM
    )
    if change is None:
        turn.show(Reply("analysis.changed", number=number, notice=edit))
        fresh = await turn.uow.analysis.idea(turn.stored.id, number)
        if fresh is not None:
            await show_analysis(turn, fresh, edit=edit)
        return
    action = "idea_feasible" if feasible else "idea_not_feasible"
    await turn.uow.audit.record(
        turn.user.id, action, f"idea:{number}", turn.now, before=change.before, after=change.after
    )
    author = await turn.uow.analysis.author(idea)
    told = analysis.told_verdict(number, idea.title, feasible, seen[0], reason or "")
    turn.show(told, lang=author.language, chat_id=author.telegram_id)
    done = "analysis.done.feasible" if feasible else "analysis.done.not_feasible"
    turn.show(Reply(done, number=number, notice=edit))
    fresh = await turn.uow.analysis.idea(turn.stored.id, number)
    assert fresh is not None
    await show_analysis(turn, fresh, edit=edit)


async def answer_question(message: Message, turn: Turn, state: FSMContext) -> None:
    awaiting = await load_question(state)
    if awaiting is None or awaiting.lapsed(turn.now) or not await is_allowed(turn, Role.ANALYST):
        # Asked too long ago, or no longer an analyst: what is typed is nobody's answer.
        await put_question(state, None)
        await stop_listening(state)
        await show_menu(turn, state)
        return
    envelope = Money(turn.edition.envelope_cents, turn.edition.currency)
    answer = analysis.read_answer(awaiting.question, event_from_message(message), envelope)
    if answer.refusal is not None:
        turn.show(answer.refusal)
        return
    await put_question(state, None)
    await stop_listening(state, AnalystAnswer.writing)
    number, value = awaiting.idea, answer.value
    idea = await turn.uow.analysis.idea(turn.stored.id, number)
    if idea is None:
        turn.show(Reply("analysis.error.no_idea", number=number))
        return
    match awaiting.question:
        case Question.REASON:
            if not analysis.analysis_open(turn.edition, turn.now):
                turn.show(Reply("analysis.error.closed"))
                return
            seen = awaiting.status, awaiting.feasible
            await judge(turn, idea, seen, False, str(value))
        case Question.COST | Question.NOTES:
            await save_value(turn, idea, awaiting.question, value)
        case Question.MERGE_WITH:
            assert isinstance(value, int)
            if not await show_pair(turn, number, value):
                await put_question(state, awaiting)
                await listen(state, AnalystAnswer.writing)


async def save_value(turn: Turn, idea: IdeaRow, question: Question, value: object) -> None:
    number, currency = idea.id, turn.edition.currency
    if question is Question.COST:
        assert isinstance(value, int)
        change = await turn.uow.analysis.set_cost(turn.stored.id, number, value)
        done = Reply("analysis.done.cost", number=number, value=Money(value, currency))
    else:
        change = await turn.uow.analysis.set_notes(turn.stored.id, number, str(value))
        done = Reply("analysis.done.notes", number=number)
    if change is None:
        turn.show(Reply("analysis.changed", number=number))
    else:
        await turn.uow.audit.record(
            turn.user.id,
            f"idea_{question.value}",
            f"idea:{number}",
            turn.now,
            before=change.before,
            after=change.after,
        )
        turn.show(done)
    fresh = await turn.uow.analysis.idea(turn.stored.id, number)
    assert fresh is not None
    await show_analysis(turn, fresh)


# -- look-alike ideas ------------------------------------------------------------------------


async def propose_merges(message: Message, turn: Turn, state: FSMContext) -> None:
    await put_question(state, None)
    if not analysis.analysis_open(turn.edition, turn.now):
        turn.show(Reply("analysis.error.closed"))
        return
    pairs = await look_alike_pairs(turn)
    if not pairs:
        turn.show(Reply("analysis.merge.none"))
        return
    await show_pair(turn, pairs[0].first, pairs[0].second, pairs)


async def look_alike_pairs(turn: Turn) -> list[LookAlike]:
    texts = await turn.uow.analysis.texts(turn.stored.id, MERGED_FROM)
    dismissed = await turn.uow.analysis.dismissed()
    return [pair for pair in look_alikes(texts) if (pair.first, pair.second) not in dismissed]


async def pair_ideas(turn: Turn, numbers: list[int]) -> list[PairIdea]:
    found = await turn.uow.analysis.summaries(turn.stored.id, numbers)
    return [
        PairIdea(s.number, s.title, s.description, s.status, s.supports)
        for number in numbers
        if (s := found.get(number)) is not None
    ]


async def show_pair(turn: Turn, one: int, other: int, pairs: list[LookAlike] | None = None) -> bool:
    """Two ideas side by side, the older first, with where they are in the list of /merge;
    False (saying why) if there are not two such ideas."""
    if one == other:
        turn.show(Reply("analysis.merge.refused.same", notice=True))
        return False
    ideas = await pair_ideas(turn, sorted((one, other)) if other <= IDEA_MAX else [one])
    if len(ideas) < 2:
        missing = other if one in {idea.number for idea in ideas} else one
        turn.show(Reply("analysis.error.no_idea", number=missing, notice=True))
        return False
    first, second = ideas
    pairs = await look_alike_pairs(turn) if pairs is None else pairs
    position = next(
        (
            i
            for i, pair in enumerate(pairs, 1)
            if (pair.first, pair.second) == (first.number, second.number)
        ),
        None,
    )
    score = alike(f"{first.title}. {first.description}", f"{second.title}. {second.description}")
    turn.show(analysis.pair_screen(first, second, score, position, len(pairs)), encode_merge)
    return True


async def show_next_pair(turn: Turn, after: tuple[int, int]) -> None:
    pairs = await look_alike_pairs(turn)
    shown = [(pair.first, pair.second) for pair in pairs]
    following = pairs[shown.index(after) + 1 :] if after in shown else pairs
    if not following:
        turn.show(Reply("analysis.merge.end", edit=True))
        return
    await show_pair(turn, following[0].first, following[0].second, pairs)


def encode_merge(button: Button) -> str:
    one, _, other = button.arg.partition(":")
    return MergeButton(action=button.action, idea=int(one), other=int(other)).pack()


async def press_merge_button(
    query: CallbackQuery, callback_data: MergeButton, turn: Turn, state: FSMContext
) -> None:
    one, other = callback_data.idea, callback_data.other
    if not await is_allowed(turn, Role.ANALYST):
        await refuse_button(turn, pair_subject(one, other))
        return
    if not (0 < one <= IDEA_MAX and 0 < other <= IDEA_MAX):
        turn.show(Reply("error.invalid_button", notice=True))
        return
    if not analysis.analysis_open(turn.edition, turn.now):
        turn.show(Reply("analysis.error.closed", notice=True))
        return
    await put_question(state, None)
    pair = (min(one, other), max(one, other))
    match callback_data.action:
        case "pair":
            await show_pair(turn, one, other)
        case "merge":
            await confirm_merge(turn, absorbed=one, kept=other)
        case "confirm":
            await merge(turn, absorbed=one, kept=other)
        case "dismiss":
            await turn.uow.audit.record(turn.user.id, DISMISSED, pair_subject(*pair), turn.now)
            turn.show(Reply("analysis.merge.dismissed", notice=True))
            await show_next_pair(turn, pair)
        case "next":
            await show_next_pair(turn, pair)
        case _:
            turn.show(Reply("error.invalid_button", notice=True))


async def confirm_merge(turn: Turn, absorbed: int, kept: int) -> None:
    if absorbed == kept:
        turn.show(Reply("analysis.merge.refused.same", notice=True))
        return
    ideas = {idea.number: idea for idea in await pair_ideas(turn, [absorbed, kept])}
    for number in (absorbed, kept):
        if number not in ideas:
            turn.show(Reply("analysis.error.no_idea", number=number, notice=True))
            return
    turn.show(analysis.confirm_merge(ideas[absorbed], ideas[kept]), encode_merge)


async def merge(turn: Turn, absorbed: int, kept: int) -> None:
    outcome = await turn.uow.analysis.merge(turn.stored.id, absorbed, kept, only_from=MERGED_FROM)
    if not isinstance(outcome, Merged):
        key = f"analysis.merge.refused.{outcome.reason}"
        if outcome.reason == "unknown":
            key = "analysis.error.no_idea"
        status = analysis.status_text(outcome.status) if outcome.status else ""
        into = outcome.into or Text("form.preview.empty")
        turn.show(Reply(key, number=outcome.idea, into=into, status=status, notice=True))
        return
    await turn.uow.audit.record(
        turn.user.id,
        "idea_merge",
        f"idea:{absorbed}",
        turn.now,
        before={"status": outcome.absorbed_status.value, "merged_into_id": None},
        after={
            "status": IdeaStatus.MERGED.value,
            "merged_into_id": kept,
            "supports_moved": outcome.moved,
            "duplicate_supports": outcome.duplicates,
            "repointed": list(outcome.repointed),
        },
    )
    await tell_authors(turn, outcome)
    turn.show(analysis.merged(absorbed, kept, outcome.moved, outcome.duplicates), encode_merge)


async def tell_authors(turn: Turn, outcome: Merged) -> None:
    absorbed = await turn.uow.analysis.idea(turn.stored.id, outcome.absorbed)
    kept = await turn.uow.analysis.idea(turn.stored.id, outcome.kept)
    assert absorbed is not None and kept is not None
    gone = await turn.uow.analysis.author(absorbed)
    told = analysis.told_merged_away(absorbed.id, absorbed.title, kept.id, kept.title)
    turn.show(told, lang=gone.language, chat_id=gone.telegram_id)
    if kept.citizen_id != absorbed.citizen_id:
        staying = await turn.uow.analysis.author(kept)
        told = analysis.told_merged_in(kept.id, kept.title, absorbed.id, absorbed.title)
        turn.show(told, lang=staying.language, chat_id=staying.telegram_id)
