"""/pending: moderators go through the submitted ideas, then the suggestions, oldest first;
they publish them, ask the author for changes or reject them, and the authors are told in
their own language. Every decision is taken once, whoever presses first, and audited."""

from dataclasses import replace

from aiogram import Bot, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

from bot.handlers.common import count, event_from_message, show_menu
from bot.handlers.idea_form import idea_link
from bot.handlers.ideas import file_message
from bot.runtime.callbacks import Encode, ModerationButton, encode_menu
from bot.runtime.filters import NotACommand
from bot.runtime.fsm_storage import MODERATION_DESTINY, destiny_state
from bot.runtime.listening import listen, stop_listening
from bot.runtime.staff_access import StaffCommand, is_allowed, refuse_button
from bot.runtime.turn import Turn
from budget.figures import Tally
from budget.roles import Role
from budget.serialise import dump, load
from conversations import moderation
from conversations.idea_browser import Attachment
from conversations.menu import MenuAction
from conversations.moderation import (
    IDEA_STATUS,
    NEEDS_REASON,
    SUGGESTION_STATUS,
    Awaiting,
    Decision,
    IdeaCard,
    Item,
    Kind,
    SuggestionCard,
)
from conversations.replies import Button, Reply
from storage.moderation import WAITING, PendingSuggestion, fingerprint
from storage.tables import IdeaRow

ITEM_MAX = 2**31 - 1


def router() -> Router:
    router = Router(name="moderation")
    router.message.register(list_pending, Command("pending"), StaffCommand(Role.MODERATOR))
    router.callback_query.register(press_moderation_button, ModerationButton.filter())
    router.message.register(receive_reason, ModerationReason.writing, NotACommand())
    return router


class ModerationReason(StatesGroup):
    """A moderator writing why an idea is sent back or rejected."""

    writing = State()


def moderation_fsm(state: FSMContext) -> FSMContext:
    """The reason a moderator is writing is kept apart from their own idea draft, if any."""
    return destiny_state(state, MODERATION_DESTINY)


async def load_awaiting(state: FSMContext) -> Awaiting | None:
    data = await moderation_fsm(state).get_data()
    return load(Awaiting, data) if data else None


async def stop_awaiting(state: FSMContext) -> Awaiting | None:
    """No reason is awaited any more; the one that was, if any."""
    awaiting = await load_awaiting(state)
    if awaiting is not None:
        await moderation_fsm(state).set_data({})
    await stop_listening(state, ModerationReason.writing)
    return awaiting


def encode_for(item: Item, version: str = "") -> Encode:
    """`version`: the fingerprint of the idea as shown, for the buttons that decide on it."""

    def encode(button: Button) -> str:
        if isinstance(button.action, MenuAction):
            return encode_menu(button)
        return ModerationButton(
            action=button.action, kind=item.kind, item=item.number, arg=button.arg, version=version
        ).pack()

    return encode


async def list_pending(message: Message, turn: Turn, state: FSMContext) -> None:
    await stop_listening(state)
    await stop_awaiting(state)
    await show_next(turn, after=None)


async def press_moderation_button(
    query: CallbackQuery,
    callback_data: ModerationButton,
    turn: Turn,
    state: FSMContext,
    bot: Bot,
) -> None:
    kind, action, arg = callback_data.kind, callback_data.action, callback_data.arg
    if not await is_allowed(turn, Role.MODERATOR):
        await refuse_button(turn, f"{kind}:{callback_data.item}")
        return
    # A forged number past the database's integer would crash the update.
    if kind not in set(Kind) or not 0 < callback_data.item <= ITEM_MAX:
        turn.show(Reply("error.invalid_button", notice=True))
        return
    item, version = Item(Kind(kind), callback_data.item), callback_data.version
    # Whatever was pressed, a reason the moderator was writing is no longer awaited.
    awaiting = await stop_awaiting(state)
    if action == "confirm":
        if awaiting is None or awaiting.number != item.number or awaiting.reason is None:
            turn.show(Reply("error.invalid_button", notice=True))
            return
        await decide(turn, bot, item, awaiting.decision, awaiting.reason, awaiting.seen)
    elif action == "next":
        await show_next(turn, after=item)
    elif action == "card":
        await show_again(turn, item)
    elif action == "files" and item.kind is Kind.IDEA:
        await send_attachments(turn, item)
    elif action == "reasons" and arg in set(NEEDS_REASON) and item.kind is Kind.IDEA:
        await show_reasons(turn, item, Decision(arg), version)
    elif action == "write" and arg in set(NEEDS_REASON) and item.kind is Kind.IDEA:
        await wait_for_reason(turn, state, item, Decision(arg), version)
    elif action == "decide" and (choice := moderation.parse_choice(arg, item.kind, turn.edition)):
        await decide(turn, bot, item, *choice, version)
    else:
        turn.show(Reply("error.invalid_button", notice=True))


