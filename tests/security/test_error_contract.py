"""What a refused request tells its client: status, code, message, details and the
`WWW-Authenticate` challenge, for each way authentication can refuse one."""

from __future__ import annotations

from tests.conftest import TEST_SECRET
from tests.factories import bearer, cookie_auth, make_user, token_for

ME = "/api/v1/auth/me"
USERS = "/api/v1/users"
TASKS = "/api/v1/tasks"
COOKIE = "sprintsync_session"


def _error(r, status: int) -> dict:
    assert r.status_code == status, r.text
    return r.json()["error"]


async def test_no_credentials_is_401_with_a_bearer_challenge(client, session) -> None:
    r = await client.get(ME)
    err = _error(r, 401)
    assert (err["code"], err["message"], err["details"]) == (
        "not_authenticated",
        "Authentication required.",
        None,
    )
    assert r.headers["www-authenticate"] == "Bearer"


async def test_a_bearer_scheme_without_a_token_is_not_authenticated(client, session) -> None:
    for header in ("Bearer", "Bearer "):
        r = await client.get(ME, headers={"Authorization": header})
        assert _error(r, 401)["code"] == "not_authenticated", header


async def test_surrounding_spaces_around_a_bearer_token_are_ignored(client, session) -> None:
    user = await make_user(session)
    token = token_for(user, TEST_SECRET)
    r = await client.get(ME, headers={"Authorization": f"Bearer  {token} "})
    assert r.status_code == 200, r.text
    assert r.json()["id"] == user.id


async def test_a_bad_authorization_header_is_not_rescued_by_a_valid_cookie(client, session) -> None:
    user = await make_user(session)
    cookie_auth(client, user, TEST_SECRET, COOKIE)
    assert (await client.get(ME)).status_code == 200
    for header in ("Basic dXNlcjpwYXNz", f"Token {token_for(user, TEST_SECRET)}", "Bearer"):
        r = await client.get(ME, headers={"Authorization": header})
        assert _error(r, 401)["code"] == "not_authenticated", header


async def test_an_invalid_token_says_to_log_in_again(client, session) -> None:
    r = await client.get(ME, headers={"Authorization": "Bearer not-a-jwt"})
    err = _error(r, 401)
    assert (err["code"], err["message"], err["details"]) == (
        "invalid_token",
        "Your session is invalid or has expired; log in again.",
        None,
    )
    assert r.headers["www-authenticate"] == "Bearer"


async def test_a_valid_token_of_a_gone_session_says_it_is_no_longer_valid(client, session) -> None:
    user = await make_user(session, token_version=2)
    stale = bearer(user, TEST_SECRET)
    user.token_version = 3
    await session.commit()
    r = await client.get(ME, headers=stale)
    err = _error(r, 401)
    assert (err["code"], err["message"], err["details"]) == (
        "invalid_token",
        "Your session is no longer valid; log in again.",
        None,
    )
    assert r.headers["www-authenticate"] == "Bearer"


async def test_a_cookie_request_without_its_csrf_token_is_told_so(client, session) -> None:
    user = await make_user(session)
    cookie_auth(client, user, TEST_SECRET, COOKIE)
    r = await client.post(TASKS, json={"title": "x"})
    err = _error(r, 403)
    assert (err["code"], err["message"], err["details"]) == (
        "csrf_failed",
        "Missing or invalid CSRF token.",
        None,
    )
    assert "www-authenticate" not in r.headers


async def test_a_non_admin_on_an_admin_route_is_told_it_is_for_administrators(
    client, session
) -> None:
    user = await make_user(session)
    err = _error(await client.get(USERS, headers=bearer(user, TEST_SECRET)), 403)
    assert (err["code"], err["message"], err["details"]) == (
        "admin_required",
        "Administrators only.",
        None,
    )


async def test_a_reset_password_allows_only_the_password_paths_and_says_why(
    client, session
) -> None:
    user = await make_user(session, must_change_password=True)
    h = bearer(user, TEST_SECRET)
    assert (await client.get(ME, headers=h)).status_code == 200
    err = _error(await client.get(TASKS, headers=h), 403)
    assert (err["code"], err["message"], err["details"]) == (
        "password_change_required",
        "An administrator reset your password; choose a new one to carry on.",
        None,
    )
