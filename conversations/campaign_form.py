"""Staff compose a campaign in the chat (/broadcast): how the texts are written, a text in each
of the edition's languages, an image, a button, the audience, the schedule; then a preview of
exactly what citizens will get, with the audience's size, before confirming.

A plain state machine like the idea form. The caller carries out the effects and feeds their
result back: `Preview` asks it to count the audience and show the message as citizens will see
it (`Previewed` says how many will get it); `Create` to store the campaign (`Created` gives its
number)."""

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time
from enum import StrEnum
from typing import Any

from budget.campaigns import (
    AUTOMATIC,
    CAPTION_LIMIT,
    PAID_BROADCAST_PER_SECOND,
    TEXT_LIMIT,
    WEEKDAYS,
    WITH_VALUE,
    Audience,
    AudienceKind,
    ButtonKind,
    Campaign,
    CampaignError,
    Schedule,
    ScheduleKind,
    check_campaign,
    html_problem,
    paid_broadcast_stars,
)
from budget.edition import Edition
from budget.serialise import load
from conversations.events import Event, PhotoIn, Press, TextIn
from conversations.replies import Button, Count, Localized, Outcome, Reply, Text

LANGUAGE_NAMES = {"fr": "Français", "nl": "Nederlands", "de": "Deutsch", "en": "English"}
_MOMENT = re.compile(r"^\s*(\d{4}-\d{2}-\d{2})[ T](\d{1,2}:\d{2})\s*$")
_WEEKLY = re.compile(r"^\s*(\d{1,2}:\d{2})\s+(\d{4}-\d{2}-\d{2})\s+(\d{4}-\d{2}-\d{2})\s*$")


class ComposeAction(StrEnum):
    """What the campaign composer's buttons ask for; the encoder accepts nothing else."""

    AUDIENCE = "audience"
    VALUE = "value"
    SCHEDULE = "schedule"
    WEEKDAY = "weekday"
    FORMAT = "format"
    BUTTON = "button"
    SKIP = "skip"
    CONFIRM = "confirm"
    CANCEL = "cancel"
    PAID = "paid"


class Step(StrEnum):
    FORMAT = "format"
    TEXT = "text"
    IMAGE = "image"
    BUTTON = "button"
    LINK = "link"
    AUDIENCE = "audience"
    AUDIENCE_VALUE = "audience_value"
    SCHEDULE = "schedule"
    AT = "at"
    WEEKDAY = "weekday"
    WEEKLY = "weekly"
    PREVIEW = "preview"


@dataclass
class CampaignForm:
    token: str
    step: Step = Step.FORMAT
    seq: int = 0
    html: bool = False
    language: int = 0
    texts: dict[str, str] = field(default_factory=dict)
    image: str | None = None
    button: str | None = None
    button_url: str | None = None
    audience: dict[str, str] = field(default_factory=lambda: {"kind": "everyone"})
    schedule: dict[str, Any] = field(default_factory=lambda: {"kind": "now"})
    paid_broadcast: bool = False

    def campaign(self) -> Campaign:
        first = next((text for text in self.texts.values() if text), "")
        return Campaign(
            name=first[:40].strip() or "campaign",
            texts={lang: text for lang, text in self.texts.items() if text},
            audience=load(Audience, self.audience),
            schedule=load(Schedule, self.schedule),
            image=self.image,
            button=ButtonKind(self.button) if self.button else None,
            button_url=self.button_url,
            html=self.html,
            paid_broadcast=self.paid_broadcast,
        )


@dataclass(frozen=True)
class FormContext:
    edition: Edition
    now: datetime


@dataclass(frozen=True)
class Preview:
    campaign: Campaign


@dataclass(frozen=True)
class Create:
    campaign: Campaign


@dataclass(frozen=True)
class Previewed:
    audience_size: int


@dataclass(frozen=True)
class Created:
    number: int


Result = Previewed | Created


@dataclass
class CampaignOutcome(Outcome):
    state: CampaignForm | None = None
    effect: Preview | Create | None = None


def start(ctx: FormContext, token: str) -> CampaignOutcome:
    form = CampaignForm(token=token, seq=1)
    return CampaignOutcome(form, [_ask(form, ctx)])


def step(form: CampaignForm, event: Event | Result, ctx: FormContext) -> CampaignOutcome:
    if isinstance(event, Previewed):
        return CampaignOutcome(form, [preview_summary(form, ctx, event.audience_size)])
    if isinstance(event, Created):
        return CampaignOutcome(None, [Reply("broadcast.created", number=event.number)])
    if isinstance(event, Press):
        if event.token != form.token or event.seq != form.seq:
            return CampaignOutcome(form, [Reply("broadcast.error.old_button", notice=True)])
        if event.action == ComposeAction.CANCEL:
            return CampaignOutcome(None, [Reply("broadcast.cancelled", edit=True)])
        return _press(form, event, ctx)
    return _typed(form, event, ctx)


