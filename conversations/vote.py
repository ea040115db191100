"""The envelope vote: eligibility the first time, then the envelope screen, the projects a page
at a time with filters, a project's card, casting with a receipt, changing or withdrawing.

A plain state machine like the idea form. Registering, casting and withdrawing are effects:
a step asks for one (`VoteOutcome.effect`), the caller carries it out and feeds what came of it
back as an event (`Registered`, `BallotCast`, `CastRefused`...), and the step that takes that
event says what the voter sees. The screens are one message kept up to date (`Reply(edit=True)`)
rather than a new message for each tap.

The state holds no choice once a ballot is cast or withdrawn: the envelope shown is the cast
ballot itself (`VoteContext.cast`); only a change not cast yet is kept (`VoteState.chosen`).

Where the edition names an identity reference (the national register number...), eligibility
asks for it too, typed, before the phone number: a stand may have taken a paper ballot by either,
so both are checked. What is typed never stays in the state: it goes out to be fingerprinted
as at a stand (`CheckIdentity`), and only the fingerprint comes back, kept until the voter is
registered."""

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from budget.ballot import Envelope, Project
from budget.edition import Edition, Phase
from budget.eligibility import identity_key
from conversations.events import ContactIn, Event, Press, TextIn, button_number
from conversations.menu import MenuAction
from conversations.replies import Button, Localized, Money, Outcome, Reply, Text

PAGE_SIZE = 5
# The name of the vote's state while a change to the envelope waits to be cast.
UNCAST = "uncast"
BAR_WIDTH = 10
TITLE_ON_BUTTON = 24
# What may be typed for the identity reference, separators included (the reference itself is
# at most 32 letters and digits, budget.eligibility).
IDENTITY_TYPED_MAX = 64


class VoteAction(StrEnum):
    """What the vote's buttons ask for; the encoder accepts nothing else."""

    ADD = "add"
    REMOVE = "remove"
    CARD = "card"
    CAST = "cast"
    CONFIRM_CAST = "confirm_cast"
    WITHDRAW = "withdraw"
    CONFIRM_WITHDRAW = "confirm_withdraw"
    ENVELOPE = "envelope"
    LIST = "list"
    PAGE = "page"
    THEMES = "themes"
    THEME = "theme"
    DISTRICTS = "districts"
    DISTRICT = "district"
    HOME = "home"
    RESIDENT = "resident"


# Presses that mean the same whichever screen of this envelope they come from: on a slow
# connection a voter taps Add on two projects before the list is redrawn, and both count
# (each checked against the envelope as it is by then).
TOGGLES = frozenset({VoteAction.ADD, VoteAction.REMOVE})


class Screen(StrEnum):
    RESIDENT = "resident"
    DISTRICT = "district"
    IDENTITY = "identity"
    PHONE = "phone"
    ENVELOPE = "envelope"
    LIST = "list"
    THEMES = "themes"
    DISTRICTS = "districts"
    CARD = "card"
    CONFIRM_CAST = "confirm_cast"
    CONFIRM_WITHDRAW = "confirm_withdraw"


@dataclass
class VoteState:
    """A voter's envelope as they are filling it (not cast), and where they are. `token` and
    `seq` name the screen a button was shown on, as in the idea form."""

    token: str
    screen: Screen = Screen.ENVELOPE
    seq: int = 0
    # The envelope as the voter is changing it, not cast yet; None: as cast (or empty).
    chosen: list[int] | None = None
    page: int = 0
    theme: str | None = None
    district: str | None = None
    card: int | None = None
    # Chosen while checking eligibility, before the voter is registered.
    home_district: str | None = None
    # The identity reference's fingerprint (never the reference), until the voter is registered.
    identity_hash: str | None = None


@dataclass(frozen=True)
class CastView:
    """The voter's cast ballot, as far as the conversation needs to know it."""

    project_ids: tuple[int, ...]
    version: int
    receipt: str


@dataclass(frozen=True)
class VoteContext:
    edition: Edition
    now: datetime
    # The projects on the ballot, in this voter's own order.
    projects: tuple[Project, ...]
    registered: bool
    cast: CastView | None = None

    def project(self, project_id: int) -> Project | None:
        return next((p for p in self.projects if p.id == project_id), None)


# -- effects the conversation asks for, and what came of them -------------------------------


