"""The campaign in figures, for staff: what is counted, and what the counts are.

Figures are aggregates only. The steps of the idea form and of the vote are counted as they
happen, as a number per edition, day, channel (the link's source) and district: never a row per
citizen, so that nothing in them can be joined to a person, let alone to a ballot."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum


class Tally(StrEnum):
    """A step counted as it happens."""

    IDEA_STARTED = "idea_started"
    IDEA_PREVIEWED = "idea_previewed"
    IDEA_SUBMITTED = "idea_submitted"
    IDEA_PUBLISHED = "idea_published"
    VOTE_OPENED = "vote_opened"
    VOTE_REGISTERED = "vote_registered"
    VOTE_CAST = "vote_cast"
    VOTE_CHANGED = "vote_changed"
    VOTE_WITHDRAWN = "vote_withdrawn"


IDEA_FUNNEL = (Tally.IDEA_STARTED, Tally.IDEA_PREVIEWED, Tally.IDEA_SUBMITTED, Tally.IDEA_PUBLISHED)
VOTE_FUNNEL = (
    Tally.VOTE_OPENED,
    Tally.VOTE_REGISTERED,
    Tally.VOTE_CAST,
    Tally.VOTE_CHANGED,
    Tally.VOTE_WITHDRAWN,
)
# Where a count has no channel or no district.
NONE = ""


@dataclass(frozen=True)
class Count:
    """One counter: how many times `tally` happened that day, through that channel, in that
    district (NONE where unknown)."""

    day: date
    tally: Tally
    source: str
    district: str
    count: int


def ballots_held(counts: list[Count], by: str) -> dict[str, int]:
    """Ballots held now per channel (`by="source"`) or district: those cast (a first time, or
    again after a withdrawal) less those withdrawn."""
    held: dict[str, int] = {}
    for count in counts:
        sign = {Tally.VOTE_CAST: 1, Tally.VOTE_WITHDRAWN: -1}.get(count.tally, 0)
        if sign:
            key = getattr(count, by)
            held[key] = held.get(key, 0) + sign * count.count
    return {key: value for key, value in held.items() if value}


@dataclass(frozen=True)
class SourceFigures:
    participants: int = 0
    ideas: int = 0
    ballots: int = 0


@dataclass(frozen=True)
class DistrictTurnout:
    code: str
    voters: int
    ballots: int
    # From the edition file; None when it does not give it.
    population: int | None

    @property
    def rate(self) -> float | None:
        """Ballots per inhabitant, when the population is known."""
        return self.ballots / self.population if self.population else None


@dataclass(frozen=True)
class Figures:
    """Everything `/stats` and `pbbot stats` show, from `since` on (None: from the start);
    ballots, voters and turnout are as they stand now."""

    since: date | None
    participants: int
    by_language: Mapping[str, int]
    by_source: Mapping[str, int]
    by_day: Mapping[date, int]
    ideas: int
    ideas_by_status: Mapping[str, int]
    ideas_by_theme: Mapping[str, int]
    ideas_by_district: Mapping[str, int]
    supports: int
    # Per questionnaire: (sent, answered).
    follow_ups: Mapping[str, tuple[int, int]]
    voters: int
    ballots: int
    turnout: tuple[DistrictTurnout, ...]
    funnel: Mapping[Tally, int]
    sources: Mapping[str, SourceFigures] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        """For JSON: days as ISO dates, the unknown channel or district as "none"."""

        def named(counts: Mapping[str, int]) -> dict[str, int]:
            return {key or "none": value for key, value in counts.items()}

        return {
            "since": self.since.isoformat() if self.since else None,
            "participants": {
                "total": self.participants,
                "by_language": dict(self.by_language),
                "by_source": named(self.by_source),
                "by_day": {day.isoformat(): value for day, value in self.by_day.items()},
            },
            "ideas": {
                "total": self.ideas,
                "by_status": dict(self.ideas_by_status),
                "by_theme": named(self.ideas_by_theme),
                "by_district": named(self.ideas_by_district),
            },
            "supports": self.supports,
            "follow_ups": {
                code: {"sent": sent, "answered": answered}
                for code, (sent, answered) in self.follow_ups.items()
            },
            "vote": {
                "voters": self.voters,
                "ballots": self.ballots,
                "by_district": {
                    (d.code or "none"): {
                        "voters": d.voters,
                        "ballots": d.ballots,
                        "population": d.population,
                        "turnout": d.rate,
                    }
                    for d in self.turnout
                },
            },
            "funnel": {
                "idea": {tally.value: self.funnel.get(tally, 0) for tally in IDEA_FUNNEL},
                "vote": {tally.value: self.funnel.get(tally, 0) for tally in VOTE_FUNNEL},
            },
            "sources": {
                (source or "none"): {
                    "participants": f.participants,
                    "ideas": f.ideas,
                    "ballots": f.ballots,
                }
                for source, f in self.sources.items()
            },
        }
