"""/volunteer, the invitation of those drawn by lot, /committee (members give their view on
each feasible idea) and /selection (an admin confirms which ideas go on the ballot)."""

from aiogram import Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.handlers.common import ask_consent
from bot.runtime.callbacks import (
    InvitationButton,
    ReviewButton,
    SelectionButton,
    VolunteerButton,
    encode_menu,
)
from bot.runtime.listening import stop_listening
from bot.runtime.staff_access import StaffCommand, is_allowed, refuse_button
from bot.runtime.turn import Turn
from budget.edition import Phase
from budget.ideas import IdeaStatus
from budget.roles import Role
from budget.sortition import Draw, VolunteerState
from conversations import committee
from conversations.committee import (
    Effect,
    IdeaCard,
    Review,
    SelectionView,
    Tally,
    VolunteerContext,
    VolunteerView,
)
from conversations.replies import Button, Localized, Money, Reply
from storage.committee import Volunteer, edition_subject, put_idea_on_ballot


def router() -> Router:
    router = Router(name="committee")
    router.message.register(offer_to_volunteer, Command("volunteer"))
    router.callback_query.register(press_volunteer_button, VolunteerButton.filter())
    router.callback_query.register(answer_invitation, InvitationButton.filter())
    router.message.register(review_ideas, Command("committee"), StaffCommand(Role.COMMITTEE))
    router.callback_query.register(press_review_button, ReviewButton.filter())
    router.message.register(show_selection, Command("selection"), StaffCommand(Role.ADMIN))
    router.callback_query.register(press_selection_button, SelectionButton.filter())
    return router


def encode_committee(button: Button) -> str:
    action, arg = button.action, button.arg
    if action in {"district", "change", "withdraw"}:
        return VolunteerButton(action=action, arg=arg).pack()
    if action in {"accept", "refuse"}:
        return InvitationButton(action=action, volunteer=int(arg)).pack()
    if action in {"retain", "reject", "show"}:
        return ReviewButton(action=action, idea=int(arg)).pack()
    if action in {"confirm", "refresh"}:
        return SelectionButton(action=action, check=arg).pack()
    return encode_menu(button)


# -- volunteering -------------------------------------------------------------------------


def volunteer_view(volunteer: Volunteer, draw: Draw | None) -> VolunteerView:
    rank = None
    district = draw.district(volunteer.district) if draw else None
    if district is not None and volunteer.citizen_id in district.reserve:
        rank = district.reserve.index(volunteer.citizen_id) + 1
    return VolunteerView(volunteer.id, volunteer.district, volunteer.state, rank)


async def recorded_draw(turn: Turn) -> Draw | None:
    record = await turn.uow.committee.last_draw(turn.stored.id)
    return Draw.from_dict(record) if record else None


async def volunteer_context(turn: Turn, hold: bool = False) -> VolunteerContext:
    """Where the citizen stands; `hold` first takes the list of volunteers for this update,
    so that what is then changed cannot cross the list being closed."""
    assert turn.citizen is not None
    volunteers = turn.uow.committee
    closed = (
        await volunteers.hold_list(turn.stored.id)
        if hold
        else await volunteers.closed_list(turn.stored.id)
    )
    volunteer = await volunteers.volunteer(turn.stored.id, turn.citizen.id)
    draw = await recorded_draw(turn)
    view = volunteer_view(volunteer, draw) if volunteer else None
    return VolunteerContext(turn.edition, turn.now, view, draw is not None, closed is not None)


async def offer_to_volunteer(message: Message, turn: Turn, state: FSMContext) -> None:
    if turn.citizen is None:
        ask_consent(turn, "")
        return
    await stop_listening(state)
    turn.show(committee.volunteer_screen(await volunteer_context(turn)), encode_committee)


