"""Core statements compiled once per dialect and run straight on the DBAPI cursor.

SQLAlchemy's per-call execution machinery costs 30-70 µs a statement: more than SQLite takes to
run one, and as much as a PostgreSQL round trip. A booking runs about a dozen statements, so the
hot path keeps SQLAlchemy for what it is good at (the schema, building and compiling the SQL, the
column types' conversions, the transaction) and runs the compiled SQL itself.

On PostgreSQL a :func:`pipeline` sends the statements queued in it as one script, one round
trip (see :class:`_Script`): the server still runs them one after the other, in order, inside the
transaction.
"""

from __future__ import annotations

import hashlib
import re
import weakref
from collections import namedtuple
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, time
from typing import Any, Protocol

import psycopg
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
        if dialect.name == "postgresql":
            self.numbered_sql, self.numbered_names = _numbered(self.sql)
            # Named by its text: compiled again (another process, a cache evicted), it is the
            # same prepared statement.
            digest = hashlib.sha1(self.numbered_sql.encode()).hexdigest()[:24]
            self.prepared_name = f"booking_{digest}"
        columns = list(getattr(statement, "exported_columns", ()))
        keys = [c.key for c in columns]
        self.row_type = namedtuple("Row", keys, rename=True) if columns else None
        self.result_processors: list[Processor | None] = [
            c.type.dialect_impl(dialect).result_processor(dialect, None) for c in columns
        ]
        self.conversions = _conversions(self.result_processors)

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
        return _converted_rows(self.row_type._make, self.conversions, raw_rows)  # type: ignore[union-attr]


def _conversions(processors: Sequence[Processor | None]) -> list[tuple[int, Processor]]:
    return [(i, p) for i, p in enumerate(processors) if p is not None]


def _converted_rows(
    make: Callable[[Any], Any], conversions: list[tuple[int, Processor]], raw_rows: Any
) -> list[Any]:
    """Rows as named tuples, each value that has a conversion (and is not NULL) converted."""
    if not conversions:
        return [make(row) for row in raw_rows]
    rows = []
    for raw in raw_rows:
        values = list(raw)
        for i, convert in conversions:
            if (value := values[i]) is not None:
                values[i] = convert(value)
        rows.append(make(values))
    return rows


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


class Sent(Result, Protocol):
    """A statement sent: its rows, and ``close()`` once they are no longer needed."""

    def close(self) -> None: ...


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
) -> Sent:
    """Send the statement (inside a :func:`pipeline`, without waiting for it); ``.all()`` on the
    result waits for its rows."""
    compiled = statement.compiled(connection.dialect)
    parameters = compiled.parameters(values or {})
    if compiled.writes:
        mark_written(connection)
    driver = _driver_connection(connection)
    script = _scripts.get(driver) if connection.dialect.name == "postgresql" else None
    if script is not None:
        return script.add(compiled, parameters)
    cursor = driver.cursor()
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
    driver = _driver_connection(connection)
    script = _scripts.get(driver) if connection.dialect.name == "postgresql" else None
    if script is not None:
        for row in rows:
            script.add(compiled, compiled.parameters(row))
        return
    cursor = driver.cursor()
    try:
        cursor.executemany(compiled.sql, [compiled.parameters(row) for row in rows])
    except connection.dialect.loaded_dbapi.Error as error:
        raise translated_error(connection, compiled.sql, error) from error
    finally:
        cursor.close()


@contextmanager
def pipeline(connection: sa.Connection) -> Iterator[None]:
    """PostgreSQL: the statements sent inside go to the server together, as one script, when a
    result is first needed and when the block ends (see :class:`_Script`); errors surface then.
    Elsewhere: statements run as they are sent."""
    if connection.dialect.name != "postgresql":
        yield
        return
    driver = _driver_connection(connection)
    if driver in _scripts:
        yield
        return
    # psycopg would begin the transaction with a round trip of its own; in autocommit mode it
    # leaves that to us, and BEGIN goes with the first statements. The mode is restored when
    # the transaction has ended: here, or when the pool takes the connection back.
    own_begin = not driver.autocommit and driver.info.transaction_status == _IDLE
    if own_begin:
        try:
            driver.autocommit = True
        except connection.dialect.loaded_dbapi.Error as error:  # e.g. a closed connection
            raise translated_error(connection, "BEGIN", error) from error
    script = _scripts[driver] = _Script(connection)
    try:
        if own_begin:
            script.add_command(_begin_statement(driver))
        yield
        script.flush()
    except BaseException:
        # A refused request queued its COMMIT before raising: it still goes, and with it the
        # locks. Other queued statements are dropped (the transaction is rolled back).
        if script.queue and script.queue[-1][0] == "COMMIT":
            script.flush()
        script.closed = True
        raise
    finally:
        del _scripts[driver]
        if own_begin and driver.info.transaction_status == _IDLE:
            restore_transactions(driver)  # ended here: psycopg's own transactions again


