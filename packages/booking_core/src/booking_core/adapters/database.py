"""Engines for both databases, and psycopg's pipeline mode for the booking transaction.

SQLite: WAL, a busy timeout, foreign keys, and write transactions that begin with
``BEGIN IMMEDIATE`` (SQLAlchemy's documented pysqlite recipe) so the check and the insert of
concurrent writers are serialized by the database's write lock. Read transactions stay deferred.

PostgreSQL: a booking transaction may run in psycopg's pipeline mode (``run_in_pipeline``):
statements whose rows nobody reads yet (the advisory locks, the writes, COMMIT) travel together
with the next statement whose rows are read, instead of one round trip each.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import psycopg
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import make_url

#: Execution option marking a connection whose transaction will write (SQLite: BEGIN IMMEDIATE).
WRITE_OPTION = "booking_write"
#: Execution option of a statement whose rows are never read (PostgreSQL: the advisory locks):
#: inside a pipeline it travels with the next statement instead of costing a round trip.
ROWS_UNREAD_OPTION = "booking_rows_unread"
_PIPELINE = "booking_pipeline"
T = TypeVar("T")


def create_database_engine(url: str, **kwargs: Any) -> sa.Engine:
    if make_url(url).get_backend_name() == "sqlite":
        return _sqlite_engine(url, **kwargs)
    # No pre-ping (a round trip per transaction): a connection the server dropped is
    # invalidated on first use and the unit of work retries the transaction on a new one.
    # Fail fast (503 service_unavailable) instead of hanging when the server does not answer.
    connect_args = kwargs.setdefault("connect_args", {})
    connect_args.setdefault("connect_timeout", 5)
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    engine = sa.create_engine(url, **kwargs)
    allow_pipelines(engine)
    return engine


def allow_pipelines(engine: sa.Engine) -> None:
    """Let ``run_in_pipeline`` work on this engine (any engine, wherever it was made), once."""
    if is_postgresql(engine) and not event.contains(
        engine, "after_cursor_execute", _read_rows_in_pipeline
    ):
        event.listen(engine, "after_cursor_execute", _read_rows_in_pipeline)


def end_failed_transaction(connection: sa.Connection) -> None:
    """After a COMMIT that failed, end the transaction the driver may still be in: SQLAlchemy
    counts its transaction as ended, and the pool would otherwise hand the connection on
    inside the failed one. (The driver's rollback does nothing when idle.)"""
    if connection.invalidated or connection.closed:
        return
    try:
        connection.connection.dbapi_connection.rollback()  # type: ignore[union-attr]
    except Exception:  # a connection that cannot roll back is not reused
        connection.invalidate()


def is_postgresql(bind: sa.Engine | sa.Connection) -> bool:
    return bind.dialect.name == "postgresql"


def run_in_pipeline(connection: sa.Connection, work: Callable[[], T], commit: bool) -> T:
    """PostgreSQL: run ``work`` in psycopg's pipeline mode, and end the transaction in it.

    Its COMMIT (``commit``), or its ROLLBACK when ``work`` refuses with an error of its own, is
    queued and sent with the pipeline's closing sync: one round trip, where psycopg's commit and
    the pipeline's exit take one each (psycopg's own then finds the connection idle and sends
    nothing; its rollback would also drop the connection's prepared statements). After an error
    of the database the pipeline is aborted: psycopg's rollback ends that transaction. Elsewhere
    just ``work()``."""
    if not is_postgresql(connection):
        return work()
    driver: Any = connection.connection.driver_connection
    info = connection.info  # kept: a connection the server dropped cannot be asked again
    try:
        with driver.pipeline() as pipeline:
            info[_PIPELINE] = pipeline
            try:
                result = work()
            except sa.exc.DBAPIError:
                raise
            except BaseException:
                _queue(connection, "ROLLBACK")
                raise
            if commit:
                _queue(connection, "COMMIT")
            return result
    except psycopg.Error as error:  # from the closing sync: a write the database refused
        raise sa.exc.DBAPIError.instance("COMMIT", None, error, psycopg.Error) from error
    finally:
        info.pop(_PIPELINE, None)


def _queue(connection: sa.Connection, command: str) -> None:
    connection.exec_driver_sql(command, execution_options={ROWS_UNREAD_OPTION: True})


def _read_rows_in_pipeline(
    connection: sa.Connection,
    _cursor: Any,
    _statement: str,
    _params: Any,
    context: Any,
    _many: bool,
) -> None:
    """In a pipeline, a statement's rows exist only once the server has answered; SQLAlchemy
    reads the result's columns as soon as the statement is executed, so a statement that
    returns rows syncs the pipeline here (one round trip, carrying all that was queued)."""
    pipeline = connection.info.get(_PIPELINE)
    if pipeline is None or context.execution_options.get(ROWS_UNREAD_OPTION):
        return
    returning = context.compiled is not None and context.compiled.effective_returning
    if not context.is_crud or returning:
        pipeline.sync()


def _sqlite_engine(url: str, **kwargs: Any) -> sa.Engine:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    connect_args = kwargs.pop("connect_args", {})
    connect_args.setdefault("timeout", 30)
    connect_args.setdefault("check_same_thread", False)
    engine = sa.create_engine(url, connect_args=connect_args, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event emit BEGIN itself (pysqlite's own is deferred).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: sa.Connection) -> None:
        write = connection.get_execution_options().get(WRITE_OPTION)
        statement = "BEGIN IMMEDIATE" if write else "BEGIN"
        # SQLAlchemy's pysqlite recipe; a database still locked after the busy timeout
        # surfaces as an OperationalError the unit of work retries.
        connection.exec_driver_sql(statement)

    return engine