@dataclass(frozen=True)
class CheckIdentity:
    """Fingerprint the identity reference (as a stand does) and check that no voter has it."""

    reference: str


@dataclass(frozen=True)
class Register:
    district: str | None
    phone: str | None
    identity_hash: str | None = None


@dataclass(frozen=True)
class Cast:
    project_ids: tuple[int, ...]


@dataclass(frozen=True)
class Withdraw:
    pass


Effect = CheckIdentity | Register | Cast | Withdraw


@dataclass(frozen=True)
class Registered:
    pass


@dataclass(frozen=True)
class PhoneUsed:
    """Another account of the edition registered with this number, or a paper ballot was
    cast with it at a stand (`at_stand`)."""

    at_stand: bool = False


@dataclass(frozen=True)
class IdentityFree:
    fingerprint: str


@dataclass(frozen=True)
class IdentityUsed:
    """Another account of the edition registered with this identity reference, or a paper
    ballot was cast with it at a stand (`at_stand`)."""

    at_stand: bool = False


@dataclass(frozen=True)
class BallotCast:
    ballot: CastView


@dataclass(frozen=True)
class CastRefused:
    """ "over_envelope", "unknown_project", "empty" (budget.ballot), or "closed"."""

    reason: str


@dataclass(frozen=True)
class BallotWithdrawn:
    pass


Result = (
    Registered
    | PhoneUsed
    | IdentityFree
    | IdentityUsed
    | BallotCast
    | CastRefused
    | BallotWithdrawn
)


@dataclass
class VoteOutcome(Outcome):
    state: VoteState | None = None
    effect: Effect | None = None


def open_vote(state: VoteState | None, ctx: VoteContext, token: str) -> VoteOutcome:
    """/vote or the menu: eligibility the first time, else the envelope (as it was left, or as
    it was cast)."""
    if not ctx.edition.is_open(Phase.VOTE, ctx.now):
        return VoteOutcome(None, [closed_reply(ctx)])
    if state is None:
        state = VoteState(token=token)
    if not ctx.registered:
        # Eligibility starts afresh: a fingerprint from a check left halfway goes.
        state.identity_hash = None
    state.screen = Screen.ENVELOPE if ctx.registered else Screen.RESIDENT
    state.seq += 1
    return VoteOutcome(state, [screen(state, ctx, edit=False)])


def closed_reply(ctx: VoteContext, notice: bool = False) -> Reply:
    edition, now = ctx.edition, ctx.now
    # Closed by hand, its dates (still to come perhaps) no longer say anything.
    by_hand = edition.overrides.get(Phase.VOTE) is False
    over = edition.closed_on(Phase.VOTE, now)
    if edition.is_open(Phase.RESULTS, now):
        # What citizens want now is the results.
        ended = Text("vote.closed.over", day=over) if over and not by_hand else None
        return Reply(
            ended or Text("vote.closed.by_hand"),
            Text("vote.closed.results"),
            notice=notice,
            buttons=[[Button("vote.button.results", MenuAction.RESULTS)]],
        )
    if by_hand:
        return Reply("vote.closed.by_hand", notice=notice)
    opens = edition.opens_on(Phase.VOTE, now)
    if opens is not None:
        return Reply("vote.closed.not_yet", day=opens, notice=notice)
    if over is not None:
        return Reply("vote.closed.over", day=over, notice=notice)
    return Reply("vote.closed.now", notice=notice)


def step(state: VoteState, event: Event | Result, ctx: VoteContext) -> VoteOutcome:
    if isinstance(event, Result):
        return _after(state, event, ctx)
    if not ctx.edition.is_open(Phase.VOTE, ctx.now):
        return VoteOutcome(state, [closed_reply(ctx, notice=isinstance(event, Press))])
    if isinstance(event, Press):
        stale = event.seq != state.seq and event.action not in TOGGLES
        if event.token != state.token or stale:
            return VoteOutcome(state, [Reply("vote.error.old_button", notice=True)])
        return _press(state, event, ctx)
    if state.screen is Screen.PHONE and isinstance(event, ContactIn):
        if not event.own:
            return VoteOutcome(state, [Reply("vote.phone.not_own", ask_contact=True)])
        return _registered(state, ctx, event.phone)
    if state.screen is Screen.PHONE:
        return VoteOutcome(state, [Reply("vote.phone.expected", ask_contact=True)])
    if state.screen is Screen.IDENTITY and ctx.edition.identity_reference is None:
        # The edition stopped asking for it meanwhile: eligibility goes on without it.
        return _after_identity(state, ctx)
    if state.screen is Screen.IDENTITY:
        return _typed_identity(state, event, ctx)
    return VoteOutcome(state, [Reply("vote.error.use_buttons")])


