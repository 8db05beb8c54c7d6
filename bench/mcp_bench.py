"""MCP benchmark: N concurrent AI-receptionist sessions over streamable HTTP on `booking serve`.

Each session is the `mcp` package's own client (`Client(streamable_http_client(...))`, as
tests/mcp/mcp_helpers.py uses it) with the AI token and a caller number of its own in the
caller-number header (X-Caller-Number), so reading appointments needs no verification code. Each
session calls, in a closed loop (no think time), for --duration seconds after a short warm-up:
- find_available_slots: a random service (1..5) on a random date 3-20 days ahead;
- book_appointment: a random start of that answer (with its provider); a refusal (a taken slot,
  `slot_unavailable`, the HTTP API's 409, or `client_overlap`: the caller already holds an
  appointment then) is fine and counted by code;
- find_appointments: the session's own appointments (the caller number from the header).
Every session first calls get_business_info (for the business's "today"); that call and the
warm-up calls are not counted. The sessions are spread over --client-processes load processes.
Outcomes are counted per tool: `ok`, an error code, or `no_slots:<reason>` for a find with no
free time (the demo calendar fills as the sessions book: in a 20-second run about half the finds
end `fully_booked`, and such an answer also looks for the next free time, which costs more).

Usage (everything started and cleaned up by the script: a fresh PostgreSQL database, migrated,
with the demo business, served by `booking serve --workers 4`, dropped afterwards):
    uv run python bench/mcp_bench.py [--sessions 8] [--duration 20]
        [--postgres-url postgresql+psycopg://postgres@127.0.0.1:5432/test]
Against a server you started yourself (with BOOKING_AI_CALLS_PER_MINUTE=0 and
BOOKING_MAX_FUTURE_BOOKINGS_PER_PHONE=0, demo business loaded):
    uv run python bench/mcp_bench.py --url http://127.0.0.1:8000 --ai-token <BOOKING_AI_TOKEN>
Prints p50/p99 per tool; the last line printed is one JSON object with the figures.

Client and server share the machine's cores: the client's own CPU seconds are printed too, so a
client-bound run can be told from a server-bound one.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from http_bench import BOOKING, WARMUP_SECONDS, _free_port, _server_env, fresh_database, started

TOOLS = ("find_available_slots", "book_appointment", "find_appointments")
SERVICE_IDS = (1, 2, 3, 4, 5)
FIRST_DAY_AHEAD, LAST_DAY_AHEAD = 3, 20


def caller_number(run: int, session: int) -> str:
    """A valid US number of its own per session (and per run, against a long-lived server)."""
    exchange = 200 + run % 800
    return f"+1312{exchange:03d}{1000 + session:04d}"


def code_of(result: Any) -> str:
    """`ok` (`no_slots:<reason>` for a find with no free time), or the error code."""
    if not result.is_error:
        answer = result.structured_content or {}
        if "slots" in answer and not answer["slots"]:
            return f"no_slots:{answer.get('reason')}"
        return "ok"
    structured = result.structured_content or {}
    return str((structured.get("error") or {}).get("code") or "error")


# --- one load process: its share of the sessions ------------------------------------------------
async def _session(
    url: str,
    token: str,
    phone: str,
    index: int,
    warmup_until: float,
    deadline: float,
    samples: dict[str, list[float]],
    outcomes: dict[str, Counter[str]],
) -> dict[str, Any]:
    import httpx2
    from mcp import Client
    from mcp.client.streamable_http import streamable_http_client

    rng = random.Random(index)
    headers = {"Authorization": f"Bearer {token}", "X-Caller-Number": phone}
    connect_started = time.perf_counter()
    async with (
        httpx2.AsyncClient(headers=headers, timeout=httpx2.Timeout(30, read=60)) as http,
        Client(streamable_http_client(url, http_client=http)) as client,
    ):
        info = await client.call_tool("get_business_info", {})
        connect_ms = (time.perf_counter() - connect_started) * 1000
        today = date.fromisoformat(info.structured_content["today"])
        last_appointments = 0

        async def call(tool: str, arguments: dict[str, Any]) -> Any:
            started_at = time.perf_counter()
            result = await client.call_tool(tool, arguments)
            if started_at >= warmup_until:  # a call that began in the warm-up is not counted
                samples[tool].append(time.perf_counter() - started_at)
                outcomes[tool][code_of(result)] += 1
            return result

        while time.perf_counter() < deadline:
            service_id = rng.choice(SERVICE_IDS)
            day = today + timedelta(days=rng.randint(FIRST_DAY_AHEAD, LAST_DAY_AHEAD))
            found = await call(
                "find_available_slots", {"service_id": service_id, "date": day.isoformat()}
            )
            slots = (found.structured_content or {}).get("slots") or []
            if slots and time.perf_counter() < deadline:
                slot = rng.choice(slots)
                await call(
                    "book_appointment",
                    {
                        "service_id": service_id,
                        "start": slot["start"],
                        "provider_id": slot["provider_id"],
                        "client_name": f"Bench Caller {index}",
                    },
                )
            if time.perf_counter() < deadline:
                mine = await call("find_appointments", {})
                last_appointments = len((mine.structured_content or {}).get("appointments") or [])
    return {"connect_ms": connect_ms, "appointments": last_appointments}


def _load_process(
    url: str,
    token: str,
    run: int,
    sessions: list[int],
    warmup_until: float,
    deadline: float,
    results: Any,
) -> None:
    import anyio

    samples: dict[str, list[float]] = defaultdict(list)
    outcomes: dict[str, Counter[str]] = defaultdict(Counter)
    per_session: list[dict[str, Any]] = []

    async def main() -> None:
        async def one(index: int) -> None:
            per_session.append(
                await _session(
                    url,
                    token,
                    caller_number(run, index),
                    index,
                    warmup_until,
                    deadline,
                    samples,
                    outcomes,
                )
            )

        async with anyio.create_task_group() as group:
            for index in sessions:
                group.start_soon(one, index)

    cpu_started = time.process_time()
    try:
        anyio.run(main, backend_options={"use_uvloop": True})
    except BaseException as error:  # told to the parent instead of leaving it waiting
        results.put(f"a load process failed: {error!r}")
        raise
    results.put(
        (
            dict(samples),
            {tool: dict(counts) for tool, counts in outcomes.items()},
            per_session,
            time.process_time() - cpu_started,
        )
    )


def _figures(latencies: list[float], seconds: float) -> dict[str, Any]:
    values = sorted(latencies)
    count = len(values)
    if not count:
        return {"calls": 0}
    return {
        "calls": count,
        "calls_per_s": round(count / seconds, 1),
        "p50_ms": round(values[count // 2] * 1000, 2),
        "p90_ms": round(values[min(count - 1, int(count * 0.90))] * 1000, 2),
        "p99_ms": round(values[min(count - 1, int(count * 0.99))] * 1000, 2),
        "max_ms": round(values[-1] * 1000, 2),
        "mean_ms": round(statistics.fmean(values) * 1000, 2),
    }


def run_sessions(url: str, token: str, args: argparse.Namespace) -> dict[str, Any]:
    processes = max(1, min(args.client_processes, args.sessions))
    shares = [list(range(i, args.sessions, processes)) for i in range(processes)]
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    # Sessions connect during the warm-up; only calls begun after it are counted.
    warmup_until = time.perf_counter() + WARMUP_SECONDS
    deadline = warmup_until + args.duration
    run = random.randrange(1_000_000)
    workers = [
        context.Process(
            target=_load_process,
            args=(url, token, run, share, warmup_until, deadline, results),
        )
        for share in shares
    ]
    for worker in workers:
        worker.start()
    collected = [results.get(timeout=WARMUP_SECONDS + args.duration + 180) for _ in workers]
    for worker in workers:
        worker.join()
    failures = [part for part in collected if isinstance(part, str)]
    if failures:
        raise SystemExit("\n".join(failures))

    samples: dict[str, list[float]] = defaultdict(list)
    outcomes: dict[str, Counter[str]] = defaultdict(Counter)
    per_session: list[dict[str, Any]] = []
    client_cpu = 0.0
    for part_samples, part_outcomes, part_sessions, cpu in collected:
        for tool, values in part_samples.items():
            samples[tool].extend(values)
        for tool, counts in part_outcomes.items():
            outcomes[tool].update(counts)
        per_session.extend(part_sessions)
        client_cpu += cpu
    if len(per_session) != args.sessions:
        raise SystemExit(f"only {len(per_session)} of {args.sessions} sessions finished")

    tools = {}
    for tool in TOOLS:
        tools[tool] = _figures(samples.get(tool, []), args.duration)
        tools[tool]["outcomes"] = dict(sorted(outcomes.get(tool, Counter()).items()))
    every_call = [value for values in samples.values() for value in values]
    return {
        "tools": tools,
        "all": _figures(every_call, args.duration),
        "sessions": {
            "count": args.sessions,
            "connect_ms_p50": round(statistics.median(s["connect_ms"] for s in per_session), 1),
            "appointments_per_caller_at_end": max(s["appointments"] for s in per_session),
        },
        "client_cpu_s": round(client_cpu, 2),
    }


# --- main ---------------------------------------------------------------------------------------
@contextmanager
def _removed(workdir: Path) -> Iterator[None]:
    """The server's work folder (log, outbox) is removed afterwards (its log's tail is shown
    when the server fails to start)."""
    try:
        yield
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def report(results: dict[str, Any]) -> None:
    for tool, figures in [*results["tools"].items(), ("all", results["all"])]:
        if not figures["calls"]:
            print(f"{tool:<22} no calls", flush=True)
            continue
        print(
            f"{tool:<22} {figures['calls']:>6} calls {figures['calls_per_s']:>7.1f}/s  "
            f"p50 {figures['p50_ms']:>7.2f} ms  p99 {figures['p99_ms']:>7.2f} ms  "
            f"max {figures['max_ms']:>7.2f} ms  {figures.get('outcomes', '')}",
            flush=True,
        )
    sessions = results["sessions"]
    print(
        f"sessions {sessions['count']}: connect+get_business_info p50 "
        f"{sessions['connect_ms_p50']} ms, at most {sessions['appointments_per_caller_at_end']} "
        f"appointments per caller at the end; client CPU "
        f"{results['client_cpu_s']} s over {results['setup']['duration_s'] + WARMUP_SECONDS} s",
        flush=True,
    )


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
    parser.add_argument("--ai-token", help="with --url: that server's BOOKING_AI_TOKEN")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--sessions", type=int, default=8, help="concurrent MCP sessions")
    parser.add_argument("--duration", type=float, default=20.0, help="measured seconds")
    parser.add_argument("--client-processes", type=int, default=2)
    args = parser.parse_args()
    if args.sessions < 1 or args.duration <= 0:
        raise SystemExit("--sessions must be at least 1 and --duration positive")

    if args.url:
        token = args.ai_token or os.environ.get("BOOKING_AI_TOKEN")
        if not token:
            raise SystemExit("--url needs --ai-token (or BOOKING_AI_TOKEN)")
        results = run_sessions(args.url.rstrip("/") + "/mcp", token, args)
        engine = "given"
    else:
        workdir = Path(tempfile.mkdtemp(prefix="mcp-bench-"))
        with fresh_database(args.postgres_url) as database_url, _removed(workdir):
            env = _server_env(database_url, workdir)
            env["BOOKING_AI_CALLS_PER_MINUTE"] = "0"
            for command in (["db", "upgrade"], ["demo", "load"]):
                subprocess.run([BOOKING, *command], env=env, check=True, capture_output=True)
            port = _free_port()
            base_url = f"http://127.0.0.1:{port}"
            serve = [BOOKING, "serve", "--port", str(port), "--workers", str(args.workers)]
            with started(serve, env, f"{base_url}/api/services", workdir / "booking.log"):
                results = run_sessions(f"{base_url}/mcp", env["BOOKING_AI_TOKEN"], args)
        engine = "postgresql"
    results["setup"] = {
        "database": engine,
        "workers": None if args.url else args.workers,  # a given server's are unknown here
        "sessions": args.sessions,
        "client_processes": args.client_processes,
        "duration_s": args.duration,
        "cpus": os.cpu_count(),
        "python": sys.version.split()[0],
    }
    report(results)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
