"""The selection committee as people see it in the chat: citizens volunteer and answer their
invitation; members review the feasible ideas one at a time; an admin confirms the selection.

There is no conversation state to keep: every button names what it acts on (a district, an
invitation, an idea), and its effect is checked against what is stored when it is pressed, so
a button from an old message either still means what it says or is answered with why not."""

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from budget.edition import Edition, Phase
from budget.sortition import VolunteerState
from conversations.replies import Button, Localized, Money, Reply, Text

SUMMARY_ON_CARD = 600
TITLE_IN_TALLY = 48
# Lines of the tally per message: 4 096 characters are enough for this many even with long
# titles and amounts.
TALLY_LINES_PER_MESSAGE = 30


def committee_at_work(edition: Edition, now: datetime) -> bool:
    """Volunteers come forward and members answer until the analysis phase is over."""
    if edition.current_phase(now) in (Phase.VOTE, Phase.RESULTS):
        return False
    return edition.closed_on(Phase.ANALYSIS, now) is None


def district_name(edition: Edition, code: str) -> Localized | Text:
    district = edition.district(code)
    return Localized(district.name) if district else Text("committee.district.whole")


# -- volunteering -------------------------------------------------------------------------


@dataclass(frozen=True)
class VolunteerView:
    id: int
    district: str
    state: VolunteerState
    # After the draw, for someone not drawn: their place on the district's reserve list.
    reserve_rank: int | None = None


@dataclass(frozen=True)
class VolunteerContext:
    edition: Edition
    now: datetime
    volunteer: VolunteerView | None
    draw_made: bool
    # The list of volunteers closed and published for the draw: nobody joins, moves or
    # withdraws any more, or the published list would not be what the draw started from.
    list_closed: bool

    @property
    def locked(self) -> bool:
        return self.list_closed or self.draw_made


class Effect(StrEnum):
    JOIN = "join"
    MOVE = "move"
    WITHDRAW = "withdraw"


@dataclass
class VolunteerOutcome:
    """What to show, and what the caller stores first (`effect`, with `district`); if the
    effect finds things changed meanwhile, the caller shows `volunteer_screen` afresh."""

    replies: list[Reply]
    effect: Effect | None = None
    district: str = ""


def volunteer_screen(ctx: VolunteerContext, edit: bool = False) -> Reply:
    """/volunteer: the committee explained and the district asked, or where the citizen
    stands."""
    volunteer, edition = ctx.volunteer, ctx.edition
    if volunteer is None:
        if not committee_at_work(edition, ctx.now):
            return Reply("committee.volunteer.closed", edit=edit)
        if ctx.draw_made:
            return Reply("committee.volunteer.after_draw", edit=edit)
        if ctx.list_closed:
            return Reply("committee.volunteer.list_closed", edit=edit)
        if not edition.districts:
            return Reply(
                Text("committee.volunteer.intro"),
                Text("committee.volunteer.ask_whole"),
                edit=edit,
                buttons=[[Button("committee.button.volunteer", "district", "")]],
            )
        return Reply(
            Text("committee.volunteer.intro"),
            Text("committee.volunteer.ask_district"),
            edit=edit,
            buttons=_district_buttons(edition),
        )
    district = district_name(edition, volunteer.district)
    match volunteer.state:
        case VolunteerState.ASKED:
            return invitation(edition, volunteer)
        case VolunteerState.ACCEPTED:
            return Reply("committee.volunteer.member", edit=edit)
        case VolunteerState.REFUSED:
            return Reply("committee.volunteer.declined", edit=edit)
    if ctx.draw_made and volunteer.reserve_rank is None:
        # Not on the list the draw started from (volunteered before that list was kept).
        return Reply("committee.volunteer.after_draw", edit=edit)
    if ctx.draw_made:
        return Reply(
            "committee.volunteer.reserve",
            district=district,
            rank=volunteer.reserve_rank or 0,
            edit=edit,
        )
    if ctx.list_closed:
        return Reply("committee.volunteer.on_list", district=district, edit=edit)
    rows = [[Button("committee.button.withdraw", "withdraw")]]
    if edition.districts:
        rows.insert(0, [Button("committee.button.change_district", "change")])
    return Reply("committee.volunteer.already", district=district, edit=edit, buttons=rows)