def _typed_identity(state: VoteState, event: Event, ctx: VoteContext) -> VoteOutcome:
    """The identity reference typed: checked here, fingerprinted by the caller, never kept."""
    if not isinstance(event, TextIn):
        return _refuse_identity(state, ctx, Text("form.error.text_expected"))
    text = event.text.strip()
    if not text:
        return _refuse_identity(state, ctx, Text("form.error.empty"))
    if len(text) > IDENTITY_TYPED_MAX:
        too_long = Text("form.error.too_long", count=len(text), limit=IDENTITY_TYPED_MAX)
        return _refuse_identity(state, ctx, too_long)
    reference = identity_key(text)
    if reference is None:
        return _refuse_identity(state, ctx, Text("vote.identity.invalid", reference=_label(ctx)))
    return VoteOutcome(state, [], effect=CheckIdentity(reference))


def _refuse_identity(state: VoteState, ctx: VoteContext, reason: Text) -> VoteOutcome:
    """Why the answer is refused, and the question again; nothing else changes."""
    return VoteOutcome(state, [Reply(reason, Text("vote.ask.identity", reference=_label(ctx)))])


def _label(ctx: VoteContext) -> Localized:
    assert ctx.edition.identity_reference is not None
    return Localized(ctx.edition.identity_reference)


def _after(state: VoteState, result: Result, ctx: VoteContext) -> VoteOutcome:
    """What the voter sees once the effect they asked for is carried out (or refused)."""
    match result:
        case Registered():
            asked_phone = state.screen is Screen.PHONE
            # Typed or shared last, the answer is not a message of ours to edit.
            typed = asked_phone or state.screen is Screen.IDENTITY
            state.identity_hash = None
            state.screen = Screen.ENVELOPE
            state.seq += 1
            envelope = screen(state, replace(ctx, registered=True), edit=not typed)
            if asked_phone:
                return VoteOutcome(
                    state, [Reply("vote.phone.thanks", drop_keyboard=True), envelope]
                )
            return VoteOutcome(state, [envelope])
        case PhoneUsed(at_stand=at_stand):
            # The keyboard with the contact button goes with the refusal (a message has one
            # keyboard); what to do next comes in a message of its own, with the menu.
            next_step = Reply(
                "vote.phone.used.next",
                email=ctx.edition.contact.email,
                buttons=[[Button("menu.open", MenuAction.MENU)]],
            )
            used = "vote.phone.used_at_stand" if at_stand else "vote.phone.used"
            return VoteOutcome(None, [Reply(used, drop_keyboard=True), next_step])
        case IdentityFree(fingerprint=fingerprint):
            state.identity_hash = fingerprint
            return _after_identity(state, ctx)
        case IdentityUsed(at_stand=at_stand):
            used = "vote.identity.used_at_stand" if at_stand else "vote.identity.used"
            next_step = Reply(
                "vote.identity.used.next",
                email=ctx.edition.contact.email,
                buttons=[[Button("menu.open", MenuAction.MENU)]],
            )
            return VoteOutcome(None, [Reply(used, reference=_label(ctx)), next_step])
        case BallotCast(ballot=ballot):
            cast = replace(ctx, cast=ballot)
            state.chosen = None
            return VoteOutcome(state, [screen(state, cast), receipt(ballot, cast)])
        case CastRefused(reason="closed"):
            return VoteOutcome(state, [closed_reply(ctx, notice=True)])
        case CastRefused(reason=reason):
            return VoteOutcome(state, [Reply(f"vote.cast.refused.{reason}", notice=True)])
        case BallotWithdrawn():
            state.chosen = None
            withdrawn = replace(ctx, cast=None)
            return VoteOutcome(state, [screen(state, withdrawn), Reply("vote.withdrawn")])
    raise TypeError(result)


