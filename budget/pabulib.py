"""Reading and writing elections in the pabulib `.pb` format (pabulib.org), approval votes only.

A `.pb` file has three sections, each a marker line (META, PROJECTS, VOTES), a header line and
semicolon-separated rows:

    META
    key;value
    budget;200000
    vote_type;approval
    PROJECTS
    project_id;cost;votes;name;category;selected
    1;25000;3120;Orchards in the schools;Environment;1
    VOTES
    voter_id;vote
    1;1,7,12

Besides project_id and cost, the PROJECTS section may hold any column: pabulib's own are name,
category and target (comma-separated lists), selected (1 for the funded projects), latitude and
longitude; a value a file does not give is written None, as pabutools writes it.

Publishing the ballots in this format lets anyone recompute the results with pabutools or the
other tools of the PB research community. Reading is strict, since a file that is only half
understood would give other winners: each fault raises a ValueError naming its line.
"""

import csv
import io
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from budget.results import Election, Project

SECTIONS = ("meta", "projects", "votes")
APPROVAL_TYPES = ("approval", "choose-1")
# The PROJECTS columns the election itself is made of; the others describe the projects.
COUNTED_COLUMNS = ("project_id", "cost", "votes")
MISSING = "None"


class PabulibError(ValueError):
    """A fault in a `.pb` file, with the line it is on (1 for the first line)."""

    def __init__(self, line: int, message: str) -> None:
        self.line = line
        self.message = message
        super().__init__(f"line {line}: {message}")


@dataclass(frozen=True)
class PabulibFile:
    """An election and what its file says besides: the META section, and for each project the
    values of its other columns (name, category, selected...), those given as None left out."""

    election: Election
    meta: Mapping[str, str] = field(default_factory=dict)
    details: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def name(self, project_id: str) -> str:
        """The project's name, or its id where the file gives none."""
        return self.details.get(project_id, {}).get("name") or project_id


def parse_pabulib(text: str) -> Election:
    """The election a `.pb` text describes; the META budget is the election's budget."""
    return parse_pabulib_file(text).election


def parse_pabulib_file(text: str) -> PabulibFile:
    """The election a `.pb` text describes, with its META and the projects' other columns."""
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";")
    rows = ((reader.line_num, row) for row in reader)
    meta: dict[str, tuple[int, str]] = {}
    projects: dict[str, int] = {}
    details: dict[str, dict[str, str]] = {}
    ballots: list[list[str]] = []
    voter_ids: set[str] = set()
    section = ""
    header: list[str] = []
    seen: list[str] = []
    for line, row in _meaningful(rows):
        marker = row[0].strip().lower()
        if marker in SECTIONS and not any(value.strip() for value in row[1:]):
            expected = SECTIONS[len(seen)] if len(seen) < len(SECTIONS) else None
            if marker != expected:
                raise PabulibError(line, f"section {marker.upper()} out of place")
            seen.append(marker)
            section = marker
            header = _header(rows, line, marker)
            continue
        if not section:
            raise PabulibError(line, "the file must start with META")
        if section == "meta":
            if len(row) < 2:
                raise PabulibError(line, "expected key;value")
            # Descriptions written by hand sometimes hold an unquoted semicolon.
            key, value = row[0].strip(), ";".join(row[1:]).strip()
            if key in meta:
                raise PabulibError(line, f"{key!r} given twice")
            meta[key] = (line, value)
            continue
        if len(row) != len(header):
            raise PabulibError(line, f"{len(row)} fields where the header has {len(header)}")
        fields = dict(zip(header, (value.strip() for value in row), strict=True))
        if section == "projects":
            if not projects:
                _check_meta(meta, line)
            project_id, cost = fields["project_id"], fields["cost"]
            if not project_id:
                raise PabulibError(line, "empty project_id")
            if project_id in projects:
                raise PabulibError(line, f"project {project_id!r} listed twice")
            projects[project_id] = _whole(cost, line, "cost", positive=True)
            details[project_id] = {
                column: value
                for column, value in fields.items()
                if column not in COUNTED_COLUMNS and value and value.lower() != "none"
            }
        else:
            voter_id = fields["voter_id"]
            if not voter_id:
                raise PabulibError(line, "empty voter_id")
            if voter_id in voter_ids:
                raise PabulibError(line, f"voter {voter_id!r} voted twice")
            voter_ids.add(voter_id)
            ballot = [name.strip() for name in fields["vote"].split(",") if name.strip()]
            unknown = [name for name in ballot if name not in projects]
            if unknown:
                raise PabulibError(line, f"unknown project(s) {', '.join(map(repr, unknown))}")
            ballots.append(ballot)
    if len(seen) < len(SECTIONS):
        missing = SECTIONS[len(seen)].upper()
        raise PabulibError(reader.line_num + 1, f"the file ends before the {missing} section")
    if not projects:
        _check_meta(meta, reader.line_num)
    budget_line, budget = meta["budget"]
    _check_count(meta, "num_projects", len(projects))
    _check_count(meta, "num_votes", len(ballots))
    election = Election.of(
        [Project(project_id, cost) for project_id, cost in projects.items()],
        _whole(budget, budget_line, "budget", positive=False),
        ballots,
    )
    return PabulibFile(election, {key: value for key, (_, value) in meta.items()}, details)


