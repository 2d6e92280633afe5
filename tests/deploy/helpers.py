"""Shared by the deploy checks: the repository's files, free ports, a server to wait for."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
# The slow checks (building the wheel into a fresh venv, a real Prometheus scraping two
# workers) run under `make verify-deploy`, which sets this; `make test` runs the rest.
slow_deploy_check = pytest.mark.skipif(
    os.environ.get("SPRINTSYNC_VERIFY_DEPLOY", "") in ("", "0"),
    reason="slow deploy check: run `make verify-deploy`",
)
# Ports these checks may listen on; other test runs on the machine use other ranges.
_FIRST, _, _LAST = os.environ.get("SPRINTSYNC_DEPLOY_TEST_PORTS", "8250-8299").partition("-")
PORT_RANGE = range(int(_FIRST), int(_LAST) + 1)


def free_port(ports: range = PORT_RANGE) -> int:
    for port in ports:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {ports.start}-{ports.stop - 1}")


def wait_for(url: str, proc: subprocess.Popen[bytes], log: Path, timeout: float = 90) -> None:
    """Until `url` answers 200; fails with the server's output if it exits or never does."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"server exited ({proc.returncode}):\n{log.read_text()}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.25)
    raise AssertionError(f"{url} did not answer 200 within {timeout} s:\n{log.read_text()}")
