"""A stand in town: a staff member's chat enters paper ideas and paper ballots on citizens'
behalf.

`/stand` offers the stands open today; once one is chosen, the desk offers a paper idea (while
ideas are deposited) and a paper ballot (while the vote is open). Each entry starts with the
paper form's reference, unique in the edition. A paper idea then takes its author's name and a
way to reach them (both optional) and runs the idea form itself, unchanged. A paper ballot takes
the citizen's phone number or the edition's identity reference, checked at once against every
ballot, online or paper (the typed value never stays in the state: it goes out as an effect to
be fingerprinted, and only the fingerprint comes back), then the projects ticked on paper,
checked against the envelope as online.

A plain state machine, like the others: `open_stand`, `step` and `step_form` (a button of the
idea form inside) return an outcome with the state, the replies, and maybe an effect for the
caller to carry out; what came of it comes back as an event (`ReferenceFree`, `VoterFree`,
`PaperCast`...).
"""

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from budget.ballot import BallotError, Project, check_ballot
from budget.edition import Edition, Phase, Stand
from budget.eligibility import identity_key, international_number
from conversations import idea_form
from conversations.events import Event, Press, TextIn, button_number
from conversations.idea_form import Draft, FormContext, FormState
from conversations.replies import Button, Localized, Money, Outcome, Reply, Text

REFERENCE_MAX = 32
AUTHOR_MAX = 200


class StandAction(StrEnum):
    """What the stand's own buttons ask for (the idea form inside it keeps its own)."""

    STAND = "stand"
    IDEA = "idea"
    BALLOT = "ballot"
    SKIP = "skip"
    BY = "by"
    TICK = "tick"
    RECORD = "record"
    CANCEL = "cancel"
    LEAVE = "leave"


class Screen(StrEnum):
    CHOOSE = "choose"
    DESK = "desk"
    REFERENCE = "reference"
    NAME = "name"
    CONTACT = "contact"
    FORM = "form"
    BY = "by"
    IDENTITY = "identity"
    TICK = "tick"


# The screens where the staff member types something.
TYPED = frozenset({Screen.REFERENCE, Screen.NAME, Screen.CONTACT, Screen.FORM, Screen.IDENTITY})


class Entry(StrEnum):
    IDEA = "idea"
    BALLOT = "ballot"


class By(StrEnum):
    """How a paper ballot's citizen is recognised."""

    PHONE = "phone"
    IDENTITY = "identity"


@dataclass
class StandState:
    token: str
    seq: int = 0
    screen: Screen = Screen.CHOOSE
    stand: str | None = None
    entry: Entry | None = None
    reference: str | None = None
    author_name: str | None = None
    author_contact: str | None = None
    by: By | None = None
    # Fingerprints only: the number or reference typed is never kept.
    phone_hash: str | None = None
    identity_hash: str | None = None
    ticked: list[int] = field(default_factory=list)
    form: FormState | None = None

    def drop_entry(self) -> None:
        self.entry = self.reference = self.author_name = self.author_contact = None
        self.by = self.phone_hash = self.identity_hash = None
        self.ticked = []
        self.form = None


@dataclass(frozen=True)
class StandContext:
    edition: Edition
    now: datetime
    # The projects on the ballot, in the paper form's order.
    projects: tuple[Project, ...] = ()

    @property
    def today(self) -> date:
        return self.now.astimezone(self.edition.zone).date()


# -- effects and what comes of them -------------------------------------------------------


@dataclass(frozen=True)
class CheckReference:
    reference: str


@dataclass(frozen=True)
class CheckVoter:
    """Fingerprint the phone number (international form) or identity reference and check that
    no ballot has it yet."""

    by: By
    value: str


@dataclass(frozen=True)
class SaveIdea:
    stand: str
    reference: str
    author_name: str | None
    author_contact: str | None
    draft: Draft


@dataclass(frozen=True)
class CastPaper:
    stand: str
    reference: str
    phone_hash: str | None
    identity_hash: str | None
    project_ids: tuple[int, ...]


Effect = CheckReference | CheckVoter | SaveIdea | CastPaper


@dataclass(frozen=True)
class ReferenceFree:
    pass


@dataclass(frozen=True)
class ReferenceTaken:
    pass


@dataclass(frozen=True)
class VoterFree:
    fingerprint: str


@dataclass(frozen=True)
class VoterKnown:
    """A ballot was cast with this number or reference already; `at_stand`: on paper."""

    at_stand: bool


@dataclass(frozen=True)
class IdeaSaved:
    number: int


@dataclass(frozen=True)
class PaperCast:
    receipt: str


@dataclass(frozen=True)
class PaperRefused:
    """ "closed", or the ballot's fault ("over_envelope", "empty", "unknown_project")."""

    reason: str


