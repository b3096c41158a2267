"""Moderating initiatives from the command line until the staff panel exists."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from bot.db.models import Initiative, OutboxMessage
from bot.domain import initiatives
from tests.test_reports import NOW, add_resident
from tests.test_reports_delivery import staff


async def submitted(db, title: str) -> int:
    async with db.transaction() as session:
        created = await initiatives.submit(
            session,
            1,
            title,
            "Ławki i cień dla seniorów przy placu zabaw",
            "Wilda",
            "greenery",
            NOW,
        )
        return created.id


async def test_approve_and_reject_notify_the_author_and_refuse_twice(db, database_url):
    await add_resident(db, 1)
    first, second = await submitted(db, "Ławki w parku"), await submitted(db, "Więcej drzew")
    approved = await asyncio.to_thread(staff, database_url, "initiative-approve", str(first))
    assert (approved.returncode, approved.stdout.strip()) == (
        0,
        f"initiative {first} approved; its author will be notified",
    )
    again = await asyncio.to_thread(staff, database_url, "initiative-approve", str(first))
    assert (
        again.returncode == 1 and again.stderr.startswith("citybot: ") and len(again.stderr.splitlines()) == 1
    )
    rejected = await asyncio.to_thread(
        staff, database_url, "initiative-reject", str(second), "--reason", "Teren prywatny"
    )
    assert rejected.returncode == 0, rejected.stderr
    missing = await asyncio.to_thread(staff, database_url, "initiative-approve", "999999")
    assert (missing.returncode, missing.stderr.strip()) == (1, "citybot: no initiative 999999")
    async with db.transaction() as session:
        statuses = dict((await session.execute(select(Initiative.id, Initiative.status))).all())
        notices = (
            (await session.execute(select(OutboxMessage.text).order_by(OutboxMessage.id))).scalars().all()
        )
    assert statuses == {first: "approved", second: "rejected"}
    assert len(notices) == 2 and "Teren prywatny" in notices[1]


async def test_announce_queues_a_broadcast_and_refuses_bad_input(db, database_url):
    from bot.db.models import Broadcast

    done = await asyncio.to_thread(
        staff, database_url, "announce", "--topic", "seniors", "--pl", "Spotkanie w klubie seniora",
        "--en", "Meeting at the seniors' club", "--osiedle", "Wilda",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("announcement ") and "queued for" in done.stdout
    empty = await asyncio.to_thread(
        staff, database_url, "announce", "--topic", "seniors", "--pl", " ", "--en", "x"
    )
    past = await asyncio.to_thread(
        staff,
        database_url,
        "announce",
        "--topic",
        "seniors",
        "--pl",
        "a",
        "--en",
        "b",
        "--at",
        "2020-01-01T10:00",
    )
    garbage = await asyncio.to_thread(
        staff, database_url, "announce", "--topic", "seniors", "--pl", "a", "--en", "b", "--at", "jutro"
    )
    for refused in (empty, past, garbage):
        assert refused.returncode == 2 and len(refused.stderr.strip().splitlines()) == 1
    async with db.transaction() as session:
        rows = (await session.execute(select(Broadcast.topic, Broadcast.osiedla))).all()
    assert rows == [("seniors", ["Wilda"])]
