"""The unit of work: one database transaction with one store per aggregate, rolled back unless
the service commits it.

    with uow.begin(write=True) as tx:       # tx.bookings, tx.catalog, tx.calendar, tx.outbox
        ...
        tx.commit()

or ``uow.run(work)``, which commits what ``work(tx)`` did and retries transient conflicts. It
also carries what every operation needs besides its arguments: the settings, the clock and the
server secret. Database failures become domain errors here, in one place:
- an exclusion/overlap violation (23P01, or the SQLite trigger) is ``SlotUnavailable``;
- a deadlock or serialization failure (40P01, 40001), a busy SQLite or a dropped connection
  runs the transaction again (a few times);
- a key already in the idempotency records is ``IdempotencyConflict`` (the booking service
  then replays the key's first result);
- a database that cannot be reached is ``ServiceUnavailable``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import datetime
from functools import cached_property
from typing import TypeVar
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from loguru import logger
from sqlalchemy import exc as sa_exc

from booking_core.adapters.booking_store import BookingStore
from booking_core.adapters.calendar_store import CalendarStore, KeptCatalog
from booking_core.adapters.caller_store import CallerStore
from booking_core.adapters.catalog_store import CatalogStore
from booking_core.adapters.database import (
    WRITE_OPTION,
    allow_pipelines,
    create_database_engine,
    end_failed_transaction,
    is_postgresql,
    run_in_pipeline,
)
from booking_core.adapters.outbox_store import OutboxStore
from booking_core.adapters.tables import RESERVATIONS_NO_OVERLAP
from booking_core.adapters.waitlist_store import WaitlistStore
from booking_core.clock import Clock, system_clock
from booking_core.errors import (
    IdempotencyConflict,
    ServiceUnavailable,
    SlotUnavailable,
    ValidationFailed,
)
from booking_core.secret_key import server_secret
from booking_core.services.schedule_cache import ScheduleCache
from booking_core.settings import BookingSettings

T = TypeVar("T")

_RETRYABLE_SQLSTATES = {"40P01", "40001"}
_UNSTORABLE = "Some of the information could not be stored. Please check it."
_MAX_ATTEMPTS = 4


class _Retry(Exception):
    """A transient failure: run the whole transaction again; ``final`` if it keeps failing."""

    def __init__(self, final: Exception) -> None:
        super().__init__(str(final))
        self.final = final


class Transaction:
    """One transaction's stores. Nothing it did stays unless ``commit()`` is called."""

    def __init__(self, connection: sa.Connection, kept_catalog: KeptCatalog | None = None) -> None:
        self.connection = connection
        self.bookings = BookingStore(connection)
        self.catalog = CatalogStore(connection)
        self.calendar = CalendarStore(connection, kept_catalog)
        self.outbox = OutboxStore(connection)
        self.callers = CallerStore(connection)
        self.waitlist = WaitlistStore(connection)
        self._transaction = connection.begin()
        self._committed = False

    def commit(self) -> None:
        self._transaction.commit()
        self._committed = True

    def rollback(self) -> None:
        """End the transaction unless it was committed (a no-op after a commit)."""
        if self._transaction.is_active:
            self._transaction.rollback()
        elif not self._committed:  # a COMMIT that failed
            end_failed_transaction(self.connection)


