"""The example reverse proxy: valid for nginx, passing the forwarded headers, bounding input."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from sprintsync.cli import KEEP_ALIVE_SECONDS
from sprintsync.config import Settings
from tests.deploy.helpers import ROOT

CONF = ROOT / "deploy" / "nginx.conf"


def _directives() -> dict[str, str]:
    """Each directive's value by name; `proxy_set_header` keyed by the header it sets."""
    found = {}
    for line in re.sub(r"#.*", "", CONF.read_text()).splitlines():
        if m := re.fullmatch(r"\s*(\w+)\s+(.*);\s*", line):
            name, value = m.groups()
            if name == "proxy_set_header":
                header, _, value = value.partition(" ")
                name = f"{name} {header}"
            found[name] = value.strip()
    return found


def test_nginx_accepts_the_example_config(tmp_path: Path) -> None:
    nginx = shutil.which("nginx", path="/usr/sbin:/usr/bin:/sbin:/bin")
    if nginx is None:
        pytest.skip("nginx is not installed")
    result = subprocess.run(
        [nginx, "-t", "-q", "-p", str(tmp_path), "-e", "stderr", "-c", str(CONF)],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_the_proxy_replaces_the_forwarded_headers_and_bounds_requests() -> None:
    found = _directives()
    assert found["proxy_set_header X-Forwarded-For"] == "$remote_addr"
    assert found["proxy_set_header X-Forwarded-Proto"] == "$scheme"
    assert found["client_max_body_size"] == "1m"
    assert Settings.model_fields["max_body_bytes"].default == 1024 * 1024
    for limit in ("client_header_timeout", "client_body_timeout", "large_client_header_buffers"):
        assert limit in found, limit


def test_the_readme_points_at_the_proxy_config() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "deploy/nginx.conf" in readme
    assert "reverse proxy" in readme


def test_the_proxy_closes_idle_upstream_connections_before_the_app_does() -> None:
    """The side that closes an idle keep-alive connection must be the proxy: if the app closed
    it just as nginx sent a request on it, that request would be lost (a 502)."""
    upstream = re.search(r"upstream\s+sprintsync\s*\{([^}]*)\}", CONF.read_text())
    assert upstream is not None
    idle = re.search(r"keepalive_timeout\s+(\d+)s;", upstream.group(1))
    assert idle is not None, "set the upstream keepalive_timeout explicitly"
    assert int(idle.group(1)) < KEEP_ALIVE_SECONDS
