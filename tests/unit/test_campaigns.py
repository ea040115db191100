"""Campaigns are checked whole before anything is sent, and their schedule says when each run
is due."""

from datetime import UTC, date, datetime, time, timedelta

import pytest

from broadcast.schedule import due_run, next_run
from budget.campaign_file import CampaignFileError, parse_campaign
from budget.campaigns import (
    Audience,
    AudienceKind,
    ButtonKind,
    Campaign,
    CampaignError,
    Schedule,
    ScheduleKind,
    check_campaign,
    html_problem,
)
from budget.edition import Edition
from budget.edition_file import parse_edition
from budget.serialise import dump, load
from tests.conftest import EXAMPLE_EDITION

NOW = datetime(2027, 4, 20, 10, tzinfo=UTC)


@pytest.fixture(scope="module")
def edition() -> Edition:
    return parse_edition(EXAMPLE_EDITION.read_text(encoding="utf-8"))


def refusal(campaign: Campaign, edition: Edition) -> str:
    with pytest.raises(CampaignError) as refused:
        check_campaign(campaign, edition, NOW)
    return refused.value.reason


def test_a_campaign_with_no_text_in_any_language_is_refused(edition: Edition) -> None:
    assert refusal(Campaign("c", {"fr": "  ", "nl": ""}), edition) == "no_text"


def test_a_text_over_telegrams_limit_is_refused_with_the_limit(edition: Edition) -> None:
    with pytest.raises(CampaignError) as refused:
        check_campaign(Campaign("c", {"fr": "x" * 4097}), edition, NOW)
    assert refused.value.values == {"language": "fr", "length": 4097, "limit": 4096}
    check_campaign(Campaign("c", {"fr": "x" * 4096}), edition, NOW)


def test_under_an_image_the_caption_limit_applies(edition: Edition) -> None:
    campaign = Campaign("c", {"fr": "x" * 1025}, image="https://example.org/a.jpg")
    assert refusal(campaign, edition) == "too_long"


def test_a_weekly_schedule_that_ends_before_it_starts_is_refused(edition: Edition) -> None:
    schedule = Schedule(
        ScheduleKind.WEEKLY, weekday=0, hour=time(18), start=date(2027, 5, 1), end=date(2027, 4, 1)
    )
    assert refusal(Campaign("c", {"fr": "x"}, schedule=schedule), edition) == (
        "weekly_end_before_start"
    )


def test_a_moment_in_the_past_is_refused(edition: Edition) -> None:
    schedule = Schedule(ScheduleKind.AT, at=NOW - timedelta(minutes=1))
    assert refusal(Campaign("c", {"fr": "x"}, schedule=schedule), edition) == "in_the_past"


@pytest.mark.parametrize(
    ("audience", "reason"),
    [
        (Audience(AudienceKind.LANGUAGE), "audience"),
        (Audience(AudienceKind.LANGUAGE, "es"), "language"),
        (Audience(AudienceKind.DISTRICT, "atlantis"), "district"),
    ],
)
def test_an_audience_must_name_what_the_edition_has(
    edition: Edition, audience: Audience, reason: str
) -> None:
    assert refusal(Campaign("c", {"fr": "x"}, audience=audience), edition) == reason


def test_a_link_button_needs_a_link(edition: Edition) -> None:
    campaign = Campaign("c", {"fr": "x"}, button=ButtonKind.LINK, button_url="example.org")
    assert refusal(campaign, edition) == "link"


def test_html_is_checked_only_when_staff_chose_formatting(edition: Edition) -> None:
    check_campaign(Campaign("c", {"fr": "1 < 2 & <b>"}), edition, NOW)
    assert refusal(Campaign("c", {"fr": "<b>Votez"}, html=True), edition) == "html"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("<b>Votez</b> avant <i>dimanche</i>", None),
        ('<a href="https://example.org/?a=1&amp;b=2">ici</a>', None),
        ("Tom &amp; Jerry &lt;3", None),
        ("<b>Votez", "<b>"),
        ("<b><i>x</b></i>", "</b>"),
        ("<script>x</script>", "<script>"),
        ("1 < 2", "<"),
        ("Tom & Jerry", "&"),
    ],
)
def test_html_that_telegram_would_refuse_is_found_before_sending(
    text: str, problem: str | None
) -> None:
    assert html_problem(text) == problem


