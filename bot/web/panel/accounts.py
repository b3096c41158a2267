"""Staff accounts, sign-in sessions and login throttling: the panel's rules without HTTP.

Kept free of aiohttp so `citybot staff add` and the tests use the same functions as the panel.
Passwords are kept only as argon2 hashes; session tokens only as their SHA-256.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import StaffLoginAttempt, StaffSession, StaffUser

ROLES = ("agent", "moderator", "admin")
RANK = {role: rank for rank, role in enumerate(ROLES)}
THROTTLE_WINDOW = timedelta(minutes=15)
MIN_PASSWORD = 10
MAX_PASSWORD = 1024  # argon2 hashes anything, but a megabyte "password" is a denial of service


class AccountError(ValueError):
    """An account operation the rules refuse; the message is for the operator."""


@dataclass(frozen=True, slots=True)
class Staff:
    """The signed-in staff member as a request sees them."""

    id: int
    email: str
    role: str
    display_name: str | None
    csrf_token: str
    token_hash: str

    @property
    def actor(self) -> str:
        """How the audit trail names this person."""
        return actor_for(self.email)

    def may(self, role: str) -> bool:
        return RANK[self.role] >= RANK[role]


@cache
def hasher() -> PasswordHasher:
    return PasswordHasher()


@cache
def _decoy_hash() -> str:
    """Verified against when the e-mail is unknown, so timing does not tell which accounts exist."""
    return hasher().hash(secrets.token_urlsafe(16))


def actor_for(email: str) -> str:
    return f"staff:{email}"[:64]


def normalise_email(email: str) -> str:
    return email.strip().lower()


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"the password must have at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise AccountError(f"the password must have at most {MAX_PASSWORD} characters")


async def add_staff(
    session: AsyncSession,
    email: str,
    password: str,
    role: str,
    *,
    now: datetime,
    display_name: str | None = None,
) -> StaffUser:
    email = normalise_email(email)
    if "@" not in email or len(email) > 254:
        raise AccountError(f"not an e-mail address: {email!r}")
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    check_password(password)
    if await session.scalar(select(StaffUser.id).where(StaffUser.email == email)) is not None:
        raise AccountError(f"{email} already has an account")
    user = StaffUser(
        email=email, password_hash=hasher().hash(password), role=role, display_name=display_name,
        active=True, created_at=now,
    )  # fmt: skip
    session.add(user)
    await session.flush()
    return user


async def all_staff(session: AsyncSession) -> list[StaffUser]:
    return list((await session.execute(select(StaffUser).order_by(StaffUser.email))).scalars())


async def disable_staff(session: AsyncSession, email: str) -> StaffUser:
    """Refuse further sign-ins and end the open sessions at once, in every process."""
    user = await session.scalar(select(StaffUser).where(StaffUser.email == normalise_email(email)))
    if user is None:
        raise AccountError(f"no staff account {normalise_email(email)}")
    user.active = False
    await session.execute(delete(StaffSession).where(StaffSession.staff_id == user.id))
    return user


async def authenticate(
    session: AsyncSession, email: str, password: str, *, now: datetime
) -> StaffUser | None:
    """The active account whose password this is, or None (same work done either way)."""
    user = await session.scalar(select(StaffUser).where(StaffUser.email == normalise_email(email)))
    stored = user.password_hash if user is not None and user.active else _decoy_hash()
    try:
        hasher().verify(stored, password[:MAX_PASSWORD])
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.active:
        return None
    if hasher().check_needs_rehash(user.password_hash):
        user.password_hash = hasher().hash(password)
    user.last_login_at = now
    return user


# -- throttling ------------------------------------------------------------------------------------


def throttle_keys(email: str, address: str | None) -> tuple[str, str]:
    return (f"email:{normalise_email(email)}"[:320], f"ip:{address or '?'}")


async def throttled(session: AsyncSession, keys: tuple[str, ...], limit: int, *, now: datetime) -> bool:
    """True when any key has `limit` failed sign-ins in the last 15 minutes."""
    query = (
        select(StaffLoginAttempt.key, func.count())
        .where(StaffLoginAttempt.key.in_(keys), StaffLoginAttempt.at > now - THROTTLE_WINDOW)
        .group_by(StaffLoginAttempt.key)
    )
    return any(count >= limit for _key, count in (await session.execute(query)).all())


async def record_failure(session: AsyncSession, keys: tuple[str, ...], *, now: datetime) -> None:
    await session.execute(delete(StaffLoginAttempt).where(StaffLoginAttempt.at <= now - THROTTLE_WINDOW))
    session.add_all(StaffLoginAttempt(key=key, at=now) for key in keys)
    await session.flush()


async def forget_failures(session: AsyncSession, key: str) -> None:
    """A successful sign-in clears its e-mail's count (not the address's: others may share it)."""
    await session.execute(delete(StaffLoginAttempt).where(StaffLoginAttempt.key == key))


# -- sessions ----------------------------------------------------------------------------------------


async def open_session(session: AsyncSession, user: StaffUser, *, hours: float, now: datetime) -> str:
    """A new sign-in: returns the cookie token; the table keeps only its hash."""
    await session.execute(delete(StaffSession).where(StaffSession.expires_at <= now))
    token = secrets.token_urlsafe(32)
    session.add(
        StaffSession(
            token_hash=hash_token(token), staff_id=user.id, csrf_token=secrets.token_urlsafe(32),
            created_at=now, expires_at=now + timedelta(hours=hours),
        )
    )  # fmt: skip
    await session.flush()
    return token


async def staff_for_token(session: AsyncSession, token: str, *, now: datetime) -> Staff | None:
    """The active staff member signed in with this cookie token, if the session has not expired."""
    token_hash = hash_token(token)
    row = (
        await session.execute(
            select(StaffSession, StaffUser)
            .join(StaffUser, StaffUser.id == StaffSession.staff_id)
            .where(StaffSession.token_hash == token_hash, StaffSession.expires_at > now, StaffUser.active)
        )
    ).first()
    if row is None:
        return None
    stored, user = row
    return Staff(user.id, user.email, user.role, user.display_name, stored.csrf_token, token_hash)


async def close_session(session: AsyncSession, token_hash: str) -> None:
    await session.execute(delete(StaffSession).where(StaffSession.token_hash == token_hash))
