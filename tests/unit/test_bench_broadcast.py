"""The broadcast benchmark runs and ends with its JSON figures: nobody got the message twice,
nobody was lost (its speed is not checked here)."""

import json

import pytest

from bench.broadcast import main


def test_the_broadcast_benchmark_ends_with_its_figures(capsys: pytest.CaptureFixture[str]) -> None:
    main(["--citizens", "300", "--rate", "3000"])
    last = capsys.readouterr().out.strip().splitlines()[-1]
    figures = json.loads(last)
    assert {
        "citizens",
        "limit_per_s",
        "achieved_per_s",
        "rate_fraction",
        "http_429",
        "duplicates",
        "lost",
    } <= figures.keys()
    assert figures["citizens"] == 300
    assert figures["duplicates"] == 0
    assert figures["lost"] == 0


def test_the_paid_broadcast_benchmark_sends_every_message_as_paid(
    capsys: pytest.CaptureFixture[str],
) -> None:
    main(["--citizens", "300", "--limit", "1000"])
    figures = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert figures["limit_per_s"] == 1000
    assert figures["paid_messages"] == 300, "each message carries allow_paid_broadcast"
    assert figures["duplicates"] == figures["lost"] == 0
