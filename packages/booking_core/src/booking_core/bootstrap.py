"""The one wiring place: settings, engine, unit of work and dispatcher, built together.

    system = bootstrap()                  # BOOKING_* settings from the environment
    slots = find_available_slots(system.uow, ...)
    stop = system.start_dispatcher()      # the background sender of a server process
    ...
    system.close()

The HTTP server, the MCP server and the ``booking`` command all start here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType

import sqlalchemy as sa

from booking_core.adapters.database import create_database_engine
from booking_core.clock import Clock, system_clock
from booking_core.notify.dispatcher import (
    DispatchReport,
    run_dispatcher,
    start_background_dispatcher,
)
from booking_core.services.unit_of_work import UnitOfWork
from booking_core.settings import BookingSettings


@dataclass
class BookingSystem:
    settings: BookingSettings
    engine: sa.Engine
    uow: UnitOfWork
    owns_engine: bool = True

    def start_dispatcher(self) -> Callable[[], None]:
        """Send the outbox from a background thread of this process; returns its stop."""
        return start_background_dispatcher(self.uow)

    def run_dispatcher(self, once: bool = False) -> DispatchReport:
        """Send the outbox in this thread (``booking notify run``)."""
        return run_dispatcher(self.uow, once=once)

    def close(self) -> None:
        if self.owns_engine:
            self.engine.dispose()

    def __enter__(self) -> BookingSystem:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def pool_limits(settings: BookingSettings) -> dict[str, int]:
    """Each process's share of ``db_max_connections`` (PostgreSQL; SQLite keeps its own)."""
    if settings.is_sqlite:
        return {}
    share = max(2, settings.db_max_connections // settings.workers)
    return {"pool_size": max(1, share // 2), "max_overflow": share - max(1, share // 2)}


def bootstrap(
    settings: BookingSettings | None = None,
    *,
    engine: sa.Engine | None = None,
    clock: Clock = system_clock,
    require_secret: bool = True,
) -> BookingSystem:
    """Build the system from ``settings`` (default: the ``BOOKING_*`` environment). Raises
    ``MissingSecretKey`` on PostgreSQL without ``BOOKING_SECRET_KEY``.

    ``require_secret=False`` is for maintenance that derives no token (schema checks, loading
    the demo business): the secret is then resolved only if something asks for it."""
    settings = settings or BookingSettings()
    owns_engine = engine is None
    engine = engine or create_database_engine(settings.database_url, **pool_limits(settings))
    try:
        uow = UnitOfWork(settings, engine=engine, clock=clock)
        if require_secret:
            uow.secret  # noqa: B018 (refuse to start without it)
    except BaseException:
        if owns_engine:
            engine.dispose()
        raise
    return BookingSystem(settings, engine, uow, owns_engine)
