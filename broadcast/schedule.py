"""When a campaign's next run is due."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from budget.campaigns import Schedule

# A run missed while the bot was down is still sent within this delay; later, a reminder
# would come at the wrong moment ("the vote closes tonight" two days late), so it is skipped.
GRACE = timedelta(hours=12)


def due_run(
    schedule: Schedule, zone: ZoneInfo, created_at: datetime, now: datetime
) -> datetime | None:
    """The due moment of the run to start now, if any: the latest one that has come, unless
    it is more than GRACE late. The caller starts it at most once (a unique constraint)."""
    latest = None
    for moment in schedule.due_times(zone, created_at):
        if moment > now:
            break
        latest = moment
    if latest is None or now - latest > GRACE:
        return None
    return latest


def next_run(
    schedule: Schedule, zone: ZoneInfo, created_at: datetime, now: datetime
) -> datetime | None:
    """The next due moment after `now`, for staff to see."""
    return next((m for m in schedule.due_times(zone, created_at) if m > now), None)
