"""The integrity benchmark runs and ends with its JSON figures: on a small seeded vote checked
by two processes, the three attacks are caught, each alarm once, and honest days raise
nothing."""

import json

import pytest

from bench.integrity import main

pytestmark = pytest.mark.slow


def test_the_integrity_benchmark_ends_with_its_figures(capsys: pytest.CaptureFixture[str]) -> None:
    main(["--voters", "1000", "--days", "4", "--seed", "3", "--processes", "2"])
    output = capsys.readouterr().out.strip().splitlines()
    figures = json.loads(output[-1])
    assert {
        "honest_voters",
        "attacks",
        "attacks_detected",
        "false_alarms",
        "minutes_to_detect",
    } <= figures.keys()
    assert figures["honest_voters"] == 1000
    assert figures["attacks"] == figures["attacks_detected"] == 3
    assert figures["false_alarms"] == 0
    assert figures["duplicate_alarms"] == 0, "two processes checking in turn raise each once"
    assert "NOT DETECTED" not in "\n".join(output)