def press_volunteer(ctx: VolunteerContext, action: str, arg: str) -> VolunteerOutcome:
    edition, volunteer = ctx.edition, ctx.volunteer
    if not committee_at_work(edition, ctx.now):
        return VolunteerOutcome([Reply("committee.volunteer.closed", edit=True)])
    waiting = volunteer is not None and volunteer.state is VolunteerState.VOLUNTEERED
    if action == "district":
        known = edition.district(arg) is not None if edition.districts else arg == ""
        if not known:
            return _invalid()
        if ctx.locked:
            return _locked(ctx)
        if volunteer is None:
            thanks = Reply(
                "committee.volunteer.thanks", district=district_name(edition, arg), edit=True
            )
            return VolunteerOutcome([thanks], Effect.JOIN, arg)
        if waiting and volunteer.district != arg:
            moved = Reply(
                "committee.volunteer.moved", district=district_name(edition, arg), edit=True
            )
            return VolunteerOutcome([moved], Effect.MOVE, arg)
        return VolunteerOutcome([volunteer_screen(ctx, edit=True)])
    if action in {"change", "withdraw"} and waiting and ctx.locked:
        return _locked(ctx)
    if action == "change" and waiting and edition.districts:
        choice = Reply(
            "committee.volunteer.choose_district", edit=True, buttons=_district_buttons(edition)
        )
        return VolunteerOutcome([choice])
    if action == "withdraw" and waiting:
        return VolunteerOutcome(
            [Reply("committee.volunteer.withdrawn", edit=True)], Effect.WITHDRAW
        )
    if action in {"change", "withdraw"}:
        # Drawn, answered, or gone since this message was shown: say where things stand.
        return VolunteerOutcome([volunteer_screen(ctx, edit=True)])
    return _invalid()


def _district_buttons(edition: Edition) -> list[list[Button]]:
    return [[Button(Localized(d.name), "district", d.code)] for d in edition.districts]


def _locked(ctx: VolunteerContext) -> VolunteerOutcome:
    return VolunteerOutcome(
        [Reply("committee.volunteer.locked", notice=True), volunteer_screen(ctx, edit=True)]
    )


def _invalid() -> VolunteerOutcome:
    return VolunteerOutcome([Reply("committee.error.invalid_button", notice=True)])


# -- the invitation -----------------------------------------------------------------------


def invitation(edition: Edition, volunteer: VolunteerView) -> Reply:
    """Sent to a volunteer drawn by lot (or next on the reserve list)."""
    return Reply(
        "committee.invitation",
        district=district_name(edition, volunteer.district),
        buttons=[
            [
                Button("committee.button.accept", "accept", str(volunteer.id)),
                Button("committee.button.refuse", "refuse", str(volunteer.id)),
            ]
        ],
    )


def reserve_notice(edition: Edition, volunteer: VolunteerView) -> Reply:
    """Sent after the draw to a volunteer who was not drawn."""
    return Reply(
        Text("committee.draw.made"),
        Text(
            "committee.volunteer.reserve",
            district=district_name(edition, volunteer.district),
            rank=volunteer.reserve_rank or 0,
        ),
    )


@dataclass
class InvitationOutcome:
    replies: list[Reply]
    # The answer to store (True: accept); None when nothing changes.
    accept: bool | None = None


def answer_invitation(
    volunteer: VolunteerView | None, accept: bool, at_work: bool
) -> InvitationOutcome:
    """Accept or Refuse pressed; `volunteer` is None when the invitation is not the
    citizen's own (forwarded, forged, or withdrawn since)."""
    if volunteer is None or volunteer.state is VolunteerState.VOLUNTEERED:
        return InvitationOutcome([Reply("committee.error.invalid_button", notice=True)])
    if not at_work:
        return InvitationOutcome([Reply("committee.volunteer.closed", notice=True)])
    match volunteer.state:
        case VolunteerState.ACCEPTED:
            return InvitationOutcome([Reply("committee.invitation.already_accepted", notice=True)])
        case VolunteerState.REFUSED:
            return InvitationOutcome([Reply("committee.invitation.already_refused", notice=True)])
    key = "committee.invitation.accepted" if accept else "committee.invitation.refused"
    return InvitationOutcome([Reply(key, edit=True)], accept)


