"""Reading an edition from the TOML file staff write, refusing it whole at the first fault."""

import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from budget.edition import (
    DEFAULT_STAGES,
    Contact,
    Criterion,
    District,
    Edition,
    Example,
    ModerationReason,
    Phase,
    PhaseWindow,
    Question,
    QuestionKind,
    Questionnaire,
    ResultsRule,
    Stage,
    Stand,
    Theme,
    VoteRules,
)
from budget.integrity import IntegrityThresholds
from budget.money import CENTS_PER_UNIT

SUPPORTED_LANGUAGES = ("fr", "nl", "de", "en")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

Path = tuple[str | int, ...]


class EditionError(ValueError):
    """A fault in an edition file: the line (when known), the field and what is wrong."""

    def __init__(self, field: str, message: str, line: int | None = None) -> None:
        self.field = field
        self.message = message
        self.line = line
        where = f"line {line}: " if line else ""
        super().__init__(f"{where}{field}: {message}")


class _Fault(Exception):
    def __init__(self, path: Path, message: str) -> None:
        self.path = path
        self.message = message


def parse_edition(source: str) -> Edition:
    try:
        data = tomllib.loads(source)
    except tomllib.TOMLDecodeError as error:
        position = re.search(r"\s*\(at line (\d+), column \d+\)", str(error))
        message = str(error).replace(position.group(0), "") if position else str(error)
        raise EditionError(
            "TOML syntax", message, int(position.group(1)) if position else None
        ) from None
    try:
        return _read_edition(_Table(data, ()))
    except _Fault as fault:
        field = ".".join(str(part) if isinstance(part, str) else f"[{part}]" for part in fault.path)
        raise EditionError(
            field.replace(".[", "["), fault.message, _locate(source, fault.path)
        ) from None


def _read_edition(root: "_Table") -> Edition:
    languages = tuple(root.strings("languages"))
    if not languages:
        raise _Fault(("languages",), "list at least one language")
    for index, language in enumerate(languages):
        if language not in SUPPORTED_LANGUAGES:
            raise _Fault(
                ("languages", index),
                f"unknown language {language!r}; pbbot speaks {', '.join(SUPPORTED_LANGUAGES)}",
            )
    slug = root.text("slug")
    if not slug.replace("-", "").replace("_", "").isalnum():
        raise _Fault(("slug",), "use only letters, digits, '-' and '_'")
    timezone = root.text("timezone", default="Europe/Brussels")
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise _Fault(("timezone",), f"unknown time zone {timezone!r}") from None
    envelope = root.table("envelope")
    total = envelope.number("total")
    if total <= 0:
        raise _Fault(("envelope", "total"), "must be more than zero")
    currency = envelope.text("currency", default="EUR")
    if len(currency) != 3 or not currency.isupper():
        raise _Fault(("envelope", "currency"), "use a three-letter ISO code such as EUR")
    envelope.done()
    contact = root.table("contact")
    edition_contact = Contact(
        email=contact.text("email"),
        phone=contact.text("phone"),
        website=contact.text("website", default=""),
    )
    if "@" not in edition_contact.email:
        raise _Fault(("contact", "email"), "is not an e-mail address")
    contact.done()
    districts = tuple(_read_districts(root, languages))
    criteria = tuple(_read_criteria(root, languages))
    rule = root.text("results_rule", default=ResultsRule.GREEDY.value)
    if rule not in {r.value for r in ResultsRule}:
        raise _Fault(("results_rule",), "must be 'greedy' or 'mes' (Method of Equal Shares)")
    edition = Edition(
        slug=slug,
        name=root.localized("name", languages),
        territory=root.localized("territory", languages),
        country=root.text("country", default="BE").upper(),
        timezone=timezone,
        currency=currency,
        envelope_cents=round(total * CENTS_PER_UNIT),
        languages=languages,
        themes=tuple(_read_themes(root, languages)),
        districts=districts,
        phases=_read_phases(root.table("phases"), zone),
        contact=edition_contact,
        results_rule=ResultsRule(rule),
        questionnaires=tuple(_read_questionnaires(root, languages)),
        vote=_read_vote_rules(root.optional_table("vote"), languages),
        moderation_reasons=tuple(_read_moderation_reasons(root, languages, criteria)),
        integrity=_read_integrity(root.optional_table("integrity")),
        stages=tuple(_read_stages(root, languages)) or DEFAULT_STAGES,
        stands=tuple(_read_stands(root, languages, districts)),
        criteria=criteria,
        examples=tuple(_read_examples(root, languages)),
    )
    root.done()
    return edition


