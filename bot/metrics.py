"""Prometheus metrics of this process (served at /metrics by bot/web/server.py).

Counters are per process, as Prometheus expects: a city deployment scrapes every process and sums.
Figures that belong to the whole deployment (outbox backlog, broadcast delivery totals) are read
from the database at scrape time instead (bot/web/server.py), so every process reports the same.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

UPDATES = Counter("citybot_updates_total", "Resident messages and taps handled", ["kind"])
TURN_SECONDS = Histogram(
    "citybot_turn_seconds",
    "Time to handle one resident message, lock wait included",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
NLU_CONFIDENCE = Histogram(
    "citybot_nlu_confidence",
    "Confidence of the top intent for free text",
    buckets=(0.1, 0.2, 0.3, 0.4, 0.5, 0.55, 0.6, 0.7, 0.8, 0.9, 1.0),
)
ERRORS = Counter("citybot_errors_total", "Failures caught and survived", ["where"])
# Shown at 0 from the start, so a dashboard (or bench/soak.py) sees the series before a failure.
for _where in ("turn", "database", "nlu", "dispatch", "telegram"):
    ERRORS.labels(_where)
THROTTLED = Counter(
    "citybot_throttled_total",
    "Resident messages over the flood limit, by what they got (notice, dropped)",
    ["action"],
)
OUTBOX = Counter(
    "citybot_outbox_messages_total",
    "Outbox delivery attempts by result (sent, retry, unreachable, failed: gave up)",
    ["result"],
)
BROADCAST_QUEUED = Counter(
    "citybot_broadcast_messages_queued_total", "Outbox rows written by expanding broadcasts"
)
FEED_POLLS = Counter("citybot_feed_polls_total", "Feed polls by result (ok, error)", ["feed", "result"])
FEED_FAILURES = Gauge("citybot_feed_consecutive_failures", "Failed polls in a row per feed", ["feed"])
SCHEDULER_LEADER = Gauge("citybot_scheduler_leader", "1 while this process runs the scheduler")
OUTBOX_PENDING = Gauge("citybot_outbox_pending", "Outbox messages not yet delivered (whole deployment)")
BROADCAST_MESSAGES = Gauge(
    "citybot_broadcast_messages",
    "Broadcast messages over all broadcasts by state (whole deployment)",
    ["state"],
)
DATABASE_UP = Gauge("citybot_database_up", "1 when the last readiness or metrics probe reached the database")


def inbound_kind(
    *,
    payload: str | None,
    text: str | None,
    location: object,
    photos: tuple[str, ...],
    unsupported: str | None,
) -> str:
    """A small fixed set of labels (never the text itself)."""
    if payload:
        return "button"
    if unsupported:
        return "unsupported"
    if photos:
        return "photo"
    if location is not None:
        return "location"
    if text and text.startswith("/"):
        return "command"
    return "text" if text else "other"
