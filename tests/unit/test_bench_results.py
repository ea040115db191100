"""The results benchmark runs and ends with its JSON figures (its speed is not checked here)."""

import json

import pytest

from bench.results import main

pytestmark = pytest.mark.slow


def test_the_results_benchmark_ends_with_its_figures(capsys: pytest.CaptureFixture[str]) -> None:
    main(["--ballots", "1000", "--seed", "3"])
    last = capsys.readouterr().out.strip().splitlines()[-1]
    figures = json.loads(last)
    assert {
        "ballots",
        "greedy_s",
        "pabutools_greedy_s",
        "greedy_speedup",
        "mes_s",
        "pabutools_mes_s",
        "mes_speedup",
        "same_winners",
    } <= figures.keys()
    assert figures["ballots"] == 1000
    assert figures["same_winners"] is True


def test_the_national_benchmark_counts_from_the_database_and_ends_with_its_figures(
    capsys: pytest.CaptureFixture[str],
) -> None:
    main(["--from-db", "--ballots", "3000", "--projects", "12"])
    figures = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert figures["from_db"] is True
    assert figures["ballots"] == 3000
    assert 0 < figures["distinct_ballots"] <= 3000
    assert figures["same_winners"] is True, "grouped from the database as one by one"
    assert {"greedy_s", "greedy_cpu_s", "mes_s", "mes_cpu_s", "read_s", "mes_runs_exact"} <= (
        figures.keys()
    )
