"""A campaign written as a TOML file, for `pbbot broadcast create`:

name = "Weekly reminder"
audience = "not_voted"            # or "language:nl", "district:dinant", "everyone"...
button = "vote"                   # "deposit", "link" (with url = "https://..."), or none
image = "https://example.org/vote.jpg"
html = false                      # true: the texts use Telegram's HTML formatting
results_announcement = false
paid_broadcast = false            # true: up to 1 000 messages/s, 0.1 Star per message

[text]
fr = "Avez-vous voté ? Il reste une semaine."
nl = "Hebt u gestemd? Nog een week."

[schedule]                        # leave out to send now
at = 2027-04-20T18:00:00+02:00    # once; or every week:
# every = "monday"
# hour = "18:00"
# from = 2027-04-15
# until = 2027-05-15
"""

import tomllib
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from budget.campaigns import (
    WEEKDAYS,
    Audience,
    AudienceKind,
    ButtonKind,
    Campaign,
    Schedule,
    ScheduleKind,
)


class CampaignFileError(ValueError):
    """A fault in a campaign file, naming the field."""


def parse_campaign(source: str, zone_name: str) -> Campaign:
    try:
        data = tomllib.loads(source)
    except tomllib.TOMLDecodeError as error:
        raise CampaignFileError(f"TOML syntax: {error}") from None
    known = {
        "name",
        "audience",
        "button",
        "url",
        "image",
        "html",
        "results_announcement",
        "paid_broadcast",
    }
    unknown = set(data) - known - {"text", "schedule"}
    if unknown:
        raise CampaignFileError(f"{sorted(unknown)[0]}: unknown field")
    texts = data.get("text", {})
    if not isinstance(texts, dict) or not all(isinstance(v, str) for v in texts.values()):
        raise CampaignFileError('text: a table of texts by language, e.g. fr = "..."')
    name = _text(data, "name") or next(iter(texts.values()), "")[:40] or "campaign"
    button_name = _text(data, "button")
    try:
        button = ButtonKind(button_name) if button_name and button_name != "none" else None
    except ValueError:
        raise CampaignFileError("button: use vote, deposit, link or none") from None
    return Campaign(
        name=name,
        texts=texts,
        audience=_audience(_text(data, "audience") or "everyone"),
        schedule=_schedule(data.get("schedule"), zone_name),
        image=_text(data, "image"),
        button=button,
        button_url=_text(data, "url"),
        html=_boolean(data, "html"),
        results_announcement=_boolean(data, "results_announcement"),
        paid_broadcast=_boolean(data, "paid_broadcast"),
    )


def _text(data: dict[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise CampaignFileError(f"{key}: must be a text")
    return value.strip() or None


def _boolean(data: dict[str, Any], key: str) -> bool:
    value = data.get(key, False)
    if not isinstance(value, bool):
        raise CampaignFileError(f"{key}: must be true or false")
    return value


def _audience(text: str) -> Audience:
    kind, _, value = text.partition(":")
    try:
        return Audience(AudienceKind(kind), value or None)
    except ValueError:
        names = ", ".join(k.value for k in AudienceKind)
        raise CampaignFileError(f"audience: {kind!r} is not one of {names}") from None


def _schedule(table: object, zone_name: str) -> Schedule:
    if table is None:
        return Schedule()
    if not isinstance(table, dict):
        raise CampaignFileError("schedule: must be a table")
    if "at" in table:
        at = table["at"]
        if isinstance(at, datetime):
            return Schedule(ScheduleKind.AT, at=_aware(at, zone_name))
        raise CampaignFileError("schedule.at: a date and time, e.g. 2027-04-20T18:00:00+02:00")
    every = str(table.get("every", "")).lower()
    if every not in WEEKDAYS:
        raise CampaignFileError("schedule: give at = a moment, or every = a day of the week")
    hour = table.get("hour")
    try:
        moment = hour if isinstance(hour, time) else time.fromisoformat(str(hour))
    except ValueError:
        raise CampaignFileError('schedule.hour: a time such as "18:00"') from None
    start, end = _day(table.get("from")), _day(table.get("until"))
    if start is None or end is None:
        raise CampaignFileError("schedule: from and until must be dates, e.g. 2027-04-15")
    return Schedule(
        ScheduleKind.WEEKLY, weekday=WEEKDAYS.index(every), hour=moment, start=start, end=end
    )


def _day(value: object) -> date | None:
    # A TOML datetime is a `date` too, but stored whole it could not be read back as one.
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else None


def _aware(moment: datetime, zone_name: str) -> datetime:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(zone_name))
    return moment.astimezone(UTC)
