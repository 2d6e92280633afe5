"""`make soak`: a real server (2 workers) on a private PostgreSQL cluster and Redis, under load.

1. 60 s of mixed load at 64 connections: no errors, and afterwards the database agrees
   exactly with what the clients were told (every acknowledged entry with its acknowledged
   minutes, nothing acknowledged as deleted left, every task's total equal to its entries).
2. The same load while PostgreSQL is stopped, hung and restarted and Redis is stopped and
   hung: never a 500, every answer within the timeouts, recovery without a restart, and
   no acknowledged write lost.

Skipped unless SPRINTSYNC_SOAK=1 (what `make soak` sets); numbers are printed at the end.
"""

from __future__ import annotations

import asyncio
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from sprintsync.db import make_engine, make_sessionmaker
from sprintsync.migrations import upgrade
from sprintsync.tasks.models import Task
from sprintsync.timesheet.models import TimeEntry
from tests.conftest import TEST_SECRET
from tests.factories import PASSWORD, make_task, make_user, token_for
from tests.faults.services import (
    LOCAL_PORTS,
    PG_AVAILABLE,
    REDIS_SERVER,
    PgCluster,
    Process,
    fault_settings,
    free_port,
    pg_cluster,
    redis_server,
)

pytestmark = [
    pytest.mark.skipif(not os.environ.get("SPRINTSYNC_SOAK"), reason="set SPRINTSYNC_SOAK=1"),
    pytest.mark.skipif(not PG_AVAILABLE or REDIS_SERVER is None, reason="needs PG 15 + Redis"),
]
LOAD_SECONDS = float(os.environ.get("SPRINTSYNC_SOAK_SECONDS", "60"))
CONNECTIONS = 64
USERS = 16
TASKS = 48  # shared by everyone: timers and entries on them contend for row locks
# The app's bounds in the soak: nothing may take longer than these (plus some slack).
DB_TIMEOUTS = {
    "SPRINTSYNC_DB_CONNECT_TIMEOUT_SECONDS": "2",
    "SPRINTSYNC_DB_STATEMENT_TIMEOUT_SECONDS": "10",
    "SPRINTSYNC_DB_POOL_TIMEOUT_SECONDS": "10",
}
# Pool wait + connect + one statement, plus slack for a machine shared with other work.
SLOWEST_ALLOWED = 25.0
# The clients' read timeout. At 30 s, a request slower than that on a machine loaded by
# other work (p99 was 17 s at a load average of 11-25) counted as an error, though the server
# still answers it; how slow it was is reported in the latencies instead.
CLIENT_TIMEOUT = 120.0
SERVER_LOG = Path(tempfile.gettempdir()) / "sprintsync-soak-server.log"


@dataclass
class Ledger:
    """What the clients were told."""

    entries: dict[int, int] = field(default_factory=dict)  # acknowledged id -> minutes
    deleted: set[int] = field(default_factory=set)
    unsure: set[int] = field(default_factory=set)  # a change whose answer never came
    tasks_created: set[int] = field(default_factory=set)
    codes: Counter[str] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    writes_acknowledged: int = 0

    def errors(self) -> int:
        return sum(n for code, n in self.codes.items() if code.startswith(("5", "io")))


@dataclass
class User:
    id: int
    email: str
    headers: dict[str, str]
    own: list[int] = field(default_factory=list)


Reply = tuple[httpx.Response, int | None]


@dataclass
class Server:
    url: str
    proc: subprocess.Popen[bytes]


