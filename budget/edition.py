"""An edition: one participatory budget campaign, its territory, envelope and phases."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from budget.integrity import IntegrityThresholds


class Phase(StrEnum):
    """The phases of an edition, in order."""

    DEPOSIT = "deposit"
    ANALYSIS = "analysis"
    VOTE = "vote"
    RESULTS = "results"


class ResultsRule(StrEnum):
    GREEDY = "greedy"
    EQUAL_SHARES = "mes"


class QuestionKind(StrEnum):
    TEXT = "text"
    NUMBER = "number"
    AMOUNT = "amount"
    YES_NO = "yes_no"
    CHOICE = "choice"
    DOCUMENT = "document"


Localized = Mapping[str, str]
"""A text given by the edition in several languages: language code -> text."""


@dataclass(frozen=True)
class Theme:
    code: str
    label: Localized


@dataclass(frozen=True)
class District:
    """A part of the territory, known by its communes and postal codes (for typed addresses)
    and by its communes' centres, as (latitude, longitude) (for shared locations)."""

    code: str
    name: Localized
    communes: tuple[str, ...] = ()
    postal_codes: tuple[str, ...] = ()
    # Its inhabitants (those who may vote, where the edition counts so): turnout is then a rate.
    population: int | None = None
    centres: Mapping[str, tuple[float, float]] = field(default_factory=dict)


@dataclass(frozen=True)
class ModerationReason:
    """A reason moderators give, with one tap, for asking changes to an idea or rejecting it;
    its label is what the author reads, with the admissibility criterion it points to."""

    code: str
    label: Localized
    criterion: str | None = None


@dataclass(frozen=True)
class Stand:
    """A place in town where staff enter paper ideas and paper ballots: open on the given
    days, and on the given weekdays (0 is Monday) while a phase is open."""

    code: str
    name: Localized
    district: str | None = None
    days: tuple[date, ...] = ()
    weekdays: tuple[int, ...] = ()

    def opens_on(self, day: date) -> bool:
        return day in self.days or day.weekday() in self.weekdays


@dataclass(frozen=True)
class Criterion:
    """An admissibility criterion, shown before the idea form; `advice` says why it matters
    and how to adapt an idea that does not meet it."""

    code: str
    label: Localized
    advice: Localized


@dataclass(frozen=True)
class Example:
    """An inspiring idea (a past winner), shown before the form; `photo` is a Telegram file id
    or a URL."""

    title: Localized
    summary: Localized
    photo: str = ""


@dataclass(frozen=True)
class Stage:
    """A stage a funded project goes through after the vote, as staff report it; one that
    `needs_reason` (cancelled) is posted with the reason, for citizens to read."""

    code: str
    label: Localized
    needs_reason: bool = False


# The stages when the edition file lists none.
DEFAULT_STAGES = (
    Stage(
        "studies",
        {"fr": "Études", "nl": "Studies", "de": "Planung", "en": "Studies"},
    ),
    Stage(
        "tender",
        {"fr": "Marché public", "nl": "Aanbesteding", "de": "Ausschreibung", "en": "Tender"},
    ),
    Stage(
        "works",
        {"fr": "Travaux", "nl": "Werken", "de": "Bauarbeiten", "en": "Works"},
    ),
    Stage(
        "delivered",
        {"fr": "Réalisé", "nl": "Opgeleverd", "de": "Fertiggestellt", "en": "Delivered"},
    ),
    Stage(
        "cancelled",
        {"fr": "Abandonné", "nl": "Geannuleerd", "de": "Abgebrochen", "en": "Cancelled"},
        needs_reason=True,
    ),
)


@dataclass(frozen=True)
class PhaseWindow:
    """From `start` (included) to `end` (excluded), in the edition's time zone."""

    start: datetime
    end: datetime | None


@dataclass(frozen=True)
class Question:
    code: str
    kind: QuestionKind
    text: Localized
    required: bool
    options: tuple[Localized, ...] = ()


@dataclass(frozen=True)
class Questionnaire:
    code: str
    title: Localized
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class Contact:
    email: str
    phone: str
    website: str = ""


@dataclass(frozen=True)
class VoteRules:
    """Who may vote and what the vote shows, as the edition sets it."""

    # Voters choose their district (when the edition has districts).
    ask_district: bool = True
    # Voters share their phone number through Telegram: one ballot per number then.
    ask_phone: bool = False
    # The live standings (votes per project) are shown during the vote.
    show_ranking: bool = False
    # A ballot with no project in it may be cast.
    allow_empty_ballot: bool = False
    # What the edition calls the identity reference a stand may take instead of a phone
    # number (the national register number...); None: stands take phone numbers only.
    identity_reference: Localized | None = None