def _read_themes(root: "_Table", languages: tuple[str, ...]) -> Iterator[Theme]:
    themes = list(root.tables("themes"))
    if not themes:
        raise _Fault(("themes",), "list at least one theme")
    seen: set[str] = set()
    for theme in themes:
        code = theme.code("code", seen)
        yield Theme(code=code, label=theme.localized("label", languages))
        theme.done()


def _read_districts(root: "_Table", languages: tuple[str, ...]) -> Iterator[District]:
    seen: set[str] = set()
    for district in root.tables("districts", required=False):
        communes = tuple(district.strings("communes", required=False))
        yield District(
            code=district.code("code", seen),
            name=district.localized("name", languages),
            communes=communes,
            postal_codes=tuple(district.strings("postal_codes", required=False)),
            population=district.positive("population"),
            centres=_read_centres(district.optional_table("centres"), communes),
        )
        district.done()


def _read_centres(
    table: "_Table | None", communes: tuple[str, ...]
) -> dict[str, tuple[float, float]]:
    """Each commune's centre as [latitude, longitude]: a shared location is in the district
    of the nearest one."""
    if table is None:
        return {}
    centres = {}
    for commune, value in table.data.items():
        path = (*table.path, commune)
        if commune not in communes:
            raise _Fault(path, "is not one of the district's communes")
        if (
            not isinstance(value, list)
            or len(value) != 2
            or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
            or not (-90 <= value[0] <= 90 and -180 <= value[1] <= 180)
        ):
            raise _Fault(path, "must be [latitude, longitude] in degrees, as [50.4669, 4.8675]")
        centres[commune] = (float(value[0]), float(value[1]))
    return centres


def _read_moderation_reasons(
    root: "_Table", languages: tuple[str, ...], criteria: tuple[Criterion, ...]
) -> Iterator[ModerationReason]:
    seen: set[str] = set()
    known = {criterion.code for criterion in criteria}
    for reason in root.tables("moderation_reasons", required=False):
        code = reason.code("code", seen)
        label = reason.localized("label", languages)
        criterion = reason.text("criterion", default="") or None
        if criterion is not None and criterion not in known:
            raise _Fault((*reason.path, "criterion"), f"no criterion has the code {criterion!r}")
        yield ModerationReason(code=code, label=label, criterion=criterion)
        reason.done()


def _read_stages(root: "_Table", languages: tuple[str, ...]) -> Iterator[Stage]:
    """The stages funded projects go through; `reason = true` marks one posted with why
    (a cancelled project)."""
    seen: set[str] = set()
    for stage in root.tables("stages", required=False):
        yield Stage(
            code=stage.code("code", seen),
            label=stage.localized("label", languages),
            needs_reason=stage.boolean("reason", False),
        )
        stage.done()


def _read_stands(
    root: "_Table", languages: tuple[str, ...], districts: tuple[District, ...]
) -> Iterator[Stand]:
    seen: set[str] = set()
    known = {district.code for district in districts}
    for stand in root.tables("stands", required=False):
        code = stand.code("code", seen)
        name = stand.localized("name", languages)
        district = stand.text("district", default="") or None
        if district is not None and district not in known:
            raise _Fault((*stand.path, "district"), f"no district has the code {district!r}")
        days: list[date] = []
        weekdays: list[int] = []
        for index, day in enumerate(stand.values("days")):
            if isinstance(day, date) and not isinstance(day, datetime):
                days.append(day)
            elif isinstance(day, str) and day.strip().lower() in WEEKDAYS:
                weekdays.append(WEEKDAYS.index(day.strip().lower()))
            else:
                raise _Fault(
                    (*stand.path, "days", index),
                    "must be a date (2027-04-17) or a weekday in English (saturday)",
                )
        yield Stand(code, name, district, tuple(days), tuple(weekdays))
        stand.done()


def _read_criteria(root: "_Table", languages: tuple[str, ...]) -> Iterator[Criterion]:
    seen: set[str] = set()
    for criterion in root.tables("criteria", required=False):
        yield Criterion(
            code=criterion.code("code", seen),
            label=criterion.localized("label", languages),
            advice=criterion.localized("advice", languages),
        )
        criterion.done()


def _read_examples(root: "_Table", languages: tuple[str, ...]) -> Iterator[Example]:
    for example in root.tables("examples", required=False):
        yield Example(
            title=example.localized("title", languages),
            summary=example.localized("summary", languages),
            photo=example.text("photo", default="") or "",
        )
        example.done()


