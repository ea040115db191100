"""The idea form: one question at a time, a preview where any field can be changed, publish.

A plain state machine. `start` opens a draft, `step` takes one event and returns the new state
with the replies to show. Publishing is an effect: the step asks for it (`Publish`), the caller
stores the idea and gives back what came of it (`Published`, `Replaced`, `DecidedMeanwhile`),
and the step that takes it says what the author sees. Every step checks that the deposit phase
is open.

`edit` opens an idea already deposited, at its preview, for its author to change while
moderation has not published it; publishing then replaces the idea (`Publish.idea_id`).
"""

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from budget.edition import Edition, Phase
from budget.ideas import (
    ADDRESS_MAX,
    ATTACHMENTS_MAX,
    DESCRIPTION_MAX,
    LONG_TEXT_MAX,
    NAME_MAX,
    TITLE_MAX,
    AuthorKind,
)
from budget.money import AmountError, parse_amount
from conversations.events import DocumentIn, Event, LocationIn, PhotoIn, Press, TextIn
from conversations.menu import MenuAction
from conversations.replies import Button, Localized, Money, Outcome, Reply, Text

PREVIEW_TEXT_MAX = 500


class FormAction(StrEnum):
    """What the idea form's buttons ask for; the encoder accepts nothing else."""

    AUTHOR = "author"
    THEME = "theme"
    SKIP = "skip"
    KEEP = "keep"
    DONE = "done"
    BACK = "back"
    CANCEL = "cancel"
    DISCARD = "discard"
    CONTINUE = "continue"
    PREVIEW = "preview"
    CHANGE = "change"
    FIELD = "field"
    PUBLISH = "publish"
    SHARE = "share"


class Step(StrEnum):
    AUTHOR = "author"
    ORGANISATION = "organisation"
    TITLE = "title"
    DESCRIPTION = "description"
    OBJECTIVES = "objectives"
    BENEFICIARIES = "beneficiaries"
    THEME = "theme"
    ATTACHMENTS = "attachments"
    IMPLEMENTATION = "implementation"
    PLACE = "place"
    BUDGET = "budget"
    IMAGE = "image"
    PREVIEW = "preview"
    FIELDS = "fields"
    CANCEL = "cancel"


QUESTIONS = (
    Step.AUTHOR,
    Step.ORGANISATION,
    Step.TITLE,
    Step.DESCRIPTION,
    Step.OBJECTIVES,
    Step.BENEFICIARIES,
    Step.THEME,
    Step.ATTACHMENTS,
    Step.IMPLEMENTATION,
    Step.PLACE,
    Step.BUDGET,
    Step.IMAGE,
)
OPTIONAL = frozenset(
    {
        Step.OBJECTIVES,
        Step.BENEFICIARIES,
        Step.ATTACHMENTS,
        Step.IMPLEMENTATION,
        Step.PLACE,
        Step.IMAGE,
    }
)
# The free-text questions: the draft field each fills and its length limit.
TEXT_FIELDS = {
    Step.ORGANISATION: NAME_MAX,
    Step.TITLE: TITLE_MAX,
    Step.DESCRIPTION: DESCRIPTION_MAX,
    Step.OBJECTIVES: LONG_TEXT_MAX,
    Step.BENEFICIARIES: LONG_TEXT_MAX,
    Step.IMPLEMENTATION: LONG_TEXT_MAX,
}
# What each question tells a citizen who sent something it cannot take.
EXPECTED = {
    Step.AUTHOR: "form.error.use_buttons",
    Step.THEME: "form.error.use_buttons",
    Step.PREVIEW: "form.error.use_buttons",
    Step.FIELDS: "form.error.use_buttons",
    Step.CANCEL: "form.error.use_buttons",
    Step.ATTACHMENTS: "form.attachments.expected",
    Step.PLACE: "form.place.expected",
    Step.BUDGET: "form.budget.expected",
    Step.IMAGE: "form.image.expected",
}


@dataclass
class Attachment:
    file_id: str
    file_name: str
    kind: str  # "document" or "photo"


