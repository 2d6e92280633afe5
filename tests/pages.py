"""Helpers for page tests over real HTTP (no browser): cookie sessions and CSRF fields."""

from __future__ import annotations

import re

from tests.conftest import TEST_SECRET
from tests.factories import cookie_auth

HTMX = {"HX-Request": "true"}


def login_cookie(client, user, settings) -> str:
    """Authenticate `client` by cookie; the CSRF token that forms must carry."""
    return cookie_auth(client, user, TEST_SECRET, settings.cookie_name)["X-CSRF-Token"]


async def csrf_header_from_page(client, path: str = "/tasks") -> dict[str, str]:
    """The CSRF header of `client`'s cookie session as a rendered page hands it out: its
    `<meta name="csrf-token">`, which must agree with every form's hidden field (read from the
    page, never computed with the production function, so a page rendering the wrong token
    fails the test)."""
    r = await client.get(path)
    assert r.status_code == 200, r.text
    match = re.search(r'<meta name="csrf-token" content="([^"]+)"', r.text)
    assert match, "the page has no CSRF meta tag"
    fields = set(re.findall(r'name="csrf_token" value="([^"]+)"', r.text))
    assert fields <= {match.group(1)}, "a form carries another token than the meta tag"
    return {"X-CSRF-Token": match.group(1)}


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the page has no CSRF field"
    return match.group(1)
