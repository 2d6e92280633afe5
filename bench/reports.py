"""Reports at scale: each stats endpoint and the reports page over 1M time entries.

Seeds a PostgreSQL database of its own (`sprintsync_bench_reports_<pid>_<random>`, dropped
at the end) with a year of work: 50 people in five team projects of ten, 20,000 tasks with
their status history and 1,000,000 time entries. Serves the app with uvicorn (one worker)
and sends each request one after another over one connection, then prints p50/p99 per
endpoint for an admin and for a member, and the plan (index use) of every statement behind
them.

    .venv/bin/python bench/reports.py [--requests 200] [--entries 1000000] [--port 8350]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import asyncpg
import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sprintsync.migrations import upgrade  # noqa: E402
from sprintsync.security.passwords import hash_password_sync  # noqa: E402
from sprintsync.security.tokens import create_access_token  # noqa: E402

PG = os.environ.get("BENCH_PG", "postgresql://postgres@127.0.0.1:5432")
DB = f"sprintsync_bench_reports_{os.getpid()}_{secrets.token_hex(3)}"
SECRET = "bench-secret-key-0123456789-0123456789-abcdef"
USERS, TASKS = 50, 20_000
ENDPOINTS = [
    "/api/v1/stats/top-users?period=week",
    "/api/v1/stats/top-users?period=month",
    "/api/v1/stats/time-per-day?period=week",
    "/api/v1/stats/time-per-day?period=month",
    "/api/v1/stats/cycle-time?period=month",
    "/api/v1/stats/estimate-accuracy?period=month",
    "/api/v1/stats/throughput?period=month",
    "/api/v1/stats/entries?period=week&limit=100",
    "/reports",
    "/timesheet",
]
# The statements behind the endpoints, for EXPLAIN: everything the stats service sends.
_SEED = """
INSERT INTO users (email, display_name, password_hash, is_admin, is_active, token_version,
                   created_at, time_zone)
SELECT 'bench' || i || '@example.com', 'Bench ' || i, $1, i = 1, true, 0, now(),
       (ARRAY['UTC', 'Europe/Berlin', 'America/Los_Angeles', 'Asia/Tokyo'])[1 + i % 4]
FROM generate_series(1, {users}) AS i;

-- Five team projects; person u is in team (u - 1) % 5, so tasks stay within a team.
INSERT INTO projects (key, name, description, archived, task_counter, created_at)
SELECT (ARRAY['ALPHA', 'BRAVO', 'CHARLIE', 'DELTA', 'ECHO'])[t], 'Team ' || t, '', false,
       {tasks} / 5 + 1, now()
FROM generate_series(1, 5) AS t;
INSERT INTO project_members (project_id, user_id, role, created_at)
SELECT 1 + (u - 1) % 5, u, CASE WHEN u <= 5 THEN 'lead' ELSE 'member' END, now()
FROM generate_series(1, {users}) AS u;

-- Task i belongs to team i % 5: its owner 1 + i % 50 and its assignee (each person is
-- assigned about 400 tasks) are both in that team.
INSERT INTO tasks (project_id, number, key, title, description, status, priority,
                   estimate_minutes, owner_id, assignee_id, total_minutes, created_at,
                   updated_at, status_changed_at)
SELECT 1 + i % 5, i / 5 + 1,
       (ARRAY['ALPHA', 'BRAVO', 'CHARLIE', 'DELTA', 'ECHO'])[1 + i % 5] || '-' || (i / 5 + 1),
       'Task ' || i, '', (ARRAY['todo', 'in_progress', 'done', 'done'])[1 + i % 4], i % 4,
       30 + (i % 16) * 30, 1 + i % {users}, 1 + ((i / {users}) * 5 + i % {users}) % {users},
       (i % 20) * 25,
       now() - (i % 365) * interval '1 day' - interval '3 days',
       now() - (i % 365) * interval '1 day' - interval '3 days',
       now() - (i % 365) * interval '1 day' + (i % 48) * interval '1 hour'
FROM generate_series(1, {tasks}) AS i;

-- History: created (todo), started two hours later, and for done tasks finished.
INSERT INTO task_status_changes (task_id, from_status, to_status, changed_by_id, changed_at)
SELECT id, NULL, 'todo', owner_id, created_at FROM tasks;
INSERT INTO task_status_changes (task_id, from_status, to_status, changed_by_id, changed_at)
SELECT id, 'todo', 'in_progress', assignee_id, created_at + interval '2 hours'
FROM tasks WHERE status <> 'todo';
INSERT INTO task_status_changes (task_id, from_status, to_status, changed_by_id, changed_at)
SELECT id, 'in_progress', 'done', assignee_id, status_changed_at
FROM tasks WHERE status = 'done';

-- A year of entries by each task's assignee: 5 to 240 minutes, timers and manual ones.
INSERT INTO time_entries (task_id, user_id, started_at, ended_at, minutes, note, source)
SELECT t.id, t.assignee_id, s.started, s.started + s.minutes * interval '1 minute',
       s.minutes, 'bench', CASE WHEN g % 5 = 0 THEN 'manual' ELSE 'timer' END
