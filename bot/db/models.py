"""Tables of the city bot. Every schema change gets an Alembic migration in migrations/versions."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Text,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# SQLite has no 64-bit autoincrement other than INTEGER PRIMARY KEY; PostgreSQL gets BIGINT.
BigId = BigInteger().with_variant(Integer(), "sqlite")


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on both databases (SQLite would otherwise hand back naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Resident(Base):
    """A person who wrote to the bot; the id is their Telegram user id (or a shell id)."""

    __tablename__ = "residents"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    language: Mapped[str] = mapped_column(String(2), default="pl")
    language_chosen: Mapped[bool] = mapped_column(default=False)
    display_name: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ConversationState(Base):
    """Where a resident is in a conversation; saved every turn so a restart loses nothing."""

    __tablename__ = "conversation_states"

    resident_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("residents.id", ondelete="CASCADE"), primary_key=True
    )
    flow: Mapped[str | None] = mapped_column(String(40))
    step: Mapped[str | None] = mapped_column(String(40))
    slots: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    misses: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class AuditEntry(Base):
    """Who did what to which thing, and when: the trail staff and auditors read."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_target", "target"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str | None] = mapped_column(String(128))
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    note: Mapped[str | None] = mapped_column(Text)


class TicketCounter(Base):
    """The last ticket number issued in a year: PZN-2026-000123 is number 123 of 2026."""

    __tablename__ = "ticket_counters"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(Integer, default=0)


class Report(Base):
    """A problem a resident reported, with where it is and what state city staff have it in."""

    __tablename__ = "reports"
    __table_args__ = (
        # Duplicate lookup: open reports of a category inside a small latitude/longitude box.
        Index("ix_reports_nearby", "category", "status", "latitude", "longitude"),
        Index("ix_reports_address", "category", "status", "street", "house_number"),
        Index("ix_reports_resident", "resident_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    ticket: Mapped[str] = mapped_column(String(20), unique=True)
    resident_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("residents.id", ondelete="SET NULL")
    )
    category: Mapped[str] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(Text)
    street: Mapped[str | None] = mapped_column(String(128))
    house_number: Mapped[str | None] = mapped_column(String(16))
    osiedle: Mapped[str | None] = mapped_column(String(96))
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    status: Mapped[str] = mapped_column(String(16), default="new")
    language: Mapped[str] = mapped_column(String(2), default="pl")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Where it came from: "telegram" or "open311"; an API report carries the requester's contact
    # details (e-mail, name, phone, device/account ids) and an optional media URL instead of photos.
    source: Mapped[str] = mapped_column(String(16), default="telegram", server_default="telegram")
    contact: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    media_url: Mapped[str | None] = mapped_column(String(1024))


class ReportPhoto(Base):
    """A picture of a report: the channel's file id, and a copy in MEDIA_DIR once downloaded."""

    __tablename__ = "report_photos"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    report_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("reports.id", ondelete="CASCADE"), index=True
    )
    file_id: Mapped[str] = mapped_column(String(255))
    local_path: Mapped[str | None] = mapped_column(String(512))
    position: Mapped[int] = mapped_column(Integer, default=0)


class ReportEvent(Base):
    """One entry of a report's history: a status (or the same status) with a note and who set it."""

    __tablename__ = "report_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    report_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("reports.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ReportFollower(Base):
    """A resident who follows someone else's report (+1) and gets its updates."""

    __tablename__ = "report_followers"

    report_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True
    )
    resident_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("residents.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Initiative(Base):
    """A civic initiative: awaiting moderation, then approved (supportable) or rejected."""

    __tablename__ = "initiatives"
    __table_args__ = (Index("ix_initiatives_browse", "status", "osiedle"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    resident_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("residents.id", ondelete="SET NULL")
    )
    title: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text)
    osiedle: Mapped[str | None] = mapped_column(String(96))  # None: city-wide
    category: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(24), default="awaiting_moderation")
    moderation_note: Mapped[str | None] = mapped_column(Text)
    supports: Mapped[int] = mapped_column(Integer, default=0)
    threshold_notified: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    moderated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class InitiativeSupport(Base):
    """One resident's support of one initiative (the primary key allows exactly one)."""

    __tablename__ = "initiative_supports"

    initiative_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("initiatives.id", ondelete="CASCADE"), primary_key=True
    )
    resident_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("residents.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class OutboxMessage(Base):
    """A message waiting to be delivered to a resident (status pushes now; broadcasts later).

    Written in the same transaction as the change it reports, so a notification is never lost and
    never sent for a change that rolled back; a dispatcher in the bot process delivers it.
    """

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_pending", "sent_at", "not_before"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    resident_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("residents.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    buttons: Mapped[list[Any] | None] = mapped_column(JSON)
    silent: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    not_before: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(255))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # What the message is about ("booking:12"), so a cancelled visit can withdraw its reminders.
    ref: Mapped[str | None] = mapped_column(String(64), index=True)
    broadcast_id: Mapped[int | None] = mapped_column(BigInteger, index=True)


