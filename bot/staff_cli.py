"""Staff actions from the command line until the web panel exists: report status, approvals.

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