def receipt(ballot: CastView, ctx: VoteContext) -> Reply:
    """Sent once a ballot is cast: its code, which version counts, what it holds."""
    projects = [ctx.project(project_id) for project_id in ballot.project_ids]
    texts = [Text("vote.receipt.header", receipt=ballot.receipt)]
    if ballot.version > 1:
        texts.append(Text("vote.receipt.replaces", version=ballot.version))
    texts += [_line(project, ctx) for project in projects if project is not None]
    if not ballot.project_ids:
        texts.append(Text("vote.receipt.empty"))
    total = sum(project.cost_cents for project in projects if project is not None)
    texts.append(Text("vote.receipt.total", total=_money(total, ctx)))
    last_day = ctx.edition.last_day(Phase.VOTE)
    if last_day is not None:
        texts.append(Text("vote.receipt.change_until", day=last_day))
    # A lasting message: its button opens the envelope afresh, whatever happened since.
    return Reply(
        *texts,
        compact=True,
        buttons=[
            [Button("vote.button.envelope", MenuAction.VOTE)],
            [Button("vote.button.tell_results", MenuAction.WANT_RESULTS)],
        ],
    )


# -- presses --------------------------------------------------------------------------------


def _press(state: VoteState, press: Press, ctx: VoteContext) -> VoteOutcome:
    action, arg = press.action, press.arg
    current = state.screen
    if current is Screen.RESIDENT and action == VoteAction.RESIDENT:
        if arg != "yes":
            return VoteOutcome(None, [Reply("vote.not_eligible", edit=True)])
        if ctx.edition.vote.ask_district and ctx.edition.districts:
            return _show(state, Screen.DISTRICT, ctx)
        return _after_district(state, ctx)
    if current is Screen.DISTRICT and action == VoteAction.HOME and ctx.edition.district(arg):
        state.home_district = arg
        return _after_district(state, ctx)
    if not ctx.registered:
        return _invalid(state)
    if action in {VoteAction.ADD, VoteAction.REMOVE}:
        return _toggle(state, VoteAction(action), arg, ctx)
    if action == VoteAction.ENVELOPE:
        return _show(state, Screen.ENVELOPE, ctx)
    if action == VoteAction.LIST:
        return _show(state, Screen.LIST, ctx)
    if action == VoteAction.PAGE and current is Screen.LIST and button_number(arg) is not None:
        state.page = max(0, min(button_number(arg) or 0, _pages(state, ctx) - 1))
        return _show(state, Screen.LIST, ctx)
    if action in {VoteAction.THEMES, VoteAction.DISTRICTS} and current is Screen.LIST:
        return _show(state, Screen.THEMES if action == VoteAction.THEMES else Screen.DISTRICTS, ctx)
    if (
        action == VoteAction.THEME
        and current is Screen.THEMES
        and (arg == "" or ctx.edition.theme(arg))
    ):
        state.theme, state.page = arg or None, 0
        return _show(state, Screen.LIST, ctx)
    if (
        action == VoteAction.DISTRICT
        and current is Screen.DISTRICTS
        and (arg == "" or ctx.edition.district(arg))
    ):
        state.district, state.page = arg or None, 0
        return _show(state, Screen.LIST, ctx)
    if (
        action == VoteAction.CARD
        and (number := button_number(arg)) is not None
        and ctx.project(number)
    ):
        state.card = number
        return _show(state, Screen.CARD, ctx)
    if action == VoteAction.CAST and current is Screen.ENVELOPE:
        if not chosen(state, ctx) and not ctx.edition.vote.allow_empty_ballot:
            return VoteOutcome(state, [Reply("vote.cast.empty_refused", notice=True)])
        return _show(state, Screen.CONFIRM_CAST, ctx)
    if action == VoteAction.CONFIRM_CAST and current is Screen.CONFIRM_CAST:
        state.screen = Screen.ENVELOPE
        state.seq += 1
        return VoteOutcome(state, [], effect=Cast(tuple(chosen(state, ctx))))
    if action == VoteAction.WITHDRAW and current is Screen.ENVELOPE and ctx.cast is not None:
        return _show(state, Screen.CONFIRM_WITHDRAW, ctx)
    if action == VoteAction.CONFIRM_WITHDRAW and current is Screen.CONFIRM_WITHDRAW:
        state.screen = Screen.ENVELOPE
        state.seq += 1
        return VoteOutcome(state, [], effect=Withdraw())
    return _invalid(state)


