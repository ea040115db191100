"""Staff put projects on the ballot, close the vote and publish its results from the command
line; anyone can compute the results of a pabulib election."""

import json
from pathlib import Path

import pytest

from tests.support.command_line import cast_ballots, pbbot

PROJECTS_CSV = (
    "title,summary,cost,district,theme,title_nl\n"
    "Orchards in the schools,Apple trees by every school,49548,namur,environment,Boomgaarden\n"
    'A cycle lane,Along the Meuse,"120 000",dinant,mobility,\n'
    "Repair café,Fix rather than throw away,8500,philippeville,social,\n"
)


def test_projects_are_imported_from_a_csv_and_listed(edition_dir: Path) -> None:
    (edition_dir / "projects.csv").write_text(PROJECTS_CSV, encoding="utf-8")
    assert pbbot("projects", "import", "projects.csv") == (0, "3 projects put on the ballot.\n")
    _, listing = pbbot("projects", "list")
    assert "49 548 €  namur         environment   Orchards in the schools" in listing
    assert "3 projects, 178 048 € in all; envelope 200 000 €" in listing


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("X,Y,abc,,", "line 3: cost: 'abc' is not a cost (not a number)"),
        ("X,Y,100,atlantis,", "line 3: district 'atlantis' is not one of the edition's"),
        ("X,,100,,", "line 3: title and summary are required"),
        ("X,Y,0,,", "line 3: cost: '0' is not a cost (zero)"),
    ],
)
def test_a_faulty_csv_is_refused_whole_with_its_line(
    edition_dir: Path, row: str, message: str
) -> None:
    (edition_dir / "bad.csv").write_text(
        "title,summary,cost,district,theme\nFine,Fine,100,,\n" + row + "\n", encoding="utf-8"
    )
    code, output = pbbot("projects", "import", "bad.csv")
    assert code == 2
    assert output.strip() == f"pbbot: bad.csv: {message}"
    assert pbbot("projects", "list")[1].startswith("0 projects")


def test_once_the_vote_is_open_the_ballot_is_fixed(edition_dir: Path) -> None:
    (edition_dir / "projects.csv").write_text(PROJECTS_CSV, encoding="utf-8")
    pbbot("phase", "open", "vote")
    code, output = pbbot("projects", "import", "projects.csv")
    assert (code, output.strip()) == (
        2,
        "pbbot: the vote has opened: the projects and their costs are fixed",
    )
    assert pbbot("projects", "retain", "1", "--cost", "49548")[0] == 2


def test_retaining_an_unknown_idea_says_so(edition_dir: Path) -> None:
    code, output = pbbot("projects", "retain", "42", "--cost", "49548")
    assert (code, output.strip()) == (2, "pbbot: there is no idea no. 42 in edition 'namur'")


def test_closing_the_vote_opens_the_results_and_exports_the_election(edition_dir: Path) -> None:
    (edition_dir / "projects.csv").write_text(PROJECTS_CSV, encoding="utf-8")
    pbbot("projects", "import", "projects.csv")
    code, output = pbbot("vote", "close")
    assert (code, output.strip()) == (
        0,
        "The vote is closed: 0 ballots cast, published without their voters. Each project is "
        "marked funded or not; its followers and the voters who asked are being told. "
        "The results are open: `pbbot results`.",
    )
    code, output = pbbot("vote", "close")
    assert code == 0
    assert "The results were published already: nobody is told twice." in output
    code, output = pbbot("results")
    assert code == 0, output
    assert "0 winners by greedy; budget used 0 € of 200 000 €; 0 ballots." in output
    assert (edition_dir / "vote-results.png").read_bytes().startswith(b"\x89PNG")
    exported = (edition_dir / "vote-results.pb").read_text(encoding="utf-8")
    assert "budget;200000" in exported
    assert "000001;49548;0" in exported


ELECTION_PB = """META
key;value
description;A small election
country;Belgium
unit;Example
instance;2024
num_projects;3
num_votes;4
budget;100
vote_type;approval
PROJECTS
project_id;cost;votes
a;60;3
b;50;2
c;40;1
VOTES
voter_id;vote
1;a,b
2;a
3;a,c
4;b
"""


def test_anyone_can_compute_the_results_of_a_pabulib_election(edition_dir: Path) -> None:
    (edition_dir / "small.pb").write_text(ELECTION_PB, encoding="utf-8")
    code, output = pbbot("results", "--pb", "small.pb", "--json")
    assert code == 0, output
    result = json.loads(output)
    # a (3 votes, 60) is funded, b (50) no longer fits in the 40 left, c (40) still does.
    assert result["winners"] == ["a", "c"]
    assert result["budget_used"] == 100
    assert result["votes"] == {"a": 3, "b": 2, "c": 1}
    code, table = pbbot("results", "--pb", "small.pb", "--rule", "mes")
    assert "winners by mes" in table