def read_pabulib(path: Path) -> Election:
    return read_pabulib_file(path).election


def read_pabulib_file(path: Path) -> PabulibFile:
    # utf-8-sig: pabulib.org files, and pabutools' writer, may begin with a byte order mark.
    return parse_pabulib_file(path.read_text(encoding="utf-8-sig"))


def format_pabulib(
    election: Election,
    meta: Mapping[str, str] | None = None,
    details: Mapping[str, Mapping[str, str]] | None = None,
    voter_ids: Sequence[str] | None = None,
) -> str:
    """The election as a `.pb` text; `meta` adds to or overrides the META section (pabulib
    expects description, country, unit and instance; they are filled with "pbbot" defaults);
    `details` gives projects' other columns by project id (name, category, selected...), None
    where a project has no value for a column another has.

    Ballots are numbered from 1 in the order of the election (or named by `voter_ids`, one
    per ballot: the receipts of a published vote), projects listed in its order with their
    votes, and each ballot's projects in that order too. Every value is written on one line:
    pabutools reads a file line by line."""
    order = {project.id: index for index, project in enumerate(election.projects)}
    for project in election.projects:
        if "," in project.id or project.id != project.id.strip():
            raise ValueError(f"project id {project.id!r} cannot be written in a vote list")
        if project.id.lower() in SECTIONS:
            raise ValueError(f"project id {project.id!r} would be read as a section marker")
    votes = dict.fromkeys(order, 0)
    for ballot in election.ballots:
        for project_id in ballot:
            votes[project_id] += 1
    fields = {
        "description": "Exported by pbbot",
        "country": "",
        "unit": "",
        "instance": "",
        **(meta or {}),
        "num_projects": str(len(election.projects)),
        "num_votes": str(len(election.ballots)),
        "budget": str(election.budget),
        "vote_type": "approval",
    }
    fields.setdefault("rule", "greedy")
    described = details or {}
    columns = list(
        dict.fromkeys(
            column
            for project in election.projects
            for column in described.get(project.id, {})
            if column not in COUNTED_COLUMNS
        )
    )
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    writer.writerow(["META"])
    writer.writerow(["key", "value"])
    writer.writerows((key, _one_line(value)) for key, value in fields.items())
    writer.writerow(["PROJECTS"])
    writer.writerow([*COUNTED_COLUMNS, *columns])
    for p in election.projects:
        values = described.get(p.id, {})
        writer.writerow(
            [p.id, p.cost, votes[p.id], *(_one_line(values.get(c, "")) or MISSING for c in columns)]
        )
    writer.writerow(["VOTES"])
    writer.writerow(["voter_id", "vote"])
    names = list(voter_ids) if voter_ids is not None else range(1, len(election.ballots) + 1)
    for name, ballot in zip(names, election.ballots, strict=True):
        writer.writerow((name, ",".join(sorted(ballot, key=order.__getitem__))))
    return out.getvalue()


def write_pabulib(election: Election, path: Path, meta: Mapping[str, str] | None = None) -> None:
    path.write_text(format_pabulib(election, meta), encoding="utf-8")


def _one_line(value: str) -> str:
    return " ".join(value.split())


def _meaningful(rows: Iterator[tuple[int, list[str]]]) -> Iterator[tuple[int, list[str]]]:
    """Skip blank lines, as pabutools does."""
    for line, row in rows:
        if row and any(value.strip() for value in row):
            yield line, row


REQUIRED_COLUMNS = {"meta": ("key", "value"), "projects": ("project_id", "cost")}


def _header(rows: Iterator[tuple[int, list[str]]], marker_line: int, section: str) -> list[str]:
    for line, row in _meaningful(rows):
        header = [name.strip() for name in row]
        required = REQUIRED_COLUMNS.get(section, ("voter_id", "vote"))
        missing = [name for name in required if name not in header]
        if missing:
            raise PabulibError(line, f"the {section.upper()} header lacks {', '.join(missing)}")
        if section != "meta" and header[0] != required[0]:
            raise PabulibError(line, f"the {section.upper()} header must start with {required[0]}")
        if len(set(header)) != len(header):
            raise PabulibError(line, f"the {section.upper()} header repeats a column")
        return header
    raise PabulibError(marker_line + 1, f"the {section.upper()} section has no header")


def _check_meta(meta: Mapping[str, tuple[int, str]], line: int) -> None:
    if "budget" not in meta:
        raise PabulibError(line, "META gives no budget")
    if "vote_type" not in meta:
        raise PabulibError(line, "META gives no vote_type")
    type_line, vote_type = meta["vote_type"]
    if vote_type not in APPROVAL_TYPES:
        raise PabulibError(type_line, f"vote_type {vote_type!r}: only approval votes are read")


def _check_count(meta: Mapping[str, tuple[int, str]], key: str, actual: int) -> None:
    if key in meta:
        line, value = meta[key]
        if _whole(value, line, key, positive=False) != actual:
            raise PabulibError(line, f"{key} says {value} but the file holds {actual}")


def _whole(text: str, line: int, name: str, *, positive: bool) -> int:
    if not text.isascii() or not text.isdigit():
        raise PabulibError(line, f"{name} {text!r} is not a whole number")
    value = int(text)
    if positive and value == 0:
        raise PabulibError(line, f"{name} must be more than zero")
    return value