# -- reviewing the ideas ------------------------------------------------------------------


@dataclass(frozen=True)
class IdeaCard:
    id: int
    title: str
    description: str
    cost: Money | None
    supports: int
    theme: Localized | None = None
    district: Localized | None = None


@dataclass(frozen=True)
class Review:
    """The feasible ideas under analysis, in order, and this member's views on them."""

    cards: Sequence[IdeaCard]
    views: Mapping[int, bool] = field(default_factory=dict)

    def index(self, idea_id: int) -> int | None:
        return next((i for i, card in enumerate(self.cards) if card.id == idea_id), None)

    def next_without_view(self, after: int = -1) -> int | None:
        """The first idea after `after` this member has not judged, going round to the start."""
        count = len(self.cards)
        for step in range(1, count + 1):
            index = (after + step) % count
            if self.cards[index].id not in self.views:
                return index
        return None


def review_closed(edition: Edition, now: datetime, notice: bool = False) -> Reply:
    opens = edition.opens_on(Phase.ANALYSIS, now)
    if opens is not None:
        return Reply("committee.review.closed.not_yet", day=opens, notice=notice)
    closed = edition.closed_on(Phase.ANALYSIS, now)
    if closed is not None:
        return Reply("committee.review.closed.over", day=closed, notice=notice)
    return Reply("committee.review.closed.now", notice=notice)


def open_review(review: Review) -> Reply:
    """/committee: the first idea without a view, or the first one."""
    if not review.cards:
        return Reply("committee.review.empty")
    start = review.next_without_view()
    return review_card(review, 0 if start is None else start, edit=False)


def after_view(review: Review, index: int) -> Reply:
    """Once a view is given: the next idea without one, or the end of the round."""
    following = review.next_without_view(index)
    if following is None:
        return Reply(
            "committee.review.done",
            total=len(review.cards),
            edit=True,
            buttons=[[Button("committee.button.review_again", "show", str(review.cards[0].id))]],
        )
    return review_card(review, following, edit=True)


def review_card(review: Review, index: int, edit: bool) -> Reply:
    card = review.cards[index]
    summary = card.description
    if len(summary) > SUMMARY_ON_CARD:
        summary = summary[: SUMMARY_ON_CARD - 1] + "…"
    texts = [
        Text(
            "committee.review.progress",
            position=index + 1,
            total=len(review.cards),
            given=len(review.views),
        ),
        Text("committee.review.title", title=card.title),
        Text("committee.review.summary", summary=summary),
        Text("committee.review.cost", cost=card.cost)
        if card.cost
        else Text("committee.review.no_cost"),
        Text("committee.review.supports", count=card.supports),
    ]
    if card.theme:
        texts.append(Text("committee.review.theme", theme=card.theme))
    if card.district:
        texts.append(Text("committee.review.district", district=card.district))
    view = review.views.get(card.id)
    texts.append(
        Text(
            "committee.review.view.none"
            if view is None
            else ("committee.review.view.retain" if view else "committee.review.view.not_retain")
        )
    )
    if not edit:
        texts.append(Text("committee.review.how"))
    count = len(review.cards)
    rows = [
        [
            Button("committee.button.retain", "retain", str(card.id)),
            Button("committee.button.not_retain", "reject", str(card.id)),
        ]
    ]
    if count > 1:
        rows.append(
            [
                Button("committee.button.previous", "show", str(review.cards[index - 1].id)),
                Button("committee.button.next", "show", str(review.cards[(index + 1) % count].id)),
            ]
        )
    return Reply(*texts, compact=True, edit=edit, buttons=rows)


# -- the selection ------------------------------------------------------------------------


@dataclass(frozen=True)
class Tally:
    idea: int
    title: str
    retain: int
    not_retain: int
    not_voted: int
    cost_cents: int | None

    @property
    def retained(self) -> bool:
        """The selection rule: retained when more members chose Retain than Not retain. A
        tie, or no view at all, leaves the idea out; members who gave no view count for
        neither side."""
        return self.retain > self.not_retain


