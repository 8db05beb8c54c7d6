"""Upgrading a database that holds bookings keeps every row (SQLite rebuilds a table to change a
constraint: with foreign keys enforced, its DROP would cascade-delete the rows referencing it)."""

from __future__ import annotations

from booking_core.adapters.database import create_database_engine
from booking_core.migrations import upgrade

STAMP = "2026-01-01 00:00:00.000000"


def test_upgrading_a_sqlite_database_with_bookings_keeps_them(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "0004")
    engine = create_database_engine(url)
    with engine.begin() as connection:
        for statement in (
            "INSERT INTO services (id, name, description, duration_minutes, buffer_minutes, "
            f"price_cents, active, created_at) VALUES (1, 'S', '', 30, 0, 0, 1, '{STAMP}')",
            "INSERT INTO providers (id, name, title, active, created_at) "
            f"VALUES (1, 'P', '', 1, '{STAMP}')",
            "INSERT INTO provider_services (provider_id, service_id) VALUES (1, 1)",
            "INSERT INTO clients (id, name, phone, created_at) "
            f"VALUES (1, 'C', '+13125550100', '{STAMP}')",
            "INSERT INTO appointments (id, provider_id, service_id, client_id, start_at, end_at, "
            "buffer_minutes, status, source, notes, manage_token_hash, sequence, created_at, "
            "updated_at) VALUES ('a', 1, 1, 1, '2027-01-01 10:00:00.000000', "
            f"'2027-01-01 10:30:00.000000', 0, 'booked', 'web', '', 'h', 0, '{STAMP}', '{STAMP}')",
            "INSERT INTO appointment_parts VALUES ('a', 0, 1, 1, '2027-01-01 10:00:00.000000', "
            "'2027-01-01 10:30:00.000000', 0)",
            "INSERT INTO reservations (appointment_id, resource_kind, resource_id, start_at, "
            "end_at) VALUES ('a', 'provider', 1, '2027-01-01 10:00:00.000000', "
            "'2027-01-01 10:30:00.000000')",
            "INSERT INTO notifications (appointment_id, kind, channel, recipient, subject, body, "
            f"status, due_at, attempts, created_at) VALUES ('a', 'x', 'sms', '+1', '', 'b', "
            f"'pending', '{STAMP}', 0, '{STAMP}')",
        ):
            connection.exec_driver_sql(statement)
    engine.dispose()
    upgrade(url)
    engine = create_database_engine(url)
    with engine.connect() as connection:
        counts = {
            table: connection.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar()
            for table in (
                "provider_services",
                "appointments",
                "appointment_parts",
                "reservations",
                "notifications",
            )
        }
        enforced = connection.exec_driver_sql("PRAGMA foreign_keys").scalar()
    engine.dispose()
    assert counts == dict.fromkeys(counts, 1)
    assert enforced == 1  # the application's connections still enforce references
