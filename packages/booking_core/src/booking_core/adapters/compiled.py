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
from datetime import UTC, date, datetime, time
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc
from sqlalchemy.dialects import postgresql

Processor = Callable[[Any], Any]
_REQUIRED = object()

#: Set in a connection's info once its current transaction has sent anything but a SELECT.
_WROTE = "booking_wrote"


def start_write_tracking(connection: sa.Connection) -> None:
    connection.info[_WROTE] = False


def mark_written(connection: sa.Connection) -> None:
    connection.info[_WROTE] = True


def wrote(connection: sa.Connection) -> bool:
    """Whether the current transaction may have changed anything (unknown counts as yes)."""
    return bool(connection.info.get(_WROTE, True))


def is_read_only(sql: str) -> bool:
    return sql.lstrip()[:6].upper() == "SELECT"


class _Compiled:
    """One statement's SQL, parameter order and type conversions for one dialect."""

    def __init__(self, statement: Any, dialect: sa.Dialect, column_keys: Sequence[str] | None):
        compiled = statement.compile(dialect=dialect, column_keys=column_keys)
        if any(bind.expanding for bind in compiled.binds.values()):
            raise ValueError("expanding IN parameters need SQLAlchemy's execution: use arrays")
        self.sql: str = compiled.string
        self.writes = not is_read_only(self.sql)
        self.positional: tuple[str, ...] | None = (
            tuple(compiled.positiontup) if compiled.positional else None
        )
        # Each parameter: its name, the value bound in the statement itself (a literal) or
        # _REQUIRED, and its type's conversion.
        self.binds: list[tuple[str, Any, Processor | None]] = [
            (
                name,
                _REQUIRED if compiled.params.get(name) is None else compiled.params[name],
                bind.type.dialect_impl(dialect).bind_processor(dialect),
            )
            for name, bind in compiled.binds.items()
        ]
        if self.positional is not None:  # one entry per placeholder, in order
            by_name = {bind[0]: bind for bind in self.binds}
            self.binds = [by_name[name] for name in self.positional]
        self.names = [name for name, _, _ in self.binds]
        columns = list(getattr(statement, "exported_columns", ()))
        keys = [c.key for c in columns]
        self.row_type = namedtuple("Row", keys, rename=True) if columns else None
        self.result_processors: list[Processor | None] = [
            c.type.dialect_impl(dialect).result_processor(dialect, None) for c in columns
        ]
        self.any_result_processor = any(self.result_processors)

    def parameters(self, values: dict[str, Any]) -> Any:
        """The DBAPI parameters: this statement's own, converted (others in ``values`` are
        ignored, so a batch can share one dict)."""
        converted = []
        for name, default, process in self.binds:
            value = values.get(name, default)
            if value is _REQUIRED:
                raise KeyError(f"no value for the parameter {name!r} of: {self.sql}")
            converted.append(process(value) if process is not None and value is not None else value)
        if self.positional is not None:
            return converted
        return dict(zip(self.names, converted, strict=True))

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
        self._rows: list[Any] | None = None

    def all(self) -> list[Any]:
        if self._rows is None:
            if self._compiled.row_type is None:
                return []
            try:
                self._rows = self._compiled.rows(self._cursor.fetchall())
            except self._connection.dialect.loaded_dbapi.Error as error:
                raise translated_error(self._connection, self._compiled.sql, error) from error
        return self._rows

    def close(self) -> None:
        self._cursor.close()


class Result(Protocol):
    """Rows sent for (in a pipeline, available once it syncs)."""

    def all(self) -> list[Any]: ...


def _driver_connection(connection: sa.Connection) -> Any:
    return connection.connection.driver_connection


def translated_error(connection: sa.Connection, sql: str, error: Any) -> sa_exc.StatementError:
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
    pending = send(connection, statement, values)
    try:
        return pending.all()
    finally:
        pending.close()


def send(
    connection: sa.Connection, statement: CompiledStatement, values: dict[str, Any] | None = None
) -> Pending:
    """Send the statement (inside a :func:`pipeline`, without waiting for it); ``.all()`` on the
    result waits for its rows."""
    compiled = statement.compiled(connection.dialect)
    parameters = compiled.parameters(values or {})
    if compiled.writes:
        mark_written(connection)
    cursor = _driver_connection(connection).cursor()
    try:
        cursor.execute(compiled.sql, parameters)
    except connection.dialect.loaded_dbapi.Error as error:
        raise translated_error(connection, compiled.sql, error) from error
    return Pending(connection, compiled, cursor)