@dataclass(frozen=True)
class Edition:
    slug: str
    name: Localized
    # Named as the messages need it in each language, with its article ("la Province de Namur").
    territory: Localized
    country: str
    timezone: str
    currency: str
    envelope_cents: int
    languages: tuple[str, ...]
    themes: tuple[Theme, ...]
    districts: tuple[District, ...]
    phases: Mapping[Phase, PhaseWindow]
    contact: Contact
    results_rule: ResultsRule = ResultsRule.GREEDY
    questionnaires: tuple[Questionnaire, ...] = ()
    vote: VoteRules = field(default_factory=VoteRules)
    moderation_reasons: tuple[ModerationReason, ...] = ()
    integrity: IntegrityThresholds = field(default_factory=IntegrityThresholds)
    stages: tuple[Stage, ...] = DEFAULT_STAGES
    stands: tuple[Stand, ...] = ()
    criteria: tuple[Criterion, ...] = ()
    examples: tuple[Example, ...] = ()
    # Phases staff opened or closed by hand: phase -> True (open) / False (closed).
    overrides: Mapping[Phase, bool] = field(default_factory=dict)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def theme(self, code: str) -> Theme | None:
        return next((theme for theme in self.themes if theme.code == code), None)

    def district(self, code: str) -> District | None:
        return next((district for district in self.districts if district.code == code), None)

    def questionnaire(self, code: str) -> Questionnaire | None:
        return next((q for q in self.questionnaires if q.code == code), None)

    def stage(self, code: str) -> Stage | None:
        return next((stage for stage in self.stages if stage.code == code), None)

    def moderation_reason(self, code: str) -> ModerationReason | None:
        return next((reason for reason in self.moderation_reasons if reason.code == code), None)

    @property
    def identity_reference(self) -> Localized | None:
        return self.vote.identity_reference

    def stand(self, code: str) -> Stand | None:
        return next((stand for stand in self.stands if stand.code == code), None)

    def criterion(self, code: str) -> Criterion | None:
        return next((criterion for criterion in self.criteria if criterion.code == code), None)

    def current_phase(self, now: datetime) -> Phase | None:
        """The phase open at `now`: one opened by hand wins, one closed by hand is skipped, else
        the dates decide. None between phases and before the first one."""
        opened = [phase for phase, is_open in self.overrides.items() if is_open]
        if opened:
            return max(opened, key=list(Phase).index)
        for phase, window in self.phases.items():
            if self.overrides.get(phase) is False:
                continue
            if window.start <= now and (window.end is None or now < window.end):
                return phase
        return None

    def is_open(self, phase: Phase, now: datetime) -> bool:
        return self.current_phase(now) == phase

    def first_day(self, phase: Phase) -> date | None:
        window = self.phases.get(phase)
        return window.start.astimezone(self.zone).date() if window else None

    def last_day(self, phase: Phase) -> date | None:
        window = self.phases.get(phase)
        if window is None or window.end is None:
            return None
        return (window.end - timedelta(microseconds=1)).astimezone(self.zone).date()

    def vote_has_opened(self, now: datetime) -> bool:
        """Once the vote has opened, the ballot (projects, costs, envelope, rule) is fixed."""
        return (
            self.current_phase(now) in (Phase.VOTE, Phase.RESULTS)
            or self.closed_on(Phase.VOTE, now) is not None
        )

    def vote_is_closed(self, now: datetime) -> bool:
        """Whether the ballots can no longer change, so that the figures are final: the vote was
        closed by hand, or its dates are over and it was not opened again by hand, or the
        results were opened by hand (which ends the vote too)."""
        if self.is_open(Phase.VOTE, now):
            return False
        return (
            self.overrides.get(Phase.VOTE) is False
            or self.closed_on(Phase.VOTE, now) is not None
            or self.is_open(Phase.RESULTS, now)
        )

    def opens_on(self, phase: Phase, now: datetime) -> date | None:
        """The day `phase` opens, if that is still to come."""
        window = self.phases.get(phase)
        if window is None or window.start <= now:
            return None
        return self.first_day(phase)

    def closed_on(self, phase: Phase, now: datetime) -> date | None:
        """The last day of `phase`, if it is over."""
        window = self.phases.get(phase)
        if window is None or window.end is None or now < window.end:
            return None
        return self.last_day(phase)