async def receive_reason(message: Message, turn: Turn, state: FSMContext) -> None:
    awaiting = await load_awaiting(state)
    if awaiting is None:
        await stop_listening(state)
        await show_menu(turn, state)
        return
    item = Item(Kind.IDEA, awaiting.number)
    if not await is_allowed(turn, Role.MODERATOR):
        await stop_awaiting(state)
        await refuse_button(turn, f"{item.kind}:{item.number}")
        return
    reason = moderation.written_reason(event_from_message(message))
    if isinstance(reason, Reply):
        turn.show(reason, encode_for(item))
        return
    written = replace(awaiting, reason=reason)
    await moderation_fsm(state).set_data(dump(written))
    turn.show(moderation.confirm_reason(written), encode_for(item, awaiting.seen))


# -- showing -------------------------------------------------------------------------------


async def pending(turn: Turn) -> list[Item]:
    edition_id, uow = turn.stored.id, turn.uow
    ideas = [Item(Kind.IDEA, n) for n in await uow.moderation.pending_ideas(edition_id)]
    suggestions = await uow.moderation.pending_suggestions(edition_id)
    return ideas + [Item(Kind.SUGGESTION, n) for n in suggestions]


async def show_next(turn: Turn, after: Item | None) -> None:
    queue = await pending(turn)
    item = moderation.next_item(queue, after)
    if item is None:
        turn.show(moderation.nothing_pending())
    elif item == after:
        turn.show(Reply("moderation.next.none", notice=True))
    else:
        await show_card(turn, item, queue, again=False)


async def show_again(turn: Turn, item: Item) -> None:
    """Back from the reasons to the card, if the item is still waiting."""
    queue = await pending(turn)
    if item in queue:
        await show_card(turn, item, queue, again=True)
    else:
        await explain_decided(turn, item)


async def show_card(turn: Turn, item: Item, queue: list[Item], again: bool) -> None:
    position, total = queue.index(item) + 1, len(queue)
    if item.kind is Kind.IDEA:
        row = await turn.uow.moderation.idea(turn.stored.id, item.number)
        assert row is not None
        paper = await turn.uow.stands.paper_idea(row.id)
        origin = moderation.PaperOrigin(**vars(paper)) if paper else None
        card = moderation.idea_card(
            idea_card(row, turn, origin), turn.edition, position, total, again
        )
        turn.show(card, encode_for(item, fingerprint(row)))
    else:
        suggestion = await turn.uow.moderation.suggestion(turn.stored.id, item.number)
        assert suggestion is not None
        card_reply = moderation.suggestion_card(
            suggestion_card(suggestion, turn), position, total, again
        )
        turn.show(card_reply, encode_for(item))


async def show_reasons(turn: Turn, item: Item, decision: Decision, version: str) -> None:
    row = await turn.uow.moderation.idea(turn.stored.id, item.number)
    if row is None or row.status != WAITING:
        await explain_decided(turn, item)
        return
    if fingerprint(row) != version:
        await show_changed(turn, item)
        return
    reasons = moderation.reasons(decision, item.number, row.title, turn.edition)
    turn.show(reasons, encode_for(item, version))


async def wait_for_reason(
    turn: Turn, state: FSMContext, item: Item, decision: Decision, version: str
) -> None:
    row = await turn.uow.moderation.idea(turn.stored.id, item.number)
    if row is None or row.status != WAITING:
        await explain_decided(turn, item)
        return
    if fingerprint(row) != version:
        await show_changed(turn, item)
        return
    awaiting = Awaiting(item.number, decision, seen=version)
    # What is typed next is the reason, not an answer to the moderator's own idea draft.
    await listen(state, ModerationReason.writing)
    await moderation_fsm(state).set_data(dump(awaiting))
    turn.show(moderation.ask_reason(awaiting), encode_for(item, version))


async def send_attachments(turn: Turn, item: Item) -> None:
    """The documents and photos the author attached, whatever the idea's status: moderators
    read them before deciding, when no citizen can open them yet."""
    row = await turn.uow.moderation.idea(turn.stored.id, item.number)
    if row is None or not row.attachments:
        turn.show(Reply("error.invalid_button", notice=True))
        return
    for attachment in row.attachments:
        turn.send(file_message(Attachment(attachment.kind, attachment.file_id, ""), turn.chat_id))


def idea_card(row: IdeaRow, turn: Turn, paper: moderation.PaperOrigin | None = None) -> IdeaCard:
    return IdeaCard(
        number=row.id,
        author_kind=row.author_kind,
        organisation=row.organisation,
        title=row.title,
        description=row.description,
        objectives=row.objectives,
        beneficiaries=row.beneficiaries,
        theme=row.theme,
        implementation=row.implementation,
        address=row.address,
        latitude=row.latitude,
        longitude=row.longitude,
        budget_cents=row.budget_cents,
        image_file_id=row.image_file_id,
        attachments=len(row.attachments),
        district=row.district,
        deposited_on=row.submitted_at.astimezone(turn.edition.zone).date(),
        earlier_reason=row.status_reason,
        checklist=tuple((row.checklist or {}).items()),
        paper=paper,
    )


