"""The transactional outbox: an appointment change queues its messages in its own transaction.

A booking that commits always has its messages queued; one that rolls back has none. Sending is
the dispatcher's job (``booking_core.notify``). Messages never carry treatment notes.
"""

from __future__ import annotations

import hmac
from datetime import datetime, timedelta
from typing import Any, Literal

import sqlalchemy as sa

from booking_core.adapters import tables as t
from booking_core.adapters.repository import Repository
from booking_core.domain.model import Appointment, EventKind
from booking_core.services.requests import hash_secret
from booking_core.settings import BookingSettings

Change = Literal["created", "cancelled", "rescheduled"]

CLIENT_KIND: dict[str, str] = {
    "created": "client_confirmation",
    "cancelled": "client_cancellation",
    "rescheduled": "client_reschedule",
}
REMINDER = "client_reminder"
OWNER = "owner_notification"
CLIENT_KINDS = (*CLIENT_KIND.values(), REMINDER)

#: Outbox row statuses (the table's check constraint holds the same list).
STATUSES = ("pending", "sending", "sent", "failed", "cancelled")

_OWNER_HEADLINE = {"created": "New booking", "cancelled": "Cancelled", "rescheduled": "Moved"}
# Fixed English names: strftime's %a/%b would follow whatever locale the process runs under.
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def when_text(instant: datetime, settings: BookingSettings) -> str:
    """'Tue, Dec 1 at 2:30 PM CST' in the business time zone, whatever the server's zone."""
    local = instant.astimezone(settings.tz)
    hour = local.hour % 12 or 12
    half = "AM" if local.hour < 12 else "PM"
    return (
        f"{_WEEKDAYS[local.weekday()]}, {_MONTHS[local.month - 1]} {local.day} "
        f"at {hour}:{local.minute:02d} {half} {local.tzname()}"
    )


def manage_link(settings: BookingSettings, appointment_id: str, token: str) -> str:
    return f"{settings.public_base_url.rstrip('/')}/booking/{appointment_id}#token={token}"


def _first_name(appointment: Appointment) -> str:
    parts = appointment.client.name.split()
    return parts[0] if parts else ""


def _client_text(
    change: str, appointment: Appointment, settings: BookingSettings, token: str | None
) -> str:
    when = when_text(appointment.start, settings)
    who = f"{appointment.service_name} with {appointment.provider_name}"
    first = _first_name(appointment)
    greeting = f"Hi {first}, " if first else ""
    if change == "created":
        text = f"{greeting}your {who} at {settings.business_name} is booked for {when}."
    elif change == "rescheduled":
        text = f"{greeting}your {who} at {settings.business_name} has moved to {when}."
    elif change == "cancelled":
        text = f"{greeting}your {who} at {settings.business_name} on {when} is cancelled."
    else:  # reminder
        text = f"{greeting}a reminder of your {who} at {settings.business_name} on {when}."
    if change != "cancelled" and token:
        text += f" View, move or cancel: {manage_link(settings, appointment.id, token)}"
    return text + f" Questions? Call {settings.business_phone}."


def _owner_text(
    change: str,
    appointment: Appointment,
    settings: BookingSettings,
    previous_start: datetime | None,
) -> str:
    when = when_text(appointment.start, settings)
    if change == "rescheduled" and previous_start is not None:
        when = f"{when} (was {when_text(previous_start, settings)})"
    return (
        f"[{settings.business_name}] {_OWNER_HEADLINE[change]}: {appointment.service_name} with "
        f"{appointment.provider_name}, {when}. Client: {appointment.client.name} "
        f"{appointment.client.phone}. Booked via {appointment.source.value}."
    )


def _add(
    rows: list[dict[str, Any]],
    appointment: Appointment,
    kind: str,
    channel: str,
    recipient: str,
    body: str,
    due: datetime,
    now: datetime,
    subject: str = "",
) -> None:
    rows.append(
        {
            "appointment_id": appointment.id,
            "kind": kind,
            "channel": channel,
            "recipient": recipient,
            "subject": subject,
            "body": body,
            "status": "pending",
            "due_at": due,
            "created_at": now,
        }
    )


def _known_manage_token(repo: Repository, appointment_id: str) -> str | None:
    """The client's manage token, recovered from a message already queued for this appointment.

    Only its hash is stored with the appointment, and a reschedule by the admin or the AI does not
    know it; the client's confirmation carried the link, so the moved reminder can carry it too.
    """
    n, a = t.notifications, t.appointments
    stored_hash = repo.connection.execute(
        sa.select(a.c.manage_token_hash).where(a.c.id == appointment_id)
    ).scalar_one_or_none()
    if not stored_hash:
        return None
    bodies = repo.connection.execute(
        sa.select(n.c.body)
        .where(n.c.appointment_id == appointment_id, n.c.kind.in_(CLIENT_KINDS))
        .order_by(n.c.id.desc())
    ).scalars()
    marker = f"/booking/{appointment_id}#token="
    for body in bodies:
        if marker not in body:
            continue
        candidate: str = body.split(marker, 1)[1].split()[0]
        if hmac.compare_digest(hash_secret(candidate), stored_hash):
            return candidate
    return None


def _previous_start(repo: Repository, appointment_id: str) -> datetime | None:
    """Where a rescheduled appointment was (its history event is written just before this)."""
    e = t.appointment_events
    found: datetime | None = repo.connection.execute(
        sa.select(e.c.old_start)
        .where(e.c.appointment_id == appointment_id, e.c.kind == EventKind.RESCHEDULED.value)
        .order_by(e.c.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    return found


def queue_for_change(
    repo: Repository,
    settings: BookingSettings,
    now: datetime,
    change: Change,
    appointment: Appointment,
    manage_token: str | None,
) -> None:
    """Queue the client's text, the owner's notice and (re)schedule the reminder."""
    rows: list[dict[str, Any]] = []
    if manage_token is None and change == "rescheduled":
        manage_token = _known_manage_token(repo, appointment.id)
    _add(
        rows,
        appointment,
        CLIENT_KIND[change],
        "sms",
        appointment.client.phone,
        _client_text(change, appointment, settings, manage_token),
        now,
        now,
    )
    previous = _previous_start(repo, appointment.id) if change == "rescheduled" else None
    owner_text = _owner_text(change, appointment, settings, previous)
    if settings.owner_phone:
        _add(rows, appointment, OWNER, "sms", settings.owner_phone, owner_text, now, now)
    if settings.owner_email:
        _add(
            rows,
            appointment,
            OWNER,
            "email",
            settings.owner_email,
            owner_text,
            now,
            now,
            subject=(
                f"{_OWNER_HEADLINE[change]}: {appointment.service_name}, "
                f"{when_text(appointment.start, settings)}"
            ),
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
            .values(status="cancelled", last_error=f"appointment {change}")
        )
    if change != "cancelled" and settings.reminder_hours > 0:
        due = appointment.start - timedelta(hours=settings.reminder_hours)
        # No reminder for an appointment that starts sooner than the reminder would go out.
        if due > now:
            _add(
                rows,
                appointment,
                REMINDER,
                "sms",
                appointment.client.phone,
                _client_text("reminder", appointment, settings, manage_token),
                due,
                now,
            )
    if rows:
        repo.add_notifications(rows)
