"""The `booking` command: serve's start-up checks, db upgrade, demo load, notify run.

`booking serve` is run in-process with uvicorn.run replaced by a recorder, so the start-up logic
(migrate, demo, tokens, refusals) is checked without binding a port; the real multi-process
server is exercised in test_http_multiprocess.py.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from booking_core.migrations import is_up_to_date
from fastapi.testclient import TestClient
from http_api import app as app_module
from http_api import cli
from http_helpers import ADMIN_TOKEN, AI_TOKEN


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """No BOOKING_* from the outer environment; quiet logging; notifications to a temp file."""
    for name in list(os.environ):
        if name.startswith("BOOKING_"):
            monkeypatch.delenv(name)
    # `booking serve` writes generated tokens and its own URL into os.environ: make sure they are
    # removed after.
    for name in ("BOOKING_ADMIN_TOKEN", "BOOKING_AI_TOKEN", "BOOKING_PUBLIC_BASE_URL"):
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)
    monkeypatch.setattr(cli, "configure_logging", lambda: None)
    monkeypatch.setattr(app_module, "configure_logging", lambda: None)
    monkeypatch.setenv("BOOKING_OUTBOX_FILE", str(tmp_path / "outbox.jsonl"))
    monkeypatch.setenv("BOOKING_NOTIFY_BACKGROUND", "false")
    return monkeypatch


@pytest.fixture
def uvicorn_calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[tuple[Any, ...], dict[str, Any]]]:
    import uvicorn

    calls: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: calls.append((args, kwargs)))
    return calls


def _refusal(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    with pytest.raises(SystemExit) as exited:
        cli.main(argv)
    assert exited.value.code == 2
    return capsys.readouterr().err


def test_serve_embedded_migrates_loads_demo_and_prints_generated_tokens(
    env: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    uvicorn_calls: list[Any],
) -> None:
    database = tmp_path / "data" / "booking.db"
    env.setenv("BOOKING_DATABASE_URL", f"sqlite:///{database}")

    cli.main(["serve", "--port", "8123", "--workers", "3"])

    out = capsys.readouterr().out
    assert f"Embedded database: {database}" in out
    assert "Loaded the demo business" in out
    admin_token = os.environ["BOOKING_ADMIN_TOKEN"]
    ai_token = os.environ["BOOKING_AI_TOKEN"]
    assert f"BOOKING_ADMIN_TOKEN={admin_token}" in out
    assert f"BOOKING_AI_TOKEN={ai_token}" in out
    assert len(admin_token) >= 32 and admin_token != ai_token
    [(args, kwargs)] = uvicorn_calls
    assert args == ("http_api.app:create_app_from_env",)
    assert kwargs["factory"] is True
    assert (kwargs["port"], kwargs["workers"], kwargs["host"]) == (8123, 3, "127.0.0.1")
    # Slow-starting workers get more than uvicorn's 5 s start-up health check.
    assert kwargs["timeout_worker_healthcheck"] == cli.WORKER_HEALTHCHECK_TIMEOUT >= 30

    # What each worker builds from the environment accepts the printed admin token.
    app = app_module.create_app_from_env()
    client = TestClient(app)
    providers = client.get(
        "/api/admin/providers", headers={"Authorization": f"Bearer {admin_token}"}
    )
    assert providers.status_code == 200 and len(providers.json()["providers"]) == 4
    app.state.uow.engine.dispose()
    # No BOOKING_SECRET_KEY needed: the server secret is generated once, beside the database.
    assert (database.parent / "booking.db.secret").read_text().strip()

    # A second start keeps the data and, with the tokens now set, prints none.
    cli.main(["serve"])
    again = capsys.readouterr().out
    assert "Loaded the demo business" not in again and "TOKEN" not in again


@pytest.mark.parametrize(
    ("host", "listening", "browsable"),
    [
        ("127.0.0.1", "http://127.0.0.1:8124", "http://127.0.0.1:8124"),
        ("0.0.0.0", "http://0.0.0.0:8124", "http://127.0.0.1:8124"),
        ("::1", "http://[::1]:8124", "http://[::1]:8124"),
    ],
)
def test_serve_prints_the_urls_of_the_pages_docs_and_mcp(
    env: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    uvicorn_calls: list[Any],
    host: str,
    listening: str,
    browsable: str,
) -> None:
    env.setenv("BOOKING_DATABASE_URL", f"sqlite:///{tmp_path / 'booking.db'}")
    env.setenv("BOOKING_ADMIN_TOKEN", ADMIN_TOKEN)
    env.setenv("BOOKING_AI_TOKEN", AI_TOKEN)

    cli.main(["serve", "--host", host, "--port", "8124"])

    out = capsys.readouterr().out
    assert f"Serving on {listening} with 1 worker(s)" in out
    lines = out.splitlines()
    for label, path in [
        ("booking page", "/"),
        ("admin", "/admin"),
        ("API docs", "/docs"),
        ("MCP endpoint", "/mcp"),
    ]:
        assert any(line.split() == [*label.split(), browsable + path] for line in lines), (
            f"{label} {browsable}{path} not in {out!r}"
        )
    assert os.environ["BOOKING_PUBLIC_BASE_URL"] == browsable
    assert len(uvicorn_calls) == 1 and uvicorn_calls[0][1]["host"] == host


@pytest.mark.postgres
def test_serve_refuses_an_unmigrated_postgres_schema(
    env: pytest.MonkeyPatch,
    own_postgres_url: str,
    capsys: pytest.CaptureFixture[str],
    uvicorn_calls: list[Any],
) -> None:
    env.setenv("BOOKING_DATABASE_URL", own_postgres_url)
    env.setenv("BOOKING_ADMIN_TOKEN", ADMIN_TOKEN)
    env.setenv("BOOKING_AI_TOKEN", AI_TOKEN)
    error = _refusal(capsys, ["serve"])
    assert "booking db upgrade" in error and "not migrated" in error
    assert uvicorn_calls == []

    env.setenv("BOOKING_SECRET_KEY", "test-secret")
    cli.main(["serve", "--migrate", "--workers", "4"])
    assert len(uvicorn_calls) == 1 and uvicorn_calls[0][1]["workers"] == 4
    engine = sa.create_engine(own_postgres_url)
    assert is_up_to_date(engine)
    engine.dispose()


@pytest.mark.postgres
def test_serve_on_postgres_refuses_without_tokens(
    env: pytest.MonkeyPatch,
    own_postgres_url: str,
    capsys: pytest.CaptureFixture[str],
    uvicorn_calls: list[Any],
) -> None:
    env.setenv("BOOKING_DATABASE_URL", own_postgres_url)
    cli.main(["db", "upgrade"])
    assert "revision" in capsys.readouterr().out
    error = _refusal(capsys, ["serve"])
    assert "BOOKING_ADMIN_TOKEN and BOOKING_AI_TOKEN must be set" in error
    env.setenv("BOOKING_ADMIN_TOKEN", ADMIN_TOKEN)
    assert "BOOKING_AI_TOKEN must be set" in _refusal(capsys, ["serve"])
    assert uvicorn_calls == []


@pytest.mark.postgres
def test_serve_on_postgres_refuses_without_the_secret_key(
    env: pytest.MonkeyPatch,
    own_postgres_url: str,
    capsys: pytest.CaptureFixture[str],
    uvicorn_calls: list[Any],
) -> None:
    env.setenv("BOOKING_DATABASE_URL", own_postgres_url)
    env.setenv("BOOKING_ADMIN_TOKEN", ADMIN_TOKEN)
    env.setenv("BOOKING_AI_TOKEN", AI_TOKEN)
    cli.main(["db", "upgrade"])
    capsys.readouterr()
    error = _refusal(capsys, ["serve"])
    assert "BOOKING_SECRET_KEY must be set to serve on PostgreSQL" in error
    assert uvicorn_calls == []
    # The notification sender renders manage links from it too.
    assert "BOOKING_SECRET_KEY" in _refusal(capsys, ["notify", "run", "--once"])

    env.setenv("BOOKING_SECRET_KEY", "test-secret")
    cli.main(["serve"])
    assert len(uvicorn_calls) == 1
    app = app_module.create_app_from_env()  # what each worker builds
    assert app.state.uow.secret == b"test-secret"
    app.state.system.close()


def test_serve_refuses_an_unreachable_database(
    env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], uvicorn_calls: list[Any]
) -> None:
    env.setenv("BOOKING_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:9/nowhere")
    env.setenv("BOOKING_ADMIN_TOKEN", ADMIN_TOKEN)
    env.setenv("BOOKING_AI_TOKEN", AI_TOKEN)
    assert "cannot reach the database" in _refusal(capsys, ["serve"])
    assert uvicorn_calls == []


@pytest.mark.postgres
def test_demo_load_on_postgres_loads_once(
    env: pytest.MonkeyPatch, own_postgres_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    env.setenv("BOOKING_DATABASE_URL", own_postgres_url)
    assert "booking db upgrade" in _refusal(capsys, ["demo", "load"])
    cli.main(["db", "upgrade"])
    cli.main(["demo", "load"])
    assert "Loaded the demo business" in capsys.readouterr().out
    cli.main(["demo", "load"])
    assert "already holds a business; nothing loaded" in capsys.readouterr().out


def test_invalid_settings_are_reported_by_name(
    env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    env.setenv("BOOKING_TIMEZONE", "Mars/Olympus")
    assert "BOOKING_TIMEZONE" in _refusal(capsys, ["db", "upgrade"])


def test_notify_run_once(
    env: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env.setenv("BOOKING_DATABASE_URL", f"sqlite:///{tmp_path / 'booking.db'}")
    cli.main(["notify", "run", "--once"])
    assert "sent=0" in capsys.readouterr().out