class Booking(Base):
    """A city-hall visit: one desk of one office for one matter at one time.

    The partial unique index is the last word on double booking: two residents racing for the last
    desk both try INSERT ... ON CONFLICT DO NOTHING and exactly one row results, on either database.
    """

    __tablename__ = "bookings"
    __table_args__ = (
        Index(
            "uq_bookings_active_slot",
            "office",
            "matter",
            "desk",
            "starts_at",
            unique=True,
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
        Index("ix_bookings_day", "office", "matter", "day", "status"),
        Index("ix_bookings_resident", "resident_id", "status", "starts_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(6), unique=True)
    resident_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("residents.id", ondelete="SET NULL")
    )
    office: Mapped[str] = mapped_column(String(32))
    matter: Mapped[str] = mapped_column(String(40))
    desk: Mapped[int] = mapped_column(Integer)
    day: Mapped[date] = mapped_column(Date)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default="active")  # active, cancelled, moved
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class WasteDeclaration(Base):
    """A prepared waste-fee declaration (DEK-ZAM data) with the fee computed, kept for staff.

    PESEL is personal data: it is shown masked everywhere except the resident's own PDF.
    """

    __tablename__ = "waste_declarations"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    resident_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("residents.id", ondelete="SET NULL"), index=True
    )
    reason: Mapped[str] = mapped_column(String(16))  # first, change, correction
    applies_from: Mapped[date] = mapped_column(Date)
    filer_name: Mapped[str] = mapped_column(String(160))
    pesel: Mapped[str | None] = mapped_column(String(11))
    nip: Mapped[str | None] = mapped_column(String(10))
    phone: Mapped[str | None] = mapped_column(String(32))
    email: Mapped[str | None] = mapped_column(String(254))
    street: Mapped[str] = mapped_column(String(128))
    house_number: Mapped[str] = mapped_column(String(16))
    flat_number: Mapped[str | None] = mapped_column(String(16))
    building_type: Mapped[str] = mapped_column(String(24))  # single_family, multi_small, multi_large
    residents: Mapped[int] = mapped_column(Integer)
    composting: Mapped[bool] = mapped_column(default=False)
    large_family: Mapped[bool] = mapped_column(default=False)
    monthly_fee: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    rate_valid_from: Mapped[date] = mapped_column(Date)
    deadline: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Subscription(Base):
    """A resident's wish to receive one alert topic, optionally only for one osiedle."""

    __tablename__ = "subscriptions"
    __table_args__ = (Index("ix_subscriptions_topic", "topic", "osiedle"),)

    resident_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("residents.id", ondelete="CASCADE"), primary_key=True
    )
    topic: Mapped[str] = mapped_column(String(32), primary_key=True)
    osiedle: Mapped[str | None] = mapped_column(String(96))  # None: the whole city
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ConsentEntry(Base):
    """Every opt-in and opt-out with its time and channel: what a city must be able to show.

    After an erasure (/forget) the resident's entries are gone and one entry without a resident
    (action "erased") remains: proof that an erasure happened, without saying whose.
    """

    __tablename__ = "consent_ledger"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    resident_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("residents.id", ondelete="SET NULL"), index=True
    )
    topic: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(16))  # opt_in, opt_out, erased
    channel: Mapped[str] = mapped_column(String(16))  # telegram, shell, staff, system
    osiedle: Mapped[str | None] = mapped_column(String(96))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AlertPreferences(Base):
    """How a resident wants alerts: quiet hours on Poznań's clock and silent delivery."""

    __tablename__ = "alert_preferences"

    resident_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("residents.id", ondelete="CASCADE"), primary_key=True
    )
    quiet_from: Mapped[str] = mapped_column(String(5), default="22:00")
    quiet_to: Mapped[str] = mapped_column(String(5), default="07:00")
    silent: Mapped[bool] = mapped_column(default=False)
    unreachable_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Alert(Base):
    """An item from a feed or from staff: a weather warning, road works, an announcement.

    (source, external_id) identifies it across polls, so a warning is sent once and then only
    updated or withdrawn; `fingerprint` changes when the level or validity changes.
    """

    __tablename__ = "alerts"
    __table_args__ = (
        Index("uq_alerts_source_external", "source", "external_id", unique=True),
        Index("ix_alerts_active", "status", "valid_to"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(24))  # imgw, roadworks, staff
    external_id: Mapped[str] = mapped_column(String(128))
    topic: Mapped[str] = mapped_column(String(32))
    level: Mapped[int | None] = mapped_column(Integer)
    title_pl: Mapped[str] = mapped_column(String(255))
    title_en: Mapped[str] = mapped_column(String(255))
    body_pl: Mapped[str] = mapped_column(Text)
    body_en: Mapped[str] = mapped_column(Text)
    osiedla: Mapped[list[str] | None] = mapped_column(JSON)  # None: the whole city
    valid_from: Mapped[datetime | None] = mapped_column(UTCDateTime)
    valid_to: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default="active")  # active, withdrawn, expired
    fingerprint: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Broadcast(Base):
    """One message to all subscribers of a topic (and osiedla): its outbox rows carry its id."""

    __tablename__ = "broadcasts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    alert_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("alerts.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(16))  # new, update, withdrawn, announcement
    topic: Mapped[str] = mapped_column(String(32))
    osiedla: Mapped[list[str] | None] = mapped_column(JSON)
    text_pl: Mapped[str] = mapped_column(Text)
    text_en: Mapped[str] = mapped_column(Text)
    urgent: Mapped[bool] = mapped_column(default=False)  # ignores quiet hours (weather level 2-3)
    send_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set in the transaction that writes its outbox rows: a broadcast is expanded exactly once.
    expanded_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    queued: Mapped[int] = mapped_column(Integer, default=0)
    sent: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    unreachable: Mapped[int] = mapped_column(Integer, default=0)


