"""booking_core benchmark: availability, creates vs raw INSERTs, contended creates vs raw SQL.

Usage:  uv run python bench/core_bench.py [--engine sqlite|postgresql|both]
          [--postgres-url postgresql+psycopg://postgres@127.0.0.1:5432/test]
Prints figures per engine; the last line printed for each engine is one JSON object.
Each engine runs on a fresh database of its own (a temporary SQLite file, or a new PostgreSQL
database that is dropped afterwards).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from booking_core import (
    BookingSettings,
    FixedClock,
    Requester,
    UnitOfWork,
    cancel_appointment,
    create_appointment,
    find_available_slots,
    reschedule_appointment,
)
from booking_core.adapters.database import WRITE_OPTION, create_database_engine
from booking_core.demo import load_demo_business
from booking_core.errors import BookingError
from booking_core.migrations import upgrade
from loguru import logger

CHICAGO = ZoneInfo("America/Chicago")
NOW = datetime(2026, 11, 30, 8, 0, tzinfo=CHICAGO)
FIRST_DAY = date(2026, 12, 1)
CONSULTATION = 1  # offered by all four demo providers
DAYS = 30
EXISTING = 1000
THREADS = 16
CONTENDED_SLOTS = 200


def sqlite_stamp(value: datetime) -> str:
    """A UTC instant written exactly as booking_core stores it on SQLite, so that raw SQL
    compares like for like (text comparison)."""
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


class Database:
    def __init__(self, engine_name: str, postgres_url: str) -> None:
        self.engine_name = engine_name
        self._server = None
        if engine_name == "sqlite":
            self._dir = tempfile.TemporaryDirectory()
            self.url = f"sqlite:///{Path(self._dir.name) / 'bench.db'}"
        else:
            self._server = sa.create_engine(postgres_url, isolation_level="AUTOCOMMIT")
            self._name = f"booking_bench_{uuid.uuid4().hex[:8]}"
            with self._server.connect() as connection:
                connection.exec_driver_sql(f'CREATE DATABASE "{self._name}"')
            self.url = (
                sa.engine.make_url(postgres_url)
                .set(database=self._name)
                .render_as_string(hide_password=False)
            )
        upgrade(self.url)

    def close(self) -> None:
        if self._server is not None:
            with self._server.connect() as connection:
                connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{self._name}" WITH (FORCE)')
            self._server.dispose()
        else:
            self._dir.cleanup()


def new_uow(url: str) -> UnitOfWork:
    settings = BookingSettings(
        database_url=url,
        max_future_bookings_per_phone=0,
        secret_key="bench-secret",
        _env_file=None,  # type: ignore[call-arg]
    )
    return UnitOfWork(settings, engine=create_database_engine(url), clock=FixedClock(NOW))


phone_counter = iter(range(10_000_000))
phone_lock = threading.Lock()


def new_phone() -> str:
    with phone_lock:
        n = next(phone_counter)
    return f"+1312{5550000 + n % 10000:07d}" if n < 10000 else f"+1773{2000000 + n:07d}"


def book(uow: UnitOfWork, provider_id: int, start: datetime, requester: Requester) -> str:
    try:
        create_appointment(
            uow,
            service_id=CONSULTATION,
            provider_id=provider_id,
            start=start,
            client_name="Bench Client",
            client_phone=new_phone(),
            requester=requester,
        )
    except BookingError as error:
        return error.code
    return "ok"


def fill_calendar(uow: UnitOfWork) -> float:
    """1,000 appointments spread over the 30 days; returns the share of working time filled."""
    slots = find_available_slots(
        uow,
        service_id=CONSULTATION,
        start_date=FIRST_DAY,
        end_date=FIRST_DAY + timedelta(days=DAYS - 1),
    )
    # Non-overlapping half-hour blocks per provider, then a random 1,000 of them.
    blocks = [s for s in slots if s.start.minute in (0, 30)]
    working_minutes = len(blocks) * 30
    random.Random(7).shuffle(blocks)
    booked = 0
    for slot in blocks:
        if booked == EXISTING:
            break
        if book(uow, slot.provider_id, slot.start, Requester.admin()) == "ok":
            booked += 1
    return booked * 30 / working_minutes


def bench_availability(uow: UnitOfWork, runs: int = 40) -> float:
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        find_available_slots(
            uow,
            service_id=CONSULTATION,
            start_date=FIRST_DAY,
            end_date=FIRST_DAY + timedelta(days=DAYS - 1),
        )
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def free_targets(uow: UnitOfWork, count: int, first_day: date) -> list[tuple[int, datetime]]:
    slots = find_available_slots(
        uow, service_id=CONSULTATION, start_date=first_day, end_date=first_day + timedelta(days=45)
    )
    taken: dict[int, datetime] = {}
    targets = []
    for slot in slots:
        if slot.provider_id not in taken or slot.start >= taken[slot.provider_id] + timedelta(
            minutes=30
        ):
            targets.append((slot.provider_id, slot.start))
            taken[slot.provider_id] = slot.start
        if len(targets) == count:
            break
    return targets


def bench_creates(uow: UnitOfWork, count: int = 300) -> float:
    targets = free_targets(uow, count, FIRST_DAY + timedelta(days=DAYS + 1))
    started = time.perf_counter()
    for provider_id, start in targets:
        assert book(uow, provider_id, start, Requester.web()) == "ok"
    return len(targets) / (time.perf_counter() - started)


def bench_raw_inserts(uow: UnitOfWork, count: int = 300) -> float:
    """The same number of single-row INSERTs into appointments, one transaction each."""
    engine = uow.engine
    with engine.connect() as connection:
        client_id = connection.execute(sa.text("SELECT min(id) FROM clients")).scalar_one()
    insert = sa.text(
        "INSERT INTO appointments (id, provider_id, service_id, client_id, start_at, end_at, "
        "buffer_minutes, status, source, notes, manage_token_hash, sequence, created_at, "
        "updated_at) VALUES (:id, 1, 1, :client, :start, :end, 0, 'booked', 'web', '', "
        "'x', 0, :now, :now)"
    )
    base = datetime(2030, 1, 1, tzinfo=UTC)
    started = time.perf_counter()
    for i in range(count):
        with engine.connect() as connection:
            connection = connection.execution_options(**{WRITE_OPTION: True})
            with connection.begin():
                start = base + timedelta(hours=i)
                values = {
                    "id": str(uuid.uuid4()),
                    "client": client_id,
                    "now": base,
                    "start": start,
                    "end": start + timedelta(minutes=30),
                }
                if engine.dialect.name == "sqlite":
                    values = {
                        k: (sqlite_stamp(v) if isinstance(v, datetime) else v)
                        for k, v in values.items()
                    }
                connection.execute(insert, values)
    return count / (time.perf_counter() - started)


def run_contention(attempt, targets) -> tuple[float, float, int]:
    """16 threads, each trying every target: attempts/s, p99 ms, winners."""
    latencies: list[float] = []
    wins = 0
    lock = threading.Lock()

    def racer(index: int) -> None:
        nonlocal wins
        order = targets[index % 4 :] + targets[: index % 4]  # a little skew between threads
        for provider_id, start in order:
            t0 = time.perf_counter()
            won = attempt(provider_id, start)
            elapsed = (time.perf_counter() - t0) * 1000
            with lock:
                latencies.append(elapsed)
                wins += won

    started = time.perf_counter()
    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(racer, range(THREADS)))
    total = time.perf_counter() - started
    return len(latencies) / total, percentile(latencies, 0.99), wins


def contended_targets(uow: UnitOfWork) -> tuple[list, list]:  # type: ignore[type-arg]
    """Two disjoint sets of free slots: one for the core, one for raw SQL."""
    targets = free_targets(uow, 2 * CONTENDED_SLOTS, FIRST_DAY + timedelta(days=DAYS + 20))
    assert len(targets) == 2 * CONTENDED_SLOTS, len(targets)
    return targets[::2], targets[1::2]


def bench_contended(uow: UnitOfWork, targets: list) -> tuple[float, float, int]:  # type: ignore[type-arg]
    return run_contention(lambda p, s: book(uow, p, s, Requester.web()) == "ok", targets)


def bench_raw_contended(uow: UnitOfWork, targets: list) -> tuple[float, float, int]:  # type: ignore[type-arg]
    """The same contention in raw SQL: serialize per provider, check, insert, commit."""
    engine = uow.engine
    postgres = engine.dialect.name == "postgresql"
    with engine.connect() as connection:
        client_id = connection.execute(sa.text("SELECT min(id) FROM clients")).scalar_one()
    check = sa.text(
        "SELECT 1 FROM reservations WHERE resource_kind = 'provider' AND resource_id = :p "
        + (
            "AND tstzrange(start_at, end_at, '[)') && tstzrange(:s, :e, '[)')"
            if postgres
            else "AND start_at < :e AND end_at > :s"
        )
    )
    insert_appointment = sa.text(
        "INSERT INTO appointments (id, provider_id, service_id, client_id, start_at, end_at, "
        "buffer_minutes, status, source, notes, manage_token_hash, sequence, created_at, "
        "updated_at) VALUES (:id, :p, 1, :client, :s, :e, 0, 'booked', 'web', '', 'x', 0, "
        ":s, :s)"
    )
    insert_reservation = sa.text(
        "INSERT INTO reservations (appointment_id, resource_kind, resource_id, start_at, end_at) "
        "VALUES (:id, 'provider', :p, :s, :e)"
    )

    def attempt(provider_id: int, start: datetime) -> bool:
        s, e = start.astimezone(UTC), start.astimezone(UTC) + timedelta(minutes=30)
        if not postgres:
            s, e = sqlite_stamp(s), sqlite_stamp(e)  # type: ignore[assignment]
        values = {"p": provider_id, "s": s, "e": e, "id": str(uuid.uuid4()), "client": client_id}
        with engine.connect() as connection:
            connection = connection.execution_options(**{WRITE_OPTION: True})
            with connection.begin():
                if postgres:
                    connection.execute(
                        sa.text("SELECT pg_advisory_xact_lock(CAST(2 AS int4), CAST(:p AS int4))"),
                        values,
                    )
                if connection.execute(check, values).first():
                    return False
                connection.execute(insert_appointment, values)
                connection.execute(insert_reservation, values)
                return True

    return run_contention(attempt, targets)


def double_bookings(engine: sa.Engine) -> int:
    with engine.connect() as connection:
        return int(
            connection.execute(
                sa.text(
                    "SELECT count(*) FROM reservations a JOIN reservations b "
                    "ON a.resource_kind = b.resource_kind AND a.resource_id = b.resource_id "
                    "AND a.id < b.id AND a.start_at < b.end_at AND b.start_at < a.end_at"
                )
            ).scalar_one()
        )


class RoundTrips:
    """Counts the times the client asks the PostgreSQL server for answers and waits for them:
    in psycopg's pipeline mode each sync (a read whose rows are needed, the COMMIT) or flush
    request; outside it each statement, the BEGIN psycopg sends before the first (none in
    autocommit), and each COMMIT or ROLLBACK of an open transaction."""

    def __init__(self, engine: sa.Engine) -> None:
        import psycopg
        from psycopg import _pipeline_base

        self.count = 0
        counter = self
        idle = psycopg.pq.TransactionStatus.IDLE
        pipeline_class = _pipeline_base.BasePipeline
        sync, fetch = pipeline_class._sync_gen, pipeline_class._fetch_gen

        def counted_sync(pipeline):  # type: ignore[no-untyped-def]
            counter.count += 1
            return (yield from sync(pipeline))

        def counted_fetch(pipeline, *, flush):  # type: ignore[no-untyped-def]
            if flush and pipeline.result_queue:  # a flush request, then waiting for results
                counter.count += 1
            return (yield from fetch(pipeline, flush=flush))

        pipeline_class._sync_gen = counted_sync  # type: ignore[method-assign]
        pipeline_class._fetch_gen = counted_fetch  # type: ignore[method-assign]

        def outside_pipelines(method):  # type: ignore[no-untyped-def]
            def wrapper(connection):  # type: ignore[no-untyped-def]
                if connection._pipeline is None and connection.pgconn.transaction_status != idle:
                    counter.count += 1
                return method(connection)

            return wrapper

        psycopg.Connection.commit = outside_pipelines(psycopg.Connection.commit)  # type: ignore[method-assign]
        psycopg.Connection.rollback = outside_pipelines(psycopg.Connection.rollback)  # type: ignore[method-assign]

        @sa.event.listens_for(engine, "before_cursor_execute")
        def _statement(connection, cursor, *_):  # type: ignore[no-untyped-def]
            if cursor.connection._pipeline is None:
                # psycopg sends a BEGIN first unless the connection is in autocommit (a read)
                begins = (
                    cursor.connection.pgconn.transaction_status == idle
                    and not cursor.connection.autocommit
                )
                counter.count += 2 if begins else 1


def count_round_trips(uow: UnitOfWork) -> dict[str, int]:
    """Round trips of one create, reschedule and cancel (PostgreSQL), after a warm-up."""
    counter = RoundTrips(uow.engine)
    targets = free_targets(uow, 6, FIRST_DAY + timedelta(days=DAYS + 40))
    figures = {}
    for label, key in (("", None), ("_with_key", "bench-key")):
        (p1, s1), (p2, s2), (p3, s3) = targets[:3] if key is None else targets[3:]
        book(uow, p3, s3, Requester.web())  # warm-up
        counter.count = 0
        result = create_appointment(
            uow,
            service_id=CONSULTATION,
            provider_id=p1,
            start=s1,
            client_name="Bench Client",
            client_phone=new_phone(),
            requester=Requester.web(),
            idempotency_key=key,
        )
        figures[f"create{label}"] = counter.count
        counter.count = 0
        moved = reschedule_appointment(
            uow,
            appointment_id=result.appointment.id,
            new_start=s2,
            provider_id=p2,
            requester=Requester.admin(),
            idempotency_key=key,
        )
        figures[f"reschedule{label}"] = counter.count
        counter.count = 0
        cancel_appointment(uow, appointment_id=moved.appointment.id, requester=Requester.admin())
        figures[f"cancel{label}"] = counter.count
    counter.count = 0
    create_appointment(
        uow,
        service_id=CONSULTATION,
        start=targets[0][1] + timedelta(minutes=30),
        client_name="Bench Client",
        client_phone=new_phone(),
        requester=Requester.web(),
    )
    figures["create_any_provider"] = counter.count
    return figures


def run(engine_name: str, postgres_url: str) -> dict[str, object]:
    database = Database(engine_name, postgres_url)
    try:
        uow = new_uow(database.url)
        load_demo_business(uow)
        fill = fill_calendar(uow)
        print(f"[{engine_name}] {EXISTING} appointments fill {fill:.0%} of the 30 days' hours")
        # Planner statistics, as a live database has them (PostgreSQL's autovacuum gathers them
        # a minute or so after a bulk load; the benchmark does not wait for it).
        with uow.engine.begin() as connection:
            connection.exec_driver_sql("ANALYZE")
        availability = bench_availability(uow)
        print(f"[{engine_name}] availability, 30 days, any provider: median {availability:.1f} ms")
        creates = bench_creates(uow)
        raw = bench_raw_inserts(uow)
        print(
            f"[{engine_name}] creates {creates:.0f}/s, raw INSERTs {raw:.0f}/s, "
            f"ratio {creates / raw:.2f}"
        )
        core_targets, raw_targets = contended_targets(uow)
        contended, p99, wins = bench_contended(uow, core_targets)
        raw_contended, raw_p99, raw_wins = bench_raw_contended(uow, raw_targets)
        doubles = double_bookings(uow.engine)
        print(
            f"[{engine_name}] contended: core {contended:.0f} attempts/s (p99 {p99:.1f} ms, "
            f"{wins} winners), raw {raw_contended:.0f} attempts/s (p99 {raw_p99:.1f} ms, "
            f"{raw_wins} winners), double bookings {doubles}"
        )
        trips = count_round_trips(uow) if engine_name == "postgresql" else {}
        if trips:
            print(f"[{engine_name}] round trips: {trips}")
        uow.engine.dispose()
        return {
            "round_trips": trips,
            "engine": engine_name,
            "availability_30d_ms_median": round(availability, 2),
            "creates_per_s": round(creates, 1),
            "raw_inserts_per_s": round(raw, 1),
            "create_ratio": round(creates / raw, 3),
            "contended_attempts_per_s": round(contended, 1),
            "raw_contended_attempts_per_s": round(raw_contended, 1),
            "contended_ratio": round(contended / raw_contended, 3),
            "contended_p99_ms": round(p99, 2),
            "raw_contended_p99_ms": round(raw_p99, 2),
            "double_bookings": doubles,
        }
    finally:
        database.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument(
        "--postgres-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test"
    )
    args = parser.parse_args()
    logger.remove()  # one log line per booking would drown the figures
    engines = ["sqlite", "postgresql"] if args.engine == "both" else [args.engine]
    for engine_name in engines:
        print(json.dumps(run(engine_name, args.postgres_url)), flush=True)


if __name__ == "__main__":
    main()
