"""The `sprintsync` command against a temporary SQLite database, through Typer's runner."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from alembic.script import ScriptDirectory
from typer.testing import CliRunner

from sprintsync import cli
from sprintsync.app import create_app
from sprintsync.config import Settings
from sprintsync.migrations import alembic_config, head_revision
from sprintsync.seed import DEMO_PASSWORD, DEMO_USERS
from tests.conftest import TEST_SECRET

runner = CliRunner()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    # A folder that does not exist yet, as `var/` in a fresh clone.
    return tmp_path / "var" / "sprintsync.db"


@pytest.fixture
def env(db_path: Path) -> dict[str, str]:
    return {
        "SPRINTSYNC_DATABASE_URL": f"sqlite+aiosqlite:///{db_path}",
        "SPRINTSYNC_ENV": "test",
        "SPRINTSYNC_SECRET_KEY": TEST_SECRET,
        "SPRINTSYNC_PASSWORD_HASH_FAST": "true",
    }


def run(env: dict[str, str], *args: str, input: str | None = None) -> Any:
    return runner.invoke(cli.app, list(args), env=env, input=input)


def ok(env: dict[str, str], *args: str, input: str | None = None) -> str:
    result = run(env, *args, input=input)
    assert result.exit_code == 0, result.output
    return result.output


def query(db_path: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(db_path) as conn:
        return conn.execute(sql).fetchall()


def tables(db_path: Path) -> set[str]:
    rows = query(db_path, "SELECT name FROM sqlite_master WHERE type = 'table'")
    return {name for (name,) in rows}


def login(db_path: Path, email: str, password: str) -> httpx.Response:
    settings = Settings(
        _env_file=None,
        env="test",
        database_url=f"sqlite+aiosqlite:///{db_path}",
        secret_key=TEST_SECRET,
        password_hash_fast=True,
    )

    async def go() -> httpx.Response:
        app = create_app(settings)
        try:
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
                return await c.post(
                    "/api/v1/auth/login", json={"email": email, "password": password}
                )
        finally:
            await app.state.engine.dispose()

    return asyncio.run(go())


# --- db --------------------------------------------------------------------------------


def test_db_upgrade_creates_the_folder_and_reaches_head(env, db_path) -> None:
    out = ok(env, "db", "upgrade")
    assert f"{head_revision()} (head)" in out
    assert {"users", "tasks", "task_status_changes", "time_entries"} <= tables(db_path)
    assert f"{head_revision()} (head)" in ok(env, "db", "current")


def test_db_current_on_an_empty_database_says_so(env) -> None:
    assert "no migrations applied" in ok(env, "db", "current")


def test_db_downgrade_to_base_and_back(env, db_path) -> None:
    ok(env, "db", "upgrade")
    assert "no migrations applied" in ok(env, "db", "downgrade", "base")
    assert "users" not in tables(db_path)
    ok(env, "db", "upgrade")
    assert "users" in tables(db_path)


def test_db_downgrade_defaults_to_one_step(env, db_path) -> None:
    ok(env, "db", "upgrade")
    ok(env, "db", "downgrade")
    script = ScriptDirectory.from_config(alembic_config(""))
    previous = script.get_revision(head_revision()).down_revision
    expected = [(previous,)] if previous else []
    assert query(db_path, "SELECT version_num FROM alembic_version") == expected


def test_unreachable_database_is_one_readable_error(env) -> None:
    env["SPRINTSYNC_DATABASE_URL"] = "postgresql+asyncpg://postgres@127.0.0.1:1/nowhere"
    result = run(env, "db", "current")
    assert result.exit_code == 1
    assert "Database error" in result.output
    assert "Traceback" not in result.output


# --- seed ------------------------------------------------------------------------------


def test_seed_refuses_an_unmigrated_database(env, db_path) -> None:
    result = run(env, "seed")
    assert result.exit_code == 1
    assert "sprintsync db upgrade" in result.output


def test_seed_twice_adds_nothing_the_second_time(env, db_path) -> None:
    ok(env, "db", "upgrade")
    first = ok(env, "seed")
    assert "5 users, 40 tasks" in first
    counts = query(
        db_path,
        "SELECT (SELECT COUNT(*) FROM users), (SELECT COUNT(*) FROM tasks), "
        "(SELECT COUNT(*) FROM time_entries), (SELECT COUNT(*) FROM task_status_changes)",
    )
    second = ok(env, "seed")
    assert "0 users, 0 tasks, 0 time entries and 0 comments added" in second
    assert (
        query(
            db_path,
            "SELECT (SELECT COUNT(*) FROM users), (SELECT COUNT(*) FROM tasks), "
            "(SELECT COUNT(*) FROM time_entries), (SELECT COUNT(*) FROM task_status_changes)",
        )
        == counts
    )
    users, tasks, entries, _changes = counts[0]
    assert (users, tasks) == (5, 40)
    assert entries > 40


def test_seed_prints_the_demo_logins_that_work(env, db_path) -> None:
    ok(env, "db", "upgrade")
    out = ok(env, "seed")
    assert DEMO_PASSWORD in out
    for user in DEMO_USERS:
        assert user.email in out
    r = login(db_path, DEMO_USERS[0].email, DEMO_PASSWORD)
    assert r.status_code == 200, r.text
    assert r.json()["user"]["is_admin"] is True


def test_seed_totals_equal_the_sum_of_entries(env, db_path) -> None:
    ok(env, "db", "upgrade")
    ok(env, "seed")
    rows = query(
        db_path,
        "SELECT t.id, t.total_minutes, COALESCE(SUM(e.minutes), 0) FROM tasks t "
        "LEFT JOIN time_entries e ON e.task_id = t.id GROUP BY t.id, t.total_minutes",
    )
    assert len(rows) == 40
    assert all(total == summed for _id, total, summed in rows)
    assert sum(total for _id, total, _ in rows) > 0


def test_seed_if_empty_leaves_a_database_with_users_alone(env, db_path) -> None:
    ok(env, "db", "upgrade")
    ok(env, "users", "create", "owner@example.com", "--password", "long-enough-1")
    out = ok(env, "seed", "--if-empty")
    assert "no demo data added" in out
    assert query(db_path, "SELECT COUNT(*) FROM users") == [(1,)]
    assert query(db_path, "SELECT COUNT(*) FROM tasks") == [(0,)]


def test_seed_if_empty_seeds_an_empty_database_once(env, db_path) -> None:
    ok(env, "db", "upgrade")
    assert "5 users, 40 tasks" in ok(env, "seed", "--if-empty")
    again = ok(env, "seed", "--if-empty")
    assert "no demo data added" in again
    # The logins are still shown, so a second `make run` tells you how to get in.
    assert DEMO_USERS[0].email in again
    assert query(db_path, "SELECT COUNT(*) FROM tasks") == [(40,)]


# --- users -----------------------------------------------------------------------------


def test_users_create_admin_with_password_option(env, db_path) -> None:
    ok(env, "db", "upgrade")
    out = ok(
        env, "users", "create", "Boss@Example.com", "--name", "The Boss", "--admin",
        "--password", "admin-password-1",
    )  # fmt: skip
    assert "Created administrator boss@example.com" in out
    assert query(db_path, "SELECT email, display_name, is_admin FROM users") == [
        ("boss@example.com", "The Boss", 1)
    ]
    r = login(db_path, "boss@example.com", "admin-password-1")
    assert r.status_code == 200, r.text
    assert r.json()["user"]["is_admin"] is True


def test_users_create_prompts_for_a_hidden_confirmed_password(env, db_path) -> None:
    ok(env, "db", "upgrade")
    # The first pair does not match, so it asks again.
    typed = "first-attempt-1\nsecond-attempt-2\nthe-real-password\nthe-real-password\n"
    result = run(env, "users", "create", "dev@example.com", input=typed)
    assert result.exit_code == 0, result.output
    assert "Password" in result.output
    assert "do not match" in result.output
    assert "the-real-password" not in result.output
    assert query(db_path, "SELECT email, display_name, is_admin FROM users") == [
        ("dev@example.com", "dev", 0)
    ]
    assert login(db_path, "dev@example.com", "the-real-password").status_code == 200
    assert login(db_path, "dev@example.com", "first-attempt-1").status_code == 401


def test_users_create_refuses_a_taken_email_whatever_its_case(env, db_path) -> None:
    ok(env, "db", "upgrade")
    ok(env, "users", "create", "dev@example.com", "--password", "long-enough-1")
    result = run(env, "users", "create", "DEV@example.com", "--password", "long-enough-2")
    assert result.exit_code == 1
    assert "already exists" in result.output
    assert query(db_path, "SELECT COUNT(*) FROM users") == [(1,)]


@pytest.mark.parametrize(
    ("email", "password"), [("dev@example.com", "short"), ("not-an-email", "long-enough-1")]
)
def test_users_create_refuses_bad_input(env, db_path, email: str, password: str) -> None:
    ok(env, "db", "upgrade")
    result = run(env, "users", "create", email, "--password", password)
    assert result.exit_code == 2
    assert query(db_path, "SELECT COUNT(*) FROM users") == [(0,)]


# --- serve -----------------------------------------------------------------------------


@pytest.fixture
def fake_uvicorn(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Record what `serve` asks uvicorn for; the real server runs in test_observability."""
    import uvicorn

    calls: list[dict[str, Any]] = []

    def fake_run(target: str, **kwargs: Any) -> None:
        metrics_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
        calls.append(
            {
                "target": target,
                "metrics_dir": metrics_dir,
                "metrics_dir_empty": metrics_dir is not None and not os.listdir(metrics_dir),
                **kwargs,
            }
        )

    monkeypatch.setattr(uvicorn, "run", fake_run)
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    return calls


