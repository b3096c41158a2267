"""Staff actions from the command line (report status, approvals, announcements) and the staff
panel's accounts (`citybot staff add|list|disable`).

Each runs in one transaction with its audit entry and the residents' notifications (delivered by
the running bot's outbox dispatcher). Refusals print one line and exit with status 1.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from datetime import UTC, datetime

from bot.config import Settings
from bot.db.database import Database
from bot.db.migrate import ensure_migrated
from bot.domain import reports


def _actor() -> str:
    return f"cli:{getpass.getuser()}"


async def run_staff_command(settings: Settings, args: argparse.Namespace) -> int:
    db = Database(settings.database_url)
    try:
        await ensure_migrated(db.engine)
        now = datetime.now(UTC)
        if args.command == "report-status":
            return await _report_status(db, args, now)
        if args.command == "announce":
            return await _announce(db, args, now)
        if args.command == "staff":
            return await _staff_account(db, args, now)
        return await _initiative_moderate(db, args, now)
    finally:
        await db.dispose()


async def _report_status(db: Database, args: argparse.Namespace, now: datetime) -> int:
    try:
        async with db.transaction() as session:
            report = await reports.change_status(
                session, args.ticket.upper(), args.status, note=args.note, actor=_actor(), now=now
            )
            ticket, status = report.ticket, report.status
    except reports.ReportNotFound:
        print(f"citybot: no report {args.ticket.upper()}", file=sys.stderr)
        return 1
    except reports.InvalidTransition as refused:
        print(f"citybot: {refused}", file=sys.stderr)
        return 1
    print(f"{ticket} is now {status}; the reporter and followers will be notified")
    return 0


async def _initiative_moderate(db: Database, args: argparse.Namespace, now: datetime) -> int:
    from bot.domain import initiatives

    approving = args.command == "initiative-approve"
    try:
        async with db.transaction() as session:
            if approving:
                await initiatives.approve(session, args.id, actor=_actor(), now=now, note=args.note)
            else:
                await initiatives.reject(session, args.id, actor=_actor(), now=now, reason=args.reason)
    except initiatives.InitiativeNotFound:
        print(f"citybot: no initiative {args.id}", file=sys.stderr)
        return 1
    except initiatives.InitiativeError as refused:
        print(f"citybot: {refused}", file=sys.stderr)
        return 1
    print(f"initiative {args.id} {'approved' if approving else 'rejected'}; its author will be notified")
    return 0


async def _announce(db: Database, args: argparse.Namespace, now: datetime) -> int:
    from bot.domain.alerts import AnnouncementError, announce

    try:
        send_at = datetime.fromisoformat(args.at) if args.at else None
    except ValueError:
        print(
            f"citybot: --at {args.at!r} is not an ISO date and time, e.g. 2026-12-01T09:00", file=sys.stderr
        )
        return 2
    try:
        async with db.transaction() as session:
            item = await announce(
                session,
                args.topic,
                args.pl,
                args.en,
                send_at=send_at,
                osiedla=args.osiedle,
                actor=_actor(),
                now=now,
            )
            broadcast_id, when = item.id, item.send_at
    except AnnouncementError as refused:
        print(f"citybot: {refused}", file=sys.stderr)
        return 2
    print(f"announcement {broadcast_id} queued for {when.isoformat()}; the running bot delivers it")
    return 0


def _read_password(from_stdin: bool) -> str | None:
    """From standard input for scripts; otherwise asked twice without echo."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Repeat the password: ") != first:
        print("citybot: the passwords differ", file=sys.stderr)
        return None
    return first


async def _staff_account(db: Database, args: argparse.Namespace, now: datetime) -> int:
    from bot.domain import audit
    from bot.web.panel import accounts

    try:
        if args.staff_command == "list":
            async with db.transaction() as session:
                for user in await accounts.all_staff(session):
                    state = "active" if user.active else "disabled"
                    seen = user.last_login_at.isoformat(timespec="minutes") if user.last_login_at else "never"
                    print(f"{user.email}\t{user.role}\t{state}\tlast sign-in: {seen}")
            return 0
        if args.staff_command == "disable":
            async with db.transaction() as session:
                user = await accounts.disable_staff(session, args.email)
                await audit.record(
                    session, _actor(), "staff.disabled", accounts.actor_for(user.email), at=now
                )
            print(f"{user.email} can no longer sign in; open sessions were ended")
            return 0
        password = _read_password(args.password_stdin)
        if password is None:
            return 1
        accounts.check_password(password)
        async with db.transaction() as session:
            user = await accounts.add_staff(
                session, args.email, password, args.role, now=now, display_name=args.name
            )
            await audit.record(
                session,
                _actor(),
                "staff.added",
                accounts.actor_for(user.email),
                details={"role": user.role},
                at=now,
            )
    except accounts.AccountError as refused:
        print(f"citybot: {refused}", file=sys.stderr)
        return 1
    print(f"{user.email} can now sign in to the staff panel as {user.role}")
    return 0