_IDLE = psycopg.pq.TransactionStatus.IDLE
_TUPLES_OK = psycopg.pq.ExecStatus.TUPLES_OK


def _begin_statement(driver: Any) -> str:
    """The BEGIN psycopg would send, with the connection's transaction characteristics."""
    parts = ["BEGIN"]
    if driver.isolation_level is not None:
        parts.append(f"ISOLATION LEVEL {driver.isolation_level.name.replace('_', ' ')}")
    if driver.read_only is not None:
        parts.append("READ ONLY" if driver.read_only else "READ WRITE")
    if driver.deferrable is not None:
        parts.append("DEFERRABLE" if driver.deferrable else "NOT DEFERRABLE")
    return " ".join(parts)


def restore_transactions(driver: Any) -> None:
    """A PostgreSQL connection a pipeline put in autocommit mode, its transaction ended (or
    rolled back now): psycopg begins transactions itself again."""
    if driver is None or driver.closed or not driver.autocommit:
        return  # an invalidated connection, or one psycopg already manages
    try:
        if driver.info.transaction_status != _IDLE:
            driver.rollback()
            forget_prepared(driver)
        driver.autocommit = False
    except psycopg.Error:
        driver.close()  # the pool's next user finds it closed and gets a new one


def send_commit(connection: sa.Connection) -> None:
    """Inside a PostgreSQL :func:`pipeline`: COMMIT goes with the statements still queued. An
    error from any of them surfaces when the pipeline ends, and the server then skips the
    COMMIT. The driver sees the transaction ended, so SQLAlchemy's commit afterwards only
    records it."""
    _scripts[_driver_connection(connection)].add_command("COMMIT")


_PLACEHOLDER = re.compile(r"%\((\w+)\)s|%%")


def _numbered(sql: str) -> tuple[str, list[str]]:
    """pyformat SQL (``%(name)s``) as PREPARE wants it (``$1``), and the names in that order."""
    names: list[str] = []

    def number(match: re.Match[str]) -> str:
        name = match.group(1)
        if name is None:
            return "%"
        if name not in names:
            names.append(name)
        return f"${names.index(name) + 1}"

    return _PLACEHOLDER.sub(number, sql), names


class _Script:
    """PostgreSQL: queued statements sent as one simple-protocol query string, one round trip.

    Each statement is a server-side prepared statement of the connection (PREPARE once, in
    the script that first uses it; EXECUTE with its parameters as literals rendered by
    psycopg). Measured against psycopg's pipeline mode for the same BEGIN, locks, reads and
    COMMIT: 190 µs of client CPU instead of 310, and the client's CPU is what a booking spends
    most under contention. The server runs the statements in order, each with its own
    snapshot; the first error stops the script (inside BEGIN, the transaction is then failed).
    """

    def __init__(self, connection: sa.Connection) -> None:
        self.connection = connection
        self.driver = _driver_connection(connection)
        self.queue: list[tuple[_Compiled | str, dict[str, Any], ScriptResult | None]] = []
        self.closed = False  # its pipeline has ended

    def add_command(self, command: str) -> None:
        self.queue.append((command, {}, None))

    def add(self, compiled: _Compiled, parameters: dict[str, Any]) -> ScriptResult:
        result = ScriptResult(self, compiled)
        self.queue.append((compiled, parameters, result))
        return result

    def flush(self) -> None:
        if not self.queue:
            return
        if self.closed:
            raise RuntimeError("these statements were not sent: their pipeline ended in error")
        queue, self.queue = self.queue, []
        try:
            self._run(queue)
        except UnicodeError as error:  # text the connection's encoding cannot carry
            unstorable = psycopg.DataError(str(error))
            raise translated_error(self.connection, "script", unstorable) from error
        except self.connection.dialect.loaded_dbapi.Error as error:
            forget_prepared(self.driver)  # a failed script may have prepared some of its own
            raise translated_error(self.connection, "script", error) from error

    def _run(
        self, queue: list[tuple[_Compiled | str, dict[str, Any], ScriptResult | None]]
    ) -> None:
        driver = self.driver
        encoding = driver.info.encoding
        prepared: set[str] | None = None  # read when a statement needs it (not for a COMMIT)
        parts: list[bytes] = []
        rows_for: list[ScriptResult | None] = []  # one entry per statement of the script
        new_names = []
        cursor = psycopg.ClientCursor(driver)  # renders the literals, then runs the script
        for item, values, result in queue:
            if isinstance(item, str):
                parts.append(item.encode(encoding))
                rows_for.append(None)
                continue
            if prepared is None:
                prepared = _prepared_statements(driver)
            name = item.prepared_name
            if name not in prepared and name not in new_names:
                parts.append(f"PREPARE {name} AS {item.numbered_sql}".encode(encoding))
                rows_for.append(None)
                new_names.append(name)
            arguments = [values[n] for n in item.numbered_names]
            placeholders = ", ".join(["%s"] * len(arguments))
            parts.append(
                cursor.mogrify(
                    f"EXECUTE {name}({placeholders})" if arguments else f"EXECUTE {name}", arguments
                ).encode(encoding)
            )
            rows_for.append(result)
        try:
            # No parameters: sent as it is (and not a candidate for psycopg's own preparing).
            cursor.execute(b"; ".join(parts), prepare=False)
            if prepared is not None:
                prepared.update(new_names)
            for result in rows_for:
                if result is not None:
                    returned = cursor.pgresult
                    has_rows = returned is not None and returned.status == _TUPLES_OK
                    result.rows = cursor.fetchall() if has_rows else []
                cursor.nextset()
        finally:
            cursor.close()


