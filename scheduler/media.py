"""Copies report photos from the channel into MEDIA_DIR, so staff see them without Telegram."""

from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy import select, update

from bot.conversation.delivery import Delivery, DeliveryError, FileUnavailable
from bot.db.database import Database
from bot.db.models import Report, ReportPhoto

log = logging.getLogger(__name__)

# Marks a photo the channel no longer has, so it is not asked for again and again.
UNAVAILABLE = ""


async def download_pending(db: Database, delivery: Delivery, media_dir: Path, *, limit: int = 20) -> int:
    """Fetch photos not yet copied; returns how many were stored."""
    async with db.transaction() as session:
        query = (
            select(ReportPhoto.id, ReportPhoto.file_id, ReportPhoto.position, Report.ticket)
            .join(Report, Report.id == ReportPhoto.report_id)
            .where(ReportPhoto.local_path.is_(None))
            .order_by(ReportPhoto.id)
            .limit(limit)
        )
        pending = list((await session.execute(query)).all())
    stored = 0
    for photo_id, file_id, position, ticket in pending:
        try:
            data = await delivery.fetch_file(file_id)
        except FileUnavailable:
            path = UNAVAILABLE
        except DeliveryError as error:
            log.info("photo %s not fetched yet: %s", photo_id, error)
            continue
        else:
            target = media_dir / "reports" / ticket / f"{position + 1}{_suffix(data)}"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            path = str(target)
            stored += 1
        async with db.transaction() as session:
            await session.execute(
                update(ReportPhoto).where(ReportPhoto.id == photo_id).values(local_path=path)
            )
    return stored


def _suffix(data: bytes) -> str:
    if data.startswith(b"\x89PNG"):
        return ".png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return ".webp"
    return ".jpg"
