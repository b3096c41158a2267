"""Overlap resolution: a span of the message belongs to one entity.

Candidates are ranked by length (the longer phrase is the more specific reading: "o 10.12" is a
time, "ul. 27 Grudnia 3" a street), then confidence, then a fixed priority per entity type, and
accepted greedily. A house number stands or falls with the street it follows.
"""

from __future__ import annotations

from collections.abc import Iterable

from nlu.interface import Entity

PRIORITY: dict[str, int] = {
    "ticket": 9,
    "date": 7,
    "time": 6,
    "street": 5,
    "house_number": 5,
    "district": 4,
    "service": 3,
    "people": 3,
    "topic": 2,
}


def _groups(entities: list[Entity]) -> list[tuple[Entity, ...]]:
    """Pair every house number with the street right before it (same extractor)."""
    streets = [e for e in entities if e.entity == "street"]
    groups: list[tuple[Entity, ...]] = []
    used: set[int] = set()
    for number in (e for e in entities if e.entity == "house_number"):
        owner = max(
            (s for s in streets if s.extractor == number.extractor and s.end <= number.start),
            key=lambda s: s.end,
            default=None,
        )
        if owner is None or id(owner) in used:
            continue  # an orphan house number is no entity at all
        used.add(id(owner))
        groups.append((owner, number))
    for e in entities:
        if e.entity == "house_number" or id(e) in used:
            continue
        groups.append((e,))
    return groups


def resolve(entities: Iterable[Entity]) -> list[Entity]:
    """Non-overlapping entities, sorted by position."""
    groups = _groups([e for e in entities if e.end > e.start])

    def rank(group: tuple[Entity, ...]) -> tuple[int, float, int, int]:
        start = min(e.start for e in group)
        end = max(e.end for e in group)
        return (end - start, group[0].confidence, PRIORITY.get(group[0].entity, 0), -start)

    taken: list[tuple[int, int]] = []
    kept: list[Entity] = []
    for group in sorted(groups, key=rank, reverse=True):
        if any(e.start < t_end and t_start < e.end for e in group for t_start, t_end in taken):
            continue
        taken.extend((e.start, e.end) for e in group)
        kept.extend(group)
    kept.sort(key=lambda e: (e.start, e.end))
    return kept
