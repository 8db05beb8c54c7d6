"""The transactional outbox: an appointment change queues its messages in its own transaction.

A booking that commits always has its messages queued; one that rolls back has none. Sending is
the dispatcher's job (``booking_core.notify``).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

import sqlalchemy as sa

from booking_core.adapters import tables as t
from booking_core.adapters.repository import Repository
from booking_core.domain.model import Appointment
from booking_core.settings import BookingSettings

Change = Literal["created", "cancelled", "rescheduled"]

CLIENT_KIND: dict[str, str] = {
    "created": "client_confirmation",
    "cancelled": "client_cancellation",
    "rescheduled": "client_reschedule",
}
REMINDER = "client_reminder"
OWNER = "owner_notification"


def when_text(instant: datetime, settings: BookingSettings) -> str:
    """'Tue, Dec 1 at 2:30 PM CST' in the business time zone, whatever the server's zone."""
    local = instant.astimezone(settings.tz)
    hour = local.strftime("%I").lstrip("0")
    return f"{local:%a, %b} {local.day} at {hour}:{local:%M %p} {local.tzname()}"


def manage_link(settings: BookingSettings, appointment_id: str, token: str) -> str:
    return f"{settings.public_base_url.rstrip('/')}/booking/{appointment_id}#token={token}"


def _client_text(
    change: str, appointment: Appointment, settings: BookingSettings, token: str | None
) -> str:
    when = when_text(appointment.start, settings)
    who = f"{appointment.service_name} with {appointment.provider_name}"
    first = appointment.client.name.split()[0] if appointment.client.name.split() else ""
    greeting = f"Hi {first}, " if first else ""
    if change == "created":
        text = f"{greeting}your {who} at {settings.business_name} is booked for {when}."
    elif change == "rescheduled":
        text = f"{greeting}your {who} at {settings.business_name} has moved to {when}."
    elif change == "cancelled":
        text = f"{greeting}your {who} at {settings.business_name} on {when} is cancelled."
    else:  # reminder
        text = f"Reminder: {who} at {settings.business_name} on {when}."
    if change != "cancelled" and token:
        text += f" Manage it: {manage_link(settings, appointment.id, token)}"
    return text + f" Questions? Call {settings.business_phone}."


def _owner_text(change: str, appointment: Appointment, settings: BookingSettings) -> str:
    when = when_text(appointment.start, settings)
    return (
        f"[{settings.business_name}] {change.capitalize()}: {appointment.service_name} with "
        f"{appointment.provider_name}, {when}, client {appointment.client.name} "
        f"({appointment.source.value})."
    )


def _add(
    repo: Repository,
    appointment: Appointment,
    kind: str,
    channel: str,
    recipient: str,
    body: str,
    due: datetime,
    now: datetime,
    subject: str = "",
) -> None:
    repo.connection.execute(
        sa.insert(t.notifications).values(
            appointment_id=appointment.id,
            kind=kind,
            channel=channel,
            recipient=recipient,
            subject=subject,
            body=body,
            status="pending",
            due_at=due,
            created_at=now,
        )
    )


def queue_for_change(
    repo: Repository,
    settings: BookingSettings,
    now: datetime,
    change: Change,
    appointment: Appointment,
    manage_token: str | None,
) -> None:
    """Queue the client's text, the owner's notice and (re)schedule the reminder."""
    _add(
        repo,
        appointment,
        CLIENT_KIND[change],
        "sms",
        appointment.client.phone,
        _client_text(change, appointment, settings, manage_token),
        now,
        now,
    )
    owner_text = _owner_text(change, appointment, settings)
    if settings.owner_phone:
        _add(repo, appointment, OWNER, "sms", settings.owner_phone, owner_text, now, now)
    if settings.owner_email:
        _add(
            repo,
            appointment,
            OWNER,
            "email",
            settings.owner_email,
            owner_text,
            now,
            now,
            subject=f"Booking {change}: {appointment.service_name}",
        )
    if change != "created":
        # The old reminder goes with the old time (or with the cancelled appointment).
        repo.connection.execute(
            sa.update(t.notifications)
            .where(
                t.notifications.c.appointment_id == appointment.id,
                t.notifications.c.kind == REMINDER,
                t.notifications.c.status == "pending",
            )
            .values(status="cancelled")
        )
    if change != "cancelled" and settings.reminder_hours > 0:
        due = appointment.start - timedelta(hours=settings.reminder_hours)
        if due > now:
            _add(
                repo,
                appointment,
                REMINDER,
                "sms",
                appointment.client.phone,
                _client_text("reminder", appointment, settings, manage_token),
                due,
                now,
            )
