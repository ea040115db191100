"""A campaign: a message in each of the edition's languages, an optional image and button, who
it is for, and when it goes out. Checked whole before anything is sent."""

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from budget.edition import Edition

# Telegram's limits: a message's text, and the caption under an image.
TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
NAME_LIMIT = 100
# Telegram's paid broadcasts: up to 1 000 messages a second instead of about 30, each message
# above the free 30 a second charged 0.1 Star to the bot's balance. At 1 000 a second nearly all
# of them are, so the estimate shown to staff is the audience × 0.1 Star (an upper bound).
PAID_BROADCAST_PER_SECOND = 1000.0
STARS_PER_PAID_MESSAGE = Decimal("0.1")


class AudienceKind(StrEnum):
    EVERYONE = "everyone"
    LANGUAGE = "language"
    DISTRICT = "district"
    DRAFT = "has_draft"
    FOLLOW_UP = "has_follow_up"
    NOT_VOTED = "not_voted"
    UNCAST = "uncast_envelope"
    VOTED = "voted"
    # Those who follow a funded project: with a value (a project's number), that project's
    # followers; without one, a digest of the progress posted since the previous run, sent to
    # whoever follows a funded project.
    FOLLOWERS = "followers"
    # Voters who pressed "Tell me the results" (the announcement made at the results).
    WANTS_RESULTS = "wants_results"


# The audiences pbbot fills itself when the results are published or progress is posted;
# staff do not choose them in the composer.
AUTOMATIC = frozenset({AudienceKind.WANTS_RESULTS})


# The audiences that need a value (which language, which district).
WITH_VALUE = {AudienceKind.LANGUAGE, AudienceKind.DISTRICT}


@dataclass(frozen=True)
class Audience:
    kind: AudienceKind
    value: str | None = None


class ButtonKind(StrEnum):
    VOTE = "vote"
    DEPOSIT = "deposit"
    LINK = "link"
    RESULTS = "results"


class ScheduleKind(StrEnum):
    NOW = "now"
    AT = "at"
    WEEKLY = "weekly"


WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass(frozen=True)
class Schedule:
    """Now; once at `at`; or every week on `weekday` (0 is Monday) at `hour` (the edition's
    local time) from `start` to `end`, both days included."""

    kind: ScheduleKind = ScheduleKind.NOW
    at: datetime | None = None
    weekday: int | None = None
    hour: time | None = None
    start: date | None = None
    end: date | None = None

    def due_times(self, zone: ZoneInfo, created_at: datetime) -> Iterator[datetime]:
        """Every moment the campaign is due, in order, as UTC datetimes."""
        if self.kind is ScheduleKind.NOW:
            yield created_at
            return
        if self.kind is ScheduleKind.AT:
            assert self.at is not None
            yield self.at
            return
        assert self.weekday is not None and self.hour is not None
        assert self.start is not None and self.end is not None
        day = self.start + timedelta(days=(self.weekday - self.start.weekday()) % 7)
        while day <= self.end:
            yield datetime.combine(day, self.hour, tzinfo=zone).astimezone(UTC)
            day += timedelta(days=7)


@dataclass(frozen=True)
class Campaign:
    name: str
    texts: Mapping[str, str]
    audience: Audience = field(default_factory=lambda: Audience(AudienceKind.EVERYONE))
    schedule: Schedule = field(default_factory=Schedule)
    image: str | None = None
    button: ButtonKind | None = None
    button_url: str | None = None
    # Texts are sent as written, unless staff chose Telegram's HTML formatting.
    html: bool = False
    # Also sent to those who stopped reminders, if they voted and asked for the results.
    results_announcement: bool = False
    # Sent as a paid broadcast (Telegram's allow_paid_broadcast): faster, paid in Stars.
    paid_broadcast: bool = False

    def text_for(self, language: str, edition: Edition) -> str:
        """The citizen's own language, else the edition's first language that has a text."""
        for candidate in (language, *edition.languages):
            text = self.texts.get(candidate, "").strip()
            if text:
                return text
        return next(text for text in self.texts.values() if text.strip())


def paid_broadcast_stars(audience_size: int) -> Decimal:
    """What one sending to `audience_size` citizens may cost as a paid broadcast, in Stars."""
    return audience_size * STARS_PER_PAID_MESSAGE


