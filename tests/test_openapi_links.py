"""The OpenAPI links (sprintsync/openapi.py `LINKS`) name real operations, fill exactly their
path parameters from fields the source answer has, and are served in /openapi.json beside
working /docs."""

from __future__ import annotations

from typing import Any

import httpx

from sprintsync.openapi import LINKS


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
    if "anyOf" in node:  # an optional object: the non-null branch
        node = next(n for n in node["anyOf"] if n.get("type") != "null")
        return _resolve(schema, node)
    return node


def _has_field(schema: dict[str, Any], body: dict[str, Any], pointer: str) -> bool:
    node = body
    for part in pointer.strip("/").split("/"):
        node = _resolve(schema, node)
        if part.isdigit() and node.get("type") == "array":
            node = node["items"]
        elif part in node.get("properties", {}):
            node = node["properties"][part]
        else:
            return False
    return True


def _operations(schema: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        op["operationId"]: op
        for path in schema["paths"].values()
        for op in path.values()
        if isinstance(op, dict) and "operationId" in op
    }


async def test_every_link_names_a_real_operation_and_its_parameters(
    client: httpx.AsyncClient,
) -> None:
    schema = (await client.get("/openapi.json")).json()
    operations = _operations(schema)
    for (source, status), links in LINKS.items():
        response = operations[source]["responses"][status]
        body = response["content"]["application/json"]["schema"]
        source_path = {p["name"] for p in operations[source].get("parameters", [])}
        assert set(response["links"]) == set(links)
        for name, link in response["links"].items():
            target = operations[link["operationId"]]
            wanted = {p["name"] for p in target.get("parameters", []) if p["in"] == "path"}
            assert set(link["parameters"]) == wanted, (source, name)
            for expression in [*link["parameters"].values(), *link.get("requestBody", {}).values()]:
                if expression.startswith("$response.body#"):
                    assert _has_field(schema, body, expression.split("#", 1)[1]), expression
                else:
                    assert expression.removeprefix("$request.path.") in source_path, expression


async def test_docs_still_render_with_links(client: httpx.AsyncClient) -> None:
    docs = await client.get("/docs")
    assert docs.status_code == 200
    assert "/openapi.json" in docs.text
    schema = (await client.get("/openapi.json")).json()
    created = schema["paths"]["/api/v1/tasks"]["post"]["responses"]["201"]
    assert created["links"]["GetTask"] == {
        "operationId": "get_task_api_v1_tasks__task_ref__get",
        "parameters": {"task_ref": "$response.body#/id"},
    }