def _read_phases(phases: "_Table", zone: ZoneInfo) -> dict[Phase, PhaseWindow]:
    windows: dict[Phase, PhaseWindow] = {}
    for phase in Phase:
        table = phases.optional_table(phase.value, required=phase is not Phase.RESULTS)
        if table is None:
            continue
        start = table.moment("start", zone, end_of_day=False, required=True)
        end = table.moment("end", zone, end_of_day=True, required=phase is not Phase.RESULTS)
        assert start is not None
        if end is not None and end <= start:
            raise _Fault((*table.path, "end"), "must come after start")
        previous = list(windows.values())[-1] if windows else None
        if previous is not None and previous.end is not None and start < previous.end:
            raise _Fault((*table.path, "start"), "overlaps the previous phase")
        windows[phase] = PhaseWindow(start=start, end=end)
        table.done()
    phases.done()
    return windows


def _read_vote_rules(table: "_Table | None", languages: tuple[str, ...]) -> VoteRules:
    if table is None:
        return VoteRules()
    defaults = VoteRules()
    rules = VoteRules(
        ask_district=table.boolean("ask_district", defaults.ask_district),
        ask_phone=table.boolean("ask_phone", defaults.ask_phone),
        show_ranking=table.boolean("show_ranking", defaults.show_ranking),
        allow_empty_ballot=table.boolean("allow_empty_ballot", defaults.allow_empty_ballot),
        identity_reference=(
            table.localized("identity_reference", languages)
            if "identity_reference" in table.data
            else None
        ),
    )
    table.done()
    return rules


def _read_integrity(table: "_Table | None") -> IntegrityThresholds:
    """The thresholds of the integrity alarms; each one left out keeps its default."""
    if table is None:
        return IntegrityThresholds()
    defaults = IntegrityThresholds()
    values: dict[str, Any] = {}
    for item in fields(IntegrityThresholds):
        default = getattr(defaults, item.name)
        if isinstance(default, float):
            values[item.name] = table.real(item.name, default)
        else:
            values[item.name] = table.whole(item.name, default)
    thresholds = IntegrityThresholds(**values)
    table.done()
    fault = thresholds.fault()
    if fault is not None:
        raise _Fault((*table.path, fault[0]), fault[1])
    return thresholds


def _read_questionnaires(root: "_Table", languages: tuple[str, ...]) -> Iterator[Questionnaire]:
    seen: set[str] = set()
    for table in root.tables("questionnaires", required=False):
        code = table.code("code", seen)
        questions = []
        question_codes: set[str] = set()
        for question in table.tables("questions"):
            kind = question.text("kind")
            if kind not in {k.value for k in QuestionKind}:
                raise _Fault(
                    (*question.path, "kind"),
                    f"must be one of {', '.join(k.value for k in QuestionKind)}",
                )
            options = tuple(
                option.localized("label", languages)
                for option in question.tables("options", required=kind == QuestionKind.CHOICE)
            )
            questions.append(
                Question(
                    code=question.code("code", question_codes),
                    kind=QuestionKind(kind),
                    text=question.localized("text", languages),
                    required=question.boolean("required", default=False),
                    options=options,
                )
            )
            question.done()
        yield Questionnaire(
            code=code, title=table.localized("title", languages), questions=tuple(questions)
        )
        table.done()


