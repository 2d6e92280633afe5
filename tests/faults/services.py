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
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

from sprintsync.config import Settings
from sprintsync.users.models import User
from tests.conftest import TEST_SECRET

# Any user id: with the database down, authentication never gets as far as loading it.
ANYONE = User(id=1, token_version=0)

# Fault tests use their own ports, away from the shared PostgreSQL (5432) and Redis (6379).
REDIS_PORTS = range(6390, 6400)
# Listeners and closed ports this helper's tests stand in for a down or hung server with.
LOCAL_PORTS = range(8200, 8250)
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
