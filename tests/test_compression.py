"""Responses are compressed with brotli or gzip above a size threshold, and only then."""

from __future__ import annotations

import gzip
from collections.abc import AsyncIterator

import brotli
import httpx
import pytest
from fastapi import FastAPI

from sprintsync.compression import choose_encoding
from sprintsync.web.assets import static_url


@pytest.fixture
async def raw_client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A client that shows the bytes as sent (httpx would decode gzip and brotli itself)."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c


async def _raw(client: httpx.AsyncClient, url: str, accept: str) -> httpx.Response:
    request = client.build_request("GET", url, headers={"Accept-Encoding": accept})
    response = await client.send(request, stream=True)
    response._content = b"".join([chunk async for chunk in response.aiter_raw()])
    await response.aclose()
    return response


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("gzip, deflate, br, zstd", "br"),
        ("gzip", "gzip"),
        ("br;q=0, gzip", "gzip"),
        ("gzip;q=0", None),
        ("identity", None),
        ("", None),
        ("*", "gzip"),
    ],
)
def test_the_encoding_follows_accept_encoding(header: str, expected: str | None) -> None:
    assert choose_encoding(header) == expected


async def test_a_page_is_brotli_compressed_for_browsers_that_accept_it(raw_client) -> None:
    plain = (await raw_client.get("/login", headers={"Accept-Encoding": "identity"})).content
    r = await _raw(raw_client, "/login", "gzip, deflate, br")
    assert r.status_code == 200
    assert r.headers["content-encoding"] == "br"
    assert "accept-encoding" in r.headers["vary"].lower()
    assert int(r.headers["content-length"]) == len(r.content) < len(plain) / 2
    # Same page apart from the per-visit CSRF token.
    assert len(brotli.decompress(r.content)) == len(plain)


async def test_gzip_when_brotli_is_not_accepted(raw_client) -> None:
    r = await _raw(raw_client, "/openapi.json", "gzip")
    assert r.headers["content-encoding"] == "gzip"
    plain = (await raw_client.get("/openapi.json", headers={"Accept-Encoding": ""})).content
    assert gzip.decompress(r.content) == plain


async def test_small_responses_and_refusing_clients_get_identity(raw_client) -> None:
    small = await _raw(raw_client, "/healthz", "br, gzip")
    assert "content-encoding" not in small.headers
    assert small.content == b'{"status":"ok"}'
    refused = await _raw(raw_client, "/openapi.json", "identity")
    assert "content-encoding" not in refused.headers


async def test_a_large_static_file_is_compressed_while_streamed(raw_client) -> None:
    url = static_url("vendor/swagger-ui-bundle.js")
    plain = (await raw_client.get(url, headers={"Accept-Encoding": ""})).content
    assert len(plain) > 256 * 1024  # sent in several chunks
    r = await _raw(raw_client, url, "br")
    assert r.headers["content-encoding"] == "br"
    assert "content-length" not in r.headers
    assert r.headers["etag"].startswith("W/")
    assert brotli.decompress(r.content) == plain
    assert len(r.content) < len(plain) / 3