@dataclass
class Draft:
    author_kind: AuthorKind | None = None
    organisation: str | None = None
    title: str | None = None
    description: str | None = None
    objectives: str | None = None
    beneficiaries: str | None = None
    theme: str | None = None
    attachments: list[Attachment] = field(default_factory=list)
    implementation: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    address: str | None = None
    budget_cents: int | None = None
    image_file_id: str | None = None
    # The answers to the edition's checklist, given before the form (conversations.guide).
    checklist: dict[str, str] = field(default_factory=dict)

    @property
    def needs_organisation(self) -> bool:
        return self.author_kind in (AuthorKind.ORGANISATION, AuthorKind.SOMEONE_ELSE)

    @property
    def has_place(self) -> bool:
        return self.latitude is not None or self.address is not None

    def has(self, step: Step) -> bool:
        """Whether the question `step` already has an answer."""
        match step:
            case Step.AUTHOR:
                return self.author_kind is not None
            case Step.ATTACHMENTS:
                return bool(self.attachments)
            case Step.PLACE:
                return self.has_place
            case Step.BUDGET:
                return self.budget_cents is not None
            case Step.IMAGE:
                return self.image_file_id is not None
            case Step.THEME:
                return self.theme is not None
        return getattr(self, step.value) is not None

    def clear(self, step: Step) -> None:
        match step:
            case Step.ATTACHMENTS:
                self.attachments = []
            case Step.PLACE:
                self.latitude = self.longitude = self.address = None
            case Step.IMAGE:
                self.image_file_id = None
            case _:
                setattr(self, step.value, None)


@dataclass
class FormState:
    """A draft and where its author is in the form. `token` names the draft and `seq` the
    question on screen: a button carries both, so one from an older message is recognised."""

    token: str
    step: Step = Step.AUTHOR
    seq: int = 0
    draft: Draft = field(default_factory=Draft)
    history: list[Step] = field(default_factory=list)
    editing: bool = False
    cancel_from: Step | None = None
    # The idea being changed, or None for a new one.
    idea_id: int | None = None
    # The preview was shown once (a new idea's funnel counts it once).
    previewed: bool = False


@dataclass(frozen=True)
class FormContext:
    edition: Edition
    now: datetime


@dataclass(frozen=True)
class Publish:
    """Store the complete draft: a new idea, or in place of `idea_id` (changed by its
    author)."""

    draft: Draft
    idea_id: int | None


@dataclass(frozen=True)
class Published:
    number: int
    link: str


@dataclass(frozen=True)
class Replaced:
    """The idea, changed by its author, waits for moderation again."""

    number: int


@dataclass(frozen=True)
class DecidedMeanwhile:
    """Moderation decided while the author was changing the idea: the decision stands."""

    number: int
    status: str


Result = Published | Replaced | DecidedMeanwhile


@dataclass
class FormOutcome(Outcome):
    state: FormState | None = None
    effect: Publish | None = None
    # A new idea's preview is shown for the first time.
    first_preview: bool = False


def start(ctx: FormContext, token: str) -> FormOutcome:
    """Open a new draft at the first question, if ideas can be deposited now."""
    if not ctx.edition.is_open(Phase.DEPOSIT, ctx.now):
        return FormOutcome(None, [closed_reply(ctx)])
    state = FormState(token=token)
    return FormOutcome(state, [Reply("form.intro"), ask(state, ctx)])


def edit(ctx: FormContext, token: str, draft: Draft, idea_id: int) -> FormOutcome:
    """Open an idea already deposited at its preview, where any answer can be changed."""
    if not ctx.edition.is_open(Phase.DEPOSIT, ctx.now):
        return FormOutcome(None, [closed_reply(ctx)])
    return _show(FormState(token=token, draft=draft, idea_id=idea_id), Step.PREVIEW, ctx)


def resume(state: FormState, ctx: FormContext) -> FormOutcome:
    """Show the question a citizen left off at."""
    if not ctx.edition.is_open(Phase.DEPOSIT, ctx.now):
        return FormOutcome(state, [closed_reply(ctx)])
    return FormOutcome(state, [Reply("form.resumed"), ask(state, ctx)])


