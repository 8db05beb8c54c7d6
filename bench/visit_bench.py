"""Visit availability benchmark: 30 days, any provider, on the demo business filled to ~70%.

Usage:  uv run python bench/visit_bench.py [--engine sqlite|postgresql|both] [--fill 0.7]...
          [--postgres-url postgresql+psycopg://postgres@127.0.0.1:5432/test] [--profile]
The calendar is filled with every demo service (so the rooms and the laser are busy too) until
about 70% (``--fill``) of the providers' working time is booked; then the in-process
availability of a two-service visit that needs rooms and the laser (HydraFacial + Laser Hair
Removal) and of the popular Botox + Dermal Filler visit is timed against one-service
availability. The last line printed for each engine is one JSON object.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import random
import statistics
import time
from datetime import timedelta

from booking_core import Requester, UnitOfWork, create_appointment, find_available_slots
from booking_core.demo import load_demo_business
from booking_core.errors import BookingError
from core_bench import DAYS, FIRST_DAY, Database, new_phone, new_uow
from loguru import logger

CONSULTATION, BOTOX, FILLER, HYDRAFACIAL, LASER = 1, 2, 3, 4, 5
RUNS = 30
PROFILED = [HYDRAFACIAL, LASER]


def working_minutes(uow: UnitOfWork) -> int:
    """The providers' working minutes over the 30 days (the 15-minute grid of consultations)."""
    slots = find_available_slots(
        uow, service_id=CONSULTATION, start_date=FIRST_DAY, end_date=FIRST_DAY + timedelta(DAYS - 1)
    )
    return sum(15 for s in slots) + 15 * 4 * DAYS  # each grid start, plus a shift's last half hour


def fill_calendar(uow: UnitOfWork, target: float) -> float:
    """Book random services at random free times until ``target`` of working time is busy."""
    total = working_minutes(uow)
    rng = random.Random(7)
    lengths = {CONSULTATION: 30, BOTOX: 45, FILLER: 75, HYDRAFACIAL: 75, LASER: 60}
    candidates = [
        (service, slot)
        for service in lengths
        for slot in find_available_slots(
            uow, service_id=service, start_date=FIRST_DAY, end_date=FIRST_DAY + timedelta(DAYS - 1)
        )
    ]
    rng.shuffle(candidates)
    busy = 0
    for service, slot in candidates:
        if busy >= target * total:
            break
        try:
            create_appointment(
                uow,
                service_id=service,
                provider_id=slot.provider_id,
                start=slot.start,
                client_name="Bench Client",
                client_phone=new_phone(),
                requester=Requester.admin(),
            )
        except BookingError:
            continue
        busy += lengths[service]
    return busy / total


def median_ms(uow: UnitOfWork, service_id: int | list[int]) -> tuple[float, int]:
    timings, found = [], 0
    for _ in range(RUNS):
        started = time.perf_counter()
        found = len(
            find_available_slots(
                uow,
                service_id=service_id,
                start_date=FIRST_DAY,
                end_date=FIRST_DAY + timedelta(days=DAYS - 1),
            )
        )
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings), found


def run(engine_name: str, postgres_url: str, target: float, profile: bool) -> dict[str, object]:
    database = Database(engine_name, postgres_url)
    try:
        uow = new_uow(database.url)
        load_demo_business(uow)
        fill = fill_calendar(uow, target)
        print(f"[{engine_name}] the calendar is {fill:.0%} booked")
        with uow.engine.begin() as connection:
            connection.exec_driver_sql("ANALYZE")
        figures: dict[str, object] = {"engine": engine_name, "fill": round(fill, 2)}
        for label, service_id in (
            ("one_service_laser", LASER),
            ("one_service_consultation", CONSULTATION),
            ("visit_hydrafacial_laser", [HYDRAFACIAL, LASER]),
            ("visit_botox_filler", [BOTOX, FILLER]),
        ):
            median, slots = median_ms(uow, service_id)
            print(f"[{engine_name}] {label}: median {median:.1f} ms ({slots} slots)")
            figures[f"{label}_ms_median"] = round(median, 2)
        if profile:
            profiler = cProfile.Profile()
            profiler.runcall(median_ms, uow, PROFILED)
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(18)
        uow.engine.dispose()
        return figures
    finally:
        database.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument(
        "--postgres-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test"
    )
    parser.add_argument(
        "--fill", type=float, action="append", help="share of working time to book (repeatable)"
    )
    parser.add_argument("--profile", action="store_true", help="cProfile the visit availability")
    args = parser.parse_args()
    logger.remove()
    engines = ["sqlite", "postgresql"] if args.engine == "both" else [args.engine]
    for engine_name in engines:
        for target in args.fill or [0.7]:
            print(json.dumps(run(engine_name, args.postgres_url, target, args.profile)), flush=True)


if __name__ == "__main__":
    main()
