"""The unit of work: one database transaction, rolled back unless the service commits it.

It also carries what every operation needs besides its arguments: the settings and the clock.
Database failures become domain errors here, in one place:
- an exclusion/overlap violation (23P01, or the SQLite trigger) is ``SlotUnavailable``;
- a deadlock or serialization failure (40P01, 40001) or a busy SQLite is retried a few times;
- a database that cannot be reached is ``ServiceUnavailable``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import datetime
from typing import TypeVar
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from loguru import logger
from sqlalchemy import exc as sa_exc

from booking_core.adapters.compiled import start_write_tracking, wrote
from booking_core.adapters.database import (
    WRITE_OPTION,
    create_database_engine,
    end_failed_transaction,
    install_hooks,
)
from booking_core.adapters.repository import Repository
from booking_core.adapters.tables import RESERVATIONS_NO_OVERLAP
from booking_core.clock import Clock, system_clock
from booking_core.errors import (
    IdempotencyConflict,
    ServiceUnavailable,
    SlotUnavailable,
    ValidationFailed,
)
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


class Transaction:
    def __init__(self, connection: sa.Connection) -> None:
        self.repo = Repository(connection)
        self._connection = connection
        self._transaction = connection.begin()
        start_write_tracking(connection)

    @property
    def wrote(self) -> bool:
        return wrote(self._connection)

    def commit(self) -> None:
        self._transaction.commit()

    def close(self, database_ok: bool) -> None:
        """End a transaction the service did not commit, changing nothing.

        When nothing was written (a rejected booking, a read) and the database reported no
        error, it ends with COMMIT: that changes nothing either, but psycopg drops every
        prepared statement of the connection on ROLLBACK, and re-planning them is most of the
        cost of the next transactions on that connection (a race's losers, every availability
        search). Otherwise, ROLLBACK.
        """
        if not self._transaction.is_active:  # committed, or a COMMIT that failed
            end_failed_transaction(self._connection)
            return
        if database_ok and not wrote(self._connection):
            try:
                self._transaction.commit()
                return
            except sa_exc.DBAPIError:
                if not self._transaction.is_active:
                    end_failed_transaction(self._connection)
                    return
        self._transaction.rollback()


class UnitOfWork:
    def __init__(
        self,
        settings: BookingSettings,
        engine: sa.Engine | None = None,
        clock: Clock = system_clock,
    ) -> None:
        self.settings = settings
        self.engine = engine or create_database_engine(settings.database_url)
        install_hooks(self.engine)
        self.clock = clock

    @property
    def tz(self) -> ZoneInfo:
        return self.settings.tz

    def now(self) -> datetime:
        return self.clock()

    @contextmanager
    def begin(self, write: bool = False, retryable: bool = False) -> Iterator[Transaction]:
        """A transaction; its changes are undone on exit unless ``commit()`` was called.

        Transient failures surface as their final domain error unless ``retryable`` (``run``).
        """
        with (
            _in_process_write_lock(self.engine) if write else nullcontext(),
            self._transaction(write, retryable) as transaction,
        ):
            yield transaction

    @contextmanager
    def _transaction(self, write: bool, retryable: bool) -> Iterator[Transaction]:
        try:
            connection = self.engine.connect()
        except sa_exc.OperationalError as error:
            logger.error("database unreachable: {}", _short(error))
            raise ServiceUnavailable() from None
        try:
            if write:
                connection = connection.execution_options(**{WRITE_OPTION: True})
            transaction = Transaction(connection)
            database_ok = True
            try:
                yield transaction
            except sa_exc.DBAPIError:
                database_ok = False
                raise
            finally:
                transaction.close(database_ok)
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

        ``pipelined``: the whole transaction in one repository pipeline (PostgreSQL: statements
        whose results are not read yet share a round trip, the commit included); ``work`` may
        then run only the repository's compiled statements.
        """
        for attempt in range(1, _MAX_ATTEMPTS + 1):
            try:
                with self.begin(write=write, retryable=True) as transaction:
                    if pipelined:
                        result = self._run_pipelined(transaction, work, write)
                    else:
                        result = work(transaction)
                    if write:
                        transaction.commit()
                    return result
            except _Retry as retry:
                if attempt == _MAX_ATTEMPTS:
                    raise retry.final from None
                time.sleep(0.005 * attempt)
        raise AssertionError("unreachable")

    @staticmethod
    def _run_pipelined(
        transaction: Transaction, work: Callable[[Transaction], T], write: bool
    ) -> T:
        """``work`` in one pipeline whose last script also carries the COMMIT: of the changes,
        or of a refused request that wrote nothing (no round trip of its own). Anything that
        wrote and failed is rolled back afterwards, as usual."""
        repo = transaction.repo
        with repo.pipeline():
            try:
                result = work(transaction)
            except sa_exc.DBAPIError:
                raise
            except Exception:
                if not transaction.wrote:
                    repo.commit_in_pipeline()
                raise
            if write:
                repo.commit_in_pipeline()
        return result


def _short(error: BaseException) -> str:
    return str(error).splitlines()[0][:200]


def _translate(error: sa_exc.DBAPIError) -> Exception:
    original = error.orig
    sqlstate = getattr(original, "sqlstate", None)
    text = str(original)
    if sqlstate == "23P01" or RESERVATIONS_NO_OVERLAP in text:
        return SlotUnavailable()
    if "idempotency_records" in text and (sqlstate == "23505" or "UNIQUE" in text):
        # Another request with the same key committed first: run again to replay (or refuse) it.
        return _Retry(IdempotencyConflict())
    if sqlstate in _RETRYABLE_SQLSTATES:
        return _Retry(SlotUnavailable())
    if sqlstate in ("26000", "42P05"):
        # A prepared statement the server no longer has, or has already (see
        # adapters/compiled): the retry reads back which it has.
        return _Retry(ServiceUnavailable())
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