class StaffUser(Base):
    """A city employee who signs in to the web panel; the password is stored only as an argon2 hash."""

    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default="agent")  # agent | moderator | admin
    display_name: Mapped[str | None] = mapped_column(String(128))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class StaffSession(Base):
    """A signed-in browser: the cookie carries a random token, the table keeps only its SHA-256,
    so a leaked database cannot be replayed; logout and expiry delete the row (any process sees it)."""

    __tablename__ = "staff_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    staff_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("staff_users.id", ondelete="CASCADE"), index=True
    )
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class StaffLoginAttempt(Base):
    """Failed sign-ins per e-mail and address, for throttling shared by every web process."""

    __tablename__ = "staff_login_attempts"
    __table_args__ = (Index("ix_staff_login_attempts_key_at", "key", "at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(320))  # "email:..." or "ip:..."
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class HandoffCase(Base):
    """A resident talking to city staff through a topic of the staff supergroup.

    The partial unique index keeps one open case per resident, whichever process opens it.
    """

    __tablename__ = "handoff_cases"
    __table_args__ = (
        Index(
            "uq_handoff_cases_open",
            "resident_id",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
        Index("ix_handoff_cases_topic", "chat_id", "thread_id"),
        Index("ix_handoff_cases_status", "status", "last_activity_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    # None once anonymised: after an erasure, or a year after closing (bot/domain/retention.py).
    resident_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("residents.id", ondelete="SET NULL")
    )
    chat_id: Mapped[int] = mapped_column(BigInteger)  # the staff supergroup
    thread_id: Mapped[int | None] = mapped_column(BigInteger)  # its forum topic, once created
    status: Mapped[str] = mapped_column(String(8), default="open")  # open, closed
    reason: Mapped[str] = mapped_column(String(16))  # asked, misses
    flow: Mapped[str | None] = mapped_column(String(40))  # what the resident was filling in
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_activity_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by: Mapped[str | None] = mapped_column(String(64))  # telegram-staff:ID, resident, idle, blocked
    rating: Mapped[int | None] = mapped_column(Integer)  # 1-5, asked after staff close the case


class MessageLogEntry(Base):
    """A resident's recent messages and the bot's answers, text only and capped, so staff taking
    over a conversation see its last lines. Deleted after RETENTION_MESSAGE_LOG_DAYS."""

    __tablename__ = "message_log"
    __table_args__ = (Index("ix_message_log_resident", "resident_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    resident_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("residents.id", ondelete="CASCADE"))
    direction: Mapped[str] = mapped_column(String(3))  # in, out
    text: Mapped[str] = mapped_column(String(500))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class InboxUpdate(Base):
    """A webhook update stored before Telegram is told "ok", until a process has handled it
    (bot/web/webhook_inbox.py: several processes on PostgreSQL, each resident's updates in order)."""

    __tablename__ = "webhook_inbox"
    __table_args__ = (Index("ix_webhook_inbox_chat_key_update_id", "chat_key", "update_id"),)

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    chat_key: Mapped[int] = mapped_column(BigInteger)
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # Kept for an hour after handling, so a copy Telegram sends again is recognised and dropped.
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
