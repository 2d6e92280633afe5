"""The Grafana dashboard: valid JSON, provisioned data sources, and every query asking for a
metric the app really exports, with labels it really has (read from a live /metrics)."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import TEST_SECRET
from tests.deploy.helpers import ROOT
from tests.factories import bearer, make_task, make_user

DASHBOARD = ROOT / "deploy/observability/grafana/dashboards/sprintsync.json"
METRIC = re.compile(r"\bsprintsync_[a-z0-9_]+")
BY = re.compile(r"\bby\s*\(([^)]*)\)")
# Labels Prometheus adds to every scraped series (the `replica` one by relabelling).
TARGET_LABELS = {"job", "instance", "replica", "le"}
SUFFIXES = ("_bucket", "_count", "_sum", "_total", "_created")
PANELS = json.loads(DASHBOARD.read_text())["panels"]
PROMETHEUS_QUERIES = [
    target["expr"]
    for panel in PANELS
    if panel["datasource"]["uid"] == "prometheus"
    for target in panel["targets"]
]


def test_the_dashboard_covers_what_operators_watch() -> None:
    titles = " | ".join(panel["title"].lower() for panel in PANELS)
    for topic in (
        "request rate",
        "error rate",
        "p95 latency by route",
        "ai calls by outcome",
        "fallbacks by reason",
        "pool",
        "tasks by status",
    ):
        assert topic in titles
    assert {panel["datasource"]["uid"] for panel in PANELS} == {"prometheus", "loki"}
    assert len({panel["id"] for panel in PANELS}) == len(PANELS)


async def _live_metrics(client: httpx.AsyncClient, session: Any) -> dict[str, set[str]]:
    """Metric family and sample names from /metrics, each with the labels seen on it."""
    user = await make_user(session)
    await make_task(session, user)
    await client.get("/api/v1/tasks", headers=bearer(user, TEST_SECRET))
    ai = {"mode": "description", "title": "Fix crash when saving an empty task"}
    r = await client.post("/api/v1/ai/suggest", json=ai, headers=bearer(user, TEST_SECRET))
    assert r.status_code == 200, r.text
    text = (await client.get("/metrics")).text
    names: dict[str, set[str]] = {}
    for family in text_string_to_metric_families(text):
        names.setdefault(family.name, set())
        for sample in family.samples:
            names.setdefault(sample.name, set()).update(sample.labels)
            names[family.name].update(sample.labels)
    return names


async def test_every_query_names_an_exported_metric_and_its_labels(client, session) -> None:
    exported = await _live_metrics(client, session)
    assert PROMETHEUS_QUERIES
    for query in PROMETHEUS_QUERIES:
        metrics = METRIC.findall(query)
        assert metrics, query
        labels: set[str] = set()
        for name in metrics:
            base = next((name.removesuffix(s) for s in SUFFIXES if name.endswith(s)), name)
            assert name in exported or base in exported, f"{name} is not exported: {query}"
            labels |= exported.get(name, set()) | exported.get(base, set())
        for group in BY.findall(query):
            for label in (x.strip() for x in group.split(",")):
                # Labelled metrics with no samples yet (no AI call made) show no labels.
                if labels:
                    assert label in labels | TARGET_LABELS, f"no label {label}: {query}"
