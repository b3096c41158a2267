"""RSS 2.0 and Atom feeds read into plain entries (title, text, link, dates, GeoRSS points).

Dates of the works themselves come from the RSS event module (`ev:startdate`, `ev:enddate`) when a
feed has them; a publication date says nothing about when the road is closed, so it is not used.
Documents with a DTD are refused: no feed needs one, and entity tricks live there.
"""

from __future__ import annotations

import hashlib
import html
import re
from dataclasses import dataclass
from datetime import datetime
from xml.etree import ElementTree

from scheduler.feeds.download import FeedError
from scheduler.feeds.moments import feed_moment

ATOM = "{http://www.w3.org/2005/Atom}"
EVENT = "{http://purl.org/rss/1.0/modules/event/}"
GEORSS = "{http://www.georss.org/georss}"
_TAG = re.compile(r"<[^>]+>")


@dataclass(frozen=True, slots=True)
class Entry:
    """One item of a feed; `points` are (latitude, longitude) pairs from GeoRSS."""

    id: str
    title: str
    summary: str
    link: str | None
    starts: datetime | None
    ends: datetime | None
    points: tuple[tuple[float, float], ...]


def plain(text: str | None) -> str:
    """Feed HTML ("<p>Zamknięta&nbsp;jezdnia</p>") as one line of plain text."""
    if not text:
        return ""
    return " ".join(html.unescape(_TAG.sub(" ", text)).split())


def _georss(node: ElementTree.Element) -> tuple[tuple[float, float], ...]:
    points: list[tuple[float, float]] = []
    for tag in ("point", "line", "polygon"):
        for found in node.iter(f"{GEORSS}{tag}"):
            numbers = (found.text or "").split()
            try:
                values = [float(n) for n in numbers]
            except ValueError:
                continue
            points.extend(zip(values[0::2], values[1::2], strict=False))
    return tuple(points)


def _text(node: ElementTree.Element, tag: str) -> str:
    found = node.find(tag)
    return (found.text or "").strip() if found is not None else ""


def _fallback_id(*parts: str) -> str:
    return "sha1:" + hashlib.sha1("\n".join(parts).encode("utf-8")).hexdigest()


def _rss_entry(item: ElementTree.Element) -> Entry:
    title, summary, link = plain(_text(item, "title")), plain(_text(item, "description")), _text(item, "link")
    ident = _text(item, "guid") or link or _fallback_id(title, summary, _text(item, "pubDate"))
    return Entry(
        ident, title, summary, link or None, feed_moment(_text(item, f"{EVENT}startdate")),
        feed_moment(_text(item, f"{EVENT}enddate")), _georss(item),
    )  # fmt: skip


def _atom_entry(entry: ElementTree.Element) -> Entry:
    title = plain(_text(entry, f"{ATOM}title"))
    summary = plain(_text(entry, f"{ATOM}summary") or _text(entry, f"{ATOM}content"))
    links = entry.findall(f"{ATOM}link")
    alternate = [node.get("href") for node in links if node.get("rel", "alternate") == "alternate"]
    link = next((href for href in alternate if href), None)
    ident = _text(entry, f"{ATOM}id") or link or _fallback_id(title, summary, _text(entry, f"{ATOM}updated"))
    return Entry(
        ident, title, summary, link, feed_moment(_text(entry, f"{EVENT}startdate")),
        feed_moment(_text(entry, f"{EVENT}enddate")), _georss(entry),
    )  # fmt: skip


def parse_syndication(body: bytes) -> list[Entry]:
    """The entries of an RSS 2.0 or Atom document; FeedError when it is neither or malformed."""
    if b"<!DOCTYPE" in body[:4096].upper() or b"<!ENTITY" in body.upper():
        raise FeedError("feed XML with a DTD refused")
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError as exc:
        raise FeedError(f"malformed feed XML: {exc}") from exc
    if root.tag == "rss":
        return [_rss_entry(item) for item in root.iter("item")]
    if root.tag == f"{ATOM}feed":
        return [_atom_entry(entry) for entry in root.iter(f"{ATOM}entry")]
    raise FeedError(f"neither RSS nor Atom: root element {root.tag!r}")