Result = (
    ReferenceFree | ReferenceTaken | VoterFree | VoterKnown | IdeaSaved | PaperCast | PaperRefused
)


@dataclass
class StandOutcome(Outcome):
    state: StandState | None = None
    effect: Effect | None = None


# -- opening --------------------------------------------------------------------------------


def open_stand(ctx: StandContext, token: str) -> StandOutcome:
    """The stands open today, to choose the one this chat works at."""
    today = [stand for stand in ctx.edition.stands if stand.opens_on(ctx.today)]
    if not today:
        return StandOutcome(None, [Reply("stand.none_today", day=ctx.today)])
    state = StandState(token=token)
    return StandOutcome(state, [_choose(today)])


def _choose(stands: list[Stand]) -> Reply:
    rows = [[Button(Localized(stand.name), StandAction.STAND, stand.code)] for stand in stands]
    return Reply("stand.choose", buttons=rows)


def closed_reply(notice: bool = False) -> Reply:
    """A button or an answer for a stand session that is over: /stand opens another."""
    return Reply("stand.error.closed", notice=notice)


# -- stepping -------------------------------------------------------------------------------


def step(state: StandState, event: Event | Result, ctx: StandContext) -> StandOutcome:
    match event:
        case ReferenceFree():
            return _reference_free(state, ctx)
        case ReferenceTaken():
            state.reference = None
            outcome = _show(state, Screen.REFERENCE, ctx)
            outcome.replies.insert(0, Reply("stand.reference.taken"))
            return outcome
        case VoterFree(fingerprint=fingerprint):
            if state.by is By.IDENTITY:
                state.identity_hash = fingerprint
            else:
                state.phone_hash = fingerprint
            return _show(state, Screen.TICK, ctx)
        case VoterKnown(at_stand=at_stand):
            known = "stand.ballot.known_stand" if at_stand else "stand.ballot.known_online"
            reference = state.reference or ""
            state.drop_entry()
            return _desk(state, ctx, Reply(known, reference=reference))
        case IdeaSaved(number=number):
            reference = state.reference or ""
            state.drop_entry()
            return _desk(state, ctx, Reply("stand.idea.saved", number=number, reference=reference))
        case PaperCast(receipt=receipt):
            reference = state.reference or ""
            state.drop_entry()
            saved = Reply("stand.ballot.cast", reference=reference, receipt=receipt)
            return _desk(state, ctx, saved)
        case PaperRefused(reason=reason):
            if reason == "closed":
                state.drop_entry()
                return _desk(state, ctx, Reply("stand.ballot.closed"))
            outcome = _show(state, Screen.TICK, ctx)
            outcome.replies.insert(0, Reply(f"stand.ballot.refused.{reason}"))
            return outcome
        case Press():
            if event.token != state.token or event.seq != state.seq:
                return StandOutcome(state, [Reply("stand.error.old_button", notice=True)])
            return _press(state, event, ctx)
    if state.screen is Screen.FORM:
        return _in_form(state, event, ctx)
    if not isinstance(event, TextIn) or state.screen not in TYPED:
        return _refuse(state, ctx, "stand.error.use_buttons")
    return _typed(state, event.text.strip(), ctx)


def _press(state: StandState, press: Press, ctx: StandContext) -> StandOutcome:
    action, arg, screen = press.action, press.arg, state.screen
    if screen is Screen.CHOOSE and action == StandAction.STAND:
        stand = ctx.edition.stand(arg)
        if stand is None or not stand.opens_on(ctx.today):
            return StandOutcome(state, [Reply("stand.error.invalid_button", notice=True)])
        state.stand = stand.code
        return _desk(state, ctx)
    if state.stand is None:
        return StandOutcome(state, [Reply("stand.error.invalid_button", notice=True)])
    if action == StandAction.LEAVE and screen is Screen.DESK:
        return StandOutcome(None, [Reply("stand.left")])
    if action == StandAction.CANCEL and screen is not Screen.DESK:
        state.drop_entry()
        return _desk(state, ctx, Reply("stand.cancelled"))
    if screen is Screen.DESK and action == StandAction.IDEA:
        if not ctx.edition.is_open(Phase.DEPOSIT, ctx.now):
            return _desk(state, ctx, Reply("form.closed.now"))
        state.entry = Entry.IDEA
        return _show(state, Screen.REFERENCE, ctx)
    if screen is Screen.DESK and action == StandAction.BALLOT:
        if not ctx.edition.is_open(Phase.VOTE, ctx.now):
            return _desk(state, ctx, Reply("stand.ballot.closed"))
        state.entry = Entry.BALLOT
        return _show(state, Screen.REFERENCE, ctx)
    if screen is Screen.NAME and action == StandAction.SKIP:
        state.author_name = None
        return _show(state, Screen.CONTACT, ctx)
    if screen is Screen.CONTACT and action == StandAction.SKIP:
        state.author_contact = None
        return _start_form(state, ctx)
    if screen is Screen.BY and action == StandAction.BY and arg in set(By):
        state.by = By(arg)
        return _show(state, Screen.IDENTITY, ctx)
    if screen is Screen.TICK and action == StandAction.TICK:
        number = button_number(arg)
        if number is None or number not in {project.id for project in ctx.projects}:
            return StandOutcome(state, [Reply("stand.error.invalid_button", notice=True)])
        if number in state.ticked:
            state.ticked.remove(number)
        else:
            state.ticked.append(number)
        return _show(state, Screen.TICK, ctx, edit=True)
    if screen is Screen.TICK and action == StandAction.RECORD:
        return _record(state, ctx)
    return StandOutcome(state, [Reply("stand.error.invalid_button", notice=True)])


