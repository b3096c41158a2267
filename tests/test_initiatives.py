"""Civic initiatives, the rules: yearly limit, moderation, one support each, the author told once.

Conversations with the bot are in tests/test_initiatives_flow.py.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.db.models import AuditEntry, Initiative, InitiativeSupport, OutboxMessage, Resident
from bot.domain import audit, initiatives
from bot.domain.initiatives import (
    APPROVED,
    AWAITING,
    REJECTED,
    InitiativeNotFound,
    InvalidInitiative,
    InvalidModeration,
    NotOpenForSupport,
    OwnInitiative,
    SubmissionLimitReached,
    SupportOutcome,
)

NOW = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)
AUTHOR = 1
DESCRIPTION = "Five new benches along the main alley, so that seniors can rest on the way."


async def add_residents(db, *ids: int, language: str = "en") -> None:
    async with db.transaction() as session:
        for resident_id in ids:
            session.add(Resident(id=resident_id, language=language, created_at=NOW, last_seen_at=NOW))


async def submit(db, resident_id: int = AUTHOR, *, title: str = "New benches", osiedle="Wilda", now=NOW):
    async with db.transaction() as session:
        initiative = await initiatives.submit(
            session, resident_id, title, DESCRIPTION, osiedle, "greenery", now
        )
    return initiative.id


async def approve(db, initiative_id: int, note: str | None = None) -> None:
    async with db.transaction() as session:
        await initiatives.approve(session, initiative_id, actor="staff:anna", now=NOW, note=note)


async def approved_initiative(db, **fields) -> int:
    initiative_id = await submit(db, **fields)
    await approve(db, initiative_id)
    return initiative_id


async def support(db, initiative_id: int, resident_id: int, threshold: int = 10):
    async with db.transaction() as session:
        return await initiatives.support(session, initiative_id, resident_id, NOW, threshold)


async def outbox(db, kind: str | None = None) -> list[OutboxMessage]:
    async with db.transaction() as session:
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        if kind:
            query = query.where(OutboxMessage.kind == kind)
        return list((await session.execute(query)).scalars())


async def stored(db, initiative_id: int) -> Initiative:
    async with db.transaction() as session:
        return await session.get(Initiative, initiative_id)


@pytest.fixture
async def db_with_people(db):
    await add_residents(db, *range(1, 13))
    return db


# -- submitting ----------------------------------------------------------------------------------


async def test_submit_stores_awaiting_moderation_cleaned_and_audited(db_with_people):
    db = db_with_people
    async with db.transaction() as session:
        initiative = await initiatives.submit(
            session,
            AUTHOR,
            "  New   benches\nin the park ",
            f"\n{DESCRIPTION}\n\n\n\nThanks!  ",
            None,
            "sport",
            NOW,
        )
    saved = await stored(db, initiative.id)
    assert (saved.title, saved.osiedle, saved.category, saved.status) == (
        "New benches in the park",
        None,
        "sport",
        AWAITING,
    )
    assert saved.description == f"{DESCRIPTION}\n\nThanks!"
    assert (saved.supports, saved.threshold_notified, saved.resident_id) == (0, False, AUTHOR)
    async with db.transaction() as session:
        entries = (await session.execute(select(AuditEntry))).scalars().all()
    assert [(e.actor, e.action, e.target) for e in entries] == [
        ("resident:1", "initiative.submitted", f"initiative:{initiative.id}")
    ]


@pytest.mark.parametrize(
    ("title", "description", "osiedle", "category"),
    [
        ("Tiny", DESCRIPTION, "Wilda", "greenery"),
        ("x" * 121, DESCRIPTION, "Wilda", "greenery"),
        ("New benches", "Too short.", "Wilda", "greenery"),
        ("New benches", "x" * 2001, "Wilda", "greenery"),
        ("New benches", DESCRIPTION, "Atlantis", "greenery"),
        ("New benches", DESCRIPTION, "Wilda", "fireworks"),
    ],
)
async def test_fields_outside_their_limits_are_refused(db_with_people, title, description, osiedle, category):
    async with db_with_people.transaction() as session:
        with pytest.raises(InvalidInitiative):
            await initiatives.submit(session, AUTHOR, title, description, osiedle, category, NOW)


async def test_fourth_live_initiative_in_a_year_is_refused(db_with_people):
    db = db_with_people
    for n in range(3):
        await submit(db, title=f"Idea number {n}")
    with pytest.raises(SubmissionLimitReached) as refused:
        await submit(db, title="One too many")
    assert (refused.value.limit, refused.value.year) == (3, 2026)
    async with db.transaction() as session:
        assert await initiatives.remaining_this_year(session, AUTHOR, NOW) == 0
        assert await session.scalar(select(func.count()).select_from(Initiative)) == 3


async def test_a_rejected_initiative_frees_its_place_and_a_new_year_starts_afresh(db_with_people):
    db = db_with_people
    ids = [await submit(db, title=f"Idea number {n}") for n in range(3)]
    async with db.transaction() as session:
        await initiatives.reject(session, ids[0], actor="staff:anna", now=NOW, reason="Not a city matter.")
    await submit(db, title="Corrected idea")
    with pytest.raises(SubmissionLimitReached):
        await submit(db, title="One too many")
    await submit(db, title="Next year's idea", now=datetime(2027, 1, 2, 9, 0, tzinfo=UTC))


async def test_the_year_follows_poznan_clock_not_utc(db_with_people):
    db = db_with_people
    new_year_in_poznan = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)  # 00:30 on 1 January 2027 in Poznań
    for n in range(3):
        await submit(db, title=f"Idea number {n}", now=new_year_in_poznan)
    async with db.transaction() as session:
        assert await initiatives.remaining_this_year(session, AUTHOR, NOW) == 3
        assert await initiatives.remaining_this_year(session, AUTHOR, new_year_in_poznan) == 0


async def test_other_residents_have_their_own_limit(db_with_people):
    for n in range(3):
        await submit(db_with_people, title=f"Idea number {n}")
    await submit(db_with_people, resident_id=2)


# -- moderation ----------------------------------------------------------------------------------


async def test_approval_publishes_audits_and_tells_the_author_in_their_language(db_with_people):
    db = db_with_people
    initiative_id = await submit(db)
    await approve(db, initiative_id, note="We will ask the district council.")
    saved = await stored(db, initiative_id)
    assert (saved.status, saved.moderated_at, saved.moderation_note) == (
        APPROVED,
        NOW,
        "We will ask the district council.",
    )
    [notice] = await outbox(db)
    assert (notice.resident_id, notice.kind) == (AUTHOR, "initiative.approved")
    assert notice.text.startswith("Good news! Your initiative “New benches” has been approved")
    assert "A note from the city: We will ask the district council." in notice.text
    assert notice.buttons == [[["📋 My initiatives", "imine", ""]]]
    async with db.transaction() as session:
        trail = await audit.entries_for(session, f"initiative:{initiative_id}")
    actions = [entry.action for entry in trail]
    assert actions == ["initiative.approved", "initiative.submitted"]


async def test_rejection_keeps_the_reason_and_tells_the_author(db_with_people):
    db = db_with_people
    initiative_id = await submit(db)
    async with db.transaction() as session:
        await initiatives.reject(session, initiative_id, actor="staff:anna", now=NOW, reason="Private land.")
    saved = await stored(db, initiative_id)
    assert (saved.status, saved.moderation_note) == (REJECTED, "Private land.")
    [notice] = await outbox(db)
    assert notice.kind == "initiative.rejected"
    assert "The reason given by the city: Private land." in notice.text
    assert notice.buttons == [[["✍️ Submit an initiative", "isubmit", ""]]]


@pytest.mark.parametrize(
    ("first", "second"),
    [("approve", "approve"), ("approve", "reject"), ("reject", "approve"), ("reject", "reject")],
)
async def test_only_an_initiative_awaiting_moderation_can_be_moderated(db_with_people, first, second):
    db = db_with_people
    initiative_id = await submit(db)

    async def moderate(how: str) -> None:
        async with db.transaction() as session:
            if how == "approve":
                await initiatives.approve(session, initiative_id, actor="cli", now=NOW)
            else:
                await initiatives.reject(session, initiative_id, actor="cli", now=NOW, reason="No.")

    await moderate(first)
    with pytest.raises(InvalidModeration):
        await moderate(second)
    assert len(await outbox(db)) == 1


async def test_moderating_an_unknown_initiative_or_without_a_reason_fails(db_with_people):
    db = db_with_people
    initiative_id = await submit(db)
    async with db.transaction() as session:
        with pytest.raises(InitiativeNotFound):
            await initiatives.approve(session, 999, actor="cli", now=NOW)
        with pytest.raises(InvalidModeration):
            await initiatives.reject(session, initiative_id, actor="cli", now=NOW, reason="  ")
    assert (await stored(db, initiative_id)).status == AWAITING


# -- browsing ------------------------------------------------------------------------------------


async def test_browsing_lists_approved_initiatives_by_osiedle_newest_first(db_with_people):
    db = db_with_people
    wilda = [await approved_initiative(db, resident_id=r, title=f"Wilda idea {r}") for r in (1, 2, 3)]
    city = await approved_initiative(db, resident_id=4, osiedle=None, title="For everyone")
    await submit(db, resident_id=5, osiedle="Rataje", title="Still awaiting")
    rejected = await submit(db, resident_id=6, osiedle="Rataje", title="Rejected one")
    async with db.transaction() as session:
        await initiatives.reject(session, rejected, actor="cli", now=NOW, reason="No.")
    async with db.transaction() as session:
        assert await initiatives.osiedla_with_approved(session) == [(None, 1), ("Wilda", 3)]
        first = await initiatives.approved_in(session, "Wilda", limit=2)
        rest = await initiatives.approved_in(session, "Wilda", limit=2, offset=2)
        city_wide = await initiatives.approved_in(session, None)
        assert await initiatives.approved_in(session, "Rataje") == []
    assert [i.id for i in first + rest] == wilda[::-1]
    assert [i.id for i in city_wide] == [city]


async def test_submitted_by_lists_every_status_newest_first(db_with_people):
    db = db_with_people
    first = await submit(db, title="First idea")
    second = await submit(db, title="Second idea", now=NOW + timedelta(hours=1))
    await approve(db, first)
    await submit(db, resident_id=2, title="Someone else's")
    async with db.transaction() as session:
        mine = await initiatives.submitted_by(session, AUTHOR)
    assert [(i.id, i.status) for i in mine] == [(second, AWAITING), (first, APPROVED)]


# -- supporting ----------------------------------------------------------------------------------


async def test_one_support_per_resident(db_with_people):
    db = db_with_people
    initiative_id = await approved_initiative(db)
    first = await support(db, initiative_id, 2)
    again = await support(db, initiative_id, 2)
    other = await support(db, initiative_id, 3)
    assert (first.outcome, first.supports, first.title) == (SupportOutcome.SUPPORTED, 1, "New benches")
    assert (again.outcome, again.supports) == (SupportOutcome.ALREADY_SUPPORTED, 1)
    assert (other.outcome, other.supports) == (SupportOutcome.SUPPORTED, 2)
    async with db.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(InitiativeSupport)) == 2
        assert await initiatives.supported_by(session, 2, [initiative_id, 999]) == {initiative_id}
    assert (await stored(db, initiative_id)).supports == 2


async def test_an_author_cannot_support_their_own_initiative(db_with_people):
    initiative_id = await approved_initiative(db_with_people)
    with pytest.raises(OwnInitiative):
        await support(db_with_people, initiative_id, AUTHOR)
    assert (await stored(db_with_people, initiative_id)).supports == 0


async def test_only_approved_initiatives_can_be_supported(db_with_people):
    db = db_with_people
    awaiting = await submit(db, title="Awaiting idea")
    rejected = await submit(db, title="Rejected idea")
    async with db.transaction() as session:
        await initiatives.reject(session, rejected, actor="cli", now=NOW, reason="No.")
    for initiative_id in (awaiting, rejected):
        with pytest.raises(NotOpenForSupport):
            await support(db, initiative_id, 2)
    with pytest.raises(InitiativeNotFound):
        await support(db, 999, 2)


async def test_reaching_the_threshold_tells_the_author_once(db_with_people):
    db = db_with_people
    initiative_id = await approved_initiative(db)
    results = [await support(db, initiative_id, resident, threshold=3) for resident in (2, 3, 4, 5)]
    assert [r.threshold_reached for r in results] == [False, False, True, False]
    [notice] = await outbox(db, "initiative.threshold")
    assert notice.resident_id == AUTHOR
    assert notice.text.startswith(
        "Congratulations! Your initiative “New benches” is now supported by 3 residents."
    )
    assert (await stored(db, initiative_id)).threshold_notified


async def test_threshold_of_one_uses_the_singular(db_with_people):
    initiative_id = await approved_initiative(db_with_people)
    await support(db_with_people, initiative_id, 2, threshold=1)
    [notice] = await outbox(db_with_people, "initiative.threshold")
    assert "is now supported by 1 resident." in notice.text


async def test_concurrent_supports_count_each_and_notify_exactly_once(db_with_people):
    db = db_with_people
    initiative_id = await approved_initiative(db)
    supporters = range(2, 10)
    results = await asyncio.gather(*(support(db, initiative_id, r, threshold=3) for r in supporters))
    assert sorted(r.supports for r in results) == list(range(1, 9))
    assert sum(r.threshold_reached for r in results) == 1
    assert len(await outbox(db, "initiative.threshold")) == 1
    assert (await stored(db, initiative_id)).supports == 8


async def test_the_same_resident_supporting_twice_at_once_counts_once(db_with_people):
    db = db_with_people
    initiative_id = await approved_initiative(db)
    results = await asyncio.gather(*(support(db, initiative_id, 2, threshold=1) for _ in range(4)))
    assert sorted(r.outcome for r in results) == [SupportOutcome.ALREADY_SUPPORTED] * 3 + [
        SupportOutcome.SUPPORTED
    ]
    assert (await stored(db, initiative_id)).supports == 1
    assert len(await outbox(db, "initiative.threshold")) == 1