async def press_volunteer_button(
    query: CallbackQuery, callback_data: VolunteerButton, turn: Turn
) -> None:
    if turn.citizen is None:
        turn.show(Reply("committee.error.invalid_button", notice=True))
        return
    ctx = await volunteer_context(turn, hold=True)
    outcome = committee.press_volunteer(ctx, callback_data.action, callback_data.arg)
    volunteers, done = turn.uow.committee, True
    if outcome.effect is Effect.JOIN:
        done = await volunteers.join(turn.stored.id, turn.citizen.id, outcome.district, turn.now)
    elif outcome.effect is Effect.MOVE and ctx.volunteer is not None:
        done = await volunteers.move(ctx.volunteer.id, outcome.district)
    elif outcome.effect is Effect.WITHDRAW and ctx.volunteer is not None:
        done = await volunteers.withdraw(ctx.volunteer.id)
    if not done:
        # Another tap, or the draw, got there first: say where things stand now.
        fresh = await volunteer_context(turn)
        turn.show(committee.volunteer_screen(fresh, edit=True), encode_committee)
        return
    turn.show(outcome.replies, encode_committee)


# -- the invitation -----------------------------------------------------------------------


async def answer_invitation(
    query: CallbackQuery, callback_data: InvitationButton, turn: Turn
) -> None:
    # A forged number past the database's integers would fail the query rather than be refused.
    if callback_data.action not in {"accept", "refuse"} or not 0 < callback_data.volunteer < 2**31:
        turn.show(Reply("committee.error.invalid_button", notice=True))
        return
    accept = callback_data.action == "accept"
    uow = turn.uow
    volunteer = await uow.committee.volunteer_by_id(callback_data.volunteer)
    if (
        volunteer is None
        or turn.citizen is None
        or volunteer.citizen_id != turn.citizen.id
        or volunteer.edition_id != turn.stored.id
    ):
        volunteer = None
    draw = await recorded_draw(turn)
    view = volunteer_view(volunteer, draw) if volunteer else None
    at_work = committee.committee_at_work(turn.edition, turn.now)
    outcome = committee.answer_invitation(view, accept, at_work)
    if outcome.accept is None or volunteer is None:
        turn.show(outcome.replies, encode_committee)
        return
    if not await uow.committee.answer(volunteer.id, accept):
        # Answered meanwhile (from another device): one answer counts, the first.
        fresh = await uow.committee.volunteer_by_id(volunteer.id)
        again = committee.answer_invitation(
            volunteer_view(fresh, draw) if fresh else None, accept, at_work
        )
        turn.show(again.replies, encode_committee)
        return
    state = VolunteerState.ACCEPTED if accept else VolunteerState.REFUSED
    await uow.audit.record(
        turn.user.id,
        f"committee_{state.value}",
        f"volunteer:{volunteer.id}",
        turn.now,
        before={"state": VolunteerState.ASKED.value},
        after={"state": state.value, "district": volunteer.district},
    )
    if accept:
        # The seat itself gives the role: nobody else had to name this member.
        await uow.staff.add(turn.user.id, Role.COMMITTEE.value, turn.user.id, turn.now)
        await tell_admins(
            turn,
            Reply(
                "committee.staff.accepted",
                number=str(volunteer.citizen_id),
                district=committee.district_name(turn.edition, volunteer.district),
            ),
        )
    else:
        await offer_seat_to_reserve(turn, volunteer, draw)
    turn.show(outcome.replies, encode_committee)


async def offer_seat_to_reserve(turn: Turn, refused: Volunteer, draw: Draw | None) -> None:
    """The seat goes to the first of the same district's reserve list still waiting."""
    district = draw.district(refused.district) if draw else None
    reserve = district.reserve if district else ()
    successor = await turn.uow.committee.ask_next(turn.stored.id, reserve)
    name = committee.district_name(turn.edition, refused.district)
    if successor is None:
        await tell_admins(
            turn,
            Reply("committee.staff.refused_empty", number=str(refused.citizen_id), district=name),
        )
        return
    await turn.uow.audit.record(
        turn.user.id,
        "committee_asked",
        f"volunteer:{successor.id}",
        turn.now,
        before={"state": VolunteerState.VOLUNTEERED.value},
        after={"state": VolunteerState.ASKED.value, "instead_of": refused.id},
    )
    turn.show(
        committee.invitation(turn.edition, volunteer_view(successor, draw)),
        encode_committee,
        lang=successor.language,
        chat_id=successor.telegram_id,
    )
    await tell_admins(
        turn,
        Reply(
            "committee.staff.refused_next",
            number=str(refused.citizen_id),
            district=name,
            next=str(successor.citizen_id),
        ),
    )