class UnitOfWork:
    def __init__(
        self,
        settings: BookingSettings,
        engine: sa.Engine | None = None,
        clock: Clock = system_clock,
    ) -> None:
        self.settings = settings
        self.engine = engine or create_database_engine(settings.database_url)
        allow_pipelines(self.engine)
        self._reads_autocommit = is_postgresql(self.engine)
        self.clock = clock
        # Availability answers and catalog rows this process keeps while they are current.
        self.schedule_cache = ScheduleCache()
        caching = settings.availability_cache_seconds > 0
        self.kept_catalog = KeptCatalog() if caching else None

    @cached_property
    def secret(self) -> bytes:
        """The server secret (``bootstrap`` asks for it at start-up, so a missing one on
        PostgreSQL stops the server from starting, not a booking)."""
        return server_secret(self.settings)

    @property
    def tz(self) -> ZoneInfo:
        return self.settings.tz

    def now(self) -> datetime:
        return self.clock()

    @contextmanager
    def begin(
        self, write: bool = False, retryable: bool = False, snapshot: bool = False
    ) -> Iterator[Transaction]:
        """A transaction; its changes are undone on exit unless ``commit()`` was called.

        Transient failures surface as their final domain error unless ``retryable`` (``run``).
        ``snapshot``: a read whose statements all see one snapshot (PostgreSQL: REPEATABLE
        READ; a SQLite read transaction always does).
        """
        with _in_process_write_lock(self.engine) if write else nullcontext():
            try:
                connection = self.engine.connect()
            except sa_exc.OperationalError as error:
                logger.error("database unreachable: {}", _short(error))
                raise ServiceUnavailable() from None
            try:
                if write:
                    connection = connection.execution_options(**{WRITE_OPTION: True})
                elif snapshot and self._reads_autocommit:
                    connection = connection.execution_options(isolation_level="REPEATABLE READ")
                elif self._reads_autocommit:
                    # PostgreSQL, READ COMMITTED: every statement of a read sees its own
                    # snapshot anyway, so a read needs no BEGIN and no ROLLBACK (two round
                    # trips of the three a one-statement read would cost).
                    connection = connection.execution_options(isolation_level="AUTOCOMMIT")
                transaction = Transaction(connection, self.kept_catalog)
                try:
                    yield transaction
                finally:
                    transaction.rollback()
            except sa_exc.DBAPIError as error:
                translated = _translate(error)
                if isinstance(translated, _Retry) and not retryable:
                    raise translated.final from error
                raise translated from error
            except UnicodeEncodeError:
                # Text the driver cannot encode (a lone surrogate) that no input check refused
                # first: a value that cannot be stored, like a DataError, not a crash.
                raise ValidationFailed(_UNSTORABLE) from None
            finally:
                connection.close()

    def run(
        self, work: Callable[[Transaction], T], write: bool = True, pipelined: bool = False
    ) -> T:
        """Run ``work`` in a transaction and commit it, retrying transient conflicts.

        ``pipelined``: on PostgreSQL the transaction runs in psycopg's pipeline mode, so what
        ``work`` does not read back (locks, writes, the COMMIT) shares round trips
        (``adapters.database.run_in_pipeline``).
        """
        for attempt in range(1, _MAX_ATTEMPTS + 1):
            try:
                with self.begin(write=write, retryable=True) as tx:
                    if pipelined:
                        result = run_in_pipeline(tx.connection, lambda: work(tx), commit=write)
                    else:
                        result = work(tx)
                    if write:
                        tx.commit()  # after a pipeline: already sent there, nothing is sent
                    return result
            except _Retry as retry:
                if attempt == _MAX_ATTEMPTS:
                    raise retry.final from None
                time.sleep(0.005 * attempt)
        raise AssertionError("unreachable")


_sqlite_write_locks: dict[str, threading.Lock] = {}
_sqlite_write_locks_guard = threading.Lock()


def _in_process_write_lock(engine: sa.Engine) -> AbstractContextManager[object]:
    """SQLite writers of one process queue on a lock before BEGIN IMMEDIATE.

    SQLite's own busy handler polls with sleeps of up to 100 ms, which makes waiting writers
    slow and unfair under contention; a queue inside the process is fast. Writers in other
    processes still wait on the database lock (busy timeout).
    """
    if engine.dialect.name != "sqlite":
        return nullcontext()
    key = str(engine.url)
    with _sqlite_write_locks_guard:
        lock = _sqlite_write_locks.setdefault(key, threading.Lock())
    return lock


def _short(error: BaseException) -> str:
    return str(error).splitlines()[0][:200]


def _translate(error: sa_exc.DBAPIError) -> Exception:
    original = error.orig
    sqlstate = getattr(original, "sqlstate", None)
    text = str(original)
    if sqlstate == "23P01" or RESERVATIONS_NO_OVERLAP in text:
        return SlotUnavailable()
    if "idempotency_records" in text and (sqlstate == "23505" or "UNIQUE" in text):
        # The key was used by a request that committed first: the booking service replays its
        # result (or refuses a different request with the same key).
        return IdempotencyConflict()
    if sqlstate in _RETRYABLE_SQLSTATES:
        return _Retry(SlotUnavailable())
    if error.connection_invalidated:
        # A pooled connection the server dropped (restart, idle timeout): reconnect and retry.
        return _Retry(ServiceUnavailable())
    if isinstance(error, sa_exc.DataError):
        # A value the database cannot store (a NUL character, a number out of range).
        return ValidationFailed(_UNSTORABLE)
    if isinstance(error, sa_exc.OperationalError):
        if "database is locked" in text:
            return _Retry(ServiceUnavailable())
        logger.error("database error: {}", _short(error))
        return ServiceUnavailable()
    if isinstance(error, sa_exc.InterfaceError):
        return ServiceUnavailable()
    return error
