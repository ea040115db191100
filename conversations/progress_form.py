"""/progress: staff post a funded project's progress in the chat. Choose the project, the
stage, write the text (for a cancelled project: why), add a photo or not, see the message as
its followers will get it with how many they are, and confirm.

A plain state machine like the campaign composer; the caller carries out the effects:
`preview` asks it to show the message and count the followers, `post` to keep the post and
queue it for the followers."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from budget.edition import Edition
from budget.progress import PROGRESS_TEXT_MAX, ProgressError, check_post
from conversations.events import Event, PhotoIn, Press, TextIn, button_number
from conversations.replies import Button, Localized, Outcome, Reply


class ProgressAction(StrEnum):
    PROJECT = "project"
    STAGE = "stage"
    NO_PHOTO = "no_photo"
    CONFIRM = "confirm"
    CANCEL = "cancel"


class Step(StrEnum):
    PROJECT = "project"
    STAGE = "stage"
    TEXT = "text"
    PHOTO = "photo"
    PREVIEW = "preview"


# The steps that wait for something typed or sent rather than a button.
TYPED_STEPS = frozenset({Step.TEXT, Step.PHOTO})


@dataclass
class ProgressDraft:
    token: str
    seq: int = 0
    step: Step = Step.PROJECT
    project: int | None = None
    stage: str | None = None
    text: str | None = None
    photo: str | None = None


@dataclass(frozen=True)
class ProgressContext:
    edition: Edition
    now: datetime
    # The funded projects: (number, title).
    projects: Sequence[tuple[int, Mapping[str, str]]]

    def title(self, project: int) -> Mapping[str, str] | None:
        return next((title for number, title in self.projects if number == project), None)


@dataclass
class ProgressOutcome(Outcome):
    state: ProgressDraft | None = None
    preview: bool = False
    post: ProgressDraft | None = None


def start(ctx: ProgressContext, token: str) -> ProgressOutcome:
    if not ctx.projects:
        return ProgressOutcome(None, [Reply("progress.no_project")])
    draft = ProgressDraft(token=token)
    return _go(draft, Step.PROJECT, ctx)


def step(draft: ProgressDraft, event: Event, ctx: ProgressContext) -> ProgressOutcome:
    if isinstance(event, Press):
        if event.token != draft.token or event.seq != draft.seq:
            return ProgressOutcome(draft, [Reply("progress.error.old_button", notice=True)])
        return _press(draft, event, ctx)
    if draft.step is Step.TEXT and isinstance(event, TextIn):
        assert draft.stage is not None
        try:
            check_post(ctx.edition, draft.stage, event.text)
        except ProgressError as error:
            return ProgressOutcome(
                draft, [Reply(f"progress.error.{error.reason}", limit=PROGRESS_TEXT_MAX)]
            )
        draft.text = event.text.strip()
        return _go(draft, Step.PHOTO, ctx)
    if draft.step is Step.PHOTO and isinstance(event, PhotoIn):
        draft.photo = event.file_id
        return _go(draft, Step.PREVIEW, ctx)
    if draft.step is Step.PHOTO:
        return ProgressOutcome(draft, [Reply("progress.error.photo_expected")])
    return ProgressOutcome(draft, [Reply("progress.error.use_buttons")])


def _press(draft: ProgressDraft, press: Press, ctx: ProgressContext) -> ProgressOutcome:
    action, arg = press.action, press.arg
    if action == ProgressAction.CANCEL:
        return ProgressOutcome(None, [Reply("progress.cancelled", edit=True)])
    if draft.step is Step.PROJECT and action == ProgressAction.PROJECT:
        number = button_number(arg)
        if number is None or ctx.title(number) is None:
            return ProgressOutcome(draft, [Reply("error.invalid_button", notice=True)])
        draft.project = number
        return _go(draft, Step.STAGE, ctx)
    if draft.step is Step.STAGE and action == ProgressAction.STAGE:
        if ctx.edition.stage(arg) is None:
            return ProgressOutcome(draft, [Reply("error.invalid_button", notice=True)])
        draft.stage = arg
        return _go(draft, Step.TEXT, ctx)
    if draft.step is Step.PHOTO and action == ProgressAction.NO_PHOTO:
        draft.photo = None
        return _go(draft, Step.PREVIEW, ctx)
    if draft.step is Step.PREVIEW and action == ProgressAction.CONFIRM:
        return ProgressOutcome(None, [], post=draft)
    return ProgressOutcome(draft, [Reply("progress.error.old_button", notice=True)])


def _go(draft: ProgressDraft, target: Step, ctx: ProgressContext) -> ProgressOutcome:
    draft.step = target
    draft.seq += 1
    if target is Step.PREVIEW:
        return ProgressOutcome(draft, [], preview=True)
    return ProgressOutcome(draft, [ask(draft, ctx)])


def _cancel_row() -> list[Button]:
    return [Button("progress.button.cancel", ProgressAction.CANCEL)]


def ask(draft: ProgressDraft, ctx: ProgressContext) -> Reply:
    match draft.step:
        case Step.PROJECT:
            rows = [
                [Button(Localized(title), ProgressAction.PROJECT, str(number))]
                for number, title in ctx.projects
            ]
            return Reply("progress.ask.project", buttons=[*rows, _cancel_row()])
        case Step.STAGE:
            rows = [
                [Button(Localized(stage.label), ProgressAction.STAGE, stage.code)]
                for stage in ctx.edition.stages
            ]
            return Reply("progress.ask.stage", buttons=[*rows, _cancel_row()])
        case Step.TEXT:
            stage = ctx.edition.stage(draft.stage or "")
            key = "progress.ask.reason" if stage and stage.needs_reason else "progress.ask.text"
            return Reply(key, limit=PROGRESS_TEXT_MAX, buttons=[_cancel_row()])
        case Step.PHOTO:
            return Reply(
                "progress.ask.photo",
                buttons=[
                    [Button("progress.button.no_photo", ProgressAction.NO_PHOTO)],
                    _cancel_row(),
                ],
            )
    raise ValueError(draft.step)


def preview_summary(followers: int) -> Reply:
    return Reply(
        "progress.preview",
        followers=followers,
        buttons=[[Button("progress.button.confirm", ProgressAction.CONFIRM)], _cancel_row()],
    )
