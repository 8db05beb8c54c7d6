"""No secret in message text, none recovered from it: manage links are derived from the server
secret and rendered only when a message is sent (both engines)."""

from __future__ import annotations

import pytest
from booking_core import (
    BookingSettings,
    MissingSecretKey,
    Requester,
    UnitOfWork,
    bootstrap,
    list_notifications,
    reschedule_appointment,
)
from booking_core.services.tokens import MANAGE_LINK
from notify_fakes import book, outbox_rows


def test_stored_messages_hold_a_placeholder_not_the_token(nuow: UnitOfWork):
    result = book(nuow, "2026-12-02T10:00")
    rows = outbox_rows(nuow)
    client_rows = [r for r in rows if r.kind.startswith("client_")]
    assert client_rows
    for row in rows:
        assert result.manage_token not in row.stored_body
    for row in client_rows:
        assert MANAGE_LINK in row.stored_body
        assert f"#token={result.manage_token}" in row.body  # rendered as the dispatcher sends
    # The owner's list of messages (GET /api/admin/notifications) shows no token either.
    listed = list_notifications(nuow)
    assert listed and all(result.manage_token not in m.body for m in listed)


def test_the_token_is_the_same_every_time_it_is_derived(nuow: UnitOfWork):
    """A moved appointment's new reminder carries the link the client already has, without
    reading it back from an old message; a replay hands back the same token."""
    first = book(nuow, "2026-12-02T10:00", idempotency_key="same")
    again = book(nuow, "2026-12-02T10:00", idempotency_key="same")
    assert again.replayed and again.manage_token == first.manage_token
    reschedule_appointment(
        nuow,
        appointment_id=first.appointment.id,
        new_start="2026-12-02T11:00",
        requester=Requester.ai(first.appointment.client.phone),
    )
    reminder = outbox_rows(nuow, kind="client_reminder", status="pending")[0]
    assert f"#token={first.manage_token}" in reminder.body


def test_another_secret_gives_other_tokens(nuow: UnitOfWork):
    result = book(nuow, "2026-12-02T10:00")
    other = UnitOfWork(
        nuow.settings.model_copy(update={"secret_key": "another-secret"}),
        engine=nuow.engine,
        clock=nuow.clock,
    )
    rendered = outbox_rows(other, kind="client_confirmation")[0].body
    assert result.manage_token not in rendered


def test_the_embedded_database_keeps_its_generated_secret(tmp_path, monkeypatch):
    monkeypatch.delenv("BOOKING_SECRET_KEY", raising=False)
    url = f"sqlite:///{tmp_path / 'booking.db'}"
    settings = BookingSettings(database_url=url, _env_file=None)  # type: ignore[call-arg]
    first = bootstrap(settings)
    key_file = tmp_path / "booking.db.secret"
    assert key_file.exists() and oct(key_file.stat().st_mode & 0o777) == "0o600"
    second = bootstrap(settings)  # a restart: the same secret, so sent links keep working
    assert first.uow.secret == second.uow.secret == key_file.read_text().encode()
    first.close(), second.close()


def test_postgresql_requires_the_secret(monkeypatch):
    monkeypatch.delenv("BOOKING_SECRET_KEY", raising=False)
    settings = BookingSettings(
        database_url="postgresql+psycopg://postgres@127.0.0.1:5432/test",
        _env_file=None,  # type: ignore[call-arg]
    )
    with pytest.raises(MissingSecretKey, match="BOOKING_SECRET_KEY"):
        bootstrap(settings)


def test_an_appointment_made_before_tokens_were_derived_keeps_both_links(nuow: UnitOfWork):
    """Appointments booked before the upgrade hold the hash of a random token (their first
    messages carried it); their later messages carry the derived link. Both open them."""
    import sqlalchemy as sa
    from booking_core import get_appointment
    from booking_core.adapters import tables as t
    from booking_core.services.tokens import hash_secret

    result = book(nuow, "2026-12-02T10:00")
    appointment_id = result.appointment.id
    with nuow.engine.begin() as connection:
        connection.execute(
            sa.update(t.appointments)
            .where(t.appointments.c.id == appointment_id)
            .values(manage_token_hash=hash_secret("an-old-random-token"))
        )
    for token in ("an-old-random-token", result.manage_token):
        assert get_appointment(nuow, appointment_id, Requester.web(token)).id == appointment_id
    with pytest.raises(Exception, match="could not find"):
        get_appointment(nuow, appointment_id, Requester.web("a-wrong-token"))