async def tell_admins(turn: Turn, reply: Reply) -> None:
    admins = set(turn.settings.staff_ids) | set(await turn.uow.staff.members(Role.ADMIN.value))
    known = await turn.uow.citizens.by_telegram_ids(sorted(admins))
    for admin in sorted(admins):
        language = known[admin].language if admin in known else turn.edition.languages[0]
        turn.show(reply, lang=language, chat_id=admin)


# -- reviewing the ideas ------------------------------------------------------------------


async def load_review(turn: Turn) -> Review:
    edition = turn.edition
    candidates = await turn.uow.committee.candidates(turn.stored.id)
    views = await turn.uow.committee.votes_of(turn.user.id, [c.id for c in candidates])
    cards = []
    for candidate in candidates:
        theme = edition.theme(candidate.theme)
        district = edition.district(candidate.district or "")
        cards.append(
            IdeaCard(
                id=candidate.id,
                title=candidate.title,
                description=candidate.description,
                cost=Money(candidate.cost_cents, edition.currency)
                if candidate.cost_cents is not None
                else None,
                supports=candidate.supports,
                theme=Localized(theme.label) if theme else None,
                district=Localized(district.name) if district else None,
            )
        )
    return Review(cards, views)


async def review_ideas(message: Message, turn: Turn, state: FSMContext) -> None:
    await stop_listening(state)
    if not turn.edition.is_open(Phase.ANALYSIS, turn.now):
        turn.show(committee.review_closed(turn.edition, turn.now))
        return
    turn.show(committee.open_review(await load_review(turn)), encode_committee)


async def press_review_button(
    query: CallbackQuery, callback_data: ReviewButton, turn: Turn
) -> None:
    idea_id, action = callback_data.idea, callback_data.action
    if not await is_allowed(turn, Role.COMMITTEE):
        await refuse_button(turn, f"idea:{idea_id}")
        return
    if not turn.edition.is_open(Phase.ANALYSIS, turn.now):
        turn.show(committee.review_closed(turn.edition, turn.now, notice=True))
        return
    review = await load_review(turn)
    index = review.index(idea_id)
    if index is None or action not in {"retain", "reject", "show"}:
        # Decided since, not feasible, another edition's, or forged.
        turn.show(Reply("committee.review.not_candidate", notice=True))
        return
    if action == "show":
        turn.show(committee.review_card(review, index, edit=True), encode_committee)
        return
    retain = action == "retain"
    earlier = await turn.uow.committee.vote(idea_id, turn.user.id, retain, turn.now)
    if earlier is not retain:
        await turn.uow.audit.record(
            turn.user.id,
            "committee_view",
            f"idea:{idea_id}",
            turn.now,
            before=None if earlier is None else {"retain": earlier},
            after={"retain": retain},
        )
    review = Review(review.cards, {**review.views, idea_id: retain})
    turn.show(committee.after_view(review, index), encode_committee)


# -- the selection ------------------------------------------------------------------------


async def selection_view(turn: Turn) -> SelectionView:
    uow, edition = turn.uow, turn.edition
    candidates = await uow.committee.candidates(turn.stored.id)
    ids = [candidate.id for candidate in candidates]
    tallies = await uow.committee.tallies(ids)
    members = set(await uow.staff.members(Role.COMMITTEE.value)) | await uow.committee.voters(ids)
    return SelectionView(
        tallies=[
            Tally(
                idea=c.id,
                title=c.title,
                retain=tallies[c.id][0],
                not_retain=tallies[c.id][1],
                not_voted=max(0, len(members) - sum(tallies[c.id])),
                cost_cents=c.cost_cents,
            )
            for c in candidates
        ],
        members=len(members),
        currency=edition.currency,
        envelope_cents=edition.envelope_cents,
        still_analysed=await uow.committee.still_analysed(turn.stored.id),
    )


