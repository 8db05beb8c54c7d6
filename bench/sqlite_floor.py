"""Where a SQLite booking's time goes: SQLite's own C time against the interpreter's.

Why core_bench.py's SQLite create ratio stays where it is: a booking writes five tables (the
client, the appointment, its reservation, its history event, its notifications) with eleven
indexes, where the raw INSERT writes one. This script times every call into the sqlite3 driver
(a timing cursor and connection class given to the engine) during the same work as core_bench.py:

- non-conflicting creates through ``create_appointment`` and the same count of raw INSERT
  transactions: wall time, time inside SQLite (by statement kind), the rest (Python), and the
  WAL frames (pages) each commit writes;
- contended rounds in one thread (one winner then 15 losers per slot, as the 16 racing threads
  of core_bench.py see them): wall time and time inside SQLite per attempt.

It prints the create ratio SQLite's own time allows at most (every line of Python free) and the
Python budget per booking that a ratio of 0.30 leaves.

Usage:  uv run python bench/sqlite_floor.py [--count 300] [--rounds 3]
The last line printed is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

from booking_core import BookingSettings, FixedClock, Requester, UnitOfWork
from booking_core.adapters.database import create_database_engine
from booking_core.demo import load_demo_business
from core_bench import (
    DAYS,
    FIRST_DAY,
    NOW,
    Database,
    bench_raw_inserts,
    book,
    fill_calendar,
    free_targets,
)
from loguru import logger

WAL_FRAME = 24 + 4096  # frame header + one page (the default page size)
SAMPLE = 40

inside_sqlite: Counter[str] = Counter()  # nanoseconds inside the driver, by statement kind


def _kind(sql: Any) -> str:
    words = str(sql).split()
    if not words:
        return "other"
    verb = words[0].upper()
    if verb == "INSERT" and len(words) > 2:
        return f"insert {words[2]}"
    return verb.lower()


def _timed(kind: str, call: Any, *args: Any) -> Any:
    started = time.perf_counter_ns()
    try:
        return call(*args)
    finally:
        inside_sqlite[kind] += time.perf_counter_ns() - started


class TimingCursor(sqlite3.Cursor):
    def execute(self, sql: str, *args: Any) -> Any:
        return _timed(_kind(sql), super().execute, sql, *args)

    def executemany(self, sql: str, *args: Any) -> Any:
        return _timed(_kind(sql), super().executemany, sql, *args)

    def fetchall(self) -> Any:
        return _timed("fetch", super().fetchall)


class TimingConnection(sqlite3.Connection):
    def cursor(self, factory: Any = TimingCursor) -> Any:
        return super().cursor(factory)

    def execute(self, sql: str, *args: Any) -> Any:
        return _timed(_kind(sql), super().execute, sql, *args)

    def commit(self) -> None:
        _timed("commit", super().commit)


def wal_frames(database_file: Path) -> int:
    wal = Path(f"{database_file}-wal")
    return (wal.stat().st_size - 32) // WAL_FRAME if wal.exists() else 0


def checkpoint(uow: UnitOfWork) -> None:
    with uow.engine.begin() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=300, help="creates (and raw INSERTs) a round")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    logger.remove()
    database = Database("sqlite", "")
    database_file = Path(database.url.removeprefix("sqlite:///"))
    try:
        engine = create_database_engine(database.url, connect_args={"factory": TimingConnection})
        settings = BookingSettings(
            database_url=database.url, max_future_bookings_per_phone=0, _env_file=None
        )
        uow = UnitOfWork(settings, engine=engine, clock=FixedClock(NOW))
        load_demo_business(uow)
        fill_calendar(uow)
        targets = free_targets(
            uow, args.count * args.rounds + SAMPLE + 60, FIRST_DAY + timedelta(days=DAYS + 1)
        )
        # Pages each commit writes: a sample small enough for the WAL not to be checkpointed
        # (and restarted) in the middle of it (1,000 pages by default).
        sample = targets[:SAMPLE]
        targets = targets[SAMPLE:]
        checkpoint(uow)
        for provider_id, start in sample:
            assert book(uow, provider_id, start, Requester.web()) == "ok"
        create_frames = wal_frames(database_file) / SAMPLE
        checkpoint(uow)
        bench_raw_inserts(uow, SAMPLE)
        raw_frames = wal_frames(database_file) / SAMPLE
        print(f"WAL frames (pages) per commit: create {create_frames:.1f}, raw {raw_frames:.1f}")
        # The timed rounds leave checkpoints to SQLite, as core_bench.py does.
        figures: list[dict[str, float]] = []
        for round_number in range(args.rounds):
            batch = targets[round_number * args.count : (round_number + 1) * args.count]
            inside_sqlite.clear()
            started = time.perf_counter()
            for provider_id, start in batch:
                assert book(uow, provider_id, start, Requester.web()) == "ok"
            core_wall = (time.perf_counter() - started) / len(batch) * 1e6
            core_sqlite = sum(inside_sqlite.values()) / len(batch) / 1000
            by_kind = {k: round(v / len(batch) / 1000) for k, v in inside_sqlite.most_common()}

            inside_sqlite.clear()
            started = time.perf_counter()
            bench_raw_inserts(uow, len(batch))
            raw_wall = (time.perf_counter() - started) / len(batch) * 1e6
            raw_sqlite = sum(inside_sqlite.values()) / len(batch) / 1000
            print(
                f"create: {core_wall:.0f} µs wall, {core_sqlite:.0f} µs inside SQLite "
                f"({by_kind}), {core_wall - core_sqlite:.0f} µs Python"
            )
            print(
                f"raw INSERT transaction: {raw_wall:.0f} µs wall, {raw_sqlite:.0f} µs inside "
                f"SQLite, {raw_wall - raw_sqlite:.0f} µs Python"
            )
            figures.append(
                {
                    "create_wall_us": core_wall,
                    "create_sqlite_us": core_sqlite,
                    "raw_wall_us": raw_wall,
                    "raw_sqlite_us": raw_sqlite,
                }
            )
        # Contended rounds, one thread: each slot won once, then lost 15 times.
        slots = targets[args.rounds * args.count :][:60]
        inside_sqlite.clear()
        attempts = 0
        started = time.perf_counter()
        for provider_id, start in slots:
            for _ in range(16):
                book(uow, provider_id, start, Requester.web())
                attempts += 1
        contended_wall = (time.perf_counter() - started) / attempts * 1e6
        contended_sqlite = sum(inside_sqlite.values()) / attempts / 1000
        print(
            f"contended round, one thread: {contended_wall:.0f} µs wall per attempt, "
            f"{contended_sqlite:.0f} µs inside SQLite"
        )
        best = min(figures, key=lambda f: f["create_wall_us"])
        ceiling = best["raw_wall_us"] / best["create_sqlite_us"]
        budget = best["raw_wall_us"] / 0.30 - best["create_sqlite_us"]
        print(
            f"create ratio with no Python at all: {ceiling:.2f}; a ratio of 0.30 leaves "
            f"{budget:.0f} µs of Python per booking (measured: "
            f"{best['create_wall_us'] - best['create_sqlite_us']:.0f})"
        )
        engine.dispose()
        print(
            json.dumps(
                {
                    **{k: round(v, 1) for k, v in best.items()},
                    "create_wal_frames": round(create_frames, 1),
                    "raw_wal_frames": round(raw_frames, 1),
                    "create_python_us": round(best["create_wall_us"] - best["create_sqlite_us"], 1),
                    "create_ratio": round(best["raw_wall_us"] / best["create_wall_us"], 3),
                    "create_ratio_without_python": round(ceiling, 3),
                    "python_budget_for_0_30_us": round(budget, 1),
                    "contended_attempt_wall_us": round(contended_wall, 1),
                    "contended_attempt_sqlite_us": round(contended_sqlite, 1),
                }
            )
        )
    finally:
        database.close()


if __name__ == "__main__":
    main()
