"""Engine set-up for both engines.

SQLite: WAL, a busy timeout, foreign keys, and write transactions that begin with
``BEGIN IMMEDIATE`` (SQLAlchemy's documented pysqlite recipe) so the check and the insert of
concurrent writers are serialized by the database's write lock. Read transactions stay deferred.
"""

from __future__ import annotations

import json
import sqlite3
from functools import partial
from pathlib import Path
from typing import Any

import psycopg
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import make_url

from booking_core.adapters.compiled import (
    forget_prepared,
    is_read_only,
    mark_written,
    restore_transactions,
    translated_error,
)

#: Execution option marking a connection whose transaction will write.
WRITE_OPTION = "booking_write"


def _note_writes(connection: sa.Connection, _cursor: Any, statement: str, *_: Any) -> None:
    if not is_read_only(statement):
        mark_written(connection)


def install_hooks(engine: sa.Engine) -> None:
    """Install what the unit of work needs on any engine, once (it may come from elsewhere
    than ``create_database_engine``):

    - note which transactions run anything but a SELECT through SQLAlchemy (the compiled hot
      path notes its own), so one that wrote nothing can end without a ROLLBACK;
    - PostgreSQL: hand connections back to the pool out of the autocommit mode a pipelined
      transaction uses to send its own BEGIN; forget which statements the pipeline's scripts
      prepared when psycopg may have deallocated them (it does on ROLLBACK); parse JSON from
      the connection's encoding.
    """
    listeners: list[tuple[str, Any]] = [("before_cursor_execute", _note_writes)]
    if is_postgresql(engine):
        listeners += [
            ("connect", _load_json_in_connection_encoding),
            ("checkin", _restore_on_checkin),
            ("rollback", _forget_prepared_statements),
            ("reset", _forget_before_reset),
        ]
    for name, listener in listeners:
        if not event.contains(engine, name, listener):
            event.listen(engine, name, listener)


def end_failed_transaction(connection: sa.Connection) -> None:
    """After a COMMIT that failed, end the transaction the driver is still in.

    In a PostgreSQL pipeline an error of a statement sent before COMMIT first surfaces at the
    COMMIT, which the server then skips: SQLAlchemy marks its transaction inactive, but the
    driver is still inside the failed one and the pool would hand it on broken."""
    if connection.invalidated or connection.closed:
        return
    driver: Any = connection.connection.driver_connection
    if is_postgresql(connection):
        pending = driver.info.transaction_status != psycopg.pq.TransactionStatus.IDLE
    else:
        pending = driver.in_transaction
    if pending:
        forget_prepared(driver)
        try:
            driver.rollback()
        except Exception:  # a connection that cannot roll back is not reused
            connection.invalidate()


def create_database_engine(url: str, **kwargs: Any) -> sa.Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url, **kwargs)
    # No pre-ping (a round trip per transaction): a connection the server dropped is
    # invalidated on first use and the unit of work retries the transaction on a new one.
    # Fail fast (503 service_unavailable) instead of hanging when the server does not answer.
    connect_args = kwargs.setdefault("connect_args", {})
    connect_args.setdefault("connect_timeout", 5)
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    engine = sa.create_engine(url, **kwargs)
    install_hooks(engine)
    return engine


def _load_json_in_connection_encoding(driver: Any, _record: Any) -> None:
    # psycopg hands json.loads the raw bytes, which it then sniffs for a UTF encoding: the
    # batched booking reads are one JSON value of a few kilobytes per booking.
    psycopg.types.json.set_json_loads(partial(_json_from_bytes, driver.info.encoding), driver)


def _json_from_bytes(encoding: str, data: str | bytes) -> Any:
    return json.loads(data.decode(encoding) if isinstance(data, bytes) else data)


def _restore_on_checkin(driver: Any, _record: Any) -> None:
    restore_transactions(driver)


def _forget_before_reset(driver: Any, *_: Any) -> None:
    # The pool rolls back what a returning connection left open.
    if driver is not None and driver.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
        forget_prepared(driver)


def _forget_prepared_statements(connection: sa.Connection) -> None:
    if not connection.invalidated and not connection.closed:
        forget_prepared(connection.connection.driver_connection)


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
        # Straight on the driver: this runs for every transaction.
        driver = connection.connection.driver_connection
        assert driver is not None
        statement = (
            "BEGIN IMMEDIATE" if connection.get_execution_options().get(WRITE_OPTION) else "BEGIN"
        )
        try:
            driver.execute(statement)
        except sqlite3.Error as error:  # e.g. still locked after the busy timeout
            raise translated_error(connection, statement, error) from error

    return engine


def is_postgresql(engine: sa.Engine | sa.Connection) -> bool:
    return engine.dialect.name == "postgresql"
