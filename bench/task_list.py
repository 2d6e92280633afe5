"""Task-list throughput against a bare FastAPI endpoint on the same machine.

Starts both apps with uvicorn (same worker count), seeds a PostgreSQL database, and drives
each with wrk. Prints requests/s and the ratio the product is held to (>= 20%).

    .venv/bin/python bench/task_list.py [--workers 1] [--duration 10] [--connections 32]

Each run seeds a database of its own (`sprintsync_bench_<pid>_<random>`) and drops it at the
end, so two runs on one machine never share one.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import timedelta
from pathlib import Path

import asyncpg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sprintsync.db import utcnow  # noqa: E402
from sprintsync.migrations import upgrade  # noqa: E402
from sprintsync.security.passwords import hash_password_sync  # noqa: E402
from sprintsync.security.tokens import create_access_token  # noqa: E402

PG = os.environ.get("BENCH_PG", "postgresql://postgres@127.0.0.1:5432")
DB = f"sprintsync_bench_{os.getpid()}_{secrets.token_hex(3)}"
SECRET = "bench-secret-key-0123456789-0123456789-abcdef"
USERS, TASKS_PER_USER = 20, 250
# Teams: each user is in two of the projects, so a list page merges two projects' tasks
# (the member path in tasks/queries.py), and every project holds several people's tasks.
PROJECTS = 5


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def _admin(sql: str) -> None:
    admin = await asyncpg.connect(f"{PG}/postgres")
    try:
        await admin.execute(sql)
    finally:
        await admin.close()


async def prepare_db() -> int:
    await _admin(f'CREATE DATABASE "{DB}"')
    await asyncio.to_thread(upgrade, f"postgresql+asyncpg://{PG.split('://', 1)[1]}/{DB}")
    conn = await asyncpg.connect(f"{PG}/{DB}")
    pw = hash_password_sync("bench-password", password_hash_fast=True)
    now = utcnow()
    user_ids = []
    for i in range(USERS):
        uid = await conn.fetchval(
            "INSERT INTO users (email, display_name, password_hash, is_admin, is_active,"
            " token_version, created_at) VALUES ($1, $2, $3, false, true, 0, $4) RETURNING id",
            f"bench{i}@example.com",
            f"Bench {i}",
            pw,
            now,
        )
        user_ids.append(uid)
    project_ids = []
    for p in range(PROJECTS):
        pid = await conn.fetchval(
            "INSERT INTO projects (key, name, description, archived, task_counter, created_at)"
            " VALUES ($1, $2, '', false, 0, $3) RETURNING id",
            f"B{chr(ord('A') + p)}",
            f"Bench {p}",
            now,
        )
        project_ids.append(pid)
    await conn.executemany(
        "INSERT INTO project_members (project_id, user_id, role, created_at)"
        " VALUES ($1, $2, 'member', $3)",
        [
            (project_ids[(i + k) % PROJECTS], uid, now)
            for i, uid in enumerate(user_ids)
            for k in (0, 1)
        ],
    )
    rows = []
    counters = dict.fromkeys(project_ids, 0)
    for i, uid in enumerate(user_ids):
        pid = project_ids[i % PROJECTS]
        for j in range(TASKS_PER_USER):
            created = now - timedelta(minutes=j)
            counters[pid] += 1
            rows.append(
                (
                    pid,
                    counters[pid],
                    f"B{chr(ord('A') + i % PROJECTS)}-{counters[pid]}",
                    f"Task {j} for {uid}",
                    "Some description",
                    ["todo", "in_progress", "done"][j % 3],
                    j % 4,
                    60,
                    None,
                    uid,
                    uid,
                    j,
                    created,
                    created,
                    created,
                )
            )
    await conn.copy_records_to_table(
        "tasks",
        records=rows,
        columns=[
            "project_id",
            "number",
            "key",
            "title",
            "description",
            "status",
            "priority",
            "estimate_minutes",
            "due_date",
            "owner_id",
            "assignee_id",
            "total_minutes",
            "created_at",
            "updated_at",
            "status_changed_at",
        ],
    )
    await conn.executemany(
        "UPDATE projects SET task_counter = $2 WHERE id = $1", list(counters.items())
    )
    await conn.execute("ANALYZE")
    await conn.close()
    return user_ids[0]


def start(cmd: list[str], env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return proc
        except OSError as exc:
            if getattr(exc, "code", None) == 404:
                return proc
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError(proc.stderr.read().decode() if proc.stderr else "server did not start")


def wrk(url: str, duration: int, connections: int, header: str | None = None) -> float:
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", url]
    if header:
        cmd[1:1] = ["-H", header]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non2xx:
        raise RuntimeError(f"{url}: {non2xx.group(1)} non-2xx responses\n{out}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--limit", type=int, default=20)
    parser.add_argument(
        "--port", type=int, default=0, help="Serve on PORT and PORT+1 (default: any free ports)."
    )
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install -y wrk")
    try:
        run(args)
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)'))


def run(args: argparse.Namespace) -> None:
    user_id = asyncio.run(prepare_db())
    token = create_access_token(user_id=user_id, version=0, secret=SECRET, expires_minutes=60)
    uvicorn = [
        sys.executable,
        "-m",
        "uvicorn",
        "--no-access-log",
        "--log-level",
        "warning",
        "--workers",
        str(args.workers),
    ]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    bare_port, app_port = (args.port, args.port + 1) if args.port else (free_port(), free_port())
    bare = start([*uvicorn, "--port", str(bare_port), "bench.bare_app:app"], env, bare_port)
    try:
        wrk(f"http://127.0.0.1:{bare_port}/", 2, args.connections)  # warm-up
        bare_rps = wrk(f"http://127.0.0.1:{bare_port}/", args.duration, args.connections)
    finally:
        bare.terminate()
        bare.wait()
    app_env = {
        **env,
        "SPRINTSYNC_ENV": "production",
        "SPRINTSYNC_SECRET_KEY": SECRET,
        "SPRINTSYNC_DATABASE_URL": f"postgresql+asyncpg://{PG.split('://', 1)[1]}/{DB}",
    }
    app = start(
        [*uvicorn, "--factory", "--port", str(app_port), "sprintsync.app:create_app"],
        app_env,
        app_port,
    )
    url = f"http://127.0.0.1:{app_port}/api/v1/tasks?limit={args.limit}"
    header = f"Authorization: Bearer {token}"
    try:
        wrk(url, 2, args.connections, header)
        app_rps = wrk(url, args.duration, args.connections, header)
    finally:
        app.terminate()
        app.wait()
    print(f"workers={args.workers} connections={args.connections} limit={args.limit}")
    print(f"bare FastAPI endpoint : {bare_rps:10.0f} req/s")
    print(f"GET /api/v1/tasks     : {app_rps:10.0f} req/s")
    print(f"ratio                 : {100 * app_rps / bare_rps:9.1f} %  (target >= 20 %)")


if __name__ == "__main__":
    main()