def _serve(cluster: PgCluster, redis_port: int) -> Iterator[Server]:
    port = free_port(LOCAL_PORTS)
    env = {
        **os.environ,
        **DB_TIMEOUTS,
        "SPRINTSYNC_ENV": "test",
        "SPRINTSYNC_DATABASE_URL": cluster.url,
        "SPRINTSYNC_REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
        "SPRINTSYNC_SECRET_KEY": TEST_SECRET,
        "SPRINTSYNC_PASSWORD_HASH_FAST": "true",
        "SPRINTSYNC_LOG_LEVEL": "WARNING",
        "SPRINTSYNC_LOGIN_RATE_LIMIT": "100000/minute",
        "SPRINTSYNC_LOGIN_IP_RATE_LIMIT": "100000/minute",
        "SPRINTSYNC_DB_POOL_SIZE": "32",
    }
    cli = Path(sys.executable).parent / "sprintsync"
    log = (Path(cluster.datadir).parent / "server.out").open("wb")
    proc = subprocess.Popen(
        [str(cli), "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 150  # two workers starting on a busy machine
    last = ""
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            ready = httpx.get(f"{url}/readyz", timeout=2)
            if ready.status_code == 200:
                break
            last = ready.text
        except httpx.HTTPError as exc:
            last = repr(exc)
        time.sleep(0.3)
    else:
        proc.kill()
        proc.wait(timeout=10)
        log.close()
        output = (Path(cluster.datadir).parent / "server.out").read_text()[-3000:]
        raise RuntimeError(f"the server did not become ready: {last}\n{output}")
    try:
        yield Server(url, proc)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        log.close()
        # Kept for a look after the run (the cluster's folder is removed).
        shutil.copy(Path(cluster.datadir).parent / "server.out", SERVER_LOG)


async def _arrange(database_url: str) -> tuple[list[User], list[int]]:
    engine = make_engine(fault_settings(database_url))
    try:
        async with make_sessionmaker(engine)() as session:
            users = [await make_user(session, is_admin=True) for _ in range(USERS)]
            tasks = [await make_task(session, users[0]) for _ in range(TASKS)]
            return (
                [
                    User(u.id, u.email, {"Authorization": f"Bearer {token_for(u, TEST_SECRET)}"})
                    for u in users
                ],
                [t.id for t in tasks],
            )
    finally:
        await engine.dispose()


async def _write_entry(c: httpx.AsyncClient, ledger: Ledger, user: User, task: int) -> Reply:
    minutes = random.randint(1, 30)
    r = await c.post(
        f"/api/v1/tasks/{task}/time-entries", json={"minutes": minutes}, headers=user.headers
    )
    if r.status_code == 201:
        ledger.entries[r.json()["id"]] = minutes
        user.own.append(r.json()["id"])
    return r, None


async def _edit_entry(c: httpx.AsyncClient, ledger: Ledger, user: User, task: int) -> Reply:
    if not user.own:
        return await _write_entry(c, ledger, user, task)
    target = random.choice(user.own)
    minutes = random.randint(1, 30)
    ledger.unsure.add(target)  # until the answer comes
    r = await c.patch(
        f"/api/v1/time-entries/{target}", json={"minutes": minutes}, headers=user.headers
    )
    if r.status_code == 200 and target not in ledger.deleted:  # a later delete won
        ledger.entries[target] = minutes
    if r.status_code < 500:
        ledger.unsure.discard(target)
    return r, target


async def _delete_entry(c: httpx.AsyncClient, ledger: Ledger, user: User, task: int) -> Reply:
    if not user.own:
        return await _write_entry(c, ledger, user, task)
    target = user.own.pop(random.randrange(len(user.own)))
    ledger.unsure.add(target)
    r = await c.delete(f"/api/v1/time-entries/{target}", headers=user.headers)
    if r.status_code == 204:
        ledger.entries.pop(target, None)
        ledger.deleted.add(target)
    if r.status_code < 500:
        ledger.unsure.discard(target)
    return r, target


async def _create_task(c: httpx.AsyncClient, ledger: Ledger, user: User, _task: int) -> Reply:
    r = await c.post("/api/v1/tasks", json={"title": "soak"}, headers=user.headers)
    if r.status_code == 201:
        ledger.tasks_created.add(r.json()["id"])
    return r, None


async def _list_tasks(c: httpx.AsyncClient, _l: Ledger, user: User, _task: int) -> Reply:
    return await c.get("/api/v1/tasks", params={"limit": 20}, headers=user.headers), None


async def _list_entries(c: httpx.AsyncClient, _l: Ledger, user: User, _task: int) -> Reply:
    return await c.get("/api/v1/time-entries", headers=user.headers), None


async def _start_timer(c: httpx.AsyncClient, _l: Ledger, user: User, task: int) -> Reply:
    return await c.post(f"/api/v1/tasks/{task}/timer/start", headers=user.headers), None


async def _stop_timer(c: httpx.AsyncClient, _l: Ledger, user: User, _task: int) -> Reply:
    return await c.post("/api/v1/timer/stop", headers=user.headers), None


async def _log_in(c: httpx.AsyncClient, _l: Ledger, user: User, _task: int) -> Reply:
    body = {"email": user.email, "password": PASSWORD}
    return await c.post("/api/v1/auth/login", json=body), None


# (operation, weight): reads, time entries, timers, tasks and log-ins (which use Redis).
OPERATIONS = [
    (_list_tasks, 30),
    (_write_entry, 20),
    (_edit_entry, 10),
    (_delete_entry, 6),
    (_start_timer, 12),
    (_stop_timer, 10),
    (_create_task, 5),
    (_list_entries, 4),
    (_log_in, 3),
]


async def _one(client: httpx.AsyncClient, ledger: Ledger, user: User, tasks: list[int]) -> None:
    """One random operation, recorded in the ledger only when acknowledged."""
    op = random.choices([o for o, _ in OPERATIONS], weights=[w for _, w in OPERATIONS])[0]
    start = time.perf_counter()
    try:
        r, _target = await op(client, ledger, user, random.choice(tasks))
        code = str(r.status_code)
        if r.request.method != "GET" and r.status_code < 300:
            ledger.writes_acknowledged += 1
    except httpx.HTTPError as exc:
        # Which kind tells a slow answer (ReadTimeout) from a connection the server closed
        # under the request (RemoteProtocolError, ReadError).
        code = f"io:{type(exc).__name__}"
    ledger.codes[code] += 1
    ledger.latencies.append(time.perf_counter() - start)


async def _load(
    url: str, users: list[User], tasks: list[int], seconds: float, connections: int, ledger: Ledger
) -> None:
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    # The check is of errors and of what the database keeps, not of speed on a shared machine:
    # a slow answer is counted in the latencies (the faults test bounds them), and the client
    # waits longer than the server's own bounds could ever hold a request.
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=CLIENT_TIMEOUT) as client:
        deadline = time.monotonic() + seconds

        async def worker(n: int) -> None:
            user = users[n % len(users)]
            while time.monotonic() < deadline:
                await _one(client, ledger, user, tasks)

        await asyncio.gather(*(worker(n) for n in range(connections)))


async def _check_database(database_url: str, ledger: Ledger) -> dict[str, int]:
    engine = make_engine(fault_settings(database_url))
    try:
        async with make_sessionmaker(engine)() as session:
            rows = dict((await session.execute(select(TimeEntry.id, TimeEntry.minutes))).all())
            sure = {i: m for i, m in ledger.entries.items() if i not in ledger.unsure}
            lost = [i for i in sure if i not in rows]
            wrong = [i for i, m in sure.items() if i in rows and rows[i] != m]
            resurrected = [i for i in ledger.deleted - ledger.unsure if i in rows]
            task_ids = set((await session.execute(select(Task.id))).scalars())
            lost_tasks = ledger.tasks_created - task_ids
            totals = (
                await session.execute(
                    select(
                        Task.id, Task.total_minutes, func.coalesce(func.sum(TimeEntry.minutes), 0)
                    )
                    .outerjoin(
                        TimeEntry, (TimeEntry.task_id == Task.id) & TimeEntry.ended_at.is_not(None)
                    )
                    .group_by(Task.id)
                )
            ).all()
            bad_totals = [t for t, total, summed in totals if total != summed]
    finally:
        await engine.dispose()
    return {
        "entries_acknowledged": len(sure),
        "lost": len(lost),
        "wrong_minutes": len(wrong),
        "deleted_but_present": len(resurrected),
        "tasks_lost": len(lost_tasks),
        "task_totals_wrong": len(bad_totals),
    }


def _summary(name: str, ledger: Ledger, seconds: float) -> str:
    lat = sorted(ledger.latencies)
    n = len(lat)
    p = lambda q: lat[min(n - 1, int(q * n))] * 1000  # noqa: E731
    return (
        f"{name}: {n} requests in {seconds:.0f} s ({n / seconds:.0f}/s), "
        f"p50 {p(0.5):.0f} ms, p99 {p(0.99):.0f} ms, max {lat[-1] * 1000:.0f} ms, "
        f"acknowledged writes {ledger.writes_acknowledged}, codes {dict(ledger.codes)}"
    )


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[PgCluster, Process, Server]]:
    with pg_cluster() as cluster, redis_server(tmp_path_factory.mktemp("redis")) as redis:
        upgrade(cluster.url)
        yield from ((cluster, redis, server) for server in _serve(cluster, redis.port))