def _press(form: CampaignForm, press: Press, ctx: FormContext) -> CampaignOutcome:
    action, arg, now = press.action, press.arg, form.step
    edition = ctx.edition
    if now is Step.FORMAT and action == ComposeAction.FORMAT:
        form.html = arg == "html"
        return _go(form, Step.TEXT, ctx)
    if now is Step.TEXT and action == ComposeAction.SKIP:
        return _next_language(form, ctx)
    if now is Step.IMAGE and action == ComposeAction.SKIP:
        form.image = None
        return _go(form, Step.BUTTON, ctx)
    if now is Step.BUTTON and action == ComposeAction.BUTTON:
        if arg == "none":
            form.button, form.button_url = None, None
            return _go(form, Step.AUDIENCE, ctx)
        if arg in {kind.value for kind in ButtonKind}:
            form.button = arg
            return _go(form, Step.LINK if arg == ButtonKind.LINK else Step.AUDIENCE, ctx)
    if (
        now is Step.AUDIENCE
        and action == ComposeAction.AUDIENCE
        and arg in set(AudienceKind) - AUTOMATIC
    ):
        form.audience = {"kind": arg}
        if AudienceKind(arg) in WITH_VALUE:
            return _go(form, Step.AUDIENCE_VALUE, ctx)
        return _go(form, Step.SCHEDULE, ctx)
    if now is Step.AUDIENCE_VALUE and action == ComposeAction.VALUE:
        kind = AudienceKind(form.audience["kind"])
        valid = arg in edition.languages if kind is AudienceKind.LANGUAGE else edition.district(arg)
        if valid:
            form.audience = {"kind": kind.value, "value": arg}
            return _go(form, Step.SCHEDULE, ctx)
    if now is Step.SCHEDULE and action == ComposeAction.SCHEDULE:
        if arg == ScheduleKind.NOW:
            form.schedule = {"kind": "now"}
            return _to_preview(form, ctx)
        if arg == ScheduleKind.AT:
            return _go(form, Step.AT, ctx)
        if arg == ScheduleKind.WEEKLY:
            return _go(form, Step.WEEKDAY, ctx)
    if now is Step.WEEKDAY and action == ComposeAction.WEEKDAY and arg in WEEKDAYS:
        form.schedule = {"kind": "weekly", "weekday": WEEKDAYS.index(arg)}
        return _go(form, Step.WEEKLY, ctx)
    if now is Step.PREVIEW and action == ComposeAction.AUDIENCE:
        return _go(form, Step.AUDIENCE, ctx)
    if now is Step.PREVIEW and action == ComposeAction.PAID and arg in ("on", "off"):
        form.paid_broadcast = arg == "on"
        return _to_preview(form, ctx)
    if now is Step.PREVIEW and action == ComposeAction.CONFIRM:
        campaign = form.campaign()
        try:
            check_campaign(campaign, edition, ctx.now)
        except CampaignError as error:
            return CampaignOutcome(form, [_refusal(error)])
        return CampaignOutcome(form, [], effect=Create(campaign))
    return CampaignOutcome(form, [Reply("broadcast.error.invalid_button", notice=True)])


def _typed(form: CampaignForm, event: Event, ctx: FormContext) -> CampaignOutcome:
    current = form.step
    if current is Step.TEXT and isinstance(event, TextIn):
        text = event.text.strip()
        if len(text) > TEXT_LIMIT:
            return _again(form, Reply("broadcast.text.too_long", count=len(text), limit=TEXT_LIMIT))
        problem = html_problem(text) if form.html else None
        if problem:
            return _again(form, Reply("broadcast.text.bad_html", problem=problem))
        form.texts[ctx.edition.languages[form.language]] = text
        return _next_language(form, ctx)
    if current is Step.IMAGE and isinstance(event, PhotoIn):
        longest = max(form.texts.items(), key=lambda item: len(item[1]))
        if len(longest[1]) > CAPTION_LIMIT:
            return _again(
                form,
                Reply(
                    "broadcast.image.text_too_long",
                    language=LANGUAGE_NAMES.get(longest[0], longest[0]),
                    count=len(longest[1]),
                    limit=CAPTION_LIMIT,
                ),
            )
        form.image = event.file_id
        return _go(form, Step.BUTTON, ctx)
    if current is Step.LINK and isinstance(event, TextIn):
        url = event.text.strip()
        if not re.match(r"^(https?|tg)://\S+$", url) or len(url) > 500:
            return _again(form, Reply("broadcast.link.invalid"))
        form.button_url = url
        return _go(form, Step.AUDIENCE, ctx)
    if current is Step.AT and isinstance(event, TextIn):
        match = _MOMENT.match(event.text)
        moment = _moment(match.group(1), match.group(2), ctx) if match else None
        if moment is None:
            return _again(form, Reply("broadcast.at.invalid"))
        if moment <= ctx.now:
            return _again(form, Reply("broadcast.at.past"))
        form.schedule = {"kind": "at", "at": moment.isoformat()}
        return _to_preview(form, ctx)
    if current is Step.WEEKLY and isinstance(event, TextIn):
        match = _WEEKLY.match(event.text)
        parts = _weekly(match.groups(), ctx) if match else None
        if parts is None:
            return _again(form, Reply("broadcast.weekly.invalid"))
        hour, first, last = parts
        if last < first:
            return _again(form, Reply("broadcast.weekly.end_before_start"))
        form.schedule.update(hour=hour, start=first.isoformat(), end=last.isoformat())
        schedule = load(Schedule, form.schedule)
        if not any(m > ctx.now for m in schedule.due_times(ctx.edition.zone, ctx.now)):
            return _again(form, Reply("broadcast.weekly.past"))
        return _to_preview(form, ctx)
    return _again(form, Reply("broadcast.error.unexpected"))