def step(state: FormState, event: Event | Result, ctx: FormContext) -> FormOutcome:
    match event:
        case Published(number=number, link=link):
            return FormOutcome(None, [published_reply(number, link)])
        case Replaced(number=number):
            menu = [[Button("menu.open", MenuAction.MENU)]]
            return FormOutcome(None, [Reply("moderation.edit.saved", number=number, buttons=menu)])
        case DecidedMeanwhile(number=number, status=status):
            status_text = Text(f"status.{status}")
            return FormOutcome(
                None, [Reply("moderation.edit.too_late", number=number, status=status_text)]
            )
    if not ctx.edition.is_open(Phase.DEPOSIT, ctx.now):
        notice = isinstance(event, Press)
        return FormOutcome(state, [closed_reply(ctx, notice=notice)])
    if isinstance(event, Press):
        if event.token != state.token or event.seq != state.seq:
            return FormOutcome(state, [Reply("form.error.old_button", notice=True)])
        return _press(state, event, ctx)
    return _answer(state, event, ctx)


def closed_reply(ctx: FormContext, notice: bool = False) -> Reply:
    edition, now = ctx.edition, ctx.now
    opens = edition.opens_on(Phase.DEPOSIT, now)
    if opens is not None:
        return Reply("form.closed.not_yet", day=opens, notice=notice)
    closed = edition.closed_on(Phase.DEPOSIT, now)
    if closed is not None:
        return Reply("form.closed.over", day=closed, notice=notice)
    return Reply("form.closed.now", notice=notice)


def published_reply(number: int, link: str) -> Reply:
    share = f"https://t.me/share/url?url={link}"
    return Reply(
        "form.published",
        number=number,
        link=link,
        buttons=[
            [Button("form.button.share", FormAction.SHARE, url=share)],
            [Button("menu.open", MenuAction.MENU)],
        ],
    )


# -- pressing buttons ---------------------------------------------------------------------


def _press(state: FormState, press: Press, ctx: FormContext) -> FormOutcome:
    action, arg, draft, current = press.action, press.arg, state.draft, state.step
    if action == FormAction.CANCEL and current is not Step.CANCEL:
        state.cancel_from = current
        return _show(state, Step.CANCEL, ctx)
    if action == FormAction.BACK:
        return _back(state, ctx)
    if current is Step.CANCEL and action == FormAction.DISCARD:
        menu = [[Button("menu.open", MenuAction.MENU)]]
        if state.idea_id is not None:
            return FormOutcome(
                None, [Reply("moderation.edit.dropped", number=state.idea_id, buttons=menu)]
            )
        return FormOutcome(None, [Reply("form.discarded", buttons=menu)])
    if current is Step.CANCEL and action == FormAction.CONTINUE:
        return _show(state, state.cancel_from or Step.AUTHOR, ctx)
    if action == FormAction.SKIP and current in OPTIONAL:
        draft.clear(current)
        return _advance(state, ctx)
    if action == FormAction.KEEP and current in QUESTIONS and draft.has(current):
        return _advance(state, ctx)
    if current is Step.AUTHOR and action == FormAction.AUTHOR and arg in set(AuthorKind):
        draft.author_kind = AuthorKind(arg)
        if not draft.needs_organisation:
            draft.organisation = None
        return _advance(state, ctx)
    if current is Step.THEME and action == FormAction.THEME and ctx.edition.theme(arg):
        draft.theme = arg
        return _advance(state, ctx)
    if current is Step.ATTACHMENTS and action == FormAction.DONE:
        return _advance(state, ctx)
    if current is Step.PREVIEW and action == FormAction.PUBLISH:
        return _publish(state, ctx)
    if current is Step.PREVIEW and action == FormAction.CHANGE:
        return _show(state, Step.FIELDS, ctx)
    if current is Step.FIELDS and action == FormAction.FIELD and arg in set(QUESTIONS):
        state.editing = True
        return _show(state, Step(arg), ctx)
    if current is Step.FIELDS and action == FormAction.PREVIEW:
        return _show(state, Step.PREVIEW, ctx)
    return FormOutcome(state, [Reply("form.error.invalid_button", notice=True)])