def ranked(tallies: Sequence[Tally]) -> list[Tally]:
    """Most clearly retained first: by Retain minus Not retain, then Retain, then number."""
    return sorted(tallies, key=lambda t: (t.not_retain - t.retain, -t.retain, t.idea))


def fingerprint(tallies: Sequence[Tally]) -> str:
    """What a confirmation confirms: which ideas go on the ballot, at which cost. A Confirm
    pressed after a view or a cost changed is told so instead of confirming something else."""
    decided = sorted((t.idea, t.retained, t.cost_cents) for t in tallies)
    return hashlib.sha256(json.dumps(decided).encode()).hexdigest()[:12]


def missing_costs(tallies: Sequence[Tally]) -> list[Tally]:
    return [t for t in ranked(tallies) if t.retained and t.cost_cents is None]


@dataclass(frozen=True)
class SelectionView:
    tallies: Sequence[Tally]
    members: int
    currency: str
    envelope_cents: int
    # Ideas under analysis whose feasibility is not settled: left out of this selection.
    still_analysed: int = 0


def selection_screens(view: SelectionView) -> list[Reply]:
    """The tally, idea by idea, and Confirm under the last message."""
    ordered = ranked(view.tallies)
    lines = [_tally_line(number, tally, view) for number, tally in enumerate(ordered, start=1)]
    chunks = [
        lines[i : i + TALLY_LINES_PER_MESSAGE]
        for i in range(0, len(lines), TALLY_LINES_PER_MESSAGE)
    ] or [[]]
    header = Text("committee.selection.header", ideas=len(ordered), members=view.members)
    retained = [t for t in ordered if t.retained]
    total = sum(t.cost_cents or 0 for t in retained)
    closing = [
        Text("committee.selection.rule"),
        Text(
            "committee.selection.summary",
            count=len(retained),
            total=Money(total, view.currency),
            envelope=Money(view.envelope_cents, view.currency),
        ),
    ]
    missing_views = sum(t.not_voted for t in ordered)
    if missing_views:
        closing.append(Text("committee.selection.missing_views", count=missing_views))
    if view.still_analysed:
        closing.append(Text("committee.selection.still_analysed", count=view.still_analysed))
    replies = [Reply(*chunk, compact=True) for chunk in chunks]
    replies[0] = Reply(header, *chunks[0], compact=True)
    replies[-1] = Reply(
        *replies[-1].texts,
        *closing,
        compact=True,
        buttons=[
            [Button("committee.button.confirm_selection", "confirm", fingerprint(ordered))],
            [Button("committee.button.refresh", "refresh")],
        ],
    )
    return replies


def _tally_line(number: int, tally: Tally, view: SelectionView) -> Text:
    title = tally.title
    if len(title) > TITLE_IN_TALLY:
        title = title[: TITLE_IN_TALLY - 1] + "…"
    cost: Money | Text = (
        Money(tally.cost_cents, view.currency)
        if tally.cost_cents is not None
        else Text("committee.cost.none")
    )
    return Text(
        "committee.selection.line.retained" if tally.retained else "committee.selection.line.left",
        number=number,
        idea=tally.idea,
        title=title,
        retain=tally.retain,
        not_retain=tally.not_retain,
        not_voted=tally.not_voted,
        cost=cost,
    )


def selection_blocked(missing: Sequence[Tally]) -> Reply:
    lines = [Text("committee.selection.missing_line", idea=t.idea, title=t.title) for t in missing]
    return Reply(Text("committee.selection.missing_cost"), *lines, compact=True)


def retained_notice(title: str, cost: Money, vote_opens: date | None) -> Reply:
    texts = [Text("committee.notice.retained", title=title, cost=cost)]
    if vote_opens is not None:
        texts.append(Text("committee.notice.vote_opens", day=vote_opens))
    return Reply(*texts)


def not_retained_reason(tally: Tally) -> Text:
    return Text("committee.reason.not_retained", retain=tally.retain, not_retain=tally.not_retain)


def not_retained_notice(tally: Tally) -> Reply:
    return Reply(
        Text("committee.notice.not_retained", title=tally.title),
        not_retained_reason(tally),
        Text("committee.notice.thanks"),
    )