def _typed(state: StandState, text: str, ctx: StandContext) -> StandOutcome:
    screen = state.screen
    if not text:
        return _refuse(state, ctx, "form.error.empty")
    if screen is Screen.REFERENCE:
        reference = " ".join(text.split()).upper()
        if len(reference) > REFERENCE_MAX:
            return _refuse(
                state, ctx, "form.error.too_long", count=len(reference), limit=REFERENCE_MAX
            )
        state.reference = reference
        return StandOutcome(state, [], effect=CheckReference(reference))
    if screen in (Screen.NAME, Screen.CONTACT):
        if len(text) > AUTHOR_MAX:
            return _refuse(state, ctx, "form.error.too_long", count=len(text), limit=AUTHOR_MAX)
        if screen is Screen.NAME:
            state.author_name = text
            return _show(state, Screen.CONTACT, ctx)
        state.author_contact = text
        return _start_form(state, ctx)
    # The identity: checked here, fingerprinted by the caller, never kept.
    if state.by is By.IDENTITY:
        key = identity_key(text)
        if key is None:
            return _refuse(state, ctx, "stand.identity.invalid")
        return StandOutcome(state, [], effect=CheckVoter(By.IDENTITY, key))
    number = international_number(text, ctx.edition.country)
    if number is None:
        return _refuse(state, ctx, "stand.phone.invalid")
    return StandOutcome(state, [], effect=CheckVoter(By.PHONE, number))


def _reference_free(state: StandState, ctx: StandContext) -> StandOutcome:
    if state.entry is Entry.IDEA:
        if state.form is not None:
            # The reference was taken meanwhile, at publication: the form waits, whole.
            return _show(state, Screen.FORM, ctx)
        return _show(state, Screen.NAME, ctx)
    if ctx.edition.identity_reference is None:
        state.by = By.PHONE
        return _show(state, Screen.IDENTITY, ctx)
    return _show(state, Screen.BY, ctx)


def _record(state: StandState, ctx: StandContext) -> StandOutcome:
    if not ctx.edition.is_open(Phase.VOTE, ctx.now):
        state.drop_entry()
        return _desk(state, ctx, Reply("stand.ballot.closed"))
    on_ballot = {project.id: project for project in ctx.projects}
    try:
        check_ballot(
            state.ticked,
            on_ballot,
            ctx.edition.envelope_cents,
            ctx.edition.vote.allow_empty_ballot,
        )
    except BallotError as error:
        return step(state, PaperRefused(error.reason), ctx)
    assert state.stand is not None and state.reference is not None
    cast = CastPaper(
        state.stand,
        state.reference,
        state.phone_hash,
        state.identity_hash,
        tuple(sorted(state.ticked)),
    )
    return StandOutcome(state, [], effect=cast)


# -- the idea form, inside the stand --------------------------------------------------------


def _form_context(ctx: StandContext) -> FormContext:
    return FormContext(edition=ctx.edition, now=ctx.now)


def _start_form(state: StandState, ctx: StandContext) -> StandOutcome:
    started = idea_form.start(_form_context(ctx), state.token)
    if started.state is None:
        state.drop_entry()
        return _desk(state, ctx, *started.replies)
    state.form = started.state
    state.screen = Screen.FORM
    return StandOutcome(state, started.replies)


def step_form(state: StandState, press: Press, ctx: StandContext) -> StandOutcome:
    """A button of the idea form shown inside the stand."""
    return _in_form(state, press, ctx)


def _in_form(state: StandState, event: Event, ctx: StandContext) -> StandOutcome:
    if state.form is None or state.screen is not Screen.FORM:
        return StandOutcome(state, [Reply("stand.error.old_button", notice=True)])
    outcome = idea_form.step(state.form, event, _form_context(ctx))
    if outcome.state is None:
        state.drop_entry()
        return _desk(state, ctx, Reply("stand.idea.dropped"))
    state.form = outcome.state
    if outcome.effect is not None:
        assert state.stand is not None and state.reference is not None
        save = SaveIdea(
            state.stand,
            state.reference,
            state.author_name,
            state.author_contact,
            outcome.effect.draft,
        )
        return StandOutcome(state, [], effect=save)
    return StandOutcome(state, outcome.replies)


