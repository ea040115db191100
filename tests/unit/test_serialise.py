"""Conversation states and campaign settings are kept as JSON: what was stored by an earlier
version of pbbot must still be read, so a citizen's half-filled form survives an upgrade."""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any, ClassVar

import pytest

from budget.campaigns import Audience, AudienceKind, Schedule, ScheduleKind
from budget.ideas import AuthorKind
from budget.serialise import UnreadableState, dump, load
from conversations.idea_form import Attachment, Draft, FormState, Step
from conversations.vote import Screen, VoteState


def test_a_draft_with_attachments_comes_back_as_it_was_stored() -> None:
    draft = Draft(
        author_kind=AuthorKind.ORGANISATION,
        title="Un banc",
        attachments=[Attachment(file_id="doc-1", file_name="plan.pdf", kind="document")],
    )
    state = FormState(token="t1", step=Step.PLACE, seq=4, draft=draft, history=[Step.TITLE])
    assert load(FormState, dump(state)) == state


def test_a_vote_state_stored_by_the_earlier_format_resumes_where_it_was() -> None:
    # As VoteState.to_dict wrote it before the generic form.
    stored = {
        "version": 1,
        "token": "ab12",
        "screen": "list",
        "seq": 7,
        "chosen": [3, 5],
        "page": 1,
        "theme": None,
        "district": "jambes",
        "card": None,
        "home_district": None,
    }
    state = load(VoteState, stored)
    assert state.screen is Screen.LIST and state.chosen == [3, 5] and state.district == "jambes"


def test_a_schedule_stored_before_keeps_its_day_and_hour() -> None:
    stored = {
        "kind": "weekly",
        "weekday": 2,
        "hour": "18:00",
        "start": "2027-03-01",
        "end": "2027-04-30",
    }
    schedule = load(Schedule, stored)
    assert schedule == Schedule(
        ScheduleKind.WEEKLY,
        weekday=2,
        hour=time(18, 0),
        start=date(2027, 3, 1),
        end=date(2027, 4, 30),
    )
    assert load(Audience, {"kind": "district", "value": "jambes"}) == Audience(
        AudienceKind.DISTRICT, "jambes"
    )
    at = Schedule(ScheduleKind.AT, at=datetime(2027, 4, 19, 16, tzinfo=UTC))
    assert load(Schedule, dump(at)) == at


@dataclass
class Renamed:
    """A state whose field `page` was called `offset` in version 1."""

    VERSION: ClassVar[int] = 2
    token: str
    page: int = 0
    tags: dict[int, str] = field(default_factory=dict)

    @classmethod
    def upgrade(cls, data: dict[str, Any], version: int) -> dict[str, Any]:
        data["page"] = data.pop("offset", 0)
        return data


def test_an_older_stored_form_is_brought_up_to_date_before_it_is_read() -> None:
    assert load(Renamed, {"version": 1, "token": "x", "offset": 3}) == Renamed("x", 3)
    assert load(Renamed, dump(Renamed("y", 2, {4: "four"}))) == Renamed("y", 2, {4: "four"})


def test_a_field_added_later_takes_its_default_for_states_stored_before_it() -> None:
    state = load(VoteState, {"token": "t", "screen": "envelope", "seq": 1})
    assert state.chosen is None and state.page == 0


def test_a_state_written_by_a_newer_version_is_refused_rather_than_misread() -> None:
    with pytest.raises(UnreadableState):
        load(VoteState, {"version": 9, "token": "t"})
    with pytest.raises(UnreadableState):
        load(VoteState, {"token": "t", "screen": "no-such-screen"})