def suggestion_card(suggestion: PendingSuggestion, turn: Turn) -> SuggestionCard:
    return SuggestionCard(
        number=suggestion.id,
        text=suggestion.text,
        idea_number=suggestion.idea_id,
        idea_title=suggestion.idea_title,
        sent_on=suggestion.at.astimezone(turn.edition.zone).date(),
    )


# -- deciding ------------------------------------------------------------------------------


async def decide(
    turn: Turn, bot: Bot, item: Item, decision: Decision, reason: str | None, version: str
) -> None:
    """Take the decision if the item is still waiting and, for an idea, is still the version
    the moderator saw (`version`); tell those concerned, show the next."""
    uow, edition_id = turn.uow, turn.stored.id
    if item.kind is Kind.IDEA:
        status = IDEA_STATUS[decision].value
        taken = await uow.moderation.decide_idea(
            edition_id, item.number, IDEA_STATUS[decision], reason, turn.now, seen=version
        )
    else:
        status = SUGGESTION_STATUS[decision]
        taken = await uow.moderation.decide_suggestion(edition_id, item.number, status)
    if not taken:
        if item.kind is Kind.IDEA and await still_waiting(turn, item):
            await show_changed(turn, item)
        else:
            await explain_decided(turn, item)
        return
    after: dict[str, object] = {"status": status}
    if reason is not None:
        after["reason"] = reason
    await uow.audit.record(
        turn.user.id,
        moderation.audited_as(item.kind, decision),
        f"{item.kind}:{item.number}",
        turn.now,
        before={"status": WAITING},
        after=after,
    )
    if item.kind is Kind.IDEA:
        if decision is Decision.PUBLISH:
            row = await uow.moderation.idea(edition_id, item.number)
            source = await uow.tallies.idea_source(item.number)
            await count(turn, Tally.IDEA_PUBLISHED, row.district if row else None, source or "")
        await tell_idea_author(turn, bot, item.number, decision, reason)
    else:
        await tell_suggestion_authors(turn, item.number, decision)
    shown_reason = moderation.reason_text(reason, turn.edition) if reason else ""
    turn.show(moderation.decided(item, decision, shown_reason), encode_for(item))
    await show_next(turn, after=item)


async def tell_idea_author(
    turn: Turn, bot: Bot, number: int, decision: Decision, reason: str | None
) -> None:
    row = await turn.uow.moderation.idea(turn.stored.id, number)
    author = await turn.uow.moderation.author(number)
    assert row is not None and author is not None
    shown_reason = moderation.reason_text(reason, turn.edition, advice=True) if reason else ""
    link = await idea_link(bot, row.share_code)
    notice = moderation.tell_author(decision, number, row.title, shown_reason, turn.edition, link)
    turn.show(notice, encode_menu, lang=author.language, chat_id=author.telegram_id)


async def tell_suggestion_authors(turn: Turn, number: int, decision: Decision) -> None:
    suggestion = await turn.uow.moderation.suggestion(turn.stored.id, number)
    assert suggestion is not None
    card = suggestion_card(suggestion, turn)
    if decision is Decision.PUBLISH:
        idea_author = suggestion.idea_author
        turn.show(
            moderation.tell_idea_author(card),
            lang=idea_author.language,
            chat_id=idea_author.telegram_id,
        )
    sender = suggestion.sender
    turn.show(
        moderation.tell_sender(decision, card), lang=sender.language, chat_id=sender.telegram_id
    )


async def still_waiting(turn: Turn, item: Item) -> bool:
    row = await turn.uow.moderation.idea(turn.stored.id, item.number)
    return row is not None and row.status == WAITING


async def show_changed(turn: Turn, item: Item) -> None:
    """The author changed the idea since its card was shown: the card as it is now."""
    turn.show(moderation.changed_since(item.number))
    await show_card(turn, item, await pending(turn), again=False)


async def explain_decided(turn: Turn, item: Item) -> None:
    """The item is no longer waiting: say what became of it and who decided."""
    if item.kind is Kind.IDEA:
        row = await turn.uow.moderation.idea(turn.stored.id, item.number)
        status = row.status if row else None
    else:
        suggestion = await turn.uow.moderation.suggestion(turn.stored.id, item.number)
        status = suggestion.status if suggestion else None
    if status is None or status == WAITING:
        # Another edition's idea, or one that does not exist: a forged or garbled button.
        turn.show(Reply("error.invalid_button", notice=True))
        return
    decisions = moderation.audit_actions(item.kind)
    entries = [
        entry
        for entry in await turn.uow.audit.of(f"{item.kind}:{item.number}")
        if entry.action in decisions
    ]
    by = entries[-1].actor if entries else None
    turn.show(moderation.already_decided(item, status, by, turn.user.id))