def test_serve_refuses_the_development_secret_in_production(env, fake_uvicorn) -> None:
    env["SPRINTSYNC_ENV"] = "production"
    env["SPRINTSYNC_SECRET_KEY"] = "dev-insecure-secret-key-change-me"
    result = run(env, "serve")
    assert result.exit_code == 2
    assert "SPRINTSYNC_SECRET_KEY" in result.output
    assert fake_uvicorn == []


@pytest.mark.parametrize(
    ("variable", "value", "reason"),
    [
        ("SPRINTSYNC_DB_POOL_SIZE", "abc", "valid integer"),
        ("SPRINTSYNC_LOG_LEVEL", "TRACE", "'DEBUG', 'INFO', 'WARNING' or 'ERROR'"),
        ("SPRINTSYNC_LOG_LEVEL", "VERBOSE", "'DEBUG', 'INFO', 'WARNING' or 'ERROR'"),
        ("SPRINTSYNC_AI__TIMEOUT_SECONDS", "-1", "greater than 0"),
    ],
)
def test_an_invalid_setting_stops_serve_with_a_message_naming_it(
    env, fake_uvicorn, variable: str, value: str, reason: str
) -> None:
    env[variable] = value
    result = run(env, "serve")
    assert result.exit_code == 2
    assert f"{variable}: " in result.output
    assert reason in result.output
    assert "Traceback" not in result.output
    assert fake_uvicorn == []