def _invalid(state: VoteState) -> VoteOutcome:
    return VoteOutcome(state, [Reply("vote.error.invalid_button", notice=True)])


def _after_district(state: VoteState, ctx: VoteContext) -> VoteOutcome:
    if ctx.edition.identity_reference is not None:
        return _show(state, Screen.IDENTITY, ctx)
    return _after_identity(state, ctx)


def _after_identity(state: VoteState, ctx: VoteContext) -> VoteOutcome:
    if ctx.edition.vote.ask_phone:
        return _show(state, Screen.PHONE, ctx)
    return _registered(state, ctx, phone=None)


def _registered(state: VoteState, ctx: VoteContext, phone: str | None) -> VoteOutcome:
    """Eligibility is settled: the voter is to be registered (`Registered` then shows the
    envelope)."""
    register = Register(state.home_district, phone, state.identity_hash)
    return VoteOutcome(state, [], effect=register)


def _toggle(state: VoteState, action: VoteAction, arg: str, ctx: VoteContext) -> VoteOutcome:
    number = button_number(arg)
    project = ctx.project(number) if number is not None else None
    if project is None:
        return _invalid(state)
    envelope = _envelope(state, ctx)
    if action == VoteAction.ADD and not envelope.holds(project):
        if not envelope.fits(project):
            return VoteOutcome(
                state,
                [
                    Reply(
                        "vote.does_not_fit",
                        cost=_money(project.cost_cents, ctx),
                        left=_money(envelope.left_cents, ctx),
                        free=_money(envelope.shortfall_cents(project), ctx),
                        notice=True,
                    )
                ],
            )
        _change(state, [*chosen(state, ctx), project.id], ctx)
    elif action == VoteAction.REMOVE:
        _change(state, [held for held in chosen(state, ctx) if held != project.id], ctx)
    return _show(state, state.screen, ctx)


def chosen(state: VoteState, ctx: VoteContext) -> list[int]:
    """What the envelope holds now: the change being made, or else the ballot as cast."""
    if state.chosen is not None:
        return state.chosen
    return list(ctx.cast.project_ids) if ctx.cast else []


def _change(state: VoteState, projects: list[int], ctx: VoteContext) -> None:
    """Keep the envelope as changed, unless it is the cast ballot again: nothing is then kept."""
    cast = sorted(ctx.cast.project_ids) if ctx.cast else []
    state.chosen = None if sorted(projects) == cast else projects


def _show(state: VoteState, target: Screen, ctx: VoteContext) -> VoteOutcome:
    state.screen = target
    state.seq += 1
    return VoteOutcome(state, [screen(state, ctx)])


# -- screens --------------------------------------------------------------------------------


def screen(state: VoteState, ctx: VoteContext, edit: bool = True) -> Reply:
    match state.screen:
        case Screen.RESIDENT:
            return Reply(
                "vote.ask.resident",
                territory=Localized(ctx.edition.territory),
                edit=edit,
                buttons=[
                    [Button("vote.button.resident_yes", VoteAction.RESIDENT, "yes")],
                    [Button("vote.button.resident_no", VoteAction.RESIDENT, "no")],
                ],
            )
        case Screen.DISTRICT:
            return Reply(
                "vote.ask.district",
                edit=edit,
                buttons=[
                    [Button(Localized(d.name), VoteAction.HOME, d.code)]
                    for d in ctx.edition.districts
                ],
            )
        case Screen.IDENTITY:
            return Reply("vote.ask.identity", reference=_label(ctx))
        case Screen.PHONE:
            return Reply("vote.ask.phone", ask_contact=True)
        case Screen.LIST:
            return _list(state, ctx, edit)
        case Screen.THEMES:
            options = [
                Button(Localized(t.label), VoteAction.THEME, t.code) for t in ctx.edition.themes
            ]
            return _choices("vote.filter.theme.ask", options, VoteAction.THEME, edit)
        case Screen.DISTRICTS:
            options = [
                Button(Localized(d.name), VoteAction.DISTRICT, d.code)
                for d in ctx.edition.districts
            ]
            return _choices("vote.filter.district.ask", options, VoteAction.DISTRICT, edit)
        case Screen.CARD:
            return _card(state, ctx, edit)
        case Screen.CONFIRM_CAST:
            envelope = _envelope(state, ctx)
            return Reply(
                Text(
                    "vote.cast.confirm",
                    count=len(envelope.chosen),
                    total=_money(envelope.spent_cents, ctx),
                    left=_money(envelope.left_cents, ctx),
                ),
                edit=edit,
                buttons=[
                    [Button("vote.button.confirm_cast", VoteAction.CONFIRM_CAST)],
                    [Button("vote.button.back", VoteAction.ENVELOPE)],
                ],
            )
        case Screen.CONFIRM_WITHDRAW:
            return Reply(
                "vote.withdraw.confirm",
                edit=edit,
                buttons=[
                    [Button("vote.button.confirm_withdraw", VoteAction.CONFIRM_WITHDRAW)],
                    [Button("vote.button.back", VoteAction.ENVELOPE)],
                ],
            )
    return _envelope_screen(state, ctx, edit)