def _back(state: FormState, ctx: FormContext) -> FormOutcome:
    if state.step is Step.CANCEL:
        return _show(state, state.cancel_from or Step.AUTHOR, ctx)
    if state.step is Step.FIELDS or (state.editing and state.step in QUESTIONS):
        return _show(state, Step.PREVIEW, ctx)
    if not state.history:
        return FormOutcome(state, [Reply("form.error.invalid_button", notice=True)])
    return _show(state, state.history.pop(), ctx)


def _advance(state: FormState, ctx: FormContext) -> FormOutcome:
    current, draft = state.step, state.draft
    if current is Step.AUTHOR and draft.needs_organisation:
        following = Step.ORGANISATION
    elif state.editing or current is Step.IMAGE:
        following = Step.PREVIEW
    else:
        following = QUESTIONS[QUESTIONS.index(current) + 1]
        if following is Step.ORGANISATION:
            following = Step.TITLE
    if not state.editing and current in QUESTIONS:
        state.history.append(current)
    return _show(state, following, ctx)


def _show(state: FormState, step: Step, ctx: FormContext) -> FormOutcome:
    first_preview = False
    if step is Step.PREVIEW:
        state.editing = False
        first_preview = not state.previewed and state.idea_id is None
        state.previewed = True
    state.step = step
    state.seq += 1
    return FormOutcome(state, [ask(state, ctx)], first_preview=first_preview)


def _publish(state: FormState, ctx: FormContext) -> FormOutcome:
    draft = state.draft
    missing = next(
        (
            question
            for question in QUESTIONS
            if question not in OPTIONAL
            and not (question is Step.ORGANISATION and not draft.needs_organisation)
            and not draft.has(question)
        ),
        None,
    )
    if missing is None and ctx.edition.theme(draft.theme or "") is None:
        missing = Step.THEME
    if missing is not None:
        state.editing = True
        outcome = _show(state, missing, ctx)
        outcome.replies.insert(0, Reply("form.error.missing"))
        return outcome
    return FormOutcome(state, [], effect=Publish(draft, state.idea_id))


# -- answering questions ------------------------------------------------------------------


def _answer(state: FormState, event: Event, ctx: FormContext) -> FormOutcome:
    current, draft = state.step, state.draft
    if current is Step.THEME and isinstance(event, TextIn):
        typed = event.text.strip().casefold()
        for theme in ctx.edition.themes:
            if typed in {label.casefold() for label in theme.label.values()} | {theme.code}:
                draft.theme = theme.code
                return _advance(state, ctx)
    if current in TEXT_FIELDS:
        if not isinstance(event, TextIn):
            return _refuse(state, ctx, "form.error.text_expected")
        text = event.text.strip()
        if not text:
            return _refuse(state, ctx, "form.error.empty")
        limit = TEXT_FIELDS[current]
        if len(text) > limit:
            return _refuse(state, ctx, "form.error.too_long", count=len(text), limit=limit)
        setattr(draft, current.value, text)
        return _advance(state, ctx)
    if current is Step.ATTACHMENTS and isinstance(event, DocumentIn | PhotoIn):
        if len(draft.attachments) >= ATTACHMENTS_MAX:
            return _refuse(state, ctx, "form.attachments.limit", limit=ATTACHMENTS_MAX)
        if isinstance(event, DocumentIn):
            draft.attachments.append(Attachment(event.file_id, event.file_name, "document"))
        else:
            draft.attachments.append(Attachment(event.file_id, "", "photo"))
        # A new question number, so that an older "Skip" cannot drop what was just sent.
        state.seq += 1
        count = Text("form.attachments.count", count=len(draft.attachments))
        return FormOutcome(state, [Reply(count, buttons=ask(state, ctx).buttons)])
    if current is Step.PLACE and isinstance(event, LocationIn):
        draft.latitude, draft.longitude, draft.address = event.latitude, event.longitude, None
        return _advance(state, ctx)
    if current is Step.PLACE and isinstance(event, TextIn):
        address = event.text.strip()
        if not address:
            return _refuse(state, ctx, "form.error.empty")
        if len(address) > ADDRESS_MAX:
            return _refuse(state, ctx, "form.error.too_long", count=len(address), limit=ADDRESS_MAX)
        draft.latitude = draft.longitude = None
        draft.address = address
        return _advance(state, ctx)
    if current is Step.BUDGET and isinstance(event, TextIn):
        return _answer_budget(state, event.text, ctx)
    if current is Step.IMAGE and isinstance(event, PhotoIn):
        draft.image_file_id = event.file_id
        return _advance(state, ctx)
    if (
        current is Step.IMAGE
        and isinstance(event, DocumentIn)
        and event.mime_type.startswith("image/")
    ):
        draft.image_file_id = event.file_id
        return _advance(state, ctx)
    return _refuse(state, ctx, EXPECTED.get(current, "form.error.text_expected"))