async def nothing_to_select(turn: Turn, notice: bool = False) -> Reply:
    if await turn.uow.committee.decided(turn.stored.id):
        return Reply("committee.selection.already", notice=notice)
    return Reply("committee.selection.nothing", notice=notice)


async def show_selection(message: Message, turn: Turn, state: FSMContext) -> None:
    await stop_listening(state)
    view = await selection_view(turn)
    if not view.tallies:
        turn.show(await nothing_to_select(turn))
        return
    turn.show(committee.selection_screens(view), encode_committee)


async def press_selection_button(
    query: CallbackQuery, callback_data: SelectionButton, turn: Turn
) -> None:
    if not await is_allowed(turn, Role.ADMIN):
        await refuse_button(turn, edition_subject(turn.stored.id))
        return
    if callback_data.action not in {"confirm", "refresh"}:
        turn.show(Reply("committee.error.invalid_button", notice=True))
        return
    view = await selection_view(turn)
    if not view.tallies:
        turn.show(await nothing_to_select(turn, notice=True))
        return
    if callback_data.action == "refresh":
        turn.show(committee.selection_screens(view), encode_committee)
        return
    if turn.edition.vote_has_opened(turn.now):
        turn.show(Reply("committee.selection.ballot_fixed", notice=True))
        return
    if committee.fingerprint(view.tallies) != callback_data.check:
        turn.show(
            [
                Reply("committee.selection.changed", notice=True),
                *committee.selection_screens(view),
            ],
            encode_committee,
        )
        return
    missing = committee.missing_costs(view.tallies)
    if missing:
        turn.show(committee.selection_blocked(missing))
        return
    retained, left = await confirm_selection(turn, view)
    if not retained and not left:
        turn.show(await nothing_to_select(turn, notice=True))
        return
    await turn.uow.audit.record(
        turn.user.id,
        "selection_confirmed",
        edition_subject(turn.stored.id),
        turn.now,
        after={"retained": retained, "not_retained": left},
    )
    turn.show(Reply("committee.selection.done", retained=len(retained), not_retained=len(left)))


async def confirm_selection(turn: Turn, view: SelectionView) -> tuple[list[int], list[int]]:
    """Decide each idea once (another admin's Confirm pressed at the same moment finds them
    decided), put the retained ones on the ballot and tell every author."""
    uow, edition = turn.uow, turn.edition
    authors = {c.id: c for c in await uow.committee.candidates(turn.stored.id)}
    retained: list[int] = []
    left: list[int] = []
    for tally in committee.ranked(view.tallies):
        author = authors.get(tally.idea)
        if author is None:
            continue
        lang, chat = author.author_language, author.author_telegram_id
        if tally.retained:
            # Checked before (missing_costs): an idea never goes on the ballot without a cost.
            if tally.cost_cents is None or not await uow.committee.decide(tally.idea, True, None):
                continue
            idea = await uow.ideas.get(tally.idea)
            assert idea is not None
            project = await put_idea_on_ballot(
                uow.projects, idea, tally.cost_cents, edition.languages[0], turn.now
            )
            retained.append(tally.idea)
            after = {"status": IdeaStatus.RETAINED.value, "project": project.id}
            notice = committee.retained_notice(
                tally.title,
                Money(tally.cost_cents, edition.currency),
                edition.opens_on(Phase.VOTE, turn.now),
            )
        else:
            # Kept in the author's language: the reason is shown to them.
            reason = turn.renderer.text(committee.not_retained_reason(tally), lang)
            if not await uow.committee.decide(tally.idea, False, reason):
                continue
            left.append(tally.idea)
            after = {"status": IdeaStatus.NOT_RETAINED.value, "reason": reason}
            notice = committee.not_retained_notice(tally)
        await uow.audit.record(
            turn.user.id,
            "selection_decided",
            f"idea:{tally.idea}",
            turn.now,
            before={"status": IdeaStatus.UNDER_ANALYSIS.value},
            after={**after, "retain": tally.retain, "not_retain": tally.not_retain},
        )
        turn.show(notice, lang=lang, chat_id=chat)
    return retained, left