def _moment(day: str, hour: str, ctx: FormContext) -> datetime | None:
    try:
        return datetime.combine(
            date.fromisoformat(day), time.fromisoformat(hour.zfill(5)), tzinfo=ctx.edition.zone
        )
    except ValueError:
        return None


def _weekly(groups: tuple[str | Any, ...], ctx: FormContext) -> tuple[str, date, date] | None:
    hour, first, last = (str(group) for group in groups)
    try:
        return (
            time.fromisoformat(hour.zfill(5)).strftime("%H:%M"),
            (date.fromisoformat(first)),
            date.fromisoformat(last),
        )
    except ValueError:
        return None


def _next_language(form: CampaignForm, ctx: FormContext) -> CampaignOutcome:
    form.language += 1
    if form.language < len(ctx.edition.languages):
        return _go(form, Step.TEXT, ctx)
    if not any(form.texts.values()):
        form.language = 0
        form.seq += 1
        return CampaignOutcome(form, [Reply("broadcast.text.none"), _ask(form, ctx)])
    return _go(form, Step.IMAGE, ctx)


def _to_preview(form: CampaignForm, ctx: FormContext) -> CampaignOutcome:
    form.step = Step.PREVIEW
    form.seq += 1
    return CampaignOutcome(form, [], effect=Preview(form.campaign()))


def _go(form: CampaignForm, target: Step, ctx: FormContext) -> CampaignOutcome:
    form.step = target
    form.seq += 1
    return CampaignOutcome(form, [_ask(form, ctx)])


def _again(form: CampaignForm, refusal: Reply) -> CampaignOutcome:
    """A refused answer: say why; the question stays as it is."""
    return CampaignOutcome(form, [refusal])


def _refusal(error: CampaignError) -> Reply:
    return Reply(Text(f"broadcast.refused.{error.reason}", **error.values))


def _cancel_row() -> list[Button]:
    return [Button("broadcast.button.cancel", ComposeAction.CANCEL)]


