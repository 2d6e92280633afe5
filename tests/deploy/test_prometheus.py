"""A real Prometheus (Debian's package) scraping a real two-worker app.

The app runs as `sprintsync serve --workers 2`; Prometheus runs the shipped scrape job with
the target pointed at it (compose finds replicas by DNS, which a test cannot). The app's
series must arrive with the expected labels, summed over both workers, and every query of
the Grafana dashboard must be valid PromQL that Prometheus evaluates.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import yaml

from sprintsync.migrations import upgrade
from tests.conftest import TEST_SECRET
from tests.deploy.helpers import ROOT, free_port, slow_deploy_check, wait_for
from tests.deploy.test_dashboard import PROMETHEUS_QUERIES

PROMETHEUS = shutil.which("prometheus")
PROMETHEUS_PORTS = range(9190, 9200)

pytestmark = [
    slow_deploy_check,
    pytest.mark.skipif(PROMETHEUS is None, reason="prometheus not installed"),
]


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    work = tmp_path_factory.mktemp("app")
    url = f"sqlite+aiosqlite:///{work / 'app.db'}"
    upgrade(url)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    env |= {
        "SPRINTSYNC_DATABASE_URL": url,
        "SPRINTSYNC_ENV": "test",
        "SPRINTSYNC_SECRET_KEY": TEST_SECRET,
        "SPRINTSYNC_LOG_LEVEL": "WARNING",
        "SPRINTSYNC_WEB_WORKERS": "2",
        "TMPDIR": str(work),
    }
    log_path = work / "app.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "sprintsync", "serve", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            wait_for(f"{base}/readyz", proc, log_path)
            yield base
        finally:
            _stop(proc)


def _scrape_config(app_url: str) -> dict[str, Any]:
    """The shipped config, its app job aimed at this test's server, scraping every second."""
    config = yaml.safe_load((ROOT / "deploy/observability/prometheus.yml").read_text())
    config["global"]["scrape_interval"] = "1s"
    config["global"]["evaluation_interval"] = "1s"
    (job,) = [j for j in config["scrape_configs"] if j["job_name"] == "sprintsync"]
    del job["dns_sd_configs"]
    job["static_configs"] = [{"targets": [app_url.removeprefix("http://")]}]
    config["scrape_configs"] = [job]
    return config


@pytest.fixture(scope="module")
def prometheus(app_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    assert PROMETHEUS is not None
    work = tmp_path_factory.mktemp("prometheus")
    config_path = work / "prometheus.yml"
    config_path.write_text(yaml.safe_dump(_scrape_config(app_url)))
    check = subprocess.run(
        ["promtool", "check", "config", str(config_path)], capture_output=True, timeout=60
    )
    assert check.returncode == 0, check.stdout + check.stderr
    port = free_port(PROMETHEUS_PORTS)
    log_path = work / "prometheus.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [
                PROMETHEUS,
                f"--config.file={config_path}",
                f"--storage.tsdb.path={work / 'data'}",
                f"--web.listen-address=127.0.0.1:{port}",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            wait_for(f"{base}/-/ready", proc, log_path)
            yield base
        finally:
            _stop(proc)


def _query(prometheus: str, expr: str) -> list[dict[str, Any]]:
    r = httpx.get(f"{prometheus}/api/v1/query", params={"query": expr}, timeout=10)
    body = r.json()
    assert body["status"] == "success", f"{expr}: {body}"
    return body["data"]["result"]


def _wait_for_series(prometheus: str, expr: str, timeout: float = 60) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = _query(prometheus, expr)
        if result:
            return result
        time.sleep(0.5)
    raise AssertionError(f"no series for {expr} within {timeout} s")


def test_prometheus_scrapes_the_app_and_its_series_carry_the_expected_labels(
    app_url: str, prometheus: str
) -> None:
    # Enough requests that both workers serve some (the kernel spreads connections).
    for _ in range(40):
        with httpx.Client() as fresh:
            assert fresh.get(f"{app_url}/healthz").status_code == 200
    (up,) = _wait_for_series(prometheus, 'up{job="sprintsync"} == 1')
    assert up["metric"]["instance"] == app_url.removeprefix("http://")
    assert up["metric"]["replica"] == up["metric"]["instance"]

    expr = 'sprintsync_http_requests_total{route="/healthz",method="GET",status="200"}'
    deadline = time.monotonic() + 60
    while True:
        (series,) = _wait_for_series(prometheus, expr)
        if float(series["value"][1]) >= 40 or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    labels = series["metric"]
    assert {"__name__", "job", "instance", "replica", "method", "route", "status"} <= set(labels)
    # Added up over both workers: every request counted once, whichever served it.
    assert float(series["value"][1]) >= 40
    print(f"sprintsync_http_requests_total for /healthz in Prometheus: {series['value'][1]}")

    buckets = _wait_for_series(
        prometheus, 'sprintsync_http_request_duration_seconds_bucket{route="/healthz"}'
    )
    assert {b["metric"]["le"] for b in buckets} >= {"0.005", "+Inf"}
    (info,) = _wait_for_series(prometheus, "sprintsync_app_info")
    assert info["metric"]["version"]
    statuses = {s["metric"]["status"] for s in _wait_for_series(prometheus, "sprintsync_tasks")}
    assert statuses == {"todo", "in_progress", "done"}


def test_every_dashboard_query_evaluates_in_prometheus(app_url: str, prometheus: str) -> None:
    _wait_for_series(prometheus, 'up{job="sprintsync"} == 1')
    answered = []
    for expr in PROMETHEUS_QUERIES:
        grafana_free = expr.replace("$__rate_interval", "1m")
        result = _query(prometheus, grafana_free)
        answered.append(f"{len(result):>3} series  {grafana_free}")
    print("\n".join(answered))
