"""HTTP benchmark: `booking serve` (PostgreSQL, 4 workers) against a one-`SELECT 1` FastAPI app.

Scenarios, each for --duration seconds after a short warm-up, with --concurrency keep-alive
connections spread over --client-processes load processes:
- availability: GET /api/availability for 7 days, any provider (Consultation: all 4 providers);
- create under contention: POST /api/booking/create, every request for a random slot of the next
  14 days' availability (the same pool for all clients), each with a fresh phone number: early
  requests mostly win (201), later ones mostly lose (409 with alternatives);
- select1: GET /select1 on a minimal FastAPI app (same uvicorn, same worker count, same
  SQLAlchemy/psycopg pool, a sync endpoint like ours) doing one `SELECT 1` on the same database.

Usage (everything started and cleaned up by the script, on a fresh PostgreSQL database):
    uv run python bench/http_bench.py [--postgres-url postgresql+psycopg://postgres@127.0.0.1:5432/test]
Against a server you started yourself (with BOOKING_RATE_LIMIT_PER_MINUTE=0 and
BOOKING_MAX_FUTURE_BOOKINGS_PER_PHONE=0, demo business loaded):
    uv run python bench/http_bench.py --url http://127.0.0.1:8000 --database-url <its database>
The last line printed is one JSON object with the figures.

The load generator is a minimal HTTP/1.1 keep-alive client on asyncio (uvloop), so the client
costs as little CPU as possible; on a small machine client and server still share the cores, so
read the ratio to select1 rather than the absolute numbers.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

HERE = Path(__file__).resolve().parent
BOOKING = str(Path(sys.executable).with_name("booking"))
CONSULTATION = 1
WARMUP_SECONDS = 2.0


# --- the baseline app ---------------------------------------------------------------------------
def create_select1_app() -> Any:
    """uvicorn factory: one sync endpoint running `SELECT 1` (BENCH_DATABASE_URL)."""
    from booking_core.adapters.database import create_database_engine
    from fastapi import FastAPI

    engine = create_database_engine(os.environ["BENCH_DATABASE_URL"])
    app = FastAPI()

    @app.get("/select1")
    def select1() -> dict[str, int]:
        with engine.connect() as connection:
            return {"value": connection.execute(sa.text("SELECT 1")).scalar_one()}

    return app


# --- a tiny keep-alive HTTP/1.1 client ----------------------------------------------------------
class Connection:
    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, body: bytes | None = None) -> int:
        for attempt in (1, 2):
            try:
                if self.writer is None:
                    self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
                return await self._exchange(method, path, body)
            except (ConnectionError, asyncio.IncompleteReadError):
                self.writer = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    async def _exchange(self, method: str, path: str, body: bytes | None) -> int:
        assert self.reader is not None and self.writer is not None
        head = f"{method} {path} HTTP/1.1\r\nHost: {self.host}\r\n"
        if body is not None:
            head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        self.writer.write(head.encode() + b"\r\n" + (body or b""))
        headers = await self.reader.readuntil(b"\r\n\r\n")
        status = int(headers[9:12])
        length = 0
        for line in headers.split(b"\r\n"):
            if line[:15].lower() == b"content-length:":
                length = int(line[15:])
        await self.reader.readexactly(length)
        return status


def _load_process(
    host: str,
    port: int,
    connections: int,
    seconds: float,
    make_request: Callable[[int, int], tuple[str, str, bytes | None]],
    seed: int,
    results: Any,
) -> None:
    import uvloop

    async def worker(
        index: int, deadline: float, latencies: list[float], statuses: Counter[int]
    ) -> None:
        connection = Connection(host, port)
        sequence = 0
        while time.perf_counter() < deadline:
            method, path, body = make_request(seed * 1000 + index, sequence)
            sequence += 1
            started = time.perf_counter()
            status = await connection.request(method, path, body)
            latencies.append(time.perf_counter() - started)
            statuses[status] += 1

    async def main() -> tuple[list[float], Counter[int]]:
        latencies: list[float] = []
        statuses: Counter[int] = Counter()
        deadline = time.perf_counter() + seconds
        await asyncio.gather(
            *(worker(i, deadline, latencies, statuses) for i in range(connections))
        )
        return latencies, statuses

    random.seed(seed)
    results.put(uvloop.run(main()))


def run_load(
    base_url: str,
    make_request: Callable[[int, int], tuple[str, str, bytes | None]],
    seconds: float,
    concurrency: int,
    processes: int,
) -> dict[str, Any]:
    url = httpx.URL(base_url)
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    shares = [
        concurrency // processes + (1 if i < concurrency % processes else 0)
        for i in range(processes)
    ]
    workers = [
        context.Process(
            target=_load_process,
            args=(url.host, url.port, share, seconds, make_request, i + 1, results),
        )
        for i, share in enumerate(shares)
    ]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    collected = [results.get(timeout=seconds + 120) for _ in workers]
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - started
    latencies = sorted(value for part, _ in collected for value in part)
    statuses: Counter[int] = Counter()
    for _, part in collected:
        statuses.update(part)
    count = len(latencies)
    return {
        "requests": count,
        "rps": round(count / min(elapsed, seconds + 0.5), 1),
        "p50_ms": round(latencies[count // 2] * 1000, 2) if count else None,
        "p99_ms": round(latencies[min(count - 1, int(count * 0.99))] * 1000, 2) if count else None,
        "mean_ms": round(statistics.fmean(latencies) * 1000, 2) if count else None,
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
    }


# --- scenarios ----------------------------------------------------------------------------------
def availability_request(first_day: str) -> Callable[[int, int], tuple[str, str, bytes | None]]:
    path = f"/api/availability?service_id={CONSULTATION}&date={first_day}&days=7"
    return lambda _client, _n: ("GET", path, None)


AREA_CODES = ["312", "773", "415", "617", "718", "917", "206", "512"]


class CreateRequests:
    """Picklable request maker: a random slot of the pool, a phone number never used before
    (per run: the warm-up and the measured run get different ``run`` numbers)."""

    def __init__(self, slots: list[dict[str, Any]], run: int) -> None:
        self.slots = slots
        self.run = run

    def __call__(self, client: int, n: int) -> tuple[str, str, bytes | None]:
        slot = random.choice(self.slots)
        process, connection = divmod(client, 1000)
        area = AREA_CODES[(self.run * 2 + n // 10_000) % len(AREA_CODES)]
        exchange = 200 + (connection + 64 * process) % 800
        phone = f"+1{area}{exchange:03d}{n % 10_000:04d}"
        body = {
            "service_id": CONSULTATION,
            "provider_id": slot["provider_id"],
            "start": slot["start"],
            "client": {"name": f"Bench {client}", "phone": phone},
        }
        return "POST", "/api/booking/create", json.dumps(body).encode()


def select1_request(_client: int, _n: int) -> tuple[str, str, bytes | None]:
    return "GET", "/select1", None


# --- servers ------------------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_for(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"server did not answer {url}:\n{log.read_text()[-3000:]}")


@contextmanager
def started(command: list[str], env: dict[str, str], ready_url: str, log: Path) -> Iterator[None]:
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        _wait_for(ready_url, process, log)
        yield
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


@contextmanager
def fresh_database(server_url: str) -> Iterator[str]:
    admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    name = f"booking_bench_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield (
            sa.engine.make_url(server_url).set(database=name).render_as_string(hide_password=False)
        )
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def _server_env(database_url: str, workdir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOOKING_")}
    env.update(
        BOOKING_DATABASE_URL=database_url,
        BOOKING_ADMIN_TOKEN=uuid.uuid4().hex,
        BOOKING_AI_TOKEN=uuid.uuid4().hex,
        BOOKING_SECRET_KEY=uuid.uuid4().hex,
        BOOKING_RATE_LIMIT_PER_MINUTE="0",
        BOOKING_MAX_FUTURE_BOOKINGS_PER_PHONE="0",
        BOOKING_NOTIFY_BACKGROUND="false",
        BOOKING_OUTBOX_FILE=str(workdir / "outbox.jsonl"),
        BENCH_DATABASE_URL=database_url,
    )
    return env


# --- main ---------------------------------------------------------------------------------------
def measure(args: argparse.Namespace, booking_url: str, select1_url: str) -> dict[str, Any]:
    first_day = (date.today() + timedelta(days=1)).isoformat()
    pool = httpx.get(
        f"{booking_url}/api/availability",
        params={"service_id": CONSULTATION, "date": first_day, "days": 14},
        timeout=60,
    ).json()["slots"]
    load = dict(concurrency=args.concurrency, processes=args.client_processes)

    def scenario(name: str, url: str, make: Callable[[int], Any]) -> dict[str, Any]:
        run_load(url, make(0), WARMUP_SECONDS, **load)
        figures = run_load(url, make(1), args.duration, **load)
        print(
            f"{name:<14} {figures['rps']:>8.1f} req/s  p50 {figures['p50_ms']:>7.2f} ms  "
            f"p99 {figures['p99_ms']:>7.2f} ms  statuses {figures['statuses']}",
            flush=True,
        )
        return figures

    results = {
        "select1": scenario("select1", select1_url, lambda _run: select1_request),
        "availability": scenario(
            "availability", booking_url, lambda _run: availability_request(first_day)
        ),
        # Warm-up creates consume slots too: the measured run contends for the remainder.
        "create": scenario("create", booking_url, lambda run: CreateRequests(pool, run)),
    }
    results["create"]["slot_pool"] = len(pool)
    base = results["select1"]["rps"]
    results["ratio"] = {
        "availability_vs_select1": round(results["availability"]["rps"] / base, 3),
        "create_vs_select1": round(results["create"]["rps"] / base, 3),
    }
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get(
            "BOOKING_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        ),
        help="a PostgreSQL server to create the bench database on (any database of it)",
    )
    parser.add_argument("--url", help="an already started booking server (skips starting one)")
    parser.add_argument("--database-url", help="with --url: that server's database (for SELECT 1)")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per scenario")
    parser.add_argument("--concurrency", type=int, default=32, help="open connections")
    parser.add_argument("--client-processes", type=int, default=2)
    args = parser.parse_args()

    workdir = Path(os.environ.get("TMPDIR", "/tmp")) / f"http-bench-{uuid.uuid4().hex[:8]}"
    workdir.mkdir(parents=True)
    select1_port = _free_port()
    select1_url = f"http://127.0.0.1:{select1_port}"
    select1_command = [
        sys.executable, "-m", "uvicorn", "--app-dir", str(HERE), "http_bench:create_select1_app",
        "--factory", "--host", "127.0.0.1", "--port", str(select1_port),
        "--workers", str(args.workers), "--log-level", "warning", "--no-access-log",
    ]  # fmt: skip

    if args.url:
        if not args.database_url:
            raise SystemExit("--url needs --database-url (the database for the SELECT 1 app)")
        env = {**os.environ, "BENCH_DATABASE_URL": args.database_url}
        with started(select1_command, env, f"{select1_url}/select1", workdir / "select1.log"):
            results = measure(args, args.url.rstrip("/"), select1_url)
        engine = "given"
    else:
        with fresh_database(args.postgres_url) as database_url:
            env = _server_env(database_url, workdir)
            for command in (["db", "upgrade"], ["demo", "load"]):
                subprocess.run([BOOKING, *command], env=env, check=True, capture_output=True)
            port = _free_port()
            booking_url = f"http://127.0.0.1:{port}"
            serve = [BOOKING, "serve", "--port", str(port), "--workers", str(args.workers)]
            with (
                started(serve, env, f"{booking_url}/api/services", workdir / "booking.log"),
                started(select1_command, env, f"{select1_url}/select1", workdir / "select1.log"),
            ):
                results = measure(args, booking_url, select1_url)
        engine = "postgresql"
    results["setup"] = {
        "database": engine,
        "workers": args.workers,
        "concurrency": args.concurrency,
        "client_processes": args.client_processes,
        "duration_s": args.duration,
        "cpus": os.cpu_count(),
    }
    print(
        f"ratio: availability {results['ratio']['availability_vs_select1']:.3f} x select1, "
        f"create {results['ratio']['create_vs_select1']:.3f} x select1"
    )
    print(json.dumps(results))


if __name__ == "__main__":
    main()