def _ask(form: CampaignForm, ctx: FormContext) -> Reply:
    edition = ctx.edition
    match form.step:
        case Step.FORMAT:
            return Reply(
                "broadcast.ask.format",
                buttons=[
                    [Button("broadcast.button.plain", ComposeAction.FORMAT, "plain")],
                    [Button("broadcast.button.html", ComposeAction.FORMAT, "html")],
                    _cancel_row(),
                ],
            )
        case Step.TEXT:
            language = edition.languages[form.language]
            return Reply(
                "broadcast.ask.text",
                language=LANGUAGE_NAMES.get(language, language),
                number=form.language + 1,
                total=len(edition.languages),
                limit=TEXT_LIMIT,
                buttons=[[Button("broadcast.button.skip", ComposeAction.SKIP)], _cancel_row()],
            )
        case Step.IMAGE:
            return Reply(
                "broadcast.ask.image",
                buttons=[[Button("broadcast.button.no_image", ComposeAction.SKIP)], _cancel_row()],
            )
        case Step.BUTTON:
            return Reply(
                "broadcast.ask.button",
                buttons=[
                    [Button("broadcast.button.open_vote", ComposeAction.BUTTON, "vote")],
                    [Button("broadcast.button.open_form", ComposeAction.BUTTON, "deposit")],
                    [Button("broadcast.button.link", ComposeAction.BUTTON, "link")],
                    [Button("broadcast.button.no_button", ComposeAction.BUTTON, "none")],
                    _cancel_row(),
                ],
            )
        case Step.LINK:
            return Reply("broadcast.ask.link", buttons=[_cancel_row()])
        case Step.AUDIENCE:
            rows = [
                [Button(f"broadcast.audience.{kind.value}", ComposeAction.AUDIENCE, kind.value)]
                for kind in AudienceKind
                if kind not in AUTOMATIC
            ]
            return Reply("broadcast.ask.audience", buttons=[*rows, _cancel_row()])
        case Step.AUDIENCE_VALUE:
            if form.audience["kind"] == AudienceKind.LANGUAGE:
                options = [
                    Button(
                        Localized({"": LANGUAGE_NAMES.get(lang, lang)}), ComposeAction.VALUE, lang
                    )
                    for lang in edition.languages
                ]
                key = "broadcast.ask.language"
            else:
                options = [
                    Button(Localized(d.name), ComposeAction.VALUE, d.code)
                    for d in edition.districts
                ]
                key = "broadcast.ask.district"
            return Reply(key, buttons=[*([option] for option in options), _cancel_row()])
        case Step.SCHEDULE:
            return Reply(
                "broadcast.ask.schedule",
                buttons=[
                    [Button("broadcast.button.now", ComposeAction.SCHEDULE, "now")],
                    [Button("broadcast.button.at", ComposeAction.SCHEDULE, "at")],
                    [Button("broadcast.button.weekly", ComposeAction.SCHEDULE, "weekly")],
                    _cancel_row(),
                ],
            )
        case Step.AT:
            return Reply("broadcast.ask.at", timezone=edition.timezone, buttons=[_cancel_row()])
        case Step.WEEKDAY:
            days = [
                Button(f"broadcast.weekday.{day}", ComposeAction.WEEKDAY, day) for day in WEEKDAYS
            ]
            rows = [days[i : i + 2] for i in range(0, len(days), 2)]
            return Reply("broadcast.ask.weekday", buttons=[*rows, _cancel_row()])
        case Step.WEEKLY:
            return Reply("broadcast.ask.weekly", timezone=edition.timezone, buttons=[_cancel_row()])
    return Reply("broadcast.error.unexpected")


def preview_summary(form: CampaignForm, ctx: FormContext, audience_size: int) -> Reply:
    """Under the message as citizens will see it: who gets it and when; confirm or change."""
    schedule = load(Schedule, form.schedule)
    texts = [Text("broadcast.preview.header")]
    kind = AudienceKind(form.audience["kind"])
    audience = Text(f"broadcast.audience.{kind.value}")
    if form.audience.get("value"):
        audience = Text(
            "broadcast.audience.chosen", audience=audience, value=form.audience["value"]
        )
    texts.append(Text("broadcast.preview.audience", audience=audience, size=Count(audience_size)))
    if schedule.kind is ScheduleKind.NOW:
        texts.append(Text("broadcast.preview.now"))
    elif schedule.kind is ScheduleKind.AT and schedule.at:
        local = schedule.at.astimezone(ctx.edition.zone)
        texts.append(Text("broadcast.preview.at", day=local.date(), hour=local.strftime("%H:%M")))
    elif schedule.start and schedule.end and schedule.hour and schedule.weekday is not None:
        texts.append(
            Text(
                "broadcast.preview.weekly",
                weekday=Text(f"broadcast.weekday.{WEEKDAYS[schedule.weekday]}"),
                hour=schedule.hour.strftime("%H:%M"),
                start=schedule.start,
                end=schedule.end,
            )
        )
    missing = [
        LANGUAGE_NAMES.get(lang, lang) for lang in ctx.edition.languages if not form.texts.get(lang)
    ]
    if missing:
        first = next(lang for lang in ctx.edition.languages if form.texts.get(lang))
        texts.append(
            Text(
                "broadcast.preview.fallback",
                missing=", ".join(missing),
                language=LANGUAGE_NAMES.get(first, first),
            )
        )
    if form.paid_broadcast:
        texts.append(
            Text(
                "broadcast.preview.paid",
                rate=int(PAID_BROADCAST_PER_SECOND),
                stars=paid_broadcast_stars(audience_size),
                size=audience_size,
            )
        )
    rows: list[list[Button]] = []
    if audience_size == 0:
        texts.append(Text("broadcast.preview.nobody"))
    else:
        rows.append([Button("broadcast.button.confirm", ComposeAction.CONFIRM)])
    rows.append([Button("broadcast.button.change_audience", ComposeAction.AUDIENCE)])
    if form.paid_broadcast:
        rows.append([Button("broadcast.button.paid_off", ComposeAction.PAID, "off")])
    else:
        rows.append([Button("broadcast.button.paid_on", ComposeAction.PAID, "on")])
    rows.append(_cancel_row())
    return Reply(*texts, buttons=rows)