def _envelope(state: VoteState, ctx: VoteContext) -> Envelope:
    held = tuple(p for p in (ctx.project(i) for i in chosen(state, ctx)) if p is not None)
    return Envelope(ctx.edition.envelope_cents, held)


def _money(cents: int, ctx: VoteContext) -> Money:
    return Money(cents, ctx.edition.currency)


def _bar(envelope: Envelope) -> str:
    filled = round(BAR_WIDTH * envelope.spent_cents / envelope.size_cents)
    return "▰" * filled + "▱" * (BAR_WIDTH - filled)


def _line(project: Project, ctx: VoteContext) -> Text:
    return Text(
        "vote.envelope.line", title=Localized(project.title), cost=_money(project.cost_cents, ctx)
    )


def _envelope_screen(state: VoteState, ctx: VoteContext, edit: bool) -> Reply:
    envelope = _envelope(state, ctx)
    texts = [
        Text("vote.envelope.header"),
        Text(
            "vote.envelope.left",
            left=_money(envelope.left_cents, ctx),
            size=_money(envelope.size_cents, ctx),
        ),
        Text(
            "vote.envelope.bar",
            bar=_bar(envelope),
            percent=round(100 * envelope.spent_cents / envelope.size_cents),
        ),
    ]
    texts += [_line(project, ctx) for project in envelope.chosen]
    if not envelope.chosen:
        texts.append(Text("vote.envelope.empty"))
    cast = ctx.cast
    if cast is None:
        texts.append(Text("vote.envelope.not_cast"))
    elif state.chosen is None:
        texts.append(Text("vote.envelope.cast", receipt=cast.receipt, version=cast.version))
    else:
        texts.append(Text("vote.envelope.changed", receipt=cast.receipt))
    rows = [
        [
            Button(
                Text("vote.button.remove_named", title=_short(p.title)),
                VoteAction.REMOVE,
                str(p.id),
            )
        ]
        for p in envelope.chosen
    ]
    rows.append([Button("vote.button.projects", VoteAction.LIST)])
    if cast is None or state.chosen is not None:
        # Nothing to cast when the envelope is the ballot already cast.
        rows.append([Button("vote.button.cast", VoteAction.CAST)])
    if cast is not None:
        rows.append([Button("vote.button.withdraw", VoteAction.WITHDRAW)])
    rows.append([Button("menu.open", MenuAction.MENU)])
    return Reply(*texts, compact=True, edit=edit, buttons=rows)


def _filtered(state: VoteState, ctx: VoteContext) -> list[Project]:
    return [
        project
        for project in ctx.projects
        if (state.theme is None or project.theme == state.theme)
        and (state.district is None or project.district == state.district)
    ]