@dataclass
class _Table:
    """One TOML table being read; remembers which keys were read to refuse unknown ones."""

    data: dict[str, Any]
    path: Path

    def __post_init__(self) -> None:
        self._read: set[str] = set()

    def _get(self, key: str, required: bool) -> Any:
        self._read.add(key)
        if key not in self.data:
            if required:
                raise _Fault((*self.path, key), "is missing")
            return None
        return self.data[key]

    def text(self, key: str, default: str | None = None) -> str:
        value = self._get(key, default is None)
        if value is None:
            return default or ""
        if not isinstance(value, str) or not value.strip():
            raise _Fault((*self.path, key), "must be a non-empty text")
        return value.strip()

    def code(self, key: str, seen: set[str]) -> str:
        value = self.text(key)
        if not value.replace("-", "").replace("_", "").isalnum() or len(value) > 32:
            raise _Fault((*self.path, key), "use at most 32 letters, digits, '-' and '_'")
        if value in seen:
            raise _Fault((*self.path, key), f"{value!r} is used twice")
        seen.add(value)
        return value

    def number(self, key: str) -> float:
        value = self._get(key, True)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _Fault((*self.path, key), "must be a number")
        return value

    def boolean(self, key: str, default: bool) -> bool:
        value = self._get(key, False)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise _Fault((*self.path, key), "must be true or false")
        return value

    def whole(self, key: str, default: int) -> int:
        value = self._get(key, False)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            raise _Fault((*self.path, key), "must be a whole number")
        return value

    def positive(self, key: str) -> int | None:
        """An optional whole number above zero."""
        value = self.whole(key, 0)
        if key in self.data and value <= 0:
            raise _Fault((*self.path, key), "must be more than zero")
        return value or None

    def real(self, key: str, default: float) -> float:
        value = self._get(key, False)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _Fault((*self.path, key), "must be a number")
        return float(value)

    def values(self, key: str) -> list[Any]:
        """A list that must not be empty, its items checked by the caller."""
        value = self._get(key, True)
        if not isinstance(value, list) or not value:
            raise _Fault((*self.path, key), "must be a non-empty list")
        return value

    def strings(self, key: str, required: bool = True) -> list[str]:
        value = self._get(key, required)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise _Fault((*self.path, key), "must be a list of texts")
        return [item.strip() for item in value]

    def localized(self, key: str, languages: tuple[str, ...]) -> dict[str, str]:
        """A text the same in every language, or a table with one text per language (the first
        language of the edition is required, the others fall back to it)."""
        value = self._get(key, True)
        if isinstance(value, str) and value.strip():
            return {language: value.strip() for language in languages}
        if not isinstance(value, dict):
            raise _Fault((*self.path, key), "must be a text or a table of texts per language")
        for language, text in value.items():
            if language not in languages:
                raise _Fault((*self.path, key, language), "is not one of the edition's languages")
            if not isinstance(text, str) or not text.strip():
                raise _Fault((*self.path, key, language), "must be a non-empty text")
        if languages[0] not in value:
            raise _Fault((*self.path, key, languages[0]), "is missing")
        return {
            language: str(value.get(language, value[languages[0]])).strip()
            for language in languages
        }

    def moment(self, key: str, zone: ZoneInfo, end_of_day: bool, required: bool) -> datetime | None:
        value = self._get(key, required)
        if value is None:
            return None
        if isinstance(value, datetime):
            if value.tzinfo is None:
                value = value.replace(tzinfo=zone)
            return value
        if isinstance(value, date):
            # A phase given by days runs from the first day's morning to the last day's midnight.
            day = value + timedelta(days=1) if end_of_day else value
            return datetime.combine(day, time(0), tzinfo=zone)
        raise _Fault((*self.path, key), "must be a date (2026-11-01) or a date and time")

    def table(self, key: str) -> "_Table":
        table = self.optional_table(key, required=True)
        assert table is not None
        return table

    def optional_table(self, key: str, required: bool = False) -> "_Table | None":
        value = self._get(key, required)
        if value is None:
            return None
        if not isinstance(value, dict):
            raise _Fault((*self.path, key), "must be a table")
        return _Table(value, (*self.path, key))

    def tables(self, key: str, required: bool = True) -> Iterator["_Table"]:
        value = self._get(key, required)
        if value is None:
            return
        if not isinstance(value, list) or not value:
            raise _Fault((*self.path, key), "must be a non-empty list of tables ([[...]])")
        for index, item in enumerate(value):
            if not isinstance(item, dict):
                raise _Fault((*self.path, key, index), "must be a table")
            yield _Table(item, (*self.path, key, index))

    def done(self) -> None:
        unknown = sorted(set(self.data) - self._read)
        if unknown:
            raise _Fault((*self.path, unknown[0]), "is not a field pbbot knows")


def _locate(source: str, path: Path) -> int | None:
    """The line of `path` in the file: the line of its deepest part that can be found.

    tomllib gives no positions, so the file is walked by hand, following table headers
    (with the index of each [[array]] entry) and the keys in them."""
    indices: dict[Path, int] = {}
    table: Path = ()
    best_line, best_depth = None, -1
    for number, raw in enumerate(source.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        candidate: Path | None = None
        if line.startswith("[[") and "]]" in line:
            parts = _resolve(line[2 : line.index("]]")], indices)
            indices[parts] = indices.get(parts, -1) + 1
            table = candidate = (*parts, indices[parts])
        elif line.startswith("[") and "]" in line:
            table = candidate = _resolve(line[1 : line.index("]")], indices)
        elif "=" in line:
            key = line.split("=", 1)[0].strip().strip('"')
            candidate = (*table, *key.split("."))
        matches = candidate is not None and path[: len(candidate)] == candidate
        if matches and candidate is not None and len(candidate) > best_depth:
            best_line, best_depth = number, len(candidate)
    return best_line


def _resolve(header: str, indices: dict[Path, int]) -> Path:
    """("questionnaires", 1, "questions") for [[questionnaires.questions]] in the second entry."""
    *parents, last = (part.strip().strip('"') for part in header.split("."))
    resolved: Path = ()
    for part in parents:
        resolved = (*resolved, part)
        if resolved in indices:
            resolved = (*resolved, indices[resolved])
    return (*resolved, last)
