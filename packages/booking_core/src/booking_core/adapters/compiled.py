"""Core statements compiled once per dialect and run straight on the DBAPI cursor.

SQLAlchemy's per-call execution machinery costs 30-70 µs a statement: more than SQLite takes to
run one, and as much as a PostgreSQL round trip. A booking runs about a dozen statements, so the
hot path keeps SQLAlchemy for what it is good at (the schema, building and compiling the SQL, the
column types' conversions, the transaction) and runs the compiled SQL itself.

On PostgreSQL a :func:`pipeline` sends several statements in one round trip (psycopg pipeline
mode): the server still runs them one after the other, in order, inside the transaction.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc

Processor = Callable[[Any], Any]


class _Compiled:
    """One statement's SQL, parameter order and type conversions for one dialect."""

    def __init__(self, statement: Any, dialect: sa.Dialect, column_keys: Sequence[str] | None):
        compiled = statement.compile(dialect=dialect, column_keys=column_keys)
        if any(bind.expanding for bind in compiled.binds.values()):
            raise ValueError("expanding IN parameters need SQLAlchemy's execution: use arrays")
        self.sql: str = compiled.string
        self.positional: tuple[str, ...] | None = (
            tuple(compiled.positiontup) if compiled.positional else None
        )
        self.defaults = {k: v for k, v in compiled.params.items() if v is not None}
        self.bind_processors: dict[str, Processor] = {}
        for name, bind in compiled.binds.items():
            processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if processor is not None:
                self.bind_processors[name] = processor
        columns = list(getattr(statement, "exported_columns", ()))
        keys = [c.key for c in columns]
        self.row_type = namedtuple("Row", keys, rename=True) if columns else None
        self.result_processors: list[Processor | None] = [
            c.type.dialect_impl(dialect).result_processor(dialect, None) for c in columns
        ]
        self.any_result_processor = any(self.result_processors)

    def parameters(self, values: dict[str, Any]) -> Any:
        merged = {**self.defaults, **values} if self.defaults else values
        processors = self.bind_processors
        converted = {
            k: (processors[k](v) if k in processors and v is not None else v)
            for k, v in merged.items()
        }
        if self.positional is None:
            return converted
        return tuple(converted.get(name) for name in self.positional)

    def rows(self, raw_rows: list[Any]) -> list[Any]:
        make = self.row_type._make  # type: ignore[union-attr]
        if not self.any_result_processor:
            return [make(row) for row in raw_rows]
        processors = self.result_processors
        return [
            make(
                [
                    p(v) if p is not None and v is not None else v
                    for p, v in zip(processors, row, strict=True)
                ]
            )
            for row in raw_rows
        ]


class CompiledStatement:
    """A SQLAlchemy Core statement (with named bindparams) run on the DBAPI cursor.

    ``column_keys`` names the columns an INSERT or UPDATE sets, as SQLAlchemy would infer them
    from the parameters; ``postgresql=...`` / ``sqlite=...`` give a dialect its own statement.
    """

    def __init__(
        self, statement: Any, column_keys: Sequence[str] | None = None, **per_dialect: Any
    ) -> None:
        self.statement = statement
        self.per_dialect = per_dialect  # a different statement for a dialect, by its name
        self.column_keys = list(column_keys) if column_keys is not None else None
        self._by_dialect: dict[str, _Compiled] = {}

    def compiled(self, dialect: sa.Dialect) -> _Compiled:
        found = self._by_dialect.get(dialect.name)
        if found is None:
            statement = self.per_dialect.get(dialect.name, self.statement)
            found = self._by_dialect[dialect.name] = _Compiled(statement, dialect, self.column_keys)
        return found


class Pending:
    """The rows of a statement sent in a pipeline, available once the pipeline syncs."""

    def __init__(self, connection: sa.Connection, compiled: _Compiled, cursor: Any) -> None:
        self._connection, self._compiled, self._cursor = connection, compiled, cursor

    def all(self) -> list[Any]:
        try:
            return self._compiled.rows(self._cursor.fetchall())
        except self._connection.dialect.loaded_dbapi.Error as error:
            raise _translated(self._connection, self._compiled.sql, error) from error


def _driver_connection(connection: sa.Connection) -> Any:
    return connection.connection.driver_connection


def _translated(connection: sa.Connection, sql: str, error: Any) -> sa_exc.StatementError:
    """A DBAPI error as SQLAlchemy's, as if SQLAlchemy had run the statement, so the unit of
    work translates it in one place (and a dropped connection is invalidated)."""
    dialect = connection.dialect
    disconnected = dialect.is_disconnect(error, _driver_connection(connection), None)
    if disconnected:
        connection.invalidate(error)
    translated: sa_exc.StatementError = sa_exc.DBAPIError.instance(
        sql,
        None,
        error,
        dialect.loaded_dbapi.Error,
        connection_invalidated=disconnected,
        dialect=dialect,
    )
    return translated


def execute(
    connection: sa.Connection, statement: CompiledStatement, values: dict[str, Any] | None = None
) -> list[Any]:
    """Run the statement; its rows (converted by the column types), or [] for none."""
    compiled = statement.compiled(connection.dialect)
    parameters = compiled.parameters(values or {})
    cursor = _driver_connection(connection).cursor()
    try:
        cursor.execute(compiled.sql, parameters)
        return compiled.rows(cursor.fetchall()) if compiled.row_type is not None else []
    except connection.dialect.loaded_dbapi.Error as error:
        raise _translated(connection, compiled.sql, error) from error
    finally:
        cursor.close()


def send(
    connection: sa.Connection, statement: CompiledStatement, values: dict[str, Any] | None = None
) -> Pending:
    """Send the statement (inside a :func:`pipeline`, without waiting for it); ``.all()`` on the
    result waits for its rows."""
    compiled = statement.compiled(connection.dialect)
    parameters = compiled.parameters(values or {})
    cursor = _driver_connection(connection).cursor()
    try:
        cursor.execute(compiled.sql, parameters)
    except connection.dialect.loaded_dbapi.Error as error:
        raise _translated(connection, compiled.sql, error) from error
    return Pending(connection, compiled, cursor)


def execute_many(
    connection: sa.Connection, statement: CompiledStatement, rows: list[dict[str, Any]]
) -> None:
    compiled = statement.compiled(connection.dialect)
    cursor = _driver_connection(connection).cursor()
    try:
        cursor.executemany(compiled.sql, [compiled.parameters(row) for row in rows])
    except connection.dialect.loaded_dbapi.Error as error:
        raise _translated(connection, compiled.sql, error) from error
    finally:
        cursor.close()


@contextmanager
def pipeline(connection: sa.Connection) -> Iterator[None]:
    """PostgreSQL: the statements sent inside share round trips (psycopg pipeline mode); errors
    surface at the latest when the block ends. Elsewhere: statements run as they are sent."""
    if connection.dialect.name != "postgresql":
        yield
        return
    try:
        with _driver_connection(connection).pipeline():
            yield
    except connection.dialect.loaded_dbapi.Error as error:
        raise _translated(connection, "pipeline", error) from error
