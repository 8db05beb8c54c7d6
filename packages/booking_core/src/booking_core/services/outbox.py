"""The transactional outbox: an appointment change queues its messages in its own transaction.

A booking that commits always has its messages queued; one that rolls back has none. Sending is
the dispatcher's job (``booking_core.notify``). Messages never carry treatment notes.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Literal

from booking_core.domain.model import Appointment, ResourceKind
from booking_core.services.tokens import MANAGE_LINK
from booking_core.services.unit_of_work import Transaction
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

_CLIENT_HEADLINE = {
    "created": "Your appointment is booked",
    "cancelled": "Your appointment is cancelled",
    "rescheduled": "Your appointment has moved",
}
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


def _first_name(appointment: Appointment) -> str:
    parts = appointment.client.name.split()
    return parts[0] if parts else ""


def visit_text(appointment: Appointment, settings: BookingSettings) -> str:
    """'Botox with Dr. Maya Patel' or, for a visit of several parts, each part with its time
    ('Botox with Dr. Maya Patel at 10:00 AM, then HydraFacial with Ashley Chen at 10:30 AM in
    Treatment Room 1'); rooms are named, devices are not (the client needs to find the room)."""
    if not appointment.parts:  # read without its parts
        return f"{appointment.service_name} with {appointment.provider_name}"
    texts = []
    for part in appointment.parts:
        text = f"{part.service_name} with {part.provider_name}"
        if len(appointment.parts) > 1:
            local = part.start.astimezone(settings.tz)
            text += f" at {local.hour % 12 or 12}:{local.minute:02d} "
            text += "AM" if local.hour < 12 else "PM"
        rooms = [r.name for r in part.resources if r.kind is ResourceKind.ROOM]
        if rooms:
            text += " in " + " and ".join(rooms)
        texts.append(text)
    return ", then ".join(texts)


def _client_text(
    change: str, appointment: Appointment, settings: BookingSettings, sent_at: datetime
) -> str:
    """The client's text. One sent inside the change cutoff (a booking made late, a reminder
    that goes out within it) offers the link to view the appointment and the phone to change
    it: online changes are closed by then."""
    when = when_text(appointment.start, settings)
    who = visit_text(appointment, settings)
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
    if change == "cancelled":
        return text + f" Questions? Call {settings.business_phone}."
    # The link is rendered when the message is sent: no token is stored in its text.
    if appointment.start - sent_at <= timedelta(hours=settings.change_cutoff_hours):
        return (
            text + f" View it: {MANAGE_LINK} To change or cancel it now, please call "
            f"{settings.business_phone}."
        )
    return text + f" View, move or cancel: {MANAGE_LINK} Questions? Call {settings.business_phone}."


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
        f"[{settings.business_name}] {_OWNER_HEADLINE[change]}: "
        f"{visit_text(appointment, settings)}, {when}. Client: {appointment.client.name} "
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


def owner_messages(
    settings: BookingSettings, kind: str, headline: str, text: str, now: datetime
) -> list[dict[str, Any]]:
    """The owner's SMS and e-mail (to whichever contacts are set) about something that is not
    an appointment (a callback request)."""
    rows: list[dict[str, Any]] = []
    subject = f"{headline}: {settings.business_name}"
    for channel, recipient in (("sms", settings.owner_phone), ("email", settings.owner_email)):
        if recipient:
            rows.append(
                {
                    "appointment_id": None,
                    "kind": kind,
                    "channel": channel,
                    "recipient": recipient,
                    "subject": subject if channel == "email" else "",
                    "body": text,
                    "status": "pending",
                    "due_at": now,
                    "created_at": now,
                }
            )
    return rows


def queue_for_change(
    tx: Transaction,
    settings: BookingSettings,
    now: datetime,
    change: Change,
    appointment: Appointment,
    previous_start: datetime | None = None,
) -> None:
    """Queue the client's text, the owner's notice and (re)schedule the reminder.
    ``previous_start``: where a rescheduled appointment was."""
    rows: list[dict[str, Any]] = []
    _add(
        rows,
        appointment,
        CLIENT_KIND[change],
        "sms",
        appointment.client.phone,
        _client_text(change, appointment, settings, now),
        now,
        now,
    )
    if appointment.client.email:
        # The same message by e-mail when the client gave an address.
        _add(
            rows,
            appointment,
            CLIENT_KIND[change],
            "email",
            appointment.client.email,
            _client_text(change, appointment, settings, now),
            now,
            now,
            subject=f"{_CLIENT_HEADLINE[change]}: {settings.business_name}, "
            f"{when_text(appointment.start, settings)}",
        )
    owner_text = _owner_text(change, appointment, settings, previous_start)
    services = " + ".join(p.service_name for p in appointment.parts) or appointment.service_name
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
                f"{_OWNER_HEADLINE[change]}: {services}, {when_text(appointment.start, settings)}"
            ),
        )
    if change != "created":
        # The old reminder goes with the old time (or with the cancelled appointment).
        tx.outbox.cancel_pending(appointment.id, REMINDER, f"appointment {change}")
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
                _client_text("reminder", appointment, settings, due),
                due,
                now,
            )
    tx.outbox.add(rows)