def test_a_malformed_pabulib_file_is_a_one_line_error(edition_dir: Path) -> None:
    (edition_dir / "broken.pb").write_text("META\nkey;value\nbudget;x\n", encoding="utf-8")
    code, output = pbbot("results", "--pb", "broken.pb")
    assert code == 2
    assert output.startswith("pbbot: broken.pb: ")
    assert len(output.strip().splitlines()) == 1


def test_the_results_rank_the_projects_and_the_export_recomputes_them(edition_dir: Path) -> None:
    import asyncio

    (edition_dir / "projects.csv").write_text(PROJECTS_CSV, encoding="utf-8")
    pbbot("projects", "import", "projects.csv")
    # The cycle lane (120 000 €) has the most votes; the orchards (49 548 €) then fit, and
    # the repair café (8 500 €) too.
    asyncio.run(cast_ballots(edition_dir / "pbbot.db", [[2], [2, 1], [2, 3], [1], [3, 1], [2]]))
    pbbot("vote", "close")
    code, table = pbbot("results")
    assert code == 0, table
    lines = table.splitlines()
    assert lines[1].split() == ["1", "A", "cycle", "lane", "120", "000", "€", "4", "yes"]
    assert "3 winners by greedy; budget used 178 048 € of 200 000 €; 6 ballots." in table
    code, output = pbbot("results", "--json", "--chart", "chart.png", "--export", "vote.pb")
    result = json.loads(output)
    assert result["winners"] == ["000002", "000001", "000003"]
    assert result["titles"]["000003"] == "Repair café"
    assert (result["budget_used"], result["amounts_in"]) == (17_804_800, "cents")
    assert (edition_dir / "chart.png").read_bytes().startswith(b"\x89PNG")
    # Anyone holding the exported file finds the same winners.
    _, recomputed = pbbot("results", "--pb", "vote.pb", "--json")
    assert json.loads(recomputed)["winners"] == result["winners"]
    assert json.loads(recomputed)["votes"] == result["votes"]


def test_once_the_vote_has_opened_the_envelope_cannot_change(edition_dir: Path) -> None:
    from tests.conftest import EXAMPLE_EDITION

    pbbot("phase", "open", "vote")
    changed = EXAMPLE_EDITION.read_text(encoding="utf-8").replace("200000", "250000", 1)
    assert changed != EXAMPLE_EDITION.read_text(encoding="utf-8")
    (edition_dir / "changed.toml").write_text(changed, encoding="utf-8")
    code, output = pbbot("edition", "load", "changed.toml")
    assert (code, output.strip()) == (
        2,
        "pbbot: the vote has opened: the envelope, its currency and the results rule can no "
        "longer change; nothing was loaded",
    )
    # Other changes (a typo in a theme, say) are still welcome.
    assert pbbot("edition", "load", str(EXAMPLE_EDITION))[0] == 0


def _vote_with_ballots(edition_dir: Path, ballots: list[list[int]]) -> None:
    import asyncio

    (edition_dir / "projects.csv").write_text(PROJECTS_CSV, encoding="utf-8")
    pbbot("projects", "import", "projects.csv")
    pbbot("phase", "open", "vote")
    asyncio.run(cast_ballots(edition_dir / "pbbot.db", ballots))


def test_before_the_close_the_results_are_refused_unless_asked_for_as_provisional(
    edition_dir: Path,
) -> None:
    _vote_with_ballots(edition_dir, [[2], [2, 1], [3]])
    code, output = pbbot("results")
    assert (code, output.strip()) == (
        2,
        "pbbot: the vote is not closed (`pbbot vote close` ends it): its figures are "
        "provisional; add --provisional to see them",
    )
    assert not (edition_dir / "vote-results.png").exists()
    assert not (edition_dir / "vote-results.pb").exists()

    code, table = pbbot("results", "--provisional")
    assert code == 0, table
    lines = table.splitlines()
    assert lines[0] == "PROVISIONAL figures: the vote is not closed, ballots can still change."
    assert lines[2].split()[:4] == ["1", "A", "cycle", "lane"]
    assert "3 winners so far by greedy" in table
    assert (edition_dir / "vote-results.png").read_bytes().startswith(b"\x89PNG")
    exported = (edition_dir / "vote-results.pb").read_text(encoding="utf-8")
    assert "comment;provisional figures: exported before the vote was closed" in exported
    assert json.loads(pbbot("results", "--provisional", "--json")[1])["provisional"] is True

    pbbot("vote", "close")
    code, table = pbbot("results", "--provisional")
    assert "PROVISIONAL" not in table
    assert "3 winners by greedy" in table
    assert json.loads(pbbot("results", "--json")[1])["provisional"] is False


