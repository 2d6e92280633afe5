"""The container image, checked without a container engine.

The Dockerfile is read as data (stages, user, health check, what the runtime stage gets),
and its builder stage's command is run for real: the wheel it builds is installed into a
fresh virtual environment, which then serves with the image's ENTRYPOINT, CMD and ENV,
answers its HEALTHCHECK, and stops cleanly on SIGTERM.
"""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.conftest import TEST_SECRET
from tests.deploy.helpers import ROOT, free_port, slow_deploy_check, wait_for

DOCKERFILE = ROOT / "Dockerfile"


@dataclass
class Stage:
    name: str
    base: str
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def all(self, keyword: str) -> list[str]:
        return [args for kw, args in self.instructions if kw == keyword]

    def last(self, keyword: str) -> str:
        found = self.all(keyword)
        assert found, f"stage {self.name} has no {keyword}"
        return found[-1]

    def env(self) -> dict[str, str]:
        values: dict[str, str] = {}
        for args in self.all("ENV"):
            for pair in shlex.split(args):
                key, _, value = pair.partition("=")
                values[key] = value
        return values


def parse_dockerfile(text: str) -> tuple[dict[str, str], list[Stage]]:
    """Global ARGs and the stages, each with its instructions (continuations joined)."""
    logical: list[str] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        logical.append(pending + line)
        pending = ""
    args: dict[str, str] = {}
    stages: list[Stage] = []
    for line in logical:
        keyword, _, rest = line.partition(" ")
        keyword = keyword.upper()
        if keyword == "FROM":
            parts = rest.split()
            base = parts[0]
            for key, value in args.items():
                base = base.replace(f"${{{key}}}", value)
            name = parts[2] if len(parts) == 3 and parts[1].upper() == "AS" else str(len(stages))
            stages.append(Stage(name=name, base=base))
        elif not stages and keyword == "ARG":
            key, _, value = rest.partition("=")
            args[key.strip()] = value.strip()
        elif stages:
            stages[-1].instructions.append((keyword, rest.strip()))
    return args, stages


ARGS, STAGES = parse_dockerfile(DOCKERFILE.read_text())
BUILDER, RUNTIME = STAGES[0], STAGES[-1]


def test_the_image_is_built_in_two_stages_on_a_slim_base() -> None:
    assert [s.name for s in STAGES] == ["builder", "runtime"]
    assert RUNTIME.base.endswith("-slim-bookworm") or RUNTIME.base.endswith("-slim")
    assert BUILDER.base == RUNTIME.base  # the venv's interpreter path must exist at run time


def test_the_runtime_stage_gets_only_the_virtual_environment() -> None:
    copies = RUNTIME.all("COPY")
    assert copies == ["--from=builder /opt/sprintsync /opt/sprintsync"]
    runs = " ".join(RUNTIME.all("RUN"))
    for tool in ("apt-get install", "gcc", "build-essential", "pip install"):
        assert tool not in runs
    assert "/opt/sprintsync/bin" in RUNTIME.env()["PATH"]


def test_the_runtime_stage_runs_as_an_unprivileged_user_with_a_health_check() -> None:
    assert RUNTIME.last("USER") not in ("root", "0")
    healthcheck = RUNTIME.last("HEALTHCHECK")
    assert "/readyz" in healthcheck
    assert "--interval" in healthcheck
    assert RUNTIME.last("STOPSIGNAL") == "SIGTERM"


def test_the_build_context_leaves_out_secrets_and_local_state() -> None:
    lines = [x.strip() for x in (ROOT / ".dockerignore").read_text().splitlines()]
    rules = [x for x in lines if x and not x.startswith("#")]
    assert rules[0] == "*", "ignore everything, then allow what the builder copies"
    allowed = {x.removeprefix("!").rstrip("/") for x in rules if x.startswith("!")}
    copied = set()
    for args in BUILDER.all("COPY"):
        *sources, _dest = args.split()
        copied.update(s.rstrip("/") for s in sources)
    assert copied <= allowed
    assert not allowed & {".env", ".venv", ".git", "var", "tests"}


def _exec_form(args: str) -> list[str]:
    value = json.loads(args)
    assert isinstance(value, list), "use the exec form, so the server gets SIGTERM itself"
    return value


@pytest.fixture(scope="module")
def built_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The builder stage's RUN, as written in the Dockerfile, with local paths."""
    (run,) = BUILDER.all("RUN")
    argv = shlex.split(run)
    assert argv[:2] == ["sh", "deploy/build-venv.sh"], run
    scratch = tmp_path_factory.mktemp("image")
    venv, wheels = scratch / "opt-sprintsync", scratch / "wheels"
    env = {**os.environ, "PYTHON": sys.executable}
    result = subprocess.run(
        ["sh", "deploy/build-venv.sh", str(venv), str(wheels)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert len(list(wheels.glob("sprintsync-*.whl"))) == 1
    return venv


@slow_deploy_check
# Building the wheel and installing every dependency into a fresh venv takes minutes on a
# busy machine; the suite's 300 s limit per test is for hangs, not for this.
@pytest.mark.timeout(1200)
def test_the_built_environment_serves_as_the_image_does(built_venv: Path, tmp_path: Path) -> None:
    # Nothing from the source tree or the development venv: only what the wheel installed.
    assert not (built_venv / "bin" / "pip").exists()
    assert not (built_venv / "bin" / "pytest").exists()
    assert not RUNTIME.all("ENTRYPOINT")
    command = _exec_form(RUNTIME.last("CMD"))
    assert command[0] == "sprintsync"
    command[0] = str(built_venv / "bin" / command[0])
    port = free_port()
    env = {
        "PATH": f"{built_venv / 'bin'}:/usr/bin:/bin",
        "HOME": str(tmp_path),
        "TMPDIR": str(tmp_path),
        **{k: v for k, v in RUNTIME.env().items() if k != "PATH"},
        # What a platform or an operator adds: the port, the secret, where the data lives.
        "PORT": str(port),
        "SPRINTSYNC_SECRET_KEY": TEST_SECRET,
        "SPRINTSYNC_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'data' / 'app.db'}",
    }
    log_path = tmp_path / "server.log"
    with log_path.open("wb") as log:
        # Started away from the repository, so the package can only come from the venv.
        proc = subprocess.Popen(
            command, cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            base = f"http://127.0.0.1:{port}"
            wait_for(f"{base}/readyz", proc, log_path)
            login = httpx.get(f"{base}/login", timeout=10)
            assert login.status_code == 200
            css = next(part for part in login.text.split('"') if part.startswith("/static/css/"))
            assert httpx.get(f"{base}{css}", timeout=10).status_code == 200
            assert "sprintsync_app_info" in httpx.get(f"{base}/metrics", timeout=10).text

            healthcheck = _exec_form(RUNTIME.last("HEALTHCHECK").split(" CMD ", 1)[1])
            assert healthcheck[0] == "python"
            healthcheck[0] = str(built_venv / "bin" / "python")
            check = subprocess.run(healthcheck, env=env, capture_output=True, timeout=10)
            assert check.returncode == 0, check.stderr

            started = time.monotonic()
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=float(env["SPRINTSYNC_SHUTDOWN_GRACE_SECONDS"]) + 10) == 0
            print(f"stopped {time.monotonic() - started:.1f} s after SIGTERM")
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    output = log_path.read_text()
    assert "Traceback" not in output
    # JSON log lines in production (the image's SPRINTSYNC_ENV).
    assert any(line.startswith("{") for line in output.splitlines())
