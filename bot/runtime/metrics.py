"""What Prometheus reads at /metrics. With several processes (`--workers`), each writes its
figures to a shared folder (PROMETHEUS_MULTIPROC_DIR, set by the parent) and whichever answers
the scrape adds them up."""

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

UPDATES = Counter(
    "pbbot_updates_total",
    "Updates from Telegram, by type and outcome (handled, failed, retry later).",
    ["type", "outcome"],
)
UPDATE_SECONDS = Histogram(
    "pbbot_update_seconds",
    "Time from an update's arrival to its last reply sent.",
    ["type"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
ERRORS = Counter("pbbot_errors_total", "Failures, by where they happened.", ["where"])
IN_FLIGHT = Gauge(
    "pbbot_updates_in_flight", "Updates being handled now.", multiprocess_mode="livesum"
)
DELIVERIES = Counter(
    "pbbot_campaign_deliveries_total",
    "Campaign messages by outcome (sent, blocked, failed, retry).",
    ["status"],
)
DELIVERIES_QUEUED = Gauge(
    "pbbot_campaign_deliveries_queued",
    "Campaign messages waiting to be sent, as last counted.",
    multiprocess_mode="max",
)
FLOOD_CONTROL = Counter(
    "pbbot_telegram_429_total",
    "Too Many Requests answers from Telegram, for replies or campaigns.",
    ["source"],
)


def exposition() -> tuple[bytes, str]:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
