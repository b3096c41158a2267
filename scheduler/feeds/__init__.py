"""Feeds the city bot polls: IMGW weather warnings and road works, turned into alerts and broadcasts.

`build_feed_jobs(db, settings)` gives the scheduler one job per enabled feed; each job calls
`poll_feed`, which fetches, syncs in one transaction (bot.domain.alerts) and backs off on failure.
"""

from scheduler.feeds.download import FeedError
from scheduler.feeds.imgw import fetch_imgw, for_poznan, parse_imgw
from scheduler.feeds.roadworks import fetch_roadworks, parse_roadworks
from scheduler.feeds.runner import HEALTH, FeedHealth, build_feed_jobs, feed_health, poll_feed

__all__ = [
    "HEALTH",
    "FeedError",
    "FeedHealth",
    "build_feed_jobs",
    "feed_health",
    "fetch_imgw",
    "fetch_roadworks",
    "for_poznan",
    "parse_imgw",
    "parse_roadworks",
    "poll_feed",
]
