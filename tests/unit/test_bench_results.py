"""The results benchmark runs and ends with its JSON figures (its speed is not checked here)."""

import json

import pytest

from bench.results import main


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