FROM generate_series(1, {entries}) AS g
CROSS JOIN LATERAL (
    SELECT now() - (g % 525600) * interval '1 minute' * 1.0 AS started,
           5 + (g * 37) % 236 AS minutes
) AS s
JOIN tasks AS t ON t.id = 1 + (g::bigint * 7919) % {tasks};
"""


async def _admin(sql: str) -> None:
    conn = await asyncpg.connect(f"{PG}/postgres")
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def prepare_db(entries: int) -> None:
    await _admin(f'CREATE DATABASE "{DB}"')
    await asyncio.to_thread(upgrade, f"postgresql+asyncpg://{PG.split('://', 1)[1]}/{DB}")
    conn = await asyncpg.connect(f"{PG}/{DB}")
    try:
        seed = _SEED.format(users=USERS, tasks=TASKS, entries=entries)
        pw = hash_password_sync("bench-password", password_hash_fast=True)
        first, rest = seed.split(";", 1)
        await conn.execute(first, pw)
        await conn.execute(rest)
        await conn.execute("VACUUM ANALYZE")  # visibility map: index-only scans, as in use
        count = await conn.fetchval("SELECT count(*) FROM time_entries")
        print(f"seeded {count:,} time entries, {TASKS:,} tasks, {USERS} people")
    finally:
        await conn.close()


def start_server(port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "SPRINTSYNC_ENV": "production",
        "SPRINTSYNC_SECRET_KEY": SECRET,
        "SPRINTSYNC_DATABASE_URL": f"postgresql+asyncpg://{PG.split('://', 1)[1]}/{DB}",
        "SPRINTSYNC_LOG_LEVEL": "WARNING",
    }
    cmd = [
        sys.executable,
        "-m",
        "uvicorn",
        "--no-access-log",
        "--log-level",
        "warning",
        "--factory",
        "--port",
        str(port),
        "sprintsync.app:create_app",
    ]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("server did not start")


def measure(base: str, token: str, requests: int) -> dict[str, tuple[float, float]]:
    """p50 and p99 in ms per endpoint, requests sent one after another on one connection."""
    results: dict[str, tuple[float, float]] = {}
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    # The server runs as production, so its cookies are Secure and named with `__Host-`.
    cookies = {"__Host-sprintsync_session": token}
    with httpx.Client(base_url=base, limits=limits, cookies=cookies, timeout=30) as client:
        for path in ENDPOINTS:
            for _ in range(10):  # warm-up: caches, prepared statements
                client.get(path).raise_for_status()
            times = []
            for _ in range(requests):
                t0 = time.perf_counter()
                client.get(path).raise_for_status()
                times.append((time.perf_counter() - t0) * 1000)
            times.sort()
            results[path] = (statistics.median(times), times[int(len(times) * 0.99) - 1])
    return results


async def explain(user_id: int) -> None:
    """Run every report query once in-process and print how PostgreSQL executes it."""
    from sqlalchemy import event

    from sprintsync.config import Settings
    from sprintsync.db import make_engine, make_sessionmaker
    from sprintsync.stats import export, service
    from sprintsync.timesheet import week
    from sprintsync.users.models import User

    url = f"postgresql+asyncpg://{PG.split('://', 1)[1]}/{DB}"
    settings = Settings(_env_file=None, database_url=url, secret_key=SECRET)
    engine = make_engine(settings)
    seen: list[tuple[str, Any]] = []

    def capture(_c: Any, _cur: Any, statement: str, params: Any, *_a: Any) -> None:
        seen.append((statement, params))

    try:
        async with make_sessionmaker(engine)() as session:
            user = await session.get(User, user_id)
            assert user is not None
            window = service.resolve_window(user, settings, period="month")
            event.listen(engine.sync_engine, "before_cursor_execute", capture)
            await service.report(session, settings, user=user, window=window)
            await export.entries_page(session, settings, user=user, window=window)
            await week.week_grid(session, user=user, week_start=1, long_timer_hours=10)
            event.remove(engine.sync_engine, "before_cursor_execute", capture)
            conn = await (await session.connection()).get_raw_connection()
            raw = conn.driver_connection
            for statement, params in seen:
                plan = await raw.fetch("EXPLAIN " + statement, *(params or ()))
                lines = [r[0] for r in plan]
                indexes = sorted(
                    {
                        w
                        for line in lines
                        for w in line.split()
                        if w.startswith(("ix_", "uq_", "pk_"))
                    }
                )
                print(f"- {statement.split()[0]} … {' '.join(statement.split())[:90]}…")
                print(f"  indexes: {', '.join(indexes) or '(none)'}; top: {lines[0].strip()[:90]}")
    finally:
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--port", type=int, default=8350)
    args = parser.parse_args()
    try:
        asyncio.run(prepare_db(args.entries))
        server = start_server(args.port)
        try:
            base = f"http://127.0.0.1:{args.port}"
            for who, uid in (("admin", 1), ("member", 2)):
                token = create_access_token(
                    user_id=uid, version=0, secret=SECRET, expires_minutes=60
                )
                print(f"\n{who} (user {uid}), {args.requests} requests each, one connection:")
                print(f"{'endpoint':<48} {'p50 ms':>8} {'p99 ms':>8}")
                for path, (p50, p99) in measure(base, token, args.requests).items():
                    flag = "" if p99 < 100 else "  OVER 100 ms"
                    print(f"{path:<48} {p50:8.1f} {p99:8.1f}{flag}")
        finally:
            server.terminate()
            server.wait()
        print("\nPlans (admin, this month):")
        asyncio.run(explain(1))
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)'))


if __name__ == "__main__":
    main()