class ScriptResult:
    """The rows of a statement queued in a script, there once the script has run."""

    def __init__(self, script: _Script, compiled: _Compiled) -> None:
        self._script, self._compiled = script, compiled
        self.rows: list[Any] | None = None
        self._converted: list[Any] | None = None

    def all(self) -> list[Any]:
        if self.rows is None:
            self._script.flush()
        if self._compiled.row_type is None:
            return []
        if self._converted is None:
            self._converted = self._compiled.rows(self.rows or [])
        return self._converted

    def close(self) -> None:
        pass


# Per driver connection: the script being queued, and the names this module prepared on it
# (_UNKNOWN: read back from the server before the next script).
_scripts: weakref.WeakKeyDictionary[Any, _Script] = weakref.WeakKeyDictionary()
_prepared: weakref.WeakKeyDictionary[Any, set[str]] = weakref.WeakKeyDictionary()  # or _UNKNOWN


def _prepared_statements(driver: Any) -> set[str]:
    names = _prepared.setdefault(driver, set())  # a connection new to this module: none
    if names is _UNKNOWN:
        rows = driver.execute(
            "SELECT name FROM pg_prepared_statements WHERE name LIKE 'booking\\_%%'"
        ).fetchall()
        names = _prepared[driver] = {row[0] for row in rows}
    return names


def forget_prepared(driver: Any) -> None:
    """After an error or a ROLLBACK (psycopg may then have deallocated every prepared
    statement): the next script reads back which of this module's the server still has."""
    if driver in _prepared:
        _prepared[driver] = _UNKNOWN


_UNKNOWN: set[str] = set()


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
        self.conversions = _conversions([_json_value_loader(c) for c in columns])

    def rows(self, values: list[list[Any]] | None) -> list[Any]:
        return _converted_rows(self.row_type._make, self.conversions, values or ())


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
        # One JSON value holding each select's array: one column for the driver to parse.
        self._combined = CompiledStatement(
            sa.select(
                sa.func.json_build_array(*[_json_array(select) for select in postgres]).label(
                    "batch"
                )
            )
        )

    def send(self, connection: sa.Connection, values: dict[str, Any]) -> list[Result]:
        """Send the batch; one result per select, in order (``.all()`` for its rows)."""
        if connection.dialect.name != "postgresql":
            return [send(connection, select, values) for select in self.selects]
        combined = send(connection, self._combined, values)
        return [_JsonResult(combined, i, rows) for i, rows in enumerate(self._json_rows)]


class _JsonResult:
    def __init__(self, combined: Sent, index: int, json_rows: _JsonRows) -> None:
        self._combined, self._index, self._json_rows = combined, index, json_rows

    def all(self) -> list[Any]:
        return self._json_rows.rows(self._combined.all()[0].batch[self._index])


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
