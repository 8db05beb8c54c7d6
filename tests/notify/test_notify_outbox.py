"""The transactional outbox: what a booking change queues, in the booking's own transaction."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from booking_core import (
    Requester,
    SlotUnavailable,
    UnitOfWork,
    cancel_appointment,
    reschedule_appointment,
)
from booking_core.errors import ClientOverlap
from notify_fakes import BASE_URL, OWNER_EMAIL, OWNER_PHONE, book, outbox_rows


def kinds(rows: list) -> list[tuple[str, str, str]]:
    return [(r.kind, r.channel, r.status) for r in rows]


def test_committed_booking_queues_confirmation_owner_messages_and_reminder(nuow: UnitOfWork):
    result = book(nuow, "2026-12-01T14:30", notes="Allergic to lidocaine; left brow heavier")
    rows = outbox_rows(nuow)
    assert kinds(rows) == [
        ("client_confirmation", "sms", "pending"),
        ("owner_notification", "sms", "pending"),
        ("owner_notification", "email", "pending"),
        ("client_reminder", "sms", "pending"),
    ]
    confirmation, owner_sms, owner_email, reminder = rows
    appointment = result.appointment
    link = f"{BASE_URL}/booking/{appointment.id}#token={result.manage_token}"

    assert confirmation.recipient == "+13125550100"
    assert confirmation.due_at == nuow.now()
    assert confirmation.body == (
        "Hi Jane, your Botox with Dr. Maya Patel at Hello Gorgeous Med Spa is booked for "
        f"Tue, Dec 1 at 2:30 PM CST. View, move or cancel: {link} "
        "Questions? Call +1 (312) 555-0142."
    )
    assert owner_sms.recipient == OWNER_PHONE
    assert owner_email.recipient == OWNER_EMAIL
    assert owner_email.subject == "New booking: Botox, Tue, Dec 1 at 2:30 PM CST"
    assert "Jane Doe +13125550100" in owner_sms.body
    assert "Tue, Dec 1 at 2:30 PM CST" in owner_sms.body
    # The reminder goes out 24 hours before, with the manage link too.
    assert reminder.due_at == appointment.start - timedelta(hours=24)
    assert "Tue, Dec 1 at 2:30 PM CST" in reminder.body and link in reminder.body
    # Treatment notes never leave in a message.
    for row in rows:
        assert "lidocaine" not in row.body and "brow" not in row.body
        assert appointment.id == row.appointment_id


def test_booking_that_fails_with_409_queues_nothing(nuow: UnitOfWork):
    book(nuow, "2026-12-01T14:30")
    before = outbox_rows(nuow)
    with pytest.raises(SlotUnavailable):
        book(nuow, "2026-12-01T14:30", name="Other Client", phone="312-555-0101")
    with pytest.raises(ClientOverlap):
        book(nuow, "2026-12-01T14:30", provider_id=2)
    assert outbox_rows(nuow) == before


def test_no_owner_messages_without_owner_contacts(uow: UnitOfWork):
    book(uow, "2026-12-02T10:00")
    assert [r.kind for r in outbox_rows(uow)] == ["client_confirmation", "client_reminder"]


def test_no_reminder_when_the_appointment_starts_sooner_than_the_reminder(nuow: UnitOfWork):
    book(nuow, "2026-12-01T09:00")  # 21 hours away, reminders go 24 hours before
    assert "client_reminder" not in [r.kind for r in outbox_rows(nuow)]


def test_reschedule_moves_the_reminder(nuow: UnitOfWork):
    result = book(nuow, "2026-12-02T10:00")
    appointment = result.appointment
    moved = reschedule_appointment(
        nuow,
        appointment_id=appointment.id,
        new_start="2026-12-03T15:00",
        requester=Requester.web(result.manage_token),
    ).appointment
    reminders = outbox_rows(nuow, kind="client_reminder")
    assert [(r.status, r.due_at) for r in reminders] == [
        ("cancelled", appointment.start - timedelta(hours=24)),
        ("pending", moved.start - timedelta(hours=24)),
    ]
    link = f"{BASE_URL}/booking/{appointment.id}#token={result.manage_token}"
    assert "Thu, Dec 3 at 3:00 PM CST" in reminders[1].body and link in reminders[1].body

    (notice,) = outbox_rows(nuow, kind="client_reschedule")
    assert notice.body.startswith(
        "Hi Jane, your Botox with Dr. Maya Patel at Hello Gorgeous Med Spa has moved to "
        "Thu, Dec 3 at 3:00 PM CST."
    )
    assert link in notice.body
    owner = outbox_rows(nuow, kind="owner_notification", channel="sms")[-1]
    assert "Moved:" in owner.body
    assert "Thu, Dec 3 at 3:00 PM CST (was Wed, Dec 2 at 10:00 AM CST)" in owner.body


def test_admin_reschedule_keeps_the_clients_link(nuow: UnitOfWork):
    result = book(nuow, "2026-12-02T10:00")
    reschedule_appointment(
        nuow,
        appointment_id=result.appointment.id,
        new_start="2026-12-02T11:00",
        requester=Requester.admin(),
    )
    reminder = outbox_rows(nuow, kind="client_reminder", status="pending")[0]
    assert f"#token={result.manage_token}" in reminder.body


def test_cancel_removes_the_reminder_and_queues_the_cancellation(nuow: UnitOfWork):
    result = book(nuow, "2026-12-02T10:00")
    cancel_appointment(
        nuow, appointment_id=result.appointment.id, requester=Requester.web(result.manage_token)
    )
    assert [r.status for r in outbox_rows(nuow, kind="client_reminder")] == ["cancelled"]
    (cancellation,) = outbox_rows(nuow, kind="client_cancellation")
    assert cancellation.status == "pending"
    assert cancellation.body == (
        "Hi Jane, your Botox with Dr. Maya Patel at Hello Gorgeous Med Spa on "
        "Wed, Dec 2 at 10:00 AM CST is cancelled. Questions? Call +1 (312) 555-0142."
    )
    assert "Cancelled:" in outbox_rows(nuow, kind="owner_notification")[-1].body
    # Cancelling again changes nothing and queues nothing.
    count = len(outbox_rows(nuow))
    cancel_appointment(nuow, appointment_id=result.appointment.id, requester=Requester.admin())
    assert len(outbox_rows(nuow)) == count


@pytest.mark.parametrize(
    ("now", "start", "expected"),
    [
        # The Friday before the spring change (CST) and the Monday after (CDT).
        ("2027-03-08T09:00-06:00", "2027-03-12T10:00", "Fri, Mar 12 at 10:00 AM CST"),
        ("2027-03-08T09:00-06:00", "2027-03-15T10:00", "Mon, Mar 15 at 10:00 AM CDT"),
        # The Friday before the fall change (CDT) and the Monday after (CST).
        ("2027-11-01T09:00-05:00", "2027-11-05T10:00", "Fri, Nov 5 at 10:00 AM CDT"),
        ("2027-11-01T09:00-05:00", "2027-11-08T10:00", "Mon, Nov 8 at 10:00 AM CST"),
    ],
)
def test_message_date_is_the_booked_local_date_across_dst(
    nuow: UnitOfWork, now: str, start: str, expected: str
):
    nuow.clock.now = datetime.fromisoformat(now)  # type: ignore[attr-defined]
    result = book(nuow, start)
    assert result.appointment.start.isoformat().startswith(start)
    for row in outbox_rows(nuow):
        assert expected in row.body


def test_messages_on_the_dst_days_themselves(nuow: UnitOfWork):
    nuow.clock.now = datetime.fromisoformat("2027-03-01T09:00-06:00")  # type: ignore[attr-defined]
    # Sundays: only the admin books outside working hours.
    spring = book(nuow, "2027-03-14T03:00", requester=Requester.admin()).appointment
    assert "Sun, Mar 14 at 3:00 AM CDT" in outbox_rows(nuow, appointment_id=spring.id)[0].body
    nuow.clock.now = datetime.fromisoformat("2027-11-01T09:00-05:00")  # type: ignore[attr-defined]
    # 1:30 happens twice on November 7: the offset says which one.
    first = book(nuow, "2027-11-07T01:30-05:00", requester=Requester.admin()).appointment
    second = book(
        nuow, "2027-11-07T01:30-06:00", requester=Requester.admin(), provider_id=2
    ).appointment
    assert "Sun, Nov 7 at 1:30 AM CDT" in outbox_rows(nuow, appointment_id=first.id)[0].body
    assert "Sun, Nov 7 at 1:30 AM CST" in outbox_rows(nuow, appointment_id=second.id)[0].body