async def test_mixed_load_at_64_connections_is_error_free_and_the_database_agrees(
    stack: tuple[PgCluster, Process, Server],
) -> None:
    cluster, _redis, server = stack
    users, tasks = await _arrange(cluster.url)
    ledger = Ledger()
    start = time.monotonic()
    await _load(server.url, users, tasks, LOAD_SECONDS, CONNECTIONS, ledger)
    took = time.monotonic() - start
    check = await _check_database(cluster.url, ledger)
    print("\n" + _summary("mixed load", ledger, took), "\ndatabase check:", check)
    assert ledger.errors() == 0, ledger.codes
    assert not ledger.unsure
    assert check["lost"] == check["wrong_minutes"] == check["deleted_but_present"] == 0
    assert check["tasks_lost"] == check["task_totals_wrong"] == 0


async def test_database_and_redis_faults_under_load(
    stack: tuple[PgCluster, Process, Server], tmp_path: Path
) -> None:
    cluster, redis, server = stack
    users, tasks = await _arrange(cluster.url)
    ledger = Ledger()
    recoveries: dict[str, float] = {}

    async def first_success_after(name: str) -> None:
        start = time.monotonic()
        async with httpx.AsyncClient(base_url=server.url, timeout=10) as c:
            while time.monotonic() - start < 30:
                try:
                    r = await c.get("/api/v1/tasks", headers=users[0].headers)
                    if r.status_code == 200:
                        recoveries[name] = time.monotonic() - start
                        return
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.1)
        recoveries[name] = float("inf")

    async def faults() -> None:
        await asyncio.sleep(3)
        await asyncio.to_thread(cluster.stop)
        await asyncio.sleep(4)
        await asyncio.to_thread(cluster.start)
        await first_success_after("postgres stopped 4 s")
        await asyncio.sleep(2)
        cluster.pause()
        await asyncio.sleep(5)
        cluster.resume()
        await first_success_after("postgres hung 5 s")
        await asyncio.sleep(2)
        await asyncio.to_thread(cluster.restart)
        await first_success_after("postgres restarted")
        await asyncio.sleep(2)
        redis.pause()
        await asyncio.sleep(4)
        redis.resume()
        await first_success_after("redis hung 4 s")
        redis.proc.terminate()
        await asyncio.sleep(3)
        await first_success_after("redis stopped")

    start = time.monotonic()
    await asyncio.gather(_load(server.url, users, tasks, 40, 16, ledger), faults())
    took = time.monotonic() - start
    check = await _check_database(cluster.url, ledger)
    print(
        "\n" + _summary("faults", ledger, took),
        "\nrecovery (s):",
        {k: round(v, 2) for k, v in recoveries.items()},
        "\ndatabase check:",
        check,
    )
    assert "500" not in ledger.codes, ledger.codes
    assert max(ledger.latencies) < SLOWEST_ALLOWED
    assert all(v < 15 for v in recoveries.values()), recoveries
    assert check["lost"] == check["wrong_minutes"] == check["deleted_but_present"] == 0
    assert check["tasks_lost"] == check["task_totals_wrong"] == 0