def _answer_budget(state: FormState, typed: str, ctx: FormContext) -> FormOutcome:
    edition = ctx.edition
    try:
        cents = parse_amount(typed)
    except AmountError as error:
        return _refuse(state, ctx, f"form.budget.{error.reason}")
    if cents > edition.envelope_cents:
        envelope = Money(edition.envelope_cents, edition.currency)
        return _refuse(state, ctx, "form.budget.over_envelope", envelope=envelope)
    state.draft.budget_cents = cents
    return _advance(state, ctx)


def _refuse(state: FormState, ctx: FormContext, key: str, **params: object) -> FormOutcome:
    """Say what was wrong, under the current question's buttons; the state does not move."""
    question = ask(state, ctx)
    return FormOutcome(state, [Reply(Text(key, **params), buttons=question.buttons)])


# -- asking ---------------------------------------------------------------------------------


def ask(state: FormState, ctx: FormContext) -> Reply:
    """The message for the step the form is at, with its buttons."""
    draft, current = state.draft, state.step
    if current is Step.PREVIEW:
        return _preview(state, ctx)
    if current is Step.FIELDS:
        return _fields(state)
    if current is Step.CANCEL:
        if state.idea_id is not None:
            confirm = Text("moderation.edit.cancel_confirm", number=state.idea_id)
            discard = Button("moderation.edit.button_drop", FormAction.DISCARD)
        else:
            confirm, discard = (
                Text("form.cancel.confirm"),
                Button("form.button.discard", FormAction.DISCARD),
            )
        return Reply(
            confirm, buttons=[[discard], [Button("form.button.continue", FormAction.CONTINUE)]]
        )
    texts = [_progress(state), Text(_question_key(state))]
    if current is Step.BUDGET:
        texts[-1] = Text(
            "form.ask.budget", envelope=Money(ctx.edition.envelope_cents, ctx.edition.currency)
        )
    rows: list[list[Button]] = []
    if current is Step.AUTHOR:
        rows += [
            [Button(f"form.author.{kind.value}", FormAction.AUTHOR, kind.value)]
            for kind in AuthorKind
        ]
    if current is Step.THEME:
        themes = [Button(Localized(t.label), FormAction.THEME, t.code) for t in ctx.edition.themes]
        rows += [themes[i : i + 2] for i in range(0, len(themes), 2)]
    if current is Step.ATTACHMENTS and draft.attachments:
        texts.append(Text("form.attachments.count", count=len(draft.attachments)))
        rows.append([Button("form.button.done", FormAction.DONE)])
    elif draft.has(current):
        texts.append(Text("form.current", value=_current_value(state, ctx)))
        rows.append([Button("form.button.keep", FormAction.KEEP)])
    if current in OPTIONAL:
        label = "form.button.clear" if draft.has(current) else "form.button.skip"
        if current is Step.ATTACHMENTS and draft.attachments:
            # Said for what it does: "Leave empty" read as "nothing more" lost the documents.
            label = "form.button.remove_attachments"
        rows.append([Button(label, FormAction.SKIP)])
    navigation = [Button("form.button.cancel", FormAction.CANCEL)]
    if state.editing or state.history:
        navigation.insert(0, Button("form.button.back", FormAction.BACK))
    rows.append(navigation)
    return Reply(*texts, buttons=rows)


