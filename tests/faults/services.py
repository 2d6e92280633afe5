"""Throw-away Redis servers and silent TCP listeners for fault tests.

Each test starts its own process on a port of its own (never the shared services), and
stops it by its process id. `pause`/`resume` send SIGSTOP/SIGCONT: a hung server that
accepts connections but never answers.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

from sprintsync.config import Settings
from sprintsync.users.models import User
from tests.conftest import TEST_SECRET

# Any user id: with the database down, authentication never gets as far as loading it.
ANYONE = User(id=1, token_version=0)


def _port_ranges() -> tuple[range, range, range]:
    """(Redis, PostgreSQL, everything else) ports: thirds of SPRINTSYNC_TEST_PORTS
    ("8800-8849") when set, so runs sharing a machine keep to their own, else fixed ranges."""
    first, _, last = os.environ.get("SPRINTSYNC_TEST_PORTS", "").partition("-")
    if not (first.isdigit() and last.isdigit() and int(last) - int(first) >= 8):
        return range(6390, 6400), range(5440, 5450), range(8200, 8250)
    start, third = int(first), (int(last) - int(first) + 1) // 3
    return (
        range(start, start + third),
        range(start + third, start + 2 * third),
        range(start + 2 * third, int(last) + 1),
    )


# Fault tests use their own ports, away from the shared PostgreSQL (5432) and Redis (6379);
# LOCAL_PORTS are for the app and the listeners that stand in for a down or hung server.
REDIS_PORTS, PG_PORTS, LOCAL_PORTS = _port_ranges()
REDIS_SERVER = shutil.which("redis-server")


def free_port(candidates: range) -> int:
    for port in candidates:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {candidates}")


class Process:
    def __init__(self, proc: subprocess.Popen[bytes], port: int) -> None:
        self.proc = proc
        self.port = port

    def pause(self) -> None:
        os.kill(self.proc.pid, signal.SIGSTOP)

    def resume(self) -> None:
        os.kill(self.proc.pid, signal.SIGCONT)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.resume()
            self.proc.terminate()
            self.proc.wait(timeout=10)


def _wait_listening(port: int, proc: subprocess.Popen[bytes], timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server on {port} exited with {proc.returncode}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"server on {port} did not start")


@contextmanager
def redis_server(workdir: Path) -> Iterator[Process]:
    """A private redis-server with no persistence, stopped at the end."""
    assert REDIS_SERVER is not None
    port = free_port(REDIS_PORTS)
    proc = subprocess.Popen(
        [
            REDIS_SERVER,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(workdir),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    server = Process(proc, port)
    try:
        _wait_listening(port, proc)
        yield server
    finally:
        server.stop()


@asynccontextmanager
async def silent_listener() -> AsyncIterator[int]:
    """A TCP port that accepts connections and never says a word: a hung server."""
    held: list[asyncio.StreamWriter] = []

    async def hold(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    port = free_port(LOCAL_PORTS)
    server = await asyncio.start_server(hold, "127.0.0.1", port)
    try:
        yield port
    finally:
        for writer in held:
            writer.close()
        server.close()


def closed_port() -> int:
    """A local port with nothing listening on it: a server that is down."""
    return free_port(LOCAL_PORTS)


def fault_settings(database_url: str, **overrides: object) -> Settings:
    return Settings(
        _env_file=None,
        env="test",
        database_url=database_url,
        secret_key=TEST_SECRET,
        password_hash_fast=True,
        cookie_secure=False,
        log_level="INFO",
        auth_cache_seconds=0,
        **overrides,
    )


# --- a private PostgreSQL cluster ----------------------------------------------------------

PG_BIN = Path("/usr/lib/postgresql/15/bin")
PG_AVAILABLE = (PG_BIN / "initdb").exists() and shutil.which("runuser") is not None


def _as_postgres(*args: str, check: bool = True) -> subprocess.CompletedProcess[bytes]:
    """Run a PostgreSQL tool as the `postgres` user when we are root (initdb refuses root)."""
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    return subprocess.run([*prefix, *args], check=check, capture_output=True, timeout=120)


class PgCluster:
    """A throw-away cluster: `stop`, `start`, `pause` (every process SIGSTOPped), `resume`."""

    def __init__(self, datadir: Path, port: int) -> None:
        self.datadir = datadir
        self.port = port
        self.url = f"postgresql+asyncpg://postgres@127.0.0.1:{port}/sprintsync"

    def _ctl(self, *args: str) -> None:
        _as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(self.datadir), "-w", "-t", "60", *args)

    def start(self) -> None:
        self._ctl("-l", str(self.datadir / "server.log"), "start")

    def stop(self) -> None:
        self._ctl("-m", "fast", "stop")

    def restart(self) -> None:
        self._ctl("-m", "fast", "-l", str(self.datadir / "server.log"), "restart")

    def _pids(self) -> list[int]:
        pid_file = self.datadir / "postmaster.pid"
        if not pid_file.exists():
            return []
        postmaster = int(pid_file.read_text().split()[0])
        children = subprocess.run(
            ["pgrep", "-P", str(postmaster)], capture_output=True, text=True, check=False
        ).stdout.split()
        return [postmaster, *map(int, children)]

    def pause(self) -> None:
        for pid in self._pids():
            os.kill(pid, signal.SIGSTOP)

    def resume(self) -> None:
        for pid in self._pids():
            os.kill(pid, signal.SIGCONT)


@contextmanager
def pg_cluster() -> Iterator[PgCluster]:
    """initdb + start on a port of its own (PG_PORTS) with a `sprintsync` database."""
    port = free_port(PG_PORTS)
    root = Path(tempfile.mkdtemp(prefix="rel-pg-"))
    datadir = root / "data"
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    _as_postgres(
        str(PG_BIN / "initdb"),
        "-D",
        str(datadir),
        "-U",
        "postgres",
        "--auth=trust",
        "-E",
        "UTF8",
        "--no-sync",
    )
    with (datadir / "postgresql.conf").open("a") as conf:
        conf.write(
            f"port = {port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{root}'\n"
            "fsync = off\nmax_connections = 100\n"
        )
    cluster = PgCluster(datadir, port)
    cluster.start()
    try:
        _as_postgres(
            str(PG_BIN / "createdb"),
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
            "-U",
            "postgres",
            "sprintsync",
        )
        yield cluster
    finally:
        cluster.resume()
        _as_postgres(
            str(PG_BIN / "pg_ctl"), "-D", str(datadir), "-m", "immediate", "stop", check=False
        )
        shutil.rmtree(root, ignore_errors=True)