def test_a_citizen_gets_their_language_or_the_editions_first(edition: Edition) -> None:
    campaign = Campaign("c", {"nl": "Stem!", "fr": "Votez !"})
    assert campaign.text_for("nl", edition) == "Stem!"
    assert campaign.text_for("de", edition) == "Votez !"  # Namur's first language is French


WEEKLY = Schedule(
    ScheduleKind.WEEKLY, weekday=0, hour=time(18), start=date(2027, 4, 15), end=date(2027, 5, 15)
)


def test_a_weekly_campaign_is_due_on_its_day_and_hour_in_the_editions_time(
    edition: Edition,
) -> None:
    moments = list(WEEKLY.due_times(edition.zone, NOW))
    # Mondays between 15 April and 15 May 2027, 18:00 in Brussels (16:00 UTC in summer).
    assert [m.date() for m in moments] == [
        date(2027, 4, 19), date(2027, 4, 26), date(2027, 5, 3), date(2027, 5, 10)
    ]  # fmt: skip
    assert moments[0] == datetime(2027, 4, 19, 16, tzinfo=UTC)


def test_a_run_missed_for_a_short_while_is_still_sent_but_not_days_later(
    edition: Edition,
) -> None:
    monday = datetime(2027, 4, 19, 16, tzinfo=UTC)
    assert due_run(WEEKLY, edition.zone, NOW, monday - timedelta(minutes=1)) is None
    assert due_run(WEEKLY, edition.zone, NOW, monday + timedelta(hours=2)) == monday
    assert due_run(WEEKLY, edition.zone, NOW, monday + timedelta(days=2)) is None
    assert next_run(WEEKLY, edition.zone, NOW, monday) == monday + timedelta(days=7)
    assert next_run(WEEKLY, edition.zone, NOW, datetime(2027, 5, 11, tzinfo=UTC)) is None


CAMPAIGN_FILE = """
audience = "not_voted"
button = "vote"
[text]
fr = "Avez-vous voté ?"
nl = "Hebt u gestemd?"
[schedule]
every = "monday"
hour = "18:00"
from = 2027-04-15
until = 2027-05-15
"""


def test_a_campaign_file_is_read_whole(edition: Edition) -> None:
    campaign = parse_campaign(CAMPAIGN_FILE, edition.timezone)
    assert campaign.audience == Audience(AudienceKind.NOT_VOTED)
    assert campaign.button is ButtonKind.VOTE
    assert campaign.schedule == WEEKLY
    assert campaign.name == "Avez-vous voté ?"
    check_campaign(campaign, edition, NOW)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('audience = "not_voted"', 'audience = "nobody"'), "audience: 'nobody' is not one of"),
        (('button = "vote"', 'button = "call"'), "button: use vote, deposit, link or none"),
        (('every = "monday"', 'every = "someday"'), "schedule: give at = a moment"),
        (('hour = "18:00"', 'hour = "six"'), "schedule.hour"),
        (("[text]", "colour = 1\n[text]"), "colour: unknown field"),
    ],
)
def test_a_faulty_campaign_file_names_the_field(
    edition: Edition, change: tuple[str, str], message: str
) -> None:
    with pytest.raises(CampaignFileError, match=message):
        parse_campaign(CAMPAIGN_FILE.replace(*change), edition.timezone)


def test_a_weekly_schedule_given_moments_for_its_days_keeps_the_days(edition: Edition) -> None:
    source = CAMPAIGN_FILE.replace("from = 2027-04-15", "from = 2027-04-15T00:00:00").replace(
        "until = 2027-05-15", "until = 2027-05-15T23:00:00+02:00"
    )
    schedule = parse_campaign(source, edition.timezone).schedule
    assert schedule == WEEKLY
    assert load(Schedule, dump(schedule)) == WEEKLY, "it is read back as it was stored"
