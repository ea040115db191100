"""What the admins read of an integrity alarm (budget/integrity.py): the pattern, its counts and
its times, never a voter; and the button that marks it as looked at."""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from budget.integrity import Alarm, AlarmKind, IntegrityThresholds
from conversations.replies import Button, Localized, Reply, Text


class IntegrityAction(StrEnum):
    """The buttons under an alarm."""

    ACK = "ack"


@dataclass(frozen=True)
class Looked:
    """Who marked the alarm as looked at (a Telegram id; 0 from the command line), and when."""

    by: int
    at: datetime


def alarm_reply(
    number: int,
    alarm: Alarm,
    zone: ZoneInfo,
    thresholds: IntegrityThresholds,
    named: str | Localized,
    looked: Looked | None = None,
    edit: bool = False,
) -> Reply:
    """The alarm as told to an admin: `named` is what its key stands for, readably (a project's
    or district's name, a deep link; a block or an account stays its fingerprint)."""
    when = _when(alarm.start, alarm.end, zone)
    counts = {
        "observed": alarm.observed,
        "total": alarm.total if alarm.total is not None else 0,
        "expected": round(alarm.expected) if alarm.expected is not None else 0,
        "when": when,
    }
    match alarm.kind:
        case AlarmKind.SOURCE_BURST:
            source = named or Text("integrity.source.none")
            pattern = Text("integrity.alarm.source_burst", source=source, **counts)
        case AlarmKind.DISTRICT_BURST:
            pattern = Text("integrity.alarm.district_burst", district=named, **counts)
        case AlarmKind.SINGLE_PROJECT_WAVE:
            pattern = Text(
                "integrity.alarm.single_project_wave",
                project=named,
                minutes=thresholds.new_account_minutes,
                **counts,
            )
        case AlarmKind.NUMBER_RUN:
            pattern = Text(
                "integrity.alarm.number_run",
                block=named,
                hours=thresholds.run_window_hours,
                **counts,
            )
        case AlarmKind.ACCOUNT_NUMBERS:
            pattern = Text("integrity.alarm.account_numbers", account=named, **counts)
    texts = [Text("integrity.alarm.header", number=number), pattern]
    texts.append(Text("integrity.alarm.footer"))
    buttons: list[list[Button]] = []
    if looked is None:
        buttons = [[Button("integrity.button.ack", IntegrityAction.ACK, str(number))]]
    else:
        local = looked.at.astimezone(zone)
        who = str(looked.by) if looked.by else Text("integrity.command_line")
        texts.append(Text("integrity.alarm.looked", staff=who, day=local.date(), time=local.time()))
    return Reply(*texts, buttons=buttons, edit=edit)


def _when(start: datetime, end: datetime, zone: ZoneInfo) -> Text:
    first, last = start.astimezone(zone), end.astimezone(zone)
    if first.date() == last.date():
        return Text(
            "integrity.when.same_day",
            day=first.date(),
            start=first.time(),
            end=last.time(),
        )
    return Text(
        "integrity.when.days",
        start_day=first.date(),
        start=first.time(),
        end_day=last.date(),
        end=last.time(),
    )