def test_the_log_level_may_be_written_in_any_case(env, fake_uvicorn) -> None:
    env["SPRINTSYNC_LOG_LEVEL"] = "warning"
    ok(env, "db", "upgrade")  # serve refuses an unmigrated database
    ok(env, "serve")
    assert fake_uvicorn[0]["log_level"] == "warning"


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20", "example.com"])
def test_serve_refuses_the_development_secret_beyond_this_machine(env, fake_uvicorn, host) -> None:
    env.pop("SPRINTSYNC_SECRET_KEY")
    env["SPRINTSYNC_ENV"] = "development"
    result = run(env, "serve", "--host", host)
    assert result.exit_code == 2, result.output
    assert "development secret key" in result.output
    assert fake_uvicorn == []


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1"])
def test_serve_allows_the_development_secret_on_loopback(env, fake_uvicorn, host) -> None:
    env.pop("SPRINTSYNC_SECRET_KEY")
    env["SPRINTSYNC_ENV"] = "development"
    ok(env, "db", "upgrade")
    ok(env, "serve", "--host", host)
    (call,) = fake_uvicorn
    assert call["h11_max_incomplete_event_size"] == 64 * 1024
    assert call["timeout_worker_healthcheck"] == 60


def test_serve_runs_the_app_factory_without_access_log(env, db_path, fake_uvicorn) -> None:
    ok(env, "db", "upgrade")
    ok(env, "serve", "--host", "0.0.0.0", "--port", "9001")
    (call,) = fake_uvicorn
    assert call["target"] == "sprintsync.app:create_app"
    assert call["factory"] is True
    assert (call["host"], call["port"], call["workers"]) == ("0.0.0.0", 9001, 1)
    assert call["access_log"] is False
    assert call["metrics_dir"] is None
    assert db_path.parent.is_dir()


def test_serve_with_workers_gives_them_a_fresh_metrics_folder(env, fake_uvicorn) -> None:
    ok(env, "db", "upgrade")
    ok(env, "serve", "--workers", "3")
    (call,) = fake_uvicorn
    assert call["workers"] == 3
    assert call["metrics_dir"]
    assert call["metrics_dir_empty"]
    # Removed again when the server stops.
    assert not Path(call["metrics_dir"]).exists()
    assert "PROMETHEUS_MULTIPROC_DIR" not in os.environ


def test_serve_takes_workers_port_and_grace_period_from_the_environment(env, fake_uvicorn) -> None:
    ok(env, "db", "upgrade")
    env |= {
        "SPRINTSYNC_WEB_WORKERS": "2",
        "SPRINTSYNC_SHUTDOWN_GRACE_SECONDS": "25",
        "PORT": "8123",
    }
    ok(env, "serve")
    (call,) = fake_uvicorn
    assert (call["workers"], call["port"]) == (2, 8123)
    assert call["timeout_graceful_shutdown"] == 25
    # Forwarded headers are the app's business (SPRINTSYNC_FORWARDED_ALLOW_IPS), never
    # uvicorn's default of trusting 127.0.0.1.
    assert call["proxy_headers"] is False
    # Workers still importing on a slow host are not killed as unresponsive.
    assert call["timeout_worker_healthcheck"] >= 30