# -- screens --------------------------------------------------------------------------------


def _desk(state: StandState, ctx: StandContext, *before: Reply) -> StandOutcome:
    state.screen = Screen.DESK
    state.seq += 1
    return StandOutcome(state, [*before, desk(state, ctx)])


def desk(state: StandState, ctx: StandContext) -> Reply:
    stand = ctx.edition.stand(state.stand or "")
    assert stand is not None
    district = ctx.edition.district(stand.district or "")
    texts = [
        Text(
            "stand.desk",
            stand=Localized(stand.name),
            district=Localized(district.name) if district else "",
        )
    ]
    rows: list[list[Button]] = []
    if ctx.edition.is_open(Phase.DEPOSIT, ctx.now):
        rows.append([Button("stand.button.idea", StandAction.IDEA)])
    if ctx.edition.is_open(Phase.VOTE, ctx.now):
        rows.append([Button("stand.button.ballot", StandAction.BALLOT)])
    if not rows:
        texts.append(Text("stand.nothing_open"))
    rows.append([Button("stand.button.leave", StandAction.LEAVE)])
    return Reply(*texts, buttons=rows)


def _show(state: StandState, screen: Screen, ctx: StandContext, edit: bool = False) -> StandOutcome:
    state.screen = screen
    state.seq += 1
    if screen is Screen.FORM:
        assert state.form is not None
        return StandOutcome(state, [idea_form.ask(state.form, _form_context(ctx))])
    return StandOutcome(state, [ask(state, ctx, edit)])


def _refuse(state: StandState, ctx: StandContext, key: str, **params: object) -> StandOutcome:
    if state.screen in (Screen.CHOOSE, Screen.DESK):
        return StandOutcome(state, [Reply(Text(key, **params))])
    question = ask(state, ctx)
    return StandOutcome(state, [Reply(Text(key, **params), buttons=question.buttons)])


def ask(state: StandState, ctx: StandContext, edit: bool = False) -> Reply:
    """The message for the screen the stand is at, with its buttons."""
    screen, edition = state.screen, ctx.edition
    if screen is Screen.CHOOSE:
        return _choose([stand for stand in edition.stands if stand.opens_on(ctx.today)])
    if screen is Screen.DESK:
        return desk(state, ctx)
    cancel = [Button("stand.button.cancel", StandAction.CANCEL)]
    if screen is Screen.REFERENCE:
        return Reply(f"stand.ask.reference.{state.entry}", buttons=[cancel])
    if screen in (Screen.NAME, Screen.CONTACT):
        skip = [Button("form.button.skip", StandAction.SKIP)]
        return Reply(f"stand.ask.{screen}", buttons=[skip, cancel])
    if screen is Screen.BY:
        assert edition.identity_reference is not None
        rows = [
            [Button("stand.button.phone", StandAction.BY, By.PHONE)],
            [Button(Localized(edition.identity_reference), StandAction.BY, By.IDENTITY)],
            cancel,
        ]
        return Reply("stand.ask.by", buttons=rows)
    if screen is Screen.IDENTITY:
        if state.by is By.IDENTITY and edition.identity_reference is not None:
            label = Localized(edition.identity_reference)
            return Reply("stand.ask.identity", reference=label, buttons=[cancel])
        return Reply("stand.ask.phone", buttons=[cancel])
    return _ticking(state, ctx, edit)


def _ticking(state: StandState, ctx: StandContext, edit: bool) -> Reply:
    edition = ctx.edition
    spent = sum(p.cost_cents for p in ctx.projects if p.id in state.ticked)
    texts = [
        Text("stand.tick.header", reference=state.reference or ""),
        Text(
            "stand.tick.spent",
            spent=Money(spent, edition.currency),
            envelope=Money(edition.envelope_cents, edition.currency),
        ),
    ]
    if spent > edition.envelope_cents:
        texts.append(Text("stand.tick.over"))
    rows = [
        [
            Button(
                Text(
                    "stand.tick.ticked" if project.id in state.ticked else "stand.tick.unticked",
                    title=Localized(project.title),
                    cost=Money(project.cost_cents, edition.currency),
                ),
                StandAction.TICK,
                str(project.id),
            )
        ]
        for project in ctx.projects
    ]
    rows.append([Button("stand.button.record", StandAction.RECORD)])
    rows.append([Button("stand.button.cancel", StandAction.CANCEL)])
    return Reply(*texts, buttons=rows, edit=edit)