def _progress(state: FormState) -> Text:
    if state.editing:
        return Text("form.progress.editing")
    # The organisation's name completes the first question (who deposits): the count is the
    # same for everyone and never grows on the way.
    numbered = [q for q in QUESTIONS if q is not Step.ORGANISATION]
    current = Step.AUTHOR if state.step is Step.ORGANISATION else state.step
    return Text("form.progress", number=numbered.index(current) + 1, total=len(numbered))


def _question_key(state: FormState) -> str:
    if state.step is Step.ORGANISATION and state.draft.author_kind is AuthorKind.SOMEONE_ELSE:
        return "form.ask.someone_else"
    return f"form.ask.{state.step.value}"


def _current_value(state: FormState, ctx: FormContext) -> object:
    draft, current = state.draft, state.step
    match current:
        case Step.AUTHOR:
            return Text(f"form.author.{draft.author_kind}")
        case Step.THEME:
            theme = ctx.edition.theme(draft.theme or "")
            return Localized(theme.label) if theme else draft.theme
        case Step.PLACE:
            return _place(draft)
        case Step.BUDGET:
            return Money(draft.budget_cents or 0, ctx.edition.currency)
        case Step.IMAGE:
            return Text("form.preview.image.yes")
    return _shorten(getattr(draft, current.value))


def _place(draft: Draft) -> object:
    if draft.address is not None:
        return draft.address
    if draft.latitude is not None and draft.longitude is not None:
        return Text(
            "form.preview.pin", latitude=f"{draft.latitude:.5f}", longitude=f"{draft.longitude:.5f}"
        )
    return Text("form.preview.empty")


def _shorten(text: str | None) -> object:
    if text is None:
        return Text("form.preview.empty")
    if len(text) <= PREVIEW_TEXT_MAX:
        return text
    return text[: PREVIEW_TEXT_MAX - 1].rstrip() + "…"


def _preview(state: FormState, ctx: FormContext) -> Reply:
    draft, edition = state.draft, ctx.edition
    theme = edition.theme(draft.theme or "")
    if draft.author_kind is AuthorKind.MYSELF:
        author = Text("form.preview.author.myself")
    else:
        author = Text(f"form.preview.author.{draft.author_kind}", name=draft.organisation or "")
    implementation = (
        _shorten(draft.implementation)
        if draft.implementation
        else Text("form.preview.asks_suggestions")
    )
    if state.idea_id is None:
        header, publish = (
            Text("form.preview.header"),
            Button("form.button.publish", FormAction.PUBLISH),
        )
    else:
        header = Text("moderation.edit.preview_header", number=state.idea_id)
        publish = Button("moderation.edit.button_save", FormAction.PUBLISH)
    texts = [
        header,
        Text("form.preview.title", value=draft.title or ""),
        author,
        Text("form.preview.description", value=_shorten(draft.description)),
        Text("form.preview.objectives", value=_shorten(draft.objectives)),
        Text("form.preview.beneficiaries", value=_shorten(draft.beneficiaries)),
        Text("form.preview.theme", value=Localized(theme.label) if theme else ""),
        Text("form.preview.attachments", count=len(draft.attachments)),
        Text("form.preview.implementation", value=implementation),
        Text("form.preview.place", value=_place(draft)),
        Text("form.preview.budget", value=Money(draft.budget_cents or 0, edition.currency)),
        Text("form.preview.check"),
    ]
    navigation = [Button("form.button.cancel", FormAction.CANCEL)]
    # An idea opened for changes starts at its preview: there is no question to go back to.
    if state.history:
        navigation.insert(0, Button("form.button.back", FormAction.BACK))
    return Reply(
        *texts,
        compact=True,
        photo=draft.image_file_id,
        buttons=[[publish], [Button("form.button.change", FormAction.CHANGE)], navigation],
    )


def _fields(state: FormState) -> Reply:
    shown = [q for q in QUESTIONS if q is not Step.ORGANISATION]
    buttons = [Button(f"form.field.{q.value}", FormAction.FIELD, q.value) for q in shown]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append([Button("form.button.back", FormAction.PREVIEW)])
    return Reply("form.fields.ask", buttons=rows)
