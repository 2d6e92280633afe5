"""The deploy configurations, read as data: compose, Railway, Render, Kubernetes, CI.

Each is checked for what a broken deploy would show first: services ordered by health,
health checks on the app's real probe paths, the release step a real command, and every
environment variable a real setting of the app (a typo there is silently ignored).
"""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import typer
import yaml

from sprintsync.cli import app as cli_app
from sprintsync.config import Settings
from tests.deploy.helpers import ROOT
from tests.test_readme import PREFIX, env_names

SETTINGS = set(env_names(Settings, PREFIX))
# Set by the platform (Render, Railway, Kubernetes), read by `sprintsync serve --port`.
PLATFORM_VARIABLES = {"PORT"}
KUBERNETES = ROOT / "deploy" / "kubernetes"
PROBE_PATHS = {"/healthz", "/readyz"}


def _load(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


def _unknown_settings(names: set[str]) -> set[str]:
    return {n for n in names if n not in SETTINGS and n not in PLATFORM_VARIABLES}


def _is_cli_command(command: list[str]) -> bool:
    """`sprintsync db upgrade` names a real command of the app's CLI, with valid options."""
    if not command or command[0] != "sprintsync":
        return False
    current: Any = typer.main.get_command(cli_app)
    args = list(command[1:])
    while hasattr(current, "commands"):  # a group (typer may bring a click of its own)
        if not args or args[0] not in current.commands:
            return False
        current, args = current.commands[args[0]], args[1:]
    try:
        current.make_context(current.name or "sprintsync", args)
    except Exception:  # click's usage errors, whichever click typer runs on
        return False
    return True


def test_the_release_commands_are_real_cli_commands() -> None:
    assert _is_cli_command(["sprintsync", "db", "upgrade"])
    assert _is_cli_command(["sprintsync", "serve", "--host", "0.0.0.0"])
    assert not _is_cli_command(["sprintsync", "db", "migrate"])
    assert not _is_cli_command(["sprintsync", "db"])
    assert not _is_cli_command(["sprintsync", "serve", "--hots", "0.0.0.0"])


# --- compose ---------------------------------------------------------------------------

COMPOSE = _load(ROOT / "compose.yaml")
SERVICES: dict[str, Any] = COMPOSE["services"]


def test_compose_starts_the_app_after_healthy_database_redis_and_migrations() -> None:
    app = SERVICES["app"]
    assert app["depends_on"]["db"]["condition"] == "service_healthy"
    assert app["depends_on"]["redis"]["condition"] == "service_healthy"
    assert app["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert SERVICES["migrate"]["depends_on"]["db"]["condition"] == "service_healthy"
    assert _is_cli_command(SERVICES["migrate"]["command"])
    assert app["environment"]["SPRINTSYNC_MIGRATE_ON_START"] == "false"


def test_every_long_running_compose_service_has_a_health_check() -> None:
    for name, service in SERVICES.items():
        if name in ("migrate", "alloy"):
            continue  # a one-off job; Alloy's image has no shell tool to probe with
        assert "healthcheck" in service, f"{name} has no health check"
    assert "/readyz" in " ".join(SERVICES["app"]["healthcheck"]["test"])


def test_compose_keeps_data_in_named_volumes() -> None:
    declared = set(COMPOSE["volumes"])
    used = set()
    for service in SERVICES.values():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith((".", "/")):
                path = ROOT / source if source.startswith(".") else Path(source)
                assert source == "/var/run/docker.sock" or path.exists(), f"missing {source}"
            else:
                used.add(source)
    assert used == declared
    assert "pgdata" in declared


def test_compose_sets_only_real_settings() -> None:
    for name in ("app", "migrate"):
        environment = SERVICES[name]["environment"]
        assert not _unknown_settings(set(environment)), name
    assert {"SPRINTSYNC_SECRET_KEY", "SPRINTSYNC_DATABASE_URL", "SPRINTSYNC_REDIS_URL"} <= set(
        SERVICES["app"]["environment"]
    )


def test_the_observability_profile_has_the_monitoring_stack() -> None:
    profiled = {n for n, s in SERVICES.items() if "observability" in s.get("profiles", [])}
    assert profiled == {"prometheus", "grafana", "loki", "alloy"}
    assert not {"app", "db", "redis", "migrate"} & profiled
    alloy = (ROOT / "deploy/observability/config.alloy").read_text()
    assert "http://loki:3100/loki/api/v1/push" in alloy
    assert '"app"' in alloy  # only the app's containers are shipped


def test_the_grafana_data_sources_are_the_compose_services() -> None:
    provisioned = _load(
        ROOT / "deploy/observability/grafana/provisioning/datasources/datasources.yaml"
    )
    urls = {d["uid"]: d["url"] for d in provisioned["datasources"]}
    assert urls == {"prometheus": "http://prometheus:9090", "loki": "http://loki:3100"}


def test_the_loki_config_is_valid_yaml_with_retention() -> None:
    loki = _load(ROOT / "deploy/observability/loki.yaml")
    assert loki["compactor"]["retention_enabled"] is True


# --- Prometheus config -----------------------------------------------------------------


@pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool not installed")
def test_promtool_accepts_the_shipped_prometheus_config() -> None:
    result = subprocess.run(
        ["promtool", "check", "config", str(ROOT / "deploy/observability/prometheus.yml")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_prometheus_scrapes_every_app_replica_by_the_service_name() -> None:
    config = _load(ROOT / "deploy/observability/prometheus.yml")
    (job,) = [j for j in config["scrape_configs"] if j["job_name"] == "sprintsync"]
    assert job["metrics_path"] == "/metrics"
    (dns,) = job["dns_sd_configs"]
    assert dns["names"] == ["app"]
    assert dns["port"] == 8000


# --- Railway and Render ----------------------------------------------------------------


def test_railway_builds_the_dockerfile_migrates_and_checks_readiness() -> None:
    railway = json.loads((ROOT / "railway.json").read_text())
    assert railway["build"]["builder"] == "DOCKERFILE"
    deploy = railway["deploy"]
    assert deploy["healthcheckPath"] in PROBE_PATHS
    for command in deploy["preDeployCommand"]:
        assert _is_cli_command(shlex.split(command))


RENDER = _load(ROOT / "render.yaml")


def test_render_wires_its_database_and_key_value_store_into_real_settings() -> None:
    (web,) = [s for s in RENDER["services"] if s["type"] == "web"]
    assert web["runtime"] == "docker"
    assert web["healthCheckPath"] in PROBE_PATHS
    assert _is_cli_command(shlex.split(web["preDeployCommand"]))
    variables = {v["key"]: v for v in web["envVars"]}
    assert not _unknown_settings(set(variables))
    database = variables["SPRINTSYNC_DATABASE_URL"]["fromDatabase"]["name"]
    assert database in {d["name"] for d in RENDER["databases"]}
    redis = variables["SPRINTSYNC_REDIS_URL"]["fromService"]
    assert (redis["type"], redis["name"]) in {(s["type"], s["name"]) for s in RENDER["services"]}
    assert variables["SPRINTSYNC_SECRET_KEY"]["generateValue"] is True
    assert variables["SPRINTSYNC_MIGRATE_ON_START"]["value"] == "false"


# --- Kubernetes ------------------------------------------------------------------------


def _render_kustomization(overlay: Path, tmp_path: Path) -> list[dict[str, Any]]:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl not installed (its built-in kustomize renders the manifests)")
    copy = tmp_path / "kubernetes"
    shutil.copytree(KUBERNETES, copy)
    target = copy / overlay.relative_to(KUBERNETES)
    example = target / "secrets.env.example"
    if example.exists():
        shutil.copy(example, target / "secrets.env")
    result = subprocess.run(
        [kubectl, "kustomize", str(target)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


@pytest.fixture(scope="module")
def manifests(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Any]:
    docs = _render_kustomization(
        KUBERNETES / "overlays" / "production", tmp_path_factory.mktemp("k8s")
    )
    return {(d["kind"], d["metadata"]["name"]): d for d in docs}


def _app_deployment(manifests: dict[tuple[str, str], Any]) -> Any:
    return manifests[("Deployment", "sprintsync")]


def _container(workload: Any) -> Any:
    (container,) = workload["spec"]["template"]["spec"]["containers"]
    return container


def test_the_chart_has_every_part_of_a_deployment(manifests) -> None:
    kinds = {kind for kind, _ in manifests}
    assert {
        "Deployment",
        "Service",
        "Ingress",
        "PodDisruptionBudget",
        "Job",
        "ConfigMap",
        "Secret",
    } <= kinds


def test_replicas_have_probes_resources_and_a_graceful_stop(manifests) -> None:
    deployment = _app_deployment(manifests)
    assert deployment["spec"]["replicas"] >= 2
    container = _container(deployment)
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    resources = container["resources"]
    assert resources["requests"]["cpu"]
    assert resources["requests"]["memory"]
    assert resources["limits"]["memory"]
    config = manifests[("ConfigMap", "sprintsync-config")]["data"]
    pause = int(container["lifecycle"]["preStop"]["exec"]["command"][-1])
    grace = deployment["spec"]["template"]["spec"]["terminationGracePeriodSeconds"]
    assert pause + int(config["SPRINTSYNC_SHUTDOWN_GRACE_SECONDS"]) < grace
    assert _is_cli_command(container["command"])


def test_the_service_ingress_and_disruption_budget_select_the_replicas(manifests) -> None:
    labels = _app_deployment(manifests)["spec"]["template"]["metadata"]["labels"]
    service = manifests[("Service", "sprintsync")]
    assert service["spec"]["selector"].items() <= labels.items()
    pdb = manifests[("PodDisruptionBudget", "sprintsync")]
    assert pdb["spec"]["selector"]["matchLabels"].items() <= labels.items()
    assert pdb["spec"]["minAvailable"] >= 1
    ingress = manifests[("Ingress", "sprintsync")]
    backend = ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
    assert backend["name"] == "sprintsync"
    assert backend["port"]["name"] in {p["name"] for p in service["spec"]["ports"]}


def test_the_migration_job_runs_the_upgrade_with_the_same_settings(manifests) -> None:
    job = manifests[("Job", "sprintsync-migrate")]
    container = _container(job)
    assert container["command"] == ["sprintsync", "db", "upgrade"]
    assert container["envFrom"] == _container(_app_deployment(manifests))["envFrom"]
    config = manifests[("ConfigMap", "sprintsync-config")]["data"]
    assert config["SPRINTSYNC_MIGRATE_ON_START"] == "false"


def test_settings_come_from_the_config_map_and_secrets_from_the_secret(manifests) -> None:
    sources = _container(_app_deployment(manifests))["envFrom"]
    config_name = next(s["configMapRef"]["name"] for s in sources if "configMapRef" in s)
    secret_name = next(s["secretRef"]["name"] for s in sources if "secretRef" in s)
    config = manifests[("ConfigMap", config_name)]["data"]
    secret = manifests[("Secret", secret_name)]["data"]
    assert not _unknown_settings(set(config) | set(secret))
    assert {"SPRINTSYNC_SECRET_KEY", "SPRINTSYNC_DATABASE_URL"} <= set(secret)
    assert "SPRINTSYNC_SECRET_KEY" not in config


def test_more_than_one_replica_gets_redis(manifests) -> None:
    replicas = _app_deployment(manifests)["spec"]["replicas"]
    config = manifests[("ConfigMap", "sprintsync-config")]["data"]
    if replicas > 1:
        url = config.get("SPRINTSYNC_REDIS_URL", "")
        assert url.startswith("redis://sprintsync-redis:")
        assert ("Service", "sprintsync-redis") in manifests
        assert ("Deployment", "sprintsync-redis") in manifests


def test_pods_run_unprivileged_on_a_read_only_root(manifests) -> None:
    for name in ("sprintsync", "sprintsync-migrate"):
        kind = "Deployment" if name == "sprintsync" else "Job"
        pod = manifests[(kind, name)]["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        container = _container(manifests[(kind, name)])
        assert container["securityContext"]["readOnlyRootFilesystem"] is True
        assert container["securityContext"]["allowPrivilegeEscalation"] is False


def test_the_committed_secret_example_is_refused_by_the_app() -> None:
    example = KUBERNETES / "overlays" / "production" / "secrets.env.example"
    values = dict(
        line.split("=", 1)
        for line in example.read_text().splitlines()
        if line and not line.startswith("#")
    )
    with pytest.raises(ValueError, match="SPRINTSYNC_SECRET_KEY"):
        Settings(_env_file=None, env="production", secret_key=values["SPRINTSYNC_SECRET_KEY"])


# --- image and CI ----------------------------------------------------------------------


def test_the_image_sets_only_real_settings() -> None:
    from tests.deploy.test_image import RUNTIME

    names = {n for n in RUNTIME.env() if n.startswith(PREFIX)}
    assert names
    assert not _unknown_settings(names)


WORKFLOW = _load(ROOT / ".github" / "workflows" / "ci.yml")


def test_ci_runs_lint_then_types_then_tests_with_services_then_the_image() -> None:
    jobs = WORKFLOW["jobs"]
    assert set(jobs["test"]["needs"]) == {"lint", "typecheck"}
    assert jobs["image"]["needs"] == ["test"]
    assert {"postgres", "redis"} <= set(jobs["test"]["services"])
    runs = [step.get("run", "") for step in jobs["test"]["steps"]]
    assert "make test" in runs
    assert any("mypy" in step.get("run", "") for step in jobs["typecheck"]["steps"])
    assert any("make lint" in step.get("run", "") for step in jobs["lint"]["steps"])
    assert any(
        "docker/build-push-action" in step.get("uses", "") for step in jobs["image"]["steps"]
    )


def test_ci_sets_what_ci_run_sets_before_make_test() -> None:
    script = (ROOT / ".ci" / "run").read_text()
    env = WORKFLOW["jobs"]["test"]["env"]
    assert "export SPRINTSYNC_REQUIRE_POSTGRES=1" in script
    assert env["SPRINTSYNC_REQUIRE_POSTGRES"] == "1"
    assert "SPRINTSYNC_TEST_DATABASE_URL" in script
    assert env["SPRINTSYNC_TEST_DATABASE_URL"].endswith("/sprintsync_test")