def test_the_exported_edition_names_its_projects_and_pabutools_finds_the_same_winners(
    edition_dir: Path,
) -> None:
    pytest.importorskip("pabutools")
    from pabutools.election import Cost_Sat
    from pabutools.election import parse_pabulib as pabutools_parse
    from pabutools.rules import greedy_utilitarian_welfare
    from pabutools.tiebreaking import lexico_tie_breaking

    _vote_with_ballots(edition_dir, [[2], [2, 1], [2, 3], [1], [3, 1], [2]])
    pbbot("vote", "close")
    code, output = pbbot("results", "--json", "--export", "namur.pb")
    assert code == 0, output
    winners = json.loads(output)["winners"]

    instance, profile = pabutools_parse(str(edition_dir / "namur.pb"))
    meta = {project.name: instance.project_meta[project] for project in instance}
    assert {id: m["name"] for id, m in meta.items()} == {
        "000001": "Orchards in the schools",
        "000002": "A cycle lane",
        "000003": "Repair café",
    }
    assert {project.name: project.categories for project in instance} == {
        "000001": {"Environnement et biodiversité"},
        "000002": {"Mobilité"},
        "000003": {"Cohésion sociale et solidarité"},
    }
    assert meta["000002"]["district"] == "Arrondissement de Dinant"
    assert instance.meta["language"] == "fr"
    funded = greedy_utilitarian_welfare(
        instance, profile, sat_class=Cost_Sat, tie_breaking=lexico_tie_breaking
    )
    assert [project.name for project in funded] == winners
    assert {id for id, m in meta.items() if m["selected"] == "1"} == set(winners)


def test_the_names_chart_and_export_speak_the_language_asked_for(edition_dir: Path) -> None:
    _vote_with_ballots(edition_dir, [[1]])
    pbbot("vote", "close")
    code, table = pbbot("results", "--lang", "nl", "--export", "nl.pb", "--chart", "nl.png")
    assert code == 0, table
    assert table.splitlines()[1].split()[:2] == ["1", "Boomgaarden"]
    exported = (edition_dir / "nl.pb").read_text(encoding="utf-8")
    assert "000001;49548;1;Boomgaarden;Milieu en biodiversiteit;Arrondissement Namen;1" in exported
    assert "language;nl" in exported
    code, output = pbbot("results", "--lang", "pt")
    assert (code, output.strip()) == (2, "pbbot: --lang 'pt': the chart speaks fr, nl, de, en")


NAMED_PB = """META
key;value
description;A small election
country;Belgium
unit;Example
instance;2024
budget;100
vote_type;approval
language;nl
rule;equalshares/add1
PROJECTS
project_id;cost;votes;name;category;selected
9;50;2;Bankjes;None;1
10;50;2;Bomen;groen;0
2;40;3;Fietspad;mobiliteit;1
VOTES
voter_id;vote
1;2,9
2;2,10
3;2
4;9,10
"""


def test_with_a_pabulib_file_the_chart_and_the_export_are_written_when_asked(
    workdir: Path,
) -> None:
    from budget.pabulib import read_pabulib_file

    (workdir / "named.pb").write_text(NAMED_PB, encoding="utf-8")
    code, table = pbbot("results", "--pb", "named.pb")
    assert code == 0, table
    # Ties go to the smaller id in string order, "10" before "9", in the table as in the rules.
    assert [line.split()[1] for line in table.splitlines()[1:4]] == ["Fietspad", "Bomen", "Bankjes"]
    assert sorted(path.name for path in workdir.iterdir()) == ["named.pb"]

    code, output = pbbot(
        "results", "--pb", "named.pb", "--rule", "mes", "--chart", "c.png", "--export", "out.pb"
    )
    assert code == 0, output
    assert "Chart written to c.png; election exported to out.pb (pabulib format)." in output
    assert (workdir / "c.png").read_bytes().startswith(b"\x89PNG")
    exported = read_pabulib_file(workdir / "out.pb")
    assert exported.election == read_pabulib_file(workdir / "named.pb").election
    assert [exported.name(id) for id in ("9", "10", "2")] == ["Bankjes", "Bomen", "Fietspad"]
    assert exported.details["10"]["category"] == "groen"
    assert "category" not in exported.details["9"]
    assert exported.meta["rule"] == "equalshares"
    _, result = pbbot("results", "--pb", "named.pb", "--rule", "mes", "--json")
    winners = json.loads(result)["winners"]
    assert {id for id, d in exported.details.items() if d["selected"] == "1"} == set(winners)
    assert json.loads(result)["titles"]["2"] == "Fietspad"


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--export", "named.pb"], "pbbot: --export named.pb would overwrite the --pb file"),
        (["--provisional"], "pbbot: --provisional goes with an edition's vote, not with --pb"),
    ],
)
def test_with_a_pabulib_file_a_flag_that_cannot_apply_is_refused(
    workdir: Path, flags: list[str], message: str
) -> None:
    (workdir / "named.pb").write_text(NAMED_PB, encoding="utf-8")
    code, output = pbbot("results", "--pb", "named.pb", *flags)
    assert (code, output.strip()) == (2, message)
    assert (workdir / "named.pb").read_text(encoding="utf-8") == NAMED_PB