def _pages(state: VoteState, ctx: VoteContext) -> int:
    return max(1, -(-len(_filtered(state, ctx)) // PAGE_SIZE))


def _list(state: VoteState, ctx: VoteContext, edit: bool) -> Reply:
    envelope = _envelope(state, ctx)
    projects = _filtered(state, ctx)
    pages = _pages(state, ctx)
    state.page = min(state.page, pages - 1)
    shown = projects[state.page * PAGE_SIZE : (state.page + 1) * PAGE_SIZE]
    theme = ctx.edition.theme(state.theme or "")
    district = ctx.edition.district(state.district or "")
    texts = [
        Text("vote.list.header", page=state.page + 1, pages=pages),
        Text(
            "vote.envelope.left",
            left=_money(envelope.left_cents, ctx),
            size=_money(envelope.size_cents, ctx),
        ),
    ]
    if theme or district:
        texts.append(
            Text(
                "vote.list.filters",
                theme=Localized(theme.label) if theme else Text("vote.filter.all"),
                district=Localized(district.name) if district else Text("vote.filter.all"),
            )
        )
    if not shown:
        texts.append(Text("vote.list.none"))
    rows: list[list[Button]] = []
    for number, project in enumerate(shown, start=state.page * PAGE_SIZE + 1):
        texts.append(_list_line(number, project, envelope, ctx))
        title = _short(project.title)
        toggle = (
            Button("vote.button.remove", VoteAction.REMOVE, str(project.id))
            if envelope.holds(project)
            else Button("vote.button.add", VoteAction.ADD, str(project.id))
        )
        rows.append(
            [
                Button(
                    Text("vote.button.card", number=number, title=title),
                    VoteAction.CARD,
                    str(project.id),
                ),
                toggle,
            ]
        )
    rows.append(
        [
            Button("vote.button.filter_theme", VoteAction.THEMES),
            Button("vote.button.filter_district", VoteAction.DISTRICTS),
        ]
    )
    navigation = []
    if state.page > 0:
        navigation.append(Button("vote.button.previous", VoteAction.PAGE, str(state.page - 1)))
    if state.page < pages - 1:
        navigation.append(Button("vote.button.next", VoteAction.PAGE, str(state.page + 1)))
    rows.append(navigation)
    rows.append([Button("vote.button.envelope", VoteAction.ENVELOPE)])
    return Reply(*texts, compact=True, edit=edit, buttons=rows)


def _short(title: Mapping[str, str]) -> Localized:
    """A title short enough for a button on a phone."""
    return Localized(
        {
            lang: text if len(text) <= TITLE_ON_BUTTON else text[: TITLE_ON_BUTTON - 1] + "…"
            for lang, text in title.items()
        }
    )


def _list_line(number: int, project: Project, envelope: Envelope, ctx: VoteContext) -> Text:
    values = dict(
        number=number, title=Localized(project.title), cost=_money(project.cost_cents, ctx)
    )
    if envelope.holds(project):
        return Text("vote.list.line.chosen", **values)
    if not envelope.fits(project):
        return Text(
            "vote.list.line.too_big", free=_money(envelope.shortfall_cents(project), ctx), **values
        )
    return Text("vote.list.line", **values)


def _choices(key: str, options: list[Button], action: VoteAction, edit: bool) -> Reply:
    rows = [options[i : i + 2] for i in range(0, len(options), 2)]
    rows.append([Button("vote.filter.all", action, "")])
    return Reply(key, edit=edit, buttons=rows)


def _card(state: VoteState, ctx: VoteContext, edit: bool) -> Reply:
    project = ctx.project(state.card or 0)
    if project is None:
        return _list(state, ctx, edit)
    envelope = _envelope(state, ctx)
    theme = ctx.edition.theme(project.theme or "")
    district = ctx.edition.district(project.district or "")
    texts = [
        Text("vote.card.title", title=Localized(project.title)),
        Text("vote.card.summary", summary=Localized(project.summary)),
        Text("vote.card.cost", cost=_money(project.cost_cents, ctx)),
    ]
    if theme:
        texts.append(Text("vote.card.theme", theme=Localized(theme.label)))
    if district:
        texts.append(Text("vote.card.district", district=Localized(district.name)))
    if project.place:
        texts.append(Text("vote.card.place", place=project.place))
    if envelope.holds(project):
        texts.append(Text("vote.card.chosen"))
        toggle = Button("vote.button.remove", VoteAction.REMOVE, str(project.id))
    else:
        if not envelope.fits(project):
            texts.append(
                Text("vote.card.too_big", free=_money(envelope.shortfall_cents(project), ctx))
            )
        toggle = Button("vote.button.add", VoteAction.ADD, str(project.id))
    photo = project.image
    return Reply(
        *texts,
        compact=True,
        # Shown in place of the list (a text) it is a new photo message; Add or Remove on the
        # card itself then edits that message's caption under the same photo.
        edit=edit,
        photo=photo,
        keep_photo=True,
        buttons=[[toggle], [Button("vote.button.list", VoteAction.LIST)]],
    )
