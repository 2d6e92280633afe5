"""Helpers for page tests over real HTTP (no browser): cookie sessions and CSRF fields."""

from __future__ import annotations

import re

from tests.conftest import TEST_SECRET
from tests.factories import cookie_auth

HTMX = {"HX-Request": "true"}


def login_cookie(client, user, settings) -> str:
    """Authenticate `client` by cookie; the CSRF token that forms must carry."""
    return cookie_auth(client, user, TEST_SECRET, settings.cookie_name)["X-CSRF-Token"]


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the page has no CSRF field"
    return match.group(1)