def test_serve_refuses_an_unmigrated_database_in_one_line(env, fake_uvicorn) -> None:
    result = run(env, "serve")
    assert result.exit_code == 1
    assert result.output.strip().count("\n") == 0
    assert "not up to date" in result.output
    assert "sprintsync db upgrade" in result.output
    assert fake_uvicorn == []


def test_serve_refuses_an_unreachable_database_in_one_line(env, fake_uvicorn) -> None:
    env["SPRINTSYNC_DATABASE_URL"] = "postgresql+asyncpg://postgres@127.0.0.1:1/nowhere"
    result = run(env, "serve")
    assert result.exit_code == 1
    assert result.output.strip().count("\n") == 0
    assert result.output.startswith("Database error")
    assert fake_uvicorn == []


def test_serve_migrates_first_when_asked(env, db_path, fake_uvicorn) -> None:
    env["SPRINTSYNC_MIGRATE_ON_START"] = "true"
    output = ok(env, "serve")
    assert "(head)" in output
    assert query(db_path, "SELECT version_num FROM alembic_version") == [(head_revision(),)]
    assert len(fake_uvicorn) == 1


def test_python_dash_m_runs_the_cli() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "sprintsync", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0
    for command in ("serve", "db", "seed", "users"):
        assert command in result.stdout


def test_users_set_password_ends_sessions_and_can_force_a_change(env, db_path) -> None:
    ok(env, "db", "upgrade")
    ok(env, "users", "create", "dev@example.com", "--password", "long-enough-1")
    out = ok(env, "users", "set-password", "DEV@example.com", "--password", "replaced-pass-2")
    assert "Password set for dev@example.com" in out
    assert login(db_path, "dev@example.com", "long-enough-1").status_code == 401
    r = login(db_path, "dev@example.com", "replaced-pass-2")
    assert r.status_code == 200
    assert r.json()["user"]["must_change_password"] is False
    assert query(db_path, "SELECT token_version FROM users") == [(1,)]
    out = ok(
        env, "users", "set-password", "dev@example.com", "--temporary", "--password",
        "temporary-pass-3",
    )  # fmt: skip
    assert "must choose a new one" in out
    r = login(db_path, "dev@example.com", "temporary-pass-3")
    assert r.json()["user"]["must_change_password"] is True


def test_users_set_password_prompts_hidden_and_refuses_unknown_or_short(env, db_path) -> None:
    ok(env, "db", "upgrade")
    ok(env, "users", "create", "dev@example.com", "--password", "long-enough-1")
    result = run(env, "users", "set-password", "dev@example.com", input="typed-pass-4\n" * 2)
    assert result.exit_code == 0, result.output
    assert "typed-pass-4" not in result.output
    assert login(db_path, "dev@example.com", "typed-pass-4").status_code == 200
    result = run(
        env, "users", "set-password", "nobody@example.com", "--password", "whatever-kiwi-5"
    )
    assert result.exit_code == 1
    assert "No account" in result.output
    result = run(env, "users", "set-password", "dev@example.com", "--password", "short")
    assert result.exit_code == 2
    assert "Password must be at least 8 characters." in result.output
    assert login(db_path, "dev@example.com", "typed-pass-4").status_code == 200


def test_users_list_shows_roles_and_states(env, db_path) -> None:
    ok(env, "db", "upgrade")
    assert "No accounts." in ok(env, "users", "list")
    ok(env, "users", "create", "boss@example.com", "--admin", "--password", "long-enough-1")
    ok(
        env,
        "users",
        "create",
        "dev@example.com",
        "--name",
        "Dev One",
        "--password",
        "long-enough-2",
    )
    ok(env, "users", "set-password", "dev@example.com", "--temporary", "--password", "temp-pass-3")
    lines = ok(env, "users", "list").splitlines()
    assert lines[0].split() == ["ID", "EMAIL", "NAME", "ROLE", "STATE"]
    assert "boss@example.com" in lines[1]
    assert "admin" in lines[1]
    assert "active" in lines[1]
    assert "Dev One" in lines[2]
    assert "must change password" in lines[2]
    only = ok(env, "users", "list", "--search", "dev")
    assert "dev@example.com" in only
    assert "boss@example.com" not in only
    assert "1 more" in ok(env, "users", "list", "--limit", "1")
