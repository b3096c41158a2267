"""`citybot staff add|list|disable`: panel accounts from the command line."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

from sqlalchemy import select

from bot.db.models import StaffUser
from tests.panel_support import PASSWORD, panel_client, sign_in
from tests.test_panel import audit_actions


def staff(database_url: str, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": database_url}
    return subprocess.run(
        [sys.executable, "-m", "bot", "staff", *args],
        env=env, input=stdin, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


async def test_staff_accounts_are_added_listed_and_disabled(db, database_url, tmp_path):
    added = await asyncio.to_thread(
        staff, database_url, "add", "Ewa@Poznan.pl", "--role", "moderator", "--password-stdin",
        stdin=PASSWORD + "\n",
    )  # fmt: skip
    assert (added.returncode, added.stdout.strip()) == (
        0,
        "ewa@poznan.pl can now sign in to the staff panel as moderator",
    ), added.stderr
    async with db.transaction() as session:
        user = await session.scalar(select(StaffUser))
    assert user.password_hash.startswith("$argon2id$") and PASSWORD not in user.password_hash
    twice = await asyncio.to_thread(
        staff, database_url, "add", "ewa@poznan.pl", "--role", "agent", "--password-stdin", stdin=PASSWORD
    )
    assert (twice.returncode, twice.stderr.strip()) == (1, "citybot: ewa@poznan.pl already has an account")
    short = await asyncio.to_thread(
        staff, database_url, "add", "jan@poznan.pl", "--role", "agent", "--password-stdin", stdin="short\n"
    )
    assert short.returncode == 1 and "at least 10 characters" in short.stderr

    client = await panel_client(db, tmp_path)
    try:
        assert (await sign_in(client, "ewa@poznan.pl")).status == 303
        listed = await asyncio.to_thread(staff, database_url, "list")
        assert listed.stdout.startswith("ewa@poznan.pl\tmoderator\tactive\tlast sign-in: 20")
        disabled = await asyncio.to_thread(staff, database_url, "disable", "ewa@poznan.pl")
        assert disabled.returncode == 0, disabled.stderr
        ended = await client.get("/panel/reports", allow_redirects=False)
        assert ended.status == 303  # the open session ended with the account
        assert (await sign_in(client, "ewa@poznan.pl")).status == 401
    finally:
        await client.close()
    assert "disabled" in (await asyncio.to_thread(staff, database_url, "list")).stdout
    cli_actions = [a for a in await audit_actions(db) if a[1] in ("staff.added", "staff.disabled")]
    assert len(cli_actions) == 2 and all(actor.startswith("cli:") for actor, _action in cli_actions)