class CampaignError(ValueError):
    """What is wrong, as a message id with its values, for staff in their language."""

    def __init__(self, reason: str, **values: object) -> None:
        super().__init__(reason, values)
        self.reason = reason
        self.values = values


def check_campaign(campaign: Campaign, edition: Edition, now: datetime) -> None:
    """Refuse, before anything is stored or sent, a campaign Telegram or citizens would not
    get as staff meant it."""
    if not campaign.name.strip() or len(campaign.name) > NAME_LIMIT:
        raise CampaignError("name", limit=NAME_LIMIT)
    for language in campaign.texts:
        if language not in edition.languages:
            raise CampaignError("language", language=language)
    if not any(text.strip() for text in campaign.texts.values()):
        raise CampaignError("no_text")
    limit = CAPTION_LIMIT if campaign.image else TEXT_LIMIT
    for language, text in campaign.texts.items():
        length = len(text.strip())
        if length > limit:
            raise CampaignError("too_long", language=language, length=length, limit=limit)
        if campaign.html:
            problem = html_problem(text)
            if problem:
                raise CampaignError("html", language=language, problem=problem)
    if campaign.button is ButtonKind.LINK and not _is_link(campaign.button_url):
        raise CampaignError("link")
    audience = campaign.audience
    if audience.kind not in WITH_VALUE | {AudienceKind.FOLLOWERS} and audience.value:
        raise CampaignError("audience")
    if audience.kind in WITH_VALUE and not audience.value:
        raise CampaignError("audience")
    if audience.kind is AudienceKind.LANGUAGE and audience.value not in edition.languages:
        raise CampaignError("language", language=audience.value)
    if audience.kind is AudienceKind.DISTRICT and edition.district(audience.value or "") is None:
        raise CampaignError("district", district=audience.value)
    if audience.kind is AudienceKind.FOLLOWERS and audience.value and not audience.value.isdigit():
        raise CampaignError("audience")
    schedule = campaign.schedule
    if schedule.kind is ScheduleKind.AT and (schedule.at is None or schedule.at <= now):
        raise CampaignError("in_the_past")
    if schedule.kind is ScheduleKind.WEEKLY:
        if schedule.start is None or schedule.end is None or schedule.end < schedule.start:
            raise CampaignError("weekly_end_before_start")
        if next(schedule.due_times(edition.zone, now), None) is None:
            raise CampaignError("weekly_never")
        last = list(schedule.due_times(edition.zone, now))[-1]
        if last <= now:
            raise CampaignError("in_the_past")


def _is_link(url: str | None) -> bool:
    if not url:
        return False
    parts = urlsplit(url)
    return parts.scheme in {"https", "http", "tg"} and bool(parts.netloc or parts.path)


# The tags Telegram's HTML parse mode knows.
TELEGRAM_TAGS = {
    "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre",
    "tg-spoiler", "span", "blockquote", "tg-emoji",
}  # fmt: skip
_TAG = re.compile(r"""<(/?)([a-zA-Z-]+)((?:\s+[a-zA-Z-]+(?:=(?:"[^"]*"|'[^']*'|[^\s>]+))?)*)\s*>""")
_ENTITY = re.compile(r"&(?:#\d+|#x[0-9a-fA-F]+|lt|gt|amp|quot);")


def html_problem(text: str) -> str | None:
    """The first thing Telegram's HTML parse mode would refuse: an unknown tag, one unclosed or
    closed out of order, or a bare "<", ">" or "&" (Telegram wants &lt; &gt; &amp;); None when
    the text is fine."""
    opened: list[str] = []
    index = 0
    for tag in [*_TAG.finditer(text), None]:
        between = text[index : tag.start() if tag else len(text)]
        for bare in ("<", ">"):
            if bare in between:
                return bare
        if "&" in between and len(_ENTITY.findall(between)) != between.count("&"):
            return "&"
        if tag is None:
            break
        index = tag.end()
        closing, name = tag.group(1) == "/", tag.group(2).lower()
        if name not in TELEGRAM_TAGS:
            return tag.group(0)
        if not closing:
            opened.append(name)
        elif not opened or opened.pop() != name:
            return tag.group(0)
    return f"<{opened[-1]}>" if opened else None
