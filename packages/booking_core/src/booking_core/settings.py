"""Business settings, read once from the environment (prefix ``BOOKING_``) by the entry point.

booking_core receives a ``BookingSettings`` object; it never reads the environment mid-operation.
"""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import platformdirs
from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

APP_NAME = "hello-gorgeous-booking"


def default_database_path() -> Path:
    """The embedded database file: one per user, so every process on the machine finds it."""
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / "booking.db"


def default_database_url() -> str:
    return f"sqlite:///{default_database_path()}"


class BookingSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BOOKING_", extra="ignore")

    timezone: str = "America/Chicago"
    business_name: str = "Hello Gorgeous Med Spa"
    business_phone: str = "+1 (312) 555-0142"
    slot_step_minutes: int = Field(default=15, ge=5, le=240)
    min_notice_minutes: int = Field(default=60, ge=0)
    horizon_days: int = Field(default=90, ge=1, le=730)
    change_cutoff_hours: int = Field(default=24, ge=0)
    max_future_bookings_per_phone: int = Field(default=3, ge=0)
    database_url: str = Field(default_factory=default_database_url)
    # PostgreSQL connections for all server processes together (each process's pool gets its
    # share: `booking serve --workers N` sets BOOKING_WORKERS); keep it under the server's
    # max_connections (100 by default).
    db_max_connections: int = Field(default=80, ge=2)
    workers: int = Field(default=1, ge=1)
    # How long a process may reuse an availability answer at most (0: never). It is reused only
    # while no booking or schedule change has committed since (services/schedule_cache.py).
    availability_cache_seconds: int = Field(default=30, ge=0, le=3600)

    # Entry-point settings (read by http_api / ai_tools, kept here so there is one settings object).
    rate_limit_per_minute: int = Field(default=30, ge=0)
    # The largest request body read (JSON; MCP messages too); bigger is 413 before reading.
    max_body_bytes: int = Field(default=64 * 1024, ge=0)
    admin_token: str | None = None
    # Server secret for derived tokens (booking_core.secret_key); required on PostgreSQL.
    secret_key: str | None = None
    ai_token: str | None = None
    caller_header: str = "X-Caller-Number"
    allowed_hosts: str = ""
    # Sites (comma-separated origins, e.g. https://hellogorgeous.example) that may frame the
    # client pages and call the public API from a browser; empty: none.
    embed_origins: str = ""
    # The AI receptionist: one-time codes for callers whose number is not vouched for, calls
    # per minute per caller (0: no limit), and where a voice platform transfers a caller.
    verification_code_minutes: int = Field(default=10, ge=1, le=60)
    # The waitlist: how many entries one freed time is offered to at once, when no offer is
    # texted (local "HH:MM-HH:MM", empty for none), and how long an offer stays open.
    waitlist_offers_per_slot: int = Field(default=5, ge=1, le=50)
    waitlist_quiet_hours: str = "21:00-08:00"
    waitlist_offer_minutes: int = Field(default=30, ge=1, le=24 * 60)
    ai_calls_per_minute: int = Field(default=60, ge=0)
    transfer_number: str | None = None

    # Notifications (outbox).
    reminder_hours: int = Field(default=24, ge=0)
    public_base_url: str = "http://127.0.0.1:8000"
    sms_sender: str = "log"
    outbox_file: str | None = None
    twilio_account_sid: str | None = None
    twilio_auth_token: str | None = None
    twilio_from: str | None = None
    twilio_base_url: str = "https://api.twilio.com"
    owner_phone: str | None = None
    owner_email: str | None = None
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_from: str | None = None
    notify_max_attempts: int = Field(default=5, ge=1)
    # Dispatcher tuning (booking_core.notify): a claim older than the timeout is taken over, so
    # it must comfortably exceed the send timeout.
    notify_claim_timeout_seconds: float = Field(default=300, ge=1)
    notify_send_timeout_seconds: float = Field(default=10, gt=0)
    notify_retry_base_seconds: float = Field(default=60, ge=0)
    notify_poll_seconds: float = Field(default=5, gt=0)
    notify_batch_size: int = Field(default=10, ge=1, le=500)
    notify_background: bool = True

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")
