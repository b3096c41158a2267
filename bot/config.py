"""Settings from environment variables and an optional `.env`; every one has an embedded default.

A wrong value must stop start-up with one line naming the variable and what it accepts, so
`load_settings()` turns pydantic's validation errors into a `ConfigError` with that line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
VAR_DIR = PROJECT_ROOT / "var"

LANGUAGES = ("pl", "en")


class ConfigError(Exception):
    """A setting has a value the bot cannot use; the message is one line for the operator."""


class Settings(BaseSettings):
    """Everything an operator can set. Field names map to upper-case environment variables."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    telegram_bot_token: str | None = Field(default=None, description="bot token from @BotFather")
    telegram_api_url: str = Field(
        default="https://api.telegram.org/bot", description="Bot API base URL (token is appended)"
    )
    telegram_file_url: str = Field(
        default="https://api.telegram.org/file/bot", description="Bot API file base URL"
    )
    telegram_max_rate: float = Field(
        default=30.0, ge=0, le=10_000, description="replies per second for the whole bot (0: no cap)"
    )
    telegram_concurrency: int = Field(
        default=16, ge=1, le=1024, description="updates handled at once per process (1 to 1024)"
    )
    telegram_poll_interval: float = Field(
        default=0.01, ge=0, le=10, description="seconds between long-polling requests (0 to 10)"
    )
    public_url: str | None = Field(default=None, description="https URL Telegram calls; enables webhook mode")
    webhook_secret: str | None = Field(
        default=None, description="secret Telegram sends with each webhook call"
    )
    web_host: str = Field(default="127.0.0.1", description="address the HTTP server binds")
    web_port: int = Field(default=8080, ge=0, le=65535, description="port of the HTTP server")

    database_url: str = Field(
        default=f"sqlite+aiosqlite:///{VAR_DIR / 'citybot.sqlite3'}",
        description="sqlite+aiosqlite:///PATH or postgresql+asyncpg://USER@HOST:PORT/DB",
    )
    database_pool_size: int = Field(
        default=10, ge=1, le=200, description="PostgreSQL connections per process"
    )

    nlu_backend: Literal["embedded", "rasa", "none"] = Field(
        default="embedded", description="embedded, rasa or none"
    )
    nlu_model_path: Path = Field(default=VAR_DIR / "nlu" / "model.npz", description="embedded model file")
    rasa_url: str | None = Field(default=None, description="Rasa server URL, e.g. http://localhost:5005")
    rasa_token: str | None = Field(default=None, description="Rasa server token")
    nlu_confidence_threshold: float = Field(default=0.55, ge=0.0, le=1.0, description="a number from 0 to 1")

    default_language: Literal["pl", "en"] = Field(default="pl", description="pl or en")
    timezone: str = Field(default="Europe/Warsaw", description="an IANA time zone such as Europe/Warsaw")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        default="INFO", description="DEBUG, INFO, WARNING or ERROR"
    )
    max_text_length: int = Field(default=4096, ge=64, le=100_000, description="longest message the bot reads")
    initiative_support_threshold: int = Field(
        default=10, ge=1, le=100_000, description="supports after which an initiative's author is told"
    )
    report_max_photos: int = Field(default=5, ge=0, le=10, description="photos per report (0 to 10)")
    city_boundary_file: Path | None = Field(
        default=None, description="a GeoJSON Polygon of the city boundary (default: the shipped outline)"
    )
    dispatch_interval: float = Field(
        default=2.0, gt=0, le=3600, description="seconds between outbox deliveries (above 0)"
    )
    outbox_lease_seconds: float = Field(
        default=60.0, gt=0, le=3600, description="seconds a dispatcher keeps claimed messages (above 0)"
    )
    feeds_enabled: bool = Field(default=True, description="true or false: poll the IMGW and road-works feeds")
    imgw_url: str = Field(
        default="https://danepubliczne.imgw.pl/api/data/warningsmeteo",
        description="IMGW warnings API URL (empty disables the feed)",
    )
    imgw_include_county: bool = Field(
        default=False, description="true or false: also the county around Poznań"
    )
    imgw_interval: float = Field(default=300.0, gt=0, description="seconds between IMGW polls (above 0)")
    roadworks_url: str | None = Field(default=None, description="GeoJSON or RSS/Atom URL of road works")
    roadworks_interval: float = Field(default=900.0, gt=0, description="seconds between road-works polls")
    feed_timeout: float = Field(default=10.0, gt=0, le=120, description="seconds a feed request may take")
    media_dir: Path = Field(default=VAR_DIR / "media", description="directory for downloaded photos")

    # Staff panel and Open311 (bot/web)
    open311_api_keys: str = Field(
        default="", description="comma-separated API keys allowed to POST Open311 requests"
    )
    open311_jurisdiction: str = Field(default="poznan.pl", description="Open311 jurisdiction_id")
    panel_session_hours: float = Field(
        default=8.0, gt=0, le=24 * 30, description="hours a staff panel sign-in lasts (above 0)"
    )
    panel_cookie_secure: bool = Field(
        default=False, description="true behind HTTPS: the panel cookie is sent only over HTTPS"
    )
    panel_login_attempts: int = Field(
        default=5, ge=1, le=1000, description="failed sign-ins per e-mail or address in 15 minutes"
    )

    # Talking to a person (handlers/handoff.py, bot/channels/telegram_staff.py)
    staff_chat_id: int | None = Field(
        default=None, description="id of the staff supergroup with topics, e.g. -1001234567890 (unset: off)"
    )
    staff_user_ids: str = Field(
        default="", description="comma-separated Telegram user ids allowed as staff even outside the group"
    )
    staff_hours: str = Field(
        default="Mon-Fri 08:00-16:00",
        description='when staff answer, on Poznań\'s clock, e.g. "Mon-Fri 08:00-16:00; Sat 09:00-12:00"',
    )
    handoff_expected_reply: str = Field(
        default="opening",
        description='"opening" (the next staff hours) or a number of hours promised outside staff hours',
    )
    handoff_idle_minutes: int = Field(
        default=60,
        ge=1,
        le=7 * 24 * 60,
        description="minutes of silence after which a resident is back with the bot (1 to 10080)",
    )
    staff_show_names: bool = Field(
        default=False, description="true or false: residents see the staff member's first name"
    )

    # Flood throttling per resident (bot/conversation/throttle.py), counted in each process
    throttle_messages: int = Field(
        default=20,
        ge=0,
        le=100_000,
        description="messages one resident may send per THROTTLE_SECONDS before being asked to slow "
        "down (0: no throttling)",
    )
    throttle_seconds: float = Field(
        default=60.0, gt=0, le=86_400, description="length of the throttling window in seconds (above 0)"
    )

    # Privacy: retention periods (bot/domain/retention.py, run hourly by the scheduler), the data
    # protection officer named in /privacy, and whether logs may carry what residents write.
    retention_conversation_days: int = Field(
        default=90, ge=1, le=3650, description="days an idle conversation state is kept (1 to 3650)"
    )
    retention_message_log_days: int = Field(
        default=30, ge=1, le=3650, description="days the message log (what staff see on handoff) is kept"
    )
    retention_handoff_days: int = Field(
        default=365, ge=1, le=3650, description="days after closing before a handoff case is anonymised"
    )
    retention_outbox_days: int = Field(
        default=30, ge=1, le=3650, description="days delivered notifications are kept (1 to 3650)"
    )
    retention_login_attempts_days: int = Field(
        default=1, ge=1, le=365, description="days failed staff sign-ins are kept (1 to 365)"
    )
    retention_audit_days: int = Field(
        default=1825, ge=0, le=36500, description="days the audit trail is kept (0: for ever)"
    )
    privacy_contact: str = Field(
        default="iod@um.poznan.pl",
        description="the data protection officer's contact shown in /privacy (to be confirmed by the city)",
    )
    log_message_text: bool = Field(
        default=False, description="true or false: let logs carry message text (debugging only)"
    )

    # Scheduler leadership and metrics (several processes on PostgreSQL)
    leader_check_seconds: float = Field(
        default=5.0, gt=0, le=600, description="seconds between leadership checks (above 0)"
    )

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError("an IANA time zone such as Europe/Warsaw") from exc
        return value

    @field_validator("database_url")
    @classmethod
    def _supported_database(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("sqlite+aiosqlite:///PATH or postgresql+asyncpg://USER@HOST:PORT/DB")
        return value

    @field_validator("staff_user_ids")
    @classmethod
    def _user_id_list(cls, value: str) -> str:
        if any(not part.strip().isdigit() for part in value.split(",") if part.strip()):
            raise ValueError("comma-separated Telegram user ids, e.g. 1001,1002")
        return value

    @field_validator("staff_hours")
    @classmethod
    def _staff_hours(cls, value: str) -> str:
        from bot.domain.staff_hours import parse_hours

        parse_hours(value)  # raises ValueError with what it accepts
        return value

    @field_validator("handoff_expected_reply")
    @classmethod
    def _expected_reply(cls, value: str) -> str:
        value = value.strip().lower()
        if value != "opening" and not (value.isdigit() and 0 < int(value) <= 24 * 14):
            raise ValueError('"opening" or a number of hours from 1 to 336')
        return value

    @field_validator("public_url", "rasa_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("an http:// or https:// URL")
        return value.rstrip("/") if value else value

    @model_validator(mode="after")
    def _rasa_needs_url(self) -> Settings:
        if self.nlu_backend == "rasa" and not self.rasa_url:
            raise ValueError("RASA_URL is required when NLU_BACKEND=rasa")
        return self

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def staff_ids(self) -> frozenset[int]:
        """STAFF_USER_IDS as numbers."""
        return frozenset(int(part) for part in self.staff_user_ids.split(",") if part.strip())

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def _describe(error: dict) -> str:
    """One line: VARIABLE=value is not accepted; expected <what the field accepts>."""
    if not error.get("loc"):  # a rule across several settings
        return f"invalid settings: {error.get('ctx', {}).get('error', error.get('msg'))}"
    name = str(error["loc"][0])
    field = Settings.model_fields.get(name)
    accepted = (field.description if field and field.description else "") or error.get("msg", "")
    if error.get("type") == "value_error":
        accepted = str(error.get("ctx", {}).get("error", accepted))
    given = error.get("input")
    return f"invalid setting {name.upper()}={given!r}: expected {accepted}"


def load_settings(**overrides: object) -> Settings:
    """Read the environment (and `.env`); raise ConfigError with one readable line on a wrong value."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        raise ConfigError(_describe(exc.errors()[0])) from None