def execute_many(
    connection: sa.Connection, statement: CompiledStatement, rows: list[dict[str, Any]]
) -> None:
    compiled = statement.compiled(connection.dialect)
    mark_written(connection)
    cursor = _driver_connection(connection).cursor()
    try:
        cursor.executemany(compiled.sql, [compiled.parameters(row) for row in rows])
    except connection.dialect.loaded_dbapi.Error as error:
        raise translated_error(connection, compiled.sql, error) from error
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
        raise translated_error(connection, "pipeline", error) from error


def _json_value_loader(column: Any) -> Processor | None:
    """How a column's value comes back inside PostgreSQL JSON: times as ISO text."""
    column_type = column.type
    if isinstance(column_type, sa.TypeDecorator):
        column_type = column_type.impl
    try:
        python_type = column_type.python_type
    except NotImplementedError:
        return None
    if python_type is datetime:
        return lambda text: datetime.fromisoformat(text).astimezone(UTC)
    if python_type is date:
        return date.fromisoformat
    if python_type is time:
        return time.fromisoformat
    return None


class _JsonRows:
    """The rows of one select of a batch, from the JSON array PostgreSQL built."""

    def __init__(self, select: Any) -> None:
        columns = list(select.exported_columns)
        self.row_type: Any = namedtuple("Row", [c.key for c in columns], rename=True)  # type: ignore[misc]
        self.loaders = [_json_value_loader(c) for c in columns]

    def rows(self, values: list[list[Any]] | None) -> list[Any]:
        make, loaders = self.row_type._make, self.loaders
        return [
            make(
                [
                    load(v) if load is not None and v is not None else v
                    for load, v in zip(loaders, row, strict=True)
                ]
            )
            for row in values or ()
        ]


class BatchedSelects:
    """Several SELECTs sharing parameter names, run as one statement on PostgreSQL.

    Each select's rows come back as one JSON array (a single parse in C), so a batch of seven
    reads costs one statement's overhead on the client and the server instead of seven. The rows
    keep each select's ORDER BY (aggregated in that order). On SQLite, where a statement costs a
    few microseconds and there is no round trip, the selects run one by one.
    """

    def __init__(self, *selects: CompiledStatement) -> None:
        self.selects = selects
        postgres = [s.per_dialect.get("postgresql", s.statement) for s in selects]
        self._json_rows = [_JsonRows(select) for select in postgres]
        self._combined = CompiledStatement(
            sa.select(*[_json_array(select).label(f"r{i}") for i, select in enumerate(postgres)])
        )

    def send(self, connection: sa.Connection, values: dict[str, Any]) -> list[Result]:
        """Send the batch; one result per select, in order (``.all()`` for its rows)."""
        if connection.dialect.name != "postgresql":
            return [send(connection, select, values) for select in self.selects]
        combined = send(connection, self._combined, values)
        return [_JsonResult(combined, i, rows) for i, rows in enumerate(self._json_rows)]


class _JsonResult:
    def __init__(self, combined: Pending, index: int, json_rows: _JsonRows) -> None:
        self._combined, self._index, self._json_rows = combined, index, json_rows

    def all(self) -> list[Any]:
        return self._json_rows.rows(self._combined.all()[0][self._index])


def _json_array(select: Any) -> Any:
    """``select`` as a scalar subquery giving its rows as a JSON array of value arrays, in the
    select's own order."""
    ordering = list(select._order_by_clauses)
    values = sa.func.json_build_array(*[_unlabeled(c) for c in select.selected_columns])
    aggregated = sa.func.json_agg(
        postgresql.aggregate_order_by(values, *ordering) if ordering else values
    )
    return (
        select.with_only_columns(sa.func.coalesce(aggregated, sa.literal_column("'[]'::json")))
        .order_by(None)
        .scalar_subquery()
    )


def _unlabeled(column: Any) -> Any:
    return column.element if isinstance(column, sa.Label) else column
